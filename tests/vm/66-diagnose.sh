#!/bin/bash
# timeout: 600
# debug-kernel: skip: timing against netem, python servers and libcurl in userspace; the module's paths diagnose uses (probe, Follow-Up, flow dump) run there in 57, 58 and 62
# cpus: 2 (the client and the far host's HTTP server are timed against each other: in one vCPU the server's work delays libcurl's own timers)
# snapfire diagnose: the truth planted at a known place, and the verdict
# must name that place. Sender - router - reflector (the module's STAMP
# reflector on, clock-synced on in both: the namespaces share the VM's
# clock), `snapfire -n sender diagnose` against the reflector host:
#   1. 20 ms netem on the router, forward only (IPv4), then reverse only
#      (IPv6): network_forward (R2), network_reverse (R3); the reverse run
#      also asks for TCP to a closed port: tcp and tcp_connect are reported
#      failed with the reason, and the verdict comes from the rest;
#   2. 20 ms netem on the reflector's own eth0: far_kernel (R5), seen by
#      the reflector's Follow-Up Telemetry;
#   3. an HTTP server on the reflector host (its address) that waits 20 ms
#      before answering: far_application (R8);
#   4. a TCP listener with backlog 1 that nobody accepts from, its queue
#      filled by two connections first: far_tcp (R6), connects time out;
#   5. 20 ms netem on the sender's own eth0: local (R1);
#   6. every run's JSON: one object per protocol, every *_ns an integer.
# Bounds against the planted 20 ms: the layer's estimate (and ICMP's and
# TCP's p50, which cross the same delay) at least 90 % of it and at most
# it + 10 ms (TCG runs netem's timer late, ~0.6 ms at p50 and several ms
# in the tail, and the host is loaded); the layers where nothing was
# planted under 25 % of it (5 ms). The independent truth is the wire: the
# captures of the STAMP packets on the sender and the reflector
# (tests/lib/dp_pcap.py) give the forward and reverse delays, the network
# round trip, the far host's holding time and the sender's own queueing.
# The breakdown's one-way parts agree with the wire's within 1 % + 100 us
# (as in 51); an estimate, a sum of parts' medians against the median of
# a sum (and, for far_kernel, Follow-Up samples of only the replies that
# report a new departure), within 2 % + 1 ms. For the application, the
# HTTP server's own time per request (accept to its first byte sent)
# starts at the accept, before the request arrives, and so also counts
# the client's own delay between its connect and its request (8.5 ms
# once on a loaded host): the truth is the far host's wire, from
# the request's first segment in to the answer's first segment out. The
# estimate is within 10 % + 8 ms of its median, and within 90 % .. +
# 30 ms of the planted 20 ms (python under TCG adds 5-10 ms) when that
# hold is itself (else skipped: python missed its sleep). libcurl's
# connect p50 stays under half that hold: a leak of the server's delay
# into it would make it at least the hold.
# The full listen queue is confirmed by ss (Recv-Q over the backlog) and
# by the reflector's TcpExtListenOverflows counting the dropped SYNs.
# Each verdict must also be of high confidence (3x the runner-up, and a
# second protocol sees it): every case plants 20 ms against < 1 ms.
# shellcheck source=tests/lib/dp.sh
. "$(dirname "$0")/../lib/dp.sh"

dp_need_cli
dp_setup_line3
# ping sockets for root (the VM's default range "1 0" allows no group); per netns
ip netns exec "$SENDER" sysctl -qw net.ipv4.ping_group_range="0 2147483647"
ok "reflector on" dp_reflect "$REFLECTOR" on
ok "clock-synced on in the sender" dp_cfg "$SENDER" clock-synced on
ok "clock-synced on in the reflector" dp_cfg "$REFLECTOR" clock-synced on

DELAY_MS=20
DELAY_NS=$((DELAY_MS * 1000000))
LO_NS=$((DELAY_NS * 9 / 10))           # 90 % of the planted delay
HI_NS=$((DELAY_NS + 10000000))         # planted + 10 ms
SMALL_NS=$((DELAY_NS / 4))             # a layer not planted: under 5 ms
TCP_OPEN=7000                          # accepts and closes
HTTP_PORT=8080                         # waits 20 ms before answering
TCP_FULL=8090                          # backlog 1, never accepts, full
TCP_CLOSED=9                           # nobody listens
WINDOW=(-w 6 -i 0.1)

