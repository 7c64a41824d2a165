// SPDX-License-Identifier: GPL-2.0
/*
 * A STAMP Session-Sender (RFC 8762/8972) in userspace: the probes and
 * the replies (the socket: probe_sock.c). `snapfire probe` (cmd_probe.c) and `snapfire
 * diagnose` (cmd_diagnose.c) drive it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include <linux/net_tstamp.h>
#include <linux/snapfire_stamp.h>

#include "stamp_time.h"

#include "common.h"
#include "fmt.h"
#include "probe.h"
#include "samples.h"

#ifndef SO_TIMESTAMPING
#define SO_TIMESTAMPING 37
#endif
#ifndef SCM_TIMESTAMPING
#define SCM_TIMESTAMPING SO_TIMESTAMPING
#endif

struct scm_ts3 {
	struct timespec ts[3];
};

volatile sig_atomic_t probe_stop;

static uint64_t ts_ns(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000ULL + (uint64_t)t->tv_nsec;
}

/*
 * STAMP timestamp (NTP or PTP per the Z bit) -> Unix ns, the 32-bit seconds
 * taken in the era nearest to now (include/stamp_time.h, as the module).
 */
static int64_t stamp_to_ns(const struct stamp_ts *t, uint16_t ee)
{
	return (int64_t)stamp_ts_to_ns(ntohl(t->sec), ntohl(t->frac),
				       !!(ee & STAMP_EE_Z),
				       (uint64_t)clock_ns(CLOCK_REALTIME));
}

static void ns_to_ntp(uint64_t ns, struct stamp_ts *t)
{
	uint32_t sec, frac;

	stamp_ns_to_ts(ns, 0, &sec, &frac);
	t->sec = htonl(sec);
	t->frac = htonl(frac);
}

/* Error Estimate: S if the kernel says the clock is synchronised; the
 * error is multiplier * 2^(scale - 32) s: scale 12, multiplier 1 ~ 1 us. */
uint16_t probe_error_estimate(void)
{
	struct timex tx;
	uint16_t ee = (12 << STAMP_EE_SCALE_SHIFT) | 1;
	int st;

	memset(&tx, 0, sizeof(tx));
	st = adjtimex(&tx);
	if (st >= 0 && st != TIME_ERROR && !(tx.status & STA_UNSYNC))
		ee |= STAMP_EE_S;
	return ee;
}

uint32_t probe_window(double interval, double wait)
{
	double n = interval > 0 ? ceil(wait / interval) + 1 : PROBE_WINDOW_MAX;

	if (n < PROBE_WINDOW_MIN)
		return PROBE_WINDOW_MIN;
	return n > PROBE_WINDOW_MAX ? PROBE_WINDOW_MAX : (uint32_t)n;
}

void probe_free_slots(struct probe *p)
{
	free(p->slots);
	p->slots = NULL;
	p->nslots = 0;
}

/* The slot of probe @seq while it is remembered, else NULL. */
static struct probe_slot *probe_slot(const struct probe *p, uint32_t seq)
{
	struct probe_slot *sl;

	if (!p->nslots)
		return NULL;
	sl = &p->slots[seq & (p->nslots - 1)];
	return sl->used && sl->seq == seq ? sl : NULL;
}

bool probe_answered(const struct probe *p, uint32_t seq)
{
	const struct probe_slot *sl = probe_slot(p, seq);

	return sl && sl->seen;
}

/* The slots, before the first probe: 0 or ENOMEM. */
static int probe_make_slots(struct probe *p)
{
	uint32_t n = PROBE_WINDOW_MIN;

	while (n < p->window && n < PROBE_WINDOW_MAX)
		n *= 2;
	p->slots = calloc(n, sizeof(*p->slots));
	if (!p->slots)
		return ENOMEM;
	p->nslots = n;
	return 0;
}

