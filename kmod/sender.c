// SPDX-License-Identifier: GPL-2.0
/*
 * The sender role at the timestamp points (hooks.c calls these): a probe
 * leaving this host (LOCAL_OUT) and its reply coming back (LOCAL_IN), the
 * round trip, one-way delays and the far host's egress stage taken from
 * the reply. Per packet, as all of hooks.c: no allocation but a new
 * flow's (and a histogram bucket group's), no sleeping lock, no printk.
 */
#include <linux/jhash.h>
#include <linux/skbuff.h>
#include <net/net_namespace.h>

#include "snapfire.h"
#include "pkt.h"
#include "stamp.h"
#include "hooks.h"

/* The ssid_hint slot of @key's UDP 4-tuple (SSID and role left out). */
static u16 *sf_ssid_hint(struct sf_net *sn, const struct sf_flow_key *key)
{
	u32 h = jhash(key, offsetof(struct sf_flow_key, ssid), 0);

	BUILD_BUG_ON(offsetof(struct sf_flow_key, ssid) !=
		     offsetof(struct sf_flow_key, rport) + sizeof(key->rport));
	return &sn->ssid_hint[h % SF_SSID_HINTS];
}

/* Sender, LOCAL_OUT: a probe leaves; remember when. */
void sf_sender_out(struct sf_net *sn, const struct sf_config *cfg,
		   const struct sk_buff *skb, const struct net *net,
		   const struct sf_pkt *pkt, const struct sf_stamp *st)
{
	struct sf_flow_key key;
	struct sf_pending *p;
	struct sf_flow *f;
	u64 now = sf_now();

	sf_count(sn, SF_C_PROBES_TX);
	sf_key(&key, pkt, SF_EGRESS, SNAPFIRE_ROLE_SENDER, st->ssid);
	/* who sent it matters only to a new flow: asked only then */
	f = sf_flow_lookup(sn, &key);
	if (!f)
		f = sf_flow_create(sn, cfg, &key, now,
				   !sf_admin_sender(skb, net));
	if (!f)
		return;
	WRITE_ONCE(*sf_ssid_hint(sn, &key), key.ssid);
	spin_lock_bh(&f->lock);
	if (!f->tx || (s32)(st->seq - f->tx_seq_hi) > 0)
		f->tx_seq_hi = st->seq;
	WRITE_ONCE(f->tx, f->tx + 1);	/* the eviction reads it unlocked */
	f->last_seen = now;
	WRITE_ONCE(f->last_jiffies, jiffies);
	p = &f->pending[st->seq % SF_PENDING];
	p->seq = st->seq;
	p->valid = true;
	p->t_out = now;
	p->t_xmit = 0;
	sf_window(sn, cfg, f, now);
	spin_unlock_bh(&f->lock);
}

/*
 * Sender, LOCAL_IN, f->lock held: a reply's Follow-Up Telemetry tells when
 * the reflector's previous reply really left it; that reply's T3 was
 * written before the reflector's qdisc. Then remember this reply's T3.
 */
static void sf_followup_in(struct sf_net *sn, struct sf_flow *f,
			   const struct sf_stamp *st)
{
	struct sf_replied *replied, *r;

	lockdep_assert_held(&f->lock);
	if (!st->fu_off)
		return;		/* the session does not use it */
	replied = sf_flow_replied(f);
	if (!replied)
		return;
	if (st->fu_ts) {
		r = &replied[st->fu_seq % SF_PENDING];
		if (r->valid && r->seq == st->fu_seq && r->t3) {
			/* it cannot have left before its T3 was written */
			if (st->fu_ts >= r->t3)
				sf_flow_add_sample(f, SNAPFIRE_METRIC_FAR_TX_STAGE,
						   (s64)(st->fu_ts - r->t3));
			else
				sf_count(sn, SF_C_IMPLAUSIBLE);
			r->valid = false;
		}
	}
	r = &replied[st->seq % SF_PENDING];
	r->seq = st->seq;
	r->t3 = st->ts;
	r->valid = true;
}

