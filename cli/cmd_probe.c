// SPDX-License-Identifier: GPL-2.0
/* snapfire probe: a STAMP Session-Sender (RFC 8762/8972) in userspace. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include <linux/net_tstamp.h>
#include <linux/snapfire_stamp.h>

#include "common.h"
#include "fmt.h"

#ifndef SO_TIMESTAMPING
#define SO_TIMESTAMPING 37
#endif
#ifndef SCM_TIMESTAMPING
#define SCM_TIMESTAMPING SO_TIMESTAMPING
#endif

struct scm_ts3 {
	struct timespec ts[3];
};

struct samples {
	int64_t *v;
	size_t n, cap;
};

struct probe {
	const char *dest;
	char addr[INET6_ADDRSTRLEN];
	uint16_t port, ssid;
	int fd;
	size_t size;
	uint32_t sent;
	uint64_t received, dups, reordered;
	uint32_t max_seq;		/* highest received + 1 */
	uint8_t *seen;			/* bitmap over sequence numbers */
	size_t seen_bytes;
	struct samples rtt, fwd, rev;
	int64_t last_rtt;
	int have_last;
	double jit_sum, jit3550;
	uint64_t jit_n;
	int64_t max_rtt;
	bool quiet, synced_clock;
};

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static uint64_t ts_ns(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000ULL + (uint64_t)t->tv_nsec;
}

static uint64_t now_ns(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return ts_ns(&t);
}

/* STAMP timestamp (NTP or PTP per the Z bit) -> Unix ns. */
static int64_t stamp_to_ns(const struct stamp_ts *t, uint16_t ee)
{
	uint64_t sec = ntohl(t->sec), frac = ntohl(t->frac);

	if (ee & STAMP_EE_Z)
		return (int64_t)(sec * 1000000000ULL + frac);
	return (int64_t)((sec - STAMP_NTP_UNIX_OFFSET) * 1000000000ULL +
			 ((frac * 1000000000ULL) >> 32));
}

static void ns_to_ntp(uint64_t ns, struct stamp_ts *t)
{
	uint64_t sec = ns / 1000000000ULL, rem = ns % 1000000000ULL;

	t->sec = htonl((uint32_t)(sec + STAMP_NTP_UNIX_OFFSET));
	t->frac = htonl((uint32_t)((rem << 32) / 1000000000ULL));
}

/* Error Estimate: S if the kernel says the clock is synchronised; the
 * error is multiplier * 2^(scale - 32) s: scale 12, multiplier 1 ~ 1 us. */
static uint16_t error_estimate(void)
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

static int samples_add(struct samples *s, int64_t v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		int64_t *p = realloc(s->v, cap * sizeof(*p));

		if (!p)
			return -1;
		s->v = p;
		s->cap = cap;
	}
	s->v[s->n++] = v;
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted samples. */
static int64_t pct(const struct samples *s, double p)
{
	size_t r;

	if (!s->n)
		return 0;
	r = (size_t)ceil(p * (double)s->n);
	if (r < 1)
		r = 1;
	if (r > s->n)
		r = s->n;
	return s->v[r - 1];
}

static int64_t mean(const struct samples *s)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < s->n; i++)
		sum += (double)s->v[i];
	return s->n ? (int64_t)llround(sum / (double)s->n) : 0;
}

static void json_samples(struct json *j, const char *key, struct samples *s)
{
	qsort(s->v, s->n, sizeof(*s->v), cmp_i64);
	json_obj(j, key);
	json_u64(j, "count", s->n);
	json_i64(j, "min_ns", s->n ? s->v[0] : 0);
	json_i64(j, "mean_ns", mean(s));
	json_i64(j, "p50_ns", pct(s, 0.5));
	json_i64(j, "p90_ns", pct(s, 0.9));
	json_i64(j, "p99_ns", pct(s, 0.99));
	json_i64(j, "p999_ns", pct(s, 0.999));
	json_i64(j, "max_ns", s->n ? s->v[s->n - 1] : 0);
	json_obj_end(j);
}

