#!/usr/bin/env bash
# bench rss_per_vcpu_kib: hvemu's resident memory per idle vCPU: (RSS with 1024 vCPUs - RSS
# with 1) / 1023, without the guest's RAM (its mapping is left out: what the guest touched is
# the guest's, not hvemu's), --hv all, the guest halted on its boot CPU (an ELF64 kernel that
# is `cli; hlt`), so the 1023 other vCPUs sit in KVM_RUN waiting for INIT. Median of
# BENCH_REPS pairs. Run by bench/run.sh.
set -u
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
REPS=${BENCH_REPS:-3}
MEM=512M
bench_start rss_per_vcpu_kib smp
python3 - "$tmp/idle.elf" <<'PY'
import struct, sys
code = bytes([0xfa, 0xf4, 0xeb, 0xfd])  # cli; 1: hlt; jmp 1b
eh = b'\x7fELF' + bytes([2, 1, 1]) + bytes(9) + struct.pack('<HHIQQQIHHHHHH', 2, 62, 1,
     0x100000, 64, 0, 0, 64, 56, 1, 0, 0, 0)
ph = struct.pack('<IIQQQQQQ', 1, 5, 120, 0x100000, 0x100000, len(code), len(code), 0x1000)
open(sys.argv[1], 'wb').write(eh + ph + code)
PY

# rss N: "other guest" KiB of resident memory of hvemu with N idle vCPUs
rss() {
	local pid n=0
	"$HVEMU" run --kernel "$tmp/idle.elf" --cpus "boot=$1" --memory "$MEM" --hv all \
		>/dev/null 2>"$tmp/err.$1" &
	pid=$!
	# until every vCPU thread exists and the boot is logged, then a moment to settle
	for _ in $(seq 300); do
		n=$(find "/proc/$pid/task" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
		[ "$n" -gt "$1" ] && grep -q 'boot timing' "$tmp/err.$1" && break
		sleep 0.1
	done
	sleep 1
	awk -v mem=$((512 * 1024)) '/^[0-9a-f]+-[0-9a-f]+ / {size = 0} /^Size:/ {size = $2}
		/^Rss:/ {if (size >= mem) g += $2; else o += $2} END {print o + 0, g + 0}' \
		"/proc/$pid/smaps" 2>/dev/null
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

for _ in $(seq "$REPS"); do
	read -r o1 g1 < <(rss 1)
	read -r o2 g2 < <(rss 1024)
	awk -v a="$o1" -v b="$o2" 'BEGIN { if (b > a) printf "%.1f\n", (b - a) / 1023 }' >>"$tmp/per"
	awk -v a="$((o1 + g1))" -v b="$((o2 + g2))" 'BEGIN { if (b > a) printf "%.1f\n", (b - a) / 1023 }' >>"$tmp/tot"
	echo "$o1 $o2" >>"$tmp/raw"
done
echo "bench rss_per_vcpu_kib: $(median <"$tmp/per") KiB"
echo "  1024 idle vCPUs vs 1, guest RAM left out, median of $REPS pairs (per pair:" \
	"$(tr '\n' ' ' <"$tmp/per")KiB; with the guest RAM it touched: $(median <"$tmp/tot") KiB);" \
	"hvemu's RSS besides guest RAM with 1 and 1024 vCPUs: $(tail -1 "$tmp/raw" | awk '{printf "%d / %d KiB", $1, $2}');" \
	"per vCPU: a glibc thread's two stack pages (TCB and static TLS, then its frames), kvm_run" \
	"(4 KiB), struct vcpu and its VP"
exit 0
