#!/bin/bash
# Benchmark: 500 probes at 100/s through sender — router — reflector with
# 10 ms ±1 ms netem each way; records the CLI's flow statistics (JSON) and
# the wall time in $SF_BENCH_OUT.  Fails only if the steps fail; the mean
# RTT is reported, not judged.
# timeout: 300
# shellcheck source=tests/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"

out=${SF_BENCH_OUT:-/tmp}
sf_load || bail "insmod snapfire.ko failed"
topo_line3 || bail "topology"
topo_shape "$ROUTER" eth1 delay 10ms 1ms
topo_shape "$ROUTER" eth0 delay 10ms 1ms
ok "reflector on" sf -n "$REFLECTOR" reflect on
t0=$(date +%s.%N)
ok "500 probes at 100/s" sf -n "$SENDER" probe "$REFL_IP4" -c 500 -i 0.01
t1=$(date +%s.%N)
diag "probe run took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
ok "flows (JSON) saved" bash -c "\"$SF_CLI\" -n \"$SENDER\" -j flows >\"$out/probe-rtt-flows.json\""
ok "status (JSON) saved" bash -c "\"$SF_CLI\" -n \"$SENDER\" -j status >\"$out/probe-rtt-status.json\""
done_testing
