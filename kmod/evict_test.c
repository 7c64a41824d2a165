// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: eviction at the max-flows limit (kmod/flow.c, sf_flow_evict_one):
 * flows that carry traffic survive a flood of one-packet flows, a slow
 * session included, and neither remote packets nor unprivileged tasks'
 * probes evict this host's administrators' sender flows.
 */
#include <kunit/test.h>
#include <linux/jiffies.h>

#include "snapfire.h"
#include "test_support.h"

static void sf_flow_test_evict(struct kunit *test)
{
	struct sf_test_ns *t = test->priv;
	struct sf_flow *busy[4], *f;
	unsigned int i;

	sf_cfg(t->cfg, MAX_FLOWS) = 16;
	sf_cfg(t->cfg, EVENT_RATE) = 1000;
	for (i = 0; i < 16; i++) {
		f = sf_test_flow_create(t, i, SNAPFIRE_ROLE_SENDER);
		KUNIT_ASSERT_NOT_NULL(test, f);
		/* all idle for 10 s, but the first four are busy */
		WRITE_ONCE(f->last_jiffies, i < 4 ? jiffies : jiffies - 10 * HZ);
		if (i < 4) {
			f->rx = 100;
			busy[i] = f;
		}
	}
	/* a flood of 64 new flows, each busy at creation */
	for (i = 100; i < 164; i++)
		KUNIT_ASSERT_NOT_NULL(test, sf_test_flow_create(t, i, SNAPFIRE_ROLE_SENDER));
	KUNIT_EXPECT_EQ(test, t->sn->nflows, 16U);
	KUNIT_EXPECT_EQ(test, sf_test_counter(t->sn, SF_C_FLOWS_EVICTED), 64ULL);
	/* the 12 idle ones went first, then the flood's own flows */
	/* (a failed expectation allocates: not under RCU) */
	for (i = 0; i < 4; i++) {
		rcu_read_lock();
		f = sf_flow_find_id(t->sn, busy[i]->id);
		rcu_read_unlock();
		KUNIT_EXPECT_PTR_EQ(test, f, busy[i]);
	}
}

/*
 * A session that probes every couple of seconds is idle for more than a
 * second most of the time: a flood, which brings every flow of the list
 * round to its head, must not take it for one of its own.
 */
static void sf_flow_test_evict_slow(struct kunit *test)
{
	struct sf_test_ns *t = test->priv;
	struct sf_flow *slow, *f;
	unsigned int i;

	sf_cfg(t->cfg, MAX_FLOWS) = 16;
	sf_cfg(t->cfg, EVENT_RATE) = 1000;
	/* the oldest: 10 packets, the last 1.5 s ago (a probe every 2 s) */
	slow = sf_test_flow_create(t, 0, SNAPFIRE_ROLE_SENDER);
	KUNIT_ASSERT_NOT_NULL(test, slow);
	slow->tx = 5;
	slow->rx = 5;
	WRITE_ONCE(slow->last_jiffies, jiffies - 3 * HZ / 2);
	/* 15 one-packet flows of an earlier flood, idle for 2 s */
	for (i = 1; i < 16; i++) {
		f = sf_test_flow_create(t, i, SNAPFIRE_ROLE_REFLECTOR);
		KUNIT_ASSERT_NOT_NULL(test, f);
		f->rx = 1;
		WRITE_ONCE(f->last_jiffies, jiffies - 2 * HZ);
	}
	/* the flood goes on: 64 more, each evicting one */
	for (i = 100; i < 164; i++) {
		f = sf_test_flow_create(t, i, SNAPFIRE_ROLE_REFLECTOR);
		KUNIT_ASSERT_NOT_NULL(test, f);
		f->rx = 1;
	}
	KUNIT_EXPECT_EQ(test, sf_test_counter(t->sn, SF_C_FLOWS_EVICTED), 64ULL);
	/* (a failed expectation allocates: not under RCU) */
	rcu_read_lock();
	f = sf_flow_find_id(t->sn, slow->id);
	rcu_read_unlock();
	KUNIT_EXPECT_PTR_EQ(test, f, slow);
}

