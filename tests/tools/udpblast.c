// SPDX-License-Identifier: GPL-2.0
/*
 * udpblast — send UDP as fast as one thread can for a fixed time, or count
 * what arrives; for the datapath-cost benchmark (tests/bench).
 *
 *   udpblast -d DST [-P DPORT] [-p SPORT] [-t SECONDS] [-b BATCH] [-s SSID] [-c CPU]
 *   udpblast -l PORT [-a ADDR] [-c CPU] [-T]
 *
 * Sender: sendmmsg() batches of BATCH (default 64) 44-byte datagrams from
 * SPORT (default 40000) to DST (IPv6 if it has a colon) port DPORT
 * (default 7000) for SECONDS (default 3).  Every datagram is a valid,
 * unauthenticated STAMP Session-Sender packet (RFC 8762 4.2.1, RFC 8972
 * SSID, default 1) with a sequence number and a timestamp, whatever the
 * port: only the destination port decides whether snapfire sees probes or
 * "other UDP", so the packets and the sender's work are identical.  At the
 * end it prints one line:
 *
 *   sent=N secs=S pps=R cpu_ns=N all_ns=N task_ns=N errors=N
 *
 * cpu_ns: busy time over the sending window of CPU CPU (-c: run there),
 * or of the whole machine, from /proc/stat (user+nice+system+irq+softirq+
 * steal, clock-tick resolution); all_ns: the same for the whole machine;
 * task_ns: this process's user+system time (getrusage).  veth delivers on
 * the sending CPU, so the receive path up to the socket runs on it too.
 *
 * Sink (-l): bind PORT (on ADDR, default any; IPv6 any accepts IPv4 too)
 * with a 64 MiB receive buffer and recvmmsg() until SIGTERM/SIGINT, then
 * print `received=N bytes=N`.  -T: the socket asks for receive timestamps
 * (SO_TIMESTAMPNS), which turns on the kernel's receive timestamping of
 * every packet on the host (net_enable_timestamp), as snapfire's module
 * did before it stamped STAMP-port packets only (kmod/rx.c): the clock
 * read's cost for every packet, without snapfire's hooks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "stamp_pkt.h"

#define STAMP_LEN	STAMP_BASE_LEN
#define MAXBATCH	1024

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Busy time so far, in ns, of CPU @cpu, or of all CPUs if @cpu < 0
 * (/proc/stat: user nice system [idle iowait] irq softirq steal).
 */
static unsigned long long cpu_busy_ns(int cpu)
{
	unsigned long long v[8], busy = 0;
	long hz = sysconf(_SC_CLK_TCK);
	char line[512], want[32];
	FILE *f = fopen("/proc/stat", "r");

	if (!f || hz <= 0)
		goto out;
	if (cpu < 0)
		snprintf(want, sizeof(want), "cpu ");
	else
		snprintf(want, sizeof(want), "cpu%d ", cpu);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, want, strlen(want)))
			continue;
		memset(v, 0, sizeof(v));
		if (sscanf(line + strlen(want), "%llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) >= 7)
			busy = (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) *
			       (1000000000ULL / (unsigned long long)hz);
		break;
	}
out:
	if (f)
		fclose(f);
	return busy;
}

static unsigned long long task_ns(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return (unsigned long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ULL +
	       (unsigned long long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ULL;
}

static int parse_addr(const char *s, long port, struct sockaddr_storage *sa,
		      socklen_t *len)
{
	memset(sa, 0, sizeof(*sa));
	if (strchr(s, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return inet_pton(AF_INET6, s, &s6->sin6_addr) == 1 ? 0 : -1;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)sa;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
		return inet_pton(AF_INET, s, &s4->sin_addr) == 1 ? 0 : -1;
	}
}

static int sink(const char *addr, long port, int tstamp)
{
	static unsigned char buf[MAXBATCH][2048];
	static struct mmsghdr msgs[MAXBATCH];
	static struct iovec iov[MAXBATCH];
	unsigned long long received = 0, bytes = 0;
	struct sockaddr_storage sa;
	struct sigaction act;
	struct timeval tick = { .tv_sec = 0, .tv_usec = 200000 };
	int fd, rcvbuf = 64 << 20;
	socklen_t salen;

	if (parse_addr(addr, port, &sa, &salen)) {
		fprintf(stderr, "udpblast: bad address %s\n", addr);
		return 2;
	}
	fd = socket(sa.ss_family, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("udpblast: socket");
		return 1;
	}
	if (sa.ss_family == AF_INET6) {
		int zero = 0;

		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	}
	/* room for a whole run, so that the socket drops nothing */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (tstamp && setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &tstamp, sizeof(tstamp))) {
		perror("udpblast: SO_TIMESTAMPNS");
		return 1;
	}
	/* wake up now and then: a signal just before recvmmsg is not lost */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof(tick));
	if (bind(fd, (struct sockaddr *)&sa, salen) < 0) {
		fprintf(stderr, "udpblast: bind port %ld: %s\n", port, strerror(errno));
		return 1;
	}
	memset(&act, 0, sizeof(act));
	act.sa_handler = on_signal;	/* no SA_RESTART: recvmmsg returns EINTR */
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	for (int i = 0; i < MAXBATCH; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = sizeof(buf[i]);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	printf("listening\n");
	fflush(stdout);
	while (!stop) {
		int r = recvmmsg(fd, msgs, MAXBATCH, MSG_WAITFORONE, NULL);

		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			perror("udpblast: recvmmsg");
			return 1;
		}
		received += (unsigned long long)r;
		for (int i = 0; i < r; i++)
			bytes += msgs[i].msg_len;
	}
	printf("received=%llu bytes=%llu\n", received, bytes);
	return 0;
}

