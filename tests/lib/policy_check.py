#!/usr/bin/python3
"""policy_check.py: the module's request policies against ynl-gen's.

  policy_check.py --ynl DIR --spec SPEC --expected
      print what the kernel's own generator (DIR/tools/net/ynl/ynl-gen-c.py
      --mode kernel --source) makes of SPEC: every op's request policy,
      normalised as the kernel's policy dump shows it (JSON)
  policy_check.py --nlctrl SRC DST
      write to DST the YNL spec of nlctrl (SRC: the kernel tree's
      Documentation/netlink/specs/nlctrl.yaml) as the kernel sends it:
      6.12's lists the policy dump's mask before pad, where the UAPI has
      NL_POLICY_TYPE_ATTR_PAD = 11, _MASK = 12, so YNL decodes a mask as
      pad; and its decoder cannot read a pad (it is decoded as binary)
  policy_check.py --ynl DIR --spec SPEC --live DUMP.json
      compare with DUMP.json, the module's policies as the kernel dumps
      them (CTRL_CMD_GETPOLICY through YNL's cli.py --output-json);
      one `ok`/`not ok` line per op, exit 1 if any differs

Normal form of one attribute, as nlctrl's policy dump gives it: unsigned
integers by their range (min-value-u, max-value-u) or their mask; binary
by min-length and max-length; nests by their policy, compared in turn;
flags and everything else by type alone.

Where the two generations differ by construction, the comparison says so:
  - the module's ops are legacy ops, one policy for do and dump (6.1 is the
    floor: split ops need 6.2): flow-get's policy is compared with the
    union of ynl-gen's do and dump policies (an attribute in both must be
    the same in both);
  - ops without request attributes: ynl-gen writes no policy, the module
    one that rejects every attribute; both accept nothing;
  - 6.12's ynl-gen cannot render a binary attribute's min-len/max-len
    checks; it is run on a copy of the spec without them, and those
    lengths are taken from the spec itself.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

TYPE_MAX = {"u8": 0xFF, "u16": 0xFFFF, "u32": 0xFFFFFFFF, "u64": 0xFFFFFFFFFFFFFFFF}


def c_name(s):
    return s.upper().replace("-", "_")


def strip_binary_lengths(text):
    """The spec without min-len/max-len checks (and checks left empty)."""
    out, lines, i = [], text.split("\n"), 0
    while i < len(lines):
        if lines[i].strip() == "checks:" and i + 1 < len(lines) and \
                re.match(r"\s*(min|max)-len:", lines[i + 1]):
            i += 1
            while i < len(lines) and re.match(r"\s*(min|max)-len:", lines[i]):
                i += 1
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


def run_ynl_gen(ynl, spec_text):
    """ynl-gen-c.py --mode kernel --source in a kernel-shaped temp tree."""
    tmp = tempfile.mkdtemp()
    try:
        specs = os.path.join(tmp, "Documentation/netlink/specs")
        os.makedirs(specs)
        open(os.path.join(tmp, "MAINTAINERS"), "w").close()
        shutil.copy(os.path.join(ynl, "Documentation/netlink/genetlink-legacy.yaml"),
                    os.path.join(tmp, "Documentation/netlink"))
        spec = os.path.join(specs, "snapfire.yaml")
        with open(spec, "w") as f:
            f.write(spec_text)
        out = os.path.join(tmp, "policy.c")
        r = subprocess.run([sys.executable, os.path.join(ynl, "tools/net/ynl/ynl-gen-c.py"),
                            "--mode", "kernel", "--source", "--spec", spec, "-o", out],
                           cwd=tmp, capture_output=True, text=True, timeout=300)
        if r.returncode:
            raise RuntimeError("ynl-gen-c.py failed: " + (r.stderr or r.stdout)[-2000:])
        with open(out) as f:
            return f.read()
    finally:
        shutil.rmtree(tmp)


def num(s):
    return int(re.sub(r"[uUlL]+$", "", s.strip()), 0)


def parse_policies(src, consts):
    """ynl-gen's C: {array name: {ATTR_CONST: normal form}}."""
    ranges = {}
    for m in re.finditer(r"netlink_range_validation (\w+) = \{(.*?)\};", src, re.S):
        body = m.group(2)
        lo = re.search(r"\.min\s*=\s*(\w+)", body)
        hi = re.search(r"\.max\s*=\s*(\w+)", body)
        ranges[m.group(1)] = (num(lo.group(1)) if lo else 0, num(hi.group(1)) if hi else None)
    pols = {}
    for m in re.finditer(r"nla_policy (\w+)\[[^\]]*\] = \{(.*?)\n\};", src, re.S):
        entries = {}
        for e in re.finditer(r"\[(\w+)\] = (.*?),\n", m.group(2) + "\n"):
            entries[e.group(1)] = normal(e.group(2).strip(), ranges, consts)
        pols[m.group(1)] = entries
    return pols