/* Sender, LOCAL_IN: a reflected packet is back. */
void sf_sender_in(struct sf_net *sn, const struct sf_config *cfg,
		  const struct sk_buff *skb, const struct sf_pkt *pkt,
		  const struct sf_stamp *st)
{
	u64 now = sf_now(), t4 = sf_rx_time(skb, now), t1;
	s64 rtt, turnaround;
	struct sf_flow_key key;
	struct sf_pending *p;
	struct sf_flow *f;
	bool synced, own, carried;

	sf_key(&key, pkt, SF_INGRESS, SNAPFIRE_ROLE_SENDER, st->ssid);
	f = sf_flow_lookup(sn, &key);
	if (!f && !st->ssid) {
		/* an RFC 8762-only reflector: match by the 4-tuple */
		key.ssid = READ_ONCE(*sf_ssid_hint(sn, &key));
		if (key.ssid)
			f = sf_flow_lookup(sn, &key);
	}
	if (!f) {
		/* we never saw it leave: not ours to account */
		sf_count(sn, SF_C_UNMATCHED);
		return;
	}
	if (!t4)
		t4 = now;

	spin_lock_bh(&f->lock);
	/*
	 * After every sequence number this flow sent (serial: it may wrap):
	 * no probe of ours; recorded, its gap made as many losses.
	 */
	if (unlikely((s32)(st->sender_seq - f->tx_seq_hi) > 0)) {
		spin_unlock_bh(&f->lock);
		sf_count(sn, SF_C_UNMATCHED);
		return;
	}
	WRITE_ONCE(f->rx, f->rx + 1);
	f->last_seen = now;
	WRITE_ONCE(f->last_jiffies, jiffies);
	f->peer_ttl = pkt->ttl;
	if (sf_seq_update(&f->seq, st->sender_seq) == SF_SEQ_DUPLICATE)
		goto out;
	if (st->seq != st->sender_seq)
		f->stateful_peer = true;
	sf_seq_update(&f->rseq, st->seq);

	sf_followup_in(sn, f, st);

	/*
	 * The probe's own record, unless the probe SF_PENDING later took its
	 * slot (more in flight than we remember): then the T1 it carries.
	 * Only its own record is used up; another probe's is left alone.
	 */
	p = &f->pending[st->sender_seq % SF_PENDING];
	own = p->valid && p->seq == st->sender_seq;
	carried = !own || !p->t_xmit;
	t1 = carried ? st->sender_ts : p->t_xmit;
	if (carried)
		sf_count(sn, SF_C_UNMATCHED);
	if (p->seq == st->sender_seq)
		p->valid = false;
	/*
	 * A carried T1 must be one this host wrote: not after the reply's
	 * arrival, nor before the probe (its own record), or the flow, began
	 * (a second of slack for the clock). A broken reflector's (0, say)
	 * made a round trip of years; the reply still counts as received.
	 */
	if (carried &&
	    (t1 > t4 || t1 + NSEC_PER_SEC < (own ? p->t_out : f->created)))
		goto out;
	/*
	 * The reflector's T2 and T3 must both be there, in that order, and
	 * must not hold the probe longer than its whole round trip took,
	 * which must not be below 0 (T4 from a hardware clock behind the
	 * system's, a clock stepped back). Else no sample: a T2 of 0 made a
	 * turnaround of 56 years and a round trip of 0 (clamped), a T3
	 * before T2 a round trip longer than the wire's.
	 */
	if (!st->rx_ts || st->ts < st->rx_ts || t4 < t1 ||
	    st->ts - st->rx_ts > t4 - t1) {
		sf_count(sn, SF_C_IMPLAUSIBLE);
		goto out;
	}

	turnaround = (s64)(st->ts - st->rx_ts);
	rtt = (s64)(t4 - t1) - turnaround;
	sf_flow_add_sample(f, SNAPFIRE_METRIC_RTT, rtt);
	sf_flow_add_sample(f, SNAPFIRE_METRIC_TURNAROUND, turnaround);
	sf_flow_add_sample(f, SNAPFIRE_METRIC_RX_STAGE, now - t4);
	synced = (sf_ee_synced(st->sender_ee) || sf_cfg(cfg, CLOCK_SYNCED)) &&
		 sf_ee_synced(st->ee);
	f->synced = synced;
	if (synced) {
		sf_flow_add_sample(f, SNAPFIRE_METRIC_FWD, (s64)(st->rx_ts - t1));
		sf_flow_add_sample(f, SNAPFIRE_METRIC_REV, (s64)(t4 - st->ts));
	}
	sf_delay_variation(f, st->sender_seq, rtt);

	f->win_n++;
	if (sf_cfg(cfg, RTT_THRESHOLD) && rtt > 0 && rtt > sf_cfg(cfg, RTT_THRESHOLD))
		f->win_over++;
	if (rtt > 0 && rtt > f->win_max)
		f->win_max = rtt;
	sf_window(sn, cfg, f, now);
out:
	spin_unlock_bh(&f->lock);
}
