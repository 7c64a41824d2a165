#!/bin/bash
# Malformed and refused requests to the snapfire family (tests/tools/nlbad.c,
# libmnl): wrong types and lengths, bad nesting, unknown attributes, a
# missing flow id, out-of-range values, too many ports and prefixes,
# prefixes with host bits, dump filters that do not fit, mutations without
# CAP_NET_ADMIN.  Each must fail with the right errno and an extack message
# (and the offending attribute's offset where the kernel can give it), leave
# the configuration as it was, and leave the module answering status-get.
# nlbad's `ok`/`not ok` lines are this test's.
# timeout: 300
# debug-kernel: seconds: 84 (its time on the debug kernel in make check with an empty cache, 2026-12-03, df1515a: the shards' order and estimate)
# cpus: 1 (malformed requests one at a time: nothing here races the module with itself)
# shellcheck source=tests/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"

NS=sf-nlbad
out=$(make -s -C "$SF_REPO/tests/tools" 2>&1) || bail "build tests/tools (make -C tests/tools)" "$out"
sf_load || bail "insmod snapfire.ko"
topo_host "$NS" || bail "namespace $NS"
cfg0=$(sf -j config 2>&1) || bail "snapfire -j config in init_net" "$cfg0"

# in a namespace of its own: it changes the configuration (and restores it)
ip netns exec "$NS" "$SF_REPO/tests/bin/nlbad" | grep -v '^1\.\.'
rc=${PIPESTATUS[0]}
ok "nlbad exited 0 (every check passed)" test "$rc" = 0

assert_eq "init_net: configuration untouched" "$cfg0" "$(sf -j config 2>&1)"
ok "module still live" sf_loaded
done_testing
