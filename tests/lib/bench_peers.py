#!/usr/bin/python3
"""bench_peers.py: the truth for tests/bench/30-peers-accuracy.sh, from the
wire, for snapfire and the tools users would pick instead.

  bench_peers.py run TOOL COND SENDER.pcap REFL.pcap TOOL-OUTPUT > RUN.json
  bench_peers.py report RUN.json... > TABLE.txt

`run` reads the two captures (tcpdump --time-stamp-precision nano on the
sender's eth0 and the reflector's eth0: AF_PACKET taps, after the egress
qdisc and before PRE_ROUTING on ingress) and the tool's own output, matches
each of the tool's samples to its packets, and prints one JSON object:
the tool's p50 / p99 / max, the truth's over the same probes, n.

TOOL and what its truth is:
  sf, sf8   `snapfire -j flows` of the sender (the module's histograms):
            network RTT = (reflector in - sender out) + (sender in -
            reflector out); fwd = reflector in - sender out; rev = sender
            in - reflector out (one clock: the VM's)
  ping      `ping -n` text output: sender in - sender out of the echo
            (ICMP id, seq)
  irtt      `irtt client -o FILE` JSON: irtt subtracts the server's
            processing time (its server stamps), so its RTT is compared
            with the network RTT as for snapfire; send / receive delay with
            fwd / rev
  sockperf  `sockperf ping-pong --full-rtt --full-log FILE` CSV: sender in -
            sender out (full round trip); its rows are aligned with the
            wire by the intervals between their send times

`report` prints a table per condition: tool, n, p50/p99/max error (tool -
truth, ms), and the ratio of each |error| to snapfire's (default precision;
">=" where snapfire's is under 1 us: then divided by 1 us).
Percentiles of sample sets are nearest-rank (ceil(q n)), as the CLI's.
"""
import json
import math
import os
import re
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dp_pcap  # noqa: E402  (frames, udp_of, collect: the STAMP truth)

IRTT_PORT = 2112
SOCKPERF_PORT = 11111


def pct(v, q):
    if not v:
        return None
    v = sorted(v)
    r = max(1, min(len(v), math.ceil(q * len(v))))
    return v[r - 1]


def stats(v):
    return {"n": len(v), "p50": pct(v, 0.5), "p99": pct(v, 0.99), "max": max(v) if v else None}


def ip4_icmp(lt, pkt):
    """(type, id, seq) of an IPv4 ICMP echo frame, else None."""
    if lt != 1 or len(pkt) < 14 + 20 + 8 or pkt[12:14] != b"\x08\x00":
        return None
    ip = pkt[14:]
    if ip[9] != 1:
        return None
    ic = ip[(ip[0] & 15) * 4:]
    if ic[0] not in (0, 8):
        return None
    return ic[0], struct.unpack("!H", ic[4:6])[0], struct.unpack("!H", ic[6:8])[0]


def udp_frames(fname):
    for t, lt, pkt in dp_pcap.frames(fname):
        u = dp_pcap.udp_of(lt, pkt)
        if u:
            yield t, u[3], u[4], u[5]


def first(d, k, t):
    d.setdefault(k, t)


# --- per tool: (tool samples, truth samples) over the same probes, ns ---

def run_sf(spcap, rpcap, flows_json):
    probes, replies, _ = dp_pcap.collect(spcap, 862, None)
    rprobes, rreplies, _ = dp_pcap.collect(rpcap, 862, None)
    s_out, s_in, r_in, r_out = {}, {}, {}, {}
    for t, s in probes:
        first(s_out, s, t)
    for t, s, *_ in replies:
        first(s_in, s, t)
    for t, s in rprobes:
        first(r_in, s, t)
    for t, s, *_ in rreplies:
        first(r_out, s, t)
    both = [s for s in s_in if s in s_out and s in r_in and s in r_out]
    truth = {
        "rtt": [(r_in[s] - s_out[s]) + (s_in[s] - r_out[s]) for s in both],
        "fwd": [r_in[s] - s_out[s] for s in both],
        "rev": [s_in[s] - r_out[s] for s in both],
    }
    fl = [f for f in json.load(open(flows_json))["flows"] if f.get("role") == "sender"]
    if not fl:
        raise SystemExit("bench_peers: no sender flow in " + flows_json)
    f = fl[0]
    res = {"tool_n": f.get("rx")}
    for m in ("rtt", "fwd", "rev"):
        h = f.get(m)
        if not h:
            continue
        res[m] = {"tool": {"n": h.get("count"), "p50": h.get("p50_ns"), "p99": h.get("p99_ns"),
                           "max": h.get("max_ns")},
                  "truth": stats(truth[m])}
    return res


