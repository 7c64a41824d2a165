// SPDX-License-Identifier: GPL-2.0
/*
 * stampload — offer a reflector a fixed request rate for a fixed time and
 * count what comes back; for the reflector-capacity benchmark (tests/bench).
 *
 *   stampload -d DST [-P DPORT] [-p SPORT] -r PPS [-t SECONDS] [-w WAIT]
 *             [-f stamp|sockperf] [-c CPU]
 *
 * Every millisecond it sends (sendmmsg) as many requests as keep the total
 * at PPS x elapsed time, and reads (recvmmsg, non-blocking) the replies
 * that came; after SECONDS (default 2) it waits WAIT (default 1) seconds
 * for the last ones. Requests (-f):
 *   stamp     a 44-byte STAMP Session-Sender packet (RFC 8762 4.2.1), the
 *             reply's Session-Sender sequence number at offset 24
 *   sockperf  a 14-byte sockperf ping-pong message (seq u64, flags 3 =
 *             client + pong request, length u32; all big-endian), the reply
 *             carries the seq at offset 0
 * The round trip of each reply (receive time minus its request's send time,
 * CLOCK_MONOTONIC, user space on both ends) goes into the percentiles.
 * Prints one line:
 *
 *   sent=N replies=N secs=S pps=R loss_pct=L rtt_p50_ns=N rtt_p99_ns=N errors=N
 *
 * pps: the rate actually offered (sent / SECONDS of sending).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
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

#define MAXBATCH	1024
#define PKTMAX		64
#define SOCKPERF_LEN	14

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t pct(uint64_t *v, size_t n, double p)
{
	size_t r;

	if (!n)
		return 0;
	r = (size_t)(p * (double)n + 0.999999);
	if (r < 1)
		r = 1;
	if (r > n)
		r = n;
	return v[r - 1];
}

struct load {
	int fd, sockperf;
	uint64_t *sent_at;	/* send time of each seq */
	uint64_t *rtt;		/* round trips of the replies */
	size_t cap, nrtt;
	unsigned long long replies;
	unsigned char rbuf[MAXBATCH][2048];
	struct mmsghdr rmsg[MAXBATCH];
	struct iovec riov[MAXBATCH];
};

static void drain(struct load *l)
{
	for (;;) {
		int r = recvmmsg(l->fd, l->rmsg, MAXBATCH, MSG_DONTWAIT, NULL);
		uint64_t t = now_ns();

		if (r <= 0)
			return;
		for (int i = 0; i < r; i++) {
			const unsigned char *b = l->rbuf[i];
			uint64_t seq;

			if (l->sockperf) {
				uint64_t hi, lo;

				if (l->rmsg[i].msg_len < SOCKPERF_LEN)
					continue;
				memcpy(&hi, b, 4);
				memcpy(&lo, b + 4, 4);
				seq = ((uint64_t)ntohl((uint32_t)hi) << 32) | ntohl((uint32_t)lo);
			} else {
				uint32_t s;

				if (l->rmsg[i].msg_len < 44)
					continue;
				memcpy(&s, b + 24, 4);
				seq = ntohl(s);
			}
			l->replies++;
			if (seq < l->cap && l->sent_at[seq] && l->nrtt < l->cap) {
				l->rtt[l->nrtt++] = t - l->sent_at[seq];
				l->sent_at[seq] = 0;
			}
		}
	}
}

static void fill(struct load *l, unsigned char *p, uint64_t seq)
{
	if (l->sockperf) {
		uint32_t v;

		v = htonl((uint32_t)(seq >> 32));
		memcpy(p, &v, 4);
		v = htonl((uint32_t)seq);
		memcpy(p + 4, &v, 4);
		p[8] = 0;
		p[9] = 3;
		v = htonl(SOCKPERF_LEN);
		memcpy(p + 10, &v, 4);
	} else {
		stamp_pkt_fill(p, (uint32_t)seq, stamp_ntp_now(), 1);
	}
}

