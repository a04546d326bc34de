#!/usr/bin/env bash
# asan: yes
# Issue 5: TLB-flush inhibit and the suspended state, end to end.
. "$(dirname "$0")/lib.sh"
STRESS_SECONDS=${STRESS_SECONDS:-20}
need_kvm "suspend and resume cases" "inhibit through the control socket shows the waiter" \
	"waiter resumes when the socket lifts the inhibit" "random inhibits under a flush storm"

run_hvemu 120 run --kernel "$GUESTS/hv_suspend.elf" --cpus boot=5 --hv all
if [ "$RC" -eq 1 ] && grep -q "SUMMARY: .* 0 failures" "$OUT"; then
	tap_ok "suspend and resume cases"
else
	tap_fail "suspend and resume cases (status $RC)" "$(grep -E 'FAIL|SUMMARY' "$OUT"; tail -3 "$ERR")"
fi

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
rc=$?
if [ $rc -eq 1 ] && grep -q "SUMMARY: .* 0 failures" "$E2E_TMP/hold.out"; then
	tap_ok "waiter resumes when the socket lifts the inhibit"
else
	tap_fail "waiter resumes when the socket lifts the inhibit (status $rc)" "$(tail -5 "$E2E_TMP/hold.out")"
fi

run_hvemu $((STRESS_SECONDS + 120)) run --kernel "$GUESTS/hv_suspend.elf" --cpus boot=5 --hv all \
	--cmdline "mode=storm seconds=$STRESS_SECONDS"
if [ "$RC" -eq 1 ] && grep -q "SUMMARY: .* 0 failures" "$OUT"; then
	tap_ok "random inhibits under a flush storm ($(grep -o 'storm: .*' "$OUT"))"
else
	tap_fail "random inhibits under a flush storm (status $RC)" "$(tail -5 "$OUT"; tail -3 "$ERR")"
fi
tap_done
