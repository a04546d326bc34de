#!/usr/bin/env bash
# asan: yes
# Issue 2: booting the project's guests — SMP bring-up, serial output, exception reports,
# exit statuses, the ELF64 entry, and the demo guest.
. "$(dirname "$0")/lib.sh"
SMP_COUNTS=${SMP_COUNTS:-"1 2 8 64 1024"}
names=()
for n in $SMP_COUNTS; do names+=("smp with $n vCPUs"); done
need_kvm "${names[@]}" "serial output" "serial to a file" "exceptions reported" \
	"unhandled exception ends the VM" "exit status 0" "exit status 1 byte" \
	"exit status 2 bytes" "exit status 4 bytes" "triple fault" "ELF64 entry" "demo guest"

guest() { # guest NAME: path of a guest image (a missing one fails the test using it)
	echo "$GUESTS/$1.elf"
}

for n in $SMP_COUNTS; do
	mem=128M
	[ "$n" -gt 64 ] && mem=512M
	run_hvemu 300 run --kernel "$(guest smp)" --cpus "boot=$n" --memory "$mem" \
		--cmdline "expect=$n"
	if [ "$RC" -eq 1 ] && grep -q "SUMMARY: .* 0 failures" "$OUT" &&
		grep -q "guest mark 1 at" "$ERR"; then
		tap_ok "smp with $n vCPUs"
	else
		tap_fail "smp with $n vCPUs (status $RC)" "$(tail -15 "$OUT"; tail -5 "$ERR")"
	fi
done

# The known text sits between SERIAL-BEGIN and SERIAL-END; the guest's own checks follow.
serial_text() { sed -n '/^SERIAL-BEGIN$/,/^SERIAL-END$/p' "$1" | tr -d '\r'; }

run_hvemu 60 run --kernel "$(guest serial)"
if [ "$RC" -eq 1 ] && diff -q <(serial_text "$OUT") guest/tests/serial.expected >/dev/null &&
	grep -q "SUMMARY: .* 0 failures" "$OUT"; then
	tap_ok "serial output"
else
	tap_fail "serial output (status $RC)" "$(diff <(serial_text "$OUT") guest/tests/serial.expected | head -20)"
fi

run_hvemu 60 run --kernel "$(guest serial)" --serial "file:$E2E_TMP/com1.txt"
if [ "$RC" -eq 1 ] && [ ! -s "$OUT" ] &&
	diff -q <(serial_text "$E2E_TMP/com1.txt") guest/tests/serial.expected >/dev/null; then
	tap_ok "serial to a file"
else
	tap_fail "serial to a file (status $RC)" "$(head -5 "$E2E_TMP/com1.txt" 2>&1)"
fi

run_hvemu 60 run --kernel "$(guest exceptions)"
if [ "$RC" -eq 1 ] && grep -q "SUMMARY: .* 0 failures" "$OUT"; then
	tap_ok "exceptions reported"
else
	tap_fail "exceptions reported (status $RC)" "$(grep -E 'FAIL|SUMMARY' "$OUT")"
fi

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

run_hvemu 60 run --kernel "$(guest elf64)" --cmdline "code=9"
if [ "$RC" -eq 19 ] || { [ "$RC" -eq 1 ] && grep -q "SUMMARY: .* 0 failures" "$OUT"; }; then
	tap_ok "ELF64 entry"
else
	tap_fail "ELF64 entry (status $RC)" "$(tail -10 "$OUT"; tail -5 "$ERR")"
fi

run_hvemu 120 run --kernel "$(guest demo)" --cpus boot=4 --hv all
if [ "$RC" -eq 0 ] && [ "$(grep -c . "$OUT")" -ge 4 ]; then
	tap_ok "demo guest"
else
	tap_fail "demo guest (status $RC, want 0)" "$(tail -10 "$OUT"; tail -5 "$ERR")"
fi
tap_done