static int open_sock(const char *dst, long dport, long sport)
{
	struct sockaddr_in sa = { .sin_family = AF_INET }, src = { .sin_family = AF_INET };
	int fd, buf = 64 << 20;

	sa.sin_port = htons((uint16_t)dport);
	src.sin_port = htons((uint16_t)sport);
	if (inet_pton(AF_INET, dst, &sa.sin_addr) != 1) {
		fprintf(stderr, "stampload: bad IPv4 destination %s\n", dst);
		return -1;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("stampload: socket");
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "stampload: bind/connect: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	static unsigned char pkt[MAXBATCH][PKTMAX];
	static struct mmsghdr msgs[MAXBATCH];
	static struct iovec iov[MAXBATCH];
	static struct load l;
	const char *dst = NULL, *fmt = "stamp";
	long dport = 862, sport = 40001, cpu = -1;
	double pps = 0, secs = 2, wait = 1;
	unsigned long long sent = 0, errors = 0;
	uint64_t t0, t, tend;
	size_t len;
	int opt;

	while ((opt = getopt(argc, argv, "d:P:p:r:t:w:f:c:")) != -1) {
		switch (opt) {
		case 'd':
			dst = optarg;
			break;
		case 'P':
			dport = strtol(optarg, NULL, 0);
			break;
		case 'p':
			sport = strtol(optarg, NULL, 0);
			break;
		case 'r':
			pps = strtod(optarg, NULL);
			break;
		case 't':
			secs = strtod(optarg, NULL);
			break;
		case 'w':
			wait = strtod(optarg, NULL);
			break;
		case 'f':
			fmt = optarg;
			break;
		case 'c':
			cpu = strtol(optarg, NULL, 0);
			break;
		default:
			goto usage;
		}
	}
	if (!dst || pps < 1 || secs <= 0 || wait < 0 || dport < 1 || dport > 65535 ||
	    sport < 0 || sport > 65535 || (strcmp(fmt, "stamp") && strcmp(fmt, "sockperf")))
		goto usage;
	l.sockperf = !strcmp(fmt, "sockperf");
	len = l.sockperf ? SOCKPERF_LEN : 44;
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET((int)cpu, &set);
		if (cpu >= CPU_SETSIZE || sched_setaffinity(0, sizeof(set), &set)) {
			fprintf(stderr, "stampload: cannot run on CPU %ld: %s\n", cpu,
				strerror(errno));
			return 1;
		}
	}
	l.cap = (size_t)(pps * secs * 1.1) + MAXBATCH;
	l.sent_at = calloc(l.cap, sizeof(*l.sent_at));
	l.rtt = calloc(l.cap, sizeof(*l.rtt));
	if (!l.sent_at || !l.rtt) {
		fprintf(stderr, "stampload: out of memory for %zu requests\n", l.cap);
		return 1;
	}
	l.fd = open_sock(dst, dport, sport);
	if (l.fd < 0)
		return 1;
	for (int i = 0; i < MAXBATCH; i++) {
		iov[i].iov_base = pkt[i];
		iov[i].iov_len = len;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		l.riov[i].iov_base = l.rbuf[i];
		l.riov[i].iov_len = sizeof(l.rbuf[i]);
		l.rmsg[i].msg_hdr.msg_iov = &l.riov[i];
		l.rmsg[i].msg_hdr.msg_iovlen = 1;
	}

	t0 = now_ns();
	tend = t0 + (uint64_t)(secs * 1e9);
	for (t = t0; t < tend; t = now_ns()) {
		unsigned long long due;
		struct timespec tick = { 0, 1000000 };

		due = (unsigned long long)((double)(t - t0) * pps / 1e9) + 1;
		while (sent < due && sent < l.cap) {
			unsigned long long want = due - sent;
			unsigned int n = (unsigned int)(want > MAXBATCH ? MAXBATCH : want);
			uint64_t ts = now_ns();
			int r;

			for (unsigned int k = 0; k < n; k++)
				fill(&l, pkt[k], sent + k);
			r = sendmmsg(l.fd, msgs, n, 0);
			if (r <= 0) {
				if (errno != EAGAIN && errno != ENOBUFS && errno != ECONNREFUSED &&
				    errno != EINTR) {
					perror("stampload: sendmmsg");
					return 1;
				}
				errors++;
				break;
			}
			for (int k = 0; k < r; k++)
				l.sent_at[sent + (unsigned long long)k] = ts;
			sent += (unsigned long long)r;
		}
		drain(&l);
		nanosleep(&tick, NULL);
	}
	t = now_ns();
	for (uint64_t w = t + (uint64_t)(wait * 1e9); now_ns() < w;) {
		struct timespec tick = { 0, 1000000 };

		drain(&l);
		nanosleep(&tick, NULL);
	}
	qsort(l.rtt, l.nrtt, sizeof(*l.rtt), cmp_u64);
	printf("sent=%llu replies=%llu secs=%.3f pps=%.0f loss_pct=%.3f ", sent, l.replies,
	       (double)(t - t0) / 1e9, (double)sent * 1e9 / (double)(t - t0),
	       sent ? 100.0 * (double)(sent > l.replies ? sent - l.replies : 0) / (double)sent : 0);
	printf("rtt_p50_ns=%llu rtt_p99_ns=%llu errors=%llu\n",
	       (unsigned long long)pct(l.rtt, l.nrtt, 0.5),
	       (unsigned long long)pct(l.rtt, l.nrtt, 0.99), errors);
	return 0;

usage:
	fprintf(stderr,
		"usage: %s -d DST [-P DPORT] [-p SPORT] -r PPS [-t SECONDS] [-w WAIT]\n"
		"          [-f stamp|sockperf] [-c CPU]\n", argv[0]);
	return 2;
}
