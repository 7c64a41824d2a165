#!/bin/bash
# timeout: 300
# debug-kernel: skip: needs NFQUEUE, which the debug kernel does not build; the receive path runs here in 58 and 60
# cpus: 1 (one probe flow at a time, timed against captures)
# Datapath: attribution of the sender's own ingress stage. The replies are
# held inside the sender's stack, between the driver receive (T4, the NAPI
# timestamp) and LOCAL_IN, by an NFQUEUE at PRE_ROUTING whose holder
# (tests/tools/nfqhold) releases each one 15 ms after it reached userspace.
# The truth is the holder's own record, per reply, of release time minus
# the kernel's receive timestamp (NFQA_TIMESTAMP): a lower bound of the
# ingress stage, which ends at LOCAL_IN a little after the release. So:
#   - rx_stage p50 >= that truth's p50, and <= the p50 of the holder's
#     other record, the return of each verdict call - the receive timestamp
#     (the verdict re-injects the packet up to LOCAL_IN before it returns:
#     an upper bound, whatever the load on the host), plus the histogram's
#     error (1/64 at precision 6);
#   - rtt does not take the hold: it agrees with the wire (captures on both
#     ends), ~ the router's 5 ms;
#   - the verdict blames this host, largest part the ingress stage.
# Then UDP to a port that is not a STAMP port comes without a receive
# timestamp (kmod/rx.c stamps STAMP ports only), and with one while some
# namespace, here another one, names the port (`config set ports`).
# The debug kernel is built without NFQUEUE (CONFIG_NETFILTER_NETLINK_QUEUE):
# there it is skipped, as accuracy is the stock kernel's to show.
# shellcheck source=tests/lib/dp.sh
. "$(dirname "$0")/../lib/dp.sh"

dp_need_cli
out=$(make -s -C "$SF_REPO/tests/tools" 2>&1) || bail "build tests/tools (make -C tests/tools)" "$out"
if ! modprobe -q nfnetlink_queue 2>/dev/null || ! modprobe -q nft_queue 2>/dev/null; then
	skip "rx stage against an NFQUEUE hold" "this kernel has no NFQUEUE (nfnetlink_queue, nft_queue)"
	done_testing
	exit 0
fi
dp_setup_line3
ok "reflector on" dp_reflect "$REFLECTOR" on
ok "router: 5 ms forward" topo_shape "$ROUTER" eth1 delay 5ms
N=100 HOLD_US=15000 Q=7

# hold_queue NS MATCH : an nft table in NS that sends MATCH's packets to
# NFQUEUE $Q at PRE_ROUTING (nft delete table inet sfhold removes it)
hold_queue() {
	ip netns exec "$1" nft -f - <<-EOF
		table inet sfhold {
			chain pre {
				type filter hook prerouting priority -150;
				$2 queue num $Q
			}
		}
	EOF
}

# hold_start NS DIR HOLD_US COUNT SECONDS : nfqhold on queue $Q in NS, in
# the background ($hold), writing DIR/hold.json; returns once it is bound
# (DIR/hold.err says "ready") or after 10 s
hold_start() {
	ip netns exec "$1" "$SF_REPO/tests/bin/nfqhold" -q $Q -d "$3" -n "$4" -t "$5" \
		-o "$2/hold.json" 2>"$2/hold.err" &
	hold=$!
	for ((i = 0; i < 100; i++)); do grep -q ready "$2/hold.err" 2>/dev/null && break; sleep 0.1; done
}

