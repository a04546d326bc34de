#!/usr/bin/env bash
# End to end: host CPUs that fail their check never run vCPUs, and host CPU
# hotplug while a guest runs a flush and IPI storm (root only; CPU 1 is always brought back).
. "$(dirname "$0")/lib.sh"
need_kvm "rejected host CPU reported" "no vCPU thread on the rejected CPU" \
	"guest runs on with a rejected CPU" "CPU offline: threads re-placed" \
	"CPU online: re-admitted" "guest survives host CPU hotplug"

SOCK="$E2E_TMP/vm.sock"
STORM_TESTS=1 # hv_flush.elf mode=stress reports once
ctl() { timeout 20 "$HVEMU" ctl --api-socket "$SOCK" "$@"; }
start_storm() { # start_storm SECONDS [env...]: hv_flush's flush and IPI stress, with a socket
	env "${@:2}" "$HVEMU" run --kernel "$GUESTS/hv_flush.elf" --cpus boot=12 --hv all \
		--api-socket "$SOCK" --cmdline "mode=stress seconds=$1 senders=4" \
		>"$E2E_TMP/storm.out" 2>"$E2E_TMP/storm.err" &
	VMPID=$!
	for _ in $(seq 100); do ctl query-status >/dev/null 2>&1 && return; sleep 0.1; done
}
# vcpu_cpus: the host CPU of every vCPU thread, one per line
vcpu_cpus() {
	ctl --json query-cpus 2>/dev/null | python3 -c 'import json,sys
for x in json.load(sys.stdin)["return"]:
    if x["host-cpu"] >= 0: print(x["host-cpu"])' 2>/dev/null
}
host_state() { # host_state CPU: admitted/rejected/offline/excluded
	ctl --json query-host-cpus 2>/dev/null | python3 -c 'import json,sys
for x in json.load(sys.stdin)["return"]:
    if x["cpu"] == int(sys.argv[1]): print(x["state"], x.get("reason") or "")' "$1" 2>/dev/null
}

if [ "$(nproc --all)" -lt 2 ]; then
	for t in "rejected host CPU reported" "no vCPU thread on the rejected CPU" \
		"guest runs on with a rejected CPU" "CPU offline: threads re-placed" \
		"CPU online: re-admitted" "guest survives host CPU hotplug"; do
		tap_skip "$t" "the host has a single CPU"
	done
	tap_done
	exit 0
fi

# --- a CPU that fails its compatibility check (fault injection) -----------------------
start_storm 8 HVEMU_FAULT='hostcpu.check=1*'
st=$(host_state 1)
if [[ "$st" == rejected* ]] && grep -q "host CPU 1 rejected" "$E2E_TMP/storm.err"; then
	tap_ok "rejected host CPU reported"
else
	tap_fail "rejected host CPU reported" "state: $st; $(grep -i 'host CPU' "$E2E_TMP/storm.err" | head -3)"
fi
bad=0 samples=0
for _ in $(seq 30); do
	for c in $(vcpu_cpus); do
		samples=$((samples + 1))
		[ "$c" = 1 ] && bad=$((bad + 1))
	done
	sleep 0.1
done
if [ "$samples" -gt 0 ] && [ "$bad" -eq 0 ]; then
	tap_ok "no vCPU thread on the rejected CPU ($samples samples)"
else
	tap_fail "no vCPU thread on the rejected CPU ($bad of $samples samples on CPU 1)"
fi
wait $VMPID
RC=$? OUT="$E2E_TMP/storm.out" ERR="$E2E_TMP/storm.err"
expect_guest "guest runs on with a rejected CPU" "$STORM_TESTS"

# --- host CPU hotplug (root) --------------------------------------------------------------
ONLINE=/sys/devices/system/cpu/cpu1/online
if [ "$(id -u)" -ne 0 ] || [ ! -w "$ONLINE" ]; then
	for t in "CPU offline: threads re-placed" "CPU online: re-admitted" \
		"guest survives host CPU hotplug"; do
		tap_skip "$t" "needs root and a hot-pluggable host CPU 1 ($ONLINE)"
	done
	tap_done
	exit 0
fi
# One host-CPU hotplug test at a time on this machine (the unit test uses the same lock).
exec 9>/tmp/hvemu-host-cpu1-hotplug.lock
flock 9
trap 'echo 1 >"$ONLINE" 2>/dev/null; rm -rf "$E2E_TMP"' EXIT
# The storm must outlast the offline and online checks (up to ~20 s of socket queries on a
# loaded machine); when it ended first, host_state read nothing and "re-admitted" failed.
start_storm 25
sleep 2
echo 0 >"$ONLINE"
ok=""
for _ in $(seq 50); do
	cpus=$(vcpu_cpus | sort -u | tr '\n' ' ')
	if [[ "$(host_state 1)" == offline* ]] && [ "$cpus" = "0 " ]; then ok=1; break; fi
	sleep 0.1
done
[ -n "$ok" ] && tap_ok "CPU offline: threads re-placed" ||
	tap_fail "CPU offline: threads re-placed" "host CPU 1: $(host_state 1); vCPU threads on: $cpus"
sleep 2
echo 1 >"$ONLINE"
ok=""
for _ in $(seq 100); do
	[[ "$(host_state 1)" == admitted* ]] && { ok=1; break; }
	sleep 0.1
done
[ -n "$ok" ] && tap_ok "CPU online: re-admitted" ||
	tap_fail "CPU online: re-admitted" "host CPU 1: $(host_state 1)"
wait $VMPID
RC=$? OUT="$E2E_TMP/storm.out" ERR="$E2E_TMP/storm.err"
expect_guest "guest survives host CPU hotplug" "$STORM_TESTS"
tap_done
