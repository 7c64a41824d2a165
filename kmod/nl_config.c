// SPDX-License-Identifier: GPL-2.0
/*
 * config-get and config-set: the namespace's configuration (struct
 * sf_config, config.c). config-set applies the request to a private copy
 * under sf_net.conf_mutex and publishes it only when all of it is valid.
 */
#include <linux/inetdevice.h>
#include <linux/slab.h>
#include <linux/stringify.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/netlink.h>

#include "snapfire.h"
#include "netlink.h"

/* ---------------------------------------------------------------- policies */

/* not const: 6.1's nla_policy.range points to non-const */
static struct netlink_range_validation sf_max_flows_range = {
	.min = 16,
	.max = 4194304,
};

static struct netlink_range_validation sf_idle_timeout_range = {
	.min = 1,
	.max = 604800,
};

static struct netlink_range_validation sf_loss_threshold_range = {
	.min = 0,
	.max = 1000000,
};

static const struct nla_policy sf_prefix_policy[SNAPFIRE_A_PREFIX_MAX + 1] = {
	[SNAPFIRE_A_PREFIX_FAMILY]	= { .type = NLA_U8 },
	[SNAPFIRE_A_PREFIX_ADDR]	= NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[SNAPFIRE_A_PREFIX_PLEN]	= NLA_POLICY_MAX(NLA_U8, 128),
};

const struct nla_policy sf_config_set_policy[SNAPFIRE_A_CONFIG_PAD] = {
	[SNAPFIRE_A_CONFIG_ENABLED]	= NLA_POLICY_MAX(NLA_U8, 1),
	[SNAPFIRE_A_CONFIG_PORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[SNAPFIRE_A_CONFIG_REFLECT]	= NLA_POLICY_MAX(NLA_U8, 1),
	[SNAPFIRE_A_CONFIG_REFLECT_MODE] =
		NLA_POLICY_MAX(NLA_U32, SNAPFIRE_REFLECT_MODE_STATEFUL),
	[SNAPFIRE_A_CONFIG_RATE_LIMIT]	= { .type = NLA_U32 },
	[SNAPFIRE_A_CONFIG_RATE_BURST]	= NLA_POLICY_MIN(NLA_U32, 1),
	[SNAPFIRE_A_CONFIG_ALLOW]	= NLA_POLICY_NESTED(sf_prefix_policy),
	[SNAPFIRE_A_CONFIG_ALLOW_CLEAR]	= { .type = NLA_FLAG },
	[SNAPFIRE_A_CONFIG_MAX_FLOWS]	=
		NLA_POLICY_FULL_RANGE(NLA_U32, &sf_max_flows_range),
	[SNAPFIRE_A_CONFIG_IDLE_TIMEOUT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &sf_idle_timeout_range),
	[SNAPFIRE_A_CONFIG_HIST_PRECISION] =
		NLA_POLICY_RANGE(NLA_U8, SF_HIST_MIN_P, SF_HIST_MAX_P),
	[SNAPFIRE_A_CONFIG_CLOCK_SYNCED] = NLA_POLICY_MAX(NLA_U8, 1),
	[SNAPFIRE_A_CONFIG_STAMP_TX]	= NLA_POLICY_MAX(NLA_U8, 1),
	[SNAPFIRE_A_CONFIG_RTT_THRESHOLD] = { .type = NLA_U64 },
	[SNAPFIRE_A_CONFIG_LOSS_THRESHOLD] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &sf_loss_threshold_range),
	[SNAPFIRE_A_CONFIG_WINDOW]	= NLA_POLICY_RANGE(NLA_U32, 1, 3600),
	[SNAPFIRE_A_CONFIG_EVENT_RATE]	= NLA_POLICY_MIN(NLA_U32, 1),
	[SNAPFIRE_A_CONFIG_MIN_SOURCE_PORT] = { .type = NLA_U16 },
	[SNAPFIRE_A_CONFIG_RATE_PREFIX6] = NLA_POLICY_RANGE(NLA_U8, 1, 128),
	[SNAPFIRE_A_CONFIG_RATE_PREFIX4] = NLA_POLICY_RANGE(NLA_U8, 1, 32),
};

/*
 * flow-get: id and hist-mask for a single get, the filters and hist-mask for
 * a dump (legacy ops have one policy for both; the handlers refuse what does
 * not belong to the request at hand).
 */
/* -------------------------------------------------------------- config-get */