def normal(expr, ranges, consts):
    m = re.match(r"\{ \.type = NLA_(\w+), \}$", expr)
    if m:
        t = m.group(1).lower()
        if t in TYPE_MAX:
            return {"type": t, "min-value-u": 0, "max-value-u": TYPE_MAX[t]}
        return {"type": t}
    m = re.match(r"NLA_POLICY_NESTED\((\w+)\)$", expr)
    if m:
        return {"type": "nested", "policy": m.group(1)}
    m = re.match(r"NLA_POLICY_(\w+)\(NLA_(\w+), (.*)\)$", expr)
    if not m:
        raise ValueError("unknown policy form: " + expr)
    kind, t, args = m.group(1), m.group(2).lower(), [a.strip() for a in m.group(3).split(",")]
    val = lambda a: consts[a] if a in consts else num(a)
    if kind == "MAX":
        return {"type": t, "min-value-u": 0, "max-value-u": val(args[0])}
    if kind == "MIN":
        return {"type": t, "min-value-u": val(args[0]), "max-value-u": TYPE_MAX[t]}
    if kind == "RANGE":
        return {"type": t, "min-value-u": val(args[0]), "max-value-u": val(args[1])}
    if kind == "FULL_RANGE":
        lo, hi = ranges[args[0].lstrip("&")]
        return {"type": t, "min-value-u": lo, "max-value-u": TYPE_MAX[t] if hi is None else hi}
    if kind == "MASK":
        return {"type": t, "mask": val(args[0])}
    raise ValueError("unknown policy form: " + expr)


def expected(ynl, spec_path):
    """{op: {"do"/"dump": {attr-id: form}}}, nests as {"nested": set name}."""
    text = open(spec_path).read()
    spec = yaml.safe_load(text)
    try:
        src = run_ynl_gen(ynl, text)
        lengths = {}
    except RuntimeError as e:
        if "binary type checks not implemented" not in str(e):
            raise
        src = run_ynl_gen(ynl, strip_binary_lengths(text))
        lengths = None
    prefix = c_name(spec.get("name", "snapfire"))
    consts, ids, binlen = {}, {}, {}
    for d in spec.get("definitions", []):
        if d.get("type") == "const":
            consts["%s_%s" % (prefix, c_name(d["name"]))] = d["value"]
    for s in spec["attribute-sets"]:
        if "subset-of" in s:
            continue
        v = 0
        for a in s["attributes"]:
            v = a.get("value", v + 1)
            ids["%s_A_%s_%s" % (prefix, c_name(s.get("name-prefix", s["name"])), c_name(a["name"]))] = \
                (s["name"], a["name"], v)
            if a.get("type") == "binary" and lengths is None:
                ch = a.get("checks", {})
                binlen[(s["name"], a["name"])] = (ch.get("min-len"), ch.get("max-len"))
    pols = parse_policies(src, consts)
    out = {}
    v = 0
    for op in spec["operations"]["list"]:
        v = op.get("value", v + 1)
        if "do" not in op and "dump" not in op:
            continue		# a notification: nothing to send
        base = "%s_%s" % (prefix.lower(), op["name"].replace("-", "_"))
        e = {"op-id": v}
        for mode in ("do", "dump"):
            if mode not in op:
                continue
            name = base + ("_%s_nl_policy" % mode if "do" in op and "dump" in op else "_nl_policy")
            e[mode] = attrs_of(name, pols, ids, binlen)
        out[op["name"]] = e
    return out


