#!/bin/bash
# scripts/check's background lane for the debug kernel, with a stand-in for
# make (MAKE=...) so that no kernel is built and no VM booted: the build
# runs at SF_CHECK_BUILD_NICE (default 0; below 0 only as root) and the
# summary says how long it took and its CPU-seconds; a cached kernel is
# reported as such; a build that fails is reported once per suite that
# needed it, and those suites are not run; the last line counts every suite.
# Then scripts/check-debug's shards, with a stand-in tests/run: the tests
# that need two CPUs share the last shard, the rest are balanced over the
# others by their seconds lines, and each shard's VM gets the CPUs its
# tests ask for. And the stock kernel's two VMs: "# cpus: 1" tests in the
# foreground one with one CPU, the rest in vm-beside. Last, scripts/bench
# with a stand-in vm-run: the VM sized from the benchmarks' headers, the
# SF_BENCH_* knobs passed on, the report printed.
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

# the numbers it takes are checked before anything runs
run_check build SF_CHECK_BUILD_NICE=high
assert_eq "SF_CHECK_BUILD_NICE=high: refused with status 2" 2 "$rc"
assert_contains "SF_CHECK_BUILD_NICE=high: says which variable" \
	"SF_CHECK_BUILD_NICE wants a whole number, not 'high'" "$(cat "$tmp/out")"
assert_eq "SF_CHECK_BUILD_NICE=high: nothing ran" 0 "$(wc -l <"$tmp/ran")"
run_check build SF_CHECK_BUDGET=90m
assert_eq "SF_CHECK_BUDGET=90m: refused with status 2" 2 "$rc"

# ------------------------------------------------- check-debug's shards
repo=$tmp/repo
mkdir -p "$repo/scripts" "$repo/tests/vm" "$repo/tests/lib" "$tmp/kernel"
cp "$SF_REPO/scripts/check-debug" "$repo/scripts/"
cp "$SF_REPO/tests/lib/header.sh" "$repo/tests/lib/"
: >"$tmp/kernel/bzImage"
echo 6.1.192-snapfire-debug >"$tmp/kernel/kernelrelease"
printf '%s\n' '#!/bin/bash' 'echo "# args: $*"' 'echo "1 passed, 0 failed"' >"$repo/tests/run"
chmod +x "$repo/tests/run"
vmtest() { # NAME SECONDS [CPUS]
	{ echo "#!/bin/bash"; echo "# debug-kernel: seconds: $2"
	  if [[ -n ${3:-} ]]; then echo "# cpus: $3 (why)"; fi; } >"$repo/tests/vm/$1.sh"
}
vmtest a 500 1
vmtest b 300 1
vmtest c 400
vmtest d 100 2
printf '%s\n' '#!/bin/bash' '# debug-kernel: skip: timing' >"$repo/tests/vm/e.sh"
# shard I/N [VAR=VALUE...]: "TESTS-HERE|--cpus N" of that shard
shard() {
	local s=$1
	shift
	env SF_DEBUG_SHARD="$s" SNAPFIRE_TEST_KERNEL_DIR="$tmp/kernel" "$@" \
		"$repo/scripts/check-debug" >"$tmp/out" 2>&1 </dev/null
	echo "$(sed -n 's/.*tests here: \(.*\) (about.*/\1/p' "$tmp/out")|$(
		sed -n 's/^# args: //p' "$tmp/out" | grep -o -- '--cpus [0-9]*' | paste -sd ' ')"
}
assert_eq "shards: the one-CPU tests share the first shard, in one CPU" \
	"a b|--cpus 1" "$(shard 1/2)"
assert_eq "shards: the two-CPU tests (c has no line: the default) share the last, in two" \
	"c d|--cpus 2" "$(shard 2/2)"
# SF_DEBUG_CPUS=1: c (no line) now needs one, d (its line says 2) still two
assert_eq "shards: SF_DEBUG_CPUS sets the default only" \
	"a b c|--cpus 1;d|--cpus 2" "$(shard 1/2 SF_DEBUG_CPUS=1);$(shard 2/2 SF_DEBUG_CPUS=1)"
