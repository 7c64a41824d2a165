# shellcheck shell=bash
# tests/lib/topo.sh — network topologies for snapfire tests: hosts are
# network namespaces, links are veth pairs, impairments are tc netem.
# Sources tests/lib/testlib.sh (assertions, module helpers), so a test only
# needs:   . "$(dirname "$0")/../lib/topo.sh"
#
# Everything created through these functions is torn down by topo_cleanup,
# which runs automatically when the test script exits (via on_exit; add your
# own cleanups with `on_exit CMD`, not with `trap`).
#
# Building blocks
#   topo_host NS                      new namespace (lo up, DAD off, no RA)
#   topo_link NS1 IF1 NS2 IF2         veth pair NS1:IF1 <-> NS2:IF2, both up
#   topo_addr NS IF ADDR/PLEN...      add addresses (IPv6 with nodad)
#   topo_route NS PREFIX VIA          route (v4 or v6 by PREFIX)
#   topo_forwarding NS                enable IPv4 + IPv6 forwarding
#   topo_shape NS IF NETEM-ARGS...    netem on NS:IF egress (one direction)
#   topo_unshape NS IF                remove it
#   topo_exec NS CMD...               ip netns exec NS CMD...
#   topo_ping NS ADDR [COUNT]         ping (v4/v6 chosen by ADDR)
#   topo_udp_listen NS 4|6 PORT OUT   a plain UDP socket on PORT: what it
#                                     receives, "n=N sizes=S,..." in OUT
#   topo_cleanup                      delete every namespace made here
#
# Ready-made topologies (variables describe the result)
#   topo_pair      two hosts:  $TOPO_A (eth0 192.0.2.1, 2001:db8:0:1::1)
#                           <-> $TOPO_B (eth0 192.0.2.2, 2001:db8:0:1::2)
#   topo_line3     sender — router — reflector:
#       $SENDER=sender    eth0 192.0.2.2/24     2001:db8:0:1::2/64
#       $ROUTER=router    eth0 192.0.2.1/24     2001:db8:0:1::1/64  (to sender)
#                         eth1 198.51.100.1/24  2001:db8:0:2::1/64  (to reflector)
#       $REFLECTOR=refl   eth0 198.51.100.2/24  2001:db8:0:2::2/64
#     with default routes via the router, forwarding on in the router.
#     Impair sender->reflector on the router's eth1, reflector->sender on
#     the router's eth0, e.g.:
#       topo_shape "$ROUTER" eth1 delay 20ms 2ms distribution normal
#       topo_shape "$ROUTER" eth0 delay 5ms loss 1% reorder 25% 50% duplicate 1%
#
# Addresses are from the documentation ranges (RFC 5737 / RFC 3849); all of
# it lives inside the test VM.

# shellcheck source=tests/lib/testlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/testlib.sh"

TOPO_NS=()

