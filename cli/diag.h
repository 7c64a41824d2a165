/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `snapfire diagnose`: the protocols measured side by side against one
 * target (cmd_diagnose.c runs them, one thread each), and the verdict
 * drawn from their differences (diag_verdict.c, pure: docs/DIAGNOSE.md is
 * its decision table, cli/tests/unit_diag.c tests it).
 */
#ifndef SNAPFIRE_DIAG_H
#define SNAPFIRE_DIAG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "samples.h"

/* The rows of the table, one measurement each. */
enum diag_row {
	DR_STAMP,		/* STAMP round trip, less the reflector's turnaround */
	DR_ICMP,		/* ICMP echo, kernel send and receive times */
	DR_TCP,			/* TCP handshake RTT, the kernel's (TCP_INFO) */
	DR_TCP_CONNECT,		/* connect() to established, SYN retries included */
	DR_HTTP_CONNECT,	/* libcurl: TCP connect */
	DR_HTTP_TLS,		/* libcurl: TLS handshake (https only) */
	DR_HTTP_TTFB,		/* libcurl: request sent to first byte */
	DR_COUNT
};

enum diag_state {
	DS_OFF,		/* not asked for */
	DS_OK,		/* ran and has samples */
	DS_FAILED,	/* could not run, or nothing came back: see reason */
};

struct diag_row_res {
	enum diag_state state;
	char reason[200];
	uint64_t attempts, lost;	/* lost: no answer, timeout or error */
	struct samples s;		/* ns */
	uint64_t p50, p95, p99, max;	/* filled by diag_finish() */
};

/* What a protocol's thread is given and fills. */
struct diag_target {
	const char *host;			/* as given */
	struct sockaddr_storage addr;	/* resolved (port 0) */
	socklen_t addrlen;
	double duration, interval;		/* s */
	uint16_t tcp_port;			/* 0: no TCP */
	const char *url;			/* NULL: no HTTP */
	bool insecure;				/* -k: no TLS certificate check */
	uint64_t syn_retrans;			/* TCP: SYNs sent again, summed */
	uint64_t tcp_timeouts;			/* TCP: connects timed out */
	uint64_t tcp_timeout_ns;		/* TCP: a connect's time limit */
};

/* Percentiles of every row with samples; a row asked for without any
 * sample becomes DS_FAILED (with @why if it has no reason yet). */
void diag_finish(struct diag_row_res *r, const char *why);

/* CLOCK_MONOTONIC in ns (diag_sched.c) */
int64_t diag_mono_ns(void);
/* Sleeps until slot *@k of start + k x @interval (ns, s), the current one
 * if a slow request overran it, and counts it; false when that slot is at
 * or after @end, or probe_stop is set. */
bool diag_next_slot(int64_t start, int64_t end, double interval, uint64_t *k);

/* The runners (diag_icmp.c, diag_tcp.c, diag_http.c): each probes for
 * t->duration seconds at t->interval, stopping early on probe_stop. */
void diag_icmp_run(const struct diag_target *t, struct diag_row_res *r);
void diag_tcp_run(struct diag_target *t, struct diag_row_res *rtt,
		  struct diag_row_res *connect);
void diag_http_run(const struct diag_target *t, struct diag_row_res *conn,
		   struct diag_row_res *tls, struct diag_row_res *ttfb);
/* once, before any thread: libcurl's global init (0 or -1) */
int diag_http_global_init(void);
void diag_http_global_cleanup(void);

/* ---------------------------------------------------------- verdict */

/* Where the latency is added: the layers the verdict can name. */
enum diag_layer {
	DL_LOCAL,	/* this host's stack or qdisc */
	DL_NETWORK,	/* the network (both directions, or unknown split) */
	DL_NET_FWD,	/* the network, forward (this host -> target) */
	DL_NET_REV,	/* the network, reverse (target -> this host) */
	DL_FAR_KERNEL,	/* the far host's kernel or qdisc */
	DL_FAR_TCP,	/* the far host's TCP: listen queue, SYN handling */
	DL_FAR_APP,	/* the far host's application */
	DL_COUNT,
	DL_NONE = -1,
};

enum diag_conf { DC_LOW, DC_MEDIUM, DC_HIGH };

/* The verdict's inputs: medians (ns) and the STAMP breakdown. */
struct diag_in {
	bool have[DR_COUNT];		/* row ran and has samples */
	uint64_t p50[DR_COUNT];
	uint64_t syn_retrans;		/* TCP: SYN retransmits seen */
	uint64_t tcp_attempts, tcp_timeouts;	/* connects, and those timed out */
	uint64_t tcp_timeout_ns;	/* how long a connect was given */
	/* the module's breakdown of the STAMP flow (p50 sums), if any */
	bool have_bd, synced, far_reported;
	uint64_t bd_local, bd_net, bd_far, bd_fwd, bd_rev;
};

#define DIAG_NOTES_MAX 6

struct diag_verdict {
	enum diag_layer layer;		/* DL_NONE: nothing to go on */
	enum diag_conf conf;
	bool assessed[DL_COUNT];	/* the layer could be estimated */
	uint64_t est[DL_COUNT];		/* its estimated added time, ns */
	int runner_up;			/* DL_NONE if none */
	int net_row;			/* the row the network estimate came
					 * from; DR_COUNT: the breakdown */
	const char *rule;		/* the decision table's row, "N1".. */
	const char *why;		/* one sentence */
	const char *next;		/* what to run next */
	const char *notes[DIAG_NOTES_MAX];
	int nnotes;
};

void diag_verdict(const struct diag_in *in, struct diag_verdict *v);
/* "this host's stack or qdisc"..., "local"... */
const char *diag_layer_name(enum diag_layer l);
const char *diag_layer_key(enum diag_layer l);
const char *diag_conf_name(enum diag_conf c);
const char *diag_row_key(enum diag_row r);

#endif