static char *ms(char *buf, size_t n, int64_t ns)
{
	double v = (double)ns / 1e6;

	if (v < 1)
		snprintf(buf, n, "%.3f", v);
	else if (v < 100)
		snprintf(buf, n, "%.2f", v);
	else
		snprintf(buf, n, "%.1f", v);
	return buf;
}

/* Marks seq as seen; returns 1 if it was already. */
static int mark_seen(struct probe *p, uint32_t seq)
{
	size_t byte = seq / 8;
	int was;

	if (byte >= p->seen_bytes) {
		size_t nb = p->seen_bytes ? p->seen_bytes : 128;
		uint8_t *b;

		while (nb <= byte)
			nb *= 2;
		b = realloc(p->seen, nb);
		if (!b)
			return 0;
		memset(b + p->seen_bytes, 0, nb - p->seen_bytes);
		p->seen = b;
		p->seen_bytes = nb;
	}
	was = !!(p->seen[byte] & (1u << (seq % 8)));
	p->seen[byte] |= (uint8_t)(1u << (seq % 8));
	return was;
}

static void send_probe(struct probe *p, uint8_t *buf, uint16_t ee)
{
	struct stamp_sender_pkt *pkt = (struct stamp_sender_pkt *)buf;

	pkt->seq = htonl(p->sent);
	pkt->ee = htons(ee);
	pkt->ssid = htons(p->ssid);
	ns_to_ntp(now_ns(CLOCK_REALTIME), &pkt->ts);
	if (send(p->fd, buf, p->size, 0) < 0 && errno != ECONNREFUSED &&
	    !p->quiet && !g_json)
		errmsg("send seq=%u: %s", p->sent, strerror(errno));
	p->sent++;
}

static void receive_one(struct probe *p)
{
	uint8_t buf[STAMP_MAX_LEN + 64];
	char cbuf[512], b1[32], b2[32], b3[32];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	const struct stamp_reflector_pkt *r = (const void *)buf;
	struct cmsghdr *cm;
	int64_t t1, t2, t3, t4 = 0, rtt, fwd = 0, rev = 0;
	uint16_t ee, see;
	uint32_t seq;
	int ttl = -1, both_s;
	ssize_t len;

	len = recvmsg(p->fd, &mh, MSG_DONTWAIT);
	if (len < 0)
		return;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPING) {
			struct scm_ts3 ts;

			memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
			if (ts.ts[0].tv_sec || ts.ts[0].tv_nsec)
				t4 = (int64_t)ts_ns(&ts.ts[0]);
		} else if ((cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TTL) ||
			   (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_HOPLIMIT)) {
			memcpy(&ttl, CMSG_DATA(cm), sizeof(ttl));
		}
	}
	if (!t4)
		t4 = (int64_t)now_ns(CLOCK_REALTIME);
	/*
	 * The socket is connected: the 4-tuple is ours. An RFC 8762-only
	 * reflector returns the SSID (MBZ to it) as 0: that is ours too.
	 */
	if (len < STAMP_BASE_LEN || (r->ssid && ntohs(r->ssid) != p->ssid))
		return;
	seq = ntohl(r->sender_seq);
	if (seq >= p->sent)
		return;		/* not one of ours */
	if (mark_seen(p, seq)) {
		p->dups++;
		if (!p->quiet && !g_json)
			printf("%zd bytes from %s: seq=%u (DUP!)\n", len, p->addr, seq);
		return;
	}
	p->received++;
	if (seq + 1 < p->max_seq)
		p->reordered++;
	else
		p->max_seq = seq + 1;
	ee = ntohs(r->ee);
	see = ntohs(r->sender_ee);
	t1 = stamp_to_ns(&r->sender_ts, see);
	t2 = stamp_to_ns(&r->rx_ts, ee);
	t3 = stamp_to_ns(&r->ts, ee);
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
	if (p->quiet || g_json)
		return;
	printf("%zd bytes from %s: seq=%u", len, p->addr, seq);
	if (ttl >= 0)
		printf(" ttl=%d", ttl);
	printf(" rtt=%s ms", ms(b1, sizeof(b1), rtt));
	if (both_s)
		printf(" fwd=%s ms rev=%s ms", ms(b2, sizeof(b2), fwd), ms(b3, sizeof(b3), rev));
	printf("\n");
	fflush(stdout);
}

