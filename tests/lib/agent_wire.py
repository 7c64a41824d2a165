#!/usr/bin/python3
"""agent_wire.py --sender S.pcap [--refl R.pcap] [--hop H.pcap] --target NAME=ADDR... [options]

The wire truth of tests/vm/67-agent.sh: what `snapfire agent`'s STAMP
sessions put on the wire and got back, per target, from the captures on
the sender's interface (and on the reflector's), with the pcap reading of
tests/lib/dp_pcap.py. A target's probes are the UDP datagrams to its
address and port 862, its replies those from there; a probe is keyed by
(address, source port, sequence number), so sessions do not mix.

options:
  --hop H.pcap         a capture where the sender's link ends (the router's
                       end of its veth): stamped after the sender's driver
                       hand-off, where the module's T1 is taken, as the
                       sender's capture is before it (tests/lib/dp_pcap.py)
  --target NAME=ADDR   a target (repeat); ADDR as the captures print it
  --at KEY=NS          an instant (ns since the epoch, CLOCK_REALTIME as the
                       captures' timestamps); repeat
  --span KEY=FROM:TO   replies that reached the sender in [FROM, TO) ns; repeat
  --timeout-ns N       the agent's timeout (a reply later than it is lost)
  --rank-slack K       the percentiles' ranks +- K as well (default 4)
  --interval-ns N      the agent's interval (default 0.2 s)
  --jsonl FILE         the agent's JSON Lines, counted per target and status

Prints KEY<TAB>VALUE lines, NAME.KEY per target:
  probes, replies     distinct probes that left the sender / replies back
  sports              distinct source ports of its probes (sessions)
  refl_in             its probes seen arriving at the reflector
  sent@AT             probes that left the sender before AT
  recv@AT             replies that reached it before AT, within the timeout
  lost@AT             probes whose timeout ended before AT without a reply
  sent@SPAN, recv@SPAN  the same within the span
  maxgap@SPAN         the longest time between two probes sent in the span
  skipped@SPAN        the intervals left out by gaps longer than 1.5
                      intervals: a probe sent an interval late or more
                      restarts the agent's schedule from it, the slots
                      between left out (agent_session.c agent_sess_send);
                      one less late is followed at once by the next
  n@SPAN              round trips measured in the span (both captures)
  rtt_p50@SPAN, rtt_p90@SPAN  the network round trip of each probe,
                      (sender in - sender out) - (reflector out - in), as
                      dp_pcap.py's rtt_2cap: nearest-rank percentiles
  fwd_p50@SPAN, rev_p50@SPAN  reflector in - sender out, sender in - reflector out
                      (and p90 of each)
  rtt_p50_lo@SPAN, rtt_p50_hi@SPAN (and of every other): the values K ranks below and
                      above: what the percentile can be when the agent's
                      samples differ from the span's by up to K (a reply at
                      the span's ends counted in the minute before or after)
  with --hop:
  hop_missing@SPAN    of the span's round trips, those whose probe the
                      first hop's capture did not see
  handoff_min@SPAN, handoff_p90@SPAN  hop - sender out over them (the
                      premise: never below 0)
  rtt_p50_hlo@SPAN, fwd_p50_hlo@SPAN (and p90): K ranks below the same
                      percentile with the hop's time in place of the
                      sender's out: per probe the module's T1 lies between
                      the two taps, so its value between the two; empty
                      unless hop_missing is 0
  jl_success, jl_timeout, jl_error   JSON Lines records of the target
and, once: jl_bad (records not of the format: every field, protocol stamp,
an ISO-8601 UTC ts; a timeout lasts the timeout with reason "no reply"; a
success has no reason) and jl_bad_first (the first of them).
"""
import json
import math
import os
import re
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dp_pcap import frames, udp_of  # noqa: E402

PORT = 862


def pct(v, p, shift=0):
    """nearest-rank percentile of the sorted list @v, @shift ranks off"""
    if not v:
        return None
    return v[min(len(v) - 1, max(0, math.ceil(p * len(v)) - 1 + shift))]


def collect(fname, addrs):
    """{addr: (probes {(sport, seq): t}, replies {(sport, seq): t})}"""
    res = {a: ({}, {}) for a in addrs}
    if not fname:
        return res
    for t, lt, pkt in frames(fname):
        u = udp_of(lt, pkt)
        if not u:
            continue
        src, dst, _ttl, sp, dp, pl = u
        if len(pl) < 44:
            continue
        if dp == PORT and dst in res:
            res[dst][0].setdefault((sp, struct.unpack("!I", pl[:4])[0]), t)
        elif sp == PORT and src in res:
            res[src][1].setdefault((dp, struct.unpack("!I", pl[24:28])[0]), t)
    return res


def jsonl_counts(fname, names, timeout_ns):
    cnt = {n: {"success": 0, "timeout": 0, "error": 0} for n in names}
    bad, first = 0, ""
    ts_re = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
    with open(fname) as f:
        for line in f:
            why = ""
            try:
                r = json.loads(line)
            except ValueError:
                r, why = {}, "not JSON"
            if not why:
                if set(r) != {"ts", "protocol", "target", "duration_ms", "status", "reason"}:
                    why = "fields"
                elif r["protocol"] != "stamp" or not ts_re.match(str(r["ts"])):
                    why = "protocol or ts"
                elif r["status"] not in ("success", "timeout", "error"):
                    why = "status"
                elif r["status"] == "timeout" and (
                        abs(r["duration_ms"] - timeout_ns / 1e6) > 0.001 or r["reason"] != "no reply"):
                    why = "a timeout not of the timeout's length or not 'no reply'"
                elif r["status"] == "success" and (r["reason"] != "" or r["duration_ms"] <= 0):
                    why = "a success with a reason or no duration"
            if why:
                bad += 1
                first = first or f"{why}: {line.strip()[:300]}"
                continue
            if r["target"] in cnt:
                cnt[r["target"]][r["status"]] += 1
    return cnt, bad, first


