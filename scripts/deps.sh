#!/usr/bin/env bash
# Installs the Debian packages the build needs when they are missing (make deps; make check,
# lint, run, bench and stress call it first; `scripts/deps.sh bench` adds what only make
# bench uses). CI starts from a clean Debian 12 machine as
# root; elsewhere it only reports what is missing.
#
# When everything is present it runs no package tool at all (each probe is `command -v` or a
# file test, dpkg-query only for a package without one): no apt-get, no network, so
# `make check` works offline once the packages are installed. Only a missing package makes
# it run `apt-get install`, and `apt-get update` only if that install fails.
set -u
need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
check() { # check PACKAGE [COMMAND-OR-FILE]
	local pkg="$1" probe="${2:-}"
	if [ -n "$probe" ]; then
		case "$probe" in
		/*) [ -e "$probe" ] && return ;;
		*) command -v "$probe" >/dev/null 2>&1 && return ;;
		esac
	fi
	have_pkg "$pkg" || need+=("$pkg")
}
check gcc gcc
check make make
check binutils objcopy
check libjansson-dev /usr/include/jansson.h
check libseccomp-dev /usr/include/seccomp.h
check clang clang
check libclang-rt-14-dev /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a
check clang-format clang-format
check clang-tidy clang-tidy
check cppcheck cppcheck
check procps pgrep
check iproute2 ip
check python3 python3
# A Multiboot kernel the project did not write, for tests/e2e/25_grub.sh: GRUB's
# i386-coreboot image (it carries a Multiboot header), built with grub-mkimage.
check grub-common grub-mkimage
check grub-coreboot-bin /usr/lib/grub/i386-coreboot/kernel.img
# Linux as the guest (tests/e2e/90_linux.sh): Debian's kernel, the decompressor for its
# bzImage payload (scripts/extract-vmlinux.sh), and cpio for the test's initramfs.
compgen -G '/boot/vmlinuz-*' >/dev/null || check linux-image-amd64
check xz-utils xz
check cpio cpio
# `scripts/deps.sh bench` (make bench): QEMU, the reference VMM of bench/40_pio_qemu.sh, and
# perf, to see where an exit's time goes in the kernel (docs/architecture.md §4).
if [ "${1:-}" = bench ]; then
	check qemu-system-x86 qemu-system-x86_64
	check linux-perf perf
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${need[*]} (run as root: apt-get install ${need[*]})" >&2
	exit 0
fi
echo "deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends "${need[@]}" >/tmp/hvemu-deps.log 2>&1; then
	apt-get update >>/tmp/hvemu-deps.log 2>&1
	apt-get install -y --no-install-recommends "${need[@]}" >>/tmp/hvemu-deps.log 2>&1 ||
		{ echo "deps: apt-get failed, see /tmp/hvemu-deps.log" >&2; exit 1; }
fi
