#!/bin/bash
# cli/tests/history.sh — snapfire history against a store written as the
# agent writes it (tests/hs_fill: hs_append): a week of minutes, each of
# 60 samples around 1 ms, but 20-30 ms in the hour 10:00-11:00 UTC, which
# is 19:00-20:00 in Asia/Tokyo. Checks that the slow hour is found in its
# slot in JST and in UTC (text, -j, the heatmap's row and column), the
# days of --by day, the time forms of --since/--until, usage errors, and
# that corrupt and truncated day files are reported once and skipped.
# snapfire runs under valgrind when installed.
set -u
export LC_ALL=C	# ASCII shades, byte columns (the UTF-8 case sets its own)
. "$(dirname "$0")/lib.sh"
fill=$here/hs_fill
[[ -x $fill ]] || { echo "not ok 1 - $fill is built (make -C cli tests/hs_fill)"; echo "0 passed, 1 failed"; exit 1; }
tmp=$(mktemp -d /tmp/sf-history.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
st=$tmp/store

# the week: the 7 UTC days before today, every minute
day0=$(( $(date -u +%s) / 86400 - 7 ))
m0=$((day0 * 1440))
since=$(date -u -d "@$((day0 * 86400))" +%Y-%m-%dT%H:%MZ)
until=$(date -u -d "@$(((day0 + 7) * 86400))" +%Y-%m-%dT%H:%MZ)
fillout=$("$fill" "$st" tokyo-1 "$m0" 10080 10)
check "hs_fill wrote a week of minutes ($fillout)" test -d "$st/tokyo-1/rtt"
# the store takes the agent's counters beside the histograms (hstore.c
# metric_ok): the success-rate checks below need them
check "hs_fill stored the probe counters too" test "$fillout" = "counters stored"
counters=1

hist() { # OUT ERR ARGS... : runs snapfire history (valgrind), returns its status
	local o=$1 e=$2
	shift 2
	"${VG[@]}" "$sf" history "$@" >"$o" 2>"$e"
}

# -- text, JST ------------------------------------------------------------
hist "$tmp/jst" "$tmp/jst.err" tokyo-1 -d "$st" --tz Asia/Tokyo --since "$since" --until "$until"
check "text: exit 0, nothing on stderr" test $? -eq 0 -a ! -s "$tmp/jst.err"
check "text: 10080 minutes, 604800 samples" grep -q '^10080 minutes stored, 604800 samples' "$tmp/jst"
check "text: hour 19 JST has the highest p99, 29.0ms" \
	grep -qE '^19 +25200 +21\.0ms +22\.[0-9]ms +2[0-9.]+ms +29\.0ms +29\.0ms .*<- highest p99' "$tmp/jst"
check "text: hour 18 and 20 JST are fast (p99 1.40ms)" \
	bash -c "grep -qE '^18 +25200 +1\.00ms .* 1\.40ms +1\.40ms' '$tmp/jst' && grep -qE '^20 +25200 +1\.00ms .* 1\.40ms +1\.40ms' '$tmp/jst'"
check "text: 24 hour rows" test "$(grep -cE '^[0-2][0-9] +[0-9]+ ' "$tmp/jst")" -eq 24

# the heatmap: the cells between the bars, two characters an hour
heat() { # FILE ROW(first|last) -> the hours with a non-blank cell in that row
	awk -F'|' -v which="$2" '/ \.\. .*\|.*\|$/ { rows[++n] = $2 } END {
		r = which == "first" ? rows[1] : rows[n]; out = ""
		for (h = 0; h < 24; h++) if (substr(r, 2 * h + 1, 2) != "  ") out = out h " "
		print out }' "$1"
}
check "heatmap: its slowest row is filled at hour 19 only" test "$(heat "$tmp/jst" last)" = "19 "
check "heatmap: its fastest row is filled at every hour but 19" \
	test "$(heat "$tmp/jst" first)" = "0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 20 21 22 23 "
check "heatmap: the axis labels (hours across, latency bands down)" \
	bash -c "grep -q 'hour:  00    03    06' '$tmp/jst' && grep -qE '^ +[0-9.]+ms \.\. [0-9.]+ms +\|' '$tmp/jst'"
