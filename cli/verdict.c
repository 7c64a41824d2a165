// SPDX-License-Identifier: GPL-2.0
/* The breakdown and the verdict of `snapfire show`; see verdict.h. */
#include <stddef.h>

#include "verdict.h"

static const char *const where_names[WHERE_CNT] = {
	"this host", "the network", "the far host",
};
static const char *const where_keys[WHERE_CNT] = { "local", "network", "far" };

const char *where_name(enum where w)
{
	return w < WHERE_CNT ? where_names[w] : "?";
}

const char *where_key(enum where w)
{
	return w < WHERE_CNT ? where_keys[w] : "?";
}

/* The percentile of @h, less the same percentile of @sub (not below 0). */
static uint64_t pct_less(const struct hist *h, const struct hist *sub, double q)
{
	uint64_t v = hist_percentile(h, q), s;

	if (!sub)
		return v;
	s = hist_percentile(sub, q);
	return v > s ? v - s : 0;
}

static void add(struct breakdown *b, const struct flow *f, unsigned int m,
		const char *key, const char *label, enum where w,
		const struct hist *sub)
{
	const struct hist *h = flow_hist(f, m);

	if (!h || b->n == BREAKDOWN_MAX)
		return;
	b->c[b->n++] = (struct comp){
		.key = key, .label = label, .where = w,
		.p50 = pct_less(h, sub, 0.5), .p99 = pct_less(h, sub, 0.99),
	};
}

/* The class with the largest p50 sum, and the largest part. */
static void verdict(struct breakdown *b)
{
	uint64_t w[WHERE_CNT] = { 0 };
	int i;

	b->total = 0;
	b->dom_where = -1;
	b->dom_comp = -1;
	for (i = 0; i < b->n; i++) {
		b->total += b->c[i].p50;
		w[b->c[i].where] += b->c[i].p50;
		if (b->dom_comp < 0 || b->c[i].p50 > b->c[b->dom_comp].p50)
			b->dom_comp = i;
	}
	for (i = 0; i < WHERE_CNT; i++)
		if (w[i] && (b->dom_where < 0 || w[i] > w[b->dom_where]))
			b->dom_where = i;
	b->dom_sum = b->dom_where >= 0 ? w[b->dom_where] : 0;
}

void breakdown_build(const struct flow *f, struct breakdown *b)
{
	const struct hist *fwd = flow_hist(f, SNAPFIRE_METRIC_FWD);
	const struct hist *rev = flow_hist(f, SNAPFIRE_METRIC_REV);
	const struct hist *fu = flow_hist(f, SNAPFIRE_METRIC_FAR_TX_STAGE);

	*b = (struct breakdown){ .dom_where = -1, .dom_comp = -1 };
	if (f->role == SNAPFIRE_ROLE_SENDER) {
		b->far_egress_reported = fu != NULL;
		add(b, f, SNAPFIRE_METRIC_TX_STAGE, "tx_stage",
		    "sender egress stage (this host)", WHERE_LOCAL, NULL);
		if (f->synced && fwd && rev) {
			add(b, f, SNAPFIRE_METRIC_FWD, "fwd", "network forward",
			    WHERE_NETWORK, NULL);
			add(b, f, SNAPFIRE_METRIC_TURNAROUND, "turnaround",
			    "reflector turnaround (far host)", WHERE_FAR, NULL);
			add(b, f, SNAPFIRE_METRIC_FAR_TX_STAGE, "far_tx_stage",
			    "reflector egress stage (far host)", WHERE_FAR, NULL);
			add(b, f, SNAPFIRE_METRIC_REV, "rev", "network reverse",
			    WHERE_NETWORK, fu);
		} else {
			add(b, f, SNAPFIRE_METRIC_RTT, "rtt",
			    "network round trip (clocks not synchronised)",
			    WHERE_NETWORK, fu);
			add(b, f, SNAPFIRE_METRIC_TURNAROUND, "turnaround",
			    "reflector turnaround (far host)", WHERE_FAR, NULL);
			add(b, f, SNAPFIRE_METRIC_FAR_TX_STAGE, "far_tx_stage",
			    "reflector egress stage (far host)", WHERE_FAR, NULL);
		}
		add(b, f, SNAPFIRE_METRIC_RX_STAGE, "rx_stage",
		    "sender ingress stage (this host)", WHERE_LOCAL, NULL);
	} else {
		if (fwd)
			add(b, f, SNAPFIRE_METRIC_FWD, "fwd",
			    "network forward (from the sender)", WHERE_NETWORK, NULL);
		add(b, f, SNAPFIRE_METRIC_RX_STAGE, "rx_stage",
		    "reflector ingress stage (this host)", WHERE_LOCAL, NULL);
		add(b, f, SNAPFIRE_METRIC_TURNAROUND, "turnaround",
		    "reflector turnaround (this host)", WHERE_LOCAL, NULL);
		add(b, f, SNAPFIRE_METRIC_TX_STAGE, "tx_stage",
		    "reflector egress stage (this host)", WHERE_LOCAL, NULL);
	}
	verdict(b);
}

double breakdown_share(uint64_t v, uint64_t total)
{
	return total ? 100.0 * (double)v / (double)total : 0;
}
