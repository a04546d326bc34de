#!/usr/bin/env bash
# make soak: everything at once for SOAK_SECONDS (default 1800), with seccomp on:
#   - the soak guest (guest/tests/soak.c): flushes and IPIs checked one by one (non-Ex,
#     Ex, the native fallback after a refused call, native, flush-all), its own vCPU
#     add/remove on slots 4-7, the TLB-flush inhibit set and cleared;
#   - two control-socket clients adding and removing vCPUs on slots 8-9 and 10-11;
#   - control-socket churn (connections opened and closed, queries);
#   - host CPU 1 taken offline and back every SOAK_HOSTCPU_PERIOD s when root (always
#     brought back, trap EXIT).
# Every 10 s: hvemu's RSS, fds and threads. It fails on a lost or stale flush, a lost IPI,
# a failed hotplug event, a vCPU left suspended (VCPU_SUSPENDED events not matched by
# VCPU_RESUMED, or the sender still waiting), the guest's progress stalling for more than
# SOAK_STALL_S (default 60) s, or hvemu's RSS, fds or threads growing between the
# baseline (after a warm-up that adds and removes every slot once) and the end (the same
# vCPUs present): threads and fds must be equal, RSS within max(8 MiB, 10%).
# SOAK_GUEST_ARGS adds guest options: control=noflush leaves the checkers' flushes out,
# and the run must then fail (stale reads): the control that shows a lost flush is seen.
set -u
cd "$(dirname "$0")/.." || exit 2
SECONDS_WANTED=${SOAK_SECONDS:-1800}
STALL=${SOAK_STALL_S:-60}
HOSTCPU_PERIOD=${SOAK_HOSTCPU_PERIOD:-30}
HVEMU=${HVEMU:-build/hvemu}
GUEST=build/guest/soak.elf
DIR=$(mktemp -d /tmp/hvemu-soak.XXXXXX)
SOCK=$DIR/vm.sock
HP=/sys/devices/system/cpu/cpu1/online
pids=()
fail=0

log() { echo "soak: $*"; }
bad() { echo "soak: FAIL: $*"; fail=1; }

# stop_loops: the background loops and what they run now (a sleep would outlive them)
stop_loops() {
	for p in "$@"; do
		kill -STOP "$p" 2>/dev/null # frozen, it starts nothing new
		pkill -P "$p" 2>/dev/null
		kill "$p" 2>/dev/null
		kill -CONT "$p" 2>/dev/null
	done
}
cleanup() {
	stop_loops "${pids[@]}"
	[ -n "${HVPID:-}" ] && kill "$HVPID" 2>/dev/null
	# a host CPU taken offline is always brought back
	[ -w "$HP" ] && [ "$(cat "$HP")" = 0 ] && echo 1 >"$HP"
	wait 2>/dev/null
	[ "${KEEP:-0}" = 1 ] || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

[ -x "$HVEMU" ] && [ -f "$GUEST" ] || { echo "soak: build first (make all)"; exit 2; }
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "soak: /dev/kvm is not usable here"; exit 2; }

