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

static const struct nla_policy sf_prefix_policy[SNAPFIRE_A_PREFIX_MAX + 1] = {
	[SNAPFIRE_A_PREFIX_FAMILY]	= { .type = NLA_U8 },
	[SNAPFIRE_A_PREFIX_ADDR]	= NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[SNAPFIRE_A_PREFIX_PLEN]	= NLA_POLICY_MAX(NLA_U8, 128),
};

/* config-set's attributes that are not scalars */
static const struct nla_policy sf_config_list_policy[SNAPFIRE_A_CONFIG_PAD] = {
	[SNAPFIRE_A_CONFIG_PORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[SNAPFIRE_A_CONFIG_ALLOW]	= NLA_POLICY_NESTED(sf_prefix_policy),
	[SNAPFIRE_A_CONFIG_ALLOW_CLEAR]	= { .type = NLA_FLAG },
};

/*
 * config-set's policy: those, and the scalars' from sf_config_keys[]
 * (config.c), made once before the family is registered; read-only after
 * module init.
 */
struct nla_policy sf_config_set_policy[SNAPFIRE_A_CONFIG_PAD] __ro_after_init;
/* the scalars' ranges (not const: 6.1's nla_policy.range is non-const) */
static struct netlink_range_validation sf_config_range[SNAPFIRE_A_CONFIG_PAD]
	__ro_after_init;

void __init sf_nl_config_init(void)
{
	struct nla_policy *pol = sf_config_set_policy;
	unsigned int a;

	memcpy(pol, sf_config_list_policy, sizeof(sf_config_list_policy));
	for (a = 0; a < ARRAY_SIZE(sf_config_keys); a++) {
		const struct sf_config_key *k = &sf_config_keys[a];

		if (!k->type)
			continue;
		sf_config_range[a].min = k->min;
		sf_config_range[a].max = k->max;
		pol[a].type = k->type;
		pol[a].validation_type = NLA_VALIDATE_RANGE_PTR;
		pol[a].range = &sf_config_range[a];
	}
}

/* -------------------------------------------------------------- config-get */

static size_t sf_config_reply_size(void)
{
	size_t prefix = nla_total_size(0) +			/* ALLOW */
			nla_total_size(sizeof(u8)) +		/* PREFIX_FAMILY */
			nla_total_size(sizeof(struct in6_addr)) + /* PREFIX_ADDR */
			nla_total_size(sizeof(u8));		/* PREFIX_PLEN */

	size_t size = SNAPFIRE_MAX_PORTS * nla_total_size(sizeof(u16)) + /* PORT */
		      SNAPFIRE_MAX_ALLOW * prefix;		/* ALLOW */
	unsigned int a;

	for (a = 0; a < ARRAY_SIZE(sf_config_keys); a++) {
		switch (sf_config_keys[a].type) {
		case NLA_U8:
			size += nla_total_size(sizeof(u8));
			break;
		case NLA_U16:
			size += nla_total_size(sizeof(u16));
			break;
		case NLA_U32:
			size += nla_total_size(sizeof(u32));
			break;
		case NLA_U64:
			size += nla_total_size_64bit(sizeof(u64));
			break;
		}
	}
	return size;
}

/* the scalars, by sf_config_keys[] */
static int sf_fill_config_keys(struct sk_buff *skb, const struct sf_config *cfg)
{
	unsigned int a;
	int err = 0;

	for (a = 0; a < ARRAY_SIZE(sf_config_keys) && !err; a++) {
		switch (sf_config_keys[a].type) {
		case NLA_U8:
			err = nla_put_u8(skb, a, cfg->val[a]);
			break;
		case NLA_U16:
			err = nla_put_u16(skb, a, cfg->val[a]);
			break;
		case NLA_U32:
			err = nla_put_u32(skb, a, cfg->val[a]);
			break;
		case NLA_U64:
			err = nla_put_u64_64bit(skb, a, cfg->val[a],
						SNAPFIRE_A_CONFIG_PAD);
			break;
		}
	}
	return err;
}

static int sf_fill_config(struct sk_buff *skb, const struct sf_config *cfg)
{
	struct nlattr *nest;
	unsigned int i;

	if (sf_fill_config_keys(skb, cfg))
		return -EMSGSIZE;
	for (i = 0; i < cfg->nports; i++)
		if (nla_put_u16(skb, SNAPFIRE_A_CONFIG_PORT,
				ntohs(cfg->ports[i])))
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
	unsigned int a;
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

	/*
	 * The scalars, in range by the policy. A max-flows below the current
	 * number of flows is accepted: the GC evicts the excess over its next
	 * runs. A new hist-precision applies to histograms created from now on.
	 */
	for (a = 0; a < ARRAY_SIZE(sf_config_keys); a++) {
		if (!tb[a])
			continue;
		switch (sf_config_keys[a].type) {
		case NLA_U8:
			cfg->val[a] = nla_get_u8(tb[a]);
			break;
		case NLA_U16:
			cfg->val[a] = nla_get_u16(tb[a]);
			break;
		case NLA_U32:
			cfg->val[a] = nla_get_u32(tb[a]);
			break;
		case NLA_U64:
			cfg->val[a] = nla_get_u64(tb[a]);
			break;
		}
	}
	return 0;
}

/*
 * A namespace owned by a user namespace other than the initial one belongs
 * to whoever created that user namespace, unprivileged or not: it may set
 * the limits that bound kernel memory and softirq work, and what the
 * reflector answers (sf_config_key.capped), only within their untrusted
 * ranges (not above the defaults, nor the rate limits off, nor
 * min-source-port below its default), unless the request comes from the host's
 * administrator (@host_admin: CAP_NET_ADMIN in the initial user
 * namespace). Only what this request sets is checked: a limit the host's
 * administrator raised stays, and other settings can still be changed;
 * nor is a value the namespace has already (@old): a client that writes
 * back what config-get read, as YNL's read-modify-write does, is not
 * refused for a limit the host's administrator set.
 */
static int sf_check_untrusted(const struct sf_config *old,
			      const struct sf_config *cfg,
			      struct genl_info *info, bool host_admin)
{
	struct nlattr **tb = info->attrs;
	unsigned int a;

	if (host_admin || genl_info_net(info)->user_ns == &init_user_ns)
		return 0;
	for (a = 0; a < ARRAY_SIZE(sf_config_keys); a++) {
		const struct sf_config_key *k = &sf_config_keys[a];

		if (k->capped && tb[a] && cfg->val[a] != old->val[a] &&
		    (cfg->val[a] < k->umin || cfg->val[a] > k->umax)) {
			/* NL_SET_ERR_MSG_ATTR's work, the text from the table */
			do_trace_netlink_extack(k->capped_msg);
			if (info->extack) {
				info->extack->_msg = k->capped_msg;
				info->extack->bad_attr = tb[a];
			}
			return -EPERM;
		}
	}
	return 0;
}

/*
 * The request's first port attribute that @old does not name, besides
 * 862 and those another namespace names (they cost nothing more): what a
 * refusal of the untrusted port budget points at.
 */
static const struct nlattr *sf_new_port_attr(const struct genl_info *info,
					     const struct sf_config *old)
{
	const struct nlattr *a;
	int rem;

	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem)
		if (nla_type(a) == SNAPFIRE_A_CONFIG_PORT &&
		    nla_get_u16(a) != STAMP_PORT &&
		    !sf_config_port(old, htons(nla_get_u16(a))) &&
		    !sf_rx_port_named(nla_get_u16(a)))
			return a;
	return NULL;
}

