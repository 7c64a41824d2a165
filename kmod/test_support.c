// SPDX-License-Identifier: GPL-2.0
/*
 * Definitions snapfire_test.ko needs in place of the units it does not link
 * (main.c, netlink.c, hooks.c, reflect.c); see kmod/Kbuild. And the flow
 * suites' fixture: a namespace's flow state, as sf_net_init() sets it up.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/slab.h>
#include <net/ipv6.h>

#include "snapfire.h"
#include "test_support.h"

/* main.c's globals (see snapfire.h); no pernet ops are registered here. */
unsigned int sf_net_id;
/* protects sf_nets */
DEFINE_MUTEX(sf_nets_mutex);
LIST_HEAD(sf_nets);
atomic64_t sf_global_mem;

static DEFINE_SPINLOCK(sf_test_lock);	/* protects the event record */
static struct sf_event sf_test_ev[SF_TEST_EVENTS];
static struct sf_net *sf_test_ev_sn[SF_TEST_EVENTS];
static unsigned int sf_test_ev_count;
static int sf_test_ev_ret;
/* refill mode (sf_test_events_refill); also under sf_test_lock */
static struct task_struct *sf_test_refill_task;
static unsigned int sf_test_refill_left, sf_test_refill_sent;

void sf_test_events_reset(int ret)
{
	spin_lock_bh(&sf_test_lock);
	sf_test_ev_count = 0;
	sf_test_ev_ret = ret;
	sf_test_refill_task = NULL;
	sf_test_refill_left = 0;
	sf_test_refill_sent = 0;
	spin_unlock_bh(&sf_test_lock);
}

void sf_test_events_refill(struct task_struct *task, unsigned int budget)
{
	spin_lock_bh(&sf_test_lock);
	sf_test_refill_task = task;
	sf_test_refill_left = budget;
	sf_test_refill_sent = 0;
	spin_unlock_bh(&sf_test_lock);
}

unsigned int sf_test_events_refill_sent(void)
{
	unsigned int n;

	spin_lock_bh(&sf_test_lock);
	n = sf_test_refill_sent;
	spin_unlock_bh(&sf_test_lock);
	return n;
}

unsigned int sf_test_events_count(void)
{
	unsigned int n;

	spin_lock_bh(&sf_test_lock);
	n = sf_test_ev_count;
	spin_unlock_bh(&sf_test_lock);
	return n;
}

bool sf_test_event(unsigned int i, struct sf_event *ev, struct sf_net **sn)
{
	bool found = false;

	spin_lock_bh(&sf_test_lock);
	if (i < sf_test_ev_count && i < SF_TEST_EVENTS) {
		*ev = sf_test_ev[i];
		if (sn)
			*sn = sf_test_ev_sn[i];
		found = true;
	}
	spin_unlock_bh(&sf_test_lock);
	return found;
}

/* Stands in for netlink.c: record the event instead of multicasting it. */
int sf_genl_event(struct sf_net *sn, const struct sf_event *ev)
{
	bool refill;
	int ret;

	spin_lock_bh(&sf_test_lock);
	if (sf_test_ev_count < SF_TEST_EVENTS) {
		sf_test_ev[sf_test_ev_count] = *ev;
		sf_test_ev_sn[sf_test_ev_count] = sn;
	}
	sf_test_ev_count++;
	ret = sf_test_ev_ret;
	refill = current == sf_test_refill_task && sf_test_refill_left;
	if (current == sf_test_refill_task)
		sf_test_refill_sent++;
	if (refill)
		sf_test_refill_left--;
	spin_unlock_bh(&sf_test_lock);

	if (refill) {
		/* the flood: put the event back, as the packet path would */
		spin_lock_bh(&sn->ev_lock);
		if (sn->ev_len < SF_EVENT_RING) {
			sn->events[(sn->ev_head + sn->ev_len) % SF_EVENT_RING] = *ev;
			sn->ev_len++;
		}
		spin_unlock_bh(&sn->ev_lock);
	}
	return ret;
}

