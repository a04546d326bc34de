#!/usr/bin/env bash
# asan: yes
# Guest CPU hotplug end to end (guest/tests/hotplug.c): hot-add and removal under
# flush and IPI traffic, every VMM bring-up fault point, and no fd or thread leak across
# add/remove churn (only KVM's parked vCPUs may keep fds: KVM cannot destroy a vCPU).
. "$(dirname "$0")/lib.sh"
POINTS="kvm_vcpu cpuid state hv thread oncpu place apic online"
NAMES=("grow 4 to 64 vCPUs and back under traffic" "grow 2 to 8 vCPUs and back under traffic")
for p in $POINTS; do NAMES+=("fault vcpu.$p: one add fails, the CPU never appears, retry works"); done
NAMES+=("no fd/thread leak: add/remove churn over fresh slots"
	"no fd/thread leak: add/remove churn re-adding one slot"
	"grow 4 to 64 and back with every bring-up step failing once")
need_kvm "${NAMES[@]}"
if ! need_guest hotplug; then
	for t in "${NAMES[@]}"; do tap_skip "$t" "$GUESTS/hotplug.elf is not built"; done
	tap_done
	exit 0
fi

# The reports of guest/tests/hotplug.c: 4 at start; grow: the guest-side failure cases
# (13, with more than 3 boot CPUs), grown, shrunk, 3 re-adds of 2 reports, 4 on traffic,
# 2 more with faults=N; faults (one add failing): 5 for the failed add, 1 per other add,
# 2, one per removal, 4 on traffic; churn: 1 and 4 on traffic.
GROW64_TESTS=29 GROW8_TESTS=16 FAULTS_TESTS=20 CHURN_TESTS=9 GROW64_FAULTS_TESTS=31

why() { grep -E 'FAIL|SUMMARY|INFO: traffic' "$OUT" | head -12; tail -4 "$ERR"; }

# --- grow and shrink -------------------------------------------------------------------
run_hvemu 600 run --kernel "$GUESTS/hotplug.elf" --cpus boot=4,max=64 --hv all --memory 256M \
	--cmdline "grow=64"
if guest_verdict "$OUT" "$RC" "$GROW64_TESTS"; then
	tap_ok "${NAMES[0]} ($(grep -o 'BENCH hotadd_ns.*' "$OUT"))"
else
	tap_fail "${NAMES[0]} ($WHY)" "$(why)"
fi
run_hvemu 300 run --kernel "$GUESTS/hotplug.elf" --cpus boot=2,max=8 --hv all --cmdline "grow=8"
expect_guest "${NAMES[1]}" "$GROW8_TESTS"

# --- VMM fault points --------------------------------------------------------------------
# Every boot vCPU passes each point once, so with boot=2 the 4th hit is the 2nd hot-add.
i=2
for p in $POINTS; do
	HVEMU_FAULT="vcpu.$p@4" run_hvemu 300 run --kernel "$GUESTS/hotplug.elf" \
		--cpus boot=2,max=8 --hv all --cmdline "mode=faults expect_fail=2 adds=3"
	if guest_verdict "$OUT" "$RC" "$FAULTS_TESTS" && grep -q "fault injected at vcpu.$p" "$ERR"
	then
		tap_ok "${NAMES[$i]}"
	else
		tap_fail "${NAMES[$i]} (${WHY:-no fault injected})" "$(why)"
	fi
	i=$((i + 1))
done

