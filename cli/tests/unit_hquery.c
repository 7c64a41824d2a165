// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the history queries (hquery.c): merging equal and
 * different bucket bounds, windows [from, to) to the minute, corrupt
 * records skipped, empty windows, percentiles of known data, and slots by
 * local hour and day in a fixed time zone. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hquery.h"
#include "unit.h"

/* 2026-12-01 00:00 UTC in minutes since the epoch */
#define D0	((uint64_t)20788 * 1440)

static void one(struct hist *h, uint64_t low, uint64_t high, uint64_t count)
{
	memset(h, 0, sizeof(*h));
	h->present = 1;
	hist_add_bucket(h, low, high, count);
	h->count = count;
	h->sum = count * ((low + high) / 2);
	h->min = low;
	h->max = high;
}

static void test_merge(void)
{
	struct hist d = { 0 }, s, e = { 0 };
	bool ok;

	one(&s, 1000, 1999, 3);
	CHECK(!hq_merge(&d, &s) && d.nb == 1 && d.count == 3 && d.min == 1000 && d.max == 1999 &&
	      d.present, "hquery: merge into a zeroed histogram copies it");
	CHECK(!hq_merge(&d, &s) && d.nb == 1 && d.b[0].count == 6 && d.count == 6 &&
	      d.sum == 2 * s.sum, "hquery: equal bounds add up in one bucket (%zu buckets)", d.nb);
	hist_free(&s);

	one(&s, 500, 999, 2);
	hist_add_bucket(&s, 1000, 1499, 4);	/* overlaps [1000,1999] with other bounds */
	hist_add_bucket(&s, 5000, 5999, 1);
	s.count = 7;
	s.max = 5999;
	hq_merge(&d, &s);
	ok = d.nb == 4 && d.b[0].low == 500 && d.b[1].low == 1000 && d.b[1].high == 1499 &&
	     d.b[2].low == 1000 && d.b[2].high == 1999 && d.b[3].low == 5000;
	CHECK(ok && d.count == 13 && hist_bucket_total(&d) == 13 && d.min == 500 && d.max == 5999,
	      "hquery: different bounds are inserted in order, nothing lost (count %llu, %zu buckets)",
	      (unsigned long long)d.count, d.nb);
	hist_free(&s);

	/* an empty source changes nothing but presence */
	hq_merge(&d, &e);
	CHECK(d.count == 13 && d.min == 500 && d.max == 5999 && d.nb == 4,
	      "hquery: merging an empty histogram keeps min, max and count");
	/* an unsorted source (not from the store, but possible) */
	memset(&s, 0, sizeof(s));
	hist_add_bucket(&s, 9000, 9999, 1);
	hist_add_bucket(&s, 100, 199, 1);
	s.count = 2;
	s.min = 150;
	s.max = 9500;
	hq_merge(&d, &s);
	CHECK(d.nb == 6 && d.b[0].low == 100 && d.b[5].low == 9000 && d.min == 150 && d.max == 9500,
	      "hquery: an unsorted source is merged in order");
	hist_free(&s);
	hist_free(&d);

	/* a counter (agent.h: count only, no buckets) */
	memset(&s, 0, sizeof(s));
	s.present = 1;
	s.count = 60;
	hq_merge(&d, &s);
	hq_merge(&d, &s);
	CHECK(d.count == 120 && !d.nb, "hquery: counters (no buckets) add up");
	hist_free(&d);
}

static void test_pcts(void)
{
	struct hist d = { 0 }, s;
	uint64_t i;
	int k, ok = 1;

	CHECK(!strcmp(hq_pct_names[0], "p1") && !strcmp(hq_pct_names[4], "p50") &&
	      !strcmp(hq_pct_names[9], "p99.9") && hq_pcts[4] == 0.5 && hq_pcts[9] == 0.999,
	      "hquery: the percentile set p1 .. p99.9");
	for (k = 1; k < HQ_NPCTS; k++)
		ok &= hq_pcts[k] > hq_pcts[k - 1];
	CHECK(ok, "hquery: percentiles rise");
	/* 100 minutes, minute i holds 10 samples in [i ms, i ms + 999 us] */
	for (i = 0; i < 100; i++) {
		one(&s, i * 1000000, i * 1000000 + 999999, 10);
		hq_merge(&d, &s);
		hist_free(&s);
	}
	CHECK(d.count == 1000 && d.nb == 100 && d.min == 0 && d.max == 99999999,
	      "hquery: 100 minutes merged");
	CHECK(hist_percentile(&d, 0.5) == 49999999 && hist_percentile(&d, 0.9) == 89999999 &&
	      hist_percentile(&d, 0.99) == 98999999,
	      "hquery: p50 p90 p99 of uniform 0..100ms (%llu %llu %llu)",
	      (unsigned long long)hist_percentile(&d, 0.5),
	      (unsigned long long)hist_percentile(&d, 0.9),
	      (unsigned long long)hist_percentile(&d, 0.99));
	hist_free(&d);
}

