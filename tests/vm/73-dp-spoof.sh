#!/bin/bash
# Datapath: spoofed sources the reflector host must not serve as a relay.
# Probes are hand-made by the router (tests/lib/dp_craft.py, raw sockets);
# the truth is what plain sockets in the reflector's namespace receive, and
# the reflector's counters and flow listing.
# timeout: 300
# debug-kernel: skip: two branches of the refusal 58 and 60 drive there; the packets here are stock-kernel routing
# cpus: 1 (one sender at a time)
# Checked:
#   local: a probe from the network whose source is one of the reflector's
#     own addresses (IPv4 with accept_local on, which lets such a source
#     in; IPv6, which always does) is not answered: the reply would be
#     delivered to the reflector host itself, from port 862, at whatever
#     local service holds the probe's source port. A plain socket on that
#     port gets nothing; bad_source +2, nothing reflected, no flow. A probe
#     the host sends to its own address (over lo) is still answered; one
#     an ordinary user's socket sends over lo from an address that is not
#     the host's (IPV6_FREEBIND) is refused (bad_source): its reply left
#     for that address from port 862.
#   unspecified: a probe from IPv6's unspecified address :: is refused
#     (bad_source), not answered.
#   ext: IPv6 probes with a header the stack processes after LOCAL_IN and
#     would drop (a Segment Routing header where seg6 is off, a
#     destination option whose type says discard) are counted ext_headers
#     and left to it; with hop-by-hop, PadN in destination options, or an
#     SRH at its last segment where seg6 is on, they are answered.
#   reply: replies the router forges to a sender's unanswered session
#     (its SSID and ports): a number never sent is counted unmatched and
#     ignored (it was recorded, its gap 59 993 losses); one whose record
#     is gone, with a T1 of 1900, counts as received with no round trip
#     (it made one of 126 years); one with a plausible T1 is recorded.
#     Replies whose T2 and T3 cannot be (one or both 0, T3 before T2, a
#     turnaround longer than the round trip) are received, implausible +5,
#     and make no sample (a T2 of 0 made a round trip of 0).
#   stamp-port: with a userspace reflector on port 862 (the module's off),
#     a spoofed flood of probes from port 862 of 40 sources makes no sender
#     flow of its replies (from 862 to 862): counted refused_port at
#     LOCAL_IN and at LOCAL_OUT, flows_created +0. They were sender flows
#     before, made past flow-rate and free to evict anything.
#   dup: an nft `dup to` rule in the sender's namespace copies every probe
#     (to an address nobody answers, so the reflector sees the originals
#     only): the copy passes LOCAL_OUT again, without a socket. 20 probes
#     leave a sender flow with tx 20, rx 20, nothing lost, and
#     foreign_probes +20; the copies were recorded as probes sent before
#     (tx 40, and the sender's loss alarm saw half of them lost).
#   vrf: the reflector's eth0 in a VRF (table 10, the main table has no
#     route back): probes from the sender over IPv4 and IPv6 are answered,
#     the replies routed in the VRF's table (they were routed in the main
#     one, and not sent: reflect_errors); a probe with the reflector's own
#     address as its source, arriving in the VRF, is refused (bad_source).
# shellcheck source=tests/lib/dp.sh
. "$(dirname "$0")/../lib/dp.sh"

dp_need_cli
dp_setup_line3

# d COUNTER : COUNTER on the reflector since the last `mark`
mark() { sf -n "$REFLECTOR" -j status >"$DP_TMP/mark.st"; }
d() {
	local a b
	a=$(dp_get "$DP_TMP/mark.st" "counters.$1")
	sf -n "$REFLECTOR" -j status >"$DP_TMP/now.st"
	b=$(dp_get "$DP_TMP/now.st" "counters.$1")
	# a counter that cannot be read is no "+0": say so, the checks fail
	if ! _sf_num "$a" || ! _sf_num "$b"; then
		echo "unreadable($1: '$a' '$b')"
		return
	fi
	echo $((b - a))
}

