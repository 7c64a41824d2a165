/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The breakdown of a flow's median end-to-end time into the parts of the
 * path, each placed on this host, the network or the far host, and the
 * verdict: which of the three dominates. Pure: no output, no netlink;
 * `snapfire show` prints it (cmd_flows.c), cli/tests/unit.c tests it.
 */
#ifndef SNAPFIRE_VERDICT_H
#define SNAPFIRE_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "flow.h"

enum where { WHERE_LOCAL, WHERE_NETWORK, WHERE_FAR, WHERE_CNT };

/* "this host", "the network", "the far host" */
const char *where_name(enum where w);
/* "local", "network", "far" (JSON) */
const char *where_key(enum where w);

#define BREAKDOWN_MAX	8

struct comp {
	const char *key;	/* metric name as in JSON: "tx_stage", "fwd"... */
	const char *label;	/* "sender egress stage (this host)"... */
	enum where where;
	uint64_t p50, p99;	/* ns */
};

struct breakdown {
	struct comp c[BREAKDOWN_MAX];	/* in path order */
	int n;
	uint64_t total;		/* sum of the p50s */
	int dom_where;		/* enum where with the largest sum, -1: none */
	int dom_comp;		/* index of the largest part, -1: none */
	uint64_t dom_sum;	/* p50 sum of dom_where's parts */
	bool far_egress_reported;	/* sender: the far host's Follow-Up */
};

/*
 * The parts, in path order, of a sender flow (this host's egress stage;
 * with synchronised clocks forward, far-host turnaround and egress,
 * reverse, else the round trip and the far host's parts; this host's
 * ingress stage) or of a reflector flow (forward, then this host's
 * ingress, turnaround and egress). The far host's egress queue, reported
 * by its Follow-Up Telemetry, is taken out of rev (or rtt), percentile by
 * percentile; without it, it stays counted as network.
 */
void breakdown_build(const struct flow *f, struct breakdown *b);
/* @v as a percentage of @total (0 when total is 0) */
double breakdown_share(uint64_t v, uint64_t total);

#endif /* SNAPFIRE_VERDICT_H */
