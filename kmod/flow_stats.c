// SPDX-License-Identifier: GPL-2.0
/*
 * What the timestamp points (hooks.c, sender.c) take into a flow beside
 * its samples, f->lock held: the threshold window, which raises the RTT
 * and loss events, and the delay variation (IPDV, RFC 3550 jitter).
 */
#include <linux/math64.h>

#include "snapfire.h"
#include "pkt.h"
#include "hooks.h"

/* Close the threshold window when it is over; f->lock held. */
void sf_window(struct sf_net *sn, const struct sf_config *cfg,
	       struct sf_flow *f, u64 now)
{
	bool sender = f->key.role == SNAPFIRE_ROLE_SENDER;
	u64 expected = sender ? f->tx : sf_seq_expected(&f->seq);
	u64 got = f->seq.received;

	lockdep_assert_held(&f->lock);
	if (now - f->win_start < (u64)sf_cfg(cfg, WINDOW) * NSEC_PER_SEC)
		return;

	if (sf_cfg(cfg, RTT_THRESHOLD) && f->win_n) {
		/* p99 above the threshold: more than 1 % of samples are */
		bool over = (u64)f->win_over * 100 > f->win_n;

		if (over && !f->rtt_alarm)
			sf_event_push(sn, SNAPFIRE_EVENT_TYPE_RTT_HIGH, f,
				      f->win_max, sf_cfg(cfg, RTT_THRESHOLD));
		f->rtt_alarm = over;
	}
	if (sf_cfg(cfg, LOSS_THRESHOLD) && expected > f->win_expected) {
		u64 exp = expected - f->win_expected;
		u64 rcv = got - f->win_lost;
		u64 ppm = rcv >= exp ? 0 : div64_u64((exp - rcv) * 1000000, exp);
		bool over = ppm > sf_cfg(cfg, LOSS_THRESHOLD);

		if (over && !f->loss_alarm)
			sf_event_push(sn, SNAPFIRE_EVENT_TYPE_LOSS_HIGH, f, ppm,
				      sf_cfg(cfg, LOSS_THRESHOLD));
		f->loss_alarm = over;
	}
	f->win_start = now;
	f->win_n = 0;
	f->win_over = 0;
	f->win_max = 0;
	f->win_expected = expected;
	f->win_lost = got;	/* received at window start */
}

/* IPDV between consecutive packets and RFC 3550 jitter; f->lock held. */
void sf_delay_variation(struct sf_flow *f, u32 seq, s64 delay)
{
	if (f->have_prev && seq == f->prev_seq + 1) {
		u64 d = sf_abs_diff(delay, f->prev_delay);

		sf_flow_add_sample(f, SNAPFIRE_METRIC_IPDV, d);
		/*
		 * J += (|D| - J) / 16, J kept scaled by 16: it tends to 16 |D|,
		 * so |D| is held under 2^59 ns (18 years) for J not to wrap:
		 * a peer's timestamps of 0 (1900) and of now are 126 apart.
		 */
		d = min_t(u64, d, S64_MAX >> 4);
		f->jitter = f->jitter + d - (f->jitter >> 4);
	}
	f->have_prev = true;
	f->prev_seq = seq;
	f->prev_delay = delay;
}
