#!/bin/bash
# timeout: 1200
# debug-kernel: skip: the agent's counters and percentiles against the wire through userspace (timing); the module paths it uses (probing, flow dump) run there in 57, 58 and 62
# make-check: beside: mostly waits for the agent's minutes to be stored (it runs in a VM of its own beside the rest)
# cpus: 2 (the agent's probing, HTTP and store threads beside the probes' reflection: as it runs on a host)
# snapfire agent (#11): three targets, one of them dead, for a minute and
# more, against the wire. Sender - router - reflector (the module's STAMP
# reflector on, clock-synced on in both: they share the VM's clock); the
# agent runs in the sender's namespace, a probe every 0.2 s to each of
#   refl-v4  the reflector's IPv4 address: 6 ms netem on the router,
#            forward only and IPv4 only (prio + matchall on protocol)
#   refl-v6  its IPv6 address: 16 ms, reverse only, IPv6 only
#   dead     203.0.113.9, which the router routes into a blackhole (no
#            ICMP back: the probes just go unanswered)
# It starts at second 30..36 of a minute M0 and runs past M0 + 2, so the
# store holds a partial minute and a full one (M0 + 1) when /metrics,
# /api/v1/summary and `snapfire history` are read, a few seconds into
# M0 + 2. The truth is the captures on the sender's and the reflector's
# interfaces (tests/lib/agent_wire.py): netem runs late under TCG, so the
# planted delays are only approximate (dp_shaped), the wire is exact.
# Checks, each against the wire:
#   - /metrics at the read: sent, received and lost of each target are the
#     wire's probes, replies and unanswered probes at that instant (within
#     the read's own duration, and the second a shared page may be old);
#     sent = received + lost + the few in flight;
#     the live targets lose nothing, the dead one everything, received 0;
#     target_up 1 1 0; the events: the dead target unreachable once;
#   - /api/v1/summary: success_rate 1 for the live targets (less at most the
#     probes in flight), 0 for the dead one; sent/received against the wire;
#     the live targets' p50 and p90 against the wire's network round trip
#     (the current minute too is the module's: its flow read at the request)
#     within the module's histogram error (precision 6: 1/64 of the value)
#     plus dp_near_wire's absolute stamping error;
#   - the two live targets' round trips differ as planted (10 ms), the
#     one-way delays sit where they were planted (forward for v4, reverse
#     for v6), each against the wire;
#   - the store: day files of every target's counters, of the live ones'
#     rtt, none for the dead one; `snapfire history -j` over the full
#     minute: 300 probes (one per 0.2 s), sent and received as the wire's
#     in that minute, and as many rtt samples as received, less and plus
#     the wire's replies between each of its ends and the store's read of
#     the module there (/healthz's last_store_write); over the stored
#     minutes: as many rtt samples as
#     /metrics' rtt histogram counts (both are the stored minutes' sums),
#     its percentiles against the wire; /metrics' p50 le bucket is the one
#     the wire's p50 falls in; promtool check metrics on the page;
#   - a real Prometheus server (in the sender's namespace, scraping every
#     2 s from just after the agent starts), queried at the read once its
#     last scrape holds the stored minutes: up 1, target_up 1 1 0; sent,
#     received and lost of that scrape against the wire at its instant;
#     histogram_quantile(0.5, 0.9) of the live targets' rtt buckets within
#     the le buckets of the wire's percentile over the stored minutes and
#     of history's over them (it interpolates within a bucket), the
#     median also within /api/v1/summary's;
#   - SIGHUP with the dead target dropped: the live targets keep their
#     sessions (one source port each on the wire) and counters (the wire's
#     totals since the start), the dead one leaves /metrics and the summary
#     (404); SIGTERM exits 0;
#   - the JSON Lines: valid records, a success per reply of the live
#     targets (the store's received after the exit), timeouts (3 s, "no
#     reply") and no success for the dead one.
#   - a second run on the same store (the live targets): the module
#     unloaded under it: module_missing logged once, the round trips go on
#     from userspace timestamps (history's rtt), the agent's sockets have
#     the stack stamp received packets only while the module is out (a
#     socket that only reports stamps gets one over loopback then, and
#     none before or after), each target unreachable and recovered once
#     (log and /metrics), then loaded again:
#     module_back once, the targets answer again and the kernel's one-way
#     histograms are stored again; then kill -9: every minute stored
#     before it reads back; the agent stays down into the next minute and
#     a restarted one appends to the same store and stops cleanly: its
#     /api/v1/summary?window=5m shows the kill's minute missing
#     (minutes_stored), its sent only what the store and the current
#     minute hold; history has every minute of the second run but the
#     kill's, over which it reports no history (not a minute of zeros);
#     a torn record planted at the end of a day file while it was down is
#     reported by readers (history, store_problems) and skipped, the good
#     records kept, and cut off (logged once) by the agent's next append.
#   - as the systemd unit runs it (nobody, no capability, a user namespace
#     of its own): it starts, finds the module, and stores the kernel's
#     forward delays of a whole minute (its flow dumped unprivileged); a
#     bad file at SIGHUP is refused with FILE:LINE: reason and it goes on
#     probing.
# shellcheck source=tests/lib/dp.sh
. "$(dirname "$0")/../lib/dp.sh"

dp_need_cli
dp_setup_line3
ok "reflector on" dp_reflect "$REFLECTOR" on
ok "clock-synced on in the sender" dp_cfg "$SENDER" clock-synced on
ok "clock-synced on in the reflector" dp_cfg "$REFLECTOR" clock-synced on

V4_MS=6                      # forward, IPv4 only
V6_MS=16                     # reverse, IPv6 only
IVAL=0.2                     # seconds between probes, each target
TIMEOUT_NS=3000000000        # max(3 intervals, 3 s)
DEAD_IP4=203.0.113.9
HPORT=9862                   # the agent's HTTP, 127.0.0.1 in the sender's namespace
NAMES=(refl-v4 refl-v6 dead)
declare -A ADDR=([refl-v4]=$REFL_IP4 [refl-v6]=$REFL_IP6 [dead]=$DEAD_IP4)
LIVE=(refl-v4 refl-v6)
# the histogram's error: a module bucket is 1/64 of its octave wide
# (precision 6); a percentile interpolated in it is off by at most that
HPCT=1.5625
# how many samples the agent's percentiles may be off the wire's set by
RANK_SLACK=4

# family_delay NS DEV PROTO MS: netem for one protocol (ip, ipv6) only:
# a prio qdisc whose every priority goes to the plain band 2, and a
# matchall filter on the protocol to band 1, which holds the netem
family_delay() {
	local ns=$1 dev=$2 proto=$3 ms=$4
	ip netns exec "$ns" tc qdisc replace dev "$dev" root handle 1: prio bands 2 \
		priomap 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 &&
		ip netns exec "$ns" tc qdisc add dev "$dev" parent 1:1 handle 10: netem delay "${ms}ms" &&
		ip netns exec "$ns" tc filter add dev "$dev" parent 1: protocol "$proto" prio 1 \
			matchall classid 1:1
}
ok "router: $V4_MS ms forward (eth1), IPv4 only" family_delay "$ROUTER" eth1 ip $V4_MS
ok "router: $V6_MS ms reverse (eth0), IPv6 only" family_delay "$ROUTER" eth0 ipv6 $V6_MS
ok "router: $DEAD_IP4 into a blackhole" ip -n "$ROUTER" route add blackhole 203.0.113.0/24

AD=$DP_TMP/agent
mkdir -p "$AD"
STATE=$AD/state
JL=$AD/probes.jsonl
# conf FILE [dead]: the agent's configuration, with the dead target or not
conf() {
	cat >"$1" <<EOF
# tests/vm/67-agent.sh
listen: 127.0.0.1:$HPORT
state-dir: $STATE
retention-days: 2
jsonl: $JL
defaults: { port: 862, interval: $IVAL }
targets:
  - name: refl-v4
    address: $REFL_IP4
    labels: { family: ipv4, planted: forward }
  - name: refl-v6
    address: $REFL_IP6
EOF
	if [[ ${2:-} == dead ]]; then
		printf '  - name: dead\n    address: %s\n' "$DEAD_IP4" >>"$1"
	fi
}
conf "$AD/agent.conf" dead
ok "the configuration checks" "$SF_CLI" agent --check -c "$AD/agent.conf"

