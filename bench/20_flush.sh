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
#   targets halted (settled 2 ms after the previous round) while the sender halted too
#   (sender=idle: it calls as a host thread that has just woken); where the time goes
#   (--exit-timing: the exit, the MSIs, the calls during which the sender was switched
#   out) and its floor (bench/kvm_floor_ipi -i, below).
# bench ipi64_hypercall_busy_us: the same with the sender spinning through the settle
#   (sender=busy: its thread has used up its host scheduler slice when it calls, and the
#   first wake-up queued on its CPU takes the CPU from it: docs/architecture.md §4.1), and
#   with the targets running guest code instead of halted.
# bench ipi64_floor_us: the busy case with no VMM (bench/kvm_floor_ipi: the sender exits,
#   its thread sends 64 KVM_SIGNAL_MSI to 64 halted vCPUs and re-enters), run right after
#   each hvemu run, and hvemu / floor; the idle case's floor is printed with its figure.
# Each figure is the median over BENCH_REPS runs of the per-run ratio. Run by bench/run.sh.
set -u
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
REPS=${BENCH_REPS:-3}
SAMPLES=${BENCH_FLUSH_SAMPLES:-300}
FLOOR_IPI=${KVM_FLOOR_IPI:-build/bench/kvm_floor_ipi}
bench_start "flush_vs_native_p50 flush_vs_native_p99 ipi64_vs_native flush_1024_vs_8 ipi64_hypercall_us ipi64_hypercall_busy_us ipi64_floor_us" hv_flush

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
	# handler is shaped like the guest runtime's interrupt entry; for the sender that
	# halted (idle) and the one that spun (busy) through the settle.
	SAMPLES=100 guest "ipii.$i" 70 512M "ipi64 settle_ms=2 only=hcall sender=idle" --exit-timing
	[ -x "$FLOOR_IPI" ] && "$FLOOR_IPI" -n 100 -t 64 -s 2000 -P -g -i >"$tmp/ipifloori.$i" 2>&1
	SAMPLES=100 guest "ipih.$i" 70 512M "ipi64 settle_ms=2 only=hcall sender=busy" --exit-timing
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

# runs PREFIX: the files of that guest or floor run, one per round ($tmp/PREFIX.1 ...)
runs() { for r in $(seq "$REPS"); do [ -f "$tmp/$1.$r" ] && echo "$tmp/$1.$r"; done; }
# stat NAME KEY PREFIX: median of one figure over the runs
stat() { for f in $(runs "$3"); do field "$1" "$2" "$f"; done | median; }
us() { awk -v v="$1" 'BEGIN { if (v == "nan") print v; else printf "%.1f", v / 1000 }'; }

echo "bench flush_vs_native_p50: $(median <"$tmp/p50")"
echo "bench flush_vs_native_p99: $(median <"$tmp/p99")"
echo "  p99 ratio per run: $(tr '\n' ' ' <"$tmp/p99")($(modes <"$tmp/p99"); the native p99" \
	"tail decides the mode: per run $(for f in $(runs flush); do field flush_native_ns p99 "$f"; done |
		awk '{printf "%.1f ", $1 / 1000}')us)"
echo "bench ipi64_vs_native: $(median <"$tmp/ipi")"
echo "bench flush_1024_vs_8: $(median <"$tmp/scale")"
echo "  targets: p50 >= 3, p99 >= 10, ipi64 >= 5, 1024-vs-8 <= 1.2; $REPS runs, $SAMPLES samples each"
echo "  8 vCPUs, all as targets: native shootdown p50 $(us "$(stat flush_native_ns p50 flush)") us" \
	"p99 $(us "$(stat flush_native_ns p99 flush)") us; PV flush (HV_FLUSH_ALL_PROCESSORS)" \
	"p50 $(us "$(stat flush_pv_ns p50 flush)") us p99 $(us "$(stat flush_pv_ns p99 flush)") us"
echo "  64 targets of 70 vCPUs: native IPIs+acks p50 $(us "$(stat ipi64_native_acks_ns p50 ipi)") us;" \
	"one PV IPI hypercall (Ex) p50 $(us "$(stat ipi64_pv_send_ns p50 ipi)") us;" \
	"PV IPIs+acks p50 $(us "$(stat ipi64_pv_acks_ns p50 ipi)") us" \
	"(native/PV with acks: $(median <"$tmp/ipiack"))"
