# shellcheck shell=bash
# Helpers for end-to-end tests: TAP output, the KVM skip rule, running hvemu on a guest.
#
# A test script sources this file, calls need_kvm (which skips the whole script with its
# reason when /dev/kvm cannot be used), then reports with tap_ok / tap_fail / tap_skip.
# HVEMU (default build/hvemu) selects the binary, so the same scripts run under ASan.

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
HVEMU=${HVEMU:-build/hvemu}
GUESTS=${GUESTS:-build/guest}
E2E_TMP=$(mktemp -d /tmp/hvemu-e2e.XXXXXX)
trap 'rm -rf "$E2E_TMP"' EXIT
_tap_n=0

tap_ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $1"; }
tap_fail() {
	_tap_n=$((_tap_n + 1))
	echo "not ok $_tap_n - $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | head -30 | sed 's/^/# /'
	return 0
}
tap_skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $1 # SKIP $2"; }
tap_done() { echo "1..$_tap_n"; }

# Every test in the script is skipped (one line each) when KVM cannot be used here.
need_kvm() {
	local why=""
	if [ ! -e /dev/kvm ]; then
		why="/dev/kvm does not exist (no KVM on this host)"
	elif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		why="no read/write permission on /dev/kvm (add the user to group kvm or run as root)"
	elif [ ! -x "$HVEMU" ]; then
		why="$HVEMU is not built"
	fi
	if [ -n "$why" ]; then
		for t in "$@"; do tap_skip "$t" "$why"; done
		tap_done
		exit 0
	fi
}

need_guest() { # need_guest NAME...: the guest images a test needs
	for g in "$@"; do
		[ -f "$GUESTS/$g.elf" ] || return 1
	done
}

# run_hvemu TIMEOUT ARGS...: runs hvemu, output in $OUT (stdout) and $ERR (stderr), status in $RC
run_hvemu() {
	local tmo="$1"; shift
	OUT="$E2E_TMP/out.$_tap_n"
	ERR="$E2E_TMP/err.$_tap_n"
	timeout --kill-after=5 "$tmo" "$HVEMU" "$@" >"$OUT" 2>"$ERR"
	RC=$?
}

# expect_rc NAME WANT: reports whether the last run_hvemu exited with WANT
expect_rc() {
	if [ "$RC" -eq "$2" ]; then
		tap_ok "$1"
	else
		tap_fail "$1 (exit status $RC, want $2)" "$(tail -20 "$ERR"; tail -10 "$OUT")"
	fi
}

# expect_rc_line NAME WANT PATTERN [FILE]: the last run_hvemu exited with WANT and FILE
# (default its stderr) has a line matching PATTERN (grep's basic regular expression)
expect_rc_line() {
	local f="${4:-$ERR}"
	if [ "$RC" -eq "$2" ] && grep -q -- "$3" "$f"; then
		tap_ok "$1"
	else
		tap_fail "$1 (status $RC, want $2)" "$(tail -5 "$f")"
	fi
}

# A test guest's report (guest/lib/report.h) ends with exactly one line
#	SUMMARY: N tests, F failures, S skipped, U unexpected skips
# and hvemu exits with 1 when it passed, 155 when every report was a declared skip.
#
# guest_verdict FILE RC TESTS [SKIPS [STATUS]]: true when the guest whose output is FILE
# (hvemu exit status RC) made exactly TESTS reports, SKIPS (default 0) of them declared skips,
# with no failure, no unexpected skip, no FAIL/PANIC/EXCEPTION line, and hvemu exited with
# STATUS (default 1, or 155 when every report was a skip). Sets WHY to what differed.
guest_verdict() {
	local f=$1 rc=$2 want=$3 wskip=${4:-0} wrc=${5:-} sums line
	local re='^SUMMARY: ([0-9]+) tests, ([0-9]+) failures, ([0-9]+) skipped, ([0-9]+) unexpected skips$'
	if [ -z "$wrc" ]; then
		wrc=1
		[ "$want" -gt 0 ] && [ "$wskip" -eq "$want" ] && wrc=155
	fi
	WHY=""
	sums=$(tr -d '\r' <"$f" | grep -c '^SUMMARY:')
	line=$(tr -d '\r' <"$f" | grep '^SUMMARY:' | tail -1)
	if [ "$sums" -ne 1 ]; then
		WHY="$sums SUMMARY lines (want 1); "
	elif [[ "$line" =~ $re ]]; then
		[ "${BASH_REMATCH[1]}" -eq "$want" ] ||
			WHY+="${BASH_REMATCH[1]} reports (want $want); "
		[ "${BASH_REMATCH[3]}" -eq "$wskip" ] ||
			WHY+="${BASH_REMATCH[3]} skipped (want $wskip); "
		[ "${BASH_REMATCH[2]}" -eq 0 ] || WHY+="${BASH_REMATCH[2]} failures; "
		[ "${BASH_REMATCH[4]}" -eq 0 ] || WHY+="${BASH_REMATCH[4]} unexpected skips; "
	else
		WHY="malformed summary '$line'; "
	fi
	grep -qE '^(FAIL|PANIC|EXCEPTION)' "$f" && WHY+="FAIL/PANIC/EXCEPTION lines; "
	[ "$rc" -eq "$wrc" ] || WHY+="exit status $rc (want $wrc); "
	WHY=${WHY%; }
	[ -z "$WHY" ]
}

# expect_guest NAME TESTS [SKIPS [STATUS]]: reports guest_verdict on $OUT and $RC (the last
# run_hvemu; set them for a run made otherwise)
expect_guest() {
	if guest_verdict "$OUT" "$RC" "${@:2}"; then
		tap_ok "$1"
	else
		tap_fail "$1 ($WHY)" "$(grep -E '^(FAIL|PANIC|EXCEPTION|SKIP|SUMMARY)' "$OUT" | head -20
			grep -A1 '^FAIL' "$OUT" | grep '^INFO' | head -5
			tail -5 "${ERR:-/dev/null}")"
	fi
}

# Skips the guests declare on kvm_pvm, which raises #GP for port I/O at CPL3 whatever IOPL
# says (guest tag "iopl"): one per guest that tries it, none on other hosts.
# shellcheck disable=SC2034 # used by the scripts that source this file
IOPL_SKIPS=0
[ -d /sys/module/kvm_pvm ] && IOPL_SKIPS=1

# expect_out NAME REGEX [FILE]: the output (default stdout) matches REGEX
expect_out() {
	local f="${3:-$OUT}"
	if grep -Eq -- "$2" "$f"; then
		tap_ok "$1"
	else
		tap_fail "$1 (no match for /$2/)" "$(tail -20 "$f")"
	fi
}

# wait_line FILE TEXT: waits (up to 120 s) until FILE contains TEXT (a background guest's
# progress line); returns 1 if it never does
wait_line() {
	for _ in $(seq 1200); do
		grep -q "$2" "$1" && return 0
		sleep 0.1
	done
	return 1
}

# vm_stat SOCKET NAME: a VM-wide statistic of a running hvemu from query-stats, or -1 (no
# such statistic, or no answer: the reason goes to stderr)
vm_stat() {
	timeout 20 "$HVEMU" ctl --api-socket "$1" --json query-stats 2>&1 | python3 -c '
import json, sys
text = sys.stdin.read()
try:
    for t in json.loads(text)["return"]:
        for s in t["stats"]:
            if s["name"] == sys.argv[1]: print(s["value"]); sys.exit(0)
except (ValueError, KeyError, TypeError):
    print("vm_stat: no statistics: %r" % text[:200], file=sys.stderr)
print(-1)' "$2"
}
