#!/bin/bash
# timeout: 3600 (the runner reads this in the first 20 lines)
# vm-mem: 8G (scripts/bench boots the VM with the largest vm-mem of the
# benchmarks it runs; 1 000 000 flows are 1.75 GB of kernel memory; the
# CLI streams them in a few MB, but held them all once: 2.2 GB)
# Benchmark (issue #14, 4, "Scale"): nl-dump's measurements
# (tests/lib/nl_dump_bench.sh) on 1 000 000 flows: 500 000 probes from
# tests/tools/flood, a sender and a reflector flow each; the module loaded
# with max_mem_mb=4096 (the default cap, 256 MiB, holds about 145 000 of
# them: 1 728 B each), max-flows 1 250 000.  Writes nl-dump-1m.txt to $SF_BENCH_OUT.
# shellcheck source=tests/lib/nl_dump_bench.sh
. "$(dirname "$0")/../lib/nl_dump_bench.sh"

nl_dump_bench nl-dump-1m 1000000 max_mem_mb=4096
