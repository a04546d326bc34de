#!/usr/bin/env bash
# asan: yes
# hvemu as a process: files that are not files (a FIFO as --kernel or --initrd), signals at
# every stage (termination signals end it with 0 and remove the API socket; SIGPIPE,
# SIGUSR2 and SIGALRM do not kill it), options naming paths that cannot exist (exit 2,
# one line), and the seccomp sandbox (on by default; a forbidden call from a vCPU thread
# kills hvemu with SIGSYS, log mode only logs, off installs nothing).
. "$(dirname "$0")/lib.sh"
names=("--kernel naming a FIFO is refused (exit 2) at once"
	"--initrd naming a FIFO is refused (exit 2) at once"
	"SIGTERM while the VM is built ends hvemu (status 0)"
	"SIGINT while the guest runs: status 0, API socket removed"
	"SIGHUP: status 0, API socket removed"
	"SIGUSR2 and SIGALRM are ignored: the VM runs on, quit ends it (0), socket removed"
	"stdout closed early: output dropped with one warning, the guest's status"
	"--api-socket '': exit 2, one line"
	"--api-socket in a missing directory: exit 2, one line"
	"--serial file: in a missing directory: exit 2, one line"
	"--seccomp with a bad value: exit 2"
	"seccomp on by default: every thread class entered its filter"
	"seccomp on: a forbidden call from a vCPU thread kills hvemu with SIGSYS, naming it"
	"seccomp log: the forbidden call is made and hvemu runs on"
	"seccomp off: no filter")
need_kvm "${names[@]}"

python3 - "$E2E_TMP/idle.elf" <<'PY'
import struct, sys
code = bytes([0xfa, 0xf4, 0xeb, 0xfd])  # cli; hlt; jmp
eh = b'\x7fELF' + bytes([2, 1, 1]) + bytes(9) + struct.pack('<HHIQQQIHHHHHH', 2, 62, 1,
     0x100000, 64, 0, 0, 64, 56, 1, 0, 0, 0)
ph = struct.pack('<IIQQQQQQ', 1, 5, 120, 0x100000, 0x100000, len(code), len(code), 0x1000)
open(sys.argv[1], 'wb').write(eh + ph + code)
PY
IDLE="$E2E_TMP/idle.elf"
FIFO="$E2E_TMP/fifo"
mkfifo "$FIFO"
SOCK="$E2E_TMP/vm.sock"

# FIFOs: refused before anything waits on them (timeout 20 would mean a hang).
run_hvemu 20 run --kernel "$FIFO"
expect_rc_line "${names[0]}" 2 "is not a regular file (a FIFO)"
run_hvemu 20 run --kernel "$IDLE" --initrd "$FIFO"
expect_rc_line "${names[1]}" 2 "is not a regular file (a FIFO)"

