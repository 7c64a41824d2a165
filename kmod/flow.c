// SPDX-License-Identifier: GPL-2.0
/*
 * The per-namespace flow table.
 *
 * Flows live in an rhashtable keyed by struct sf_flow_key (the packet
 * path's look-up), in an xarray indexed by their id (netlink's: get by id,
 * dumps in id order that resume where they stopped) and, for ageing, on
 * sf_net.flow_list. The packet path looks flows up under RCU and creates
 * a missing one with a single GFP_ATOMIC allocation; at the max-flows limit
 * it first evicts one flow chosen by a CLOCK (second chance) scan, so that a
 * flood of spoofed one-packet flows pushes out idle flows and not the ones
 * that carry traffic. Idle flows are expired by a periodic work item that
 * scans a bounded slice of the list per run. Flows are freed after an RCU
 * grace period, so lock-free readers never see freed memory. What a new
 * flow or histogram group may cost (the memory cap, flow-rate) is
 * admit.c's.
 */
#include <linux/slab.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>

#include "snapfire.h"

#define SF_EVICT_SCAN	16	/* flows a CLOCK eviction looks at, at most */
#define SF_GC_SCAN	4096	/* flows one GC run looks at, at most */
#define SF_GC_PERIOD	HZ
#define SF_BATCH	1024	/* flows deleted or reset per lock hold */

static const struct rhashtable_params sf_flow_params = {
	.key_len = sizeof(struct sf_flow_key),
	.key_offset = offsetof(struct sf_flow, key),
	.head_offset = offsetof(struct sf_flow, node),
	.automatic_shrinking = true,
};

static size_t sf_flow_size(u8 role)
{
	size_t size = sizeof(struct sf_flow);

	if (role == SNAPFIRE_ROLE_SENDER)
		size += SF_PENDING * sizeof(struct sf_pending);
	return size;
}

/*
 * No reader is left: account and free. A packet path that found the flow
 * before it was unlinked may have grown its histograms until now, which is
 * why the memory is given back here and not at unlink time.
 */
static void sf_flow_free_rcu(struct rcu_head *head)
{
	struct sf_flow *f = container_of(head, struct sf_flow, rcu);
	unsigned int m;

	sf_mem_add(f->sn, sf_flow_untrusted(f), -(s64)f->mem);
	for (m = 0; m < SF_METRIC_CNT; m++)
		sf_hist_free(f->hist[m]);
	if (f->key.role == SNAPFIRE_ROLE_SENDER)
		kfree(f->replied);
	kfree(f);
}

/* Take @f out of the table and the list; it is freed after a grace period. */
static void sf_flow_unlink(struct sf_net *sn, struct sf_flow *f)
{
	lockdep_assert_held(&sn->lock);
	rhashtable_remove_fast(&sn->flows, &f->node, sf_flow_params);
	xa_erase(&sn->flow_ids, f->id);
	list_del(&f->list);
	WRITE_ONCE(sn->nflows, sn->nflows - 1);	/* status reads it unlocked */
	call_rcu(&f->rcu, sf_flow_free_rcu);
}

static bool sf_flow_idle(const struct sf_flow *f, unsigned long age)
{
	return time_after(jiffies, READ_ONCE(f->last_jiffies) + age);
}

/*
 * An event for @f, which sn->lock keeps in the table: under @f's own lock,
 * as the packet path writes the counts the event carries (rx, the
 * sequence state) under it on other CPUs.
 */
static void sf_flow_event_locked(struct sf_net *sn, u8 type, struct sf_flow *f)
{
	lockdep_assert_held(&sn->lock);
	spin_lock_bh(&f->lock);
	sf_event_push(sn, type, f, 0, 0);
	spin_unlock_bh(&f->lock);
}

/*
 * Evict one flow to make room for a flow of role @role. CLOCK with a
 * preference: the first flow of the list with one packet at most and idle
 * for a second or more goes at once; otherwise, of the SF_EVICT_SCAN flows
 * looked at (each moved to the tail, a second chance), the one with the
 * fewest packets goes, the least recently seen of equals. A flood of
 * spoofed one-packet flows thus evicts its own kind, not the flows that
 * carry traffic, however slowly: a session probing every few seconds is
 * idle most of the time, and a flood brings every flow of the list round
 * to the head within that time.
 *
 * Unless @any, only flows anyone may make go: reflector flows (made by a
 * packet from anywhere) and unprivileged tasks' sender flows. A flow of
 * that kind evicts its kind only: this host's own measurements (sender
 * flows its administrators' sockets made) are never pushed out by remote
 * packets or by a local user's flood, not even in their first round trip,
 * when they hold one packet as a flood's flows do. An administrator's
 * sender flow, and the GC trimming to a lowered max-flows, take any.
 */
