#!/usr/bin/env bash
# bench flush_vs_native_p50/p99: native IPI shootdown time / PV flush hypercall time, all 8
#   vCPUs (2 host cores) as targets, both measured interleaved in one guest run
#   (guest/tests/hv_flush.c mode=bench test=flush).
# bench ipi64_vs_native: 64 targets (70 vCPUs): native IPIs + acknowledgements / one PV IPI
#   hypercall (test=ipi64); the PV IPI + acknowledgements figure is printed as a detail.
# bench flush_1024_vs_8: p50 of a 2-target PV flush with 1024 vCPUs / with 8 (test=flush2,
#   two guest runs).
# bench ipi64_hypercall_us: one HvCallSendSyntheticClusterIpiEx to 64 targets, timed by the
#   sender from its call into the hypercall page to the return (the VP set built before),
#   targets halted (settled 2 ms after the previous round); the same with the targets
#   running guest code, and where the time goes (--exit-timing: the exit, the MSIs).
# bench ipi64_floor_us: the same with no VMM (bench/kvm_floor_ipi: the sender exits, its
#   thread sends 64 KVM_SIGNAL_MSI to 64 halted vCPUs and re-enters), run right after each
#   hvemu run, and hvemu / floor.
# Each figure is the median over BENCH_REPS runs of the per-run ratio. Run by bench/run.sh.
set -u
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
REPS=${BENCH_REPS:-3}
SAMPLES=${BENCH_FLUSH_SAMPLES:-300}
FLOOR_IPI=${KVM_FLOOR_IPI:-build/bench/kvm_floor_ipi}
bench_start "flush_vs_native_p50 flush_vs_native_p99 ipi64_vs_native flush_1024_vs_8 ipi64_hypercall_us" hv_flush

# guest NAME CPUS MEM TEST [OPTION...]: one guest run, output in $tmp/NAME; fails without
# figures
guest() {
	"$HVEMU" run --kernel "$G/hv_flush.elf" --cpus "boot=$2" --memory "$3" --hv all \
		--cmdline "mode=bench test=$4 samples=$SAMPLES" --serial stdio "${@:5}" \
		>"$tmp/$1" 2>"$tmp/$1.err" || true
	grep -q '^BENCH ' "$tmp/$1"
}

: >"$tmp/p50"; : >"$tmp/p99"; : >"$tmp/ipi"; : >"$tmp/ipiack"; : >"$tmp/scale"
: >"$tmp/ipinormal"
for i in $(seq "$REPS"); do
	if guest "flush.$i" 8 128M flush; then
		f="$tmp/flush.$i"
		ratio "$(field flush_native_ns p50 "$f")" "$(field flush_pv_ns p50 "$f")" >>"$tmp/p50"
		ratio "$(field flush_native_ns p99 "$f")" "$(field flush_pv_ns p99 "$f")" >>"$tmp/p99"
	fi
	if guest "ipi.$i" 70 512M ipi64; then
		f="$tmp/ipi.$i"
		ratio "$(field ipi64_native_acks_ns p50 "$f")" "$(field ipi64_pv_send_ns p50 "$f")" >>"$tmp/ipi"
		ratio "$(field ipi64_native_acks_ns p50 "$f")" "$(field ipi64_pv_acks_ns p50 "$f")" >>"$tmp/ipiack"
	fi
	# The same with vCPU threads left SCHED_OTHER: what --vcpu-sched batch is worth.
	if guest "nipi.$i" 70 512M ipi64 --vcpu-sched normal; then
		f="$tmp/nipi.$i"
		ratio "$(field ipi64_native_acks_ns p50 "$f")" "$(field ipi64_pv_send_ns p50 "$f")" >>"$tmp/ipinormal"
	fi
	# The IPI hypercall alone, with where its time goes, and right after it its floor: the
	# same rounds from a KVM_RUN loop with no VMM (bench/kvm_floor_ipi.c): plain, with the
	# perf probe hvemu puts on every vCPU thread, and with that probe and targets whose
	# handler is shaped like the guest runtime's interrupt entry.
	SAMPLES=100 guest "ipih.$i" 70 512M "ipi64 settle_ms=2 only=hcall" --exit-timing
	if [ -x "$FLOOR_IPI" ]; then
		"$FLOOR_IPI" -n 100 -t 64 -s 2000 >"$tmp/ipifloor.$i" 2>&1
		"$FLOOR_IPI" -n 100 -t 64 -s 2000 -P >"$tmp/ipifloorp.$i" 2>&1
		"$FLOOR_IPI" -n 100 -t 64 -s 2000 -P -g >"$tmp/ipifloorg.$i" 2>&1
	fi
	SAMPLES=20 guest "ipir.$i" 70 512M "ipi64 targets=running only=hcall" --exit-timing
	if guest "f8.$i" 8 128M flush2 && guest "f1024.$i" 1024 1G flush2; then
		ratio "$(field flush2_pv_ns p50 "$tmp/f1024.$i")" "$(field flush2_pv_ns p50 "$tmp/f8.$i")" >>"$tmp/scale"
	fi
