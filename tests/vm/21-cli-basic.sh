#!/bin/bash
# The snapfire CLI against the module: status, config, reflect, probe through
# the in-kernel reflector, flows, show, export (promtool), reset, delete,
# monitor, watch, exit codes.
# timeout: 360
# debug-kernel: skip: the CLI's own behaviour; the requests it sends run here in 41, 44, 56, 58 and 60's fuzzer
# cpus: 1 (CLI requests one at a time)
# shellcheck source=tests/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"

J() { "$SF_PY" -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {"d": d}))' "$1"; }
SF_PY=/usr/bin/python3
SF_TMP=$(mktemp -d)
on_exit "rm -rf $SF_TMP"

sf_load || bail "insmod snapfire.ko failed"
topo_pair || bail "cannot build the two-host topology"
A=$TOPO_A B=$TOPO_B

ok "status" sf -n "$A" status
out=$(sf -n "$A" -j status)
assert_eq "status -j has the module's version" "$(modinfo -F version "$SF_KO")" "$(J 'd["version"]' <<<"$out")"
ncnt=$(/usr/bin/python3 -c '
import sys, yaml
s = yaml.safe_load(open(sys.argv[1]))
print(sum(1 for a in next(x for x in s["attribute-sets"] if x["name"] == "counters")["attributes"] if a["type"] != "pad"))' "$SF_REPO/include/snapfire.yaml")
assert_eq "status -j has all counters (the spec's $ncnt)" "$ncnt" "$(J 'len(d["counters"])' <<<"$out")"
assert_eq "status -j default port" "[862]" "$(J 'd["config"]["ports"]' <<<"$out")"

ok "config set several keys" sf -n "$B" config rtt-threshold 2ms loss-threshold 1.5 window 5 event-rate 50
out=$(sf -n "$B" -j config)
assert_eq "rtt-threshold 2ms stored" 2000000 "$(J 'd["rtt_threshold_ns"]' <<<"$out")"
assert_eq "loss-threshold 1.5% stored as ppm" 15000 "$(J 'd["loss_threshold_ppm"]' <<<"$out")"
must_fail "unknown config key" sf -n "$B" config bogus 1
sf -n "$B" config bogus 1 2>/dev/null; assert_eq "unknown key exits 2" 2 "$?"
err=$(sf -n "$B" config max-flows 1 2>&1); rc=$?
assert_eq "out-of-range value rejected by the kernel (exit 1)" 1 "$rc"
diag "max-flows 1: $err"

ok "reflect on stateless allow 192.0.2.0/24" sf -n "$B" reflect on stateless allow 192.0.2.0/24
assert_eq "reflect shown on" True "$(sf -n "$B" -j config | J 'd["reflect"]')"

sf -n "$A" monitor --count 1 >"$SF_TMP/mon.out" 2>"$SF_TMP/mon.err" &
mon=$!
# (a monitor not listening would miss the flow and wait below for ever)
wait_for 10 grep -q listening "$SF_TMP/mon.err" || bail "monitor not listening: $(cat "$SF_TMP/mon.err")"

out=$(sf -n "$A" -j probe "$TOPO_B_IP4" -c 10 -i 0.05 --ssid 77)
assert_eq "probe through the in-kernel reflector: 10 received" 10 "$(J 'd["received"]' <<<"$out")"
assert_gt "probe rtt p50 > 0" "$(J 'd["rtt"]["p50_ns"]' <<<"$out")" 0

mon_done() { ! kill -0 "$mon" 2>/dev/null; }
wait_for 30 mon_done || kill "$mon" 2>/dev/null
wait "$mon"; assert_eq "monitor --count 1 exits 0" 0 "$?"
diag "monitor stderr: $(cat "$SF_TMP/mon.err")"
assert_contains "monitor saw flow-new" "flow-new id=" "$(cat "$SF_TMP/mon.out")"

out=$(sf -n "$A" -j flows --role sender --ssid 77)
assert_eq "one sender flow with ssid 77" 1 "$(J 'len(d["flows"])' <<<"$out")"
id=$(J 'd["flows"][0]["id"]' <<<"$out")
assert_eq "flow rx 10" 10 "$(J 'd["flows"][0]["rx"]' <<<"$out")"
assert_eq "flow has rtt" True "$(J '"rtt" in d["flows"][0] and d["flows"][0]["rtt"]["count"] > 0' <<<"$out")"
ok "flows table" sf -n "$A" flows --sort p99 -r
row=$(sf -n "$A" flows --role sender --ssid 77 | awk -v id="$id" '$1 == id')
diag "table row: $row"
assert_match "flows table: the sender flow's row has its RTT percentiles" \
	"^$id +sender .* 77 +10 +[0-9.]+% +[0-9.]+[mun]?s +[0-9.]+[mun]?s " "$row"
# The table shows the RTT histogram only and asks the module for no other
# (at 1 M flows each histogram costs the dump and the CLI ~2 KB a flow):
# bytes the CLI received (strace) for the table against -j, which has all.
nhist=$(J 'sum(1 for v in d["flows"][0].values() if isinstance(v, dict) and "count" in v)' <<<"$out")
rxbytes() {
	strace -f -qq -e trace=recvmsg,recvfrom -o "$SF_TMP/strace" "$SF_CLI" "$@" >/dev/null 2>&1
	awk '/= [0-9]+$/ { s += $NF } END { print s + 0 }' "$SF_TMP/strace"
}
tb=$(rxbytes -n "$A" flows --role sender --ssid 77)
jb=$(rxbytes -n "$A" -j flows --role sender --ssid 77)
diag "received from the module: table $tb bytes, -j $jb bytes ($nhist histograms in -j)"
assert_ge "the sender flow has more than one histogram (else the next check shows nothing)" "$nhist" 2
assert_lt "flows table: received fewer bytes than -j flows (the RTT histogram only)" "$tb" "$jb"
# the dump filters, applied by the module (two dumps for --port: local or remote)
assert_eq "flows --port 862: the sender flow (remote port 862)" "$id" \
	"$(sf -n "$A" -j flows --port 862 | J '",".join(str(f["id"]) for f in d["flows"])')"
sport=$(J 'd["flows"][0]["local_port"]' <<<"$out")
assert_eq "flows --port <its local port>: the same flow" "$id" \
	"$(sf -n "$A" -j flows --port "$sport" | J '",".join(str(f["id"]) for f in d["flows"])')"
assert_eq "flows --port 9 (no flow has it): none" 0 "$(sf -n "$A" -j flows --port 9 | J 'len(d["flows"])')"
assert_eq "flows --peer $TOPO_B_IP4: the sender flow" "$id" \
	"$(sf -n "$A" -j flows --peer "$TOPO_B_IP4" | J '",".join(str(f["id"]) for f in d["flows"])')"
assert_eq "flows --peer 203.0.113.9: none" 0 "$(sf -n "$A" -j flows --peer 203.0.113.9 | J 'len(d["flows"])')"
assert_eq "flows --role reflector on the sender side: none" 0 \
	"$(sf -n "$A" -j flows --role reflector | J 'len(d["flows"])')"
assert_eq "reflector side: flows --port 862 --role reflector: one" 1 \
	"$(sf -n "$B" -j flows --port 862 --role reflector | J 'len(d["flows"])')"
assert_contains "flows table has the flow" "$TOPO_B_IP4:862" "$(sf -n "$A" flows)"
assert_contains "reflector side sees a reflector flow" reflector "$(sf -n "$B" flows)"

out=$(sf -n "$A" show "$id")
assert_contains "show: breakdown" "breakdown" "$out"
assert_contains "show: verdict" "verdict:" "$out"
out=$(sf -n "$A" -j show "$id")
assert_eq "show -j has rtt buckets" True "$(J 'len(d["histograms"]["rtt"]["buckets"]) > 0' <<<"$out")"
assert_eq "show -j has breakdown" True "$(J '"components" in d["breakdown"]' <<<"$out")"
sf -n "$A" show 999999 2>/dev/null; assert_eq "show unknown flow exits 5" 5 "$?"

sf -n "$A" export --prometheus >"$SF_TMP/prom.txt"
assert_eq "export exits 0" 0 "$?"
assert_contains "export has rtt histogram, the namespace its first label" \
	"snapfire_rtt_seconds_bucket{netns=\"$A\",flow_id=\"$id\"" "$(cat "$SF_TMP/prom.txt")"
assert_eq "export -n: every sample with the namespace's label" 0 \
	"$(grep -v '^#' "$SF_TMP/prom.txt" | grep -vc "^[a-z_]*{netns=\"$A\"[,}]")"
sf -n "$A" export --prometheus --info-labels >"$SF_TMP/prom-info.txt"
assert_eq "export --info-labels exits 0" 0 "$?"
assert_contains "export --info-labels: the rtt histogram by namespace and flow_id alone" \
	"snapfire_rtt_seconds_bucket{netns=\"$A\",flow_id=\"$id\",le=" "$(cat "$SF_TMP/prom-info.txt")"
assert_eq "export --info-labels -n: every sample with the namespace's label" 0 \
	"$(grep -v '^#' "$SF_TMP/prom-info.txt" | grep -vc "^[a-z_]*{netns=\"$A\"[,}]")"
assert_eq "export --info-labels: the flow's labels on its snapfire_flow_info series" 1 \
	"$(grep -c "^snapfire_flow_info{netns=\"$A\",flow_id=\"$id\",role=\"sender\",local=\"[^\"]*\",remote=\"$TOPO_B_IP4:862\",ssid=\"[0-9]*\"} 1\$" "$SF_TMP/prom-info.txt")"
if have promtool; then
	ok "promtool check metrics" promtool check metrics <"$SF_TMP/prom.txt"
	ok "promtool check metrics (--info-labels)" promtool check metrics <"$SF_TMP/prom-info.txt"
else
	skip "promtool check metrics" "promtool not installed (scripts/deps: prometheus)"
	skip "promtool check metrics (--info-labels)" "promtool not installed (scripts/deps: prometheus)"
fi
out=$(sf export --prometheus)
assert_contains "export without -n: the host namespace's counters" "snapfire_flows " "$out"
assert_eq "export without -n: no netns label" 0 "$(grep -c 'netns=' <<<"$out")"

out=$(sf -n "$A" -j watch --count 2 -i 0.2)
assert_eq "watch -j --count 2 prints 2 documents" 2 "$(wc -l <<<"$out")"
# stopped 4 s at -i 0.1, it refreshes once on resuming, not 40 times
# back to back: at most one document per 0.1 s it ran, and 2 more
ms() { echo $(($(date +%s%N) / 1000000)); }
w0=$(ms)
"$SF_CLI" -n "$A" -j watch -i 0.1 >"$SF_TMP/watch.jsonl" 2>"$SF_TMP/watch.err" &
wpid=$!
sleep 0.5
kill -STOP "$wpid"
s0=$(ms)
sleep 4
kill -CONT "$wpid"
s1=$(ms)
sleep 0.5
kill -INT "$wpid"
wait "$wpid"
assert_eq "watch: Ctrl-C ends it, exit 0" 0 "$?"
ran=$(($(ms) - w0 - (s1 - s0)))
nw=$(wc -l <"$SF_TMP/watch.jsonl")
assert_le "watch stopped 4 s at -i 0.1: no burst of missed refreshes ($nw documents in $ran ms of running)" \
	"$nw" $((ran / 100 + 2))
# ... of documents it did print while it ran (about 10 in its 1 s)
assert_ge "watch: documents while it ran, 3 or more" "$nw" 3
assert_eq "watch: every line a JSON document with its flows" "$nw" \
	"$(/usr/bin/python3 -c 'import json, sys
print(sum(1 for l in open(sys.argv[1]) if isinstance(json.loads(l).get("flows"), list)))' "$SF_TMP/watch.jsonl" 2>&1)"
assert_eq "watch: nothing on stderr" "" "$(cat "$SF_TMP/watch.err")"

out=$(sf -n "$A" delete 0 2>&1)
rc=$?
assert_eq "delete 0: a usage error (ids start at 1), not every flow: exit 2" 2 "$rc"
assert_match "delete 0: says it is not a flow id" "'0' is not a flow id" "$out"
assert_eq "... the flow is still there" 1 "$(sf -n "$A" -j flows --ssid 77 | J 'len(d["flows"])')"
ok "reset flow" sf -n "$A" reset "$id"
assert_eq "rx 0 after reset" 0 "$(sf -n "$A" -j flows --ssid 77 | J 'd["flows"][0]["rx"]')"
ok "delete flow" sf -n "$A" delete "$id"
assert_eq "flow gone" 0 "$(sf -n "$A" -j flows --ssid 77 | J 'len(d["flows"])')"
sf -n "$A" delete "$id" 2>/dev/null; assert_eq "delete unknown flow exits 5" 5 "$?"

if slow_kernel; then
	# the CLI's memory is the stock kernel run's business: the same binary
	skip "valgrind: flows" "the debug kernel run (valgrind under TCG on it takes minutes)"
else
	ok "valgrind: flows" valgrind -q --error-exitcode=99 --leak-check=full "$SF_CLI" -n "$B" -j flows
fi

out=$(unshare -U -r "$SF_CLI" reflect off 2>&1); rc=$?
assert_eq "unprivileged config-set exits 4" 4 "$rc"
diag "$out"

sf_unload
sf status 2>/dev/null; assert_eq "module unloaded: exit 3" 3 "$?"
done_testing