static void sf_flow_evict_one(struct sf_net *sn, bool any)
{
	struct sf_flow *f, *victim = NULL;
	u64 pkts, victim_pkts = U64_MAX;
	unsigned int i;

	lockdep_assert_held(&sn->lock);
	for (i = 0; i < SF_EVICT_SCAN && !list_empty(&sn->flow_list); i++) {
		f = list_first_entry(&sn->flow_list, struct sf_flow, list);
		list_move_tail(&f->list, &sn->flow_list);
		if (!any && f->key.role != SNAPFIRE_ROLE_REFLECTOR && !f->unpriv)
			continue;
		pkts = READ_ONCE(f->rx) + READ_ONCE(f->tx);
		if (pkts <= 1 && sf_flow_idle(f, HZ)) {
			victim = f;
			break;
		}
		if (pkts < victim_pkts ||
		    (pkts == victim_pkts &&
		     time_before(READ_ONCE(f->last_jiffies),
				 READ_ONCE(victim->last_jiffies)))) {
			victim = f;
			victim_pkts = pkts;
		}
	}
	if (!victim)
		return;
	sf_flow_event_locked(sn, SNAPFIRE_EVENT_TYPE_FLOW_EVICTED, victim);
	sf_flow_unlink(sn, victim);
	sf_count(sn, SF_C_FLOWS_EVICTED);
}

struct sf_flow *sf_flow_lookup(struct sf_net *sn, const struct sf_flow_key *key)
{
	return rhashtable_lookup(&sn->flows, key, sf_flow_params);
}

/*
 * Make the flow of @key, which the caller just looked up and did not find
 * (another CPU may make it meanwhile: then that one is returned). Called
 * under RCU from the packet path; returns NULL when out of memory, at
 * max-flows with no flow to evict, or past flow-rate. @unpriv: a sender
 * flow an unprivileged task's probe makes (struct sf_flow.unpriv); a
 * reflector flow is anyone's anyway.
 */
struct sf_flow *sf_flow_create(struct sf_net *sn, const struct sf_config *cfg,
			       const struct sf_flow_key *key, u64 now,
			       bool unpriv)
{
	enum sf_counter refused = SF_C_ALLOC_FAILURES;
	bool anyones, untrusted;
	struct sf_flow *f, *old;
	size_t size;

	unpriv = unpriv && key->role == SNAPFIRE_ROLE_SENDER;
	anyones = key->role == SNAPFIRE_ROLE_REFLECTOR || unpriv;
	untrusted = sn->untrusted || anyones;	/* sf_flow_untrusted() */
	if (anyones && !sf_flow_rate_ok(sn, cfg, unpriv)) {
		sf_count(sn, SF_C_FLOWS_LIMITED);
		return NULL;
	}

	/* the accounting counts what the slab really gives */
	size = kmalloc_size_roundup(sf_flow_size(key->role));
	if (!sf_mem_allowed(sn, untrusted, size, true)) {
		sf_count(sn, SF_C_MEM_REFUSED);
		return NULL;
	}
	f = kzalloc(size, GFP_ATOMIC | __GFP_NOWARN);
	if (!f) {
		sf_count(sn, SF_C_ALLOC_FAILURES);
		return NULL;
	}
	f->key = *key;
	f->sn = sn;
	spin_lock_init(&f->lock);
	f->created = now;
	f->last_seen = now;
	f->last_jiffies = jiffies;
	f->win_start = now;
	f->precision = sf_cfg(cfg, HIST_PRECISION);
	f->mem = size;
	f->unpriv = unpriv;
	sf_seq_init(&f->seq);
	sf_seq_init(&f->rseq);
	if (key->role == SNAPFIRE_ROLE_SENDER)
		f->pending = (struct sf_pending *)(f + 1);

	spin_lock_bh(&sn->lock);
	/* written without sn->lock (sf_net_pre_exit), read under it */
	if (unlikely(READ_ONCE(sn->dying)))
		goto err_unlock;
	/*
	 * Make room for one. When the limit was lowered below the count, the
	 * GC trims the excess; the packet path never evicts more than one.
	 */
	if (sn->nflows >= sf_cfg(cfg, MAX_FLOWS))
		sf_flow_evict_one(sn, !anyones);
	if (sn->nflows >= sf_cfg(cfg, MAX_FLOWS)) {
		refused = SF_C_FLOWS_FULL;	/* nothing this role may evict */
		goto err_unlock;
	}
	/*
	 * The id's slot is reserved first (the allocation that may fail),
	 * and filled only once the key is in the rhashtable: a reserved slot
	 * reads as empty, so netlink readers walking the ids under RCU alone
	 * never see a flow that loses the race below. xa_lock nests inside
	 * sf_net.lock.
	 */
	f->id = ++sn->next_id;
	if (xa_reserve(&sn->flow_ids, f->id, GFP_ATOMIC | __GFP_NOWARN))
		goto err_unlock;
	old = rhashtable_lookup_get_insert_fast(&sn->flows, &f->node,
						sf_flow_params);
	if (unlikely(old)) {
		/* Lost a race with another CPU, or the table failed. */
		xa_release(&sn->flow_ids, f->id);
		spin_unlock_bh(&sn->lock);
		kfree_rcu(f, rcu);
		if (IS_ERR(old)) {
			sf_count(sn, SF_C_ALLOC_FAILURES);
			return NULL;
		}
		return old;
	}
	/* into the reserved slot: allocates nothing, cannot fail */
	xa_store(&sn->flow_ids, f->id, f, GFP_ATOMIC);
	list_add_tail(&f->list, &sn->flow_list);
	/* the first flow arms the GC (sf_gc_work: it stops when none is left) */
	WRITE_ONCE(sn->nflows, sn->nflows + 1);	/* status reads it unlocked */
	if (sn->nflows == 1)
		queue_delayed_work(system_power_efficient_wq, &sn->gc_work,
				   SF_GC_PERIOD);
	sf_mem_add(sn, untrusted, size);	/* not f->mem: a reader may have grown it */
	/* in the table now: another CPU's packet may be counting in it */
	sf_flow_event_locked(sn, SNAPFIRE_EVENT_TYPE_FLOW_NEW, f);
	spin_unlock_bh(&sn->lock);
	sf_count(sn, SF_C_FLOWS_CREATED);
	return f;

err_unlock:
	spin_unlock_bh(&sn->lock);
	kfree(f);
	sf_count(sn, refused);
	return NULL;
}

