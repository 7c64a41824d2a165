#!/usr/bin/python3
"""dp_craft.py [--interval S] [--wait S] [--recv] PACKET...   hand-made probes

Sends 44-byte unauthenticated STAMP Session-Sender test packets (the same
bytes as dp_stamp.py: RFC 8762 4.2.1, SSID 0x1234, MBZ zero) whose IP and
UDP headers are made here, so that what a UDP socket would refuse can be
sent: a spoofed source address or port, a wrong or a zero UDP checksum, a
unicast frame to a multicast address. Prints JSON:

  {"sent": [{"src", "dst", "sport", "dport", "seq", "csum"}...],
   "replies": [{"from", "sport", "port", "len", "sender_seq", "hex"}...],
   "nsent": {"SPORT": how many were sent from SPORT},
   "answered": {"SPORT": how many replies reached port SPORT},
   "send_s": seconds from the first send to the last}

PACKET is KEY=VALUE[,KEY=VALUE...]:
  src, dst        addresses (both IPv4 or both IPv6; src may be anything)
  sport (40000)   dport (862)
  seq (1)         Sequence Number of the first copy, +1 for each next one
  n (1)           how many copies
  start (0), every (1)   send a copy in round start, start + every, ...
  csum (ok)       UDP checksum: ok, zero, or bad (the right one, bits flipped)
  sseq=N          a Session-Reflector test packet instead (RFC 8762 4.3.1,
                  T2 = T3 = now) answering Sender Sequence Number N, whose
  t1=now|zero     echoed Timestamp is now (default) or zero (1900)
  t23=now|zero|t2zero|t3zero|reversed|long   its T2 and T3: now (default),
                  both zero, only T2 zero, only T3 zero, T3 1 ms before T2,
                  or T2 1000 s before T3 (a turnaround longer than any
                  round trip)
  ext=hbh|dst|dstx|rh  IPv6: an extension header before UDP: hop-by-hop
                  or destination options (PadN over its 8 bytes), destination
                  options with an unknown option whose type says discard
                  (0x8f), or a Segment Routing header (routing type 4) with
                  Segments Left 0 and dst its one segment
  dev=IF          send on IF (the scope of a link-local destination)
  dmac=MAC        with dev: an Ethernet frame to MAC through an AF_PACKET
                  socket (no routing, no netfilter), else a raw IP socket

A raw IP socket (IPPROTO_RAW: the header is ours) is routed by the kernel
and seen by this namespace's netfilter hooks; the kernel fills in only the
IPv4 header checksum. The UDP checksum is RFC 768 / RFC 8200 8.1, computed
here.

The copies are sent in rounds, --interval (0) apart; a round sends one copy
of every PACKET due in it, in the order given (e.g. n=3000 and
n=5,start=2000,every=200: five copies of the second one, 200 of the first
one's apart, once the first one has sent 2000). --recv listens on UDP port
sport of every PACKET (any address, both families) and reports what
arrives until --wait seconds after the last send (1 times
$SF_TIMEOUT_SCALE, the slow kernel's factor).
"""
import argparse
import ipaddress
import json
import os
import select
import socket
import struct
import time

NTP_OFF = 2208988800


