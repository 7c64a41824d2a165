#!/bin/bash
# Benchmark (issue #14, 1): accuracy of snapfire and of the tools users
# would pick instead, against the wire. Path sender — router — reflector,
# netem fixed delays on the router, asymmetric (forward 2 ms, reverse 1 ms,
# no jitter); the truth is what the captures saw, not netem's setting (under
# TCG netem releases packets late). Captures: tcpdump on the sender's eth0
# and the reflector's eth0 (AF_PACKET taps: after the egress qdisc, none on
# these veths, and before PRE_ROUTING on ingress; snapfire stamps at
# POST_ROUTING / PRE_ROUTING, one hook away). Each tool's truth comes from
# its own packets (tests/lib/bench_peers.py): the sender-wire round trip for
# ping and sockperf, the network RTT (reflector in - sender out) + (sender
# in - reflector out) for snapfire and irtt (irtt takes its server's
# processing time out). Same count and interval for every tool, one after
# the other; twice: idle, then with stress-ng loading every CPU of the VM
# (which runs the sender and the reflector). Writes peers-accuracy.txt.
# Reports, never judges: fails only when a step fails.
# timeout: 1200
# shellcheck source=tests/lib/dp.sh
. "$(dirname "$0")/../lib/dp.sh"

out=${SF_BENCH_OUT:-/tmp}
N=${SF_BENCH_PEERS_N:-1000}     # probes per tool
IVAL=0.01                       # s between probes
FWD=2ms REV=1ms
for t in ping irtt sockperf stress-ng tcpdump; do
	have "$t" || bail "$t not installed: scripts/deps --bench"
done
dp_setup_line3
topo_shape "$ROUTER" eth1 delay "$FWD"
topo_shape "$ROUTER" eth0 delay "$REV"
ok "reflector on" dp_reflect "$REFLECTOR" on
ok "clock-synced on (sender)" dp_cfg "$SENDER" clock-synced on
ok "clock-synced on (reflector)" dp_cfg "$REFLECTOR" clock-synced on
prec0=$(sf -n "$SENDER" -j config | python3 -c 'import json,sys; print(json.load(sys.stdin).get("precision", 6))')

topo_exec "$REFLECTOR" irtt server -b "$REFL_IP4:2112" -i 0 >"$DP_TMP/irtt-server.log" 2>&1 &
topo_exec "$REFLECTOR" sockperf server -i "$REFL_IP4" -p 11111 >"$DP_TMP/sockperf-server.log" 2>&1 &
sleep 2
dur=$(awk -v n="$N" -v i="$IVAL" 'BEGIN { printf "%.0f", n * i }')
ms=$(awk -v i="$IVAL" 'BEGIN { printf "%.0f", i * 1000 }')
mps=$(awk -v i="$IVAL" 'BEGIN { printf "%.0f", 1 / i }')
tmo=$((dur * 3 + 60))

tool_run() { # TOOL OUTFILE
	case $1 in
	sf | sf8)
		sf -n "$SENDER" delete >/dev/null 2>&1
		timeout "$tmo" "$SF_CLI" -n "$SENDER" probe "$REFL_IP4" -c "$N" -i "$IVAL" -q >"$2.probe" 2>&1 &&
			sf -n "$SENDER" -j flows >"$2" ;;
	ping)
		timeout "$tmo" ip netns exec "$SENDER" ping -n -c "$N" -i "$IVAL" "$REFL_IP4" >"$2" 2>&1 ;;
	irtt)
		# -d: N probes at IVAL; --fill none, 60-byte packets (irtt's minimum with its stamps)
		# (-o adds .json.gz to a name that does not end in .json)
		timeout "$tmo" ip netns exec "$SENDER" irtt client -q -i "${ms}ms" -d "${dur}s" \
			-o "$2.json" "$REFL_IP4:2112" >"$2.log" 2>&1 && mv "$2.json" "$2" ;;
	sockperf)
		# its warm-up (0.4 s) and edges are left out of its valid period: run
		# a little longer so that it keeps about N samples
		timeout "$tmo" ip netns exec "$SENDER" sockperf ping-pong -i "$REFL_IP4" -p 11111 \
			--mps "$mps" -t "$((dur + 1))" --full-rtt --full-log "$2" >"$2.log" 2>&1 ;;
	esac
}

runs=()
measure() { # COND
	local c=$1 t f
	for t in sf sf8 ping irtt sockperf; do
		[[ $t == sf8 ]] && dp_cfg "$SENDER" precision 8 >/dev/null
		f=$DP_TMP/$c-$t
		if ! { dp_cap_start "$SENDER" eth0 "$f-s.pcap" "udp or icmp" &&
			dp_cap_start "$REFLECTOR" eth0 "$f-r.pcap" "udp or icmp"; }; then
			dp_cap_stop
			not_ok "$c: captures for $t"
			continue
		fi
		tool_run "$t" "$f.out"
		local rc=$?
		dp_cap_stop
		[[ $t == sf8 ]] && dp_cfg "$SENDER" precision "$prec0" >/dev/null
		if ((rc)); then
			not_ok "$c: $t ran ($N probes at $IVAL s)" "status $rc: $(tail -c 400 "$f.out"* 2>/dev/null)"
			continue
		fi
		if "$DP_PY" "${DP_PYF[@]}" "$DP_LIB/bench_peers.py" run "$t" "$c" "$f-s.pcap" "$f-r.pcap" "$f.out" \
			>"$out/peers-$c-$t.json" 2>"$f.err"; then
			ok "$c: $t ran and its packets were found on the wire"
			runs+=("$out/peers-$c-$t.json")
		else
			not_ok "$c: $t matched to the wire" "$(tail -c 600 "$f.err")"
		fi
	done
}

measure idle

stress-ng --cpu 0 --cpu-method matrixprod --timeout 1800 >"$DP_TMP/stress.log" 2>&1 &
stress_pid=$!
# shellcheck disable=SC2016 # expanded when the hook runs
on_exit 'kill "$stress_pid" 2>/dev/null; wait "$stress_pid" 2>/dev/null'
sleep 3
ok "stress-ng loads every CPU ($(nproc))" kill -0 "$stress_pid"
measure loaded
kill "$stress_pid" 2>/dev/null
wait "$stress_pid" 2>/dev/null

rep=$out/peers-accuracy.txt
{
	echo "# tests/bench/30-peers-accuracy.sh: $N probes at $IVAL s per tool, netem fwd $FWD rev $REV"
	echo "peers-accuracy: $N probes at ${ms} ms per tool, netem forward $FWD / reverse $REV (fixed); $(nproc) vCPU TCG VM; loaded = stress-ng --cpu $(nproc)"
	"$DP_PY" "${DP_PYF[@]}" "$DP_LIB/bench_peers.py" report "${runs[@]}"
} >"$rep" 2>"$DP_TMP/report.err"
if [[ -s $rep ]] && ! [[ -s $DP_TMP/report.err ]]; then
	ok "report written to peers-accuracy.txt"
	diag "$(cat "$rep")"
else
	not_ok "report written to peers-accuracy.txt" "$(cat "$DP_TMP/report.err")"
fi
done_testing
