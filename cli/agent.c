// SPDX-License-Identifier: GPL-2.0
/*
 * snapfire agent: one STAMP session per configured target, indefinitely;
 * once a minute each target's delta histograms and counters go to the
 * history store (hstore.h); SIGHUP reloads; events are counted and logged
 * once per transition. See agent.h for the threads and the shared state.
 *
 * Threads. The session thread (the main one) owns every socket: it sends,
 * receives, times probes out and writes the JSON Lines, all from one
 * ppoll() over all the sessions' sockets. One thread for all targets
 * rather than one each: 256 targets (AGENT_MAX_TARGETS) at up to 100
 * probes/s are a few thousand datagrams a second, which one poll loop
 * handles with little CPU; a thread per target would cost 256 stacks,
 * contend on agent->lock at every reply and make a reload (sessions kept,
 * added, closed) a matter of starting and joining threads. The one thing
 * that blocks is the minute's work -- the module's flow dump and one
 * fdatasync'ed hs_append per target, metric and counter -- so it runs in a
 * second thread, the store thread, which the session thread hands each
 * closed minute to (a job: the identities of the sessions' flows, their
 * counters and their userspace round trips). Host names are looked up in
 * short-lived threads of their own (sess_resolve). The HTTP server's
 * threads (agent_http.c) only read, under agent->lock.
 *
 * Counters are the agent's own: a probe is sent when send() took it,
 * received when its reply came within the timeout, lost when none did
 * (a reply after the timeout stays lost: sent = received + lost + the
 * probes still in flight). The timeout is max(3 intervals, 3 s), the same
 * as the up/down rule. Histograms are the module's when its sender flow of
 * the session is found (all metrics, T1/T4 stamped in the kernel);
 * otherwise the round trip from userspace timestamps only.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/snapfire.h>
#include <linux/snapfire_stamp.h>

#include "agent.h"
#include "cmds.h"
#include "common.h"
#include "hquery.h"
#include "hstore.h"
#include "probe.h"

#define NSEC		1000000000ULL
#define MINUTE_NS	(60 * NSEC)
/* A session restarts (new socket, new flow, sequence numbers from 0) after
 * this many probes, at a minute's end: it bounds probe.c's bitmap of
 * sequence numbers seen (512 KiB) over an indefinite run. */
#define SEQ_RECYCLE	(1u << 22)
#define OPEN_RETRY_MAX	(60 * NSEC)

static volatile sig_atomic_t got_hup, got_term;

struct pend {
	uint32_t seq;
	uint64_t mono, real;		/* when it was sent */
};

/* A target's session: the session thread's alone. */
struct sess {
	uint64_t id;			/* unique for the agent's life */
	struct probe p;
	uint8_t *buf;
	uint16_t ee;
	bool open;
	uint64_t retry_at, backoff;	/* mono, when not open */
	uint64_t start, k, next;	/* the schedule: start + k * interval */
	struct pend *pend;		/* in flight, oldest first */
	size_t npend, cappend;
	uint64_t rx_seen, reord_seen, dups_seen;
	uint64_t last_reply;		/* mono, 0: none yet */
	uint64_t since;			/* mono: opened, or the last reply */
	int reach;			/* 0 unknown, 1 up, -1 unreachable */
	bool send_failing;
	char why[400];			/* why it is not open */
	char logged[400];		/* the last reason logged: once each */
	struct rslv *rs;		/* a name being looked up */
	/* the module's flow of this session */
	uint8_t family, peer[16];
	uint16_t lport;
};

/* The store thread's queue. */
struct job_ent {
	uint64_t sess_id;
	char name[AGENT_NAME_MAX + 1];
	bool have_flow_id;
	uint8_t family, peer[16];
	uint16_t lport, ssid;
	uint64_t counters[AC_COUNT];
	struct hist uh;			/* userspace round trips of the minute */
};

struct job {
	struct job *next;
	uint64_t minute;
	char dir[4096];
	unsigned int retention;
	bool partial;			/* some targets only: keep the others' kprev */
	int n;
	struct job_ent *e;
};

/* The module's cumulative histograms of a flow, last minute. */
struct kprev {
	uint8_t family, peer[16];
	uint16_t lport, ssid;
	struct hist h[METRIC_COUNT];
};

struct agentd {
	struct agent a;
	const char *path;
	uint64_t next_sess_id;
	uint64_t minute;		/* the current (open) minute */
	FILE *jsonl;
	bool jsonl_failing;
	struct agent_http *http;
	/* store thread */
	pthread_t store_th;
	pthread_mutex_t qlock;
	pthread_cond_t qcond;
	struct job *qhead, *qtail;
	bool qstop;
	struct kprev *kp;
	int nkp;
	bool module_known;		/* module_loaded has been decided once */
	uint64_t pruned_day;
	bool flow_read_failing;
};

static uint64_t now_ns(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return (uint64_t)t.tv_sec * NSEC + (uint64_t)t.tv_nsec;
}

static char *iso(char *buf, size_t n, uint64_t real_ns)
{
	time_t s = (time_t)(real_ns / NSEC);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned int)(real_ns % NSEC / 1000000));
	return buf;
}

