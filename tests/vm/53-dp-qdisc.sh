#!/bin/bash
# Datapath: attribution of the sender's own egress queueing. A 15 ms netem
# on the SENDER's eth0 is the sender's tx_stage (LOCAL_OUT -> driver
# hand-off), not the network: rtt p50 stays at the router-shaped 10 ms
# (2 % + 200 us) and agrees with the wire (captured after the qdisc).
# The same 15 ms on the router instead shows up in rtt, and tx_stage is
# small. The tx stage's truth comes from two captures alone: the probes as
# they enter the sender's qdisc (a tc clsact egress mirror of eth0 to a
# dummy device, captured there) and as they leave it (eth0). The tx stage
# also holds the stack path from LOCAL_OUT to the qdisc, which no capture
# sees (hundreds of us under TCG on a loaded host): its bound comes from
# datagrams a process sends at the same time through the same qdisc, each
# carrying the clock read before its send() (dp_usersend.py), captured
# before the qdisc.
# timeout: 600
# debug-kernel: skip: timing accuracy (stages against the wire); the transmit path with a qdisc delay runs here in 59 and 62
# cpus: 1 (one probe flow at a time, timed against captures)
# shellcheck source=tests/lib/dp.sh
. "$(dirname "$0")/../lib/dp.sh"

dp_need_cli
dp_setup_line3
# the probes as they enter the sender's qdisc: mirrored before it to pre0
ok "sender: dummy pre0 for a capture before eth0's qdisc" \
	sh -c "ip -n '$SENDER' link add pre0 type dummy && ip -n '$SENDER' link set pre0 up"
ok "sender: clsact egress mirror of eth0 to pre0" \
	sh -c "tc -n '$SENDER' qdisc add dev eth0 clsact &&
	       tc -n '$SENDER' filter add dev eth0 egress matchall action mirred egress mirror dev pre0"
ok "reflector on" dp_reflect "$REFLECTOR" on
ok "router: 10 ms forward" topo_shape "$ROUTER" eth1 delay 10ms
N=150

# tx_stage_vs_captures NAME WIRE TX: the tx stage's p50 lies between the
# queueing the captures saw (eth0 departure - qdisc entry) and that plus
# the stack path before the qdisc (send() to qdisc entry, p90), each
# +- 1 % + DP_WIRE_ABS_NS (+ this run's noise on a slow kernel, as
# dp_near_wire)
tx_stage_vs_captures() {
	local name=$1 w=$2 tx=$3 v abs=$DP_WIRE_ABS_NS lo hi
	mapfile -t v < <(dp_get "$w" qdisc_cap_p50_ns stack_p90_ns stack_samples stack_p50_ns fu_wire_p90abs_ns)
	assert_ge "$name: the timed datagrams captured before the qdisc" "${v[2]:-0}" $((N * 9 / 10))
	if ! _sf_num "${v[0]}" || ! _sf_num "${v[1]}"; then
		not_ok "$name: tx_stage p50 between the captured queueing and it + the stack path" \
			"captures incomplete: queueing ${v[0]:-?}, stack p90 ${v[1]:-?}"
		return
	fi
	if slow_kernel && _sf_num "${v[4]}"; then abs=$((abs + v[4])); fi
	lo=$((v[0] - v[0] / 100 - abs))
	hi=$((v[0] + v[1] + v[0] / 100 + abs))
	diag "$name: stack path send() to qdisc p50 ${v[3]}, p90 ${v[1]} (${v[2]} datagrams); tx_stage p50 $tx in [$lo, $hi]"
	assert_ge "$name: tx_stage p50 >= the captured queueing (eth0 departure - qdisc entry) - 1 % - $((abs / 1000)) us" "$tx" "$lo"
	assert_le "$name: tx_stage p50 <= the captured queueing + the stack path before the qdisc (p90) + 1 % + $((abs / 1000)) us" "$tx" "$hi"
}

