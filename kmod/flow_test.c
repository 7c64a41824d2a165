// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the flow table (kmod/flow.c) and events (kmod/event.c): insert,
 * lookup, ids, expiry, delete/reset, memory accounting back to zero, and
 * lookups racing with inserts and deletes. Eviction: evict_test.c.
 */
#include <kunit/test.h>
#include <linux/kthread.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <net/ipv6.h>

#include "snapfire.h"
#include "test_support.h"

static void sf_flow_test_insert_lookup(struct kunit *test)
{
	struct sf_test_ns *t = test->priv;
	struct sf_flow *a, *b, *c, *found[4];
	struct sf_flow_key key;

	a = sf_test_flow_create(t, 1, SNAPFIRE_ROLE_SENDER);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_NOT_NULL(test, a->pending);
	KUNIT_EXPECT_NULL(test, a->replied);	/* on first Follow-Up only */
	b = sf_test_flow_create(t, 1, SNAPFIRE_ROLE_SENDER);
	KUNIT_EXPECT_PTR_EQ(test, a, b);	/* same key, same flow */
	c = sf_test_flow_create(t, 1, SNAPFIRE_ROLE_REFLECTOR);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_PTR_NE(test, a, c);	/* the role is in the key */
	/* a reflector's record of its last reply starts empty */
	KUNIT_EXPECT_EQ(test, c->fu.ts, 0ULL);
	KUNIT_EXPECT_EQ(test, c->fu.seq, 0U);
	KUNIT_EXPECT_EQ(test, t->sn->nflows, 2U);
	KUNIT_EXPECT_NE(test, a->id, c->id);
	KUNIT_EXPECT_EQ(test, sf_test_counter(t->sn, SF_C_FLOWS_CREATED), 2ULL);

	/* looked up under RCU, checked after (a failure allocates) */
	sf_test_flow_key(&key, 2, SNAPFIRE_ROLE_SENDER);
	rcu_read_lock();
	found[0] = sf_flow_lookup(t->sn, &key);
	sf_test_flow_key(&key, 1, SNAPFIRE_ROLE_SENDER);
	found[1] = sf_flow_lookup(t->sn, &key);
	found[2] = sf_flow_find_id(t->sn, c->id);
	found[3] = sf_flow_find_id(t->sn, 12345);
	rcu_read_unlock();
	KUNIT_EXPECT_NULL(test, found[0]);
	KUNIT_EXPECT_PTR_EQ(test, found[1], a);
	KUNIT_EXPECT_PTR_EQ(test, found[2], c);
	KUNIT_EXPECT_NULL(test, found[3]);
	KUNIT_EXPECT_GT(test, atomic64_read(&t->sn->mem), 0LL);
}

static void sf_flow_test_events(struct kunit *test)
{
	struct sf_test_ns *t = test->priv;
	struct sf_flow *f;
	struct sf_event ev;

	f = sf_test_flow_create(t, 7, SNAPFIRE_ROLE_REFLECTOR);
	KUNIT_ASSERT_NOT_NULL(test, f);
	flush_work(&t->sn->event_work);
	KUNIT_ASSERT_EQ(test, sf_test_events_count(), 1U);
	KUNIT_ASSERT_TRUE(test, sf_test_event(0, &ev, NULL));
	KUNIT_EXPECT_EQ(test, ev.type, (u8)SNAPFIRE_EVENT_TYPE_FLOW_NEW);
	KUNIT_EXPECT_EQ(test, ev.id, f->id);
	KUNIT_EXPECT_EQ(test, ev.key.ssid, (u16)7);
}

static void sf_flow_test_event_rate(struct kunit *test)
{
	struct sf_test_ns *t = test->priv;
	struct sf_config *cfg = t->cfg;
	unsigned int i;

	sf_cfg(cfg, EVENT_RATE) = 5;	/* burst of one second: 5 events */
	for (i = 0; i < 20; i++)
		KUNIT_ASSERT_NOT_NULL(test, sf_test_flow_create(t, i, SNAPFIRE_ROLE_SENDER));
	flush_work(&t->sn->event_work);
	KUNIT_EXPECT_LE(test, sf_test_events_count(), 6U);
	KUNIT_EXPECT_GE(test, sf_test_counter(t->sn, SF_C_EVENTS_DROPPED), 14ULL);
}

