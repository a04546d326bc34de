#!/usr/bin/env bash
# asan: yes
# The hostile guest (guest/tests/robust.c): edge-address hypercalls, every call code in
# both forms, garbage to every synthetic MSR, port and width sweeps, hotplug-controller
# misuse and two vCPUs ejecting each other. hvemu must end with the guest's own status,
# every check must have run, no sanitizer may report, and what the guest provoked may not
# flood the log (guest-triggerable lines are rate-limited: a few hundred lines at most).
. "$(dirname "$0")/lib.sh"
CHECKS=19     # report() calls in robust.c: all of them must run
LOG_LIMIT=300 # stderr lines: the rate-limited ones and one line per hot-add/removal
names=("robust guest: every check ran and passed, hvemu exits with the guest's status"
	"robust guest: no sanitizer report" "robust guest: the log stays bounded")
need_kvm "${names[@]}"
if ! need_guest robust; then
	for n in "${names[@]}"; do tap_skip "$n" "build/guest/robust.elf is not built"; done
	tap_done
	exit 0
fi

seed=$RANDOM
echo "# robust.elf seed=$seed (rerun with --cmdline seed=$seed)"
run_hvemu 120 run --kernel "$GUESTS/robust.elf" --hv all --cpus boot=2,max=35 --cmdline "seed=$seed"
# every check ran, none failed or was skipped, and hvemu ended with the guest's status (1)
expect_guest "${names[0]}" "$CHECKS"
if grep -qE 'ERROR: (Address|Leak|Thread)Sanitizer|runtime error:' "$ERR"; then
	tap_fail "${names[1]}" "$(grep -A20 -m1 -E 'Sanitizer|runtime error' "$ERR")"
else
	tap_ok "${names[1]}"
fi
lines=$(wc -l <"$ERR")
if [ "$lines" -le "$LOG_LIMIT" ]; then
	tap_ok "${names[2]} ($lines lines)"
else
	tap_fail "${names[2]} ($lines lines, limit $LOG_LIMIT)" \
		"$(sed 's/^hvemu: [0-9.]* //; s/[0-9]\+/N/g' "$ERR" | sort | uniq -c | sort -rn | head -5)"
fi
tap_done
