# SPDX-License-Identifier: GPL-2.0
"""tests/agent-http.sh's connection-limit checks: what both need.

refused(s): the server refused connection s. Asked for /healthz, it
answers nothing and closes or resets: an accepted idle connection would
time out unanswered as well, so a timeout is not a refusal.

served(port, tries): a request on a new connection is answered 200,
within tries attempts 0.1 s apart (the server forgets closed connections
on its next turn).
"""
import time
import urllib.request


def refused(s, timeout=5):
    s.settimeout(timeout)
    try:
        s.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
        return not s.recv(5).startswith(b"HTTP/")
    except (ConnectionResetError, BrokenPipeError):
        return True
    except Exception:
        return False


def served(port, tries):
    url = "http://127.0.0.1:%d/healthz" % port
    for _ in range(tries):
        try:
            return urllib.request.urlopen(url, timeout=20).status == 200
        except OSError:
            time.sleep(0.1)
    return False