/* The agent's log: stderr (journald), one line with a UTC timestamp. */
static void alog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void alog(const char *fmt, ...)
{
	char t[64];
	va_list ap;

	fprintf(stderr, "%s snapfire agent: ", iso(t, sizeof(t), now_ns(CLOCK_REALTIME)));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Counts @e and logs it; the caller holds a->lock. */
static void event(struct agent *a, enum agent_event e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void event(struct agent *a, enum agent_event e, const char *fmt, ...)
{
	char msg[512], t[64];
	va_list ap;

	a->events[e]++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s snapfire agent: %s: %s\n", iso(t, sizeof(t), now_ns(CLOCK_REALTIME)),
		agent_event_names[e], msg);
}

static uint64_t timeout_ns(const struct agent_target_conf *c)
{
	uint64_t t = (uint64_t)llround(3 * c->interval * 1e9);

	return t < 3 * NSEC ? 3 * NSEC : t;
}

/* ------------------------------------------------ userspace histograms */

/*
 * A round trip into @h in the module's buckets (kmod/hist.h, precision 6):
 * [0, 64) one nanosecond wide, then each power of two in 64 buckets; so
 * userspace and kernel minutes merge bucket for bucket.
 */
/* not static: tests/unit_agent_conf.c tests it */
int agent_uhist_add(struct hist *h, uint64_t v)
{
	uint64_t low, high, w;
	size_t lo = 0, hi = h->nb;
	int g;

	if (v < 64) {
		low = high = v;
	} else {
		g = 63 - __builtin_clzll(v) - 6 + 1;	/* group >= 1 */
		w = 1ULL << (g - 1);
		low = v & ~(w - 1);
		high = low + w - 1;
	}
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (h->b[mid].low < low)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < h->nb && h->b[lo].low == low) {
		h->b[lo].count++;
	} else {
		if (hist_add_bucket(h, low, high, 1))
			return -1;
		memmove(&h->b[lo + 1], &h->b[lo], (h->nb - 1 - lo) * sizeof(*h->b));
		h->b[lo] = (struct bucket){ low, high, 1 };
	}
	if (!h->count || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
	h->present = 1;
	h->metric = SNAPFIRE_METRIC_RTT;
	return 0;
}

/* @out = @cur - @prev, the module's cumulative histograms a minute apart;
 * false when @cur went backwards (the flow was recreated). */
/* not static: tests/unit_agent_conf.c tests it */
bool agent_hist_delta(const struct hist *cur, const struct hist *prev, struct hist *out)
{
	size_t i, j = 0;

	memset(out, 0, sizeof(*out));
	if (prev && (cur->count < prev->count || cur->sum < prev->sum))
		return false;
	for (i = 0; i < cur->nb; i++) {
		uint64_t c = cur->b[i].count;

		while (prev && j < prev->nb && prev->b[j].low < cur->b[i].low) {
			if (prev->b[j].count)
				goto back;	/* a bucket vanished */
			j++;
		}
		if (prev && j < prev->nb && prev->b[j].low == cur->b[i].low) {
			if (prev->b[j].count > c)
				goto back;
			c -= prev->b[j].count;
			j++;
		}
		if (c && hist_add_bucket(out, cur->b[i].low, cur->b[i].high, c))
			break;
	}
	for (; prev && j < prev->nb; j++)
		if (prev->b[j].count)
			goto back;
	out->present = 1;
	out->metric = cur->metric;
	out->count = cur->count - (prev ? prev->count : 0);
	out->sum = cur->sum - (prev ? prev->sum : 0);
	if (out->nb) {
		out->min = out->b[0].low < cur->min ? cur->min : out->b[0].low;
		out->max = out->b[out->nb - 1].high > cur->max ? cur->max : out->b[out->nb - 1].high;
	}
	return true;
back:
	hist_free(out);
	return false;
}

static int hist_clone(struct hist *dst, const struct hist *src)
{
	memset(dst, 0, sizeof(*dst));
	return hq_merge(dst, src);
}

/* ------------------------------------------------------------ JSON Lines */

static void jsonl_open(struct agentd *d)
{
	if (d->jsonl) {
		fclose(d->jsonl);
		d->jsonl = NULL;
	}
	if (!d->a.conf.jsonl[0])
		return;
	d->jsonl = fopen(d->a.conf.jsonl, "ae");
	if (!d->jsonl)
		alog("jsonl: cannot open %s: %s (no JSON Lines until it can be: fix it and send SIGHUP)",
		     d->a.conf.jsonl, strerror(errno));
	d->jsonl_failing = false;
}

static void jl_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

/* One record: the probe sent at @real, its @status and @reason. */
static void jsonl_rec(struct agentd *d, const char *target, uint64_t real, const char *status,
		      uint64_t dur_ns, const char *reason)
{
	char t[64];
	FILE *f = d->jsonl;

	if (!f)
		return;
	fprintf(f, "{\"ts\":\"%s\",\"protocol\":\"stamp\",\"target\":", iso(t, sizeof(t), real));
	jl_str(f, target);
	fprintf(f, ",\"duration_ms\":%.3f,\"status\":\"%s\",\"reason\":", (double)dur_ns / 1e6,
		status);
	jl_str(f, reason);
	fputs("}\n", f);
	if (fflush(f) == EOF || ferror(f)) {
		if (!d->jsonl_failing)
			alog("jsonl: cannot write %s: %s (records are dropped until it can be)",
			     d->a.conf.jsonl, strerror(errno));
		d->jsonl_failing = true;
		clearerr(f);
	} else if (d->jsonl_failing) {
		alog("jsonl: %s written again", d->a.conf.jsonl);
		d->jsonl_failing = false;
	}
}

/* ------------------------------------------------------------ sessions */

static void sess_close(struct sess *s)
{
	if (s->open)
		close(s->p.fd);
	s->open = false;
	free(s->buf);
	free(s->p.seen);
	samples_free(&s->p.rtt);
	samples_free(&s->p.fwd);
	samples_free(&s->p.rev);
	samples_free(&s->p.far);
	s->buf = NULL;
	memset(&s->p, 0, sizeof(s->p));
	s->p.fd = -1;
	s->npend = 0;
	s->rx_seen = s->reord_seen = s->dups_seen = 0;
}

static void rslv_drop(struct rslv *r);

static void sess_free(struct sess *s)
{
	if (!s)
		return;
	sess_close(s);
	rslv_drop(s->rs);
	free(s->pend);
	free(s);
}

/*
 * A host name is looked up off the session thread (getaddrinfo can block
 * for seconds on a dead resolver, and every target's probes would wait):
 * one detached thread per lookup. Whoever of the thread and the session
 * comes second frees it: the thread when the session went away meanwhile
 * (RS_ORPHAN), the session when the thread is done (RS_DONE).
 */
enum { RS_RUNNING, RS_DONE, RS_ORPHAN };

struct rslv {
	int state;			/* atomic */
	int err;			/* getaddrinfo's */
	char name[256];
	char host[256];			/* an address literal */
};

static void *rslv_thread(void *arg)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_protocol = IPPROTO_UDP }, *res;
	struct rslv *r = arg;

	r->err = getaddrinfo(r->name, NULL, &hints, &res);
	if (!r->err) {
		if (res->ai_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr,
				  r->host, sizeof(r->host));
		else
			inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr,
				  r->host, sizeof(r->host));
		freeaddrinfo(res);
	}
	if (__atomic_exchange_n(&r->state, RS_DONE, __ATOMIC_ACQ_REL) == RS_ORPHAN)
		free(r);
	return NULL;
}

