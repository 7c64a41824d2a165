// SPDX-License-Identifier: GPL-2.0
/*
 * probe_session.c's matching of replies to probes, over two connected UDP
 * sockets on loopback: probes sent by probe_send(), replies crafted field
 * by field (RFC 8762 section 4.3) and sent back. A reply counts only when
 * its echoed T1 is its own probe's: one that carries an earlier or a
 * later time (forged, or a broken reflector) is implausible, one whose
 * probe left more than the session's window ago is late, and neither is
 * received nor makes a round trip.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "probe.h"
#include "stamp_time.h"
#include "unit.h"

#define NPROBES 70	/* more than the window of 64: the first 6 are forgotten */

/* two UDP sockets on 127.0.0.1, each connected to the other; 0 or -1 */
static int socket_pair(int fd[2])
{
	struct sockaddr_in sa[2];
	socklen_t l = sizeof(sa[0]);
	int i;

	for (i = 0; i < 2; i++) {
		fd[i] = socket(AF_INET, SOCK_DGRAM, 0);
		memset(&sa[i], 0, sizeof(sa[i]));
		sa[i].sin_family = AF_INET;
		sa[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (fd[i] < 0 || bind(fd[i], (struct sockaddr *)&sa[i], sizeof(sa[i])) ||
		    getsockname(fd[i], (struct sockaddr *)&sa[i], &l))
			return -1;
	}
	for (i = 0; i < 2; i++)
		if (connect(fd[i], (struct sockaddr *)&sa[!i], sizeof(sa[!i])))
			return -1;
	return 0;
}

static void put_ns(struct stamp_ts *t, uint64_t ns)
{
	uint32_t sec, frac;

	stamp_ns_to_ts(ns, 0, &sec, &frac);
	t->sec = htonl(sec);
	t->frac = htonl(frac);
}

static uint64_t ts_ns(const struct stamp_ts *t)
{
	return stamp_ts_to_ns(ntohl(t->sec), ntohl(t->frac), 0, clock_ns(CLOCK_REALTIME));
}

/*
 * Answer probe @pr (as received) from @fd with SSID @ssid: its T1 echoed,
 * moved by @t1_shift ns; T2 = T3 = now.
 */
static void reply(int fd, const struct stamp_sender_pkt *pr, uint16_t ssid, int64_t t1_shift,
		  uint32_t seq_override, bool override)
{
	struct stamp_reflector_pkt r;
	uint64_t now = clock_ns(CLOCK_REALTIME);

	memset(&r, 0, sizeof(r));
	r.seq = pr->seq;
	put_ns(&r.ts, now);
	put_ns(&r.rx_ts, now);
	r.ssid = htons(ssid);
	r.sender_seq = override ? htonl(seq_override) : pr->seq;
	put_ns(&r.sender_ts, ts_ns(&pr->ts) + (uint64_t)t1_shift);
	r.sender_ee = pr->ee;
	r.sender_ttl = 64;
	if (send(fd, &r, sizeof(r), 0) != (ssize_t)sizeof(r))
		perror("send");
}

/* the reply just sent, taken in: true if there was one */
static bool take(struct probe *p)
{
	bool got = probe_receive(p);

	while (probe_receive(p))
		;
	return got;
}

void test_probe_match(void)
{
	struct stamp_sender_pkt pr[NPROBES];
	uint8_t buf[STAMP_BASE_LEN] = { 0 };
	struct probe p = { .fd = -1, .quiet = true, .size = STAMP_BASE_LEN, .ssid = 7,
			   .window = 64 };
	int fd[2] = { -1, -1 }, i, n = 0;
	bool ok = true;

	CHECK(probe_window(0.001, 10) == 10001 && probe_window(1, 10) == PROBE_WINDOW_MIN &&
	      probe_window(1e-9, 10) == PROBE_WINDOW_MAX && probe_window(0, 10) == PROBE_WINDOW_MAX,
	      "probe: the window is the probes sent while one waits, %u to %u",
	      PROBE_WINDOW_MIN, PROBE_WINDOW_MAX);
	if (socket_pair(fd)) {
		CHECK(0, "probe: two connected UDP sockets on loopback");
		goto out;
	}
	p.fd = fd[0];
	for (i = 0; i < NPROBES; i++) {
		ok = ok && !probe_send(&p, buf, 0);
		n += recv(fd[1], &pr[i], sizeof(pr[i]), MSG_DONTWAIT) == (ssize_t)sizeof(pr[i]);
		if (!i)		/* probe 0's T1: more than the slack before any other's */
			nanosleep(&(struct timespec){ .tv_nsec = 3 * PROBE_T1_SLACK }, NULL);
	}
	CHECK(ok && n == NPROBES && p.sent == NPROBES && p.nslots == 64,
	      "probe: %d probes sent and received at the far end, 64 remembered", NPROBES);

	/* the last probe answered: received, with a round trip under a second */
	reply(fd[1], &pr[69], 7, 0, 0, false);
	CHECK(take(&p) && p.received == 1 && p.implausible == 0 &&
	      p.max_rtt >= 0 && p.max_rtt < 1000000000 && probe_answered(&p, 69),
	      "probe: a reply echoing its probe's T1 is received (rtt %lld ns)",
	      (long long)p.max_rtt);
	reply(fd[1], &pr[69], 7, 0, 0, false);
	CHECK(take(&p) && p.received == 1 && p.dups == 1, "probe: the same reply again is a duplicate");

	/* an RFC 8762-only reflector returns the SSID as 0: ours too */
	reply(fd[1], &pr[66], 0, 0, 0, false);
	CHECK(take(&p) && p.received == 2, "probe: a reply with SSID 0 (RFC 8762) is received");
	reply(fd[1], &pr[65], 8, 0, 0, false);
	CHECK(take(&p) && p.received == 2 && p.implausible == 0 && !probe_answered(&p, 65),
	      "probe: a reply with another SSID is not ours: ignored");

	/*
	 * T1 5 ms before its probe left: an earlier probe's, or forged. The
	 * whole session's span used to be accepted, and made the round trip
	 * as long as the session (up to days in the agent).
	 */
	reply(fd[1], &pr[68], 7, -5000000, 0, false);
	CHECK(take(&p) && p.implausible == 1 && p.received == 2 && !probe_answered(&p, 68),
	      "probe: a T1 from before its probe left is implausible, not received");
	/* the first probe's T1 on the last but two's number */
	reply(fd[1], &pr[0], 7, 0, 67, true);
	CHECK(take(&p) && p.implausible == 2 && !probe_answered(&p, 67),
	      "probe: the first probe's T1 on another's number is implausible");
	/* after its own arrival: a clock that ran backwards, or forged */
	reply(fd[1], &pr[64], 7, 1000000000, 0, false);
	CHECK(take(&p) && p.implausible == 3 && p.received == 2 && p.max_rtt < 1000000000,
	      "probe: a T1 after the reply's arrival is implausible");
	/* the genuine reply to 68 still counts after the forged one */
	reply(fd[1], &pr[68], 7, 0, 0, false);
	CHECK(take(&p) && p.received == 3 && probe_answered(&p, 68),
	      "probe: the genuine reply after a forged one is received");

	/* probe 0's slot holds probe 64 now: its reply is late */
	reply(fd[1], &pr[0], 7, 0, 0, false);
	CHECK(take(&p) && p.late == 1 && p.received == 3 && !probe_answered(&p, 0),
	      "probe: a reply to a probe older than the window is late, not received");
	/* a number never sent */
	reply(fd[1], &pr[0], 7, 0, NPROBES, true);
	CHECK(take(&p) && p.late == 1 && p.implausible == 3 && p.received == 3,
	      "probe: a reply to a probe never sent is ignored");
	/* a datagram shorter than the base packet */
	if (send(fd[1], buf, 20, 0) == 20)
		CHECK(take(&p) && p.received == 3 && p.implausible == 3,
		      "probe: a short datagram is ignored");
out:
	for (i = 0; i < 2; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	probe_free_slots(&p);
	samples_free(&p.rtt);
	samples_free(&p.fwd);
	samples_free(&p.rev);
	samples_free(&p.far);
}