struct reps {
	int n;
	char last[200];
};

static void on_report(const char *path, const char *what, void *arg)
{
	struct reps *r = arg;

	(void)path;
	r->n++;
	snprintf(r->last, sizeof(r->last), "%s", what);
}

static void test_window(void)
{
	char dir[] = "/tmp/hquery-test.XXXXXX", path[160], cmd[200];
	const uint64_t m0 = D0 + 600;	/* 10:00 UTC */
	struct hist s, w = { 0 };
	struct reps r = { 0 };
	int i, fd;

	if (!mkdtemp(dir)) {
		CHECK(0, "hquery: mkdtemp");
		return;
	}
	/* minutes m0-1 .. m0+60, minute m0+k with one sample of k us */
	for (i = -1; i <= 60; i++) {
		uint64_t v = (uint64_t)(i + 1) * 1000;

		one(&s, v, v + 999, 1);
		hs_append(dir, "t", SNAPFIRE_METRIC_RTT, m0 + (uint64_t)(int64_t)i, &s, on_report, &r);
		hist_free(&s);
	}
	CHECK(!hq_window(dir, "t", SNAPFIRE_METRIC_RTT, m0, m0 + 60, &w, on_report, &r) &&
	      w.count == 60 && w.min == 1000 && w.max == 60999 && w.present && !r.n,
	      "hquery: a window holds exactly from <= minute < to (count %llu, min %llu, max %llu)",
	      (unsigned long long)w.count, (unsigned long long)w.min, (unsigned long long)w.max);
	hist_free(&w);
	CHECK(!hq_window(dir, "t", SNAPFIRE_METRIC_RTT, m0, m0 + 1, &w, on_report, &r) &&
	      w.count == 1 && w.min == 1000, "hquery: a one-minute window");
	hist_free(&w);
	CHECK(!hq_window(dir, "t", SNAPFIRE_METRIC_RTT, m0, m0, &w, on_report, &r) &&
	      !w.present && !w.count && !w.nb, "hquery: an empty window (from == to) reads nothing");
	CHECK(!hq_window(dir, "t", SNAPFIRE_METRIC_RTT, m0 + 100, m0 + 200, &w, on_report, &r) &&
	      !w.present && !w.count, "hquery: a window with no records: empty, not an error");
	CHECK(!hq_window(dir, "nobody", SNAPFIRE_METRIC_RTT, m0, m0 + 60, &w, on_report, &r) &&
	      !w.present && !r.n, "hquery: an unknown target: empty, nothing reported");
	CHECK(hq_window(dir, "../x", SNAPFIRE_METRIC_RTT, m0, m0 + 60, &w, on_report, &r) < 0,
	      "hquery: a bad key is an error");
	/* into a histogram already holding data: added to it */
	one(&w, 1, 1, 5);
	hq_window(dir, "t", SNAPFIRE_METRIC_RTT, m0, m0 + 2, &w, on_report, &r);
	CHECK(w.count == 7 && w.min == 1 && w.max == 2999, "hquery: a window added to existing data");
	hist_free(&w);

	/* a corrupt record in the middle of the day file: skipped, reported */
	snprintf(path, sizeof(path), "%s/t/rtt/20261201.sfh", dir);
	fd = open(path, O_RDWR);
	if (fd >= 0) {
		struct stat st;
		uint8_t b = 0;
		off_t at = 0;

		if (!fstat(fd, &st))
			at = HS_HDR_LEN + (st.st_size - HS_HDR_LEN) / 2;
		if (pread(fd, &b, 1, at) == 1) {
			b ^= 0xff;
			if (pwrite(fd, &b, 1, at) != 1)
				b = 0;
		}
		close(fd);
	}
	memset(&r, 0, sizeof(r));
	CHECK(!hq_window(dir, "t", SNAPFIRE_METRIC_RTT, m0 - 1, m0 + 61, &w, on_report, &r) &&
	      (w.count == 61 || w.count == 60) && r.n == 1 && strstr(r.last, "not a good record"),
	      "hquery: a corrupt record is skipped and reported once, the rest merged (%llu of 62)",
	      (unsigned long long)w.count);
	hist_free(&w);

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		CHECK(0, "hquery: clean up %s", dir);
}