static void rslv_drop(struct rslv *r)
{
	if (r && __atomic_exchange_n(&r->state, RS_ORPHAN, __ATOMIC_ACQ_REL) == RS_DONE)
		free(r);
}

/* 1: @host holds the address; 0: still looking it up; -1: failed (s->why) */
static int sess_resolve(struct sess *s, const char *name, char *host, size_t n)
{
	struct in6_addr a;
	pthread_attr_t at;
	pthread_t th;
	int r;

	if (inet_pton(AF_INET, name, &a) == 1 || inet_pton(AF_INET6, name, &a) == 1) {
		snprintf(host, n, "%s", name);
		return 1;
	}
	if (!s->rs) {
		s->rs = calloc(1, sizeof(*s->rs));
		if (!s->rs) {
			snprintf(s->why, sizeof(s->why), "out of memory");
			return -1;
		}
		snprintf(s->rs->name, sizeof(s->rs->name), "%s", name);
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		r = pthread_create(&th, &at, rslv_thread, s->rs);
		pthread_attr_destroy(&at);
		if (r) {
			free(s->rs);
			s->rs = NULL;
			snprintf(s->why, sizeof(s->why), "cannot start a thread to look %s up: %s",
				 name, strerror(r));
			return -1;
		}
	}
	if (__atomic_load_n(&s->rs->state, __ATOMIC_ACQUIRE) == RS_RUNNING) {
		if (!s->why[0])
			snprintf(s->why, sizeof(s->why), "looking %s up", name);
		return 0;
	}
	r = s->rs->err;
	snprintf(host, n, "%s", s->rs->host);
	free(s->rs);
	s->rs = NULL;
	if (r) {
		snprintf(s->why, sizeof(s->why), "cannot resolve %s: %s", name, gai_strerror(r));
		return -1;
	}
	return 1;
}

/* Resolves and connects (probe_open); on failure retries later, backing
 * off from 1 s to a minute. */
