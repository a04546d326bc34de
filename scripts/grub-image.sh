#!/usr/bin/env bash
# scripts/grub-image.sh OUT CMD...: builds GRUB's i386-coreboot image (Debian packages
# grub-common and grub-coreboot-bin) as a Multiboot kernel for hvemu. Its embedded
# configuration sends the console to COM1 and then runs the GRUB commands CMD..., one
# per line. GRUB is a kernel this project did not write: its image carries a Multiboot
# header, and hvemu gives it the coreboot table that GRUB reads its memory map from.
#   scripts/grub-image.sh /tmp/grub.elf 'echo hello' 'outb 0xf4 0x2a'
#   build/hvemu run --kernel /tmp/grub.elf        # prints hello, exits with 85
set -eu
dir=${GRUB_DIR:-/usr/lib/grub/i386-coreboot}
if [ $# -lt 1 ]; then
	echo "usage: $0 OUT [GRUB-COMMAND...]" >&2
	exit 2
fi
out=$1
shift
if ! command -v grub-mkimage >/dev/null || [ ! -f "$dir/kernel.img" ]; then
	echo "$0: needs grub-mkimage and $dir (apt-get install grub-common grub-coreboot-bin)" >&2
	exit 3
fi
cfg=$(mktemp /tmp/hvemu-grub-cfg.XXXXXX)
trap 'rm -f "$cfg"' EXIT
{
	echo 'serial --unit=0 --speed=115200'
	echo 'terminal_input serial'
	echo 'terminal_output serial'
	for c in "$@"; do echo "$c"; done
} >"$cfg"
# Modules for the commands the tests use; GRUB has no disk here, so everything is built in.
grub-mkimage -d "$dir" -O i386-coreboot -o "$out" -c "$cfg" -p / \
	serial terminal echo iorw halt reboot rdmsr mmap lsmmap
