#!/bin/bash
# timeout: 300
# debug-kernel: skip: a counter and a reply flag on the packet path; their parse runs there in KUnit (snapfire_pkt.pkt_parse_frag6)
# cpus: 1 (one sender at a time)
# Datapath: IPv6 probes larger than the path's MTU. IPv6 reassembles after
# netfilter's LOCAL_IN, where the module sees a probe arrive, so it never
# sees such a probe whole:
#   - `snapfire probe -6 -s 1453` refuses the size (the path's MTU is 1500:
#     1452 bytes of UDP payload), names the size that fits and sends
#     nothing; `-s 1452` is answered; the agent, given a target of 1453
#     bytes, logs that reason and sends nothing either;
#   - probes of 2000 bytes from a plain socket (dp_stamp.py; the sender's
#     stack sends each in two fragments, the router forwards them as they
#     are): the reflector counts each one `fragments` (its first fragment
#     at LOCAL_IN), answers none, records no flow and calls none
#     malformed. The truth: the stack still reassembles them and delivers
#     them to a plain socket bound to port 862 there, 2000 bytes each.
#     Before, nothing counted them: lost without a trace;
#   - with conntrack in the reflector's namespace (an nft `ct state` rule:
#     nf_defrag_ipv6 reassembles before LOCAL_IN) the same probes arrive
#     whole and are answered with replies as long, in fragments; the
#     sender, without conntrack, counts the replies' first fragments.
#     Before, every such reply was dropped at the MTU (reflect-errors).
#     The driver hand-off of each probe's and each reply's first fragment
#     ends its tx stage: xmit +5 and 5 tx-stage samples on either side
#     (before, fragments were not looked at there: none).
# shellcheck source=tests/lib/dp.sh
. "$(dirname "$0")/../lib/dp.sh"

dp_need_cli
dp_setup_line3
ok "reflector on, no rate limit" sf -n "$REFLECTOR" reflect on rate 0
cnt() { sf_counter -n "$1" "$2"; }
[[ -n $(cnt "$REFLECTOR" fragments) ]] || bail "no counter fragments in snapfire -j status"

# ------------------------------------------------ the CLI: not fragmented
lo0=$(cnt "$SENDER" local_out)
"$SF_CLI" -n "$SENDER" probe "$REFL_IP6" -6 -c 3 -i 0.1 -s 1453 >"$DP_TMP/big.out" 2>"$DP_TMP/big.err"
rc=$?
diag "probe -s 1453: status $rc: $(head -c 400 "$DP_TMP/big.err")"
assert_ne "probe -6 -s 1453: refused" 0 "$rc"
ok "probe -6 -s 1453: the message names the size that fits" grep -q -- "-s 1452 or less" "$DP_TMP/big.err"
assert_eq "probe -6 -s 1453: nothing sent (sender local_out)" "$lo0" "$(cnt "$SENDER" local_out)"
ok "probe -6 -s 1452: 5 probes" dp_probe "$SENDER" "$DP_TMP/fit.json" "$REFL_IP6" 5 0.1 -s 1452
assert_eq "probe -6 -s 1452: all answered" 5 "$(dp_get "$DP_TMP/fit.json" received)"

# the agent, a target with size 1453: not opened, and its log says why
mkdir -p "$DP_TMP/agent"
cat >"$DP_TMP/agent/agent.conf" <<EOF
state-dir: $DP_TMP/agent/state
targets:
  - name: big6
    address: $REFL_IP6
    size: 1453
EOF
lo0=$(cnt "$SENDER" local_out)
ip netns exec "$SENDER" "$SF_CLI" agent -c "$DP_TMP/agent/agent.conf" \
	>/dev/null 2>"$DP_TMP/agent/log" &
apid=$!
wait_for 30 grep -q "big6" "$DP_TMP/agent/log"
sleep 4		# its retries after 1 and 2 s
kill "$apid"
wait "$apid"
diag "agent: $(grep big6 "$DP_TMP/agent/log" | head -1)"
ok "agent, size 1453 over IPv6: the log says the probes do not fit the path's MTU" \
	grep -q "big6: 1453-byte probes do not fit the path's MTU" "$DP_TMP/agent/log"
assert_eq "agent: nothing sent (sender local_out)" "$lo0" "$(cnt "$SENDER" local_out)"
assert_eq "agent: the reason logged once, not at every retry" 1 "$(grep -c "MTU" "$DP_TMP/agent/log")"

