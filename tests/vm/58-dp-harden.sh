#!/bin/bash
# Datapath: the in-kernel reflector's hardening. Probes are hand-made
# (tests/lib/dp_craft.py: raw sockets, spoofed addresses and ports, wrong
# checksums; tests/lib/dp_stamp.py: odd layouts); the truth is what comes
# back on the crafted sender's socket, what a capture saw on the wire,
# counter deltas and the reflector's flow listing (`snapfire -j flows`).
# timeout: 900
# debug-kernel: seconds: 824 (its time on the debug kernel in make check with an empty cache, 2026-12-03, df1515a: the shards' order and estimate)
# cpus: 1 (hostile packets and the counters they move, one sender at a time; 44, 57 and 60 race the module on two CPUs)
# Checked:
#   loop: a probe 192.0.2.2:862 -> 198.51.100.2:862 spoofed by the router
#     with both namespaces reflecting is answered by neither (no ping-pong),
#     refused_port +1, one packet on the reflector's link; source port 53
#     refused, 40000 answered; min-source-port 0: 53 answered, 862 not;
#   looped: a probe with bytes 16..23 (a Receive Timestamp) set is not
#     answered (refused_looped), one with only byte 24 set is;
#   checksum: IPv4 and IPv6 probes with a wrong UDP checksum and an IPv6 one
#     with checksum 0 are not answered, not counted in probes_rx, make no
#     flow (bad_checksum +3); IPv4 with checksum 0 is answered;
#   ip-id: the IPv4 replies' IP ID is 0 (20 replies captured);
#   no-flow: probes refused by the allow-list make no flow (flows_created
#     unchanged); of 50 rate-limited probes only the answered are recorded;
#   fairness: rate 1 burst 5: a source flooding (4000 probes flat out)
#     does not starve a second one (every one of its 5 probes between
#     the flood's last 2000 that reached the reflector's link answered, on
#     a capture there, and at least 3 reached it); rate 10 burst 5: IPv6 sources share a bucket per /64
#     (rate-prefix6 64), not with rate-prefix6 128; IPv4 sources of one
#     /24 likewise with rate-prefix4 24, not with the default 32;
#   unicast: no reply leaves the reflector for a probe from its subnet's
#     broadcast address (198.51.100.255) or to ff02::1 (in a multicast frame
#     or a unicast one), bad_source +3, no flow;
#   stamp-tx: the sender's module leaves an authenticated-mode probe (RFC 8762
#     4.2.2) and a probe with an HMAC TLV (RFC 8972 type 8) byte for byte as
#     sent (not_rewritten +2) and rewrites T1 of an ordinary one; the
#     reflector does not answer the authenticated one;
#   status: no global_counters / global_mem_bytes for an unprivileged user or
#     for root of a new user namespace, only for the host's root; a network
#     namespace owned by a new user namespace may lower max-flows,
#     precision, flow-rate and event-rate, not raise them above 65536 / 6
#     / 1000 / 100; nor turn the reflector's rate limit off (rate 0) or
#     raise rate, burst or rate-total above 1000 / 100 / 100000, nor lower
#     min-source-port below 1024; a value the host's administrator set
#     there (rate 0) may be written back unchanged, not set anew.
# shellcheck source=tests/lib/dp.sh
. "$(dirname "$0")/../lib/dp.sh"

dp_need_cli
dp_setup_line3

# st NS NAME : snapshot `snapfire -n NS -j status` as NAME
st() {
	sf -n "$1" -j status >"$DP_TMP/$2.st" 2>&1 ||
		diag "snapfire -n $1 -j status: $(head -c 300 "$DP_TMP/$2.st")"
}

# dc A B COUNTER : COUNTER in snapshot B minus in snapshot A
dc() {
	local a b
	a=$(dp_get "$DP_TMP/$1.st" "counters.$3" 2>/dev/null)
	b=$(dp_get "$DP_TMP/$2.st" "counters.$3" 2>/dev/null)
	if [[ $a =~ ^[0-9]+$ && $b =~ ^[0-9]+$ ]]; then
		echo $((b - a))
	else
		echo "no counter $3"
	fi
}

# nflows FILE KEY=VALUE... : how many flows of a `-j flows` dump match
nflows() {
	local f=$1
	shift
	dp_get "$f" --flow "$@" --count
}

