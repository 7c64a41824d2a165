/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snapfire agent: what its pieces share (not a public interface; agent.h
 * is). agent.c: cmd_agent, the loop, signals, targets and reload;
 * agent_session.c: the STAMP sessions and the JSON Lines (the session
 * thread); agent_store.c: the store thread (the module's flows, the
 * minute's deltas, hs_append, pruning) and the userspace histograms.
 */
#ifndef SNAPFIRE_AGENT_INT_H
#define SNAPFIRE_AGENT_INT_H

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "agent.h"
#include "hist.h"
#include "probe.h"

#define NSEC		1000000000ULL
#define MINUTE_NS	(60 * NSEC)
/* A session restarts (new socket, new flow, sequence numbers from 0) after
 * this many probes, at a minute's end: its sequence numbers never wrap over
 * an indefinite run, and its flow's sequence state stays small. */
#define SEQ_RECYCLE	(1u << 22)
#define OPEN_RETRY_MAX	(60 * NSEC)

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
	/* p.received, .reordered, .dups, .implausible, .late: as last counted */
	uint64_t rx_seen, reord_seen, dups_seen, implaus_seen, late_seen;
	uint64_t icmp_seen;		/* p.icmp_errors as last counted */
	uint64_t last_reply;		/* mono, 0: none yet */
	uint64_t since;			/* mono: opened, or the last reply */
	int reach;			/* 0 unknown, 1 up, -1 unreachable */
	uint64_t unreach_mark;		/* p.unreachable when it last replied */
	uint64_t unreach_seen;		/* p.unreachable counted in AC_PORT_UNREACHABLE */
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
	int tidx;			/* its target's index when queued: a hint */
	char name[AGENT_NAME_MAX + 1];
	bool have_flow_id;
	uint8_t family, peer[16];
	uint16_t lport, ssid;
	uint64_t counters[AC_COUNT];
	struct hist uh;			/* userspace round trips of the minute */
	int kpi;			/* store thread: its flow's new kprev, -1: none */
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

struct agentd {
	struct agent a;
	const char *path;
	uint64_t next_sess_id;
	uint64_t minute;		/* the current (open) minute */
	uint64_t tsflags_at;		/* mono: when the sockets' flags are next checked */
	FILE *jsonl;
	bool jsonl_failing;
	struct agent_http *http;
	/* store thread */
	pthread_t store_th;
	pthread_mutex_t qlock;
	pthread_cond_t qcond;
	struct job *qhead, *qtail;
	int qlen;			/* [qlock] jobs waiting, at most AGENT_STORE_QUEUE_MAX */
	bool qstop;
	struct kprev *kp;
	int nkp;
	bool module_known;		/* module_loaded has been decided once */
	uint64_t pruned_day;
	bool flow_read_failing;
};

/* A probe's timeout, and the up/down rule: max(3 intervals, 3 s). */
static inline uint64_t timeout_ns(const struct agent_target_conf *c)
{
	uint64_t t = (uint64_t)llround(3 * c->interval * 1e9);

	return t < 3 * NSEC ? 3 * NSEC : t;
}

/* agent_log.c: timestamps, and events (counted and logged like agent_log;
 * the caller holds a->lock) */
char *agent_iso(char *buf, size_t n, uint64_t real_ns);
void agent_event_log(struct agent *a, enum agent_event e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* agent_session.c: the session thread's */
void agent_jsonl_open(struct agentd *d);
void agent_jsonl_rec(struct agentd *d, const char *target, uint64_t real, const char *status,
		     uint64_t dur_ns, const char *reason);
struct sess *agent_sess_new(struct agentd *d);
void agent_sess_open(struct agent_target *t);
void agent_sess_close(struct sess *s);
void agent_sess_free(struct sess *s);
void agent_sess_send(struct agentd *d, struct agent_target *t, uint64_t now);
/* at most this many datagrams a call (one target cannot hold the loop):
 * returns how many were read, SESS_DRAIN_MAX when more may wait */
#define SESS_DRAIN_MAX 64
int agent_sess_drain(struct agentd *d, struct agent_target *t, uint64_t now);
void agent_sess_timeouts(struct agentd *d, struct agent_target *t, uint64_t now);
/* the session thread ran @stall ns late (stopped, starved): not silence */
#define STALL_NS (NSEC / 10)
void agent_sess_stalled(struct agentd *d, uint64_t stall);
void agent_sess_count_unreach(struct agent_target *t);	/* [agent->lock] */

/* agent_store.c */
void *agent_store_thread(void *arg);
void agent_queue_minute(struct agentd *d, uint64_t minute, struct agent_target *v, int n,
			const bool *skip, bool partial);
void agent_kp_free(struct kprev *v, int n);
/* a round trip into @h in the module's buckets */
int agent_uhist_add(struct hist *h, uint64_t v);
/* @out = @cur - @prev, the module's cumulative histograms a minute apart;
 * false when @cur went backwards (the flow was recreated) */
bool agent_hist_delta(const struct hist *cur, const struct hist *prev, struct hist *out);

#endif
