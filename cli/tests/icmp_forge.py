#!/usr/bin/env python3
"""Forge echo replies on lo for SECONDS: for each echo request seen on lo
(AF_PACKET, so also those the kernel ignores), an echo reply from its
destination with the request's identifier and sequence and a payload of
PAYLOAD: "tag" (what a spoofer knowing the program would send: its tag,
zeros) or "zero".  The kernel's own replies are expected to be off
(net.ipv4.icmp_echo_ignore_all=1).  Prints the number of replies sent."""
import socket
import struct
import sys
import time


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def main():
    seconds, kind = float(sys.argv[1]), sys.argv[2]
    cap = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
    cap.bind(("lo", 0))
    cap.settimeout(0.1)
    out = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    end = time.monotonic() + seconds
    sent = 0
    print("ready", flush=True)
    while time.monotonic() < end:
        try:
            pkt, addr = cap.recvfrom(2048)
        except socket.timeout:
            continue
        if addr[2] != socket.PACKET_HOST:  # lo shows each packet twice
            continue
        ihl = (pkt[0] & 15) * 4
        if len(pkt) < ihl + 8 or pkt[9] != socket.IPPROTO_ICMP:
            continue
        icmp = pkt[ihl:]
        if icmp[0] != 8:
            continue
        ident, seq = struct.unpack("!HH", icmp[4:8])
        n = len(icmp) - 8
        payload = (b"snapfire diagnose" if kind == "tag" else b"").ljust(n, b"\0")[:n]
        body = struct.pack("!BBHHH", 0, 0, 0, ident, seq) + payload
        body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
        src, dst = pkt[16:20], pkt[12:16]  # the request's, swapped
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), 0, 0, 64,
                         socket.IPPROTO_ICMP, 0, src, dst)
        out.sendto(ip + body, (socket.inet_ntoa(dst), 0))
        sent += 1
    print(sent, flush=True)


main()
