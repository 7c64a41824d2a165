// SPDX-License-Identifier: GPL-2.0
/* The snapfire family's attributes into the CLI's views (parse.h). */
#include <string.h>
#include <sys/socket.h>

#include <linux/snapfire.h>

#include "hist.h"
#include "parse.h"

uint64_t attr_uint(const struct nlattr *a)
{
	switch (nla_len(a)) {
	case 1: return nla_get_u8((struct nlattr *)a);
	case 2: return nla_get_u16((struct nlattr *)a);
	case 4: return nla_get_u32((struct nlattr *)a);
	default:
		if (nla_len(a) >= 8)
			return nla_get_u64((struct nlattr *)a);
		return 0;
	}
}

static int bucket_parse(struct hist *h, struct nlattr *nest)
{
	uint64_t low = 0, high = 0, count = 0;
	struct nlattr *a;
	int rem;

	nla_for_each_nested(a, nest, rem) {
		switch (nla_type(a)) {
		case SNAPFIRE_A_BUCKET_LOW: low = attr_uint(a); break;
		case SNAPFIRE_A_BUCKET_HIGH: high = attr_uint(a); break;
		case SNAPFIRE_A_BUCKET_COUNT: count = attr_uint(a); break;
		}
	}
	return hist_add_bucket(h, low, high, count);
}

static int hist_parse(struct flow *f, struct nlattr *nest)
{
	struct hist tmp = { 0 }, *h;
	struct nlattr *a;
	int rem, metric = -1;

	nla_for_each_nested(a, nest, rem) {
		switch (nla_type(a)) {
		case SNAPFIRE_A_HIST_METRIC: metric = (int)attr_uint(a); break;
		case SNAPFIRE_A_HIST_COUNT: tmp.count = attr_uint(a); break;
		case SNAPFIRE_A_HIST_SUM: tmp.sum = attr_uint(a); break;
		case SNAPFIRE_A_HIST_MIN_VALUE: tmp.min = attr_uint(a); break;
		case SNAPFIRE_A_HIST_MAX_VALUE: tmp.max = attr_uint(a); break;
		case SNAPFIRE_A_HIST_CLAMPED: tmp.clamped = attr_uint(a); break;
		case SNAPFIRE_A_HIST_PRECISION:
			tmp.precision = (uint8_t)attr_uint(a);
			break;
		case SNAPFIRE_A_HIST_BUCKET:
			if (bucket_parse(&tmp, a) < 0) {
				hist_free(&tmp);
				return -1;
			}
			break;
		}
	}
	if (metric < 0 || metric >= METRIC_COUNT) {
		hist_free(&tmp);	/* unknown metric: newer module */
		return 0;
	}
	h = &f->hist[metric];
	hist_free(h);
	*h = tmp;
	h->metric = (uint32_t)metric;
	h->present = 1;
	hist_finish(h);
	return 0;
}

static void copy_addr(uint8_t *dst, const struct nlattr *a)
{
	int len = nla_len(a);

	memset(dst, 0, 16);
	memcpy(dst, nla_data(a), len > 16 ? 16 : len);
}

int flow_parse(struct flow *f, struct nlattr *head, int len)
{
	struct nlattr *a;
	int rem;

	memset(f, 0, sizeof(*f));
	nla_for_each_attr(a, head, len, rem) {
		switch (nla_type(a)) {
		case SNAPFIRE_A_FLOW_ID: f->id = attr_uint(a); break;
		case SNAPFIRE_A_FLOW_ROLE: f->role = (uint32_t)attr_uint(a); break;
		case SNAPFIRE_A_FLOW_FAMILY: f->family = (uint8_t)attr_uint(a); break;
		case SNAPFIRE_A_FLOW_LOCAL_ADDR: copy_addr(f->local_addr, a); break;
		case SNAPFIRE_A_FLOW_REMOTE_ADDR: copy_addr(f->remote_addr, a); break;
		case SNAPFIRE_A_FLOW_LOCAL_PORT:
			f->local_port = (uint16_t)attr_uint(a);
			break;
		case SNAPFIRE_A_FLOW_REMOTE_PORT:
			f->remote_port = (uint16_t)attr_uint(a);
			break;
		case SNAPFIRE_A_FLOW_SSID: f->ssid = (uint16_t)attr_uint(a); break;
		case SNAPFIRE_A_FLOW_CREATED: f->created = attr_uint(a); break;
		case SNAPFIRE_A_FLOW_LAST_SEEN: f->last_seen = attr_uint(a); break;
		case SNAPFIRE_A_FLOW_TX: f->tx = attr_uint(a); break;
		case SNAPFIRE_A_FLOW_RX: f->rx = attr_uint(a); break;
		case SNAPFIRE_A_FLOW_LOST: f->lost = attr_uint(a); break;
		case SNAPFIRE_A_FLOW_REORDERED: f->reordered = attr_uint(a); break;
		case SNAPFIRE_A_FLOW_DUPLICATES: f->duplicates = attr_uint(a); break;
		case SNAPFIRE_A_FLOW_REV_LOST: f->rev_lost = attr_uint(a); break;
		case SNAPFIRE_A_FLOW_RESTARTS: f->restarts = attr_uint(a); break;
		case SNAPFIRE_A_FLOW_PEER_STATEFUL: f->peer_stateful = (uint8_t)attr_uint(a); break;
		case SNAPFIRE_A_FLOW_JITTER: f->jitter = attr_uint(a); break;
		case SNAPFIRE_A_FLOW_SYNCED: f->synced = (uint8_t)attr_uint(a); break;
		case SNAPFIRE_A_FLOW_PEER_TTL: f->peer_ttl = (uint8_t)attr_uint(a); break;
		case SNAPFIRE_A_FLOW_MEM: f->mem = (uint32_t)attr_uint(a); break;
		case SNAPFIRE_A_FLOW_HIST:
			if (hist_parse(f, a) < 0) {
				flow_free(f);
				return -1;
			}
			break;
		}
	}
	if (!f->family)
		f->family = AF_INET;
	return 0;
}