echo "  with --vcpu-sched normal (SCHED_OTHER vCPU threads): one PV IPI hypercall p50" \
	"$(us "$(stat ipi64_pv_send_ns p50 nipi)") us, ipi64_vs_native $(median <"$tmp/ipinormal")"
# ratios NUM_FIELD NUM_KEY NUM_PREFIX DEN_FIELD DEN_KEY DEN_PREFIX: the per-round ratios
ratios() {
	for r in $(seq "$REPS"); do
		ratio "$(field "$1" "$2" "$tmp/$3.$r")" "$(field "$4" "$5" "$tmp/$6.$r")"
	done
}
ets() { for f in $(runs "$3"); do [ -f "$f.err" ] && et "$1" "$2" "$f.err"; done | median; }
# switched PREFIX: "N of M" calls during which the sender's thread was switched out
switched() {
	local f n=0 m=0 k
	for f in $(runs "$1"); do
		k=$(et ipi_send_switched n "$f.err")
		n=$((n + ${k:-0}))
		k=$(et ipi_send n "$f.err")
		m=$((m + ${k:-0}))
	done
	echo "$n of $m"
}
# where PREFIX: where hvemu's part of the call went (--exit-timing, medians over the runs)
where() {
	echo "hvemu's exit p50 $(us "$(ets hypercall p50 "$1")") us p99 $(us "$(ets hypercall p99 "$1")") us," \
		"of which the 64 MSIs p50 $(us "$(ets ipi_send p50 "$1")") us; one MSI (KVM_SIGNAL_MSI and" \
		"the target's wake-up) p50 $(ets ipi_msi p50 "$1") ns p90 $(ets ipi_msi p90 "$1") ns p99" \
		"$(ets ipi_msi p99 "$1") ns; the sender's thread switched out during its MSIs in" \
		"$(switched "$1") calls"
}
perrun() { for f in $(runs "$1"); do us "$(field ipi64_hcall_ns p50 "$f")"; printf ' '; done; }

echo "bench ipi64_hypercall_us: $(us "$(stat ipi64_hcall_ns p50 ipii)") us"
echo "  one HvCallSendSyntheticClusterIpiEx to 64 halted targets (70 vCPUs on $(nproc) host CPUs)," \
	"the sender halted through the settle (it calls as a thread that has just woken):" \
	"sender-timed call to return p50 $(us "$(stat ipi64_hcall_ns p50 ipii)") us," \
	"p99 $(us "$(stat ipi64_hcall_ns p99 ipii)") us (per-run p50: $(perrun ipii)us); target <= 200 us"
echo "  where it goes: $(where ipii); the rest (sender's time minus hvemu's exit) is the KVM" \
	"exit and entry and the guest's call through the hypercall page"
if [ -x "$FLOOR_IPI" ]; then
	echo "  its floor, same rounds (bench/kvm_floor_ipi -P -g -i: no VMM, hvemu's perf probe, the" \
		"runtime-shaped handler, the sender's thread asleep through the settle): p50" \
		"$(us "$(stat floor_ipi64_send_ns median ipifloori)") us p99 $(us "$(stat floor_ipi64_send_ns p99 ipifloori)") us;" \
		"hvemu / floor p50 $(ratios ipi64_hcall_ns p50 ipii floor_ipi64_send_ns median ipifloori | median)" \
		"(per run: $(ratios ipi64_hcall_ns p50 ipii floor_ipi64_send_ns median ipifloori | tr '\n' ' '))"
fi

echo "bench ipi64_hypercall_busy_us: $(us "$(stat ipi64_hcall_ns p50 ipih)") us"
echo "  the same with the sender spinning through the settle (its host scheduler slice used up" \
	"when it calls): p50 $(us "$(stat ipi64_hcall_ns p50 ipih)") us, p99 $(us "$(stat ipi64_hcall_ns p99 ipih)") us" \
	"(per-run p50: $(perrun ipih)us); no target: the first wake-up queued on the sender's CPU" \
	"takes the CPU from it, whatever the VMM (the floors below)"
