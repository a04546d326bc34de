#!/usr/bin/env bash
# The SynIC figures (guest/tests/synic_bench.c; docs/synic.md). Run by bench/run.sh.
# bench stimer_period_error_us: median |interval - 1 ms| between the handler entries of a
#   1 ms periodic synthetic timer (message mode), median over BENCH_REPS runs; the
#   in-kernel local APIC timer, periodic at 1 ms in the same runs, is the detail line.
# bench post_message_us: HvPostMessage to a hyperv-testdev connection that echoes into the
#   caller's own SINT, until the handler took it (median); the ratio to a bare port exit
#   and a self-IPI taken the same way (the interrupt's share) are measured in the same run.
# bench synic_idle_cpu_pct_4, _64: hvemu's CPU time (100 = one host CPU) while 4 or 64
#   vCPUs halt with a 1 ms periodic synthetic timer each, for BENCH_IDLE_SECONDS (10):
#   user+system time of all its threads over that window. Details: the same with the
#   timers on an AutoEOI SINT, with the in-kernel local APIC timer, and with no timer.
# bench stimer_host_ns_per_expiration: host CPU time per expiration of 1024 VPs x 4
#   periodic 1 ms timers on hvemu's timer service (bench/timer_scale.c, no guest); the
#   alternatives (one timerfd per VP in one epoll thread, one thread per VP) as details.
set -u
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
REPS=${BENCH_REPS:-3}
IDLE=${BENCH_IDLE_SECONDS:-10}
B=${BENCH_BIN:-build/bench}
bench_start "stimer_period_error_us post_message_us synic_idle_cpu_pct_4 synic_idle_cpu_pct_64" \
	synic_bench

# guest NAME CPUS CMDLINE: one run, output in $tmp/NAME, hvemu's user+system seconds in
# $tmp/NAME.cpu
guest() {
	local TIMEFORMAT='%U %S'
	{ time "$HVEMU" run --kernel "$G/synic_bench.elf" --cpus "boot=$2" --memory 256M \
		--hv all --device hyperv-testdev --serial stdio --cmdline "$3" \
		>"$tmp/$1" 2>"$tmp/$1.err"; } 2>"$tmp/$1.time"
	awk '{print $1 + $2}' "$tmp/$1.time" >"$tmp/$1.cpu"
	grep -q '^BENCH ' "$tmp/$1"
}
us() { awk -v v="$1" 'BEGIN { if (v == "" || v == "nan") print "nan"; else printf "%.1f", v / 1000 }'; }
# stat NAME KEY GLOB: median of one figure over the runs
stat() { for f in "$tmp"/$3; do field "$1" "$2" "$f"; done | median; }

# --- stimer_period_error_us ---------------------------------------------------------------
: >"$tmp/pratio"
for i in $(seq "$REPS"); do
	guest "period.$i" 1 "test=period n=2000" &&
		ratio "$(field stimer_period_error_ns median "$tmp/period.$i")" \
			"$(field lapic_period_error_ns median "$tmp/period.$i")" >>"$tmp/pratio"
done
echo "bench stimer_period_error_us: $(us "$(stat stimer_period_error_ns median 'period.*[0-9]')") us"
echo "  in-kernel local APIC timer, 1 ms periodic, same runs: median" \
	"$(us "$(stat lapic_period_error_ns median 'period.*[0-9]')") us, p99" \
	"$(us "$(stat lapic_period_error_ns p99 'period.*[0-9]')") us; synthetic timer p99" \
	"$(us "$(stat stimer_period_error_ns p99 'period.*[0-9]')") us; stimer/lapic median" \
	"ratio $(median <"$tmp/pratio"); $REPS runs of 2000 ticks each"

# --- post_message_us ----------------------------------------------------------------------
: >"$tmp/ratio"
: >"$tmp/ipishare"
for i in $(seq "$REPS"); do
	if guest "post.$i" 1 "test=post n=2000 block=100"; then
		f="$tmp/post.$i"
		ratio "$(field post_message_ns median "$f")" "$(field port_exit_ns median "$f")" >>"$tmp/ratio"
		ratio "$(field self_ipi_ns median "$f")" "$(field post_message_ns median "$f")" >>"$tmp/ipishare"
	fi
done
echo "bench post_message_us: $(us "$(stat post_message_ns median 'post.*[0-9]')") us"
echo "  ratio to a bare port exit (same runs): $(median <"$tmp/ratio"); port exit median" \
	"$(us "$(stat port_exit_ns median 'post.*[0-9]')") us; post p99" \
	"$(us "$(stat post_message_ns p99 'post.*[0-9]')") us; a self-IPI taken the same way" \
	"$(us "$(stat self_ipi_ns median 'post.*[0-9]')") us ($(median <"$tmp/ipishare") of the post);" \
	"$REPS runs of 2000 posts"

