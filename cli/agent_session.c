// SPDX-License-Identifier: GPL-2.0
/*
 * snapfire agent: the sessions, one STAMP session (probe_session.c) per
 * target, and the JSON Lines, all on the session thread (agent.c's loop):
 * name lookups off it, opening with backoff, sending on the schedule,
 * matching replies, timeouts and the up/down transitions.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdlib.h>
#include <libgen.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/snapfire.h>
#include <linux/snapfire_stamp.h>

#include "agent_int.h"
#include "common.h"
#include "grow.h"

/* ------------------------------------------------------------ JSON Lines */

/*
 * May @path's last component be followed if it is a link? Not when the
 * agent runs as root (`snapfire agent -n NS` by hand) and the directory
 * that holds it is someone else's: its owner (the agent's user, for
 * /var/log/snapfire) could point it at any file root may write, as
 * fs.protected_symlinks refuses in world-writable sticky directories.
 * /dev/stdout, a link in a directory of root's, is followed.
 */
static bool jsonl_follow(const char *path)
{
	char dir[PATH_MAX];
	struct stat st;

	if (geteuid())
		return true;
	snprintf(dir, sizeof(dir), "%s", path);
	return !stat(dirname(dir), &st) && st.st_uid == 0;
}

void agent_jsonl_open(struct agentd *d)
{
	int fd, nofollow;

	if (d->jsonl) {
		fclose(d->jsonl);
		d->jsonl = NULL;
	}
	if (!d->a.conf.jsonl[0])
		return;
	/*
	 * Never blocking: the probing thread writes the records. A FIFO
	 * with no reader is refused (ENXIO) instead of holding the open
	 * until one comes, and a full one drops records (EAGAIN, said once)
	 * instead of stopping the probes and SIGTERM with them. Made as
	 * readable as the history (0640), not by everyone. Symlinks are
	 * followed (/dev/stdout is one), but not by root in a directory
	 * someone else owns (jsonl_follow()).
	 */
	nofollow = jsonl_follow(d->a.conf.jsonl) ? 0 : O_NOFOLLOW;
	fd = open(d->a.conf.jsonl, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK | nofollow,
		  0640);
	if (fd >= 0) {
		d->jsonl = fdopen(fd, "a");
		if (!d->jsonl)
			close(fd);
	}
	if (!d->jsonl)
		agent_log("jsonl: cannot open %s: %s%s (no JSON Lines until it can be: fix it and send SIGHUP)",
			  d->a.conf.jsonl, strerror(errno),
			  errno == ELOOP && nofollow ?
			  ": a link in a directory root does not own, not followed by root" : "");
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
void agent_jsonl_rec(struct agentd *d, const char *target, uint64_t real, const char *status,
		     uint64_t dur_ns, const char *reason)
{
	char t[64];
	FILE *f = d->jsonl;

	if (!f)
		return;
	fprintf(f, "{\"ts\":\"%s\",\"protocol\":\"stamp\",\"target\":", agent_iso(t, sizeof(t), real));
	jl_str(f, target);
	fprintf(f, ",\"duration_ms\":%.3f,\"status\":\"%s\",\"reason\":", (double)dur_ns / 1e6,
		status);
	jl_str(f, reason);
	fputs("}\n", f);
	if (fflush(f) == EOF || ferror(f)) {
		if (!d->jsonl_failing)
			agent_log("jsonl: cannot write %s: %s (records are dropped until it can be)",
				  d->a.conf.jsonl, strerror(errno));
		d->jsonl_failing = true;
		clearerr(f);
	} else if (d->jsonl_failing) {
		agent_log("jsonl: %s written again", d->a.conf.jsonl);
		d->jsonl_failing = false;
	}
}

/* ------------------------------------------------------------ sessions */

void agent_sess_close(struct sess *s)
{
	if (s->open)
		close(s->p.fd);
	s->open = false;
	free(s->buf);
	probe_free_slots(&s->p);
	samples_free(&s->p.rtt);
	samples_free(&s->p.fwd);
	samples_free(&s->p.rev);
	samples_free(&s->p.far);
	s->buf = NULL;
	memset(&s->p, 0, sizeof(s->p));
	s->p.fd = -1;
	s->npend = 0;
	s->rx_seen = s->reord_seen = s->dups_seen = 0;
	s->implaus_seen = s->late_seen = 0;
	s->icmp_seen = 0;
	s->unreach_mark = s->unreach_seen = 0;
}

static void rslv_drop(struct rslv *r);

void agent_sess_free(struct sess *s)
{
	if (!s)
		return;
	agent_sess_close(s);
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
void agent_sess_open(struct agent_target *t)
{
	struct sess *s = t->session;
	struct agent_target_conf *c = &t->conf;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[256];			/* an address literal */
	uint64_t now = clock_ns(CLOCK_MONOTONIC);
	int r;

	s->p = (struct probe){ .fd = -1, .port = c->port, .ssid = c->ssid, .quiet = true,
			       .followup = c->size != STAMP_BASE_LEN };
	s->p.size = c->size ? c->size : FU_SIZE;
	/*
	 * A probe is pending for the timeout, and up to a second more until
	 * agent_sess_timeouts() next runs: its slot must outlive that, or
	 * its reply would be late (and the probe lost).
	 */
	s->p.window = probe_window(c->interval, (double)timeout_ns(c) / 1e9 + 2);
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
		if (errno == EMSGSIZE)
			snprintf(s->why, sizeof(s->why), "%zu-byte probes do not fit the path's MTU to %s (IPv6 probes are not sent in fragments)",
				 s->p.size, host);
		else
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
		agent_log("target %s: probing %s port %u", c->name, s->p.addr, c->port);
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
		agent_log("target %s: %s; retrying, backing off from 1 s to a minute", c->name, s->why);
		snprintf(s->logged, sizeof(s->logged), "%s", s->why);
	}
}

struct sess *agent_sess_new(struct agentd *d)
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

void agent_sess_send(struct agentd *d, struct agent_target *t, uint64_t now)
{
	struct sess *s = t->session;
	struct agent *a = &d->a;
	uint64_t real = clock_ns(CLOCK_REALTIME);
	struct pend *p;
	uint32_t seq = s->p.sent;
	int e;

	/* probe_send keeps quiet (p.quiet): its send()'s errno is ours */
	e = probe_send(&s->p, s->buf, s->ee);
	s->k++;
	s->next = s->start + (uint64_t)llround((double)s->k * t->conf.interval * 1e9);
	if (s->next <= now) {
		/*
		 * This probe left an interval late or more (the process
		 * stopped or starved, a suspend): the slots missed are
		 * skipped, not sent in a burst that queues behind itself and
		 * lands in the minute's histogram. The schedule restarts from
		 * this probe.
		 */
		s->start = now;
		s->k = 1;
		s->next = now + (uint64_t)llround(t->conf.interval * 1e9);
	}
	if (e && e != ECONNREFUSED) {
		agent_jsonl_rec(d, t->conf.name, real, "error", 0, strerror(e));
		if (is_send_error(e) && !s->send_failing) {
			pthread_mutex_lock(&a->lock);
			agent_event_log(a, AE_SEND_ERROR, "target %s: cannot send: %s (interface down or no route?)",
					t->conf.name, strerror(e));
			pthread_mutex_unlock(&a->lock);
			s->send_failing = true;
		} else if (!is_send_error(e) && !s->send_failing) {
			agent_log("target %s: send: %s", t->conf.name, strerror(e));
			s->send_failing = true;
		}
		return;
	}
	if (s->send_failing) {
		agent_log("target %s: sending again", t->conf.name);
		s->send_failing = false;
	}
	/* e == ECONNREFUSED: ICMP port unreachable twice in a row, the second
	 * for the probe made again (probe_send): none left; it times out like
	 * any unanswered one */
	p = array_room(s->pend, &s->cappend, s->npend, sizeof(*p), 8);
	if (!p)
		return;
	s->pend = p;
	s->pend[s->npend++] = (struct pend){ seq, now, real };
	pthread_mutex_lock(&a->lock);
	t->counters[AC_SENT]++;
	t->cur_counters[AC_SENT]++;
	pthread_mutex_unlock(&a->lock);
}

/* What probe.c counted (@v) since *@seen goes to the target's counter @c.
 * [agent->lock] */
static void count_new(struct agent_target *t, enum agent_counter c, uint64_t v, uint64_t *seen)
{
	t->counters[c] += v - *seen;
	t->cur_counters[c] += v - *seen;
	*seen = v;
}

/* The ICMP errors probe.c counted since the last call (port unreachable,
 * and the others: host or network unreachable, administratively
 * prohibited, ...) go to the target's counters: from
 * agent_sess_timeouts(), which the loop runs for every target each pass
 * (at least once a second), and before a session is recycled.
 * [agent->lock] */
void agent_sess_count_unreach(struct agent_target *t)
{
	struct sess *s = t->session;

	count_new(t, AC_PORT_UNREACHABLE, s->p.unreachable, &s->unreach_seen);
	count_new(t, AC_ICMP_ERRORS, s->p.icmp_errors, &s->icmp_seen);
}

static void reach_up(struct agent *a, struct agent_target *t, struct sess *s)
{
	if (s->reach == -1)
		agent_event_log(a, AE_TARGET_RECOVERED, "target %s (%s) replies again", t->conf.name,
				s->p.addr);
	s->reach = 1;
	s->unreach_mark = s->p.unreachable;
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
	count_new(t, AC_DUPLICATES, p->dups, &s->dups_seen);
	count_new(t, AC_REORDERED, p->reordered, &s->reord_seen);
	/*
	 * Every reply probe_receive() read comes here, those it refused
	 * too: one echoing a T1 its probe did not carry (a broken reflector,
	 * a forger) or answering a probe no longer remembered counts nowhere
	 * else, and a target whose replies are all refused would just look
	 * down, its probes lost. (One whose T2 and T3 cannot be is received,
	 * with no round trip, and counted implausible too.)
	 */
	count_new(t, AC_IMPLAUSIBLE, p->implausible, &s->implaus_seen);
	count_new(t, AC_LATE, p->late, &s->late_seen);
	if (p->received > s->rx_seen) {
		s->rx_seen = p->received;
		for (i = j = 0; i < s->npend; i++) {
			if (!probe_answered(p, s->pend[i].seq)) {
				s->pend[j++] = s->pend[i];
				continue;
			}
			t->counters[AC_RECEIVED]++;
			t->cur_counters[AC_RECEIVED]++;
			t->last_reply_ns = clock_ns(CLOCK_REALTIME);
			s->last_reply = s->since = now;
			reach_up(a, t, s);
			/* a reply whose T2 and T3 cannot be: received, no round trip */
			if (!p->last_measured) {
				agent_jsonl_rec(d, t->conf.name, s->pend[i].real, "error", 0,
						"the reflector's timestamps cannot be (T2, T3): no round trip");
				continue;
			}
			agent_uhist_add(&t->cur[SNAPFIRE_METRIC_RTT], (uint64_t)(rtt > 0 ? rtt : 0));
			agent_jsonl_rec(d, t->conf.name, s->pend[i].real, "success", (uint64_t)rtt, "");
		}
		s->npend = j;
	}
	pthread_mutex_unlock(&a->lock);
}

/* No reply for the timeout @to at @now, and not yet called down */
static bool sess_silent(const struct sess *s, uint64_t to, uint64_t now)
{
	return s->since && s->since + to <= now && s->reach != -1;
}

/* Probes unanswered for the timeout are lost; no reply for as long: down. */
void agent_sess_timeouts(struct agentd *d, struct agent_target *t, uint64_t now)
{
	struct sess *s = t->session;
	struct agent *a = &d->a;
	uint64_t to = timeout_ns(&t->conf);
	size_t i = 0, j;

	/*
	 * Before a probe is called lost or the target unreachable, the
	 * replies waiting on the socket are read: after a stall (the process
	 * stopped or starved) they are there, unread, past their deadline.
	 * As many as the pending probes can have answers, and a batch more:
	 * a flood of datagrams from the target's address does not hold the
	 * loop here (agent_sess_drain()'s own cap is a batch).
	 */
	if (s->open && ((s->npend && s->pend[0].mono + to <= now) || sess_silent(s, to, now)))
		for (j = 0; j <= s->npend / SESS_DRAIN_MAX &&
			    agent_sess_drain(d, t, now) == SESS_DRAIN_MAX; j++)
			;
	while (i < s->npend && s->pend[i].mono + to <= now) {
		agent_jsonl_rec(d, t->conf.name, s->pend[i].real, "timeout", to, "no reply");
		i++;
	}
	pthread_mutex_lock(&a->lock);
	agent_sess_count_unreach(t);
	if (i) {
		memmove(s->pend, s->pend + i, (s->npend - i) * sizeof(*s->pend));
		s->npend -= i;
		t->counters[AC_LOST] += i;
		t->cur_counters[AC_LOST] += i;
	}
	if (sess_silent(s, to, now)) {	/* again: the drain may have heard it */
		char why[96] = "";

		/* the host answered, with ICMP port unreachable: say so */
		if (s->p.unreachable > s->unreach_mark)
			snprintf(why, sizeof(why),
				 " (ICMP port unreachable: nothing answers STAMP on port %u there)",
				 s->p.port);
		agent_event_log(a, AE_TARGET_UNREACHABLE, "target %s (%s): no reply for %.1f s%s",
				t->conf.name, s->open ? s->p.addr : t->conf.address,
				(double)(now - s->since) / 1e9, why);
		s->reach = -1;
		t->up = false;
	}
	pthread_mutex_unlock(&a->lock);
}

/*
 * The session thread did not run for @stall ns past its wake: no probe
 * went out then, so no reply was missing. A target's silence (since its
 * last reply, from which target_unreachable is judged) does not count
 * that time; a probe already sent keeps its deadline (its reply, if it
 * came, is read before it is judged: agent_sess_timeouts()).
 */
void agent_sess_stalled(struct agentd *d, uint64_t stall)
{
	int i;

	for (i = 0; i < d->a.ntargets; i++) {
		struct sess *s = d->a.targets[i].session;

		if (s->since)
			s->since += stall;
	}
}

int agent_sess_drain(struct agentd *d, struct agent_target *t, uint64_t now)
{
	struct sess *s = t->session;
	uint64_t refused;
	int i;

	for (i = 0; i < SESS_DRAIN_MAX; i++) {
		refused = s->p.unreachable;
		if (probe_receive(&s->p))
			sess_received(d, t, now);
		else if (s->p.unreachable == refused)
			break;		/* nothing more waiting */
	}
	return i;
}