def stamp(seq):
    t = time.time_ns()
    sec, ns = divmod(t, 1_000_000_000)
    p = bytearray(44)
    struct.pack_into("!IIIHH", p, 0, seq, (sec + NTP_OFF) & 0xFFFFFFFF,
                     (ns << 32) // 1_000_000_000, 0x0001, 0x1234)
    return bytes(p)


def csum16(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


T23 = {
    "now": lambda n: (n, n),
    "zero": lambda n: (0, 0),
    "t2zero": lambda n: (0, n),
    "t3zero": lambda n: (n, 0),
    "reversed": lambda n: (n, n - 1_000_000),
    "long": lambda n: (n - 1000 * 1_000_000_000, n),
}


def reply(seq, sseq, t1, t23="now"):
    """A 44-byte Session-Reflector test packet (RFC 8762 4.3.1): T2 and T3
    as t23 says (T23: ns since 1970 from now), SSID 0x1234, answering
    Sender Sequence Number sseq whose Timestamp is t1 (ns since 1970; 0:
    the NTP era's zero, 1900)."""
    def ntp(ns):
        if not ns:
            return 0, 0
        sec, rem = divmod(ns, 1_000_000_000)
        return (sec + NTP_OFF) & 0xFFFFFFFF, (rem << 32) // 1_000_000_000
    t2, t3 = T23[t23](time.time_ns())
    t2, t3 = ntp(t2), ntp(t3)
    p = bytearray(44)
    struct.pack_into("!IIIHHII", p, 0, seq, t3[0], t3[1], 0x0001, 0x1234, t2[0], t2[1])
    struct.pack_into("!IIIH", p, 24, sseq, *ntp(t1), 0x0001)
    p[40] = 64
    return bytes(p)


def packet(spec, seq):
    """The IP packet of one copy of spec, and its UDP checksum."""
    src, dst = ipaddress.ip_address(spec["src"]), ipaddress.ip_address(spec["dst"])
    v6 = src.version == 6
    if "sseq" in spec:
        t1 = {"zero": 0, "now": time.time_ns()}.get(spec.get("t1", "now"))
        if t1 is None:
            raise SystemExit(f"dp_craft: t1={spec['t1']}: expected zero or now")
        if spec.get("t23", "now") not in T23:
            raise SystemExit(f"dp_craft: t23={spec['t23']}: expected one of {', '.join(T23)}")
        payload = reply(seq, spec["sseq"], t1, spec.get("t23", "now"))
    else:
        payload = stamp(seq)
    ulen = 8 + len(payload)
    udp = struct.pack("!HHHH", spec["sport"], spec["dport"], ulen, 0) + payload
    if v6:
        pseudo = src.packed + dst.packed + struct.pack("!IxxxB", ulen, 17)
    else:
        pseudo = src.packed + dst.packed + struct.pack("!xBH", 17, ulen)
    c = csum16(pseudo + udp) or 0xFFFF
    if spec["csum"] == "zero":
        c = 0
    elif spec["csum"] == "bad":
        c = (c ^ 0x5555) or 0x1111
    elif spec["csum"] != "ok":
        raise SystemExit(f"dp_craft: csum={spec['csum']}: expected ok, zero or bad")
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    if v6:
        ext, nh = b"", 17
        if spec.get("ext") in ("hbh", "dst"):
            ext, nh = bytes((17, 0, 1, 4, 0, 0, 0, 0)), 0 if spec["ext"] == "hbh" else 60
        elif spec.get("ext") == "dstx":
            ext, nh = bytes((17, 0, 0x8F, 4, 1, 2, 3, 4)), 60
        elif spec.get("ext") == "rh":
            # RFC 8754: next, hdr ext len 2 (one segment), type 4, segments
            # left 0, last entry 0, flags 0, tag 0, then the segment
            ext, nh = bytes((17, 2, 4, 0, 0, 0, 0, 0)) + dst.packed, 43
        elif spec.get("ext"):
            raise SystemExit(f"dp_craft: ext={spec['ext']}: expected hbh, dst, dstx or rh")
        ip = struct.pack("!IHBB", 6 << 28, len(ext) + ulen, nh, 64) + src.packed + dst.packed + ext
    else:
        ip = struct.pack("!BBHHHBBH", 0x45, 0, 20 + ulen, seq & 0xFFFF, 0, 64, 17, 0)
        ip += src.packed + dst.packed
        ip = ip[:10] + struct.pack("!H", csum16(ip)) + ip[12:]
    return v6, ip + udp, c


def parse(arg):
    spec = {"sport": 40000, "dport": 862, "seq": 1, "n": 1, "csum": "ok", "start": 0, "every": 1}
    for kv in arg.split(","):
        k, _, v = kv.partition("=")
        num = ("sport", "dport", "seq", "n", "start", "every", "sseq")
        if k not in num + ("src", "dst", "csum", "dev", "dmac", "ext", "t1", "t23"):
            raise SystemExit(f"dp_craft: unknown key {k!r} in {arg!r}")
        spec[k] = int(v, 0) if k in num else v
    if "src" not in spec or "dst" not in spec:
        raise SystemExit(f"dp_craft: {arg!r} needs src= and dst=")
    return spec


SOCKS = {}


def send(spec, v6, pkt):
    dev = spec.get("dev")
    if spec.get("dmac"):
        s = SOCKS.get(("packet", dev))
        if not s:
            s = SOCKS[("packet", dev)] = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
            s.bind((dev, 0))
        with open(f"/sys/class/net/{dev}/address") as f:
            smac = bytes.fromhex(f.read().strip().replace(":", ""))
        eth = bytes.fromhex(spec["dmac"].replace(":", "")) + smac
        s.send(eth + struct.pack("!H", 0x86DD if v6 else 0x0800) + pkt)
        return
    s = SOCKS.get((v6, dev))
    if not s:
        s = SOCKS[(v6, dev)] = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET,
                                             socket.SOCK_RAW, socket.IPPROTO_RAW)
        if dev:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode())
    scope = socket.if_nametoindex(dev) if dev else 0
    s.sendto(pkt, (spec["dst"], 0, 0, scope) if v6 else (spec["dst"], 0))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--interval", type=float, default=0.0)
    ap.add_argument("--wait", type=float,
                    default=1.0 * max(1, int(os.environ.get("SF_TIMEOUT_SCALE", "1") or 1)))
    ap.add_argument("--recv", action="store_true")
    ap.add_argument("packets", nargs="+")
    a = ap.parse_args()
    specs = [parse(p) for p in a.packets]

    socks = {}
    if a.recv:
        for sp in {s["sport"] for s in specs}:
            r = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            r.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            r.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            r.bind(("::", sp))
            r.setblocking(False)
            socks[r] = sp

    replies = []

    def drain(timeout):
        end = time.monotonic() + timeout
        while socks:
            left = end - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select(list(socks), [], [], left)
            for r in ready:
                while True:
                    try:
                        d, addr = r.recvfrom(65535)
                    except BlockingIOError:
                        break
                    replies.append({
                        "from": addr[0].removeprefix("::ffff:"), "sport": addr[1],
                        "port": socks[r], "len": len(d), "hex": d.hex(),
                        "sender_seq": struct.unpack("!I", d[24:28])[0] if len(d) >= 28 else None})

    sent = []
    rounds = max(s["start"] + (s["n"] - 1) * s["every"] + 1 for s in specs)
    copies = [(s, s["seq"] + (r - s["start"]) // s["every"]) for r in range(rounds) for s in specs
              if r >= s["start"] and (r - s["start"]) % s["every"] == 0
              and (r - s["start"]) // s["every"] < s["n"]]
    t0 = time.monotonic()
    for spec, seq in copies:
        v6, pkt, c = packet(spec, seq)
        send(spec, v6, pkt)
        sent.append({"src": spec["src"], "dst": spec["dst"], "sport": spec["sport"],
                     "dport": spec["dport"], "seq": seq, "csum": c})
        if a.interval:
            drain(a.interval)
    send_s = time.monotonic() - t0
    drain(a.wait)
    answered = {str(s["sport"]): sum(r["port"] == s["sport"] for r in replies) for s in specs}
    nsent = {str(s["sport"]): sum(x["sport"] == s["sport"] for x in sent) for s in specs}
    print(json.dumps({"sent": sent, "replies": replies, "nsent": nsent, "answered": answered,
                      "send_s": round(send_s, 3)}))


if __name__ == "__main__":
    main()
