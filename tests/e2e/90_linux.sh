#!/usr/bin/env bash
# timeout: 720
# Linux as the guest: Debian's kernel (linux-image-amd64, installed by scripts/deps.sh).
#
# The bzImage is booted through the x86 boot protocol until its decompressor has read the
# zero page (it parses the command line and prints on COM1). The vmlinux inside it
# (scripts/extract-vmlinux.sh) is booted through PVH with --hv all --cpus boot=2 until
# Linux's own Hyper-V code has run: hvemu's memory map and command line as Linux prints
# them, Hyper-V detected with the CPUID words hvemu offers, the PV TLB flush and IPI
# choices, and hyperv_init()'s effects seen from hvemu's side (query-hyperv: GUEST_OS_ID
# decoded, hypercall page, VP assist page on VP 0, reference TSC page). Then `quit`.
#
# Without hardware virtualization (no vmx/svm in /proc/cpuinfo) KVM emulates every CPL0
# instruction and lacks some: Linux dies at the int3 self-test in alternative_instructions()
# (after hyperv_init), so the run uses --internal-error pause and the stages that need a
# full boot (all CPUs online, PV flushes and IPIs, CPU 1 offline/online from an initramfs
# init, poweroff) are skipped with that reason.
#
# Environment: HVEMU_LINUX_BZIMAGE (default: the newest /boot/vmlinuz-*), LINUX_LIMIT
# (seconds for the PVH boot to reach the Hyper-V lines, default 600).
. "$(dirname "$0")/lib.sh"
tests=("bzImage: the x86 boot protocol reaches Linux's decompressor, which reads the zero page"
	"vmlinux extracted from the bzImage's payload, an ELF with the PVH entry note"
	"PVH: Linux version"
	"PVH: Linux got hvemu's command line"
	"PVH: Linux's e820 map is hvemu's memory map"
	"PVH: Hypervisor detected: Microsoft Hyper-V"
	"PVH: Linux's Hyper-V privilege flags and hints are hvemu's CPUID"
	"PVH: Linux uses the hypercall for remote TLB flush"
	"PVH: Linux uses IPI hypercalls"
	"hyperv_init: GUEST_OS_ID written, decoded and logged as Linux and its version"
	"hyperv_init: hypercall page enabled"
	"hyperv_init: VP assist page enabled on VP 0"
	"hyperv_init: reference TSC page enabled, valid, Linux's clocksource"
	"quit: hvemu exits 0 and leaves nothing behind"
	"hw: all CPUs online, VP assist page enabled on every VP"
	"hw: PV TLB flush hypercalls counted in query-stats"
	"hw: PV IPI hypercalls counted in query-stats"
	"hw: CPU 1 offline from user space: its VP assist page disabled"
	"hw: CPU 1 online again: its VP assist page re-enabled"
	"hw: poweroff from the initramfs init: exit 0")
need_kvm "${tests[@]}"

