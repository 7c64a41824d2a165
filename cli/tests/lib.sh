#!/bin/bash
# cli/tests/lib.sh — what the loopback scripts share: where things are,
# valgrind when installed, and check(). Sourced; each script prints its
# own "N passed, N failed" from $pass and $fail.
# shellcheck disable=SC2034	# the variables are the sourcing script's
here=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
top=$(cd "$here/../.." && pwd)
sf=${SNAPFIRE:-$top/cli/snapfire}
py=/usr/bin/python3
pass=0 fail=0 n=0
VG=()
# --trace-children: `snapfire diagnose` and `agent` exec snapfire-ext (cli/ext.c)
command -v valgrind >/dev/null && VG=(valgrind -q --trace-children=yes --error-exitcode=99 --leak-check=full)

skipped=0
skip() { n=$((n + 1)); skipped=$((skipped + 1)); echo "ok $n - # SKIP $1"; }
check() { # desc cmd...
	local d=$1; shift
	n=$((n + 1))
	if "$@"; then pass=$((pass + 1)); echo "ok $n - $d"
	else fail=$((fail + 1)); echo "not ok $n - $d"; fi
}

# t1_max_in FILE WINDOW_NS: the most probes sent within any WINDOW_NS, from
# the "t1 SEQ NS" lines of tests/lib/stamp_reflector.py --log-t1 (each
# probe's Sender Timestamp: when it was sent)
t1_max_in() {
	awk -v w="$2" '$1 == "t1" { t[n++] = $3 } END { m = 0; j = 0
		for (i = 0; i < n; i++) { while (t[i] - t[j] >= w) j++; if (i - j + 1 > m) m = i - j + 1 }
		print m }' "$1"
}
