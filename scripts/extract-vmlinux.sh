#!/usr/bin/env bash
# Extracts the uncompressed kernel (vmlinux, an ELF) from a Linux bzImage, for a PVH boot:
# the protected-mode kernel starts after (setup_sects + 1) 512-byte sectors (setup_sects 0
# means 4), its compressed payload at payload_offset for payload_length bytes (setup header
# fields at 0x1F1, 0x248 and 0x24C: Linux Documentation/arch/x86/boot.rst). The payload's
# format is recognised by its magic (XZ on Debian; gzip, zstd, LZ4, bzip2 and LZMA too) and
# decompressed with the matching tool. The result must be an ELF64 with the PVH entry note
# (name "Xen", type 18, XEN_ELFNOTE_PHYS32_ENTRY), or the script fails and says why.
#
# Usage: scripts/extract-vmlinux.sh BZIMAGE OUT
# Prints the PVH entry address on success. Exit 1 with a message on any failure.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 BZIMAGE OUT" >&2; exit 2; }
in=$1 out=$2
die() { echo "extract-vmlinux: $in: $*" >&2; rm -f "$out.tmp"; exit 1; }

[ -r "$in" ] || die "cannot read it"
u8() { od -An -tu1 -j "$1" -N1 "$in" | tr -d ' '; }
u32() { od -An -tu4 -j "$1" -N4 "$in" | tr -d ' '; }
[ "$(od -An -tx1 -j $((0x202)) -N4 "$in" | tr -d ' \n')" = "48647253" ] ||
	die "no Linux boot protocol header (\"HdrS\" at 0x202): not a bzImage"
version=$(od -An -tu2 -j $((0x206)) -N2 "$in" | tr -d ' ')
[ "$version" -ge $((0x208)) ] || die "boot protocol $((version >> 8)).$((version & 255)) has no payload fields (2.08+)"
sects=$(u8 $((0x1F1)))
[ "$sects" -eq 0 ] && sects=4
start=$(((sects + 1) * 512 + $(u32 $((0x248)))))
len=$(u32 $((0x24C)))
[ $((start + len)) -le "$(stat -c %s "$in")" ] || die "payload [$start, +$len) runs past the end of the file"

magic=$(od -An -tx1 -j "$start" -N6 "$in" | tr -d ' \n')
case "$magic" in
fd377a585a00) tool="xz -dc --single-stream" ;;
1f8b*) tool="gzip -dc" ;;
28b52ffd*) tool="zstd -dcq" ;;
02214c18*) tool="lz4 -dc" ;;
425a68*) tool="bzip2 -dc" ;;
5d0000*) tool="xz -dc --format=lzma" ;;
*) die "payload magic $magic is none of XZ, gzip, zstd, LZ4, bzip2, LZMA" ;;
esac
command -v "${tool%% *}" >/dev/null || die "${tool%% *} is not installed (needed for this payload)"
# The payload may carry trailing bytes (the decompressed size): the tools stop at the
# stream's end; a complaint about trailing garbage is not a failure if the ELF checks pass.
tail -c +$((start + 1)) "$in" | head -c "$len" | $tool >"$out.tmp" 2>/dev/null || true
[ -s "$out.tmp" ] || die "decompressing the payload with ${tool%% *} gave nothing"

# ELF64 little-endian x86-64, and the PVH note in a PT_NOTE segment.
entry=$(python3 - "$out.tmp" 2>&1 <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
if d[:4] != b'\x7fELF' or d[4] != 2 or d[5] != 1 or struct.unpack_from('<H', d, 18)[0] != 62:
    sys.exit('not an ELF64 x86-64 little-endian file')
phoff, = struct.unpack_from('<Q', d, 32)
phentsize, phnum = struct.unpack_from('<HH', d, 54)
for i in range(phnum):
    p_type, _, p_offset, _, _, p_filesz, _, p_align = struct.unpack_from('<IIQQQQQQ', d, phoff + i * phentsize)
    if p_type != 4:
        continue
    off, end, al = p_offset, p_offset + p_filesz, 8 if p_align == 8 else 4
    while end - off >= 12:
        namesz, descsz, ntype = struct.unpack_from('<III', d, off)
        name = d[off + 12:off + 12 + namesz]
        desc = off + 12 + (namesz + al - 1) // al * al
        if name == b'Xen\x00' and ntype == 18 and descsz in (4, 8):
            print(hex(int.from_bytes(d[desc:desc + descsz], 'little')))
            sys.exit(0)
        off = desc + (descsz + al - 1) // al * al
sys.exit('no PVH entry note (Xen, XEN_ELFNOTE_PHYS32_ENTRY): the kernel was built without CONFIG_PVH')
PY
) || die "the decompressed kernel is unusable: $entry"
mv "$out.tmp" "$out"
echo "$entry"
