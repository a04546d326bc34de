#!/usr/bin/env bash
# Runs every test suite and prints the CI summary line "N passed, N failed, N skipped".
#
# A suite is any command that prints TAP lines ("ok N - name", "not ok N - name",
# "ok N - name # SKIP reason") and one plan line "1..N". One failed test is added for a
# suite that exits non-zero without reporting a failure, that times out, that reports no
# test at all, or whose plan is missing or does not match the results it printed (a
# truncated run): a crash or a silent suite is never counted as a pass.
#
# Usage: scripts/run-tests.sh [--only REGEX] [--log DIR]
#        scripts/run-tests.sh --check-log NAME LOG RC   (the verdict on one suite's output
#        LOG, which exited with RC; LOG absolute or relative to the repository root)
set -u
cd "$(dirname "$0")/.."

ONLY=""
LOGDIR=build/test-logs
CHECK_LOG=()
while [ $# -gt 0 ]; do
	case "$1" in
	--only) ONLY="$2"; shift 2 ;;
	--log) LOGDIR="$2"; shift 2 ;;
	--check-log) CHECK_LOG=("$2" "$3" "$4"); shift 4 ;;
	*) echo "usage: $0 [--only REGEX] [--log DIR] | --check-log NAME LOG RC" >&2; exit 2 ;;
	esac
done

PASS=0 FAIL=0 SKIP=0
FAILED_NAMES=()

# suite_verdict NAME LOG RC TMO: counts LOG's results into p, f and s, and appends a
# "not ok - NAME: why" line (counted in f) when the suite itself went wrong.
suite_verdict() {
	local name="$1" log="$2" rc="$3" tmo="$4" plans plan n why=""
	p=$(grep -cE '^ok [0-9]+' "$log")
	s=$(grep -cE '^ok [0-9]+.*# SKIP' "$log")
	f=$(grep -cE '^not ok [0-9]+' "$log")
	n=$((p + f))
	p=$((p - s))
	plans=$(grep -cE '^1\.\.[0-9]+$' "$log")
	plan=$(grep -E '^1\.\.[0-9]+$' "$log" | tail -1)
	plan=${plan#1..}
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		why="timed out after ${tmo}s"
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		why="exited with status $rc without reporting a failure"
	elif [ "$n" -eq 0 ]; then
		why="reported no test"
	elif [ "$plans" -ne 1 ]; then
		why="$plans plan lines (want one 1..N)"
	elif [ "$plan" -ne "$n" ]; then
		why="plan 1..$plan but $n results: truncated or miscounted"
	fi
	if [ -n "$why" ]; then
		echo "not ok - $name: $why" >>"$log"
		f=$((f + 1))
	fi
}

if [ ${#CHECK_LOG[@]} -gt 0 ]; then
	[ -f "${CHECK_LOG[1]}" ] || { echo "$0: no log ${CHECK_LOG[1]}" >&2; exit 2; }
	suite_verdict "${CHECK_LOG[0]}" "${CHECK_LOG[1]}" "${CHECK_LOG[2]}" 0
	echo "$p passed $f failed $s skipped"
	[ "$f" -eq 0 ]
	exit
fi
mkdir -p "$LOGDIR"

# run_suite NAME TIMEOUT_S CMD...
run_suite() {
	local name="$1" tmo="$2"; shift 2
	if [ -n "$ONLY" ] && ! [[ "$name" =~ $ONLY ]]; then
		return
	fi
	local log="$LOGDIR/${name//\//_}.log" start end rc p f s
	start=$(date +%s)
	timeout --kill-after=10 "$tmo" "$@" >"$log" 2>&1
	rc=$?
	end=$(date +%s)
	suite_verdict "$name" "$log" "$rc" "$tmo"
	PASS=$((PASS + p)); FAIL=$((FAIL + f)); SKIP=$((SKIP + s))
	printf '%-34s %4d passed %3d failed %3d skipped  (%ds)\n' "$name" "$p" "$f" "$s" $((end - start))
	grep -E '^ok [0-9]+.*# SKIP' "$log" | sed 's/^/    /' | head -5
	if [ "$f" -gt 0 ]; then
		FAILED_NAMES+=("$name")
		{ grep -E '^(not ok|# )' "$log" | head -40; grep -E '^not ok - ' "$log"; } |
			awk '!seen[$0]++' | sed 's/^/    /'
	fi
}

# Host unit tests (no /dev/kvm needed).
for t in build/tests/test_*; do
	[ -x "$t" ] || continue
	run_suite "unit/$(basename "$t")" 300 "$t"
done
# Unit tests of threaded code under ThreadSanitizer.
for t in build/tsan/tests/test_*; do
	[ -x "$t" ] || continue
	run_suite "tsan/$(basename "$t")" 600 env TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" "$t"
done
# Unit tests under ASan+UBSan.
for t in build/asan/tests/test_*; do
	[ -x "$t" ] || continue
	run_suite "asan/$(basename "$t")" 600 env ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$t"
done
# Bounded fuzzing runs.
for t in build/fuzz/fuzz_*; do
	[ -x "$t" ] || continue
	run_suite "fuzz/$(basename "$t")" 300 scripts/fuzz-run.sh "$t"
done
# End-to-end tests on KVM (each skips with its reason when /dev/kvm is unusable). A script
# may set its own limit with a "# timeout: SECONDS" line in its header.
e2e_timeout() { sed -n '1,5s/^# timeout: \([0-9]\+\)$/\1/p' "$1" | head -1 | grep . || echo 900; }
for t in tests/e2e/[0-9]*.sh; do
	[ -f "$t" ] || continue
	run_suite "e2e/$(basename "$t" .sh)" "$(e2e_timeout "$t")" bash "$t"
done
# The guest tests again with the ASan+UBSan build of hvemu.
if [ -x build/asan/hvemu ]; then
	for t in tests/e2e/[0-9]*.sh; do
		grep -q '^# asan: yes' "$t" || continue
		run_suite "e2e-asan/$(basename "$t" .sh)" 900 env HVEMU=build/asan/hvemu \
			ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 bash "$t"
	done
fi

if [ ${#FAILED_NAMES[@]} -gt 0 ]; then
	echo "failed suites: ${FAILED_NAMES[*]} (logs in $LOGDIR)"
fi
echo "$PASS passed, $FAIL failed, $SKIP skipped"
[ "$FAIL" -eq 0 ]
