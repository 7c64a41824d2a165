#!/bin/bash
# timeout: 480
# debug-kernel: skip: timing against netem through sock_diag (userspace); the module's paths it uses (probe, flow dump) run there in 57, 58 and 62
# cpus: 1 (one TCP connection at a time)
# snapfire tcp: TCP's own RTT (sock_diag) beside STAMP's, the truth planted
# at a known place. Sender - router - reflector, 10 ms netem each way on
# the router (20 ms round trip). A TCP server on the reflector host, a client
# on the sender, and (cases 1 and 2) STAMP probes to the same host:
#   1. request/replies, the server answers at once: the client's srtt and
#      min_rtt are the path's (the ACK rides on the reply), and agree with
#      STAMP's network part of the round trip; `snapfire tcp` says the path
#      accounts for it, and does not flag the connection delayed_ack_bound;
#   2. the server waits 30 ms before each reply: the client's srtt grows by
#      about that (the ACK of each request leaves with its late reply),
#      STAMP's network part does not move; `snapfire tcp` says the rest is
#      the hosts' stacks or the applications. (min_rtt is then only held
#      above the path: under TCG even the handshake may come back late.)
#      The delay stays below the delayed-ACK timeout (40 ms): a reply later
#      than that finds its request ACKed by the timer, Linux leaves
#      pingpong mode and ACKs at once, and the lateness leaves srtt.
#      Nothing is asserted of the delayed_ack_bound flag here: 30 ms late
#      sits near the heuristic's line (srtt in the flag's range; only its
#      narrow rttvar tells it from case 4).
#      In both, the client makes 40 request/replies, then goes on (at
#      most 160) until its slow exchanges may add under 2 ms to srtt (and
#      those over the median under 5 ms: a loaded stretch): a
#      TCG stall (exchanges of 0.3..2.3 s seen on a loaded host) enters
#      srtt as an RTT sample of its size, and fades by 7/8 a sample. An
#      exchange over twice the median counts as slow, by its excess over
#      that. (After 40 exchanges, srtt 122 and 136 ms with rttvar over
#      100 ms were seen in case 2, and 76 ms in case 1, flagged
#      delayed_ack_bound: the stall's, not the server's.)
#   3. bulk: the client writes 64 KiB blocks as fast as it can, the server
#      reads them through a 64 KiB receive buffer; read five times, 0.4 s
#      apart, while it runs (after 4 MiB are in): min_rtt is the path's (at
#      least the shaped 20 ms - 2 %, at most case 1's wire round trip +
#      2 ms + 30 %), srtt at most 40 ms above min_rtt in the median
#      readout, never flagged. netem without a rate queues nothing, but
#      the VM's CPU does: with Linux's own buffers (MBs in flight) srtt was
#      seen 75..106 ms above min_rtt under TCG on a loaded host, 3..16 ms
#      on a quiet one. The receive buffer bounds what is in flight to a
#      window (~64 KiB): a few ms at the VM's forwarding speed (120 Mbit/s
#      or more seen); TCG's late timers gave up to 23 ms more: hence 40 ms.
#      A TCG stall enters srtt as a sample of its size and lifts a readout
#      or two (up to 100 ms above min_rtt seen, rttvar 184 ms): hence the
#      median. The sender is window-limited: its rate samples are not
#      app-limited, and its delivery rate is tens of packets a round trip.
#   4. delayed-ACK-bound: the client writes each 100-byte request as two
#      50-byte writes without TCP_NODELAY and reads the reply; the server
#      answers once it has the whole request. Once the server is in
#      pingpong mode (its first reply; Linux then delays ACKs even with
#      quick-ACK credit left), Nagle holds each second piece until the
#      server's delayed ACK (40 ms) of the first: an exchange is two round
#      trips + 40 ms (asserted: the median at least 2 x 19.6 + 36 ms; the
#      timer is 10 jiffies at HZ=250, >= 36 ms). Per exchange the client
#      takes two RTT samples, one held by the timer (path + 40 ms) and one
#      not (the reply ACKs the second piece): srtt, their moving average,
#      sits about HALF the timer above min_rtt (20 ms; 25..40 ms under
#      TCG), not 40 ms. Asserted: srtt - min_rtt within 15 ms (20 ms less
#      the average's ripple and the timer's jiffy) .. 90 ms, flagged
#      delayed_ack_bound (wide rttvar, ~1 packet a round trip), and the text
#      says DELAYED-ACK-BOUND. The client runs 60 exchanges, then on (at
#      most 180) until its slow exchanges may add under 2 ms to srtt, as
#      in cases 1 and 2 (two samples an exchange): srtt is the timer's,
#      not a stall's. 90 ms is well above the 24..33 ms seen (7 runs)
#      and well below the flag's 220 ms.
# Cases 1 and 2 read as root and as nobody (sock_diag and the flow dump are
# open to any user). The path's truth is the sender's capture of the STAMP
# probes (TCG runs netem late, more so on a loaded host); TCP's min_rtt is
# held above the shaped delay (netem is never early) and, in cases 1 and
# 3, below the wire's round trip + 2 ms + 30 %. Cases 1 and 2 sit on
# either side of the command's line (srtt over twice the network part) by
# about 10 ms or more: srtt within 15 ms of the 20 ms path against 20 ms
# or more above it.
# shellcheck source=tests/lib/dp.sh
. "$(dirname "$0")/../lib/dp.sh"