static void sess_open(struct agent_target *t)
{
	struct sess *s = t->session;
	struct agent_target_conf *c = &t->conf;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[256];			/* an address literal */
	uint64_t now = now_ns(CLOCK_MONOTONIC);
	int r;

	s->p = (struct probe){ .fd = -1, .port = c->port, .ssid = c->ssid, .quiet = true,
			       .followup = c->size != STAMP_BASE_LEN };
	s->p.size = c->size ? c->size : FU_SIZE;
	r = sess_resolve(s, c->address, host, sizeof(host));
	if (r == 0) {
		s->retry_at = now + NSEC / 20;	/* look again in 50 ms */
		if (!s->since)
			s->since = now;
		return;
	}
	if (r < 0)
		goto retry;
	s->p.dest = host;
	if (probe_open(&s->p, AF_UNSPEC, 0, c->dscp)) {
		s->p.dest = NULL;
		snprintf(s->why, sizeof(s->why), "cannot open a UDP socket to %s port %u", host, c->port);
		goto retry;
	}
	s->p.dest = NULL;		/* host is gone: p.addr holds it */
	s->buf = calloc(1, s->p.size);
	if (!s->buf) {
		close(s->p.fd);
		snprintf(s->why, sizeof(s->why), "out of memory");
		goto retry;
	}
	probe_build_tlvs(&s->p, s->buf);
	s->ee = probe_error_estimate();
	memset(&ss, 0, sizeof(ss));
	getpeername(s->p.fd, (struct sockaddr *)&ss, &sl);
	s->family = (uint8_t)ss.ss_family;
	memset(s->peer, 0, sizeof(s->peer));
	if (ss.ss_family == AF_INET6)
		memcpy(s->peer, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	else
		memcpy(s->peer, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	sl = sizeof(ss);
	getsockname(s->p.fd, (struct sockaddr *)&ss, &sl);
	s->lport = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
			 ((struct sockaddr_in *)&ss)->sin_port);
	s->open = true;
	s->why[0] = 0;
	if (s->logged[0])
		alog("target %s: probing %s port %u", c->name, s->p.addr, c->port);
	s->logged[0] = 0;
	s->backoff = 0;
	s->start = s->next = now;
	s->k = 0;
	if (!s->since)
		s->since = now;
	return;
retry:
	s->backoff = s->backoff ? s->backoff * 2 : NSEC;
	if (s->backoff > OPEN_RETRY_MAX)
		s->backoff = OPEN_RETRY_MAX;
	s->retry_at = now + s->backoff;
	if (!s->since)
		s->since = now;
	if (strcmp(s->why, s->logged)) {
		alog("target %s: %s; retrying, backing off from 1 s to a minute", c->name, s->why);
		snprintf(s->logged, sizeof(s->logged), "%s", s->why);
	}
}

static struct sess *sess_new(struct agentd *d)
{
	struct sess *s = calloc(1, sizeof(*s));

	if (s) {
		s->id = ++d->next_sess_id;
		s->p.fd = -1;
	}
	return s;
}

static bool is_send_error(int e)
{
	return e == EHOSTUNREACH || e == ENETUNREACH || e == ENETDOWN || e == EADDRNOTAVAIL ||
	       e == ENODEV;
}

static void sess_send(struct agentd *d, struct agent_target *t, uint64_t now)
{
	struct sess *s = t->session;
	struct agent *a = &d->a;
	uint64_t real = now_ns(CLOCK_REALTIME);
	uint32_t seq = s->p.sent;
	int e;

	/* probe_send keeps quiet (p.quiet): its send()'s errno is ours */
	errno = 0;
	probe_send(&s->p, s->buf, s->ee);
	e = errno;
	s->k++;
	s->next = s->start + (uint64_t)llround((double)s->k * t->conf.interval * 1e9);
	if (s->next + NSEC < now) {	/* asleep (suspend, a stall): resync */
		s->start = s->next = now;
		s->k = 0;
	}
	if (e && e != ECONNREFUSED) {
		jsonl_rec(d, t->conf.name, real, "error", 0, strerror(e));
		if (is_send_error(e) && !s->send_failing) {
			pthread_mutex_lock(&a->lock);
			event(a, AE_SEND_ERROR, "target %s: cannot send: %s (interface down or no route?)",
			      t->conf.name, strerror(e));
			pthread_mutex_unlock(&a->lock);
			s->send_failing = true;
		} else if (!is_send_error(e) && !s->send_failing) {
			alog("target %s: send: %s", t->conf.name, strerror(e));
			s->send_failing = true;
		}
		return;
	}
	if (s->send_failing) {
		alog("target %s: sending again", t->conf.name);
		s->send_failing = false;
	}
	if (e == ECONNREFUSED) {
		/* the error of an earlier probe (ICMP port unreachable): this
		 * one did not leave; it times out like any unanswered one */
	}
	if (s->npend == s->cappend) {
		size_t cap = s->cappend ? s->cappend * 2 : 8;
		struct pend *p = realloc(s->pend, cap * sizeof(*p));

		if (!p)
			return;
		s->pend = p;
		s->cappend = cap;
	}
	s->pend[s->npend++] = (struct pend){ seq, now, real };
	pthread_mutex_lock(&a->lock);
	t->counters[AC_SENT]++;
	t->cur_counters[AC_SENT]++;
	pthread_mutex_unlock(&a->lock);
}

static bool seen(const struct probe *p, uint32_t seq)
{
	return seq / 8 < p->seen_bytes && (p->seen[seq / 8] & (1u << (seq % 8)));
}

static void reach_up(struct agent *a, struct agent_target *t, struct sess *s)
{
	if (s->reach == -1)
		event(a, AE_TARGET_RECOVERED, "target %s (%s) replies again", t->conf.name,
		      s->p.addr);
	s->reach = 1;
	t->up = true;
}

/* After probe_receive: which probe it answered, the counters, the round trip. */
static void sess_received(struct agentd *d, struct agent_target *t, uint64_t now)
{
	struct sess *s = t->session;
	struct agent *a = &d->a;
	struct probe *p = &s->p;
	int64_t rtt = p->last_rtt;
	size_t i, j;

	/* the samples are probe.c's for `snapfire probe`'s report: not kept */
	p->rtt.n = p->fwd.n = p->rev.n = p->far.n = 0;
	pthread_mutex_lock(&a->lock);
	t->counters[AC_DUPLICATES] += p->dups - s->dups_seen;
	t->cur_counters[AC_DUPLICATES] += p->dups - s->dups_seen;
	t->counters[AC_REORDERED] += p->reordered - s->reord_seen;
	t->cur_counters[AC_REORDERED] += p->reordered - s->reord_seen;
	s->dups_seen = p->dups;
	s->reord_seen = p->reordered;
	if (p->received > s->rx_seen) {
		s->rx_seen = p->received;
		for (i = j = 0; i < s->npend; i++) {
			if (!seen(p, s->pend[i].seq)) {
				s->pend[j++] = s->pend[i];
				continue;
			}
			t->counters[AC_RECEIVED]++;
			t->cur_counters[AC_RECEIVED]++;
			agent_uhist_add(&t->cur[SNAPFIRE_METRIC_RTT], (uint64_t)(rtt > 0 ? rtt : 0));
			t->last_reply_ns = now_ns(CLOCK_REALTIME);
			s->last_reply = s->since = now;
			reach_up(a, t, s);
			jsonl_rec(d, t->conf.name, s->pend[i].real, "success", (uint64_t)rtt, "");
		}
		s->npend = j;
	}
	pthread_mutex_unlock(&a->lock);
}

/* Probes unanswered for the timeout are lost; no reply for as long: down. */
static void sess_timeouts(struct agentd *d, struct agent_target *t, uint64_t now)
{
	struct sess *s = t->session;
	struct agent *a = &d->a;
	uint64_t to = timeout_ns(&t->conf);
	size_t i = 0;

	while (i < s->npend && s->pend[i].mono + to <= now) {
		jsonl_rec(d, t->conf.name, s->pend[i].real, "timeout", to, "no reply");
		i++;
	}
	pthread_mutex_lock(&a->lock);
	if (i) {
		memmove(s->pend, s->pend + i, (s->npend - i) * sizeof(*s->pend));
		s->npend -= i;
		t->counters[AC_LOST] += i;
		t->cur_counters[AC_LOST] += i;
	}
	if (s->since && s->since + to <= now && s->reach != -1) {
		event(a, AE_TARGET_UNREACHABLE, "target %s (%s): no reply for %.1f s",
		      t->conf.name, s->open ? s->p.addr : t->conf.address,
		      (double)(now - s->since) / 1e9);
		s->reach = -1;
		t->up = false;
	}
	pthread_mutex_unlock(&a->lock);
}

/* ------------------------------------------------------------ the store */

static void store_report(const char *path, const char *what, void *arg)
{
	(void)arg;
	alog("store: %s: %s", path, what);
}

static struct kprev *kp_find(struct kprev *v, int n, const struct job_ent *e)
{
	int i;

	for (i = 0; i < n; i++)
		if (v[i].family == e->family && v[i].lport == e->lport && v[i].ssid == e->ssid &&
		    !memcmp(v[i].peer, e->peer, 16))
			return &v[i];
	return NULL;
}

static void kp_free(struct kprev *v, int n)
{
	int i;
	unsigned int m;

	for (i = 0; i < n; i++)
		for (m = 0; m < METRIC_COUNT; m++)
			hist_free(&v[i].h[m]);
	free(v);
}

static struct flow *flow_of(struct flowset *fs, const struct job_ent *e)
{
	size_t i;

	for (i = 0; i < fs->n; i++) {
		struct flow *f = &fs->v[i];

		if (f->family == e->family && f->local_port == e->lport && f->ssid == e->ssid &&
		    !memcmp(f->remote_addr, e->peer, e->family == AF_INET6 ? 16 : 4))
			return f;
	}
	return NULL;
}

/* Is the module there? Checked in /sys first: resolving the genl family
 * would load it (its alias) on a DKMS host. */
static bool module_read(struct agentd *d, struct flowset *fs)
{
	struct flow_filter flt = { .port = -1, .ssid = -1, .role = SNAPFIRE_ROLE_SENDER,
				   .hist_mask = ALL_METRICS };
	struct agent *a = &d->a;
	struct sfnl n;
	bool loaded = !access("/sys/module/snapfire", F_OK) && !sfnl_open_quiet(&n);
	int rc = 0;

	if (loaded) {
		rc = flows_get(&n, &flt, fs);
		sfnl_close(&n);
		if (rc && !d->flow_read_failing)
			alog("the module's flows could not be read (exit %d): this minute from userspace timestamps",
			     rc);
		d->flow_read_failing = rc != 0;
	}
	pthread_mutex_lock(&a->lock);
	if (!loaded && (a->module_loaded || !d->module_known))
		event(a, AE_MODULE_MISSING, "the snapfire module is not loaded (modprobe snapfire): round trips from userspace timestamps only");
	else if (loaded && !a->module_loaded && d->module_known)
		event(a, AE_MODULE_BACK, "the snapfire module is back: the kernel's histograms again");
	a->module_loaded = loaded;
	d->module_known = true;
	pthread_mutex_unlock(&a->lock);
	return loaded && !rc;
}

static void prune(struct agentd *d, const struct job *j)
{
	uint64_t day = j->minute / 1440;
	struct dirent *de;
	DIR *dir;

	if (day == d->pruned_day)
		return;
	d->pruned_day = day;
	dir = opendir(j->dir);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		int n;

		if (!hs_key_ok(de->d_name))
			continue;
		n = hs_prune(j->dir, de->d_name, j->retention, j->minute);
		if (n > 0)
			alog("store: %s: %d day files older than %u days deleted", de->d_name, n,
			     j->retention);
		else if (n < 0)
			alog("store: %s: pruning: %s", de->d_name, strerror(-n));
	}
	closedir(dir);
}