static size_t sf_config_reply_size(void)
{
	size_t prefix = nla_total_size(0) +			/* ALLOW */
			nla_total_size(sizeof(u8)) +		/* PREFIX_FAMILY */
			nla_total_size(sizeof(struct in6_addr)) + /* PREFIX_ADDR */
			nla_total_size(sizeof(u8));		/* PREFIX_PLEN */

	return nla_total_size(sizeof(u8)) +			/* ENABLED */
	       SNAPFIRE_MAX_PORTS * nla_total_size(sizeof(u16)) + /* PORT */
	       nla_total_size(sizeof(u8)) +			/* REFLECT */
	       nla_total_size(sizeof(u32)) +			/* REFLECT_MODE */
	       nla_total_size(sizeof(u32)) +			/* RATE_LIMIT */
	       nla_total_size(sizeof(u32)) +			/* RATE_BURST */
	       SNAPFIRE_MAX_ALLOW * prefix +			/* ALLOW */
	       nla_total_size(sizeof(u32)) +			/* MAX_FLOWS */
	       nla_total_size(sizeof(u32)) +			/* IDLE_TIMEOUT */
	       nla_total_size(sizeof(u8)) +			/* HIST_PRECISION */
	       nla_total_size(sizeof(u8)) +			/* CLOCK_SYNCED */
	       nla_total_size(sizeof(u8)) +			/* STAMP_TX */
	       nla_total_size_64bit(sizeof(u64)) +		/* RTT_THRESHOLD */
	       nla_total_size(sizeof(u32)) +			/* LOSS_THRESHOLD */
	       nla_total_size(sizeof(u32)) +			/* WINDOW */
	       nla_total_size(sizeof(u32)) +			/* EVENT_RATE */
	       nla_total_size(sizeof(u16)) +			/* MIN_SOURCE_PORT */
	       nla_total_size(sizeof(u8)) +			/* RATE_PREFIX6 */
	       nla_total_size(sizeof(u8));			/* RATE_PREFIX4 */
}

