#!/bin/bash
# timeout: 600
# debug-kernel: seconds: 321 (its time on the debug kernel in make check with an empty cache, 2026-12-03, df1515a: the shards' order and estimate)
# cpus: 1 (one probe flow through each stack of devices)
# Datapath: attribution on real host topologies.
#   - VLAN over a veth, netem 20 ms on the lower veth: the delay lands in the
#     sender's tx stage (p50 >= 20 ms), not in its RTT (p50 < 10 ms), with
#     exactly one tx-stage sample per probe (the hand-off counted is the
#     lowest device's, not the VLAN's); the reflector's replies, through its
#     own VLAN, one tx-stage sample each; then with the tag in the frame
#     (tx-vlan-offload off), every probe and reply still has a receive
#     stamp (kmod/rx.c looks through in-frame tags);
#   - the same with the sender's address on a bridge and netem on the veth
#     port in it;
#   - the same from a container (namespace C) on a macvlan of A's veth:
#     the hand-off on A's device is C's flow's (its socket's namespace);
#   - a container on an ipvlan (l3) of A's veth, its packets through A's
#     own stack: counted foreign at A's LOCAL_OUT, left alone by A's
#     POST_ROUTING (before: counted and T1 rewritten there), and C's flow
#     has its tx stage; C's userspace reflector's replies, handed to C's
#     ipvlan device and A's eth0, have one hand-off each;
#   - a bridge with br_netfilter (bridge-nf-call-iptables=1) between sender
#     and reflector: the bridge's namespace neither counts nor restamps the
#     bridged probes: the T1 the reflector echoes is the T1 that left the
#     sender, byte for byte;
#   - DNAT in front of the reflector (nft, 203.0.113.99 -> 198.51.100.2):
#     replies come from the address the sender used, and the reflector's
#     flow has their turnaround and hand-off (found by the conntrack
#     entry's tuple: they leave de-NATed); the sender's own OUTPUT DNAT
#     (a service address): the 20 ms on its eth0 in its tx stage, not
#     its RTT;
#   - probes of 3000 bytes over a 1500-byte MTU, fragmented, each way: all
#     answered (the in-kernel reflector's replies were DF whatever the
#     probe: dropped at the MTU), and every probe and every reply has a
#     receive stamp (an rx-stage sample each on the reflector, rx-stage min
#     > 0 on the sender). Reassembly keeps the stamp of the fragment queued
#     last, and only first fragments (the ones with ports) were stamped: in
#     order, none had one. The driver hand-off of each probe's and each
#     reply's first fragment ends its tx stage: a tx-stage sample each on
#     either side (before, fragments were not looked at there: none).
# shellcheck source=tests/lib/dp.sh
. "$(dirname "$0")/../lib/dp.sh"

dp_need_cli
sf_load || bail "insmod snapfire.ko"
DELAY_NS=20000000

# stacked_case NAME NETEM_NS NETEM_DEV DST [SENDER_NS, A]: probe, then
# judge the sender's flow
stacked_case() {
	local name=$1 ns=$2 dev=$3 dst=$4 s=${5:-A} f fl n tx rtt
	f=$DP_TMP/$name.json
	fl=$DP_TMP/$name-flows.json
	ok "$name: netem 20 ms on the lower device $dev" topo_shape "$ns" "$dev" delay 20ms
	ok "$name: 20 probes" dp_probe "$s" "$f" "$dst" 20 0.1
	assert_eq "$name: all 20 answered" 20 "$(dp_get "$f" received)"
	dp_flows "$s" "$fl"
	n=$(dp_get "$fl" --flow role=sender --last tx_stage.count)
	tx=$(dp_get "$fl" --flow role=sender --last tx_stage.p50_ns)
	rtt=$(dp_get "$fl" --flow role=sender --last rtt.p50_ns)
	diag "$name: tx_stage n=$n p50=$tx ns, rtt p50=$rtt ns"
	assert_eq "$name: one tx-stage sample per probe" 20 "$n"
	assert_ge "$name: the lower device's 20 ms in the tx stage" "$tx" "$((DELAY_NS - DELAY_NS / 50))"
	# (in the RTT it would add its 20 ms to the path's own: under 15 ms
	# leaves a slow kernel 15 ms of its own and still tells the two apart)
	assert_lt "$name: and not in the RTT (p50 under 3/4 of it)" "$rtt" "$((DELAY_NS * 3 / 4))"
	dp_flows B "$DP_TMP/$name-refl.json"
	assert_eq "$name: the reflector: one tx-stage sample per reply" 20 \
		"$(dp_get "$DP_TMP/$name-refl.json" --flow role=reflector --last tx_stage.count)"
	topo_unshape "$ns" "$dev"
}

