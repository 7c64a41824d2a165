#!/usr/bin/python3
"""dp_usersend.py DST PORT COUNT INTERVAL

COUNT UDP datagrams to DST:PORT, one per INTERVAL seconds, each carrying
the CLOCK_REALTIME nanoseconds read just before its send() (8 bytes, big
endian). With a capture before the qdisc (dp_pcap.py --user-port PORT),
that is the time a datagram takes from a process's send() to the qdisc:
the stack path a probe's tx stage (LOCAL_OUT to driver hand-off) covers
and no capture sees, measured without the module and at the same time.
"""
import socket
import struct
import sys
import time


def main():
    if len(sys.argv) != 5:
        sys.stderr.write(__doc__)
        sys.exit(2)
    dst, port, count, ival = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    # not connect()ed: nothing listens on PORT at the far end, and a
    # connected socket reports each ICMP port unreachable on a later send()
    # (ECONNREFUSED); with a 25 ms path several are in flight at once, so
    # one retry was not enough (53's inet6 in a make check). An unconnected
    # socket without IP_RECVERR never reports them.
    addr = (dst, port)
    pad = bytes(36)
    nxt = time.monotonic()
    for _ in range(count):
        s.sendto(struct.pack("!Q", time.clock_gettime_ns(time.CLOCK_REALTIME)) + pad, addr)
        nxt += ival
        time.sleep(max(0.0, nxt - time.monotonic()))


if __name__ == "__main__":
    main()
