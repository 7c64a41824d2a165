#!/usr/bin/python3
"""dp_pcap.py SENDER.pcap [--refl REFL.pcap] [--hop HOP.pcap] [--pre PRE.pcap]
             [--user-port P] [--port 862] [--sport N]

The independent truth of the datapath tests: what was on the wire.
Reads pcap files written by `tcpdump --time-stamp-precision nano -w` on the
sender's interface (and optionally on the reflector's), finds the STAMP
Session-Sender test packets (UDP to --port) and the Session-Reflector
packets (UDP from --port) and prints a JSON summary:

  probes        distinct probe sequence numbers that left the sender
  probe_frames  probe frames that left the sender
  replies       reply frames that reached the sender
  unique        distinct Session-Sender sequence numbers among them
  duplicates    replies - unique
  reordered     replies with a sender seq below the highest seen before
                and not seen before (RFC 4737 / kmod/seq.c definition)
  lost          in [lowest, highest] replied seq: how many never came back
  seq_differs   replies (first of each sender seq) whose reflector seq is
                not the sender seq: a stateful reflector's numbering shows
  rtt_raw_p50_ns   median of (t_in - t_out) on the sender's wire
  rtt_wire_p50_ns  median of (t_in - t_out) - (T3 - T2), T2/T3 from the reply
  overtaken     replies k that reached the sender after probe k + 64 had
                left it (a sender flow remembers 64 probes in flight);
                overtaken_near: of the others, those within 5 ms of it
  qdisc_p50_ns  median of t_out - T1 (T1 as written at POST_ROUTING, before
                the sender's qdisc): the sender's own egress queueing
  with --pre (a capture of the sender's probes before its qdisc: a tc
  clsact egress mirror to a dummy device):
  qdisc_cap_p50_ns  median of t_out - t_pre: the sender's egress queueing
                from the two captures alone
  with --pre and --user-port P (datagrams to port P from dp_usersend.py,
  each carrying the sender process's clock before its send()):
  stack_p50_ns / stack_p90_ns / stack_samples  pre-capture time minus that
                clock: send() to the qdisc, the stack path before the
                qdisc that no capture sees (a probe's tx stage starts at
                LOCAL_OUT, inside it)
  with --refl:
  refl_in, refl_out  probe frames in / reply frames out at the reflector
  fwd_p50_ns    median of reflector-wire-in - sender-wire-out (same clock)
  rev_p50_ns    median of sender-wire-in - reflector-wire-out
  fwd_p50_lo_ns / fwd_p50_hi_ns (and rev_, rtt_2cap_, rtt_wire_): the two middle
                values of the same (equal for an odd count): every value
                between them is a median as much as their mean is
  rtt_2cap_p50_ns  median of (sender in - out) - (reflector out - in)
  fwd_lost      probes that left the sender and never reached the reflector
  transit_modified  probes/replies whose STAMP payload differs between the
                two ends (transit_compared: how many were compared)
  refl_hold_p50_ns  median of reflector-wire-out - reflector-wire-in: all
                the time the far host held a probe, its queues included
  refl_qdisc_p50_ns median of reflector-wire-out - T3 of that reply: the
                reflector's egress queue after T3 (T3 from the packet)
  Follow-Up Telemetry (RFC 8972 section 4.7) in the replies, filled:
  fu_replies    replies at the sender carrying a filled one
  fu_distinct   distinct replies they report on that reached the sender
                (two replies report the same one when the second probe
                came before a newer reply had left): one sample each
  fu_wire_p50_ns / fu_wire_p90abs_ns / fu_wire_absmax_ns  (with --refl)
                the reported time of reply k minus reply k's departure on
                the reflector's wire: median, 90th percentile of its
                absolute value, largest absolute value
  fu_far_tx_p50_ns  median of the reported time of reply k minus the T3
                that reply k carried: what a sender should find
  with --refl, from the two captures alone (rtt2 of a probe = (sender in -
  sender out) - (reflector out - reflector in)), in the order the replies
  reached the sender, as kmod/hooks.c defines them:
  ipdv_p50_ns   median |rtt2(n) - rtt2(n-1)| over replies whose sender seq
                is the previous reply's + 1; ipdv_samples how many
  jitter_ns     RFC 3550 J over the same pairs: J += (|D| - J) / 16
  jitter_refl_bound_ns  an upper bound on how far the reflector's stamps
                can move a J computed with them from jitter_ns: the same
                sum over |change of (reflector out - in) - (T3 - T2)|
                between the pair (a reply held on the reflector's host
                between its stamp and the tap: the module's D sees what
                the wire's does not)
  stamps_missing  replies on the sender's wire with a T2 or T3 of 0
  t2_tap_absmax_ns / t2_tap_n  the largest |T2 - the probe's time on the
                reflector's capture| over the replies that carry a T2, and
                how many: 0 or 1 ns when both are the skb's receive stamp
  with --hop (a capture where the sender's link ends, the first hop's
  receiving interface; on a veth pair that packet's receive stamp is taken
  inside the sender's driver transmit, after the module's hand-off stamp):
  hop_in        probes seen there (of those the sender's capture saw);
                hop_missing: probes the sender's capture saw and it did
                not (every *_hop_* value needs it 0 to be over the same
                probes); both null when HOP.pcap cannot be read
  handoff_p50_ns / handoff_p90_ns / handoff_max_ns / handoff_min_ns
                hop-in - sender-out:
                the window that holds the sender's driver hand-off, the
                module's T1 for RTT, fwd and jitter (the tap runs before
                it in xmit_one()); a vCPU preempted in it stretches it;
                a negative minimum: the premise does not hold here
  rtt_wire_hop_p50_lo_ns, and with --refl fwd_hop_p50_lo_ns and
  rtt_2cap_hop_p50_lo_ns  the lower middle value of the same quantity with
                hop-in in place of sender-out: per probe, the module's
                value lies between the two, so its median lies between
                this and the *_p50_hi_ns
  with --hop and --refl:
  jitter_hop_bound_ns  the same sum as jitter_refl_bound_ns over the
                sender's hand-off: the module's D of a probe moves from
                the wire's by its hand-off's place in its window, so a
                pair's change is at most the larger of the two windows
  ipdv_range_lo_ns / ipdv_range_hi_ns  per pair the module's |D| lies
                within M = that larger window + the pair's change of
                (reflector out - in) - (T3 - T2) of the wire's: the lower
                middle value of max(0, |D| - M) and the upper middle value
                of |D| + M, the range its IPDV median lies in
  rev_lost_wire reflector sequence numbers in [lowest, highest] of those
                that reached the sender, sent by the reflector (its
                capture) and never received: the reverse loss of a
                stateful reflector
No module timestamps are used except T2/T3 for rtt_wire_p50_ns and the
reflector's own reports (T3, Follow-Up) where named.
"""
import json
import struct
import sys