# --------------------------------------- fragments, no conntrack anywhere
declare -A c0
snap() {
	local h k
	for h in "$SENDER" "$ROUTER" "$REFLECTOR"; do
		for k in fragments reflected reflect_errors malformed flows_created xmit; do
			c0[$h.$k]=$(cnt "$h" "$k")
		done
	done
}
delta() { echo $(($(cnt "$1" "$2") - c0[$1.$2])); }

# 44 + a 4-byte TLV header + 1952 bytes of padding: 2000 bytes of UDP
# payload, two fragments at MTU 1500
snap
topo_udp_listen "$REFLECTOR" 6 862 "$DP_TMP/sock"
ok "no conntrack: 5 probes of 2000 bytes (dp_stamp.py)" dp_stamp "$SENDER" "$DP_TMP/frag.json" \
	--dst "$REFL_IP6" --tlv 1:1952 --count 5 --interval 0.05 --wait 1
wait_for 30 test -s "$DP_TMP/sock"
diag "no conntrack: the socket on 862: $(cat "$DP_TMP/sock")"
assert_eq "no conntrack: the stack delivered all 5 whole to the socket on 862" \
	"n=5 sizes=2000" "$(cat "$DP_TMP/sock")"
assert_eq "no conntrack: no reply" 0 "$(dp_get "$DP_TMP/frag.json" replies.#)"
assert_eq "no conntrack: the reflector counted each fragments" 5 "$(delta "$REFLECTOR" fragments)"
assert_eq "no conntrack: none reflected" 0 "$(delta "$REFLECTOR" reflected)"
assert_eq "no conntrack: none malformed" 0 "$(delta "$REFLECTOR" malformed)"
assert_eq "no conntrack: no reflector flow" 0 "$(delta "$REFLECTOR" flows_created)"
assert_eq "no conntrack: the router, forwarding them, counted nothing" 0 "$(delta "$ROUTER" fragments)"

# ------------------------------------ conntrack in the reflector's namespace
topo_exec "$REFLECTOR" nft -f - <<'NFT' || bail "nft: conntrack rule in the reflector"
table inet sfct {
	chain in {
		type filter hook input priority 0;
		ct state new counter
	}
}
NFT
# the sender's flow (dp_stamp.py's socket) had the first 5 probes already
dp_flows "$SENDER" "$DP_TMP/frag-ct-s0.json"
tx0=$(dp_get "$DP_TMP/frag-ct-s0.json" --flow role=sender --last tx_stage.count 2>/dev/null)
[[ $tx0 =~ ^[0-9]+$ ]] || tx0=0
snap
ok "conntrack: 5 probes of 2000 bytes (dp_stamp.py)" dp_stamp "$SENDER" "$DP_TMP/frag-ct.json" \
	--dst "$REFL_IP6" --tlv 1:1952 --count 5 --interval 0.05 --wait 2
assert_eq "conntrack: all 5 answered, 2000 bytes each" "5 2000" \
	"$(dp_get "$DP_TMP/frag-ct.json" replies.#) $(dp_get "$DP_TMP/frag-ct.json" replies.4.len)"
assert_eq "conntrack: the reflector reflected 5" 5 "$(delta "$REFLECTOR" reflected)"
assert_eq "conntrack: no reflect error" 0 "$(delta "$REFLECTOR" reflect_errors)"
assert_eq "conntrack: the reflector saw them whole (no fragments counted)" 0 "$(delta "$REFLECTOR" fragments)"
assert_eq "conntrack: the sender counted the replies' first fragments" 5 "$(delta "$SENDER" fragments)"
assert_eq "conntrack: the reflector's driver hand-off of each reply's first fragment (xmit)" 5 \
	"$(delta "$REFLECTOR" xmit)"
assert_eq "conntrack: the sender's driver hand-off of each probe's first fragment (xmit)" 5 \
	"$(delta "$SENDER" xmit)"
dp_flows "$SENDER" "$DP_TMP/frag-ct-s.json"
dp_flows "$REFLECTOR" "$DP_TMP/frag-ct-r.json"
assert_eq "conntrack: the reflector flow: a tx-stage sample on every reply" 5 \
	"$(dp_get "$DP_TMP/frag-ct-r.json" --flow role=reflector --last tx_stage.count)"
assert_eq "conntrack: the sender flow: a tx-stage sample on every probe (+5)" 5 \
	"$(($(dp_get "$DP_TMP/frag-ct-s.json" --flow role=sender --last tx_stage.count) - tx0))"
done_testing
