#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""tests/agent-http.sh's hostile clients, against agent_http_drv PID
listening on 127.0.0.1:PORT, at the same time:

- a slowloris: a request whose headers come a byte every 2 s (never idle
  for MHD's 10 s timeout), from 127.0.0.200: the time until the server
  cuts it;
- readers that do not read: NREADERS GET /metrics with a 4 KiB receive
  buffer, one every 0.25 s (so in many different seconds), from 20
  addresses 127.0.0.2-21. Each holds its answer until the idle timeout:
  the server's peak RSS over its RSS before, in /metrics pages.

Prints one JSON object: page (bytes), rss_growth_pages,
slowloris_cut_after (seconds; null: still open after 50 s).
"""
import json
import socket
import sys
import threading
import time
import urllib.request

port, pid, nreaders = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
res = {"slowloris_cut_after": None}


def rss():
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def slowloris():
    s = socket.socket()
    s.bind(("127.0.0.200", 0))
    s.connect(("127.0.0.1", port))
    t0 = time.monotonic()
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    s.settimeout(2)
    while time.monotonic() - t0 < 50:
        try:
            s.sendall(b"a")
            if s.recv(1) == b"":
                break
        except socket.timeout:
            continue
        except OSError:
            break
    else:
        s.close()
        return
    res["slowloris_cut_after"] = round(time.monotonic() - t0, 1)
    s.close()


th = threading.Thread(target=slowloris)
th.start()
page = len(urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=60).read())
res["page"] = page
time.sleep(1.2)     # the next request builds a page of its own
base = peak = rss()
readers = []
for i in range(nreaders):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.bind(("127.0.0.%d" % (2 + i % 20), 0))
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    readers.append(s)
    time.sleep(0.25)
    peak = max(peak, rss())
res["rss_growth_pages"] = round((peak - base) / page, 2)
for s in readers:
    s.close()
th.join()
print(json.dumps(res))
