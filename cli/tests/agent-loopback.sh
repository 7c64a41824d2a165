#!/bin/bash
# cli/tests/agent-loopback.sh — snapfire agent on the host (no module:
# userspace round trips) against tests/lib/stamp_reflector.py over
# loopback, plus a dead target (a UDP port nobody listens on), 1 s
# intervals, about 20 s, under valgrind when installed. Checks: --check on
# a good and a bad file (FILE:LINE), SIGHUP with bad files of six kinds
# (each refused with its FILE:LINE: reason, the agent keeps running on its
# address), SIGHUP adding a target, the JSON Lines (success for
# the live targets, timeout for the dead one), the store files and their
# counters against the JSON Lines, /metrics when the HTTP server is built
# in, a clean exit on SIGTERM, duplicated and reordered replies counted
# exactly (a reflector that makes them), refused replies (a forged T1, a
# reply held back past what the agent remembers) counted exactly, and an
# interface going down and up (a veth in a namespace of its own). Prints
# ok/not ok and "N passed, N failed".
set -u
# shellcheck source=cli/tests/lib.sh
. "$(dirname "$0")/lib.sh"

# the agent lives in snapfire-ext, which snapfire execs (ext.c): valgrind
# does not follow the exec, so the agent's runs use snapfire-ext itself
sfx=${SNAPFIRE_EXT:-$top/cli/snapfire-ext}
[[ -x $sfx ]] || sfx=$sf

