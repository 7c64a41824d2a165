#!/bin/bash
# cli/tests/agent-http.sh — the agent's HTTP server (agent_http.c,
# agent_prom.c) through tests/agent_http_drv, a hand-built struct agent
# over a history store it writes (see the data in agent_http_drv.c), under
# valgrind when installed, with curl: /metrics through promtool, /healthz,
# /api/v1/summary's numbers for 5m/1h/1d against the stored data, the 400,
# 404 and 405 answers, IPv6, the connection limit and timeout, the
# summaries' budget (429 to a client that asks for them back to back), and
# hostile clients (a slowloris, unread scrapes: tests/http_abuse.py).
# shellcheck source=cli/tests/lib.sh
source "$(dirname "$0")/lib.sh"
drv=${AGENT_HTTP_DRV:-$top/cli/tests/agent_http_drv}
tmp=$(mktemp -d)
pid=
cleanup() {
	[[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

if [[ ! -x $drv ]]; then
	echo "not ok 1 - $drv is not built (make -C cli tests/agent_http_drv)"
	echo "0 passed, 1 failed"
	exit 1
fi

free_port() {
	"$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start LISTEN [unhealthy]: the driver in the background, until it says ready
start() {
	local i
	rm -rf "$tmp/state" "$tmp/drv.out"	# not the last driver's "ready"
	"${VG[@]}" "$drv" "$tmp/state" "$@" >"$tmp/drv.out" 2>"$tmp/drv.err" &
	pid=$!
	for ((i = 0; i < 300; i++)); do
		grep -qs '^ready' "$tmp/drv.out" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$tmp/drv.err" >&2
	return 1
}

# stop: SIGTERM, then its exit status (valgrind's 99 on an error or a leak)
stop() {
	local rc
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	pid=
	if ((rc)); then cat "$tmp/drv.err" >&2; fi
	return "$rc"
}

# get URL [curl options]: body to $tmp/body; prints "CODE CONTENT-TYPE"
get() {
	local url=$1
	shift
	curl -sS -g -o "$tmp/body" -w '%{http_code} %{content_type}' --max-time 20 "$@" "$url"
}

expect_code() { # desc code url [curl options]
	local d=$1 want=$2 got
	shift 2
	got=$(get "$@")
	check "$d ($want, got ${got%% *})" test "${got%% *}" = "$want"
}

json_error() { # the body is {"error": "non-empty"}
	"$py" -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if list(d) == ["error"] and d["error"] else 1)' "$tmp/body"
}

# launch HOST [unhealthy]: start on HOST:a free port ([HOST] for IPv6), sets
# $port; three tries, as another program may take the port in between
launch() {
	local host=$1 _
	shift
	for _ in 1 2 3; do
		port=$(free_port)
		start "$host:$port" "$@" && return 0
	done
	return 1
}

started=0
launch 127.0.0.1 && started=1
base=http://127.0.0.1:$port
check "driver listens on 127.0.0.1:$port" test "$started" = 1
if ((!started)); then echo "$pass passed, $fail failed, 0 skipped"; exit 1; fi
M=$(awk '/^ready/ { print $2 }' "$tmp/drv.out")

# /metrics
r=$(get "$base/metrics")
check "/metrics: 200 text/plain; version=0.0.4 ($r)" \
	test "$r" = "200 text/plain; version=0.0.4; charset=utf-8"
cp "$tmp/body" "$tmp/metrics"
if command -v promtool >/dev/null; then
	check "/metrics passes promtool check metrics" \
		bash -c "promtool check metrics <'$tmp/metrics' >'$tmp/promtool' 2>&1 || { cat '$tmp/promtool' >&2; false; }"
else
	skip "promtool not installed (apt-get install prometheus)"
fi
check "/metrics: escaped labels after target=, buckets on both sides of le" \
	grep -qxF 'snapfire_target_rtt_seconds_bucket{target="tokyo-1",region="j\"p\\x\ny",dc="tyo",le="0.00025"} 30' "$tmp/metrics"
check "/metrics: +Inf == _count" \
	bash -c "grep -qxF 'snapfire_target_rtt_seconds_bucket{target=\"b\",le=\"+Inf\"} 0' '$tmp/metrics' &&
		 grep -qxF 'snapfire_target_rtt_seconds_count{target=\"b\"} 0' '$tmp/metrics'"
check "/metrics: events, config_reload 2" \
	grep -qxF 'snapfire_agent_events_total{event="config_reload"} 2' "$tmp/metrics"
r=$(get "$base/metrics" -I)
check "HEAD /metrics: 200 and no body ($r)" \
	bash -c "test '${r%% *}' = 200 && ! grep -q snapfire '$tmp/body'"

# /healthz
r=$(get "$base/healthz")
check "/healthz: 200 application/json ($r)" test "$r" = "200 application/json"
check "/healthz: status ok, 2 targets, module loaded, last store write" \
	"$py" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["status"] == "ok" and d["targets"] == 2 and d["module_loaded"] is True, d
assert d["store_ok"] is True and d["last_store_write"].endswith("Z"), d
' "$tmp/body"

# /api/v1/summary: what the stored data must give (agent_http_drv.c)
for w in 5m 1h 1d; do
	r=$(get "$base/api/v1/summary?target=tokyo-1&window=$w")
	cp "$tmp/body" "$tmp/sum-$w"
	check "/api/v1/summary tokyo-1 $w: 200 ($r)" test "$r" = "200 application/json"
	check "/api/v1/summary tokyo-1 $w: count, counters, percentiles, breakdown, verdict" \
		"$py" - "$tmp/sum-$w" "$w" "$M" <<-'EOF'
	import json, sys, datetime
	d = json.load(open(sys.argv[1]))
	w, M = sys.argv[2], int(sys.argv[3])
	# (value ns, count): memory, M-2, M-30, M-600; M-2000 is never in
	data = [(100000, 10), (200000, 20), (300000, 10)]
	sent, received, stored = 60, 50, 1
	if w in ("1h", "1d"):
	    data += [(1000000, 30)]; sent += 30; received += 30; stored += 1
	if w == "1d":
	    data += [(5000000, 40)]; sent += 40; received += 20; stored += 1
	data.sort()
	total = sum(c for _, c in data)
	def pct(p):  # hist_percentile over single-value buckets
	    cum, target = 0, p * total
	    for v, c in data:
	        if cum + c >= target:
	            return v
	        cum += c
	    return data[-1][0]
	def sec(ns):
	    return ns / 1e9
	mins = {"5m": 5, "1h": 60, "1d": 1440}[w]
	err = []
	def eq(k, got, want):
	    if got != want:
	        err.append("%s: %r, expected %r" % (k, got, want))
	eq("target", d["target"], "tokyo-1"); eq("metric", d["metric"], "rtt"); eq("window", d["window"], w)
	eq("count", d["count"], total); eq("sent", d["sent"], sent); eq("received", d["received"], received)
	if abs(d["success_rate"] - received / sent) > 1e-6:
	    err.append("success_rate %r" % d["success_rate"])
	eq("minutes", d["minutes"], mins); eq("minutes_stored", d["minutes_stored"], stored)
	eq("store_problems", d["store_problems"], 0)
	eq("min", d["min"], sec(data[0][0])); eq("max", d["max"], sec(data[-1][0]))
	eq("mean", d["mean"], sec(sum(v * c for v, c in data) // total))
	eq("median", d["median"], sec(pct(0.5)))
	names = ["p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99", "p99.9"]
	ps = [0.01, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99, 0.999]
	eq("percentile names", list(d["percentiles"]), names)
	for k, p in zip(names, ps):
	    eq(k, d["percentiles"][k], sec(pct(p)))
	eq("breakdown", d["breakdown"], {"rtt": sec(pct(0.5)), "turnaround": 0.00001,
	                                 "tx_stage": 0.00002, "rx_stage": 0.00003})
	v = d["verdict"]
	eq("verdict available", v["available"], True)
	eq("verdict components", [c["metric"] for c in v["components"]],
	   ["tx_stage", "rtt", "turnaround", "rx_stage"])
	eq("verdict dominant", (v["dominant"], v["dominant_metric"]), ("network", "rtt"))
	eq("verdict total", v["total_p50_ns"], 20000 + pct(0.5) + 10000 + 30000)
	# the window: the current minute and the minutes before it, to now
	f = datetime.datetime.strptime(d["from"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
	t = datetime.datetime.strptime(d["to"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
	span = (t - f).total_seconds()
	if not ((mins - 1) * 60 <= span < mins * 60) or f.second:
	    err.append("from %s to %s: not %s" % (d["from"], d["to"], w))
	for e in err:
	    print(e, file=sys.stderr)
	sys.exit(1 if err else 0)
	EOF
done
r=$(get "$base/api/v1/summary?target=b&window=1h&metric=rtt")
check "/api/v1/summary b: no stage metrics: no verdict, says why; no counters: success_rate null" \
	"$py" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["count"] == 5 and d["median"] == 0.002 and d["breakdown"] == {"rtt": 0.002}, d
assert d["verdict"]["available"] is False and "stage" in d["verdict"]["reason"], d
assert d["sent"] == 0 and d["success_rate"] is None, d
' "$tmp/body"
r=$(get "$base/api/v1/summary?target=tokyo-1&window=5m&metric=fwd")
check "/api/v1/summary metric=fwd without samples: count 0, percentiles null" \
	"$py" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["metric"] == "fwd" and d["count"] == 0 and d["min"] is None, d
assert all(v is None for v in d["percentiles"].values()), d
' "$tmp/body"

# a corrupt history file: reported, skipped, the rest still served
day=$("$py" -c 'import sys, datetime; print(datetime.datetime.fromtimestamp((int(sys.argv[1]) - 2) * 60, datetime.timezone.utc).strftime("%Y%m%d"))' "$M")
printf 'fS\x10\x00not a record at all, not a record' >>"$tmp/state/tokyo-1/rtt/$day.sfh"
r=$(get "$base/api/v1/summary?target=tokyo-1&window=5m")
check "a corrupt tail in the store: 200, counted in store_problems, the good records kept ($r)" \
	"$py" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["store_problems"] >= 1 and d["count"] == 40, d
' "$tmp/body"

# errors
u="$base/api/v1/summary"
for q in "target=tokyo-1&window=2h" "target=tokyo-1" "target=tokyo-1&window=5m&metric=nope" \
	"window=5m" "target=tokyo-1&window=5m&bogus=1" "target=tokyo-1&window=5m&window=1h"; do
	expect_code "summary ?$q" 400 "$u?$q"
	check "summary ?$q: JSON error" json_error
done
expect_code "summary of an unknown target" 404 "$u?target=nowhere&window=5m"
check "unknown target: JSON error" json_error
expect_code "summary of a target name that cannot be one" 404 "$u?target=%22%0a&window=5m"
check "bad target name: JSON error" json_error
expect_code "unknown path" 404 "$base/nope"
check "unknown path: JSON error" json_error
expect_code "POST /metrics" 405 "$base/metrics" -X POST -d x=1
check "405: JSON error" json_error
check "405 says Allow: GET, HEAD" \
	bash -c "curl -sS -D - -o /dev/null -X DELETE '$base/healthz' | tr -d '\r' | grep -qix 'Allow: GET, HEAD'"

# one client is this host, whatever loopback address it sends from (any
# local user can use all of 127/8): 8 idle connections from 127.0.0.2 ..
# 127.0.0.9, and the 9th, from 127.0.0.10, is refused; once they are
# closed, one is served again
check "8 connections from 8 loopback addresses: the 9th, from another, is refused" \
	"$py" - "$port" "$top/cli/tests" <<-'EOF'
	import socket, sys, time
	sys.path.insert(0, sys.argv[2])
	from http_conn import refused, served
	port = int(sys.argv[1])
	def conn(i):
	    s = socket.socket()
	    s.bind(("127.0.0.%d" % i, 0))
	    s.connect(("127.0.0.1", port))
	    return s
	conns = [conn(i) for i in range(2, 10)]
	time.sleep(0.5)
	last = conn(10)
	no = refused(last)
	for c in conns + [last]:
	    c.close()
	ok = served(port, 50)
	print("9th refused %s, served after %s" % (no, ok), file=sys.stderr)
	sys.exit(0 if no and ok else 1)
	EOF

# bounded: from one address at most 8 connections; an idle one is dropped
# after 10 s, and then the server answers again
check "9 idle connections: the 9th is refused, and after the timeout a request is served" \
	"$py" - "$port" "$top/cli/tests" <<-'EOF'
	import socket, sys, time
	sys.path.insert(0, sys.argv[2])
	from http_conn import refused, served
	port = int(sys.argv[1])
	conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(9)]
	no = refused(conns[-1])
	first = conns[0]
	first.settimeout(20)
	t0 = time.time()
	try:
	    dropped = first.recv(1) == b""
	except ConnectionResetError:
	    dropped = True
	waited = time.time() - t0
	for c in conns:
	    c.close()
	ok = served(port, 30)
	print("refused %s, idle dropped %s after %.1fs, served %s" % (no, dropped, waited, ok), file=sys.stderr)
	sys.exit(0 if no and dropped and waited < 15 and ok else 1)
	EOF

check "a second server on the same port is refused, with what to do" \
	bash -c "! '$drv' '$tmp/state2' '127.0.0.1:$port' >/dev/null 2>'$tmp/err' && grep -q 'in use' '$tmp/err' && grep -q 'change listen:' '$tmp/err'"
check "driver exits cleanly (valgrind: no error, no leak)" stop

# unhealthy store: 503
if launch 127.0.0.1 unhealthy; then
	r=$(get "http://127.0.0.1:$port/healthz")
	check "/healthz with the store failing: 503 ($r)" test "${r%% *}" = 503
	check "/healthz 503: status unhealthy with a reason" \
		"$py" -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if d["status"] == "unhealthy" and d["reason"] else 1)' "$tmp/body"
	check "driver exits cleanly (unhealthy)" stop
else
	check "driver listens (unhealthy)" false
fi

# a store that stalls (a disk that hangs: its last write never ends, so
# store_ok still says the one before went well): 2 minutes behind is
# healthy, 3 not, and /healthz says how far behind
for behind in 2 3; do
	if launch 127.0.0.1 behind "$behind"; then
		r=$(get "http://127.0.0.1:$port/healthz")
		want=200
		((behind > 2)) && want=503
		check "/healthz, the store $behind minutes behind: $want ($r)" test "${r%% *}" = "$want"
		check "/healthz, $behind behind: store_behind $behind, the reason says it when unhealthy" \
			"$py" -c 'import json, sys; d = json.load(open(sys.argv[1])); b = int(sys.argv[2])
sys.exit(0 if d["store_behind"] == b and (b <= 2 or "minutes behind" in d["reason"]) else 1)' "$tmp/body" "$behind"
		check "driver exits cleanly (behind $behind)" stop
	else
		check "driver listens (behind $behind)" false
	fi
done

# a summary waits (up to 5 s) for the store to take the minutes closed
# before it; meanwhile MHD's only thread serves the other pages (the
# summary's connection is suspended, not waited for on that thread)
sum_bg() { # NAME: a summary in the background; $tmp/NAME.done when answered
	rm -f "$tmp/$1.done"
	(curl -sS -g -o "$tmp/$1.body" -w '%{http_code} %{time_total}' --max-time 20 \
		"http://127.0.0.1:$port/api/v1/summary?target=tokyo-1&window=5m" >"$tmp/$1.res" 2>&1
	 touch "$tmp/$1.done") &
	sum_pid=$!
}
sum_wait() { # NAME: the answer's "CODE SECONDS" in $r
	wait "$sum_pid"
	r=$(cat "$tmp/$1.res")
}
if launch 127.0.0.1 behind 3; then
	sum_bg s1
	sleep 0.3
	r=$(get "http://127.0.0.1:$port/healthz")
	check "/healthz answered while a summary waits for the store (${r%% *}; the summary still waiting)" \
		test "${r%% *}" = 503 -a ! -e "$tmp/s1.done"
	r=$(get "http://127.0.0.1:$port/metrics")
	check "/metrics answered while a summary waits for the store (${r%% *}; the summary still waiting)" \
		test "${r%% *}" = 200 -a ! -e "$tmp/s1.done"
	sum_wait s1
	check "a summary waits at most 5 s for a store that does not move, then answers 200 from what is stored ($r s)" \
		awk -v r="$r" 'BEGIN { split(r, a, " "); exit !(a[1] == 200 && a[2] >= 4.5 && a[2] < 10) }'
	check "... and says how many minutes it found stored (1 of 5)" \
		"$py" -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if d["minutes"] == 5 and d["minutes_stored"] == 1 else 1)' "$tmp/s1.body"
	sum_bg s2
	sleep 0.5
	kill -USR1 "$pid"	# the store catches up
	sum_wait s2
	check "a waiting summary is answered once the store catches up, not at the end of its wait ($r s)" \
		awk -v r="$r" 'BEGIN { split(r, a, " "); exit !(a[1] == 200 && a[2] < 4) }'
	r=$(get "http://127.0.0.1:$port/healthz")
	check "/healthz healthy once the store caught up (${r%% *})" test "${r%% *}" = 200
	kill -USR2 "$pid"	# a minute queued: the next summary waits
	sleep 0.2
	sum_bg s3
	sleep 0.5
	check "a summary after a new minute waits again" test ! -e "$tmp/s3.done"
	check "driver exits cleanly while a summary waits (every wait resumed before the server stops)" stop
	sum_wait s3
	check "the waiting client is answered or closed when the server stops, not left hanging ($r)" \
		awk -v r="$r" 'BEGIN { n = split(r, a, " "); exit !(n < 2 || a[2] < 4) }'
else
	check "driver listens (behind 3, summaries waiting)" false
fi

# summaries have a budget of the server's only thread (agent_http.c:
# 250 ms a second, 500 ms at once; the driver's "budget 20": 20 ms, which
# 1-day summaries exceed on any machine, valgrind or not). A client that
# asks for them back to back on 6 connections (from 127.0.0.2; this host is one client of 8) over a
# full day of minutes (tests/hs_fill) gets 429 with Retry-After and the
# JSON error, while every /metrics and /healthz from another address gets
# 200; a summary asked after Retry-After seconds is served again
if [[ ! -x $here/hs_fill ]]; then
	check "$here/hs_fill is built (make -C cli tests/hs_fill)" false
elif launch 127.0.0.1 many 1 budget 20; then
	M=$(awk '/^ready/ { print $2 }' "$tmp/drv.out")
	"$here/hs_fill" "$tmp/state" many-2 $((M - 1439)) 1439 -1 >/dev/null
	"$py" - "$port" 3 >"$tmp/hammer" 2>&1 <<-'EOF'
	import http.client, json, sys, threading, time
	port, secs = int(sys.argv[1]), float(sys.argv[2])
	summary = "/api/v1/summary?target=many-2&window=1d"
	lock = threading.Lock()
	d = {"summaries": {}, "bad_429": [], "scrapes": {}, "conn_errors": 0}
	stop = threading.Event()
	def ask(c, path):  # (status, Retry-After, Content-Type, body)
	    c.request("GET", path)
	    r = c.getresponse()
	    return r.status, r.getheader("Retry-After"), r.getheader("Content-Type"), r.read()
	def refusal_ok(ra, ctype, body):
	    try:
	        e = json.loads(body)
	        return (ra is not None and ra.isdigit() and int(ra) >= 1 and ctype == "application/json"
	                and list(e) == ["error"] and "retry after" in e["error"])
	    except ValueError:
	        return False
	def count(key, code):
	    with lock:
	        d[key][code] = d[key].get(code, 0) + 1
	def hammer():
	    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=("127.0.0.2", 0))
	    while not stop.is_set():
	        try:
	            code, ra, ctype, body = ask(c, summary)
	        except (OSError, http.client.HTTPException):
	            with lock:
	                d["conn_errors"] += 1
	            c.close()
	            continue
	        count("summaries", code)
	        if code == 429 and not refusal_ok(ra, ctype, body):
	            with lock:
	                d["bad_429"].append([ra, ctype, body.decode(errors="replace")])
	    c.close()
	def scrape():
	    while not stop.is_set():
	        for path in ("/metrics", "/healthz"):
	            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
	            try:
	                code = ask(c, path)[0]
	            except (OSError, http.client.HTTPException) as e:
	                code = type(e).__name__
	            c.close()
	            count("scrapes", "%s %s" % (path, code))
	        time.sleep(0.05)
	# 6 connections: this host is one client of 8 (the scraper's too)
	ts = [threading.Thread(target=hammer) for _ in range(6)] + [threading.Thread(target=scrape)]
	for t in ts:
	    t.start()
	time.sleep(secs)
	stop.set()
	for t in ts:
	    t.join()
	# until one is refused (at once, or once these spent what is left);
	# then Retry-After seconds, and again
	d["retry_after"] = d["after_wait"] = None
	c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
	for _ in range(200):
	    code, ra, ctype, body = ask(c, summary)
	    if code == 429:
	        d["retry_after"] = ra
	        if refusal_ok(ra, ctype, body):
	            time.sleep(int(ra))
	            d["after_wait"] = ask(c, summary)[0]
	        break
	# the agent's own count of them, in /metrics (built at most once a second)
	time.sleep(1.1)
	for line in ask(c, "/metrics")[3].decode().splitlines():
	    if line.startswith("snapfire_agent_http_summaries_refused_total "):
	        d["metric_refused"] = int(line.split()[1])
	print(json.dumps(d))
	EOF
	cat "$tmp/hammer" >&2
	hammer() { "$py" -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$tmp/hammer" "$1"; }
	check "1-day summaries back to back on 6 connections: some served, some refused 429" \
		hammer 'd["summaries"].get("200", 0) > 0 and d["summaries"].get("429", 0) > 0'
	check "... every 429 with Retry-After (whole seconds, at least 1) and a JSON error that says to retry" \
		hammer 'not d["bad_429"] and set(d["summaries"]) <= {"200", "429"}'
	check "every /metrics and /healthz meanwhile: 200" \
		hammer 'sum(d["scrapes"].values()) >= 4 and all(k.endswith(" 200") for k in d["scrapes"])'
	check "after Retry-After seconds, a summary is served again" \
		hammer 'd["retry_after"] is not None and d["after_wait"] == 200'
	check "/metrics counts every 429 (snapfire_agent_http_summaries_refused_total)" \
		hammer 'd.get("metric_refused") is not None and d["summaries"].get("429", 0) + 1 <= d["metric_refused"] <= d["summaries"].get("429", 0) + 1 + d["conn_errors"]'
	check "the refusals are logged, with their count, at a rate" \
		grep -qE 'http: a summary refused with 429 \([0-9]+ since the start\)' "$tmp/drv.err"
	check "driver exits cleanly (summaries refused)" stop
else
	check "driver listens (summaries' budget)" false
fi

# hostile clients (tests/http_abuse.py): a slowloris is cut at the 30 s
# deadline, not kept for ever by its trickle; 40 scrapes that never read,
# made in 10 different seconds, share at most HTTP_PAGES_MAX pages of
# 12 MB (the driver with 1 000 more targets, without valgrind: RSS)
vg_saved=("${VG[@]}")
VG=()
if launch 127.0.0.1 many 1000; then
	if "$py" "$top/cli/tests/http_abuse.py" "$port" "$pid" 40 >"$tmp/abuse" 2>&1; then
		cat "$tmp/abuse" >&2
		abuse() { "$py" -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$tmp/abuse" "$1"; }
		check "a slowloris (a header byte every 2 s) is cut at the 30 s deadline" \
			abuse 'd["slowloris_cut_after"] is not None and 29 <= d["slowloris_cut_after"] <= 40'
		# 4 pages in flight (one before) and the allocator's slack (3.0 to
		# 4.5 pages measured); without the shared page: 41
		check "40 unread scrapes of a 12 MB /metrics hold at most 8 pages of memory" \
			abuse 'd["page"] > 10e6 and d["rss_growth_pages"] <= 8'
		check "the cut is logged, at a rate" grep -q 'connection(s) cut: no answer sent within 30 s' "$tmp/drv.err"
		check "/metrics served after the abuse" test "$(get "http://127.0.0.1:$port/metrics" | cut -d' ' -f1)" = 200
	else
		cat "$tmp/abuse" >&2
		check "tests/http_abuse.py ran" false
	fi
	check "driver exits cleanly (1 000 targets)" stop
else
	check "driver listens (1 000 targets)" false
fi
VG=("${vg_saved[@]}")

# IPv6
if ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128'; then
	if launch "[::1]"; then
		r=$(get "http://[::1]:$port/healthz")
		check "[::1]:$port: /healthz 200 over IPv6 ($r)" test "${r%% *}" = 200
		check "[::1]: not listening on IPv4" \
			bash -c "! curl -sS -o /dev/null --max-time 5 http://127.0.0.1:$port/healthz 2>/dev/null"
		check "driver exits cleanly (IPv6)" stop
	else
		check "driver listens on [::1]:$port" false
	fi
else
	skip "no IPv6 loopback"
fi

# bad listen addresses are refused with what to do
for l in "127.0.0.1" "[::1]9862" "127.0.0.1:99999" "no.such.host.invalid:9862" "1:2:3"; do
	check "listen \"$l\" refused with a message" \
		bash -c "! '$drv' '$tmp/state2' '$l' >/dev/null 2>'$tmp/err' && grep -q 'listen address' '$tmp/err'"
done

echo "$pass passed, $fail failed, $skipped skipped"
((fail == 0))
