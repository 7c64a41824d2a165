// SPDX-License-Identifier: GPL-2.0
/*
 * Definitions snapfire_test.ko needs in place of the units it does not link
 * (main.c, netlink.c, hooks.c, reflect.c); see kmod/Kbuild.
 */
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/spinlock.h>

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
