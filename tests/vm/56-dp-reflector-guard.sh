#!/bin/bash
# Datapath: who the in-kernel reflector answers. The truth is what comes
# back on the crafted sender's socket.
#   rate 10/s burst 5: a burst of 50 probes gets 5..6 + 10/s replies
#     (dp_rate_max), the rest counted rate-limited, replies reflected;
#   rate 0 rate-total 10: the namespace's bucket alone: at least its burst
#     (10) of 50, at most 11 + 10 a second from the first answered probe's
#     T2 to the last one's T3 (it refills by the reflector's clock); rate
#     1000 burst 100 rate-total 10: the same; rate 0, rate-total 0: 50;
#   allow 203.0.113.0/24: the sender (192.0.2.2) is not answered and is
#     counted not-allowed; allow 192.0.2.0/24: answered (IPv4 only: an IPv6
#     probe from the same host is still refused);
#   a probe to the subnet broadcast address (SO_BROADCAST, from the router,
#     on the reflector's link) is counted bad-source and not answered;
#   IPsec policies requiring ESP, no SA: a probe in the clear is counted
#     xfrm-refused, not answered; no reply leaves in the clear.
# timeout: 400
# debug-kernel: skip: rate-limit and allow-list outcomes against the reflector's clock; the same code (per-source and shared buckets, the allow-list, a broadcast source refused) runs here in 58 (no-flow, fairness, unicast) and 60's packet fuzzer
# cpus: 1 (one crafted sender at a time)
# shellcheck source=tests/lib/dp.sh
. "$(dirname "$0")/../lib/dp.sh"

dp_need_cli

dp_setup_line3

delta() { # NAME BEFORE : counter now - BEFORE
	echo $(($(sf_counter -n "$REFLECTOR" "$1") - $2))
}

