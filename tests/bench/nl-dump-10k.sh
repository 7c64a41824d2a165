#!/bin/bash
# timeout: 600 (the runner reads this in the first 20 lines)
# Benchmark (issue #14, 4, "Scale"): nl-dump's measurements
# (tests/lib/nl_dump_bench.sh) on 10 000 flows, the first of the three
# sizes (10 000, 104 000 in nl-dump.sh, 1 000 000 in nl-dump-1m.sh) that
# show how each figure grows.  Writes nl-dump-10k.txt to $SF_BENCH_OUT.
# shellcheck source=tests/lib/nl_dump_bench.sh
. "$(dirname "$0")/../lib/nl_dump_bench.sh"

nl_dump_bench nl-dump-10k 10000
