#!/bin/bash
# tests/lib/runner.sh — run a directory of TAP-ish test scripts.
#
#   tests/lib/runner.sh [--dir DIR] [--timeout SEC] [--guest] [PATTERN...]
#   tests/lib/runner.sh [--dir DIR] --list [PATTERN...]
#
# Runs every DIR/*.sh (default tests/vm), or those whose name contains one
# of the PATTERNs (shell globs allowed), each with `bash` from the
# repository top, stdin /dev/null and a timeout (default 180 s; a script
# may ask for another with a line `# timeout: SEC` near its top).
#
# Each script prints `ok N - name` / `not ok N - name` lines (see
# tests/lib/testlib.sh); they are renumbered into one sequence and prefixed
# with the script name.  Other output is passed on as `# ...` diagnostics.
# A script that exits non-zero without reporting a failure, or times out,
# counts as one failure, and so does a script that reports no check at
# all. A check reported `ok N - name # SKIP why` is counted as skipped,
# neither passed nor failed, and keeps its reason in the output. The last
# line is `N passed, N failed, N skipped`; the exit status is 1 if
# anything failed or nothing ran (no test script matched: a failure too).
#
# --list prints the path of each script that would run, one a line, and
# runs none (scripts/bench reads their headers to size the VM).
#
# --guest (used inside the test VM by tests/lib/guest-runner.sh): after
# each script, unload the snapfire module (a failing rmmod is a failure of
# the script: the module held a reference it should not) and delete
# leftover network namespaces, and fail the script if the kernel log it
# caused matches scripts/fault-patterns.
set -uo pipefail

REPO=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd -P)
dir=$REPO/tests/vm
deftimeout=${SF_TEST_TIMEOUT:-180}
guest=0
list=0
pats=()
while (($#)); do
	case $1 in
	--dir) dir=$2; shift 2 ;;
	--timeout) deftimeout=$2; shift 2 ;;
	--guest) guest=1; shift ;;
	--list) list=1; shift ;;
	-h | --help) sed -n '2,29s/^# \{0,1\}//p' "$0"; exit 0 ;;
	--) shift; pats+=("$@"); break ;;
	-*) echo "runner: unknown option $1" >&2; exit 2 ;;
	*) pats+=("$1"); shift ;;
	esac
done

FAULT_RE=$(grep -v -e '^#' -e '^$' "$REPO/scripts/fault-patterns" | paste -sd'|')
export SF_REPO=$REPO
# shellcheck source=tests/lib/rmmod.sh
. "$REPO/tests/lib/rmmod.sh"
. "$REPO/tests/lib/header.sh"
rm -f /run/sf-module-stuck 2>/dev/null

