// SPDX-License-Identifier: GPL-2.0
/* Queries over the history store; see hquery.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hquery.h"

const double hq_pcts[HQ_NPCTS] = {
	0.01, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99, 0.999,
};
const char *const hq_pct_names[HQ_NPCTS] = {
	"p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99", "p99.9",
};

static int bcmp_bounds(const struct bucket *x, const struct bucket *y)
{
	if (x->low != y->low)
		return x->low < y->low ? -1 : 1;
	if (x->high != y->high)
		return x->high < y->high ? -1 : 1;
	return 0;
}

static int bucket_qcmp(const void *a, const void *b)
{
	return bcmp_bounds(a, b);
}

static bool sorted(const struct bucket *b, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (bcmp_bounds(&b[i - 1], &b[i]) > 0)
			return false;
	return true;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

bool hq_sorted(const struct hist *h)
{
	return sorted(h->b, h->nb);
}

void hq_coarsen(struct hist *h, size_t max)
{
	size_t i, n;

	if (!max || h->nb <= max)
		return;
	while (h->nb > max) {
		for (i = 0, n = 0; i < h->nb; i += 2, n++) {
			h->b[n] = h->b[i];
			if (i + 1 < h->nb) {
				if (h->b[i + 1].high > h->b[n].high)
					h->b[n].high = h->b[i + 1].high;
				h->b[n].count = sat_add(h->b[n].count, h->b[i + 1].count);
			}
		}
		h->nb = n;
	}
	/* a pair's high is the larger of two: equal lows may now be out of order */
	if (!sorted(h->b, h->nb))
		qsort(h->b, h->nb, sizeof(*h->b), bucket_qcmp);
}

int hq_merge(struct hist *dst, const struct hist *src)
{
	struct bucket *sb = src->b, *out = NULL, *sb_copy = NULL;
	size_t i = 0, j = 0, n = 0, cap;
	bool dst_data = dst->count || dst->nb, src_data = src->count || src->nb;

	if (src->nb) {
		if (!sorted(src->b, src->nb)) {
			sb_copy = malloc(src->nb * sizeof(*sb_copy));
			if (!sb_copy)
				return -ENOMEM;
			memcpy(sb_copy, src->b, src->nb * sizeof(*sb_copy));
			qsort(sb_copy, src->nb, sizeof(*sb_copy), bucket_qcmp);
			sb = sb_copy;
		}
		if (!sorted(dst->b, dst->nb))
			qsort(dst->b, dst->nb, sizeof(*dst->b), bucket_qcmp);
		cap = dst->nb + src->nb;
		out = malloc(cap * sizeof(*out));
		if (!out) {
			free(sb_copy);
			return -ENOMEM;
		}
		while (i < dst->nb || j < src->nb) {
			int c = i == dst->nb ? 1 : j == src->nb ? -1 : bcmp_bounds(&dst->b[i], &sb[j]);

			if (c < 0) {
				out[n++] = dst->b[i++];
			} else if (c > 0) {
				out[n++] = sb[j++];
			} else {
				out[n] = dst->b[i++];
				out[n].count = sat_add(out[n].count, sb[j++].count);
				n++;
			}
		}
		free(dst->b);
		free(sb_copy);
		dst->b = out;
		dst->nb = n;
		dst->cap = cap;
		hq_coarsen(dst, HQ_MAX_BUCKETS);
	}
	if (src_data) {
		if (!dst_data || src->min < dst->min)
			dst->min = src->min;
		if (!dst_data || src->max > dst->max)
			dst->max = src->max;
	}
	if (!dst->present && !dst_data) {
		dst->metric = src->metric;
		dst->precision = src->precision;
	}
	dst->present |= src->present;
	dst->count = sat_add(dst->count, src->count);
	dst->sum = sat_add(dst->sum, src->sum);
	dst->clamped = sat_add(dst->clamped, src->clamped);
	return 0;
}

/* hs_read passes one argument to both its callbacks: this, and the
 * caller's report and its argument inside */
struct slot_ctx {
	hq_slot_fn slot;
	void *slot_arg;
	struct hist *out;
	size_t nslots;
	hs_report_fn report;
	void *report_arg;
};

static void report_rec(const char *path, const char *what, void *arg)
{
	struct slot_ctx *c = arg;

	if (c->report)
		c->report(path, what, c->report_arg);
}

static int merge_rec(uint64_t minute, const struct hist *h, void *arg)
{
	struct slot_ctx *c = arg;
	size_t k = 0;

	if (c->slot) {
		int s = c->slot(minute, c->slot_arg);

		if (s < 0 || (size_t)s >= c->nslots)
			return 0;
		k = (size_t)s;
	}
	return hq_merge(&c->out[k], h);
}

int hq_slots(const char *dir, const char *key, unsigned int metric, uint64_t from, uint64_t to,
	     hq_slot_fn slot, void *slot_arg, struct hist *out, size_t nslots,
	     hs_report_fn report, void *arg)
{
	struct slot_ctx c = { slot, slot_arg, out, nslots, report, arg };

	if (!nslots)
		return -EINVAL;
	return hs_read(dir, key, metric, from, to, merge_rec, report_rec, &c);
}

int hq_window(const char *dir, const char *key, unsigned int metric, uint64_t from, uint64_t to,
	      struct hist *out, hs_report_fn report, void *arg)
{
	int r = hq_slots(dir, key, metric, from, to, NULL, NULL, out, 1, report, arg);

	if (!r)
		out->metric = metric;
	return r;
}

int hq_local_hour(uint64_t minute)
{
	time_t t = (time_t)(minute * 60);
	struct tm tm;

	if (!localtime_r(&t, &tm))
		return -1;
	return tm.tm_hour;
}

int64_t hq_local_day(uint64_t minute)
{
	time_t t = (time_t)(minute * 60);
	struct tm tm;

	if (!localtime_r(&t, &tm))
		return -1;
	/* the local date read as a UTC midnight: a date number */
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = 0;
	return (int64_t)(timegm(&tm) / 86400);
}