dp_need_cli
dp_setup_line3
ok "reflector on" dp_reflect "$REFLECTOR" on
ok "shape 10 ms forward (router eth1)" topo_shape "$ROUTER" eth1 delay 10ms
ok "shape 10 ms reverse (router eth0)" topo_shape "$ROUTER" eth0 delay 10ms
PATH_NS=20000000
TOL_NS=$((2000000 + PATH_NS * 30 / 100))
TCP_PORT=8080

# server NS DELAY_S OUT: a TCP server answering each 100-byte request with
# 10 bytes after DELAY_S seconds; prints "ready"
server() {
	ip netns exec "$1" "$DP_PY" - "$REFL_IP4" "$TCP_PORT" "$2" >"$3" 2>&1 <<'PY' &
import socket, sys, time
addr, port, delay = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
s.listen()
print("ready", flush=True)
a, _ = s.accept()
a.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
while True:
    d = a.recv(100)
    if not d:
        break
    time.sleep(delay)
    a.sendall(b"r" * 10)
PY
	on_exit "kill $! 2>/dev/null"
}

# The python the clients run after each exchange: what the slow exchanges
# (over twice the median: TCG stalls) may still add to srtt, each one RTT
# sample of that size, with K samples an exchange at TCP's gain of 1/8;
# with F=1, what the exchanges over the median add (a loaded host's
# stretch of exchanges 1.2 to 2 times the median: srtt 38 ms, 16 ms over
# the path, was seen in make check with slow() at 1.8)
SLOW_PY='
def slow(ms, k, f=2):
    med = sorted(ms)[len(ms) // 2]
    return sum(max(0.0, x - f * med) / 8 * (7 / 8) ** (k * (len(ms) - 1 - i))
               for i, x in enumerate(ms))
'

# client NS N OUT: N requests or more, each after the previous reply, 20 ms
# apart, then on until the slow exchanges may add under 2 ms to srtt and
# those over the median under 5 ms (at most 4 N); then holds the connection open (for snapfire tcp) until
# killed; prints "done PORT COUNT SLOW_MS/ABOVE_MS MS..." when the replies are in
client() {
	ip netns exec "$1" "$DP_PY" - "$REFL_IP4" "$TCP_PORT" "$2" "$SLOW_PY" >"$3" 2>&1 <<'PY' &
import socket, sys, time
addr, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
exec(sys.argv[4])
c = socket.create_connection((addr, port))
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
ms = []
while len(ms) < 4 * n and (len(ms) < n or slow(ms, 1) >= 2 or slow(ms, 1, 1) >= 5):
    t = time.monotonic()
    c.sendall(b"q" * 100)
    got = 0
    while got < 10:
        got += len(c.recv(100))
    ms.append((time.monotonic() - t) * 1000)
    time.sleep(0.02)
print("done", c.getsockname()[1], len(ms), "%.1f/%.1f" % (slow(ms, 1), slow(ms, 1, 1)),
      " ".join("%.0f" % x for x in ms), flush=True)
time.sleep(600)
PY
	CLIENT_PID=$!
	on_exit "kill $CLIENT_PID 2>/dev/null"
}

# case NAME DELAY_S
tcp_case() {
	local name=$1 delay=$2 d=$DP_TMP/$1 n=40
	mkdir -p "$d"
	# this case's STAMP flow alone (a new probe is a new session)
	sf -n "$SENDER" delete >/dev/null
	server "$REFLECTOR" "$delay" "$d/server.out"
	wait_for 20 grep -q ready "$d/server.out" || { not_ok "$name: TCP server up"; return; }
	client "$SENDER" $n "$d/client.out"
	dp_cap_start "$SENDER" eth0 "$d/s.pcap"
	dp_cap_start "$REFLECTOR" eth0 "$d/r.pcap"
	dp_cap_start "$ROUTER" eth0 "$d/h.pcap"
	ok "$name: STAMP probe 50 at 20 ms (beside the TCP requests)" \
		dp_probe "$SENDER" "$d/probe.json" "$REFL_IP4" 50 0.02
	dp_cap_stop
	ok "$name: $n or more TCP request/replies done" wait_for 60 grep -q "done" "$d/client.out"
	sf -n "$SENDER" -j tcp --port "$TCP_PORT" --peer "$REFL_IP4" >"$d/tcp.json" 2>"$d/tcp.err"
	ok "$name: snapfire -j tcp" test $? = 0
	sf -n "$SENDER" tcp --port "$TCP_PORT" --peer "$REFL_IP4" >"$d/tcp.txt" 2>&1
	# the same as an unprivileged user (nobody): sock_diag and the module's
	# flow dump are open to anyone
	ip netns exec "$SENDER" setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$SF_CLI" -j tcp --port "$TCP_PORT" --peer "$REFL_IP4" >"$d/tcp-nobody.json" 2>"$d/tcp-nobody.err"
	ok "$name: snapfire -j tcp as nobody" test $? = 0
	diag "$name: $(tr '\n' ' ' <"$d/tcp.txt" | head -c 900)"
	diag "$name: client: $(head -c 900 "$d/client.out")"
	kill "$CLIENT_PID" 2>/dev/null
	wait "$CLIENT_PID" 2>/dev/null
	sleep 0.5

	assert_eq "$name: one connection (the client's end)" 1 "$(dp_get "$d/tcp.json" count)"
	assert_eq "$name: STAMP data for the peer" 1 "$(dp_get "$d/tcp.json" stamp.#)"
	assert_eq "$name: nobody sees the connection, its RTT and the STAMP data too" \
		"1 $(dp_get "$d/tcp.json" connections.0.srtt_ns) 1" \
		"$(dp_get "$d/tcp-nobody.json" count) $(dp_get "$d/tcp-nobody.json" connections.0.srtt_ns) $(dp_get "$d/tcp-nobody.json" stamp.#)"
	TCP_MIN=$(dp_get "$d/tcp.json" stamp.0.tcp_min_rtt_ns)
	TCP_SRTT=$(dp_get "$d/tcp.json" stamp.0.tcp_srtt_ns)
	NET=$(dp_get "$d/tcp.json" stamp.0.stamp_network_p50_ns)
	dp_wire "$d/wire.json" "$d/s.pcap" --refl "$d/r.pcap" --hop "$d/h.pcap" || not_ok "$name: reading the captures"
	WIRE=$(dp_get "$d/wire.json" rtt_wire_p50_ns)
	diag "$name: tcp min_rtt $TCP_MIN srtt $TCP_SRTT, stamp network p50 $NET, sender's wire $WIRE (ns)"
	# the truth of the path: the sender's wire (netem under TCG runs late)
	dp_shaped "$name: STAMP's network part is the shaped 20 ms round trip" $PATH_NS "$NET" 2 "$WIRE"
	dp_hop_ok "$name: the router's capture" "$d/wire.json" 50
	dp_near_wire "$name: STAMP's network part is the sender's wire round trip (less the reflector's T3 - T2)" \
		"$d/wire.json" rtt_wire_p50_ns "$NET" 50
	# netem never releases early: TCP's best round trip is the path's, no less
	assert_cmp "$name: TCP's min_rtt is at least the shaped path (- 2 %)" "$TCP_MIN" ">=" $((PATH_NS * 98 / 100))
}

# refute_contains NAME NEEDLE HAYSTACK
refute_contains() {
	if [[ $3 != *"$2"* ]]; then ok "$1"; else not_ok "$1" "'$2' found in:"$'\n'"$3"; fi
}

# bulk_server NS OUT: a TCP server reading all it gets through a 64 KiB
# receive buffer (SO_RCVBUF, set before listen: no autotuning); prints
# "ready", "half" once 4 MiB are in, "got BYTES" at the end
bulk_server() {
	ip netns exec "$1" "$DP_PY" - "$REFL_IP4" "$TCP_PORT" >"$2" 2>&1 <<'PY' &
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen()
print("ready", flush=True)
a, _ = s.accept()
n = 0
while True:
    d = a.recv(65536)
    if not d:
        break
    if n < 4 << 20 <= n + len(d):
        print("half", flush=True)
    n += len(d)
print("got", n, flush=True)
PY
	on_exit "kill $! 2>/dev/null"
}

# bulk_client NS OUT: writes 64 KiB blocks as fast as it can, until killed
# (or 1 GiB, or 60 s)
bulk_client() {
	ip netns exec "$1" "$DP_PY" - "$REFL_IP4" "$TCP_PORT" >"$2" 2>&1 <<'PY' &
import socket, sys, time
c = socket.create_connection((sys.argv[1], int(sys.argv[2])))
b, n, t = b"x" * 65536, 0, time.monotonic()
while n < 1 << 30 and time.monotonic() - t < 60:
    c.sendall(b)
    n += len(b)
print("sent", n, flush=True)
time.sleep(600)
PY
	CLIENT_PID=$!
	on_exit "kill $CLIENT_PID 2>/dev/null"
}

# split_server NS OUT: a TCP server answering each 100-byte request, once
# it has all of it, with 10 bytes (TCP_NODELAY); prints "ready"
split_server() {
	ip netns exec "$1" "$DP_PY" - "$REFL_IP4" "$TCP_PORT" >"$2" 2>&1 <<'PY' &
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen()
print("ready", flush=True)
a, _ = s.accept()
a.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
while True:
    got = 0
    while got < 100:
        d = a.recv(100 - got)
        if not d:
            sys.exit(0)
        got += len(d)
    a.sendall(b"r" * 10)
PY
	on_exit "kill $! 2>/dev/null"
}

# split_client NS OUT: request/replies, each request written as two 50-byte
# writes (Nagle on: no TCP_NODELAY), the next one as soon as the reply is
# in; at least 60, then on until the slow exchanges may add under 2 ms to
# srtt (two samples an exchange; at most 180); holds the connection open
# until killed; prints "done PORT N MEDIAN_MS SLOW_MS MS..." (every
# exchange's time)
split_client() {
	ip netns exec "$1" "$DP_PY" - "$REFL_IP4" "$TCP_PORT" "$SLOW_PY" >"$2" 2>&1 <<'PY' &
import socket, sys, time
exec(sys.argv[3])
c = socket.create_connection((sys.argv[1], int(sys.argv[2])))
ms = []
while len(ms) < 180 and (len(ms) < 60 or slow(ms, 2) >= 2):
    t = time.monotonic()
    c.sendall(b"a" * 50)
    c.sendall(b"b" * 50)
    got = 0
    while got < 10:
        d = c.recv(100)
        if not d:
            sys.exit("the server closed")
        got += len(d)
    ms.append((time.monotonic() - t) * 1000)
print("done", c.getsockname()[1], len(ms), "%.1f" % sorted(ms)[len(ms) // 2],
      "%.1f" % slow(ms, 2), " ".join("%.0f" % x for x in ms), flush=True)
time.sleep(600)
PY
	CLIENT_PID=$!
	on_exit "kill $CLIENT_PID 2>/dev/null"
}

tcp_case immediate 0
# srtt - STAMP's network part: the server's reply time alone (python under
# TCG: a few ms, more on a loaded host), well below the 30 ms planted below
assert_cmp "immediate: TCP's min_rtt is at most the wire's round trip + 2 ms + 30 %" "$TCP_MIN" "<=" $((WIRE + TOL_NS))
assert_match "immediate: TCP's srtt and STAMP's network part read" '^[0-9]+ [0-9]+$' "$TCP_SRTT $NET"
assert_cmp "immediate: TCP's srtt is the path (within 15 ms of STAMP's network part: the ACK rides on the reply)" \
	"$((TCP_SRTT - NET))" "<=" 15000000
assert_contains "immediate: the path accounts for TCP's round trip" \
	"the path accounts for TCP's round trip" "$(cat "$DP_TMP/immediate/tcp.txt")"
assert_eq "immediate: not flagged delayed_ack_bound (no ACK waits for a timer)" \
	0 "$(dp_get "$DP_TMP/immediate/tcp.json" connections.0.delayed_ack_bound)"
refute_contains "immediate: no DELAYED-ACK-BOUND in the text" "DELAYED-ACK-BOUND" "$(cat "$DP_TMP/immediate/tcp.txt")"
# the sender's wire round trip (STAMP's capture), the bound of min_rtt in case 3
PATH_WIRE=$WIRE

TCP_PORT=8081
tcp_case delayed 0.03
# the planted 30 ms shows in srtt (TCG runs the server's sleep late: up to
# 30 ms more is allowed), not in STAMP's network part
assert_cmp "delayed: TCP's srtt is the path + at least 20 of the server's 30 ms" \
	"$((TCP_SRTT - NET))" ">=" 20000000
assert_cmp "delayed: ... and at most 60 ms above it" "$((TCP_SRTT - NET))" "<=" 60000000
assert_contains "delayed: the rest is the stacks or the applications, not the path" \
	"the rest is the hosts' stacks or the applications" "$(cat "$DP_TMP/delayed/tcp.txt")"

# ---------------------------------------------------------------- 3. bulk
TCP_PORT=8082
d=$DP_TMP/bulk
mkdir -p "$d"
bulk_server "$REFLECTOR" "$d/server.out"
if wait_for 20 grep -q ready "$d/server.out"; then
	bulk_client "$SENDER" "$d/client.out"
	ok "bulk: 4 MiB through the shaped path" wait_for 90 grep -q "^half" "$d/server.out"
	# five readouts while the transfer runs
	for i in 1 2 3 4 5; do
		sf -n "$SENDER" -j tcp --port "$TCP_PORT" --peer "$REFL_IP4" >"$d/tcp$i.json" 2>"$d/tcp$i.err" ||
			diag "bulk: snapfire -j tcp (readout $i) failed: $(cat "$d/tcp$i.err")"
		sleep 0.4
	done
	sf -n "$SENDER" tcp --port "$TCP_PORT" --peer "$REFL_IP4" >"$d/tcp.txt" 2>&1
	kill "$CLIENT_PID" 2>/dev/null
	wait "$CLIENT_PID" 2>/dev/null
	wait_for 30 grep -q "^got" "$d/server.out"
	diag "bulk: server: $(tr '\n' ' ' <"$d/server.out"); $(grep -m1 ESTAB "$d/tcp.txt")"
	counts="" flags="" mins=() excess=()
	for i in 1 2 3 4 5; do
		counts+=" $(dp_get "$d/tcp$i.json" count)"
		flags+=" $(dp_get "$d/tcp$i.json" connections.0.delayed_ack_bound)"
		read -r s m v a r < <(dp_get "$d/tcp$i.json" connections.0.srtt_ns connections.0.min_rtt_ns \
			connections.0.rttvar_ns connections.0.app_limited connections.0.delivery_rate_bps | tr '\n' ' ')
		mins+=("$m")
		excess+=("$((s - m))")
		diag "bulk: readout $i: srtt $s min_rtt $m rttvar $v app_limited $a rate $r (ns, bit/s)"
	done
	assert_eq "bulk: one connection in each readout (the client's end)" " 1 1 1 1 1" "$counts"
	# netem is never early; the handshake and the first ACKs see the bare path
	assert_cmp "bulk: TCP's min_rtt is at least the shaped path (- 2 %)" "${mins[4]}" ">=" $((PATH_NS * 98 / 100))
	assert_cmp "bulk: TCP's min_rtt is at most the wire's round trip (case 1) + 2 ms + 30 %" \
		"${mins[4]}" "<=" $((PATH_WIRE + TOL_NS))
	xmed=$(printf '%s\n' "${excess[@]}" | sort -n | sed -n 3p)
	assert_cmp "bulk: srtt at most 40 ms above min_rtt (the median readout: a 64 KiB window queues little)" \
		"$xmed" "<=" 40000000
	assert_eq "bulk: not flagged delayed_ack_bound in any readout" " 0 0 0 0 0" "$flags"
	refute_contains "bulk: no DELAYED-ACK-BOUND in the text" "DELAYED-ACK-BOUND" "$(cat "$d/tcp.txt")"
else
	not_ok "bulk: TCP server up" "$(cat "$d/server.out")"
fi

# ----------------------------------------------- 4. delayed-ACK-bound
TCP_PORT=8083
d=$DP_TMP/delack
mkdir -p "$d"
split_server "$REFLECTOR" "$d/server.out"
if wait_for 20 grep -q ready "$d/server.out"; then
	split_client "$SENDER" "$d/client.out"
	ok "delack: 60 or more request/replies, each request in two writes (Nagle on)" \
		wait_for 120 grep -q "^done" "$d/client.out"
	sf -n "$SENDER" -j tcp --port "$TCP_PORT" --peer "$REFL_IP4" >"$d/tcp.json" 2>"$d/tcp.err"
	ok "delack: snapfire -j tcp" test $? = 0
	sf -n "$SENDER" tcp --port "$TCP_PORT" --peer "$REFL_IP4" >"$d/tcp.txt" 2>&1
	kill "$CLIENT_PID" 2>/dev/null
	wait "$CLIENT_PID" 2>/dev/null
	# done PORT N MEDIAN_MS SLOW_MS MS...
	read -r _ _ n med slow _ <"$d/client.out"
	diag "delack: $n exchanges, median ${med:-?} ms, the slow ones may add ${slow:-?} ms to srtt: $(cut -d' ' -f6- "$d/client.out" | head -c 900)"
	diag "delack: $(tr '\n' ' ' <"$d/tcp.txt" | head -c 900)"
	read -r s m v a < <(dp_get "$d/tcp.json" connections.0.srtt_ns connections.0.min_rtt_ns \
		connections.0.rttvar_ns connections.0.app_limited | tr '\n' ' ')
	diag "delack: srtt $s min_rtt $m rttvar $v app_limited $a (ns)"
	assert_eq "delack: one connection (the client's end)" 1 "$(dp_get "$d/tcp.json" count)"
	# the planted truth: every exchange waits for the server's delayed ACK
	assert_cmp "delack: the median exchange takes two round trips + the 40 ms timer (>= 2 x 19.6 + 36 ms)" \
		"${med:-x}" ">=" 75.2
	assert_cmp "delack: TCP's min_rtt is at least the shaped path (- 2 %)" "$m" ">=" $((PATH_NS * 98 / 100))
	assert_cmp "delack: srtt at least 15 ms above min_rtt (half the 40 ms timer, less the EWMA's ripple)" \
		"$((s - m))" ">=" 15000000
	assert_cmp "delack: ... and at most 90 ms above it (24..33 ms seen; the flag stops at 220 ms)" \
		"$((s - m))" "<=" 90000000
	assert_eq "delack: flagged delayed_ack_bound" 1 "$(dp_get "$d/tcp.json" connections.0.delayed_ack_bound)"
	assert_contains "delack: the text says DELAYED-ACK-BOUND" "DELAYED-ACK-BOUND" "$(cat "$d/tcp.txt")"
else
	not_ok "delack: TCP server up" "$(cat "$d/server.out")"
fi
done_testing
