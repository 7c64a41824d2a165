// SPDX-License-Identifier: GPL-2.0
/* Exact sample sets of `snapfire probe`; see samples.h. */
#include <math.h>
#include <stdlib.h>

#include "grow.h"
#include "samples.h"

int samples_add(struct samples *s, int64_t v)
{
	int64_t *p = array_room(s->v, &s->cap, s->n, sizeof(*p), 256);

	if (!p)
		return -1;
	s->v = p;
	s->v[s->n++] = v;
	s->sorted = 0;
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

void samples_sort(struct samples *s)
{
	if (!s->sorted && s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), cmp_i64);
	s->sorted = 1;
}

int64_t samples_pct(struct samples *s, double p)
{
	size_t r;

	if (!s->n)
		return 0;
	samples_sort(s);
	r = (size_t)ceil(p * (double)s->n);
	if (r < 1)
		r = 1;
	if (r > s->n)
		r = s->n;
	return s->v[r - 1];
}

int64_t samples_mean(const struct samples *s)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < s->n; i++)
		sum += (double)s->v[i];
	return s->n ? (int64_t)llround(sum / (double)s->n) : 0;
}

int64_t samples_min(struct samples *s)
{
	samples_sort(s);
	return s->n ? s->v[0] : 0;
}

int64_t samples_max(struct samples *s)
{
	samples_sort(s);
	return s->n ? s->v[s->n - 1] : 0;
}

void samples_free(struct samples *s)
{
	free(s->v);
	*s = (struct samples){ 0 };
}