skip_all() { # skip_all REASON: every remaining test
	while [ "$_tap_n" -lt ${#tests[@]} ]; do tap_skip "${tests[$_tap_n]}" "$1"; done
	tap_done
	exit 0
}

BZ=${HVEMU_LINUX_BZIMAGE:-$(printf '%s\n' /boot/vmlinuz-* | sort -V | tail -1)}
if [ ! -r "$BZ" ]; then
	skip_all "no Linux kernel in /boot (scripts/deps.sh installs linux-image-amd64 as root)"
fi
LIMIT=${LINUX_LIMIT:-600}
HW=0
grep -qwE 'vmx|svm' /proc/cpuinfo && HW=1
SOCK="$E2E_TMP/linux.sock"
ctl() { timeout 20 "$HVEMU" ctl --api-socket "$SOCK" "$@"; }
# json EXPR: evaluates a Python expression over r, the "return" of the last query-hyperv
json() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['return']; print($1)" "$E2E_TMP/hv.json"; }
t0=0
elapsed() { echo $(($(date +%s%N) / 1000000 - t0)); }

# start_vm ARGS...: hvemu in the background, serial to $E2E_TMP/serial, log to $E2E_TMP/err
start_vm() {
	rm -f "$SOCK" "$E2E_TMP/serial"
	: >"$E2E_TMP/serial"
	t0=$(($(date +%s%N) / 1000000))
	"$HVEMU" run --api-socket "$SOCK" --serial "file:$E2E_TMP/serial" "$@" 2>"$E2E_TMP/err" &
	VMPID=$!
}
# wait_for FILE REGEX SECONDS: 0 once FILE matches, 1 on timeout or when hvemu is gone
wait_for() {
	local end=$(($(date +%s) + $3))
	while [ "$(date +%s)" -lt "$end" ]; do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		kill -0 "$VMPID" 2>/dev/null || { grep -Eq -- "$2" "$1" 2>/dev/null; return; }
		sleep 0.2
	done
	return 1
}
# stop_vm: quit over the socket; sets QUIT_RC to hvemu's exit status (or 124: hung)
stop_vm() {
	local hung=0
	ctl quit >/dev/null 2>&1
	for _ in $(seq 100); do kill -0 "$VMPID" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$VMPID" 2>/dev/null; then
		kill -9 "$VMPID" 2>/dev/null
		hung=1
	fi
	wait "$VMPID" 2>/dev/null
	QUIT_RC=$?
	[ "$hung" = 0 ] || QUIT_RC=124
}
query_hyperv() { ctl --json query-hyperv >"$E2E_TMP/hv.json" 2>&1; }
status() { "$@"; echo $?; } # the exit status of a command, as text
check() { # check N COND-EXIT-STATUS DETAIL
	if [ "$2" -eq 0 ]; then tap_ok "${tests[$1]}"; else tap_fail "${tests[$1]}" "$3"; fi
}

# --- 0: bzImage ------------------------------------------------------------------------
# Debian's bzImage decompresses XZ in the emulator for many minutes: the run stops as soon
# as the decompressor has parsed the command line (its KASLR choice, printed on COM1).
initrd=()
irf="/boot/initrd.img-$(basename "$BZ" | sed 's/^vmlinuz-//')"
[ -r "$irf" ] && initrd=(--initrd "$irf")
start_vm --kernel "$BZ" "${initrd[@]}" --memory 512M --cmdline "earlyprintk=ttyS0 nokaslr"
wait_for "$E2E_TMP/serial" "KASLR disabled: 'nokaslr' on cmdline" 120
found=$?
bz_ms=$(elapsed)
stop_vm
check 0 $((found || QUIT_RC)) "serial: $(tail -c 300 "$E2E_TMP/serial"); hvemu: $(tail -3 "$E2E_TMP/err") (exit $QUIT_RC)"
echo "# bzImage: decompressor's first line after ${bz_ms} ms"

# --- 1: the vmlinux ----------------------------------------------------------------------
# Controls: a file that is not a bzImage, and a bzImage whose (gzip) payload is an ELF
# without the PVH note (hvemu's elf64.elf), are refused.
VMLINUX="$E2E_TMP/vmlinux"
python3 - "$BZ" "$GUESTS/elf64.elf" "$E2E_TMP/nopvh" <<'PY'
import gzip, struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
start = ((d[0x1F1] or 4) + 1) * 512 + struct.unpack_from('<I', d, 0x248)[0]
payload = gzip.compress(open(sys.argv[2], 'rb').read())
struct.pack_into('<I', d, 0x24C, len(payload))
open(sys.argv[3], 'wb').write(bytes(d[:start]) + payload)
PY
if entry=$(scripts/extract-vmlinux.sh "$BZ" "$VMLINUX" 2>&1) &&
	! scripts/extract-vmlinux.sh "$GUESTS/exit.elf" "$E2E_TMP/x" 2>/dev/null &&
	scripts/extract-vmlinux.sh "$E2E_TMP/nopvh" "$E2E_TMP/x" 2>&1 | grep -q "no PVH entry note"; then
	tap_ok "${tests[1]}"
	echo "# $BZ: PVH entry $entry"
else
	tap_fail "${tests[1]}" "$entry"
	skip_all "no vmlinux to boot"
fi

# --- 2-13: the PVH boot to Linux's Hyper-V set-up ---------------------------------------
# Without hardware virtualization this KVM shows the guest the CPU's own CPUID bits for
# what it does not list as supported (measured: XSAVE, POPCNT, SMAP, SSSE3 stay visible
# whatever KVM_SET_CPUID2 says), so the kernel is told too; --cpu hides what KVM can.
CMDLINE="console=ttyS0 earlyprintk=ttyS0 hvemu_e2e=1"
[ "$HW" = 1 ] || CMDLINE="$CMDLINE noxsave clearcpuid=cx16,popcnt,smap,smep,ssse3"
opts=(--kernel "$VMLINUX" --memory 512M --cpus boot=2 --hv all --cpu "host,safe"
	--cmdline "$CMDLINE")
if [ "$HW" = 1 ]; then
	mkdir -p "$E2E_TMP/rd"
	if gcc -static -nostdlib -ffreestanding -fno-builtin -fno-stack-protector -O2 \
		-o "$E2E_TMP/rd/init" tests/e2e/linux/init.c 2>"$E2E_TMP/cc.err" &&
		(cd "$E2E_TMP/rd" && echo init | cpio -o -H newc --quiet >"$E2E_TMP/initramfs"); then
		opts+=(--initrd "$E2E_TMP/initramfs")
	else
		echo "# initramfs not built: $(cat "$E2E_TMP/cc.err")"
	fi
else
	opts+=(--internal-error pause)
fi
start_vm "${opts[@]}"
S="$E2E_TMP/serial"
wait_for "$S" "Linux version" "$LIMIT" && t_version=$(elapsed)
wait_for "$S" "Hyper-V: privilege flags" "$LIMIT" && t_priv=$(elapsed)
wait_for "$S" "Hyper-V: Using IPI hypercalls" "$LIMIT" && t_ipi=$(elapsed)
query_hyperv
echo "# PVH: 'Linux version' after ${t_version:-?} ms, privilege flags after ${t_priv:-?} ms," \
	"'Using IPI hypercalls' after ${t_ipi:-?} ms"

grep -q "Linux version" "$S"
check 2 $? "$(tail -5 "$S"; tail -5 "$E2E_TMP/err")"
grep -qF "Command line: $CMDLINE" "$S"
check 3 $? "$(grep -a 'Command line' "$S")"

# hvemu's map (logged once), merged where adjacent rows have one type, as Linux merges
python3 - "$E2E_TMP/err" "$S" >"$E2E_TMP/e820.txt" 2>&1 <<'PY'
import re, sys
log, ser = open(sys.argv[1]).read(), open(sys.argv[2], errors='replace').read()
m = re.search(r'memory map \(e820\): (.*)', log)
rows = [(int(a, 16), int(b, 16), t) for a, b, t in re.findall(r'\[(0x[0-9a-f]+)-(0x[0-9a-f]+)\] (\w+)', m.group(1))]
want = []
for a, b, t in rows:
    if want and want[-1][2] == t and want[-1][1] + 1 == a:
        want[-1] = (want[-1][0], b, t)
    else:
        want.append((a, b, t))
got = [(int(a, 16), int(b, 16), t) for a, b, t in re.findall(r'BIOS-e820: \[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\] (\w+)', ser)]
print('hvemu:', [(hex(a), hex(b), t) for a, b, t in want])
print('Linux:', [(hex(a), hex(b), t) for a, b, t in got])
sys.exit(0 if got and got == want else 1)
PY
check 4 $? "$(cat "$E2E_TMP/e820.txt")"
grep -q "Hypervisor detected: Microsoft Hyper-V" "$S"
check 5 $? "$(grep -a 'Hypervisor' "$S")"
want=$(json '"low 0x%x, high 0x%x, hints 0x%x, misc 0x%x" % (r["cpuid"]["privileges-low"], r["cpuid"]["privileges-high"], r["cpuid"]["hints"], r["cpuid"]["misc"])' 2>&1)
grep -qF "Hyper-V: privilege flags $want" "$S"
check 6 $? "hvemu: $want; Linux: $(grep -a 'privilege flags' "$S")"
grep -q "Hyper-V: Using hypercall for remote TLB flush" "$S"
check 7 $? "$(grep -a 'Hyper-V' "$S")"
grep -q "Hyper-V: Using IPI hypercalls" "$S"
check 8 $? "$(grep -a 'Hyper-V' "$S" | tail -3)"

# GUEST_OS_ID: Linux writes LINUX_VERSION_CODE; Debian's banner names the upstream version.
ver=$(grep -a 'Linux version' "$S" | grep -oE '#[0-9]+ .* Debian [0-9]+\.[0-9]+\.[0-9]+' |
	grep -oE '[0-9]+\.[0-9]+\.[0-9]+$')
[ -n "$ver" ] || ver=$(grep -aoE 'Linux version [0-9]+\.[0-9]+' "$S" | head -1 | cut -d' ' -f3)
got=$(json 'r["guest-os-id"]["os"] + " " + r["guest-os-id"]["version"]' 2>&1)
case "$got" in "Linux $ver"*) ok=0 ;; *) ok=1 ;; esac
[ -n "$ver" ] && grep -q "guest OS ID 0x[0-9a-f]*: $got (open source" "$E2E_TMP/err" || ok=1
check 9 $ok "query-hyperv: $got; banner: ${ver:-none}; log: $(grep 'guest OS ID' "$E2E_TMP/err")"
[ "$(json 'r["hypercall-page"]["enabled"] and r["hypercall-page"]["gpa"] > 0' 2>&1)" = True ]
check 10 $? "$(cat "$E2E_TMP/hv.json")"
[ "$(json '[v["vp-assist-page"]["enabled"] for v in r["vps"] if v["vp-index"] == 0] == [True]' 2>&1)" = True ]
check 11 $? "$(cat "$E2E_TMP/hv.json")"
[ "$(json 'r["reference-tsc-page"]["enabled"] and r["reference-tsc-page"]["valid"]' 2>&1)" = True ] &&
	grep -q "clocksource: hyperv_clocksource_tsc_page" "$S"
