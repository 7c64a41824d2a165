#!/bin/bash
# Flows whose histograms do not fit in a default dump buffer, and a
# histogram with more non-empty buckets than one netlink attribute can
# hold (64 KiB: at most 1636 buckets of 40 bytes).  A reflector flow gets
# 4000 forward-delay samples spread over 16 powers of two at precision 8
# (probes with the S bit, clock-synced on, stamp-tx off, T1 set back by
# 1 ms .. 65 s),
# among 400 small flows.  Dumps and a single get must deliver it whole:
# bucket counts adding up to the histogram's count, no more than 1636
# buckets in a histogram (adjacent ones merged). A dump's messages stay
# within the 32 KiB any netlink dump's buffer has (the core allocates it
# uncharged, and a socket that does not read keeps one: the big flow's
# buckets merged further to fit); a single get's reply is longer than
# that, with the buckets only the 64 KiB nest limit merges.  Checked with
# tests/tools/nldump, then with the CLI.
# timeout: 900
# debug-kernel: skip: a large histogram dumped; histogram growth runs here in KUnit (snapfire_hist) and in 58 and 60
# cpus: 1 (one flow's histograms)
# shellcheck source=tests/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"

NS=sf-bighist
BIN=$SF_REPO/tests/bin
PY=/usr/bin/python3
NPROBES=4000

out=$(make -s -C "$SF_REPO/tests/tools" 2>&1) || bail "build tests/tools (make -C tests/tools)" "$out"
sf_load || bail "insmod snapfire.ko"
topo_host "$NS" || bail "namespace $NS"
# stamp-tx off: T1 as sent, not rewritten with the egress time on the way out
ok "config precision 8, clock-synced on, stamp-tx off, idle-timeout 604800, flow-rate unlimited" \
	sf -n "$NS" config precision 8 clock-synced on stamp-tx off idle-timeout 604800 flow-rate 4000000000

# NPROBES probes from 127.0.0.1:41000, SSID 5, seq 0.., S bit set, T1 set
# back by 1 ms * 2^(16 i / NPROBES): one forward delay per bucket or so
send_spread() {
	ip netns exec "$NS" "$PY" - "$NPROBES" <<'PY'
import socket, struct, sys, time
n = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 41000))
for i in range(n):
    back = int(1e6 * 2 ** (16 * i / n))
    t = time.time_ns() - back
    sec, ns = divmod(t, 10**9)
    pkt = struct.pack("!IIIHH", i, sec + 2208988800, (ns << 32) // 10**9, 0x8001, 5)
    s.sendto(pkt + bytes(28), ("127.0.0.1", 862))
PY
}
ok "$NPROBES probes with spread-out T1 (ssid 5)" send_spread
ok "400 small flows (flood: 2 ports x 100 SSIDs)" \
	ip netns exec "$NS" "$BIN/flood" -b 42000 -n 2 -s 100
sleep 1

kv() { sed -n "s/.*\\b$1=\\([0-9.]*\\).*/\\1/p" <<<"$res"; }

# the big flow alone: it is the first (and only) one of the dump
res=$(ip netns exec "$NS" "$BIN/nldump" -m 0x7f -r 2 -s 5 -p 41000)
rc=$?
diag "nldump -m 0x7f -r 2 -s 5 -p 41000: $res"
ok "dump of the big flow alone (sized in .start): consistent, well formed" test "$rc" = 0
assert_eq "... one flow" 1 "$(kv flows)"
assert_le "... its message within a netlink dump buffer's 32 KiB" "$(kv maxmsg)" 32768
assert_gt "... and close to it (merged to fit, no further: over 16 KiB)" "$(kv maxmsg)" 16384
dump_maxb=$(kv maxb)
assert_gt "... the forward-delay histogram still has many (merged) buckets" "$dump_maxb" 200

# everything: the big flow somewhere among the small ones
res=$(ip netns exec "$NS" "$BIN/nldump" -m 0x7f)
rc=$?
diag "nldump -m 0x7f: $res"
ok "dump of all flows with histograms: consistent, well formed" test "$rc" = 0
assert_eq "... 402 flows" 402 "$(kv flows)"
assert_le "... every message within 32 KiB, the big flow's too" "$(kv maxmsg)" 32768
# (merged to the buffer it is first in, whose size the socket's reads
# decide: not always as in the dump of it alone, 371 and 382 buckets)
assert_gt "... the big flow's histogram merged, still many buckets" "$(kv maxb)" 200

# a single get
id=$(sf -n "$NS" -j flows --role reflector --ssid 5 | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
flows = d if isinstance(d, list) else d.get("flows", [])
print(" ".join(str(f["id"]) for f in flows if f.get("remote_port", f.get("remote-port")) == 41000))')
[[ $id =~ ^[0-9]+$ ]] || bail "CLI: snapfire -j flows --role reflector --ssid 5 finds the flow" "ids: '$id'"
ok "CLI: the big flow in a filtered dump with histograms (id $id)"
res=$(ip netns exec "$NS" "$BIN/nldump" -i "$id")
rc=$?
diag "nldump -i $id: $res"
ok "flow-get $id (all histograms): well formed" test "$rc" = 0
assert_eq "... that flow" 1 "$(kv flows)"
assert_gt "... a long reply (longer than a dump's 32 KiB)" "$(kv maxmsg)" 32768
assert_le "... no histogram has more than 1636 buckets" "$(kv maxb)" 1636
assert_gt "... the forward-delay one has many (merged) buckets, more than in the dump" "$(kv maxb)" "$((dump_maxb > 1000 ? dump_maxb : 1000))"

json=$(sf -n "$NS" -j show "$id" 2>&1)
rc=$?
ok "CLI: snapfire -j show $id (a $(kv maxmsg)-byte reply)" test "$rc" = 0 || diag "$json"
out=$("$PY" -c '
import json, sys
d = json.load(sys.stdin)
def walk(o):
    if isinstance(o, dict):
        if "count" in o and ("buckets" in o or "bucket" in o):
            yield o
        for v in o.values():
            yield from walk(v)
    elif isinstance(o, list):
        for v in o:
            yield from walk(v)
print(max((h["count"] for h in walk(d)), default=0))' <<<"$json" 2>&1)
assert_eq "CLI: its largest histogram has the $NPROBES samples" "$NPROBES" "$out"

ok "module still answers" sf -n "$NS" status
done_testing