def run_ping(spcap, _rpcap, out):
    req, rep = {}, {}
    for t, lt, pkt in dp_pcap.frames(spcap):
        e = ip4_icmp(lt, pkt)
        if e:
            first(req if e[0] == 8 else rep, (e[1], e[2]), t)
    wire = {}
    for (i, s), t in rep.items():
        if (i, s) in req:
            wire[s] = t - req[(i, s)]
    tool, truth = [], []
    for m in re.finditer(r"icmp_seq=(\d+) .*time=([0-9.]+) ms", open(out).read()):
        s = int(m.group(1)) & 0xFFFF
        if s in wire:
            tool.append(round(float(m.group(2)) * 1e6))
            truth.append(wire[s])
    return {"rtt": {"tool": stats(tool), "truth": stats(truth)}}


def run_irtt(spcap, rpcap, out):
    def test_pkts(fname):
        req, rep = {}, {}
        for t, sp, dp, pl in udp_frames(fname):
            # test packets: magic, flags (0 request, 2 reply), conn token,
            # seqno (LE); the open/close handshake has flags 1/3/4
            if len(pl) < 16 or pl[:3] != b"\x14\xa7\x5b" or pl[3] & 0x05:
                continue
            seq = struct.unpack("<I", pl[12:16])[0]
            if dp == IRTT_PORT:
                first(req, seq, t)
            elif sp == IRTT_PORT:
                first(rep, seq, t)
        return req, rep

    s_out, s_in = test_pkts(spcap)
    r_in, r_out = test_pkts(rpcap)
    res = {m: {"tool": [], "truth": []} for m in ("rtt", "fwd", "rev")}
    if not os.path.exists(out) and os.path.exists(out + ".json.gz"):
        out += ".json.gz"   # irtt adds .json.gz to a name without .json
    if out.endswith(".gz"):
        import gzip
        doc = json.load(gzip.open(out, "rt"))
    else:
        doc = json.load(open(out))
    for rt in doc.get("round_trips", []):
        s = rt["seqno"]
        d = rt.get("delay") or {}
        if rt.get("lost") != "false" or "rtt" not in d:
            continue
        if not all(s in x for x in (s_out, s_in, r_in, r_out)):
            continue
        fwd, rev = r_in[s] - s_out[s], s_in[s] - r_out[s]
        for m, tv, wv in (("rtt", d["rtt"], fwd + rev), ("fwd", d.get("send"), fwd),
                          ("rev", d.get("receive"), rev)):
            if tv is not None:
                res[m]["tool"].append(tv)
                res[m]["truth"].append(wv)
    return {m: {"tool": stats(v["tool"]), "truth": stats(v["truth"])} for m, v in res.items()}


