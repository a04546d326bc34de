#!/usr/bin/env bash
# asan: yes
# TLB-flush inhibit and the suspended state (docs/suspend.md), end to end.
. "$(dirname "$0")/lib.sh"
STRESS_SECONDS=${STRESS_SECONDS:-20}
need_kvm "suspend and resume cases" "inhibit through the control socket shows the waiter" \
	"waiter resumes when the socket lifts the inhibit" "random inhibits under a flush storm"

# The reports of guest/tests/hv_suspend.c in each mode.
CASES_TESTS=22 HOLD_TESTS=2 STORM_TESTS=2

run_hvemu 120 run --kernel "$GUESTS/hv_suspend.elf" --cpus boot=5 --hv all
expect_guest "suspend and resume cases" "$CASES_TESTS"

# A guest that loops on flushes to a vCPU inhibited from outside shows up as suspended,
# with its waiting_on, in query-cpus; lifting the inhibit lets it go on.
SOCK="$E2E_TMP/vm.sock"
ctl() { timeout 20 "$HVEMU" ctl --api-socket "$SOCK" "$@"; }
"$HVEMU" run --kernel "$GUESTS/hv_suspend.elf" --cpus boot=5 --hv all --api-socket "$SOCK" \
	--cmdline "mode=hold seconds=60" >"$E2E_TMP/hold.out" 2>"$E2E_TMP/hold.err" &
VMPID=$!
for _ in $(seq 100); do ctl query-status >/dev/null 2>&1 && break; sleep 0.1; done
ctl watch count=1 event=VCPU_SUSPENDED >"$E2E_TMP/ev.out" 2>&1 &
WPID=$!
sleep 0.3
ctl set-tlb-flush-inhibit vp-index=1 inhibit=on >/dev/null
seen=""
for _ in $(seq 100); do
	cpus=$(ctl --json query-cpus 2>/dev/null)
	if echo "$cpus" | python3 -c 'import json,sys; s={x["slot"]:x for x in json.load(sys.stdin)["return"]}; sys.exit(0 if s[2]["state"]=="suspended" and s[2]["waiting-on"]==1 and s[1]["tlb-flush-inhibit"] else 1)' 2>/dev/null; then
		seen=1
		break
	fi
	sleep 0.1
done
wait $WPID
if [ -n "$seen" ] && grep -q "VCPU_SUSPENDED" "$E2E_TMP/ev.out" && grep -q "waiting-on=1" "$E2E_TMP/ev.out"; then
	tap_ok "inhibit through the control socket shows the waiter"
else
	tap_fail "inhibit through the control socket shows the waiter" "$cpus $(cat "$E2E_TMP/ev.out")"
fi
ctl set-tlb-flush-inhibit vp-index=1 inhibit=off >/dev/null
wait $VMPID
RC=$? OUT="$E2E_TMP/hold.out" ERR="$E2E_TMP/hold.err"
expect_guest "waiter resumes when the socket lifts the inhibit" "$HOLD_TESTS"

run_hvemu $((STRESS_SECONDS + 120)) run --kernel "$GUESTS/hv_suspend.elf" --cpus boot=5 --hv all \
	--cmdline "mode=storm seconds=$STRESS_SECONDS"
if guest_verdict "$OUT" "$RC" "$STORM_TESTS"; then
	tap_ok "random inhibits under a flush storm ($(grep -o 'storm: .*' "$OUT"))"
else
	tap_fail "random inhibits under a flush storm ($WHY)" "$(tail -5 "$OUT"; tail -3 "$ERR")"
fi
tap_done