for fam in inet inet6; do
	if [[ $fam == inet ]]; then dst=$REFL_IP4; else dst=$REFL_IP6; fi
	sel=(--flow role=sender "family=$fam" remote_addr="$dst" --last)
	d=$DP_TMP/$fam
	mkdir -p "$d"
	ok "$fam: sender: replies (udp sport 862) to NFQUEUE $Q at PRE_ROUTING" \
		hold_queue "$SENDER" "udp sport 862"
	hold_start "$SENDER" "$d" $HOLD_US $N 20
	ok "$fam: holder bound to queue $Q" grep -q ready "$d/hold.err"
	dp_cap_start "$SENDER" eth0 "$d/s.pcap"
	dp_cap_start "$REFLECTOR" eth0 "$d/r.pcap"
	dp_cap_start "$ROUTER" eth0 "$d/h.pcap"
	ok "$fam: probe $N at 50 ms, replies held $((HOLD_US / 1000)) ms" \
		dp_probe "$SENDER" "$d/probe.json" "$dst" $N 0.05
	dp_cap_stop
	ok "$fam: holder finished" wait "$hold"
	ip netns exec "$SENDER" nft delete table inet sfhold
	diag "$fam holder: $(cat "$d/hold.json" 2>/dev/null) $(grep -v ready "$d/hold.err")"
	dp_flows "$SENDER" "$d/f.json"
	dp_wire "$d/wire.json" "$d/s.pcap" --refl "$d/r.pcap" --hop "$d/h.pcap"
	truth=$(dp_get "$d/hold.json" rx_to_release_p50_ns)
	rx=$(dp_get "$d/f.json" "${sel[@]}" rx_stage.p50_ns)
	rtt=$(dp_get "$d/f.json" "${sel[@]}" rtt.p50_ns)
	diag "$fam: rx_stage p50 $rx, truth (release - rx timestamp) p50 $truth, rtt p50 $rtt"
	assert_eq "$fam: the holder held every reply" $N "$(dp_get "$d/hold.json" packets)"
	assert_eq "$fam: every held reply had a receive timestamp" 0 "$(dp_get "$d/hold.json" no_timestamp)"
	assert_ge "$fam: the truth is at least the hold" "$truth" $((HOLD_US * 1000))
	assert_ge "$fam: an rx_stage sample per reply" "$(dp_get "$d/f.json" "${sel[@]}" rx_stage.count)" $N
	assert_ge "$fam: rx_stage p50 >= the holder's release - rx timestamp p50" "$rx" "$truth"
	upper=$(dp_get "$d/hold.json" rx_to_verdict_done_p50_ns)
	diag "$fam: upper bound (verdict call returned - rx timestamp) p50 $upper: re-injection $(((upper - truth) / 1000)) us"
	assert_le "$fam: rx_stage p50 <= the verdict's return - rx timestamp p50, + 1/64 (re-injection to LOCAL_IN)" \
		"$rx" $((upper + upper / 64))
	dp_hop_ok "$fam: the router's capture" "$d/wire.json" $N
	dp_near_wire "$fam: rtt p50 agrees with the wire rtt, the hold not in it (1 % + $((DP_WIRE_ABS_NS / 1000)) us)" \
		"$d/wire.json" rtt_2cap_p50_ns "$rtt" $N
	id=$(dp_get "$d/f.json" "${sel[@]}" id)
	sf -n "$SENDER" -j show "$id" >"$d/show.json"
	assert_eq "$fam: verdict: this host" local "$(dp_get "$d/show.json" breakdown.dominant)"
	assert_eq "$fam: verdict: largest part the ingress stage" rx_stage \
		"$(dp_get "$d/show.json" breakdown.dominant_metric)"
done

# The receive stamp is taken for STAMP-port UDP only (kmod/rx.c): other
# packets get no clock read, so NFQUEUE finds no timestamp on them (with
# nothing else on the VM asking for receive timestamps), until a
# namespace's `config set ports` names their port.
stamped() { # DIR NAME EXPECT_NO_TIMESTAMP : 20 datagrams to the reflector's 7000
	local d=$DP_TMP/$1
	shift
	mkdir -p "$d"
	hold_queue "$REFLECTOR" "udp dport 7000"
	hold_start "$REFLECTOR" "$d" 0 20 10
	ip netns exec "$SENDER" bash -c "for i in {1..20}; do echo x >/dev/udp/$REFL_IP4/7000; sleep 0.01; done"
	wait "$hold"
	ip netns exec "$REFLECTOR" nft delete table inet sfhold
	diag "$1 holder: $(cat "$d/hold.json" 2>/dev/null) $(grep -v ready "$d/hold.err")"
	assert_eq "$1: the holder saw the 20 datagrams" 20 "$(dp_get "$d/hold.json" packets)"
	assert_eq "$1: ... of which without a receive timestamp" "$2" "$(dp_get "$d/hold.json" no_timestamp)"
}
stamped other "other UDP (port 7000)" 20
ok "sender: ports 862,7000" dp_cfg "$SENDER" ports 862,7000
stamped named "port 7000, a STAMP port in another namespace" 0
ok "sender: ports 862" dp_cfg "$SENDER" ports 862
stamped unnamed "port 7000 again, no namespace names it" 20
done_testing
