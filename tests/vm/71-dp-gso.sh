#!/bin/bash
# Datapath: a UDP GSO aggregate of STAMP probes (one sendmsg with
# UDP_SEGMENT, which crosses veth whole: several datagrams behind one UDP
# header) is left alone, over IPv4 and IPv6. The truth is what a plain
# socket on the reflector's port 862 receives: every probe, one datagram
# each, 44 bytes, while the in-kernel reflector is on. The module counts
# the aggregate `gso` on the way out (hosta, POST_ROUTING) and on the way
# in (hostb, LOCAL_IN), answers none of it, records no flow for it and
# does not call it malformed. Parsed as one datagram (before the gso
# counter), the later probes were read as the first one's TLVs: counted
# malformed, or answered with one reply as long as all of them, and the
# socket got nothing. A single probe afterwards is still answered.
# timeout: 300
# debug-kernel: skip: one branch on the packet path; 58 and 60 drive the parser and the reflector there
# cpus: 1 (one sender at a time)
# shellcheck source=tests/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"

sf_load || bail "insmod snapfire.ko failed"
topo_pair || bail "cannot build the two-host topology"
ok "hosts reach each other over IPv4" topo_ping "$TOPO_A" "$TOPO_B_IP4"
ok "hosts reach each other over IPv6" topo_ping "$TOPO_A" "$TOPO_B_IP6"
ok "hostb: reflector on, no rate limit" sf -n "$TOPO_B" reflect on rate 0

tmp=$(mktemp -d /tmp/sf-gso.XXXXXX)
on_exit "rm -rf $tmp"
SEGS=4 SENDS=3

# send_gso DST: SENDS sendmsg calls from hosta, each SEGS 44-byte
# Session-Sender test packets (RFC 8762 4.2.1) with UDP_SEGMENT 44;
# prints the replies its socket got within 1 s
send_gso() {
	topo_exec "$TOPO_A" python3 - "$1" "$SEGS" "$SENDS" <<'PY'
import socket, struct, sys, time
dst, segs, sends = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_UDP, 103, 44)	# UDP_SEGMENT
seq = 0
for _ in range(sends):
    t = time.time() + 2208988800
    ts = (int(t) << 32) | int((t % 1) * (1 << 32))
    buf = b""
    for _ in range(segs):
        buf += struct.pack("!IQH", seq, ts, 0x8001) + bytes(30)
        seq += 1
    s.sendto(buf, (dst, 862))
    time.sleep(0.05)
s.settimeout(1)
n = 0
try:
    while True:
        s.recv(65535)
        n += 1
except socket.timeout:
    pass
print(n)
PY
}

# send_one DST: one plain probe; prints the replies (0 or 1)
send_one() {
	topo_exec "$TOPO_A" python3 - "$1" <<'PY'
import socket, struct, sys, time
dst = sys.argv[1]
s = socket.socket(socket.AF_INET6 if ":" in dst else socket.AF_INET, socket.SOCK_DGRAM)
t = time.time() + 2208988800
s.sendto(struct.pack("!IQH", 7, (int(t) << 32), 0x8001) + bytes(30), (dst, 862))
s.settimeout(3)
try:
    print(len(s.recv(65535)) and 1)
except socket.timeout:
    print(0)
PY
}

cnt() { sf_counter -n "$1" "$2"; }

for v in 4 6; do
	dst=$TOPO_B_IP4
	((v == 6)) && dst=$TOPO_B_IP6
	a_gso=$(cnt "$TOPO_A" gso) a_fc=$(cnt "$TOPO_A" flows_created)
	b_gso=$(cnt "$TOPO_B" gso) b_mal=$(cnt "$TOPO_B" malformed)
	b_rf=$(cnt "$TOPO_B" reflected) b_rx=$(cnt "$TOPO_B" probes_rx)
	b_fc=$(cnt "$TOPO_B" flows_created)
	[[ -n $a_gso && -n $b_gso ]] || bail "IPv$v: counter gso in snapfire -j status"
	topo_udp_listen "$TOPO_B" "$v" 862 "$tmp/sock$v"
	replies=$(send_gso "$dst")
	wait_for 30 test -s "$tmp/sock$v"
	got=$(cat "$tmp/sock$v")
	diag "IPv$v: socket: $got; replies to the sender: $replies"
	assert_eq "IPv$v: the socket on 862 got every probe, one datagram each" \
		"n=$((SEGS * SENDS)) sizes=44" "$got"
	assert_eq "IPv$v: no reply to the aggregates" 0 "$replies"
	assert_eq "IPv$v: hosta counted each aggregate gso (POST_ROUTING)" \
		"$SENDS" "$(($(cnt "$TOPO_A" gso) - a_gso))"
	assert_eq "IPv$v: hostb counted each aggregate gso (LOCAL_IN)" \
		"$SENDS" "$(($(cnt "$TOPO_B" gso) - b_gso))"
	assert_eq "IPv$v: hostb: none malformed" 0 "$(($(cnt "$TOPO_B" malformed) - b_mal))"
	assert_eq "IPv$v: hostb: none reflected" 0 "$(($(cnt "$TOPO_B" reflected) - b_rf))"
	assert_eq "IPv$v: hostb: no probe received" 0 "$(($(cnt "$TOPO_B" probes_rx) - b_rx))"
	assert_eq "IPv$v: no flow, either side" 0 \
		"$(($(cnt "$TOPO_A" flows_created) - a_fc + $(cnt "$TOPO_B" flows_created) - b_fc))"
	b_rf=$(cnt "$TOPO_B" reflected)
	assert_eq "IPv$v: a single probe afterwards is answered" 1 "$(send_one "$dst")"
	assert_eq "IPv$v: ... and counted reflected" 1 "$(($(cnt "$TOPO_B" reflected) - b_rf))"
done
done_testing
