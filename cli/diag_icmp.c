// SPDX-License-Identifier: GPL-2.0
/*
 * diagnose's ICMP row: echo requests over a ping socket (no privilege
 * needed where net.ipv4.ping_group_range allows the user's group), each
 * round trip from the kernel's own times: sent when the packet entered
 * the qdisc (SCM_TSTAMP_SCHED, else when the driver took it), received
 * when the stack got the reply (SO_TIMESTAMPING's software receive time).
 * Where ping sockets are not allowed, a raw socket (CAP_NET_RAW) does the
 * same, with our own identifier and a filter for echo replies.
 *
 * A reply counts only if it carries the request's payload back: a random
 * nonce of the run and the request's 32-bit index. The identifier and
 * the 16-bit sequence are easy to guess (and, on a raw socket, another
 * ping's may match): anyone able to send packets from the target's
 * address could otherwise forge round trips, and earlier echoes could
 * pass for later ones once the sequence wraps.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <linux/errqueue.h>
#include <linux/net_tstamp.h>

#include "diag.h"
#include "probe.h"

/* <linux/icmp.h>'s raw-socket filter (that header clashes with glibc's) */
#ifndef ICMP_FILTER
#define ICMP_FILTER 1
#endif
struct raw_icmp_filter {
	uint32_t data;		/* bit n set: type n is dropped */
};

#define ICMP_PAYLOAD	56	/* as ping's default: 64 bytes of ICMP */
/* the payload: nonce, index (big endian), then ICMP_TAG */
#define ICMP_NONCE	8
#define ICMP_TAG	"snapfire diagnose"
#define ECHO_MINLEN	(8 + ICMP_NONCE + 4)
_Static_assert(ICMP_NONCE + 4 + sizeof(ICMP_TAG) - 1 <= ICMP_PAYLOAD, "payload");
#define ICMP_MAX_SEQ	(1u << 20)

struct echo {
	int64_t tx_sched, tx_snd, tx_user, rx;
};

static int64_t ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000LL + t->tv_nsec;
}

static int64_t real_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return ts_ns(&t);
}

/* the software timestamp of a message's SCM_TIMESTAMPING, 0 if none */
static int64_t cmsg_ts(struct msghdr *mh, struct sock_extended_err **ee)
{
	struct cmsghdr *cm;
	int64_t t = 0;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		/* each only when the kernel gave all of it */
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_TIMESTAMPING &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(struct timespec[3]))) {
			struct timespec ts[3];

			memcpy(ts, CMSG_DATA(cm), sizeof(ts));
			t = ts_ns(&ts[0]);
		} else if (ee && ((cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR) ||
				  (cm->cmsg_level == SOL_IPV6 && cm->cmsg_type == IPV6_RECVERR)) &&
			   cm->cmsg_len >= CMSG_LEN(sizeof(struct sock_extended_err))) {
			*ee = (struct sock_extended_err *)CMSG_DATA(cm);
		}
	}
	return t;
}

/* Transmit times from the error queue: tskey (OPT_ID) k is the k-th
 * echo that send() took, echo key2seq[k]. */
/* The error queue's send timestamps into @e; how many messages it held. */
static int drain_errqueue(int fd, struct echo *e, const uint32_t *key2seq,
			  uint32_t nkeys)
{
	int n;

	for (n = 0;; n++) {
		union cmsg_buf cbuf;
		char dbuf[64];
		struct iovec iov = { dbuf, sizeof(dbuf) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf) };
		struct sock_extended_err *ee = NULL;
		int64_t t;

		if (recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			return n;
		t = cmsg_ts(&mh, &ee);
		if (!t || !ee || ee->ee_origin != SO_EE_ORIGIN_TIMESTAMPING ||
		    ee->ee_data >= nkeys)
			continue;
		if (ee->ee_info == SCM_TSTAMP_SCHED)
			e[key2seq[ee->ee_data]].tx_sched = t;
		else if (ee->ee_info == SCM_TSTAMP_SND)
			e[key2seq[ee->ee_data]].tx_snd = t;
	}
}

/*
 * A POLLERR with nothing in the error queue: the socket's pending error,
 * an ICMP error that answered an echo request (host unreachable or
 * administratively prohibited: a firewall's reject). Reading it clears
 * it; poll() would otherwise report it at once, for ever (a spinning
 * thread, review of 2026-12-05). The first one is the row's reason.
 */
static void take_error(int fd, struct diag_row_res *r)
{
	socklen_t l;
	int err = 0;

	l = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) == 0 && err && !r->reason[0])
		snprintf(r->reason, sizeof(r->reason),
			 "an ICMP error answered an echo request: %s", strerror(err));
}