/*
 * An errno a connected UDP socket reports for an ICMP error to one of its
 * datagrams (RFC 1122 4.1.3.3: a hard error), at its next recvmsg() or
 * send(), which then neither reads nor sends: host, network or protocol
 * unreachable, administratively prohibited (EHOSTUNREACH; EACCES over
 * IPv6), fragmentation needed or packet too big, a parameter problem.
 * Port unreachable (ECONNREFUSED) is counted apart. From send() most may
 * also be the send's own failure (no route, larger than the interface's
 * MTU): probe_send() tells them apart by trying again.
 */
static bool icmp_errno_probe(int e)
{
	switch (e) {
	case EHOSTUNREACH:
	case ENETUNREACH:
	case ENOPROTOOPT:
	case EACCES:
	case EMSGSIZE:
	case EPROTO:
	case EHOSTDOWN:
	case ENONET:
	case EOPNOTSUPP:
		return true;
	}
	return false;
}

int probe_send(struct probe *p, uint8_t *buf, uint16_t ee)
{
	struct stamp_sender_pkt *pkt = (struct stamp_sender_pkt *)buf;
	int e = 0, tries, pending = 0;

	struct probe_slot *sl;

	if (!p->slots && probe_make_slots(p)) {
		if (!p->quiet && !g_json)
			errmsg("send seq=%u: %s", p->sent, strerror(ENOMEM));
		return ENOMEM;
	}
	/* a reply to the probe this slot held is late from now on */
	sl = &p->slots[p->sent & (p->nslots - 1)];
	*sl = (struct probe_slot){ .seq = p->sent, .used = true };
	pkt->seq = htonl(p->sent);
	pkt->ee = htons(ee);
	pkt->ssid = htons(p->ssid);
	for (tries = 0; tries < 2; tries++) {
		uint64_t t1 = clock_ns(CLOCK_REALTIME);

		sl->t1 = (int64_t)t1;
		ns_to_ntp(t1, &pkt->ts);
		if (send(p->fd, buf, p->size, 0) >= 0) {
			e = 0;
			break;
		}
		e = errno;
		if (e == ECONNREFUSED) {
			/* nothing was sent: the error was an earlier probe's */
			p->unreachable++;
		} else if (!tries && icmp_errno_probe(e)) {
			/* an earlier probe's ICMP error, or this send's own: again */
			pending = e;
		} else {
			break;
		}
	}
	if (pending && e != pending) {
		/* not this send's own (the next try did not fail so): an ICMP error */
		p->icmp_errors++;
		p->icmp_errno = pending;
	}
	if (e && e != ECONNREFUSED && !p->quiet && !g_json)
		errmsg("send seq=%u: %s", p->sent, strerror(e));
	p->sent++;
	return e;
}

/*
 * A reply's Follow-Up Telemetry TLV (RFC 8972 section 4.7, right behind the
 * base packet where we put it): when the reflector's previous reply really
 * left it, against the T3 that reply carried (both the reflector's clock).
 */
static void followup_in(struct probe *p, const uint8_t *buf, size_t len, int64_t t3)
{
	const struct stamp_reflector_pkt *r = (const void *)buf;
	const struct stamp_tlv *tlv = (const void *)(buf + STAMP_BASE_LEN);
	const struct stamp_tlv_followup *fu = (const void *)(tlv + 1);
	struct replied *rp;

	if (!p->followup || len < STAMP_BASE_LEN + STAMP_TLV_HDR_LEN + STAMP_FOLLOWUP_LEN ||
	    tlv->type != STAMP_TLV_FOLLOWUP_TELEMETRY ||
	    ntohs(tlv->len) != STAMP_FOLLOWUP_LEN ||
	    (tlv->flags & (STAMP_TLV_FLAG_U | STAMP_TLV_FLAG_M)))
		return;
	if (fu->ts.sec || fu->ts.frac) {
		uint32_t fseq = ntohl(fu->seq);
		int64_t left = stamp_to_ns(&fu->ts, ntohs(r->ee));

		rp = &p->replied[fseq % FU_SLOTS];
		if (rp->valid && rp->seq == fseq) {
			/* a reply cannot have left before its T3 was written */
			if (left >= rp->t3)
				samples_add(&p->far, left - rp->t3);
			rp->valid = 0;
		}
	}
	rp = &p->replied[ntohl(r->seq) % FU_SLOTS];
	rp->seq = ntohl(r->seq);
	rp->t3 = t3;
	rp->valid = 1;
}