topo_cleanup() {
	local ns
	for ((i = ${#TOPO_NS[@]} - 1; i >= 0; i--)); do
		ns=${TOPO_NS[i]}
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	TOPO_NS=()
}
on_exit topo_cleanup

_topo_sysctl() { # NS KEY=VALUE...
	local ns=$1
	shift
	ip netns exec "$ns" sysctl -qw "$@" >/dev/null
}

# topo_host NS
topo_host() {
	local ns=$1
	ip netns del "$ns" 2>/dev/null # stale from an aborted run
	ip netns add "$ns" || return 1
	TOPO_NS+=("$ns")
	ip -n "$ns" link set lo up
	_topo_sysctl "$ns" net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
		net.ipv6.conf.all.forwarding=0
}

# topo_link NS1 IF1 NS2 IF2
topo_link() {
	local ns1=$1 if1=$2 ns2=$3 if2=$4
	ip link add "$if1" netns "$ns1" type veth peer "$if2" netns "$ns2" || return 1
	ip -n "$ns1" link set "$if1" up &&
		ip -n "$ns2" link set "$if2" up
}

# topo_addr NS IF ADDR/PLEN...
topo_addr() {
	local ns=$1 dev=$2 a
	shift 2
	for a in "$@"; do
		if [[ $a == *:* ]]; then
			ip -n "$ns" -6 addr add "$a" dev "$dev" nodad || return 1
		else
			ip -n "$ns" -4 addr add "$a" dev "$dev" || return 1
		fi
	done
}

# topo_route NS PREFIX|default VIA   (for "default" the family follows VIA)
topo_route() {
	local ns=$1 pfx=$2 via=$3 fam=-4
	[[ $via == *:* ]] && fam=-6
	ip -n "$ns" "$fam" route add "$pfx" via "$via"
}

# topo_forwarding NS
topo_forwarding() {
	_topo_sysctl "$1" net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
}

# topo_shape NS IF NETEM-ARGS...   (replaces any root qdisc on NS:IF)
topo_shape() {
	local ns=$1 dev=$2
	shift 2
	ip netns exec "$ns" tc qdisc replace dev "$dev" root netem "$@"
}

# topo_unshape NS IF
topo_unshape() {
	ip netns exec "$1" tc qdisc del dev "$2" root 2>/dev/null || true
}

# topo_exec NS CMD...
topo_exec() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# topo_udp_listen NS FAMILY(4|6) PORT OUT: a plain UDP socket on PORT in NS,
# in the background, writing "n=COUNT sizes=SIZE,..." to OUT once 3 s pass
# without a datagram (30 s for the first); returns once it is bound. The
# truth of what the stack delivers to a socket there.
topo_udp_listen() {
	: >"$4"
	ip netns exec "$1" python3 - "$2" "$3" "$4" <<'PY' &
import socket, sys
fam = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", int(sys.argv[2])))
open(sys.argv[3] + ".ready", "w").close()
s.settimeout(30)
sizes = [len(s.recv(65535))]
s.settimeout(3)
try:
    while True:
        sizes.append(len(s.recv(65535)))
except socket.timeout:
    pass
open(sys.argv[3], "w").write("n=%d sizes=%s\n" % (len(sizes), ",".join(sorted(set(map(str, sizes))))))
PY
	wait_for 20 test -e "$4.ready"
}

# topo_ping NS ADDR [COUNT]
topo_ping() {
	local ns=$1 addr=$2 count=${3:-1} fam=-4
	[[ $addr == *:* ]] && fam=-6
	ip netns exec "$ns" ping "$fam" -n -q -c "$count" -i 0.2 -W 2 "$addr" >/dev/null
}

# topo_pair
topo_pair() {
	TOPO_A=${TOPO_A:-hosta} TOPO_B=${TOPO_B:-hostb}
	TOPO_A_IP4=192.0.2.1 TOPO_B_IP4=192.0.2.2
	TOPO_A_IP6=2001:db8:0:1::1 TOPO_B_IP6=2001:db8:0:1::2
	topo_host "$TOPO_A" && topo_host "$TOPO_B" &&
		topo_link "$TOPO_A" eth0 "$TOPO_B" eth0 &&
		topo_addr "$TOPO_A" eth0 "$TOPO_A_IP4/24" "$TOPO_A_IP6/64" &&
		topo_addr "$TOPO_B" eth0 "$TOPO_B_IP4/24" "$TOPO_B_IP6/64"
}

# topo_line3
topo_line3() {
	SENDER=${SENDER:-sender} ROUTER=${ROUTER:-router} REFLECTOR=${REFLECTOR:-refl}
	SENDER_IP4=192.0.2.2 ROUTER_IP4_S=192.0.2.1
	ROUTER_IP4_R=198.51.100.1 REFL_IP4=198.51.100.2
	SENDER_IP6=2001:db8:0:1::2 ROUTER_IP6_S=2001:db8:0:1::1
	ROUTER_IP6_R=2001:db8:0:2::1 REFL_IP6=2001:db8:0:2::2
	topo_host "$SENDER" && topo_host "$ROUTER" && topo_host "$REFLECTOR" &&
		topo_link "$SENDER" eth0 "$ROUTER" eth0 &&
		topo_link "$ROUTER" eth1 "$REFLECTOR" eth0 &&
		topo_forwarding "$ROUTER" &&
		topo_addr "$SENDER" eth0 "$SENDER_IP4/24" "$SENDER_IP6/64" &&
		topo_addr "$ROUTER" eth0 "$ROUTER_IP4_S/24" "$ROUTER_IP6_S/64" &&
		topo_addr "$ROUTER" eth1 "$ROUTER_IP4_R/24" "$ROUTER_IP6_R/64" &&
		topo_addr "$REFLECTOR" eth0 "$REFL_IP4/24" "$REFL_IP6/64" &&
		topo_route "$SENDER" default "$ROUTER_IP4_S" &&
		topo_route "$SENDER" default "$ROUTER_IP6_S" &&
		topo_route "$REFLECTOR" default "$ROUTER_IP4_R" &&
		topo_route "$REFLECTOR" default "$ROUTER_IP6_R"
}