/*
 * A flood that refills the ring as fast as the event work drains it: one
 * run of the work sends one ring's worth and requeues itself, instead of
 * looping for as long as the flood lasts (which kept cancel_work_sync() in
 * rmmod waiting). The requeued run, not flooded, sends the rest.
 */
static void sf_flow_test_event_flood(struct kunit *test)
{
	struct sf_test_ns *t = test->priv;
	struct sf_net *sn = t->sn;
	struct sf_event ev = { .type = SNAPFIRE_EVENT_TYPE_FLOW_NEW };
	unsigned int i;

	flush_work(&sn->event_work);
	sf_test_events_reset(0);
	/* a full ring, put there without scheduling the work */
	spin_lock_bh(&sn->ev_lock);
	for (i = 0; i < SF_EVENT_RING; i++)
		sn->events[(sn->ev_head + sn->ev_len++) % SF_EVENT_RING] = ev;
	spin_unlock_bh(&sn->ev_lock);

	sf_test_events_refill(current, 100000);
	sf_event_work(&sn->event_work);
	KUNIT_EXPECT_EQ(test, sf_test_events_refill_sent(), (unsigned int)SF_EVENT_RING);
	/* still full: the run queued itself again */
	for (i = 0; i < 1000 && READ_ONCE(sn->ev_len); i++)
		flush_work(&sn->event_work);
	KUNIT_EXPECT_EQ(test, READ_ONCE(sn->ev_len), 0U);
	KUNIT_EXPECT_EQ(test, sf_test_events_count(), 2U * (unsigned int)SF_EVENT_RING);
	sf_test_events_refill(NULL, 0);
}

/*
 * flow-rate: packets from other hosts make at most a burst (one second of
 * it) of new reflector flows, then the rate; the rest are counted. Flows
 * that exist are still found, and this host's sender flows still made;
 * unprivileged tasks' sender flows have a bucket of their own.
 */
static void sf_flow_test_flow_rate(struct kunit *test)
{
	struct sf_test_ns *t = test->priv;
	struct sf_flow *first;
	unsigned int i, made = 1;
	u64 t0 = ktime_get_mono_fast_ns(), secs, limited;

	sf_cfg(t->cfg, FLOW_RATE) = 10;
	first = sf_test_flow_create(t, 0, SNAPFIRE_ROLE_REFLECTOR);
	KUNIT_ASSERT_NOT_NULL(test, first);
	for (i = 1; i < 100; i++)
		made += !!sf_test_flow_create(t, i, SNAPFIRE_ROLE_REFLECTOR);
	secs = div64_u64(ktime_get_mono_fast_ns() - t0, NSEC_PER_SEC);
	/* the burst, and what a slow kernel refilled meanwhile */
	KUNIT_EXPECT_GE(test, made, 10U);
	KUNIT_EXPECT_LE(test, (u64)made, 10 + 10 * (secs + 1));
	KUNIT_EXPECT_EQ(test, sf_test_counter(t->sn, SF_C_FLOWS_LIMITED),
			100ULL - made);
	KUNIT_EXPECT_PTR_EQ(test,
			    sf_test_flow_create(t, 0, SNAPFIRE_ROLE_REFLECTOR),
			    first);
	KUNIT_EXPECT_NOT_NULL(test,
			      sf_test_flow_create(t, 1000, SNAPFIRE_ROLE_SENDER));
	KUNIT_EXPECT_EQ(test, sf_test_counter(t->sn, SF_C_FLOWS_LIMITED),
			100ULL - made);
	/*
	 * An unprivileged task's sender flows have a bucket of their own: the
	 * remote flood left it full, and it empties as that one did.
	 */
	limited = sf_test_counter(t->sn, SF_C_FLOWS_LIMITED);
	made = 0;
	t0 = ktime_get_mono_fast_ns();
	for (i = 0; i < 100; i++)
		made += !!sf_test_flow_create_unpriv(t, 2000 + i);
	secs = div64_u64(ktime_get_mono_fast_ns() - t0, NSEC_PER_SEC);
	KUNIT_EXPECT_GE(test, made, 10U);
	KUNIT_EXPECT_LE(test, (u64)made, 10 + 10 * (secs + 1));
	KUNIT_EXPECT_EQ(test, sf_test_counter(t->sn, SF_C_FLOWS_LIMITED),
			limited + 100 - made);
}

