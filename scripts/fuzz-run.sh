#!/usr/bin/env bash
# Bounded libFuzzer run for `make check`: FUZZ_RUNS iterations (default 200000) over the
# in-tree seed corpus; reports one TAP line. Crashes leave their input in build/fuzz/crashes.
set -u
fz="$1"
name=$(basename "$fz")
corpus="tests/fuzz/corpus/${name#fuzz_}"
work="build/fuzz/corpus-$name"
mkdir -p "$work" build/fuzz/crashes
[ -d "$corpus" ] && cp -n "$corpus"/* "$work"/ 2>/dev/null
if "$fz" -runs="${FUZZ_RUNS:-200000}" -max_len=4096 -artifact_prefix=build/fuzz/crashes/ \
	-print_final_stats=1 "$work" >"build/fuzz/$name.log" 2>&1; then
	n=$(grep -m1 'stat::number_of_executed_units' "build/fuzz/$name.log" | awk '{print $2}')
	if [ "${n:-0}" -gt 0 ]; then
		echo "ok 1 - $name: $n inputs, no crash"
	else
		echo "not ok 1 - $name: ran no input (see build/fuzz/$name.log)"
	fi
else
	tail -30 "build/fuzz/$name.log" | sed 's/^/# /'
	echo "not ok 1 - $name: crash or sanitizer report (see build/fuzz/$name.log)"
fi
echo "1..1"
