#!/bin/bash
# scripts/ktap-parse (the KUnit result parser of `make kunit`) on captured
# kernel logs: case counting, parameterised cases, crashed suites, kernel
# bug reports (KASAN, kmemleak, WARN) and the start marker.  Also checks the
# debug kernel's config fragment for duplicate or malformed lines.
# timeout: 60
# shellcheck source=tests/lib/testlib.sh
. "$(dirname "$0")/../lib/testlib.sh"

[[ -x /usr/bin/python3 ]] || bail "python3 installed" "/usr/bin/python3 not found"
P=$SF_REPO/scripts/ktap-parse
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sf-ktap.XXXXXX")
# (removed at the end, not with on_exit: testlib's exit hooks also fire
# when a $(...) subshell exits, and this file uses many)

# A KUnit module load as it appears on the 6.1 console.
cat >"$tmp/pass-fail.log" <<'EOF'
[    3.100000] KTAP version 1
[    3.100001] 1..0
[   30.269074] snapfire-kunit: start
[   32.620362]     KTAP version 1
[   32.621233]     # Subtest: sfdemo
[   32.621606]     1..3
[   32.626723]     ok 1 demo_pass
[   42.030255]     # demo_fail: EXPECTATION FAILED at demo_test.c:12
[   42.030255]     Expected 3 == 1 + 1, but
[   42.030255]         1 + 1 == 2
[   42.034853]     not ok 2 demo_fail
[   42.035000]         KTAP version 1
[   42.035000]         # Subtest: demo_param
[   42.035000]         ok 1 param-0
[   42.035000]         ok 2 param-1
[   42.035000]     # demo_param: pass:2 fail:0 skip:0 total:2
[   42.035000]     ok 3 demo_param
[   42.035474] # sfdemo: pass:2 fail:1 skip:0 total:3
[   42.038726] not ok 1 sfdemo
EOF
out=$("$P" --since "snapfire-kunit: start" "$tmp/pass-fail.log")
rc=$?
assert_eq "one pass, one fail, one parameterised: summary" "2 passed, 1 failed" "$(tail -n1 <<<"$out")"
assert_eq "exit status 1 on a failure" 1 "$rc"
assert_contains "failing case is named suite.case" "not ok 2 - sfdemo.demo_fail" "$out"
assert_contains "the failure's diagnostics follow it" "Expected 3 == 1 + 1, but" "$out"

grep -v demo_fail "$tmp/pass-fail.log" |
	sed -e 's/^\(.*\)not ok 1 sfdemo/\1ok 1 sfdemo/' -e 's/ 1\.\.3$/ 1..2/' >"$tmp/pass.log"
ok "all passing: exit status 0" "$P" --since "snapfire-kunit: start" "$tmp/pass.log"

# A suite that dies half way (oops, hang or VM timeout).
head -n 7 "$tmp/pass-fail.log" >"$tmp/crash.log"
out=$("$P" "$tmp/crash.log")
assert_contains "a suite without its result line fails" "suite never finished" "$out"
assert_eq "crash: summary" "1 passed, 1 failed" "$(tail -n1 <<<"$out")"

# Kernel bug reports after the marker fail the run; before it they do not.
{
	cat "$tmp/pass.log"
	cat <<'EOF'
[   33.000000] ==================================================================
[   33.000001] BUG: KASAN: slab-out-of-bounds in oob_read+0x15a/0x180 [oob_test]
[   33.000002] Read of size 1 at addr ff110000078b61d0 by task kunit_try_catch/119
[   33.000003] ==================================================================
[   86.809759] kmemleak: 1 new suspected memory leaks (see /sys/kernel/debug/kmemleak)
unreferenced object 0xff11000007731200 (size 128):
  comm "kunit_try_catch", pid 121, jiffies 4294699952
[   90.000000] ------------[ cut here ]------------
[   90.000001] WARNING: CPU: 1 PID: 97 at net/core/dev.c:10 foo+0x1/0x2
[   90.000002] ---[ end trace 0000000000000000 ]---
EOF
} >"$tmp/bugs.log"
out=$("$P" --since "snapfire-kunit: start" "$tmp/bugs.log")
assert_contains "KASAN report is a failure" "kernel: BUG: KASAN: slab-out-of-bounds in oob_read" "$out"
assert_contains "kmemleak report is a failure" "kernel: unreferenced object 0xff11000007731200" "$out"
assert_contains "WARN is a failure" "kernel: WARNING: CPU: 1 PID: 97" "$out"
assert_eq "bugs: summary" "2 passed, 4 failed" "$(tail -n1 <<<"$out")"
{ tail -n 10 "$tmp/bugs.log"; cat "$tmp/pass.log"; } >"$tmp/bugs-before.log"
ok "reports before the marker are not counted" "$P" --since "snapfire-kunit: start" "$tmp/bugs-before.log"

out=$("$P" --since "no such marker" "$tmp/pass.log")
assert_contains "a missing marker fails" "marker 'no such marker' not found" "$out"
out=$(echo "[ 1.0] nothing here" | "$P")
assert_contains "no KTAP at all fails" "no KTAP output found" "$out"
ok "--allow-empty accepts no KTAP" sh -c "echo '[ 1.0] nothing' | '$P' --allow-empty"

# The debug kernel's config fragment: well-formed, no symbol twice.
frag=$SF_REPO/scripts/kconfig/snapfire-test.config
bad=$(grep -vE '^(#.*|CONFIG_[A-Za-z0-9_]+=.+|)$' "$frag")
assert_eq "config fragment lines are CONFIG_X=v, comments or blank" "" "$bad"
dups=$(sed -nE 's/^(CONFIG_[A-Za-z0-9_]+)=.*/\1/p; s/^# (CONFIG_[A-Za-z0-9_]+) is not set$/\1/p' "$frag" | sort | uniq -d)
assert_eq "no CONFIG symbol set twice in the fragment" "" "$dups"

rm -rf "$tmp"
done_testing