bool probe_receive(struct probe *p)
{
	uint8_t buf[STAMP_MAX_LEN + 64];
	char b1[32], b2[32], b3[32];
	union cmsg_buf cbuf;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf) };
	const struct stamp_reflector_pkt *r = (const void *)buf;
	struct probe_slot *sl;
	struct cmsghdr *cm;
	int64_t t1, t2, t3, t4 = 0, rtt, fwd = 0, rev = 0;
	uint16_t ee, see;
	uint32_t seq;
	int ttl = -1, both_s;
	ssize_t len;

	len = recvmsg(p->fd, &mh, MSG_DONTWAIT);
	if (len < 0) {
		if (errno == ECONNREFUSED) {	/* a probe's ICMP port unreachable */
			p->unreachable++;
		} else if (icmp_errno_probe(errno)) {
			/* was dropped unsaid: a firewall's reject looked like loss */
			p->icmp_errors++;
			p->icmp_errno = errno;
		}
		return false;
	}
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		/* each only when the kernel gave all of it */
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPING &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(struct scm_ts3))) {
			struct scm_ts3 ts;

			memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
			if (ts.ts[0].tv_sec || ts.ts[0].tv_nsec)
				t4 = (int64_t)ts_ns(&ts.ts[0]);
		} else if (((cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TTL) ||
			    (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_HOPLIMIT)) &&
			   cm->cmsg_len >= CMSG_LEN(sizeof(ttl))) {
			memcpy(&ttl, CMSG_DATA(cm), sizeof(ttl));
		}
	}
	if (!t4)
		t4 = (int64_t)clock_ns(CLOCK_REALTIME);
	/*
	 * The socket is connected: the 4-tuple is ours. An RFC 8762-only
	 * reflector returns the SSID (MBZ to it) as 0: that is ours too.
	 */
	if (len < STAMP_BASE_LEN || (r->ssid && ntohs(r->ssid) != p->ssid))
		return true;
	seq = ntohl(r->sender_seq);
	if (seq >= p->sent)
		return true;		/* not one of ours */
	sl = probe_slot(p, seq);
	if (!sl) {
		/* its probe left more than a window ago: not received */
		p->late++;
		return true;
	}
	/*
	 * The reply echoes our T1 (the kernel's, with the module's stamp-tx):
	 * one from before that very probe left, or after the reply's own
	 * arrival, was never ours (forged or broken). A reply that is not
	 * the probe's can make its round trip shorter, never longer.
	 */
	ee = ntohs(r->ee);
	see = ntohs(r->sender_ee);
	t1 = stamp_to_ns(&r->sender_ts, see);
	if (t1 < sl->t1 - PROBE_T1_SLACK || t1 > t4 + PROBE_T1_SLACK) {
		p->implausible++;
		return true;
	}
	if (sl->seen) {
		p->dups++;
		if (!p->quiet && !g_json)
			printf("%zd bytes from %s: seq=%u (DUP!)\n", len, p->addr, seq);
		return true;
	}
	sl->seen = true;
	p->received++;
	if (seq + 1 < p->max_seq)
		p->reordered++;
	else
		p->max_seq = seq + 1;
	/*
	 * Received (its T1 is its probe's), but it measures nothing unless
	 * its T2 and T3 are both there (0: none, or before 1970), in that
	 * order, and hold the probe no longer than its whole round trip
	 * took, itself not below 0 (T1 may be up to the slack after T4): a
	 * T2 of 0 made a round trip of 0, a T3 before T2 one with the
	 * reflector's time left in. As the module does: implausible, no
	 * sample. (Refused, a correct reflector's coarse timestamps, or a
	 * clock stepped back, would have made its probe a loss.)
	 */
	t2 = stamp_to_ns(&r->rx_ts, ee);
	t3 = stamp_to_ns(&r->ts, ee);
	if (!t2 || t3 < t2 || t4 < t1 || t3 - t2 > t4 - t1) {
		p->implausible++;
		p->last_measured = false;
		if (!p->quiet && !g_json) {
			printf("%zd bytes from %s: seq=%u (reflector timestamps implausible: no rtt)\n",
			       len, p->addr, seq);
			fflush(stdout);
		}
		return true;
	}
	rtt = (t4 - t1) - (t3 - t2);
	if (rtt < 0)
		rtt = 0;
	both_s = (ee & STAMP_EE_S) && (see & STAMP_EE_S);
	samples_add(&p->rtt, rtt);
	if (rtt > p->max_rtt)
		p->max_rtt = rtt;
	if (both_s) {
		fwd = t2 - t1;
		rev = t4 - t3;
		if (fwd < 0)
			fwd = 0;
		if (rev < 0)
			rev = 0;
		samples_add(&p->fwd, fwd);
		samples_add(&p->rev, rev);
	}
	if (p->have_last) {
		double d = fabs((double)(rtt - p->last_rtt));

		p->jit_sum += d;
		p->jit_n++;
		p->jit3550 += (d - p->jit3550) / 16.0;
	}
	p->last_rtt = rtt;
	p->have_last = 1;
	p->last_measured = true;
	followup_in(p, buf, (size_t)len, t3);
	if (p->quiet || g_json)
		return true;
	printf("%zd bytes from %s: seq=%u", len, p->addr, seq);
	if (ttl >= 0)
		printf(" ttl=%d", ttl);
	printf(" rtt=%s ms", probe_ms(b1, sizeof(b1), rtt));
	if (both_s)
		printf(" fwd=%s ms rev=%s ms", probe_ms(b2, sizeof(b2), fwd), probe_ms(b3, sizeof(b3), rev));
	printf("\n");
	fflush(stdout);
	return true;
}

