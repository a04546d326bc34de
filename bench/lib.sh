# shellcheck shell=bash
# Helpers shared by the bench scripts (sourced, not run): reading the "BENCH NAME k=v ..."
# lines the bench guests print, and reducing them to medians and ratios.

HVEMU=${HVEMU:-build/hvemu}
G=${GUESTS:-build/guest}

# bench_start "FIGURE..." GUEST: when /dev/kvm or $G/GUEST.elf is missing, prints
# "bench FIGURE: skipped (why)" for each figure and exits 0; otherwise makes $tmp, a scratch
# directory removed on exit.
bench_start() {
	local why=""
	[ -c /dev/kvm ] || why="/dev/kvm is not available"
	[ -n "$why" ] || [ -f "$G/$2.elf" ] || why="no $G/$2.elf"
	if [ -n "$why" ]; then
		for f in $1; do echo "bench $f: skipped ($why)"; done
		exit 0
	fi
	tmp=$(mktemp -d "/tmp/hvemu-bench-$2.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
}

# median of numbers on stdin (one per line); "nan" when there are none
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "nan"; else print a[int((NR+1)/2)]}'; }

# stats: "median p99 max" of numbers on stdin (one per line); "nan nan nan" when none
stats() {
	sort -g | awk '{a[NR]=$1} END {if (NR==0) {print "nan nan nan"; exit}
		p=int(NR*0.99+0.999); if (p<1) p=1; print a[int((NR+1)/2)], a[p], a[NR]}'
}

# field NAME KEY FILE...: the KEY= values of the "BENCH NAME ..." lines, one per line
field() {
	local name=$1 key=$2
	shift 2
	awk -v n="$name" -v k="$key" '$1 == "BENCH" && $2 == n {
		for (i = 3; i <= NF; i++) if (index($i, k "=") == 1) print substr($i, length(k) + 2) }' "$@"
}

# ratio A B: A / B to three places; nothing when either is missing or B is not positive
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b != "" && b > 0) printf "%.3f\n", a / b }'; }

# et KIND KEY FILE...: the KEY= values of hvemu's "exit timing: KIND ..." summary lines
# (--exit-timing, kvm/exit_timing.c), one per file
et() {
	local kind=$1 key=$2
	shift 2
	awk -v k="$kind" -v f="$key" '$0 ~ "exit timing: " k " " {
		for (i = 1; i <= NF; i++) if (index($i, f "=") == 1) print substr($i, length(f) + 2) }' "$@"
}

# modes: the values on stdin (one per run) as "N runs: min..max" when they form one group,
# else "low mode: median M (k runs), high mode: median M (k runs)", split at the largest
# jump between sorted values when it is a factor of 1.5 or more (a bimodal figure: which
# mode a run lands in depends on the host, not on hvemu)
modes() {
	sort -g | awk '{v[NR] = $1} END {
		if (NR == 0) { print "no runs"; exit }
		cut = 0; best = 1.5
		for (i = 1; i < NR; i++) if (v[i] > 0 && v[i + 1] / v[i] >= best) { best = v[i + 1] / v[i]; cut = i }
		if (!cut) { printf "%d runs, one mode: %s..%s\n", NR, v[1], v[NR]; exit }
		printf "low mode: median %s (%d runs), high mode: median %s (%d runs)\n",
			v[int((cut + 1) / 2)], cut, v[cut + int((NR - cut + 1) / 2)], NR - cut }'
}
