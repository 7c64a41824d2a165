#!/usr/bin/python3
"""A stateless STAMP Session-Reflector (RFC 8762 section 4.3, RFC 8972
packet layout) in plain Python sockets, for testing `snapfire probe`
without the kernel module.

    stamp_reflector.py [-p PORT] [-b ADDR] [-6] [--drop-every N] [--delay MS]
                       [--count N] [--rfc8762] [--followup-lag MS]
                       [--dup-every N] [--swap-every N] [--zero-t1-every N]
                       [--zero-t2-every N]
                       [--hold-every N --hold-for M] [--log-t1]

Prints "ready" on stdout once bound. Replies to every valid test packet with
a reflector packet: sequence, T1, error estimate and SSID copied, T2/T3 from
time.time_ns() in NTP format, sender TTL from IP_RECVTTL, TLVs echoed.

--rfc8762: a reflector of RFC 8762 alone, without the RFC 8972 extensions:
bytes 14-15 (the SSID) are MBZ to it and go back as zero, and nothing after
the 44-byte base packet is echoed (it knows no TLVs).

TLVs (RFC 8972 section 4) are echoed with the U flag set on every type but
Extra Padding: this reflector acts on none of them, unless --followup-lag
MS is given: then a Follow-Up Telemetry TLV (section 4.7, type 7, length
16) is answered with the previous reply to this peer (its sequence number)
and a "real" transmit time planted MS after the T3 that reply carried,
mode 2 (SW local): a known far-host egress delay for the sender to find.

--dup-every N sends every Nth reply twice; --swap-every N holds every Nth
reply back and sends it right after the next one (a reordering);
--zero-t1-every N echoes a Sender Timestamp of 0 in every Nth reply (a
T1 its probe did not carry: forged or broken); --zero-t2-every N sends a
Receive Timestamp (T2) of 0 in every Nth reply (no T2: broken);
--hold-every N holds every
Nth reply back until M more probes came in (--hold-for M, default 1000),
then sends it as it was: given more probes than the sender remembers,
it is a reply too late to match its probe, whatever the timing. Each is
printed as it happens ("dup SEQ", "swap SEQ": the reply held back,
"zero-t1 SEQ", "zero-t2 SEQ", "held SEQ": the held reply, once sent), so a test can
count exactly what the sender must have seen.

--log-t1 prints "t1 SEQ NS" for every probe received: its Sender Timestamp
(NTP format) in Unix ns, the time the sender put it on its way, to check
when a sender sent, whatever the scheduling of this reflector.
"""
import argparse
import socket
import struct
import sys
import time

NTP_OFFSET = 2208988800
BASE = 44
IP_RECVTTL = getattr(socket, "IP_RECVTTL", 12)
IP_TTL = getattr(socket, "IP_TTL", 2)
IPV6_RECVHOPLIMIT = getattr(socket, "IPV6_RECVHOPLIMIT", 51)
IPV6_HOPLIMIT = getattr(socket, "IPV6_HOPLIMIT", 52)


