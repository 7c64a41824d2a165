#!/bin/bash
# Datapath: every network namespace has its own configuration, counters and
# flows. The reflector and the sender use port 8620 only, the router 9999;
# a fourth, unconnected namespace keeps the defaults. Probes to 8620 are
# answered and tracked; 862 is then ignored; the namespaces not probed
# have no flows, no probe counters, and their configuration is unchanged.
# timeout: 400
# debug-kernel: skip: namespace separation; per-namespace state and namespace exit run here in 44 and 60
# cpus: 1 (one namespace's flows at a time)
# shellcheck source=tests/lib/dp.sh
. "$(dirname "$0")/../lib/dp.sh"

dp_need_cli
dp_setup_line3
OTHER=other
topo_host "$OTHER" || bail "cannot make a fourth namespace"

sf -n "$OTHER" -j config >"$DP_TMP/other0.json" 2>&1 || not_ok "read config of $OTHER"
ok "reflector: ports 8620" dp_cfg "$REFLECTOR" ports 8620
ok "reflector: reflect on" dp_reflect "$REFLECTOR" on
ok "sender: ports 8620" dp_cfg "$SENDER" ports 8620
ok "router: ports 9999" dp_cfg "$ROUTER" ports 9999
sf -n "$ROUTER" -j config >"$DP_TMP/router0.json"
sf -n "$REFLECTOR" -j config >"$DP_TMP/refl0.json"
sf -n "$SENDER" -j config >"$DP_TMP/sender0.json"
diag "config router: $(cat "$DP_TMP/router0.json")"
diag "config refl:   $(cat "$DP_TMP/refl0.json")"
diag "config other:  $(cat "$DP_TMP/other0.json")"
assert_ne "router and reflector configs differ" "$(cat "$DP_TMP/router0.json")" "$(cat "$DP_TMP/refl0.json")"
assert_ne "reflector config differs from the untouched namespace's" \
	"$(cat "$DP_TMP/other0.json")" "$(cat "$DP_TMP/refl0.json")"
assert_contains "reflector config lists 8620" 8620 "$(cat "$DP_TMP/refl0.json")"
assert_contains "router config lists 9999" 9999 "$(cat "$DP_TMP/router0.json")"
assert_contains "untouched namespace still on 862" 862 "$(cat "$DP_TMP/other0.json")"

f=$DP_TMP/p8620.json
ok "probe 5 to the reflector's port 8620" dp_stamp "$SENDER" "$f" --dst "$REFL_IP4" --dport 8620 \
	--sport 40000 --count 5 --interval 0.05
assert_eq "5 replies from 8620" 5 "$(dp_get "$f" replies.#)"
assert_eq "reply from port 8620" 8620 "$(dp_get "$f" replies.0.sport)"
assert_eq "reply is a reflector packet echoing seq 1" 1 "$(dp_get "$f" replies.0.sender_seq)"

dp_flows "$REFLECTOR" "$DP_TMP/rf.json"
dp_flows "$SENDER" "$DP_TMP/sf.json"
dp_flows "$ROUTER" "$DP_TMP/rtf.json"
dp_flows "$OTHER" "$DP_TMP/of.json"
assert_eq "reflector: one reflector flow on local port 8620" 1 \
	"$(dp_get "$DP_TMP/rf.json" --flow role=reflector local_port=8620 --count)"
assert_eq "reflector: that flow saw 5" 5 "$(dp_get "$DP_TMP/rf.json" --flow role=reflector local_port=8620 rx)"
assert_eq "sender: one sender flow to remote port 8620" 1 \
	"$(dp_get "$DP_TMP/sf.json" --flow role=sender remote_port=8620 --count)"
assert_eq "sender: its rtt has 5 samples" 5 \
	"$(dp_get "$DP_TMP/sf.json" --flow role=sender remote_port=8620 rtt.count)"
assert_eq "router: no flows (forwarded, and port 9999 only)" 0 "$(dp_get "$DP_TMP/rtf.json" flows.#)"
assert_eq "untouched namespace: no flows" 0 "$(dp_get "$DP_TMP/of.json" flows.#)"
assert_eq "untouched namespace: probes_rx 0" 0 "$(sf_counter -n "$OTHER" probes_rx)"
assert_eq "router: probes_rx 0" 0 "$(sf_counter -n "$ROUTER" probes_rx)"
assert_eq "router: pre_routing 0 (8620 is not its port)" 0 "$(sf_counter -n "$ROUTER" pre_routing)"

# 862 is not a STAMP port of the reflector any more
rx0=$(sf_counter -n "$REFLECTOR" probes_rx)
f=$DP_TMP/p862.json
ok "probe 3 to the reflector's port 862" dp_stamp "$SENDER" "$f" --dst "$REFL_IP4" --dport 862 \
	--sport 40001 --count 3 --interval 0.05
assert_eq "no reply from 862" 0 "$(dp_get "$f" replies.#)"
assert_eq "reflector probes_rx unchanged" "$rx0" "$(sf_counter -n "$REFLECTOR" probes_rx)"
dp_flows "$REFLECTOR" "$DP_TMP/rf2.json"
assert_eq "reflector: no flow on port 862" 0 "$(dp_get "$DP_TMP/rf2.json" --flow local_port=862 --count)"

# the configurations of the others did not move
assert_eq "router config unchanged" "$(cat "$DP_TMP/router0.json")" "$(sf -n "$ROUTER" -j config)"
assert_eq "untouched namespace config unchanged" "$(cat "$DP_TMP/other0.json")" "$(sf -n "$OTHER" -j config)"
assert_eq "sender config unchanged" "$(cat "$DP_TMP/sender0.json")" "$(sf -n "$SENDER" -j config)"

# and the default port in a namespace configured nowhere still works there:
# reflect on in the router (port 9999 only) answers 9999, not 862
ok "router: reflect on" dp_reflect "$ROUTER" on
f=$DP_TMP/r9999.json
ok "probe the router's 9999" dp_stamp "$SENDER" "$f" --dst "$ROUTER_IP4_S" --dport 9999 --sport 40002
assert_eq "router answers on 9999" 1 "$(dp_get "$f" replies.#)"
f=$DP_TMP/r862.json
ok "probe the router's 862" dp_stamp "$SENDER" "$f" --dst "$ROUTER_IP4_S" --dport 862 --sport 40003
assert_eq "router ignores 862" 0 "$(dp_get "$f" replies.#)"
assert_eq "reflector config unchanged by the router's" "$(cat "$DP_TMP/refl0.json")" "$(sf -n "$REFLECTOR" -j config)"
done_testing