# ------------------------------------------------------------ VLAN
topo_host A && topo_host B && topo_link A eth0 B eth0 || bail "hosts A, B"
for h in A B; do
	ip -n "$h" link add link eth0 name eth0.100 type vlan id 100 &&
		ip -n "$h" link set eth0.100 up || bail "VLAN on $h (CONFIG_VLAN_8021Q)"
done
topo_addr A eth0.100 203.0.113.1/24 && topo_addr B eth0.100 203.0.113.2/24 || bail "VLAN addresses"
topo_ping A 203.0.113.2 2 || bail "A reaches B over the VLAN"
ok "B: reflector on" dp_reflect B on
stacked_case vlan A eth0 203.0.113.2
# the tag in the frame: with tx-vlan-offload off on the lower veths, the
# VLAN device writes it into the packet, and each end receives an 802.1Q
# frame (skb->protocol 0x8100) that the receive stamp must look through
for h in A B; do
	ok "$h: eth0 tx-vlan-offload off (the tag in the frame)" \
		ip netns exec "$h" ethtool -K eth0 txvlan off
done
# the probes from a plain socket (dp_stamp.py): `snapfire probe` asks for
# its replies' receive times (SO_TIMESTAMPING), which turns the stack's own
# receive stamps on for every packet on the host while it runs, and the
# module's would then not be what is tested
sleep 1	# the earlier probes' sockets gone, the stack's stamps off again
ok "vlan in-band: 20 probes (dp_stamp.py)" dp_stamp A "$DP_TMP/inband.json" --dst 203.0.113.2 \
	--count 20 --interval 0.05 --wait 1
assert_eq "vlan in-band: all 20 answered" 20 \
	"$("$DP_PY" -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["replies"]))' "$DP_TMP/inband.json")"
dp_flows A "$DP_TMP/inband-flows.json"
dp_flows B "$DP_TMP/inband-refl.json"
sel=(--flow role=sender --last)
diag "vlan in-band: sender rx_stage $(dp_get "$DP_TMP/inband-flows.json" "${sel[@]}" rx_stage.count) samples, min $(dp_get "$DP_TMP/inband-flows.json" "${sel[@]}" rx_stage.min_ns) ns"
# no receive stamp: the reflector takes no rx-stage sample, the sender's is 0
assert_eq "vlan in-band: the reflector: a receive stamp on every probe (rx-stage samples)" 20 \
	"$(dp_get "$DP_TMP/inband-refl.json" --flow role=reflector --last rx_stage.count)"
assert_gt "vlan in-band: the sender: a receive stamp on every reply (rx-stage min > 0)" \
	"$(dp_get "$DP_TMP/inband-flows.json" "${sel[@]}" rx_stage.min_ns)" 0
topo_cleanup

# ------------------------------------------------- veth in a bridge
topo_host A && topo_host B && topo_link A eth0 B eth0 || bail "hosts A, B"
ip -n A link add br0 type bridge && ip -n A link set eth0 master br0 &&
	ip -n A link set br0 up || bail "bridge br0 on A"
topo_addr A br0 192.0.2.1/24 && topo_addr B eth0 192.0.2.2/24 || bail "addresses"
wait_for 10 topo_ping A 192.0.2.2 1 || bail "A reaches B through its bridge"
ok "B: reflector on" dp_reflect B on
stacked_case bridge A eth0 192.0.2.2
topo_cleanup

# --------------------------------------- a container on a macvlan
# C's macvlan of A's eth0: C's packets reach the lower device's hand-off
# in A's namespace, still with C's socket. The hand-off is C's flow's
# (its socket's namespace): the 20 ms on A's eth0 in C's tx stage, not in
# its RTT; before, A's namespace looked, had no such flow, and C's probes
# had no tx stage (each reply unmatched, the qdisc's time in the RTT).
topo_host A && topo_host B && topo_host C && topo_link A eth0 B eth0 || bail "hosts A, B, C"
ip -n A link add link eth0 name mv0 type macvlan mode bridge && ip -n A link set mv0 netns C &&
	ip -n C link set mv0 up || bail "a macvlan of A's eth0 in C (CONFIG_MACVLAN)"