/* The caller holds rcu_read_lock(); the flow stays valid until it drops it. */
struct sf_flow *sf_flow_find_id(struct sf_net *sn, u64 id)
{
	return xa_load(&sn->flow_ids, id);	/* 64-bit only (compat.h) */
}

/*
 * The highest flow id given so far: "every flow" in a request means the
 * flows that exist when it starts. One that a flood creates meanwhile has
 * a higher id and is left alone, so that the request ends however fast
 * flows come (it would otherwise chase them for as long as they came).
 */
static unsigned long sf_flow_last_id(struct sf_net *sn)
{
	unsigned long last;

	spin_lock_bh(&sn->lock);
	last = sn->next_id;
	spin_unlock_bh(&sn->lock);
	return last;
}

/*
 * Unlink every flow whose id is at most @last, in id order, SF_BATCH at a
 * time with the lock dropped in between: a million flows must not hold a
 * BH-disabled lock for long, nor the CPU.
 */
void sf_flow_del_upto(struct sf_net *sn, unsigned long last)
{
	unsigned long idx = 1;
	struct sf_flow *f;
	unsigned int i;

	do {
		spin_lock_bh(&sn->lock);
		/* in the xarray means linked: both change under sf_net.lock */
		for (i = 0; i < SF_BATCH; i++) {
			f = xa_find(&sn->flow_ids, &idx, last, XA_PRESENT);
			if (!f)
				break;
			sf_flow_unlink(sn, f);
		}
		spin_unlock_bh(&sn->lock);
		cond_resched();
	} while (f);
}

int sf_flow_del(struct sf_net *sn, u64 id)
{
	struct sf_flow *f;
	int err = -ENOENT;

	if (!id) {
		sf_flow_del_upto(sn, sf_flow_last_id(sn));
		return 0;
	}
	spin_lock_bh(&sn->lock);
	/* in the xarray means linked: both change under sf_net.lock */
	f = sf_flow_find_id(sn, id);
	if (f) {
		sf_flow_unlink(sn, f);
		err = 0;
	}
	spin_unlock_bh(&sn->lock);
	return err;
}