static void sf_flow_test_expire(struct kunit *test)
{
	struct sf_test_ns *t = test->priv;
	struct sf_flow *f;
	unsigned int i;

	sf_cfg(t->cfg, IDLE_TIMEOUT) = 1;
	for (i = 0; i < 10; i++) {
		f = sf_test_flow_create(t, i, SNAPFIRE_ROLE_REFLECTOR);
		KUNIT_ASSERT_NOT_NULL(test, f);
		if (i & 1)
			WRITE_ONCE(f->last_jiffies, jiffies - 5 * HZ);
	}
	cancel_delayed_work_sync(&t->sn->gc_work);
	sf_gc_work(&t->sn->gc_work.work);
	KUNIT_EXPECT_EQ(test, t->sn->nflows, 5U);
	KUNIT_EXPECT_EQ(test, sf_test_counter(t->sn, SF_C_FLOWS_EXPIRED), 5ULL);

	/* lowering max-flows: the GC trims the excess */
	sf_cfg(t->cfg, MAX_FLOWS) = 2;
	sf_gc_work(&t->sn->gc_work.work);
	KUNIT_EXPECT_EQ(test, t->sn->nflows, 2U);
}

/* the GC's timer runs only while the namespace has flows */
static void sf_flow_test_gc_armed(struct kunit *test)
{
	struct sf_test_ns *t = test->priv;
	struct sf_flow *f;

	KUNIT_EXPECT_FALSE(test, delayed_work_pending(&t->sn->gc_work));
	f = sf_test_flow_create(t, 1, SNAPFIRE_ROLE_REFLECTOR);
	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_EXPECT_TRUE(test, delayed_work_pending(&t->sn->gc_work));

	/* a run that leaves a flow re-arms */
	cancel_delayed_work_sync(&t->sn->gc_work);
	sf_gc_work(&t->sn->gc_work.work);
	KUNIT_EXPECT_EQ(test, t->sn->nflows, 1U);
	KUNIT_EXPECT_TRUE(test, delayed_work_pending(&t->sn->gc_work));

	/* the run that expires the last flow does not */
	cancel_delayed_work_sync(&t->sn->gc_work);
	sf_cfg(t->cfg, IDLE_TIMEOUT) = 1;
	WRITE_ONCE(f->last_jiffies, jiffies - 5 * HZ);
	sf_gc_work(&t->sn->gc_work.work);
	KUNIT_EXPECT_EQ(test, t->sn->nflows, 0U);
	KUNIT_EXPECT_FALSE(test, delayed_work_pending(&t->sn->gc_work));

	/* and the next flow arms it again */
	KUNIT_ASSERT_NOT_NULL(test, sf_test_flow_create(t, 2, SNAPFIRE_ROLE_REFLECTOR));
	KUNIT_EXPECT_TRUE(test, delayed_work_pending(&t->sn->gc_work));
}

static void sf_flow_test_del_reset(struct kunit *test)
{
	struct sf_test_ns *t = test->priv;
	struct sf_flow *a, *b;
	s64 mem_before;
	unsigned int i;

	a = sf_test_flow_create(t, 1, SNAPFIRE_ROLE_SENDER);
	b = sf_test_flow_create(t, 2, SNAPFIRE_ROLE_SENDER);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	mem_before = atomic64_read(&t->sn->mem);

	spin_lock_bh(&a->lock);
	for (i = 0; i < 100; i++)
		sf_flow_add_sample(a, SNAPFIRE_METRIC_RTT, 1000 + i * 100000);
	a->rx = 100;
	spin_unlock_bh(&a->lock);
	KUNIT_EXPECT_GT(test, atomic64_read(&t->sn->mem), mem_before);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->sn->mem), (s64)(a->mem + b->mem));

	KUNIT_EXPECT_EQ(test, sf_flow_reset(t->sn, a->id), 0);
	KUNIT_EXPECT_EQ(test, a->rx, 0ULL);
	KUNIT_EXPECT_EQ(test, a->hist[SNAPFIRE_METRIC_RTT]->count, 0ULL);
	KUNIT_EXPECT_EQ(test, sf_flow_reset(t->sn, 999), -ENOENT);

	KUNIT_EXPECT_EQ(test, sf_flow_del(t->sn, 999), -ENOENT);
	KUNIT_EXPECT_EQ(test, sf_flow_del(t->sn, a->id), 0);
	KUNIT_EXPECT_EQ(test, t->sn->nflows, 1U);
	KUNIT_EXPECT_EQ(test, sf_flow_del(t->sn, 0), 0);
	KUNIT_EXPECT_EQ(test, t->sn->nflows, 0U);
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->sn->mem), 0LL);
}