topo_addr C mv0 192.0.2.5/24 && topo_addr B eth0 192.0.2.2/24 || bail "addresses"
wait_for 10 topo_ping C 192.0.2.2 1 || bail "C reaches B over the macvlan"
ok "B: reflector on" dp_reflect B on
stacked_case macvlan A eth0 192.0.2.2 C
dp_flows A "$DP_TMP/macvlan-a.json"
assert_eq "macvlan: A's namespace has no flow of C's probes" 0 "$(dp_get "$DP_TMP/macvlan-a.json" flows.#)"
topo_cleanup

# ------------------------------------------- a container on an ipvlan (l3)
# C's ipvlan (l3) of A's eth0: C's packets go through A's namespace's own
# ip_local_out() (LOCAL_OUT, POST_ROUTING), scrubbed but still with C's
# socket. Not A's probes: counted foreign at A's LOCAL_OUT, and A's
# POST_ROUTING leaves them alone (it took them for its own: counted them,
# rewrote their T1 after C's). C's flow has its tx stage, which ends at
# its ipvlan device's hand-off (not a stacked device to kmod/xmit.c:
# A's qdisc would count as network).
if ! modprobe ipvlan 2>/dev/null && [[ ! -d /sys/module/ipvlan ]]; then
	skip "ipvlan: a container's probes through the host's stack" "no ipvlan in this kernel"
else
	topo_host A && topo_host B && topo_host C && topo_link A eth0 B eth0 || bail "hosts A, B, C"
	ip -n A link add link eth0 name ipv0 type ipvlan mode l3 && ip -n A link set ipv0 netns C &&
		ip -n C link set ipv0 up || bail "an ipvlan (l3) of A's eth0 in C"
	topo_addr C ipv0 192.0.2.6/24 && topo_addr B eth0 192.0.2.2/24 || bail "addresses"
	# l3 mode: no ARP through the ipvlan; A routes C's packets, B answers
	# the MAC they share with A's eth0
	amac=$(ip -n A -br link show eth0 | awk '{ print $3 }')
	bmac=$(ip -n B -br link show eth0 | awk '{ print $3 }')
	ip -n A route add 192.0.2.0/24 dev eth0 && ip -n A neigh add 192.0.2.2 lladdr "$bmac" dev eth0 &&
		ip -n B neigh add 192.0.2.6 lladdr "$amac" dev eth0 || bail "ipvlan: routes and neighbours"
	wait_for 10 topo_ping C 192.0.2.2 1 || bail "C reaches B over the ipvlan"
	ok "ipvlan: B: reflector on" dp_reflect B on
	po0=$(sf_counter -n A post_routing) fp0=$(sf_counter -n A foreign_probes)
	f=$DP_TMP/ipvlan.json
	ok "ipvlan: C: 20 probes" dp_probe C "$f" 192.0.2.2 20 0.05
	assert_eq "ipvlan: all 20 answered" 20 "$(dp_get "$f" received)"
	assert_eq "ipvlan: A's LOCAL_OUT: C's 20 probes foreign" 20 "$(($(sf_counter -n A foreign_probes) - fp0))"
	assert_eq "ipvlan: A's POST_ROUTING left them alone (post_routing +0)" 0 "$(($(sf_counter -n A post_routing) - po0))"
	dp_flows C "$DP_TMP/ipvlan-c.json"
	assert_eq "ipvlan: C's flow has a tx-stage sample per probe" 20 \
		"$(dp_get "$DP_TMP/ipvlan-c.json" --flow role=sender --last tx_stage.count)"
	# C as a reflector, a userspace one: each reply, with its socket,
	# is handed to C's ipvlan device, then to A's eth0, both in C's
	# namespace now: one hand-off a reply (its sequence number and T3)
	ip netns exec C /usr/bin/python3 "$SF_REPO/tests/lib/stamp_reflector.py" -p 862 \
		>"$DP_TMP/ipvlan-refl.out" 2>&1 &
	rp=$!
	on_exit "kill $rp 2>/dev/null"
	wait_for 30 grep -q ready "$DP_TMP/ipvlan-refl.out" ||
		diag "stamp_reflector.py in C: $(cat "$DP_TMP/ipvlan-refl.out")"
	x0=$(sf_counter -n C xmit)
	f=$DP_TMP/ipvlan-b.json
	ok "ipvlan: B: 20 probes to C's userspace reflector" dp_probe B "$f" 192.0.2.6 20 0.05
	assert_eq "ipvlan: all 20 answered" 20 "$(dp_get "$f" received)"
	dp_flows C "$DP_TMP/ipvlan-c2.json"
	assert_eq "ipvlan: C's reflector flow: one tx-stage sample per reply" 20 \
		"$(dp_get "$DP_TMP/ipvlan-c2.json" --flow role=reflector --last tx_stage.count)"
	assert_eq "ipvlan: C's xmit counter +1 per reply" 20 "$(($(sf_counter -n C xmit) - x0))"
	kill "$rp" 2>/dev/null
	wait "$rp" 2>/dev/null
	topo_cleanup
