#!/bin/bash
# UDP packets to the STAMP port (862) sent between two namespaces are seen
# by the module (counter probes_rx of `snapfire -j status`, read in the
# receiving namespace).
# timeout: 120
# debug-kernel: skip: probes counted at the hooks: the same paths 58 and 60 drive here
# cpus: 1 (one probe flow)
# shellcheck source=tests/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"

sf_load || bail "insmod snapfire.ko failed"
topo_pair || bail "cannot build the two-host topology"
ok "hosts reach each other over IPv4" topo_ping "$TOPO_A" "$TOPO_B_IP4"
ok "hosts reach each other over IPv6" topo_ping "$TOPO_A" "$TOPO_B_IP6"

# send NS DST COUNT: unauthenticated STAMP Session-Sender packets (RFC 8762
# 4.2.1: seq, NTP timestamp, error estimate, 30 MBZ octets = 44 octets)
send_stamp() {
	topo_exec "$1" python3 - "$2" "$3" <<'PY'
import socket, struct, sys, time
dst, count = sys.argv[1], int(sys.argv[2])
fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
for seq in range(count):
    t = time.time() + 2208988800
    ts = (int(t) << 32) | int((t % 1) * (1 << 32))
    pkt = struct.pack("!IQH", seq, ts, 0x8001) + bytes(30)
    s.sendto(pkt, (dst, 862))
    time.sleep(0.02)
PY
}

if ! before=$(sf_counter -n "$TOPO_B" probes_rx 2>&1); then
	not_ok "read counter probes_rx (snapfire -j status)" "$before"
	done_testing
fi
ok "read counter probes_rx (snapfire -j status)"

ok "send 3 STAMP packets over IPv4" send_stamp "$TOPO_A" "$TOPO_B_IP4" 3
sleep 0.2
mid=$(sf_counter -n "$TOPO_B" probes_rx)
assert_eq "IPv4 probes seen by the module (probes_rx +3)" 3 "$((mid - before))"

ok "send 2 STAMP packets over IPv6" send_stamp "$TOPO_A" "$TOPO_B_IP6" 2
sleep 0.2
after=$(sf_counter -n "$TOPO_B" probes_rx)
assert_eq "IPv6 probes seen by the module (probes_rx +2)" 2 "$((after - mid))"
diag "probes_rx: $before -> $mid -> $after"
done_testing
