#!/bin/bash
# Harness self-test: the sender — router — reflector topology forwards IPv4
# and IPv6, and netem shaping on the router changes the measured RTT by
# the configured delay (one direction at a time).  Needs no snapfire bits.
# timeout: 120
# debug-kernel: skip: a self-test of the harness (no snapfire code runs)
# cpus: 1 (the harness's namespaces and links, nothing races the module)
# shellcheck source=tests/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"

# rtt_ms NS ADDR: the minimum ping RTT in ms over 10 pings: netem's delay
# is a floor, and the minimum is what a loaded (debug) VM does not inflate
# (an average baseline of 17 ms, against 0.1 ms unloaded, once made a 30 ms
# delay look like 21 ms)
rtt_ms() {
	local fam=-4
	[[ $2 == *:* ]] && fam=-6
	ip netns exec "$1" ping "$fam" -n -q -c 10 -i 0.1 -W 2 "$2" |
		awk '/^(rtt|round-trip)/ { split($0, a, "= "); split(a[2], v, "/"); print v[1] }'
}

# grows NAME EXPECTED_MS ACTUAL_MS PASSES: netem's delay is a floor: at
# least EXPECTED - max(20 %, 5 ms); above, max(20 %, 5 ms) plus 3 ms per
# netem pass for its late timer under TCG, times SF_TIMEOUT_SCALE on a
# slow (debug) kernel sharing the CPUs with other VMs (39 ms for 30 seen
# with three VMs on two cores)
grows() {
	local lo hi
	lo=$(awk -v e="$2" 'BEGIN { t = e * 0.2; if (t < 5) t = 5; print e - t }')
	hi=$(awk -v e="$2" -v p="$4" -v s="${SF_TIMEOUT_SCALE:-1}" 'BEGIN { t = e * 0.2; if (t < 5) t = 5; print e + t + p * 3 * s }')
	if awk -v a="$3" -v lo="$lo" -v hi="$hi" 'BEGIN { exit !(a >= lo && a <= hi) }'; then
		ok "$1"
	else
		not_ok "$1" "expected $lo <= $3 <= $hi ms"
	fi
}

topo_line3 || bail "topo_line3 builds"
ok "topo_line3 builds"
ok "router forwards IPv4 (sender -> reflector)" topo_ping "$SENDER" "$REFL_IP4" 2
ok "router forwards IPv6 (sender -> reflector)" topo_ping "$SENDER" "$REFL_IP6" 2
ok "reflector reaches sender over IPv6" topo_ping "$REFLECTOR" "$SENDER_IP6" 2
assert_eq "IPv6 addresses usable at once (no tentative)" "" \
	"$(ip -n "$SENDER" -6 addr show tentative)"

base=$(rtt_ms "$SENDER" "$REFL_IP4")
diag "baseline RTT (min of 10) ${base} ms"
ok "netem delay 30ms on router eth1 (towards the reflector)" topo_shape "$ROUTER" eth1 delay 30ms
fwd=$(rtt_ms "$SENDER" "$REFL_IP4")
grows "RTT grows by ~30 ms" 30 "$(awk -v a="$fwd" -v b="$base" 'BEGIN { print a - b }')" 1
ok "netem delay 20ms on router eth0 (back to the sender)" topo_shape "$ROUTER" eth0 delay 20ms
both=$(rtt_ms "$SENDER" "$REFL_IP6")
grows "IPv6 RTT grows by ~50 ms" 50 "$(awk -v a="$both" -v b="$base" 'BEGIN { print a - b }')" 2
ok "netem loss/reorder/duplicate accepted" topo_shape "$ROUTER" eth1 delay 5ms 1ms loss 1% reorder 10% 50% duplicate 1%
topo_unshape "$ROUTER" eth1
topo_unshape "$ROUTER" eth0
assert_eq "shaping removed" "" "$(ip netns exec "$ROUTER" tc qdisc show dev eth1 | grep netem)"

topo_cleanup
must_fail "cleanup removed the namespaces" ip netns exec "$SENDER" true
done_testing