# fresh NAME : reload the module (every setting, counter, flow and
# rate-limit bucket back to the start) and turn the reflector on
fresh() {
	sf_load || bail "$1: module reload failed"
	ok "$1: module reloaded, reflector on" dp_reflect "$REFLECTOR" on
}

# On the debug kernel (slow_kernel) loop, ports, looped, checksum and ip-id
# are left out (about 460 of its 950 s there alone): the refusals they check
# (refused_port, refused_looped, bad_checksum) are the mutation classes
# 60's packet fuzzer drives there by the thousand, every reply is built by
# the same code as the ones below, and that kernel zeroes what it allocates
# (init_on_alloc), so an IP ID left unset would read 0 there anyway.
if slow_kernel; then
	skip "loop, ports, looped, checksum, ip-id" "on the debug kernel: 60's packet fuzzer drives these refusals there; they run on the stock kernel"
else
# ------------------------------------------------------------------ loop
fresh loop
ok "loop: reflector on in the sender namespace too" dp_reflect "$SENDER" on
st "$SENDER" s0
st "$REFLECTOR" r0
dp_cap_start "$REFLECTOR" eth0 "$DP_TMP/loop.pcap"
ok "loop: the router sends one probe $SENDER_IP4:862 -> $REFL_IP4:862" \
	dp_craft "$ROUTER" "$DP_TMP/loop.json" --wait 0 "src=$SENDER_IP4,dst=$REFL_IP4,sport=862"
sleep 3
dp_cap_stop
# on a reflector without the guard the ping-pong goes on: stop it here
ok "loop: reflector off in the sender namespace" dp_reflect "$SENDER" off
st "$SENDER" s1
st "$REFLECTOR" r1
diag "loop: reflected: reflector +$(dc r0 r1 reflected), sender +$(dc s0 s1 reflected)"
assert_eq "loop: the reflector answered nothing" 0 "$(dc r0 r1 reflected)"
assert_eq "loop: the sender reflected nothing" 0 "$(dc s0 s1 reflected)"
assert_eq "loop: refused_port +1 on the reflector" 1 "$(dc r0 r1 refused_port)"
if dp_wire "$DP_TMP/loopw.json" "$DP_TMP/loop.pcap"; then
	assert_eq "loop: one STAMP packet on the reflector's link (the probe)" 1 \
		"$(dp_get "$DP_TMP/loopw.json" probe_frames)"
else
	not_ok "loop: reading the reflector's capture"
fi
dp_flows "$REFLECTOR" "$DP_TMP/loopf.json"
assert_eq "loop: no reflector flow for it" 0 "$(nflows "$DP_TMP/loopf.json" remote_port=862)"

# source ports: below min-source-port (1024), or a STAMP port whatever it is
st "$REFLECTOR" r0
f=$DP_TMP/port53.json
ok "ports: a probe from port 53" dp_stamp "$SENDER" "$f" --dst "$REFL_IP4" --sport 53
assert_eq "ports: source port 53 not answered" 0 "$(dp_get "$f" replies.#)"
f=$DP_TMP/port40000.json
ok "ports: a probe from port 40000" dp_stamp "$SENDER" "$f" --dst "$REFL_IP4" --sport 40000
assert_eq "ports: source port 40000 answered" 1 "$(dp_get "$f" replies.#)"
st "$REFLECTOR" r1
assert_eq "ports: refused_port +1" 1 "$(dc r0 r1 refused_port)"
dp_flows "$REFLECTOR" "$DP_TMP/portf.json"
assert_eq "ports: no flow for port 53" 0 "$(nflows "$DP_TMP/portf.json" remote_port=53)"
ok "ports: config min-source-port 0" dp_cfg "$REFLECTOR" min-source-port 0
f=$DP_TMP/port53b.json
ok "ports: a probe from port 53 again" dp_stamp "$SENDER" "$f" --dst "$REFL_IP4" --sport 53
assert_eq "ports: min-source-port 0: port 53 answered" 1 "$(dp_get "$f" replies.#)"
f=$DP_TMP/port862.json
ok "ports: a probe from port 862" dp_stamp "$SENDER" "$f" --dst "$REFL_IP4" --sport 862
assert_eq "ports: min-source-port 0: port 862 (a STAMP port) still not answered" 0 \
	"$(dp_get "$f" replies.#)"
st "$REFLECTOR" r2
assert_eq "ports: refused_port +1 more" 1 "$(dc r1 r2 refused_port)"