static void store_job(struct agentd *d, struct job *j)
{
	struct agent *a = &d->a;
	struct flowset fs = { 0 };
	struct kprev *nkp = calloc((size_t)j->n + 1, sizeof(*nkp));
	bool kernel = module_read(d, &fs), ok = true, reset = false;
	int i, nn = 0, err = 0;
	unsigned int m, c;

	for (i = 0; i < j->n; i++) {
		struct job_ent *e = &j->e[i];
		struct hist rec[METRIC_COUNT];
		struct flow *f = kernel && e->have_flow_id ? flow_of(&fs, e) : NULL;
		struct kprev *prev = f ? kp_find(d->kp, d->nkp, e) : NULL;

		memset(rec, 0, sizeof(rec));
		if (f) {
			for (m = 0; m < METRIC_COUNT; m++) {
				const struct hist *pv = prev ? &prev->h[m] : NULL;

				if (!f->hist[m].count)
					continue;
				if (!agent_hist_delta(&f->hist[m], pv, &rec[m])) {
					reset = true;
					hist_clone(&rec[m], &f->hist[m]);
				}
			}
			if (nkp) {	/* the flow's histograms are the next minute's base */
				struct kprev *k = &nkp[nn++];

				k->family = e->family;
				k->lport = e->lport;
				k->ssid = e->ssid;
				memcpy(k->peer, e->peer, 16);
				memcpy(k->h, f->hist, sizeof(k->h));
				memset(f->hist, 0, sizeof(f->hist));
			}
		} else {
			rec[SNAPFIRE_METRIC_RTT] = e->uh;
			memset(&e->uh, 0, sizeof(e->uh));
		}
		for (m = 0; m < METRIC_COUNT; m++) {
			int r;

			if (!rec[m].count)
				continue;
			r = hs_append(j->dir, e->name, m, j->minute, &rec[m], store_report, NULL);
			if (r && !err)
				err = r;
		}
		for (c = 0; c < AC_COUNT; c++) {
			struct hist h = { .present = 1, .count = e->counters[c] };
			int r = hs_append(j->dir, e->name, AGENT_COUNTER_METRIC(c), j->minute, &h,
					  store_report, NULL);

			if (r && !err)
				err = r;
		}
		pthread_mutex_lock(&a->lock);
		if (reset)
			event(a, AE_MODULE_BACK, "target %s: the module's flow went backwards (module reloaded or flow recreated): its counts start again",
			      e->name);
		reset = false;
		for (int k = 0; k < a->ntargets; k++) {
			struct agent_target *t = &a->targets[k];

			if (!t->session || ((struct sess *)t->session)->id != e->sess_id)
				continue;
			t->kernel = f != NULL;
			for (m = 0; m < METRIC_COUNT; m++)
				if (rec[m].count && hq_merge(&t->cum[m], &rec[m]))
					ok = false;
		}
		pthread_mutex_unlock(&a->lock);
		for (m = 0; m < METRIC_COUNT; m++)
			hist_free(&rec[m]);
	}
	if (!ok)
		alog("out of memory merging this minute into the totals of /metrics");
	pthread_mutex_lock(&a->lock);
	if (err && a->store_ok)
		event(a, AE_STORE_ERROR, "cannot write the history under %s: %s (check the directory and the disk)",
		      j->dir, strerror(-err));
	else if (!err && !a->store_ok)
		alog("the history store is written again");
	a->store_ok = !err;
	if (!err && j->n)
		a->last_store_write_ns = now_ns(CLOCK_REALTIME);
	pthread_mutex_unlock(&a->lock);
	flowset_free(&fs);
	if (nkp && !j->partial) {
		kp_free(d->kp, d->nkp);
		d->kp = nkp;
		d->nkp = nn;
	} else if (nkp) {
		kp_free(nkp, nn);
	}
	prune(d, j);
}

