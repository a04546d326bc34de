#!/usr/bin/env bash
# asan: yes
# End to end: the control socket of a running VM, driven with `hvemu ctl`.
. "$(dirname "$0")/lib.sh"
need_kvm "socket mode 0600" "query-status" "query-cpus" "cpu-add and its event" \
	"added vCPU visible" "vCPU threads SCHED_BATCH, others SCHED_OTHER" \
	"--vcpu-sched normal keeps SCHED_OTHER" "query-host-cpus" "query-stats" "malformed requests" \
	"live socket refused" "quit" "stale socket replaced" \
	"query-status from the socket's start: starting, then running"

# An idle ELF64 kernel (cli; hlt; jmp): the guest stays up while the socket is exercised.
python3 - "$E2E_TMP/idle.elf" <<'PY'
import struct, sys
code = bytes([0xfa, 0xf4, 0xeb, 0xfd])
eh = b'\x7fELF' + bytes([2, 1, 1]) + bytes(9) + struct.pack('<HHIQQQIHHHHHH', 2, 62, 1,
     0x100000, 64, 0, 0, 64, 56, 1, 0, 0, 0)
ph = struct.pack('<IIQQQQQQ', 1, 5, 120, 0x100000, 0x100000, len(code), len(code), 0x1000)
open(sys.argv[1], 'wb').write(eh + ph + code)
PY
SOCK="$E2E_TMP/vm.sock"
ctl() { timeout 20 "$HVEMU" ctl --api-socket "$SOCK" "$@"; }

"$HVEMU" run --kernel "$E2E_TMP/idle.elf" --cpus boot=1,max=4 --hv all --api-socket "$SOCK" \
	>"$E2E_TMP/vm.out" 2>"$E2E_TMP/vm.err" &
VMPID=$!
# The socket is live before the boot vCPUs start: from its first moment query-status says
# "starting" (the window is short here) until they run, then "running", nothing else.
states=$(python3 - "$SOCK" <<'PY'
import json, os, socket, sys, time
deadline, seen = time.time() + 10, []
while time.time() < deadline and not seen:
    try:
        s = socket.socket(socket.AF_UNIX)
        s.connect(sys.argv[1])
    except OSError:
        time.sleep(0.001)
        continue
    f = s.makefile('rwb')
    f.readline()
    while time.time() < deadline:
        f.write(b'{"execute": "query-status"}\n')
        f.flush()
        st = json.loads(f.readline())["return"]["status"]
        if not seen or seen[-1] != st:
            seen.append(st)
        if st != "starting":
            break
print(" ".join(seen))
PY
)
if [[ "$states" =~ ^(starting )?running$ ]]; then
	tap_ok "query-status from the socket's start: starting, then running ($states)"
else
	tap_fail "query-status from the socket's start: starting, then running" "seen: '$states'"
fi

mode=$(stat -c %a "$SOCK" 2>/dev/null)
[ "$mode" = "600" ] && tap_ok "socket mode 0600" || tap_fail "socket mode 0600" "mode $mode"

out=$(ctl --json query-status 2>&1)
if echo "$out" | python3 -c 'import json,sys; r=json.load(sys.stdin)["return"]; sys.exit(0 if r["status"]=="running" and r["vcpus"]=={"boot":1,"present":1,"max":4} and "tlbflush" in r["hv-features"] else 1)'; then
	tap_ok "query-status"
else
	tap_fail "query-status" "$out"
fi

out=$(ctl --json query-cpus 2>&1)
if echo "$out" | python3 -c 'import json,sys; c=json.load(sys.stdin)["return"]; s={x["slot"]:x for x in c}; sys.exit(0 if len(c)==4 and s[0]["state"]=="online" and s[0]["vp-index"]==0 and s[1]["state"]=="absent" else 1)'; then
	tap_ok "query-cpus"
else
	tap_fail "query-cpus" "$out"
fi

ctl watch count=1 event=VCPU_ADDED >"$E2E_TMP/watch.out" 2>&1 &
WPID=$!
sleep 0.5
out=$(ctl --json cpu-add slot=2 2>&1)
wait $WPID
if echo "$out" | grep -q '"return"' && grep -q 'VCPU_ADDED' "$E2E_TMP/watch.out" &&
	grep -q 'slot=2' "$E2E_TMP/watch.out"; then
	tap_ok "cpu-add and its event"
else
	tap_fail "cpu-add and its event" "$out $(cat "$E2E_TMP/watch.out")"
fi

out=$(ctl --json query-cpus 2>&1)
if echo "$out" | python3 -c 'import json,sys; c=json.load(sys.stdin)["return"]; s={x["slot"]:x for x in c}; sys.exit(0 if s[2]["state"]=="online" and s[2]["vp-index"]==1 and s[2]["thread-id"]>0 else 1)'; then
	tap_ok "added vCPU visible"