ctl() { timeout 20 "$HVEMU" ctl --api-socket "$SOCK" "$@"; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$HVPID/status" 2>/dev/null; }
threads() { awk '/^Threads:/ { print $2 }' "/proc/$HVPID/status" 2>/dev/null; }
fds() { ls "/proc/$HVPID/fd" 2>/dev/null | wc -l; }
sample() { echo "$(rss_kib) $(fds) $(threads)"; }
# wait_for REGEX SECONDS: true once the guest printed a matching line
wait_for() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		grep -q -- "$1" "$DIR/guest.out" && return 0
		kill -0 "$HVPID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

log "$SECONDS_WANTED s, seccomp on, logs in $DIR (KEEP=1 keeps them)"
"$HVEMU" run --kernel "$GUEST" --hv all --cpus boot=4,max=12 --memory 256M --seccomp on \
	--api-socket "$SOCK" --cmdline "seconds=$SECONDS_WANTED hold_ms=5000 ${SOAK_GUEST_ARGS:-}" \
	>"$DIR/guest.out" 2>"$DIR/hvemu.err" &
HVPID=$!
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
"$HVEMU" ctl --api-socket "$SOCK" --json watch >"$DIR/events.jsonl" 2>/dev/null &
pids+=($!)

wait_for "^SOAK: baseline" 600 || { bad "no baseline (guest: $(tail -3 "$DIR/guest.out"))"; exit 1; }
sleep 2
read -r B_RSS B_FDS B_THR <<<"$(sample)"
log "baseline: RSS $B_RSS KiB, $B_FDS fds, $B_THR threads"
wait_for "^SOAK: churn" 60 || { bad "the churn did not start"; exit 1; }

# client SLOT...: cpu-add then cpu-del of a random slot of its own, again and again
client() {
	local n=0 ok_add=0 ok_del=0 s
	while :; do
		s=$1
		[ $((RANDOM % 2)) = 1 ] && s=$2
		ctl cpu-add slot="$s" >/dev/null 2>&1 && ok_add=$((ok_add + 1))
		sleep "0.$((RANDOM % 8 + 1))"
		ctl cpu-del slot="$s" >/dev/null 2>&1 && ok_del=$((ok_del + 1))
		sleep "0.$((RANDOM % 8 + 1))"
		n=$((n + 1))
		echo "$n $ok_add $ok_del" >"$DIR/client.$1"
	done
}
churn() { # connections opened and closed, queries of every kind
	local n=0
	while :; do
		ctl query-status >/dev/null 2>&1
		ctl query-cpus >/dev/null 2>&1
		ctl query-stats target=vm names='["vcpus_online"]' >/dev/null 2>&1
		python3 - "$SOCK" <<'PY' 2>/dev/null
import socket, sys
for _ in range(20):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.close()
PY
		n=$((n + 23))
		echo "$n" >"$DIR/churn"
	done
}
hostcpu() { # host CPU 1 offline for 5 s every period, when root
	local n=0
	while :; do
		sleep "$HOSTCPU_PERIOD"
		echo 0 >"$HP" && sleep 5
		echo 1 >"$HP"
		n=$((n + 1))
		echo "$n" >"$DIR/hostcpu"
	done
}
client 8 9 & pids+=($!)
client 10 11 & pids+=($!)
churn & pids+=($!)
# The clients stop as soon as the guest drains (it removes what is left and waits 3 s
# of quiet): a client still adding after that would leave a CPU the verdict counts.
drain_watch() {
	until grep -q "^SOAK: drain" "$DIR/guest.out" 2>/dev/null; do sleep 0.1; done
	stop_loops "$@"
}
drain_watch "${pids[@]:1}" & pids+=($!)
if [ "$(id -u)" = 0 ] && [ -w "$HP" ]; then
	hostcpu &
	pids+=($!)
else
	log "not root (or no CPU 1 to take offline): the host CPU part is skipped"
fi

# Every 10 s a sample; the guest's progress lines must keep coming.
last_lines=0
last_change=$(date +%s)
max_rss=$B_RSS max_fds=$B_FDS max_thr=$B_THR
while kill -0 "$HVPID" 2>/dev/null && ! grep -q "^SOAK: drain" "$DIR/guest.out"; do
	sleep 10
	read -r rss nfd nthr <<<"$(sample)"
	[ -n "$rss" ] || break
	((rss > max_rss)) && max_rss=$rss
	((nfd > max_fds)) && max_fds=$nfd
	((nthr > max_thr)) && max_thr=$nthr
	lines=$(grep -c "^SOAK: progress" "$DIR/guest.out")
	now=$(date +%s)
	if [ "$lines" != "$last_lines" ]; then
		last_lines=$lines
		last_change=$now
	elif ((now - last_change > STALL)); then
		bad "the guest printed no progress for $((now - last_change)) s"
		break
	fi
	log "t=$(grep "^SOAK: progress" "$DIR/guest.out" | tail -1 | sed 's/.* t=\([0-9]*\).*/\1/')s RSS $rss KiB, $nfd fds, $nthr threads | $(grep "^SOAK: progress" "$DIR/guest.out" | tail -1 | cut -d' ' -f4-)"
done
stop_loops "${pids[@]:1}"
[ -w "$HP" ] && [ "$(cat "$HP")" = 0 ] && echo 1 >"$HP"

wait_for "^SOAK: final" 300 || bad "no final phase (guest: $(tail -3 "$DIR/guest.out"))"
sleep 2
read -r F_RSS F_FDS F_THR <<<"$(sample)"
stats=$(ctl --json query-stats target=vm \
	names='["ctl_events_dropped","sandbox_mode","sandbox_threads_vcpu","vcpus_online","hcalls_flush_space","hcalls_flush_space_ex","hcalls_send_ipi","hcalls_send_ipi_ex","hcall_status_time_out","suspensions","unsuspends","suspended_vps"]' 2>&1)
cpus=$(ctl --json query-cpus 2>&1)
wait "$HVPID"
rc=$?
HVPID=

events() { grep -c "\"event\":\"$1\"" "$DIR/events.jsonl"; }
ev_add=$(events VCPU_ADDED) ev_rem=$(events VCPU_REMOVED)
ev_sus=$(events VCPU_SUSPENDED) ev_res=$(events VCPU_RESUMED)
final=$(grep "^SOAK: final" "$DIR/guest.out")
log "guest: ${final#SOAK: final }"
grep -E "^(INFO|PASS|FAIL)" "$DIR/guest.out" | sed 's/^/soak:   /'
log "events: $ev_add VCPU_ADDED, $ev_rem VCPU_REMOVED, $ev_sus VCPU_SUSPENDED, $ev_res VCPU_RESUMED"
log "clients: slots 8-9 (rounds, adds, removals) $(cat "$DIR/client.8" 2>/dev/null); slots 10-11 $(cat "$DIR/client.10" 2>/dev/null); socket churn $(cat "$DIR/churn" 2>/dev/null) connections; host CPU 1 offline/online $(cat "$DIR/hostcpu" 2>/dev/null || echo 0) times"
log "hvemu: RSS $B_RSS -> $F_RSS KiB (max $max_rss), fds $B_FDS -> $F_FDS (max $max_fds), threads $B_THR -> $F_THR (max $max_thr)"
log "stats: $(python3 -c '
import json, sys
r = json.loads(sys.argv[1])["return"]
print(", ".join("%s %d" % (s["name"], s["value"]) for g in r for s in g["stats"]))' "$stats" 2>&1)"

[ "$rc" -eq 1 ] || bad "hvemu exited with $rc (the guest passes with 1)"
grep -q "^SUMMARY: .* 0 failures, 0 skipped, 0 unexpected skips" "$DIR/guest.out" ||
	bad "the guest reported failures"
[ "$ev_sus" -eq "$ev_res" ] || bad "$ev_sus vCPUs suspended, $ev_res resumed"
echo "$cpus" | grep -q '"suspended"' && bad "a vCPU is still suspended: $cpus"
# Per slot, VCPU_ADDED and VCPU_REMOVED alternate and the last one says whether the slot is
# online at the end. A slot's first event may be a removal: the guest's own hotplug check
# starts before `watch` has connected (the counts alone differed by that).
hp_check=$(python3 - "$DIR/events.jsonl" "$cpus" <<'PY'
import json, sys
last, errs = {}, []
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] not in ("VCPU_ADDED", "VCPU_REMOVED"):
        continue
    s = e["data"]["slot"]
    if last.get(s) == e["event"]:
        errs.append("slot %d: %s twice in a row" % (s, e["event"]))
    last[s] = e["event"]
try:
    online = {c["slot"] for c in json.loads(sys.argv[2])["return"]
              if c["state"] not in ("absent", "parked")}
except (ValueError, KeyError, TypeError):
    online = None
    errs.append("no query-cpus answer to compare with")
for s, ev in sorted(last.items()):
    if online is not None and (ev == "VCPU_ADDED") != (s in online):
        errs.append("slot %d: last event %s, %s at the end" %
                    (s, ev, "online" if s in online else "absent"))
print("; ".join(errs[:5]))
PY
)
[ -z "$hp_check" ] || bad "vCPU hotplug events: $hp_check"
echo "$stats" | grep -q '"name":"ctl_events_dropped","value":0,' ||
	bad "events were dropped: the counts above are incomplete"
echo "$stats" | grep -q '"name":"sandbox_mode","value":2,' || bad "seccomp was not on"
echo "$stats" | grep -q '"name":"suspended_vps","value":0,' || bad "a VP is left suspended"
[ "$F_THR" = "$B_THR" ] || bad "threads grew: $B_THR -> $F_THR"
[ "$F_FDS" = "$B_FDS" ] || bad "fds grew: $B_FDS -> $F_FDS"
limit=$((B_RSS / 10 > 8192 ? B_RSS / 10 : 8192))
((F_RSS <= B_RSS + limit)) || bad "RSS grew: $B_RSS -> $F_RSS KiB (limit +$limit)"
grep -q "forbidden system call" "$DIR/hvemu.err" && bad "seccomp stopped a call: $(grep forbidden "$DIR/hvemu.err")"
if [ "$fail" = 0 ]; then
	log "PASS"
else
	KEEP=1
	log "logs kept in $DIR"
fi
exit "$fail"