done

# stat NAME KEY GLOB: median of one figure over the runs
stat() { for f in "$tmp"/$3; do field "$1" "$2" "$f"; done | median; }
us() { awk -v v="$1" 'BEGIN { if (v == "nan") print v; else printf "%.1f", v / 1000 }'; }

echo "bench flush_vs_native_p50: $(median <"$tmp/p50")"
echo "bench flush_vs_native_p99: $(median <"$tmp/p99")"
echo "  p99 ratio per run: $(tr '\n' ' ' <"$tmp/p99")($(modes <"$tmp/p99"); the native p99" \
	"tail decides the mode: per run $(for f in "$tmp"/flush.*[0-9]; do field flush_native_ns p99 "$f"; done |
		awk '{printf "%.1f ", $1 / 1000}')us)"
echo "bench ipi64_vs_native: $(median <"$tmp/ipi")"
echo "bench flush_1024_vs_8: $(median <"$tmp/scale")"
echo "  targets: p50 >= 3, p99 >= 10, ipi64 >= 5, 1024-vs-8 <= 1.2; $REPS runs, $SAMPLES samples each"
echo "  8 vCPUs, all as targets: native shootdown p50 $(us "$(stat flush_native_ns p50 'flush.*[0-9]')") us" \
	"p99 $(us "$(stat flush_native_ns p99 'flush.*[0-9]')") us; PV flush (HV_FLUSH_ALL_PROCESSORS)" \
	"p50 $(us "$(stat flush_pv_ns p50 'flush.*[0-9]')") us p99 $(us "$(stat flush_pv_ns p99 'flush.*[0-9]')") us"
echo "  64 targets of 70 vCPUs: native IPIs+acks p50 $(us "$(stat ipi64_native_acks_ns p50 'ipi.*[0-9]')") us;" \
	"one PV IPI hypercall (Ex) p50 $(us "$(stat ipi64_pv_send_ns p50 'ipi.*[0-9]')") us;" \
	"PV IPIs+acks p50 $(us "$(stat ipi64_pv_acks_ns p50 'ipi.*[0-9]')") us" \
	"(native/PV with acks: $(median <"$tmp/ipiack"))"
echo "  with --vcpu-sched normal (SCHED_OTHER vCPU threads): one PV IPI hypercall p50" \
	"$(us "$(stat ipi64_pv_send_ns p50 'nipi.*[0-9]')") us, ipi64_vs_native $(median <"$tmp/ipinormal")"
# ipi64_floor_us: the floor's sender-side time (guest-timed like ipi64_hcall_ns) and its
# host part (like hvemu's exit), the ratios per run, and what hvemu adds on top.
ipi_floor() {
	local r p hx fx
	if ! [ -x "$FLOOR_IPI" ]; then
		echo "bench ipi64_floor_us: skipped (no $FLOOR_IPI; make $FLOOR_IPI)"
		return
	fi
	for r in $(seq "$REPS"); do
		ratio "$(field ipi64_hcall_ns p50 "$tmp/ipih.$r")" "$(field floor_ipi64_send_ns median "$tmp/ipifloor.$r")"
	done >"$tmp/ipifr50"
	for r in $(seq "$REPS"); do
		ratio "$(field ipi64_hcall_ns p99 "$tmp/ipih.$r")" "$(field floor_ipi64_send_ns p99 "$tmp/ipifloor.$r")"
	done >"$tmp/ipifr99"
	for r in $(seq "$REPS"); do
		ratio "$(field ipi64_hcall_ns p50 "$tmp/ipih.$r")" "$(field floor_ipi64_send_ns median "$tmp/ipifloorg.$r")"
	done >"$tmp/ipifrg"
	p=$(median <"$tmp/ipifr50")
	hx=$(ets hypercall p50 'ipih.*[0-9]')
	fx=$(stat floor_ipi64_exit_ns median 'ipifloor.*[0-9]')
	echo "bench ipi64_floor_us: $(us "$(stat floor_ipi64_send_ns median 'ipifloor.*[0-9]')") us"
	echo "  no VMM, same rounds (bench/kvm_floor_ipi, 1+64 vCPUs, 100 rounds, 2 ms settle):" \
		"sender-timed p50 $(us "$(stat floor_ipi64_send_ns median 'ipifloor.*[0-9]')") us" \
		"p99 $(us "$(stat floor_ipi64_send_ns p99 'ipifloor.*[0-9]')") us; host part (KVM_RUN" \
		"return to the next call) p50 $(us "$fx") us p99 $(us "$(stat floor_ipi64_exit_ns p99 'ipifloor.*[0-9]')") us;" \
		"one MSI p50 $(stat floor_ipi64_msi_ns median 'ipifloor.*[0-9]') ns" \
		"p90 $(stat floor_ipi64_msi_ns p90 'ipifloor.*[0-9]') ns p99 $(stat floor_ipi64_msi_ns p99 'ipifloor.*[0-9]') ns;" \
		"with hvemu's perf probe on every vCPU thread: p50 $(us "$(stat floor_ipi64_send_ns median 'ipifloorp.*[0-9]')") us," \
		"and the targets' handler shaped like the guest runtime's: p50 $(us "$(stat floor_ipi64_send_ns median 'ipifloorg.*[0-9]')") us" \
		"(what hvemu's vCPU threads and guest add to the floor, with no VMM logic)"
	echo "  hvemu / floor: p50 $p (per run: $(tr '\n' ' ' <"$tmp/ipifr50")), p99 $(median <"$tmp/ipifr99");" \
		"hvemu's exit minus the floor's host part, p50: $(awk -v a="$hx" -v b="$fx" \
			'BEGIN { if (a != "" && b != "" && a != "nan" && b != "nan") printf "%.1f", (a - b) / 1000; else print "nan" }') us" \
		"(its MSIs p50 $(us "$(ets ipi_send p50 'ipih.*[0-9]')") us vs the floor's $(us "$fx") us:" \
		"the rest is decode and hvemu's loop); hvemu / the floor with hvemu's probe and" \
		"handler shape: p50 $(median <"$tmp/ipifrg")"
}

