#!/bin/bash
# Benchmark: 500 probes at 100/s through sender — router — reflector with
# 10 ms ±1 ms netem each way; records the CLI's flow statistics (JSON) and
# the wall time in $SF_BENCH_OUT, and writes probe-rtt.txt: the RTT, and
# what such a typical probe flow costs in kernel memory, in all and per
# metric (histogram), on both ends.  Fails only if the steps fail; the
# numbers are reported, not judged.
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
took=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
diag "probe run took $took s"
ok "flows (JSON) saved" bash -c "\"$SF_CLI\" -n \"$SENDER\" -j flows >\"$out/probe-rtt-flows.json\""
ok "status (JSON) saved" bash -c "\"$SF_CLI\" -n \"$SENDER\" -j status >\"$out/probe-rtt-status.json\""
ok "reflector flows (JSON) saved" \
	bash -c "\"$SF_CLI\" -n \"$REFLECTOR\" -j flows >\"$out/probe-rtt-refl-flows.json\""

# probe-rtt.txt: a line for the RTT, one per end for the flow's memory
summary() {
	python3 - "$out/probe-rtt-flows.json" "$out/probe-rtt-refl-flows.json" "$took" <<'PY'
import json, sys

snd = [f for f in json.load(open(sys.argv[1]))["flows"] if f["role"] == "sender"]
rfl = [f for f in json.load(open(sys.argv[2]))["flows"] if f["role"] == "reflector"]
if not snd:
    sys.exit("no sender flow")
f = snd[0]
r = f.get("rtt", {})
us = lambda k: r.get(k, 0) / 1000.0
print("probe-rtt: %d probes in %s s, %d received, loss %.1f %%; RTT min %.0f, mean %.0f, p50 %.0f, p99 %.0f, max %.0f us"
      % (f["tx"], sys.argv[3], f["rx"], f["loss_pct"], us("min_ns"), us("mean_ns"),
         us("p50_ns"), us("p99_ns"), us("max_ns")))
metrics = ("rtt", "fwd", "rev", "turnaround", "tx_stage", "rx_stage", "ipdv", "far_tx_stage")
for role, fl in (("sender", f), ("reflector", rfl[0] if rfl else None)):
    if fl is None:
        continue
    n = sum(1 for m in metrics if m in fl)
    print("probe-rtt: kernel memory of the %-9s flow: %5d B, %d metrics, %4.0f B/metric"
          % (role, fl["mem_bytes"], n, fl["mem_bytes"] / n if n else 0))
PY
}
if rep=$(summary 2>&1); then
	echo "$rep" >"$out/probe-rtt.txt"
	diag "$rep"
	ok "report written to probe-rtt.txt"
else
	not_ok "report written to probe-rtt.txt" "$rep"
fi
done_testing
