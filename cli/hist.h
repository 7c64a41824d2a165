/* SPDX-License-Identifier: GPL-2.0 */
/* Histograms as the module sends them: non-empty buckets [low, high]. */
#ifndef SNAPFIRE_HIST_H
#define SNAPFIRE_HIST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/snapfire.h>

#include "names.h"	/* METRIC_COUNT, metric_keys */

struct bucket {
	uint64_t low, high, count;
};

struct hist {
	int present;		/* the module sent it */
	uint32_t metric;
	uint64_t count, sum, min, max, clamped;
	uint8_t precision;
	struct bucket *b;
	size_t nb, cap;
};

/* Adds a bucket (grows b); 0 or -1 on allocation failure. */
int hist_add_bucket(struct hist *h, uint64_t low, uint64_t high, uint64_t count);
void hist_free(struct hist *h);
/* Sorts buckets by low; called after parsing. */
void hist_finish(struct hist *h);
/* p in [0, 1]: walks cumulative counts, interpolates linearly inside the
 * bucket, clamps to [min, max]. 0 when empty. */
uint64_t hist_percentile(const struct hist *h, double p);
uint64_t hist_mean(const struct hist *h);
/* Sum of bucket counts (should equal count). */
uint64_t hist_bucket_total(const struct hist *h);

/* ASCII histogram: rows of log-spaced value ranges, bars proportional to
 * count, at most max_rows rows and bars of at most width characters. */
void hist_render(FILE *f, const struct hist *h, int max_rows, int width,
		 const char *indent);

/* metric names: "rtt", "fwd", "rev", "turnaround", "tx_stage", ... */
const char *metric_name(unsigned int m);
/* "round trip", "one-way forward", ... */
const char *metric_label(unsigned int m);

#endif