/* Zero a flow's statistics; the caller holds f->lock. */
static void sf_flow_zero(struct sf_flow *f)
{
	size_t before = 0, after = 0;
	unsigned int m;

	lockdep_assert_held(&f->lock);
	for (m = 0; m < SF_METRIC_CNT; m++) {
		if (!f->hist[m])
			continue;
		before += sf_hist_mem(f->hist[m]);
		sf_hist_reset(f->hist[m]);
		after += sf_hist_mem(f->hist[m]);
	}
	WRITE_ONCE(f->tx, 0);
	WRITE_ONCE(f->rx, 0);
	sf_seq_init(&f->seq);
	sf_seq_init(&f->rseq);
	f->stateful_peer = false;
	f->jitter = 0;
	f->have_prev = false;
	f->win_n = 0;
	f->win_over = 0;
	f->win_max = 0;
	f->win_expected = 0;
	f->win_lost = 0;
	f->rtt_alarm = false;
	f->loss_alarm = false;
	if (f->key.role == SNAPFIRE_ROLE_SENDER) {
		memset(f->pending, 0, SF_PENDING * sizeof(*f->pending));
		if (f->replied)
			memset(f->replied, 0, SF_PENDING * sizeof(*f->replied));
	} else {
		f->fu = (struct sf_followup){};
	}
	WRITE_ONCE(f->mem, f->mem - (before - after));
	sf_mem_add(f->sn, sf_flow_untrusted(f), -(s64)(before - after));
}

static void sf_flow_reset_one(struct sf_flow *f)
{
	spin_lock_bh(&f->lock);
	sf_flow_zero(f);
	spin_unlock_bh(&f->lock);
}

/*
 * id 0: every flow that exists when it starts (sf_flow_last_id()), in id
 * order, SF_BATCH at a time between reschedules.
 */
int sf_flow_reset(struct sf_net *sn, u64 id)
{
	unsigned long idx = 0, last;
	struct sf_flow *f;
	unsigned int i;

	if (id) {
		rcu_read_lock();
		f = sf_flow_find_id(sn, id);
		if (f)
			sf_flow_reset_one(f);
		rcu_read_unlock();
		return f ? 0 : -ENOENT;
	}
	last = sf_flow_last_id(sn);
	do {
		rcu_read_lock();
		for (i = 0; i < SF_BATCH; i++) {
			f = xa_find(&sn->flow_ids, &idx, last, XA_PRESENT);
			if (!f)
				break;
			sf_flow_reset_one(f);
			idx++;
		}
		rcu_read_unlock();
		cond_resched();
	} while (f);
	return 0;
}

/*
 * The sender's record of replies received, for Follow-Up Telemetry:
 * allocated when the first reply carrying the TLV arrives, so that only
 * sessions using it pay for it (1 KiB). The caller holds f->lock. NULL at
 * the memory cap (counted) or when the allocation fails.
 */
struct sf_replied *sf_flow_replied(struct sf_flow *f)
{
	size_t size = SF_PENDING * sizeof(*f->replied);
	struct sf_net *sn = f->sn;

	lockdep_assert_held(&f->lock);
	if (f->replied)
		return f->replied;
	if (!sf_mem_allowed(sn, sf_flow_untrusted(f), size, false)) {
		sf_count(sn, SF_C_MEM_REFUSED);
		return NULL;
	}
	f->replied = kzalloc(size, GFP_ATOMIC | __GFP_NOWARN);
	if (!f->replied) {
		sf_count(sn, SF_C_ALLOC_FAILURES);
		return NULL;
	}
	WRITE_ONCE(f->mem, f->mem + size);
	sf_mem_add(sn, sf_flow_untrusted(f), size);
	return f->replied;
}

/*
 * Record one sample of metric @m; the caller holds f->lock. Histograms and
 * their groups are allocated on first use; a failure loses the sample and
 * is counted.
 */
void sf_flow_add_sample(struct sf_flow *f, enum snapfire_metric m, s64 v)
{
	bool untrusted = sf_flow_untrusted(f);
	struct sf_net *sn = f->sn;
	struct sf_hist *h = f->hist[m];
	size_t before;
	int ret;

	lockdep_assert_held(&f->lock);
	if (!h) {
		if (!sf_mem_allowed(sn, untrusted, sf_hist_head_mem(), false)) {
			sf_count(sn, SF_C_MEM_REFUSED);
			return;
		}
		h = sf_hist_alloc(f->precision, GFP_ATOMIC | __GFP_NOWARN);
		if (!h) {
			sf_count(sn, SF_C_ALLOC_FAILURES);
			return;
		}
		f->hist[m] = h;
		WRITE_ONCE(f->mem, f->mem + sf_hist_mem(h));
		sf_mem_add(sn, untrusted, sf_hist_mem(h));
	}
	before = sf_hist_mem(h);
	if (!sf_mem_allowed(sn, untrusted, sf_hist_growth(h, v), false)) {
		/* at the cap: the sample is lost, not the flow's memory bound */
		sf_count(sn, SF_C_MEM_REFUSED);
		return;
	}
	ret = sf_hist_add(h, v, GFP_ATOMIC | __GFP_NOWARN);
	if (ret < 0) {
		sf_count(sn, SF_C_ALLOC_FAILURES);
		return;
	}
	if (ret > 0)
		sf_count(sn, SF_C_CLAMPED);
	if (sf_hist_mem(h) != before) {
		size_t grown = sf_hist_mem(h) - before;

		WRITE_ONCE(f->mem, f->mem + grown);
		sf_mem_add(sn, untrusted, grown);
	}
}