/*
 * Remote packets make reflector flows: however many, they never evict this
 * host's sender flows, not even one in its first round trip (one packet)
 * or one whose reply was lost (one packet, idle). A sender flow may evict
 * either.
 */
static void sf_flow_test_evict_role(struct kunit *test)
{
	struct sf_test_ns *t = test->priv;
	struct sf_flow *snd[4], *f;
	unsigned int i;
	u64 fails, id[4];

	sf_cfg(t->cfg, MAX_FLOWS) = 16;
	sf_cfg(t->cfg, EVENT_RATE) = 1000;
	for (i = 0; i < 4; i++) {
		snd[i] = sf_test_flow_create(t, i, SNAPFIRE_ROLE_SENDER);
		KUNIT_ASSERT_NOT_NULL(test, snd[i]);
		snd[i]->tx = 1;
		id[i] = snd[i]->id;	/* an evicted one is freed: by id */
	}
	WRITE_ONCE(snd[0]->last_jiffies, jiffies - 2 * HZ);
	for (i = 4; i < 16; i++) {
		f = sf_test_flow_create(t, i, SNAPFIRE_ROLE_REFLECTOR);
		KUNIT_ASSERT_NOT_NULL(test, f);
		f->rx = 1;
	}
	/* a flood of 64 one-packet reflector flows, each evicting one */
	for (i = 100; i < 164; i++) {
		f = sf_test_flow_create(t, i, SNAPFIRE_ROLE_REFLECTOR);
		KUNIT_ASSERT_NOT_NULL(test, f);
		f->rx = 1;
	}
	KUNIT_EXPECT_EQ(test, sf_test_counter(t->sn, SF_C_FLOWS_EVICTED), 64ULL);
	/* (a failed expectation allocates: not under RCU) */
	for (i = 0; i < 4; i++) {
		rcu_read_lock();
		f = sf_flow_find_id(t->sn, id[i]);
		if (f)
			f->tx = 2;	/* for below */
		rcu_read_unlock();
		KUNIT_EXPECT_PTR_EQ(test, f, snd[i]);
	}
	/* busier sender flows push the 12 reflector flows out */
	for (i = 200; i < 212; i++) {
		f = sf_test_flow_create(t, i, SNAPFIRE_ROLE_SENDER);
		KUNIT_ASSERT_NOT_NULL(test, f);
		f->tx = 5;
	}
	KUNIT_EXPECT_EQ(test, sf_test_counter(t->sn, SF_C_FLOWS_EVICTED), 76ULL);
	/* all sender flows now: a reflector flow is refused, counted */
	fails = sf_test_counter(t->sn, SF_C_ALLOC_FAILURES);
	KUNIT_EXPECT_NULL(test, sf_test_flow_create(t, 300, SNAPFIRE_ROLE_REFLECTOR));
	KUNIT_EXPECT_EQ(test, sf_test_counter(t->sn, SF_C_FLOWS_FULL), 1ULL);
	KUNIT_EXPECT_EQ(test, sf_test_counter(t->sn, SF_C_ALLOC_FAILURES), fails);
	KUNIT_EXPECT_EQ(test, t->sn->nflows, 16U);
	/* and a sender flow still finds room */
	KUNIT_EXPECT_NOT_NULL(test, sf_test_flow_create(t, 301, SNAPFIRE_ROLE_SENDER));
	KUNIT_EXPECT_EQ(test, sf_test_counter(t->sn, SF_C_FLOWS_EVICTED), 77ULL);
}

/*
 * Any local user may send probes: its sender flows are admitted as remote
 * packets' are. A flood of them evicts its own kind and reflector flows,
 * never an administrator's sender flow; an administrator's sender flow
 * evicts theirs.
 */
