#!/bin/bash
# cli/tests/nlq-tsan.sh — tests/nlq_tsan (nlq.c's tests under
# ThreadSanitizer, 20 times over), a data race a failure. ThreadSanitizer
# maps its shadow memory at fixed places: with more address randomisation
# than it knows (vm.mmap_rnd_bits above 28 with GCC 12's runtime) it stops
# with "unexpected memory mapping"; then it runs again without
# randomisation (setarch -R), and is skipped, saying why, only if that is
# refused too (a seccomp profile may refuse the personality call).
set -u
cd "$(dirname "$0")/.." || exit 2
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 ${TSAN_OPTIONS:-}"
unmapped() { grep -q "unexpected memory mapping" <<<"$1"; }

out=$(./tests/nlq_tsan 2>&1)
rc=$?
if unmapped "$out"; then
	out=$(setarch "$(uname -m)" -R ./tests/nlq_tsan 2>&1)
	rc=$?
	if unmapped "$out" || grep -q "^setarch:" <<<"$out"; then
		echo "ok - # SKIP ThreadSanitizer cannot map its shadow memory here: $(head -n 1 <<<"$out")"
		echo "0 passed, 0 failed, 1 skipped"
		exit 0
	fi
fi
printf '%s\n' "$out"
exit "$rc"
