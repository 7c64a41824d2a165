// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's log: stderr (journald under systemd), one line each with a
 * UTC timestamp; events counted and logged (agent_event_log); and lines a
 * client can cause at will -- one per aborted connection (libmicrohttpd's
 * messages) or per request over a damaged history file -- held to a rate
 * (agent_log_limited), so that no client can fill the journal.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

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

static void vlog(const char *prefix, const char *fmt, va_list ap, const char *suffix)
{
	char t[64];

	/* one fprintf per piece; stderr is unbuffered, and the threads'
	 * lines are short enough not to interleave within a write */
	fprintf(stderr, "%s snapfire agent: %s", agent_iso(t, sizeof(t), clock_ns(CLOCK_REALTIME)),
		prefix);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "%s\n", suffix);
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