def ntp(ns):
    sec, rem = divmod(ns, 1_000_000_000)
    return struct.pack("!II", (sec + NTP_OFFSET) & 0xFFFFFFFF, (rem << 32) // 1_000_000_000)


def tlvs(data, prev, lag):
    """The probe's TLVs as the reply carries them (see the docstring)."""
    out = bytearray(data)
    pos = 0
    while pos + 4 <= len(out):
        typ = out[pos + 1]
        vlen = struct.unpack("!H", out[pos + 2:pos + 4])[0]
        if pos + 4 + vlen > len(out):
            break
        if typ == 7 and vlen == 16 and lag is not None:
            if prev:
                pseq, pt3 = prev
                out[pos + 4:pos + 20] = struct.pack(
                    "!I8sB3s", pseq, ntp(pt3 + int(lag * 1e6)), 2, b"\0\0\0")
            else:
                out[pos + 4:pos + 20] = bytes(16)
        elif typ != 1:
            out[pos] |= 0x80
        pos += 4 + vlen
    return bytes(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-p", "--port", type=int, default=862)
    ap.add_argument("-b", "--bind", default=None)
    ap.add_argument("-6", dest="v6", action="store_true")
    ap.add_argument("--drop-every", type=int, default=0,
                    help="do not answer every Nth probe (1-based)")
    ap.add_argument("--delay", type=float, default=0.0, help="turnaround delay, ms")
    ap.add_argument("--count", type=int, default=0, help="exit after N probes")
    ap.add_argument("--synced", action="store_true", help="set the S bit")
    ap.add_argument("--rfc8762", action="store_true",
                    help="RFC 8762 only: SSID is MBZ (sent as 0), no TLVs")
    ap.add_argument("--followup-lag", type=float, default=None,
                    help="answer Follow-Up Telemetry: previous T3 + MS")
    ap.add_argument("--dup-every", type=int, default=0,
                    help="send every Nth reply twice")
    ap.add_argument("--swap-every", type=int, default=0,
                    help="send every Nth reply after the next one")
    ap.add_argument("--zero-t1-every", type=int, default=0,
                    help="echo a Sender Timestamp of 0 in every Nth reply (forged)")
    ap.add_argument("--zero-t2-every", type=int, default=0,
                    help="send a Receive Timestamp of 0 in every Nth reply (broken)")
    ap.add_argument("--hold-every", type=int, default=0,
                    help="send every Nth reply only --hold-for probes later")
    ap.add_argument("--hold-for", type=int, default=1000,
                    help="probes a reply of --hold-every waits for")
    ap.add_argument("--log-t1", action="store_true",
                    help='print "t1 SEQ NS" for every probe (its Sender Timestamp)')
    args = ap.parse_args()
    last = {}   # peer -> (seq, t3 ns) of the last reply sent to it
    held = None  # (reply, peer, seq) held back by --swap-every
    holds = []   # (n to send at, reply, peer, seq) of --hold-every, oldest first

    fam = socket.AF_INET6 if args.v6 else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET:
        s.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
    else:
        s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1)
    s.bind((args.bind or ("::" if args.v6 else "0.0.0.0"), args.port))
    print("ready", flush=True)
    n = 0
    while True:
        data, anc, _flags, peer = s.recvmsg(65535, socket.CMSG_SPACE(4))
        t2 = time.time_ns()
        ttl = 0
        for level, ctype, cdata in anc:
            if (level, ctype) in ((socket.IPPROTO_IP, IP_TTL),
                                  (socket.IPPROTO_IPV6, IPV6_HOPLIMIT)):
                ttl = struct.unpack("i", cdata[:4])[0] if len(cdata) >= 4 else cdata[0]
        if len(data) < BASE:
            continue
        n += 1
        if args.drop_every and n % args.drop_every == 0:
            continue
        seq, t1, ee, ssid = struct.unpack("!I8sHH", data[:16])
        if args.log_t1:
            sec, frac = struct.unpack("!II", t1)
            print("t1", seq, (sec - NTP_OFFSET) * 1_000_000_000 + (frac * 1_000_000_000 >> 32),
                  flush=True)
        if args.rfc8762:
            ssid = 0
        if args.delay:
            time.sleep(args.delay / 1000.0)
        my_ee = 0x8001 if args.synced else 0x0001
        t3 = time.time_ns()
        if args.zero_t1_every and n % args.zero_t1_every == 0:
            t1 = bytes(8)
            print("zero-t1", seq, flush=True)
        t2b = ntp(t2)
        if args.zero_t2_every and n % args.zero_t2_every == 0:
            t2b = bytes(8)
            print("zero-t2", seq, flush=True)
        reply = struct.pack("!I8sHH8sI8sHHB3s", seq, ntp(t3), my_ee, ssid, t2b,
                            seq, t1, ee, 0, ttl & 0xFF, b"\0\0\0")
        if not args.rfc8762:
            reply += tlvs(data[BASE:], last.get(peer), args.followup_lag)
        if args.hold_every and n % args.hold_every == 0:
            holds.append((n + args.hold_for, reply, peer, seq))
        elif args.swap_every and held is None and n % args.swap_every == 0:
            held = (reply, peer, seq)
        else:
            s.sendto(reply, peer)
            if args.dup_every and n % args.dup_every == 0:
                s.sendto(reply, peer)
                print("dup", seq, flush=True)
            if held is not None:
                s.sendto(held[0], held[1])
                print("swap", held[2], flush=True)
                held = None
        while holds and holds[0][0] <= n:
            _, hreply, hpeer, hseq = holds.pop(0)
            s.sendto(hreply, hpeer)
            print("held", hseq, flush=True)
        last[peer] = (seq, t3)
        if args.count and n >= args.count:
            break


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
