#!/bin/bash
# Datapath: rmmod while probes flow (sender probing at 5 ms, reflector
# answering in-kernel, flows and histograms live in two namespaces) leaves
# nothing behind: rmmod succeeds, the module is gone from /proc/modules and
# /sys/module, the kernel log has no warning (checked here and by the
# runner), and a re-insmod works, probing included.
# timeout: 400
# debug-kernel: seconds: 194 (its time on the debug kernel in make check with an empty cache, 2026-12-03, df1515a: the shards' order and estimate)
# cpus: 2 (rmmod while probes flow: the module against itself)
# shellcheck source=tests/lib/dp.sh
. "$(dirname "$0")/../lib/dp.sh"

dp_need_cli
dp_setup_line3
ok "router: 2 ms each way" topo_shape "$ROUTER" eth1 delay 2ms
topo_shape "$ROUTER" eth0 delay 2ms
ok "reflector on" dp_reflect "$REFLECTOR" on
ok "clock-synced in both (all metrics live)" dp_cfg "$SENDER" clock-synced on
dp_cfg "$REFLECTOR" clock-synced on
dmesg_before=$(dmesg | wc -l)
# exited (a zombie until waited for: state Z in /proc/PID/stat)
pid_done() { local st; st=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) || return 0; [[ $st == Z ]]; }
probes_gone() { pid_done "$1" && pid_done "$2"; }
replies_ge() { local v; v=$(sf_counter -n "$SENDER" probes_rx 2>/dev/null) || return 1; ((v >= $1)); }

for round in 1 2; do
	# (round 2's counters hold round 1's probes after the reload: from here)
	base=$(sf_counter -n "$SENDER" probes_rx)
	# probes that outlast the waits below however slow the kernel, stopped
	# after the reload
	"$SF_CLI" -n "$SENDER" probe "$REFL_IP4" -c 1000000 -i 0.005 >"$DP_TMP/bg$round.out" 2>&1 &
	bg4=$!
	"$SF_CLI" -n "$SENDER" probe "$REFL_IP6" -6 -c 1000000 -i 0.005 >"$DP_TMP/bg6-$round.out" 2>&1 &
	bg6=$!
	on_exit "kill $bg4 $bg6 2>/dev/null"
	# wait until flows exist and replies come back
	ok "round $round: replies flowing (50 more than the $base before) before rmmod" \
		wait_for 20 replies_ge $((base + 50))
	ok "round $round: both probes (IPv4, IPv6) still running" kill -0 "$bg4" "$bg6"
	ok "round $round: rmmod while probing" sf_rmmod
	if grep -q "^$SF_MODNAME " /proc/modules; then
		not_ok "round $round: gone from /proc/modules"
	else
		ok "round $round: gone from /proc/modules"
	fi
	assert_eq "round $round: /sys/module/$SF_MODNAME gone" no "$([[ -e /sys/module/$SF_MODNAME ]] && echo yes || echo no)"
	must_fail "round $round: the genl family is gone" genl ctrl get name "$SF_GENL_FAMILY"
	sleep 0.5
	ok "round $round: insmod again" sf_load
	ok "round $round: reflector on again" dp_reflect "$REFLECTOR" on
	# the background probes kept running across the reload: Ctrl-C ends
	# them (a sender behind its schedule on this slow kernel once held
	# Ctrl-C back until it caught up: 380 s and more, cli b6101a6)
	t0=$SECONDS
	kill -INT "$bg4" "$bg6" 2>/dev/null
	ok "round $round: Ctrl-C ends both probes" wait_for 15 probes_gone "$bg4" "$bg6"
	diag "round $round: they ended $((SECONDS - t0)) s after Ctrl-C"
	kill -KILL "$bg4" "$bg6" 2>/dev/null
	wait "$bg4" "$bg6" 2>/dev/null
	f=$DP_TMP/after$round.json
	ok "round $round: probe after re-insmod" dp_probe "$SENDER" "$f" "$REFL_IP4" 20 0.02
	assert_eq "round $round: all 20 answered" 20 "$(dp_get "$f" received)"
	dp_flows "$SENDER" "$DP_TMP/fl$round.json"
	assert_ge "round $round: fresh sender flow has 20 rtt samples" \
		"$(dp_get "$DP_TMP/fl$round.json" --flow role=sender family=inet --last rtt.count)" 20
	dp_cfg "$SENDER" clock-synced on
	dp_cfg "$REFLECTOR" clock-synced on
done

# unload with flows present but idle, and with namespaces going away first
ok "delete the reflector namespace while loaded" ip netns del "$REFLECTOR"
ok "final rmmod" sf_rmmod
faults=$(dmesg | tail -n +$((dmesg_before + 1)) | grep -E "$(grep -v -e '^#' -e '^$' "$SF_REPO/scripts/fault-patterns" | paste -sd'|')")
assert_eq "no kernel warnings during the test" "" "$faults"
ok "insmod after all" sf_load
done_testing
