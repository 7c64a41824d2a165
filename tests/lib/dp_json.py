#!/usr/bin/python3
"""dp_json.py FILE [--flow KEY=VALUE ...] [--last] PATH...|--count

Query a JSON document written by the snapfire CLI (`-j flows`, `-j probe`,
`-j status`, `-j config`) or by the tests/lib/dp_*.py helpers.

  PATH     (one per output line) dotted path; list elements by index (replies.0.seq); a last
           component `#` prints the length (flows.#).
  --flow   select one element of "flows" whose KEY equals VALUE (string
           compare, e.g. role=sender family=inet6 remote_port=862); PATH is
           then relative to that flow.  More than one match is an error
           unless --last (the one with the highest id) is given.
  --count  with --flow: print how many flows match (0 is fine).
  --serve  (no FILE) a server for tests/lib/dp.sh: one request a line on
           stdin, "ID<TAB>FILE<TAB>OUT<TAB>HEAD": writes HEAD and FILE's
           --flat form to OUT, answers "ID ok" or "ID error MSG" (one
           python start per test instead of one per file).
  --flat   print every node as PATH<TAB>VALUE, one per line (lists and
           objects also as PATH.#<TAB>length and PATH<TAB>JSON; newlines
           and backslashes in strings escaped as \\n and \\\\): what
           tests/lib/dp.sh's dp_get reads with awk, one python start per
           file instead of one per value.

Prints the value (integers without a fraction, booleans as 0/1) and exits
0; exits 1 with a message on stderr if the value is missing.
"""
import json
import sys


def die(msg, code=1):
    sys.stderr.write("dp_json: " + msg + "\n")
    sys.exit(code)


def main():
    args = sys.argv[1:]
    if args == ["--serve"]:
        serve()
        return
    if not args or args[0] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        sys.exit(2)
    fname, args = args[0], args[1:]
    sel, last, count, flat, paths = [], False, False, False, []
    while args:
        a = args.pop(0)
        if a == "--flow":
            while args and "=" in args[0] and not args[0].startswith("--"):
                sel.append(args.pop(0).split("=", 1))
        elif a == "--last":
            last = True
        elif a == "--count":
            count = True
        elif a == "--flat":
            flat = True
        else:
            paths.append(a)
    try:
        with open(fname) as f:
            text = f.read()
        doc = json.loads(text)
    except (OSError, ValueError) as e:
        die(f"cannot read JSON from {fname}: {e}")

    if flat:
        _flat(doc, "")
        return
    node = doc
    if sel or count:
        flows = doc.get("flows") if isinstance(doc, dict) else None
        if not isinstance(flows, list):
            die(f"no 'flows' list in {fname}: {text[:300]!r}")
        m = [f for f in flows if all(str(_fmt(f.get(k))) == v for k, v in sel)]
        if count:
            print(len(m))
            return
        if not m:
            die("no flow matches " + " ".join(f"{k}={v}" for k, v in sel) +
                "; flows: " + json.dumps([{k: f.get(k) for k in
                                           ("id", "role", "family", "local_addr", "local_port",
                                            "remote_addr", "remote_port", "ssid")} for f in flows]))
        if len(m) > 1 and not last:
            die(f"{len(m)} flows match " + " ".join(f"{k}={v}" for k, v in sel))
        node = max(m, key=lambda f: f.get("id", 0))
    if not paths:
        print(json.dumps(node))
        return
    if len(paths) == 1:
        print(get(node, paths[0]))
        return
    bad = 0
    for path in paths:  # several: a missing one prints an empty line
        try:
            print(get(node, path))
        except SystemExit:
            print("")
            bad = 1
    sys.exit(bad)


def get(node, path):
    for comp in path.split("."):
        if comp == "#":
            if not isinstance(node, (list, dict)):
                die(f"{path}: not a list")
            node = len(node)
            break
        if isinstance(node, list):
            try:
                node = node[int(comp)]
            except (ValueError, IndexError):
                die(f"{path}: no element {comp}")
        elif isinstance(node, dict) and comp in node:
            node = node[comp]
        else:
            die(f"{path}: no '{comp}' (have: {list(node) if isinstance(node, dict) else type(node).__name__})")
    if isinstance(node, (dict, list)):
        return json.dumps(node)
    return _fmt(node)


def serve():
    for line in sys.stdin:
        rid, fname, out, head = (line.rstrip("\n").split("\t", 3) + ["", "", ""])[:4]
        try:
            with open(fname) as f:
                doc = json.loads(f.read())
            with open(out, "w") as o:
                o.write(head + "\n")
                _flat(doc, "", o)
            print(rid, "ok", flush=True)
        except Exception as e:  # the client falls back to a python start of its own
            print(rid, "error", str(e).replace("\n", " "), flush=True)


def _flat(node, path, out=None):
    if isinstance(node, (dict, list)):
        if path:
            print(f"{path}\t{json.dumps(node)}", file=out)
        print(f"{path + '.' if path else ''}#\t{len(node)}", file=out)
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for k, v in items:
            _flat(v, f"{path}.{k}" if path else str(k), out)
        return
    v = str(_fmt(node)).replace("\\", "\\\\").replace("\n", "\\n")
    print(f"{path}\t{v}", file=out)


def _fmt(v):
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


if __name__ == "__main__":
    main()