def main():
    a = sys.argv[1:]
    if not a or a[0] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        sys.exit(2)
    spcap = rpcap = hpcap = jl = None
    targets, ats, spans, timeout, slack = [], [], [], 3_000_000_000, 4
    ival, resync = 200_000_000, 300_000_000
    i = 0
    while i < len(a):
        k, v = a[i], a[i + 1] if i + 1 < len(a) else None
        if v is None:
            raise SystemExit(f"agent_wire: {k} needs a value")
        if k == "--sender":
            spcap = v
        elif k == "--refl":
            rpcap = v
        elif k == "--hop":
            hpcap = v
        elif k == "--target":
            targets.append(v.split("=", 1))
        elif k == "--at":
            n, t = v.split("=", 1)
            ats.append((n, int(t)))
        elif k == "--span":
            n, r = v.split("=", 1)
            lo, hi = r.split(":")
            spans.append((n, int(lo), int(hi)))
        elif k == "--timeout-ns":
            timeout = int(v)
        elif k == "--interval-ns":
            ival = int(v)
            resync = ival * 3 // 2
        elif k == "--rank-slack":
            slack = int(v)
        elif k == "--jsonl":
            jl = v
        else:
            raise SystemExit(f"agent_wire: unknown argument {k}")
        i += 2
    if not spcap or not targets:
        raise SystemExit("agent_wire: --sender and --target are required")
    addrs = [ad for _n, ad in targets]
    snd = collect(spcap, addrs)
    rfl = collect(rpcap, addrs)
    hops = collect(hpcap, addrs)

    def out(k, v):
        print(f"{k}\t{'' if v is None else v}")

    for name, ad in targets:
        pout, pin = snd[ad]
        rin, rout = rfl[ad]
        hop = hops[ad][0]
        # a reply counts when it came within the timeout, as the agent's
        # received; a probe without one is lost when its timeout ended
        ok = {k: t for k, t in pin.items() if k in pout and t - pout[k] < timeout}
        out(f"{name}.probes", len(pout))
        out(f"{name}.replies", len(pin))
        out(f"{name}.sports", len({sp for sp, _s in pout}))
        out(f"{name}.refl_in", len(rin))
        for key, at in ats:
            out(f"{name}.sent@{key}", sum(1 for t in pout.values() if t < at))
            out(f"{name}.recv@{key}", sum(1 for t in ok.values() if t < at))
            out(f"{name}.lost@{key}",
                sum(1 for k, t in pout.items() if t + timeout < at and k not in ok))
        for key, lo, hi in spans:
            out(f"{name}.sent@{key}", sum(1 for t in pout.values() if lo <= t < hi))
            # the schedule's holes: slots of @ival that a gap of more than
            # @resync left out (a late agent resyncs: agent_sess_send)
            ts = sorted(t for t in pout.values() if lo <= t < hi)
            gaps = [b - a for a, b in zip(ts, ts[1:])]
            out(f"{name}.maxgap@{key}", max(gaps, default=0))
            out(f"{name}.skipped@{key}",
                sum(round(g / ival) - 1 for g in gaps if g > resync))
            out(f"{name}.recv@{key}", sum(1 for t in ok.values() if lo <= t < hi))
            ks = [k for k, t in ok.items() if lo <= t < hi and k in rin and k in rout]
            rtt = sorted((pin[k] - pout[k]) - (rout[k] - rin[k]) for k in ks)
            fwd = sorted(rin[k] - pout[k] for k in ks)
            rev = sorted(pin[k] - rout[k] for k in ks)
            out(f"{name}.n@{key}", len(rtt))
            for m, v in (("rtt", rtt), ("fwd", fwd), ("rev", rev)):
                for p in (50, 90):
                    out(f"{name}.{m}_p{p}@{key}", pct(v, p / 100))
                    out(f"{name}.{m}_p{p}_lo@{key}", pct(v, p / 100, -slack))
                    out(f"{name}.{m}_p{p}_hi@{key}", pct(v, p / 100, slack))
            if hpcap:
                miss = sum(1 for k in ks if k not in hop)
                out(f"{name}.hop_missing@{key}", miss)
                ho = sorted(hop[k] - pout[k] for k in ks if k in hop)
                out(f"{name}.handoff_min@{key}", ho[0] if ho else None)
                out(f"{name}.handoff_p90@{key}", pct(ho, 0.9))
                hv = {"rtt": sorted((pin[k] - hop[k]) - (rout[k] - rin[k]) for k in ks if k in hop),
                      "fwd": sorted(rin[k] - hop[k] for k in ks if k in hop)}
                for m, v in hv.items():
                    for p in (50, 90):
                        out(f"{name}.{m}_p{p}_hlo@{key}", None if miss else pct(v, p / 100, -slack))
    if jl:
        cnt, bad, first = jsonl_counts(jl, [n for n, _a in targets], timeout)
        for n, c in cnt.items():
            for s, v in c.items():
                out(f"{n}.jl_{s}", v)
        out("jl_bad", bad)
        out("jl_bad_first", first.replace("\t", " "))


if __name__ == "__main__":
    main()