check 12 $? "$(json 'r["reference-tsc-page"]' 2>&1); $(grep -a clocksource "$S")"

# --- 14-19: what needs a full boot ------------------------------------------------------
if [ "$HW" = 1 ]; then
	wait_for "$S" "hvemu-init: started" "$LIMIT"
	query_hyperv
	[ "$(json 'len(r["vps"]) == 2 and all(v["vp-assist-page"]["enabled"] for v in r["vps"])' 2>&1)" = True ] &&
		grep -q "smp: Brought up 1 node, 2 CPUs" "$S"
	hw14=$?
	ctl --json query-stats >"$E2E_TMP/stats.json" 2>&1
	count() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['return']; print(sum(s['value'] for g in r if g['target']=='vm' for s in g['stats'] if s['name'] in sys.argv[2:]))" "$E2E_TMP/stats.json" "$@" 2>/dev/null; }
	flushes=$(count hcalls_flush_space hcalls_flush_list hcalls_flush_space_ex hcalls_flush_list_ex)
	ipis=$(count hcalls_send_ipi hcalls_send_ipi_ex)
	echo "# flush hypercalls $flushes (Ex: $(count hcalls_flush_space_ex hcalls_flush_list_ex)), IPI hypercalls $ipis (Ex: $(count hcalls_send_ipi_ex))"
	wait_for "$S" "hvemu-init: cpu1 offline" 60 && query_hyperv
	[ "$(json '[v["vp-assist-page"]["enabled"] for v in r["vps"]] == [True, False]' 2>&1)" = True ]
	hw17=$?
	wait_for "$S" "hvemu-init: cpu1 online" 60 && query_hyperv
	[ "$(json '[v["vp-assist-page"]["enabled"] for v in r["vps"]] == [True, True]' 2>&1)" = True ]
	hw18=$?
	wait_for "$S" "hvemu-init: power off" 60
	for _ in $(seq 300); do kill -0 "$VMPID" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$VMPID" 2>/dev/null; then
		stop_vm
		hw19=1
	else
		wait "$VMPID"
		QUIT_RC=$?
		hw19=$QUIT_RC
	fi
	check 13 "$(status test ! -e "$SOCK")" "socket left: $(ls "$SOCK" 2>&1)"
	check 14 $hw14 "$(cat "$E2E_TMP/hv.json"; grep -a 'smp:' "$S")"
	check 15 "$(status test "${flushes:-0}" -gt 0)" "query-stats: $(head -c 2000 "$E2E_TMP/stats.json")"
	check 16 "$(status test "${ipis:-0}" -gt 0)" "query-stats: $(head -c 2000 "$E2E_TMP/stats.json")"
	check 17 $hw17 "$(grep -a hvemu-init "$S"; cat "$E2E_TMP/hv.json")"
	check 18 $hw18 "$(grep -a hvemu-init "$S"; cat "$E2E_TMP/hv.json")"
	check 19 $hw19 "exit $QUIT_RC; $(tail -5 "$S"; tail -5 "$E2E_TMP/err")"
else
	stop_vm
	total=$(elapsed)
	[ "$QUIT_RC" -eq 0 ] && [ ! -e "$SOCK" ] && ! kill -0 "$VMPID" 2>/dev/null &&
		grep -q "stopped by the control socket's quit command" "$E2E_TMP/err"
	check 13 $? "exit $QUIT_RC, socket: $(ls "$SOCK" 2>&1); $(tail -5 "$E2E_TMP/err")"
	echo "# PVH total ${total} ms; where Linux stopped: $(grep -o 'KVM_EXIT_INTERNAL_ERROR.*instruction bytes [0-9a-f ]*' "$E2E_TMP/err" | head -1)"
	skip_all "no vmx/svm in /proc/cpuinfo: KVM emulates all guest CPL0 code and lacks instructions Linux needs after hyperv_init (the int3 self-test, fwait), and user mode's syscall fails here"
fi
tap_done