# ---------------------------------------------------------------- looped
fresh looped
st "$REFLECTOR" r0
f=$DP_TMP/looped4.json
ok "looped: an IPv4 probe with bytes 16..23 set" dp_stamp "$SENDER" "$f" --dst "$REFL_IP4" \
	--sport 40001 --mbz 0102030405060708
assert_eq "looped: IPv4 not answered" 0 "$(dp_get "$f" replies.#)"
f=$DP_TMP/looped6.json
ok "looped: an IPv6 probe with bytes 16..23 set" dp_stamp "$SENDER" "$f" --dst "$REFL_IP6" \
	--sport 40002 --mbz e5c0ffee00000001
assert_eq "looped: IPv6 not answered" 0 "$(dp_get "$f" replies.#)"
f=$DP_TMP/mbz24.json
ok "looped: a probe with only byte 24 set" dp_stamp "$SENDER" "$f" --dst "$REFL_IP4" \
	--sport 40003 --mbz 0000000000000000ff
assert_eq "looped: byte 24 alone is not a Receive Timestamp: answered" 1 "$(dp_get "$f" replies.#)"
st "$REFLECTOR" r1
assert_eq "looped: refused_looped +2" 2 "$(dc r0 r1 refused_looped)"
dp_flows "$REFLECTOR" "$DP_TMP/loopedf.json"
assert_eq "looped: no flow for them" "0 0" \
	"$(nflows "$DP_TMP/loopedf.json" remote_port=40001) $(nflows "$DP_TMP/loopedf.json" remote_port=40002)"

# -------------------------------------------------------------- checksum
fresh checksum
# the sender's stamp-tx would recompute an IPv6 zero checksum with T1
ok "checksum: stamp-tx off in the sender namespace" dp_cfg "$SENDER" stamp-tx off
st "$REFLECTOR" r0
f=$DP_TMP/csum.json
ok "checksum: 6 probes, 3 with a bad UDP checksum" dp_craft "$SENDER" "$f" --recv \
	"src=$SENDER_IP4,dst=$REFL_IP4,sport=41001,seq=1,csum=bad" \
	"src=$SENDER_IP6,dst=$REFL_IP6,sport=41002,seq=2,csum=bad" \
	"src=$SENDER_IP6,dst=$REFL_IP6,sport=41003,seq=3,csum=zero" \
	"src=$SENDER_IP4,dst=$REFL_IP4,sport=41004,seq=4,csum=zero" \
	"src=$SENDER_IP4,dst=$REFL_IP4,sport=41005,seq=5" \
	"src=$SENDER_IP6,dst=$REFL_IP6,sport=41006,seq=6"
st "$REFLECTOR" r1
mapfile -t v < <(dp_get "$f" answered.41001 answered.41002 answered.41003 answered.41004 \
	answered.41005 answered.41006)
assert_eq "checksum: IPv4, wrong checksum: not answered" 0 "${v[0]}"
assert_eq "checksum: IPv6, wrong checksum: not answered" 0 "${v[1]}"
assert_eq "checksum: IPv6, checksum 0: not answered" 0 "${v[2]}"
assert_eq "checksum: IPv4, checksum 0 (none): answered" 1 "${v[3]}"
assert_eq "checksum: IPv4, right checksum: answered" 1 "${v[4]}"
assert_eq "checksum: IPv6, right checksum: answered" 1 "${v[5]}"
assert_eq "checksum: bad_checksum +3" 3 "$(dc r0 r1 bad_checksum)"
assert_eq "checksum: probes_rx +3 (the good ones only)" 3 "$(dc r0 r1 probes_rx)"
dp_flows "$REFLECTOR" "$DP_TMP/csumf.json"
assert_eq "checksum: no flow for the bad ones, one for each good one" "0 0 0 1 1 1" \
	"$(for p in 41001 41002 41003 41004 41005 41006; do
		printf '%s ' "$(nflows "$DP_TMP/csumf.json" "remote_port=$p")"
	done | sed 's/ $//')"

# ----------------------------------------------------------------- ip-id
fresh ip-id
# padded (a TLV of non-zero bytes): the memory a reply is built in has held
# such probes before, so a header field left unset shows
f=$DP_TMP/ipid.json
ok "ip-id: 20 padded probes, replies captured on the sender" dp_stamp "$SENDER" "$f" \
	--dst "$REFL_IP4" --tlv 1:300 --count 20 --interval 0.02 --capture eth0 --wait 1
