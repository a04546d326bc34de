#!/usr/bin/env bash
# asan: yes
# The SynIC, synthetic timers and QEMU's hyperv-testdev (docs/synic.md): the guests
# hv_synic (MSR rules, 16 SINTs with AutoEOI handlers that never EOI, connections and
# status codes), hv_stimer (kvm-unit-tests' hyperv_stimer, message and direct mode, a
# periodic run whose skipped ticks hvemu must have counted), hv_synic_hp (hot-add, guest
# offline/online, hot-remove), query-synic, and the controls: without msg_pending the
# busy-slot checks fail; with AutoEOI sent to the local APIC no interrupt is injected.
# SYNIC_CPUS (default 4) sets the vCPUs; PERIOD_CPUS/PERIOD_SECONDS the periodic run.
. "$(dirname "$0")/lib.sh"
CPUS=${SYNIC_CPUS:-4}
PCPUS=${PERIOD_CPUS:-8}
PSECS=${PERIOD_SECONDS:-5}
need_kvm "hv_synic, $CPUS vCPUs: every check ran and passed" \
	"control: without msg_pending the busy-slot checks fail" \
	"AutoEOI SINTs were injected past the local APIC, none went through it" \
	"control: AutoEOI through the local APIC is seen by the same check" \
	"query-synic shows every vCPU's SynIC" \
	"the timer thread runs under its own seccomp filter" \
	"hv_stimer, $CPUS vCPUs: every check ran and passed" \
	"hv_stimer direct mode, $CPUS vCPUs: every check ran and passed" \
	"hv_stimer 1 ms periodic on $PCPUS vCPUs for $PSECS s: on the grid, no stall, every skipped tick counted by hvemu" \
	"hv_synic_hp: SynIC across hot-add, offline/online, hot-remove" \
	"--device hyperv-testdev without --hv synic is refused"

COMMON=(--hv all --device hyperv-testdev --memory 256M)
SOCK="$E2E_TMP/vm.sock"
ctl() { timeout 20 "$HVEMU" ctl --api-socket "$SOCK" "$@"; }

