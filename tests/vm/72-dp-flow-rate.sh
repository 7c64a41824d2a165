#!/bin/bash
# Datapath: flow-rate, the new flows a second that packets from other
# hosts may make. hostb reflects (rate 0: every probe answered) with
# flow-rate 100; hosta sends 3000 probes, each from a distinct spoofed
# source (tests/tools/stampfuzz -F, frames built byte by byte), routed
# back to hosta so that every reply really leaves. The truth is hostb's
# own accounting of the probes that reached it:
#   - every one made a flow or was counted flows_limited, no other way;
#   - at most the burst (100) plus 100 a second of the flood's duration
#     made a flow, at least the burst did, and the rest were limited;
#   - every one was answered all the same (reflected = probes_rx);
# and afterwards, the bucket refilled, a probe session from hosta makes its
# flow and is answered. An ordinary user's probes from hosta are held to
# flow-rate too, root's are not. A namespace of a new user namespace may not
# raise flow-rate: 58.
# timeout: 300
# debug-kernel: skip: the bucket's arithmetic runs there in KUnit (snapfire_flow.sf_flow_test_flow_rate)
# cpus: 1 (one flood at a time)
# shellcheck source=tests/lib/dp.sh
. "$(dirname "$0")/../lib/dp.sh"

BIN=$SF_REPO/tests/bin
out=$(make -s -C "$SF_REPO/tests/tools" 2>&1) || bail "build tests/tools (make -C tests/tools)" "$out"
dp_need_cli
sf_load || bail "insmod snapfire.ko failed"
topo_pair || bail "cannot build the two-host topology"
S=$TOPO_A T=$TOPO_B N=3000 RATE=100
ok "hosts reach each other" topo_ping "$S" "$TOPO_B_IP4"
ok "hostb: reflector on, no rate limit, flow-rate $RATE" \
	sf -n "$T" config reflect on rate 0 flow-rate "$RATE"
ok "hostb: replies to the spoofed 10.0.0.0/8 go back to hosta" \
	ip -n "$T" route add 10.0.0.0/8 via "$TOPO_A_IP4"
sysctl -qw net.core.netdev_max_backlog=100000

# counters NS : "name value" lines of every counter of NS
counters() {
	"$SF_CLI" -n "$1" -j status | /usr/bin/python3 -c '
import json, sys
for k, v in json.load(sys.stdin)["counters"].items():
    print(k, v)'
}
d() { # NAME : its change between the snapshots $c0 and $c1
	local a b
	a=$(awk -v k="$1" '$1 == k { print $2 }' <<<"$c0")
	b=$(awk -v k="$1" '$1 == k { print $2 }' <<<"$c1")
	# a counter missing from a snapshot is no "+0" (nor an arithmetic
	# error, which would drop the check that asked): said, checks fail
	if ! _sf_num "$a" || ! _sf_num "$b"; then
		echo "unreadable($1: '$a' '$b')"
		return
	fi
	echo $((b - a))
}
plus() { if _sf_num "$1" && _sf_num "$2"; then echo $(($1 + $2)); else echo "unreadable($1 + $2)"; fi; }

mac=$(ip -n "$T" -br link show eth0 | awk '{ print $3 }')
c0=$(counters "$T")
t0=$(date +%s.%N)
ok "$N probes from distinct spoofed sources" ip netns exec "$S" "$BIN/stampfuzz" -i eth0 -M "$mac" \
	-4 "$TOPO_A_IP4,$TOPO_B_IP4,192.0.2.255" -6 "$TOPO_A_IP6,$TOPO_B_IP6" -F "$N"
sleep 1 # the last ones through hostb's backlog
c1=$(counters "$T")
secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%d", b - a + 1 }')
rx=$(d probes_rx) made=$(d flows_created) lim=$(d flows_limited)
diag "flood: ${secs} s at most; hostb: probes_rx +$rx, flows_created +$made, flows_limited +$lim, reflected +$(d reflected), reflect_errors +$(d reflect_errors)"
assert_gt "most of the flood reached hostb's reflector" "$rx" $((N / 2))
assert_eq "every probe made a flow or was counted flows_limited" "$rx" "$(plus "$made" "$lim")"
assert_ge "at least the burst ($RATE) made flows" "$made" "$RATE"
assert_le "at most the burst and $RATE a second made flows" "$made" $((RATE + RATE * secs))
assert_gt "the rest counted flows_limited" "$lim" 0
assert_eq "every probe answered all the same" "$rx" "$(d reflected)"
assert_eq "no flow refused for another reason (alloc_failures, mem_refused, flows_full)" "0 0 0" \
	"$(d alloc_failures) $(d mem_refused) $(d flows_full)"

sleep 1.5 # the bucket refills
f=$DP_TMP/after.json
ok "afterwards hosta probes hostb" dp_probe "$S" "$f" "$TOPO_B_IP4" 5 0.05
assert_eq "all 5 answered" 5 "$(dp_get "$f" received)"
dp_flows "$T" "$DP_TMP/t-flows.json"
assert_eq "and hostb recorded its session (a reflector flow from hosta)" 1 \
	"$(dp_get "$DP_TMP/t-flows.json" --count --flow role=reflector remote_addr="$TOPO_A_IP4")"

# ------------------------------------------------ an ordinary user's probes
# Any local user may send UDP to a STAMP port. Its sender flows are held
# to flow-rate as remote packets' flows are (and evict only their kind,
# charged to the untrusted half of the memory cap: KUnit,
# snapfire_evict.sf_flow_test_evict_unpriv and snapfire_flow's mem_cap);
# root's are not.
NU=1000
ok "hosta: flow-rate $RATE" sf -n "$S" config flow-rate "$RATE"
c0=$(counters "$S")
t0=$(date +%s.%N)
ok "hosta: an ordinary user (uid 65534) sends $NU probes, each a new flow" \
	ip netns exec "$S" setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN/flood" \
	-d "$TOPO_B_IP4" -b 40000 -n $((NU / 10)) -s 10
c1=$(counters "$S")
secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%d", b - a + 1 }')
tx=$(d probes_tx) made=$(d flows_created) lim=$(d flows_limited)
diag "unprivileged: ${secs} s at most; hosta: probes_tx +$tx, flows_created +$made, flows_limited +$lim"
assert_eq "unprivileged: every probe seen leaving" $NU "$tx"
assert_eq "unprivileged: every probe made a flow or was counted flows_limited" "$tx" "$(plus "$made" "$lim")"
assert_ge "unprivileged: at least the burst ($RATE) made flows" "$made" "$RATE"
assert_le "unprivileged: at most the burst and $RATE a second made flows" "$made" $((RATE + RATE * secs))
sleep 1.5 # the bucket refills: root's flood must not find it empty either
c0=$(counters "$S")
ok "hosta: root sends $NU probes, each a new flow" \
	ip netns exec "$S" "$BIN/flood" -d "$TOPO_B_IP4" -b 50000 -n $((NU / 10)) -s 10
c1=$(counters "$S")
assert_eq "root: every probe made its flow, none limited" "$NU 0" "$(d flows_created) $(d flows_limited)"
done_testing
