// SPDX-License-Identifier: GPL-2.0
/*
 * flood — send one unauthenticated STAMP Session-Sender packet (RFC 8762
 * 4.2.1 / RFC 8972 SSID, 44 bytes) for each (source port, SSID) pair, so
 * that the snapfire module creates one flow per pair (per role seen).
 *
 *   flood [-d DST] [-P DPORT] [-b BASEPORT] [-n NPORTS] [-s NSSID] [-c COUNT]
 *
 * Source ports BASEPORT .. BASEPORT+NPORTS-1 (default 20000, 100 ports),
 * SSIDs 1 .. NSSID (default 100), COUNT packets per pair (default 1, with
 * sequence numbers 0..COUNT-1), to DST (default 127.0.0.1; IPv6 if it has a
 * colon) port DPORT (default 862), sendmmsg() in batches.  Prints the number
 * of packets sent.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "stamp_pkt.h"

#define STAMP_LEN	STAMP_BASE_LEN
#define BATCH		256

int main(int argc, char **argv)
{
	const char *dst = "127.0.0.1";
	long dport = 862, base = 20000, nports = 100, nssid = 100, count = 1;
	static unsigned char pkt[BATCH][STAMP_LEN];
	struct sockaddr_storage sa = { 0 }, src = { 0 };
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	unsigned long sent = 0;
	socklen_t salen;
	int opt, family;

	while ((opt = getopt(argc, argv, "d:P:b:n:s:c:")) != -1) {
		switch (opt) {
		case 'd': dst = optarg; break;
		case 'P': dport = strtol(optarg, NULL, 0); break;
		case 'b': base = strtol(optarg, NULL, 0); break;
		case 'n': nports = strtol(optarg, NULL, 0); break;
		case 's': nssid = strtol(optarg, NULL, 0); break;
		case 'c': count = strtol(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: %s [-d DST] [-P DPORT] [-b BASEPORT] [-n NPORTS] [-s NSSID] [-c COUNT]\n",
				argv[0]);
			return 2;
		}
	}
	if (nssid < 1 || nssid > 65535 || nports < 1 || base < 1 ||
	    base + nports > 65536 || count < 1) {
		fprintf(stderr, "flood: bad arguments\n");
		return 2;
	}

	family = strchr(dst, ':') ? AF_INET6 : AF_INET;
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&sa;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)dport);
		if (inet_pton(AF_INET6, dst, &s6->sin6_addr) != 1)
			goto bad_dst;
		salen = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&sa;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)dport);
		if (inet_pton(AF_INET, dst, &s4->sin_addr) != 1)
			goto bad_dst;
		salen = sizeof(*s4);
	}
	src.ss_family = (sa_family_t)family;

	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = pkt[i];
		iov[i].iov_len = STAMP_LEN;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &sa;
		msgs[i].msg_hdr.msg_namelen = salen;
	}

	for (long p = base; p < base + nports; p++) {
		int fd = socket(family, SOCK_DGRAM, 0), one = 1;
		long total = nssid * count, done = 0;

		if (fd < 0) {
			perror("flood: socket");
			return 1;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (family == AF_INET6)
			((struct sockaddr_in6 *)&src)->sin6_port = htons((uint16_t)p);
		else
			((struct sockaddr_in *)&src)->sin_port = htons((uint16_t)p);
		if (bind(fd, (struct sockaddr *)&src, salen) < 0) {
			fprintf(stderr, "flood: bind port %ld: %s\n", p, strerror(errno));
			close(fd);
			continue;
		}
		while (done < total) {
			int n = total - done < BATCH ? (int)(total - done) : BATCH;
			int k, r;

			for (k = 0; k < n; k++) {
				long j = done + k;

				stamp_pkt_fill(pkt[k], (uint32_t)(j / nssid), stamp_ntp_now(),
					       (uint16_t)(j % nssid + 1));
			}
			r = sendmmsg(fd, msgs, (unsigned int)n, 0);
			if (r < 0) {
				if (errno == EAGAIN || errno == ENOBUFS ||
				    errno == ECONNREFUSED) {
					usleep(1000);
					continue;
				}
				perror("flood: sendmmsg");
				close(fd);
				return 1;
			}
			done += r;
			sent += (unsigned long)r;
		}
		close(fd);
	}
	printf("sent=%lu\n", sent);
	return 0;

bad_dst:
	fprintf(stderr, "flood: bad destination %s\n", dst);
	return 2;
}
