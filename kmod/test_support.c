// SPDX-License-Identifier: GPL-2.0
/*
 * Definitions snapfire_test.ko needs in place of the units it does not link
 * (main.c, netlink.c, hooks.c, reflect.c); see kmod/Kbuild.
 */
#include <linux/module.h>
#include <linux/rcupdate.h>
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

void sf_test_events_reset(int ret)
{
	spin_lock_bh(&sf_test_lock);
	sf_test_ev_count = 0;
	sf_test_ev_ret = ret;
	spin_unlock_bh(&sf_test_lock);
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
	int ret;

	spin_lock_bh(&sf_test_lock);
	if (sf_test_ev_count < SF_TEST_EVENTS) {
		sf_test_ev[sf_test_ev_count] = *ev;
		sf_test_ev_sn[sf_test_ev_count] = sn;
	}
	sf_test_ev_count++;
	ret = sf_test_ev_ret;
	spin_unlock_bh(&sf_test_lock);
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