# held ARGS...: hvemu in the background with the control socket, until the guest prints
# HOLD (its summary is out, it waits) or exits. HPID, HOUT, HERR.
held() {
	HOUT="$E2E_TMP/held.$_tap_n.out"
	HERR="$E2E_TMP/held.$_tap_n.err"
	rm -f "$SOCK"
	timeout --kill-after=5 600 "$HVEMU" run "$@" --api-socket "$SOCK" >"$HOUT" 2>"$HERR" &
	HPID=$!
	for _ in $(seq 3000); do
		grep -q '^HOLD' "$HOUT" 2>/dev/null && return 0
		kill -0 "$HPID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
held_end() {
	ctl quit >/dev/null 2>&1
	wait "$HPID" 2>/dev/null
	HRC=$?
}

# stat vm|vcpu NAME: an hvemu statistic of the held VM, or its sum over the vCPUs
stat() {
	ctl --json query-stats target="$1" names="$2" providers=hvemu 2>/dev/null | python3 -c '
import json, sys
r = json.load(sys.stdin)["return"]
print(sum(s["value"] for e in r for s in e["stats"]))'
}

G="$GUESTS/hv_synic.elf"
S="$GUESTS/hv_stimer.elf"

# hv_synic runs 76 checks plus one per vCPU (its SINT counts).
run_hvemu 300 run --kernel "$G" --cpus "boot=$CPUS" "${COMMON[@]}"
expect_guest "hv_synic, $CPUS vCPUs: every check ran and passed" $((76 + CPUS))

# The control: without msg_pending a busy slot loses the message (no flag, no EOM
# redelivery), and the guest must notice.
HVEMU_FAULT="synic.msg_pending*" run_hvemu 300 run --kernel "$G" --cpus "boot=$CPUS" \
	"${COMMON[@]}" --cmdline "mode=conn"
if [ "$RC" -eq 3 ] && grep -q '^FAIL: send message to a busy slot' "$OUT" &&
	grep -q '^FAIL: receive the pending message after EOM' "$OUT"; then
	tap_ok "control: without msg_pending the busy-slot checks fail"
else
	tap_fail "control: without msg_pending the busy-slot checks fail (status $RC)" \
		"$(grep -E '^(FAIL|SUMMARY)' "$OUT")"
fi

# AutoEOI: this KVM's local APIC sets no ISR bit on acceptance (hv_synic prints what it
# saw), so a handler that never EOIs cannot block anything here whatever hvemu does. The
# check is therefore on the mechanism: every AutoEOI SINT (8 of 16 per round, 3 rounds,
# each vCPU, and the two that CPU 0 holds back with its TPR and with cli) was injected
# past the local APIC. The control sends them to the APIC instead.
ROUNDS=3
WANT_AEOI=$((8 * ROUNDS * CPUS + 2))
aeoi_run() {
	held --kernel "$G" --cpus "boot=$CPUS" "${COMMON[@]}" --cmdline "mode=sints rounds=$ROUNDS hold=30"
	AEOI=$(stat vcpu aeoi_injected)
	TIMERS_FILTERED=$(stat vm sandbox_threads_timers)
	SYNIC_JSON=$(ctl --json query-synic 2>/dev/null)
	held_end
	# mode=sints: 7 checks plus one per vCPU; quit makes hvemu exit 0
	guest_verdict "$HOUT" "$HRC" $((7 + CPUS)) 0 0
	VERDICT=$?
	SUMMARY="${WHY:-$(grep '^SUMMARY' "$HOUT")}"
}
aeoi_run
if [ "$AEOI" = "$WANT_AEOI" ] && [ "$VERDICT" -eq 0 ]; then
	tap_ok "AutoEOI SINTs were injected past the local APIC, none went through it"
else
	tap_fail "AutoEOI SINTs were injected past the local APIC, none went through it" \
		"injected ${AEOI:-?}, want $WANT_AEOI; $SUMMARY; $(grep -E '^(FAIL|INFO)' "$HOUT")"
fi
if echo "$SYNIC_JSON" | python3 -c '
import json, sys
r = json.load(sys.stdin)["return"]
ok = len(r) == '"$CPUS"' and all(int(c["simp"], 16) & 1 and int(c["scontrol"], 16) == 1
                               and len(c["sints"]) == 16 and len(c["stimers"]) == 4 for c in r)
sys.exit(0 if ok else 1)'; then
	tap_ok "query-synic shows every vCPU's SynIC"
else
	tap_fail "query-synic shows every vCPU's SynIC" "$SYNIC_JSON"
fi
if [ "$TIMERS_FILTERED" = "1" ]; then
	tap_ok "the timer thread runs under its own seccomp filter"
else
	tap_fail "the timer thread runs under its own seccomp filter" \
		"sandbox_threads_timers ${TIMERS_FILTERED:-?}, want 1"
fi
HVEMU_FAULT="synic.autoeoi*" aeoi_run
if [ "$AEOI" = "0" ] && [ "$VERDICT" -eq 0 ]; then
	tap_ok "control: AutoEOI through the local APIC is seen by the same check"
else
	tap_fail "control: AutoEOI through the local APIC is seen by the same check" \
		"injected ${AEOI:-?}, want 0; $SUMMARY"
fi

# hv_stimer: 3 checks plus 5 per vCPU (4 in direct mode: no busy-slot test there).
run_hvemu 600 run --kernel "$S" --cpus "boot=$CPUS" "${COMMON[@]}"
expect_guest "hv_stimer, $CPUS vCPUs: every check ran and passed" $((3 + 5 * CPUS))
run_hvemu 600 run --kernel "$S" --cpus "boot=$CPUS" "${COMMON[@]}" --cmdline "direct=1"
expect_guest "hv_stimer direct mode, $CPUS vCPUs: every check ran and passed" $((3 + 4 * CPUS))

# The periodic run: every grid point the guest did not see must be a tick hvemu counted
# as missed (a slot still busy, or late); hvemu may have missed at most the grid points
# after the last tick each vCPU saw, until it stopped its timer (trailing), more.
NAME="hv_stimer 1 ms periodic on $PCPUS vCPUs for $PSECS s: on the grid, no stall, every skipped tick counted by hvemu"
held --kernel "$S" --cpus "boot=$PCPUS" "${COMMON[@]}" --cmdline "mode=period seconds=$PSECS hold=30"
MISSED=$(stat vm stimer_missed_ticks)
DELIVERED=$(stat vm stimer_expirations)
held_end
line=$(grep -o 'STIMER-PERIOD.*' "$HOUT")
skipped=$(echo "$line" | sed -n 's/.*skipped=\([0-9]*\).*/\1/p')
trailing=$(echo "$line" | sed -n 's/.*trailing=\([0-9]*\).*/\1/p')
ticks=$(echo "$line" | sed -n 's/.*ticks=\([0-9]*\).*/\1/p')
if guest_verdict "$HOUT" "$HRC" 3 0 0 && [ -n "$skipped" ] &&
	[ "${MISSED:-0}" -ge "$skipped" ] && [ "${MISSED:-0}" -le $((skipped + trailing)) ] &&
	[ "${DELIVERED:-0}" -ge "$ticks" ]; then
	tap_ok "$NAME ($line, hvemu missed $MISSED delivered $DELIVERED)"
else
	tap_fail "$NAME" "$WHY; $line; hvemu missed ${MISSED:-?} delivered ${DELIVERED:-?}; $(grep -E '^(FAIL|INFO|SUMMARY)' "$HOUT")"
fi

run_hvemu 300 run --kernel "$GUESTS/hv_synic_hp.elf" --cpus boot=2,max=3 "${COMMON[@]}"
expect_guest "hv_synic_hp: SynIC across hot-add, offline/online, hot-remove" 17

run_hvemu 30 run --kernel "$G" --hv vpindex --device hyperv-testdev
expect_rc_line "--device hyperv-testdev without --hv synic is refused" 2 "hyperv-testdev needs --hv synic"
tap_done