/* RFC 1071: the IPv4 ICMP checksum (a raw socket's is ours to compute) */
static uint16_t csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* A ping socket; else a raw one (then *ident is ours to set and check). */
static int icmp_socket(bool v6, int *ident, char *why, size_t n)
{
	int proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP, fd, err;

	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, proto);
	if (fd >= 0)
		return fd;
	err = errno;
	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC, proto);
	if (fd < 0) {
		if (err == EACCES || err == EPERM)
			snprintf(why, n, "ping sockets are not allowed for this user's group (sysctl net.ipv4.ping_group_range, e.g. \"0 2147483647\") and a raw socket needs CAP_NET_RAW");
		else
			snprintf(why, n, "ping socket: %s", strerror(err));
		return -1;
	}
	*ident = (getpid() ^ (int)pthread_self()) & 0xffff;
	if (v6) {
		struct icmp6_filter f;

		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
		setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
	} else {
		struct raw_icmp_filter f = { .data = ~(1u << ICMP_ECHOREPLY) };

		setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof(f));
	}
	return fd;
}

/* replies read per receive(): then the schedule and probe_stop again */
#define ICMP_DRAIN_MAX	64

/*
 * The echo replies waiting on @fd, at most ICMP_DRAIN_MAX, each matched to
 * its request of the @n sent; those whose payload is not ours are counted
 * in *@foreign. Bounded: anyone may send echo replies (to a ping socket,
 * with our identifier), and a socket that never empties kept the loop
 * from its next request, its deadline and Ctrl-C.
 */
static void receive(int fd, bool v6, int ident, const uint8_t *nonce,
		    struct echo *e, uint32_t n, uint64_t *foreign)
{
	int k;

	for (k = 0; k < ICMP_DRAIN_MAX; k++) {
		uint8_t buf[256];
		union cmsg_buf cbuf;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf) };
		ssize_t len = recvmsg(fd, &mh, MSG_DONTWAIT);
		uint16_t seq;
		uint32_t idx;
		int64_t t;

		const uint8_t *icmp = buf;

		if (len < 0)
			return;
		t = cmsg_ts(&mh, NULL);
		if (!t)
			t = real_ns();
		if (ident >= 0 && !v6) {
			/* a raw IPv4 socket: the IP header comes first */
			size_t ihl = len > 0 ? (size_t)(buf[0] & 0xf) * 4 : 0;

			if (ihl < 20 || (size_t)len < ihl + 8)
				continue;
			icmp = buf + ihl;
			len -= (ssize_t)ihl;
		}
		if (len < 8)
			continue;
		if (v6) {
			const struct icmp6_hdr *h = (const void *)icmp;

			if (h->icmp6_type != ICMP6_ECHO_REPLY ||
			    (ident >= 0 && ntohs(h->icmp6_id) != ident))
				continue;
			seq = ntohs(h->icmp6_seq);
		} else {
			const struct icmphdr *h = (const void *)icmp;

			if (h->type != ICMP_ECHOREPLY ||
			    (ident >= 0 && ntohs(h->un.echo.id) != ident))
				continue;
			seq = ntohs(h->un.echo.sequence);
		}
		if (len < ECHO_MINLEN || memcmp(icmp + 8, nonce, ICMP_NONCE)) {
			(*foreign)++;
			continue;
		}
		memcpy(&idx, icmp + 8 + ICMP_NONCE, sizeof(idx));
		idx = ntohl(idx);
		if (idx >= n || (uint16_t)idx != seq) {
			(*foreign)++;
			continue;
		}
		if (!e[idx].rx)
			e[idx].rx = t;	/* a duplicate keeps the first */
	}
}

static int64_t slot_ns(int64_t start, double interval, uint64_t slot)
{
	return start + (int64_t)((double)slot * interval * 1e9);
}

