#!/bin/bash
# timeout: 900
# Benchmark (#11): one `snapfire agent` probing 1 000 targets at 1 probe/s
# each. Two namespaces, sender and reflector (topo_pair), the module's
# in-kernel reflector on in the reflector (its per-source rate limit off:
# the default, 1 000 replies/s a source, is exactly this load, and the
# bench measures the agent, not the limiter), which holds 1 000 addresses
# of 198.18.0.0/22 (RFC 2544's benchmark range): 1 000 targets, one STAMP
# session and one UDP socket each, at interval 1 s; no JSON Lines. The
# agent runs from second ~0 of a minute M0 until the minute M0+2 is
# stored, so the measured period [the store of M0 written, the store of
# M0+2 written] holds two full minutes of probing and two of the store's
# minute jobs. Measured over that period:
#   - the agent's CPU share: utime + stime of the process (all its
#     threads, /proc/PID/stat) over the wall time, 100 % = one CPU;
#   - its memory: VmRSS and VmHWM at the end (/proc/PID/status);
#   - the kernel's: the module's accounted memory (snapfire -j status:
#     mem_bytes in both namespaces and the flows, global_mem_bytes from the
#     host's namespace, the only one given it), and
#     the growth of the VM's Slab and the fall of its MemAvailable from
#     before the agent started (sockets, the agent, the store's tmpfs);
#   - the history: the bytes the store's files grew by over the two full
#     minutes, per target and minute, times 1 440 for a day (the day
#     files' 16-byte headers, written once a day, are not in it); the store
#     lives on the VM's tmpfs (fdatasync costs nothing there);
#   - that the probes were answered: sent, received and lost summed over
#     the targets from /metrics, the targets up, and the wire's view
#     (the reflector's interface counters);
#   - /metrics' size and how long one read takes (186 series a target);
#   - the up/down transitions the agent logged: in the measured period and
#     from the /metrics read on (the page is formatted under the lock the
#     session thread takes at every send and reply).
# Writes agent-1000.txt (the report) and the raw readings to
# $SF_BENCH_OUT. Fails only if a step fails; the numbers are reported,
# not judged: under TCG the VM may not keep up with 1 000 probes/s, and
# the loss says so.
# shellcheck source=tests/lib/topo.sh
. "$(dirname "$0")/../lib/topo.sh"

BOUT=${SF_BENCH_OUT:-/tmp}
N=1000
HPORT=9862
TMPD=$(mktemp -d /tmp/agent-1000.XXXXXX)
on_exit "rm -rf $TMPD"
STATE=$TMPD/state
SENDER=sender
REFLECTOR=refl

sf_load || bail "insmod snapfire.ko failed"
TOPO_A=$SENDER TOPO_B=$REFLECTOR
topo_pair || bail "topology"
ok "reflector on, rate limit off" sf -n "$REFLECTOR" reflect on rate 0

# the targets: 198.18.0.1 .. (N addresses), /32s on the reflector's eth0,
# routed from the sender through the reflector's 192.0.2.2
addr_of() { echo "198.18.$((($1 + 1) / 256)).$((($1 + 1) % 256))"; }
for ((i = 0; i < N; i++)); do
	echo "address add $(addr_of "$i")/32 dev eth0"
done >"$TMPD/addrs.batch"
ok "reflector: $N addresses in 198.18.0.0/22" ip -n "$REFLECTOR" -batch "$TMPD/addrs.batch"
ok "sender: 198.18.0.0/22 via the reflector" topo_route "$SENDER" 198.18.0.0/22 "$TOPO_B_IP4"
ok "the last target answers ping" topo_ping "$SENDER" "$(addr_of $((N - 1)))" 1

{
	echo "# tests/bench/30-agent-1000.sh"
	echo "listen: 127.0.0.1:$HPORT"
	echo "state-dir: $STATE"
	echo "retention-days: 2"
	echo "defaults: { port: 862, interval: 1 }"
	echo "targets:"
	for ((i = 0; i < N; i++)); do
		echo "  - { name: t$i, address: $(addr_of "$i") }"
	done
} >"$TMPD/agent.conf"
ok "the configuration checks ($N targets)" "$SF_CLI" agent --check -c "$TMPD/agent.conf"

