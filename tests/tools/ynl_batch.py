#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""ynl_batch — many YNL requests from one process.

The kernel's YNL library (tools/net/ynl/lib, the one cli.py wraps) driven
from stdin, one request per line, one JSON line per answer on stdout (so a
shell can run it as a coprocess and pay the python start-up and the spec
loading once):

    do OP [JSON]          {"reply": ...}  or  {"error": ERRNO, "extack": {...}}
    dump OP [JSON]        {"reply": [...]}  or the error
    subscribe GROUP       {"reply": null} (on a socket of its own)
    ntf SECONDS [COUNT]   {"reply": [notifications]}: waits up to SECONDS, or
                          until COUNT notifications are queued; empties the queue

    ynl_batch.py --ynl DIR/tools/net/ynl --spec SPEC [--schema SCHEMA | --no-schema]

Run it with /usr/bin/python3 (YNL needs python3-yaml, and python3-jsonschema
to validate the spec).
"""
import argparse
import json
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ynl", required=True, help="the tools/net/ynl directory")
    ap.add_argument("--spec", required=True)
    ap.add_argument("--schema")
    ap.add_argument("--no-schema", action="store_true")
    args = ap.parse_args()

    sys.path.insert(0, args.ynl)
    from lib import YnlFamily, NlError  # noqa: E402 (path set above)

    ynl = YnlFamily(args.spec, "" if args.no_schema else args.schema)
    ntf = None  # the family that receives notifications (subscribe)

    def out(obj):
        print(json.dumps(obj, default=lambda o: o.hex() if isinstance(o, bytes) else str(o)),
              flush=True)

    for line in sys.stdin:
        words = line.strip().split(None, 2)
        if not words:
            continue
        cmd, arg = words[0], words[1] if len(words) > 1 else None
        attrs = json.loads(words[2]) if len(words) > 2 else {}
        try:
            if cmd == "do":
                out({"reply": ynl.do(arg, attrs)})
            elif cmd == "dump":
                out({"reply": ynl.dump(arg, attrs)})
            elif cmd == "subscribe":
                # ntf_subscribe() binds the socket: a fresh one, as cli.py
                # subscribes before any request
                if ntf is None:
                    ntf = YnlFamily(args.spec, "")
                ntf.ntf_subscribe(arg)
                out({"reply": None})
            elif cmd == "ntf":
                if ntf is None:
                    raise RuntimeError("ntf before subscribe")
                end = time.monotonic() + float(arg)
                want = int(words[2]) if len(words) > 2 else None
                while time.monotonic() < end:
                    ntf.check_ntf()
                    if want is not None and len(ntf.async_msg_queue) >= want:
                        break
                    time.sleep(0.05)
                ntf.check_ntf()
                out({"reply": ntf.async_msg_queue})
                ntf.async_msg_queue = []
            else:
                out({"error": "unknown command " + cmd})
        except NlError as e:
            out({"error": e.error, "extack": e.nl_msg.extack or {}})
        except Exception as e:  # a test must see it, not a dead coprocess
            out({"error": f"{type(e).__name__}: {e}"})


if __name__ == "__main__":
    main()
