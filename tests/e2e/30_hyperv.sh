#!/usr/bin/env bash
# asan: yes
# Hyper-V conformance as KVM's hyperv_features and hyperv_cpuid selftests check it
# (guest/tests/hv_conf.c) with several --hv sets, 1 and 4 vCPUs; the reset and crash MSRs;
# the --hv dependency check.
. "$(dirname "$0")/lib.sh"
HV_SETS=("none" "vpindex" "vpindex,tlbflush" "vpindex,ipi,xmm-input" "vpindex,synic,time,stimer" "all")
CPU_COUNTS=${CPU_COUNTS:-"1 4"}
names=()
for n in $CPU_COUNTS; do
	for s in "${HV_SETS[@]}"; do names+=("hv_conf --hv $s, $n vCPUs"); done
done
need_kvm "${names[@]}" "--hv tlbflush without vpindex is refused" "HV_X64_MSR_RESET resets" \
	"HV_X64_MSR_RESET needs the reset feature" "crash MSRs stop the VM with P0-P4" \
	"crash MSRs need the crash feature"

G="$GUESTS/hv_conf.elf"

# The reports hv_conf makes with each --hv set, whatever the vCPU count. With Hyper-V it
# declares two skips: the real-mode hypercall (the runtime has no real-mode path) and, on
# kvm_pvm, the hypercall from CPL3 with IOPL 3.
declare -A CONF_TESTS=([none]=25 [vpindex]=114 [vpindex,tlbflush]=117
	[vpindex,ipi,xmm-input]=116 [vpindex,synic,time,stimer]=120 [all]=131)

# conf NAME SET CPUS: hv_conf passes with that --hv set ("none": no --hv at all).
conf() {
	local args=() skips=0
	[ "$2" != none ] && args=(--hv "$2") && skips=$((1 + IOPL_SKIPS))
	run_hvemu 120 run --kernel "$G" --cpus "boot=$3" "${args[@]}" --cmdline "hv=$2"
	expect_guest "$1" "${CONF_TESTS[$2]}" "$skips"
}

for n in $CPU_COUNTS; do
	for s in "${HV_SETS[@]}"; do conf "hv_conf --hv $s, $n vCPUs" "$s" "$n"; done
done

run_hvemu 30 run --kernel "$G" --hv tlbflush
expect_rc_line "--hv tlbflush without vpindex is refused" 2 "tlbflush needs vpindex"

run_hvemu 60 run --kernel "$G" --cpus boot=4 --hv all --cmdline "hv=all mode=reset"
expect_rc_line "HV_X64_MSR_RESET resets" 10 "HV_X64_MSR_RESET"

# Without the feature the WRMSR takes #GP and the guest reports the missing reset (3).
run_hvemu 60 run --kernel "$G" --hv vpindex --cmdline "hv=vpindex mode=reset"
expect_rc_line "HV_X64_MSR_RESET needs the reset feature" 3 "^FAIL: RESET = 1 returned (#GP)" "$OUT"

run_hvemu 60 run --kernel "$G" --cpus boot=4 --hv all --cmdline "hv=all mode=crash"
params=1
for i in 0 1 2 3 4; do
	grep -q "P$i=0xc0ffee00000000$i" "$ERR" || params=0
done
if [ "$RC" -eq 8 ] && [ "$params" -eq 1 ]; then
	tap_ok "crash MSRs stop the VM with P0-P4"
else
	tap_fail "crash MSRs stop the VM with P0-P4 (status $RC, want 8)" "$(tail -5 "$ERR")"
fi

run_hvemu 60 run --kernel "$G" --hv vpindex,reset --cmdline "hv=vpindex,reset mode=crash"
expect_rc_line "crash MSRs need the crash feature" 3 "^FAIL: CRASH_CTL notify returned (#GP)" "$OUT"
tap_done