# ------------------------------------------------------------- helpers
now_ns() { date +%s%N; }
# get URL OUT: curl in the sender's namespace; prints the HTTP status
get() {
	ip netns exec "$SENDER" curl -s --max-time 10 -o "$2" -w '%{http_code}' \
		"http://127.0.0.1:$HPORT$1"
}
# prom FILE NAME TARGET: the sample of NAME for TARGET (labels after it)
prom() {
	awk -v k="$2{target=\"$3\"" 'index($1, k) == 1 &&
		(substr($1, length(k) + 1, 1) == "," || substr($1, length(k) + 1, 1) == "}") {
		print $2; f = 1; exit } END { exit !f }' "$1"
}
# prom_event FILE EVENT
prom_event() {
	awk -v k="snapfire_agent_events_total{event=\"$2\"}" '$1 == k { print $2; f = 1 }
		END { exit !f }' "$1"
}
# prom_le50 FILE TARGET: the le of the first rtt bucket holding half the count
prom_le50() {
	awk -v k="snapfire_target_rtt_seconds_bucket{target=\"$2\"," '
		index($1, k) == 1 { l = $1; sub(/.*le="/, "", l); sub(/".*/, "", l); le[n] = l; c[n++] = $2 }
		END { if (!n) exit 1; for (i = 0; i < n; i++) if (c[i] * 2 >= c[n - 1]) { print le[i]; exit } }' "$1"
}
# le_of NS: the first of the fixed le bounds at or above NS (docs/AGENT.md)
le_of() {
	awk -v v="$1" 'BEGIN { n = split("0.00001 0.000025 0.00005 0.0001 0.00025 0.0005 0.001 0.0025 0.005 0.01 0.025 0.05 0.1 0.25 0.5 1 2.5 5 10", b, " ")
		for (i = 1; i <= n; i++) if (b[i] * 1e9 >= v) { print b[i]; exit }
		print "+Inf" }'
}
# iso SECONDS: for history --since/--until
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%S+00:00; }
# ns_of SECONDS: in ns (an integer), for dp_near; nothing when not a number
ns_of() { awk -v s="$1" 'BEGIN { if (s !~ /^[0-9.]+([eE][-+]?[0-9]+)?$/) exit 1; printf "%.0f", s * 1e9 }'; }
# in_range NAME LO HI ACTUAL
in_range() {
	if [[ $4 =~ ^[0-9]+$ && $2 =~ ^-?[0-9]+$ && $3 =~ ^-?[0-9]+$ ]] && (($4 >= $2 && $4 <= $3)); then
		_sf_report 0 "$1"
	else
		_sf_report 1 "$1" "expected $2 <= '$4' <= $3"
	fi
}
# near_pct NAME TARGET P SPAN ACTUAL_NS: a percentile P of the module's
# histogram (p50, p90: of the round trip; fwd_p50, rev_p50: of that
# metric) against the wire's in SPAN: between the wire's values
# RANK_SLACK ranks below and above it (the agent's samples may differ
# from the span's by a few at its ends: in a sparse tail, as TCG makes
# netem's, one rank is milliseconds), less and plus the histogram's 1/64
# and dp_near_wire's absolute part. The lower end is taken with the first
# hop's time in place of the sender's out (agent_wire.py --hop) where that
# capture saw every probe of the span: the module's T1, the sender's driver
# hand-off, comes after the sender's tap, by ms when the vCPU is
# descheduled between the two (tests/lib/dp.sh, dp_near_wire)
near_pct() {
	local name=$1 t=$2 p=$3 sp=$4 act=$5 lo hi mid v
	[[ $p == *_* ]] || p=rtt_$p
	lo=${W[$t.${p}_lo@$sp]:-} mid=${W[$t.$p@$sp]:-} hi=${W[$t.${p}_hi@$sp]:-}
	if [[ -n ${W[$t.${p}_hlo@$sp]:-} ]]; then
		diag "$name: the lower end with the sender's hand-off at the first hop: ${W[$t.${p}_hlo@$sp]} ns (the sender's tap: $lo)"
		lo=${W[$t.${p}_hlo@$sp]}
	elif [[ $p != rev_* ]]; then
		diag "$name: no first-hop bound (${W[$t.hop_missing@$sp]:-?} probes missing there)"
	fi
	if ! _sf_num "$act" || ! _sf_num "$lo" || ! _sf_num "$hi"; then
		not_ok "$name" "not numbers: agent '$act', wire '$lo' .. '$hi'"
		return
	fi
	v=$(awk -v a="$act" -v l="$lo" -v h="$hi" -v p="$HPCT" -v x="$DP_WIRE_ABS_NS" 'BEGIN {
		l -= l * p / 100 + x; h += h * p / 100 + x
		printf "%s %.0f %.0f", (a >= l && a <= h) ? "ok" : "bad", l, h }')
	if [[ $v == ok* ]]; then
		_sf_report 0 "$name (the wire's $mid ns; +- $RANK_SLACK ranks, 1/64 + $((DP_WIRE_ABS_NS / 1000)) us)"
	else
		_sf_report 1 "$name (the wire's $mid ns; +- $RANK_SLACK ranks, 1/64 + $((DP_WIRE_ABS_NS / 1000)) us)" \
			"expected ${v#* } (wire ranks -$RANK_SLACK..+$RANK_SLACK: $lo .. $hi, less and plus 1/64 + $DP_WIRE_ABS_NS ns); got $act"
	fi
}

# promq.py URL AT TARGET...: Prometheus' instant queries at AT (epoch s),
# as KEY<tab>VALUE lines ("None": no sample); the last scrape at or before
# AT: up, its timestamp and duration, each target's counters, up, rtt
# count and histogram_quantile(0.5, 0.9) of its rtt buckets
cat >"$AD/promq.py" <<'EOF'
import json, sys, urllib.parse, urllib.request
url, at, targets = sys.argv[1], sys.argv[2], sys.argv[3:]
def q(expr):
    u = url + "/api/v1/query?" + urllib.parse.urlencode({"query": expr, "time": at})
    with urllib.request.urlopen(u, timeout=10) as r:
        d = json.load(r)
    if d.get("status") != "success":
        raise SystemExit("query %s: %s" % (expr, d))
    res = d["data"]["result"]
    return res[0]["value"][1] if len(res) == 1 else "None"
job = '{job="snapfire-agent"}'
print("up\t" + q("up" + job))
print("ts\t" + q("timestamp(up%s)" % job))
print("dur\t" + q("scrape_duration_seconds" + job))
for t in targets:
    sel = '{target="%s"}' % t
    for c in ("sent", "received", "lost"):
        print("%s.%s\t%s" % (t, c, q("snapfire_target_%s_total%s" % (c, sel))))
    print("%s.up\t%s" % (t, q("snapfire_target_up" + sel)))
    print("%s.rtt_count\t%s" % (t, q("snapfire_target_rtt_seconds_count" + sel)))
    for p in ("0.5", "0.9"):
        print("%s.q%s\t%s" % (t, p, q("histogram_quantile(%s, sum by (le) (snapfire_target_rtt_seconds_bucket%s))" % (p, sel))))
EOF

# ------------------------------------------------------- the agent's run
# start at second 30..36 of a minute M0: the next minute is then stored
# whole. M0 is the minute of the launch, not of the start's log line: on a
# loaded host (CI) the start was seen only in the next minute, 4 s or
# more after a launch at second 56 at the latest, and the test then
# counted M0's partial minute as none of the run's.
s=$(($(date +%s) % 60))
if ((s < 30)); then sleep $((30 - s)); elif ((s > 36)); then sleep $((90 - s)); fi
dp_cap_start "$SENDER" eth0 "$AD/s.pcap"
dp_cap_start "$REFLECTOR" eth0 "$AD/r.pcap"
dp_cap_start "$ROUTER" eth0 "$AD/h.pcap"
T_START=$(now_ns)
M0=$((T_START / 60000000000))
ip netns exec "$SENDER" "$SF_CLI" agent -c "$AD/agent.conf" >"$AD/agent.out" 2>"$AD/agent.log" &
APID=$!
on_exit "kill -TERM $APID 2>/dev/null; wait $APID 2>/dev/null"
ok "the agent starts (3 targets)" wait_for 20 grep -q "started: $AD/agent.conf, 3 targets" "$AD/agent.log"
T_UP=$(now_ns)
diag "the agent's start-up: $(((T_UP - T_START) / 1000000)) ms"
assert_eq "the agent started within the minute it was launched in (M0)" "$M0" $((T_UP / 60000000000))
B1=$(((M0 + 1) * 60))        # the full minute: [B1, B2)
B2=$(((M0 + 2) * 60))
diag "agent started at $(date -u -d "@$((T_START / 1000000000))" +%T) UTC; minute M0+1 stored whole at $(date -u -d "@$B2" +%T)"
# a real Prometheus server
# in the sender's namespace, scraping the agent's /metrics every 2 s; it
# starts after the agent (a minute and more before the read: its start-up
# takes seconds under TCG) and is queried at the read (histogram_quantile
# over the stored minutes, the counters of one scrape, up).
PPORT=19090
PROM=""
if have prometheus; then
	mkdir -p "$AD/prom"
	cat >"$AD/prom.yml" <<EOF
global: { scrape_interval: 2s, scrape_timeout: 2s }
scrape_configs:
  - job_name: snapfire-agent
    static_configs: [ { targets: ['127.0.0.1:$HPORT'] } ]
EOF
	ip netns exec "$SENDER" prometheus --config.file="$AD/prom.yml" --storage.tsdb.path="$AD/prom" \
		--web.listen-address="127.0.0.1:$PPORT" >"$AD/prom.log" 2>&1 &
	PROM=$!
	on_exit "kill $PROM 2>/dev/null; wait $PROM 2>/dev/null"
fi

