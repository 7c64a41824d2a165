// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's log: stderr (journald under systemd), one line each with a
 * UTC timestamp; events counted and logged (agent_event_log); and lines a
 * client can cause at will -- one per aborted connection (libmicrohttpd's
 * messages) or per request over a damaged history file -- held to a rate
 * (agent_log_limited), so that no client can fill the journal.
 *
 * Once agent_log_start() has run, lines go through a queue to a writer
 * thread of their own: many are logged with agent->lock held, and a
 * stderr that stops taking them (a stalled journald, a full pipe) must
 * stall neither the probing nor the HTTP server. The queue holds at most
 * AGENT_LOG_QUEUE_MAX lines; those that find it full are not written, and
 * a line in their place counts them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent_int.h"
#include "common.h"

char *agent_iso(char *buf, size_t n, uint64_t real_ns)
{
	time_t s = (time_t)(real_ns / NSEC);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned int)(real_ns % NSEC / 1000000));
	return buf;
}

/* vlog: @n after a piece that printf said is @r long, at most @cap */
static size_t piece(size_t n, size_t cap, int r, bool *cut)
{
	if (r < 0)
		return n;
	if ((size_t)r > cap - n) {
		*cut = true;
		return cap;
	}
	return n + (size_t)r;
}

/* a line queued, or in place of the lines that found the queue full */
struct log_line {
	struct log_line *next;
	unsigned long dropped;	/* a place holder: this many lines not written */
	size_t len;
	char s[];
};

static struct {
	pthread_mutex_t lock;	/* protects everything below but th */
	pthread_cond_t more;	/* a line queued, or stop */
	pthread_cond_t idle;	/* the queue emptied and written (CLOCK_MONOTONIC) */
	struct log_line *head, *tail;
	unsigned int n;		/* lines queued, place holders not counted */
	unsigned long lost;	/* dropped with no place holder to count them (no memory) */
	bool stop, writing;	/* queueing: alive && !stop */
	bool alive;		/* a writer thread exists, joined or not */
	pthread_t th;
} lq = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.more = PTHREAD_COND_INITIALIZER,
	.idle = PTHREAD_COND_INITIALIZER,
};

static void out(const char *s, size_t n)
{
	if (write(STDERR_FILENO, s, n) < 0) {
		/* nowhere left to say it */
	}
}

static void *log_writer(void *arg)
{
	struct log_line *l;
	char t[64], msg[160];

	(void)arg;
	pthread_mutex_lock(&lq.lock);
	for (;;) {
		while (!lq.head && !lq.stop) {
			pthread_cond_broadcast(&lq.idle);
			pthread_cond_wait(&lq.more, &lq.lock);
		}
		l = lq.head;
		if (!l)
			break;
		lq.head = l->next;
		if (!lq.head)
			lq.tail = NULL;
		if (!l->dropped)
			lq.n--;
		lq.writing = true;
		pthread_mutex_unlock(&lq.lock);
		if (l->dropped) {
			int k = snprintf(msg, sizeof(msg),
					 "%s snapfire agent: %lu log lines not written: stderr did not take them (journald stalled?)\n",
					 agent_iso(t, sizeof(t), clock_ns(CLOCK_REALTIME)), l->dropped);

			out(msg, k < (int)sizeof(msg) ? (size_t)k : sizeof(msg) - 1);
		} else {
			out(l->s, l->len);
		}
		free(l);
		pthread_mutex_lock(&lq.lock);
		lq.writing = false;
	}
	pthread_cond_broadcast(&lq.idle);
	pthread_mutex_unlock(&lq.lock);
	return NULL;
}

/* errmsg()'s lines while the writer runs: the paths the agent shares
 * with the CLI (netlink, flow dumps) report through it too, held to a
 * rate: a summary request may run one (agent_kernel_minute()), and a
 * client sends as many as it likes */
static struct agent_logrl errmsg_rl = AGENT_LOGRL_INIT;

static void log_errmsg(const char *msg)
{
	agent_log_limited(&errmsg_rl, "%s", msg);
}

int agent_log_start(void)
{
	pthread_condattr_t ca;
	int e;

	pthread_mutex_lock(&lq.lock);
	if (lq.alive) {		/* one left blocked by an earlier stop */
		pthread_mutex_unlock(&lq.lock);
		return -EBUSY;
	}
	/* nobody waits on idle before a writer runs: re-made on the monotonic clock */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_destroy(&lq.idle);
	pthread_cond_init(&lq.idle, &ca);
	pthread_condattr_destroy(&ca);
	lq.stop = false;
	e = pthread_create(&lq.th, NULL, log_writer, NULL);
	lq.alive = !e;
	pthread_mutex_unlock(&lq.lock);
	if (!e)
		errmsg_to(log_errmsg);
	return e ? -e : 0;
}

