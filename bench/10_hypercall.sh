#!/usr/bin/env bash
# The hypercall and the bare exit (guest/tests/hv_bench.c), BENCH_REPS rounds, each round
# four runs back to back so that they share the machine's state:
#   1. hv_bench: four loops rotating in one guest run: port exit, call to a guest
#      `out; ret` stub, the slow Ex flush with an empty set, the fast null-ish IPI call
#   2. the same with --exit-timing: hvemu's own part of each exit (vmm_exit_ns_*)
#   3. the same on build/noet/hvemu (make NO_EXIT_TIMING=1): what the hooks cost when off
#   4. bench/kvm_floor: the same exits with no VMM at all (the floor)
# bench hypercall_overhead_ratio: hypercall / bare port exit
# bench hypercall_vs_port_stub: hypercall / call to the out;ret stub (target <= 1.05), and
#   hypercall_fast_vs_port_stub for the fast call
# bench vmm_exit_ns_port, vmm_exit_ns_hypercall: KVM_RUN return to the next KVM_RUN call
# bench exit_timing_off_cost: port exit with the hooks compiled in but off / compiled out
# Each ratio is the median of the per-run ratios. Run by bench/run.sh.
set -u
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
REPS=${BENCH_REPS:-5}
NOET=${HVEMU_NOET:-build/noet/hvemu}
FLOOR=${KVM_FLOOR:-build/bench/kvm_floor}
bench_start "hypercall_overhead_ratio hypercall_vs_port_stub hypercall_fast_vs_port_stub vmm_exit_ns_port vmm_exit_ns_hypercall exit_timing_off_cost" hv_bench

hvb() { # hvb BINARY OUT [OPTION...]: one hv_bench run; fails without figures
	"$1" run --kernel "$G/hv_bench.elf" --hv vpindex,tlbflush,ipi --serial stdio "${@:3}" \
		>"$2" 2>"$2.err" || true
	grep -q '^BENCH hypercall_ns median=' "$2"
}

step() { # step K I: the K-th run of round I
	case $1 in
	0) hvb "$HVEMU" "$tmp/run.$2" ;;
	1) hvb "$HVEMU" "$tmp/et.$2" --exit-timing ;;
	2) [ -x "$NOET" ] && hvb "$NOET" "$tmp/noet.$2" ;;
	3) [ -x "$FLOOR" ] && "$FLOOR" -n 10000 -v port,stub,hcall_ret,hcall_rax >"$tmp/floor.$2" 2>&1 ;;
	esac
}
for i in $(seq "$REPS"); do
	# The order rotates from round to round: none always runs first or after another.
	for k in 0 1 2 3; do step $(((k + i) % 4)) "$i"; done
done
ok=$(grep -l '^BENCH hypercall_ns median=' "$tmp"/run.[0-9]* 2>/dev/null | wc -l)
if [ "$ok" -eq 0 ]; then
	echo "bench hypercall_overhead_ratio: failed (no run produced figures)"
	tail -3 "$tmp"/run.* "$tmp"/run.*.err 2>/dev/null | sed 's/^/  /'
	exit 0
fi

# per_run NAME_A NAME_B GLOB: the ratio of the two medians, per run
per_run() {
	for f in "$tmp"/$3; do
		[ -f "$f" ] && ratio "$(field "$1" median "$f")" "$(field "$2" median "$f")"
	done
}
stat() { for f in "$tmp"/$3; do field "$1" "$2" "$f"; done | median; }

per_run hypercall_ns port_exit_ns 'run.[0-9]*' >"$tmp/r_port"
per_run hypercall_ns port_via_stub_ns 'run.[0-9]*' >"$tmp/r_stub"
per_run hypercall_fast_ns port_via_stub_ns 'run.[0-9]*' >"$tmp/r_fast"
echo "bench hypercall_overhead_ratio: $(median <"$tmp/r_port")"
echo "bench hypercall_vs_port_stub: $(median <"$tmp/r_stub")"
echo "bench hypercall_fast_vs_port_stub: $(median <"$tmp/r_fast")"
echo "  target <= 1.05; $ok runs of 10^4 of each (blocks of 100, rotating); per-run ratios: slow" \
	"$(tr '\n' ' ' <"$tmp/r_stub")| fast $(tr '\n' ' ' <"$tmp/r_fast")"
