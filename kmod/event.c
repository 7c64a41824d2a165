// SPDX-License-Identifier: GPL-2.0
/*
 * Events: flow created/evicted/expired and threshold crossings.
 *
 * The packet path never builds netlink messages: it copies what the event
 * needs into a small per-namespace ring and kicks a work item, which sends
 * the notifications from process context. A token bucket limits the events
 * a namespace may send per second; what it or a full ring refuses is
 * counted in events-dropped.
 */
#include <linux/ktime.h>
#include <linux/timekeeping.h>

#include "snapfire.h"

/*
 * Set once, at module unload, before the genl family is unregistered: no
 * event work is scheduled after it (readers under RCU, see sf_events_stop).
 */
static bool sf_events_stopped;

static bool sf_event_allowed(struct sf_net *sn, u32 rate)
{
	lockdep_assert_held(&sn->ev_lock);
	/* a burst of one second */
	return sf_bucket_take(&sn->ev_bucket, ktime_get_mono_fast_ns(), rate,
			      rate);
}

/* Any context; takes sf_net.ev_lock, the innermost lock. */
void sf_event_push(struct sf_net *sn, u8 type, const struct sf_flow *f,
		   u64 value, u64 threshold)
{
	const struct sf_config *cfg;
	struct sf_event *ev;
	bool queued = false;
	u32 rate;

	rcu_read_lock();
	cfg = rcu_dereference(sn->config);
	rate = cfg ? sf_cfg(cfg, EVENT_RATE) :
		     sf_config_keys[SNAPFIRE_A_CONFIG_EVENT_RATE].def;
	rcu_read_unlock();

	spin_lock_bh(&sn->ev_lock);
	if (sn->ev_len < SF_EVENT_RING && sf_event_allowed(sn, rate)) {
		ev = &sn->events[(sn->ev_head + sn->ev_len) % SF_EVENT_RING];
		ev->type = type;
		ev->key = f->key;
		ev->id = f->id;
		ev->rx = f->rx;
		ev->lost = sf_seq_lost(&f->seq);
		ev->value = value;
		ev->threshold = threshold;
		sn->ev_len++;
		queued = true;
	}
	spin_unlock_bh(&sn->ev_lock);

	if (!queued) {
		sf_count(sn, SF_C_EVENTS_DROPPED);
		return;
	}
	rcu_read_lock();
	if (!READ_ONCE(sn->dying) && !READ_ONCE(sf_events_stopped))
		schedule_work(&sn->event_work);
	rcu_read_unlock();
}

/*
 * Module unload: after this returns no event work runs or will be
 * scheduled, so the genl family may go. A pusher that saw the flag clear
 * did so in an RCU read-side section, which synchronize_rcu() waits for;
 * the work it may have scheduled is then cancelled (or waited for) here.
 */
void sf_events_stop(void)
{
	struct sf_net *sn;

	WRITE_ONCE(sf_events_stopped, true);
	synchronize_rcu();
	mutex_lock(&sf_nets_mutex);
	list_for_each_entry(sn, &sf_nets, node)
		cancel_work_sync(&sn->event_work);
	mutex_unlock(&sf_nets_mutex);
}

/*
 * Sends at most one ring's worth per run, then requeues itself if more are
 * waiting: a flood that refills the ring as fast as this drains it must
 * neither hold a worker forever nor keep cancel_work_sync() in
 * sf_events_stop() or namespace exit from returning.
 */
void sf_event_work(struct work_struct *work)
{
	struct sf_net *sn = container_of(work, struct sf_net, event_work);
	struct sf_event ev;
	unsigned int n;
	bool more;

	for (n = 0; n < SF_EVENT_RING; n++) {
		if (READ_ONCE(sf_events_stopped) || READ_ONCE(sn->dying))
			return;
		spin_lock_bh(&sn->ev_lock);
		if (!sn->ev_len) {
			spin_unlock_bh(&sn->ev_lock);
			return;
		}
		ev = sn->events[sn->ev_head];
		sn->ev_head = (sn->ev_head + 1) % SF_EVENT_RING;
		sn->ev_len--;
		spin_unlock_bh(&sn->ev_lock);

		if (sf_genl_event(sn, &ev))
			sf_count(sn, SF_C_EVENTS_DROPPED);
	}

	spin_lock_bh(&sn->ev_lock);
	more = sn->ev_len;
	spin_unlock_bh(&sn->ev_lock);
	/* same rule as sf_event_push: the flags are read under RCU */
	rcu_read_lock();
	if (more && !READ_ONCE(sn->dying) && !READ_ONCE(sf_events_stopped))
		schedule_work(&sn->event_work);
	rcu_read_unlock();
}
