#!/usr/bin/env bash
# bench hypercall_overhead_ratio: median hypercall through the page / median bare port exit,
# both measured in the same guest run (guest/tests/hv_bench.c), BENCH_REPS runs; the
# figure is the median of the per-run ratios. Run by bench/run.sh.
set -u
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
REPS=${BENCH_REPS:-5}
bench_start hypercall_overhead_ratio hv_bench

ok=0
for i in $(seq "$REPS"); do
	# A guest that returns 0 makes hvemu exit 1; the figures decide success.
	"$HVEMU" run --kernel "$G/hv_bench.elf" --hv vpindex,tlbflush --serial stdio \
		>"$tmp/run.$i" 2>"$tmp/err.$i" || true
	if grep -q '^BENCH hypercall_ns median=' "$tmp/run.$i"; then
		ok=$((ok + 1))
	else
		mv "$tmp/run.$i" "$tmp/failed.$i"
	fi
done
if [ "$ok" -eq 0 ]; then
	echo "bench hypercall_overhead_ratio: failed (no run produced figures)"
	tail -3 "$tmp"/failed.* "$tmp"/err.* 2>/dev/null | sed 's/^/  /'
	exit 0
fi

runs=("$tmp"/run.*)
for f in "${runs[@]}"; do
	p=$(field port_exit_ns median "$f")
	h=$(field hypercall_ns median "$f")
	ratio "$h" "$p"
done >"$tmp/ratios"

stat() { field "$1" "$2" "${runs[@]}" | median; }
echo "bench hypercall_overhead_ratio: $(median <"$tmp/ratios")"
echo "  median of $ok runs of 10^4 calls each (blocks of 100, interleaved); per-run ratios:" \
	"$(tr '\n' ' ' <"$tmp/ratios")"
echo "  hypercall (HvCallFlushVirtualAddressSpaceEx, empty sparse set, slow, direct call to" \
	"the page): median $(stat hypercall_ns median) ns, p99 $(stat hypercall_ns p99) ns"
echo "  bare port exit (outl to the test device ECHO port, 0x5A0): median $(stat port_exit_ns median) ns," \
	"p99 $(stat port_exit_ns p99) ns"
echo "  diagnostics: timing floor $(stat timing_floor_ns median) ns; call+ret to a guest" \
	"stub $(stat call_ret_ns median) ns; call to a guest 'out; ret' stub" \
	"$(stat port_via_stub_ns median) ns (all include the floor)"
# One extra nop = one emulated instruction (CPL0 code runs in KVM's emulator here): the
# least the guest's `call` into the page costs, as a share of the bare exit.
for f in "${runs[@]}"; do
	awk -v a="$(field timing_floor_2nop_ns median "$f")" -v b="$(field timing_floor_ns median "$f")" \
		-v p="$(field port_exit_ns median "$f")" \
		'BEGIN { if (a != "" && b != "" && p > 0) printf "%d %.1f\n", a - b, 100 * (a - b) / p }'
done >"$tmp/insn"
echo "  one emulated instruction (a second nop): median $(cut -d' ' -f1 "$tmp/insn" | median) ns" \
	"= $(cut -d' ' -f2 "$tmp/insn" | median)% of the bare exit; the page's \`call\` costs at least that"
exit 0
