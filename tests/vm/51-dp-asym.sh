#!/bin/bash
# Datapath: one-way delays. Asymmetric shaping on the router, 30 ms
# forward and 5 ms reverse. With clock-synced on in both namespaces (they
# share the VM's clock, so one-way delays are true) the sender reports
# fwd p50 ~ 30 ms and rev p50 ~ 5 ms (2 % + 200 us), agreeing with the wire
# (tcpdump on both ends); without clock-synced no fwd/rev metrics at all.
# timeout: 600
# debug-kernel: skip: timing accuracy (one-way delays against the wire); the sender and reflector paths run here in 57, 58, 59 and 62
# cpus: 1 (one probe flow at a time, timed against captures)
# shellcheck source=tests/lib/dp.sh
. "$(dirname "$0")/../lib/dp.sh"

dp_need_cli
dp_setup_line3
ok "shape 30 ms forward (router eth1)" topo_shape "$ROUTER" eth1 delay 30ms
ok "shape 5 ms reverse (router eth0)" topo_shape "$ROUTER" eth0 delay 5ms
N=150

# --- without clock-synced: rtt only
ok "reflector on" dp_reflect "$REFLECTOR" on
d=$DP_TMP/unsynced
mkdir -p "$d"
ok "unsynced: probe $N at 20 ms" dp_probe "$SENDER" "$d/probe.json" "$REFL_IP4" $N 0.02
dp_flows "$SENDER" "$d/f.json"
sel=(--flow role=sender family=inet remote_addr="$REFL_IP4")
rtt=$(dp_get "$d/f.json" "${sel[@]}" rtt.p50_ns)
dp_shaped "unsynced: rtt p50 ~ 35 ms" 35000000 "$rtt" 2
must_fail "unsynced: no fwd metric" dp_get "$d/f.json" "${sel[@]}" fwd
must_fail "unsynced: no rev metric" dp_get "$d/f.json" "${sel[@]}" rev
assert_eq "unsynced: flow synced false" 0 "$(dp_get "$d/f.json" "${sel[@]}" synced)"
dp_flows "$REFLECTOR" "$d/rf.json"
assert_match "unsynced: the reflector's flow is there" '^[0-9]+$' \
	"$(dp_get "$d/rf.json" --flow role=reflector id)"
must_fail "unsynced: no fwd metric on the reflector" dp_get "$d/rf.json" --flow role=reflector fwd

# --- one side only claims sync: still none (both clocks must claim it)
sf_load || bail "reload failed"
ok "reflector on (after reload)" dp_reflect "$REFLECTOR" on
ok "clock-synced on in the sender only" dp_cfg "$SENDER" clock-synced on
d=$DP_TMP/half
mkdir -p "$d"
ok "sender-only sync: probe 50 at 20 ms" dp_probe "$SENDER" "$d/probe.json" "$REFL_IP4" 50 0.02
dp_flows "$SENDER" "$d/f.json"
must_fail "sender-only sync: no fwd metric" dp_get "$d/f.json" "${sel[@]}" fwd
assert_ge "sender-only sync: rtt still measured" "$(dp_get "$d/f.json" "${sel[@]}" rtt.count)" 45

# --- both synced
sf_load || bail "reload failed"
ok "reflector on (after reload)" dp_reflect "$REFLECTOR" on
ok "clock-synced on in the sender" dp_cfg "$SENDER" clock-synced on
ok "clock-synced on in the reflector" dp_cfg "$REFLECTOR" clock-synced on
for fam in inet inet6; do
	d=$DP_TMP/synced-$fam
	mkdir -p "$d"
	if [[ $fam == inet ]]; then dst=$REFL_IP4 src=$SENDER_IP4; else dst=$REFL_IP6 src=$SENDER_IP6; fi
	sel=(--flow role=sender family=$fam remote_addr="$dst")
	dp_cap_start "$SENDER" eth0 "$d/s.pcap"
	dp_cap_start "$REFLECTOR" eth0 "$d/r.pcap"
	dp_cap_start "$ROUTER" eth0 "$d/h.pcap"
	ok "$fam synced: probe $N at 20 ms" dp_probe "$SENDER" "$d/probe.json" "$dst" $N 0.02
	dp_cap_stop
	dp_flows "$SENDER" "$d/f.json"
	dp_flows "$REFLECTOR" "$d/rf.json"
	dp_wire "$d/wire.json" "$d/s.pcap" --refl "$d/r.pcap" --hop "$d/h.pcap"
	diag "$fam wire: $(cat "$d/wire.json")"
	fwd=$(dp_get "$d/f.json" "${sel[@]}" fwd.p50_ns)
	rev=$(dp_get "$d/f.json" "${sel[@]}" rev.p50_ns)
	rtt=$(dp_get "$d/f.json" "${sel[@]}" rtt.p50_ns)
	diag "$fam: fwd p50 $fwd, rev p50 $rev, rtt p50 $rtt (shaped 30 ms / 5 ms)"
	assert_eq "$fam synced: flow synced true" 1 "$(dp_get "$d/f.json" "${sel[@]}" synced)"
	assert_ge "$fam synced: fwd count" "$(dp_get "$d/f.json" "${sel[@]}" fwd.count)" $((N - 2))
	dp_shaped "$fam synced: fwd p50 within 2 % + 200 us (+ slack) of 30 ms" 30000000 "$fwd" 1 "$(dp_get "$d/wire.json" fwd_p50_ns)"
	dp_shaped "$fam synced: rev p50 within 2 % + 200 us (+ slack) of 5 ms" 5000000 "$rev" 1 "$(dp_get "$d/wire.json" rev_p50_ns)"
	dp_shaped "$fam synced: rtt p50 within 2 % + 200 us (+ slack) of 35 ms" 35000000 "$rtt" 2 "$(dp_get "$d/wire.json" rtt_2cap_p50_ns)"
	dp_hop_ok "$fam synced: the router's capture" "$d/wire.json" $N
	dp_near_wire "$fam synced: fwd p50 agrees with the wire (1 % + $((DP_WIRE_ABS_NS / 1000)) us)" \
		"$d/wire.json" fwd_p50_ns "$fwd" $N
	dp_near_wire "$fam synced: rev p50 agrees with the wire (1 % + $((DP_WIRE_ABS_NS / 1000)) us)" \
		"$d/wire.json" rev_p50_ns "$rev" $N
	rfwd=$(dp_get "$d/rf.json" --flow role=reflector family=$fam remote_addr="$src" fwd.p50_ns)
	dp_shaped "$fam synced: the reflector's own fwd p50 ~ 30 ms" 30000000 "$rfwd" 1
done
done_testing