tests=()
for t in "$dir"/*.sh; do
	[[ -f $t ]] || continue
	b=${t##*/}
	if ((${#pats[@]})); then
		m=0
		for p in "${pats[@]}"; do
			# shellcheck disable=SC2053  # glob match intended
			[[ $b == *$p* || $b == $p ]] && m=1
		done
		((m)) || continue
	fi
	tests+=("$t")
done

if ((list)); then
	((${#tests[@]})) && printf '%s\n' "${tests[@]}"
	exit 0
fi

n=0 passed=0 failed=0 skipped=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sf-runner.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

result() { # 0|1|skip NAME [DIAG]
	n=$((n + 1))
	case $1 in
	0) passed=$((passed + 1)); echo "ok $n - $2" ;;
	skip) skipped=$((skipped + 1)); echo "ok $n - $2" ;;	# "# SKIP why" is in $2
	*) failed=$((failed + 1)); echo "not ok $n - $2"
		# shellcheck disable=SC2001
		[[ -n ${3:-} ]] && sed 's/^/# /' <<<"$3" ;;
	esac
}

# guest_cleanup NAME : unload the module (a failure is the test's), drop netns
guest_cleanup() {
	local out
	ip -all netns delete 2>/dev/null || true
	if grep -q '^snapfire ' /proc/modules 2>/dev/null; then
		out=$(mktemp)
		sf_rmmod_bounded snapfire $((60 * ${SF_TIMEOUT_SCALE:-1})) "$out" ||
			result 1 "$1: rmmod snapfire after the test" "$(cat "$out")"$'\n'"$(grep '^snapfire ' /proc/modules)"
		rm -f "$out"
	fi
}

echo "# runner: ${#tests[@]} test script(s) from ${dir#"$REPO"/} on $(uname -r)"
for t in "${tests[@]}"; do
	name=${t##*/}
	name=${name%.sh}
	to=$(test_header "$t" timeout '[0-9][0-9]*')
	to=${to:-$deftimeout}
	# SF_TIMEOUT_SCALE: a slow kernel (the debug one) gets N times as long
	to=$((to * ${SF_TIMEOUT_SCALE:-1}))
	echo "# ---- $name (timeout ${to}s)"
	if ((guest)); then
		dmesg_before=$(dmesg 2>/dev/null | wc -l)
	fi
	t0=$SECONDS tlast=$SECONDS
	tfail=0 tcount=0
	rm -f "$tmp/rc"
	# The loop ends at EOF, or once the script has exited (its status is
	# in $tmp/rc) and nothing came for 5 s: a child it left behind, stuck
	# in the kernel and unkillable, may hold the pipe open for ever.
	partial=""
	while :; do
		if IFS= read -r -t 5 line; then
			line=$partial$line partial=""
		else
			rrc=$?
			((rrc > 128)) || break	# EOF
			partial+=$line	# read -t keeps a partial line
			if [[ -e $tmp/rc ]]; then
				[[ -n $partial ]] && echo "# $partial"
				echo "# runner: $name exited; a process it left holds its output open: not waiting for it"
				break
			fi
			continue
		fi
		case $line in
		"ok "* | "not ok "*)
			if [[ $line == "not ok "* ]]; then st=1; rest=${line#not ok }; else st=0; rest=${line#ok }; fi
			[[ $rest =~ ^[0-9]+\ *(-\ *)?(.*)$ ]] && rest=${BASH_REMATCH[2]}
			tcount=$((tcount + 1))
			if ((st == 0)) && [[ $rest =~ \#\ *(SKIP|skip) ]]; then
				result skip "$name: $rest"
			else
				((st)) && tfail=$((tfail + 1))
				result "$st" "$name: $rest"
			fi
			# where a test's time goes (the debug kernel's shards are
			# balanced, and trimmed, by it): checks 10 s or more apart
			if ((SECONDS - tlast >= 10)); then
				echo "# runner: $((SECONDS - tlast))s since the previous check (at $((SECONDS - t0))s)"
			fi
			tlast=$SECONDS
			;;
		1..*) ;;
		"#"*) echo "$line" ;;
		*) echo "# $line" ;;
		esac
	done < <(
		cd "$REPO" && timeout -k 10 "$to" bash "$t" </dev/null 2>&1
		echo $? >"$tmp/rc"
	)
	rc=$(cat "$tmp/rc" 2>/dev/null || echo 255)
	if ((rc == 124 || rc == 137)); then
		result 1 "$name: timed out after ${to}s"
	elif ((rc != 0 && tfail == 0)); then
		result 1 "$name: exited with status $rc"
	elif ((tcount == 0)); then
		result 1 "$name: reported no check (a test that checks nothing cannot fail)"
	fi
	if ((guest)); then
		guest_cleanup "$name"
		newlog=$(dmesg 2>/dev/null | tail -n +$((dmesg_before + 1)))
		if faults=$(grep -E "$FAULT_RE" <<<"$newlog"); then
			# the report from its first line (the RIP, the stall's
			# counts), then the end of the log
			result 1 "$name: kernel log clean" "$faults"$'\n'"---- dmesg from the first fault (60 lines):"$'\n'"$(grep -E -m1 -B2 -A57 "$FAULT_RE" <<<"$newlog")"$'\n'"---- dmesg during the test (last 30 lines):"$'\n'"$(tail -n 30 <<<"$newlog")"
		elif ((tfail || rc)) && [[ -n $newlog ]]; then
			echo "# ---- dmesg during $name (last 30 lines):"
			tail -n 30 <<<"$newlog" | sed 's/^/#   /'
		fi
	fi
	echo "# ---- $name: $((SECONDS - t0))s"
	if ((guest)) && [[ -e /run/sf-module-stuck ]]; then
		# every later test would load into a kernel that still holds it
		result 1 "the tests after $name: not run, an unload of snapfire is stuck in the kernel"
		break
	fi
done

if ((${#tests[@]} == 0)); then
	result 1 "no test script in ${dir#"$REPO"/} matched: ${pats[*]:-(all)}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0 && n > 0))
