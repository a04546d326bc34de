#!/usr/bin/env bash
# asan: yes
# Issue 2: a Multiboot kernel this project did not write. GRUB's i386-coreboot image
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

# (0x2a << 1) | 1 = 85
run_hvemu 60 run --kernel "$E2E_TMP/hello.elf"
if [ "$RC" -eq 85 ] && grep -q "hello from GRUB" "$OUT"; then
	tap_ok "${tests[0]}"
else
	tap_fail "${tests[0]} (status $RC, want 85)" "$(tail -5 "$OUT"; tail -5 "$ERR")"
fi

run_hvemu 60 run --kernel "$E2E_TMP/hello.elf" --cpus boot=4
if [ "$RC" -eq 85 ] && grep -q "hello from GRUB" "$OUT"; then
	tap_ok "${tests[1]}"
else
	tap_fail "${tests[1]} (status $RC, want 85)" "$(tail -5 "$OUT"; tail -5 "$ERR")"
fi

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

run_hvemu 60 run --kernel "$E2E_TMP/triple.elf"
if [ "$RC" -eq 4 ] && grep -q "about to fault" "$OUT" && ! grep -q "not reached" "$OUT" &&
	grep -Eq "vcpu0: guest triple fault .* RIP 0x[0-9a-f]+" "$ERR"; then
	tap_ok "${tests[3]}"
else
	tap_fail "${tests[3]} (status $RC, want 4)" "$(tail -5 "$OUT"; tail -5 "$ERR")"
fi

run_hvemu 60 run --kernel "$E2E_TMP/reboot.elf"
if [ "$RC" -eq 10 ] && grep -q "rebooting" "$OUT" && ! grep -q "not reached" "$OUT" &&
	grep -q "guest requested a reset" "$ERR"; then
	tap_ok "${tests[4]}"
else
	tap_fail "${tests[4]} (status $RC, want 10)" "$(tail -5 "$OUT"; tail -5 "$ERR")"
fi

run_hvemu 60 run --kernel "$E2E_TMP/halt.elf"
if [ "$RC" -eq 0 ] && grep -q "halting" "$OUT" && ! grep -q "not reached" "$OUT" &&
	grep -q "guest powered off" "$ERR"; then
	tap_ok "${tests[5]}"
else
	tap_fail "${tests[5]} (status $RC, want 0)" "$(tail -5 "$OUT"; tail -5 "$ERR")"
fi
tap_done
