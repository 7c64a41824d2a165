#!/bin/bash
# snapfire probe against tests/lib/stamp_reflector.py over loopback, on the
# host (no module needed). Prints ok/not ok lines and "N passed, N failed".
set -u
# shellcheck source=cli/tests/lib.sh
. "$(dirname "$0")/lib.sh"
port=${PORT:-18620}

tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT

start_reflector() { # out args...
	local out=$1; shift
	"$py" "$top/tests/lib/stamp_reflector.py" "$@" >"$out" 2>&1 &
	pids+=($!)
	for _ in $(seq 50); do grep -q ready "$out" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}

jget() { "$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {"d": d}))' "$@"; }

check "reflector on 127.0.0.1:$port" start_reflector "$tmp/r4" -p "$port" -b 127.0.0.1
"${VG[@]}" "$sf" -j probe 127.0.0.1 -p "$port" -c 10 -i 0.02 -s 128 >"$tmp/p4.json" 2>"$tmp/p4.err"
rc=$?
check "probe -j exits 0 (valgrind-clean)" test "$rc" = 0
check "sent == received == 10" test "$(jget "$tmp/p4.json" 'd["sent"], d["received"]')" = "(10, 10)"
check "loss 0" test "$(jget "$tmp/p4.json" 'd["lost"], d["loss_pct"]')" = "(0, 0)"
check "rtt fields present and > 0" test "$(jget "$tmp/p4.json" 'all(d["rtt"][k] > 0 for k in ("count","min_ns","mean_ns","p50_ns","p90_ns","p99_ns","p999_ns","max_ns"))')" = True
check "min <= p50 <= p99 <= max" test "$(jget "$tmp/p4.json" 'd["rtt"]["min_ns"] <= d["rtt"]["p50_ns"] <= d["rtt"]["p99_ns"] <= d["rtt"]["max_ns"]')" = True
check "dest/port echoed" test "$(jget "$tmp/p4.json" 'd["dest"], d["port"]')" = "('127.0.0.1', $port)"

"$sf" probe 127.0.0.1 -p "$port" -c 3 -i 0.02 --ssid 4242 >"$tmp/p4.txt" 2>&1
check "text mode: ping-like lines (64 bytes: base + Follow-Up Telemetry TLV)" grep -q "^64 bytes from 127.0.0.1: seq=2 ttl=64 rtt=" "$tmp/p4.txt"
check "text mode: summary" grep -q "3 sent, 3 received, 0.0% loss" "$tmp/p4.txt"
check "text mode: ssid 4242" grep -q "ssid 4242" "$tmp/p4.txt"
check "text mode: a reflector that flags the TLV U: far host queue counted as network" \
	grep -q "reported no Follow-Up Telemetry: its egress queue counts as network" "$tmp/p4.txt"
check "JSON: far_egress_reported false, no far_tx_stage" \
	test "$(jget "$tmp/p4.json" 'd["far_egress_reported"], "far_tx_stage" in d')" = "(False, False)"
"$sf" probe 127.0.0.1 -p "$port" -c 2 -i 0.02 --no-follow-up >"$tmp/p4n.txt" 2>&1
check "--no-follow-up: 44-byte probes, nothing said of Follow-Up" \
	sh -c "grep -q '^44 bytes from 127.0.0.1: seq=1' '$tmp/p4n.txt' && ! grep -q Follow-Up '$tmp/p4n.txt'"

# Nothing listening: every probe draws an ICMP port unreachable (not rate
# limited on loopback). The send() that reports an earlier one's sends
# nothing; the probe is made again, so all 10 leave and each is answered
# by one ICMP error, counted once whether recvmsg() or send() reports it.
closed=$((port + 7))
"$sf" -j probe 127.0.0.1 -p $closed -c 10 -i 0.02 >"$tmp/pc.json" 2>"$tmp/pc.err"
check "closed port: 10 sent, 0 received, 10 ICMP port unreachable" \
	test "$(jget "$tmp/pc.json" 'd["sent"], d["received"], d["port_unreachable"]')" = "(10, 0, 10)"
"$sf" probe 127.0.0.1 -p $closed -c 3 -i 0.02 >"$tmp/pc.txt" 2>&1
check "closed port: the text says nothing answers STAMP there, and what to do" \
	grep -q "^3 ICMP port unreachable: nothing answers STAMP on port $closed at 127.0.0.1 (on a snapfire host: snapfire reflect on)" "$tmp/pc.txt"

# A reflector that answers Follow-Up Telemetry with a planted egress delay
# of 3 ms after each reply's T3: the CLI must find exactly that (to the
# NTP format's rounding), for every reply but the first.
check "reflector on 127.0.0.1:$((port + 2)), Follow-Up lag 3 ms" start_reflector "$tmp/rf" -p $((port + 2)) -b 127.0.0.1 --followup-lag 3
"${VG[@]}" "$sf" -j probe 127.0.0.1 -p $((port + 2)) -c 10 -i 0.02 >"$tmp/pf.json" 2>"$tmp/pf.err"
check "Follow-Up: probe -j exits 0 (valgrind-clean)" test $? = 0
check "Follow-Up: reported, 9 samples (every reply but the first)" \
	test "$(jget "$tmp/pf.json" 'd["far_egress_reported"], d["far_tx_stage"]["count"]')" = "(True, 9)"
check "Follow-Up: min and max are the planted 3 ms (+-2 ns)" \
	test "$(jget "$tmp/pf.json" 'all(abs(d["far_tx_stage"][k] - 3000000) <= 2 for k in ("min_ns", "max_ns"))')" = True
"$sf" probe 127.0.0.1 -p $((port + 2)) -c 3 -i 0.02 >"$tmp/pf.txt" 2>&1
check "Follow-Up: text summary" grep -q "^far host egress p50/p99 = 3.00/3.00 ms" "$tmp/pf.txt"

# A reflector echoing a T1 of 0 in every 3rd reply (1900 in NTP, 57
# years before this session): that reply is not one of ours. Trusted, its
# round trip of 57 years made the wait for stragglers after the last probe
# (2 x the largest RTT) as long, and a lost probe (every 4th dropped) left
# it waiting. It must be counted implausible, not received, and the run
# must end (a timeout of 60 s stands in for "never").
check "reflector on 127.0.0.1:$((port + 3)): every 3rd reply a T1 of 0, every 4th probe dropped" \
	start_reflector "$tmp/rz" -p $((port + 3)) -b 127.0.0.1 --zero-t1-every 3 --drop-every 4
timeout 60 "${VG[@]}" "$sf" -j probe 127.0.0.1 -p $((port + 3)) -c 8 -i 0.02 >"$tmp/pz.json" 2>"$tmp/pz.err"
check "forged T1: probe ends and exits 0 (valgrind-clean)" test $? = 0
check "forged T1: 8 sent, 2 dropped, 2 implausible, 4 received" \
	test "$(jget "$tmp/pz.json" 'd["sent"], d["implausible"], d["received"]')" = "(8, 2, 4)"
check "forged T1: no round trip above a second" \
	test "$(jget "$tmp/pz.json" 'd["rtt"]["max_ns"] < 1000000000')" = True
"$sf" probe 127.0.0.1 -p $((port + 3)) -c 3 -i 0.02 --no-follow-up >"$tmp/pz.txt" 2>&1
check "forged T1: the text says so" grep -q "^1 replies with timestamps that cannot be (forged or broken): a T1 their probe did not carry (ignored)" "$tmp/pz.txt"

# A reflector sending a T2 of 0 in every 3rd reply: its turnaround (T3 -
# 0) was larger than the round trip, which came out as 0 (clamped), and a
# round trip of 0 said "the network adds nothing". Received, implausible,
# no round trip: every round trip recorded is above 0.
check "reflector on 127.0.0.1:$((port + 8)): every 3rd reply a T2 of 0" \
	start_reflector "$tmp/rt2" -p $((port + 8)) -b 127.0.0.1 --zero-t2-every 3
"${VG[@]}" "$sf" -j probe 127.0.0.1 -p $((port + 8)) -c 9 -i 0.02 >"$tmp/pt2.json" 2>"$tmp/pt2.err"
check "no T2: probe exits 0 (valgrind-clean)" test $? = 0
check "no T2: 9 sent, 9 received, 3 implausible" \
	test "$(jget "$tmp/pt2.json" 'd["sent"], d["received"], d["implausible"]')" = "(9, 9, 3)"
check "no T2: no round trip of 0 (min above 0)" \
	test "$(jget "$tmp/pt2.json" 'd["rtt"]["count"] == 6 and d["rtt"]["min_ns"] > 0')" = True

# Probes a firewall rejects (nft: admin-prohibited, which the socket
# reports as EHOSTUNREACH at its next recvmsg or send): counted and named,
# where they were read and dropped unsaid and the run looked like plain
# loss. A namespace of its own, as root, with nft.
if ((EUID == 0)) && command -v nft >/dev/null && command -v unshare >/dev/null &&
	unshare -n true 2>/dev/null; then
	unshare -n sh -c "ip link set lo up &&
		nft add table inet sfrej && nft add chain inet sfrej in '{ type filter hook input priority 0; }' &&
		nft add rule inet sfrej in udp dport $((port + 9)) reject with icmp type admin-prohibited &&
		'$sf' -j probe 127.0.0.1 -p $((port + 9)) -c 5 -i 0.05 >'$tmp/prej.json' 2>/dev/null;
		'$sf' probe 127.0.0.1 -p $((port + 9)) -c 2 -i 0.05 >'$tmp/prej.txt' 2>&1; true"
	check "rejected (admin-prohibited): 5 sent, none received, $(jget "$tmp/prej.json" 'd.get("icmp_errors")') ICMP errors, the last '$(jget "$tmp/prej.json" 'd.get("icmp_error")')'" \
		test "$(jget "$tmp/prej.json" 'd["sent"], d["received"], d["icmp_errors"] >= 4, d["icmp_error"]')" = "(5, 0, True, 'No route to host')"
	check "rejected: the text says so" grep -q "ICMP errors (the last: No route to host): the path or a firewall refuses the probes" "$tmp/prej.txt"
else
	skip "ICMP errors: needs root, nft and unshare -n"
	skip "ICMP errors: text"
fi

check "reflector on [::1]:$((port + 1)) dropping every 5th" start_reflector "$tmp/r6" -6 -p $((port + 1)) -b ::1 --drop-every 5
"$sf" -j probe ::1 -6 -p $((port + 1)) -c 10 -i 0.01 >"$tmp/p6.json" 2>&1
check "IPv6: 10 sent, 8 received, 20% loss" test "$(jget "$tmp/p6.json" 'd["sent"], d["received"], d["loss_pct"]')" = "(10, 8, 20)"

start=$(date +%s%N)
"$sf" -j probe 127.0.0.1 -p "$port" -i 0.1 -w 1 >"$tmp/pw.json" 2>&1
el=$(( ($(date +%s%N) - start) / 1000000 ))
# (a slot more than an interval late, on a loaded host, is skipped)
check "-w 1 -i 0.1 sends 10 probes, 8 at least ($(jget "$tmp/pw.json" 'd["sent"]'))" \
	test "$(jget "$tmp/pw.json" '8 <= d["sent"] <= 10')" = True
check "-w 1 ends within 2.5 s (${el} ms)" test "$el" -lt 2500

# A sender behind its schedule (stopped, as a starved process on a busy
# host is): SIGSTOP for 3 s at -i 0.001 leaves 3 000 slots missed. Ctrl-C
# right after it runs again must end it at once (it used to send all 3 000
# first, Ctrl-C held back, no reply read: Ctrl-C is let in only while it
# waits, and a late sender never waited); and a sender that resumes must
# not make the missed slots up in a burst. The reflector prints each
# probe's Sender Timestamp (T1): when it was sent.
t1s() { grep -c '^t1 ' "$1"; }
gone() { ! kill -0 "$1" 2>/dev/null; }
waitgone() { for _ in $(seq 100); do gone "$1" && return 0; sleep 0.1; done; return 1; }
check "reflector on 127.0.0.1:$((port + 4)), logging T1" start_reflector "$tmp/rs" -p $((port + 4)) -b 127.0.0.1 --log-t1
"$sf" -j probe 127.0.0.1 -p $((port + 4)) -i 0.001 >"$tmp/ps.json" 2>&1 &
bg=$!
sleep 0.5
kill -STOP "$bg"
sleep 0.3
before=$(t1s "$tmp/rs")
sleep 2.7
kill -CONT "$bg"
kill -INT "$bg"
check "stopped 3 s at -i 0.001, resumed, Ctrl-C: it ends" waitgone "$bg"
wait "$bg" 2>/dev/null
sleep 0.3
after=$(t1s "$tmp/rs")
# (it runs between the two kills: a probe per millisecond they are apart,
# one at once for the schedule restarted; the bug sent the 3 000)
check "Ctrl-C 3 000 slots behind: it stops, no catching up ($((after - before)) sent after the stop, at most 20)" \
	test $((after - before)) -le 20
check "  and the summary counts what was sent ($after)" \
	test "$(jget "$tmp/ps.json" 'd["sent"]')" = "$after"
n0=$(wc -l <"$tmp/rs")
"$sf" -j probe 127.0.0.1 -p $((port + 4)) -i 0.01 >"$tmp/pb.json" 2>&1 &
bg=$!
sleep 0.5
kill -STOP "$bg"
sleep 1
kill -CONT "$bg"
sleep 0.5
kill -INT "$bg"
waitgone "$bg"
wait "$bg" 2>/dev/null
sleep 0.3
tail -n +$((n0 + 1)) "$tmp/rs" >"$tmp/rs2"
# T1 >= the probe's slot, so two probes at most fall in any half
# interval (one late, the next on time); the missed slots sent at once
# would put 100 there
check "stopped 1 s at -i 0.01, resumed: no burst (at most 2 probes in any 5 ms, saw $(t1_max_in "$tmp/rs2" 5000000))" \
	test "$(t1_max_in "$tmp/rs2" 5000000)" -le 2
# ... of probes that were sent: the stop is a gap of 0.8 s or more in T1,
# with probes before it and after the resume (0.5 s each at 10 ms: ~50)
read -r gap before_gap after_gap < <(awk '$1 == "t1" { t[n++] = $3 } END { g = 0; k = 0
	for (i = 1; i < n; i++) if (t[i] - t[i - 1] > g) { g = t[i] - t[i - 1]; k = i }
	print g, k, n - k }' "$tmp/rs2")
check "  the stop seen in T1 (largest gap ${gap:-?} ns, >= 0.8 s), $before_gap probes before it, $after_gap after (>= 10 each)" \
	test "${gap:-0}" -ge 800000000 -a "${before_gap:-0}" -ge 10 -a "${after_gap:-0}" -ge 10

# stdout a pipe whose reader does not read (a pager not scrolled): a
# reply's line waits in write(). Ctrl-C there stops the probes (it stayed
# pending behind the write for as long as the reader slept), and a second
# gives up the summary, which cannot be written either.
mkfifo "$tmp/out"
exec 8<>"$tmp/out"	# the reader: this shell, which never reads
"$sf" probe 127.0.0.1 -p $((port + 4)) -i 0.0005 >"$tmp/out" 2>/dev/null &
bg=$!
sleep 2	# 64 KiB of lines: full after some 1 200 replies, 0.6 s
kill -INT "$bg"
sleep 0.3
kill -INT "$bg"
check "stdout a pipe nobody reads: Ctrl-C, twice, ends it" waitgone "$bg"
kill -KILL "$bg" 2>/dev/null
wait "$bg" 2>/dev/null
exec 8<&-

"$sf" probe 127.0.0.1 -p 1 -c 1 -i 0.01 -q >/dev/null 2>&1
check "no reflector: exit 1" test $? = 1
"$sf" probe 127.0.0.1 -s 46 >/dev/null 2>&1
check "-s 46 is a usage error (exit 2)" test $? = 2
"$sf" probe 127.0.0.1 -s 50 >"$tmp/s50" 2>&1
check "-s 50 (no room for Follow-Up + padding) is a usage error naming --no-follow-up" \
	sh -c "test $? = 2 && grep -q -- --no-follow-up '$tmp/s50'"
"$sf" probe >/dev/null 2>&1
check "no destination: exit 2" test $? = 2

echo "$pass passed, $fail failed, $skipped skipped"
[ "$fail" = 0 ]
