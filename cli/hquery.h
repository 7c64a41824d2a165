/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Queries over the history store (hstore.h), shared by the agent's
 * /api/v1/summary and `snapfire history`: the minutes of a window merged
 * into one histogram, or grouped into slots (hour of day, day), and the
 * percentile set both report.
 *
 * Merging: histograms from different minutes may have different bucket
 * bounds (the module's precision, a module upgrade): buckets with equal
 * bounds are added, the others are inserted in order of low bound, so no
 * count is lost and percentiles interpolate inside whichever bucket holds
 * them. count, sum and clamped add up; min and max are those of the
 * non-empty inputs. Counters stored as metric ids >= 64 (agent.h) are
 * records with count = the minute's value and no buckets: merging adds
 * them up.
 */
#ifndef SNAPFIRE_HQUERY_H
#define SNAPFIRE_HQUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hist.h"
#include "hstore.h"

/* the percentile set of the API and of `history`: p1 p5 p10 p25 p50 p75 p90 p95 p99 p99.9 */
#define HQ_NPCTS	10
extern const double hq_pcts[HQ_NPCTS];		/* 0.01 ... 0.999 */
extern const char *const hq_pct_names[HQ_NPCTS];	/* "p1" ... "p99.9" */

/*
 * Merges @src into @dst (buckets with equal bounds added, others inserted;
 * @dst's buckets stay sorted by low bound). @dst is a zeroed struct hist or
 * a histogram already holding data. 0, or -ENOMEM (@dst unchanged).
 *
 * At most HQ_MAX_BUCKETS buckets stay (hq_coarsen): the module's buckets
 * have fixed bounds, so minutes merge into the same few thousand at most
 * (precision 8 over 20 octaves: 5 120), but records with bounds of their
 * own each (a crafted store) would grow @dst by up to HS_MAX_BUCKETS a
 * record, and each merge copy them all: a week's window, quadratic.
 */
#define HQ_MAX_BUCKETS	8192
int hq_merge(struct hist *dst, const struct hist *src);
/*
 * At most @max buckets in @h: adjacent buckets merged pairwise, as often as
 * it takes (counts exact, resolution halved each time); @h's buckets
 * sorted by (low, high) before and after. Most histograms need nothing.
 */
void hq_coarsen(struct hist *h, size_t max);
/* @h's buckets in order of (low, high), as hq_merge leaves them */
bool hq_sorted(const struct hist *h);

/*
 * Merges @key's @metric records with @from <= minute < @to (minutes since
 * the epoch, UTC) into @out (hist_free it): @out is a zeroed struct hist,
 * or one already holding data that the records are added to. out->present
 * is set when at least one record was found. Problems of the store
 * (corrupt records, unreadable files) go to @report and are skipped.
 * 0 (an empty window included), or -errno (-EINVAL: a bad key or metric;
 * -ENOMEM).
 */
int hq_window(const char *dir, const char *key, unsigned int metric, uint64_t from, uint64_t to,
	      struct hist *out, hs_report_fn report, void *arg);

/*
 * Slot of a minute: an index into the caller's array of @nslots, or < 0 to
 * leave the minute out.
 */
typedef int (*hq_slot_fn)(uint64_t minute, void *arg);

/*
 * As hq_window, but each record is merged into out[slot(minute)] (@nslots
 * zeroed or filled histograms; hist_free each). 0 or -errno.
 */
int hq_slots(const char *dir, const char *key, unsigned int metric, uint64_t from, uint64_t to,
	     hq_slot_fn slot, void *slot_arg, struct hist *out, size_t nslots,
	     hs_report_fn report, void *arg);

/*
 * Slot functions in the local time zone (TZ as the process has it: set TZ
 * and call tzset() first; localtime_r does the rest).
 * hq_local_hour: the hour of day 0..23 of @minute.
 * hq_local_day: the local calendar day of @minute, as days since 1970-01-01
 * (a date number, not a UTC day): consecutive dates differ by 1.
 */
int hq_local_hour(uint64_t minute);
int64_t hq_local_day(uint64_t minute);

#endif