static int by_hour(uint64_t minute, void *arg)
{
	(void)arg;
	return hq_local_hour(minute);
}

static void test_slots(void)
{
	char dir[] = "/tmp/hquery-slot.XXXXXX", cmd[200];
	char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
	struct hist slots[24], s;
	uint64_t m;
	int i, ok = 1;

	setenv("TZ", "Asia/Tokyo", 1);
	tzset();
	CHECK(hq_local_hour(D0 + 600) == 19, "hquery: 10:00 UTC is hour 19 in Asia/Tokyo (got %d)",
	      hq_local_hour(D0 + 600));
	CHECK(hq_local_day(D0 + 14 * 60 + 59) == 20788 && hq_local_day(D0 + 15 * 60) == 20789,
	      "hquery: the JST date turns at 15:00 UTC");
	setenv("TZ", "UTC", 1);
	tzset();
	CHECK(hq_local_hour(D0 + 600) == 10 && hq_local_day(D0 + 15 * 60) == 20788,
	      "hquery: the same minute is hour 10 of the same date in UTC");
	setenv("TZ", "America/New_York", 1);
	tzset();
	CHECK(hq_local_hour(D0 + 600) == 5 && hq_local_day(D0 + 600) == 20788 &&
	      hq_local_day(D0 + 60) == 20787, "hquery: and hour 5 in New York (EST), 01:00 UTC the day before");

	/* two days of minutes, each minute one sample of (UTC hour + 1) ms;
	 * grouped by JST hour: slot h holds the UTC hour h - 9 */
	if (!mkdtemp(dir)) {
		CHECK(0, "hquery: mkdtemp");
		goto out;
	}
	for (m = D0; m < D0 + 2 * 1440; m += 10) {
		uint64_t v = (m % 1440 / 60 + 1) * 1000000;

		one(&s, v, v, 1);
		hs_append(dir, "t", SNAPFIRE_METRIC_RTT, m, &s, NULL, NULL);
		hist_free(&s);
	}
	setenv("TZ", "Asia/Tokyo", 1);
	tzset();
	memset(slots, 0, sizeof(slots));
	CHECK(!hq_slots(dir, "t", SNAPFIRE_METRIC_RTT, D0, D0 + 2 * 1440, by_hour, NULL, slots, 24,
			NULL, NULL), "hquery: slots read");
	for (i = 0; i < 24; i++) {
		uint64_t v = (uint64_t)((i + 24 - 9) % 24 + 1) * 1000000;

		ok &= slots[i].count == 12 && slots[i].min == v && slots[i].max == v;
		hist_free(&slots[i]);
	}
	CHECK(ok, "hquery: by JST hour, every slot holds its 12 minutes of UTC hour - 9");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		CHECK(0, "hquery: clean up %s", dir);
out:
	if (old)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(old);
}

/*
 * A day of records whose buckets all have bounds of their own (a crafted
 * store: the module's have fixed bounds, which merge into the same ones):
 * 1440 records of 1024 buckets used to grow the window to 1.5 M buckets,
 * each merge copying all of them (seconds for a day, minutes for a week).
 * At most HQ_MAX_BUCKETS stay, sorted, no count lost.
 */
static void test_merge_cap(void)
{
	struct hist d = { 0 }, s = { 0 };
	struct timespec t0, t1;
	uint64_t total = 0, k, r;
	bool ok = true;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (r = 0; r < 1440 && ok; r++) {
		memset(&s, 0, sizeof(s));
		s.present = 1;
		for (k = 0; k < HS_MAX_BUCKETS; k++)
			ok &= !hist_add_bucket(&s, (k * 1440 + r) * 10, (k * 1440 + r) * 10 + 5, 1 + r % 3);
		s.count = hist_bucket_total(&s);
		s.min = r * 10;
		s.max = ((HS_MAX_BUCKETS - 1) * 1440 + r) * 10 + 5;
		total += s.count;
		ok &= !hq_merge(&d, &s);
		hist_free(&s);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(ok && d.nb <= HQ_MAX_BUCKETS && hq_sorted(&d) && hist_bucket_total(&d) == total &&
	      d.count == total && d.min == 0 && d.max == ((HS_MAX_BUCKETS - 1) * 1440 + 1439) * 10 + 5,
	      "hquery: 1440 records of 1024 buckets of their own merge into %zu <= %d, sorted, all %llu counted, in %.2f s",
	      d.nb, HQ_MAX_BUCKETS, (unsigned long long)total,
	      (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	hist_free(&d);
}

void test_hquery(void)
{
	test_merge();
	test_merge_cap();
	test_pcts();
	test_window();
	test_slots();
}