int sf_nl_config_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sf_net *sn = sf_net(genl_info_net(info));
	bool host_admin = netlink_capable(skb, CAP_NET_ADMIN);
	const struct sf_config *old;
	struct sf_config *cfg;
	int err;

	mutex_lock(&sn->conf_mutex);
	old = rcu_dereference_protected(sn->config, lockdep_is_held(&sn->conf_mutex));
	cfg = kmemdup(old, sizeof(*cfg), GFP_KERNEL_ACCOUNT);
	if (!cfg) {
		err = -ENOMEM;
		goto out_unlock;
	}
	err = sf_parse_config(cfg, info) ?:
	      sf_check_untrusted(old, cfg, info, host_admin);
	if (err)
		goto err_free;
	err = sf_rx_ports_update(old, cfg, sn->untrusted, !host_admin);
	if (err) {
		NL_SET_ERR_MSG_ATTR(info->extack, sf_new_port_attr(info, old),
				    "namespaces of other user namespaces may name only so many STAMP ports of their own besides 862, over the host (module parameter untrusted_ports)");
		goto err_free;
	}
	err = sf_hooks_follow(sn, cfg, true);
	if (err) {
		NL_SET_ERR_MSG(info->extack,
			       "cannot register the netfilter hooks: nothing changed");
		sf_rx_ports_update(cfg, old, sn->untrusted, false);
		goto err_free;
	}
	sf_config_replace(sn, cfg);
	sf_hooks_follow(sn, cfg, false);
	goto out_unlock;
err_free:
	kfree(cfg);
out_unlock:
	mutex_unlock(&sn->conf_mutex);
	return err;
}
