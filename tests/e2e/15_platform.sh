#!/usr/bin/env bash
# asan: yes
# What a guest written for QEMU reads about the machine: fw_cfg (signature, CPU counts, RAM
# size, etc/e820 = the Multiboot map) and the CPU model (--cpu): hidden CPUID bits stay
# hidden in the guest, presets and refusals. The local APIC timer in TSC-deadline mode, as
# the runtime's halting wait uses it (guest/tests/idle.c).
. "$(dirname "$0")/lib.sh"
tests=("fw_cfg: signature, ID, CPUs at boot and possible, RAM size, etc/e820 (platform.elf)"
	"fw_cfg: a wrong expectation fails the guest (control run)"
	"--cpu help lists the presets and the features"
	"--cpu refuses unknown models and features (exit 2)"
	"--cpu host,-FEATURE hides the features from the guest's CPUID"
	"--cpu host,safe hides cx16 and every safe feature KVM offers"
	"--cpu host,safe: the features KVM does not offer"
	"TSC-deadline timer: a halt ends at its deadline, not at another interrupt, costs no host CPU (idle.elf)"
	"--cpu host,-tsc_deadline_timer: the runtime's halting wait declines (idle.elf)")
need_kvm "${tests[@]}"
need_guest platform idle || {
	for t in "${tests[@]}"; do tap_skip "$t" "build/guest/platform.elf or idle.elf not built"; done
	tap_done
	exit 0
}

run_hvemu 60 run --kernel "$GUESTS/platform.elf" --cpus boot=2,max=4 --memory 256M \
	--cmdline "expect_cpus=2 expect_max=4 expect_mem_mib=256"
expect_guest "${tests[0]}" 9
run_hvemu 60 run --kernel "$GUESTS/platform.elf" --cpus boot=2 --cmdline "expect_cpus=3"
expect_rc_line "${tests[1]}" 3 "FAIL: fw_cfg CPUs at boot: 2 (want 3)" "$OUT"

run_hvemu 10 run --cpu help
if [ "$RC" -eq 0 ] && grep -q "^  safe " "$OUT" && grep -Eq "^  cx16 +0x00000001.0 ecx\[13\]" "$OUT"; then
	tap_ok "${tests[2]}"
else
	tap_fail "${tests[2]}" "exit $RC; $(head -20 "$OUT")"
fi

ok=1
for bad in "host,+nosuch" "qemu64" "host,,x2apic"; do
	run_hvemu 10 run --kernel "$GUESTS/platform.elf" --cpu "$bad"
	[ "$RC" -eq 2 ] && grep -q -- "--cpu" "$ERR" || ok=0
done
if [ "$ok" = 1 ]; then
	tap_ok "${tests[3]}"
else
	tap_fail "${tests[3]}" "last: exit $RC; $(cat "$ERR")"
fi

# cpuid LEAF REG [OUT]: the guest's value of that register (from platform.elf's lines)
cpuid() { sed -n "s/^cpuid $1: .*$2=\(0x[0-9a-f]*\).*/\1/p" "${3:-$OUT}" | head -1; }
bit() { echo $((($1 >> $2) & 1)); }
run_hvemu 60 run --kernel "$GUESTS/platform.elf"
cp "$OUT" "$E2E_TMP/host.out"
# Bits that this KVM controls on every host measured: 1.ECX cx16 (13), x2apic (21);
# 0x80000001 ECX lahf_lm (0), EDX nx (20).
run_hvemu 60 run --kernel "$GUESTS/platform.elf" --cpu host,-cx16,-x2apic,-lahf_lm,-nx
h1=$(cpuid 1 ecx "$E2E_TMP/host.out") e1=$(cpuid 80000001 ecx "$E2E_TMP/host.out")
n1=$(cpuid 1 ecx) ne=$(cpuid 80000001 ecx) nd=$(cpuid 80000001 edx)
if [ "$RC" -eq 1 ] && [ "$(bit "$h1" 13)$(bit "$h1" 21)$(bit "$e1" 0)" = 111 ] &&
	[ "$(bit "$n1" 13)$(bit "$n1" 21)$(bit "$ne" 0)$(bit "$nd" 20)" = 0000 ] &&
	[ $((h1 & ~((1 << 13) | (1 << 21)))) -eq $((n1)) ]; then
	tap_ok "${tests[4]}"
else
	tap_fail "${tests[4]}" "host: $(grep cpuid "$E2E_TMP/host.out"); model: $(grep cpuid "$OUT")"
fi

# The safe preset: what KVM offers is hidden; what it does not offer, hvemu names in a
# warning (KVM cannot be asked to hide it, and a KVM without hardware virtualization
# lets the CPU's own bits through: measured for xsave, popcnt, smap, ssse3).
run_hvemu 60 run --kernel "$GUESTS/platform.elf" --cpu host,safe
absent=$(sed -n 's/.*KVM does not list \([a-z0-9_,]*\) as supported.*/\1/p' "$ERR" | tr , ' ')
declare -A where=([cx16]="1 ecx 13" [popcnt]="1 ecx 23" [xsave]="1 ecx 26" [ssse3]="1 ecx 9"
	[smep]="7 ebx 7" [smap]="7 ebx 20")
bad="" checked="" unchecked=""
for f in cx16 popcnt xsave ssse3 smep smap; do
	read -r leaf reg b <<<"${where[$f]}"
	case " $absent " in
	*" $f "*) unchecked="$unchecked $f" ;;
	*) checked="$checked $f"; [ "$(bit "$(cpuid "$leaf" "$reg")" "$b")" = 0 ] || bad="$bad $f" ;;
	esac
done
if [ "$RC" -eq 1 ] && [ -z "$bad" ] && [[ " $checked " == *" cx16 "* ]]; then
	tap_ok "${tests[5]} (hidden:$checked)"
else
	tap_fail "${tests[5]}" "still visible:$bad; $(grep cpuid "$OUT"); $(cat "$ERR")"
fi
if [ -z "$unchecked" ]; then
	tap_ok "${tests[6]}: none"
else
	tap_skip "${tests[6]}" "this KVM does not offer$unchecked (hvemu warned: hide them on the guest's command line)"
fi

run_hvemu 60 run --kernel "$GUESTS/idle.elf" --cpus boot=2 --hv all
expect_guest "${tests[7]}" 4
run_hvemu 60 run --kernel "$GUESTS/idle.elf" --cpu host,-tsc_deadline_timer \
	--cmdline "no_deadline=1"
expect_guest "${tests[8]}" 1
tap_done
