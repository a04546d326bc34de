#!/usr/bin/env bash
# asan: yes
# Booting the project's guests — SMP bring-up, serial output, exception reports,
# exit statuses, the ELF64 entry, the demo guest, CPL3 code, and the boot information.
. "$(dirname "$0")/lib.sh"
SMP_COUNTS=${SMP_COUNTS:-"1 2 8 64 1024"}
names=()
for n in $SMP_COUNTS; do names+=("smp with $n vCPUs"); done
names+=("smp: INIT-SIPI where the guest does not take hvemu's word"
	"smp: APs left UNINITIALIZED against hvemu's word come up by INIT-SIPI")
need_kvm "${names[@]}" "serial output" "serial to a file" "exceptions reported" \
	"unhandled exception ends the VM" "exit status 0" "exit status 1 byte" \
	"exit status 2 bytes" "exit status 4 bytes" "triple fault" "ELF64 entry" "demo guest" \
	"CPL3: returns, exceptions, interrupts, TLB flushes" "boot information and the page allocator"

guest() { # guest NAME: path of a guest image (a missing one fails the test using it)
	echo "$GUESTS/$1.elf"
}

# smp_run NAME VCPUS CHECKS CMDLINE: smp.elf's checks, and its boot-time mark
smp_run() {
	local mem=128M
	[ "$2" -gt 64 ] && mem=512M
	run_hvemu 300 run --kernel "$(guest smp)" --cpus "boot=$2" --memory "$mem" --cmdline "$4"
	if guest_verdict "$OUT" "$RC" "$3" && grep -q "guest mark 1 at" "$ERR"; then
		tap_ok "$1"
	else
		tap_fail "$1 (${WHY:-no boot-time mark})" "$(tail -15 "$OUT"; tail -5 "$ERR")"
	fi
}

# With APs, also how they were started: hvemu's fw_cfg etc/hvemu/boot-flags says that the
# APs wait for SIPI, so the runtime sends no INIT, and none needed one after all.
for n in $SMP_COUNTS; do
	if [ "$n" -gt 1 ]; then
		smp_run "smp with $n vCPUs" "$n" 8 "expect=$n sipi_only=1 init_fallback=0"
	else
		smp_run "smp with $n vCPUs" "$n" 6 "expect=$n"
	fi
done
smp_run "smp: INIT-SIPI where the guest does not take hvemu's word" 8 8 \
	"expect=8 smp_init_sipi sipi_only=0 init_fallback=0"
# Fault point vcpu.wait_for_sipi: the flag says so, the APs are UNINITIALIZED (KVM ignores a
# SIPI alone): after its first wait the runtime takes each back and sends INIT-SIPI.
HVEMU_FAULT="vcpu.wait_for_sipi*" smp_run \
	"smp: APs left UNINITIALIZED against hvemu's word come up by INIT-SIPI" 8 8 \
	"expect=8 sipi_only=1 init_fallback=7"

# The known text sits between SERIAL-BEGIN and SERIAL-END; the guest's own checks follow.
serial_text() { sed -n '/^SERIAL-BEGIN$/,/^SERIAL-END$/p' "$1" | tr -d '\r'; }

run_hvemu 60 run --kernel "$(guest serial)"
if guest_verdict "$OUT" "$RC" 7 &&
	diff -q <(serial_text "$OUT") guest/tests/serial.expected >/dev/null; then
	tap_ok "serial output"
else
	tap_fail "serial output (${WHY:-text differs})" "$(diff <(serial_text "$OUT") guest/tests/serial.expected | head -20)"
fi

run_hvemu 60 run --kernel "$(guest serial)" --serial "file:$E2E_TMP/com1.txt"
if [ "$RC" -eq 1 ] && [ ! -s "$OUT" ] &&
	diff -q <(serial_text "$E2E_TMP/com1.txt") guest/tests/serial.expected >/dev/null; then
	tap_ok "serial to a file"
else
	tap_fail "serial to a file (status $RC)" "$(head -5 "$E2E_TMP/com1.txt" 2>&1)"
fi

# 15 reports; int3 at CPL0 is a declared skip unless bp0 is given.
run_hvemu 60 run --kernel "$(guest exceptions)"
expect_guest "exceptions reported" 15 1

run_hvemu 60 run --kernel "$(guest exceptions)" --cmdline "unhandled=gp"
if [ "$RC" -eq 3 ] && grep -Eq "EXCEPTION: #GP \(vector 13\).*RIP 0x[0-9a-f]+" "$OUT"; then
	tap_ok "unhandled exception ends the VM"
else
	tap_fail "unhandled exception ends the VM (status $RC, want 3)" "$(tail -5 "$OUT")"
fi

run_hvemu 60 run --kernel "$(guest exit)" --cmdline "code=0"
expect_rc "exit status 0" 1
run_hvemu 60 run --kernel "$(guest exit)" --cmdline "code=42 width=1"
expect_rc "exit status 1 byte" 85
run_hvemu 60 run --kernel "$(guest exit)" --cmdline "code=100 width=2"
expect_rc "exit status 2 bytes" 201
run_hvemu 60 run --kernel "$(guest exit)" --cmdline "code=7 width=4"
expect_rc "exit status 4 bytes" 15

run_hvemu 60 run --kernel "$(guest triple)"
if [ "$RC" -eq 4 ] && grep -Eq "vcpu0: guest triple fault .* RIP 0x[0-9a-f]+" "$ERR"; then
	tap_ok "triple fault"
else
	tap_fail "triple fault (status $RC, want 4)" "$(tail -5 "$ERR")"
fi

# Its 6 checks passed, then it exits with code=9 itself: (9 << 1) | 1.
run_hvemu 60 run --kernel "$(guest elf64)" --cmdline "code=9"
expect_guest "ELF64 entry" 6 0 19

# Each of the 4 CPUs prints one line, and the CPL3 run on each must have worked.
run_hvemu 120 run --kernel "$(guest demo)" --cpus boot=4 --hv all
cpus=$(grep -cE '^CPU [0-3]: APIC ID' "$OUT")
if [ "$RC" -eq 0 ] && [ "$cpus" -eq 4 ] && ! grep -q "CPL3 run failed" "$OUT" &&
	grep -q "^demo: 4 CPUs came up" "$OUT"; then
	tap_ok "demo guest"
else
	tap_fail "demo guest (status $RC, want 0; $cpus of 4 CPU lines)" "$(tail -10 "$OUT"; tail -5 "$ERR")"
fi

run_hvemu 60 run --kernel "$(guest usermode)" --cpus boot=2
expect_guest "CPL3: returns, exceptions, interrupts, TLB flushes" 13 "$IOPL_SKIPS"

run_hvemu 60 run --kernel "$(guest bootinfo)" --memory 128M \
	--cmdline "expect_mem_mib=128 expect_modules=0"
expect_guest "boot information and the page allocator" 6
tap_done
