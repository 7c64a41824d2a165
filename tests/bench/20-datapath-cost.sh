#!/bin/bash
# timeout: 900 (the runner reads this in the first 20 lines)
# Benchmark: what snapfire's hooks cost per packet.  In hosta — hostb
# (veth), hosta sends 44-byte UDP datagrams flat out for SF_BENCH_SECS (2) s
# (tests/tools/udpblast, one thread on CPU 0) to a socket in hostb (on the
# other CPU), in five modes, interleaved, SF_BENCH_ROUNDS (7) times:
#
#   off      module not loaded, port 7000                 the baseline
#   netstamp module not loaded, port 7000, the receiving socket asks for
#            receive timestamps (SO_TIMESTAMPNS): the kernel then stamps
#            every packet on the host (net_enable_timestamp), as it did
#            while snapfire was loaded before kmod/rx.c: what a clock read
#            per packet costs, which "udp" no longer pays
#   idle     module loaded with default_enabled=0, port 7000: snapfire is
#            off in every namespace, so neither netfilter hooks nor
#            tracepoint probes are attached: what loaded and idle costs
#   disabled module loaded, port 7000, `snapfire config enabled off` in both
#            namespaces (the host's own keeps it on): no netfilter hooks
#            registered there, only the receive and transmit tracepoint
#            probes, which are global
#   udp      module loaded, port 7000: "everything else"  header peek only
#   probe    module loaded, port 862, reflector off: probes one way (a
#            sender and a reflector flow, their histograms)
#   reflect  module loaded, port 862, `reflect on rate 0`: every probe is
#            reflected in the kernel and comes back (there and back)
#
# (SF_BENCH_MODES selects some of them; "off" is always run.)
#
# Then TCP (unless SF_BENCH_TCP=0), SF_BENCH_ROUNDS times interleaved, if
# iperf3 is there (scripts/deps --bench): one iperf3 stream from hosta to
# hostb for SF_BENCH_SECS s, the client on CPU 0 and the server on the last
# one,
#
#   tcp-off     module not loaded
#   tcp-loaded  module loaded, hostb reflecting, and a probe flow active
#               (snapfire probe hosta -> hostb every 0.1 s): #14's terms
#
# reported as the receiver's throughput, best (median), and the loaded
# median's ratio to the unloaded median.
#
# Before TCP, if perf is there: one profiled run of "off" and of "udp"
# (below, "perf"), to say where the cost of "udp" goes.
#
# The datagrams are the same valid STAMP packets in every mode; only the
# port differs.  veth delivers on the sending CPU, so the sending thread
# carries every packet through both namespaces' stacks, hooks included:
# its CPU time (getrusage; the receive softirq runs in its context) per
# packet delivered (to hostb's socket; for reflect, probes reflected) is
# the cost.  Reported per mode: the best and the median over the rounds
# (the best is the run the busy host disturbed least), the median rate,
# and the best's difference to "off".  Under TCG everything is tens of
# times slower than on hardware and noisy (other VMs share the host; the
# clock source, typically hpet, is an emulated device, so clock reads are
# dear): compare the modes, not the machines.  Writes datapath.txt (the
# summary) and datapath-runs.dat (every run) to $SF_BENCH_OUT; fails only
# if a step fails.  With scripts/bench --cpus 1 --icount 0 the guest's
# clock counts instructions (a ns each), so the CPU times are instruction
# counts, immune to the host's noise (then sender and socket share the CPU).
# shellcheck source=tests/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"

BIN=$SF_REPO/tests/bin
out=${SF_BENCH_OUT:-/tmp}
ROUNDS=${SF_BENCH_ROUNDS:-7}
SECS=${SF_BENCH_SECS:-2}
PLAIN_PORT=7000
STAMP_PORT=862
# SF_BENCH_MODES: a subset of the modes, in this order ("off" is always run)
read -ra MODES <<<"${SF_BENCH_MODES:-off netstamp idle disabled udp probe reflect}"
[[ " ${MODES[*]} " == *" off "* ]] || MODES=(off "${MODES[@]}")
tmp=$(mktemp -d /tmp/sf-datapath.XXXXXX)
on_exit "rm -rf $tmp"