bool agent_log_stop(unsigned int wait_ms)
{
	struct timespec until;
	bool drained;

	pthread_mutex_lock(&lq.lock);
	if (!lq.alive || lq.stop) {
		pthread_mutex_unlock(&lq.lock);
		return true;
	}
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while ((lq.head || lq.writing) &&
	       pthread_cond_timedwait(&lq.idle, &lq.lock, &until) != ETIMEDOUT)
		;
	/*
	 * Later lines are written directly. Not drained (a stderr still
	 * blocked): the writer is left to it, the process about to exit;
	 * what it has not written by then is lost, and lines written
	 * directly meanwhile may come before it.
	 */
	drained = !lq.head && !lq.writing;
	lq.stop = true;
	errmsg_to(NULL);
	lq.alive = !drained;
	pthread_cond_signal(&lq.more);
	pthread_mutex_unlock(&lq.lock);
	if (drained)
		pthread_join(lq.th, NULL);
	return drained;
}

/* The line to the writer thread, or dropped and counted; false when no
 * writer runs (the caller writes it). */
static bool enqueue(const char *s, size_t n)
{
	struct log_line *l = NULL;
	bool queued = true;

	pthread_mutex_lock(&lq.lock);
	if (!lq.alive || lq.stop) {
		queued = false;
	} else if (lq.n < AGENT_LOG_QUEUE_MAX && (l = malloc(sizeof(*l) + n))) {
		l->dropped = 0;
		l->len = n;
		memcpy(l->s, s, n);
		lq.n++;
	} else if (lq.tail && lq.tail->dropped) {
		lq.tail->dropped += 1 + lq.lost;
		lq.lost = 0;
	} else if ((l = malloc(sizeof(*l)))) {
		l->dropped = 1 + lq.lost;
		l->len = 0;
		lq.lost = 0;
	} else {
		lq.lost++;	/* counted by the next place holder */
	}
	if (l) {
		l->next = NULL;
		if (lq.tail)
			lq.tail->next = l;
		else
			lq.head = l;
		lq.tail = l;
		pthread_cond_signal(&lq.more);
	}
	pthread_mutex_unlock(&lq.lock);
	return queued;
}

/*
 * One write() a line: the session, store, HTTP and reaper threads all log,
 * and stderr is unbuffered, so a line written in pieces could be cut by
 * another thread's. PIPE_BUF (4096) bytes or less, which a pipe takes at
 * once; a longer line is cut, "..." at its end.
 */
static void vlog(const char *prefix, const char *fmt, va_list ap, const char *suffix)
{
	char t[64], line[4096];
	const size_t cap = sizeof(line) - 4;	/* room for "...\n" */
	bool cut = false;
	size_t n;

	n = piece(0, cap, snprintf(line, cap + 1, "%s snapfire agent: %s",
				   agent_iso(t, sizeof(t), clock_ns(CLOCK_REALTIME)), prefix),
		  &cut);
	n = piece(n, cap, vsnprintf(line + n, cap + 1 - n, fmt, ap), &cut);
	n = piece(n, cap, snprintf(line + n, cap + 1 - n, "%s", suffix), &cut);
	if (cut) {
		memcpy(line + n, "...", 3);
		n += 3;
	}
	line[n++] = '\n';
	if (!enqueue(line, n))
		out(line, n);
}

void agent_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap, "");
	va_end(ap);
}

/* Counts @e and logs it; the caller holds a->lock. */
void agent_event_log(struct agent *a, enum agent_event e, const char *fmt, ...)
{
	char prefix[64];
	va_list ap;

	a->events[e]++;
	snprintf(prefix, sizeof(prefix), "%s: ", agent_event_names[e]);
	va_start(ap, fmt);
	vlog(prefix, fmt, ap, "");
	va_end(ap);
}

/*
 * A token bucket: AGENT_LOG_BURST lines at once, then one each
 * AGENT_LOG_EVERY_NS. True when a line may be written at @now_ns; then
 * *@held is the number of lines refused since the last one written.
 */
bool agent_logrl_take(struct agent_logrl *rl, uint64_t now_ns, unsigned long *held)
{
	bool ok = false;
	uint64_t n;

	pthread_mutex_lock(&rl->lock);
	if (now_ns > rl->last_ns) {
		n = (now_ns - rl->last_ns) / AGENT_LOG_EVERY_NS;
		if (n >= AGENT_LOG_BURST - rl->tokens) {
			rl->tokens = AGENT_LOG_BURST;
			rl->last_ns = now_ns;
		} else if (n) {
			rl->tokens += n;
			rl->last_ns += n * AGENT_LOG_EVERY_NS;
		}
	}
	if (rl->tokens) {
		rl->tokens--;
		*held = rl->held;
		rl->held = 0;
		ok = true;
	} else {
		rl->held++;
	}
	pthread_mutex_unlock(&rl->lock);
	return ok;
}

void agent_log_limited(struct agent_logrl *rl, const char *fmt, ...)
{
	unsigned long held;
	char suffix[96] = "";
	va_list ap;

	if (!agent_logrl_take(rl, clock_ns(CLOCK_MONOTONIC), &held))
		return;
	if (held)
		snprintf(suffix, sizeof(suffix), " (%lu lines like it not logged: at most %d a minute)",
			 held, (int)(60 * NSEC / AGENT_LOG_EVERY_NS));
	va_start(ap, fmt);
	vlog("", fmt, ap, suffix);
	va_end(ap);
}