for fam in inet inet6; do
	if [[ $fam == inet ]]; then dst=$REFL_IP4; else dst=$REFL_IP6; fi
	sel=(--flow role=sender family=$fam remote_addr="$dst")
	d=$DP_TMP/own-$fam
	mkdir -p "$d"
	ok "$fam: sender: 15 ms netem on its own eth0" topo_shape "$SENDER" eth0 delay 15ms
	dp_cap_start "$SENDER" eth0 "$d/s.pcap"
	dp_cap_start "$SENDER" pre0 "$d/pre.pcap"
	dp_cap_start "$REFLECTOR" eth0 "$d/r.pcap"
	dp_cap_start "$ROUTER" eth0 "$d/h.pcap"
	ip netns exec "$SENDER" "$DP_PY" "${DP_PYF[@]}" "$DP_LIB/dp_usersend.py" "$dst" 9 $N 0.02 2>"$d/usersend.err" &
	us=$!
	x0=$(sf_counter -n "$SENDER" xmit)
	ok "$fam own qdisc: probe $N at 20 ms" dp_probe "$SENDER" "$d/probe.json" "$dst" $N 0.02
	x1=$(sf_counter -n "$SENDER" xmit)
	wait "$us"
	rc=$?
	((rc)) && diag "dp_usersend.py: status $rc: $(head -c 300 "$d/usersend.err")"
	assert_eq "$fam own qdisc: $N timed datagrams sent beside the probes (dp_usersend.py's status)" 0 "$rc"
	dp_cap_stop
	topo_unshape "$SENDER" eth0
	dp_flows "$SENDER" "$d/f.json"
	dp_wire "$d/wire.json" "$d/s.pcap" --refl "$d/r.pcap" --hop "$d/h.pcap" --pre "$d/pre.pcap" --user-port 9
	tx=$(dp_get "$d/f.json" "${sel[@]}" tx_stage.p50_ns)
	rtt=$(dp_get "$d/f.json" "${sel[@]}" rtt.p50_ns)
	diag "$fam own qdisc: tx_stage p50 $tx, rtt p50 $rtt; wire $(cat "$d/wire.json")"
	assert_ge "$fam own qdisc: tx_stage count" "$(dp_get "$d/f.json" "${sel[@]}" tx_stage.count)" $((N - 1))
	# the tx stage's truth is the captured queueing plus the stack path
	# before the qdisc (p90): when netem's lateness pushes that sum past
	# the shaped bound, the bound did not hold in this run (CI, 2026-12-05:
	# queueing 18.07 ms on the wire, tx_stage 18.92, bound 18.5), and the
	# check against the captures below is the one that decides
	mapfile -t w < <(dp_get "$d/wire.json" qdisc_cap_p50_ns stack_p90_ns)
	_sf_num "${w[1]:-}" && _sf_num "${w[0]:-}" && w[0]=$((w[0] + w[1]))
	dp_shaped "$fam own qdisc: tx_stage p50 within 2 % + 200 us (+ slack) of 15 ms" 15000000 "$tx" 1 "${w[0]:-}"
	dp_shaped "$fam own qdisc: rtt p50 within 2 % + 200 us (+ slack) of the router's 10 ms" 10000000 "$rtt" 1 "$(dp_get "$d/wire.json" rtt_2cap_p50_ns)"
	dp_hop_ok "$fam own qdisc: the router's capture" "$d/wire.json" $N
	dp_near_wire "$fam own qdisc: rtt p50 agrees with the wire rtt (1 % + $((DP_WIRE_ABS_NS / 1000)) us)" \
		"$d/wire.json" rtt_2cap_p50_ns "$rtt" $N
	assert_eq "$fam own qdisc: every probe captured before the qdisc" $N "$(dp_get "$d/wire.json" pre_probes)"
	tx_stage_vs_captures "$fam own qdisc" "$d/wire.json" "$tx"
	# this family's run alone (the counter is the namespace's, both runs'):
	# one hand-off per probe seen leaving eth0
	assert_eq "$fam own qdisc: xmit counter +1 per probe leaving eth0 (its capture)" \
		"$(dp_get "$d/wire.json" probes)" "$((x1 - x0))"
done

# the same delay on the router (reverse path) instead
d=$DP_TMP/router
mkdir -p "$d"
ok "router: 15 ms reverse" topo_shape "$ROUTER" eth0 delay 15ms
sf_load || bail "reload failed"
ok "reflector on (after reload)" dp_reflect "$REFLECTOR" on
dp_cap_start "$SENDER" eth0 "$d/s.pcap"
dp_cap_start "$REFLECTOR" eth0 "$d/r.pcap"
dp_cap_start "$ROUTER" eth0 "$d/h.pcap"
ok "router qdisc: probe $N at 20 ms" dp_probe "$SENDER" "$d/probe.json" "$REFL_IP4" $N 0.02
dp_cap_stop
dp_flows "$SENDER" "$d/f.json"
dp_wire "$d/wire.json" "$d/s.pcap" --refl "$d/r.pcap" --hop "$d/h.pcap"
sel=(--flow role=sender family=inet remote_addr="$REFL_IP4")
tx=$(dp_get "$d/f.json" "${sel[@]}" tx_stage.p50_ns)
rtt=$(dp_get "$d/f.json" "${sel[@]}" rtt.p50_ns)
diag "router qdisc: tx_stage p50 $tx, rtt p50 $rtt"
dp_shaped "router qdisc: rtt p50 within 2 % + 200 us (+ slack) of 25 ms" 25000000 "$rtt" 2 "$(dp_get "$d/wire.json" rtt_2cap_p50_ns)"
dp_hop_ok "router qdisc: the router's capture" "$d/wire.json" $N
dp_near_wire "router qdisc: rtt p50 agrees with the wire rtt (1 % + $((DP_WIRE_ABS_NS / 1000)) us)" \
	"$d/wire.json" rtt_2cap_p50_ns "$rtt" $N
# (the router's 15 ms must not land here; 1 ms, x4 on the slow debug kernel)
assert_lt "router qdisc: tx_stage p50 < $((${SF_TIMEOUT_SCALE:-1})) ms" "$tx" $((1000000 * ${SF_TIMEOUT_SCALE:-1}))
done_testing