vmtest d 100 1
# nothing needs two: largest first onto the less loaded, a 500 -> 2
# (shard 1 starts 200 late), c 400 -> 1, b 300 -> 2, d 100 -> 1
assert_eq "shards: with no two-CPU test every test is balanced over both, in one CPU" \
	"c d|--cpus 1;a b|--cpus 1" "$(shard 1/2 SF_DEBUG_CPUS=1);$(shard 2/2 SF_DEBUG_CPUS=1)"
vmtest d 100 2
assert_eq "one shard: every test, in the most CPUs any asks for" \
	"a b c d|--cpus 2" "$(shard 1/1)"
shard 1/1 SF_DEBUG_CPUS=x >/dev/null
assert_contains "SF_DEBUG_CPUS must be a number" "wants a number" "$(cat "$tmp/out")"
env SNAPFIRE_TEST_KERNEL_DIR="$tmp/kernel" "$repo/scripts/check-debug" b >"$tmp/out" 2>&1 </dev/null
args=$(sed -n 's/^# args: //p' "$tmp/out")
assert_eq "named tests: vm-run's default CPUs" "" "$(grep -o -- '--cpus [0-9]*' <<<"$args")"
assert_contains "named tests: exactly those run" " b" "$args"
# ------------------------------------- scripts/check's two stock VMs
# "# cpus: 1" tests in the foreground VM with one CPU; the others (no
# line: two) and "# make-check: beside" ones in vm-beside, default CPUs
repo2=$tmp/repo2
mkdir -p "$repo2/scripts" "$repo2/tests/vm" "$repo2/tests/lib"
cp "$SF_REPO/scripts/check" "$repo2/scripts/"
cp "$SF_REPO/tests/lib/header.sh" "$repo2/tests/lib/"
printf '%s\n' '#!/bin/bash' 'echo "$*" >>"$FAKE_RUNS"' 'echo "ok 1 - vm"' 'echo "1 passed, 0 failed"' \
	>"$repo2/tests/run"
chmod +x "$repo2/tests/run"
printf '%s\n' '#!/bin/bash' '# cpus: 1 (why)' >"$repo2/tests/vm/10-up.sh"
printf '%s\n' '#!/bin/bash' '# timeout: 9' '# cpus: 1 (why)' >"$repo2/tests/vm/11-up.sh"
printf '%s\n' '#!/bin/bash' '# cpus: 2 (why)' >"$repo2/tests/vm/20-smp.sh"
printf '%s\n' '#!/bin/bash' >"$repo2/tests/vm/21-none.sh"
printf '%s\n' '#!/bin/bash' '# make-check: beside: waits' '# cpus: 1 (why)' >"$repo2/tests/vm/30-beside.sh"
: >"$tmp/runs"
env MAKE="$tmp/make" FAKE_RAN="$tmp/ran" FAKE_RUNS="$tmp/runs" CHECK_EXTRA="" \
	SF_CHECK_SUITES="build vm" SF_CHECK_NO_DEPS=1 TMPDIR="$tmp" \
	"$repo2/scripts/check" >"$tmp/out" 2>&1 </dev/null
rc=$?
assert_eq "stock VMs: make check passes" 0 "$rc"
assert_eq "stock VMs: the one-CPU tests in one VM with one CPU, the rest beside" \
	"--no-build --cpus 1 10-up 11-up|--no-build 20-smp 21-none 30-beside" \
	"$(sort "$tmp/runs" | paste -sd '|')"
# no one-CPU test: no foreground VM, and no "the build failed" either
rm "$repo2/tests/vm/10-up.sh" "$repo2/tests/vm/11-up.sh"
: >"$tmp/runs"
env MAKE="$tmp/make" FAKE_RAN="$tmp/ran" FAKE_RUNS="$tmp/runs" CHECK_EXTRA="" \
	SF_CHECK_SUITES="build vm" SF_CHECK_NO_DEPS=1 TMPDIR="$tmp" \
	"$repo2/scripts/check" >"$tmp/out" 2>&1 </dev/null