# listen OUT PORT... : plain UDP sockets (IPv4 and IPv6) on PORTs in the
# reflector's namespace; once 3 s pass without a datagram (or 8 s with
# none), OUT gets "PORT COUNT" lines
listen() {
	local out=$1
	shift
	: >"$out"
	ip netns exec "$REFLECTOR" python3 - "$out" "$@" <<'PY' &
import select, socket, sys, time
out, ports = sys.argv[1], [int(p) for p in sys.argv[2:]]
socks = {}
for p in ports:
    for fam, any_ in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((any_, p))
        socks[s] = p
got = {p: 0 for p in ports}
open(out + ".ready", "w").close()
deadline = time.time() + 8
while time.time() < deadline:
    r, _, _ = select.select(list(socks), [], [], max(0, deadline - time.time()))
    for s in r:
        s.recv(65535)
        got[socks[s]] += 1
        deadline = time.time() + 3
with open(out + ".tmp", "w") as f:
    for p in ports:
        f.write("%d %d\n" % (p, got[p]))
import os
os.rename(out + ".tmp", out + ".done")
PY
	wait_for 20 test -e "$out.ready"
}

# got OUT PORT : what listen OUT saw on PORT
got() {
	wait_for 20 test -e "$1.done" || { echo "no result"; return; }
	awk -v p="$2" '$1 == p { print $2 }' "$1.done"
}

# ----------------------------------------------------------------- local
ok "local: reflector on, no rate limit" sf -n "$REFLECTOR" reflect on rate 0
# (rp_filter would drop an IPv4 local source first, and accept_local 0 too)
ok "local: accept_local on, rp_filter off on the reflector" ip netns exec "$REFLECTOR" sysctl -qw \
	net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0 \
	net.ipv4.conf.all.accept_local=1 net.ipv4.conf.eth0.accept_local=1
mark
listen "$DP_TMP/local" 43010 43011
ok "local: the router sends $REFL_IP4:43010 -> $REFL_IP4:862 and [$REFL_IP6]:43011 -> [$REFL_IP6]:862" \
	dp_craft "$ROUTER" "$DP_TMP/local.json" --wait 0 \
	"src=$REFL_IP4,dst=$REFL_IP4,sport=43010" \
	"src=$REFL_IP6,dst=$REFL_IP6,sport=43011"
assert_eq "local: IPv4: no reply reached the reflector host's own port 43010" 0 "$(got "$DP_TMP/local" 43010)"
assert_eq "local: IPv6: no reply reached the reflector host's own port 43011" 0 "$(got "$DP_TMP/local" 43011)"
assert_eq "local: bad_source +2" 2 "$(d bad_source)"
assert_eq "local: nothing reflected" 0 "$(d reflected)"
assert_eq "local: both reached LOCAL_IN" 2 "$(d local_in)"
dp_flows "$REFLECTOR" "$DP_TMP/localf.json"
assert_eq "local: no flow for them" "0 0" \
	"$(dp_get "$DP_TMP/localf.json" --flow remote_port=43010 --count) $(dp_get "$DP_TMP/localf.json" --flow remote_port=43011 --count)"
