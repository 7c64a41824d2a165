/* SPDX-License-Identifier: GPL-2.0 */
/* Between the agent's HTTP server (agent_http.c), its connections'
 * deadlines and waits (agent_http_conn.c) and its summary page
 * (agent_summary.c). */
#ifndef SNAPFIRE_AGENT_HTTP_INT_H
#define SNAPFIRE_AGENT_HTTP_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <microhttpd.h>

#include "agent.h"

#define JSON_TYPE	"application/json"

#define HTTP_DEADLINE	30		/* seconds for a request, headers to last byte */
#define HTTP_WAIT_S	5		/* a summary's wait for the minutes being stored */

/* a connection, for the reaper */
/*
 * A client, as the connection limits count them (agent_http_client()):
 * its address (IPv4 v4-mapped; every loopback address is ::1, this
 * host), and the network it is counted in too (an IPv6 /64, or the
 * address itself: IPv4, link-local, this host).
 */
struct http_client {
	uint8_t addr[16];
	uint8_t net[16];
};

struct http_conn {
	struct http_conn *next, **pprev;
	struct http_client who;
	int fd;
	uint64_t since_ns;	/* CLOCK_MONOTONIC: accepted, or its last request ended */
	bool cut;
};

/*
 * A summary request waiting, suspended, for the store to take the minutes
 * closed before it (the request's state: MHD's *req; freed when the
 * request ends). Linked on agent_http.waits while suspended; the reaper
 * unlinks it and resumes the connection once jobs_done reaches @want or
 * at @until_ns, whichever comes first.
 */
struct http_wait {
	struct http_wait *next, **pprev;
	struct MHD_Connection *c;
	uint64_t want;		/* agent.jobs_done to reach */
	uint64_t until_ns;	/* CLOCK_MONOTONIC: answered without it then */
	bool linked;		/* on agent_http.waits (under agent_http.lock) */
};

/*
 * The summaries' budget: a token bucket of MHD's thread's time (ns of
 * CLOCK_MONOTONIC), filled at @rate_ns a second up to @burst_ns, from
 * which each summary's cost is taken once it ran; one may start while
 * the bucket is not below 0. Kept as the generic cell rate algorithm
 * keeps one, as the moment it is empty until: its level at t is
 * (t - @empty_ns) * @rate_ns a second, at most @burst_ns, so that time
 * passing needs no refill. MHD's thread only.
 */
struct http_budget {
	uint64_t rate_ns;	/* a second; 1 to 1000000000 */
	uint64_t burst_ns;
	uint64_t empty_ns;	/* CLOCK_MONOTONIC; 0: full */
};

struct agent_http {
	struct MHD_Daemon *d;
	struct agent *a;

	pthread_t reaper;
	/*
	 * Protects conns, waits and stop: MHD's thread and the reaper. Taken
	 * alone: never with agent.lock held, nor MHD_resume_connection called
	 * under it.
	 */
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* the reaper's sleep, cut short by stop and new waits */
	struct http_conn *conns;
	struct http_wait *waits;
	bool stop;

	/* MHD's thread only (and agent_http_stop once it has stopped) */
	struct MHD_Response *page;	/* the newest /metrics page, one reference */
	uint64_t page_ns;		/* CLOCK_MONOTONIC it was built */
	unsigned int pages;		/* pages not yet freed, the newest included */
	struct http_budget budget;	/* the summaries' */
};

/* Queues @body (@len bytes, malloc'ed, taken) with @status. */
enum MHD_Result agent_http_reply(struct MHD_Connection *c, unsigned int status,
				 const char *type, char *body, size_t len);
/* {"error": MESSAGE} with @status. */
enum MHD_Result agent_http_error(struct MHD_Connection *c, unsigned int status,
				 const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "2026-12-01T10:00:00Z", or with milliseconds when @ms */
char *agent_http_iso(char *buf, size_t n, uint64_t ns, bool ms);
/*
 * GET /api/v1/summary. A request that names a target while minutes closed
 * before it are still queued for the store gets no answer the first time
 * (@waited false): *@want is set to the agent.jobs_done that covers them,
 * and the caller suspends the connection (agent_http_wait) and calls again
 * with @waited true once the store got there or HTTP_WAIT_S passed. *@want
 * is 0 whenever an answer was queued.
 */
enum MHD_Result agent_page_summary(struct agent *a, struct MHD_Connection *c, bool waited,
				   uint64_t *want);

/*
 * The budget each server starts with (agent_http.c: HTTP_SUMMARY_*).
 * Only tests/agent_http_drv sets them, before agent_http_start, so that
 * its clients exceed them on a machine of any speed.
 */
extern uint64_t agent_http_summary_rate_ns, agent_http_summary_burst_ns;

/* agent_http_conn.c: MHD's connection and completion callbacks */
/*
 * MHD's accept policy: at most AGENT_HTTP_PER_CLIENT connections from one
 * address, where every loopback address is one (127/8, ::1 and the
 * v4-mapped ones: any local user can send from all of them), and at most
 * AGENT_HTTP_PER_NET from one IPv6 /64 (anyone with one can send from all
 * of it). A neighbour in Prometheus' /64 cannot take its 8, only the /64's
 * 32; a client with a /56 still could take all 256 (HTTP_CONN_MAX): past
 * localhost, the firewall is the bound. MHD_YES or MHD_NO.
 */
#define AGENT_HTTP_PER_CLIENT	8
#define AGENT_HTTP_PER_NET	32
enum MHD_Result agent_http_accept(void *cls, const struct sockaddr *addr, socklen_t len);
void agent_http_client(const struct sockaddr *addr, struct http_client *who);
void agent_http_conn_notify(void *cls, struct MHD_Connection *c, void **ctx,
			    enum MHD_ConnectionNotificationCode code);
void agent_http_req_done(void *cls, struct MHD_Connection *c, void **req,
			 enum MHD_RequestTerminationCode toe);
/* the reaper thread: deadlines, and the end of summaries' waits */
void *agent_http_reaper(void *arg);
/*
 * From the handler (MHD's thread) only: suspends @c until jobs_done reaches
 * @want or HTTP_WAIT_S pass; *@req takes the wait. 0, or -1 when it cannot
 * wait (out of memory, stopping): answer at once.
 */
int agent_http_wait(struct agent_http *h, struct MHD_Connection *c, uint64_t want, void **req);
/*
 * The summaries' budget: 0 when one may start at @now_ns, else the whole
 * seconds until one may (at least 1: Retry-After) ...
 */
unsigned int agent_http_budget_wait(const struct http_budget *b, uint64_t now_ns);
/* ... and a summary (or a part of one) that ended at @now_ns took @cost_ns */
void agent_http_budget_charge(struct http_budget *b, uint64_t now_ns, uint64_t cost_ns);

#endif
