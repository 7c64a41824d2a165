#!/bin/bash
# tests/lib/dp.sh's dp_get (awk over a flattened copy of the JSON file)
# against dp_json.py, the reference it replaces in the VM tests: the same
# output and exit status for every query form the tests use (paths, list
# lengths, --flow selection, --count, --last, missing values, booleans,
# integral floats, 64-bit integers, strings with newlines), and the flat
# copy redone when the file changes.
# timeout: 120
# shellcheck source=tests/lib/testlib.sh
. "$(dirname "$0")/../lib/testlib.sh"

[[ -x /usr/bin/python3 ]] || bail "python3 installed" "/usr/bin/python3 not found"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sf-dpget.XXXXXX")
export TMPDIR=$tmp
# shellcheck source=tests/lib/dp.sh
. "$SF_REPO/tests/lib/dp.sh"

cat >"$tmp/flows.json" <<'EOF'
{"flows": [
 {"id": 3, "role": "sender", "family": "inet", "remote_addr": "198.51.100.2", "remote_port": 862,
  "tx": 200, "rx": 200, "synced": true, "peer_stateful": false, "ratio": 1.0, "jitter": 0.25,
  "rtt": {"count": 200, "p50_ns": 20123456, "min_ns": 18446744073709551615},
  "note": "two\nlines \\ and a tab-free end", "hist": [[1, 2, 3], [4, 5, 6]], "none": null},
 {"id": 9, "role": "reflector", "family": "inet6", "remote_addr": "2001:db8::2", "remote_port": 41000,
  "tx": 7, "rx": 7, "rtt": {"count": 0}},
 {"id": 12, "role": "sender", "family": "inet", "remote_addr": "198.51.100.2", "remote_port": 862,
  "tx": 5, "rx": 4, "rtt": {"count": 4, "p50_ns": 1}}
], "counters": {"reflected": 0, "bad_source": 12}, "replies": [], "probes": 3}
EOF

# same NAME ARGS...: dp_get and dp_json.py agree on stdout and status
same() {
	local name=$1 want got wrc grc
	shift
	want=$(/usr/bin/python3 "$SF_REPO/tests/lib/dp_json.py" "$tmp/flows.json" "$@" 2>/dev/null)
	wrc=$?
	got=$(dp_get "$tmp/flows.json" "$@" 2>/dev/null)
	grc=$?
	if [[ $want == "$got" && $wrc == "$grc" ]]; then
		ok "$name"
	else
		not_ok "$name" "dp_json.py: status $wrc, '$want'; dp_get: status $grc, '$got'"
	fi
}

same "a top-level value" probes
same "a nested value" counters.bad_source
same "a list's length" flows.#
same "an empty list's length" replies.#
same "an object's length" counters.#
same "a list element's field" flows.1.remote_addr
same "a missing path fails" flows.7.id
same "a missing key fails" counters.nope
same "several paths, one missing: an empty line and status 1" probes counters.nope counters.reflected
same "--count of a selection" --flow role=sender family=inet --count
same "--count of no match is 0" --flow role=sender family=inet6 --count
same "one match" --flow role=reflector rx
same "one match, nested" --flow role=reflector family=inet6 rtt.count
same "two matches without --last fail" --flow role=sender rtt.count
same "--last: the highest id" --flow role=sender --last tx
same "no match fails" --flow role=sender family=inet6 rx
same "a boolean true is 1" flows.0.synced
same "a boolean false is 0" flows.0.peer_stateful
same "a boolean in a selection" --flow synced=1 id
same "an integral float prints as an integer" flows.0.ratio
same "a fraction prints as it is" flows.0.jitter
same "a 64-bit integer exactly" flows.0.rtt.min_ns
same "a string with a newline and a backslash" flows.0.note
same "null prints None" flows.0.none
same "null in a selection" --flow none=None id
same "a list value as JSON" flows.0.hist
same "an object value as JSON" counters
same "a selected flow as JSON" --flow role=reflector
same "the whole document (python answers)" 
same "a length past a scalar fails" flows.0.tx.#

# the two agreeing is not enough (both could fail alike, or answer alike
# wrongly): the values the document above has, written out
lit() { # WANT ARGS...: dp_get ARGS prints WANT, status 0
	local want=$1 got rc
	shift
	got=$(dp_get "$tmp/flows.json" "$@" 2>&1)
	rc=$?
	assert_eq "the document's value: $* = $want (status 0)" "$want 0" "$got $rc"
}
lit 3 probes
lit 12 counters.bad_source
lit 3 flows.#
lit 0 replies.#
lit 2 counters.#
lit 2001:db8::2 flows.1.remote_addr
lit 2 --flow role=sender family=inet --count
lit 0 --flow role=sender family=inet6 --count
lit 7 --flow role=reflector rx
lit 0 --flow role=reflector family=inet6 rtt.count
lit 5 --flow role=sender --last tx
lit 1 flows.0.synced
lit 0 flows.0.peer_stateful
lit 3 --flow synced=1 id
lit 1 flows.0.ratio
lit 0.25 flows.0.jitter
lit 18446744073709551615 flows.0.rtt.min_ns
got=$(dp_get "$tmp/flows.json" flows.7.id 2>/dev/null)
assert_eq "a missing path: nothing printed, status 1" " 1" "$got $?"
assert_eq "the whole document: the file's own JSON" "$(/usr/bin/python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1])), sort_keys=True))' "$tmp/flows.json")" \
	"$(dp_get "$tmp/flows.json" | /usr/bin/python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))' 2>&1)"

# the flat copy follows the file
sleep 0.01
sed -i 's/"probes": 3/"probes": 4/' "$tmp/flows.json"
assert_eq "a rewritten file is read again" 4 "$(dp_get "$tmp/flows.json" probes)"
assert_eq "the flat copy is kept beside it" 1 "$(grep -c '^probes' "$tmp/flows.json.flat")"
dp_get "$tmp/nope.json" probes 2>"$tmp/err"
assert_eq "a missing file fails" 1 $?
assert_match "... saying so" "cannot read JSON" "$(cat "$tmp/err")"

rm -rf "$tmp"
done_testing