/*
 * One reply, read and printed with the signals @mask lets in: a line
 * printed into a pipe whose reader stopped reading waits in write(),
 * which Ctrl-C then interrupts (no SA_RESTART) instead of staying
 * pending behind it for as long as the reader sleeps.
 */
static void receive_with(struct probe *p, const sigset_t *mask)
{
	sigset_t held;

	if (!mask) {
		probe_receive(p);
		return;
	}
	pthread_sigmask(SIG_SETMASK, mask, &held);
	probe_receive(p);
	pthread_sigmask(SIG_SETMASK, &held, NULL);
}

/*
 * Polls for replies until the absolute CLOCK_MONOTONIC deadline. A caller
 * already past it still gets one ppoll() with no wait: the signals its
 * @mask lets in (SIGINT, blocked everywhere else) are taken there, and a
 * waiting reply is read. Without it a sender running behind its schedule
 * (a stalled or starved process) sent probe after probe with Ctrl-C
 * pending and no reply read, until the count ran out.
 */
void probe_wait_until(struct probe *p, uint64_t deadline, const sigset_t *mask,
		       uint64_t stop_when_all)
{
	for (;;) {
		uint64_t now = clock_ns(CLOCK_MONOTONIC);
		struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
		struct timespec to = { 0, 0 };
		bool late = now >= deadline;

		if (probe_stop)
			break;
		if (stop_when_all && p->received >= p->sent)
			break;
		if (!late) {
			to.tv_sec = (time_t)((deadline - now) / 1000000000ULL);
			to.tv_nsec = (long)((deadline - now) % 1000000000ULL);
		}
		/*
		 * Without a mask of the caller's (diagnose's thread, whose
		 * signals another thread takes), probe_stop is set elsewhere
		 * and wakes nothing here: look again every 100 ms.
		 */
		if (!mask && (to.tv_sec || to.tv_nsec > 100000000L)) {
			to.tv_sec = 0;
			to.tv_nsec = 100000000L;
		}
		if (ppoll(&pfd, 1, &to, mask) > 0)
			receive_with(p, mask);
		if (late)
			break;
	}
}

