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

/* Answer probe @pr from @fd (SSID 7) with T2 @t2 and T3 @t3 (ns; 0: zero). */
static void reply_t23(int fd, const struct stamp_sender_pkt *pr, uint64_t t2, uint64_t t3)
{
	struct stamp_reflector_pkt r;

	memset(&r, 0, sizeof(r));
	r.seq = pr->seq;
	if (t3)
		put_ns(&r.ts, t3);
	if (t2)
		put_ns(&r.rx_ts, t2);
	r.ssid = htons(7);
	r.sender_seq = pr->seq;
	r.sender_ts = pr->ts;
	r.sender_ee = pr->ee;
	r.sender_ttl = 64;
	if (send(fd, &r, sizeof(r), 0) != (ssize_t)sizeof(r))
		perror("send");
}

/*
 * Answer probe @pr from @fd with T2 = T1 + 1 us, T3 = T2 + 1 us and a
 * Follow-Up Telemetry TLV: reflector sequence number @fseq left at @fts
 * (ns; 0: none). Returns its T3.
 */
static uint64_t reply_fu(int fd, const struct stamp_sender_pkt *pr, uint32_t fseq, uint64_t fts)
{
	struct {
		struct stamp_reflector_pkt r;
		struct stamp_tlv tlv;
		struct stamp_tlv_followup fu;
	} m;	/* no padding: every part is 4-byte aligned (asserted) */
	uint64_t t1 = ts_ns(&pr->ts);

	_Static_assert(sizeof(m) == STAMP_BASE_LEN + STAMP_TLV_HDR_LEN + STAMP_FOLLOWUP_LEN,
		       "a reply with one Follow-Up Telemetry TLV");
	memset(&m, 0, sizeof(m));
	m.r.seq = pr->seq;
	put_ns(&m.r.rx_ts, t1 + 1000);
	put_ns(&m.r.ts, t1 + 2000);
	m.r.ssid = htons(7);
	m.r.sender_seq = pr->seq;
	m.r.sender_ts = pr->ts;
	m.r.sender_ee = pr->ee;
	m.r.sender_ttl = 64;
	m.tlv.type = STAMP_TLV_FOLLOWUP_TELEMETRY;
	m.tlv.len = htons(STAMP_FOLLOWUP_LEN);
	m.fu.seq = htonl(fseq);
	if (fts)
		put_ns(&m.fu.ts, fts);
	if (send(fd, &m, sizeof(m), 0) != (ssize_t)sizeof(m))
		perror("send");
	return t1 + 2000;
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

	/*
	 * Timestamps that cannot be: T2 0, T3 0, T3 before T2, a turnaround
	 * longer than the whole round trip: received (the T1 is the probe's),
	 * implausible, no round trip. A T2 of 0 made one of 0. Refusing them
	 * made a correct reflector's coarse timestamps loss. (A T1 after the
	 * reply's arrival, within the T1 check's slack, is the same case; it
	 * has no check here: the arrival time is the kernel's, which a test
	 * run under valgrind cannot place within half a millisecond.)
	 */
	{
		uint64_t now = clock_ns(CLOCK_REALTIME);
		size_t n0 = p.rtt.n;

		reply_t23(fd[1], &pr[63], 0, now);
		CHECK(take(&p) && p.implausible == 4 && p.received == 4 && probe_answered(&p, 63) &&
		      !p.last_measured && p.rtt.n == n0,
		      "probe: a reply with no T2 (0): received, implausible, no rtt");
		reply_t23(fd[1], &pr[59], now, 0);
		CHECK(take(&p) && p.implausible == 5 && p.received == 5 && p.rtt.n == n0,
		      "probe: a reply with no T3 (0): received, implausible, no rtt");
		reply_t23(fd[1], &pr[58], now, now - 1000000);
		CHECK(take(&p) && p.implausible == 6 && p.received == 6 && p.rtt.n == n0,
		      "probe: a reply whose T3 is before its T2: received, implausible, no rtt");
		reply_t23(fd[1], &pr[57], ts_ns(&pr[57].ts) - 1000000000000ULL, now);
		CHECK(take(&p) && p.implausible == 7 && p.received == 7 && p.rtt.n == n0,
		      "probe: a turnaround (1000 s) longer than the round trip: received, implausible, no rtt");
		/* a turnaround of 1 us: the round trip without it */
		p.max_rtt = 0;
		reply_t23(fd[1], &pr[55], ts_ns(&pr[55].ts) + 1000, ts_ns(&pr[55].ts) + 2000);
		CHECK(take(&p) && p.implausible == 7 && p.received == 8 && p.rtt.n == n0 + 1 &&
		      p.last_measured && p.max_rtt > 0 &&
		      p.max_rtt < (int64_t)(clock_ns(CLOCK_REALTIME) - ts_ns(&pr[55].ts)),
		      "probe: a plausible reply makes its round trip, its turnaround taken off (rtt %lld ns)",
		      (long long)p.max_rtt);
	}

	/*
	 * Follow-Up Telemetry: when the reflector's previous reply really
	 * left. One that says before that reply's T3 (by 1 ms) is no far
	 * egress sample (it made one of -1 ms); 5 us after it is one.
	 */
	{
		uint64_t t3_62, t3_61;

		p.followup = true;
		t3_62 = reply_fu(fd[1], &pr[62], 0, 0);
		CHECK(take(&p) && p.received == 9 && p.far.n == 0,
		      "probe: a reply with an empty Follow-Up TLV: received, no far sample");
		t3_61 = reply_fu(fd[1], &pr[61], 62, t3_62 - 1000000);
		CHECK(take(&p) && p.received == 10 && p.far.n == 0,
		      "probe: a Follow-Up time before that reply's T3 is no far sample");
		reply_fu(fd[1], &pr[60], 61, t3_61 + 5000);
		CHECK(take(&p) && p.received == 11 && p.far.n == 1 &&
		      p.far.v[0] >= 4990 && p.far.v[0] <= 5010,
		      "probe: one 5 us after it is a far sample of 5 us (%lld ns)",
		      p.far.n ? (long long)p.far.v[0] : -1LL);
		p.followup = false;
	}

	/* probe 0's slot holds probe 64 now: its reply is late */
	reply(fd[1], &pr[0], 7, 0, 0, false);
	CHECK(take(&p) && p.late == 1 && p.received == 11 && !probe_answered(&p, 0),
	      "probe: a reply to a probe older than the window is late, not received");
	/* a number never sent */
	reply(fd[1], &pr[0], 7, 0, NPROBES, true);
	CHECK(take(&p) && p.late == 1 && p.implausible == 7 && p.received == 11,
	      "probe: a reply to a probe never sent is ignored");
	/* a datagram shorter than the base packet */
	if (send(fd[1], buf, 20, 0) == 20)
		CHECK(take(&p) && p.received == 11 && p.implausible == 7,
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
