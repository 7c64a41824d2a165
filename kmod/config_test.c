// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: per-namespace configuration (kmod/config.c): defaults and the
 * table of scalar settings, STAMP port
 * matching, allow-list prefix matching for IPv4 and IPv6 at every prefix
 * length, and RCU publication.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/stringify.h>
#include <linux/socket.h>
#include <net/ipv6.h>

#include "snapfire.h"

static void sf_config_test_defaults(struct kunit *test)
{
	struct sf_config *cfg = sf_config_default(GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	KUNIT_EXPECT_TRUE(test, sf_cfg(cfg, ENABLED));
	KUNIT_EXPECT_FALSE(test, sf_cfg(cfg, REFLECT));
	KUNIT_EXPECT_TRUE(test, sf_cfg(cfg, STAMP_TX));
	KUNIT_EXPECT_FALSE(test, sf_cfg(cfg, CLOCK_SYNCED));
	KUNIT_EXPECT_EQ(test, cfg->nports, 1);
	KUNIT_EXPECT_EQ(test, ntohs(cfg->ports[0]), STAMP_PORT);
	KUNIT_EXPECT_GE(test, sf_cfg(cfg, MAX_FLOWS), 65536U);
	KUNIT_EXPECT_EQ(test, sf_cfg(cfg, HIST_PRECISION), SF_HIST_DEFAULT_P);
	KUNIT_EXPECT_EQ(test, sf_cfg(cfg, REFLECT_MODE), SNAPFIRE_REFLECT_MODE_STATELESS);
	KUNIT_EXPECT_GT(test, sf_cfg(cfg, RATE_LIMIT), 0U);
	KUNIT_EXPECT_GT(test, sf_cfg(cfg, RATE_BURST), 0U);
	KUNIT_EXPECT_GT(test, sf_cfg(cfg, IDLE_TIMEOUT), 0U);
	KUNIT_EXPECT_GT(test, sf_cfg(cfg, WINDOW), 0U);
	KUNIT_EXPECT_GT(test, sf_cfg(cfg, EVENT_RATE), 0U);
	KUNIT_EXPECT_EQ(test, cfg->nallow, 0);
	kfree(cfg);
}

/*
 * The table of scalar settings: each default within its range, each range
 * within its type, the lists (ports, allow) not in it, and a new
 * namespace's values are the defaults.
 */
static void sf_config_test_keys(struct kunit *test)
{
	struct sf_config *cfg = sf_config_default(GFP_KERNEL);
	const struct sf_config_key *k;
	unsigned int a, n = 0;

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	for (a = 0; a < ARRAY_SIZE(sf_config_keys); a++) {
		u64 tmax;

		k = &sf_config_keys[a];
		switch (k->type) {
		case 0:
			KUNIT_EXPECT_EQ_MSG(test, cfg->val[a], 0ULL, "attr %u", a);
			continue;
		case NLA_U8:
			tmax = U8_MAX;
			break;
		case NLA_U16:
			tmax = U16_MAX;
			break;
		case NLA_U32:
			tmax = U32_MAX;
			break;
		case NLA_U64:
			tmax = U64_MAX;
			break;
		default:
			KUNIT_FAIL(test, "attr %u: type %u", a, k->type);
			continue;
		}
		n++;
		KUNIT_EXPECT_LE_MSG(test, k->min, k->def, "attr %u", a);
		KUNIT_EXPECT_LE_MSG(test, k->def, k->max, "attr %u", a);
		KUNIT_EXPECT_LE_MSG(test, k->max, tmax, "attr %u", a);
		KUNIT_EXPECT_EQ_MSG(test, cfg->val[a], k->def, "attr %u", a);
		/* a capped setting's refusal has its own message */
		KUNIT_EXPECT_EQ_MSG(test, k->capped, !!k->capped_msg, "attr %u", a);
		/* its untrusted range within its range, the default in it */
		if (k->capped) {
			KUNIT_EXPECT_LE_MSG(test, k->min, k->umin, "attr %u", a);
			KUNIT_EXPECT_LE_MSG(test, k->umin, k->def, "attr %u", a);
			KUNIT_EXPECT_LE_MSG(test, k->def, k->umax, "attr %u", a);
			KUNIT_EXPECT_LE_MSG(test, k->umax, k->max, "attr %u", a);
		}
	}
	/* the messages state the defaults they refuse to exceed */
	k = &sf_config_keys[SNAPFIRE_A_CONFIG_MAX_FLOWS];
	KUNIT_EXPECT_NOT_NULL(test, strstr(k->capped_msg, "(65536)"));
	k = &sf_config_keys[SNAPFIRE_A_CONFIG_HIST_PRECISION];
	KUNIT_EXPECT_NOT_NULL(test, strstr(k->capped_msg,
					   "(" __stringify(SF_HIST_DEFAULT_P) ")"));
	KUNIT_EXPECT_EQ(test, sf_config_keys[SNAPFIRE_A_CONFIG_MAX_FLOWS].def, 65536ULL);
	KUNIT_EXPECT_EQ(test, sf_config_keys[SNAPFIRE_A_CONFIG_PORT].type, 0);
	KUNIT_EXPECT_EQ(test, sf_config_keys[SNAPFIRE_A_CONFIG_ALLOW].type, 0);
	KUNIT_EXPECT_EQ(test, sf_config_keys[SNAPFIRE_A_CONFIG_ALLOW_CLEAR].type, 0);
	/* every attribute but those three, pad and unspec */
	KUNIT_EXPECT_EQ(test, n, SNAPFIRE_A_CONFIG_PAD - 1 - 3);
	kfree(cfg);
}

static void sf_config_test_ports(struct kunit *test)
{
	struct sf_config *cfg = sf_config_default(GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	KUNIT_EXPECT_TRUE(test, sf_config_port(cfg, htons(862)));
	KUNIT_EXPECT_FALSE(test, sf_config_port(cfg, htons(863)));
	KUNIT_EXPECT_FALSE(test, sf_config_port(cfg, htons(0x5e03))); /* 862 byte-swapped */

	cfg->nports = SNAPFIRE_MAX_PORTS;
	for (i = 0; i < SNAPFIRE_MAX_PORTS; i++)
		cfg->ports[i] = htons(8620 + i);
	for (i = 0; i < SNAPFIRE_MAX_PORTS; i++)
		KUNIT_EXPECT_TRUE(test, sf_config_port(cfg, htons(8620 + i)));
	KUNIT_EXPECT_FALSE(test, sf_config_port(cfg, htons(862)));
	KUNIT_EXPECT_FALSE(test, sf_config_port(cfg, htons(8620 + SNAPFIRE_MAX_PORTS)));
	cfg->nports = 0;
	KUNIT_EXPECT_FALSE(test, sf_config_port(cfg, htons(8620)));
	kfree(cfg);
}

static void sf_v4(struct in6_addr *a, u32 host_order)
{
	ipv6_addr_set_v4mapped(htonl(host_order), a);
}

/* An IPv4 prefix is stored in the first four bytes of sf_prefix.addr. */
static void sf_prefix4(struct sf_prefix *p, u32 host_order, u8 plen)
{
	memset(p, 0, sizeof(*p));
	p->family = AF_INET;
	p->plen = plen;
	p->addr.s6_addr32[0] = htonl(host_order);
}

static void sf_config_test_allow4(struct kunit *test)
{
	struct sf_config *cfg = sf_config_default(GFP_KERNEL);
	struct in6_addr a;
	unsigned int plen;

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	sf_v4(&a, 0xc6336402);			/* 198.51.100.2 */
	KUNIT_EXPECT_TRUE(test, sf_config_allowed(cfg, AF_INET, &a)); /* empty: all */

	cfg->nallow = 1;
	for (plen = 0; plen <= 32; plen++) {
		u32 net = plen ? 0xc6336402 & (~0U << (32 - plen)) : 0;
		u32 outside = 0xc6336402 ^ (plen ? 1U << (32 - plen) : 0);

		sf_prefix4(&cfg->allow[0], net, plen);
		KUNIT_EXPECT_TRUE_MSG(test, sf_config_allowed(cfg, AF_INET, &a),
				      "plen %u", plen);
		if (plen) {
			struct in6_addr b;

			/* flip the last bit inside the prefix */
			sf_v4(&b, outside);
			KUNIT_EXPECT_FALSE_MSG(test, sf_config_allowed(cfg, AF_INET, &b),
					       "plen %u", plen);
		}
		/* an IPv6 source never matches an IPv4 prefix */
		KUNIT_EXPECT_FALSE(test, sf_config_allowed(cfg, AF_INET6, &a));
	}

	/* several prefixes: any match allows */
	cfg->nallow = 2;
	sf_prefix4(&cfg->allow[0], 0xcb007100, 24);	/* 203.0.113.0/24 */
	sf_prefix4(&cfg->allow[1], 0xc6336400, 24);	/* 198.51.100.0/24 */
	KUNIT_EXPECT_TRUE(test, sf_config_allowed(cfg, AF_INET, &a));
	cfg->nallow = 1;
	KUNIT_EXPECT_FALSE(test, sf_config_allowed(cfg, AF_INET, &a));
	kfree(cfg);
}

static void sf_config_test_allow6(struct kunit *test)
{
	struct sf_config *cfg = sf_config_default(GFP_KERNEL);
	struct in6_addr a = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 2,
					   0, 0, 0, 0, 0, 0, 0, 2 } };
	struct sf_prefix *p;
	unsigned int plen;

	KUNIT_ASSERT_NOT_NULL(test, cfg);
	cfg->nallow = 1;
	p = &cfg->allow[0];
	p->family = AF_INET6;
	for (plen = 0; plen <= 128; plen++) {
		struct in6_addr b = a;

		p->plen = plen;
		ipv6_addr_prefix(&p->addr, &a, plen);
		KUNIT_EXPECT_TRUE_MSG(test, sf_config_allowed(cfg, AF_INET6, &a),
				      "plen %u", plen);
		if (plen) {
			/* flip the last bit inside the prefix */
			b.s6_addr[(plen - 1) / 8] ^= 0x80 >> ((plen - 1) % 8);
			KUNIT_EXPECT_FALSE_MSG(test, sf_config_allowed(cfg, AF_INET6, &b),
					       "plen %u", plen);
		}
	}
	kfree(cfg);
}

