#!/usr/bin/env bash
# Static analysis of every C file in the tree, with the flags each part is built with:
#   host    src/, lib/, tests/unit/, tests/fuzz/   (the VMM and its tests: C11 + libc)
#   guest   guest/lib/, guest/testlib/, guest/tests/ (freestanding x86-64, no libc: the
#           runtime's own headers, the compiler's <stdint.h> & co., include/ for the ABIs)
# cppcheck and clang-tidy run over both, clang-format --dry-run over every .c and .h.
# Exits non-zero on any finding. LINT_JOBS (default: the CPU count) runs clang-tidy in
# parallel, and a file whose analysis input has not changed since a clean run is skipped
# (build/lint/tidy-cache); `scripts/lint.sh FILE...` lints only those files.
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
	# The configuration gcc compiles: its predefined macros for freestanding x86-64 (the
	# <stdint.h> types come from cppcheck's own std library description; reading gcc's
	# headers instead made this pass ten times slower and found nothing more).
	mkdir -p build/lint
	gcc -std=gnu11 -m64 -ffreestanding -dM -E -x c /dev/null >build/lint/guest-predef.h
	"${CPPCHECK[@]}" --include=build/lint/guest-predef.h -U__ASSEMBLER__ \
		-Iinclude -Ilib -Iguest/lib -Iguest "${guest[@]}" || rc=1
fi

echo "== clang-tidy"
# bugprone-* everywhere; the clang static analyzer (most of the time) on the VMM and the
# guest runtime and test library, not on the tests and test guests (they run under ASan,
# UBSan, TSan or as guests in every make check, and cppcheck reads them).
common='bugprone-*,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier,-bugprone-narrowing-conversions,-bugprone-assignment-in-if-condition,-bugprone-implicit-widening-of-multiplication-result'
CHECKS_CODE="-*,$common,clang-analyzer-*,-clang-analyzer-security.insecureAPI.*"
CHECKS_TESTS="-*,$common"
# A clean result is remembered under a hash of everything it depends on (clang-tidy's
# version, the checks, the flags and the preprocessed file, headers included), so an
# unchanged file is not analysed again. make clean drops the cache.
export LINT_CACHE=build/lint/tidy-cache
mkdir -p "$LINT_CACHE"
LINT_TIDY_VERSION=$(clang-tidy --version 2>/dev/null | tr -d '\n')
export LINT_TIDY_VERSION
# tidy_one CHECKS FLAG... FILE: prints the file's findings; exits 1 when there are any.
tidy_one() {
	local checks="$1" file="${*: -1}" key out
	shift
	local flags=("${@:1:$#-1}")
	key=$({
		printf '%s\n' "$LINT_TIDY_VERSION" "$checks" "${flags[@]}"
		clang -E "${flags[@]}" "$file" 2>&1
	} | sha256sum | cut -c1-40)
	[ -e "$LINT_CACHE/$key" ] && return 0
	out=$(clang-tidy --quiet -checks="$checks" --warnings-as-errors='*' "$file" -- \
		"${flags[@]}" 2>/dev/null | grep -E 'warning|error')
	if [ -z "$out" ]; then
		: >"$LINT_CACHE/$key"
		return 0
	fi
	printf '%s\n' "$out"
	return 1
}
export -f tidy_one
run_tidy() { # run_tidy CHECKS FLAG... -- FILE...
	local args=()
	while [ "$1" != "--" ]; do
		args+=("$1")
		shift
	done
	shift
	[ $# -gt 0 ] || return 0
	printf '%s\0' "$@" | xargs -0 -n 1 -P "$JOBS" bash -c 'tidy_one "$@"' _ "${args[@]}"
}
code=() tests=() gcode=() gtests=()
for f in "${host[@]}"; do
	case "$f" in tests/*) tests+=("$f") ;; *) code+=("$f") ;; esac
done
for f in "${guest[@]}"; do
	case "$f" in guest/tests/*) gtests+=("$f") ;; *) gcode+=("$f") ;; esac
done
run_tidy "$CHECKS_CODE" "${HOST_FLAGS[@]}" -- "${code[@]}" || rc=1
run_tidy "$CHECKS_TESTS" "${HOST_FLAGS[@]}" -- "${tests[@]}" || rc=1
run_tidy "$CHECKS_CODE" "${GUEST_FLAGS[@]}" -- "${gcode[@]}" || rc=1
run_tidy "$CHECKS_TESTS" "${GUEST_FLAGS[@]}" -- "${gtests[@]}" || rc=1

echo "== clang-format"
fmt=()
for f in "${files[@]}"; do
	case "$f" in *.c | *.h) fmt+=("$f") ;; esac
done
[ ${#fmt[@]} -eq 0 ] || clang-format --dry-run --Werror "${fmt[@]}" || rc=1
[ $rc -eq 0 ] && echo "lint: clean"
exit $rc