# --------------------------------------------------------------- servers
# a TCP server on both families that accepts and closes
ip netns exec "$REFLECTOR" "$DP_PY" - "$TCP_OPEN" >"$DP_TMP/tcp.out" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))
s.listen(128)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    c.close()
PY
on_exit "kill $! 2>/dev/null"

# the HTTP server: DELAY_MS before each answer; prints, per request, the
# ns from the handler's start (the connection accepted) to its first byte
# sent (end_headers writes the status line and headers at once)
ip netns exec "$REFLECTOR" "$DP_PY" - "$REFL_IP4" "$HTTP_PORT" "$DELAY_MS" >"$DP_TMP/http.out" 2>&1 <<'PY' &
import http.server, sys, time
addr, port, delay = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]) / 1000


class H(http.server.BaseHTTPRequestHandler):
    def handle(self):
        self.t0 = time.monotonic()
        super().handle()

    def do_GET(self):
        time.sleep(delay)
        body = b"snapfire\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        t1 = time.monotonic()
        self.wfile.write(body)
        print(int((t1 - self.t0) * 1e9), flush=True)

    def log_message(self, *a):
        pass


srv = http.server.HTTPServer((addr, port), H)
print("ready", flush=True)
srv.serve_forever()
PY
on_exit "kill $! 2>/dev/null"

# the full listen queue: backlog 1, two connections queued (Linux queues
# backlog + 1), nobody accepts; a third SYN is dropped
ip netns exec "$REFLECTOR" "$DP_PY" - "$REFL_IP4" "$TCP_FULL" >"$DP_TMP/full.out" 2>&1 <<'PY' &
import socket, sys, time
addr, port = sys.argv[1], int(sys.argv[2])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
s.listen(1)
c = [socket.create_connection((addr, port), timeout=10) for _ in range(2)]
print("ready", flush=True)
time.sleep(3600)
PY
on_exit "kill $! 2>/dev/null"

for s in tcp http full; do
	ok "server $s up on the reflector" wait_for 60 grep -q ready "$DP_TMP/$s.out" ||
		diag "$s: $(cat "$DP_TMP/$s.out")"
done

# ------------------------------------------------------------- helpers
# extract.py DIAG.json OK_ROWS FAILED_ROWS [WIRE.json]: one python start per
# run (seconds each under TCG) for everything the checks read, printed as
# KEY<TAB>VALUE: "json" (case 6: "ok", or the faults in the JSON's shape),
# layer, rule, confidence, est_LAYER, ROW_FIELD (icmp_p50_ns,
# tcp_connect_reason..), part_METRIC (the breakdown's p50s),
# far_egress_reported, and wire_KEY of the captures' summary
cat >"$DP_TMP/extract.py" <<'PY'
import json, re, sys

LAYERS = ("local", "network", "network_forward", "network_reverse", "far_kernel",
          "far_tcp", "far_application")


def isint(v):
    return isinstance(v, int) and not isinstance(v, bool)


