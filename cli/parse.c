// SPDX-License-Identifier: GPL-2.0
/* The snapfire family's attributes into the CLI's views (parse.h). */
#include <string.h>
#include <sys/socket.h>

#include <linux/snapfire.h>

#include "hist.h"
#include "parse.h"

/*
 * The flow walk below is the hot loop of a dump (a million flows, some 40
 * attributes each): it reads the attribute headers with these inline
 * helpers, the same checks and steps as libnl's nla_ok(), nla_next(),
 * nla_type() and nla_len(), which are library calls, six an attribute.
 */
static inline bool a_ok(const struct nlattr *a, int rem)
{
	return rem >= (int)sizeof(*a) && a->nla_len >= sizeof(*a) &&
	       a->nla_len <= rem;
}

static inline struct nlattr *a_next(const struct nlattr *a, int *rem)
{
	int len = NLA_ALIGN(a->nla_len);

	*rem -= len;
	return (struct nlattr *)((char *)a + len);
}

#define a_type(a)	((a)->nla_type & NLA_TYPE_MASK)
#define a_len(a)	((int)(a)->nla_len - NLA_HDRLEN)
#define a_for_each(a, head, len, rem) \
	for ((a) = (head), (rem) = (len); a_ok((a), (rem)); (a) = a_next((a), &(rem)))
#define a_for_each_nested(a, nest, rem) \
	a_for_each(a, (struct nlattr *)((char *)(nest) + NLA_HDRLEN), a_len(nest), rem)

static inline uint64_t a_uint(const struct nlattr *a)
{
	const char *d = (const char *)a + NLA_HDRLEN;
	uint64_t v64;
	uint32_t v32;
	uint16_t v16;

	switch (a_len(a)) {
	case 1: return *(const uint8_t *)d;
	case 2: memcpy(&v16, d, 2); return v16;
	case 4: memcpy(&v32, d, 4); return v32;
	default:
		if (a_len(a) < 8)
			return 0;
		memcpy(&v64, d, 8);
		return v64;
	}
}

uint64_t attr_uint(const struct nlattr *a)
{
	return a_uint(a);
}

static int bucket_parse(struct hist *h, struct nlattr *nest)
{
	uint64_t low = 0, high = 0, count = 0;
	struct nlattr *a;
	int rem;

	a_for_each_nested(a, nest, rem) {
		switch (a_type(a)) {
		case SNAPFIRE_A_BUCKET_LOW: low = a_uint(a); break;
		case SNAPFIRE_A_BUCKET_HIGH: high = a_uint(a); break;
		case SNAPFIRE_A_BUCKET_COUNT: count = a_uint(a); break;
		}
	}
	return hist_add_bucket(h, low, high, count);
}

static int hist_parse(struct flow *f, struct nlattr *nest)
{
	struct hist tmp = { 0 }, *h;
	struct nlattr *a;
	int rem, metric = -1;

	a_for_each_nested(a, nest, rem) {
		switch (a_type(a)) {
		case SNAPFIRE_A_HIST_METRIC: metric = (int)a_uint(a); break;
		case SNAPFIRE_A_HIST_COUNT: tmp.count = a_uint(a); break;
		case SNAPFIRE_A_HIST_SUM: tmp.sum = a_uint(a); break;
		case SNAPFIRE_A_HIST_MIN_VALUE: tmp.min = a_uint(a); break;
		case SNAPFIRE_A_HIST_MAX_VALUE: tmp.max = a_uint(a); break;
		case SNAPFIRE_A_HIST_CLAMPED: tmp.clamped = a_uint(a); break;
		case SNAPFIRE_A_HIST_PRECISION:
			tmp.precision = (uint8_t)a_uint(a);
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
	int len = a_len(a);

	memset(dst, 0, 16);
	memcpy(dst, (const char *)a + NLA_HDRLEN, len > 16 ? 16 : len);
}

int flow_parse(struct flow *f, struct nlattr *head, int len)
{
	struct nlattr *a;
	int rem;

	memset(f, 0, sizeof(*f));
	a_for_each(a, head, len, rem) {
		switch (a_type(a)) {
		case SNAPFIRE_A_FLOW_ID: f->id = a_uint(a); break;
		case SNAPFIRE_A_FLOW_ROLE: f->role = (uint32_t)a_uint(a); break;
		case SNAPFIRE_A_FLOW_FAMILY: f->family = (uint8_t)a_uint(a); break;
		case SNAPFIRE_A_FLOW_LOCAL_ADDR: copy_addr(f->local_addr, a); break;
		case SNAPFIRE_A_FLOW_REMOTE_ADDR: copy_addr(f->remote_addr, a); break;
		case SNAPFIRE_A_FLOW_LOCAL_PORT:
			f->local_port = (uint16_t)a_uint(a);
			break;
		case SNAPFIRE_A_FLOW_REMOTE_PORT:
			f->remote_port = (uint16_t)a_uint(a);
			break;
		case SNAPFIRE_A_FLOW_SSID: f->ssid = (uint16_t)a_uint(a); break;
		case SNAPFIRE_A_FLOW_CREATED: f->created = a_uint(a); break;
		case SNAPFIRE_A_FLOW_LAST_SEEN: f->last_seen = a_uint(a); break;
		case SNAPFIRE_A_FLOW_TX: f->tx = a_uint(a); break;
		case SNAPFIRE_A_FLOW_RX: f->rx = a_uint(a); break;
		case SNAPFIRE_A_FLOW_LOST: f->lost = a_uint(a); break;
		case SNAPFIRE_A_FLOW_REORDERED: f->reordered = a_uint(a); break;
		case SNAPFIRE_A_FLOW_DUPLICATES: f->duplicates = a_uint(a); break;
		case SNAPFIRE_A_FLOW_REV_LOST: f->rev_lost = a_uint(a); break;
		case SNAPFIRE_A_FLOW_RESTARTS: f->restarts = a_uint(a); break;
		case SNAPFIRE_A_FLOW_PEER_STATEFUL: f->peer_stateful = (uint8_t)a_uint(a); break;
		case SNAPFIRE_A_FLOW_JITTER: f->jitter = a_uint(a); break;
		case SNAPFIRE_A_FLOW_SYNCED: f->synced = (uint8_t)a_uint(a); break;
		case SNAPFIRE_A_FLOW_PEER_TTL: f->peer_ttl = (uint8_t)a_uint(a); break;
		case SNAPFIRE_A_FLOW_MEM: f->mem = (uint32_t)a_uint(a); break;
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
	uint64_t seen = 0;
	int rem, rem2;

	_Static_assert(NCOUNTERS <= 64, "status_view.missing holds a bit per counter");
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

				/* (a pad attribute, empty, may have a
				 * counter's number in an older module) */
				if (t < 1 || t > NCOUNTERS || !nla_len(c))
					continue;
				v[t - 1] = attr_uint(c);
				if (!g)
					seen |= 1ULL << (t - 1);
			}
			break;
		}
		case SNAPFIRE_A_STATUS_FLOWS: st->flows = (uint32_t)attr_uint(a); break;
		case SNAPFIRE_A_STATUS_MEM: st->mem = attr_uint(a); break;
		case SNAPFIRE_A_STATUS_GLOBAL_MEM: st->global_mem = attr_uint(a); break;
		}
	}
	if (st->has_counters)
		st->missing = ~seen & (NCOUNTERS == 64 ? ~0ULL : (1ULL << NCOUNTERS) - 1);
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