static int sf_fill_config(struct sk_buff *skb, const struct sf_config *cfg)
{
	struct nlattr *nest;
	unsigned int i;

	if (nla_put_u8(skb, SNAPFIRE_A_CONFIG_ENABLED, cfg->enabled))
		return -EMSGSIZE;
	for (i = 0; i < cfg->nports; i++)
		if (nla_put_u16(skb, SNAPFIRE_A_CONFIG_PORT,
				ntohs(cfg->ports[i])))
			return -EMSGSIZE;
	if (nla_put_u8(skb, SNAPFIRE_A_CONFIG_REFLECT, cfg->reflect) ||
	    nla_put_u32(skb, SNAPFIRE_A_CONFIG_REFLECT_MODE, cfg->reflect_mode) ||
	    nla_put_u32(skb, SNAPFIRE_A_CONFIG_RATE_LIMIT, cfg->rate_limit) ||
	    nla_put_u32(skb, SNAPFIRE_A_CONFIG_RATE_BURST, cfg->rate_burst))
		return -EMSGSIZE;
	for (i = 0; i < cfg->nallow; i++) {
		const struct sf_prefix *p = &cfg->allow[i];

		nest = nla_nest_start(skb, SNAPFIRE_A_CONFIG_ALLOW);
		if (!nest)
			return -EMSGSIZE;
		if (nla_put_u8(skb, SNAPFIRE_A_PREFIX_FAMILY, p->family) ||
		    nla_put(skb, SNAPFIRE_A_PREFIX_ADDR,
			    p->family == AF_INET ? 4 : 16, &p->addr) ||
		    nla_put_u8(skb, SNAPFIRE_A_PREFIX_PLEN, p->plen)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
		nla_nest_end(skb, nest);
	}
	if (nla_put_u32(skb, SNAPFIRE_A_CONFIG_MAX_FLOWS, cfg->max_flows) ||
	    nla_put_u32(skb, SNAPFIRE_A_CONFIG_IDLE_TIMEOUT, cfg->idle_timeout) ||
	    nla_put_u8(skb, SNAPFIRE_A_CONFIG_HIST_PRECISION, cfg->precision) ||
	    nla_put_u8(skb, SNAPFIRE_A_CONFIG_CLOCK_SYNCED, cfg->clock_synced) ||
	    nla_put_u8(skb, SNAPFIRE_A_CONFIG_STAMP_TX, cfg->stamp_tx) ||
	    nla_put_u64_64bit(skb, SNAPFIRE_A_CONFIG_RTT_THRESHOLD,
			      cfg->rtt_threshold, SNAPFIRE_A_CONFIG_PAD) ||
	    nla_put_u32(skb, SNAPFIRE_A_CONFIG_LOSS_THRESHOLD,
			cfg->loss_threshold) ||
	    nla_put_u32(skb, SNAPFIRE_A_CONFIG_WINDOW, cfg->window) ||
	    nla_put_u32(skb, SNAPFIRE_A_CONFIG_EVENT_RATE, cfg->event_rate) ||
	    nla_put_u16(skb, SNAPFIRE_A_CONFIG_MIN_SOURCE_PORT, cfg->min_sport) ||
	    nla_put_u8(skb, SNAPFIRE_A_CONFIG_RATE_PREFIX6, cfg->rate_prefix6) ||
	    nla_put_u8(skb, SNAPFIRE_A_CONFIG_RATE_PREFIX4, cfg->rate_prefix4))
		return -EMSGSIZE;
	return 0;
}

int sf_nl_config_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sf_net *sn = sf_net(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = genlmsg_new(sf_config_reply_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &sf_genl_family, 0,
				SNAPFIRE_CMD_CONFIG_GET);
	if (!hdr) {
		err = -EMSGSIZE;
		goto err_free;
	}
	rcu_read_lock();
	err = sf_fill_config(msg, rcu_dereference(sn->config));
	rcu_read_unlock();
	if (err)
		goto err_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return err;
}

/* -------------------------------------------------------------- config-set */

static int sf_parse_ports(struct sf_config *cfg, const struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	const struct nlattr *a;
	unsigned int n = 0, i;
	int rem;

	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem) {
		__be16 port;

		if (nla_type(a) != SNAPFIRE_A_CONFIG_PORT)
			continue;
		if (n == SNAPFIRE_MAX_PORTS) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "too many ports (at most "
					    __stringify(SNAPFIRE_MAX_PORTS) ")");
			return -E2BIG;
		}
		port = htons(nla_get_u16(a));
		for (i = 0; i < n; i++) {
			if (cfg->ports[i] == port) {
				NL_SET_ERR_MSG_ATTR(extack, a, "duplicate port");
				return -EINVAL;
			}
		}
		cfg->ports[n++] = port;
	}
	cfg->nports = n;
	return 0;
}

static int sf_parse_prefix(struct sf_prefix *p, const struct nlattr *nest,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SNAPFIRE_A_PREFIX_MAX + 1];
	const struct nlattr *a;
	unsigned int alen;
	int err;

	err = nla_parse_nested(tb, SNAPFIRE_A_PREFIX_MAX, nest,
			       sf_prefix_policy, extack);
	if (err)
		return err;
	if (!tb[SNAPFIRE_A_PREFIX_FAMILY] || !tb[SNAPFIRE_A_PREFIX_ADDR] ||
	    !tb[SNAPFIRE_A_PREFIX_PLEN]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "allow prefix needs family, addr and plen");
		NL_SET_ERR_ATTR_MISS(extack, nest,
				     !tb[SNAPFIRE_A_PREFIX_FAMILY] ?
				     SNAPFIRE_A_PREFIX_FAMILY :
				     !tb[SNAPFIRE_A_PREFIX_ADDR] ?
				     SNAPFIRE_A_PREFIX_ADDR :
				     SNAPFIRE_A_PREFIX_PLEN);
		return -EINVAL;
	}

	memset(p, 0, sizeof(*p));
	p->family = nla_get_u8(tb[SNAPFIRE_A_PREFIX_FAMILY]);
	p->plen = nla_get_u8(tb[SNAPFIRE_A_PREFIX_PLEN]);
	a = tb[SNAPFIRE_A_PREFIX_ADDR];
	alen = nla_len(a);

	switch (p->family) {
	case AF_INET:
		if (alen != 4) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "AF_INET prefix address must be 4 bytes");
			return -EINVAL;
		}
		if (p->plen > 32) {
			NL_SET_ERR_MSG_ATTR(extack, tb[SNAPFIRE_A_PREFIX_PLEN],
					    "AF_INET prefix length must be at most 32");
			return -ERANGE;
		}
		p->addr.s6_addr32[0] = nla_get_in_addr(a);
		if (p->addr.s6_addr32[0] & ~inet_make_mask(p->plen)) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "prefix address has host bits set beyond the prefix length");
			return -EINVAL;
		}
		break;
	case AF_INET6: {
		struct in6_addr masked;

		if (alen != 16) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "AF_INET6 prefix address must be 16 bytes");
			return -EINVAL;
		}
		p->addr = nla_get_in6_addr(a);
		ipv6_addr_prefix(&masked, &p->addr, p->plen);
		if (!ipv6_addr_equal(&masked, &p->addr)) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "prefix address has host bits set beyond the prefix length");
			return -EINVAL;
		}
		break;
	}
	default:
		NL_SET_ERR_MSG_ATTR(extack, tb[SNAPFIRE_A_PREFIX_FAMILY],
				    "prefix family must be AF_INET or AF_INET6");
		return -EINVAL;
	}
	return 0;
}

