#!/bin/bash
# timeout: 1500
# Benchmark (issue #14, 2): reflector capacity. Two hosts (hosta — hostb,
# one veth, no netem). The reflector's host gets one CPU: every packet it
# receives is steered to CPU 1 (RPS on hostb's eth0: rx-0/rps_cpus = 2),
# so the in-kernel reflector runs there, and a userspace server is pinned
# there (taskset -c 1); the sender runs on CPU 0, its replies steered to
# CPU 0 too (the module is off in hosta). For each reflector a rate sweep
# (doubling from 1000/s, then three bisections) finds the highest offered
# rate answered with <= 1 % loss, counted by the sender
# (tests/tools/stampload: requests sent, replies received); a rate the
# sender could not offer (< 90 % of the target) ends the sweep: the result
# is then a lower bound (what it did offer, if answered), marked so.
# Then the round trip at 10 %, 50 % and 90 % of that rate (stampload's
# user-space send and receive times: sender, both veth hops and the
# reflector) and, for snapfire, the reflector's own turnaround (T3 - T2,
# the module's reflector flow). Reflectors: snapfire's in-kernel one;
# sockperf server; irtt server (driven by its own client: irtt's protocol
# needs a session, so its client's timer bounds the rate); the repo's
# Python STAMP reflector (tests/lib/stamp_reflector.py) as a userspace
# STAMP reflector, none being packaged in Debian. Writes
# reflector-capacity.txt. Reports, never judges.
# shellcheck source=tests/lib/dp.sh
. "$(dirname "$0")/../lib/dp.sh"

out=${SF_BENCH_OUT:-/tmp}
BIN=$SF_REPO/tests/bin
STEP=${SF_BENCH_CAP_SECS:-2}    # s per rate step
MAXRATE=1024000
for t in irtt sockperf taskset; do
	have "$t" || bail "$t not installed: scripts/deps --bench"
done
o=$(make -s -C "$SF_REPO/tests/tools" 2>&1) || bail "build tests/tools" "$o"
[[ -x $BIN/stampload ]] || bail "tests/bin/stampload not built (make -C tests/tools)"
(($(nproc) >= 2)) || bail "needs 2 CPUs (sender on CPU 0, reflector on CPU 1)"
sf_load || bail "insmod snapfire.ko failed"
topo_pair || bail "topology"
A=$TOPO_A B=$TOPO_B BIP=$TOPO_B_IP4
topo_exec "$B" sh -c 'echo 2 >/sys/class/net/eth0/queues/rx-0/rps_cpus' &&
	topo_exec "$A" sh -c 'echo 1 >/sys/class/net/eth0/queues/rx-0/rps_cpus'
ok "RPS: hostb's receive on CPU 1, hosta's on CPU 0" \
	test "$(topo_exec "$B" cat /sys/class/net/eth0/queues/rx-0/rps_cpus)" -eq 2
topo_ping "$A" "$BIP" 2 || bail "hosta cannot reach hostb"

# load NAME RATE -> L_PPS L_LOSS L_P50 L_P99 (the offered rate, loss %, RTT ns)
load() {
	local name=$1 rate=$2 r
	case $name in
	snapfire | pystamp)
		r=$(topo_exec "$A" "$BIN/stampload" -c 0 -d "$BIP" -P "$PORT" -f stamp -r "$rate" -t "$STEP" -w 1) ;;
	sockperf)
		r=$(topo_exec "$A" "$BIN/stampload" -c 0 -d "$BIP" -P 11111 -f sockperf -r "$rate" -t "$STEP" -w 1) ;;
	irtt)
		local ns=$((1000000000 / rate))
		topo_exec "$A" taskset -c 0 timeout 60 irtt client -q -i "${ns}ns" -d "${STEP}s" \
			-o "$DP_TMP/irtt.json" "$BIP:2112" >/dev/null 2>&1 || return 1
		r=$("$DP_PY" - "$DP_TMP/irtt.json" <<'PY'
import json, math, sys
d = json.load(open(sys.argv[1]))
s = d["stats"]
rt = sorted(x["timestamps"]["client"]["receive"]["wall"] - x["timestamps"]["client"]["send"]["wall"]
            for x in d["round_trips"] if x.get("lost") == "false")
p = lambda q: rt[max(0, math.ceil(q * len(rt)) - 1)] if rt else 0
sent = s["packets_sent"]
print("sent=%d replies=%d pps=%.0f loss_pct=%.3f rtt_p50_ns=%d rtt_p99_ns=%d" % (
    sent, s["packets_received"], sent / (d["config"]["params"]["duration"] / 1e9),
    100.0 * (sent - s["packets_received"]) / sent if sent else 100, p(0.5), p(0.99)))
PY
) ;;
	esac
	diag "$name at $rate/s: $r"
	[[ $r == *pps=* ]] || return 1
	read -r L_PPS L_LOSS L_P50 L_P99 < <(awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		print v["pps"], v["loss_pct"], v["rtt_p50_ns"], v["rtt_p99_ns"] }' <<<"$r")
}