n=$(dp_get "$f" wire.replies.#)
assert_eq "ip-id: 20 replies captured" 20 "$n"
paths=()
for ((i = 0; i < ${n:-0}; i++)); do paths+=("wire.replies.$i.ipid"); done
ids=$( ((${#paths[@]})) && dp_get "$f" "${paths[@]}" | sort -un | tr '\n' ' ')
assert_eq "ip-id: every reply's IP ID is 0 (seen: ${ids:-none})" "0" "${ids% }"
# the check means something only where allocations are not zeroed
# (tests/run boots every kernel with init_on_alloc=0)
assert_contains "ip-id: the kernel does not zero allocations (init_on_alloc=0): an unset IP ID would show" \
	"init_on_alloc=0" "$(cat /proc/cmdline)"
fi

# --------------------------------------------------------------- no-flow
fresh no-flow
ok "no-flow: allow 203.0.113.0/24" dp_cfg "$REFLECTOR" allow 203.0.113.0/24
st "$REFLECTOR" r0
f=$DP_TMP/deny.json
ok "no-flow: 5 probes from $SENDER_IP4" dp_stamp "$SENDER" "$f" --dst "$REFL_IP4" --count 5 --interval 0.02
st "$REFLECTOR" r1
assert_eq "no-flow: not answered" 0 "$(dp_get "$f" replies.#)"
assert_eq "no-flow: not_allowed +5" 5 "$(dc r0 r1 not_allowed)"
assert_eq "no-flow: flows_created unchanged" 0 "$(dc r0 r1 flows_created)"
dp_flows "$REFLECTOR" "$DP_TMP/denyf.json"
assert_eq "no-flow: no flow from $SENDER_IP4" 0 "$(nflows "$DP_TMP/denyf.json" remote_addr="$SENDER_IP4")"

fresh "no-flow (rate limit)"
ok "no-flow: rate 10 burst 5" dp_cfg "$REFLECTOR" rate 10 burst 5
st "$REFLECTOR" r0
f=$DP_TMP/burst.json
ok "no-flow: a burst of 50 probes at 1 ms" dp_stamp "$SENDER" "$f" --dst "$REFL_IP4" \
	--count 50 --interval 0.001 --sport 40001
st "$REFLECTOR" r1
n=$(dp_get "$f" replies.#)
diag "no-flow: $n of 50 answered, rate_limited +$(dc r0 r1 rate_limited)"
assert_ge "no-flow: at least the burst (5) answered" "$n" 5
# rate 10 burst 5: the burst, 10 a second between the first and the last
# answered probe's arrival at the reflector (T2), 1 for a partial second's
# token; at least 15 (a slow kernel stretches the 50 ms of sending past 1 s)
max=$(dp_rate_max "$f" 5 10 15)
assert_le "no-flow: at most the burst + 10/s over the answered probes' arrivals (${max:-?})" "$n" "${max:-15}"
assert_eq "no-flow: rate_limited counts the rest" "$((50 - n))" "$(dc r0 r1 rate_limited)"
assert_eq "no-flow: flows_created +1" 1 "$(dc r0 r1 flows_created)"
dp_flows "$REFLECTOR" "$DP_TMP/burstf.json"
assert_eq "no-flow: exactly one flow" 1 "$(dp_get "$DP_TMP/burstf.json" flows.#)"
assert_eq "no-flow: its rx counts the answered probes only" "$n" \
	"$(dp_get "$DP_TMP/burstf.json" --flow remote_addr="$SENDER_IP4" rx)"

# ------------------------------------------------------------- fairness
fresh fairness
# the shared bucket at 100 x 1/s: a flood of the few thousand probes per
# second a Python sender makes under TCG keeps it empty, however the VM's
# vCPUs are scheduled
ok "fairness: rate 1 burst 5" dp_cfg "$REFLECTOR" rate 1 burst 5
ok "fairness: more sender addresses" topo_addr "$SENDER" eth0 192.0.2.3/24 192.0.2.4/24 \
	2001:db8:0:1::3/64 2001:db8:0:1::4/64 2001:db8:0:1::5/64
# A (192.0.2.2) sends 4000 probes flat out from one thread; once it has
# sent 2000 (the shared bucket, burst 500 at 100/s, is empty by then) B
# sends 5 probes between A's, 300 of A's apart. B is two sources (.3 and
# .4), in case one of them shares A's hashed bucket.
# The truth for B is the reflector's own link: a flood this fast can
# overflow a backlog on the way (the veths' netif_rx queues, shared with
# the flood), and a probe lost there was never the reflector's to answer.
# The capture keeps B's packets only.
f=$DP_TMP/fair.json
dp_cap_start "$REFLECTOR" eth0 "$DP_TMP/fair.pcap" "udp and (host 192.0.2.3 or host 192.0.2.4)"
ok "fairness: $SENDER_IP4 floods, 192.0.2.3 and .4 send 5 probes each meanwhile" \
	dp_craft "$SENDER" "$f" --recv "src=$SENDER_IP4,dst=$REFL_IP4,sport=42002,n=4000" \
	"src=192.0.2.3,dst=$REFL_IP4,sport=42003,n=5,start=2000,every=300" \
	"src=192.0.2.4,dst=$REFL_IP4,sport=42004,n=5,start=2150,every=300"
dp_cap_stop
mapfile -t v < <(dp_get "$f" nsent.42002 send_s answered.42002 answered.42003 answered.42004)
rate=$(awk -v n="${v[0]}" -v s="${v[1]}" 'BEGIN { printf "%d", (s > 0 ? n / s : 0) }')
# per B source: probes in and replies out on the reflector's link
bin=() bout=()
for sp in 42003 42004; do
	if dp_wire "$DP_TMP/fair$sp.json" "$DP_TMP/fair.pcap" --sport "$sp"; then
		mapfile -t w < <(dp_get "$DP_TMP/fair$sp.json" probe_frames replies)
	else
		w=(x y)
	fi
	bin+=("${w[0]}") bout+=("${w[1]}")
done
diag "fairness: A sent ${v[0]} in ${v[1]} s ($rate/s), ${v[2]} answered;" \
	"B: 192.0.2.3 ${v[3]} of 5 answered (reflector: ${bin[0]} in, ${bout[0]} out)," \
	"192.0.2.4 ${v[4]} of 5 (${bin[1]} in, ${bout[1]} out)"
# the better of the two (one of them may share A's hashed bucket): every
# probe that reached the reflector answered (a reflector whose shared
# bucket the flood drained refuses them), and at least 3 of its 5 reached
# it, so that the check has something to say. Only when the flood did
# outpace the shared bucket (100/s): else a reflector with no fairness at
# all would answer the second source too, and the check says nothing.
best=0
for i in 0 1; do
	[[ ${bin[i]} == "${bout[i]}" ]] && ((bin[i] > best)) && best=${bin[i]}
done
if ((rate > 500)); then
	ok "fairness: the flood outpaced the shared bucket (100/s)"
	assert_ge "fairness: a second source had every probe that reached the reflector answered (at least 3 of its 5)" \
		"$best" 3
else
	skip "fairness: the flood outpaced the shared bucket (100/s)" "only $rate/s in this VM"
	skip "fairness: a second source answered beside the flood" "only $rate/s in this VM: no flood to be fair against"
fi

# IPv6: 4 sources of one /64, 10 probes each, interleaved
ok "fairness: rate 10 burst 5" dp_cfg "$REFLECTOR" rate 10 burst 5
v6src=("$SENDER_IP6" 2001:db8:0:1::3 2001:db8:0:1::4 2001:db8:0:1::5)
v6burst() { # OUT BASEPORT
	local i pk=()
	for i in 0 1 2 3; do pk+=("src=${v6src[i]},dst=$REFL_IP6,sport=$(($2 + i)),n=10"); done
	dp_craft "$SENDER" "$1" --recv "${pk[@]}"
}
sleep 1 # every bucket full again
f=$DP_TMP/p64.json
ok "fairness: 4 sources in one /64 send 10 probes each" v6burst "$f" 42010
mapfile -t v < <(dp_get "$f" replies.# send_s)
# one bucket: the burst (5), what refills (10/s) while the answered probes
# reach the reflector, +1 (dp_rate_max: by the reflector's clock, which a
# slow kernel stretches past the sender's send_s)
max=$(dp_rate_max "$f" 5 10)
diag "fairness: rate-prefix6 64: ${v[0]} of 40 answered (sent in ${v[1]} s)"
# (a bucket per address lets 4 x 5 through: a bound of 20 or more, from a
# kernel that took 1.4 s over the 40, could not tell the two apart)
if ((max < 20)); then
	assert_le "fairness: rate-prefix6 64: one bucket for the /64 (<= $max of 40 answered)" "${v[0]}" "$max"
else
	skip "fairness: rate-prefix6 64: one bucket for the /64" "the reflector took so long that one bucket may let $max through, a bucket per address 20"
fi
ok "fairness: config rate-prefix6 128" dp_cfg "$REFLECTOR" rate-prefix6 128
sleep 1
f=$DP_TMP/p128.json
ok "fairness: the same 4 sources again" v6burst "$f" 42020
n=$(dp_get "$f" replies.#)
diag "fairness: rate-prefix6 128: $n of 40 answered"
# 4 buckets (5 each): >= 10 unless two pairs of them collide in the hash
assert_ge "fairness: rate-prefix6 128: a bucket per address (>= 10 of 40 answered)" "$n" 10
# ... and more than one shared bucket could have let through in this run
# (a slow reflector refills it: 1.4 s over the 40 lets 20 through)
one=$(dp_rate_max "$f" 5 10)
if ((one < 40)); then
	assert_gt "fairness: rate-prefix6 128: more answered than one bucket allows ($one)" "$n" "$one"
else
	skip "fairness: rate-prefix6 128: more than one bucket allows" "the reflector took so long that one bucket may answer all 40"
fi

# IPv4: 3 sources of one /24, 10 probes each, interleaved: a bucket each by
# default (rate-prefix4 32), one for the /24 with rate-prefix4 24
v4src=("$SENDER_IP4" 192.0.2.3 192.0.2.4)
v4burst() { # OUT BASEPORT
	local i pk=()
	for i in 0 1 2; do pk+=("src=${v4src[i]},dst=$REFL_IP4,sport=$(($2 + i)),n=10"); done
	dp_craft "$SENDER" "$1" --recv "${pk[@]}"
}
sleep 1
f=$DP_TMP/p4-32.json
ok "fairness: 3 sources in one /24 send 10 probes each (rate-prefix4 32)" v4burst "$f" 42030
n=$(dp_get "$f" replies.#)
diag "fairness: rate-prefix4 32: $n of 30 answered"
# 3 buckets (5 each): >= 10 unless all three collide in the hash
assert_ge "fairness: rate-prefix4 32: a bucket per address (>= 10 of 30 answered)" "$n" 10
one=$(dp_rate_max "$f" 5 10)
if ((one < 30)); then
	assert_gt "fairness: rate-prefix4 32: more answered than one bucket allows ($one)" "$n" "$one"
else
	skip "fairness: rate-prefix4 32: more than one bucket allows" "the reflector took so long that one bucket may answer all 30"
fi
ok "fairness: config rate-prefix4 24" dp_cfg "$REFLECTOR" rate-prefix4 24
assert_eq "fairness: config shows rate-prefix4 /24" /24 \
	"$(sf -n "$REFLECTOR" config | awk '$1 == "rate-prefix4" { print $2 }')"
sleep 1
f=$DP_TMP/p4-24.json
ok "fairness: the same 3 sources again (rate-prefix4 24)" v4burst "$f" 42040
mapfile -t v < <(dp_get "$f" replies.# send_s)
max=$(dp_rate_max "$f" 5 10)
diag "fairness: rate-prefix4 24: ${v[0]} of 30 answered (sent in ${v[1]} s)"
if ((max < 15)); then
	assert_le "fairness: rate-prefix4 24: one bucket for the /24 (<= $max of 30 answered)" "${v[0]}" "$max"
else
	skip "fairness: rate-prefix4 24: one bucket for the /24" "the reflector took so long that one bucket may let $max through, a bucket per address 15"
fi

# --------------------------------------------------------------- unicast
fresh unicast
# (loose or strict rp_filter would drop the broadcast source before us)
ok "unicast: rp_filter off on the reflector" ip netns exec "$REFLECTOR" sysctl -qw \
	net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0
refl_mac=$(ip -n "$REFLECTOR" -br link show eth0 | awk '{ print $3 }')
st "$REFLECTOR" r0
dp_cap_start "$REFLECTOR" eth0 "$DP_TMP/ucast.pcap"
f=$DP_TMP/ucast.json
ok "unicast: from the router: source 198.51.100.255; to ff02::1 (multicast and unicast frame)" \
	dp_craft "$ROUTER" "$f" --wait 0 \
	"src=198.51.100.255,dst=$REFL_IP4,sport=43001" \
	"src=$ROUTER_IP6_R,dst=ff02::1,sport=43002,dev=eth1" \
	"src=$ROUTER_IP6_R,dst=ff02::1,sport=43003,dev=eth1,dmac=$refl_mac"
sleep 1
dp_cap_stop
st "$REFLECTOR" r1
if dp_wire "$DP_TMP/ucastw.json" "$DP_TMP/ucast.pcap"; then
	mapfile -t v < <(dp_get "$DP_TMP/ucastw.json" probe_frames replies)
	assert_eq "unicast: the 3 probes reached the reflector's link" 3 "${v[0]}"
	assert_eq "unicast: no reply left the reflector" 0 "${v[1]}"
else
	not_ok "unicast: reading the reflector's capture"
fi
assert_eq "unicast: bad_source +3" 3 "$(dc r0 r1 bad_source)"
assert_eq "unicast: nothing reflected" 0 "$(dc r0 r1 reflected)"
dp_flows "$REFLECTOR" "$DP_TMP/ucastf.json"
assert_eq "unicast: no flow for the probe from 198.51.100.255" 0 \
	"$(nflows "$DP_TMP/ucastf.json" remote_port=43001)"
assert_eq "unicast: no flow for the probes to ff02::1" "0 0" \
	"$(nflows "$DP_TMP/ucastf.json" remote_port=43002) $(nflows "$DP_TMP/ucastf.json" remote_port=43003)"

# -------------------------------------------------------------- stamp-tx
fresh stamp-tx
st "$SENDER" s0
st "$REFLECTOR" r0
fa=$DP_TMP/auth.json fb=$DP_TMP/hmac.json fc=$DP_TMP/plain.json
ok "stamp-tx: an authenticated-mode probe (112 bytes)" dp_stamp "$SENDER" "$fa" --dst "$REFL_IP4" \
	--sport 44001 --seq 7 --auth --capture eth0
ok "stamp-tx: a probe with an HMAC TLV (type 8, 16 bytes)" dp_stamp "$SENDER" "$fb" --dst "$REFL_IP4" \
	--sport 44002 --seq 8 --tlv 8:16 --capture eth0
ok "stamp-tx: an ordinary probe" dp_stamp "$SENDER" "$fc" --dst "$REFL_IP4" \
	--sport 44003 --seq 9 --capture eth0
st "$SENDER" s1
st "$REFLECTOR" r1
assert_eq "stamp-tx: the authenticated probe left byte for byte" "$(dp_get "$fa" sent.0.payload)" \
	"$(dp_get "$fa" wire.probes.0)"
assert_eq "stamp-tx: the HMAC TLV probe left byte for byte" "$(dp_get "$fb" sent.0.payload)" \
	"$(dp_get "$fb" wire.probes.0)"
assert_ne "stamp-tx: the ordinary probe's T1 was rewritten" "$(dp_get "$fc" sent.0.ts_hex)" \
	"$(dp_get "$fc" wire.probes.0 | cut -c9-24)"
assert_eq "stamp-tx: not_rewritten +2 in the sender namespace" 2 "$(dc s0 s1 not_rewritten)"
assert_eq "stamp-tx: the authenticated probe not answered" 0 "$(dp_get "$fa" replies.#)"
assert_eq "stamp-tx: the HMAC TLV probe answered" 1 "$(dp_get "$fb" replies.#)"
# the authenticated probe refused, the HMAC TLV reply's T3 left alone
assert_eq "stamp-tx: not_rewritten +2 on the reflector" 2 "$(dc r0 r1 not_rewritten)"

# ---------------------------------------------------------------- status
out=$(sf -j status 2>&1)
assert_contains "status: root of the host gets global_counters" '"global_counters"' "$out"
assert_contains "status: and global_mem_bytes" '"global_mem_bytes"' "$out"
for who in "setpriv --reuid=65534 --regid=65534 --clear-groups" "unshare -U -r"; do
	# shellcheck disable=SC2086 # $who is the command prefix
	out=$($who "$SF_CLI" -j status 2>&1)
	rc=$?
	assert_eq "status: '$who': snapfire -j status works" 0 "$rc"
	assert_contains "status: '$who': has the namespace's counters" '"counters"' "$out"
	if [[ $out == *'"global_'* ]]; then
		not_ok "status: '$who': no global_counters / global_mem_bytes" \
			"$(grep -o '"global_[a-z_]*"' <<<"$out" | sort -u | tr '\n' ' ')"
	else
		ok "status: '$who': no global_counters / global_mem_bytes"
	fi
done

# userns_cli ARGS... : snapfire ARGS in a new network namespace owned by a
# new user namespace (root there only)
userns_cli() {
	unshare -U -r -n "$SF_CLI" "$@"
}
out=$(userns_cli config max-flows 100000 2>&1)
rc=$?
assert_ne "userns: max-flows 100000 refused" 0 "$rc"
assert_match "userns: the error names max-flows and the user namespace" "max-flows.*user namespace" "$out"
out=$(userns_cli config precision 7 2>&1)
rc=$?
assert_ne "userns: precision 7 refused" 0 "$rc"
assert_match "userns: the error names the precision" "precision" "$out"
out=$(userns_cli config flow-rate 1001 2>&1)
rc=$?
assert_ne "userns: flow-rate 1001 refused" 0 "$rc"
assert_match "userns: the error names flow-rate and the user namespace" "flow-rate.*user namespace" "$out"
out=$(userns_cli config event-rate 101 2>&1)
rc=$?
assert_ne "userns: event-rate 101 refused" 0 "$rc"
assert_match "userns: the error names event-rate and the user namespace" "event-rate.*user namespace" "$out"
# the reflector's limits: its work is done in softirq, charged to no one;
# they could be turned off (rate 0), raised, or min-source-port lowered
# to answer echo and chargen (a loop) in a namespace anyone can make
for kv in "rate 0:rate-limit" "rate 1001:rate-limit" "burst 101:rate-burst" \
	"rate-total 100001:rate-total" "min-source-port 1023:min-source-port"; do
	# shellcheck disable=SC2086 # the setting and its value, two words
	out=$(userns_cli config ${kv%%:*} 2>&1)
	rc=$?
	assert_ne "userns: ${kv%%:*} refused" 0 "$rc"
	assert_match "userns: the error names ${kv#*:} and the user namespace" "${kv#*:}.*user namespace" "$out"
done
f=$DP_TMP/userns-config.json
# shellcheck disable=SC2016 # $1 is the inner shell's
unshare -U -r -n bash -c '"$1" config max-flows 1000 precision 4 flow-rate 10 event-rate 5 rate 10 burst 5 rate-total 500 min-source-port 2000 && "$1" -j config' _ "$SF_CLI" >"$f" 2>&1
rc=$?
assert_eq "userns: max-flows 1000 precision 4 flow-rate 10 event-rate 5 rate 10 burst 5 rate-total 500 min-source-port 2000 (stricter) accepted" 0 "$rc"
assert_eq "userns: and set" "1000 4 10 5 10 5 500 2000" "$(dp_get "$f" max_flows precision flow_rate event_rate rate burst rate_total min_source_port | tr '\n' ' ' | sed 's/ $//')"
ok "userns: the defaults accepted (max-flows 65536 precision 6 flow-rate 1000 event-rate 100 rate 1000 burst 100 rate-total 0 min-source-port 1024)" \
	userns_cli config max-flows 65536 precision 6 flow-rate 1000 event-rate 100 rate 1000 burst 100 rate-total 0 min-source-port 1024
# What the host's administrator set there stays: its root may write the
# same value back (YNL's read-modify-write sends every setting config-get
# gave), not make it another out of range.
unshare -U -r -n sleep 120 &
upid=$!
for _ in $(seq 50); do
	[[ $(readlink "/proc/$upid/ns/net") != "$(readlink /proc/self/ns/net)" ]] && break
	sleep 0.1
done
ok "userns: the host's administrator sets rate 0 (off) in it" nsenter -t "$upid" -n "$SF_CLI" config rate 0
ok "userns: its root writes rate 0 back (unchanged): accepted" nsenter -t "$upid" -U -n "$SF_CLI" config rate 0
ok "userns: its root sets rate 5" nsenter -t "$upid" -U -n "$SF_CLI" config rate 5
out=$(nsenter -t "$upid" -U -n "$SF_CLI" config rate 0 2>&1)
rc=$?
assert_ne "userns: then rate 0 again (a change, out of its range): refused" 0 "$rc"
kill "$upid" 2>/dev/null
wait "$upid" 2>/dev/null
done_testing