static void sf_config_test_replace(struct kunit *test)
{
	struct sf_net *sn = kunit_kzalloc(test, sizeof(*sn), GFP_KERNEL);
	struct sf_config *a, *b;
	bool reflect;

	KUNIT_ASSERT_NOT_NULL(test, sn);
	mutex_init(&sn->conf_mutex);
	a = sf_config_default(GFP_KERNEL);
	b = sf_config_default(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	sf_cfg(b, REFLECT) = true;

	mutex_lock(&sn->conf_mutex);
	sf_config_replace(sn, a);
	KUNIT_EXPECT_PTR_EQ(test, rcu_access_pointer(sn->config), a);
	sf_config_replace(sn, b);	/* a is freed after a grace period */
	KUNIT_EXPECT_PTR_EQ(test, rcu_access_pointer(sn->config), b);
	mutex_unlock(&sn->conf_mutex);

	/* (a failed expectation allocates: not under RCU) */
	rcu_read_lock();
	reflect = sf_cfg(rcu_dereference(sn->config), REFLECT);
	rcu_read_unlock();
	KUNIT_EXPECT_TRUE(test, reflect);
	rcu_barrier();
	kfree(b);
}

static struct kunit_case sf_config_cases[] = {
	KUNIT_CASE(sf_config_test_defaults),
	KUNIT_CASE(sf_config_test_keys),
	KUNIT_CASE(sf_config_test_ports),
	KUNIT_CASE(sf_config_test_allow4),
	KUNIT_CASE(sf_config_test_allow6),
	KUNIT_CASE(sf_config_test_replace),
	{}
};

static struct kunit_suite sf_config_suite = {
	.name = "snapfire_config",
	.test_cases = sf_config_cases,
};

kunit_test_suites(&sf_config_suite);