check "heatmap: ASCII shades in the C locale" grep -q '|@@' "$tmp/jst"
LC_ALL=C.UTF-8 "$sf" history tokyo-1 -d "$st" --tz Asia/Tokyo --since "$since" --until "$until" >"$tmp/utf8" 2>&1
check "heatmap: Unicode shades in a UTF-8 locale" grep -q $'\xe2\x96\x88\xe2\x96\x88' "$tmp/utf8"

# -- UTC: the same minutes are hour 10 ---------------------------------------
hist "$tmp/utc" "$tmp/utc.err" tokyo-1 -d "$st" --tz UTC --since "$since" --until "$until"
check "--tz UTC: the slow hour is 10" grep -qE '^10 +25200 +21\.0ms .*<- highest p99' "$tmp/utc"
check "--tz UTC: the heatmap's slow cell at hour 10" test "$(heat "$tmp/utc" last)" = "10 "
TZ=Asia/Tokyo "$sf" history tokyo-1 -d "$st" --since "$since" --until "$until" >"$tmp/env" 2>&1
check "TZ of the environment is the default zone" grep -qE '^19 .*<- highest p99' "$tmp/env"

# -- JSON -------------------------------------------------------------------
hist "$tmp/j" "$tmp/j.err" -j tokyo-1 -d "$st" --tz Asia/Tokyo --since "$since" --until "$until"
check "-j: exit 0" test $? -eq 0
check "-j: valid JSON, the slow slot 19, *_ns integers, the heatmap" $py - "$tmp/j" "$counters" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
counters = sys.argv[2] == "1"
s = d["slots"]
assert d["target"] == "tokyo-1" and d["metric"] == "rtt" and d["by"] == "hour", d
assert d["tz"] == "Asia/Tokyo" and d["from"].endswith("T00:00:00Z"), d["from"]
assert d["minutes"] == 10080 and d["count"] == 604800, (d["minutes"], d["count"])
assert list(d["percentiles_ns"]) == ["p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99", "p99.9"]
assert all(isinstance(v, int) for v in d["percentiles_ns"].values())
assert [x["hour"] for x in s] == list(range(24))
assert d["slowest"]["hour"] == 19 and d["slowest"]["p99_ns"] == 29000000, d["slowest"]
assert s[19]["min_ns"] == 21000000 and 20000000 < s[19]["p50_ns"] < 25000000, s[19]
for h in range(24):
    assert s[h]["count"] == 25200 and s[h]["minutes"] == 420, s[h]
    assert all(isinstance(s[h][k], int) for k in ("min_ns", "p50_ns", "p90_ns", "p99_ns", "max_ns"))
    if h != 19:
        assert s[h]["p99_ns"] == 1400000 and s[h]["max_ns"] == 1400000, s[h]
rows = d["heatmap"]["rows"]
assert rows[-1]["counts"][19] == 25200 and sum(rows[-1]["counts"]) == 25200, rows[-1]
assert rows[0]["counts"][19] == 0 and rows[0]["counts"][0] == 25200, rows[0]
assert sum(sum(r["counts"]) for r in rows) == 604800
assert rows[0]["low_ns"] == 1000000 and rows[-1]["high_ns"] == 29000000
assert d["sent"] == 604800 and s[19]["success_rate"] == 0.9 and s[0]["success_rate"] == 1.0
EOF
check "success rate: 90.00% at hour 19, 100.00% elsewhere" \
	bash -c "grep -qE '^19 .* 90\.00%' '$tmp/jst' && grep -qE '^18 .* 100\.00%' '$tmp/jst'"

# -- by day -------------------------------------------------------------------
hist "$tmp/day" "$tmp/day.err" tokyo-1 -d "$st" --tz Asia/Tokyo --by day --since "$since" --until "$until"
check "--by day: 8 JST dates (the week starts at 09:00 JST)" \
	test "$(grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2} [A-Z][a-z]{2} ' "$tmp/day")" -eq 8