# the store's write of a minute (ms), after its read of the module's
# flow: a reply between the minute's turn and that read is in the
# minute's received (cut at the turn) but in the next minute's samples
# (the history's check of the full minute)
WSTORE=""
stored_at() { # EPOCH_S: /healthz's last store write at or after it, into WSTORE (ns)
	local t
	[[ $(get /healthz "$AD/healthz") == 200 ]] || return 1
	t=$(sed -n 's/.*"last_store_write": "\([^"]*\)".*/\1/p' "$AD/healthz")
	[[ -n $t ]] && (($(date -u -d "$t" +%s) >= $1)) && WSTORE=$(date -u -d "$t" +%s%N)
}
w=$((B1 + 1 - $(date +%s)))
((w > 0)) && sleep "$w"
wait_for 30 stored_at "$B1" || diag "the minute M0: not seen stored (/healthz) before $(date -u +%T)"
W1=$WSTORE WSTORE=""
# until the full minute is stored: /healthz's last write at B2 or later
w=$((B2 + 3 - $(date +%s)))
((w > 0)) && sleep "$w"
# (not through ok: its command runs in a subshell, and WSTORE is wanted here)
if wait_for 30 stored_at "$B2"; then
	ok "the minute M0+1 stored (/healthz: last_store_write after it)"
else
	not_ok "the minute M0+1 stored (/healthz: last_store_write after it)" "not by $(date -u +%T): $(cat "$AD/healthz" 2>/dev/null)"
fi
W2=$WSTORE
diag "the store wrote M0 $(((${W1:-0} - B1 * 1000000000) / 1000000)) ms after it ended, M0+1 $(((${W2:-0} - B2 * 1000000000) / 1000000)) ms after"
diag "healthz: $(cat "$AD/healthz")"
assert_eq "/healthz: ok, 3 targets, the module loaded, the store ok" "ok 3 1 1" \
	"$(dp_get "$AD/healthz" status targets module_loaded store_ok | tr '\n' ' ' | sed 's/ $//')"