o=$(make -s -C "$SF_REPO/tests/tools" 2>&1) || bail "build tests/tools" "$o"
ncpu=$(nproc)
# sender on CPU 0 (veth delivers on the sending CPU: the whole receive path
# up to the socket, hooks included, runs there too), the receiving socket
# on the last CPU
scpu=0 rcpu=$((ncpu - 1))
clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)

topo_pair || bail "topology"
topo_ping "$TOPO_A" "$TOPO_B_IP4" || bail "hosta reaches hostb"

sink_pid=""
sink_start() { # PORT [-T]
	: >"$tmp/sink"
	ip netns exec "$TOPO_B" "$BIN/udpblast" -c "$rcpu" -l "$@" >"$tmp/sink" 2>&1 &
	sink_pid=$!
	wait_for 10 grep -q listening "$tmp/sink"
}
sink_stop() { # -> prints the number of datagrams received
	kill -TERM "$sink_pid" 2>/dev/null
	wait "$sink_pid"
	sink_pid=""
	sed -n 's/^received=\([0-9]*\).*/\1/p' "$tmp/sink"
}
# shellcheck disable=SC2016  # expanded when the hook runs
on_exit '[[ -z $sink_pid ]] || kill "$sink_pid" 2>/dev/null'

kv() { sed -n "s/.*\\b$1=\\([0-9.]*\\).*/\\1/p" <<<"$2"; }

# run MODE ROUND: one blast; appends a line to $tmp/runs:
#   MODE delivered/s task-ns/delivered cpu-ns/delivered all-cpus-ns/delivered sent delivered
run() {
	local mode=$1 round=$2 port=$PLAIN_PORT res sent delivered r0 r1 line ts=()
	[[ $mode == probe || $mode == reflect ]] && port=$STAMP_PORT
	[[ $mode == netstamp ]] && ts=(-T)
	sink_start "$port" "${ts[@]}" || { not_ok "$mode $round: sink on port $port" "$(cat "$tmp/sink")"; return 1; }
	[[ $mode == reflect ]] && r0=$(reflected)
	if ! res=$(ip netns exec "$TOPO_A" "$BIN/udpblast" -c "$scpu" \
		-d "$TOPO_B_IP4" -P "$port" -t "$SECS" 2>&1); then
		sink_stop >/dev/null
		not_ok "$mode $round: udpblast" "$res"
		return 1
	fi
	sleep 0.3 # let the last datagrams arrive
	delivered=$(sink_stop)
	if [[ $mode == reflect ]]; then
		r1=$(reflected)
		delivered=$((r1 - r0))
	fi
	sent=$(kv sent "$res")
	if [[ -z $delivered || -z $sent ]] || ((delivered == 0)); then
		not_ok "$mode $round: packets delivered" "udpblast: $res; delivered: '$delivered'"
		return 1
	fi
	line=$(awk -v m="$mode" -v s="$sent" -v d="$delivered" -v t="$(kv secs "$res")" \
		-v k="$(kv task_ns "$res")" -v c="$(kv cpu_ns "$res")" -v a="$(kv all_ns "$res")" 'BEGIN {
		printf "%s %.0f %.0f %.0f %.0f %d %d", m, d / t, k / d, c / d, a / d, s, d }')
	echo "$line" >>"$tmp/runs"
	diag "round $round: $line"
}

