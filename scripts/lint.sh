#!/usr/bin/env bash
# Static analysis of every C file in the tree, with the flags each part is built with:
#   host    src/, lib/, tests/unit/, tests/fuzz/   (the VMM and its tests: C11 + libc)
#   guest   guest/lib/, guest/testlib/, guest/tests/ (freestanding x86-64, no libc: the
#           runtime's own headers, the compiler's <stdint.h> & co., include/ for the ABIs)
# cppcheck and clang-tidy run over both, clang-format --dry-run over every .c and .h.
# Exits non-zero on any finding. LINT_JOBS (default: the CPU count) runs clang-tidy in
# parallel; `scripts/lint.sh FILE...` lints only those files (format included).
set -u
cd "$(dirname "$0")/.."
rc=0
JOBS=${LINT_JOBS:-$(nproc 2>/dev/null || echo 2)}

if [ $# -gt 0 ]; then
	files=("$@")
else
	mapfile -t files < <(git ls-files '*.c' '*.h')
fi
host=() guest=()
for f in "${files[@]}"; do
	case "$f" in
	src/*.c | lib/*.c | tests/unit/*.c | tests/fuzz/*.c) host+=("$f") ;;
	guest/*.c) guest+=("$f") ;;
	esac
done

HOST_FLAGS=(-std=gnu11 -D_GNU_SOURCE -Isrc -Iinclude -Ilib -Itests/unit)
# As guest/guest.mk builds it; -Iguest gives the test guests "testlib/...".
GUEST_FLAGS=(-std=gnu11 -m64 -ffreestanding -fno-builtin -mno-red-zone -mgeneral-regs-only
	-Iinclude -Ilib -Iguest/lib -Iguest)

echo "== cppcheck (${#host[@]} host, ${#guest[@]} guest files)"
CPPCHECK=(cppcheck --quiet --error-exitcode=1 --std=c11 --platform=unix64 -j "$JOBS"
	--enable=warning,performance,portability --inline-suppr --suppress=missingIncludeSystem)
if [ ${#host[@]} -gt 0 ]; then
	"${CPPCHECK[@]}" -D_GNU_SOURCE -D__x86_64__ -Isrc -Iinclude -Ilib -Itests/unit "${host[@]}" ||
		rc=1
fi
if [ ${#guest[@]} -gt 0 ]; then
	# The configuration gcc compiles: its predefined macros for freestanding x86-64 and its
	# own <stdint.h> & co., so that u8 is an unsigned char and not an unknown type.
	mkdir -p build/lint
	gcc -std=gnu11 -m64 -ffreestanding -dM -E -x c /dev/null >build/lint/guest-predef.h
	"${CPPCHECK[@]}" --include=build/lint/guest-predef.h -U__ASSEMBLER__ \
		-I"$(gcc -print-file-name=include)" -Iinclude -Ilib -Iguest/lib -Iguest \
		"${guest[@]}" || rc=1
fi

echo "== clang-tidy"
checks='-*,bugprone-*,clang-analyzer-*,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier,-bugprone-narrowing-conversions,-clang-analyzer-security.insecureAPI.*,-bugprone-assignment-in-if-condition,-bugprone-implicit-widening-of-multiplication-result'
export LINT_CHECKS="$checks"
# tidy_one FLAGS... -- FILE: prints the file's findings; exits 1 when there are any.
tidy_one() {
	local out
	out=$(clang-tidy --quiet -checks="$LINT_CHECKS" --warnings-as-errors='*' "${@: -1}" -- \
		"${@:1:$#-1}" 2>/dev/null | grep -E 'warning|error')
	[ -z "$out" ] && return 0
	printf '%s\n' "$out"
	return 1
}
export -f tidy_one
run_tidy() { # run_tidy FLAG... -- FILE...
	local flags=()
	while [ "$1" != "--" ]; do
		flags+=("$1")
		shift
	done
	shift
	[ $# -gt 0 ] || return 0
	printf '%s\0' "$@" | xargs -0 -n 1 -P "$JOBS" bash -c 'tidy_one "$@"' _ "${flags[@]}"
}
run_tidy "${HOST_FLAGS[@]}" -- "${host[@]}" || rc=1
run_tidy "${GUEST_FLAGS[@]}" -- "${guest[@]}" || rc=1

echo "== clang-format"
fmt=()
for f in "${files[@]}"; do
	case "$f" in *.c | *.h) fmt+=("$f") ;; esac
done
[ ${#fmt[@]} -eq 0 ] || clang-format --dry-run --Werror "${fmt[@]}" || rc=1
[ $rc -eq 0 ] && echo "lint: clean"
exit $rc