def check(d, want_ok, want_failed):
    err = []

    def walk(n, path):
        if isinstance(n, dict):
            for k, v in n.items():
                p = path + "." + k if path else k
                if k.endswith("_ns") and not isinstance(v, dict) and not (isint(v) and v >= 0):
                    err.append(f"{p}: not an integer >= 0: {v!r}")
                if k == "estimates_ns" and isinstance(v, dict):
                    for lk, lv in v.items():
                        if not (isint(lv) and lv >= 0):
                            err.append(f"{p}.{lk}: not an integer >= 0: {lv!r}")
                walk(v, p)
        elif isinstance(n, list):
            for i, v in enumerate(n):
                walk(v, f"{path}.{i}")

    walk(d, "")
    for k in ("target", "address", "duration_s", "interval_s", "protocols", "breakdown", "verdict"):
        if k not in d:
            err.append(f"no '{k}'")
    rows = d.get("protocols", [])
    names = [r.get("protocol") for r in rows]
    if len(names) != len(set(names)):
        err.append(f"a protocol twice: {names}")
    if set(names) != want_ok | want_failed:
        err.append(f"protocols {sorted(names)}, expected {sorted(want_ok | want_failed)}")
    for r in rows:
        n = r.get("protocol")
        for k in ("status", "samples", "attempts", "lost", "loss_pct", "reason"):
            if k not in r:
                err.append(f"{n}: no '{k}'")
        if not all(isint(r.get(k)) for k in ("samples", "attempts", "lost")):
            err.append(f"{n}: samples, attempts, lost not integers: {r}")
            continue
        if r["samples"] + r["lost"] != r["attempts"]:
            err.append(f"{n}: samples {r['samples']} + lost {r['lost']} != attempts {r['attempts']}")
        if r["attempts"] and abs(r.get("loss_pct", -1) - 100.0 * r["lost"] / r["attempts"]) > 0.1:
            err.append(f"{n}: loss_pct {r.get('loss_pct')} for {r['lost']} of {r['attempts']}")
        want = "ok" if n in want_ok else "failed"
        if r.get("status") != want:
            err.append(f"{n}: status {r.get('status')!r}, expected {want!r} (reason {r.get('reason')!r})")
        if r.get("status") == "ok":
            q = [r.get(k) for k in ("p50_ns", "p95_ns", "p99_ns", "max_ns")]
            if r["samples"] < 1 or not all(isint(v) for v in q) or q != sorted(q):
                err.append(f"{n}: ok without samples or ordered percentiles: {r}")
        else:
            if r["samples"] or any(k in r for k in ("p50_ns", "max_ns")):
                err.append(f"{n}: failed with samples or percentiles: {r}")
            if not isinstance(r.get("reason"), str) or len(r["reason"]) < 5:
                err.append(f"{n}: failed without a reason: {r}")
    # the module is loaded here and its reflector answers: always a breakdown
    b = d.get("breakdown")
    if not isinstance(b, dict) or not isinstance(b.get("components"), list) or not b["components"]:
        err.append(f"breakdown: not an object with parts: {b!r}")
    v = d.get("verdict")
    if not isinstance(v, dict):
        return err + [f"verdict: {v!r}"]
    if v.get("layer") not in LAYERS + ("none",):
        err.append(f"verdict.layer {v.get('layer')!r}")
    if v.get("confidence") not in ("low", "medium", "high"):
        err.append(f"verdict.confidence {v.get('confidence')!r}")
    if not re.fullmatch(r"R[0-8]", str(v.get("rule"))):
        err.append(f"verdict.rule {v.get('rule')!r}")
    est = v.get("estimates_ns")
    if not isinstance(est, dict) or not set(est) <= set(LAYERS):
        err.append(f"verdict.estimates_ns {est!r}")
    elif v.get("layer") in ("network_forward", "network_reverse"):
        if "network" not in est:
            err.append("network_* verdict without a network estimate")
    elif v.get("layer") != "none" and v.get("layer") not in est:
        err.append(f"verdict {v.get('layer')} without its estimate")
    if not isinstance(v.get("notes"), list) or not all(isinstance(s, str) for s in v["notes"]):
        err.append(f"verdict.notes {v.get('notes')!r}")
    if not isinstance(v.get("next"), str) or not v["next"]:
        err.append(f"verdict.next {v.get('next')!r}")
    return err


def out(k, v):
    if v is None or isinstance(v, (dict, list)):
        return
    if isinstance(v, bool):
        v = int(v)
    print(f"{k}\t" + str(v).replace("\t", " ").replace("\n", " "))


want_ok = set(sys.argv[2].split(",")) - {""}
want_failed = set(sys.argv[3].split(",")) - {""}
try:
    d = json.load(open(sys.argv[1]))
except (OSError, ValueError) as e:
    out("json", f"not JSON: {e}")
    sys.exit(0)
err = check(d, want_ok, want_failed)
out("json", "; ".join(err) if err else "ok")
v = d.get("verdict") if isinstance(d.get("verdict"), dict) else {}
for k in ("layer", "rule", "confidence"):
    out(k, v.get(k))
for k, e in (v.get("estimates_ns") or {}).items():
    out("est_" + k, e)
out("notes", " | ".join(v.get("notes") or []))
for r in d.get("protocols") or []:
    for k, x in r.items():
        if k != "protocol":
            out(f"{r.get('protocol')}_{k}", x)