static void job_free(struct job *j)
{
	int i;

	for (i = 0; i < j->n; i++)
		hist_free(&j->e[i].uh);
	free(j->e);
	free(j);
}

static void *store_thread(void *arg)
{
	struct agentd *d = arg;

	for (;;) {
		struct job *j;

		pthread_mutex_lock(&d->qlock);
		while (!d->qhead && !d->qstop)
			pthread_cond_wait(&d->qcond, &d->qlock);
		j = d->qhead;
		if (j) {
			d->qhead = j->next;
			if (!d->qhead)
				d->qtail = NULL;
		}
		pthread_mutex_unlock(&d->qlock);
		if (!j)
			break;
		store_job(d, j);
		job_free(j);
	}
	return NULL;
}

/*
 * Queues minute @minute of @n targets (@skip: those to leave out, or NULL)
 * for the store thread: their counters and userspace round trips of the
 * minute leave cur. @partial: only some targets (reload's removed ones):
 * the store thread keeps the others' module baselines.
 */
static void queue_minute(struct agentd *d, uint64_t minute, struct agent_target *v, int n,
			 const bool *skip, bool partial)
{
	struct agent *a = &d->a;
	struct job *j = calloc(1, sizeof(*j));
	int i;

	if (j)
		j->e = calloc((size_t)n + 1, sizeof(*j->e));
	if (!j || !j->e) {
		free(j);
		alog("out of memory: minute %" PRIu64 " is not stored", minute);
		return;
	}
	j->minute = minute;
	j->partial = partial;
	snprintf(j->dir, sizeof(j->dir), "%s", a->conf.state_dir);
	j->retention = a->conf.retention_days;
	pthread_mutex_lock(&a->lock);
	for (i = 0; i < n; i++) {
		struct agent_target *t = &v[i];
		struct sess *s = t->session;
		struct job_ent *e;
		unsigned int m;

		if (skip && skip[i])
			continue;
		e = &j->e[j->n++];
		e->sess_id = s->id;
		snprintf(e->name, sizeof(e->name), "%s", t->conf.name);
		e->have_flow_id = s->open;
		e->family = s->family;
		memcpy(e->peer, s->peer, 16);
		e->lport = s->lport;
		e->ssid = t->conf.ssid;
		memcpy(e->counters, t->cur_counters, sizeof(e->counters));
		memset(t->cur_counters, 0, sizeof(t->cur_counters));
		e->uh = t->cur[SNAPFIRE_METRIC_RTT];
		for (m = 0; m < METRIC_COUNT; m++)
			memset(&t->cur[m], 0, sizeof(t->cur[m]));
	}
	pthread_mutex_unlock(&a->lock);
	pthread_mutex_lock(&d->qlock);
	if (d->qtail)
		d->qtail->next = j;
	else
		d->qhead = j;
	d->qtail = j;
	pthread_cond_signal(&d->qcond);
	pthread_mutex_unlock(&d->qlock);
}

/* Closes minute @minute for every target. A session past SEQ_RECYCLE
 * probes restarts here, after its flow's identity was taken. */
static void close_minute(struct agentd *d, uint64_t minute)
{
	struct agent *a = &d->a;
	int i;

	queue_minute(d, minute, a->targets, a->ntargets, NULL, false);
	for (i = 0; i < a->ntargets; i++) {
		struct sess *s = a->targets[i].session;

		if (s->open && s->p.sent >= SEQ_RECYCLE) {
			pthread_mutex_lock(&a->lock);
			a->targets[i].counters[AC_LOST] += s->npend;
			a->targets[i].cur_counters[AC_LOST] += s->npend;
			pthread_mutex_unlock(&a->lock);
			sess_close(s);
			sess_open(&a->targets[i]);
		}
	}
}

/* ------------------------------------------------------------ targets, reload */

static void target_free(struct agent_target *t)
{
	unsigned int m;

	for (m = 0; m < METRIC_COUNT; m++) {
		hist_free(&t->cum[m]);
		hist_free(&t->cur[m]);
	}
	sess_free(t->session);
	t->session = NULL;
}

/* The targets of @c, those agent_target_same() as one of @old taken over
 * (session, counters, histograms); the others new. NULL when out of memory. */
static struct agent_target *targets_build(struct agentd *d, const struct agent_conf *c,
					  struct agent_target *old, int nold, bool *taken)
{
	struct agent_target *v = calloc((size_t)c->ntargets + 1, sizeof(*v));
	int i, k;

	if (!v)
		return NULL;
	for (i = 0; i < c->ntargets; i++) {
		for (k = 0; k < nold; k++) {
			if (!taken[k] && agent_target_same(&old[k].conf, &c->targets[i])) {
				v[i] = old[k];
				taken[k] = true;
				break;
			}
		}
		v[i].conf = c->targets[i];
		if (k < nold)
			continue;
		v[i].session = sess_new(d);
		if (!v[i].session)
			goto fail;
	}
	return v;
fail:
	/* undo: the taken ones stay @old's, the new ones are freed */
	for (k = 0; k < i; k++) {
		int o;

		for (o = 0; o < nold; o++)
			if (taken[o] && old[o].session == v[k].session)
				break;
		if (o == nold)
			target_free(&v[k]);
	}
	for (k = 0; k < nold; k++)
		taken[k] = false;
	free(v);
	return NULL;
}

