#!/bin/bash
# scripts/check's background lane for the debug kernel, with a stand-in for
# make (MAKE=...) so that no kernel is built and no VM booted: the build
# runs at SF_CHECK_BUILD_NICE (default 0; below 0 only as root) and the
# summary says how long it took and its CPU-seconds; a cached kernel is
# reported as such; a build that fails is reported once per suite that
# needed it, and those suites are not run; the last line counts every suite.
# timeout: 120
# shellcheck source=tests/lib/testlib.sh
. "$(dirname "$0")/../lib/testlib.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sf-check-orch.XXXXXX")
on_exit "rm -rf '$tmp'"

# The stand-in: `make ... TARGET` (the last argument). debug-kernel prints
# the niceness it ran at and does what FAKE_BUILD says; every other target
# is a suite of one passing check that records that it ran.
cat >"$tmp/make" <<'EOF'
#!/bin/bash
for a in "$@"; do t=$a; done
case $t in
debug-kernel)
	nice >"$FAKE_RAN.nice"
	case $FAKE_BUILD in
	cached) echo "build-test-kernel: cached: /x (6.1.192-snapfire-debug)" ;;
	build) echo "build-test-kernel: building bzImage + modules_prepare with -j2"
	       # about a CPU-second of work, for the CPU figure
	       yes | head -c 400000000 | sha256sum >/dev/null
	       echo "build-test-kernel: built 6.1.192-snapfire-debug in 1s" ;;
	fail) echo "build-test-kernel: error: kernel build failed"; exit 1 ;;
	esac ;;
*)
	echo "$t${SF_DEBUG_SHARD:+ $SF_DEBUG_SHARD}" >>"$FAKE_RAN"
	echo "ok 1 - $t"
	echo "1 passed, 0 failed" ;;
esac
EOF
chmod +x "$tmp/make"

# run_check FAKE_BUILD [VAR=VALUE...] : scripts/check's kunit and test-debug
# lane only; output in $tmp/out, status in $rc
run_check() {
	local build=$1
	shift
	: >"$tmp/ran"
	rm -f "$tmp/ran.nice"
	env MAKE="$tmp/make" FAKE_BUILD="$build" FAKE_RAN="$tmp/ran" \
		CHECK_EXTRA="kunit test-debug" SF_CHECK_SUITES="kunit test-debug" \
		SF_CHECK_NO_DEPS=1 TMPDIR="$tmp" "$@" \
		"$SF_REPO/scripts/check" >"$tmp/out" 2>&1 </dev/null
	rc=$?
}

run_check build
assert_eq "built: make check passes" 0 "$rc"
assert_eq "built: the last line counts kunit and both shards" \
	"3 passed, 0 failed, 0 skipped" "$(tail -n 1 "$tmp/out")"
assert_eq "built: kunit, then the shards, each once" \
	"kunit|test-debug 1/2|test-debug 2/2" "$(sort "$tmp/ran" | paste -sd '|')"
out=$(cat "$tmp/out")
assert_eq "built: the build ran at nice 0 by default" 0 "$(cat "$tmp/ran.nice" 2>/dev/null)"
assert_match "built: the summary says so, with its CPU-seconds" \
	"# \\(the debug kernel was built in [0-9]+s at nice 0, [0-9]+ CPU-s\\)" "$out"
assert_contains "built: build-test-kernel's own lines are quoted" \
	"#   build-test-kernel: built 6.1.192-snapfire-debug in 1s" "$out"
cpu=$(sed -n 's/.* at nice -\{0,1\}[0-9]*, \([0-9]*\) CPU-s)$/\1/p' "$tmp/out")
assert_ge "built: the build's CPU time is counted (a CPU-second of hashing)" "${cpu:-0}" 1

run_check build SF_CHECK_BUILD_NICE=-5
want=-5
(($(id -u) == 0)) || want=0 # only root may raise a priority
assert_eq "SF_CHECK_BUILD_NICE=-5: the build ran at nice $want" "$want" "$(cat "$tmp/ran.nice" 2>/dev/null)"
assert_match "SF_CHECK_BUILD_NICE=-5: the summary says nice $want" \
	"built in [0-9]+s at nice $want," "$(cat "$tmp/out")"

run_check cached
assert_eq "cached: make check passes" 0 "$rc"
assert_match "cached: said so, no build line" \
	'# \(the debug kernel was cached: [0-9]+s to find it\)' "$(cat "$tmp/out")"
assert_eq "cached: kunit and both shards ran" 3 "$(wc -l <"$tmp/ran")"

run_check fail
assert_eq "failed build: make check fails" 1 "$rc"
assert_eq "failed build: one failure per suite that needed it" \
	"0 passed, 3 failed, 0 skipped" "$(tail -n 1 "$tmp/out")"
assert_eq "failed build: no suite ran" 0 "$(wc -l <"$tmp/ran")"
assert_contains "failed build: the build's error is shown" \
	"build-test-kernel: error: kernel build failed" "$(cat "$tmp/out")"

done_testing
