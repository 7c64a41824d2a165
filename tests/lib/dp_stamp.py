#!/usr/bin/python3
"""dp_stamp.py --dst ADDR [options]   a third-party STAMP Session-Sender

Builds unauthenticated STAMP Session-Sender test packets byte by byte
(RFC 8762 section 4.2.1, SSID of RFC 8972 section 3), sends them from a
plain UDP socket, collects what comes back on that socket and prints JSON:

  {"sent": [{"seq", "len", "ts_hex", "ee", "hex", "payload"}...],
   "replies": [{"len", "ttl", "from", "sport", "t_recv_ns", "seq", "ts_ns",
                "ts_hex", "ee", "ssid", "rx_ts_ns", "sender_seq",
                "sender_ts_hex", "sender_ee", "mbz1", "sender_ttl", "mbz2",
                "tlvs": [{"flags", "type", "len", "value"}], "hex"}...],
   "wire": {"probes": [hex...], "replies": [{"ttl", "len", "csum",
                                              "csum_scapy", "csum_ok",
                                              "ipid"}...]},
   "now_ns": time when done}

options:
  --dport P (862)  --sport P (40000)  --count N (1)  --interval S (0.01)
  --seq N (first sequence number, +1 per packet)  --seqs A,B,C (explicit)
  --ssid N (0x1234)  --ee N (0x0001: S=0 Z=0 scale 0 multiplier 1)
  --tlv TYPE:LEN[:FLAGS]   append an RFC 8972 TLV (value bytes 0xa0, 0xa1, ..)
  --extra HEX      append raw bytes after the base packet and TLVs
  --mbz HEX        write these bytes over the MBZ from offset 16 on (where a
                   reflector puts its Receive Timestamp)
  --auth           the authenticated layout instead (RFC 8762 4.2.2, SSID of
                   RFC 8972 3; 112 bytes): seq, 12 MBZ, timestamp at 16,
                   error estimate at 24, SSID at 26, MBZ, and a made-up HMAC
                   at 96: 0000000c a5a5... (to a parser that takes it for the
                   unauthenticated layout, the packet is a valid probe: empty
                   TLVs, then one of 12 bytes)
  --payload-len N  send the first N bytes (zero padded) instead
  --wait S         how long to wait for replies after the last send (0.5 s
                   times $SF_TIMEOUT_SCALE, the slow kernel's factor), less
                   once every probe sent has a reply: 0.2 s more then (not
                   with --capture)
  --broadcast      SO_BROADCAST
  --capture IF     also capture on IF (AF_PACKET): the probes as they left
                   and the replies as they arrived, with the UDP checksum
                   recomputed by scapy
"""
import argparse
import json
import os
import select
import socket
import struct
import time

NTP_OFF = 2208988800


