/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit support: what snapfire_test.ko links instead of main.c and
 * netlink.c. sf_genl_event() records the events it is handed, for tests to
 * read back.
 */
#ifndef _SNAPFIRE_TEST_SUPPORT_H
#define _SNAPFIRE_TEST_SUPPORT_H

#include "snapfire.h"

#define SF_TEST_EVENTS	32	/* events recorded; later ones only counted */

/* Forget the recorded events; sf_genl_event() returns @ret from now on. */
void sf_test_events_reset(int ret);
/*
 * A flood: each event sf_genl_event() sends from @task is put back into its
 * namespace's ring (no work is scheduled for it), @budget times; the events
 * it sends from other tasks are not. sf_test_events_refill_sent() counts
 * the events sent from @task.
 */
struct task_struct;
void sf_test_events_refill(struct task_struct *task, unsigned int budget);
unsigned int sf_test_events_refill_sent(void);
/* Events sf_genl_event() was called with since the last reset. */
unsigned int sf_test_events_count(void);
/*
 * Copy the @i-th recorded event (and the sf_net it was sent for, if @sn is
 * not NULL). False if there is none: i >= min(count, SF_TEST_EVENTS).
 */
bool sf_test_event(unsigned int i, struct sf_event *ev, struct sf_net **sn);

struct kunit_suite;
/*
 * suite_init/suite_exit of every suite that allocates histograms: the
 * histogram cache, which main.c keeps for snapfire.ko's lifetime. (KUnit
 * runs a module's suites before its module_init on 6.1, so a module_init
 * here would come too late.) The exit waits for pending RCU frees.
 */
int sf_test_hist_suite_init(struct kunit_suite *suite);
void sf_test_hist_suite_exit(struct kunit_suite *suite);

/*
 * The flow suites' fixture: sf_test_ns_init() (a suite's .init) sets
 * test->priv to a struct sf_test_ns holding a namespace's flow state with
 * the default configuration, as sf_net_init() would, but no flow-rate
 * limit (a test sets one); sf_test_ns_exit()
 * frees it and checks that its memory accounting is back to zero.
 */
struct sf_test_ns {
	struct sf_net *sn;
	struct sf_config *cfg;
};

struct kunit;
int sf_test_ns_init(struct kunit *test);
void sf_test_ns_exit(struct kunit *test);
/* Flow key number @n of @role: ssid n & 0xffff, the peer's address above */
void sf_test_flow_key(struct sf_flow_key *key, u32 n, u8 role);
u64 sf_test_counter(struct sf_net *sn, enum sf_counter c);
/* sf_flow_get_or_create() of key @n, as the packet path calls it */
struct sf_flow *sf_test_flow_create(struct sf_test_ns *t, u32 n, u8 role);
/* the same for a sender flow an unprivileged task's probe makes */
struct sf_flow *sf_test_flow_create_unpriv(struct sf_test_ns *t, u32 n);

#endif