# sweep NAME -> sets BEST (rate), LIMITED (1: the sender could not offer more)
sweep() {
	local name=$1 rate=1000 good=0 bad=0 pps loss i
	LIMITED=0
	while ((rate <= MAXRATE)); do
		load "$name" "$rate" || { bad=$rate; break; }
		pps=$L_PPS loss=$L_LOSS
		if ! awk -v l="$loss" 'BEGIN { exit !(l <= 1) }'; then
			# lost more than 1 % of what was offered: the reflector's limit
			bad=$(awk -v p="$pps" -v r="$rate" 'BEGIN { printf "%d", p < r ? p : r }')
			((bad > good)) || bad=$((good + 1))
			break
		fi
		if awk -v p="$pps" -v r="$rate" 'BEGIN { exit !(p < 0.9 * r) }'; then
			# answered, but the sender could not offer the rate: what it
			# did offer is a lower bound
			LIMITED=1
			((${pps%.*} > good)) && good=${pps%.*}
			break
		fi
		good=$rate
		rate=$((rate * 2))
	done
	if ((bad && !LIMITED)); then
		for ((i = 0; i < 3; i++)); do
			rate=$(((good + bad) / 2))
			((rate > good)) || break
			load "$name" "$rate" || { bad=$rate; continue; }
			pps=$L_PPS loss=$L_LOSS
			if awk -v p="$pps" -v r="$rate" 'BEGIN { exit !(p >= 0.9 * r) }' &&
				awk -v l="$loss" 'BEGIN { exit !(l <= 1) }'; then
				good=$rate
			else
				bad=$rate
			fi
		done
	fi
	BEST=$good
}

rep=$out/reflector-capacity.txt
echo "# tests/bench/40-reflector-capacity.sh: ${STEP}s per rate step" >"$rep"
declare -A best lim
measure() { # NAME
	local name=$1 f pps loss p50 p99 ta line
	sweep "$name"
	best[$name]=$BEST lim[$name]=$LIMITED
	ok "$name: sweep done (best $BEST/s$( ((LIMITED)) && echo ", sender-limited"))"
	line="reflector-capacity: $(printf '%-34s' "$LABEL") max rate with <= 1 % loss: $(printf '%7d' "$BEST")/s$( ((LIMITED)) && echo " (or more: the sender could offer no more)")"
	echo "$line" >>"$rep"
	((BEST > 0)) || return 0
	for f in 10 50 90; do
		ta=""
		[[ $name == snapfire ]] && sf -n "$B" delete >/dev/null 2>&1
		load "$name" $((BEST * f / 100)) || {
			not_ok "$name at $f %: load"
			continue
		}
		pps=$L_PPS loss=$L_LOSS p50=$L_P50 p99=$L_P99
		if [[ $name == snapfire ]] && dp_flows "$B" "$DP_TMP/rflows.json"; then
			ta=$("$DP_PY" - "$DP_TMP/rflows.json" <<'PY'
import json, sys
fl = [f for f in json.load(open(sys.argv[1]))["flows"] if f.get("role") == "reflector" and "turnaround" in f]
t = fl[0]["turnaround"] if fl else {}
print("; module turnaround (T3-T2) p50 %.3f p99 %.3f ms" % (t.get("p50_ns", 0) / 1e6, t.get("p99_ns", 0) / 1e6) if t else "")
PY
)
		fi
		printf 'reflector-capacity: %-34s at %2d %% (%6.0f/s): loss %s %%, RTT p50 %.3f p99 %.3f ms%s\n' \
			"$LABEL" "$f" "$pps" "$loss" "$(awk -v v="$p50" 'BEGIN { print v / 1e6 }')" \
			"$(awk -v v="$p99" 'BEGIN { print v / 1e6 }')" "$ta" >>"$rep"
	done
}

PORT=862
# the module off on the sender's host: its sender-side work (stamping,
# sender flows) would load CPU 0, and the other reflectors' traffic (not
# to a STAMP port there) does not pay for it either
ok "module off on the sender's host" dp_cfg "$A" enabled off
ok "in-kernel reflector on" dp_reflect "$B" on
# capacity, not policy: no per-source reply limit
ok "no per-source rate limit" dp_cfg "$B" rate 0
LABEL="snapfire (in-kernel)"
measure snapfire
ok "in-kernel reflector off" dp_reflect "$B" off

topo_exec "$B" taskset -c 1 sockperf server -i "$BIP" -p 11111 >"$DP_TMP/sockperf.log" 2>&1 &
spid=$!
sleep 2
LABEL="sockperf server (1 CPU)"
measure sockperf
kill "$spid" 2>/dev/null

topo_exec "$B" taskset -c 1 irtt server -b "$BIP:2112" -i 0 >"$DP_TMP/irtt.log" 2>&1 &
ipid=$!
sleep 2
LABEL="irtt server (1 CPU, irtt client)"
measure irtt
kill "$ipid" 2>/dev/null

PORT=8620
topo_exec "$B" taskset -c 1 "$DP_PY" "$DP_LIB/stamp_reflector.py" -p "$PORT" -b "$BIP" >"$DP_TMP/pystamp.log" 2>&1 &
ppid=$!
wait_for 20 grep -q ready "$DP_TMP/pystamp.log" || diag "stamp_reflector.py: $(cat "$DP_TMP/pystamp.log")"
LABEL="Python STAMP reflector (1 CPU)"
measure pystamp
kill "$ppid" 2>/dev/null

u=0
for n in sockperf irtt pystamp; do ((${best[$n]:-0} > u)) && u=${best[$n]}; done
if ((u > 0)); then
	echo "reflector-capacity: snapfire / best userspace reflector: $(awk -v a="${best[snapfire]}" -v b="$u" 'BEGIN { printf "%.1f", a / b }')x (target >= 5x)$( ((lim[snapfire])) && echo "; snapfire's figure is a lower bound (sender-limited)")" >>"$rep"
fi
echo "reflector-capacity: $(nproc) vCPU TCG VM; reflector host on CPU 1 (RPS + taskset), sender (stampload, C, sendmmsg) on CPU 0; RTT from the sender's user space" >>"$rep"
diag "$(cat "$rep")"
ok "report written to reflector-capacity.txt"
done_testing