static int sf_parse_allow(struct sf_config *cfg, const struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	const struct nlattr *a;
	unsigned int n = 0, i;
	int rem, err;

	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem) {
		struct sf_prefix *p;

		if (nla_type(a) != SNAPFIRE_A_CONFIG_ALLOW)
			continue;
		if (n == SNAPFIRE_MAX_ALLOW) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "too many allow prefixes (at most "
					    __stringify(SNAPFIRE_MAX_ALLOW) ")");
			return -E2BIG;
		}
		p = &cfg->allow[n];
		err = sf_parse_prefix(p, a, extack);
		if (err)
			return err;
		for (i = 0; i < n; i++) {
			if (cfg->allow[i].family == p->family &&
			    cfg->allow[i].plen == p->plen &&
			    ipv6_addr_equal(&cfg->allow[i].addr, &p->addr)) {
				NL_SET_ERR_MSG_ATTR(extack, a,
						    "duplicate allow prefix");
				return -EINVAL;
			}
		}
		n++;
	}
	cfg->nallow = n;
	return 0;
}

/* Apply the request to @cfg, a private copy; nothing is published here. */
static int sf_parse_config(struct sf_config *cfg, const struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	int err;

	if (tb[SNAPFIRE_A_CONFIG_PORT]) {
		err = sf_parse_ports(cfg, info);
		if (err)
			return err;
	}
	if (tb[SNAPFIRE_A_CONFIG_ALLOW] && tb[SNAPFIRE_A_CONFIG_ALLOW_CLEAR]) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[SNAPFIRE_A_CONFIG_ALLOW_CLEAR],
				    "allow and allow-clear exclude each other");
		return -EINVAL;
	}
	if (tb[SNAPFIRE_A_CONFIG_ALLOW]) {
		err = sf_parse_allow(cfg, info);
		if (err)
			return err;
	}
	if (tb[SNAPFIRE_A_CONFIG_ALLOW_CLEAR]) {
		cfg->nallow = 0;
		memset(cfg->allow, 0, sizeof(cfg->allow));
	}

	if (tb[SNAPFIRE_A_CONFIG_ENABLED])
		cfg->enabled = nla_get_u8(tb[SNAPFIRE_A_CONFIG_ENABLED]);
	if (tb[SNAPFIRE_A_CONFIG_REFLECT])
		cfg->reflect = nla_get_u8(tb[SNAPFIRE_A_CONFIG_REFLECT]);
	if (tb[SNAPFIRE_A_CONFIG_REFLECT_MODE])
		cfg->reflect_mode = nla_get_u32(tb[SNAPFIRE_A_CONFIG_REFLECT_MODE]);
	if (tb[SNAPFIRE_A_CONFIG_RATE_LIMIT])
		cfg->rate_limit = nla_get_u32(tb[SNAPFIRE_A_CONFIG_RATE_LIMIT]);
	if (tb[SNAPFIRE_A_CONFIG_RATE_BURST])
		cfg->rate_burst = nla_get_u32(tb[SNAPFIRE_A_CONFIG_RATE_BURST]);
	/*
	 * A limit below the current number of flows is accepted: the GC
	 * evicts the excess over its next runs.
	 */
	if (tb[SNAPFIRE_A_CONFIG_MAX_FLOWS])
		cfg->max_flows = nla_get_u32(tb[SNAPFIRE_A_CONFIG_MAX_FLOWS]);
	if (tb[SNAPFIRE_A_CONFIG_IDLE_TIMEOUT])
		cfg->idle_timeout = nla_get_u32(tb[SNAPFIRE_A_CONFIG_IDLE_TIMEOUT]);
	/* flows created from now on get histograms of the new precision */
	if (tb[SNAPFIRE_A_CONFIG_HIST_PRECISION])
		cfg->precision = nla_get_u8(tb[SNAPFIRE_A_CONFIG_HIST_PRECISION]);
	if (tb[SNAPFIRE_A_CONFIG_CLOCK_SYNCED])
		cfg->clock_synced = nla_get_u8(tb[SNAPFIRE_A_CONFIG_CLOCK_SYNCED]);
	if (tb[SNAPFIRE_A_CONFIG_STAMP_TX])
		cfg->stamp_tx = nla_get_u8(tb[SNAPFIRE_A_CONFIG_STAMP_TX]);
	if (tb[SNAPFIRE_A_CONFIG_RTT_THRESHOLD])
		cfg->rtt_threshold = nla_get_u64(tb[SNAPFIRE_A_CONFIG_RTT_THRESHOLD]);
	if (tb[SNAPFIRE_A_CONFIG_LOSS_THRESHOLD])
		cfg->loss_threshold = nla_get_u32(tb[SNAPFIRE_A_CONFIG_LOSS_THRESHOLD]);
	if (tb[SNAPFIRE_A_CONFIG_WINDOW])
		cfg->window = nla_get_u32(tb[SNAPFIRE_A_CONFIG_WINDOW]);
	if (tb[SNAPFIRE_A_CONFIG_EVENT_RATE])
		cfg->event_rate = nla_get_u32(tb[SNAPFIRE_A_CONFIG_EVENT_RATE]);
	if (tb[SNAPFIRE_A_CONFIG_MIN_SOURCE_PORT])
		cfg->min_sport = nla_get_u16(tb[SNAPFIRE_A_CONFIG_MIN_SOURCE_PORT]);
	if (tb[SNAPFIRE_A_CONFIG_RATE_PREFIX6])
		cfg->rate_prefix6 = nla_get_u8(tb[SNAPFIRE_A_CONFIG_RATE_PREFIX6]);
	if (tb[SNAPFIRE_A_CONFIG_RATE_PREFIX4])
		cfg->rate_prefix4 = nla_get_u8(tb[SNAPFIRE_A_CONFIG_RATE_PREFIX4]);
	return 0;
}

