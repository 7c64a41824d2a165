// SPDX-License-Identifier: GPL-2.0
/*
 * Per-namespace configuration: defaults, publication, and the look-ups the
 * packet path makes (is this a STAMP port, may this source be answered);
 * the sum of the per-CPU counters.
 */
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/lockdep.h>
#include <net/ipv6.h>

#include "snapfire.h"

struct sf_config *sf_config_default(gfp_t gfp)
{
	struct sf_config *cfg = kzalloc(sizeof(*cfg), gfp);

	if (!cfg)
		return NULL;
	cfg->enabled = true;
	cfg->stamp_tx = true;
	cfg->reflect_mode = SNAPFIRE_REFLECT_MODE_STATELESS;
	cfg->precision = SF_HIST_DEFAULT_P;
	cfg->nports = 1;
	cfg->ports[0] = htons(STAMP_PORT);
	cfg->min_sport = SF_DEFAULT_MIN_SPORT;
	cfg->rate_prefix6 = SF_DEFAULT_RATE_PREFIX6;
	cfg->rate_prefix4 = SF_DEFAULT_RATE_PREFIX4;
	cfg->rate_limit = SF_DEFAULT_RATE;
	cfg->rate_burst = SF_DEFAULT_BURST;
	cfg->max_flows = SF_DEFAULT_MAX_FLOWS;
	cfg->idle_timeout = SF_DEFAULT_IDLE;
	cfg->window = SF_DEFAULT_WINDOW;
	cfg->event_rate = SF_DEFAULT_EVENT_RATE;
	return cfg;
}

bool sf_config_port(const struct sf_config *cfg, __be16 port)
{
	unsigned int i;

	for (i = 0; i < cfg->nports; i++)
		if (cfg->ports[i] == port)
			return true;
	return false;
}

static bool sf_prefix_match(const struct sf_prefix *p, const struct in6_addr *addr)
{
	if (p->family == AF_INET) {
		__be32 mask = p->plen ? htonl(~0U << (32 - p->plen)) : 0;
		__be32 a = addr->s6_addr32[3];

		return !((a ^ p->addr.s6_addr32[0]) & mask);
	}
	return ipv6_prefix_equal(&p->addr, addr, p->plen);
}

/*
 * May the reflector answer @addr (for AF_INET, ::ffff:a.b.c.d)? An empty
 * allow-list allows every source.
 */
bool sf_config_allowed(const struct sf_config *cfg, u8 family,
		       const struct in6_addr *addr)
{
	unsigned int i;

	if (!cfg->nallow)
		return true;
	for (i = 0; i < cfg->nallow; i++)
		if (cfg->allow[i].family == family &&
		    sf_prefix_match(&cfg->allow[i], addr))
			return true;
	return false;
}

/* Publish @newcfg; the old configuration is freed after a grace period. */
void sf_config_replace(struct sf_net *sn, struct sf_config *newcfg)
{
	struct sf_config *old;

	lockdep_assert_held(&sn->conf_mutex);
	old = rcu_replace_pointer(sn->config, newcfg,
				  lockdep_is_held(&sn->conf_mutex));
	if (old)
		kfree_rcu(old, rcu);
}

/* The per-CPU counters summed; a snapshot, racing the packet path. */
void sf_counters_sum(struct sf_net *sn, struct sf_counters *out)
{
	int cpu, i;

	memset(out, 0, sizeof(*out));
	for_each_possible_cpu(cpu) {
		const struct sf_counters *c = per_cpu_ptr(sn->counters, cpu);

		for (i = 0; i < SF_C_CNT; i++)
			out->c[i] += READ_ONCE(c->c[i]);
	}
}