rc=$?
assert_eq "stock VMs, none with one CPU: make check passes" 0 "$rc"
assert_eq "stock VMs, none with one CPU: vm-beside only" \
	"--no-build 20-smp 21-none 30-beside" "$(paste -sd '|' "$tmp/runs")"

# ------------------------------------------------------- scripts/bench
# With stand-ins for scripts/vm-run (records its arguments, writes a
# report where --rw says, passes) and scripts/deps (all installed): the
# VM's size and timeout come from the benchmarks' headers, the SF_BENCH_*
# knobs set on the host reach the VM, and the report and the runner's
# last line are printed. A benchmark with no vm-mem line once stopped
# make bench (test_header's status 1 under set -e).
repo3=$tmp/repo3
mkdir -p "$repo3/scripts" "$repo3/tests/bench" "$repo3/tests/lib"
cp "$SF_REPO/scripts/bench" "$repo3/scripts/"
cp "$SF_REPO/tests/lib/runner.sh" "$SF_REPO/tests/lib/header.sh" "$SF_REPO/tests/lib/rmmod.sh" "$repo3/tests/lib/"
printf '%s\n' '#!/bin/bash' 'exit 0' >"$repo3/scripts/deps"
cat >"$repo3/scripts/vm-run" <<'EOF2'
#!/bin/bash
printf '%s\n' "$@" >"$FAKE_VMARGS"
while (($#)); do
	[[ $1 == --rw ]] && echo "b: 7 ns/pkt" >"$2/b.txt"
	shift
done
echo "ok 1 - b"
echo "1 passed, 0 failed"
EOF2
chmod +x "$repo3/scripts/deps" "$repo3/scripts/vm-run"
printf '%s\n' '#!/bin/bash' '# timeout: 900' >"$repo3/tests/bench/10-a.sh"
printf '%s\n' '#!/bin/bash' '# timeout: 2000' '# vm-mem: 3G' >"$repo3/tests/bench/20-b.sh"
# bench VAR=VALUE... -- ARGS...: output in $tmp/out, status in $rc, the
# stand-in vm-run's arguments one a line in $tmp/vmargs
bench() {
	local vars=()
	while [[ $1 != -- ]]; do vars+=("$1"); shift; done
	shift
	env -u SF_BENCH_ROUNDS -u SF_BENCH_MODES FAKE_VMARGS="$tmp/vmargs" "${vars[@]}" \
		"$repo3/scripts/bench" --no-build "$@" >"$tmp/out" 2>&1 </dev/null
	rc=$?
}
bench SF_BENCH_ROUNDS=3 "SF_BENCH_MODES=off udp" SF_OTHER=1 -- 10-a
assert_eq "bench, no vm-mem line: passes" 0 "$rc"
assert_eq "bench: the runner's last line is the last line" "1 passed, 0 failed" "$(tail -n 1 "$tmp/out")"
assert_contains "bench: the report's lines are printed" "b: 7 ns/pkt" "$(cat "$tmp/out")"
vmargs=$(paste -sd ' ' "$tmp/vmargs")
assert_contains "bench: no vm-mem line: no --mem; timeout 900 s + 600 s, at least 3000" \
	"--timeout 3000 --rw" "$vmargs"
assert_contains "bench: SF_BENCH_ROUNDS reaches the VM" "--env SF_BENCH_ROUNDS=3" "$vmargs"
assert_contains "bench: a value with a space reaches it whole" \
	"SF_BENCH_MODES=off udp" "$(cat "$tmp/vmargs")"
assert_match "bench: SF_BENCH_OUT is the host's results directory" \
	"--env SF_BENCH_OUT=$repo3/build/bench/[0-9-]+ " "$vmargs"
assert_eq "bench: other variables do not" "" "$(grep SF_OTHER "$tmp/vmargs")"
bench --
assert_contains "bench, both: the timeouts' sum + 600 s, the larger vm-mem" \
	"--timeout 3500 --mem 3072M" "$(paste -sd ' ' "$tmp/vmargs")"
assert_eq "bench, both: passes" 0 "$rc"
done_testing