# ipi64_hypercall_us: per-run p50 and p99 of the hypercall alone; where it goes from
# hvemu's exit timing (medians over the runs of each run's figure).
ets() { for f in "$tmp"/$3; do [ -f "$f.err" ] && et "$1" "$2" "$f.err"; done | median; }
echo "bench ipi64_hypercall_us: $(us "$(stat ipi64_hcall_ns p50 'ipih.*[0-9]')") us"
echo "  one HvCallSendSyntheticClusterIpiEx to 64 halted targets (70 vCPUs on $(nproc) host CPUs)," \
	"sender-timed call to return: p50 $(us "$(stat ipi64_hcall_ns p50 'ipih.*[0-9]')") us," \
	"p99 $(us "$(stat ipi64_hcall_ns p99 'ipih.*[0-9]')") us (per-run p50:" \
	"$(for f in "$tmp"/ipih.*[0-9]; do us "$(field ipi64_hcall_ns p50 "$f")"; printf ' '; done)us);" \
	"targets running guest code: p50 $(us "$(stat ipi64_hcall_ns p50 'ipir.*[0-9]')") us," \
	"p99 $(us "$(stat ipi64_hcall_ns p99 'ipir.*[0-9]')") us; target <= 200 us"
echo "  where it goes (halted, --exit-timing, ns): hvemu's exit p50 $(ets hypercall p50 'ipih.*[0-9]')" \
	"p99 $(ets hypercall p99 'ipih.*[0-9]'), of which the 64 MSIs p50 $(ets ipi_send p50 'ipih.*[0-9]')" \
	"p99 $(ets ipi_send p99 'ipih.*[0-9]'); one MSI (KVM_SIGNAL_MSI and the target's wake-up)" \
	"p50 $(ets ipi_msi p50 'ipih.*[0-9]') p90 $(ets ipi_msi p90 'ipih.*[0-9]') p99 $(ets ipi_msi p99 'ipih.*[0-9]');" \
	"decode and the rest of the exit: exit minus MSIs; the KVM exit and the guest's call: the" \
	"sender's time minus hvemu's exit; the guest's own send (VP set built from the mask, emulated" \
	"CPL0 code, then the call) p50 $(us "$(stat ipi64_pv_send_ns p50 'ipi.*[0-9]')") us"
ipi_floor
echo "  running targets (ns): exit p50 $(ets hypercall p50 'ipir.*[0-9]'), one MSI p50" \
	"$(ets ipi_msi p50 'ipir.*[0-9]') p99 $(ets ipi_msi p99 'ipir.*[0-9]') (64 spinning vCPUs share the" \
	"host CPUs with the sender: its scheduling is most of the tail)"
echo "  2-target PV flush p50: $(us "$(stat flush2_pv_ns p50 'f8.*[0-9]')") us with 8 vCPUs," \
	"$(us "$(stat flush2_pv_ns p50 'f1024.*[0-9]')") us with 1024; guest-side mask walk" \
	"$(us "$(stat flush2_maskwalk_ns p50 'f8.*[0-9]')") / $(us "$(stat flush2_maskwalk_ns p50 'f1024.*[0-9]')") us"
exit 0