fi

# ------------------------------------------ bridged, with br_netfilter
if ! modprobe br_netfilter 2>/dev/null && [[ ! -d /proc/sys/net/bridge ]]; then
	skip "br_netfilter: bridged probes untouched" "no br_netfilter in this kernel"
else
	topo_host S && topo_host BR && topo_host R || bail "hosts"
	topo_link S eth0 BR p0 && topo_link BR p1 R eth0 || bail "links"
	ip -n BR link add br0 type bridge && ip -n BR link set p0 master br0 &&
		ip -n BR link set p1 master br0 && ip -n BR link set br0 up || bail "bridge in BR"
	ok "BR: bridge-nf-call-iptables=1" ip netns exec BR sysctl -qw net.bridge.bridge-nf-call-iptables=1
	topo_addr S eth0 192.0.2.10/24 && topo_addr R eth0 192.0.2.20/24 || bail "addresses"
	wait_for 10 topo_ping S 192.0.2.20 1 || bail "S reaches R through the bridge"
	ok "R: reflector on" dp_reflect R on
	po0=$(sf_counter -n BR post_routing)
	f=$DP_TMP/brnf.json
	ok "10 probes S -> R through the bridge" dp_stamp S "$f" --dst 192.0.2.20 --count 10 --interval 0.05 --capture eth0
	assert_eq "br_netfilter: all 10 answered" 10 "$(dp_get "$f" replies.#)"
	assert_eq "br_netfilter: the bridge's namespace saw no probe at POST_ROUTING" 0 \
		"$(($(sf_counter -n BR post_routing) - po0))"
	same=$(/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
left = {p[0:8]: p[8:24] for p in d["wire"]["probes"]}
echo = {"%08x" % r["sender_seq"]: r["sender_ts_hex"] for r in d["replies"]}
print(sum(1 for s, t in echo.items() if left.get(s) == t), len(echo), len(left))' "$f")
	read -r eq ne nl <<<"$same"
	diag "br_netfilter: $eq of $ne echoed T1 equal to the T1 that left S ($nl probes captured)"
	# the 10 sent: 10 captured leaving S, 10 echoed, each with that T1
	assert_eq "br_netfilter: every echoed T1 is the one that left the sender (equal, echoed, captured)" \
		"10 10 10" "$eq $ne $nl"
	topo_cleanup
fi

# --------------------------------------------------- DNAT to the reflector
if ! have nft; then
	skip "DNAT: replies from the address the sender used" "nft not installed (scripts/deps)"
else
	dp_setup_line3
	ok "router: 203.0.113.99 via the reflector" topo_route "$ROUTER" 203.0.113.99/32 "$REFL_IP4"
	ok "reflector: nft DNAT 203.0.113.99 -> $REFL_IP4" ip netns exec "$REFLECTOR" nft -f - <<EOF
table ip sfnat {
	chain pre {
		type nat hook prerouting priority dstnat;
		ip daddr 203.0.113.99 udp dport 862 dnat to $REFL_IP4
	}
}
EOF
	ok "reflector on" dp_reflect "$REFLECTOR" on
	f=$DP_TMP/dnat.json
	ok "5 probes to 203.0.113.99" dp_stamp "$SENDER" "$f" --dst 203.0.113.99 --count 5 --interval 0.05
	assert_eq "DNAT: all 5 answered" 5 "$(dp_get "$f" replies.#)"
	assert_eq "DNAT: from the address the sender used" "203.0.113.99 203.0.113.99" \
		"$(dp_get "$f" replies.0.from) $(dp_get "$f" replies.4.from)"
	assert_eq "DNAT: from port 862" 862 "$(dp_get "$f" replies.0.sport)"
	# the reflector's flow (keyed at LOCAL_IN, after the DNAT) has its
	# replies' turnaround and hand-off, which leave de-NATed: looked up by
	# the conntrack entry's reply tuple (before: by their headers, no match)
	dp_flows "$REFLECTOR" "$DP_TMP/dnat-refl.json"
	assert_eq "DNAT: the reflector's flow: a turnaround and a tx-stage sample per reply" "5 5" \
		"$(dp_get "$DP_TMP/dnat-refl.json" --flow role=reflector --last turnaround.count tx_stage.count | xargs)"

	# the sender's own OUTPUT DNAT (a service address, a ClusterIP): its
	# flow is keyed at LOCAL_OUT, before the DNAT; the hand-off, after it,
	# finds it by the conntrack entry's original tuple, and the 20 ms of
	# netem on its eth0 are its tx stage, not the RTT
	ok "sender: nft OUTPUT DNAT 203.0.113.98 -> $REFL_IP4" ip netns exec "$SENDER" nft -f - <<EOF
table ip sfnat {
	chain out {
		type nat hook output priority -100;
		ip daddr 203.0.113.98 udp dport 862 dnat to $REFL_IP4
	}
}
EOF
	ok "sender: netem 20 ms on its eth0" topo_shape "$SENDER" eth0 delay 20ms
	f=$DP_TMP/dnat-out.json
	ok "OUTPUT DNAT: 20 probes to 203.0.113.98" dp_probe "$SENDER" "$f" 203.0.113.98 20 0.1
	assert_eq "OUTPUT DNAT: all 20 answered" 20 "$(dp_get "$f" received)"
	dp_flows "$SENDER" "$DP_TMP/dnat-out-flows.json"
	sel=(--flow role=sender remote_addr=203.0.113.98 --last)
	mapfile -t v < <(dp_get "$DP_TMP/dnat-out-flows.json" "${sel[@]}" tx_stage.count tx_stage.p50_ns rtt.p50_ns)
	diag "OUTPUT DNAT: tx_stage n=${v[0]:-} p50=${v[1]:-} ns, rtt p50=${v[2]:-} ns"
	assert_eq "OUTPUT DNAT: one tx-stage sample per probe" 20 "${v[0]:-}"
	assert_ge "OUTPUT DNAT: the 20 ms of the sender's eth0 in the tx stage" "${v[1]:-0}" "$((DELAY_NS - DELAY_NS / 50))"
	assert_lt "OUTPUT DNAT: and not in the RTT (p50 under 3/4 of it)" "${v[2]:-999999999}" "$((DELAY_NS * 3 / 4))"
	topo_unshape "$SENDER" eth0
fi
topo_cleanup

# ------------------------------------------------- fragmented probes
dp_setup_line3
ok "fragments: reflector on" dp_reflect "$REFLECTOR" on
f=$DP_TMP/frag.json
# 44 + a 4 + 2952-byte padding TLV: 3000 bytes of UDP payload, 3 fragments
# at MTU 1500 (the default here), replies as long; a plain socket, as above
ok "fragments: 10 probes of 3000 bytes (dp_stamp.py)" dp_stamp "$SENDER" "$f" --dst "$REFL_IP4" \
	--tlv 1:2952 --count 10 --interval 0.05 --wait 1
assert_eq "fragments: all 10 answered, 3000 bytes each" "10 3000" \
	"$(dp_get "$f" replies.#) $(dp_get "$f" replies.9.len)"
dp_flows "$SENDER" "$DP_TMP/frag-s.json"
dp_flows "$REFLECTOR" "$DP_TMP/frag-r.json"
assert_eq "fragments: the reflector: a receive stamp on every probe (rx-stage samples)" 10 \
	"$(dp_get "$DP_TMP/frag-r.json" --flow role=reflector --last rx_stage.count)"
assert_gt "fragments: the sender: a receive stamp on every reply (rx-stage min > 0)" \
	"$(dp_get "$DP_TMP/frag-s.json" --flow role=sender --last rx_stage.min_ns)" 0
assert_eq "fragments: the reflector: a tx-stage sample on every reply (its first fragment's hand-off)" 10 \
	"$(dp_get "$DP_TMP/frag-r.json" --flow role=reflector --last tx_stage.count)"
assert_eq "fragments: the sender: a tx-stage sample on every probe (its first fragment's hand-off)" 10 \
	"$(dp_get "$DP_TMP/frag-s.json" --flow role=sender --last tx_stage.count)"
# (before, the hand-off missed them, and each reply was unmatched: timed
# from the T1 it echoes)
assert_eq "fragments: the sender: every reply matched to its probe's hand-off (unmatched 0)" 0 \
	"$(sf_counter -n "$SENDER" unmatched)"
done_testing