/*
 * A namespace owned by a user namespace other than the initial one belongs
 * to whoever created that user namespace, unprivileged or not: it may
 * lower the memory-relevant limits but not raise them above the defaults,
 * unless the request comes from the host's administrator (@host_admin:
 * CAP_NET_ADMIN in the initial user namespace).
 */
static int sf_check_untrusted(const struct sf_config *cfg,
			      struct genl_info *info, bool host_admin)
{
	struct nlattr **tb = info->attrs;

	if (host_admin || genl_info_net(info)->user_ns == &init_user_ns)
		return 0;
	if (cfg->max_flows > SF_DEFAULT_MAX_FLOWS) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[SNAPFIRE_A_CONFIG_MAX_FLOWS],
				    "max-flows above the default ("
				    __stringify(SF_DEFAULT_MAX_FLOWS)
				    ") needs a namespace of the initial user namespace");
		return -EPERM;
	}
	if (cfg->precision > SF_HIST_DEFAULT_P) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    tb[SNAPFIRE_A_CONFIG_HIST_PRECISION],
				    "hist-precision above the default ("
				    __stringify(SF_HIST_DEFAULT_P)
				    ") needs a namespace of the initial user namespace");
		return -EPERM;
	}
	return 0;
}

int sf_nl_config_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sf_net *sn = sf_net(genl_info_net(info));
	struct sf_config *cfg;
	int err;

	mutex_lock(&sn->conf_mutex);
	cfg = kmemdup(rcu_dereference_protected(sn->config,
						lockdep_is_held(&sn->conf_mutex)),
		      sizeof(*cfg), GFP_KERNEL);
	if (!cfg) {
		err = -ENOMEM;
		goto out_unlock;
	}
	err = sf_parse_config(cfg, info) ?:
	      sf_check_untrusted(cfg, info, netlink_capable(skb, CAP_NET_ADMIN));
	if (err) {
		kfree(cfg);
		goto out_unlock;
	}
	sf_config_replace(sn, cfg);
out_unlock:
	mutex_unlock(&sn->conf_mutex);
	return err;
}
