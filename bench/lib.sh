# shellcheck shell=bash
# Helpers shared by the bench scripts (sourced, not run): reading the "BENCH NAME k=v ..."
# lines the bench guests print, and reducing them to medians and ratios.

# median of numbers on stdin (one per line); "nan" when there are none
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "nan"; else print a[int((NR+1)/2)]}'; }

# field NAME KEY FILE...: the KEY= values of the "BENCH NAME ..." lines, one per line
field() {
	local name=$1 key=$2
	shift 2
	awk -v n="$name" -v k="$key" '$1 == "BENCH" && $2 == n {
		for (i = 3; i <= NF; i++) if (index($i, k "=") == 1) print substr($i, length(k) + 2) }' "$@"
}

# ratio A B: A / B to three places; nothing when either is missing or B is not positive
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b != "" && b > 0) printf "%.3f\n", a / b }'; }