def run_sockperf(spcap, _rpcap, out):
    req, rep = {}, {}
    for t, sp, dp, pl in udp_frames(spcap):
        if len(pl) < 10:
            continue
        seq = struct.unpack("!Q", pl[:8])[0]
        if dp == SOCKPERF_PORT:
            first(req, seq, t)
        elif sp == SOCKPERF_PORT:
            first(rep, seq, t)
    rows = []
    for line in open(out):
        f = [x.strip() for x in line.split(",")]
        if len(f) == 4 and re.fullmatch(r"\d+", f[0]):
            rows.append((float(f[1]), float(f[3])))
    seqs = sorted(s for s in req if s in rep)
    if not rows or len(seqs) < len(rows):
        raise SystemExit(f"sockperf: {len(rows)} rows, {len(seqs)} round trips on the wire")
    # the CSV numbers the rows of its valid period from 0; find the wire
    # seq of row 0: the offset whose send intervals match the CSV's best
    k = min(len(rows), 200)
    tx = [round(r[0] * 1e9) for r in rows[:k]]
    best = None
    for o in range(0, len(seqs) - len(rows) + 1):
        w = [req[seqs[o + i]] for i in range(k)]
        cost = sum(abs((w[i] - w[0]) - (tx[i] - tx[0])) for i in range(k))
        if best is None or cost < best[0]:
            best = (cost, o)
    o = best[1]
    tool = [round(r[1] * 1000) for r in rows]
    truth = [rep[seqs[o + i]] - req[seqs[o + i]] for i in range(len(rows))]
    return {"rtt": {"tool": stats(tool), "truth": stats(truth)},
            "align_mean_ns": best[0] // k}


RUNS = {"sf": run_sf, "sf8": run_sf, "ping": run_ping, "irtt": run_irtt,
        "sockperf": run_sockperf}

LABEL = {
    "sf": "snapfire (module, default precision)",
    "sf8": "snapfire (module, precision 8)",
    "ping": "ping (ICMP, kernel echo)",
    "irtt": "irtt (irtt server)",
    "sockperf": "sockperf ping-pong (full RTT)",
}
TRUTH = {
    "sf": "network RTT, 2 taps", "sf8": "network RTT, 2 taps",
    "irtt": "network RTT, 2 taps", "ping": "sender wire RTT",
    "sockperf": "sender wire RTT",
}


def ms(ns):
    return "%9.3f" % (ns / 1e6) if ns is not None else "      n/a"


def report(files):
    runs = [json.load(open(f)) for f in files]
    conds = []
    for r in runs:
        if r["cond"] not in conds:
            conds.append(r["cond"])
    for c in conds:
        rs = {r["tool"]: r for r in runs if r["cond"] == c}
        ref = rs.get("sf", {}).get("rtt")

        def err(r, m, k):
            t, w = r[m]["tool"].get(k), r[m]["truth"].get(k)
            return None if t is None or w is None else t - w

        print(f"peers-accuracy [{c}]: RTT error = tool - wire truth (ms); ratio = |error| / snapfire's")
        print("peers-accuracy [%s]: %-38s %5s %-20s %9s %9s %9s  %s" % (
            c, "tool", "n", "truth", "p50 err", "p99 err", "max err", "ratio p50/p99/max"))
        for tool in ("sf", "sf8", "ping", "irtt", "sockperf"):
            r = rs.get(tool)
            if not r or "rtt" not in r:
                continue
            e = [err(r, "rtt", k) for k in ("p50", "p99", "max")]
            rat = []
            for k, ev in zip(("p50", "p99", "max"), e):
                se = err(rs["sf"], "rtt", k) if ref else None
                if ev is None or se is None:
                    rat.append("n/a")
                elif tool == "sf":
                    rat.append("1")
                elif abs(se) < 1000:
                    # snapfire within 1 us (the taps' own resolution here):
                    # divided by 1 us, a lower bound of the ratio
                    rat.append(">=%.0f" % (abs(ev) / 1000))
                else:
                    rat.append("%.1f" % (abs(ev) / abs(se)))
            print("peers-accuracy [%s]: %-38s %5s %-20s %s %s %s  %s" % (
                c, LABEL[tool], r["rtt"]["truth"]["n"], TRUTH[tool], ms(e[0]), ms(e[1]), ms(e[2]),
                "/".join(rat)))
        print("peers-accuracy [%s]: truth RTT p50/p99/max (ms): %s" % (c, "; ".join(
            "%s %s/%s/%s" % (t, *(ms(rs[t]["rtt"]["truth"][k]).strip() for k in ("p50", "p99", "max")))
            for t in ("sf", "sf8", "ping", "irtt", "sockperf") if t in rs and "rtt" in rs[t])))
        for tool in ("sf", "sf8", "irtt"):
            r = rs.get(tool)
            for m in ("fwd", "rev"):
                if not r or m not in r:
                    continue
                e = [err(r, m, k) for k in ("p50", "p99", "max")]
                w = r[m]["truth"]
                print("peers-accuracy [%s]: one-way %-3s %-26s truth p50 %s ms; error p50 %s p99 %s max %s ms" % (
                    c, m, tool if tool != "sf" else "sf (clock-synced on)", ms(w["p50"]).strip(),
                    ms(e[0]).strip(), ms(e[1]).strip(), ms(e[2]).strip()))
        for tool, prec in (("sf", 6), ("sf8", 8)):
            r = rs.get(tool)
            v = r["rtt"]["truth"]["p99"] if r and "rtt" in r else None
            if v and v >= 1 << prec:
                # kmod/hist.h: [2^k, 2^(k+1)) in 2^p buckets of 2^(k-p) ns
                w = 1 << (int(math.log2(v)) - prec)
                print("peers-accuracy [%s]: %s: histogram bucket at the truth's p99 (%.3f ms): "
                      "%.3f ms wide (precision %d)" % (c, tool, v / 1e6, w / 1e6, prec))
        sf = rs.get("sf")
        if sf and "rtt" in sf:
            e50, e99 = abs(err(sf, "rtt", "p50")), abs(err(sf, "rtt", "p99"))
            print("peers-accuracy [%s]: snapfire default precision: |p50 error| %.3f ms (target <= 0.02), "
                  "|p99 error| %.3f ms (target <= 0.1): %s" % (
                      c, e50 / 1e6, e99 / 1e6,
                      "within" if e50 <= 20000 and e99 <= 100000 else "NOT within"))


def main():
    a = sys.argv[1:]
    if len(a) >= 6 and a[0] == "run":
        tool, cond, sp, rp, out = a[1], a[2], a[3], a[4], a[5]
        res = RUNS[tool](sp, rp, out)
        res.update({"tool": tool, "cond": cond})
        print(json.dumps(res))
    elif len(a) >= 2 and a[0] == "report":
        report(a[1:])
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