void diag_icmp_run(const struct diag_target *t, struct diag_row_res *r)
{
	bool v6 = t->addr.ss_family == AF_INET6;
	int tsflags = SOF_TIMESTAMPING_TX_SCHED | SOF_TIMESTAMPING_TX_SOFTWARE |
		      SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE |
		      SOF_TIMESTAMPING_OPT_ID | SOF_TIMESTAMPING_OPT_TSONLY;
	uint32_t n = (uint32_t)(t->duration / t->interval) + 2, sent = 0, nkeys = 0, k;
	uint64_t slot = 0;	/* the schedule's: start + slot x interval */
	uint32_t *key2seq = NULL;
	uint64_t foreign = 0;
	uint8_t nonce[ICMP_NONCE];
	int64_t start, end, ival, grace_end = 0;
	struct echo *e;
	int fd, ident = -1;

	r->state = DS_OK;
	if (n > ICMP_MAX_SEQ)
		n = ICMP_MAX_SEQ;
	fd = icmp_socket(v6, &ident, r->reason, sizeof(r->reason));
	if (fd < 0) {
		r->state = DS_FAILED;
		return;
	}
	if (getrandom(nonce, sizeof(nonce), 0) != sizeof(nonce)) {
		r->state = DS_FAILED;
		snprintf(r->reason, sizeof(r->reason), "getrandom: %s", strerror(errno));
		close(fd);
		return;
	}
	e = calloc(n, sizeof(*e));
	key2seq = calloc(n, sizeof(*key2seq));
	if (!e || !key2seq || connect(fd, (const struct sockaddr *)&t->addr, t->addrlen) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &tsflags, sizeof(tsflags)) < 0) {
		r->state = DS_FAILED;
		snprintf(r->reason, sizeof(r->reason), "ping socket: %s",
			 e && key2seq ? strerror(errno) : "out of memory");
		free(e);
		free(key2seq);
		close(fd);
		return;
	}
	start = diag_mono_ns();
	end = start + (int64_t)(t->duration * 1e9);
	ival = (int64_t)(t->interval * 1e9);
	for (;;) {
		int64_t now = diag_mono_ns(), next, wait_ms;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (probe_stop)
			break;
		/*
		 * More than an interval behind (the process stopped or starved
		 * of CPU): the missed slots are skipped, as STAMP's and TCP's
		 * are, not sent in a burst (after the window, too) that
		 * queues behind itself and is measured.
		 */
		if (!grace_end && now - slot_ns(start, t->interval, slot) > ival)
			slot = (uint64_t)((double)(now - start) / (t->interval * 1e9));
		if (!grace_end && sent >= n && n == ICMP_MAX_SEQ &&
		    slot_ns(start, t->interval, slot) < end)
			snprintf(r->reason, sizeof(r->reason),
				 "stopped after %u echo requests, the row's limit: the other rows ran on",
				 n);
		if (!grace_end && (slot_ns(start, t->interval, slot) >= end || sent >= n)) {
			/* stragglers: a second, or until all are back */
			grace_end = now + 1000000000LL;
		}
		if (grace_end) {
			bool all = true;

			for (k = 0; k < sent && all; k++)
				all = e[k].rx != 0;
			if (now >= grace_end || all)
				break;
			next = grace_end;
		} else {
			next = slot_ns(start, t->interval, slot);
		}
		if (!grace_end && now >= next) {
			uint8_t pkt[8 + ICMP_PAYLOAD] = { 0 };
			uint32_t idx = htonl(sent);

			if (v6) {
				struct icmp6_hdr *h = (void *)pkt;

				h->icmp6_type = ICMP6_ECHO_REQUEST;
				h->icmp6_seq = htons((uint16_t)sent);
				if (ident >= 0)
					h->icmp6_id = htons((uint16_t)ident);
			} else {
				struct icmphdr *h = (void *)pkt;

				h->type = ICMP_ECHO;
				h->un.echo.sequence = htons((uint16_t)sent);
			}
			memcpy(pkt + 8, nonce, ICMP_NONCE);
			memcpy(pkt + 8 + ICMP_NONCE, &idx, sizeof(idx));
			memcpy(pkt + ECHO_MINLEN, ICMP_TAG, sizeof(ICMP_TAG) - 1);
			if (ident >= 0 && !v6) {
				struct icmphdr *h = (void *)pkt;

				h->un.echo.id = htons((uint16_t)ident);
				h->checksum = csum(pkt, sizeof(pkt));
			}
			e[sent].tx_user = real_ns();
			if (send(fd, pkt, sizeof(pkt), 0) < 0) {
				if (!r->reason[0])
					snprintf(r->reason, sizeof(r->reason), "send: %s",
						 strerror(errno));
				e[sent].tx_user = 0;
			} else {
				key2seq[nkeys++] = sent;
			}
			sent++;
			slot++;
			r->attempts++;
			continue;
		}
		/* at most 0.1 s: probe_stop is looked at that often */
		wait_ms = (next - now) / 1000000 + 1;
		if (poll(&pfd, 1, (int)(wait_ms < 100 ? wait_ms : 100)) > 0) {
			if ((pfd.revents & POLLERR) && !drain_errqueue(fd, e, key2seq, nkeys))
				take_error(fd, r);
			if (pfd.revents & POLLIN)
				receive(fd, v6, ident, nonce, e, sent, &foreign);
		}
	}
	drain_errqueue(fd, e, key2seq, nkeys);
	close(fd);
	free(key2seq);
	for (k = 0; k < sent; k++) {
		int64_t tx = e[k].tx_sched ? e[k].tx_sched :
			     e[k].tx_snd ? e[k].tx_snd : e[k].tx_user;

		if (!e[k].rx || !tx) {
			r->lost++;
			continue;
		}
		samples_add(&r->s, e[k].rx > tx ? e[k].rx - tx : 0);
	}
	free(e);
	if (r->reason[0])
		return;
	if (!r->s.n && !foreign)
		snprintf(r->reason, sizeof(r->reason),
			 "no echo reply in %u requests (ICMP filtered, or the host is down)", sent);
	else if (foreign)
		snprintf(r->reason, sizeof(r->reason),
			 "%" PRIu64 " echo replies ignored, %" PRIu64 " of ours in %u requests: they did not carry our request back (forged, or another ping's)",
			 foreign, (uint64_t)r->s.n, sent);
}