struct sf_reader {
	struct sf_test_ns *t;
	atomic_t stop;
	atomic_t lookups;
};

static int sf_reader_fn(void *data)
{
	struct sf_reader *r = data;
	struct sf_flow_key key;
	u32 n = 0;

	while (!atomic_read(&r->stop)) {
		struct sf_flow *f;

		sf_test_flow_key(&key, n++ % 256, SNAPFIRE_ROLE_SENDER);
		rcu_read_lock();
		f = sf_flow_lookup(r->t->sn, &key);
		if (f) {
			/* what the packet path does with a flow it found */
			spin_lock_bh(&f->lock);
			f->rx++;
			sf_flow_add_sample(f, SNAPFIRE_METRIC_RTT, n * 1000);
			spin_unlock_bh(&f->lock);
		}
		rcu_read_unlock();
		atomic_inc(&r->lookups);
		if (!(n % 64))
			cond_resched();
	}
	return 0;
}

static void sf_flow_test_concurrent(struct kunit *test)
{
	struct sf_test_ns *t = test->priv;
	struct task_struct *tsk[2];
	struct sf_reader r = { .t = t };
	unsigned int round, i;

	for (i = 0; i < ARRAY_SIZE(tsk); i++) {
		tsk[i] = kthread_run(sf_reader_fn, &r, "sf_reader%u", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(tsk[i]));
		get_task_struct(tsk[i]);
	}
	for (round = 0; round < 20; round++) {
		for (i = 0; i < 256; i++)
			sf_test_flow_create(t, i, SNAPFIRE_ROLE_SENDER);
		KUNIT_EXPECT_EQ(test, t->sn->nflows, 256U);
		KUNIT_EXPECT_EQ(test, sf_flow_del(t->sn, 0), 0);
		KUNIT_EXPECT_EQ(test, t->sn->nflows, 0U);
	}
	atomic_set(&r.stop, 1);
	for (i = 0; i < ARRAY_SIZE(tsk); i++) {
		kthread_stop(tsk[i]);
		put_task_struct(tsk[i]);
	}
	KUNIT_EXPECT_GT(test, atomic_read(&r.lookups), 0);
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->sn->mem), 0LL);
}

/*
 * Untrusted flows (@unpriv: unprivileged tasks' sender flows; else
 * reflector flows, in a namespace marked untrusted) made until one is
 * refused: they stop at half of the cap (for new flows) over all of them,
 * less what the other namespaces' untrusted flows hold (none here).
 */
static void sf_test_fill_half(struct kunit *test, struct sf_test_ns *t,
			      bool unpriv)
{
	s64 full = (s64)sf_max_mem_mb << 20;
	s64 flows_cap = full - (full >> SF_MEM_RESERVE_SHIFT);
	struct sf_flow *f;
	unsigned int i;

	for (i = 1; i < 1 << 16; i++) {
		f = unpriv ? sf_test_flow_create_unpriv(t, i) :
			     sf_test_flow_create(t, i, SNAPFIRE_ROLE_REFLECTOR);
		if (!f)
			break;
	}
	KUNIT_EXPECT_LE(test, atomic64_read(&t->sn->mem), flows_cap / 2);
	KUNIT_EXPECT_GT(test, atomic64_read(&t->sn->mem),
			flows_cap / 2 - 4096 -
			(atomic64_read(&sf_global_mem) - atomic64_read(&t->sn->mem)));
}

/*
 * In the host's namespace, with 2 MiB of cap above what is in use: fill
 * the untrusted half (sf_test_fill_half()), then an administrator's sender
 * flow is still made past it, and deleting them all gives every byte back
 * to the account it came from.
 */
static void sf_test_half_then_admin(struct kunit *test, struct sf_test_ns *t,
				    bool unpriv)
{
	sf_max_mem_mb = 2 + (atomic64_read(&sf_global_mem) >> 20);
	sf_test_fill_half(test, t, unpriv);
	KUNIT_EXPECT_NOT_NULL(test, sf_test_flow_create(t, 1 << 17, SNAPFIRE_ROLE_SENDER));
	KUNIT_EXPECT_EQ(test, sf_flow_del(t->sn, 0), 0);
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->sn->mem), 0LL);
}

/*
 * The memory cap: new flows are refused and counted a sixteenth short of
 * max_mem_mb; a flow that exists keeps recording into the groups it has,
 * and gets new ones from that last sixteenth, up to the cap itself; a
 * namespace of another user namespace, an unprivileged task's sender flows
 * and anyone's reflector flows stop at half of it.
 */