/* Polls for replies until the absolute CLOCK_MONOTONIC deadline. */
static void wait_until(struct probe *p, uint64_t deadline, const sigset_t *mask,
		       uint64_t stop_when_all)
{
	for (;;) {
		uint64_t now = now_ns(CLOCK_MONOTONIC);
		struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
		struct timespec to;

		if (interrupted || now >= deadline)
			break;
		if (stop_when_all && p->received >= p->sent)
			break;
		to.tv_sec = (time_t)((deadline - now) / 1000000000ULL);
		to.tv_nsec = (long)((deadline - now) % 1000000000ULL);
		if (ppoll(&pfd, 1, &to, mask) > 0)
			receive_one(p);
	}
	if (!interrupted && !stop_when_all) {
		struct timespec abs = { (time_t)(deadline / 1000000000ULL),
					(long)(deadline % 1000000000ULL) };

		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
	}
}

static void summary(struct probe *p)
{
	uint64_t lost = p->sent > p->received ? p->sent - p->received : 0;
	double loss = p->sent ? 100.0 * (double)lost / (double)p->sent : 0;
	double jit_mean = p->jit_n ? p->jit_sum / (double)p->jit_n : 0;
	char b[6][32];

	if (g_json) {
		struct json j;

		json_init(&j, stdout);
		json_obj(&j, NULL);
		json_str(&j, "dest", p->dest);
		json_str(&j, "addr", p->addr);
		json_u64(&j, "port", p->port);
		json_u64(&j, "ssid", p->ssid);
		json_u64(&j, "sent", p->sent);
		json_u64(&j, "received", p->received);
		json_u64(&j, "lost", lost);
		json_double(&j, "loss_pct", loss);
		json_u64(&j, "reordered", p->reordered);
		json_u64(&j, "duplicates", p->dups);
		json_samples(&j, "rtt", &p->rtt);
		json_u64(&j, "jitter_ns", (uint64_t)llround(jit_mean));
		json_u64(&j, "jitter_rfc3550_ns", (uint64_t)llround(p->jit3550));
		json_bool(&j, "synced", p->fwd.n > 0);
		if (p->fwd.n) {
			json_samples(&j, "fwd", &p->fwd);
			json_samples(&j, "rev", &p->rev);
		}
		json_obj_end(&j);
		json_end(&j);
		return;
	}
	qsort(p->rtt.v, p->rtt.n, sizeof(int64_t), cmp_i64);
	printf("\n--- %s snapfire probe statistics (port %u, ssid %u) ---\n",
	       p->dest, p->port, p->ssid);
	printf("%u sent, %" PRIu64 " received, %.1f%% loss, %" PRIu64 " reordered, %"
	       PRIu64 " duplicates\n", p->sent, p->received, loss, p->reordered, p->dups);
	if (p->rtt.n) {
		printf("rtt min/avg/p50/p90/p99/max = %s/%s/%s/%s/%s/%s ms\n",
		       ms(b[0], 32, p->rtt.v[0]), ms(b[1], 32, mean(&p->rtt)),
		       ms(b[2], 32, pct(&p->rtt, 0.5)), ms(b[3], 32, pct(&p->rtt, 0.9)),
		       ms(b[4], 32, pct(&p->rtt, 0.99)),
		       ms(b[5], 32, p->rtt.v[p->rtt.n - 1]));
		printf("jitter %s (mean |delta rtt|), %s (RFC 3550)\n",
		       fmt_dur(b[0], 32, (uint64_t)llround(jit_mean)),
		       fmt_dur(b[1], 32, (uint64_t)llround(p->jit3550)));
	}
	if (p->fwd.n) {
		qsort(p->fwd.v, p->fwd.n, sizeof(int64_t), cmp_i64);
		qsort(p->rev.v, p->rev.n, sizeof(int64_t), cmp_i64);
		printf("fwd p50/p99 = %s/%s ms, rev p50/p99 = %s/%s ms (clocks synchronised)\n",
		       ms(b[0], 32, pct(&p->fwd, 0.5)), ms(b[1], 32, pct(&p->fwd, 0.99)),
		       ms(b[2], 32, pct(&p->rev, 0.5)), ms(b[3], 32, pct(&p->rev, 0.99)));
	}
}