b = d.get("breakdown") if isinstance(d.get("breakdown"), dict) else {}
out("far_egress_reported", b.get("far_egress_reported"))
for c in b.get("components") or []:
    out("part_" + str(c.get("metric")), c.get("p50_ns"))
if len(sys.argv) > 4:
    for k, x in json.load(open(sys.argv[4])).items():
        out("wire_" + k, x)
PY

declare -A V
# load NAME DIAG.json OK_ROWS FAILED_ROWS [WIRE.json]: V[KEY] of extract.py;
# and case 6: the JSON's shape, one object per protocol, each as expected
load() {
	local name=$1 k v
	shift
	V=()
	while IFS=$'\t' read -r k v; do
		V[$k]=$v
	done < <("$DP_PY" "$DP_TMP/extract.py" "$@")
	assert_eq "$name: JSON: one object per protocol ($2${3:+; failed: $3}), a breakdown, every _ns an integer" \
		ok "${V[json]:-extract.py read nothing}"
	diag "$name: verdict ${V[layer]:-?} ${V[rule]:-?} ${V[confidence]:-?}; notes: ${V[notes]:-none}"
}

# diagnose NAME OUT TARGET [ARGS..]: snapfire -n SENDER diagnose -j > OUT
diagnose() {
	local name=$1 out=$2 target=$3 rc
	shift 3
	timeout -k 5 90 "$SF_CLI" -n "$SENDER" diagnose "$target" "${WINDOW[@]}" "$@" -j \
		>"$out" 2>"$out.err"
	rc=$?
	diag "$name: diagnose done at ${SECONDS} s: $(tr -d '\n' <"$out" | head -c 3000)"
	[[ -s $out.err ]] && diag "$name: stderr: $(head -c 600 "$out.err")"
	assert_eq "$name: diagnose exits 0" 0 "$rc"
}

# in_range NAME LO HI ACTUAL
in_range() {
	if [[ $4 =~ ^[0-9]+$ ]] && (($4 >= $2 && $4 <= $3)); then
		_sf_report 0 "$1"
	else
		_sf_report 1 "$1" "expected $2 <= '$4' <= $3"
	fi
}

# planted NAME ACTUAL: within 90 % .. + 10 ms of the planted delay
planted() {
	in_range "$1 ~ the planted $DELAY_MS ms (90 % .. + 10 ms)" "$LO_NS" "$HI_NS" "$2"
}

# small NAME ACTUAL: a layer where nothing was planted
small() {
	in_range "$1: under $((SMALL_NS / 1000000)) ms (nothing planted there)" 0 "$SMALL_NS" "$2"
}

# verdict NAME LAYER RULE: the layer, the rule, and high confidence (a
# clear winner, 3x the runner-up, and a second protocol sees it)
verdict() {
	assert_eq "$1: verdict $2 ($3), confidence high" "$2 $3 high" \
		"${V[layer]:-} ${V[rule]:-} ${V[confidence]:-}"
}

# listen_overflows: the reflector's TcpExtListenOverflows
listen_overflows() {
	ip netns exec "$REFLECTOR" cat /proc/net/netstat | awk '/^TcpExt:/ {
		if (!h) { for (i = 2; i <= NF; i++) k[i] = $i; h = 1; next }
		for (i = 2; i <= NF; i++) if (k[i] == "ListenOverflows") print $i }'
}

