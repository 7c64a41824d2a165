// SPDX-License-Identifier: GPL-2.0
/* snapfire history: the heatmap of hour of day against latency. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common.h"
#include "fmt.h"
#include "history.h"
#include "out.h"

#define HM_ROWS		12	/* heatmap rows (latency bands) */

static bool utf8_locale(void)
{
	const char *cs;

	if (!setlocale(LC_CTYPE, ""))
		return false;
	cs = nl_langinfo(CODESET);
	return cs && (!strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "utf8"));
}

/*
 * Hour of day across, latency down: HM_ROWS log-spaced bands from the
 * window's min to its max; a bucket counts in the band of its midpoint.
 * Shades: the cell's count on a log scale up to the fullest cell.
 */
void history_heatmap_out(const struct hist *hours, const struct hist *total, const char *metric,
			const char *zone)
{
	static const char *const ascii[] = { " ", ".", ":", "-", "=", "+", "*", "#", "%", "@" };
	static const char *const shades[] = { " ", "\u2591", "\u2592", "\u2593", "\u2588" };
	uint64_t cnt[HM_ROWS][24] = { { 0 } }, lo, hi, rlo[HM_ROWS], rhi[HM_ROWS], maxc = 0;
	const char *const *ramp = ascii;
	int nramp = ARRAY_SIZE(ascii), nrows = HM_ROWS, r, h, first = -1, last = -1;
	double llo, step;
	char b1[16], b2[16];
	size_t k;

	if (!total->count || !total->nb)
		return;
	if (!out_is_json() && utf8_locale()) {
		ramp = shades;
		nramp = ARRAY_SIZE(shades);
	}
	lo = total->min ? total->min : 1;
	hi = total->max > lo ? total->max : lo;
	llo = log((double)lo);
	step = (log((double)hi + 1) - llo) / nrows;
	for (r = 0; r < nrows; r++) {
		rlo[r] = round_u64(exp(llo + step * r));
		rhi[r] = round_u64(exp(llo + step * (r + 1)));
	}
	rlo[0] = lo;
	rhi[nrows - 1] = hi;
	for (r = 1; r < nrows; r++)
		if (rlo[r] <= rhi[r - 1])
			rlo[r] = rhi[r - 1] + 1;
	for (h = 0; h < 24; h++) {
		for (k = 0; k < hours[h].nb; k++) {
			const struct bucket *b = &hours[h].b[k];
			double mid = ((double)b->low + (double)b->high) / 2;

			if (mid < (double)lo)
				mid = (double)lo;
			if (mid > (double)hi)
				mid = (double)hi;
			r = step > 0 ? (int)((log(mid) - llo) / step) : 0;
			r = r < 0 ? 0 : r >= nrows ? nrows - 1 : r;
			cnt[r][h] += b->count;
		}
	}
	for (r = 0; r < nrows; r++)
		for (h = 0; h < 24; h++) {
			if (cnt[r][h] > maxc)
				maxc = cnt[r][h];
			if (cnt[r][h]) {
				if (first < 0)
					first = r;
				last = r;
			}
		}
	out_obj("heatmap");
	out_str(OUT_JSON, "columns", NULL, "hour");
	out_text("\nheatmap: %s latency (down, log-spaced rows) by hour of day (across, %s);\n"
		 "each cell is shaded by its count of samples, log scale: '%s' none, '%s' fewest ... "
		 "'%s' most (%" PRIu64 ")\n", metric, zone, ramp[0], ramp[1], ramp[nramp - 1], maxc);
	out_text("%20s  ", "hour:");
	for (h = 0; h < 24; h += 3)
		out_text("%02d    ", h);
	out_text("\n");
	out_arr("rows");
	for (r = first; r >= 0 && r <= last; r++) {
		out_obj(NULL);
		out_text("%8s .. %-8s |", fmt_dur(b1, sizeof(b1), rlo[r]), fmt_dur(b2, sizeof(b2), rhi[r]));
		out_dur(OUT_JSON, "low_ns", NULL, rlo[r]);
		out_dur(OUT_JSON, "high_ns", NULL, rhi[r]);
		out_arr("counts");
		for (h = 0; h < 24; h++) {
			uint64_t c = cnt[r][h];
			int i = 0;

			if (c) {
				double f = maxc > 1 ? log((double)c) / log((double)maxc) : 1;

				i = 1 + (int)lround(f * (nramp - 2));
			}
			out_u64(OUT_JSON, NULL, NULL, c);
			out_text("%s%s", ramp[i], ramp[i]);
		}
		out_arr_end();
		out_text("|\n");
		out_obj_end();
	}
	out_arr_end();
	out_obj_end();
}
