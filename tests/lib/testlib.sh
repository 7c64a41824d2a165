# shellcheck shell=bash
# tests/lib/testlib.sh — assertions and module helpers for snapfire tests.
#
# Source it (tests/lib/topo.sh sources it too) from a test script:
#
#   . "$(dirname "$0")/../lib/topo.sh"
#   sf_load
#   ok "family registered" genl ctrl get name snapfire
#   assert_eq "answer" 42 "$(compute)"
#   done_testing
#
# Output protocol (TAP-ish, renumbered by the runner):
#   ok N - name            a passed check
#   not ok N - name        a failed check (diagnostics follow as "# ..." lines)
#   ok N - name # SKIP why a skipped check (counted as neither)
#   1..N                   the plan, printed by done_testing
# done_testing exits 1 if any check failed.  A test script that exits
# non-zero without a `not ok` line is counted as one failure by the runner.

if [[ -n ${_SF_TESTLIB:-} ]]; then return 0; fi
_SF_TESTLIB=1

set -uo pipefail

SF_REPO=${SNAPFIRE_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
SF_KO=${SF_KO:-$SF_REPO/kmod/snapfire.ko}
SF_CLI=${SF_CLI:-$SF_REPO/cli/snapfire}
SF_MODNAME=${SF_MODNAME:-snapfire}
SF_GENL_FAMILY=${SF_GENL_FAMILY:-snapfire}
export SF_REPO SF_KO SF_CLI SF_MODNAME SF_GENL_FAMILY

_sf_n=0
_sf_failed=0
_sf_skipped=0

diag() { # MSG... : diagnostics, shown by the runner
	local l
	while IFS= read -r l; do printf '# %s\n' "$l"; done <<<"$*"
}

_sf_report() { # 0|1 NAME [DIAG]
	local res=$1 name=$2
	_sf_n=$((_sf_n + 1))
	if [[ $res == 0 ]]; then
		printf 'ok %d - %s\n' "$_sf_n" "$name"
	else
		_sf_failed=$((_sf_failed + 1))
		printf 'not ok %d - %s\n' "$_sf_n" "$name"
		[[ -n ${3:-} ]] && diag "$3"
	fi
	return "$res"
}

# ok NAME              record a passed check
# ok NAME CMD [ARG..]  run CMD; passed iff it exits 0 (its output is shown on failure)
ok() {
	local name=$1 out rc
	shift
	if (($# == 0)); then
		_sf_report 0 "$name"
		return 0
	fi
	out=$("$@" 2>&1)
	rc=$?
	if ((rc == 0)); then
		_sf_report 0 "$name"
	else
		_sf_report 1 "$name" "command failed (status $rc): $*${out:+$'\n'$out}"
	fi
}

# not_ok NAME [DIAG]   record a failed check
not_ok() {
	_sf_report 1 "$1" "${2:-}"
}

# must_fail NAME CMD [ARG..]   passed iff CMD exits non-zero
must_fail() {
	local name=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if ((rc != 0)); then
		_sf_report 0 "$name"
	else
		_sf_report 1 "$name" "command unexpectedly succeeded: $*${out:+$'\n'$out}"
	fi
}

# skip NAME REASON
skip() {
	_sf_n=$((_sf_n + 1))
	_sf_skipped=$((_sf_skipped + 1))
	printf 'ok %d - %s # SKIP %s\n' "$_sf_n" "$1" "${2:-}"
}

# assert_eq NAME EXPECTED ACTUAL
assert_eq() {
	if [[ "$2" == "$3" ]]; then _sf_report 0 "$1"; else
		_sf_report 1 "$1" "expected: '$2'"$'\n'"     got: '$3'"
	fi
}

# assert_ne NAME UNEXPECTED ACTUAL
assert_ne() {
	if [[ "$2" != "$3" ]]; then _sf_report 0 "$1"; else
		_sf_report 1 "$1" "got the unexpected value '$3'"
	fi
}

# assert_match NAME ERE STRING
assert_match() {
	if [[ "$3" =~ $2 ]]; then _sf_report 0 "$1"; else
		_sf_report 1 "$1" "'$3'"$'\n'"does not match /$2/"
	fi
}

# assert_contains NAME NEEDLE HAYSTACK
assert_contains() {
	if [[ "$3" == *"$2"* ]]; then _sf_report 0 "$1"; else
		_sf_report 1 "$1" "'$2' not found in:"$'\n'"$3"
	fi
}

_sf_num() { [[ $1 =~ ^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$ ]]; }

# assert_cmp NAME A OP B     numeric comparison, OP one of < <= > >= == !=
assert_cmp() {
	local name=$1 a=$2 op=$3 b=$4
	if ! _sf_num "$a" || ! _sf_num "$b"; then
		_sf_report 1 "$name" "not numbers: '$a' $op '$b'"
		return
	fi
	if awk -v a="$a" -v b="$b" -v op="$op" 'BEGIN {
		if (op == "<") r = a < b; else if (op == "<=") r = a <= b;
		else if (op == ">") r = a > b; else if (op == ">=") r = a >= b;
		else if (op == "==") r = a == b; else if (op == "!=") r = a != b;
		else exit 2; exit !r }'; then
		_sf_report 0 "$name"
	else
		_sf_report 1 "$name" "expected $a $op $b"
	fi
}
assert_ge() { assert_cmp "$1" "$2" ">=" "$3"; }
assert_le() { assert_cmp "$1" "$2" "<=" "$3"; }
assert_gt() { assert_cmp "$1" "$2" ">" "$3"; }
assert_lt() { assert_cmp "$1" "$2" "<" "$3"; }

# assert_within NAME EXPECTED ACTUAL PCT [ABS]
#   passed iff |ACTUAL - EXPECTED| <= max(PCT% of |EXPECTED|, ABS)
#   e.g. assert_within "rtt ~ 20ms" 20000 "$rtt_us" 10 500
assert_within() {
	local name=$1 exp=$2 act=$3 pct=$4 abs=${5:-0}
	if ! _sf_num "$exp" || ! _sf_num "$act" || ! _sf_num "$pct" || ! _sf_num "$abs"; then
		_sf_report 1 "$name" "not numbers: expected '$exp' actual '$act' pct '$pct' abs '$abs'"
		return
	fi
	local verdict
	verdict=$(awk -v e="$exp" -v a="$act" -v p="$pct" -v t="$abs" 'BEGIN {
		d = a - e; if (d < 0) d = -d; ee = e < 0 ? -e : e
		tol = ee * p / 100; if (t > tol) tol = t
		printf "%s %g %g", (d <= tol ? "ok" : "bad"), d, tol }')
	if [[ $verdict == ok* ]]; then
		_sf_report 0 "$name"
	else
		_sf_report 1 "$name" "expected $exp ± max(${pct}%, $abs); got $act (off by ${verdict#* }; tolerance ${verdict##* })"
	fi
}

# bail MSG   fail and stop this test script
bail() {
	not_ok "${1:-bail out}" "${2:-}"
	done_testing
}

# done_testing   print the plan and exit (1 if any check failed)
done_testing() {
	printf '1..%d\n' "$_sf_n"
	((_sf_failed == 0))
	exit $?
}

# wait_for TIMEOUT_S CMD [ARG..]   poll (every 0.1 s) until CMD succeeds
wait_for() {
	local t=$1 end
	shift
	end=$((SECONDS + t * ${SF_TIMEOUT_SCALE:-1}))	# longer on a slow kernel
	while ! "$@" >/dev/null 2>&1; do
		((SECONDS >= end)) && return 1
		sleep 0.1
	done
}

in_vm() { [[ -n ${SNAPFIRE_VM:-} ]]; }
# slow_kernel: true on the debug kernel (tests/run --timeout-scale > 1);
# a test may then leave out work that does not depend on the kernel
slow_kernel() { ((${SF_TIMEOUT_SCALE:-1} > 1)); }

# on_exit CMD   run the shell command CMD when the test exits (LIFO order).
# Use this rather than `trap ... EXIT`, which would replace the library's.
_SF_EXIT_HOOKS=()
on_exit() { _SF_EXIT_HOOKS+=("$1"); }
_sf_run_exit_hooks() {
	local i
	for ((i = ${#_SF_EXIT_HOOKS[@]} - 1; i >= 0; i--)); do
		eval "${_SF_EXIT_HOOKS[i]}" || true
	done
	_SF_EXIT_HOOKS=()
}
trap _sf_run_exit_hooks EXIT

# ---------------------------------------------------------------- module --

sf_loaded() { grep -q "^$SF_MODNAME " /proc/modules; }
sf_family() { genl ctrl get name "$SF_GENL_FAMILY" >/dev/null 2>&1; }

# sf_load [PARAM=VALUE...]   insmod $SF_KO (unloading a loaded one first);
# dependencies listed in the module's modinfo are modprobe'd first.
sf_load() {
	local d out
	if [[ ! -f $SF_KO ]]; then
		diag "module not built: $SF_KO"
		return 1
	fi
	sf_loaded && sf_unload
	for d in $(modinfo -F depends "$SF_KO" 2>/dev/null | tr ',' ' '); do
		modprobe -q "$d" || diag "modprobe $d failed"
	done
	if ! out=$(insmod "$SF_KO" "$@" 2>&1); then
		diag "insmod $SF_KO $*: $out"
		diag "$(dmesg 2>/dev/null | tail -n 10)"
		return 1
	fi
}

# sf_rmmod_bounded: tests/lib/rmmod.sh
# shellcheck source=tests/lib/rmmod.sh
. "$(dirname "${BASH_SOURCE[0]}")/rmmod.sh"

# sf_rmmod   rmmod snapfire, bounded (sf_rmmod_bounded, 60 s times
# SF_TIMEOUT_SCALE): rmmod's status and output, or 124 and the stuck task's
# stacks
sf_rmmod() {
	local out rc
	out=$(mktemp)
	sf_rmmod_bounded "$SF_MODNAME" $((60 * ${SF_TIMEOUT_SCALE:-1})) "$out"
	rc=$?
	cat "$out"
	rm -f "$out"
	return "$rc"
}

# sf_unload   sf_rmmod if snapfire is loaded
sf_unload() {
	local out
	sf_loaded || return 0
	if ! out=$(sf_rmmod); then
		diag "rmmod $SF_MODNAME: $out"
		return 1
	fi
}

# sf [-n NS] ARGS...   run the CLI
sf() {
	if [[ ! -x $SF_CLI ]]; then
		echo "CLI not built: $SF_CLI" >&2
		return 127
	fi
	"$SF_CLI" "$@"
}

# sf_counter [-n NS] NAME   print a counter of `snapfire -j status`: a
# counter, or a top-level key (flows, mem_bytes, global_mem_bytes), found
# in the JSON with bash alone; anything else through tests/lib/sf_counter
# (python: a process start costs seconds in a loaded debug-kernel VM, and
# the tests read counters hundreds of times)
sf_counter() {
	local pre=() name out cnt re
	if [[ ${1:-} == -n || ${1:-} == --netns ]]; then
		pre=(-n "$2")
		shift 2
	fi
	name=${1:-}
	if [[ $name =~ ^[a-z0-9_]+$ ]] && out=$("$SF_CLI" "${pre[@]}" -j status 2>/dev/null); then
		cnt=${out#*\"counters\": \{}
		cnt=${cnt%%\}*}
		re="(^|,)\"$name\": (-?[0-9]+)"
		if [[ $out == *'"counters": {'* && $cnt =~ $re ]]; then
			echo "${BASH_REMATCH[2]}"
			return 0
		fi
		re="^\{.*[{,]\"$name\": (-?[0-9]+)"
		if [[ $out =~ $re ]]; then
			echo "${BASH_REMATCH[1]}"
			return 0
		fi
	fi
	"$SF_REPO/tests/lib/sf_counter" "${pre[@]}" "$@"
}

# need CMD...   skip-worthy check: are these commands available?
have() { command -v "$1" >/dev/null 2>&1; }