# ------------------------------------------- 1. the network, one direction
for dir in forward reverse; do
	d=$DP_TMP/$dir
	mkdir -p "$d"
	if [[ $dir == forward ]]; then
		dev=eth1 target=$REFL_IP4 tcp=$TCP_OPEN rule=R2 key=fwd other=rev
		okrows=stamp,icmp,tcp,tcp_connect failrows=
	else
		dev=eth0 target=$REFL_IP6 tcp=$TCP_CLOSED rule=R3 key=rev other=fwd
		okrows=stamp,icmp failrows=tcp,tcp_connect
	fi
	ok "$dir: $DELAY_MS ms netem on the router's $dev" topo_shape "$ROUTER" "$dev" delay "${DELAY_MS}ms"
	dp_cap_start "$SENDER" eth0 "$d/s.pcap"
	dp_cap_start "$REFLECTOR" eth0 "$d/r.pcap"
	dp_cap_start "$ROUTER" eth0 "$d/h.pcap"
	diagnose "$dir" "$d/diag.json" "$target" --tcp "$tcp"
	dp_cap_stop
	topo_unshape "$ROUTER" "$dev"
	dp_wire "$d/wire.json" "$d/s.pcap" --refl "$d/r.pcap" --hop "$d/h.pcap" ||
		not_ok "$dir: reading the captures"
	diag "$dir: wire $(cat "$d/wire.json")"
	load "$dir" "$d/diag.json" "$okrows" "$failrows" "$d/wire.json"
	n=${V[stamp_attempts]:-0}
	verdict "$dir" "network_$dir" "$rule"
	ok "$dir: the breakdown splits the network in fwd and rev (the flow is synced)" \
		test -n "${V[part_fwd]:-}" -a -n "${V[part_rev]:-}"
	planted "$dir: the network estimate" "${V[est_network]:-}"
	planted "$dir: the breakdown's $key part" "${V[part_$key]:-}"
	small "$dir: the breakdown's $other part" "${V[part_$other]:-}"
	small "$dir: the local estimate" "${V[est_local]:-}"
	small "$dir: the far_kernel estimate" "${V[est_far_kernel]:-}"
	planted "$dir: ICMP echo p50" "${V[icmp_p50_ns]:-}"
	dp_hop_ok "$dir: the router's capture" "$d/wire.json" "$n"
	dp_near_wire "$dir: the $key part agrees with the wire (1 % + $((DP_WIRE_ABS_NS / 1000)) us)" \
		"$d/wire.json" "${key}_p50_ns" "${V[part_$key]:-}" "$n"
	dp_near_wire "$dir: the $other part agrees with the wire (1 % + $((DP_WIRE_ABS_NS / 1000)) us)" \
		"$d/wire.json" "${other}_p50_ns" "${V[part_$other]:-}" "$n"
	dp_near "$dir: the network estimate agrees with the wire's network round trip (2 % + 1 ms)" \
		"${V[wire_rtt_2cap_p50_ns]:-}" "${V[est_network]:-}" 2 1000000
	if [[ $dir == forward ]]; then
		planted "$dir: TCP handshake p50" "${V[tcp_p50_ns]:-}"
	else
		assert_contains "$dir: TCP to a closed port: tcp_connect says why" "port $TCP_CLOSED is closed" \
			"${V[tcp_connect_reason]:-}"
		assert_contains "$dir: ... and so does tcp" "port $TCP_CLOSED is closed" "${V[tcp_reason]:-}"
		assert_cmp "$dir: ... after trying (attempts)" "${V[tcp_connect_attempts]:-}" ">=" 10
		assert_eq "$dir: ... and no far_tcp estimate from it" "" "${V[est_far_tcp]:-}"
	fi
done

# ----------------------------------------- 2. the far host's egress queue
d=$DP_TMP/far
mkdir -p "$d"
ok "far_kernel: $DELAY_MS ms netem on the reflector's own eth0" topo_shape "$REFLECTOR" eth0 delay "${DELAY_MS}ms"
dp_cap_start "$SENDER" eth0 "$d/s.pcap"
dp_cap_start "$REFLECTOR" eth0 "$d/r.pcap"
diagnose far_kernel "$d/diag.json" "$REFL_IP4" --tcp "$TCP_OPEN"
dp_cap_stop
topo_unshape "$REFLECTOR" eth0
dp_wire "$d/wire.json" "$d/s.pcap" --refl "$d/r.pcap" || not_ok "far_kernel: reading the captures"
diag "far_kernel: wire $(cat "$d/wire.json")"
load far_kernel "$d/diag.json" stamp,icmp,tcp,tcp_connect "" "$d/wire.json"
verdict far_kernel far_kernel R5
assert_eq "far_kernel: the reflector reported its egress (Follow-Up Telemetry)" 1 "${V[far_egress_reported]:-}"
planted "far_kernel: the far_kernel estimate" "${V[est_far_kernel]:-}"
planted "far_kernel: the breakdown's far_tx_stage part" "${V[part_far_tx_stage]:-}"
small "far_kernel: the network estimate" "${V[est_network]:-}"
small "far_kernel: the local estimate" "${V[est_local]:-}"
planted "far_kernel: ICMP echo p50 (the reply crosses the queue)" "${V[icmp_p50_ns]:-}"
planted "far_kernel: TCP handshake p50 (the SYN-ACK crosses it)" "${V[tcp_p50_ns]:-}"
dp_near "far_kernel: the estimate agrees with the far host's holding time on its wire (2 % + 1 ms)" \
	"${V[wire_refl_hold_p50_ns]:-}" "${V[est_far_kernel]:-}" 2 1000000

