#!/usr/bin/env bash
# asan: yes
# End to end: --exit-timing. Every exit is timed, from KVM_RUN's return to the next KVM_RUN
# call, into a histogram per vCPU and kind (query-stats "exit_ns_<kind>", type histogram)
# and summarised when the VM ends; without the option nothing is timed.
. "$(dirname "$0")/lib.sh"
TESTS=("port exits timed: query-stats histogram exit_ns_pio"
	"histogram consistent: bucket counts add up, p50 <= p99 <= max"
	"no histogram without --exit-timing"
	"summary at the end: pio and hypercall exits counted"
	"control: histograms that cannot be allocated are missed by the check")
need_kvm "${TESTS[@]}"
if ! need_guest hv_bench; then
	for t in "${TESTS[@]}"; do tap_skip "$t" "guest images not built"; done
	tap_done
	exit 0
fi

# An ELF64 kernel: 5000 `out %al, $0x80` (a port no device claims), then cli; hlt.
python3 - "$E2E_TMP/outs.elf" <<'PY'
import struct, sys
code = bytes([0xb9, 0x88, 0x13, 0, 0,  # mov $5000, %ecx
              0xe6, 0x80,              # 1: out %al, $0x80
              0xff, 0xc9,              # dec %ecx
              0x75, 0xfa,              # jnz 1b
              0xfa, 0xf4, 0xeb, 0xfd]) # cli; 2: hlt; jmp 2b
eh = b'\x7fELF' + bytes([2, 1, 1]) + bytes(9) + struct.pack('<HHIQQQIHHHHHH', 2, 62, 1,
     0x100000, 64, 0, 0, 64, 56, 1, 0, 0, 0)
ph = struct.pack('<IIQQQQQQ', 1, 5, 120, 0x100000, 0x100000, len(code), len(code), 0x1000)
open(sys.argv[1], 'wb').write(eh + ph + code)
PY
SOCK="$E2E_TMP/vm.sock"

# outs_stats [OPTION...]: boots outs.elf with a control socket, waits until the 5000 port
# exits are done (pio_unclaimed_writes), prints vCPU 0's query-stats as JSON, stops the VM
outs_stats() {
	local pid n=0
	rm -f "$SOCK"
	"$HVEMU" run --kernel "$E2E_TMP/outs.elf" --api-socket "$SOCK" "$@" \
		>"$E2E_TMP/outs.out" 2>"$E2E_TMP/outs.err" &
	pid=$!
	for _ in $(seq 300); do
		[ -S "$SOCK" ] && n=$(vm_stat "$SOCK" pio_unclaimed_writes 2>/dev/null)
		[ "${n:--1}" -ge 5000 ] && break
		sleep 0.1
	done
	timeout 20 "$HVEMU" ctl --api-socket "$SOCK" --json query-stats 2>&1
	timeout 20 "$HVEMU" ctl --api-socket "$SOCK" quit >/dev/null 2>&1
	wait "$pid"
}

# check_hist FILE: the exit_ns_pio histogram of vCPU 0 in FILE (query-stats JSON) holds at
# least 5000 samples and is consistent; prints what is wrong, exits 1 then
check_hist() {
	python3 - "$1" <<'PY'
import json, sys
try:
    ret = json.load(open(sys.argv[1]))["return"]
except (ValueError, KeyError) as e:
    sys.exit("no query-stats answer: %s" % e)
h = [s for t in ret if t["target"] == "vcpu" and t["vcpu"] == 0 and t["provider"] == "hvemu"
     for s in t["stats"] if s["name"] == "exit_ns_pio"]
if not h:
    sys.exit("no exit_ns_pio statistic")
s = h[0]
v = s["value"]
if s["type"] != "histogram" or s["unit"] != "nanoseconds":
    sys.exit("exit_ns_pio is %s/%s" % (s["type"], s["unit"]))
if v["count"] < 5000:
    sys.exit("exit_ns_pio holds %d samples, want >= 5000" % v["count"])
if sum(b[2] for b in v["buckets"]) != v["count"]:
    sys.exit("bucket counts add up to %d, count %d" % (sum(b[2] for b in v["buckets"]), v["count"]))
if any(b[0] > b[1] for b in v["buckets"]) or any(
        a[1] >= b[0] for a, b in zip(v["buckets"], v["buckets"][1:])):
    sys.exit("buckets not ordered: %s" % v["buckets"][:5])
if not 0 < v["p50"] <= v["p99"] <= v["max"] or v["sum"] < v["count"] * v["buckets"][0][0]:
    sys.exit("p50 %d p99 %d max %d sum %d" % (v["p50"], v["p99"], v["max"], v["sum"]))
print("%d samples, p50 %d ns, p99 %d ns" % (v["count"], v["p50"], v["p99"]))
PY
}

outs_stats --exit-timing >"$E2E_TMP/on.json"
if msg=$(check_hist "$E2E_TMP/on.json" 2>&1); then
	tap_ok "port exits timed: query-stats histogram exit_ns_pio ($msg)"
	tap_ok "histogram consistent: bucket counts add up, p50 <= p99 <= max"
else
	tap_fail "port exits timed: query-stats histogram exit_ns_pio" "$msg"
	tap_fail "histogram consistent: bucket counts add up, p50 <= p99 <= max" "$msg"
fi

outs_stats >"$E2E_TMP/off.json"
if grep -q '"exits"' "$E2E_TMP/off.json" && ! grep -q 'exit_ns_' "$E2E_TMP/off.json" &&
	! grep -q 'exit timing:' "$E2E_TMP/outs.err"; then
	tap_ok "no histogram without --exit-timing"
else
	tap_fail "no histogram without --exit-timing" "$(grep -o 'exit_ns_[a-z]*' "$E2E_TMP/off.json" | head -3)"
fi

# The summary: hv_bench makes n port exits and n hypercalls (and as many of each again
# for its diagnostics).
run_hvemu 60 run --kernel "$GUESTS/hv_bench.elf" --hv vpindex,tlbflush --exit-timing \
	--cmdline "n=200 block=100"
pio=$(sed -n 's/.*exit timing: pio n=\([0-9]*\).*/\1/p' "$ERR")
hc=$(sed -n 's/.*exit timing: hypercall n=\([0-9]*\).*/\1/p' "$ERR")
if [ "${pio:-0}" -ge 400 ] && [ "${hc:-0}" -ge 200 ] && [ "$RC" -eq 1 ]; then
	tap_ok "summary at the end: pio and hypercall exits counted ($pio pio, $hc hypercalls)"
else
	tap_fail "summary at the end: pio and hypercall exits counted" \
		"exit status $RC, pio '$pio', hypercall '$hc'; $(grep 'exit timing' "$ERR")"
fi

# Control: the same check on a run whose histograms could not be allocated must fail.
HVEMU_FAULT='vcpu.exit_timing*' outs_stats --exit-timing >"$E2E_TMP/fault.json"
if msg=$(check_hist "$E2E_TMP/fault.json" 2>&1); then
	tap_fail "control: histograms that cannot be allocated are missed by the check" "$msg"
else
	tap_ok "control: histograms that cannot be allocated are missed by the check ($msg)"
fi
tap_done