# SIGTERM as soon as hvemu takes it (blocked for its signalfd: /proc SigBlk; a fixed delay
# lost the race to a slow start under ASan): creating 512 vCPUs takes longer than that.
"$HVEMU" run --kernel "$IDLE" --cpus boot=512 --memory 256M >"$E2E_TMP/t.out" 2>"$E2E_TMP/t.err" &
pid=$!
for _ in $(seq 2000); do
	cgt=$(awk '/^SigBlk:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
	[ -n "$cgt" ] && (((16#$cgt >> 14) & 1)) && break
	sleep 0.005
done
kill -TERM $pid
timeout 60 tail --pid=$pid -f /dev/null
wait $pid
rc=$?
if [ "$rc" -eq 0 ] && grep -q "stopped by signal" "$E2E_TMP/t.err"; then
	tap_ok "${names[2]} ($(grep -o 'stopped by signal.*' "$E2E_TMP/t.err" | head -1))"
else
	tap_fail "${names[2]} (status $rc)" "$(tail -3 "$E2E_TMP/t.err")"
fi

# start_idle: an idle VM with the API socket, ready when query-status answers
start_idle() {
	rm -f "$SOCK"
	"$HVEMU" run --kernel "$IDLE" --cpus boot=2 --hv all --api-socket "$SOCK" \
		>"$E2E_TMP/vm.out" 2>"$E2E_TMP/vm.err" &
	VMPID=$!
	for _ in $(seq 100); do
		timeout 5 "$HVEMU" ctl --api-socket "$SOCK" query-status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
stop_with() { # stop_with SIGNAL NAME-INDEX
	start_idle
	kill -"$1" $VMPID
	timeout 30 tail --pid=$VMPID -f /dev/null
	wait $VMPID
	rc=$?
	if [ "$rc" -eq 0 ] && [ ! -e "$SOCK" ]; then
		tap_ok "${names[$2]}"
	else
		tap_fail "${names[$2]} (status $rc, socket left: $([ -e "$SOCK" ] && echo yes || echo no))" \
			"$(tail -3 "$E2E_TMP/vm.err")"
	fi
}
stop_with INT 3
stop_with HUP 4

start_idle
kill -USR2 $VMPID
kill -ALRM $VMPID
sleep 0.5
alive=$(timeout 5 "$HVEMU" ctl --api-socket "$SOCK" query-status 2>/dev/null | grep -c running)
timeout 10 "$HVEMU" ctl --api-socket "$SOCK" quit >/dev/null 2>&1
timeout 30 tail --pid=$VMPID -f /dev/null
wait $VMPID
rc=$?
if [ "$alive" -ge 1 ] && [ "$rc" -eq 0 ] && [ ! -e "$SOCK" ]; then
	tap_ok "${names[5]}"
else
	tap_fail "${names[5]} (running after the signals: $alive, status $rc)" "$(tail -3 "$E2E_TMP/vm.err")"
fi

# The demo prints many lines and powers off (0); the reader leaves after the first.
"$HVEMU" run --kernel "$GUESTS/demo.elf" --cpus 2 2>"$E2E_TMP/p.err" | head -1 >/dev/null
rc=${PIPESTATUS[0]}
warns=$(grep -c "serial output failed" "$E2E_TMP/p.err")
if [ "$rc" -eq 0 ] && [ "$warns" -eq 1 ]; then
	tap_ok "${names[6]}"
else
	tap_fail "${names[6]} (status $rc, $warns warnings)" "$(tail -3 "$E2E_TMP/p.err")"
fi

# one_line NAME-INDEX ARGS...: exit 2 and exactly one line on stderr
one_line() {
	local i=$1
	shift
	run_hvemu 20 run --kernel "$IDLE" "$@"
	if [ "$RC" -eq 2 ] && [ "$(wc -l <"$ERR")" -eq 1 ]; then
		tap_ok "${names[$i]}: $(cat "$ERR")"
	else
		tap_fail "${names[$i]} (status $RC, $(wc -l <"$ERR") lines)" "$(cat "$ERR")"
	fi
}
one_line 7 --api-socket ""
one_line 8 --api-socket /nonexistent-hvemu-dir/vm.sock
one_line 9 --serial file:/nonexistent-hvemu-dir/out
run_hvemu 20 run --kernel "$IDLE" --seccomp maybe
expect_rc_line "${names[10]}" 2 "expected on, log or off"

# Default: on. The stats count the threads that entered a filter, per class.
start_idle
stats=$(timeout 10 "$HVEMU" ctl --api-socket "$SOCK" --json query-stats target=vm \
	names='["sandbox_mode","sandbox_threads_vcpu","sandbox_threads_ctl","sandbox_threads_main","sandbox_threads_hostcpu"]' 2>&1)
timeout 10 "$HVEMU" ctl --api-socket "$SOCK" quit >/dev/null 2>&1
wait $VMPID
vals=$(python3 -c '
import json, sys
r = json.loads(sys.argv[1])["return"]
v = {s["name"]: s["value"] for g in r for s in g["stats"]}
print(v.get("sandbox_mode"), v.get("sandbox_threads_vcpu"), v.get("sandbox_threads_ctl"),
      v.get("sandbox_threads_main"), v.get("sandbox_threads_hostcpu"))' "$stats" 2>&1)
if [ "$vals" = "2 2 1 1 1" ]; then
	tap_ok "${names[11]} (mode on; vcpu 2, ctl 1, main 1, hostcpu 1)"
else
	tap_fail "${names[11]} (mode, vcpu, ctl, main, hostcpu: $vals)" "$stats"
fi

# The fault point makes the first vCPU thread call socket(2) right after entering.
G="$GUESTS/exit.elf"
HVEMU_FAULT="sandbox.forbidden=vcpu" run_hvemu 30 run --kernel "$G" --cmdline code=0
if [ "$RC" -eq $((128 + 31)) ] &&
	grep -q "thread .* (vcpu filter) made the forbidden system call 41" "$ERR"; then
	tap_ok "${names[12]}"
else
	tap_fail "${names[12]} (status $RC, want 159)" "$(tail -3 "$ERR")"
fi
HVEMU_FAULT="sandbox.forbidden=vcpu" run_hvemu 30 run --kernel "$G" --cmdline code=0 --seccomp log
expect_rc_line "${names[13]}" 1 "socket(2) from a vcpu thread returned [0-9]* (made)"
HVEMU_FAULT="sandbox.forbidden=vcpu" run_hvemu 30 run --kernel "$G" --cmdline code=0 --seccomp off
if [ "$RC" -eq 1 ] && ! grep -q "socket(2)" "$ERR"; then
	tap_ok "${names[14]}"
else
	tap_fail "${names[14]} (status $RC, want 1)" "$(tail -3 "$ERR")"
fi
tap_done