first=$(date -u -d "@$((day0 * 86400))" +%Y-%m-%d)
check "--by day: the first date has 15 hours of it (54000 samples)" grep -qE "^$first [A-Z][a-z]{2} +54000 " "$tmp/day"
"$sf" -j history tokyo-1 -d "$st" --tz UTC --by day --since "$since" --until "$until" >"$tmp/dayj" 2>&1
check "--by day -j, UTC: 7 days of 86400 samples, each p99 24.1ms" $py - "$tmp/dayj" "$first" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["slots"]
assert d["by"] == "day" and len(s) == 7 and s[0]["date"] == sys.argv[2], [x["date"] for x in s]
assert all(x["count"] == 86400 and x["minutes"] == 1440 for x in s)
assert all(24000000 < x["p99_ns"] < 25000000 for x in s), [x["p99_ns"] for x in s]
EOF

# -- the window's forms --------------------------------------------------------
"$sf" history tokyo-1 -d "$st" --tz UTC --since 8d >"$tmp/rel" 2>&1
check "--since 8d: the whole week" grep -q '^10080 minutes stored' "$tmp/rel"
"$sf" history tokyo-1 -d "$st" --tz UTC --since "$since" --until "$(date -u -d "@$((day0 * 86400 + 5400))" +%Y-%m-%dT%H:%M:%S+00:00)" >"$tmp/iso" 2>&1
check "--until with an offset: exactly 90 minutes (from <= minute < until)" grep -q '^90 minutes stored' "$tmp/iso"
"$sf" history tokyo-1 -d "$st" --tz Asia/Tokyo --since "$(date -u -d "@$((day0 * 86400))" +%Y-%m-%d) 09:00" --until "$(date -u -d "@$((day0 * 86400))" +%Y-%m-%d) 10:00" >"$tmp/loc" 2>&1
check "--since without an offset is in --tz (09:00 JST = 00:00 UTC: 60 minutes)" grep -q '^60 minutes stored' "$tmp/loc"
"$sf" history tokyo-1 -d "$st" --since 2001-01-01 --until 2001-01-02 >"$tmp/empty" 2>&1
check "an empty window: exit 1, a message" test $? -eq 1 -a -n "$(grep 'no rtt history of' "$tmp/empty")"
"$sf" history osaka-2 -d "$st" >"$tmp/unk" 2>&1
check "an unknown target: exit 1, the targets there listed" test $? -eq 1 -a -n "$(grep 'targets there: tokyo-1' "$tmp/unk")"
"$sf" history tokyo-1 -d "$tmp/none" >/dev/null 2>&1
check "a missing state directory: exit 1" test $? -eq 1
# the agent's user owns what is below the state-dir, and history runs as
# root: a linked target or metric directory is not followed (hstore_dir.c);
# the state-dir itself may be a link, the administrator's
mkdir -p "$tmp/st2/mlink" && ln -s "$st/tokyo-1" "$tmp/st2/tlink" && ln -s "$st/tokyo-1/rtt" "$tmp/st2/mlink/rtt"
"$sf" history tlink -d "$tmp/st2" --since "$since" --until "$until" >"$tmp/tl" 2>&1
check "a target directory that is a link: exit 1, said, nothing read" \
	test $? -eq 1 -a -n "$(grep 'is a symbolic link, not the target.s directory' "$tmp/tl")" -a -z "$(grep 'minutes stored' "$tmp/tl")"
"$sf" history mlink -d "$tmp/st2" --since "$since" --until "$until" >"$tmp/ml" 2>&1
check "a metric directory that is a link: reported, nothing read through it" \
	test -n "$(grep 'mlink.*never followed' "$tmp/ml")" -a -z "$(grep '10080 minutes stored' "$tmp/ml")"