static void sf_flow_test_evict_unpriv(struct kunit *test)
{
	struct sf_test_ns *t = test->priv;
	struct sf_flow *snd[4], *f;
	unsigned int i, unpriv = 0;
	u64 id[4];

	sf_cfg(t->cfg, MAX_FLOWS) = 16;
	sf_cfg(t->cfg, EVENT_RATE) = 1000;
	for (i = 0; i < 4; i++) {
		snd[i] = sf_test_flow_create(t, i, SNAPFIRE_ROLE_SENDER);
		KUNIT_ASSERT_NOT_NULL(test, snd[i]);
		KUNIT_EXPECT_FALSE(test, snd[i]->unpriv);
		/* one in its first round trip (one packet, idle): a flood's kind */
		snd[i]->tx = i ? 10 : 1;
		id[i] = snd[i]->id;
	}
	WRITE_ONCE(snd[0]->last_jiffies, jiffies - 2 * HZ);
	for (i = 4; i < 16; i++) {
		f = i & 1 ? sf_test_flow_create_unpriv(t, i) :
			    sf_test_flow_create(t, i, SNAPFIRE_ROLE_REFLECTOR);
		KUNIT_ASSERT_NOT_NULL(test, f);
		KUNIT_EXPECT_EQ(test, f->unpriv, !!(i & 1));
		f->tx = 1;
	}
	for (i = 100; i < 164; i++) {
		f = sf_test_flow_create_unpriv(t, i);
		KUNIT_ASSERT_NOT_NULL(test, f);
		f->tx = 1;
	}
	KUNIT_EXPECT_EQ(test, sf_test_counter(t->sn, SF_C_FLOWS_EVICTED), 64ULL);
	KUNIT_EXPECT_EQ(test, t->sn->nflows, 16U);
	/* (a failed expectation allocates: not under RCU) */
	for (i = 0; i < 4; i++) {
		rcu_read_lock();
		f = sf_flow_find_id(t->sn, id[i]);
		rcu_read_unlock();
		KUNIT_EXPECT_PTR_EQ(test, f, snd[i]);
	}
	/* the administrator's busier sender flows evict the 12 others */
	snd[0]->tx = 10;
	for (i = 200; i < 212; i++) {
		f = sf_test_flow_create(t, i, SNAPFIRE_ROLE_SENDER);
		KUNIT_ASSERT_NOT_NULL(test, f);
		f->tx = 5;
	}
	spin_lock_bh(&t->sn->lock);
	list_for_each_entry(f, &t->sn->flow_list, list)
		unpriv += f->unpriv || f->key.role == SNAPFIRE_ROLE_REFLECTOR;
	spin_unlock_bh(&t->sn->lock);
	KUNIT_EXPECT_EQ(test, unpriv, 0U);
	KUNIT_EXPECT_EQ(test, t->sn->nflows, 16U);
	/* all administrators' now: an unprivileged one finds no room */
	KUNIT_EXPECT_NULL(test, sf_test_flow_create_unpriv(t, 300));
	KUNIT_EXPECT_EQ(test, sf_test_counter(t->sn, SF_C_FLOWS_FULL), 1ULL);
}

static struct kunit_case sf_evict_cases[] = {
	KUNIT_CASE(sf_flow_test_evict),
	KUNIT_CASE(sf_flow_test_evict_slow),
	KUNIT_CASE(sf_flow_test_evict_role),
	KUNIT_CASE(sf_flow_test_evict_unpriv),
	{}
};

static struct kunit_suite sf_evict_suite = {
	.name = "snapfire_evict",
	.suite_init = sf_test_hist_suite_init,
	.suite_exit = sf_test_hist_suite_exit,
	.init = sf_test_ns_init,
	.exit = sf_test_ns_exit,
	.test_cases = sf_evict_cases,
};

kunit_test_suites(&sf_evict_suite);
