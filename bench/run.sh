#!/usr/bin/env bash
# make bench: prints one line per figure, "bench <name>: <value> <unit>", then details.
# Ratios are measured within one run, so a noisy machine affects both sides alike.
set -u
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
REPS=${BENCH_REPS:-5}
# BENCH_ONLY=REGEX: only the parts whose name matches (exit, boot, or a script's file name
# such as bench/20_flush.sh), to rerun one figure
ONLY=${BENCH_ONLY:-.}
want() { [[ $1 =~ $ONLY ]]; }
tmp=$(mktemp -d /tmp/hvemu-bench.XXXXXX)
# KEEP=1 keeps the runs' logs (said on stderr at the end).
if [ "${KEEP:-0}" = 1 ]; then
	trap 'echo "bench: logs kept in $tmp" >&2' EXIT
else
	trap 'rm -rf "$tmp"' EXIT
fi

if [ ! -c /dev/kvm ]; then
	echo "bench: skipped: /dev/kvm is not available"
	exit 0
fi

# --- exit_roundtrip_us: a guest `out` to a port the VMM resumes at once -------------------
if ! want exit; then
	:
elif [ -f "$G/bench.elf" ]; then
	for i in $(seq "$REPS"); do
		"$HVEMU" run --kernel "$G/bench.elf" --cmdline "test=exit" --serial stdio \
			>"$tmp/exit.$i" 2>/dev/null
	done
	us() { field exit_roundtrip_ns "$1" "$tmp"/exit.* | awk '{print $1 / 1000}' | median; }
	med=$(us median)
	p99=$(us p99)
	echo "bench exit_roundtrip_us: $med us"
	echo "  median of $REPS runs of 10^4 round trips each; p99 $p99 us"
else
	echo "bench exit_roundtrip_us: skipped (no $G/bench.elf)"
fi

# --- boot_to_main_ms: hvemu start to every vCPU in the guest's main ----------------------
FLOOR_BOOT=${KVM_FLOOR_BOOT:-build/bench/kvm_floor_boot}

# boot_floor N HVEMU_MEDIAN: the floor under boot_to_main_ms_N, measured in the same rounds
boot_floor() {
	local fs
	if ! [ -x "$FLOOR_BOOT" ]; then
		echo "bench boot_floor_ms_$1: skipped (no $FLOOR_BOOT; make $FLOOR_BOOT)"
		return
	fi
	fb() { field floor_boot_ms "$2" "$tmp/floorboot.$1" | median; }
	fs=$(fb sipi-only total)
	echo "bench boot_floor_ms_$1: $(fb direct total) ms"
	echo "  $1 vCPUs to their first exit with no VMM (bench/kvm_floor_boot, same rounds, median of" \
		"$(field floor_boot_ms total "$tmp/floorboot.direct" | wc -l)): created and set up directly" \
		"$(fb direct total) ms (KVM_CREATE_VCPU..KVM_SET_MP_STATE done at $(fb direct created) ms);" \
		"started by the BSP, each AP then enabling its APIC: INIT-SIPI $(fb sipi total) ms," \
		"SIPI alone to APs waiting for it (as hvemu's guest) $fs ms (created at" \
		"$(fb sipi-only created) ms); boot_to_main / SIPI-alone floor: $(ratio "$2" "$fs")"
}
if ! want boot; then
	:
elif [ -f "$G/smp.elf" ]; then
	for n in ${BENCH_BOOT_CPUS:-1 8 64 1024}; do
		: >"$tmp/boot.$n"
		reps=$REPS
		[ "$n" -ge 1024 ] && reps=3
		for i in $(seq "$reps"); do
			"$HVEMU" run --kernel "$G/smp.elf" --cpus "boot=$n" --memory 512M \
				--cmdline verbose --serial stdio 2>"$tmp/err.$n.$i" >"$tmp/out.$n.$i"
			grep -o 'guest mark 1 at [0-9.]* ms' "$tmp/err.$n.$i" | awk '{print $5}' >>"$tmp/boot.$n"
			# The floor in the same round: 1024 vCPUs to their first exit with no VMM
			# (bench/kvm_floor_boot.c), started directly, by INIT-SIPI and by SIPI alone.
			if [ "$n" -ge 1024 ] && [ -x "$FLOOR_BOOT" ]; then
				for m in direct sipi sipi-only; do
					"$FLOOR_BOOT" -c "$n" -m "$m" >>"$tmp/floorboot.$m" 2>&1
				done
			fi
		done
		read -r med _ max < <(stats <"$tmp/boot.$n")
		echo "bench boot_to_main_ms_${n}: $med ms"
		echo "  $n vCPUs: median of $(wc -l <"$tmp/boot.$n") boots, max $max ms" \
			"$([ "$n" -ge 1024 ] && echo "; target <= 1000 ms")"
		if [ "$n" -ge 1024 ]; then
			boot_floor "$n" "$med"
		fi
		if [ "$n" -ge 64 ]; then
			# Where the time goes (medians over the boots): hvemu's timeline, then the guest's.
			hv() { sed -n "s/.*boot timing (ms):.* $1 \([0-9.]*\).*/\1/p" "$tmp"/err.$n.* | median; }
			gt() { sed -n "s/.*$1\([0-9]*\).*/\1/p" "$tmp"/out.$n.* | awk '{print $1 / 1000}' | median; }
			pc() { sed -n "s/.*created on [0-9]* threads \([0-9.]*\).*/\1/p" "$tmp"/err.$n.* | median; }
			echo "    hvemu (ms): KVM VM $(hv kvm), host CPU checks $(hv host-cpus), memory $(hv memory)," \
				"tables $(hv tables), vCPU set-up $(hv vcpus) (of it: KVM_CREATE_VCPU, KVM_SET_CPUID2," \
				"x2APIC and wait-for-SIPI state on $(nproc) threads $(pc); then threads started" \
				"$(hv vcpu:thread), perf probes $(hv oncpu:perf), APIC map $(hv apic:refresh))," \
				"kernel load $(hv load), start $(hv start)"
			echo "    guest (ms since its first C code): set-up $(gt 'setup done ')," \
				"MADT and per-CPU data $(gt 'per-CPU data '), APs online $(gt 'APs online ')" \
				"(the start IPIs sent at +$(gt 'SIPI sent +') ms from the first, all online" \
				"+$(gt 'online +') ms; $(grep -hc 'SIPI only' "$tmp"/out.$n.* | awk '{s += $1} END {print s}')" \
				"of $(ls "$tmp"/out.$n.* | wc -l) boots by the SIPI alone)"
		fi
	done
else
	echo "bench boot_to_main_ms: skipped (no $G/smp.elf)"
fi

# More figures (hypercall, flush, IPI, hot-add) are added by bench/*.sh scripts.
for b in bench/[0-9]*.sh; do
	[ -f "$b" ] && want "$b" && HVEMU="$HVEMU" GUESTS="$G" BENCH_REPS="$REPS" bash "$b"
done
exit 0
