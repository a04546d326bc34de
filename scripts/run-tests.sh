#!/usr/bin/env bash
# Runs every test suite and prints the CI summary line "N passed, N failed, N skipped".
#
# A suite is any command that prints TAP lines ("ok N - name", "not ok N - name",
# "ok N - name # SKIP reason"). A suite that exits non-zero without reporting a failure,
# or that times out, counts as one failed test: a crash is never silent.
#
# Usage: scripts/run-tests.sh [--only REGEX] [--log DIR]
set -u
cd "$(dirname "$0")/.."

ONLY=""
LOGDIR=build/test-logs
while [ $# -gt 0 ]; do
	case "$1" in
	--only) ONLY="$2"; shift 2 ;;
	--log) LOGDIR="$2"; shift 2 ;;
	*) echo "usage: $0 [--only REGEX] [--log DIR]" >&2; exit 2 ;;
	esac
done
mkdir -p "$LOGDIR"

PASS=0 FAIL=0 SKIP=0
FAILED_NAMES=()

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
	p=$(grep -cE '^ok [0-9]+' "$log" | tr -d ' ')
	s=$(grep -cE '^ok [0-9]+.*# SKIP' "$log" | tr -d ' ')
	f=$(grep -cE '^not ok [0-9]+' "$log" | tr -d ' ')
	p=$((p - s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			echo "not ok - $name: timed out after ${tmo}s" >>"$log"
		else
			echo "not ok - $name: exited with status $rc without reporting a failure" >>"$log"
		fi
		f=$((f + 1))
	fi
	PASS=$((PASS + p)); FAIL=$((FAIL + f)); SKIP=$((SKIP + s))
	printf '%-34s %4d passed %3d failed %3d skipped  (%ds)\n' "$name" "$p" "$f" "$s" $((end - start))
	grep -E '^ok [0-9]+.*# SKIP' "$log" | sed 's/^/    /' | head -5
	if [ "$f" -gt 0 ]; then
		FAILED_NAMES+=("$name")
		grep -E '^(not ok|# )' "$log" | head -40 | sed 's/^/    /'
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
# End-to-end tests on KVM (each skips with its reason when /dev/kvm is unusable).
for t in tests/e2e/[0-9]*.sh; do
	[ -f "$t" ] || continue
	run_suite "e2e/$(basename "$t" .sh)" 900 bash "$t"
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
