/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every reply and notification of the snapfire family, from attributes to
 * the CLI's views, in one place (parse.c): a flow with its histograms,
 * status, configuration and events. Unknown attributes are skipped (a
 * newer module), integers are read at whatever width they came in.
 */
#ifndef SNAPFIRE_PARSE_H
#define SNAPFIRE_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include <netlink/attr.h>

#include "cmds.h"
#include "flow.h"

/* An unsigned integer attribute of 1, 2, 4 or 8 bytes. */
uint64_t attr_uint(const struct nlattr *a);

/* flow-get (a reply or an event's nest); -1 when out of memory. */
int flow_parse(struct flow *f, struct nlattr *head, int len);
/* status-get */
int status_parse(struct status_view *st, struct nlattr *head, int len);
/* config-get; @c zeroed by the caller */
int config_parse(struct cfg_view *c, struct nlattr *head, int len);

/* An event notification (SNAPFIRE_CMD_EVENT). */
struct event_view {
	uint32_t type;
	bool has_flow, has_value;
	struct flow flow;		/* flow_free() it (event_free) */
	uint64_t value, threshold;	/* ns, or ppm for loss-high */
};

int event_parse(struct event_view *e, struct nlattr *head, int len);
void event_free(struct event_view *e);

#endif