static void sf_flow_test_mem_cap(struct kunit *test)
{
	struct sf_test_ns *t = test->priv;
	unsigned int saved = sf_max_mem_mb, i;
	struct sf_flow *live, *f = NULL;
	s64 cap = 1 << 20, start, full, flows_cap;

	start = atomic64_read(&sf_global_mem);
	sf_max_mem_mb = 1 + (start >> 20);	/* 1 MiB or less above today */
	full = (s64)sf_max_mem_mb << 20;
	flows_cap = full - (full >> SF_MEM_RESERVE_SHIFT);
	cap = flows_cap - start;
	sf_cfg(t->cfg, MAX_FLOWS) = 1 << 20;
	live = sf_test_flow_create(t, 0, SNAPFIRE_ROLE_SENDER);
	KUNIT_ASSERT_NOT_NULL(test, live);
	spin_lock_bh(&live->lock);
	sf_flow_add_sample(live, SNAPFIRE_METRIC_RTT, 1000000);
	spin_unlock_bh(&live->lock);
	/* the administrator's own sender flows: up to the cap */
	for (i = 1; i < 1 << 16; i++) {
		f = sf_test_flow_create(t, i, SNAPFIRE_ROLE_SENDER);
		if (!f)
			break;
	}
	KUNIT_EXPECT_NULL(test, f);
	KUNIT_EXPECT_GT(test, sf_test_counter(t->sn, SF_C_MEM_REFUSED), 0ULL);
	/* the flows stopped a sixteenth short of the cap */
	KUNIT_EXPECT_LE(test, atomic64_read(&sf_global_mem), flows_cap);
	KUNIT_EXPECT_GT(test, atomic64_read(&t->sn->mem), cap - 4096);
	/*
	 * The live flow's new group (128 bytes) comes from the sixteenth kept
	 * for existing flows (64 KiB and more here); an existing group still
	 * counts.
	 */
	spin_lock_bh(&live->lock);
	sf_flow_add_sample(live, SNAPFIRE_METRIC_RTT, 1000001);
	sf_flow_add_sample(live, SNAPFIRE_METRIC_RTT, 5);
	spin_unlock_bh(&live->lock);
	KUNIT_EXPECT_EQ(test, live->hist[SNAPFIRE_METRIC_RTT]->count, 3ULL);
	/* and with no headroom at all, a new group is refused */
	sf_max_mem_mb = atomic64_read(&sf_global_mem) >> 20;
	spin_lock_bh(&live->lock);
	sf_flow_add_sample(live, SNAPFIRE_METRIC_RTT, 1000002);
	sf_flow_add_sample(live, SNAPFIRE_METRIC_RTT, 100000000000LL);
	spin_unlock_bh(&live->lock);
	KUNIT_EXPECT_EQ(test, live->hist[SNAPFIRE_METRIC_RTT]->count, 4ULL);

	/* untrusted: half the cap over all such namespaces */
	KUNIT_EXPECT_EQ(test, sf_flow_del(t->sn, 0), 0);
	rcu_barrier();
	t->sn->untrusted = true;
	sf_max_mem_mb = 2 + (atomic64_read(&sf_global_mem) >> 20);
	sf_test_fill_half(test, t, false);
	KUNIT_EXPECT_EQ(test, sf_flow_del(t->sn, 0), 0);
	rcu_barrier();
	t->sn->untrusted = false;

	/*
	 * An unprivileged task's sender flows in the host's namespace: the
	 * same half; an administrator's sender flow is still made past it,
	 * and each flow's memory goes back to the account it came from.
	 */
	sf_test_half_then_admin(test, t, true);
	/* the untrusted account is empty again: half the cap fits anew */
	sf_test_fill_half(test, t, true);
	KUNIT_EXPECT_EQ(test, sf_flow_del(t->sn, 0), 0);
	rcu_barrier();

	/*
	 * Anyone's reflector flows in the host's namespace (any host or
	 * local user sends to a STAMP port): the same half, and the
	 * administrator's sender flows are still made past it.
	 */
	sf_test_half_then_admin(test, t, false);
	sf_max_mem_mb = saved;
}

