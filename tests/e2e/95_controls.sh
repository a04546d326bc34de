#!/usr/bin/env bash
# The tests can fail: deliberately broken configurations, each run through the check that
# would judge it in the real suites (guest_verdict, scripts/run-tests.sh). A control
# passes only when that check said "not ok" for the expected reason; a check that passes a
# broken configuration fails here.
. "$(dirname "$0")/lib.sh"
CONTROLS=("hv_flush stages with --hv lacking tlbflush"
	"hv_flush stages with Hyper-V CPUID hidden"
	"hv_ipi with Hyper-V CPUID hidden"
	"hv_flush no-flush control with Hyper-V CPUID hidden"
	"hv_flush no-flush control without a VP 65 (8 vCPUs)"
	"a guest that runs no check"
	"a guest with an undeclared skip"
	"a guest whose checks are all declared skips is no pass"
	"a guest that runs fewer checks than expected"
	"a guest with a failing check"
	"smp's SIPI-alone check with the APs left UNINITIALIZED"
	"idle's no-host-CPU check against a wait that spins"
	"run-tests.sh: a truncated TAP stream"
	"run-tests.sh: a suite that prints nothing")
need_kvm "${CONTROLS[@]}"

F="$GUESTS/hv_flush.elf"
I="$GUESTS/hv_ipi.elf"
S="$GUESTS/selftest.elf"
FLUSH_CPUS=(--cpus boot=70 --memory 512M)
n=0

# control REASON TESTS [SKIPS [STATUS]]: the last run, judged as its real test would judge
# it (guest_verdict against the TESTS reports that test expects), must fail with a reason
# matching the extended regex REASON.
control() {
	local name=${CONTROLS[$n]} reason=$1
	n=$((n + 1))
	shift
	if guest_verdict "$OUT" "$RC" "$@"; then
		tap_fail "$name: the check passed a broken configuration" "$(tail -5 "$OUT")"
	elif ! [[ "$WHY" =~ $reason ]]; then
		tap_fail "$name: failed, but not for /$reason/ ($WHY)" "$(tail -5 "$OUT")"
	else
		tap_ok "$name fails: $WHY"
	fi
}

# The counts are those of tests/e2e/50_flush.sh (stages 32, no-flush 1, hv_ipi 43).
run_hvemu 120 run --kernel "$F" "${FLUSH_CPUS[@]}" --hv vpindex,ipi,xmm-input \
	--cmdline "mode=stages iters=2"
control "[1-9][0-9]* failures" 32
run_hvemu 120 run --kernel "$F" "${FLUSH_CPUS[@]}" --cmdline "mode=stages iters=2"
control "1 unexpected skips.*exit status 3" 32
run_hvemu 120 run --kernel "$I" "${FLUSH_CPUS[@]}" --cmdline "iters=2"
control "1 unexpected skips.*exit status 3" 43
run_hvemu 120 run --kernel "$F" "${FLUSH_CPUS[@]}" --cmdline "mode=noflush iters=20"
control "1 unexpected skips.*exit status 3" 1
run_hvemu 120 run --kernel "$F" --cpus boot=8 --hv all --cmdline "mode=noflush iters=20"
control "1 unexpected skips.*exit status 3" 1

# The runtime's own verdicts (guest/tests/selftest.c).
run_hvemu 30 run --kernel "$S"
control "0 reports \(want 1\).*FAIL.*exit status 3" 1
run_hvemu 30 run --kernel "$S" --cmdline "pass=2 skip=1"
control "1 unexpected skips.*exit status 3" 3 1
run_hvemu 30 run --kernel "$S" --cmdline "skip=2 allow_skip=selftest"
control "2 skipped \(want 0\).*exit status 155 \(want 1\)" 2
run_hvemu 30 run --kernel "$S" --cmdline "pass=3"
control "3 reports \(want 4\)" 4
run_hvemu 30 run --kernel "$S" --cmdline "pass=2 fail=1"
control "1 failures.*exit status 3" 3

# tests/e2e/20_boot.sh's SIPI-alone check, against hvemu leaving the APs UNINITIALIZED
# (fault point vcpu.wait_for_sipi) while its boot flags still say they wait for SIPI.
HVEMU_FAULT="vcpu.wait_for_sipi*" run_hvemu 120 run --kernel "$GUESTS/smp.elf" --cpus boot=8 \
	--cmdline "expect=8 sipi_only=1 init_fallback=0"
control "1 failures.*exit status 3" 8

# tests/e2e/15_platform.sh's halting-wait check, with the wait it measures made a spin.
run_hvemu 60 run --kernel "$GUESTS/idle.elf" --cpus boot=2 --hv all --cmdline "spin_wait=1"
control "1 failures.*exit status 3" 4

# run_tests_control REASON LOG: run-tests.sh's verdict on a suite that printed LOG (and
# exited 0) must be a failure whose reason matches REASON.
run_tests_control() {
	local name=${CONTROLS[$n]} log="$E2E_TMP/suite.$n.log" out
	n=$((n + 1))
	printf '%b' "$2" >"$log"
	if out=$(scripts/run-tests.sh --check-log control "$log" 0); then
		tap_fail "$name: run-tests.sh counted it as passed ($out)"
	elif ! grep -Eq "$1" "$log"; then
		tap_fail "$name: failed, but not for /$1/" "$(cat "$log")"
	else
		tap_ok "$name fails: $(grep '^not ok - ' "$log" | sed 's/^not ok - control: //')"
	fi
}
run_tests_control "plan 1..3 but 2 results" 'ok 1 - first\nok 2 - second\n1..3\n'
run_tests_control "reported no test" ''
tap_done
