#!/usr/bin/env bash
# asan: yes
# hvemu rejects kernel images it cannot load, with exit status 2 and the failed check.
. "$(dirname "$0")/lib.sh"
need_kvm "not an image" "truncated ELF" "wrong ELF machine" "segment outside RAM" \
	"overlapping segments" "entry outside segments" "missing file" "ELF32 without Multiboot"

# mkelf OUT CLASS MACHINE ENTRY "PADDR:FILESZ:MEMSZ ..." [TRUNCATE]: a minimal ELF image
mkelf() {
	python3 - "$@" <<'PY'
import struct, sys
out, cls, mach, entry, segs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4], 0), sys.argv[5].split()
trunc = int(sys.argv[6]) if len(sys.argv) > 6 else 0
segs = [tuple(int(x, 0) for x in s.split(':')) for s in segs]
if cls == 64:
    ehsize, phsize = 64, 56
    hdr = b'\x7fELF' + bytes([2, 1, 1]) + bytes(9)
    phoff = ehsize
    data_off = phoff + phsize * len(segs)
    hdr += struct.pack('<HHIQQQIHHHHHH', 2, mach, 1, entry, phoff, 0, 0, ehsize, phsize, len(segs), 0, 0, 0)
    ph = b''; off = data_off
    for (pa, fs, ms) in segs:
        ph += struct.pack('<IIQQQQQQ', 1, 7, off, pa, pa, fs, ms, 0x1000); off += fs
else:
    ehsize, phsize = 52, 32
    hdr = b'\x7fELF' + bytes([1, 1, 1]) + bytes(9)
    phoff = ehsize
    data_off = phoff + phsize * len(segs)
    hdr += struct.pack('<HHIIIIIHHHHHH', 2, mach, 1, entry, phoff, 0, 0, ehsize, phsize, len(segs), 0, 0, 0)
    ph = b''; off = data_off
    for (pa, fs, ms) in segs:
        ph += struct.pack('<IIIIIIII', 1, off, pa, pa, fs, ms, 7, 0x1000); off += fs
body = b''.join(b'\xf4' * fs for (_, fs, _) in segs)
img = hdr + ph + body
if trunc:
    img = img[:trunc]
open(out, 'wb').write(img)
PY
}

check_rejected() { # NAME FILE REGEX
	run_hvemu 20 run --kernel "$2" --serial none
	if [ "$RC" -eq 2 ] && grep -Eq -- "$3" "$ERR"; then
		tap_ok "$1"
	else
		tap_fail "$1 (status $RC, want 2 and /$3/)" "$(cat "$ERR")"
	fi
}

head -c 4096 /dev/urandom >"$E2E_TMP/junk"
check_rejected "not an image" "$E2E_TMP/junk" "no ELF magic|not a loadable"
mkelf "$E2E_TMP/trunc" 64 62 0x100000 "0x100000:0x1000:0x1000" 200
check_rejected "truncated ELF" "$E2E_TMP/trunc" "truncat|beyond|outside the file"
mkelf "$E2E_TMP/arm" 64 183 0x100000 "0x100000:0x100:0x100"
check_rejected "wrong ELF machine" "$E2E_TMP/arm" "machine"
mkelf "$E2E_TMP/big" 64 62 0x100000 "0x100000:0x100:0x100 0x20000000:0x100:0x100"
check_rejected "segment outside RAM" "$E2E_TMP/big" "RAM|outside"
mkelf "$E2E_TMP/ovl" 64 62 0x100000 "0x100000:0x2000:0x2000 0x101000:0x100:0x100"
check_rejected "overlapping segments" "$E2E_TMP/ovl" "overlap"
mkelf "$E2E_TMP/entry" 64 62 0x300000 "0x100000:0x100:0x100"
check_rejected "entry outside segments" "$E2E_TMP/entry" "entry"
check_rejected "missing file" "$E2E_TMP/does-not-exist" "does-not-exist"
mkelf "$E2E_TMP/elf32" 32 3 0x100000 "0x100000:0x100:0x100"
check_rejected "ELF32 without Multiboot" "$E2E_TMP/elf32" "Multiboot"
tap_done