# --------------------------------------------- 3. the far application
d=$DP_TMP/app
mkdir -p "$d"
# median FILE: the middle of its sorted numbers, one a line
median() { awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }' "$1"; }
srv0=$(wc -l <"$DP_TMP/http.out")
# the far host's wire: the TCP segments with a payload to and from the
# HTTP port (the request in, the answer out)
dp_cap_start "$REFLECTOR" eth0 "$d/r.pcap" \
	"tcp port $HTTP_PORT and (ip[2:2] - ((ip[0] & 0xf) << 2) - ((tcp[12] & 0xf0) >> 2)) != 0"
diagnose far_application "$d/diag.json" "$REFL_IP4" --http "http://$REFL_IP4:$HTTP_PORT/"
dp_cap_stop
load far_application "$d/diag.json" stamp,icmp,http_connect,http_ttfb ""
verdict far_application far_application R8
app=${V[est_far_application]:-}
# the truth: per connection, the request's first segment in on the far
# host's wire to the answer's first segment out, all the far host held
# it (its stack and the application); the median over the connections
tcpdump -r "$d/r.pcap" -n -tt --time-stamp-precision nano 2>/dev/null | awk -v p=".$HTTP_PORT" '
	function ns(t, a) { split(t, a, "."); return a[1] * 1000000000 + a[2] }
	$2 != "IP" { next }
	{ dst = $5; sub(":$", "", dst) }
	substr(dst, length(dst) - length(p) + 1) == p { if (!($3 in tin)) tin[$3] = ns($1); next }
	{ if (!(dst in tout)) tout[dst] = ns($1) }
	END { for (c in tin) if (c in tout && tout[c] > tin[c]) print tout[c] - tin[c] }' |
	sort -n >"$d/hold.ns"
hold=$(median "$d/hold.ns")
diag "far_application: the far host's wire: median hold ${hold:-?} ns over $(wc -l <"$d/hold.ns") requests"
assert_cmp "far_application: the far host's wire has every request diagnose timed" \
	"$(wc -l <"$d/hold.ns")" ">=" "${V[http_ttfb_samples]:-}"
# (+ 8 ms: the estimate, TTFB less connect, also holds the client's own
# delays, in sending the request and in seeing the answer's first byte,
# which a loaded TCG host stretches more than connect's cancel: 41.1 ms
# against a 34.2 ms hold in a make check beside both debug-kernel VMs,
# 2026-12-04; a missing or doubled hold is still far out)
dp_near "far_application: the estimate agrees with the far host's hold on its wire (10 % + 8 ms)" \
	"${hold:-0}" "$app" 10 8000000
# against the planted delay only when python kept to it: on a loaded TCG
# host its 20 ms sleep held the answer 55 ms on the far host's wire once
# (CI, 2026-12-06), and the estimate (51.7 ms) followed the wire, as the
# check above asserts; the wire's hold outside the bound skips this one
pl_hi=$((DELAY_NS + 30000000))
if _sf_num "${hold:-}" && ((hold < LO_NS || hold > pl_hi)); then
	skip "far_application: the estimate ~ the planted $DELAY_MS ms (90 % .. + 30 ms: python under TCG)" \
		"python missed the planted delay: the far host's wire held a median ${hold} ns, bound [$LO_NS, $pl_hi]; the estimate ${app:-?} ns"
else
	in_range "far_application: the estimate ~ the planted $DELAY_MS ms (90 % .. + 30 ms: python under TCG)" \
		"$LO_NS" "$pl_hi" "$app"