/*
 * The TLVs behind the base packet, the same in every probe: Follow-Up
 * Telemetry (value zero: the reflector fills it) first, then padding to
 * the size.
 */
void probe_build_tlvs(const struct probe *p, uint8_t *buf)
{
	size_t off = STAMP_BASE_LEN;
	struct stamp_tlv *tlv;

	if (p->followup) {
		tlv = (struct stamp_tlv *)(buf + off);
		tlv->type = STAMP_TLV_FOLLOWUP_TELEMETRY;
		tlv->len = htons(STAMP_FOLLOWUP_LEN);
		off += STAMP_TLV_HDR_LEN + STAMP_FOLLOWUP_LEN;
	}
	if (p->size > off) {
		tlv = (struct stamp_tlv *)(buf + off);
		tlv->type = STAMP_TLV_EXTRA_PADDING;
		tlv->len = htons((uint16_t)(p->size - off - STAMP_TLV_HDR_LEN));
	}
}


/*
 * Sends a probe every @interval s until @count are sent or @duration s
 * have passed (0: no limit) or probe_stop is set, then waits for the
 * stragglers: 2 x the largest RTT, from 1 to 10 s, or until all are back.
 * @mask: the signal mask while waiting (NULL: the thread's own).
 */
void probe_run(struct probe *p, uint8_t *buf, uint16_t ee, double interval,
	       uint64_t count, double duration, const sigset_t *mask)
{
	uint64_t ival = (uint64_t)llround(interval * 1e9);
	uint64_t start, deadline_w = 0, grace;

	if (!p->window)
		p->window = probe_window(interval, PROBE_LINGER_MAX / 1e9);
	/* made here, not at the first send: without them no probe is sent */
	if (!p->slots && probe_make_slots(p)) {
		errmsg("out of memory for %u probes' send times", p->window);
		return;
	}
	start = clock_ns(CLOCK_MONOTONIC);
	if (duration > 0)
		deadline_w = start + (uint64_t)(duration * 1e9);
	for (uint64_t k = 0; !probe_stop; k++) {
		uint64_t next = start + (uint64_t)llround((double)k * interval * 1e9);
		uint64_t now = clock_ns(CLOCK_MONOTONIC);

		/*
		 * More than an interval behind (the process was stopped or
		 * starved): the slots missed are skipped, as ping does, not
		 * sent in a burst that queues behind itself and then measures
		 * that queue. The schedule restarts from now.
		 */
		if (now > next + ival) {
			start = next = now;
			k = 0;
		}
		if (deadline_w && next >= deadline_w) {
			probe_wait_until(p, deadline_w, mask, 0);
			break;
		}
		probe_wait_until(p, next, mask, 0);
		if (probe_stop)
			break;
		if (p->sent == UINT32_MAX)
			break;
		probe_send(p, buf, ee);
		if (count && p->sent >= count)
			break;
	}
	if (!probe_stop) {
		/*
		 * Stragglers: 2 x the largest RTT, from 1 to 10 s (ping's
		 * linger), or until all are back.
		 */
		grace = (uint64_t)p->max_rtt * 2;
		if (grace < 1000000000ULL)
			grace = 1000000000ULL;
		if (grace > PROBE_LINGER_MAX)
			grace = PROBE_LINGER_MAX;
		probe_wait_until(p, clock_ns(CLOCK_MONOTONIC) + grace, mask, 1);
	}
}