# the host's own probes to its own addresses come over lo: answered
for dst in "$REFL_IP4" "$REFL_IP6"; do
	f=$DP_TMP/self-${dst//:/_}.json
	ok "local: the reflector host probes its own $dst" dp_stamp "$REFLECTOR" "$f" --dst "$dst" --sport 43020
	assert_eq "local: its own probe to $dst over lo is answered" 1 "$(dp_get "$f" replies.#)"
done
# over lo from an address not ours: IPV6_FREEBIND lets any user's socket
# do it, and the reply left for that address, from port 862
mark
ok "local: an ordinary user's socket (IPV6_FREEBIND) sends over lo from [$ROUTER_IP6_R]:43021" \
	ip netns exec "$REFLECTOR" setpriv --reuid=65534 --regid=65534 --clear-groups \
	python3 - "$ROUTER_IP6_R" "$REFL_IP6" <<'PY'
import socket, struct, sys, time
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, 78, 1)	# IPV6_FREEBIND
s.bind((sys.argv[1], 43021))
sec, ns = divmod(time.time_ns(), 1_000_000_000)
p = bytearray(44)
struct.pack_into("!IIIHH", p, 0, 1, sec + 2208988800, (ns << 32) // 1_000_000_000, 1, 0x1234)
s.sendto(bytes(p), (sys.argv[2], 862))
PY
assert_eq "local: a source not ours over lo: bad_source +1, nothing reflected" "1 0" \
	"$(d bad_source) $(d reflected)"

# ------------------------------------------------------------ unspecified
# IPv6's unspecified source: ip6_rcv_core() lets it in, and
# ipv6_addr_type() has no bit for it (IPV6_ADDR_ANY is 0), so the test
# for it never matched: the probe was answered, the reply routed to ::.
mark
ok "unspecified: the router sends [::]:43030 -> [$REFL_IP6]:862" \
	dp_craft "$ROUTER" "$DP_TMP/unspec.json" --wait 0 "src=::,dst=$REFL_IP6,sport=43030"
assert_eq "unspecified: reached LOCAL_IN, bad_source +1, nothing reflected" "1 1 0" \
	"$(d local_in) $(d bad_source) $(d reflected)"

# ------------------------------------------------------------------- ext
# IPv6 extension headers other than hop-by-hop are processed after
# LOCAL_IN. The stack drops a Segment Routing header where seg6 is off
# (the default), even with Segments Left 0, and an unknown destination
# option whose type says discard; it delivers padding, and an SRH whose
# last segment this is where seg6 is on. The reflector answered them all,
# before the stack's verdict; now it answers what the stack would deliver.
ok "ext: seg6 off on the reflector (the default)" ip netns exec "$REFLECTOR" sysctl -qw \
	net.ipv6.conf.all.seg6_enabled=0 net.ipv6.conf.eth0.seg6_enabled=0
mark
ok "ext: the router sends probes with hop-by-hop, destination options (PadN; a discard option), an SRH" \
	dp_craft "$ROUTER" "$DP_TMP/ext.json" --recv \
	"src=$ROUTER_IP6_R,dst=$REFL_IP6,sport=43040,ext=hbh" \
	"src=$ROUTER_IP6_R,dst=$REFL_IP6,sport=43041,ext=dst" \
	"src=$ROUTER_IP6_R,dst=$REFL_IP6,sport=43042,ext=rh" \
	"src=$ROUTER_IP6_R,dst=$REFL_IP6,sport=43043,ext=dstx"
mapfile -t v < <(dp_get "$DP_TMP/ext.json" answered.43040 answered.43041 answered.43042 answered.43043)
assert_eq "ext: hop-by-hop (processed before PRE_ROUTING): answered" 1 "${v[0]:-0}"
assert_eq "ext: destination options, PadN only (the stack delivers it): answered" 1 "${v[1]:-0}"
assert_eq "ext: Segment Routing header, seg6 off: left to the stack (which drops it), not answered" 0 "${v[2]:-0}"
assert_eq "ext: destination option whose type says discard: left to the stack, not answered" 0 "${v[3]:-0}"
assert_eq "ext: ext_headers +2, reflected +2" "2 2" "$(d ext_headers) $(d reflected)"
dp_flows "$REFLECTOR" "$DP_TMP/extf.json"
assert_eq "ext: no flow for the two left to the stack" "0 0" \
	"$(dp_get "$DP_TMP/extf.json" --flow remote_port=43042 --count) $(dp_get "$DP_TMP/extf.json" --flow remote_port=43043 --count)"
ok "ext: seg6 on on the reflector" ip netns exec "$REFLECTOR" sysctl -qw \
	net.ipv6.conf.all.seg6_enabled=1 net.ipv6.conf.eth0.seg6_enabled=1
mark
ok "ext: the router sends a probe with an SRH whose last segment is the reflector" \
	dp_craft "$ROUTER" "$DP_TMP/ext6.json" --recv "src=$ROUTER_IP6_R,dst=$REFL_IP6,sport=43044,ext=rh"
assert_eq "ext: SRH, seg6 on, no segment left (the stack delivers it): answered" 1 \
	"$(dp_get "$DP_TMP/ext6.json" answered.43044)"
assert_eq "ext: ext_headers +0, reflected +1" "0 1" "$(d ext_headers) $(d reflected)"
ok "ext: seg6 off again" ip netns exec "$REFLECTOR" sysctl -qw \
	net.ipv6.conf.all.seg6_enabled=0 net.ipv6.conf.eth0.seg6_enabled=0

# ----------------------------------------------------------------- reply
# Replies the sender never asked for: the router, spoofing the reflector,
# answers a session whose 100 probes nobody answered (the reflector off),
# with the session's SSID and ports. Probe 5's record is gone (64 in
# flight: probe 69 took its slot), so its reply's own T1 is used: 0 (1900)
# made a round trip of 126 years. Probe 60000 was never sent: its gap
# counted 59 993 losses (the flow's loss is by sequence number).
ok "reply: the in-kernel reflector off (nothing answers)" sf -n "$REFLECTOR" reflect off
# (its status is 1: nothing answered)
dp_probe "$SENDER" "$DP_TMP/unans.json" "$REFL_IP4" 100 0.01 --ssid 4660 --sport 43050
assert_eq "reply: the sender sent 100 probes from port 43050, SSID 0x1234; none answered" "100 0" \
	"$(dp_get "$DP_TMP/unans.json" sent) $(dp_get "$DP_TMP/unans.json" received)"
u0=$(sf_counter -n "$SENDER" unmatched)
ok "reply: the router sends replies to probes 5 (T1 0), 6 (T1 now) and 60000 (never sent)" \
	dp_craft "$ROUTER" "$DP_TMP/forged.json" --wait 0 \
	"src=$REFL_IP4,dst=$SENDER_IP4,sport=862,dport=43050,sseq=5,t1=zero" \
	"src=$REFL_IP4,dst=$SENDER_IP4,sport=862,dport=43050,sseq=6" \
	"src=$REFL_IP4,dst=$SENDER_IP4,sport=862,dport=43050,sseq=60000"
dp_flows "$SENDER" "$DP_TMP/forgedf.json"
sel=(--flow role=sender local_port=43050 --last)
assert_eq "reply: unmatched +3 (two records gone, one number never sent)" 3 \
	"$(($(sf_counter -n "$SENDER" unmatched) - u0))"
assert_eq "reply: the flow sent 100, received 2 (5 and 6; not 60000)" "100 2" \
	"$(dp_get "$DP_TMP/forgedf.json" "${sel[@]}" tx) $(dp_get "$DP_TMP/forgedf.json" "${sel[@]}" rx)"
assert_eq "reply: one round trip (6's), none from a T1 of 1900" 1 \
	"$(dp_get "$DP_TMP/forgedf.json" "${sel[@]}" rtt.count)"
assert_eq "reply: lost 0 by sequence number (5 and 6), not 59 993" 0 \
	"$(dp_get "$DP_TMP/forgedf.json" "${sel[@]}" lost)"
# the reflector's T2 and T3 that cannot be, on probes 7 to 11 (their
# records gone: the T1 they carry, now, is used): only T2 0 (which made a
# turnaround of 56 years and a round trip of 0), only T3 0, both 0, T3
# before T2, a turnaround of 1000 s; each received, no sample; then 12
# with T2 = T3 = now makes a round trip
# (stamp-tx off on the router: its module would write its own T3 into
# what it sends from port 862, as it does for a userspace reflector's)
ok "reply: stamp-tx off on the router" sf -n "$ROUTER" config stamp-tx off
i0=$(sf_counter -n "$SENDER" implausible)
ok "reply: the router sends replies to probes 7 to 11 with impossible T2 and T3, to 12 with good ones" \
	dp_craft "$ROUTER" "$DP_TMP/forged23.json" --wait 0 \
	"src=$REFL_IP4,dst=$SENDER_IP4,sport=862,dport=43050,sseq=7,t23=t2zero" \
	"src=$REFL_IP4,dst=$SENDER_IP4,sport=862,dport=43050,sseq=8,t23=t3zero" \
	"src=$REFL_IP4,dst=$SENDER_IP4,sport=862,dport=43050,sseq=9,t23=zero" \
	"src=$REFL_IP4,dst=$SENDER_IP4,sport=862,dport=43050,sseq=10,t23=reversed" \
	"src=$REFL_IP4,dst=$SENDER_IP4,sport=862,dport=43050,sseq=11,t23=long" \
	"src=$REFL_IP4,dst=$SENDER_IP4,sport=862,dport=43050,sseq=12"
dp_flows "$SENDER" "$DP_TMP/forged23f.json"
assert_eq "reply: implausible +5 (the five with impossible T2 and T3)" 5 \
	"$(($(sf_counter -n "$SENDER" implausible) - i0))"
assert_eq "reply: received 8 (7 to 12 as well), round trips 2 (6's and 12's), turnarounds 2" "8 2 2" \
	"$(dp_get "$DP_TMP/forged23f.json" "${sel[@]}" rx) $(dp_get "$DP_TMP/forged23f.json" "${sel[@]}" rtt.count) $(dp_get "$DP_TMP/forged23f.json" "${sel[@]}" turnaround.count)"
assert_eq "reply: no round trip clamped at 0 (the smallest is above 0)" 1 \
	"$(dp_get "$DP_TMP/forged23f.json" "${sel[@]}" rtt.min_ns | awk '{ print ($1 > 0) }')"
ok "reply: stamp-tx on again on the router" sf -n "$ROUTER" config stamp-tx on

# ------------------------------------------------------------ stamp-port
ok "stamp-port: module reloaded" sf_load
ok "stamp-port: the in-kernel reflector off (a userspace one answers)" sf -n "$REFLECTOR" reflect off
# a userspace reflector that answers everything, from 862 to the source
ip netns exec "$REFLECTOR" python3 - "$DP_TMP/urefl" <<'PY' &
import select, socket, sys, time
socks = []
for fam, any_ in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((any_, 862))
    socks.append(s)
open(sys.argv[1] + ".ready", "w").close()
n, end = 0, time.time() + 60
while time.time() < end and n < 1000:
    r, _, _ = select.select(socks, [], [], 1)
    for s in r:
        b, a = s.recvfrom(65535)
        try:
            s.sendto(b, a)
            n += 1
        except OSError:
            pass
        open(sys.argv[1] + ".n", "w").write("%d\n" % n)
PY
urefl=$!
on_exit "kill $urefl 2>/dev/null"
wait_for 20 test -e "$DP_TMP/urefl.ready" || bail "stamp-port: the userspace reflector did not start"
N=40
specs=()
for ((i = 0; i < N; i++)); do
	specs+=("src=192.0.2.$((100 + i)),dst=$REFL_IP4,sport=862")
done
mark
ok "stamp-port: the router sends $N probes from 192.0.2.100-$((99 + N)) port 862 to the reflector's 862" \
	dp_craft "$ROUTER" "$DP_TMP/sp.json" --wait 0 "${specs[@]}"
wait_for 10 bash -c "[[ \$(cat '$DP_TMP/urefl.n' 2>/dev/null) -ge $N ]]"
answered=$(cat "$DP_TMP/urefl.n" 2>/dev/null)
assert_eq "stamp-port: the userspace reflector answered all $N" "$N" "${answered:-0}"
assert_eq "stamp-port: refused_port: $N at LOCAL_IN and $N at LOCAL_OUT" $((2 * N)) "$(d refused_port)"
assert_eq "stamp-port: their replies made no flow (flows_created +0)" 0 "$(d flows_created)"
dp_flows "$REFLECTOR" "$DP_TMP/spf.json"
assert_eq "stamp-port: no flow with remote port 862" 0 "$(dp_get "$DP_TMP/spf.json" --flow remote_port=862 --count)"
kill "$urefl" 2>/dev/null
wait "$urefl" 2>/dev/null

# ------------------------------------------------------------------- dup
ok "dup: module reloaded" sf_load
ok "dup: reflector on, no rate limit" sf -n "$REFLECTOR" reflect on rate 0
ok "dup: nft dup of every probe the sender sends, to 192.0.2.77 (nobody)" \
	ip netns exec "$SENDER" nft -f - <<'NFT'
table ip sfdup {
	chain out {
		type filter hook output priority 0;
		udp dport 862 dup to 192.0.2.77
	}
}
NFT
fp0=$(sf_counter -n "$SENDER" foreign_probes)
ok "dup: 20 probes to $REFL_IP4" dp_probe "$SENDER" "$DP_TMP/dup.json" "$REFL_IP4" 20 0.05
ip netns exec "$SENDER" nft delete table ip sfdup
dp_flows "$SENDER" "$DP_TMP/dupf.json"
sel=(--flow role=sender remote_addr="$REFL_IP4")
assert_eq "dup: one sender flow" 1 "$(dp_get "$DP_TMP/dupf.json" "${sel[@]}" --count)"
assert_eq "dup: its tx is 20 (the copies not counted)" 20 "$(dp_get "$DP_TMP/dupf.json" "${sel[@]}" tx)"
assert_eq "dup: its rx is 20" 20 "$(dp_get "$DP_TMP/dupf.json" "${sel[@]}" rx)"
assert_eq "dup: nothing lost" 0 "$(dp_get "$DP_TMP/dupf.json" "${sel[@]}" lost)"
assert_eq "dup: foreign_probes +20" 20 "$(($(sf_counter -n "$SENDER" foreign_probes) - fp0))"

# ------------------------------------------------------------------- vrf
if ! ip -n "$REFLECTOR" link add red type vrf table 10 2>"$DP_TMP/vrf.err"; then
	skip "vrf" "no VRF device here: $(head -c 200 "$DP_TMP/vrf.err")"
	done_testing
	exit
fi
ok "vrf: module reloaded" sf_load
ok "vrf: reflector on, no rate limit" sf -n "$REFLECTOR" reflect on rate 0
# (enslaving cycles the device: its IPv6 addresses are kept only so, and
# go through DAD again before a route can use them)
ok "vrf: the reflector's eth0 in VRF red (table 10), default routes there" \
	bash -c "ip netns exec '$REFLECTOR' sysctl -qw net.ipv6.conf.eth0.keep_addr_on_down=1 &&
		ip -n '$REFLECTOR' link set red up &&
		ip -n '$REFLECTOR' link set eth0 master red &&
		ip -n '$REFLECTOR' route add default via $ROUTER_IP4_R vrf red &&
		for i in \$(seq 50); do
			ip -n '$REFLECTOR' -6 route add default via $ROUTER_IP6_R vrf red 2>/dev/null && exit 0
			sleep 0.2
		done; exit 1"
wait_for 10 bash -c "! ip -n '$REFLECTOR' -6 addr show dev eth0 | grep -q tentative"
must_fail "vrf: the main table has no route back to the sender" \
	ip -n "$REFLECTOR" route get "$SENDER_IP4"
mark
for dst in "$REFL_IP4" "$REFL_IP6"; do
	f=$DP_TMP/vrf-${dst//:/_}.json
	ok "vrf: the sender probes $dst" dp_stamp "$SENDER" "$f" --dst "$dst" --sport 43030
	assert_eq "vrf: the probe to $dst is answered (the reply routed in the VRF)" 1 "$(dp_get "$f" replies.#)"
done
assert_eq "vrf: reflected +2" 2 "$(d reflected)"
assert_eq "vrf: reflect_errors +0" 0 "$(d reflect_errors)"
mark
ok "vrf: the router sends $REFL_IP4:43031 -> $REFL_IP4:862 into the VRF" \
	dp_craft "$ROUTER" "$DP_TMP/vrfspoof.json" --wait 0 "src=$REFL_IP4,dst=$REFL_IP4,sport=43031"
sleep 1
assert_eq "vrf: the reflector's own address as the source: bad_source +1" 1 "$(d bad_source)"
assert_eq "vrf: not reflected" 0 "$(d reflected)"
done_testing