fi
# the server's own time (accept to its first byte) starts before the
# request arrives: it also counts the client's delay between its connect
# and its request, so it is shown, not compared
tail -n +$((srv0 + 1)) "$DP_TMP/http.out" | grep -E '^[0-9]+$' | sort -n >"$d/server.ns"
srv=$(median "$d/server.ns")
diag "far_application: the server's median time per request (accept to first byte) ${srv:-?} ns over $(wc -l <"$d/server.ns") requests"
assert_cmp "far_application: the server answered every request diagnose timed" \
	"$(wc -l <"$d/server.ns")" ">=" "${V[http_ttfb_samples]:-}"
small "far_application: the network estimate" "${V[est_network]:-}"
# libcurl's connect time is its own process seeing the handshake done,
# which a loaded TCG host delays by several ms (7.4 ms once, 11.7 ms in
# CI with both debug-kernel VMs beside it, when python's 20 ms took 42):
# a leak of the server's delay into the connect would make it at least
# the far host's hold on its wire, so the bound is half that hold
cbound=$(((${hold:-0} > DELAY_NS ? ${hold:-0} : DELAY_NS) / 2))
diag "far_application: HTTP connect p50 ${V[http_connect_p50_ns]:-?} ns, the bound $cbound ns"
in_range "far_application: HTTP connect p50: under half the far host's hold on its wire (nothing planted there)" \
	0 "$cbound" "${V[http_connect_p50_ns]:-}"

# ------------------------------------------ 4. the far host's full queue
d=$DP_TMP/fulltcp
mkdir -p "$d"
q=$(ip netns exec "$REFLECTOR" ss -ltnH "sport = :$TCP_FULL" | awk '{ print $2, $3 }')
diag "full queue: ss Recv-Q, Send-Q (backlog): $q"
assert_cmp "full queue: the accept queue holds more than the backlog (ss)" "${q% *}" ">" "${q#* }"
lo0=$(listen_overflows)
diagnose far_tcp "$d/diag.json" "$REFL_IP4" --tcp "$TCP_FULL"
lo1=$(listen_overflows)
load far_tcp "$d/diag.json" stamp,icmp tcp,tcp_connect
att=${V[tcp_connect_attempts]:-0}
diag "far_tcp: TcpExtListenOverflows $lo0 -> $lo1, $att connects"
verdict far_tcp far_tcp R6
assert_cmp "far_tcp: connects tried (a 3 s limit each in 6 s)" "$att" ">=" 2
assert_contains "far_tcp: tcp_connect says the SYNs went unanswered" "timed out" "${V[tcp_connect_reason]:-}"
assert_cmp "far_tcp: the reflector dropped the SYNs (ListenOverflows rose by one per connect at least)" \
	"$((lo1 - lo0))" ">=" "$att"
assert_eq "far_tcp: the estimate is the connect time limit (3 s)" 3000000000 "${V[est_far_tcp]:-}"
small "far_tcp: the network estimate" "${V[est_network]:-}"
small "far_tcp: ICMP echo p50" "${V[icmp_p50_ns]:-}"

# --------------------------------------------------- 5. this host's queue
d=$DP_TMP/local
mkdir -p "$d"
ok "local: $DELAY_MS ms netem on the sender's own eth0" topo_shape "$SENDER" eth0 delay "${DELAY_MS}ms"
dp_cap_start "$SENDER" eth0 "$d/s.pcap"
diagnose local "$d/diag.json" "$REFL_IP4" --tcp "$TCP_OPEN"
dp_cap_stop
topo_unshape "$SENDER" eth0
dp_wire "$d/wire.json" "$d/s.pcap" || not_ok "local: reading the capture"
diag "local: wire $(cat "$d/wire.json")"
load local "$d/diag.json" stamp,icmp,tcp,tcp_connect "" "$d/wire.json"
verdict local local R1
planted "local: the local estimate" "${V[est_local]:-}"
small "local: the network estimate" "${V[est_network]:-}"
small "local: the far_kernel estimate" "${V[est_far_kernel]:-}"
planted "local: ICMP echo p50 (sent before the qdisc)" "${V[icmp_p50_ns]:-}"
dp_near "local: the estimate agrees with the sender's queueing on its wire (capture - T1; 2 % + 1 ms)" \
	"${V[wire_qdisc_p50_ns]:-}" "${V[est_local]:-}" 2 1000000
done_testing