NTP_OFF = 2208988800


def frames(fname):
    with open(fname, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xa1\xb2\x3c\x4d", b"\x4d\x3c\xb2\xa1"):
        nano = True
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xd4\xc3\xb2\xa1"):
        nano = False
    else:
        raise SystemExit(f"dp_pcap: {fname}: not a pcap file")
    e = ">" if magic[0] == 0xA1 else "<"
    linktype = struct.unpack(e + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        sec, sub, incl, _orig = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        pkt = data[off:off + incl]
        off += incl
        t = sec * 1_000_000_000 + (sub if nano else sub * 1000)
        yield t, linktype, pkt


def udp_of(linktype, pkt):
    """(src, dst, ttl, sport, dport, payload) of an IPv4/IPv6 UDP frame."""
    if linktype == 1:
        if len(pkt) < 14:
            return None
        et = struct.unpack("!H", pkt[12:14])[0]
        ip = pkt[14:]
    elif linktype == 113:
        et = struct.unpack("!H", pkt[14:16])[0]
        ip = pkt[16:]
    else:
        return None
    if et == 0x0800 and len(ip) >= 20:
        ihl = (ip[0] & 15) * 4
        if ip[9] != 17 or struct.unpack("!H", ip[6:8])[0] & 0x3FFF:
            return None
        src, dst, ttl = ".".join(map(str, ip[12:16])), ".".join(map(str, ip[16:20])), ip[8]
        u = ip[ihl:]
    elif et == 0x86DD and len(ip) >= 40:
        if ip[6] != 17:
            return None
        import ipaddress
        src = str(ipaddress.IPv6Address(ip[8:24]))
        dst = str(ipaddress.IPv6Address(ip[24:40]))
        ttl = ip[7]
        u = ip[40:]
    else:
        return None
    if len(u) < 8:
        return None
    sport, dport, ulen = struct.unpack("!HHH", u[:6])
    return src, dst, ttl, sport, dport, u[8:ulen]


def ts_ns(b, ee):
    sec, frac = struct.unpack("!II", b)
    if not sec and not frac:
        return 0
    if ee & 0x4000:
        return sec * 1_000_000_000 + frac
    return (sec - NTP_OFF) * 1_000_000_000 + ((frac * 1_000_000_000 + (1 << 31)) >> 32)


def median(v):
    if not v:
        return None
    v = sorted(v)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) // 2


def mid_pair(v):
    """the two middle values of @v (sorted here; one, twice, for an odd
    count): any value between them is a median of @v"""
    if not v:
        return None, None
    v = sorted(v)
    n = len(v)
    return v[(n - 1) // 2], v[n // 2]


def p90(v):
    """nearest-rank 90th percentile of @v (sorted here), None if empty"""
    v = sorted(v)
    return v[(len(v) * 9) // 10] if v else None


def followup(pl):
    """(seq, time) of a filled Follow-Up Telemetry TLV behind the base
    packet of the reply @pl, else None."""
    if len(pl) < 64 or pl[45] != 7 or struct.unpack("!H", pl[46:48])[0] != 16:
        return None
    if pl[44] & 0xC0:   # U or M: not filled
        return None
    ee = struct.unpack("!H", pl[12:14])[0]
    t = ts_ns(pl[52:60], ee)
    return (struct.unpack("!I", pl[48:52])[0], t) if t else None


def collect(fname, port, sport):
    probes, replies = [], []  # (t, seq) / (t, sender_seq, T2, T3, refl seq)
    payloads = {}  # ("p", seq) / ("r", sender_seq) -> first payload seen
    for t, lt, pkt in frames(fname):
        u = udp_of(lt, pkt)
        if not u:
            continue
        _src, _dst, _ttl, sp, dp, pl = u
        if len(pl) < 44:
            continue
        if dp == port and (sport is None or sp == sport):
            probes.append((t, struct.unpack("!I", pl[:4])[0]))
            payloads.setdefault(("p", probes[-1][1]), pl)
        elif sp == port and (sport is None or dp == sport):
            ee = struct.unpack("!H", pl[12:14])[0]
            sseq = struct.unpack("!I", pl[24:28])[0]
            replies.append((t, sseq, ts_ns(pl[16:24], ee), ts_ns(pl[4:12], ee),
                            struct.unpack("!I", pl[:4])[0]))
            payloads.setdefault(("r", sseq), pl)
    return probes, replies, payloads


def main():
    a = sys.argv[1:]
    if not a or a[0] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        sys.exit(2)
    spcap, rpcap, ppcap, port, sport, uport = a[0], None, None, 862, None, None
    hpcap = None
    i = 1
    while i < len(a):
        if a[i] == "--refl":
            rpcap = a[i + 1]
        elif a[i] == "--hop":
            hpcap = a[i + 1]
        elif a[i] == "--pre":
            ppcap = a[i + 1]
        elif a[i] == "--port":
            port = int(a[i + 1])
        elif a[i] == "--sport":
            sport = int(a[i + 1])
        elif a[i] == "--user-port":
            uport = int(a[i + 1])
        else:
            raise SystemExit(f"dp_pcap: unknown argument {a[i]}")
        i += 2

    probes, replies, spl = collect(spcap, port, sport)
    out_t, qd = {}, []
    for t, s in probes:
        out_t.setdefault(s, t)
    for (kind, s), pl in spl.items():
        # T1 is written at POST_ROUTING, before the qdisc: wire - T1 is the
        # time the probe spent in the sender's own qdisc (and driver path)
        ee = struct.unpack("!H", pl[12:14])[0]
        t1 = ts_ns(pl[4:12], ee)
        if kind == "p" and s in out_t and t1:
            qd.append(out_t[s] - t1)
    seen, highest, dups, reord, differs = set(), None, 0, 0, 0
    rtt_raw, rtt_wire, in_t = [], [], {}
    for t, s, t2, t3, rs in replies:
        if s in seen:
            dups += 1
            continue
        if highest is not None and s < highest:
            reord += 1
        if rs != s:
            differs += 1
        seen.add(s)
        highest = s if highest is None else max(highest, s)
        in_t[s] = (t, t2, t3)
        if s in out_t:
            rtt_raw.append(t - out_t[s])
            if t2 and t3:
                rtt_wire.append(t - out_t[s] - (t3 - t2))
    over = [s for s in in_t if s + 64 in out_t and out_t[s + 64] < in_t[s][0]]
    near = [s for s in in_t if s + 64 in out_t and
            0 <= out_t[s + 64] - in_t[s][0] < 5_000_000]
    res = {
        "overtaken": len(over), "overtaken_near": len(near),
        "probes": len(out_t), "probe_frames": len(probes), "replies": len(replies),
        "unique": len(seen), "duplicates": dups, "reordered": reord,
        "seq_differs": differs,
        "lost": (max(seen) - min(seen) + 1 - len(seen)) if seen else 0,
        "rtt_raw_p50_ns": median(rtt_raw), "rtt_wire_p50_ns": median(rtt_wire),
        "rtt_samples": len(rtt_wire), "qdisc_p50_ns": median(qd),
    }
    res["rtt_wire_p50_lo_ns"], res["rtt_wire_p50_hi_ns"] = mid_pair(rtt_wire)
    hop = {}
    if hpcap:
        # where the sender's link ends: the sender's hand-off lies in
        # [out_t, hop] (hop-in is stamped inside the sender's veth_xmit).
        # Only probes the sender's capture saw: every *_hop_* value is over
        # the same probes as its sender-out twin when hop_missing is 0.
        try:
            for t, s in collect(hpcap, port, sport)[0]:
                if s in out_t:
                    hop.setdefault(s, t)
            hop_ok = True
        except OSError as e:
            sys.stderr.write(f"dp_pcap: --hop: {e}\n")
            hop_ok = False
        ho = [hop[s] - out_t[s] for s in hop]
        res["hop_in"] = len(hop) if hop_ok else None
        res["hop_missing"] = len([s for s in out_t if s not in hop]) if hop_ok else None
        res["handoff_p50_ns"] = median(ho)
        res["handoff_p90_ns"] = p90(ho)
        res["handoff_max_ns"] = max(ho, default=None)
        res["handoff_min_ns"] = min(ho, default=None)
        res["rtt_wire_hop_p50_lo_ns"] = mid_pair(
            [t - hop[s] - (t3 - t2) for s, (t, t2, t3) in in_t.items()
             if s in hop and t2 and t3])[0]
    if ppcap:
        pre = {}
        for t, s in collect(ppcap, port, sport)[0]:
            pre.setdefault(s, t)
        res["qdisc_cap_p50_ns"] = median([out_t[s] - pre[s] for s in pre if s in out_t])
        res["pre_probes"] = len(pre)
        if uport is not None:
            st = []
            for t, lt, pkt in frames(ppcap):
                u = udp_of(lt, pkt)
                if u and u[4] == uport and len(u[5]) >= 8:
                    st.append(t - struct.unpack("!Q", u[5][:8])[0])
            res["stack_p50_ns"] = median(st)
            res["stack_p90_ns"] = p90(st)
            res["stack_samples"] = len(st)
    # reflector seq -> T3 of that reply; (fu seq, fu time) of each reply
    t3_of, fus = {}, []
    for (kind, s), pl in spl.items():
        if kind != "r":
            continue
        ee = struct.unpack("!H", pl[12:14])[0]
        t3_of[struct.unpack("!I", pl[:4])[0]] = ts_ns(pl[4:12], ee)
        fu = followup(pl)
        if fu:
            fus.append(fu)
    res["fu_replies"] = len(fus)
    res["fu_distinct"] = len({q for q, _t in fus if q in t3_of})
    res["fu_far_tx_p50_ns"] = median([t - t3_of[q] for q, t in fus if q in t3_of])
    if rpcap:
        rprobes, rreplies, rpl = collect(rpcap, port, sport)
        rin, rout, rdep, rq = {}, {}, {}, []
        for t, s in rprobes:
            rin.setdefault(s, t)
        for t, s, _t2, t3, rs in rreplies:
            rout.setdefault(s, t)
            rdep.setdefault(rs, t)
            if t3:
                rq.append(t - t3)
        fu_wire = [t - rdep[q] for q, t in fus if q in rdep]
        # IPDV and RFC 3550 jitter over the two-capture rtt, arrival order
        # bound: how far the reflector's stamps (T2, T3) alone can move the
        # sender's J from the wire's: D changes by the change of (wire hold
        # - stamped turnaround) between the pair, | |a| - |b| | <= |a - b|,
        # and J is a weighted sum of |D| (weights (1/16)(15/16)^age). It is
        # made of the stamps under test: the caller checks them (t2_tap_*,
        # stamps_missing) before it trusts the bound.
        # With --hop, the same over the sender's hand-off: its place w in
        # its window [0, W] (W = hop - out) moves the module's D of a pair
        # from the wire's by |w(n) - w(n-1)| <= max(W(n), W(n-1)).
        # Per pair, the module's |D| lies within M = max(W(n), W(n-1)) +
        # |change of er| of the wire's: ipdv_range_lo_ns / _hi_ns are the
        # lower middle value of max(0, |D| - M) and the upper middle value
        # of |D| + M, the range the module's IPDV median lies in.
        ipdv, jit, bound, prev, done = [], 0.0, 0.0, None, set()
        hbound, hgaps, ipdv_lo, ipdv_hi = 0.0, 0, [], []
        for t, s, t2, t3, _rs in replies:
            if s in done:
                continue    # a duplicate: not a sample (kmod/seq.c)
            done.add(s)
            if s not in out_t or s not in rin or s not in rout:
                prev = None
                continue
            r2 = (t - out_t[s]) - (rout[s] - rin[s])
            er = (rout[s] - rin[s]) - (t3 - t2)
            w = hop[s] - out_t[s] if s in hop else None
            if prev is not None and s == prev[0] + 1:
                d = abs(r2 - prev[1])
                ipdv.append(d)
                jit += (d - jit) / 16
                bound += (abs(er - prev[2]) - bound) / 16
                if w is None or prev[3] is None:
                    hgaps += 1
                else:
                    m = max(0, w, prev[3])
                    hbound += (m - hbound) / 16
                    m += abs(er - prev[2])
                    ipdv_lo.append(max(0, d - m))
                    ipdv_hi.append(d + m)
            prev = (s, r2, er, w)
        # T2 is the skb's receive stamp, which the reflector's capture
        # reports too (af_packet): they agree to the ns unless something
        # else stamped the packet
        t2_tap = [abs(t2 - rin[s]) for _t, s, t2, _t3, _rs in replies if t2 and s in rin]
        got = {rs for _t, _s, _t2, _t3, rs in replies}
        sent_r = {rs for _t, _s, _t2, _t3, rs in rreplies}
        rev_lost = (len([r for r in sent_r if min(got) <= r <= max(got) and r not in got])
                    if got else 0)
        fwd = [rin[s] - out_t[s] for s in rin if s in out_t]
        rev = [in_t[s][0] - rout[s] for s in rout if s in in_t]
        rtt2 = [(in_t[s][0] - out_t[s]) - (rout[s] - rin[s])
                for s in in_t if s in out_t and s in rin and s in rout]
        for k, v in (("fwd", fwd), ("rev", rev), ("rtt_2cap", rtt2)):
            res[k + "_p50_lo_ns"], res[k + "_p50_hi_ns"] = mid_pair(v)
        if hpcap:
            res["fwd_hop_p50_lo_ns"] = mid_pair([rin[s] - hop[s] for s in rin if s in hop])[0]
            res["rtt_2cap_hop_p50_lo_ns"] = mid_pair(
                [(in_t[s][0] - hop[s]) - (rout[s] - rin[s])
                 for s in in_t if s in hop and s in rin and s in rout])[0]
            # a pair without the hop's time has no bound: none at all
            res["jitter_hop_bound_ns"] = None if hgaps else round(hbound)
            res["ipdv_range_lo_ns"] = None if hgaps else mid_pair(ipdv_lo)[0]
            res["ipdv_range_hi_ns"] = None if hgaps else mid_pair(ipdv_hi)[1]
        res.update({
            "refl_in": len(rprobes), "refl_out": len(rreplies),
            "fwd_p50_ns": median(fwd), "rev_p50_ns": median(rev),
            "rtt_2cap_p50_ns": median(rtt2),
            "fwd_lost": len([s for s in out_t if s not in rin]),
            # STAMP payloads changed between the two ends (a router must not)
            "transit_modified": len([k for k in rpl if k in spl and rpl[k] != spl[k]]),
            "transit_compared": len([k for k in rpl if k in spl]),
            "refl_hold_p50_ns": median([rout[s] - rin[s] for s in rout if s in rin]),
            "refl_qdisc_p50_ns": median(rq),
            "fu_wire_p50_ns": median(fu_wire),
            "fu_wire_absmax_ns": max((abs(v) for v in fu_wire), default=None),
            "fu_wire_p90abs_ns": p90(abs(v) for v in fu_wire),
            "ipdv_p50_ns": median(ipdv), "ipdv_samples": len(ipdv),
            "jitter_ns": round(jit), "jitter_refl_bound_ns": round(bound),
            "stamps_missing": len([1 for _t, _s, t2, t3, _rs in replies if not t2 or not t3]),
            "t2_tap_absmax_ns": max(t2_tap, default=None), "t2_tap_n": len(t2_tap),
            "rev_lost_wire": rev_lost,
        })
    print(json.dumps(res))


if __name__ == "__main__":
    main()