static int http_start(struct agentd *d)
{
	char err[512] = "";

	d->http = agent_http_start(&d->a, err, sizeof(err));
	if (!d->http) {
		alog("HTTP: cannot listen on %s: %s", d->a.conf.listen, err);
		return -1;
	}
	return 0;
}

static void http_stop(struct agentd *d)
{
	if (d->http)
		agent_http_stop(d->http);
	d->http = NULL;
}

static void set_listen(struct agent *a, const char *listen)
{
	pthread_mutex_lock(&a->lock);
	snprintf(a->conf.listen, sizeof(a->conf.listen), "%s", listen);
	pthread_mutex_unlock(&a->lock);
}

/*
 * SIGHUP: the file again. A new listen address is tried first (the old
 * one back if it fails, and the reload refused); then, under the lock
 * (the store thread merges into the old targets' histograms), the new
 * targets take over the unchanged ones' sessions and histograms.
 */
static void reload(struct agentd *d)
{
	struct agent *a = &d->a;
	struct agent_conf nc;
	struct agent_target *v, *old = a->targets;
	char err[1024], old_listen[sizeof(a->conf.listen)];
	int nold = a->ntargets, k, kept = 0;
	bool *taken;

	if (agent_conf_load(d->path, &nc, err, sizeof(err))) {
		pthread_mutex_lock(&a->lock);
		event(a, AE_CONFIG_RELOAD_FAILED, "%s; the running configuration is kept", err);
		pthread_mutex_unlock(&a->lock);
		return;
	}
	snprintf(old_listen, sizeof(old_listen), "%s", a->conf.listen);
	if (strcmp(old_listen, nc.listen)) {
		http_stop(d);
		set_listen(a, nc.listen);
		if (http_start(d)) {
			set_listen(a, old_listen);
			http_start(d);
			pthread_mutex_lock(&a->lock);
			event(a, AE_CONFIG_RELOAD_FAILED, "%s: listen %s: cannot listen there; the running configuration is kept",
			      d->path, nc.listen);
			pthread_mutex_unlock(&a->lock);
			agent_conf_free(&nc);
			return;
		}
	}
	taken = calloc((size_t)nold + 1, sizeof(*taken));
	pthread_mutex_lock(&a->lock);
	v = taken ? targets_build(d, &nc, old, nold, taken) : NULL;
	if (v) {
		agent_conf_free(&a->conf);
		a->conf = nc;
		a->targets = v;
		a->ntargets = nc.ntargets;
	}
	pthread_mutex_unlock(&a->lock);
	if (!v) {
		free(taken);
		agent_conf_free(&nc);
		pthread_mutex_lock(&a->lock);
		event(a, AE_CONFIG_RELOAD_FAILED, "%s: out of memory; the running configuration is kept",
		      d->path);
		pthread_mutex_unlock(&a->lock);
		return;
	}
	for (k = 0; k < nold; k++)
		kept += taken[k];
	/* the removed targets' minute so far is stored too */
	if (kept < nold)
		queue_minute(d, d->minute, old, nold, taken, true);
	for (k = 0; k < nold; k++)
		if (!taken[k])
			target_free(&old[k]);
	free(old);
	free(taken);
	pthread_mutex_lock(&a->lock);
	event(a, AE_CONFIG_RELOAD, "%s: %d targets (%d kept with their sessions and history, %d new, %d removed)",
	      d->path, a->ntargets, kept, a->ntargets - kept, nold - kept);
	pthread_mutex_unlock(&a->lock);
}

/* ------------------------------------------------------------ the loop */

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

static void drain(struct agentd *d, struct agent_target *t, uint64_t now)
{
	struct sess *s = t->session;
	char peek;
	int i;

	for (i = 0; i < 64; i++) {
		if (recv(s->p.fd, &peek, 1, MSG_PEEK | MSG_DONTWAIT) < 0 && errno != ECONNREFUSED)
			break;
		probe_receive(&s->p);
		sess_received(d, t, now);
	}
}

static void run(struct agentd *d, const sigset_t *orig)
{
	struct agent *a = &d->a;
	struct pollfd *pfd = calloc(AGENT_MAX_TARGETS, sizeof(*pfd));
	int *idx = calloc(AGENT_MAX_TARGETS, sizeof(*idx));

	if (!pfd || !idx) {
		alog("out of memory");
		free(pfd);
		free(idx);
		return;
	}
	d->minute = now_ns(CLOCK_REALTIME) / MINUTE_NS;
	while (!got_term) {
		uint64_t now = now_ns(CLOCK_MONOTONIC), real = now_ns(CLOCK_REALTIME), wake;
		struct timespec ts;
		int i, n = 0, r;

		if (got_hup) {
			got_hup = 0;
			reload(d);
			jsonl_open(d);	/* logrotate's SIGHUP: even if the file was refused */
		}
		if (real / MINUTE_NS != d->minute) {
			close_minute(d, d->minute);
			d->minute = real / MINUTE_NS;
		}
		wake = now + NSEC;
		if ((d->minute + 1) * MINUTE_NS - real < NSEC)
			wake = now + ((d->minute + 1) * MINUTE_NS - real);
		for (i = 0; i < a->ntargets; i++) {
			struct agent_target *t = &a->targets[i];
			struct sess *s = t->session;
			uint64_t to = timeout_ns(&t->conf);

			if (!s->open && now >= s->retry_at)
				sess_open(t);
			sess_timeouts(d, t, now);
			if (!s->open) {
				/* no socket: an "error" record each interval (a
				 * first lookup gets one interval before it) */
				if (now >= s->next) {
					if (s->next || !s->rs)
						jsonl_rec(d, t->conf.name, real, "error", 0, s->why);
					s->next = now + (uint64_t)llround(t->conf.interval * 1e9);
				}
				if (s->retry_at < wake)
					wake = s->retry_at;
				if (s->next < wake)
					wake = s->next;
				continue;
			}
			if (now >= s->next)
				sess_send(d, t, now);
			if (s->next < wake)
				wake = s->next;
			if (s->npend && s->pend[0].mono + to < wake)
				wake = s->pend[0].mono + to;
			if (s->reach != -1 && s->since + to < wake)
				wake = s->since + to;
			pfd[n] = (struct pollfd){ .fd = s->p.fd, .events = POLLIN };
			idx[n++] = i;
		}
		now = now_ns(CLOCK_MONOTONIC);
		if (wake < now)
			wake = now;
		ts.tv_sec = (time_t)((wake - now) / NSEC);
		ts.tv_nsec = (long)((wake - now) % NSEC);
		r = ppoll(pfd, (nfds_t)n, &ts, orig);
		if (r <= 0)
			continue;
		now = now_ns(CLOCK_MONOTONIC);
		for (i = 0; i < n; i++)
			if (pfd[i].revents)
				drain(d, &a->targets[idx[i]], now);
	}
	free(pfd);
	free(idx);
}