echo "  where it goes: $(where ipih)"
echo "  targets running guest code (sender busy): p50 $(us "$(stat ipi64_hcall_ns p50 ipir)") us," \
	"p99 $(us "$(stat ipi64_hcall_ns p99 ipir)") us; exit p50 $(us "$(ets hypercall p50 ipir)") us, one MSI" \
	"p50 $(ets ipi_msi p50 ipir) ns p99 $(ets ipi_msi p99 ipir) ns (64 spinning vCPUs share the host" \
	"CPUs with the sender: its scheduling is most of the tail)"
echo "  the guest's own send as Linux makes it (VP set built from the mask, emulated CPL0 code," \
	"then the call) p50 $(us "$(stat ipi64_pv_send_ns p50 ipi)") us"

# ipi64_floor_us: the busy sender's floor (guest-timed like ipi64_hcall_ns) and its host
# part (like hvemu's exit), with what hvemu's threads and guest add to it, and the ratios.
if ! [ -x "$FLOOR_IPI" ]; then
	echo "bench ipi64_floor_us: skipped (no $FLOOR_IPI; make $FLOOR_IPI)"
else
	fx=$(stat floor_ipi64_exit_ns median ipifloor)
	hx=$(ets hypercall p50 ipih)
	echo "bench ipi64_floor_us: $(us "$(stat floor_ipi64_send_ns median ipifloor)") us"
	echo "  no VMM, same rounds, sender busy (bench/kvm_floor_ipi, 1+64 vCPUs, 100 rounds, 2 ms" \
		"settle): sender-timed p50 $(us "$(stat floor_ipi64_send_ns median ipifloor)") us" \
		"p99 $(us "$(stat floor_ipi64_send_ns p99 ipifloor)") us; host part (KVM_RUN return to the next" \
		"call) p50 $(us "$fx") us; one MSI p50 $(stat floor_ipi64_msi_ns median ipifloor) ns" \
		"p90 $(stat floor_ipi64_msi_ns p90 ipifloor) ns p99 $(stat floor_ipi64_msi_ns p99 ipifloor) ns;" \
		"the sender switched out in $(for f in $(runs ipifloor); do sed -n 's/.*preempted rounds=\([0-9]*\).*/\1/p' "$f"; done | tr '\n' ' ')of 100 rounds per run;" \
		"with hvemu's perf probe on every vCPU thread: p50 $(us "$(stat floor_ipi64_send_ns median ipifloorp)") us," \
		"and the targets' handler shaped like the guest runtime's: p50 $(us "$(stat floor_ipi64_send_ns median ipifloorg)") us" \
		"(what hvemu's vCPU threads and guest add to the floor, with no VMM logic)"
	echo "  hvemu busy / floor: p50 $(ratios ipi64_hcall_ns p50 ipih floor_ipi64_send_ns median ipifloor | median)" \
		"(per run: $(ratios ipi64_hcall_ns p50 ipih floor_ipi64_send_ns median ipifloor | tr '\n' ' ')), p99" \
		"$(ratios ipi64_hcall_ns p99 ipih floor_ipi64_send_ns p99 ipifloor | median); hvemu's exit minus the" \
		"floor's host part, p50: $(awk -v a="$hx" -v b="$fx" \
			'BEGIN { if (a != "" && b != "" && a != "nan" && b != "nan") printf "%.1f", (a - b) / 1000; else print "nan" }') us;" \
		"hvemu / the floor with hvemu's probe and handler shape: p50" \
		"$(ratios ipi64_hcall_ns p50 ipih floor_ipi64_send_ns median ipifloorg | median)"
fi
echo "  2-target PV flush p50: $(us "$(stat flush2_pv_ns p50 f8)") us with 8 vCPUs," \
	"$(us "$(stat flush2_pv_ns p50 f1024)") us with 1024; guest-side mask walk" \
	"$(us "$(stat flush2_maskwalk_ns p50 f8)") / $(us "$(stat flush2_maskwalk_ns p50 f1024)") us"
exit 0
