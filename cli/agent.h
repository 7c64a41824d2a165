/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `snapfire agent`: STAMP sessions to many targets, indefinitely, with a
 * minute-by-minute history (hstore.h) and an HTTP endpoint (Prometheus
 * /metrics, /api/v1/summary, /healthz).
 *
 *	agent_conf.c	the YAML configuration (libyaml): parse, validate, diff
 *	agent.c		the daemon: the loop, the minute tick, targets, SIGHUP
 *	agent_session.c	the STAMP sessions and the JSON Lines
 *	agent_store.c	the store thread: module flows, minute deltas, hs_append
 *	agent_int.h	what those three share
 *	agent_http.c	the HTTP server (libmicrohttpd), /metrics and /healthz
 *	agent_summary.c	/api/v1/summary
 *	agent_prom.c	the Prometheus text exposition of struct agent
 *
 * Threads: the session thread (agent.c's loop, agent_session.c) owns the
 * sockets and the sessions; the store thread (agent_store.c) writes the
 * history; the HTTP server's thread only reads, under agent->lock. Every field
 * below marked [lock] is written and read under agent->lock.
 */
#ifndef SNAPFIRE_AGENT_H
#define SNAPFIRE_AGENT_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hist.h"

#define AGENT_CONF_DEFAULT	"/etc/snapfire/agent.conf"
#define AGENT_LISTEN_DEFAULT	"127.0.0.1:9862"
#define AGENT_STATE_DEFAULT	"/var/lib/snapfire"
#define AGENT_MAX_TARGETS	4096
/* the HTTP server's connections at most (agent_http.c), each an open file */
#define AGENT_HTTP_CONN_MAX	256
/*
 * The minutes that may wait for the store thread (a slow or stalled disk):
 * beyond, the oldest waiting is dropped (store_error), so that a disk that
 * hangs costs a quarter of an hour's counters in memory, not a day's.
 */
#define AGENT_STORE_QUEUE_MAX	15
/* /healthz is unhealthy with more minutes than this not yet stored */
#define AGENT_STORE_BEHIND_MAX	2
#define AGENT_MAX_LABELS	8
#define AGENT_LABEL_NAME_MAX	64
#define AGENT_LABEL_VALUE_MAX	128
#define AGENT_NAME_MAX		64	/* hs_key_ok() */

/* Counters stored beside the histograms, as metric ids from 64 on
 * (hstore.h: a record with count = the minute's delta, no buckets). */
enum agent_counter {
	AC_SENT, AC_RECEIVED, AC_LOST, AC_REORDERED, AC_DUPLICATES,
	AC_PORT_UNREACHABLE,	/* ICMP port unreachable: no STAMP listener there */
	AC_IMPLAUSIBLE,		/* replies refused (a wrong T1), or with no rtt (impossible T2/T3) */
	AC_LATE,		/* replies refused: their probe no longer remembered */
	AC_ICMP_ERRORS,		/* other ICMP errors: unreachable, prohibited (a reject) */
	AC_COUNT
};
#define AGENT_COUNTER_METRIC(c)	(64u + (c))

/* Events: counted, logged once per transition (never per packet). */
enum agent_event {
	AE_TARGET_UNREACHABLE, AE_TARGET_RECOVERED,
	AE_MODULE_MISSING, AE_MODULE_BACK,
	AE_SEND_ERROR, AE_CONFIG_RELOAD, AE_CONFIG_RELOAD_FAILED,
	AE_STORE_ERROR,
	AE_COUNT
};
extern const char *const agent_event_names[AE_COUNT];	/* "target_unreachable", ... */
extern const char *const agent_counter_names[AC_COUNT];	/* "sent", "received", ... */

struct agent_label {
	char name[AGENT_LABEL_NAME_MAX + 1];
	char value[AGENT_LABEL_VALUE_MAX + 1];
};

/* One target as configured (agent_conf.c). */
struct agent_target_conf {
	char name[AGENT_NAME_MAX + 1];
	char address[256];		/* as written: a literal or a host name */
	uint16_t port, ssid, size;
	uint8_t dscp;
	double interval;		/* seconds */
	struct agent_label labels[AGENT_MAX_LABELS];
	int nlabels;
	int line;			/* where it starts in the file */
};

struct agent_conf {
	char path[4096];
	char listen[256];		/* "HOST:PORT", "[V6]:PORT" */
	char state_dir[4096];
	char jsonl[4096];		/* "" when off */
	unsigned int retention_days;
	struct agent_target_conf *targets;
	int ntargets;
};

/*
 * Parses @path into @c (agent_conf_free it). 0, or -1 with a message
 * "PATH:LINE: reason" in @err (the file is refused as a whole).
 */
int agent_conf_load(const char *path, struct agent_conf *c, char *err, size_t errlen);
/* Same, from a string (the tests); @name stands for the path in messages. */
int agent_conf_parse(const char *name, const char *text, size_t len,
		     struct agent_conf *c, char *err, size_t errlen);
void agent_conf_free(struct agent_conf *c);
/* Two targets measure the same thing (labels may differ): the session,
 * its counters and its ring survive a reload. */
bool agent_target_same(const struct agent_target_conf *a,
		       const struct agent_target_conf *b);

/* /metrics' fixed le bounds, in ns, rising (agent_prom.c) */
#define AGENT_PROM_NLE	19
extern const uint64_t agent_prom_le_ns[AGENT_PROM_NLE];
extern const int agent_prom_nle;
/* a histogram binned at them: each module bucket under the first le >= its
 * upper bound (not cumulative), at[AGENT_PROM_NLE]: above the last (+Inf) */
struct agent_prom_bins {
	uint64_t at[AGENT_PROM_NLE + 1];
	uint64_t total, sum;
};
/* adds @h (its buckets, their total and its sum) to @p */
void agent_prom_bin_add(struct agent_prom_bins *p, const struct hist *h);

/* The module's cumulative histograms of a flow, last minute. */
struct kprev {
	uint8_t family, peer[16];
	uint16_t lport, ssid;
	struct hist h[METRIC_COUNT];
};

/* agent_store.c: the current minute of the flow of @base, read from the
 * module now, less @base, into @out; 0, or -ENOENT when the module, its
 * answer or the flow is not there */
int agent_kernel_minute(const struct kprev *base, struct hist out[METRIC_COUNT]);

/* A target's live state (agent.c); [lock] unless said otherwise. */
struct agent_target {
	struct agent_target_conf conf;
	bool up;			/* a reply within max(3 intervals, 3 s) */
	bool kernel;			/* the module's flow was found last minute */
	uint64_t counters[AC_COUNT];	/* since the agent started */
	/* since the agent started, binned at /metrics' le bounds as each
	 * minute is stored: a scrape copies it, it does not bin it */
	struct agent_prom_bins prom[METRIC_COUNT];
	struct hist cur[METRIC_COUNT];	/* the current minute, not yet stored */
	uint64_t cur_counters[AC_COUNT];
	uint64_t last_reply_ns;		/* CLOCK_REALTIME */
	/* [lock] the module's sender flow when the last minute was stored:
	 * its identity and cumulative histograms then, the base a summary
	 * subtracts from the flow read live (NULL: no such flow); points
	 * into the store thread's array, replaced under the lock */
	const struct kprev *kbase;
	/* [lock] the local port of the session's socket (its sender flow's)
	 * since it last opened: a base of another port is an older session's */
	uint16_t flow_lport;
	void *session;			/* agent.c's, not for readers */
};

struct agent {
	pthread_mutex_t lock;		/* protects everything marked [lock] */
	struct agent_conf conf;		/* [lock] the running configuration */
	struct agent_target *targets;	/* [lock] conf.ntargets of them */
	int ntargets;
	uint64_t events[AE_COUNT];	/* [lock] */
	bool module_loaded;		/* [lock] */
	uint64_t summaries_refused;	/* [lock] 429s of /api/v1/summary (agent_http.c) */
	uint64_t last_store_write_ns;	/* [lock] CLOCK_REALTIME, 0: never */
	bool store_ok;			/* [lock] the last append succeeded */
	/* [lock] minutes handed to the store thread, and those it has done:
	 * a summary waits (briefly, suspended: agent_http_conn.c) for the
	 * minutes closed before it */
	uint64_t jobs_queued, jobs_done;
	uint64_t started_ns;
};

/* agent_prom.c: the /metrics page of @a (caller holds a->lock) ... */
int agent_prom_write(FILE *f, const struct agent *a);
/* ... or in two steps: a copy of what it shows, taken under a->lock (NULL:
 * out of memory), then the page from that copy, without the lock */
struct agent_prom_snap;
struct agent_prom_snap *agent_prom_snap(const struct agent *a);
/* ... the copy's memory allocated (and written) before the lock is
 * taken, for @ntargets, and filled under it: -EAGAIN when the number of
 * targets is no longer @ntargets (a reload in between), -ENOMEM */
struct agent_prom_snap *agent_prom_snap_new(int ntargets);
int agent_prom_snap_fill(struct agent_prom_snap *s, const struct agent *a);
int agent_prom_format(FILE *f, const struct agent_prom_snap *s);
void agent_prom_snap_free(struct agent_prom_snap *s);

/* agent_http.c: starts the server on a->conf.listen; NULL with @err set
 * when it cannot listen. */
struct agent_http;
struct agent_http *agent_http_start(struct agent *a, char *err, size_t errlen);
void agent_http_stop(struct agent_http *h);

/* agent_log.c: the agent's log, stderr (journald): one line with a UTC timestamp */
void agent_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * From agent_log_start() to agent_log_stop(), through a writer thread: a
 * stderr that blocks stalls no thread that logs. At most
 * AGENT_LOG_QUEUE_MAX lines wait; those that find the queue full are
 * counted in a line of their own instead. agent_log_start: 0 or -errno
 * (lines are then written directly, as before it). agent_log_stop waits
 * up to @wait_ms for the queue to be written; false if it was not (the
 * writer is left blocked; the process is about to exit).
 */
#define AGENT_LOG_QUEUE_MAX	256
int agent_log_start(void);
bool agent_log_stop(unsigned int wait_ms);
/*
 * ... and for a line a client can cause as often as it likes (one per
 * connection or request): at most AGENT_LOG_BURST at once, then one each
 * AGENT_LOG_EVERY_NS; the next line written counts the ones held back.
 * One struct agent_logrl per kind of line, AGENT_LOGRL_INIT.
 */
#define AGENT_LOG_BURST		10
#define AGENT_LOG_EVERY_NS	6000000000ULL
struct agent_logrl {
	pthread_mutex_t lock;	/* protects the three below */
	uint64_t last_ns;	/* CLOCK_MONOTONIC of the last refill */
	unsigned int tokens;
	unsigned long held;	/* lines refused since the last one written */
};
#define AGENT_LOGRL_INIT { .lock = PTHREAD_MUTEX_INITIALIZER, .tokens = AGENT_LOG_BURST }
void agent_log_limited(struct agent_logrl *rl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool agent_logrl_take(struct agent_logrl *rl, uint64_t now_ns, unsigned long *held);

int cmd_agent(int argc, char **argv);

#endif