/* -n NETNS, as the global option (main.c) */
static int enter_netns(const char *name)
{
	char path[4096];
	int fd;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/var/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		errmsg("agent: cannot open network namespace \"%s\": %s (see 'ip netns list')", name,
		       strerror(errno));
		return EXIT_FAIL;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		errmsg("agent: cannot enter network namespace \"%s\": %s%s", name, strerror(errno),
		       errno == EPERM ? " (run as root)" : "");
		close(fd);
		return errno == EPERM ? EXIT_PERM : EXIT_FAIL;
	}
	close(fd);
	return 0;
}

static void agentd_free(struct agentd *d)
{
	int i;

	for (i = 0; i < d->a.ntargets; i++)
		target_free(&d->a.targets[i]);
	free(d->a.targets);
	agent_conf_free(&d->a.conf);
	kp_free(d->kp, d->nkp);
	if (d->jsonl)
		fclose(d->jsonl);
	pthread_mutex_destroy(&d->a.lock);
	pthread_mutex_destroy(&d->qlock);
	pthread_cond_destroy(&d->qcond);
	free(d);
}

int cmd_agent(int argc, char **argv)
{
	const char *path = AGENT_CONF_DEFAULT, *netns = NULL;
	struct agentd *d;
	struct agent_conf c;
	struct sigaction sa;
	sigset_t block, orig;
	char err[1024];
	bool check = false, *taken;
	int i, rc = EXIT_OK;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (want_help("agent", a))
			return EXIT_OK;
		if (!strcmp(a, "--check")) {
			check = true;
		} else if (!strcmp(a, "-c") || !strcmp(a, "--config")) {
			if (++i >= argc)
				return usage_err("agent", "%s needs a file", a);
			path = argv[i];
		} else if (!strcmp(a, "-n") || !strcmp(a, "--netns")) {
			if (++i >= argc)
				return usage_err("agent", "%s needs a namespace name", a);
			netns = argv[i];
		} else {
			return usage_err("agent", "unknown argument '%s'", a);
		}
	}
	if (agent_conf_load(path, &c, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return EXIT_USAGE;
	}
	if (check) {
		printf("%s: ok, %d targets\n", path, c.ntargets);
		agent_conf_free(&c);
		return EXIT_OK;
	}
	if (netns && (rc = enter_netns(netns))) {
		agent_conf_free(&c);
		return rc;
	}
	d = calloc(1, sizeof(*d));
	taken = NULL;
	if (!d) {
		agent_conf_free(&c);
		errmsg("out of memory");
		return EXIT_FAIL;
	}
	d->path = path;
	pthread_mutex_init(&d->a.lock, NULL);
	pthread_mutex_init(&d->qlock, NULL);
	pthread_cond_init(&d->qcond, NULL);
	d->a.conf = c;
	d->a.store_ok = true;
	d->a.module_loaded = true;
	d->a.started_ns = now_ns(CLOCK_REALTIME);
	d->a.targets = targets_build(d, &c, NULL, 0, taken);
	if (!d->a.targets) {
		errmsg("out of memory");
		agentd_free(d);
		return EXIT_FAIL;
	}
	d->a.ntargets = c.ntargets;
	if (mkdir(c.state_dir, 0750) && errno != EEXIST)
		alog("cannot create the state directory %s: %s (history is not stored until it exists)",
		     c.state_dir, strerror(errno));
	jsonl_open(d);

	/* signals only in ppoll (the session thread); every other thread,
	 * the store's and the HTTP server's, inherits them blocked */
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &block, &orig);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigdelset(&orig, SIGHUP);
	sigdelset(&orig, SIGINT);
	sigdelset(&orig, SIGTERM);
	sigaddset(&orig, SIGPIPE);

	if (pthread_create(&d->store_th, NULL, store_thread, d)) {
		errmsg("agent: cannot start the store thread");
		agentd_free(d);
		return EXIT_FAIL;
	}
	if (http_start(d)) {
		rc = EXIT_FAIL;
		got_term = 1;
	} else {
		alog("started: %s, %d targets, history in %s, HTTP on %s%s%s", path, d->a.ntargets,
		     c.state_dir, c.listen, c.jsonl[0] ? ", JSON Lines to " : "", c.jsonl);
	}
	if (!rc) {
		/* the module at start: the store thread follows it each minute */
		if (access("/sys/module/snapfire", F_OK)) {
			pthread_mutex_lock(&d->a.lock);
			event(&d->a, AE_MODULE_MISSING, "the snapfire module is not loaded (modprobe snapfire): round trips from userspace timestamps only");
			d->a.module_loaded = false;
			pthread_mutex_unlock(&d->a.lock);
		}
		d->module_known = true;
		run(d, &orig);
	}
	/* the partial minute is stored too */
	if (!rc)
		close_minute(d, d->minute);
	pthread_mutex_lock(&d->qlock);
	d->qstop = true;
	pthread_cond_signal(&d->qcond);
	pthread_mutex_unlock(&d->qlock);
	pthread_join(d->store_th, NULL);
	http_stop(d);
	if (!rc)
		alog("stopped");
	agentd_free(d);
	return rc;
}
