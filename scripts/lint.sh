#!/usr/bin/env bash
# Static analysis: cppcheck and clang-tidy over the host sources, clang-format check.
# Exits non-zero on any finding.
set -u
cd "$(dirname "$0")/.."
rc=0
srcs=$(git ls-files 'src/*.c' 'lib/*.c')
inc="-Isrc -Iinclude -Ilib -D_GNU_SOURCE"
echo "== cppcheck"
cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,performance,portability \
	--inline-suppr --suppress=missingIncludeSystem $inc $srcs || rc=1
echo "== clang-tidy"
checks='-*,bugprone-*,clang-analyzer-*,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier,-bugprone-narrowing-conversions,-clang-analyzer-security.insecureAPI.*,-bugprone-assignment-in-if-condition,-bugprone-implicit-widening-of-multiplication-result'
for f in $srcs; do
	clang-tidy --quiet -checks="$checks" --warnings-as-errors='*' "$f" -- -std=gnu11 $inc \
		2>/dev/null | grep -E 'warning|error' && rc=1
done
echo "== clang-format"
clang-format --dry-run --Werror $(git ls-files '*.c' '*.h') || rc=1
[ $rc -eq 0 ] && echo "lint: clean"
exit $rc