get() { # PATH OUT: curl in the sender's namespace; prints the HTTP status
	ip netns exec "$SENDER" curl -s --max-time 60 -o "$2" -w '%{http_code}' \
		"http://127.0.0.1:$HPORT$1"
}
last_write() { # the epoch second of /healthz's last store write, or 0
	local t
	[[ $(get /healthz "$TMPD/healthz") == 200 ]] || { echo 0; return; }
	t=$(sed -n 's/.*"last_store_write": "\([^"]*\)".*/\1/p' "$TMPD/healthz")
	[[ -n $t ]] && date -u -d "$t" +%s || echo 0
}
# stored_after EPOCH TIMEOUT: until the last store write is at EPOCH or
# later, asking once a second (curl in a loop would load the VM)
stored_after() {
	local end=$((SECONDS + $2))
	while (($(last_write) < $1)); do
		((SECONDS >= end)) && return 1
		sleep 1
	done
}
# cpu PID: utime + stime (clock ticks), then the wall time (ns)
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; date +%s%N; }
store_bytes() { find "$STATE" -type f -printf '%s\n' 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'; }
kstat() { # NS TAG: the module's status in NS, saved
	"$SF_CLI" -n "$1" -j status >"$BOUT/agent-1000-status-$2.json"
}
meminfo() { awk '$1 == "Slab:" { s = $2 } $1 == "MemAvailable:" { a = $2 } END { print s, a }' /proc/meminfo; }

# start at second 0..4 of a minute M0: M0 is then nearly whole, and the
# store of M0 (at M0+1) opens the measured period
s=$(($(date +%s) % 60))
((s > 4)) && sleep $((60 - s))
read -r SLAB0 AVAIL0 < <(meminfo)
ip netns exec "$SENDER" "$SF_CLI" agent -c "$TMPD/agent.conf" >"$TMPD/agent.out" 2>"$TMPD/agent.log" &
APID=$!
on_exit "kill -TERM $APID 2>/dev/null; wait $APID 2>/dev/null"
ok "the agent starts ($N targets)" wait_for 60 grep -q "started: $TMPD/agent.conf, $N targets" "$TMPD/agent.log"
T_START=$(date +%s)
M0=$((T_START / 60))
B1=$(((M0 + 1) * 60))
B3=$(((M0 + 3) * 60))
diag "agent (pid $APID, $(cat "/proc/$APID/comm")) started at $(date -u -d "@$T_START" +%T) UTC; measured from the store of minute $(date -u -d "@$((M0 * 60))" +%R) to that of $(date -u -d "@$((B3 - 60))" +%R)"
diag "its open-file limit: $(awk '/^Max open files/ { print $4 " soft, " $5 " hard" }' "/proc/$APID/limits")"

# the period's start: M0 stored
w=$((B1 + 1 - $(date +%s)))
((w > 0)) && sleep "$w"
ok "the minute M0 stored (/healthz)" stored_after "$B1" 120
read -r CPU1 W1 < <(cpu "$APID" | paste -sd' ')
T1=$(last_write)
S1=$(store_bytes)
ip -n "$REFLECTOR" -s -j link show eth0 >"$BOUT/agent-1000-refl-link-1.json"

# the period's end: M0+2 stored
w=$((B3 + 1 - $(date +%s)))
((w > 0)) && sleep "$w"
ok "the minute M0+2 stored (/healthz)" stored_after "$B3" 240
read -r CPU2 W2 < <(cpu "$APID" | paste -sd' ')
T2=$(last_write)
S2=$(store_bytes)
ip -n "$REFLECTOR" -s -j link show eth0 >"$BOUT/agent-1000-refl-link-2.json"
grep -E '^(VmRSS|VmHWM|Threads):' "/proc/$APID/status" >"$TMPD/vm"
read -r SLAB1 AVAIL1 < <(meminfo)
ok "sender status (JSON) saved" kstat "$SENDER" sender
ok "reflector status (JSON) saved" kstat "$REFLECTOR" refl
# the sums over every namespace: the host's namespace's status has them
ok "the host namespace's status (JSON, all namespaces) saved" \
	sh -c "'$SF_CLI' -j status >'$BOUT/agent-1000-status-host.json'"
FD=$(find "/proc/$APID/fd" -mindepth 1 | wc -l)

TA=$(date +%s%N)
code=$(get /metrics "$BOUT/agent-1000-metrics.prom")
TB=$(date +%s%N)
assert_eq "/metrics: 200" 200 "$code"
assert_eq "/healthz: ok, $N targets" "ok $N" \
	"$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["status"], d["targets"])' "$TMPD/healthz")"

kill -TERM "$APID"
wait "$APID"
assert_eq "SIGTERM: the agent exits 0" 0 "$?"
cp "$TMPD/agent.log" "$BOUT/agent-1000-agent.log"

report() {
	python3 - "$BOUT" "$N" "$CPU1" "$W1" "$CPU2" "$W2" "$S1" "$S2" "$T1" "$T2" \
		"$(getconf CLK_TCK)" "$TMPD/vm" "$SLAB0" "$AVAIL0" "$SLAB1" "$AVAIL1" \
		"$(((TB - TA) / 1000000))" "$FD" "$(nproc)" "$STATE" "$TA" "$B1" "$B3" <<'PY'
import calendar, glob, json, os, re, sys, time

(out, n, cpu1, w1, cpu2, w2, s1, s2, t1, t2, hz, vmf, slab0, avail0, slab1, avail1,
 mms, nfd, ncpu, state, ta, b1, b3) = sys.argv[1:]
n, cpu1, cpu2, s1, s2, t1, t2, hz = map(int, (n, cpu1, cpu2, s1, s2, t1, t2, hz))
w1, w2 = int(w1), int(w2)
wall = (w2 - w1) / 1e9
cpu_s = (cpu2 - cpu1) / hz
vm = dict(l.split(":", 1) for l in open(vmf))
kb = lambda k: int(vm[k].split()[0])

# /metrics: the sums over the targets
tot = {"sent": 0, "received": 0, "lost": 0}
up = series = 0
body = open(os.path.join(out, "agent-1000-metrics.prom")).read()
for line in body.splitlines():
    if not line or line[0] == "#":
        continue
    series += 1
    m = re.match(r'snapfire_target_(sent|received|lost)_total\{.*\} (\S+)$', line)
    if m:
        tot[m.group(1)] += int(float(m.group(2)))
    m = re.match(r'snapfire_target_up\{.*\} (\S+)$', line)
    if m:
        up += int(float(m.group(1)))

def st(tag):
    return json.load(open(os.path.join(out, "agent-1000-status-%s.json" % tag)))
snd, rfl, host = st("sender"), st("refl"), st("host")

def rx_tx(i):
    d = json.load(open(os.path.join(out, "agent-1000-refl-link-%d.json" % i)))[0]["stats64"]
    return d["rx"]["packets"], d["tx"]["packets"]
(r1, x1), (r2, x2) = rx_tx(1), rx_tx(2)
minutes = (t2 - t1) / 60.0
# the store's minute jobs between the two reads: (t2 - t1) / 60 of them
nmin = round(minutes)
grew = s2 - s1
per_tm = grew / nmin / n if nmin else 0
files = glob.glob(os.path.join(state, "*", "*", "*.sfh"))
p = print
p("agent-1000: %d targets at 1 probe/s, %d s measured (%d full minutes stored), VM %s CPUs (TCG)" % (n, wall, nmin, ncpu))
p("agent-1000: agent CPU     %.1f s in %.1f s = %.1f %% of one CPU (utime+stime, all threads)" % (cpu_s, wall, 100 * cpu_s / wall))
p("agent-1000: agent memory  VmRSS %d KiB, VmHWM %d KiB, %s threads, %s open files" % (kb("VmRSS"), kb("VmHWM"), vm["Threads"].strip(), nfd))
p("agent-1000: kernel, module accounted: sender %d flows %d B (%.0f B/flow), reflector %d flows %d B (%.0f B/flow), all namespaces %d B"
  % (snd["flows"], snd["mem_bytes"], snd["mem_bytes"] / max(snd["flows"], 1),
     rfl["flows"], rfl["mem_bytes"], rfl["mem_bytes"] / max(rfl["flows"], 1),
     host["global_mem_bytes"]))
p("agent-1000: kernel, VM-wide from before the agent: Slab %+d KiB, MemAvailable %+d KiB"
  % (int(slab1) - int(slab0), int(avail1) - int(avail0)))
p("agent-1000: history       +%d B over %d full minute(s) = %.0f B per target-minute x 1440 = %.0f KiB per target per day (%.0f MiB a day for %d); at the end %d day files, %d B"
  % (grew, nmin, per_tm, per_tm * 1440 / 1024, per_tm * 1440 * n / 2**20, n, len(files), s2))
p("agent-1000: store         the minute M0 written %d s after it ended, M0+2 %d s after (/healthz's last_store_write)"
  % (t1 - int(b1), t2 - int(b3)))
p("agent-1000: probes (/metrics, since start) sent %d, received %d, lost %d (%.2f %%), %d of %d targets up"
  % (tot["sent"], tot["received"], tot["lost"], 100.0 * tot["lost"] / max(tot["sent"], 1), up, n))
p("agent-1000: wire (reflector eth0, measured period) %d in, %d out = %.0f/s in, %.0f/s out (scheduled: %d/s)"
  % (r2 - r1, x2 - x1, (r2 - r1) / wall, (x2 - x1) / wall, n))
p("agent-1000: /metrics      %d series, %d bytes, read in %s ms" % (series, len(body), mms))
# the agent's up/down transitions: in the measured period, and from the
# /metrics read on (the page is formatted under the agent's lock)
ev = {"in": 0, "read": 0, "recovered": 0}
for line in open(os.path.join(out, "agent-1000-agent.log")):
    m = re.match(r'(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{3})Z snapfire agent: target_(unreachable|recovered):', line)
    if not m:
        continue
    t = calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")) + int(m.group(2)) / 1e3
    if m.group(3) == "recovered":
        ev["recovered"] += 1
    elif int(w1) / 1e9 <= t <= int(w2) / 1e9:
        ev["in"] += 1
    elif t >= int(ta) / 1e9:
        ev["read"] += 1
p("agent-1000: up/down       target_unreachable %d in the measured period, %d from the /metrics read on; target_recovered %d in all"
  % (ev["in"], ev["read"], ev["recovered"]))
PY
}
if rep=$(report 2>&1); then
	echo "$rep" >"$BOUT/agent-1000.txt"
	diag "$rep"
	ok "report written to agent-1000.txt"
else
	not_ok "report written to agent-1000.txt" "$rep"
fi
done_testing
