#!/usr/bin/env bash
# asan: yes
# A Multiboot kernel this project did not write. GRUB's i386-coreboot image
# (Debian's grub-coreboot-bin, built by scripts/grub-image.sh) is entered through its
# Multiboot header, prints on COM1, reads the memory map from the coreboot table, and
# ends through port 0xf4, a triple fault, or a jump to the reset vector.
. "$(dirname "$0")/lib.sh"
tests=("GRUB prints on COM1 and exits through port 0xf4"
	"GRUB with 4 vCPUs (the others wait for SIPI)"
	"GRUB reads hvemu's memory map, RAM above 4 GiB included"
	"GRUB triple fault (rdmsr of an unknown MSR, no IDT) ends with status 4"
	"GRUB reboot through the reset vector ends with the reset status 10"
	"GRUB halt (ACPI: RSDT, FADT PM1a_CNT, DSDT _S5) powers off with status 0")
need_kvm "${tests[@]}"

grub() { # grub NAME CMD...: builds $E2E_TMP/NAME.elf, or skips every test and exits
	local why
	if ! why=$(scripts/grub-image.sh "$E2E_TMP/$1.elf" "${@:2}" 2>&1); then
		for t in "${tests[@]}"; do tap_skip "$t" "GRUB image not built: $why"; done
		tap_done
		exit 0
	fi
}
grub hello 'echo "hello from GRUB"' 'outb 0xf4 0x2a'
grub mmap 'lsmmap' 'outb 0xf4 0x00'
grub triple 'echo "about to fault"' 'rdmsr 0xdeadbeef' 'echo "not reached"' 'outb 0xf4 1'
grub reboot 'echo "rebooting"' 'reboot' 'echo "not reached"' 'outb 0xf4 1'
grub halt 'echo "halting"' 'halt' 'echo "not reached"' 'outb 0xf4 1'

# ends N IMAGE STATUS SAID LOG [OPTION...]: test N boots IMAGE, which prints SAID and never
# "not reached"; hvemu ends with STATUS and logs LOG (an extended regex)
ends() {
	local n=$1 img=$2 want=$3 said=$4 log=$5
	shift 5
	run_hvemu 60 run --kernel "$E2E_TMP/$img.elf" "$@"
	if [ "$RC" -eq "$want" ] && grep -q "$said" "$OUT" && ! grep -q "not reached" "$OUT" &&
		grep -Eq "$log" "$ERR"; then
		tap_ok "${tests[$n]}"
	else
		tap_fail "${tests[$n]} (status $RC, want $want)" "$(tail -5 "$OUT"; tail -5 "$ERR")"
	fi
}

# (0x2a << 1) | 1 = 85
ends 0 hello 85 "hello from GRUB" "vcpu0: guest wrote 0x2a to the debug-exit port"
ends 1 hello 85 "hello from GRUB" "vcpu0: guest wrote 0x2a to the debug-exit port" --cpus boot=4

# docs/architecture.md §2.1, for 5 GiB: 3 GiB below the hole, 2 GiB at 4 GiB.
run_hvemu 60 run --kernel "$E2E_TMP/mmap.elf" --memory 5G
tr -d '\r' <"$OUT" | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' >"$E2E_TMP/mmap.txt"
want=("base_addr = 0x0, length = 0x9fc00, available RAM"
	"base_addr = 0x9fc00, length = 0x400, reserved RAM"
	"base_addr = 0xf0000, length = 0x10000, reserved RAM"
	"base_addr = 0x100000, length = 0xbff00000, available RAM"
	"base_addr = 0x100000000, length = 0x80000000, available RAM")
missing=""
for w in "${want[@]}"; do
	grep -qxF "$w" "$E2E_TMP/mmap.txt" || missing="$missing[$w] "
done
if [ "$RC" -eq 1 ] && [ -z "$missing" ] && [ "$(grep -c '^base_addr' "$E2E_TMP/mmap.txt")" -eq 9 ]
then
	tap_ok "${tests[2]}"
else
	tap_fail "${tests[2]} (status $RC, missing: ${missing:-none})" "$(cat "$E2E_TMP/mmap.txt")"
fi

ends 3 triple 4 "about to fault" "vcpu0: guest triple fault .* RIP 0x[0-9a-f]+"
ends 4 reboot 10 "rebooting" "guest requested a reset"
ends 5 halt 0 "halting" "guest powered off"
tap_done