else
	tap_fail "added vCPU visible" "$out"
fi

# policy PID NAME: the scheduling policy of PID's thread NAME, as chrt prints it
policy() {
	local t
	for t in /proc/"$1"/task/*; do
		if [ "$(cat "$t/comm" 2>/dev/null)" = "$2" ]; then
			chrt -p "${t##*/}" | sed -n 's/.*scheduling policy: //p'
			return
		fi
	done
}
p0=$(policy $VMPID vcpu0) p2=$(policy $VMPID vcpu2) pm=$(policy $VMPID hvemu)
if [ "$p0" = SCHED_BATCH ] && [ "$p2" = SCHED_BATCH ] && [ "$pm" = SCHED_OTHER ]; then
	tap_ok "vCPU threads SCHED_BATCH, others SCHED_OTHER"
else
	tap_fail "vCPU threads SCHED_BATCH, others SCHED_OTHER" "vcpu0 $p0, vcpu2 $p2, main $pm"
fi
"$HVEMU" run --kernel "$E2E_TMP/idle.elf" --vcpu-sched normal >/dev/null 2>&1 &
NPID=$!
pn=""
for _ in $(seq 100); do
	[ -n "$(policy $NPID vcpu0)" ] && break
	sleep 0.1
done
sleep 0.3 # past the thread's start, where it would set a policy
pn=$(policy $NPID vcpu0)
kill $NPID 2>/dev/null
wait $NPID 2>/dev/null
[ "$pn" = SCHED_OTHER ] && tap_ok "--vcpu-sched normal keeps SCHED_OTHER" ||
	tap_fail "--vcpu-sched normal keeps SCHED_OTHER" "vcpu0: '$pn'"

out=$(ctl --json query-host-cpus 2>&1)
echo "$out" | grep -q '"admitted"' && tap_ok "query-host-cpus" || tap_fail "query-host-cpus" "$out"

out=$(ctl --json query-stats 2>&1)
if echo "$out" | grep -q '"exits"' && echo "$out" | grep -q '"kvm"' &&
	echo "$out" | grep -q '"flush_calls"'; then
	tap_ok "query-stats"
else
	tap_fail "query-stats" "$(echo "$out" | head -c 600)"
fi

# Malformed input gets error replies; the VM and the socket keep working.
replies=$(python3 - "$SOCK" <<'PY'
import socket, sys, json
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile('rwb')
f.readline()  # greeting
out = []
for line in [b'{not json\n', b'[1,2]\n', b'{"execute": "no-such-command", "id": 7}\n',
             b'{"execute": "cpu-add", "arguments": {"slot": "two"}}\n',
             b'x' * 100000 + b'\n', b'{"execute": "query-status", "id": "ok"}\n']:
    f.write(line); f.flush()
    out.append(json.loads(f.readline()))
print(json.dumps(out))
PY
)
if echo "$replies" | python3 -c 'import json,sys; r=json.load(sys.stdin); ok=[("error" in x) for x in r[:5]]; sys.exit(0 if all(ok) and r[5].get("id")=="ok" and "return" in r[5] and r[2]["error"]["class"]=="CommandNotFound" and r[2].get("id")==7 else 1)' &&
	kill -0 $VMPID 2>/dev/null; then
	tap_ok "malformed requests"
else
	tap_fail "malformed requests" "$replies"
fi

"$HVEMU" run --kernel "$E2E_TMP/idle.elf" --api-socket "$SOCK" >/dev/null 2>"$E2E_TMP/second.err"
rc=$?
if [ $rc -eq 2 ] && grep -q "another hvemu" "$E2E_TMP/second.err"; then
	tap_ok "live socket refused"
else
	tap_fail "live socket refused (status $rc)" "$(cat "$E2E_TMP/second.err")"
fi

ctl quit >/dev/null 2>&1
wait $VMPID
rc=$?
[ $rc -eq 0 ] && tap_ok "quit" || tap_fail "quit (status $rc)" "$(tail -5 "$E2E_TMP/vm.err")"

# A socket file nobody listens on is replaced.
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$SOCK" 2>/dev/null
"$HVEMU" run --kernel "$E2E_TMP/idle.elf" --api-socket "$SOCK" >/dev/null 2>&1 &
VMPID=$!
for _ in $(seq 100); do ctl query-status >/dev/null 2>&1 && break; sleep 0.1; done
if ctl quit >/dev/null 2>&1 && wait $VMPID; then
	tap_ok "stale socket replaced"
else
	kill $VMPID 2>/dev/null
	tap_fail "stale socket replaced"
fi
tap_done
