#!/bin/bash
# snapfire tcp against a TCP connection over loopback made here, on the host
# (sock_diag; no module needed, so no STAMP part). The truth is the
# connection itself: its two ends, each seen once, ESTABLISHED, with the
# kernel's RTTs; the filters keep or drop it. Prints ok/not ok lines and
# "N passed, N failed".
set -u
# shellcheck source=cli/tests/lib.sh
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
pid=""
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

# a listener on a free port, one connection to it, 20 request/replies, then
# both ends held open until killed; prints "PORT CLIENTPORT" when ready
"$py" - >"$tmp/conn" 2>&1 <<'PY' &
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
c = socket.create_connection(s.getsockname())
a, _ = s.accept()
for _ in range(20):
    c.sendall(b"q" * 1000)
    a.recv(4096)
    a.sendall(b"r" * 10)
    c.recv(4096)
    time.sleep(0.005)
print(s.getsockname()[1], c.getsockname()[1], flush=True)
time.sleep(120)
PY
pid=$!
for _ in $(seq 100); do [[ -s $tmp/conn ]] && break; sleep 0.1; done
read -r port cport <"$tmp/conn"
check "a loopback connection made (port ${port:-?})" test -n "${cport:-}"

jget() { "$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {"d": d}))' "$@"; }

"${VG[@]}" "$sf" -j tcp --port "$port" >"$tmp/t.json" 2>"$tmp/t.err"
check "tcp -j --port exits 0 (valgrind-clean)" test $? = 0
check "both ends of it, once each" test "$(jget "$tmp/t.json" 'd["count"], len(d["connections"])')" = "(2, 2)"
check "the two ends mirror each other" test "$(jget "$tmp/t.json" \
	"sorted((x['local'], x['remote']) for x in d['connections']) == sorted([('127.0.0.1:$cport', '127.0.0.1:$port'), ('127.0.0.1:$port', '127.0.0.1:$cport')])")" = True
check "both ESTAB" test "$(jget "$tmp/t.json" 'sorted(set(x["state"] for x in d["connections"]))')" = "['ESTAB']"
check "the kernel's RTTs: 0 < min_rtt <= srtt on both ends" test "$(jget "$tmp/t.json" \
	'all(0 < x["min_rtt_ns"] <= x["srtt_ns"] for x in d["connections"])')" = True
check "no retransmission on loopback" test "$(jget "$tmp/t.json" \
	'sum(x["total_retrans"] for x in d["connections"])')" = 0
check "the srtt histogram counts both" test "$(jget "$tmp/t.json" 'sum(b["count"] for b in d["srtt_histogram"])')" = 2
check "each srtt in its bucket" test "$(jget "$tmp/t.json" \
	'all(sum(1 for b in d["srtt_histogram"] if b["low_ns"] <= x["srtt_ns"] < b["high_ns"] and b["count"]) == 1 for x in d["connections"])')" = True

"$sf" tcp --port "$port" >"$tmp/t.txt" 2>&1
check "text: two ESTAB lines with srtt and min_rtt" test "$(grep -c "^ESTAB .* srtt .* min_rtt " "$tmp/t.txt")" = 2
if [[ ! -e /sys/module/snapfire ]]; then
	check "text: says there is no STAMP data (no module loaded here)" grep -q "no STAMP data (the module is not loaded)" "$tmp/t.txt"
else
	check "text: no 'module not loaded' note (it is loaded here)" bash -c "! grep -q 'module is not loaded' '$tmp/t.txt'"
fi
check "--peer 127.0.0.0/8 keeps it" test "$("$sf" -j tcp --port "$port" --peer 127.0.0.0/8 | jget /dev/stdin 'd["count"]')" = 2
check "--peer 127.0.0.0/9 (a prefix not on a byte) keeps it" test "$("$sf" -j tcp --port "$port" --peer 127.0.0.0/9 | jget /dev/stdin 'd["count"]')" = 2
check "--peer 127.128.0.0/9 drops it" test "$("$sf" -j tcp --port "$port" --peer 127.128.0.0/9 | jget /dev/stdin 'd["count"]')" = 0
check "--peer 10.0.0.0/8 drops it" test "$("$sf" -j tcp --port "$port" --peer 10.0.0.0/8 | jget /dev/stdin 'd["count"]')" = 0
check "--peer ::1 (another family) drops it" test "$("$sf" -j tcp --port "$port" --peer ::1 | jget /dev/stdin 'd["count"]')" = 0
# a dual-stack socket to an IPv4 peer (::ffff:127.0.0.1): an IPv4 connection
"$py" - >"$tmp/conn6" 2>&1 <<'PY' &
import socket, time
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 0))
s.listen()
c = socket.socket(socket.AF_INET6)
c.connect(("::ffff:127.0.0.1", s.getsockname()[1]))
a, _ = s.accept()
c.sendall(b"q"); a.recv(10); a.sendall(b"r"); c.recv(10)
print(s.getsockname()[1], flush=True)
time.sleep(120)
PY
pid6=$!
for _ in $(seq 100); do [[ -s $tmp/conn6 ]] && break; sleep 0.1; done
read -r port6 <"$tmp/conn6"
"$sf" -j tcp --port "${port6:-1}" --peer 127.0.0.1 >"$tmp/t6.json" 2>&1
check "a v4-mapped (dual-stack) connection is IPv4: --peer 127.0.0.1 finds both ends" \
	test "$(jget "$tmp/t6.json" 'd["count"], sorted(set(x["remote"].split(":")[0] for x in d["connections"]))')" = "(2, ['127.0.0.1'])"
kill "$pid6" 2>/dev/null

"$sf" tcp --peer nonsense >/dev/null 2>&1
check "--peer nonsense: usage error (exit 2)" test $? = 2
"$sf" tcp --port 70000 >/dev/null 2>&1
check "--port 70000: usage error (exit 2)" test $? = 2

echo "$pass passed, $fail failed, $skipped skipped"
((fail == 0))
