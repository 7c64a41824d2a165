#!/bin/bash
# timeout: 1200 (the runner reads this in the first 20 lines)
# Benchmark: the control plane on 104 000 flows.  Creates them with
# tests/tools/flood (52 000 probes to 127.0.0.1:862: a sender and a
# reflector flow each), then
#   - times three flow-get dumps with tests/tools/nldump (libmnl, no
#     histograms; the best counts) and one with every histogram (0x7f);
#   - runs the CLI on them: `snapfire flows` (table), `-j flows`,
#     `export --prometheus`, `status` and `show ID` of one sender flow
#     (and `status` before the flood, the fixed cost of a CLI run),
#     each with its wall time, peak RSS (GNU time's %M; "?" without
#     /usr/bin/time, package `time` in scripts/deps) and output size;
#   - reports the kernel memory per flow: the module's own accounting
#     (`snapfire -j status` mem_bytes / flows, and per histogram ("metric")
#     from nldump's hist count) and, as a cross-check, the growth of the
#     kernel's unreclaimable slab (SUnreclaim in /proc/meminfo) across the
#     flood, which also counts allocator rounding and the hash table.
# Writes nl-dump.txt (one line per measurement) to $SF_BENCH_OUT; fails
# only if a step fails, the numbers are reported, not judged.
# shellcheck source=tests/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"

NS=sf-bench
BIN=$SF_REPO/tests/bin
out=${SF_BENCH_OUT:-/tmp}
GNU_TIME=/usr/bin/time
tmp=$(mktemp -d /tmp/sf-nl-dump.XXXXXX)
on_exit "rm -rf $tmp"
report=()

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
kv() { sed -n "s/.*\\b$1=\\([0-9.]*\\).*/\\1/p" <<<"$2"; }
meminfo() { awk -v k="$1:" '$1 == k { print $2 * 1024 }' /proc/meminfo; }
report_line() { # a line of nl-dump.txt, shown as a diagnostic too
	report+=("nl-dump: $*")
	diag "nl-dump: $*"
}

o=$(make -s -C "$SF_REPO/tests/tools" 2>&1) || bail "build tests/tools" "$o"
[[ -x $GNU_TIME ]] || GNU_TIME=""
sf_load || bail "insmod snapfire.ko"
topo_host "$NS" || bail "namespace $NS"
ok "config max-flows 200000, idle-timeout 604800 (none expires on a slow kernel)" \
	sf -n "$NS" config max-flows 200000 idle-timeout 604800

# cli LABEL ARGS...: run the CLI in $NS; wall time, peak RSS, output size.
# The output is counted by wc; with keep=1 it is kept in $tmp/out instead.
keep=0
cli() {
	local label=$1 t rc rss size sink=(wc -c) dest=$tmp/size perflow=0
	shift
	((keep)) && sink=(cat) dest=$tmp/out
	[[ $label == *flows* || $label == *export* ]] && perflow=1
	rm -f "$tmp/rss"
	t0=$(now)
	if [[ -n $GNU_TIME ]]; then
		"$GNU_TIME" -f %M -o "$tmp/rss" "$SF_CLI" -n "$NS" "$@" 2>"$tmp/err" | "${sink[@]}" >"$dest"
	else
		"$SF_CLI" -n "$NS" "$@" 2>"$tmp/err" | "${sink[@]}" >"$dest"
	fi
	rc=${PIPESTATUS[0]}
	t=$(since "$t0")
	rss=$(tail -n 1 "$tmp/rss" 2>/dev/null)
	[[ $rss =~ ^[0-9]+$ ]] || rss=""
	if ((keep)); then size=$(stat -c %s "$tmp/out"); else size=$(cat "$tmp/size"); fi
	if ((rc != 0)); then
		not_ok "CLI: $label" "snapfire $*: status $rc: $(head -c 2000 "$tmp/err")"
		return 1
	fi
	ok "CLI: $label"
	report_line "$(awk -v l="$label" -v t="$t" -v r="$rss" -v s="$size" -v n="$n" -v pf="$perflow" 'BEGIN {
		printf "CLI %-22s %7.3f s  peak RSS %s  output %.2f MB", l, t,
			r == "" ? "?" : sprintf(pf ? "%.1f MB (%.0f B/flow)" : "%.1f MB", r / 1024, r * 1024 / n), s / 1e6 }')"
}

n=0
status0="" # the CLI's fixed cost (exec, netns, genl), reported last
if cli "status, no flow yet" status; then
	status0=${report[-1]}
	unset 'report[-1]'
fi
slab0=$(meminfo SUnreclaim)
t0=$(now)
ok "flood: 52000 probes" ip netns exec "$NS" "$BIN/flood" -n 104 -s 500
create=$(since "$t0")
sleep 2
n=$(sf_counter -n "$NS" flows)
mem=$(sf_counter -n "$NS" mem_bytes)
slab1=$(meminfo SUnreclaim)
assert_gt "flows created" "${n:-0}" 0 || done_testing

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
hists=$(kv hists "$res")

report_line "$(awk -v n="$n" -v c="$create" 'BEGIN {
	printf "%d flows created in %.2f s (%.0f flows/s)", n, c, n / c }')"
report_line "$(awk -v n="$n" -v d="$best" -v h="$hist" -v b="$(kv bytes "$bestres")" -v r="$(kv recvs "$bestres")" 'BEGIN {
	printf "dump (nldump, best of 3)   %7.3f s (%.0f flows/s, %.1f MB in %d recvmsg); with histograms %.3f s",
		d, n / d, b / 1e6, r, h }')"
report_line "$(awk -v n="$n" -v m="$mem" -v h="$hists" -v s0="$slab0" -v s1="$slab1" 'BEGIN {
	printf "kernel memory: %.0f B/flow accounted (%.1f MB), %.0f B/metric (%d histograms); slab grew %.0f B/flow",
		m / n, m / 1e6, h ? m / h : 0, h, (s1 - s0) / n }')"

keep=1 cli "flows (table)" flows
id=$(awk '$1 ~ /^[0-9]+$/ && / sender / { print $1; exit }' "$tmp/out")
[[ -n $id ]] || id=$(awk '$1 ~ /^[0-9]+$/ { print $1; exit }' "$tmp/out")
cli "-j flows" -j flows
cli "export --prometheus" export --prometheus
cli "status" status
if [[ -n $id ]]; then
	cli "show $id" show "$id"
else
	not_ok "a flow id in the flows table" "$(head -n 5 "$tmp/out")"
fi
[[ -n $status0 ]] && report+=("$status0")
[[ -n $GNU_TIME ]] || diag "no GNU time ($GNU_TIME): peak RSS not measured (apt-get install time)"

{
	echo "# $(date -Is) $(uname -r)"
	printf '%s\n' "${report[@]}"
} >"$out/nl-dump.txt"
ok "report written to nl-dump.txt" test -s "$out/nl-dump.txt"
done_testing