/*
 * Periodic ageing: expire flows idle for the idle timeout and trim the
 * table to max-flows (which may have been lowered). Each run looks at no
 * more than SF_GC_SCAN flows from the head of the list, moving the live
 * ones to the tail, so a large table is swept over several runs without
 * holding the lock for long.
 *
 * It runs only while the namespace has flows: a run that leaves none does
 * not re-arm, and the first flow made after it arms it again
 * (sf_flow_create, under sf_net.lock). A host with thousands of
 * network namespaces (containers) and snapfire loaded would otherwise
 * wake once a second for each of them. A flow made between this run's
 * unlock and its end finds the work no longer pending and queues it.
 */
void sf_gc_work(struct work_struct *work)
{
	struct sf_net *sn = container_of(to_delayed_work(work), struct sf_net,
					 gc_work);
	const struct sf_config *cfg;
	unsigned long idle;
	u32 max_flows;
	unsigned int i, n;
	bool rearm;

	rcu_read_lock();
	cfg = rcu_dereference(sn->config);
	idle = (unsigned long)sf_cfg(cfg, IDLE_TIMEOUT) * HZ;
	max_flows = sf_cfg(cfg, MAX_FLOWS);
	rcu_read_unlock();

	spin_lock_bh(&sn->lock);
	for (i = 0; i < SF_GC_SCAN && sn->nflows > max_flows; i++)
		sf_flow_evict_one(sn, true);
	/* nflows shrinks as flows expire: scan a count fixed beforehand */
	n = min_t(u32, SF_GC_SCAN, sn->nflows);
	for (i = 0; i < n; i++) {
		struct sf_flow *f = list_first_entry(&sn->flow_list,
						     struct sf_flow, list);

		if (sf_flow_idle(f, idle)) {
			sf_flow_event_locked(sn, SNAPFIRE_EVENT_TYPE_FLOW_EXPIRED, f);
			sf_flow_unlink(sn, f);
			sf_count(sn, SF_C_FLOWS_EXPIRED);
		} else {
			list_move_tail(&f->list, &sn->flow_list);
		}
	}
	rearm = sn->nflows > 0;
	spin_unlock_bh(&sn->lock);

	if (rearm && !READ_ONCE(sn->dying))
		queue_delayed_work(system_power_efficient_wq, &sn->gc_work,
				   SF_GC_PERIOD);
}

int sf_flows_init(struct sf_net *sn)
{
	int err;

	spin_lock_init(&sn->lock);
	spin_lock_init(&sn->flow_rate_lock);	/* admit.c */
	INIT_LIST_HEAD(&sn->flow_list);
	xa_init(&sn->flow_ids);
	atomic64_set(&sn->mem, 0);
	err = rhashtable_init(&sn->flows, &sf_flow_params);
	if (err)
		return err;
	/* armed by the first flow, not here: an idle namespace never wakes */
	INIT_DELAYED_WORK(&sn->gc_work, sf_gc_work);
	return 0;
}

/*
 * The namespace is going away and no packet path can reach @sn any more
 * (sf_net.dying was set before a grace period): free every flow. Their
 * memory goes back in RCU callbacks that account to @sn: the caller waits
 * for them (rcu_barrier()) before @sn is freed. The pernet exit does so
 * once a batch of namespaces (sf_net_exit_batch), not once each: anyone
 * can make and drop network namespaces, and a barrier each would make
 * their cleanup, which is one worker for the whole host, fall behind.
 */
void sf_flows_exit(struct sf_net *sn)
{
	cancel_delayed_work_sync(&sn->gc_work);
	sf_flow_del_upto(sn, ULONG_MAX);	/* dying: no flow comes */
	rhashtable_destroy(&sn->flows);
	xa_destroy(&sn->flow_ids);
}