# stats FIELD MODE -> "best median" of that field over the runs of MODE
# (best: the smallest; for ns/pkt the run least disturbed by the host)
stats() {
	awk -v f="$1" -v m="$2" '$1 == m { print $f }' "$tmp/runs" | sort -g |
		awk '{ a[NR] = $1 } END { if (!NR) exit 1
			print a[1], NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# set_mode MODE: module state, enabled and reflector for it (the CLI is run
# only when something changes: every run of a process is dear under TCG)
reflecting=0 enabled=1 idle=0
set_mode() {
	local want=0 en=1 ns
	[[ $1 == reflect ]] && want=1
	[[ $1 == disabled ]] && en=0
	if [[ $1 == off || $1 == netstamp ]]; then
		sf_unload
		return
	fi
	if [[ $1 == idle ]]; then
		# every namespace starts off, the host's own and any unnamed one
		# included, which `config enabled off` could not all reach
		if ! sf_loaded || ((!idle)); then
			sf_load default_enabled=0 || return 1
			idle=1 reflecting=0
		fi
		return
	fi
	if ! sf_loaded || ((idle)); then
		sf_load || return 1
		idle=0 reflecting=0 enabled=1 # a fresh load: the defaults
	fi
	if ((en != enabled)); then
		for ns in "$TOPO_A" "$TOPO_B"; do
			sf -n "$ns" config enabled "$( ((en)) && echo on || echo off)" >/dev/null || return 1
		done
		enabled=$en
	fi
	if ((want != reflecting)); then
		if ((want)); then
			sf -n "$TOPO_B" reflect on rate 0 >/dev/null || return 1
		else
			sf -n "$TOPO_B" reflect off >/dev/null || return 1
		fi
		reflecting=$want
	fi
}

# reflected: the reflector's count of probes reflected (the CLI, not
# sf_counter: a python start costs a second or more under TCG)
reflected() {
	sf -n "$TOPO_B" -j status | grep -o '"reflected": *[0-9]*' | head -n 1 | grep -o '[0-9]*$'
}

# warm-up (caches, neighbour entries, the first module load), not counted
set_mode udp || bail "insmod snapfire.ko"
ip netns exec "$TOPO_A" "$BIN/udpblast" -d "$TOPO_B_IP4" -P "$PLAIN_PORT" -t 1 >/dev/null

# rounds RUN SETUP MODE...: ROUNDS rounds of every MODE, interleaved:
# SETUP MODE, then RUN MODE ROUND; counts the failures in failed_runs
rounds() {
	local run=$1 setup=$2 r m
	shift 2
	failed_runs=0
	for ((r = 1; r <= ROUNDS; r++)); do
		for m in "$@"; do
			if ! "$setup" "$m"; then
				not_ok "round $r: set up mode $m"
				failed_runs=$((failed_runs + 1))
				continue
			fi
			"$run" "$m" "$r" || failed_runs=$((failed_runs + 1))
		done
	done
}

: >"$tmp/runs"
rounds run set_mode "${MODES[@]}"
sf_unload
((failed_runs == 0)) && ok "$ROUNDS rounds x ${#MODES[@]} modes x $SECS s"

# ----------------------------------------------------------------- perf
# Where "loaded, other UDP" spends its extra time (#14 section 3): one more
# run of "off" and of "udp" each under perf (cpu-clock samples of the
# sender's CPU, where veth carries each packet through both stacks), whose
# busy samples (the idle task's left out) are split into snapfire's own
# functions (the module's symbols), the netfilter hook dispatch
# (nf_hook_slow) and the rest; a share times the run's CPU ns per delivered
# packet is what that part costs a packet.  Needs perf (scripts/deps
# --bench: linux-perf); SF_BENCH_PERF=0 leaves it out.
# prof MODE: appends "MODE busy-samples module% nf% cpu-ns/delivered" to
# $tmp/prof
prof() {
	local mode=$1 res delivered
	sink_start "$PLAIN_PORT" || { not_ok "perf $mode: sink" "$(cat "$tmp/sink")"; return 1; }
	if ! res=$(perf record -q -C "$scpu" -o "$tmp/perf-$mode.data" -- \
		ip netns exec "$TOPO_A" "$BIN/udpblast" -c "$scpu" -d "$TOPO_B_IP4" \
		-P "$PLAIN_PORT" -t "$SECS" 2>&1); then
		sink_stop >/dev/null
		not_ok "perf $mode: perf record udpblast" "$res"
		return 1
	fi
	sleep 0.3
	delivered=$(sink_stop)
	((delivered > 0)) || { not_ok "perf $mode: packets delivered" "$res"; return 1; }
	# the module's functions, by name: perf resolves them through
	# /proc/kallsyms, as [kernel.kallsyms] (none while it is not loaded)
	awk '$4 == "[snapfire]" { print $3 }' /proc/kallsyms >"$tmp/sfsyms"
	perf report -i "$tmp/perf-$mode.data" --stdio --no-children \
		--sort comm,sym -t ';' -q 2>/dev/null >"$tmp/perf-$mode.report"
	awk -F';' -v m="$mode" -v c="$(kv cpu_ns "$res")" -v d="$delivered" -v syms="$tmp/sfsyms" '
		function trim(x) { gsub(/^[ \t]+|[ \t%]+$/, "", x); return x }
		BEGIN { while ((getline l < syms) > 0) ours[l] = 1 }
		{ pct = trim($1); comm = trim($2); sym = trim($3)
		  sub(/^\[k\] /, "", sym)
		  if (comm == "swapper") next
		  busy += pct
		  if (sym in ours) mod += pct
		  else if (sym == "nf_hook_slow") nf += pct }
		END { if (busy <= 0) exit 1
		      printf "%s %.2f %.2f %.2f %.0f\n", m, busy, 100 * mod / busy,
			     100 * nf / busy, c / d }' "$tmp/perf-$mode.report" >>"$tmp/prof" ||
		{ not_ok "perf $mode: perf report" "$(head -n 5 "$tmp/perf-$mode.report")"; return 1; }
	diag "perf $mode: $(tail -n 1 "$tmp/prof")"
}
: >"$tmp/prof"
if [[ ${SF_BENCH_PERF:-1} == 0 ]]; then
	diag "SF_BENCH_PERF=0: no profile"
elif have perf; then
	perf_failed=0
	for m in off udp; do
		set_mode "$m" && prof "$m" || perf_failed=1
	done
	sf_unload
	((perf_failed == 0)) && ok "perf: a profiled run of off and of udp"
	cp "$tmp"/perf-*.report "$out/" 2>/dev/null
else
	diag "no perf (scripts/deps --bench): no profile"
fi

# ------------------------------------------------------------------ TCP
# tcp MODE ROUND: one iperf3 run; appends "MODE bits/s" to $tmp/tcp
tcp() {
	local res bps
	if ! res=$(ip netns exec "$TOPO_A" iperf3 -c "$TOPO_B_IP4" -p 5201 -A "$scpu" -t "$SECS" -J 2>&1); then
		not_ok "$1 $2: iperf3" "$(tail -n 5 <<<"$res")"
		return 1
	fi
	bps=$(/usr/bin/python3 -c 'import json, sys; print("%.0f" % json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"])' <<<"$res") ||
		{ not_ok "$1 $2: iperf3's result" "$(tail -n 5 <<<"$res")"; return 1; }
	echo "$1 $bps" >>"$tmp/tcp"
	diag "round $2: $1 $bps bit/s"
}
: >"$tmp/tcp"
if [[ ${SF_BENCH_TCP:-1} == 0 ]]; then
	diag "SF_BENCH_TCP=0: TCP not measured"
elif have iperf3; then
	ip netns exec "$TOPO_B" iperf3 -s -p 5201 -A "$rcpu" >"$tmp/iperf-s" 2>&1 &
	ips=$!
	on_exit "kill $ips 2>/dev/null"
	# its output is block-buffered in a file: wait for the socket instead
	iperf_listening() { ip netns exec "$TOPO_B" ss -Hltn 'sport = :5201' | grep -q .; }
	wait_for 10 iperf_listening || bail "iperf3 server" "$(cat "$tmp/iperf-s")"
	pr=""
	stop_probe() { [[ -z $pr ]] || { kill -INT "$pr" 2>/dev/null; wait "$pr" 2>/dev/null; pr=""; }; }
	# tcp-off: no module; tcp-loaded: hostb reflecting, a probe flow on
	tcp_setup() {
		stop_probe
		if [[ $1 == tcp-off ]]; then
			set_mode off
			return
		fi
		set_mode reflect || return 1
		"$SF_CLI" -n "$TOPO_A" probe "$TOPO_B_IP4" -i 0.1 -c 1000000 >/dev/null 2>&1 &
		pr=$!
	}
	rounds tcp tcp_setup tcp-off tcp-loaded
	stop_probe
	sf_unload
	((failed_runs == 0)) && ok "TCP: $ROUNDS rounds x 2 modes x $SECS s"
else
	diag "no iperf3 (scripts/deps --bench): TCP not measured"
fi
# tcp_stats MODE -> "best median" bits/s (best: the largest)
tcp_stats() {
	awk -v m="$1" '$1 == m { print $2 }' "$tmp/tcp" | sort -g |
		awk '{ a[NR] = $1 } END { if (!NR) exit 1
			print a[NR], NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

{
	echo "# $(date -Is) $(uname -r), $ncpu CPUs, clocksource $clocksource, $SECS s runs"
	echo "# mode delivered/s sender-ns/delivered cpu$scpu-ns/delivered all-cpus-ns/delivered sent delivered"
	cat "$tmp/runs"
	sed 's/^/tcp /' "$tmp/tcp"
} >"$out/datapath-runs.dat"

read -r base_ns _ < <(stats 3 off) || bail "no baseline run"
{
	printf 'datapath: %s under TCG (clocksource %s), %d x %d s per mode: sender CPU ns per delivered packet, best (median); median rate\n' \
		"$(uname -r)" "$clocksource" "$ROUNDS" "$SECS"
	if [[ -n ${SF_BENCH_ICOUNT:-} ]]; then
		printf 'datapath: counted in instructions (QEMU -icount shift=%s, one vCPU): every instruction is %d ns of guest time, whatever the host does\n' \
			"$SF_BENCH_ICOUNT" "$((1 << SF_BENCH_ICOUNT))"
	fi
	for m in "${MODES[@]}"; do
		read -r best med < <(stats 3 "$m") || continue
		read -r _ pps < <(stats 2 "$m")
		awk -v m="$m" -v b="$best" -v md="$med" -v p="$pps" -v bn="$base_ns" 'BEGIN {
			d["off"] = "no module, other UDP    "
			d["netstamp"] = "no module, rx stamps on "
			d["idle"] = "loaded, off everywhere  "
			d["disabled"] = "loaded, enabled off     "
			d["udp"] = "loaded, other UDP       "
			d["probe"] = "loaded, probes one way  "
			d["reflect"] = "loaded, probes reflected"
			printf "datapath: %s %7.0f ns/pkt (%7.0f)  %6.0f pkt/s", d[m], b, md, p
			if (m != "off")
				printf "  %+7.0f ns/pkt (%+.0f%%) vs no module", b - bn, 100 * (b - bn) / bn
			if (m == "reflect")
				printf ", per probe there and back"
			printf "\n" }'
	done
	if read -r tb0 tm0 < <(tcp_stats tcp-off) && read -r tb1 tm1 < <(tcp_stats tcp-loaded); then
		awk -v b0="$tb0" -v m0="$tm0" -v b1="$tb1" -v m1="$tm1" 'BEGIN {
			printf "datapath: TCP, no module                %7.3f Gbit/s (%7.3f)\n", b0 / 1e9, m0 / 1e9
			printf "datapath: TCP, loaded, a probe flow on  %7.3f Gbit/s (%7.3f)  ratio %.3f of no module (medians)\n", b1 / 1e9, m1 / 1e9, m1 / m0 }'
	fi
	if read -r _ _ pm pn pc < <(awk '$1 == "udp"' "$tmp/prof") &&
		read -r _ _ _ on _ < <(awk '$1 == "off"' "$tmp/prof"); then
		awk -v pm="$pm" -v pn="$pn" -v pc="$pc" -v on="$on" 'BEGIN {
			printf "datapath: perf, loaded, other UDP: of CPU 0'"'"'s busy samples, snapfire'"'"'s functions %.1f %% (~%.0f ns/pkt), netfilter'"'"'s hook dispatch (nf_hook_slow) %.1f %% (~%.0f ns/pkt); no module: nf_hook_slow %.1f %%\n", pm, pm * pc / 100, pn, pn * pc / 100, on }'
	fi
	if read -r _ u0 < <(stats 2 off) && read -r _ u1 < <(stats 2 udp); then
		awk -v a="$u0" -v b="$u1" 'BEGIN { printf "datapath: other UDP, loaded: rate ratio %.3f of no module (medians)\n", b / a }'
	fi
	if read -r _ u0 < <(stats 2 off) && read -r _ u1 < <(stats 2 idle); then
		awk -v a="$u0" -v b="$u1" 'BEGIN { printf "datapath: other UDP, loaded, off everywhere: rate ratio %.3f of no module (medians)\n", b / a }'
	fi
	if read -r _ u0 < <(stats 2 off) && read -r _ u1 < <(stats 2 disabled); then
		awk -v a="$u0" -v b="$u1" 'BEGIN { printf "datapath: other UDP, loaded, disabled: rate ratio %.3f of no module (medians)\n", b / a }'
	fi
} >"$out/datapath.txt"
sed 's/^/# /' "$out/datapath.txt"
ok "report written to datapath.txt" test -s "$out/datapath.txt"
done_testing
