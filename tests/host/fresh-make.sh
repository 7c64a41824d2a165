#!/bin/bash
# The README's first command on a fresh machine: `make check` (and `make
# demo`, which takes the same path) must install the dependencies and then
# build, in one run. Reproduced without a fresh machine: scripts/kver finds
# no kernel until a gate file exists (SF_TEST_KVER_GATE), and scripts/deps
# only creates that file (SF_TEST_DEPS_STUB), as a real install would make
# the kernel appear. Runs on a copy of the tracked tree.
#   - with the gate closed, `make all` fails asking for `make deps` (the
#     simulation holds);
#   - `make check` with only its deps and build suites, gate closed at the
#     start: deps "installs", the build then finds the kernel, 2 passed.
#     (Before the fix, the top-level Makefile exported KVER/KDIR, expanded
#     empty before deps ran, and the child make failed: 1 passed, 1 failed.)
#   - `make demo` likewise, stopped before its VM (SF_DEMO_BUILD_ONLY).
# timeout: 300
# shellcheck source=tests/lib/testlib.sh
. "$(dirname "$0")/../lib/testlib.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sf-fresh.XXXXXX")
# (removed at the end, not with on_exit, like tests/host/ktap-parse.sh)
copy=$tmp/repo
mkdir -p "$copy"
(cd "$SF_REPO" && git ls-files -z | xargs -0 cp --parents -t "$copy") ||
	bail "copy the tracked tree" "git ls-files in $SF_REPO"
gate=$tmp/kernel-installed
export SF_TEST_KVER_GATE=$gate
# a first run has none of the knobs an outer `make check` may carry (with
# SF_CHECK_NO_DEPS the inner check would skip the very deps step tested)
unset SF_CHECK_NO_DEPS SF_CHECK_SUITES CHECK_EXTRA

out=$(make -C "$copy" --no-print-directory kmod 2>&1)
rc=$?
assert_ne "gate closed: make kmod fails" 0 "$rc"
assert_match "gate closed: it asks for make deps" "run 'make deps'" "$out"

out=$(SF_TEST_DEPS_STUB=$gate SF_CHECK_SUITES="deps build" make -C "$copy" --no-print-directory check 2>&1)
rc=$?
ok "make check, first run: exit 0" test "$rc" = 0 || diag "$(tail -n 30 <<<"$out")"
assert_eq "make check, first run: deps and build both pass" "2 passed, 0 failed, 0 skipped" "$(tail -n 1 <<<"$out")"
ok "the module was built" test -f "$copy/kmod/snapfire.ko"

# make demo: deps, then `make all`, then the VM (left out here)
rm -f "$gate" "$copy/kmod/snapfire.ko"
out=$(make -C "$copy" --no-print-directory kver 2>&1)
assert_match "gate closed again: no kernel" "KVER= " "$out"
out=$(SF_TEST_DEPS_STUB=$gate SF_DEMO_BUILD_ONLY=1 make -C "$copy" --no-print-directory demo 2>&1)
ok "make demo, first run: deps then the build, exit 0" test $? = 0 || diag "$(tail -n 20 <<<"$out")"
ok "the module was built" test -f "$copy/kmod/snapfire.ko"
rm -rf "$tmp"
done_testing
