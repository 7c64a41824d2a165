#!/bin/bash
# timeout: 1200 (the runner reads this in the first 20 lines)
# Benchmark: the control plane on 104 000 flows (tests/lib/nl_dump_bench.sh:
# flow creation, flow-get dumps with and without histograms, the CLI's
# wall time, peak RSS and output size, kernel memory per flow).  Writes
# nl-dump.txt to $SF_BENCH_OUT.  tests/bench/nl-dump-1m.sh: the same on
# 1 000 000 flows.
# shellcheck source=tests/lib/nl_dump_bench.sh
. "$(dirname "$0")/../lib/nl_dump_bench.sh"

nl_dump_bench nl-dump 104000
