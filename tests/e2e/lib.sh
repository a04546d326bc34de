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

# expect_out NAME REGEX [FILE]: the output (default stdout) matches REGEX
expect_out() {
	local f="${3:-$OUT}"
	if grep -Eq -- "$2" "$f"; then
		tap_ok "$1"
	else
		tap_fail "$1 (no match for /$2/)" "$(tail -20 "$f")"
	fi
}
