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
#include <net/netlink.h>

#include "snapfire.h"

/*
 * The scalar settings. Adding one: its attribute in include/snapfire.yaml
 * (then scripts/gen-uapi), its line here, its line in the CLI's table
 * (cli/config.c) and that table's test; then the code that acts on it,
 * reading sf_cfg(cfg, NAME). The lint (scripts/check-config-keys) holds
 * this table to the spec: the same attributes, types and checks.
 */
const struct sf_config_key sf_config_keys[SNAPFIRE_A_CONFIG_PAD] = {
	[SNAPFIRE_A_CONFIG_ENABLED] = {
		.type = NLA_U8, .def = 1, .min = 0, .max = 1,
	},
	[SNAPFIRE_A_CONFIG_REFLECT] = {
		.type = NLA_U8, .def = 0, .min = 0, .max = 1,
	},
	[SNAPFIRE_A_CONFIG_REFLECT_MODE] = {
		.type = NLA_U32, .def = SNAPFIRE_REFLECT_MODE_STATELESS,
		.min = 0, .max = SNAPFIRE_REFLECT_MODE_STATEFUL,
	},
	/*
	 * Replies/s per source, 0: off. The reflector's work is done in
	 * softirq, charged to no one: another user namespace's namespace
	 * may not turn the limits off or raise them.
	 */
	[SNAPFIRE_A_CONFIG_RATE_LIMIT] = {
		.type = NLA_U32, .def = 1000, .min = 0, .max = U32_MAX,
		.capped = true, .umin = 1, .umax = 1000,
		.capped_msg =
			"rate-limit of 0 (off) or above the default (1000) needs a namespace of the initial user namespace",
	},
	[SNAPFIRE_A_CONFIG_RATE_BURST] = {
		.type = NLA_U32, .def = 100, .min = 1, .max = U32_MAX,
		.capped = true, .umin = 1, .umax = 100,
		.capped_msg =
			"rate-burst above the default (100) needs a namespace of the initial user namespace",
	},
	[SNAPFIRE_A_CONFIG_MAX_FLOWS] = {
		.type = NLA_U32, .def = 65536, .min = 16, .max = 4194304,
		.capped = true, .umin = 16, .umax = 65536,
		.capped_msg =
			"max-flows above the default (65536) needs a namespace of the initial user namespace",
	},
	[SNAPFIRE_A_CONFIG_IDLE_TIMEOUT] = {	/* s */
		.type = NLA_U32, .def = 300, .min = 1, .max = 604800,
	},
	[SNAPFIRE_A_CONFIG_HIST_PRECISION] = {	/* memory grows with 2^p */
		.type = NLA_U8, .def = SF_HIST_DEFAULT_P,
		.min = SF_HIST_MIN_P, .max = SF_HIST_MAX_P, .capped = true,
		.umin = SF_HIST_MIN_P, .umax = SF_HIST_DEFAULT_P,
		/* the text says the default: SF_HIST_DEFAULT_P */
		.capped_msg =
			"hist-precision above the default (6) needs a namespace of the initial user namespace",
	},
	[SNAPFIRE_A_CONFIG_CLOCK_SYNCED] = {
		.type = NLA_U8, .def = 0, .min = 0, .max = 1,
	},
	[SNAPFIRE_A_CONFIG_STAMP_TX] = {
		.type = NLA_U8, .def = 1, .min = 0, .max = 1,
	},
	[SNAPFIRE_A_CONFIG_RTT_THRESHOLD] = {	/* ns, 0: off */
		.type = NLA_U64, .def = 0, .min = 0, .max = U64_MAX,
	},
	[SNAPFIRE_A_CONFIG_LOSS_THRESHOLD] = {	/* ppm, 0: off */
		.type = NLA_U32, .def = 0, .min = 0, .max = 1000000,
	},
	[SNAPFIRE_A_CONFIG_WINDOW] = {		/* s */
		.type = NLA_U32, .def = 10, .min = 1, .max = 3600,
	},
	/* events/s: each a GFP_KERNEL skb and a multicast, on system_wq */
	[SNAPFIRE_A_CONFIG_EVENT_RATE] = {
		.type = NLA_U32, .def = 100, .min = 1, .max = U32_MAX,
		.capped = true, .umin = 1, .umax = 100,
		.capped_msg =
			"event-rate above the default (100) needs a namespace of the initial user namespace",
	},
	/*
	 * Lower source ports are not answered: a well-known service's
	 * (echo, chargen) would play ping-pong with the reflector.
	 */
	[SNAPFIRE_A_CONFIG_MIN_SOURCE_PORT] = {
		.type = NLA_U16, .def = 1024, .min = 0, .max = U16_MAX,
		.capped = true, .umin = 1024, .umax = U16_MAX,
		.capped_msg =
			"min-source-port below the default (1024) needs a namespace of the initial user namespace",
	},
	/* IPv6 sources share a rate-limit bucket per /64 */
	[SNAPFIRE_A_CONFIG_RATE_PREFIX6] = {
		.type = NLA_U8, .def = 64, .min = 1, .max = 128,
	},
	[SNAPFIRE_A_CONFIG_RATE_PREFIX4] = {	/* IPv4: per address */
		.type = NLA_U8, .def = 32, .min = 1, .max = 32,
	},
	/* replies/s over all sources; 0: 100 x RATE_LIMIT */
	[SNAPFIRE_A_CONFIG_RATE_TOTAL] = {
		.type = NLA_U32, .def = 0, .min = 0, .max = U32_MAX,
		.capped = true, .umin = 0, .umax = 100000,
		.capped_msg =
			"rate-total above 100000 (the default's, 100 x rate-limit) needs a namespace of the initial user namespace",
	},
	/* new reflector flows/s, burst 1 s of it: each costs a GFP_ATOMIC */
	[SNAPFIRE_A_CONFIG_FLOW_RATE] = {
		.type = NLA_U32, .def = 1000, .min = 1, .max = U32_MAX,
		.capped = true, .umin = 1, .umax = 1000,
		.capped_msg =
			"flow-rate above the default (1000) needs a namespace of the initial user namespace",
	},
};

/* A new namespace's configuration: every scalar at its default, port 862. */
struct sf_config *sf_config_default(gfp_t gfp)
{
	struct sf_config *cfg = kzalloc(sizeof(*cfg), gfp);
	unsigned int a;

	if (!cfg)
		return NULL;
	for (a = 0; a < ARRAY_SIZE(sf_config_keys); a++)
		cfg->val[a] = sf_config_keys[a].def;
	cfg->nports = 1;
	cfg->ports[0] = htons(STAMP_PORT);
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