int sf_test_hist_suite_init(struct kunit_suite *suite)
{
	return sf_hist_init();
}

void sf_test_hist_suite_exit(struct kunit_suite *suite)
{
	rcu_barrier();
	sf_hist_exit();
}

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("snapfire KUnit tests");

/* The flow suites' fixture (flow_test.c, evict_test.c) */
int sf_test_ns_init(struct kunit *test)
{
	struct sf_test_ns *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct sf_net *sn;

	KUNIT_ASSERT_NOT_NULL(test, t);
	sn = kzalloc(sizeof(*sn), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sn);
	sn->counters = alloc_percpu(struct sf_counters);
	KUNIT_ASSERT_NOT_NULL(test, (void __force *)sn->counters);
	sn->events = kcalloc(SF_EVENT_RING, sizeof(*sn->events), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sn->events);
	sn->rl = kcalloc(SF_RL_BUCKETS, sizeof(*sn->rl), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sn->rl);
	sn->ssid_hint = kcalloc(SF_SSID_HINTS, sizeof(*sn->ssid_hint),
				GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sn->ssid_hint);
	mutex_init(&sn->conf_mutex);
	spin_lock_init(&sn->ev_lock);
	INIT_WORK(&sn->event_work, sf_event_work);
	t->cfg = sf_config_default(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->cfg);
	/* the suites make flows faster than the default allows */
	sf_cfg(t->cfg, FLOW_RATE) = U32_MAX;
	RCU_INIT_POINTER(sn->config, t->cfg);
	KUNIT_ASSERT_EQ(test, sf_flows_init(sn), 0);
	t->sn = sn;
	test->priv = t;
	sf_test_events_reset(0);
	return 0;
}

void sf_test_ns_exit(struct kunit *test)
{
	struct sf_test_ns *t = test->priv;
	struct sf_net *sn = t->sn;

	WRITE_ONCE(sn->dying, true);
	synchronize_rcu();
	sf_flows_exit(sn);
	rcu_barrier();	/* the flows' memory comes back in RCU callbacks */
	cancel_work_sync(&sn->event_work);
	KUNIT_EXPECT_EQ(test, atomic64_read(&sn->mem), 0);
	kfree(rcu_access_pointer(sn->config));
	kfree(sn->ssid_hint);
	kfree(sn->rl);
	kfree(sn->events);
	free_percpu(sn->counters);
	kfree(sn);
}

void sf_test_flow_key(struct sf_flow_key *key, u32 n, u8 role)
{
	memset(key, 0, sizeof(*key));
	ipv6_addr_set_v4mapped(htonl(0xc0000201), &key->laddr);
	ipv6_addr_set_v4mapped(htonl(0xc6336402 + (n >> 16)), &key->raddr);
	key->lport = htons(40000);
	key->rport = htons(STAMP_PORT);
	key->ssid = n & 0xffff;
	key->family = AF_INET;
	key->role = role;
}

u64 sf_test_counter(struct sf_net *sn, enum sf_counter c)
{
	struct sf_counters sum;

	sf_counters_sum(sn, &sum);
	return sum.c[c];
}

struct sf_flow *sf_test_flow_create(struct sf_test_ns *t, u32 n, u8 role)
{
	struct sf_flow_key key;
	struct sf_flow *f;

	sf_test_flow_key(&key, n, role);
	rcu_read_lock();
	f = sf_flow_get_or_create(t->sn, t->cfg, &key, ktime_get_real_ns(), false);
	rcu_read_unlock();
	return f;
}

struct sf_flow *sf_test_flow_create_unpriv(struct sf_test_ns *t, u32 n)
{
	struct sf_flow_key key;
	struct sf_flow *f;

	sf_test_flow_key(&key, n, SNAPFIRE_ROLE_SENDER);
	rcu_read_lock();
	f = sf_flow_get_or_create(t->sn, t->cfg, &key, ktime_get_real_ns(), true);
	rcu_read_unlock();
	return f;
}
