// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's log: stderr (journald under systemd), one line each with a
 * UTC timestamp; events counted and logged (agent_event_log); and lines a
 * client can cause at will -- one per aborted connection (libmicrohttpd's
 * messages) or per request over a damaged history file -- held to a rate
 * (agent_log_limited), so that no client can fill the journal.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
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
	if (write(STDERR_FILENO, line, n) < 0) {
		/* nowhere left to say it */
	}
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