ln -s "$st" "$tmp/stlink"
hist "$tmp/sl" "$tmp/sl.err" tokyo-1 -d "$tmp/stlink" --tz Asia/Tokyo --since "$since" --until "$until"
check "a state-dir that is a link is read as the store" cmp -s "$tmp/sl" "$tmp/jst"
printf 'state-dir: %s\ntargets:\n  - name: tokyo-1\n    address: 192.0.2.10\n' "$st" >"$tmp/agent.conf"
hist "$tmp/conf" "$tmp/conf.err" tokyo-1 -c "$tmp/agent.conf" --tz Asia/Tokyo --since "$since" --until "$until"
check "-c FILE: the state-dir of the agent's configuration" cmp -s "$tmp/conf" "$tmp/jst"
"$sf" history tokyo-1 -d "$st" -m fwd --tz Asia/Tokyo --since "$since" --until "$until" >"$tmp/fwd" 2>&1
rc=$?
check "a metric never stored, probes counted: exit 0, says so, the success rate" \
	test $rc -eq 0 -a -n "$(grep 'no fwd samples in this window' "$tmp/fwd")" -a \
	-n "$(grep -E '^19 +0 +- .* 90\.00%' "$tmp/fwd")"

usage_fails() { # ARGS...: exit 2 and a usage line
	"$sf" history "$@" >/dev/null 2>"$tmp/u.err"
	[[ $? -eq 2 ]] && grep -q "Try 'snapfire help history'" "$tmp/u.err"
}
for args in "" "tokyo-1 --by week" "tokyo-1 --tz Foo/Bar" "tokyo-1 --since yesterday" \
	"tokyo-1 -m nosuch" "tokyo-1 --since 1d --until 2d" "tokyo-1 --bogus" "tokyo-1 extra" \
	"../etc" "tokyo-1 --since" "tokyo-1 -c $tmp/agent.conf -d $st" "tokyo-1 -c $tmp/none.conf"; do
	# shellcheck disable=SC2086	# the words are the arguments
	check "usage error (exit 2): history $args" usage_fails $args
done

# -- a damaged store --------------------------------------------------------------
cp -r "$st" "$tmp/bad"
f2=$tmp/bad/tokyo-1/rtt/$(date -u -d "@$(((day0 + 2) * 86400))" +%Y%m%d).sfh
f4=$tmp/bad/tokyo-1/rtt/$(date -u -d "@$(((day0 + 4) * 86400))" +%Y%m%d).sfh
f6=$tmp/bad/tokyo-1/rtt/$(date -u -d "@$(((day0 + 6) * 86400))" +%Y%m%d).sfh
printf '\xff' | dd of="$f2" bs=1 seek=20000 conv=notrunc status=none	# a record's byte
truncate -s 30017 "$f4"							# a torn tail
printf 'NOT A HISTORY FILE' | dd of="$f6" bs=1 seek=0 conv=notrunc status=none
hist "$tmp/bad.out" "$tmp/bad.err" tokyo-1 -d "$tmp/bad" --tz Asia/Tokyo --since "$since" --until "$until"
rc=$?
check "damaged store: exit 0 (data was read), no crash, valgrind clean" test $rc -eq 0
check "damaged store: the flipped byte reported once" test "$(grep -c "$f2: .*not a good record" "$tmp/bad.err")" -eq 1
check "damaged store: the torn tail reported once" test "$(grep -c "$f4: .*truncated record" "$tmp/bad.err")" -eq 1
check "damaged store: the bad header reported once" test "$(grep -c "$f6: .*bad header" "$tmp/bad.err")" -eq 1
check "damaged store: nothing else on stderr" test "$(wc -l <"$tmp/bad.err")" -eq 3
mins=$(sed -n 's/^\([0-9]*\) minutes stored.*/\1/p' "$tmp/bad.out")
check "damaged store: the rest is read (${mins:-?} of 10080 minutes: a day, a tail and a record less)" \
	test "${mins:-0}" -gt 7000 -a "${mins:-0}" -lt 8639
check "damaged store: hour 19 still the slowest" grep -qE '^19 .*<- highest p99' "$tmp/bad.out"
hist "$tmp/bad.day" "$tmp/bad.day.err" tokyo-1 -d "$tmp/bad" --by day --since "$since" --until "$until"
check "damaged store, --by day: each problem still reported once" test "$(wc -l <"$tmp/bad.day.err")" -eq 3

echo "$pass passed, $fail failed, $skipped skipped"
((fail == 0))
