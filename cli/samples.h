/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A set of exact samples (ns) kept by `snapfire probe`, with nearest-rank
 * percentiles: unlike the module's histograms, nothing is bucketed.
 */
#ifndef SNAPFIRE_SAMPLES_H
#define SNAPFIRE_SAMPLES_H

#include <stddef.h>
#include <stdint.h>

#include "fmt.h"

struct samples {
	int64_t *v;
	size_t n, cap;
	int sorted;
};

/* 0, or -1 when out of memory (the sample is then lost). */
int samples_add(struct samples *s, int64_t v);
/* Sorts in place (once until the next add). */
void samples_sort(struct samples *s);
/* Nearest-rank percentile, p in [0, 1]; sorts first; 0 when empty. */
int64_t samples_pct(struct samples *s, double p);
int64_t samples_mean(const struct samples *s);
int64_t samples_min(struct samples *s);
int64_t samples_max(struct samples *s);
void samples_free(struct samples *s);

#endif /* SNAPFIRE_SAMPLES_H */