# --- synic_idle_cpu_pct_4 / _64 -----------------------------------------------------------
# idle NAME CPUS CMDLINE: one idle run; hvemu's CPU time (utime + stime of all its threads)
# from the guest's "BENCH idle_start" to its "BENCH idle_ticks", over the wall time
# between them, in $tmp/NAME.pct (100 = one host CPU)
hz=$(getconf CLK_TCK)
cputicks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null; }
waitfor() { # waitfor PID PATTERN FILE: until FILE has the line or PID is gone
	while ! grep -q "$2" "$3" 2>/dev/null; do
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.02
	done
}
idle() {
	local pid c0 c1 t0 t1
	echo nan >"$tmp/$1.pct"
	"$HVEMU" run --kernel "$G/synic_bench.elf" --cpus "boot=$2" --memory 256M --hv all \
		--serial stdio --cmdline "test=idle $3" >"$tmp/$1" 2>"$tmp/$1.err" &
	pid=$!
	if waitfor "$pid" '^BENCH idle_start' "$tmp/$1"; then
		c0=$(cputicks "$pid")
		t0=$(date +%s.%N)
		if waitfor "$pid" '^BENCH idle_ticks' "$tmp/$1"; then
			c1=$(cputicks "$pid")
			t1=$(date +%s.%N)
			[ -n "$c0" ] && [ -n "$c1" ] && awk -v a="$c0" -v b="$c1" -v s="$t0" -v e="$t1" -v hz="$hz" \
				'BEGIN { if (a != "" && b != "" && e > s) printf "%.1f\n", 100 * (b - a) / hz / (e - s) }' \
				>"$tmp/$1.pct"
		fi
	fi
	wait "$pid" 2>/dev/null
}
ticks() { field idle_ticks value "$tmp/$1" | head -1; }
# what RUN took: "P% (T ticks, U us of host CPU per tick)"
took() {
	awk -v p="$(cat "$tmp/$1.pct")" -v t="$(ticks "$1")" -v s="$IDLE" 'BEGIN {
		if (p == "nan" || t == "" || t == 0) printf "%s%% (%s ticks)", p, t
		else printf "%s%% (%d ticks, %.0f us of host CPU per tick)", p, t, p / 100 * s * 1e6 / t }'
}
for n in 4 64; do
	idle "st.$n" "$n" "seconds=$IDLE"
	idle "ae.$n" "$n" "seconds=$IDLE auto_eoi=1"
	idle "la.$n" "$n" "seconds=$IDLE timer=lapic"
	idle "no.$n" "$n" "seconds=$IDLE timer=none"
	echo "bench synic_idle_cpu_pct_$n: $(cat "$tmp/st.$n.pct") %"
	echo "  $n vCPUs halted $IDLE s, 1 ms periodic timer each ($((n * IDLE * 1000)) ticks due;" \
		"100% = one host CPU, $(nproc) here): synthetic timer on a SINT with EOI" \
		"$(took "st.$n"); on an AutoEOI SINT $(took "ae.$n"); in-kernel local APIC timer" \
		"$(took "la.$n"); no timer $(cat "$tmp/no.$n.pct")%"
done

# --- stimer_host_ns_per_expiration --------------------------------------------------------
if [ -x "$B/timer_scale" ]; then
	for m in tsvc epoll threads; do
		"$B/timer_scale" "$m" 1024 4 1000 3 >"$tmp/ts.$m" 2>&1
	done
	tsf() { awk -v k="$2" '{for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) print substr($i, length(k) + 2)}' "$tmp/ts.$1"; }
	echo "bench stimer_host_ns_per_expiration: $(tsf tsvc cpu_ns_per_fire) ns"
	for m in tsvc epoll threads; do
		echo "  1024 VPs x 4 timers, 1 ms, 3 s, $m: $(tsf $m cpu_ns_per_fire) ns/expiration," \
			"cpu $(tsf $m cpu_pct)%, $(tsf $m fired) served, $(tsf $m missed) skipped," \
			"lateness p50 $(tsf $m late_p50_us) us p99 $(tsf $m late_p99_us) us," \
			"$(tsf $m threads) threads, $(tsf $m fds) fds"
	done
else
	echo "bench stimer_host_ns_per_expiration: skipped (no $B/timer_scale)"
fi
exit 0