def resolve(form, set_name, attr, pols, ids, binlen):
    """Binary lengths from the spec where ynl-gen could not write them;
    a nest's policy as its attributes, resolved in turn."""
    form = dict(form)
    if form["type"] == "binary" and (set_name, attr) in binlen:
        lo, hi = binlen[(set_name, attr)]
        if lo is not None:
            form["min-length"] = lo
        if hi is not None:
            form["max-length"] = hi
    if form["type"] == "nested":
        form["policy"] = attrs_of(form["policy"], pols, ids, binlen)
    return form


def attrs_of(name, pols, ids, binlen):
    attrs = {}
    for const, form in pols.get(name, {}).items():
        set_name, attr, aid = ids[const]
        attrs[str(aid)] = resolve(form, set_name, attr, pols, ids, binlen)
    return attrs


def live_policies(dump):
    """The kernel's dump: ({op-id: {"do"/"dump": policy-id}}, {policy-id: {attr-id: form}})."""
    ops, pols = {}, {}
    for m in dump:
        if "op-policy" in m:
            o = m["op-policy"]
            ops[o["op-id"]] = {k: o[k] for k in ("do", "dump") if k in o}
        if "policy" in m:
            p = dict(m["policy"])
            pid, aid = p.pop("policy-id"), p.pop("attr-id")
            pols.setdefault(pid, {})[str(aid)] = p
    return ops, pols


def live_form(form, pols):
    form = dict(form)
    if form.get("type") == "nested":
        form["policy"] = {a: live_form(f, pols) for a, f in pols.get(form.pop("policy-idx"), {}).items()}
        form.pop("policy-maxtype", None)
    return form


def compare(exp, dump):
    ops, pols = live_policies(dump)
    bad = 0
    for name, e in sorted(exp.items(), key=lambda kv: kv[1]["op-id"]):
        want = {}
        why = []
        for mode in ("do", "dump"):
            for aid, form in e.get(mode, {}).items():
                if aid in want and want[aid] != form:
                    why.append("attr %s: ynl-gen's do and dump policies differ" % aid)
                want[aid] = form
        o = ops.get(e["op-id"])
        if o is None:
            why.append("no such op in the kernel's dump")
            have = {}
        else:
            pids = set(o.values())
            if len(pids) > 1:
                why.append("do and dump have different policies (legacy ops share one)")
            have = {}
            for pid in pids:
                for aid, form in pols.get(pid, {}).items():
                    if form.get("type") == "reject":
                        continue
                    have[aid] = live_form(form, pols)
        for aid in sorted(set(want) | set(have), key=int):
            if aid not in have:
                why.append("attr %s: ynl-gen %s, the module accepts none" % (aid, json.dumps(want[aid], sort_keys=True)))
            elif aid not in want:
                why.append("attr %s: the module accepts %s, ynl-gen nothing" % (aid, json.dumps(have[aid], sort_keys=True)))
            elif want[aid] != have[aid]:
                why.append("attr %s: ynl-gen %s, the module %s" % (
                    aid, json.dumps(want[aid], sort_keys=True), json.dumps(have[aid], sort_keys=True)))
        desc = "%s: the module's request policy is ynl-gen's (%d attributes)" % (name, len(want))
        if why:
            bad += 1
            print("not ok - " + desc)
            for w in why:
                print("#   " + w)
        else:
            print("ok - " + desc)
    return 1 if bad else 0


def fix_nlctrl(src, dst):
    text = open(src).read()
    swapped = ("        name: mask\n        type: u64\n      -\n"
               "        name: pad\n        type: pad\n")
    right = ("        name: pad\n        type: binary\n      -\n"
             "        name: mask\n        type: u64\n")
    if swapped in text:
        text = text.replace(swapped, right)
    else:
        text = text.replace("        name: pad\n        type: pad\n",
                            "        name: pad\n        type: binary\n")
    with open(dst, "w") as f:
        f.write(text)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--nlctrl":
        fix_nlctrl(sys.argv[2], sys.argv[3])
        return 0
    ap = argparse.ArgumentParser()
    ap.add_argument("--ynl", required=True)
    ap.add_argument("--spec", required=True)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--expected", action="store_true")
    g.add_argument("--live")
    args = ap.parse_args()
    exp = expected(args.ynl, args.spec)
    if args.expected:
        json.dump(exp, sys.stdout, indent=1, sort_keys=True)
        print()
        return 0
    return compare(exp, json.load(open(args.live)))


if __name__ == "__main__":
    sys.exit(main())