int status_parse(struct status_view *st, struct nlattr *head, int len)
{
	struct nlattr *a, *c;
	int rem, rem2;

	memset(st, 0, sizeof(*st));
	nla_for_each_attr(a, head, len, rem) {
		switch (nla_type(a)) {
		case SNAPFIRE_A_STATUS_VERSION:
			nla_strlcpy(st->version, a, sizeof(st->version));
			break;
		case SNAPFIRE_A_STATUS_COUNTERS:
		case SNAPFIRE_A_STATUS_GLOBAL_COUNTERS: {
			bool g = nla_type(a) == SNAPFIRE_A_STATUS_GLOBAL_COUNTERS;
			uint64_t *v = g ? st->global_counters : st->counters;

			if (g)
				st->has_global = true;
			else
				st->has_counters = true;
			nla_for_each_nested(c, a, rem2) {
				int t = nla_type(c);

				if (t >= 1 && t <= NCOUNTERS)
					v[t - 1] = attr_uint(c);
			}
			break;
		}
		case SNAPFIRE_A_STATUS_FLOWS: st->flows = (uint32_t)attr_uint(a); break;
		case SNAPFIRE_A_STATUS_MEM: st->mem = attr_uint(a); break;
		case SNAPFIRE_A_STATUS_GLOBAL_MEM: st->global_mem = attr_uint(a); break;
		}
	}
	return 0;
}

static void parse_allow_nest(struct cfg_view *c, struct nlattr *a)
{
	struct cfg_prefix *p;
	struct nlattr *b;
	int rem;

	if (c->nallow >= SNAPFIRE_MAX_ALLOW)
		return;
	p = &c->allow[c->nallow++];
	memset(p, 0, sizeof(*p));
	nla_for_each_nested(b, a, rem) {
		switch (nla_type(b)) {
		case SNAPFIRE_A_PREFIX_FAMILY:
			p->family = (uint8_t)attr_uint(b);
			break;
		case SNAPFIRE_A_PREFIX_ADDR:
			memcpy(p->addr, nla_data(b), nla_len(b) > 16 ? 16 : nla_len(b));
			break;
		case SNAPFIRE_A_PREFIX_PLEN:
			p->plen = (uint8_t)attr_uint(b);
			break;
		}
	}
}

int config_parse(struct cfg_view *c, struct nlattr *attrs, int len)
{
	struct nlattr *a;
	int rem, t;

	nla_for_each_attr(a, attrs, len, rem) {
		t = nla_type(a);
		if (t == SNAPFIRE_A_CONFIG_PORT) {
			if (c->nports < SNAPFIRE_MAX_PORTS)
				c->ports[c->nports++] = (uint16_t)attr_uint(a);
		} else if (t == SNAPFIRE_A_CONFIG_ALLOW) {
			parse_allow_nest(c, a);
		} else if (t > 0 && t <= SNAPFIRE_A_CONFIG_MAX) {
			c->v[t] = attr_uint(a);
			c->has[t] = true;
		}
	}
	return 0;
}

int event_parse(struct event_view *e, struct nlattr *head, int len)
{
	struct nlattr *a;
	int rem;

	memset(e, 0, sizeof(*e));
	nla_for_each_attr(a, head, len, rem) {
		switch (nla_type(a)) {
		case SNAPFIRE_A_EVENT_TYPE: e->type = (uint32_t)attr_uint(a); break;
		case SNAPFIRE_A_EVENT_FLOW:
			flow_free(&e->flow);
			if (flow_parse(&e->flow, nla_data(a), nla_len(a)) < 0)
				return -1;
			e->has_flow = true;
			break;
		case SNAPFIRE_A_EVENT_VALUE:
			e->value = attr_uint(a);
			e->has_value = true;
			break;
		case SNAPFIRE_A_EVENT_THRESHOLD: e->threshold = attr_uint(a); break;
		}
	}
	return 0;
}

void event_free(struct event_view *e)
{
	flow_free(&e->flow);
}