# the read: /metrics, then each target's summary, each between two instants
TA=$(now_ns)
code=$(get /metrics "$AD/m1")
TB=$(now_ns)
assert_eq "/metrics: 200" 200 "$code"
diag "/metrics read in $(((TB - TA) / 1000000)) ms"
# the transitions logged by then (each event is counted and logged at once)
NU1=$(grep -c 'target_unreachable:' "$AD/agent.log")
NR1=$(grep -c 'target_recovered:' "$AD/agent.log")
declare -A SA SB ST STX
for t in "${NAMES[@]}"; do
	SA[$t]=$(now_ns)
	code=$(get "/api/v1/summary?target=$t&window=5m" "$AD/sum-$t")
	SB[$t]=$(now_ns)
	assert_eq "/api/v1/summary?target=$t&window=5m: 200" 200 "$code"
	# the instant of its snapshot (ms): its counters and samples are those
	# of that instant; the wire's at it, less 250 ms for a reply on its way
	# to the agent (a loaded VM), plus 21 ms
	ST[$t]=$(date -u -d "$(sed -n 's/.*"to": "\([^"]*\)".*/\1/p' "$AD/sum-$t")" +%s%N)
	diag "summary $t (read in $(((SB[$t] - SA[$t]) / 1000000)) ms): $(head -c 1500 "$AD/sum-$t")"
	# a stage metric, which only the module measures: its current minute
	# is the module's flow read at the request (a moment after "to")
	[[ $t == dead ]] && continue
	code=$(get "/api/v1/summary?target=$t&metric=tx_stage&window=5m" "$AD/sumtx-$t")
	assert_eq "/api/v1/summary?target=$t&metric=tx_stage&window=5m: 200" 200 "$code"
	STX[$t]=$(date -u -d "$(sed -n 's/.*"to": "\([^"]*\)".*/\1/p' "$AD/sumtx-$t")" +%s%N)
	diag "summary $t, tx_stage: $(head -c 600 "$AD/sumtx-$t")"
done
if have promtool; then
	ok "promtool check metrics passes on the page" sh -c "promtool check metrics <'$AD/m1'"
else
	skip "promtool check metrics passes on the page" "no promtool in the VM"
fi
# the store as it is now: every minute before M0+2 (history reads whole
# minutes: --until B2 ends before M0+2), and the full minute alone
for t in "${NAMES[@]}"; do
	ok "history $t -j over the stored minutes" sh -c \
		"'$SF_CLI' history '$t' -d '$STATE' -j --since '$(iso $((M0 * 60)))' --until '$(iso "$B2")' >'$AD/h-$t' 2>'$AD/h-$t.err'"
	ok "history $t -j over the full minute M0+1" sh -c \
		"'$SF_CLI' history '$t' -d '$STATE' -j --since '$(iso "$B1")' --until '$(iso "$B2")' >'$AD/hf-$t' 2>'$AD/hf-$t.err'"
	diag "history $t (stored minutes): $(tr -d '\n' <"$AD/h-$t" | head -c 600) $(head -c 300 "$AD/h-$t.err")"
done
"$SF_CLI" history refl-v4 -d "$STATE" -j -m fwd --since "$(iso $((M0 * 60)))" --until "$(iso "$B2")" \
	>"$AD/h-v4-fwd" 2>&1
"$SF_CLI" history refl-v6 -d "$STATE" -j -m rev --since "$(iso $((M0 * 60)))" --until "$(iso "$B2")" \
	>"$AD/h-v6-rev" 2>&1

# ------------------------------------------------- Prometheus at the read
# its last scrape holds the stored minutes of m1 (their rtt counts) a
# scrape or two after the store; queried 3 s in the past, when every
# scrape begun by then is in (scrape_timeout 2 s), but never later than
# 1 s before M0 + 2 ends: the agent stores M0 + 2 after that, and on a
# loaded host the read before has taken until then (/metrics 4 s, each
# summary 4 to 5 s), so that every later scrape held a minute more
B3=$(((M0 + 3) * 60))
pq() { awk -F'\t' -v k="$1" '$1 == k { print $2; f = 1 } END { exit !f }' "$AD/pq"; }
prom_caught_up() {
	PQ_AT=$(awk -v n="$(now_ns)" -v b3="$B3" 'BEGIN { t = n / 1e9 - 3; if (t > b3 - 1) t = b3 - 1; printf "%.3f", t }')
	ip netns exec "$SENDER" "$DP_PY" -I "$AD/promq.py" "http://127.0.0.1:$PPORT" "$PQ_AT" \
		"${NAMES[@]}" >"$AD/pq" 2>"$AD/pq.err" || return 1
	[[ $(pq refl-v4.rtt_count) == "$(prom "$AD/m1" snapfire_target_rtt_seconds_count refl-v4)" &&
		$(pq refl-v6.rtt_count) == "$(prom "$AD/m1" snapfire_target_rtt_seconds_count refl-v6)" ]]
}
PQ_OK=0
if [[ -n $PROM ]]; then
	pq_t0=$SECONDS
	ok "Prometheus: its last scrape holds the stored minutes (the rtt counts of /metrics at the read)" \
		wait_for 30 prom_caught_up && PQ_OK=1
	diag "Prometheus queried for $((SECONDS - pq_t0)) s: $(tr '\t\n' '= ' <"$AD/pq" 2>/dev/null) $(head -c 300 "$AD/pq.err" 2>/dev/null)"
	((PQ_OK)) || diag "prometheus' log: $(tail -c 1500 "$AD/prom.log")"
	diag "prometheus' CPU time so far: $(awk '{ printf "%.1f s", ($14 + $15) / 100 }' "/proc/$PROM/stat" 2>/dev/null)"
	kill "$PROM"
	wait "$PROM" 2>/dev/null
else
	skip "Prometheus: its last scrape holds the stored minutes" "no prometheus in the VM"
fi

# ------------------------------------------------------- SIGHUP, SIGTERM
conf "$AD/agent.conf"
kill -HUP "$APID"
ok "SIGHUP: reloaded, the dead target dropped, the live ones kept" wait_for 10 grep -q \
	"config_reload: $AD/agent.conf: 2 targets (2 kept with their sessions and history, 0 new, 1 removed)" \
	"$AD/agent.log"
sleep 1
TA2=$(now_ns)
code=$(get /metrics "$AD/m2")
TB2=$(now_ns)
assert_eq "/metrics after SIGHUP: 200" 200 "$code"
assert_eq "after SIGHUP: the dead target's summary is 404" 404 \
	"$(get "/api/v1/summary?target=dead&window=5m" "$AD/sum2-dead")"
sleep 1
kill -TERM "$APID"
wait "$APID"
rc=$?
TEND=$(now_ns)
assert_eq "SIGTERM: the agent exits 0" 0 "$rc"
ok "SIGTERM: 'stopped' logged" grep -q 'snapfire agent: stopped' "$AD/agent.log"
dp_cap_stop
caps_ok=1
for f in "$AD/s.pcap.log" "$AD/r.pcap.log"; do
	grep -q '^0 packets dropped by kernel' "$f" || caps_ok=0
done
diag "captures: $(cat "$AD/s.pcap.log" "$AD/r.pcap.log" "$AD/h.pcap.log" | grep -E 'captured|dropped' | tr '\n' ' ')"
diag "agent log: $(grep -v 'MHD' "$AD/agent.log" | head -c 3000)"
diag "agent's wall time: $(((TEND - T_START) / 1000000000)) s"
for t in "${NAMES[@]}"; do
	"$SF_CLI" history "$t" -d "$STATE" -j >"$AD/hend-$t" 2>"$AD/hend-$t.err"
done

# ------------------------------------------------------------ the wire
args=(--sender "$AD/s.pcap" --refl "$AD/r.pcap" --hop "$AD/h.pcap" --timeout-ns "$TIMEOUT_NS" --jsonl "$JL"
	--rank-slack "$RANK_SLACK" --interval-ns "$(awk -v i="$IVAL" 'BEGIN { printf "%.0f", i * 1e9 }')")
for t in "${NAMES[@]}"; do
	args+=(--target "$t=${ADDR[$t]}"
		--at "s_lo_$t=$((${ST[$t]:-${SA[$t]}} - 250000000))" --at "s_hi_$t=$((${ST[$t]:-${SB[$t]}} + 21000000))"
		--span "sum_$t=$((T_START - 5000000000)):${ST[$t]:-${SB[$t]}}")
	# (its module read comes after "to": up to 1 s later on a loaded VM;
	# the stored minutes alone would lack every probe since B2, 15 or more)
	[[ -n ${STX[$t]:-} ]] && args+=(--at "x_lo_$t=$((STX[$t] - 250000000))" --at "x_hi_$t=$((STX[$t] + 1000000000))")
done
ms=1000000
# a /metrics page is built at most once a second and shared (agent_http.c,
# HTTP_PAGE_NS): with Prometheus scraping beside, the page read at m1 may
# be up to a second older than the read (m2 comes a second after the last
# read of any page: built then)
args+=(--at "m_lo=$((TA - 1100 * ms))" --at "m_hi=$((TB + 100 * ms))"
	--at "m2_lo=$((TA2 - 100 * ms))" --at "m2_hi=$((TB2 + 100 * ms))" --at "end=$((TEND + 100 * ms))"
	--at "b2_lo=$((B2 * 1000 * ms - 50 * ms))" --at "b2_hi=$((B2 * 1000 * ms + 150 * ms))"
	--at "b1_lo=$((B1 * 1000 * ms - 50 * ms))" --at "b1_hi=$((B1 * 1000 * ms + 150 * ms))"
	--at "w1=${W1:-$((B1 * 1000 * ms + 150 * ms))}" --at "w2=${W2:-$((B2 * 1000 * ms + 150 * ms))}"
	--span "stored=$((T_START - 5000000000)):$((B2 * 1000 * ms))"
	--span "full=$((B1 * 1000 * ms)):$((B2 * 1000 * ms))")
if ((PQ_OK)); then	# Prometheus' scrape: from its start for its duration
	PTS=$(awk -v t="$(pq ts)" 'BEGIN { printf "%.0f", t * 1e9 }')
	PDUR=$(awk -v t="$(pq dur)" 'BEGIN { printf "%.0f", t * 1e9 }')
	args+=(--at "p_lo=$((PTS - 100 * ms))" --at "p_hi=$((PTS + PDUR + 100 * ms))")
fi
declare -A W
while IFS=$'\t' read -r k v; do
	W[$k]=$v
done < <("$DP_PY" -I "$DP_LIB/agent_wire.py" "${args[@]}" 2>"$AD/wire.err")
[[ -s $AD/wire.err ]] && diag "agent_wire.py: $(head -c 1000 "$AD/wire.err")"
for t in "${NAMES[@]}"; do
	diag "wire $t: $(for k in probes replies sports refl_in n@stored rtt_p50@stored rtt_p90@stored fwd_p50@stored rev_p50@stored jl_success jl_timeout jl_error; do
		printf '%s=%s ' "$k" "${W[$t.$k]:-?}"; done)"
done
ok "the wire: both captures read, probes of every target on it" \
	test "${W[refl-v4.probes]:-0}" -gt 0 -a "${W[refl-v6.probes]:-0}" -gt 0 -a "${W[dead.probes]:-0}" -gt 0
# a capture that missed packets (tcpdump under TCG) cannot count them
wire_cnt() { # NAME LO HI ACTUAL: in_range, skipped when a capture dropped packets
	if ((caps_ok)); then in_range "$@"; else skip "$1" "a capture dropped packets (tcpdump)"; fi
}
for t in "${LIVE[@]}"; do
	if ((caps_ok)); then
		assert_eq "$t: every probe reached the reflector (its capture)" "${W[$t.probes]}" "${W[$t.refl_in]}"
	else
		skip "$t: every probe reached the reflector (its capture)" "a capture dropped packets (tcpdump)"
	fi
done
assert_eq "dead: no probe reached the reflector (the blackhole)" 0 "${W[dead.refl_in]:-}"

# ------------------------------------------------------------ /metrics
for t in "${NAMES[@]}"; do
	sent=$(prom "$AD/m1" snapfire_target_sent_total "$t")
	recv=$(prom "$AD/m1" snapfire_target_received_total "$t")
	lost=$(prom "$AD/m1" snapfire_target_lost_total "$t")
	up=$(prom "$AD/m1" snapfire_target_up "$t")
	diag "/metrics $t: sent $sent received $recv lost $lost up $up (wire at the read: sent ${W[$t.sent@m_lo]:-?}..${W[$t.sent@m_hi]:-?}, received ${W[$t.recv@m_lo]:-?}..${W[$t.recv@m_hi]:-?}, lost ${W[$t.lost@m_lo]:-?}..${W[$t.lost@m_hi]:-?})"
	wire_cnt "$t: sent is the wire's probes at the read" "${W[$t.sent@m_lo]:-}" "${W[$t.sent@m_hi]:-}" "$sent"
	wire_cnt "$t: received is the wire's replies at the read" "${W[$t.recv@m_lo]:-}" "${W[$t.recv@m_hi]:-}" "$recv"
	wire_cnt "$t: lost is the wire's unanswered probes at the read (timeout 3 s)" \
		"${W[$t.lost@m_lo]:-}" "${W[$t.lost@m_hi]:-}" "$lost"
	if [[ $t == dead ]]; then
		assert_eq "$t: received 0" 0 "$recv"
		# in flight: the probes of the last timeout (3 s), some 15 at one
		# each 0.2 s; as many as the wire shows sent and not yet lost at
		# the read (a stalled agent sends late ones in a burst)
		wire_cnt "$t: sent = received + lost + the probes of the last 3 s in flight (the wire's)" \
			$((${W[$t.sent@m_lo]:-0} - ${W[$t.lost@m_hi]:-0})) \
			$((${W[$t.sent@m_hi]:-0} - ${W[$t.lost@m_lo]:-0})) $((sent - recv - lost))
		assert_eq "$t: target_up 0" 0 "$up"
	else
		# nothing is lost unless the VM stalled a reply past the timeout
		assert_eq "$t: lost 0 (the wire's unanswered probes: ${W[$t.lost@m_hi]:-?})" \
			"${W[$t.lost@m_hi]:-0}" "$lost"
		in_range "$t: sent = received + lost + at most 2 in flight" 0 2 $((sent - recv - lost))
		assert_eq "$t: target_up 1" 1 "$up"
		assert_ge "$t: a minute and more of probes (>= 300)" "$sent" 300
	fi
done
assert_eq "/metrics: snapfire_agent_targets 3" 3 "$(awk '$1 == "snapfire_agent_targets" { print $2 }' "$AD/m1")"
assert_eq "/metrics: snapfire_agent_module_loaded 1" 1 "$(awk '$1 == "snapfire_agent_module_loaded" { print $2 }' "$AD/m1")"
assert_eq "/metrics: the live target's labels on its series" 1 \
	"$(grep -c '^snapfire_target_up{target="refl-v4",family="ipv4",planted="forward"} 1$' "$AD/m1")"
ev=""
for e in target_unreachable target_recovered module_missing module_back send_error config_reload config_reload_failed store_error; do
	ev+="$e=$(prom_event "$AD/m1" "$e") "
done
# a live target is unreachable only when the VM stalled its replies for
# 3 s (seen under a loaded host): then once, and recovered once
assert_eq "/metrics: events: the transitions the log shows at the read, nothing else" \
	"target_unreachable=$NU1 target_recovered=$NR1 module_missing=0 module_back=0 send_error=0 config_reload=0 config_reload_failed=0 store_error=0 " "$ev"
assert_eq "the log: the dead target unreachable once, never recovered" "1 0" \
	"$(grep -c 'target_unreachable: target dead ' "$AD/agent.log") $(grep -c 'target_recovered: target dead ' "$AD/agent.log")"
for t in "${LIVE[@]}"; do
	nu=$(grep -c "target_unreachable: target $t " "$AD/agent.log")
	((nu)) && diag "$t: unreachable $nu times (a stalled VM): $(grep "target_unreachable: target $t \|target_recovered: target $t " "$AD/agent.log" | tr '\n' ' ')"
	assert_eq "the log: $t recovered as often as it was unreachable (once per transition)" "$nu" \
		"$(grep -c "target_recovered: target $t " "$AD/agent.log")"
done

# ------------------------------------------------------------ the summary
for t in "${NAMES[@]}"; do
	f=$AD/sum-$t
	mapfile -t v < <(dp_get "$f" sent received success_rate minutes minutes_stored count)
	diag "summary $t: sent ${v[0]:-?} received ${v[1]:-?} count ${v[5]:-?} (the wire at its snapshot: sent ${W[$t.sent@s_lo_$t]:-?}..${W[$t.sent@s_hi_$t]:-?}, received ${W[$t.recv@s_lo_$t]:-?}..${W[$t.recv@s_hi_$t]:-?}, round trips ${W[$t.n@sum_$t]:-?})"
	wire_cnt "summary $t: sent is the wire's probes at its read" \
		"${W[$t.sent@s_lo_$t]:-}" "${W[$t.sent@s_hi_$t]:-}" "${v[0]:-}"
	wire_cnt "summary $t: received is the wire's replies at its read" \
		"${W[$t.recv@s_lo_$t]:-}" "${W[$t.recv@s_hi_$t]:-}" "${v[1]:-}"
	assert_eq "summary $t: window 5 minutes, 2 of them stored (M0, M0+1)" "5 2" "${v[3]:-} ${v[4]:-}"
	if [[ $t == dead ]]; then
		assert_eq "summary $t: success_rate 0" 0 "${v[2]:-}"
		assert_eq "summary $t: no round trip (count 0, median null)" "0 None" "${v[5]:-} $(dp_get "$f" median)"
		continue
	fi
	# probes in flight count as sent: 1 at most 2 / sent below 1 (and
	# less what the wire shows lost, none unless the VM stalled)
	assert_cmp "summary $t: success_rate 1 (less the <= 2 probes in flight and the wire's ${W[$t.lost@s_hi_$t]:-?} lost)" \
		"${v[2]:-}" ">=" "$(awk -v s="${v[0]:-1}" -v l="${W[$t.lost@s_hi_$t]:-0}" 'BEGIN { printf "%.6f", 1 - (2 + l) / s }')"
	assert_eq "summary $t: success_rate = received / sent" \
		"$(awk -v s="${v[0]:-1}" -v r="${v[1]:-0}" 'BEGIN { printf "%.6g", r / s }')" "${v[2]:-}"
	in_range "summary $t: count, the wire's round trips until its snapshot (+- $RANK_SLACK)" \
		$((${W[$t.n@sum_$t]:-0} - RANK_SLACK)) $((${W[$t.n@sum_$t]:-0} + RANK_SLACK)) "${v[5]:-}"
	# every probe handed to the driver has its tx_stage sample at once:
	# the stored minutes' and the current one's, read from the module at
	# the request (from the stored minutes alone, the count would lack
	# the seconds since M0+1 was stored: 5 a second)
	wire_cnt "summary $t, tx_stage: count, the wire's probes at its read (the current minute from the module)" \
		"${W[$t.sent@x_lo_$t]:-}" "${W[$t.sent@x_hi_$t]:-}" "$(dp_get "$AD/sumtx-$t" count)"
	for p in p50 p90; do
		near_pct "summary $t: $p against the wire's network round trip" "$t" "$p" "sum_$t" \
			"$(ns_of "$(dp_get "$f" "percentiles.$p")")"
	done
done

# ------------------------------------------ the planted delays, the wire
declare -A P50 P90
for t in "${LIVE[@]}"; do
	mapfile -t v < <(dp_get "$AD/h-$t" percentiles_ns.p50 percentiles_ns.p90)
	P50[$t]=${v[0]:-}
	P90[$t]=${v[1]:-}
	in_range "history $t: rtt count of the stored minutes, the wire's round trips before M0+2 (+- $RANK_SLACK)" \
		$((${W[$t.n@stored]:-0} - RANK_SLACK)) $((${W[$t.n@stored]:-0} + RANK_SLACK)) \
		"$(dp_get "$AD/h-$t" count)"
	diag "history $t: the sender's tap to the first hop: p90 ${W[$t.handoff_p90@stored]:-?} ns, ${W[$t.hop_missing@stored]:-?} probes missing there"
	if [[ ${W[$t.hop_missing@stored]:-} == 0 ]]; then
		assert_cmp "$t: no probe at the first hop before the sender's tap (min ns)" "${W[$t.handoff_min@stored]:-}" ">=" 0
	else
		skip "$t: no probe at the first hop before the sender's tap" "${W[$t.hop_missing@stored]:-?} probes missing from the first hop's capture"
	fi
	near_pct "history $t: p50 of the stored minutes against the wire's round trip" "$t" p50 stored "${P50[$t]}"
	near_pct "history $t: p90 of the stored minutes against the wire's" "$t" p90 stored "${P90[$t]}"
done
dp_shaped "refl-v4: rtt p50 ~ the planted $V4_MS ms" $((V4_MS * ms)) "${P50[refl-v4]}" 1 \
	"${W[refl-v4.rtt_p50@stored]:-}"
dp_shaped "refl-v6: rtt p50 ~ the planted $V6_MS ms" $((V6_MS * ms)) "${P50[refl-v6]}" 1 \
	"${W[refl-v6.rtt_p50@stored]:-}"
d_agent=$((${P50[refl-v6]:-0} - ${P50[refl-v4]:-0}))
d_wire=$((${W[refl-v6.rtt_p50@stored]:-0} - ${W[refl-v4.rtt_p50@stored]:-0}))
diag "p50 v6 - v4: agent $d_agent ns, wire $d_wire ns, planted $(((V6_MS - V4_MS) * ms)) ns"
dp_shaped "the live targets differ as planted (p50 v6 - v4 ~ $((V6_MS - V4_MS)) ms)" \
	$(((V6_MS - V4_MS) * ms)) "$d_agent" 1 "$d_wire"
# each p50 within 1/64 + abs: the difference within the sum of both
dp_near "... and as the wire's difference" "$d_wire" "$d_agent" 0 \
	"$(awk -v a="${W[refl-v4.rtt_p50@stored]:-0}" -v b="${W[refl-v6.rtt_p50@stored]:-0}" -v p="$HPCT" -v x="$DP_WIRE_ABS_NS" \
		'BEGIN { printf "%.0f", (a + b) * p / 100 + 2 * x }')"
# where the delay was planted: v4 forward, v6 reverse (one-way, synced)
near_pct "history refl-v4 -m fwd: p50 against the wire's forward delay" refl-v4 fwd_p50 stored \
	"$(dp_get "$AD/h-v4-fwd" percentiles_ns.p50)"
near_pct "history refl-v6 -m rev: p50 against the wire's reverse delay" refl-v6 rev_p50 stored \
	"$(dp_get "$AD/h-v6-rev" percentiles_ns.p50)"
dp_shaped "refl-v4: the forward delay ~ the planted $V4_MS ms" $((V4_MS * ms)) \
	"$(dp_get "$AD/h-v4-fwd" percentiles_ns.p50)" 1 "${W[refl-v4.fwd_p50@stored]:-}"
dp_shaped "refl-v6: the reverse delay ~ the planted $V6_MS ms" $((V6_MS * ms)) \
	"$(dp_get "$AD/h-v6-rev" percentiles_ns.p50)" 1 "${W[refl-v6.rev_p50@stored]:-}"

# ------------------------------------------------------------ Prometheus
# le_span LO HI: the le bounds "A B" of the buckets that hold LO..HI (ns)
# less and plus the histogram's 1/64 and dp_near_wire's absolute part (a
# module bucket counts under the first le >= its upper end, agent_prom.c)
le_span() {
	awk -v lo="$1" -v hi="$2" -v p="$HPCT" -v x="$DP_WIRE_ABS_NS" 'BEGIN {
		n = split("0.00001 0.000025 0.00005 0.0001 0.00025 0.0005 0.001 0.0025 0.005 0.01 0.025 0.05 0.1 0.25 0.5 1 2.5 5 10", b, " ")
		lo -= lo * p / 100 + x; hi += hi * p / 100 + x
		a = 0
		for (i = 1; i <= n && b[i] * 1e9 < lo; i++) a = b[i]
		for (i = 1; i <= n && b[i] * 1e9 < hi; i++) ;
		printf "%s %s", a, (i <= n ? b[i] : b[n]) }'
}
# prom_q_in NAME EST LO HI: Prometheus' histogram_quantile EST (s), which
# interpolates linearly within a bucket (A, B], in [A, B] of le_span LO HI
prom_q_in() {
	local sp
	if ! _sf_num "$2" || ! _sf_num "$3" || ! _sf_num "$4"; then
		not_ok "$1" "not numbers: Prometheus '$2', the truth '$3' .. '$4'"
		return
	fi
	sp=$(le_span "$3" "$4")
	if awk -v e="$2" -v a="${sp% *}" -v b="${sp#* }" 'BEGIN { exit !(e >= a && e <= b) }'; then
		_sf_report 0 "$1 ($2 s in [${sp% *}, ${sp#* }])"
	else
		_sf_report 1 "$1" "expected $2 s in [${sp% *}, ${sp#* }] s: the buckets of $3 .. $4 ns +- 1/64 + $DP_WIRE_ABS_NS ns"
	fi
}
if ((PQ_OK)); then
	assert_eq "Prometheus: up 1 (it scraped the agent's /metrics)" 1 "$(pq up)"
	assert_eq "Prometheus: snapfire_target_up 1 1 0 (refl-v4 refl-v6 dead)" "1 1 0" \
		"$(pq refl-v4.up) $(pq refl-v6.up) $(pq dead.up)"
	diag "Prometheus' scrape at $PTS ns for $((PDUR / ms)) ms"
	for t in "${NAMES[@]}"; do
		for c in sent:sent received:recv lost:lost; do
			wire_cnt "Prometheus $t: ${c%%:*} of its scrape is the wire's at that scrape" \
				"${W[$t.${c#*:}@p_lo]:-}" "${W[$t.${c#*:}@p_hi]:-}" "$(pq "$t.${c%%:*}")"
		done
	done
	for t in "${LIVE[@]}"; do
		for p in 50 90; do
			prom_q_in "Prometheus $t: histogram_quantile(0.${p%0}) of the stored minutes in the wire's p$p's bucket" \
				"$(pq "$t.q0.${p%0}")" "${W[$t.rtt_p${p}_lo@stored]:-}" "${W[$t.rtt_p${p}_hi@stored]:-}"
			# the agent's own over the same samples: history's over the
			# stored minutes (its count is /metrics', which is Prometheus')
			pv=${P50[$t]:-}
			[[ $p == 90 ]] && pv=${P90[$t]:-}
			prom_q_in "Prometheus $t: histogram_quantile(0.${p%0}) in the bucket of history's p$p over the stored minutes" \
				"$(pq "$t.q0.${p%0}")" "$pv" "$pv"
		done
		# /api/v1/summary's adds the current minute's seconds (the module's
		# flow read at the request):
		# its median only (a tail's percentile moves with a few samples)
		pv=$(ns_of "$(dp_get "$AD/sum-$t" percentiles.p50)")
		prom_q_in "Prometheus $t: histogram_quantile(0.5) in the bucket of /api/v1/summary's p50" \
			"$(pq "$t.q0.5")" "$pv" "$pv"
	done
else
	skip "Prometheus: its scrape against the wire and its quantiles" "no Prometheus scrape to query"
fi

# ------------------------------------------------------------ the store
day=$(date -u -d "@$B1" +%Y%m%d)
for t in "${NAMES[@]}"; do
	miss=""
	for c in sent received lost reordered duplicates; do
		[[ -s $STATE/$t/$c/$day.sfh ]] || miss+=" $c"
	done
	assert_eq "store: $t's counters (sent, received, lost, reordered, duplicates) in day files" "" "$miss"
done
for t in "${LIVE[@]}"; do
	ok "store: $t's rtt, fwd and rev in day files" test -s "$STATE/$t/rtt/$day.sfh" -a \
		-s "$STATE/$t/fwd/$day.sfh" -a -s "$STATE/$t/rev/$day.sfh"
done
ok "store: no rtt for the dead target" test ! -e "$STATE/dead/rtt"

for t in "${NAMES[@]}"; do
	# the full minute M0+1 alone
	mapfile -t v < <(dp_get "$AD/hf-$t" sent received count minutes success_rate)
	diag "history $t, minute M0+1: sent ${v[0]:-?} received ${v[1]:-?} rtt count ${v[2]:-?} minutes ${v[3]:-?}"
	sk=${W[$t.skipped@full]:-0}
	diag "$t, the full minute on the wire: longest gap between probes ${W[$t.maxgap@full]:-?} ns, $sk intervals skipped"
	in_range "history $t, the full minute: a probe every 0.2 s (300 +- 1, less the wire's $sk slots skipped by sends an interval late or more)" \
		$((299 - sk)) 301 "${v[0]:-}"
	wire_cnt "history $t, the full minute: sent is the wire's probes in it" \
		$((${W[$t.sent@b2_lo]:-0} - ${W[$t.sent@b1_hi]:-0})) $((${W[$t.sent@b2_hi]:-0} - ${W[$t.sent@b1_lo]:-0})) "${v[0]:-}"
	wire_cnt "history $t, the full minute: received is the wire's replies in it" \
		$((${W[$t.recv@b2_lo]:-0} - ${W[$t.recv@b1_hi]:-0})) $((${W[$t.recv@b2_hi]:-0} - ${W[$t.recv@b1_lo]:-0})) "${v[1]:-}"
	if [[ $t == dead ]]; then
		assert_eq "history $t, the full minute: no round trip, success_rate 0" "0 0" "${v[2]:-} ${v[4]:-}"
	else
		assert_eq "history $t, the full minute: one rtt record" 1 "${v[3]:-}"
		# the module's flow is read a moment after the userspace counters
		# are cut at the minute's turn (before the store's write, W1 and
		# W2): the replies the wire shows in those moments were counted
		# in one minute and sampled in the next (3 in CI once), and 2
		# more, read by the agent a moment after the module saw them
		l1=$((${W[$t.recv@w1]:-0} - ${W[$t.recv@b1_lo]:-0}))
		l2=$((${W[$t.recv@w2]:-0} - ${W[$t.recv@b2_lo]:-0}))
		in_range "history $t, the full minute: rtt samples = received (- the wire's $l1 replies before M0's read, + its $l2 before M0+1's, +- 2)" \
			$((${v[1]:-0} - l1 - 2)) $((${v[1]:-0} + l2 + 2)) "${v[2]:-}"
	fi
	# every stored minute: against /metrics, whose histograms are those
	# minutes' sums (the current minute joins them when it is stored)
	mapfile -t v < <(dp_get "$AD/h-$t" sent received count minutes)
	wire_cnt "history $t, the stored minutes: sent is the wire's probes before M0+2" \
		"${W[$t.sent@b2_lo]:-}" "${W[$t.sent@b2_hi]:-}" "${v[0]:-}"
	wire_cnt "history $t, the stored minutes: received is the wire's replies before M0+2" \
		"${W[$t.recv@b2_lo]:-}" "${W[$t.recv@b2_hi]:-}" "${v[1]:-}"
	assert_eq "history $t, the stored minutes: rtt count = /metrics' rtt histogram count" \
		"$(prom "$AD/m1" snapfire_target_rtt_seconds_count "$t")" "${v[2]:-}"
	if [[ $t != dead ]]; then
		assert_eq "history $t: two minutes with rtt stored (M0, M0+1)" 2 "${v[3]:-}"
		le=$(le_of "${W[$t.rtt_p50@stored]:-0}")
		assert_eq "/metrics $t: the le bucket of the p50 is the wire's p50's ($le)" "$le" \
			"$(prom_le50 "$AD/m1" "$t")"
	fi
done

# ------------------------------------------------------- after SIGHUP
assert_eq "after SIGHUP: no series of the dead target" 0 "$(grep -c 'target="dead"' "$AD/m2")"
assert_eq "after SIGHUP: snapfire_agent_targets 2" 2 "$(awk '$1 == "snapfire_agent_targets" { print $2 }' "$AD/m2")"
assert_eq "after SIGHUP: config_reload 1, config_reload_failed 0" "1 0" \
	"$(prom_event "$AD/m2" config_reload) $(prom_event "$AD/m2" config_reload_failed)"
for t in "${LIVE[@]}"; do
	sent=$(prom "$AD/m2" snapfire_target_sent_total "$t")
	recv=$(prom "$AD/m2" snapfire_target_received_total "$t")
	wire_cnt "after SIGHUP: $t's sent still counts from the start (the wire's)" \
		"${W[$t.sent@m2_lo]:-}" "${W[$t.sent@m2_hi]:-}" "$sent"
	wire_cnt "after SIGHUP: $t's received still counts from the start (the wire's)" \
		"${W[$t.recv@m2_lo]:-}" "${W[$t.recv@m2_hi]:-}" "$recv"
	assert_cmp "after SIGHUP: $t's rtt histogram kept" \
		"$(prom "$AD/m2" snapfire_target_rtt_seconds_count "$t")" ">=" \
		"$(prom "$AD/m1" snapfire_target_rtt_seconds_count "$t")"
	assert_eq "$t: one session throughout (one source port on the wire)" 1 "${W[$t.sports]:-}"
done

# ------------------------------------------------------- the JSON Lines
assert_eq "JSON Lines: every record of the format" "0" "${W[jl_bad]:-?}"
[[ ${W[jl_bad]:-0} != 0 ]] && diag "first bad record: ${W[jl_bad_first]:-}"
for t in "${LIVE[@]}"; do
	assert_eq "JSON Lines $t: a success per reply (the store's received after the exit), no error" \
		"$(dp_get "$AD/hend-$t" received) 0" "${W[$t.jl_success]:-} ${W[$t.jl_error]:-}"
	in_range "JSON Lines $t: a timeout per probe the wire shows unanswered (none unless the VM stalled)" \
		"${W[$t.lost@m2_lo]:-}" "${W[$t.lost@end]:-}" "${W[$t.jl_timeout]:-}"
done
# dropped at the reload, its minute so far was stored then: every probe
wire_cnt "history dead after the exit: sent is every probe the wire saw (its last minute stored at the reload)" \
	"${W[dead.probes]:-}" "${W[dead.probes]:-}" "$(dp_get "$AD/hend-dead" sent)"
assert_eq "history dead after the exit: received 0" 0 "$(dp_get "$AD/hend-dead" received)"
assert_eq "JSON Lines dead: no success, no error" "0 0" "${W[dead.jl_success]:-} ${W[dead.jl_error]:-}"
in_range "JSON Lines dead: a timeout per lost probe (those of /metrics' read .. those sent before the reload)" \
	"$(prom "$AD/m1" snapfire_target_lost_total dead)" "${W[dead.probes]:-0}" "${W[dead.jl_timeout]:-}"
# ------------------------------- a second run: the module reloaded, kill -9
# minutes: the store thread looks for the module once a minute
hist_n() { # TARGET METRIC SINCE [UNTIL] (epoch s) [FIELD]: FIELD (count) of history -j
	local f=$AD/hn
	"$SF_CLI" history "$1" -d "$STATE" -j -m "$2" --since "$(iso "$3")" \
		${4:+--until "$(iso "$4")"} >"$f" 2>"$f.err" && dp_get "$f" "${5:-count}"
}
wait_minute() { # the next minute boundary + S seconds
	sleep $((60 - $(date +%s) % 60 + ${1:-3}))
}
conf "$AD/agent2.conf"
sed -i "s|^jsonl: .*|jsonl: $AD/probes2.jsonl|" "$AD/agent2.conf"
# the second run's first minute (S2) is stored whole only if the agent
# probes in it: not in a minute's last seconds
(($(date +%s) % 60 >= 50)) && wait_minute 1
S2=$(($(date +%s) / 60))
ip netns exec "$SENDER" "$SF_CLI" agent -c "$AD/agent2.conf" >"$AD/agent2.out" 2>"$AD/agent2.log" &
APID=$!
on_exit "kill -KILL $APID 2>/dev/null"
ok "second run: the agent starts on the same store (2 targets)" \
	wait_for 20 grep -q "started: $AD/agent2.conf, 2 targets" "$AD/agent2.log"
# rx_stamp: does a socket that only reports receive stamps get one for a
# datagram to itself over loopback ("stamped" or "none")? Only while some
# socket on the host has the stack stamp every packet it receives
# (SOF_TIMESTAMPING_RX_SOFTWARE: net_enable_timestamp(), global); the
# module stamps the STAMP ports only. The agent's sockets ask for that
# while the module is out, and only then.
rx_stamp() {
	ip netns exec "$SENDER" /usr/bin/python3 - <<'PY'
import socket, struct
SO_TIMESTAMPING, SOF_TIMESTAMPING_SOFTWARE = 37, 1 << 4
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPING, SOF_TIMESTAMPING_SOFTWARE)
s.bind(("127.0.0.1", 0))
s.settimeout(5)
s.sendto(b"x", s.getsockname())
_, anc, _, _ = s.recvmsg(16, 256)
st = [d for lvl, t, d in anc if lvl == socket.SOL_SOCKET and t == SO_TIMESTAMPING]
print("stamped" if st and any(struct.unpack("qq", st[0][:16])) else "none")
PY
}
rx_stamp_is() { [[ $(rx_stamp) == "$1" ]]; }
ok "second run: module loaded, no socket has the stack stamp every packet" rx_stamp_is none
T_RM=$(date +%s)
ok "second run: rmmod $SF_MODNAME under the agent" sf_unload
ok "second run: module_missing logged (at the next minute)" \
	wait_for 75 grep -q 'module_missing:' "$AD/agent2.log"
ok "second run: module out: the agent's sockets have the stack stamp the replies" \
	wait_for 15 rx_stamp_is stamped
wait_minute 5
ok "second run: insmod again" sf_load
ok "second run: reflector on again" dp_reflect "$REFLECTOR" on
ok "second run: clock-synced on again in the sender" dp_cfg "$SENDER" clock-synced on
ok "second run: and in the reflector" dp_cfg "$REFLECTOR" clock-synced on
T_BACK=$(date +%s)
ok "second run: module_back logged (at the next minute)" \
	wait_for 75 grep -q 'module_back:' "$AD/agent2.log"
ok "second run: module back: the agent's sockets no longer have the stack stamp every packet" \
	wait_for 15 rx_stamp_is none
# the minute after module_back: the flows' baseline was taken at it, this
# minute's deltas are the kernel's
wait_minute 5
ok "second run: the minute after stored" wait_for 30 stored_at "$(($(date +%s) / 60 * 60))"
assert_eq "second run: module_missing logged once" 1 "$(grep -c 'module_missing:' "$AD/agent2.log")"
assert_eq "second run: module_back logged once" 1 "$(grep -c 'module_back:' "$AD/agent2.log")"
get /metrics "$AD/m3" >/dev/null
assert_eq "second run: /metrics: module_missing 1, module_back 1, module_loaded 1" "1 1 1" \
	"$(prom_event "$AD/m3" module_missing) $(prom_event "$AD/m3" module_back) $(awk '$1 == "snapfire_agent_module_loaded" { print $2 }' "$AD/m3")"
# while the module was out there was no reflector either (the same
# module): each live target went down and came back, logged and counted
# once per transition (a VM stall may add a transition), not per lost probe
for t in "${LIVE[@]}"; do
	nu=$(grep -c "target_unreachable: target $t " "$AD/agent2.log")
	nr=$(grep -c "target_recovered: target $t " "$AD/agent2.log")
	in_range "second run: $t: unreachable while the module was out, logged once per transition" 1 2 "$nu"
	# no module, no reflector: the far host's kernel answers ICMP port
	# unreachable, which the agent counts and names in the log line
	assert_gt "second run: $t: ICMP port unreachable counted while the module was out (/metrics)" \
		"$(prom "$AD/m3" snapfire_target_port_unreachable_total "$t")" 0
	assert_gt "second run: $t: its unreachable line says why (ICMP port unreachable)" \
		"$(grep "target_unreachable: target $t " "$AD/agent2.log" | grep -c 'ICMP port unreachable: nothing answers STAMP on port 862')" 0
	assert_eq "second run: $t: recovered as often as it went unreachable" "$nu" "$nr"
done
assert_eq "second run: /metrics: target_unreachable and target_recovered as the log counts them" \
	"$(grep -c 'target_unreachable:' "$AD/agent2.log") $(grep -c 'target_recovered:' "$AD/agent2.log")" \
	"$(prom_event "$AD/m3" target_unreachable) $(prom_event "$AD/m3" target_recovered)"
# the agent kept probing, and every probe of those minutes is lost
M_OUT=$(((T_RM + 59) / 60 * 60))	# the first whole minute without it
for t in "${LIVE[@]}"; do
	if ((T_BACK / 60 * 60 > M_OUT)); then
		assert_gt "second run: $t: probes sent while the module was out (stored)" \
			"$(hist_n "$t" rtt "$M_OUT" "$((T_BACK / 60 * 60))" sent)" 0
		assert_eq "second run: $t: none answered then" 0 \
			"$(hist_n "$t" rtt "$M_OUT" "$((T_BACK / 60 * 60))" received)"
	fi
	assert_eq "second run: $t up again" 1 "$(prom "$AD/m3" snapfire_target_up "$t")"
done
assert_gt "second run: refl-v4: forward delays stored again after the reload (the kernel's)" \
	"$(hist_n refl-v4 fwd "$((T_BACK / 60 * 60 + 60))")" 0
assert_gt "second run: refl-v6: reverse delays stored again after the reload (the kernel's)" \
	"$(hist_n refl-v6 rev "$((T_BACK / 60 * 60 + 60))")" 0
# kill -9: everything stored so far survives; the agent stays down into
# the next minute, so the minute the kill fell in (K) is never stored, the
# only one lost; a restart appends after it
n_before=$(hist_n refl-v4 rtt "$((M0 * 60))")
# not in a minute's last seconds: the kill is then surely in minute K;
# and after the minute before it is stored (in the seconds after a minute
# ends, while the store writes it, a kill loses that minute too: DESIGN.md)
(($(date +%s) % 60 >= 57)) && sleep 5
ok "kill -9: the minute before the kill's is stored first" \
	wait_for 30 stored_at "$(($(date +%s) / 60 * 60))"
T_KILL=$(date +%s)
K=$((T_KILL / 60))
kill -KILL "$APID"
wait "$APID" 2>/dev/null
assert_ge "kill -9: every round trip stored before it reads back" \
	"$(hist_n refl-v4 rtt "$((M0 * 60))")" "${n_before:-999999999}"
diag "after kill -9 at second $((T_KILL % 60)), history's stderr: $(head -c 300 "$AD/hn.err")"
# a damaged store under the restarted agent: a torn record at the end of
# refl-v6's latest rtt day file, as a crash in the middle of a write
# would leave it: reported and skipped by readers, cut off by the writer
dayf=$(find "$STATE/refl-v6/rtt" -name '*.sfh' | sort | tail -n 1)
n6=$(hist_n refl-v6 rtt "$((M0 * 60))")
printf 'fS\x10\x00not a record at all, not a record' >>"$dayf"
w=$(((K + 1) * 60 + 2 - $(date +%s)))
((w > 0)) && sleep "$w"
ip netns exec "$SENDER" "$SF_CLI" agent -c "$AD/agent2.conf" >>"$AD/agent2.out" 2>"$AD/agent3.log" &
APID=$!
ok "kill -9: the agent starts again on that store" \
	wait_for 20 grep -q "started: $AD/agent2.conf, 2 targets" "$AD/agent3.log"
# a window over the minute it was down: the gap shown, not filled
code=$(get "/api/v1/summary?target=refl-v4&window=5m" "$AD/sum3")
diag "summary after the restart: $(head -c 600 "$AD/sum3")"
NOW3=$(($(date -u -d "$(dp_get "$AD/sum3" to)" +%s) / 60))
mapfile -t v < <(dp_get "$AD/sum3" minutes minutes_stored sent)
# its minutes before the current one (from the store): K missing
exp=0
for ((m = NOW3 - 4; m < NOW3; m++)); do
	((m >= S2 && m != K)) && exp=$((exp + 1))
done
assert_eq "after the restart: /api/v1/summary?window=5m: 200, in the minute after the kill's" \
	"200 $((K + 1))" "$code $NOW3"
assert_eq "after the restart: the 5m window shows the kill's minute missing ($exp of its 5 minutes stored)" \
	"5 $exp" "${v[0]:-} ${v[1]:-}"
hs=$(hist_n refl-v4 rtt $(((NOW3 - 4) * 60)) $((NOW3 * 60)) sent)
in_range "after the restart: the window's sent is the store's (history) and this minute's so far, nothing invented" \
	"${hs:-0}" $((${hs:-0} + 5 * ($(date +%s) - NOW3 * 60) + 2)) "${v[2]:-}"
code=$(get "/api/v1/summary?target=refl-v6&window=1h" "$AD/sum6")
mapfile -t v < <(dp_get "$AD/sum6" store_problems)
assert_eq "damaged store: /api/v1/summary of refl-v6 still served (200), the torn tail counted in store_problems (1)" \
	"200 1" "$code ${v[0]:-}"
assert_ge "damaged store: history of refl-v6 still reads every round trip stored before it" \
	"$(hist_n refl-v6 rtt "$((M0 * 60))")" "${n6:-999999999}"
assert_eq "damaged store: history reports the torn tail, once" 1 \
	"$(grep -c "${dayf##*/}: .*not a good record" "$AD/hn.err")"
sleep 3
T_TERM=$(date +%s)
kill -TERM "$APID"
wait "$APID"
assert_eq "kill -9: the restarted agent stops cleanly (exit 0)" 0 "$?"
# SIGTERM stored the minute so far: refl-v6's append cut the tail off first
assert_eq "damaged store: the restarted agent cut the torn tail off before appending, and said so once" 1 \
	"$(grep -c "store: $dayf: the torn or corrupt tail is cut off before appending" "$AD/agent3.log")"
hist_n refl-v6 rtt "$((M0 * 60))" >/dev/null
assert_eq "damaged store: after that, history reads the file without a problem" "" "$(cat "$AD/hn.err")"
assert_ge "kill -9: after the restart the store holds at least as much" \
	"$(hist_n refl-v4 rtt "$((M0 * 60))")" "${n_before:-999999999}"
# every minute of the second run stored (its probes' counters; rtt when
# anything was answered) but the one the kill fell in, which history
# reports as missing, not as a minute of nothing; the minute of the
# SIGTERM only if the agent probed in it for a few seconds (a SIGTERM a
# moment after a minute began stores a minute with nothing sent yet)
miss=""
for ((m = S2; m <= (T_TERM - 3) / 60; m++)); do
	((m == K)) && continue
	n=$(hist_n refl-v4 rtt $((m * 60)) $((m * 60 + 60)) sent)
	[[ $n =~ ^[0-9]+$ ]] && ((n > 0)) || miss+=" $(date -u -d "@$((m * 60))" +%H:%M)=${n:-none}"
done
assert_eq "kill -9: every minute of the second run stored ($(date -u -d "@$((S2 * 60))" +%H:%M) .. $(date -u -d "@$((T_TERM - 3))" +%H:%M)) but the kill's" "" "$miss"
"$SF_CLI" history refl-v4 -d "$STATE" -j --since "$(iso $((K * 60)))" --until "$(iso $((K * 60 + 60)))" \
	>"$AD/hk" 2>"$AD/hk.err"
rc=$?
diag "history over the kill's minute: exit $rc: $(head -c 300 "$AD/hk.err")"
assert_eq "kill -9: history over the kill's minute ($(date -u -d "@$((K * 60))" +%H:%M)): nothing stored, and it says so (exit 1, 'no rtt history', no JSON)" \
	"1 1 0" "$rc $(grep -c 'no rtt history' "$AD/hk.err") $(wc -c <"$AD/hk")"
assert_eq "kill -9: history over the minutes around it: 2 minutes stored (the one before, the one after)" 2 \
	"$(hist_n refl-v4 rtt $(((K - 1) * 60)) $(((K + 2) * 60)) minutes)"
diag "second run's log: $(head -c 2000 "$AD/agent2.log")"

# ------------- as the systemd unit runs it: an ordinary user, no capability,
# in a user namespace of its own (User=, CapabilityBoundingSet= empty,
# PrivateUsers=yes): it finds the module, dumps its own flows (flow-get is
# open to anyone) and stores the kernel's one-way delays
ND=$(mktemp -d /tmp/sf-agent-nobody.XXXXXX)
chmod 755 "$ND"
mkdir "$ND/state"
chown 65534:65534 "$ND/state"
cat >"$ND/agent.conf" <<EOF
listen: 127.0.0.1:$HPORT
state-dir: $ND/state
targets:
  - { name: refl-v4, address: $REFL_IP4, interval: $IVAL }
EOF
chmod 644 "$ND/agent.conf"
ip netns exec "$SENDER" setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	--bounding-set=-all unshare -U "$SF_CLI" agent -c "$ND/agent.conf" >"$ND/out" 2>"$ND/log" &
APID=$!
on_exit "kill -KILL $APID 2>/dev/null"
ok "unprivileged: the agent starts as nobody in a user namespace of its own" \
	wait_for 20 grep -q "started: $ND/agent.conf, 1 targets" "$ND/log"
# (its bounding set is full again in the new user namespace, as under
# PrivateUsers=: capabilities there are nothing in the host's namespaces)
assert_eq "unprivileged: uid 65534, no permitted or effective capability, another user namespace" \
	"65534 0000000000000000 0000000000000000 yes" \
	"$(awk '$1 == "Uid:" { u = $2 } $1 == "CapPrm:" { p = $2 } $1 == "CapEff:" { e = $2 } END { print u, p, e }' "/proc/$APID/status") $([[ $(readlink "/proc/$APID/ns/user") != "$(readlink /proc/1/ns/user)" ]] && echo yes)"
U0=$(($(date +%s) / 60 + 1))	# its first whole minute
wait_minute 5
wait_minute 5
ok "unprivileged: its first whole minute stored" wait_for 30 stored_at "$((U0 * 60 + 60))"
get /healthz "$ND/healthz" >/dev/null
assert_eq "unprivileged: /healthz: ok, the module loaded, the store ok" "ok 1 1" \
	"$(dp_get "$ND/healthz" status module_loaded store_ok | tr '\n' ' ' | sed 's/ $//')"
"$SF_CLI" history refl-v4 -d "$ND/state" -j -m fwd --since "$(iso $((U0 * 60)))" \
	--until "$(iso $((U0 * 60 + 60)))" >"$ND/fwd" 2>"$ND/fwd.err"
assert_gt "unprivileged: the kernel's forward delays of that minute stored (its flow dumped)" \
	"$(dp_get "$ND/fwd" count 2>/dev/null || echo 0)" 0
# a bad file at reload, in the VM too: refused with FILE:LINE: reason, the
# running configuration kept (still probing, still serving)
cp "$ND/agent.conf" "$ND/good.conf"
printf '  - { name: refl-v4, address: %s }\n' "$REFL_IP6" >>"$ND/agent.conf"
badline=$(wc -l <"$ND/agent.conf")
kill -HUP "$APID"
ok "unprivileged: SIGHUP with a bad file: config_reload_failed logged" \
	wait_for 10 grep -q 'config_reload_failed:' "$ND/log"
assert_eq "unprivileged: ... with FILE:LINE: reason, the running configuration kept" 1 \
	"$(grep -c "config_reload_failed: $ND/agent.conf:$badline: target: duplicate name 'refl-v4' .*the running configuration is kept" "$ND/log")"
get /metrics "$ND/m1" >/dev/null
sleep 2
get /metrics "$ND/m2" >/dev/null
assert_gt "unprivileged: still probing after the refused reload (sent grows)" \
	"$(prom "$ND/m2" snapfire_target_sent_total refl-v4)" "$(prom "$ND/m1" snapfire_target_sent_total refl-v4)"
kill -TERM "$APID"
wait "$APID"
assert_eq "unprivileged: exits 0 on SIGTERM, nothing refused in its log" "0 0" \
	"$? $(grep -v 'config_reload_failed:' "$ND/log" | grep -c -i -E 'denied|not permitted|cannot')"
diag "unprivileged agent's log: $(head -c 1000 "$ND/log")"
done_testing
