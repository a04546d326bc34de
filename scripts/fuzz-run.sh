#!/usr/bin/env bash
# One bounded libFuzzer run: FUZZ_RUNS executions (default 200000, the `make check` run)
# over the in-tree seed corpus (tests/fuzz/corpus/<target>) plus what earlier runs found
# (build/fuzz/corpus-<target>); reports one TAP line with the executions, exec/s and
# libFuzzer's coverage figures (cov: edges, ft: features). Crashes leave their input in
# build/fuzz/crashes.
#
# FUZZ_MERGE=1: afterwards, add to the in-tree corpus the inputs of this run that reach
# features it lacks (libFuzzer -merge=1: the seeds stay, only new coverage is added).
set -u
fz="$1"
name=$(basename "$fz")
target=${name#fuzz_}
corpus="tests/fuzz/corpus/$target"
work="build/fuzz/corpus-$name"
log="build/fuzz/$name.log"
mkdir -p "$work" build/fuzz/crashes
[ -d "$corpus" ] && cp -n "$corpus"/* "$work"/ 2>/dev/null
if "$fz" -runs="${FUZZ_RUNS:-200000}" -max_len=4096 -artifact_prefix=build/fuzz/crashes/ \
	-print_final_stats=1 "$work" >"$log" 2>&1; then
	execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
	rate=$(awk '/stat::average_exec_per_sec/ {print $2}' "$log")
	done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")
	if [ "${execs:-0}" -gt 0 ]; then
		echo "ok 1 - $name: $execs inputs, $rate exec/s, cov $cov ft $ft, no crash"
	else
		echo "not ok 1 - $name: ran no input (see $log)"
	fi
else
	tail -30 "$log" | sed 's/^/# /'
	echo "not ok 1 - $name: crash or sanitizer report (see $log)"
	echo "1..1"
	exit 0
fi
if [ "${FUZZ_MERGE:-0}" = 1 ]; then
	mkdir -p "$corpus"
	before=$(ls "$corpus" | wc -l)
	if "$fz" -merge=1 -max_len=4096 "$corpus" "$work" >>"$log" 2>&1; then
		echo "# $name: in-tree corpus $before -> $(ls "$corpus" | wc -l) inputs"
	else
		echo "# $name: merge failed (see $log)"
	fi
fi
echo "1..1"
