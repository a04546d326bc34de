#!/usr/bin/env bash
# bench hotadd_ms: median time from a guest's hot-add request (TDEV_CMD_CPU_ADD) to guest
# code running on the new vCPU (its first C code, rdtsc), over BENCH_ADDS adds (default 25)
# per run and BENCH_REPS runs (guest/tests/hotplug.c mode=bench: fresh slots, no traffic).
# The path measured: hvemu's nine bring-up steps, the controller's insert event and MSI,
# the guest driver reading the event, its controlling-CPU steps and INIT/SIPI, the
# trampoline. Run by bench/run.sh.
set -u
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
REPS=${BENCH_REPS:-5}
ADDS=${BENCH_ADDS:-25}
bench_start hotadd_ms hotplug

ok=0
for i in $(seq "$REPS"); do
	# hvemu exits 1 only when the guest passed (guest/lib/report.h).
	"$HVEMU" run --kernel "$G/hotplug.elf" --cpus "boot=2,max=$((ADDS + 2))" --hv all \
		--cmdline "mode=bench adds=$ADDS" >"$tmp/run.$i" 2>"$tmp/err.$i"
	if [ $? -eq 1 ]; then
		ok=$((ok + 1))
	else
		mv "$tmp/run.$i" "$tmp/failed.$i"
	fi
done
if [ "$ok" -eq 0 ]; then
	echo "bench hotadd_ms: failed (no run completed its adds)"
	tail -3 "$tmp"/failed.* "$tmp"/err.* 2>/dev/null | sed 's/^/  /'
	exit 0
fi

# every add of every good run, in ms
cat "$tmp"/run.* | awk '$1 == "HOTADD" { sub("ns=", "", $2); printf "%.3f\n", $2 / 1e6 }' |
	sort -g >"$tmp/ms"
n=$(wc -l <"$tmp/ms")
read -r med p99 max < <(stats <"$tmp/ms")
echo "bench hotadd_ms: $med ms"
echo "  $n adds ($ok of $REPS runs, $ADDS adds each, fresh slots, boot=2): median $med ms," \
	"p99 $p99 ms, max $max ms; target <= 5 ms"
exit 0
