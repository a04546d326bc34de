#!/usr/bin/env bash
# bench pio_vs_qemu: the same Multiboot guest (guest/tests/pio_bench.c: 10^5 `inl` from a port
# no device claims, timed by the guest in blocks of 100) under hvemu and under QEMU on the
# same KVM, runs interleaved (BENCH_REPS of each, alternating which goes first); the figure
# is the ratio of the medians of the per-run medians (TSC cycles per `inl`: both run on the
# host's TSC). Target <= 0.9.
# The floor, in the same rounds: bench/kvm_floor's "pioloop", the guest's loop byte for byte
# under a KVM_RUN loop that does nothing else. Skipped when QEMU is not installed
# (scripts/deps.sh bench installs it). Run by bench/run.sh.
set -u
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
REPS=${BENCH_REPS:-5}
N=${BENCH_PIO_N:-100000}
QEMU=${QEMU:-qemu-system-x86_64}
FLOOR=${KVM_FLOOR:-build/bench/kvm_floor}
bench_start pio_vs_qemu pio_bench
if ! command -v "$QEMU" >/dev/null 2>&1; then
	echo "bench pio_vs_qemu: skipped ($QEMU is not installed; scripts/deps.sh bench installs" \
		"Debian's qemu-system-x86)"
	exit 0
fi

hv() { "$HVEMU" run --kernel "$G/pio_bench.elf" --cmdline "n=$N" --serial stdio "${@:2}" >"$1" 2>"$1.err"; }
qemu() {
	timeout 600 "$QEMU" -enable-kvm -cpu qemu64 -nodefaults -display none -serial stdio \
		-device isa-debug-exit,iobase=0xf4,iosize=0x4 -kernel "$G/pio_bench.elf" \
		-append "n=$N" >"$1" 2>"$1.err"
}
for i in $(seq "$REPS"); do
	if [ $((i % 2)) -eq 1 ]; then
		hv "$tmp/hv.$i"
		qemu "$tmp/qemu.$i"
	else
		qemu "$tmp/qemu.$i"
		hv "$tmp/hv.$i"
	fi
	[ -x "$FLOOR" ] && "$FLOOR" -n 20000 -v pioloop >"$tmp/floor.$i" 2>&1
done
hv "$tmp/et" --exit-timing

per() { for f in "$tmp/$1".[0-9]*; do [ -f "$f" ] && field pio_in_cycles "$2" "$f"; done; }
# host-side figures (the floor) are in ns: the TSC rate converts them (Hyper-V's frequency MSR
# would do too; the guest's calibration is what may be off, not the host's)
tsc_khz=$(awk '/^cpu MHz/ {print int($4 * 1000); exit}' /proc/cpuinfo)
hmed=$(per hv median | median)
qmed=$(per qemu median | median)
if [ "$hmed" = nan ] || [ "$qmed" = nan ]; then
	echo "bench pio_vs_qemu: failed (hvemu: $hmed, QEMU: $qmed ns per inl)"
	tail -3 "$tmp"/qemu.1.err "$tmp"/hv.1.err 2>/dev/null | sed 's/^/  /'
	exit 0
fi
fmed=$(for f in "$tmp"/floor.*; do field floor_pioloop_ns median "$f"; done | median |
	awk -v k="$tsc_khz" '{ if ($1 == "nan" || !k) print "nan"; else printf "%d\n", $1 * k / 1e6 }')
echo "bench pio_vs_qemu: $(ratio "$hmed" "$qmed")"
echo "  target <= 0.9; TSC cycles per inl ($tsc_khz kHz), median of $REPS interleaved runs of $N each:" \
	"hvemu $hmed (per run $(per hv median | tr '\n' ' ')), QEMU $qmed (per run" \
	"$(per qemu median | tr '\n' ' ')); p99 hvemu $(per hv p99 | median), QEMU $(per qemu p99 | median)"
echo "  floor: the same loop under a KVM_RUN loop with no VMM (bench/kvm_floor pioloop)" \
	"$fmed cycles: floor / QEMU $(ratio "$fmed" "$qmed"), hvemu / floor $(ratio "$hmed" "$fmed");" \
	"hvemu's own part of each exit (--exit-timing, KVM_RUN return to the next call)" \
	"p50 $(et pio p50 "$tmp/et.err") ns, p99 $(et pio p99 "$tmp/et.err") ns"
exit 0
