/* SPDX-License-Identifier: GPL-2.0 */
/* Pieces shared between commands. */
#ifndef SNAPFIRE_CMDS_H
#define SNAPFIRE_CMDS_H

#include <netinet/in.h>

#include <linux/snapfire.h>

#include "flow.h"
#include "nl.h"

struct sf_prefix {
	uint8_t family, plen;
	uint8_t addr[16];
};

struct sf_config {
	int enabled, reflect, clock_synced, stamp_tx;	/* -1: not sent */
	uint16_t ports[SNAPFIRE_MAX_PORTS];
	int nports;
	uint32_t mode, rate, burst, max_flows, idle_timeout, loss_threshold,
		 window, event_rate;
	uint8_t precision, rate_prefix6;
	uint16_t min_sport;
	uint64_t rtt_threshold;
	struct sf_prefix allow[SNAPFIRE_MAX_ALLOW];
	int nallow;
};

int config_get(struct sfnl *n, struct sf_config *c);
void config_print(FILE *f, const struct sf_config *c);
void json_config(struct json *j, const char *key, const struct sf_config *c);
/* "10.0.0.0/8", "2001:db8::/32", "10.1.2.3" -> prefix; 0 or -1 */
int parse_prefix(const char *s, struct sf_prefix *p);

int status_get(struct sfnl *n, struct sf_status *st);

/* Dump flows; hist_mask of (1 << metric); filters optional (NULL / -1). */
struct flow_filter {
	int role;		/* 0: any */
	int family;		/* 0: any */
	uint8_t peer[16];
	int port;		/* -1: any; local or remote */
	int ssid;		/* -1: any */
	uint32_t hist_mask;
};
int flows_get(struct sfnl *n, const struct flow_filter *flt, struct flowset *s);
/* Parses a FLOW id argument; usage error exit code or 0. */
int parse_flow_id(const char *cmd, const char *s, uint64_t *id);


#define ALL_METRICS ((1u << METRIC_COUNT) - 1)

#endif
