#!/bin/bash
# Benchmark: a flow-get dump of 104 000 flows.  Creates them with
# tests/tools/flood (52 000 probes to 127.0.0.1:862: a sender and a
# reflector flow each), then times three dumps with tests/tools/nldump
# (libmnl, no histograms), one with every histogram (hist-mask 0x7f) and
# one through the CLI (snapfire -j flows, histograms and JSON included).
# Prints one report line and appends it to $SF_BENCH_OUT/nl-dump.txt;
# fails only if a step fails.
# timeout: 900
# shellcheck source=tests/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"

NS=sf-bench
BIN=$SF_REPO/tests/bin
out=${SF_BENCH_OUT:-/tmp}

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
kv() { sed -n "s/.*\\b$1=\\([0-9.]*\\).*/\\1/p" <<<"$2"; }

o=$(make -s -C "$SF_REPO/tests/tools" 2>&1) || bail "build tests/tools" "$o"
sf_load || bail "insmod snapfire.ko"
topo_host "$NS" || bail "namespace $NS"
ok "config max-flows 200000, idle-timeout 604800 (none expires on a slow kernel)" \
	sf -n "$NS" config max-flows 200000 idle-timeout 604800

t0=$(now)
ok "flood: 52000 probes" ip netns exec "$NS" "$BIN/flood" -n 104 -s 500
create=$(since "$t0")
sleep 2
n=$(sf_counter -n "$NS" flows)

best="" bestres=""
for i in 1 2 3; do
	res=$(ip netns exec "$NS" "$BIN/nldump" -t 1 -q)
	ok "nldump $i: consistent, no duplicate" test $? = 0
	s=$(kv secs "$res")
	if [[ -z $best ]] || awk -v a="$s" -v b="$best" 'BEGIN { exit !(a < b) }'; then
		best=$s bestres=$res
	fi
done
res=$(ip netns exec "$NS" "$BIN/nldump" -t 1 -q -m 0x7f)
ok "nldump with histograms: consistent" test $? = 0
hist=$(kv secs "$res")
t0=$(now)
ok "CLI: snapfire -j flows" bash -c "\"$SF_CLI\" -n $NS -j flows >/dev/null"
cli=$(since "$t0")

line=$(awk -v n="$n" -v c="$create" -v d="$best" -v h="$hist" -v cl="$cli" \
	-v b="$(kv bytes "$bestres")" -v r="$(kv recvs "$bestres")" 'BEGIN {
	printf "nl-dump: %d flows; created in %.2f s (%.0f/s); dump %.3f s (%.0f flows/s, %.1f MB in %d recvmsg); with histograms %.3f s; CLI -j flows %.2f s",
		n, c, n / c, d, n / d, b / 1e6, r, h, cl }')
echo "# $line"
echo "$(date -Is) $(uname -r) $line" >>"$out/nl-dump.txt"
done_testing