tmp=$(mktemp -d)
pids=()
apid=
cleanup() {
	[[ -n $apid ]] && kill -TERM "$apid" 2>/dev/null && wait "$apid" 2>/dev/null
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { # tcp|udp
	"$py" -c 'import socket,sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' "$1"
}
rport=$(free_port udp)
dport=$(free_port udp)
while [[ $dport == "$rport" ]]; do dport=$(free_port udp); done
hport=$(free_port tcp)

# refl_start OUT PORT [ARGS...]: the reflector on 127.0.0.1:PORT, once it
# is ready; its pid in refl_pid
refl_pid=
refl_start() {
	local out=$1 port=$2
	shift 2
	"$py" "$top/tests/lib/stamp_reflector.py" -p "$port" -b 127.0.0.1 "$@" >"$out" 2>&1 &
	refl_pid=$!
	pids+=($!)
	for _ in $(seq 50); do grep -q ready "$out" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}
refl_start "$tmp/refl" "$rport"
check "reflector on 127.0.0.1:$rport" grep -q ready "$tmp/refl"

wait_for() { # CMD...: until it succeeds, at most 10 s
	local i
	for ((i = 0; i < 100; i++)); do "$@" && return 0; sleep 0.1; done
	return 1
}

conf() { # FILE [extra target name]
	cat >"$1" <<EOF
# the agent's loopback test
listen: 127.0.0.1:$hport
state-dir: $tmp/state
retention-days: 2
jsonl: $tmp/probes.jsonl
defaults: { interval: 1 }
targets:
  - name: live
    address: 127.0.0.1
    port: $rport
    labels: { where: loopback }
  - name: dead
    address: 127.0.0.1
    port: $dport
EOF
	[[ -n ${2:-} ]] && printf '  - name: %s\n    address: 127.0.0.1\n    port: %s\n    interval: 0.5\n' \
		"$2" "$rport" >>"$1"
	return 0
}
conf "$tmp/good.conf"
cp "$tmp/good.conf" "$tmp/agent.conf"
sed 's/^    port: '"$dport"'$/    prot: 1/' "$tmp/good.conf" >"$tmp/bad.conf"
badline=$(grep -n '^    prot: 1$' "$tmp/bad.conf" | cut -d: -f1)

out=$("$sf" agent -c "$tmp/good.conf" --check 2>&1)
rc=$?
check "--check good: exit 0, 'FILE: ok, 2 targets'" test "$rc:$out" = "0:$tmp/good.conf: ok, 2 targets"
out=$("$sf" agent -c "$tmp/bad.conf" --check 2>&1)
rc=$?
check "--check bad: exit 2, FILE:$badline: unknown key 'prot'" \
	test "$rc:${out%% (*}" = "2:$tmp/bad.conf:$badline: target: unknown key 'prot'"
out=$("$sf" agent -c "$tmp/bad.conf" 2>&1)
check "a bad file is refused at start too (exit 2)" test "$?:${out%% (*}" = "2:$tmp/bad.conf:$badline: target: unknown key 'prot'"

# a UDP socket per target: 300 targets (on the dead port) do not fit a
# hard open-file limit of 300 (the agent needs 320 more: 256 HTTP clients
# among them): refused with the
# numbers; under a soft limit of 200 and a hard one of 2000 the agent
# raises its soft limit and opens all 300
{
	sed -n -e '/^jsonl:/d' -e "s|^state-dir: .*|state-dir: $tmp/many-state|" -e '1,/^targets:/p' "$tmp/good.conf"
	for i in $(seq 300); do printf '  - { name: n%d, address: 127.0.0.1, port: %s }\n' "$i" "$dport"; done
} >"$tmp/many.conf"
out=$(ulimit -Sn 200 && ulimit -Hn 300 && "$sfx" agent -c "$tmp/many.conf" 2>&1)
check "300 targets, open files 300: refused (exit 1), the need and the limit said" \
	test "$?:$out" = "1:snapfire agent: $tmp/many.conf: 300 targets need 620 open files (a UDP socket each and 320 more); the limit is 300 (hard 300): raise it (ulimit -n 620; LimitNOFILE= in the systemd unit) or configure fewer targets"
(ulimit -Sn 200 && ulimit -Hn 2000 && exec "$sfx" agent -c "$tmp/many.conf" >/dev/null 2>"$tmp/many.log") &
mpid=$!
for _ in $(seq 100); do grep -q 'started:' "$tmp/many.log" 2>/dev/null && break; sleep 0.1; done
sleep 1.5
soft=$(awk '/^Max open files/ { print $4 }' "/proc/$mpid/limits" 2>/dev/null)
nfd=$(find "/proc/$mpid/fd" -mindepth 1 2>/dev/null | wc -l)
check "300 targets, soft limit 200, hard 2000: started, soft limit raised to 2000, $nfd >= 300 files open, none refused" \
	test "$(grep -c 'started: .*300 targets' "$tmp/many.log"):$soft:$((nfd >= 300)):$(grep -c 'cannot open' "$tmp/many.log")" = 1:2000:1:0
kill -TERM "$mpid" 2>/dev/null
wait "$mpid" 2>/dev/null

"${VG[@]}" "$sfx" agent -c "$tmp/agent.conf" >"$tmp/agent.out" 2>"$tmp/agent.log" &
apid=$!
for _ in $(seq 100); do grep -q 'started:' "$tmp/agent.log" 2>/dev/null && break; sleep 0.1; done
check "the agent starts" grep -q "started: $tmp/agent.conf, 2 targets" "$tmp/agent.log"
wait_for grep -q 'module_missing:' "$tmp/agent.log"
check "module_missing logged once (no module on the host)" test "$(grep -c 'module_missing:' "$tmp/agent.log")" = 1
sleep 6
check "the dead target is reported unreachable once" \
	test "$(grep -c 'target_unreachable: target dead (127.0.0.1): no reply' "$tmp/agent.log")" = 1
check "... with the reason: ICMP port unreachable (nothing listens there)" \
	grep -q 'target_unreachable: target dead (127.0.0.1): no reply for [0-9.]* s (ICMP port unreachable: nothing answers STAMP on port [0-9]* there)' "$tmp/agent.log"

# SIGHUP with a bad file: refused with FILE:LINE, the agent keeps running
cp "$tmp/bad.conf" "$tmp/agent.conf"
mv "$tmp/probes.jsonl" "$tmp/probes.jsonl.1"	# as logrotate does
kill -HUP "$apid"
wait_for grep -q "config_reload_failed:" "$tmp/agent.log"
check "SIGHUP reopens the JSON Lines file (logrotate), the configuration refused or not" \
	wait_for test -s "$tmp/probes.jsonl"
check "SIGHUP, bad file: config_reload_failed with FILE:LINE, the running configuration kept" \
	grep -q "config_reload_failed: $tmp/agent.conf:$badline: target: unknown key 'prot'.*; the running configuration is kept" "$tmp/agent.log"
check "SIGHUP, bad file: still running" kill -0 "$apid"

# More bad files through SIGHUP, one per kind of mistake: each refused with
# the same FILE:LINE: reason as --check gives, the running configuration
# kept (still serving on its address)
"$py" -c 'import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(120)' >"$tmp/busy" &
pids+=($!)
wait_for test -s "$tmp/busy"
busy=$(cat "$tmp/busy")
nbad=1
bad_reload() { # WHAT SED-SCRIPT: a bad agent.conf made from good.conf by SED-SCRIPT
	local what=$1 want n0
	sed "$2" "$tmp/good.conf" >"$tmp/agent.conf"
	if [[ $what == "a listen address in use" ]]; then
		want="$tmp/agent.conf: listen 127.0.0.1:$busy: cannot listen there"
	else
		want=$("$sfx" agent -c "$tmp/agent.conf" --check 2>&1)
		want=${want%% (*}
		[[ $want =~ ^$tmp/agent.conf:[0-9]+:\ . ]] || {
			check "SIGHUP, $what: --check gives FILE:LINE: reason ($want)" false
			return
		}
	fi
	n0=$(grep -c 'config_reload_failed:' "$tmp/agent.log")
	kill -HUP "$apid"
	wait_for sh -c "test \$(grep -c config_reload_failed: '$tmp/agent.log') -gt $n0"
	nbad=$((nbad + 1))
	check "SIGHUP, $what: refused with '${want#"$tmp"/}', the running configuration kept" \
		grep -qF "config_reload_failed: $want" "$tmp/agent.log"
	check "SIGHUP, $what: still running, /healthz still on 127.0.0.1:$hport" \
		sh -c "kill -0 $apid && curl -sf -o /dev/null http://127.0.0.1:$hport/healthz"
}
bad_reload "YAML syntax" 's/^    labels: { where: loopback }$/    labels: { where: loopback/'
bad_reload "an interval out of range" "s/^    port: $dport\$/    port: $dport\n    interval: 0.001/"
bad_reload "a duplicate target name" 's/^  - name: dead$/  - name: live/'
bad_reload "a bad listen address" 's/^listen: .*/listen: localhost:80/'
bad_reload "a listen address in use" "s/^listen: .*/listen: 127.0.0.1:$busy/"
check "SIGHUP, bad files: none counted as a reload" sh -c "! grep -q 'config_reload: ' '$tmp/agent.log'"

# SIGHUP adding a target: the two others keep their sessions
conf "$tmp/agent.conf" live2
kill -HUP "$apid"
wait_for grep -q "config_reload: " "$tmp/agent.log"
check "SIGHUP adding a target: 3 targets, 2 kept, 1 new" \
	grep -q "config_reload: $tmp/agent.conf: 3 targets (2 kept with their sessions and history, 1 new, 0 removed)" "$tmp/agent.log"
sleep 6

check "/metrics answers" curl -sf "http://127.0.0.1:$hport/metrics" -o "$tmp/metrics"
check "/metrics: live up, dead down" \
	sh -c "grep -q '^snapfire_target_up{target=\"live\",where=\"loopback\"} 1' '$tmp/metrics' && grep -q '^snapfire_target_up{target=\"dead\"} 0' '$tmp/metrics'"
check "/metrics: one reload, $nbad refused" \
	sh -c "grep -q '^snapfire_agent_events_total{event=\"config_reload\"} 1' '$tmp/metrics' && grep -q '^snapfire_agent_events_total{event=\"config_reload_failed\"} $nbad' '$tmp/metrics'"
check "/metrics: the live target's probes received" \
	"$py" -c 'import re,sys; t=open(sys.argv[1]).read(); v=int(re.search(r"^snapfire_target_received_total\{target=\"live\"[^}]*\} (\d+)", t, re.M).group(1)); sys.exit(not v >= 10)' "$tmp/metrics"
check "/metrics: the dead target's probes lost, none received" \
	"$py" -c 'import re,sys; t=open(sys.argv[1]).read(); g=lambda n: int(re.search(r"^snapfire_target_%s_total\{target=\"dead\"\} (\d+)" % n, t, re.M).group(1)); sys.exit(not (g("lost") >= 5 and g("received") == 0))' "$tmp/metrics"
# every probe to the closed port draws an ICMP port unreachable over
# loopback (not rate limited there); two before a read make one error
check "/metrics: the dead target's ICMP port unreachable counted (5 <= n <= sent), none for live" \
	"$py" -c 'import re,sys; t=open(sys.argv[1]).read(); g=lambda n, w: int(re.search(r"^snapfire_target_%s_total\{target=\"%s\"[^}]*\} (\d+)" % (n, w), t, re.M).group(1)); sys.exit(not (5 <= g("port_unreachable", "dead") <= g("sent", "dead") and g("port_unreachable", "live") == 0))' "$tmp/metrics"
check "/metrics: no reply refused (implausible, late: 0) from the live targets" \
	"$py" -c 'import re,sys; t=open(sys.argv[1]).read(); v=[int(x) for x in re.findall(r"^snapfire_target_(?:implausible|late)_total\{target=\"live2?\"[^}]*\} (\d+)", t, re.M)]; sys.exit(not (len(v) == 4 and sum(v) == 0))' "$tmp/metrics"
curl -s -o "$tmp/healthz" -w '%{http_code}' "http://127.0.0.1:$hport/healthz" >"$tmp/healthz.code"
check "/healthz: 200, the module not loaded" \
	sh -c "grep -qx 200 '$tmp/healthz.code' && grep -q '\"module_loaded\": false' '$tmp/healthz'"
summ() { # TARGET PYTHON-EXPR over d
	curl -sf "http://127.0.0.1:$hport/api/v1/summary?target=$1&window=5m" -o "$tmp/sum-$1" &&
		"$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not eval(sys.argv[2]))' "$tmp/sum-$1" "$2"
}
# in flight: the probes of the last timeout (3 s at 1 s intervals): under
# valgrind on a loaded host a reply can take longer than an interval
check "/api/v1/summary: live answered every probe but those in flight (the current minute from memory)" \
	summ live '0 <= d["sent"] - d["received"] <= 3 and d["received"] == d["count"] >= 10'
check "/api/v1/summary: dead sent and never answered" summ dead 'd["sent"] >= 5 and d["received"] == 0'

# SIGHUP removing the dead target: its minute so far is stored (checked
# with the store's counters below)
"$py" -c 'import sys; l = open(sys.argv[1]).read().split("\n"); i = l.index("  - name: dead"); del l[i:i + 3]; open(sys.argv[1], "w").write("\n".join(l))' "$tmp/agent.conf"
kill -HUP "$apid"
check "SIGHUP removing a target: 2 targets, 2 kept, 1 removed" \
	wait_for grep -q "config_reload: $tmp/agent.conf: 2 targets (2 kept with their sessions and history, 0 new, 1 removed)" "$tmp/agent.log"

kill -TERM "$apid"
wait "$apid"
rc=$?
apid=
check "SIGTERM: exit 0 (valgrind-clean when installed)" test "$rc" = 0
check "SIGTERM: 'stopped' logged" grep -q 'snapfire agent: stopped' "$tmp/agent.log"
check "every log line has a UTC timestamp" \
	sh -c "! grep -v '^20[0-9-]*T[0-9:.]*Z snapfire agent: ' '$tmp/agent.log'"

# JSON Lines: every line valid; success for live and live2, timeout for dead
cat "$tmp/probes.jsonl.1" "$tmp/probes.jsonl" >"$tmp/all.jsonl"
check "JSON Lines: every record valid with the fields of the format" "$py" -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
	r = json.loads(line); n += 1
	assert set(r) == {"ts", "protocol", "target", "duration_ms", "status", "reason"}, r
	assert r["protocol"] == "stamp" and r["ts"].endswith("Z") and len(r["ts"]) == 24, r
	assert r["status"] in ("success", "timeout", "error"), r
sys.exit(n < 20)' "$tmp/all.jsonl"
jl() { "$py" -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if (lambda r: r["target"] == sys.argv[2] and r["status"] == sys.argv[3])(json.loads(l))))' "$tmp/all.jsonl" "$@"; }
check "JSON Lines: live answered (>= 10 successes, no timeout)" \
	test "$(jl live success)" -ge 10 -a "$(jl live timeout)" = 0
check "JSON Lines: live2 (added by SIGHUP) answered" test "$(jl live2 success)" -ge 5
check "JSON Lines: dead timed out (>= 5), never answered" \
	test "$(jl dead timeout)" -ge 5 -a "$(jl dead success)" = 0
check "JSON Lines: a timeout lasts the timeout (3 s: max(3 intervals, 3 s)), reason 'no reply'" \
	"$py" -c 'import json,sys; sys.exit(not all(r["duration_ms"] == 3000 and r["reason"] == "no reply" for r in map(json.loads, open(sys.argv[1])) if r["status"] == "timeout"))' "$tmp/all.jsonl"

# The store: the minute(s) written, counters as the JSON Lines say
check "store: live's rtt day file" test -s "$tmp/state/live/rtt/$(date -u +%Y%m%d).sfh" -o -n "$(ls "$tmp"/state/live/rtt/*.sfh 2>/dev/null)"
check "store: no rtt for dead" test ! -e "$tmp/state/dead/rtt"
check "store: counters of each target (sent, received, lost, reordered, duplicates, port_unreachable, implausible, late, icmp_errors)" \
	sh -c "for t in live dead live2; do for c in sent received lost reordered duplicates port_unreachable implausible late icmp_errors; do ls '$tmp'/state/\$t/\$c/*.sfh >/dev/null 2>&1 || exit 1; done; done"
# the sum of a counter's records (hstore.h: a record's payload starts with
# the minute and the count, LEB128)
ssum() { # TARGET METRIC [STATE-DIR]
	"$py" -c '
import glob, struct, sys
def varint(b, i):
	v = s = 0
	while True:
		c = b[i]; i += 1; v |= (c & 0x7f) << s; s += 7
		if c < 0x80: return v, i
tot = 0
for f in glob.glob(sys.argv[1] + "/*.sfh"):
	b = open(f, "rb").read(); i = 16
	while i + 4 <= len(b):
		mk, ln = struct.unpack_from("<HH", b, i)
		assert mk == 0x5366
		_, j = varint(b, i + 4); c, _ = varint(b, j)
		tot += c; i += 4 + ln + 4
print(tot)' "${3:-$tmp/state}/$1/$2"
}
check "store: live's received = its JSON Lines successes" test "$(ssum live received)" = "$(jl live success)"
check "store: dead's lost = its JSON Lines timeouts (its last minute stored at its removal)" test "$(ssum dead lost)" = "$(jl dead timeout)"
s=$(ssum dead sent) u=$(ssum dead port_unreachable)
check "store: dead's port_unreachable, 1 to its sent ($u of $s)" test "$u" -ge 1 -a "$u" -le "$s"
check "store: live's port_unreachable 0" test "$(ssum live port_unreachable)" = 0
s=$(ssum live sent) r=$(ssum live received)
check "store: live's sent - received is at most those in flight, 3 s of probes ($s, $r)" test $((s - r)) -le 3 -a $((s - r)) -ge 0
check "store: live's rtt records count its successes" test "$(ssum live rtt)" = "$(jl live success)"
check "store: live's sent agrees with /metrics at that time (<=)" \
	"$py" -c 'import re,sys; t=open(sys.argv[1]).read(); v=int(re.search(r"^snapfire_target_sent_total\{target=\"live\"[^}]*\} (\d+)", t, re.M).group(1)); sys.exit(not v <= int(sys.argv[2]))' "$tmp/metrics" "$s"

# Duplicated and reordered replies: a reflector that sends every 4th reply
# twice and holds every 7th back until after the next one, and says which;
# the agent's duplicates and reordered counters (/metrics while it runs,
# the store after SIGTERM) count exactly those
iport=$(free_port udp)
refl_start "$tmp/irefl" "$iport" --dup-every 4 --swap-every 7
irefl=$refl_pid
# one_target_conf FILE STATE-DIR NAME PORT INTERVAL: one target on loopback
one_target_conf() {
	printf 'listen: 127.0.0.1:%s\nstate-dir: %s\ntargets:\n  - { name: %s, address: 127.0.0.1, port: %s, interval: %s }\n' \
		"$hport" "$2" "$3" "$4" "$5" >"$1"
}
one_target_conf "$tmp/impair.conf" "$tmp/state-impair" impair "$iport" 0.1
"${VG[@]}" "$sfx" agent -c "$tmp/impair.conf" >/dev/null 2>"$tmp/impair.log" &
apid=$!
for _ in $(seq 100); do grep -q 'started:' "$tmp/impair.log" 2>/dev/null && break; sleep 0.1; done
sleep 5
curl -sf "http://127.0.0.1:$hport/metrics" -o "$tmp/impair.metrics"
pm() { "$py" -c 'import re,sys; print(re.search(r"^snapfire_target_%s_total\{target=\"impair\"\} (\d+)" % sys.argv[2], open(sys.argv[1]).read(), re.M).group(1))' "$tmp/impair.metrics" "$1" 2>/dev/null; }
check "/metrics: duplicated and reordered replies counted while it runs ($(pm duplicates), $(pm reordered))" \
	test "$(pm duplicates)" -gt 0 -a "$(pm reordered)" -gt 0
kill -TERM "$irefl"
wait "$irefl" 2>/dev/null
sleep 1.5	# the last replies read (under valgrind on a loaded host)
kill -TERM "$apid"
wait "$apid"
rc=$?
apid=
ndup=$(grep -c '^dup ' "$tmp/irefl") nswap=$(grep -c '^swap ' "$tmp/irefl")
check "impaired target: the agent exits 0 (valgrind-clean when installed)" test "$rc" = 0
check "store: duplicates = the replies the reflector sent twice ($ndup)" \
	test "$(ssum impair duplicates "$tmp/state-impair" 2>/dev/null)" = "$ndup" -a "$ndup" -gt 0
check "store: reordered = the replies the reflector held back past the next ($nswap)" \
	test "$(ssum impair reordered "$tmp/state-impair" 2>/dev/null)" = "$nswap" -a "$nswap" -gt 0
check "store: received counts each reply once, duplicates aside" \
	test "$(ssum impair received "$tmp/state-impair" 2>/dev/null)" -le "$(ssum impair sent "$tmp/state-impair" 2>/dev/null)"

# Refused replies: a reflector that echoes a T1 of 0 in every 3rd reply
# (57 years before the probe left: forged or broken) and one that holds
# every 50th reply back for 600 probes, past the 512 the agent remembers
# at 0.01 s intervals (probe_window(): its 3 s timeout and 2 s more), so
# late whatever the timing. Neither is received; each is counted, in
# /metrics while the agent runs and in the store after SIGTERM, exactly
# as the reflectors say they sent them. Without the counters a target
# whose replies are refused only looked lost, or even fine.
fport=$(free_port udp)
refl_start "$tmp/frefl" "$fport" --zero-t1-every 3
frefl=$refl_pid
lport=$(free_port udp)
refl_start "$tmp/lrefl" "$lport" --hold-every 50 --hold-for 600
lrefl=$refl_pid
# and one sending a T2 of 0 in every 4th reply: received, no round trip
tport=$(free_port udp)
refl_start "$tmp/trefl" "$tport" --zero-t2-every 4
trefl=$refl_pid
printf 'listen: 127.0.0.1:%s\nstate-dir: %s\njsonl: %s\ntargets:\n  - { name: forged, address: 127.0.0.1, port: %s, interval: 0.1 }\n  - { name: held, address: 127.0.0.1, port: %s, interval: 0.01 }\n  - { name: not, address: 127.0.0.1, port: %s, interval: 0.1 }\n' \
	"$hport" "$tmp/state-refused" "$tmp/refused.jsonl" "$fport" "$lport" "$tport" >"$tmp/refused.conf"
"${VG[@]}" "$sfx" agent -c "$tmp/refused.conf" >/dev/null 2>"$tmp/refused.log" &
apid=$!
# the first held reply goes out after 650 probes: 6.5 s at the least
for _ in $(seq 400); do
	(($(grep -c '^held ' "$tmp/lrefl") >= 2)) && break
	sleep 0.1
done
rmx() { # WHAT TARGET: the target's WHAT_total on /metrics (-1: none)
	"$py" -c 'import re,sys; m=re.search(r"^snapfire_target_%s_total\{target=\"%s\"\} (\d+)" % (sys.argv[2], sys.argv[3]), open(sys.argv[1]).read(), re.M); print(m.group(1) if m else -1)' "$tmp/refused.metrics" "$@" 2>/dev/null || echo -1
}
refused_seen() {
	curl -sf "http://127.0.0.1:$hport/metrics" -o "$tmp/refused.metrics" &&
		(($(rmx implausible forged) > 0 && $(rmx late held) > 0))
}
check "/metrics: forged T1s counted implausible, held replies late, while it runs" wait_for refused_seen
check "/metrics: ... only there (implausible $(rmx implausible forged), late $(rmx late held)); forged still up, its other replies received" \
	test "$(rmx late forged):$(rmx implausible held)" = 0:0 -a "$(rmx received forged)" -gt 0 -a \
		"$(grep -c '^snapfire_target_up{target="forged"} 1$' "$tmp/refused.metrics")" = 1
kill -TERM "$frefl" "$lrefl" "$trefl"
wait "$frefl" "$lrefl" "$trefl" 2>/dev/null
sleep 1.5	# the last replies read (under valgrind on a loaded host)
kill -TERM "$apid"
wait "$apid"
rc=$?
apid=
nzero=$(grep -c '^zero-t1 ' "$tmp/frefl") nheld=$(grep -c '^held ' "$tmp/lrefl")
rs() { # WHAT TARGET: the sum of the target's WHAT in the store (-1: none)
	local v
	v=$(ssum "$2" "$1" "$tmp/state-refused" 2>/dev/null)
	echo "${v:--1}"
}
check "refused replies: the agent exits 0 (valgrind-clean when installed)" test "$rc" = 0
check "store: forged's implausible = the replies with a T1 of 0 ($nzero), its late 0" \
	test "$(rs implausible forged):$(rs late forged)" = "$nzero:0" -a "$nzero" -gt 0
check "store: forged's received and implausible each reply once, no more than sent" \
	test $(($(rs received forged) + $(rs implausible forged))) -le "$(rs sent forged)" -a "$(rs received forged)" -gt 0
check "store: held's late = the replies held back past the window ($nheld), its implausible 0" \
	test "$(rs late held):$(rs implausible held)" = "$nheld:0" -a "$nheld" -gt 0
check "store: held's late replies not received, their probes lost ($(rs lost held) >= $nheld)" \
	test "$(rs lost held)" -ge "$nheld" -a $(($(rs received held) + $(rs lost held))) -le "$(rs sent held)"
nzt2=$(grep -c '^zero-t2 ' "$tmp/trefl")
check "store: not's implausible = the replies with a T2 of 0 ($nzt2), each received" \
	test "$(rs implausible not)" = "$nzt2" -a "$nzt2" -gt 0 -a "$(rs received not)" -gt "$nzt2"
# shellcheck disable=SC2016 # python
check "JSON Lines: not's replies with a T2 of 0 are 'error' records with no round trip, the others 'success'" \
	"$py" -c 'import json,sys
r=[x for x in map(json.loads, open(sys.argv[1])) if x["target"] == "not"]
e=[x for x in r if x["status"] == "error"]
ok=[x for x in r if x["status"] == "success"]
sys.exit(not (len(e) == int(sys.argv[2]) and all("timestamps cannot be" in x["reason"] and x["duration_ms"] == 0 for x in e)
	and len(ok) == int(sys.argv[3]) - int(sys.argv[2])))' "$tmp/refused.jsonl" "$nzt2" "$(rs received not)"
"$sf" history forged -d "$tmp/state-refused" --since 1h >"$tmp/refused.history" 2>&1
check "snapfire history reads the store with the new counters' directories (exit 0)" test $? = 0

# JSON Lines into a FIFO (a log shipper's): with nobody reading it the
# agent starts all the same and says why there are no records (its open
# waited for a reader, the probes and SIGTERM with it); with a reader
# that stops reading, the full FIFO drops records, said once, and the
# probes go on (a write waited)
mkfifo "$tmp/fifo"
{
	printf 'listen: 127.0.0.1:%s\nstate-dir: %s\njsonl: %s\ntargets:\n' "$hport" "$tmp/state-fifo" "$tmp/fifo"
	for i in 0 1 2 3 4 5 6 7 8 9; do
		printf '  - { name: f%s, address: 127.0.0.1, port: %s, interval: 0.01 }\n' "$i" "$rport"
	done
} >"$tmp/fifo.conf"
"$sfx" agent -c "$tmp/fifo.conf" >/dev/null 2>"$tmp/fifo.log" &
apid=$!
check "jsonl a FIFO nobody reads: the agent starts" wait_for grep -q 'started:' "$tmp/fifo.log"
check "  and says it cannot open it" grep -q "jsonl: cannot open $tmp/fifo" "$tmp/fifo.log"
exec 7<>"$tmp/fifo"	# a reader, this shell, that never reads
kill -HUP "$apid"
check "a reader that does not read, SIGHUP: the full FIFO drops records, said" \
	wait_for grep -q "jsonl: cannot write $tmp/fifo" "$tmp/fifo.log"
sent_f0() { curl -sf "http://127.0.0.1:$hport/metrics" | sed -n 's/^snapfire_target_sent_total{target="f0"} //p'; }
a=$(sent_f0)
sleep 2.5
b=$(sent_f0)
check "  and the probes go on ($a, then $b sent)" test "${b:-0}" -gt "${a:-0}"
t0=$(date +%s)
kill -TERM "$apid"
wait "$apid"
rc=$?
apid=
check "  and SIGTERM ends it at once (exit $rc, $(($(date +%s) - t0)) s)" test "$rc" = 0 -a $(($(date +%s) - t0)) -le 5
check "  the records before the FIFO was full are there" sh -c "timeout 1 cat <&7 | grep -q '\"target\":\"f0\"'"
exec 7<&-

# JSON Lines as root through a link in a directory root does not own (the
# agent's user owns /var/log/snapfire, and could point the file at any
# that root may write): not followed, and said; a link in a directory of
# root's (/dev/stdout) is followed
if ((EUID == 0)) && id nobody >/dev/null 2>&1; then
	mkdir "$tmp/ulog" && chown nobody "$tmp/ulog"
	echo keep >"$tmp/victim"
	ln -s "$tmp/victim" "$tmp/ulog/probes.jsonl"
	ln -s "$tmp/followed" "$tmp/rootlink"
	for j in ulog/probes.jsonl rootlink; do
		printf 'listen: 127.0.0.1:%s\nstate-dir: %s\njsonl: %s\ntargets:\n  - { name: l, address: 127.0.0.1, port: %s, interval: 0.05 }\n' \
			"$hport" "$tmp/state-ln" "$tmp/$j" "$rport" >"$tmp/ln.conf"
		"$sfx" agent -c "$tmp/ln.conf" >/dev/null 2>"$tmp/ln.log" &
		apid=$!
		wait_for grep -q 'started:' "$tmp/ln.log"
		sleep 1.5
		kill -TERM "$apid"
		wait "$apid"
		apid=
		cp "$tmp/ln.log" "$tmp/ln-${j%%/*}.log"
	done
	check "root, jsonl a link in a directory root does not own: not followed, said" \
		grep -q "jsonl: cannot open $tmp/ulog/probes.jsonl: .*not followed by root" "$tmp/ln-ulog.log"
	check "  the file it points to untouched" test "$(cat "$tmp/victim")" = keep
	check "root, jsonl a link in root's directory: followed (records in $tmp/followed)" \
		grep -q '"target":"l"' "$tmp/followed"
else
	skip "jsonl links as root: not root, or no user nobody"
fi

# Stalls (the agent stopped, as a process starved on a busy host is):
# the probes it missed are skipped, not sent in a burst on resume (it
# made up 80 of them back to back after 0.8 s), the replies that came in
# meanwhile are read before anything is judged (it called the probes in
# flight lost), and the time stopped is no silence of the target's (it
# logged target_unreachable, then target_recovered 5 ms later). The
# reflector prints each probe's T1.
sport=$(free_port udp)
refl_start "$tmp/srefl" "$sport" --log-t1
srefl=$refl_pid
one_target_conf "$tmp/stall.conf" "$tmp/state-stall" stall "$sport" 0.01
"$sfx" agent -c "$tmp/stall.conf" >/dev/null 2>"$tmp/stall.log" &
apid=$!
for _ in $(seq 100); do grep -q 'started:' "$tmp/stall.log" 2>/dev/null && break; sleep 0.1; done
sleep 1
# 0.8 s: under the 1 s after which it used to start its schedule again
kill -STOP "$apid"
sleep 0.8
kill -CONT "$apid"
sleep 1
# 4 s, longer than the 3 s timeout, most likely with no probe in flight
# (a round trip on loopback is some 0.1 ms of the 10)
kill -STOP "$apid"
sleep 4
kill -CONT "$apid"
sleep 1
# 4 s with probes in flight: the reflector held 0.3 s first (some 30
# probes wait for it), then let go while the agent is stopped: their
# replies wait, unread, past their 3 s deadline when it runs again
kill -STOP "$srefl"
sleep 0.3
kill -STOP "$apid"
kill -CONT "$srefl"
sleep 4
kill -CONT "$apid"
sleep 2
curl -sf "http://127.0.0.1:$hport/metrics" -o "$tmp/stall.metrics"
kill -TERM "$apid"
wait "$apid"
apid=
# most probes sent within any 5 ms (half the interval): 2 at most when
# none is made up (one late, the next on time)
burst=$(t1_max_in "$tmp/srefl" 5000000)
check "stopped 0.8 s and 4 s at 0.01 s: no burst on resume (at most 2 probes in any 5 ms, saw $burst)" \
	test "$burst" -le 2
lost=$("$py" -c 'import re,sys; print(re.search(r"^snapfire_target_lost_total\{target=\"stall\"\} (\d+)", open(sys.argv[1]).read(), re.M).group(1))' "$tmp/stall.metrics" 2>/dev/null)
check "stopped 4 s, probes in flight: the replies that waited are read, none lost (lost $lost)" test "$lost" = 0
check "stopped 4 s, twice: no target_unreachable logged" \
	test "$(grep -c target_unreachable "$tmp/stall.log")" = 0

# An interface going down and up (a veth pair in a network namespace of
# its own): one send_error, logged once, "error" records while it is
# down, and sending again after. Needs root (unshare -n) and veth.
if unshare -n true 2>/dev/null && unshare -n ip link add v0 type veth peer name v1 2>/dev/null; then
	cat >"$tmp/down.conf" <<EOF
listen: 127.0.0.1:$hport
state-dir: $tmp/state-down
jsonl: $tmp/down.jsonl
targets:
  - { name: far, address: 10.9.9.2, interval: 0.2 }
EOF
	# shellcheck disable=SC2016 # expanded by the inner shell
	VGS="${VG[*]}" SF=$sfx T=$tmp unshare -n bash -c '
		ip link set lo up
		ip link add v0 type veth peer name v1 && ip addr add 10.9.9.1/24 dev v0 &&
			ip link set v0 up && ip link set v1 up || exit 1
		$VGS "$SF" agent -c "$T/down.conf" 2>"$T/down.log" & a=$!
		for _ in $(seq 100); do grep -q started: "$T/down.log" && break; sleep 0.1; done
		sleep 1; ip link set v0 down; sleep 2.5; ip link set v0 up; sleep 2
		kill -TERM $a; wait $a; echo "rc=$?" >>"$T/down.log"'
	check "interface down: one send_error event, logged once" \
		test "$(grep -c 'send_error: target far: cannot send: Network is unreachable' "$tmp/down.log")" = 1
	check "interface up again: 'sending again' logged once" \
		test "$(grep -c 'target far: sending again' "$tmp/down.log")" = 1
	check "interface down: 'error' records with the reason" \
		test "$(grep -c '"status":"error","reason":"Network is unreachable"' "$tmp/down.jsonl")" -ge 3
	check "interface down and up: the agent kept running, clean exit" grep -q '^rc=0$' "$tmp/down.log"
else
	skip "interface down: no unshare -n or veth here"
fi

# Probes a firewall rejects (nft, admin-prohibited: EHOSTUNREACH at the
# socket's next read or send), in a namespace of its own: counted per
# target (icmp_errors in the store), not just lost. Needs root and nft.
if command -v nft >/dev/null && unshare -n true 2>/dev/null; then
	cat >"$tmp/rej.conf" <<EOF
listen: 127.0.0.1:$hport
state-dir: $tmp/state-rej
targets:
  - { name: rej, address: 127.0.0.1, port: 18699, interval: 0.1 }
EOF
	# shellcheck disable=SC2016 # expanded by the inner shell
	VGS="${VG[*]}" SF=$sfx T=$tmp P=18699 unshare -n bash -c '
		ip link set lo up &&
		nft add table inet sfrej && nft add chain inet sfrej in "{ type filter hook input priority 0; }" &&
		nft add rule inet sfrej in udp dport $P reject with icmp type admin-prohibited || exit 1
		$VGS "$SF" agent -c "$T/rej.conf" 2>"$T/rej.log" & a=$!
		for _ in $(seq 100); do grep -q started: "$T/rej.log" && break; sleep 0.1; done
		sleep 3
		kill -TERM $a; wait $a; echo "rc=$?" >>"$T/rej.log"'
	sent=$(ssum rej sent "$tmp/state-rej" 2>/dev/null)
	icmp=$(ssum rej icmp_errors "$tmp/state-rej" 2>/dev/null)
	check "rejected (admin-prohibited): store: icmp_errors $icmp of $sent sent (all but the last few)" \
		test "${icmp:-0}" -gt 0 -a "${icmp:-0}" -le "${sent:-0}" -a "$((${icmp:-0} + 3))" -ge "${sent:-0}"
	check "rejected: the agent exits 0" grep -q '^rc=0$' "$tmp/rej.log"
else
	skip "rejected: no nft or unshare -n here"
fi

echo "$pass passed, $fail failed, $skipped skipped"
((fail == 0))