int main(int argc, char **argv)
{
	static unsigned char pkt[MAXBATCH][STAMP_LEN];
	static struct mmsghdr msgs[MAXBATCH];
	static struct iovec iov[MAXBATCH];
	const char *dst = NULL, *laddr = NULL;
	long dport = 7000, sport = 40000, lport = -1, batch = 64, ssid = 1, cpu = -1;
	double secs = 3, t0, t1;
	unsigned long long sent = 0, errors = 0, c0, c1, a0, a1, k0, k1;
	struct sockaddr_storage sa, src;
	socklen_t salen, srclen;
	uint32_t seq = 0;
	int opt, fd, one = 1, tstamp = 0;

	while ((opt = getopt(argc, argv, "d:P:p:t:b:s:c:l:a:T")) != -1) {
		switch (opt) {
		case 'd': dst = optarg; break;
		case 'P': dport = strtol(optarg, NULL, 0); break;
		case 'p': sport = strtol(optarg, NULL, 0); break;
		case 't': secs = strtod(optarg, NULL); break;
		case 'b': batch = strtol(optarg, NULL, 0); break;
		case 's': ssid = strtol(optarg, NULL, 0); break;
		case 'c': cpu = strtol(optarg, NULL, 0); break;
		case 'l': lport = strtol(optarg, NULL, 0); break;
		case 'a': laddr = optarg; break;
		case 'T': tstamp = 1; break;
		default:
			goto usage;
		}
	}
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET((int)cpu, &set);
		if (cpu >= CPU_SETSIZE || sched_setaffinity(0, sizeof(set), &set)) {
			fprintf(stderr, "udpblast: cannot run on CPU %ld: %s\n", cpu, strerror(errno));
			return 1;
		}
	}
	if (lport > 0 && lport < 65536)
		return sink(laddr ? laddr : "::", lport, tstamp);
	if (!dst || dport < 1 || dport > 65535 || sport < 0 || sport > 65535 ||
	    secs <= 0 || batch < 1 || batch > MAXBATCH || ssid < 0 || ssid > 65535)
		goto usage;
	if (parse_addr(dst, dport, &sa, &salen)) {
		fprintf(stderr, "udpblast: bad destination %s\n", dst);
		return 2;
	}
	parse_addr(sa.ss_family == AF_INET6 ? "::" : "0.0.0.0", sport, &src, &srclen);
	fd = socket(sa.ss_family, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("udpblast: socket");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&src, srclen) < 0) {
		fprintf(stderr, "udpblast: bind port %ld: %s\n", sport, strerror(errno));
		return 1;
	}
	if (connect(fd, (struct sockaddr *)&sa, salen) < 0) {
		perror("udpblast: connect");
		return 1;
	}
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < batch; i++) {
		iov[i].iov_base = pkt[i];
		iov[i].iov_len = STAMP_LEN;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}

	a0 = cpu_busy_ns(-1);
	c0 = cpu >= 0 ? cpu_busy_ns((int)cpu) : a0;
	k0 = task_ns();
	t0 = now_s();
	t1 = t0;
	while (t1 - t0 < secs) {
		/* one timestamp per batch: the kernel's work is what we measure */
		struct stamp_ts ts = stamp_ntp_now();
		int r;

		for (int k = 0; k < batch; k++)
			stamp_pkt_fill(pkt[k], seq + (uint32_t)k, ts, (uint16_t)ssid);
		r = sendmmsg(fd, msgs, (unsigned int)batch, 0);
		if (r < 0) {
			/* ECONNREFUSED: an ICMP error from an earlier datagram */
			if (errno != EAGAIN && errno != ENOBUFS && errno != ECONNREFUSED &&
			    errno != EINTR) {
				perror("udpblast: sendmmsg");
				return 1;
			}
			errors++;
		} else {
			sent += (unsigned long long)r;
			seq += (uint32_t)r;
		}
		t1 = now_s();
	}
	k1 = task_ns();
	a1 = cpu_busy_ns(-1);
	c1 = cpu >= 0 ? cpu_busy_ns((int)cpu) : a1;
	printf("sent=%llu secs=%.3f pps=%.0f cpu_ns=%llu all_ns=%llu task_ns=%llu errors=%llu\n",
	       sent, t1 - t0, (double)sent / (t1 - t0), c1 - c0, a1 - a0, k1 - k0, errors);
	return 0;

usage:
	fprintf(stderr,
		"usage: %s -d DST [-P DPORT] [-p SPORT] [-t SECONDS] [-b BATCH] [-s SSID] [-c CPU]\n"
		"       %s -l PORT [-a ADDR] [-c CPU] [-T]\n", argv[0], argv[0]);
	return 2;
}