echo "  guest-timed (rdtsc around each, median / p99 ns): port exit $(stat port_exit_ns median 'run.[0-9]*')" \
	"/ $(stat port_exit_ns p99 'run.[0-9]*'); call to out;ret stub $(stat port_via_stub_ns median 'run.[0-9]*')" \
	"/ $(stat port_via_stub_ns p99 'run.[0-9]*'); hypercall (slow Ex flush, empty set)" \
	"$(stat hypercall_ns median 'run.[0-9]*') / $(stat hypercall_ns p99 'run.[0-9]*');" \
	"fast null call $(stat hypercall_fast_ns median 'run.[0-9]*') / $(stat hypercall_fast_ns p99 'run.[0-9]*')"
echo "  diagnostics: timing floor $(stat timing_floor_ns median 'run.[0-9]*') ns, one emulated" \
	"instruction $(for f in "$tmp"/run.[0-9]*; do awk -v a="$(field timing_floor_2nop_ns median "$f")" \
		-v b="$(field timing_floor_ns median "$f")" 'BEGIN { if (a != "" && b != "") print a - b }'; done | median) ns," \
	"call+ret to a guest stub $(stat call_ret_ns median 'run.[0-9]*') ns (all include the timing floor)"

# hvemu's own part of each exit: medians over the runs of each run's p50 and p99
for k in pio hypercall; do
	name=$k
	[ "$k" = pio ] && name=port
	echo "bench vmm_exit_ns_$name: $(et "$k" p50 "$tmp"/et.*.err | median) ns"
	echo "  KVM_RUN return to the next KVM_RUN call (--exit-timing): p50 per run" \
		"$(et "$k" p50 "$tmp"/et.*.err | tr '\n' ' ')ns, p99 per run $(et "$k" p99 "$tmp"/et.*.err | tr '\n' ' ')ns" \
		"(median p99 $(et "$k" p99 "$tmp"/et.*.err | median) ns)"
done
echo "  with --exit-timing on, guest-timed port exit $(stat port_exit_ns median 'et.[0-9]*') ns," \
	"hypercall $(stat hypercall_ns median 'et.[0-9]*') ns"

# Off costs nothing: the same port exits with the hooks compiled in (off) and compiled out.
if ls "$tmp"/noet.[0-9]* >/dev/null 2>&1; then
	for i in $(seq "$REPS"); do
		[ -f "$tmp/run.$i" ] && [ -f "$tmp/noet.$i" ] &&
			ratio "$(field port_exit_ns median "$tmp/run.$i")" "$(field port_exit_ns median "$tmp/noet.$i")"
	done >"$tmp/off"
	echo "bench exit_timing_off_cost: $(median <"$tmp/off")"
	echo "  port exit, hooks off / compiled out (make NO_EXIT_TIMING=1), per run: $(tr '\n' ' ' <"$tmp/off");" \
		"$(stat port_exit_ns median 'run.[0-9]*') vs $(stat port_exit_ns median 'noet.[0-9]*') ns;" \
		"hypercall $(stat hypercall_ns median 'run.[0-9]*') vs $(stat hypercall_ns median 'noet.[0-9]*') ns"
else
	echo "bench exit_timing_off_cost: skipped (no $NOET: make NO_EXIT_TIMING=1 build/noet/hvemu)"
fi

# The floor: the same exits from a KVM_RUN loop that does nothing else (bench/kvm_floor.c),
# timed on the host from one KVM_RUN return to the next.
if ls "$tmp"/floor.* >/dev/null 2>&1 && grep -q floor_port_ns "$tmp"/floor.*; then
	fl() { for f in "$tmp"/floor.*; do field "floor_$1_ns" median "$f"; done | median; }
	for f in "$tmp"/floor.*; do
		ratio "$(field floor_hcall_ret_ns median "$f")" "$(field floor_stub_ns median "$f")"
	done >"$tmp/fr"
	echo "  floor (bench/kvm_floor, no VMM, host-timed round trips, median ns): port exit $(fl port)," \
		"call to an out;ret stub $(fl stub), hypercall-shaped (call; out; RAX and the ret written back" \
		"through kvm_dirty_regs) $(fl hcall_ret), the same with the guest's own ret $(fl hcall_rax);" \
		"hypercall-shaped / stub at the floor: $(median <"$tmp/fr")"
fi
exit 0