static int open_socket(struct probe *p, int family, uint64_t sport, int dscp)
{
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_DGRAM,
				  .ai_protocol = IPPROTO_UDP }, *res, *ai;
	char port[8];
	int one = 1, err, fd = -1;
	int tsflags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;

	snprintf(port, sizeof(port), "%u", p->port);
	err = getaddrinfo(p->dest, port, &hints, &res);
	if (err) {
		errmsg("probe: cannot resolve '%s': %s", p->dest, gai_strerror(err));
		return EXIT_FAIL;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
		if (fd < 0)
			continue;
		if (sport) {
			struct sockaddr_storage ss = { 0 };
			socklen_t sl;

			if (ai->ai_family == AF_INET6) {
				struct sockaddr_in6 *s6 = (void *)&ss;

				s6->sin6_family = AF_INET6;
				s6->sin6_port = htons((uint16_t)sport);
				sl = sizeof(*s6);
			} else {
				struct sockaddr_in *s4 = (void *)&ss;

				s4->sin_family = AF_INET;
				s4->sin_port = htons((uint16_t)sport);
				sl = sizeof(*s4);
			}
			if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
				errmsg("probe: cannot bind local port %" PRIu64 ": %s",
				       sport, strerror(errno));
				close(fd);
				freeaddrinfo(res);
				return EXIT_FAIL;
			}
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		errmsg("probe: cannot reach %s port %u: %s", p->dest, p->port,
		       strerror(errno));
		freeaddrinfo(res);
		return EXIT_FAIL;
	}
	if (ai->ai_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr,
			  p->addr, sizeof(p->addr));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one));
		if (dscp >= 0) {
			int tc = dscp << 2;

			setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tc, sizeof(tc));
		}
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr,
			  p->addr, sizeof(p->addr));
		setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one));
		if (dscp >= 0) {
			int tos = dscp << 2;

			setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
		}
	}
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &tsflags, sizeof(tsflags));
	freeaddrinfo(res);
	p->fd = fd;
	return 0;
}