def ntp_now():
    t = time.time_ns()
    sec, ns = divmod(t, 1_000_000_000)
    return struct.pack("!II", (sec + NTP_OFF) & 0xFFFFFFFF, (ns << 32) // 1_000_000_000)


def ts_ns(b, ee):
    sec, frac = struct.unpack("!II", b)
    if not sec and not frac:
        return 0
    if ee & 0x4000:
        return sec * 1_000_000_000 + frac
    return (sec - NTP_OFF) * 1_000_000_000 + ((frac * 1_000_000_000 + (1 << 31)) >> 32)


def build(seq, ssid, ee, tlvs, extra, plen, mbz=b"", auth=False):
    if auth:
        # RFC 8762 4.2.2 / RFC 8972 3: offsets 0 seq, 4..15 MBZ, 16
        # timestamp, 24 error estimate, 26 SSID, 28..95 MBZ, 96 HMAC
        p = bytearray(112)
        struct.pack_into("!I", p, 0, seq)
        p[16:24] = ntp_now()
        struct.pack_into("!HH", p, 24, ee, ssid)
        p[96:112] = bytes.fromhex("0000000c") + b"\xa5" * 12
        return bytes(p)
    # RFC 8762 4.2.1 / RFC 8972 3: offsets 0 seq, 4 timestamp, 12 error
    # estimate, 14 SSID, 16..43 MBZ
    p = bytearray(44)
    struct.pack_into("!I", p, 0, seq)
    p[4:12] = ntp_now()
    struct.pack_into("!H", p, 12, ee)
    struct.pack_into("!H", p, 14, ssid)
    # p[16:44] stays zero (MBZ) unless told otherwise
    p[16:16 + len(mbz[:28])] = mbz[:28]
    for typ, ln, flags in tlvs:
        p += struct.pack("!BBH", flags, typ, ln) + bytes((0xA0 + i) & 0xFF for i in range(ln))
    p += extra
    if plen is not None:
        p = (p + bytes(max(0, plen - len(p))))[:plen]
    return bytes(p)


def parse_reply(d):
    r = {"len": len(d), "hex": d.hex()}
    if len(d) < 44:
        return r
    ee = struct.unpack("!H", d[12:14])[0]
    sender_ee = struct.unpack("!H", d[36:38])[0]
    r.update({
        "seq": struct.unpack("!I", d[0:4])[0],
        "ts_hex": d[4:12].hex(), "ts_ns": ts_ns(d[4:12], ee), "ee": ee,
        "ssid": struct.unpack("!H", d[14:16])[0],
        "rx_ts_ns": ts_ns(d[16:24], ee),
        "sender_seq": struct.unpack("!I", d[24:28])[0],
        "sender_ts_hex": d[28:36].hex(), "sender_ee": sender_ee,
        "mbz1": struct.unpack("!H", d[38:40])[0],
        "sender_ttl": d[40], "mbz2": d[41:44].hex(),
    })
    tl, pos = [], 44
    while pos + 4 <= len(d):
        flags, typ, ln = struct.unpack("!BBH", d[pos:pos + 4])
        tl.append({"flags": flags, "type": typ, "len": ln, "value": d[pos + 4:pos + 4 + ln].hex()})
        pos += 4 + ln
    r["tlvs"] = tl
    r["tlv_trailing"] = len(d) - pos
    return r


def udp_payload(frame):
    """(is_v6, ttl, sport, dport, csum, payload, ipid) of an Ethernet frame (ipid: IPv4 only)."""
    et = struct.unpack("!H", frame[12:14])[0]
    ip = frame[14:]
    if et == 0x0800 and len(ip) >= 20 and ip[9] == 17:
        ihl = (ip[0] & 15) * 4
        if struct.unpack("!H", ip[6:8])[0] & 0x3FFF:
            return None
        ttl, u = ip[8], ip[ihl:]
        v6, ipid = False, struct.unpack("!H", ip[4:6])[0]
    elif et == 0x86DD and len(ip) >= 40 and ip[6] == 17:
        ttl, u = ip[7], ip[40:]
        v6, ipid = True, None
    else:
        return None
    if len(u) < 8:
        return None
    sp, dp, ln, cs = struct.unpack("!HHHH", u[:8])
    return v6, ttl, sp, dp, cs, u[8:ln], ipid


def scapy_csum(frame):
    from scapy.layers.l2 import Ether
    from scapy.layers.inet import UDP
    from scapy.layers.inet6 import IPv6  # noqa: F401  (registers the layer)
    p = Ether(frame)
    orig = p[UDP].chksum
    del p[UDP].chksum
    return orig, Ether(bytes(p))[UDP].chksum


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dst", required=True)
    ap.add_argument("--dport", type=int, default=862)
    ap.add_argument("--sport", type=int, default=40000)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--interval", type=float, default=0.01)
    ap.add_argument("--seq", type=int, default=1)
    ap.add_argument("--seqs")
    ap.add_argument("--ssid", type=lambda s: int(s, 0), default=0x1234)
    ap.add_argument("--ee", type=lambda s: int(s, 0), default=0x0001)
    ap.add_argument("--tlv", action="append", default=[])
    ap.add_argument("--extra", default="")
    ap.add_argument("--mbz", default="")
    ap.add_argument("--auth", action="store_true")
    ap.add_argument("--payload-len", type=int)
    ap.add_argument("--wait", type=float,
                    default=0.5 * max(1, int(os.environ.get("SF_TIMEOUT_SCALE", "1") or 1)))
    ap.add_argument("--broadcast", action="store_true")
    ap.add_argument("--capture")
    a = ap.parse_args()

    v6 = ":" in a.dst
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if v6:
        s.setsockopt(socket.IPPROTO_IPV6, getattr(socket, "IPV6_RECVHOPLIMIT", 51), 1)
    else:
        s.setsockopt(socket.IPPROTO_IP, getattr(socket, "IP_RECVTTL", 12), 1)
    if a.broadcast:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.bind(("::" if v6 else "0.0.0.0", a.sport))
    s.setblocking(False)

    cap = None
    if a.capture:
        cap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        cap.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        cap.bind((a.capture, 0))
        cap.setblocking(False)

    tlvs = []
    for t in a.tlv:
        f = [int(x, 0) for x in t.split(":")]
        tlvs.append((f[0], f[1], f[2] if len(f) > 2 else 0))
    extra = bytes.fromhex(a.extra)
    seqs = [int(x, 0) for x in a.seqs.split(",")] if a.seqs else [a.seq + i for i in range(a.count)]

    sent, replies, frames = [], [], []

    def drain(timeout, until_all=False):
        end = time.monotonic() + timeout
        socks = [s] + ([cap] if cap else [])
        while True:
            left = end - time.monotonic()
            if left <= 0:
                break
            if until_all and {x["seq"] for x in sent} <= {r.get("sender_seq") for r in replies}:
                # every probe answered: a last 0.2 s for duplicates
                until_all = False
                end = min(end, time.monotonic() + 0.2)
                continue
            r, _, _ = select.select(socks, [], [], left)
            if s in r:
                while True:
                    try:
                        d, anc, _fl, addr = s.recvmsg(65535, 256)
                    except BlockingIOError:
                        break
                    ttl = None
                    for lvl, typ, data in anc:
                        if (lvl, typ) in ((socket.IPPROTO_IP, socket.IP_TTL),
                                          (socket.IPPROTO_IPV6, getattr(socket, "IPV6_HOPLIMIT", 52))):
                            ttl = struct.unpack("i", data[:4])[0] if len(data) >= 4 else data[0]
                    rep = parse_reply(d)
                    rep.update({"ttl": ttl, "from": addr[0], "sport": addr[1],
                                "t_recv_ns": time.time_ns()})
                    replies.append(rep)
            if cap and cap in r:
                while True:
                    try:
                        fr, addr = cap.recvfrom(65535)
                    except BlockingIOError:
                        break
                    frames.append((addr[2], fr))

    for i, seq in enumerate(seqs):
        pkt = build(seq, a.ssid, a.ee, tlvs, extra, a.payload_len, bytes.fromhex(a.mbz), a.auth)
        s.sendto(pkt, (a.dst, a.dport))
        sent.append({"seq": seq, "len": len(pkt), "ts_hex": pkt[4:12].hex() if len(pkt) >= 12 else "",
                     "ee": a.ee, "hex": pkt[:64].hex(), "payload": pkt.hex()})
        drain(a.interval if i + 1 < len(seqs) else 0)
    # (with --capture the whole wait: the last frames may trail the socket)
    drain(a.wait, until_all=not cap)

    wire = {"probes": [], "replies": []}
    for pkttype, fr in frames:
        u = udp_payload(fr)
        if not u:
            continue
        is6, ttl, sp, dp, cs, pl, ipid = u
        if pkttype == 4 and sp == a.sport and dp == a.dport:
            wire["probes"].append(pl.hex())
        elif pkttype != 4 and sp == a.dport and dp == a.sport:
            orig, recomputed = scapy_csum(fr)
            wire["replies"].append({"ttl": ttl, "len": len(pl), "csum": cs,
                                    "csum_scapy": recomputed, "csum_ok": int(orig == recomputed),
                                    "payload": pl[:64].hex(), "ipid": ipid})
    print(json.dumps({"sent": sent, "replies": replies, "wire": wire, "now_ns": time.time_ns()}))


if __name__ == "__main__":
    main()