# --- rate limit
ok "reflector on" dp_reflect "$REFLECTOR" on
ok "rate 10 burst 5" dp_cfg "$REFLECTOR" rate 10 burst 5
rl0=$(sf_counter -n "$REFLECTOR" rate_limited)
rf0=$(sf_counter -n "$REFLECTOR" reflected)
f=$DP_TMP/rate.json
ok "burst of 50 probes at 1 ms" dp_stamp "$SENDER" "$f" --dst "$REFL_IP4" --count 50 --interval 0.001
n=$(dp_get "$f" replies.#)
rl=$(delta rate_limited "$rl0")
rf=$(delta reflected "$rf0")
diag "rate: $n replies, rate_limited +$rl, reflected +$rf"
assert_ge "rate: at least the burst (5) answered" "$n" 5
# (the burst, 10 a second of the probes' arrivals, at least 15)
max=$(dp_rate_max "$f" 5 10 15)
assert_le "rate: at most the burst + 10/s over the answered probes' arrivals (${max:-?})" "$n" "${max:-15}"
assert_eq "rate: reflected counts the replies" "$n" "$rf"
assert_eq "rate: rate_limited counts the rest" "$((50 - n))" "$rl"
sleep 1.1
f=$DP_TMP/rate2.json
ok "after 1.1 s: 5 probes at 50 ms" dp_stamp "$SENDER" "$f" --dst "$REFL_IP4" --count 5 --interval 0.05 --sport 40001
assert_eq "rate: refilled, all 5 answered" 5 "$(dp_get "$f" replies.#)"

# --- rate-total: the namespace's replies, all sources together; with no
# per-source limit (rate 0) it is the only bucket
ok "rate 0 rate-total 10" dp_cfg "$REFLECTOR" rate 0 rate-total 10
rl0=$(sf_counter -n "$REFLECTOR" rate_limited)
f=$DP_TMP/total.json
ok "rate-total: burst of 50 probes at 1 ms" dp_stamp "$SENDER" "$f" --dst "$REFL_IP4" \
	--count 50 --interval 0.001 --sport 40002
n=$(dp_get "$f" replies.#)
rl=$(delta rate_limited "$rl0")
diag "rate-total 10: $n replies, rate_limited +$rl"
assert_ge "rate-total: its burst (one second of it: 10) answered" "$n" 10
assert_le "rate-total: at most 11 + 10 a second of arrivals answered" "$n" "$(dp_rate_max "$f" 10 10)"
assert_eq "rate-total: rate_limited counts the rest" "$((50 - n))" "$rl"
# with a per-source limit that lets all 50 through (rate 1000 burst 100),
# the namespace's bucket still holds them to rate-total
ok "rate 1000 burst 100 rate-total 10" dp_cfg "$REFLECTOR" rate 1000 burst 100 rate-total 10
rl0=$(sf_counter -n "$REFLECTOR" rate_limited)
f=$DP_TMP/total1.json
ok "rate-total under a per-source limit: burst of 50 probes at 1 ms" dp_stamp "$SENDER" "$f" \
	--dst "$REFL_IP4" --count 50 --interval 0.001 --sport 40005
n=$(dp_get "$f" replies.#)
rl=$(delta rate_limited "$rl0")
diag "rate 1000 rate-total 10: $n replies, rate_limited +$rl"
assert_ge "rate-total under a per-source limit: its burst (10) answered" "$n" 10
assert_le "rate-total under a per-source limit: at most 11 + 10 a second of arrivals" "$n" "$(dp_rate_max "$f" 10 10)"
assert_eq "rate-total under a per-source limit: rate_limited counts the rest" "$((50 - n))" "$rl"
ok "rate 0" dp_cfg "$REFLECTOR" rate 0
ok "rate-total 0 (rate 0: no limit at all)" dp_cfg "$REFLECTOR" rate-total 0
f=$DP_TMP/total2.json
ok "rate-total 0: burst of 50 probes at 1 ms" dp_stamp "$SENDER" "$f" --dst "$REFL_IP4" \
	--count 50 --interval 0.001 --sport 40003
assert_eq "rate-total 0: all 50 answered" 50 "$(dp_get "$f" replies.#)"

# --- allow-list
sf_load || bail "reload failed"
ok "reflector on (after reload)" dp_reflect "$REFLECTOR" on
ok "allow 203.0.113.0/24" dp_cfg "$REFLECTOR" allow 203.0.113.0/24
na0=$(sf_counter -n "$REFLECTOR" not_allowed)
f=$DP_TMP/deny.json
ok "5 probes from 192.0.2.2" dp_stamp "$SENDER" "$f" --dst "$REFL_IP4" --count 5 --interval 0.02
assert_eq "allow: not answered" 0 "$(dp_get "$f" replies.#)"
assert_eq "allow: counted not-allowed (+5)" 5 "$(delta not_allowed "$na0")"
ok "allow 192.0.2.0/24" dp_cfg "$REFLECTOR" allow 192.0.2.0/24
f=$DP_TMP/allow.json
ok "5 probes from 192.0.2.2 again" dp_stamp "$SENDER" "$f" --dst "$REFL_IP4" --count 5 --interval 0.02 --sport 40001
assert_eq "allow: answered" 5 "$(dp_get "$f" replies.#)"
na0=$(sf_counter -n "$REFLECTOR" not_allowed)
f=$DP_TMP/allow6.json
ok "3 probes over IPv6 from the same host" dp_stamp "$SENDER" "$f" --dst "$REFL_IP6" --count 3 --interval 0.02 --sport 40002
assert_eq "allow: an IPv4-only list refuses IPv6" 0 "$(dp_get "$f" replies.#)"
assert_eq "allow: counted not-allowed (+3)" 3 "$(delta not_allowed "$na0")"

# --- broadcast destination
sf_load || bail "reload failed"
ok "reflector on (after reload)" dp_reflect "$REFLECTOR" on
bs0=$(sf_counter -n "$REFLECTOR" bad_source)
rf0=$(sf_counter -n "$REFLECTOR" reflected)
rx0=$(sf_counter -n "$REFLECTOR" probes_rx)
f=$DP_TMP/bcast.json
ok "probe to 198.51.100.255 from the router (SO_BROADCAST)" dp_stamp "$ROUTER" "$f" \
	--dst 198.51.100.255 --broadcast --count 2 --interval 0.05
assert_eq "broadcast: the reflector saw it" 2 "$(delta probes_rx "$rx0")"
assert_eq "broadcast: no reply" 0 "$(dp_get "$f" replies.#)"
assert_eq "broadcast: counted bad-source (+2)" 2 "$(delta bad_source "$bs0")"
assert_eq "broadcast: nothing reflected" 0 "$(delta reflected "$rf0")"
f=$DP_TMP/unicast.json
ok "the same from the router, unicast" dp_stamp "$ROUTER" "$f" --dst "$REFL_IP4" --sport 40001
assert_eq "unicast from the router: answered" 1 "$(dp_get "$f" replies.#)"

# --- IPsec policy. The stack checks the inbound policy in UDP's receive,
# after LOCAL_IN, where the reflector takes the probe: a probe in the clear
# where a policy requires ESP must be neither answered nor recorded. A
# reply gets the outbound policy a socket's datagram would: with no SA for
# a required transform, it does not leave (never in the clear).
xpol() { # SRC DST PORTDIR(sport|dport) DIR : a policy requiring ESP, no SA
	ip -n "$REFLECTOR" xfrm policy add src "$1" dst "$2" proto udp "$3" 862 dir "$4" \
		tmpl src "${1%/*}" dst "${2%/*}" proto esp mode transport
}
xr0=$(sf_counter -n "$REFLECTOR" xfrm_refused)
rx0=$(sf_counter -n "$REFLECTOR" probes_rx)
rf0=$(sf_counter -n "$REFLECTOR" reflected)
ok "xfrm: in, UDP to 862 from the sender must come over ESP" xpol "$SENDER_IP4/32" "$REFL_IP4/32" dport in
f=$DP_TMP/xfrm-in.json
ok "xfrm in: 5 probes in the clear" dp_stamp "$SENDER" "$f" --dst "$REFL_IP4" --count 5 --interval 0.02 --sport 40010
assert_eq "xfrm in: not answered" 0 "$(dp_get "$f" replies.#)"
assert_eq "xfrm in: counted xfrm_refused (+5) of probes_rx (+5), none reflected" "5 5 0" \
	"$(delta xfrm_refused "$xr0") $(delta probes_rx "$rx0") $(delta reflected "$rf0")"
ok "xfrm in: the reflector's flows" dp_flows "$REFLECTOR" "$DP_TMP/xfrm-in-flows.json"
assert_eq "xfrm in: no reflector flow recorded" 0 \
	"$(dp_get "$DP_TMP/xfrm-in-flows.json" --flow role=reflector remote_port=40010 --count)"
ok "xfrm: the policies flushed" ip -n "$REFLECTOR" xfrm policy flush
f=$DP_TMP/xfrm-none.json
ok "xfrm: 5 probes again, no policy" dp_stamp "$SENDER" "$f" --dst "$REFL_IP4" --count 5 --interval 0.02 --sport 40011
assert_eq "xfrm: no policy, all 5 answered" 5 "$(dp_get "$f" replies.#)"
for v in 4 6; do
	if [[ $v == 4 ]]; then src=$REFL_IP4/32 dst=$SENDER_IP4/32 to=$REFL_IP4; else src=$REFL_IP6/128 dst=$SENDER_IP6/128 to=$REFL_IP6; fi
	ok "xfrm out (IPv$v): replies from 862 to the sender must go over ESP" xpol "$src" "$dst" sport out
	rf0=$(sf_counter -n "$REFLECTOR" reflected)
	re0=$(sf_counter -n "$REFLECTOR" reflect_errors)
	rx0=$(sf_counter -n "$REFLECTOR" probes_rx)
	f=$DP_TMP/xfrm-out$v.json
	dp_cap_start "$REFLECTOR" eth0 "$f.pcap" "udp port 862"
	ok "xfrm out (IPv$v): 5 probes" dp_stamp "$SENDER" "$f" --dst "$to" --count 5 --interval 0.02 --sport $((40020 + v))
	dp_cap_stop
	assert_eq "xfrm out (IPv$v): no reply in the clear" 0 "$(dp_get "$f" replies.#)"
	assert_eq "xfrm out (IPv$v): the reflector took the 5 probes (probes_rx +5)" 5 "$(delta probes_rx "$rx0")"
	# its own link, the truth: the probes came in, nothing left from 862
	assert_eq "xfrm out (IPv$v): the reflector's eth0 saw 5 probes in, 0 UDP from 862 out" "5 0" \
		"$(tcpdump -r "$f.pcap" -n 'udp dst port 862' 2>/dev/null | wc -l) $(tcpdump -r "$f.pcap" -n 'udp src port 862' 2>/dev/null | wc -l)"
	diag "xfrm out (IPv$v): reflected +$(delta reflected "$rf0"), reflect_errors +$(delta reflect_errors "$re0")"
	ok "xfrm out (IPv$v): the policy flushed" ip -n "$REFLECTOR" xfrm policy flush
done
# IPv6's reply route is looked up by xfrm_lookup(), which refuses: an
# error; IPv4's by ip_route_output_key(), which gives a blackhole route
# when no SA is there (xfrm_lookup_route()): the reply is dropped there
assert_eq "xfrm out (IPv6): counted reflect_errors (+5)" 5 "$(delta reflect_errors "$re0")"
done_testing