int cmd_probe(int argc, char **argv)
{
	struct probe p = { .port = STAMP_PORT, .fd = -1, .size = STAMP_BASE_LEN };
	double interval = 1, duration = 0;
	uint64_t count = 0, v, sport = 0;
	int family = AF_UNSPEC, dscp = -1, i, rc, have_ssid = 0;
	uint64_t start, deadline_w = 0, grace;
	sigset_t block, orig;
	struct sigaction sa;
	uint8_t *buf;
	uint16_t ee;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (want_help("probe", a))
			return EXIT_OK;
		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			g_json = true;
			continue;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			p.quiet = true;
			continue;
		} else if (!strcmp(a, "-4")) {
			family = AF_INET;
			continue;
		} else if (!strcmp(a, "-6")) {
			family = AF_INET6;
			continue;
		} else if (a[0] != '-' || !a[1]) {
			if (p.dest)
				return usage_err("probe", "unexpected argument '%s'", a);
			p.dest = a;
			continue;
		}
		if (!strcmp(a, "-p") || !strcmp(a, "--port")) {
			rc = arg_u64("probe", a, val, 65535, &v);
			if (!rc && !v)
				rc = usage_err("probe", "-p: port 0 is not a port");
			p.port = (uint16_t)v;
		} else if (!strcmp(a, "-i") || !strcmp(a, "--interval")) {
			rc = arg_double("probe", a, val, &interval);
			if (!rc && interval < 0.0001)
				rc = usage_err("probe", "-i: the interval must be at least 0.0001 s");
		} else if (!strcmp(a, "-c") || !strcmp(a, "--count")) {
			rc = arg_u64("probe", a, val, UINT32_MAX, &count);
		} else if (!strcmp(a, "-w") || !strcmp(a, "--deadline")) {
			rc = arg_double("probe", a, val, &duration);
		} else if (!strcmp(a, "-s") || !strcmp(a, "--size")) {
			rc = arg_u64("probe", a, val, STAMP_MAX_LEN, &v);
			if (!rc && (v < STAMP_BASE_LEN ||
				    (v > STAMP_BASE_LEN && v < STAMP_BASE_LEN + STAMP_TLV_HDR_LEN)))
				rc = usage_err("probe", "-s: the size must be 44, or 48 to %d (44 + a padding TLV)",
					       STAMP_MAX_LEN);
			p.size = (size_t)v;
		} else if (!strcmp(a, "--ssid")) {
			rc = arg_u64("probe", a, val, 65535, &v);
			p.ssid = (uint16_t)v;
			have_ssid = 1;
		} else if (!strcmp(a, "--dscp")) {
			rc = arg_u64("probe", a, val, 63, &v);
			dscp = (int)v;
		} else if (!strcmp(a, "--sport")) {
			rc = arg_u64("probe", a, val, 65535, &sport);
		} else {
			return usage_err("probe", "unknown option '%s'", a);
		}
		if (rc)
			return rc;
		i++;
	}
	if (!p.dest)
		return usage_err("probe", "where to? give a destination address or name");
	if (!have_ssid) {
		p.ssid = (uint16_t)(getpid() & 0xffff);
		if (!p.ssid)
			p.ssid = 1;
	}
	rc = open_socket(&p, family, sport, dscp);
	if (rc)
		return rc;
	buf = calloc(1, p.size);
	if (!buf) {
		close(p.fd);
		errmsg("out of memory");
		return EXIT_FAIL;
	}
	if (p.size > STAMP_BASE_LEN) {
		struct stamp_tlv *tlv = (struct stamp_tlv *)(buf + STAMP_BASE_LEN);

		tlv->type = STAMP_TLV_EXTRA_PADDING;
		tlv->len = htons((uint16_t)(p.size - STAMP_BASE_LEN - STAMP_TLV_HDR_LEN));
	}
	ee = error_estimate();

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &orig);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (!g_json && !p.quiet)
		printf("STAMP %s (%s) port %u: %zu bytes, ssid %u, every %gs\n",
		       p.dest, p.addr, p.port, p.size, p.ssid, interval);
	start = now_ns(CLOCK_MONOTONIC);
	if (duration > 0)
		deadline_w = start + (uint64_t)(duration * 1e9);
	for (uint64_t k = 0; !interrupted; k++) {
		uint64_t next = start + (uint64_t)llround((double)k * interval * 1e9);

		if (deadline_w && next >= deadline_w) {
			wait_until(&p, deadline_w, &orig, 0);
			break;
		}
		wait_until(&p, next, &orig, 0);
		if (interrupted)
			break;
		if (p.sent == UINT32_MAX)
			break;
		send_probe(&p, buf, ee);
		if (count && p.sent >= count)
			break;
	}
	if (!interrupted) {
		/* Stragglers: max(2 * max rtt, 1 s), or until all are back. */
		grace = (uint64_t)(2 * p.max_rtt);
		if (grace < 1000000000ULL)
			grace = 1000000000ULL;
		wait_until(&p, now_ns(CLOCK_MONOTONIC) + grace, &orig, 1);
	}
	sigprocmask(SIG_SETMASK, &orig, NULL);
	summary(&p);
	close(p.fd);
	free(buf);
	free(p.seen);
	free(p.rtt.v);
	free(p.fwd.v);
	free(p.rev.v);
	return p.received || !p.sent ? EXIT_OK : EXIT_FAIL;
}