/* Delete-all and reset-all over several batches of SF_BATCH flows. */
static void sf_flow_test_batches(struct kunit *test)
{
	struct sf_test_ns *t = test->priv;
	unsigned int i, missing = 0, not_reset = 0;
	struct sf_flow *f;

	sf_cfg(t->cfg, MAX_FLOWS) = 1 << 20;
	for (i = 0; i < 3000; i++) {
		f = sf_test_flow_create(t, i, SNAPFIRE_ROLE_REFLECTOR);
		KUNIT_ASSERT_NOT_NULL(test, f);
		f->rx = 5;
	}
	KUNIT_EXPECT_EQ(test, t->sn->nflows, 3000U);
	KUNIT_EXPECT_EQ(test, sf_flow_reset(t->sn, 0), 0);
	rcu_read_lock();
	for (i = 1; i <= 3000; i++) {
		f = sf_flow_find_id(t->sn, i);
		if (!f)
			missing++;
		else if (f->rx)
			not_reset++;
	}
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, missing, 0U);
	KUNIT_EXPECT_EQ(test, not_reset, 0U);
	KUNIT_EXPECT_EQ(test, sf_flow_del(t->sn, 0), 0);
	KUNIT_EXPECT_EQ(test, t->sn->nflows, 0U);
	KUNIT_EXPECT_NULL(test, sf_flow_find_id(t->sn, 1));
	KUNIT_EXPECT_NULL(test, sf_flow_find_id(t->sn, 3000));
}

/*
 * Delete-all and reset-all act on the flows that exist when they start:
 * sf_flow_del_upto() leaves every flow above its bound, whatever a flood
 * adds meanwhile, so that the request ends.
 */
static void sf_flow_test_del_bounded(struct kunit *test)
{
	struct sf_test_ns *t = test->priv;
	struct sf_flow *f;
	unsigned int i;

	sf_cfg(t->cfg, MAX_FLOWS) = 1 << 20;
	for (i = 0; i < 3000; i++)
		KUNIT_ASSERT_NOT_NULL(test, sf_test_flow_create(t, i, SNAPFIRE_ROLE_REFLECTOR));
	/* more than one batch below the bound, flows on both sides of it */
	sf_flow_del_upto(t->sn, 2000);
	KUNIT_EXPECT_EQ(test, t->sn->nflows, 1000U);
	/* (a failed expectation allocates: not under RCU) */
	for (i = 1; i <= 3000; i++) {
		rcu_read_lock();
		f = sf_flow_find_id(t->sn, i);
		rcu_read_unlock();
		if (i <= 2000)
			KUNIT_EXPECT_NULL(test, f);
		else
			KUNIT_EXPECT_NOT_NULL(test, f);
	}
	/* nothing to delete at or below the bound: nothing changes */
	sf_flow_del_upto(t->sn, 2000);
	KUNIT_EXPECT_EQ(test, t->sn->nflows, 1000U);
	KUNIT_EXPECT_EQ(test, sf_flow_del(t->sn, 0), 0);
	KUNIT_EXPECT_EQ(test, t->sn->nflows, 0U);
	KUNIT_EXPECT_NULL(test, sf_flow_find_id(t->sn, 3000));
	/* a flow made after it has a higher id: the next one, 3001 */
	f = sf_test_flow_create(t, 1, SNAPFIRE_ROLE_REFLECTOR);
	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_EXPECT_EQ(test, f->id, 3001ULL);
}

static struct kunit_case sf_flow_cases[] = {
	KUNIT_CASE(sf_flow_test_insert_lookup),
	KUNIT_CASE(sf_flow_test_events),
	KUNIT_CASE(sf_flow_test_event_rate),
	KUNIT_CASE(sf_flow_test_event_flood),
	KUNIT_CASE(sf_flow_test_flow_rate),
	KUNIT_CASE(sf_flow_test_expire),
	KUNIT_CASE(sf_flow_test_gc_armed),
	KUNIT_CASE(sf_flow_test_del_reset),
	KUNIT_CASE(sf_flow_test_concurrent),
	KUNIT_CASE(sf_flow_test_mem_cap),
	KUNIT_CASE(sf_flow_test_batches),
	KUNIT_CASE(sf_flow_test_del_bounded),
	{}
};

static struct kunit_suite sf_flow_suite = {
	.name = "snapfire_flow",
	.suite_init = sf_test_hist_suite_init,
	.suite_exit = sf_test_hist_suite_exit,
	.init = sf_test_ns_init,
	.exit = sf_test_ns_exit,
	.test_cases = sf_flow_cases,
};

kunit_test_suites(&sf_flow_suite);