# --- leak check ----------------------------------------------------------------------------
SOCK="$E2E_TMP/vm.sock"
parked() { vm_stat "$SOCK" kvm_vcpus_parked; }
fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
# KVM's own kernel workers (kvm-nx-lpage-recovery, ...) are listed as tasks too: not ours.
tasks() { cat /proc/"$1"/task/*/comm 2>/dev/null | grep -vc '^kvm-'; }

# leak_check NAME CYCLES FRESH: samples at "churn: start" (no vCPU added yet), "churn: warm"
# (one add/remove done) and "churn: done".
leak_check() {
	local name=$1 cycles=$2 fresh=$3 out="$E2E_TMP/churn.$3.out" err="$E2E_TMP/churn.$3.err"
	local f0 t0 p0 f1 t1 p1 f2 t2 p2 rc per msg=""
	rm -f "$SOCK"
	: >"$out" # exists before the background hvemu opens it: wait_line greps it at once
	"$HVEMU" run --kernel "$GUESTS/hotplug.elf" --cpus boot=2,max=16 --hv all \
		--api-socket "$SOCK" --cmdline "mode=churn cycles=$cycles fresh=$fresh hold_ms=2500" \
		>"$out" 2>"$err" &
	local pid=$!
	if wait_line "$out" "churn: start"; then
		f0=$(fds $pid) t0=$(tasks $pid) p0=$(parked)
	fi
	if wait_line "$out" "churn: warm"; then
		f1=$(fds $pid) t1=$(tasks $pid) p1=$(parked)
	fi
	if wait_line "$out" "churn: done"; then
		f2=$(fds $pid) t2=$(tasks $pid) p2=$(parked)
	fi
	timeout 120 tail --pid=$pid -f /dev/null
	wait $pid
	rc=$?
	local detail="fds $f0/$f1/$f2, threads $t0/$t1/$t2, parked vCPUs $p0/$p1/$p2 (start/warm/done)"
	if [ -z "$f2" ] || ! guest_verdict "$out" "$rc" "$CHURN_TESTS"; then
		tap_fail "$name (${WHY:-no sample at churn: done}; $detail)" \
			"$(grep -E 'FAIL|SUMMARY' "$out"; tail -3 "$err")"
		return
	fi
	per=$((f1 - f0))
	[ "$p0" -eq 0 ] && [ "$p1" -eq 1 ] || msg="parked count: want 0 then 1"
	[ "$per" -ge 1 ] && [ "$per" -le 2 ] || msg="$msg; a parked vCPU keeps $per fds (want 1-2)"
	[ "$t0" -eq "$t1" ] && [ "$t1" -eq "$t2" ] || msg="$msg; thread count changed"
	if [ "$fresh" -eq 1 ]; then
		[ "$p2" -eq "$cycles" ] || msg="$msg; parked $p2, want $cycles"
		[ $((f2 - f0)) -eq $((p2 * per)) ] || msg="$msg; fds grew by $((f2 - f0)), want $((p2 * per))"
	else
		[ "$p2" -eq 1 ] || msg="$msg; parked $p2, want 1"
		[ "$f2" -eq "$f1" ] || msg="$msg; fds grew by $((f2 - f1)) over $((cycles - 1)) re-adds"
	fi
	if [ -z "$msg" ]; then tap_ok "$name ($detail)"; else tap_fail "$name ($detail)" "$msg"; fi
}
leak_check "${NAMES[$i]}" 12 1
leak_check "${NAMES[$((i + 1))]}" 12 0
# The whole hotplug scenario in one run: 4 vCPUs grow to 64 and back under flush and IPI
# traffic while every bring-up step fails once (each failed add is retried).
FAULTS="vcpu.kvm_vcpu@10,vcpu.cpuid@16,vcpu.state@22,vcpu.hv@28,vcpu.thread@34,vcpu.oncpu@40"
FAULTS="$FAULTS,vcpu.place@46,vcpu.apic@52,vcpu.online@58"
HVEMU_FAULT="$FAULTS" run_hvemu 600 run --kernel "$GUESTS/hotplug.elf" \
	--cpus boot=4,max=64 --memory 512M --hv all --cmdline "grow=64 faults=9"
injected=$(grep -c 'fault injected' "$ERR")
if guest_verdict "$OUT" "$RC" "$GROW64_FAULTS_TESTS" && [ "$injected" -eq 9 ]; then
	tap_ok "grow 4 to 64 and back with every bring-up step failing once"
else
	tap_fail "grow 4 to 64 and back with every bring-up step failing once (${WHY:-$injected faults injected, want 9})" \
		"$(grep -E 'FAIL|SUMMARY' "$OUT")"
fi
tap_done
