// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the history store's record format (hstore.c, hs_encode /
 * hs_decode, both versions): a record round trips, and every truncation
 * and every flipped byte of one is refused, never trusted; a file of many
 * damaged records reports a few and counts the rest; the other files'
 * tests are in unit_hstore.c. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/snapfire.h>

#include "hstore.h"
#include "unit.h"
#include "unit_hstore.h"

void unit_mkhist(struct hist *h, uint64_t base, int nb)
{
	int i;

	memset(h, 0, sizeof(*h));
	h->present = 1;
	for (i = 0; i < nb; i++)
		hist_add_bucket(h, base + (uint64_t)i * 1000, base + (uint64_t)i * 1000 + 999,
				(uint64_t)i + 1);
	h->count = (uint64_t)nb * (nb + 1) / 2;
	h->sum = h->count * base;
	h->min = base;
	h->max = base + (uint64_t)nb * 1000 - 1;
}

static bool same(const struct hist *a, const struct hist *b)
{
	size_t i;

	if (a->count != b->count || a->sum != b->sum || a->min != b->min ||
	    a->max != b->max || a->nb != b->nb)
		return false;
	for (i = 0; i < a->nb; i++)
		if (a->b[i].low != b->b[i].low || a->b[i].high != b->b[i].high ||
		    a->b[i].count != b->b[i].count)
			return false;
	return true;
}

static void test_records_v(unsigned int v)
{
	uint8_t buf[HS_MAX_PAYLOAD + 8], copy[HS_MAX_PAYLOAD + 8];
	const uint64_t m = 29000000;
	struct hist h, d;
	uint64_t minute;
	int n, i, bad = 0, trusted = 0;

	unit_mkhist(&h, 20000000, 12);
	n = hs_encode(v, m, &h, buf);
	CHECK(n > 8 && hs_decode(v, m / 1440, buf, (size_t)n, &minute, &d) == n && minute == m &&
	      same(&h, &d), "hstore v%u: a record round trips (%d bytes for 12 buckets)", v, n);
	hist_free(&d);
	if (v == 1)
		CHECK(n < 12 * 12, "hstore v1: under 12 bytes a bucket (%d)", n);
	else
		CHECK(n <= 8 + 16 + 12 * 4,
		      "hstore v2: adjacent buckets of one width: at most 4 bytes a bucket, 24 more a record (%d)",
		      n);

	/* every truncation: "too short to tell", never a record */
	for (i = 0; i < n; i++)
		if (hs_decode(v, m / 1440, buf, (size_t)i, &minute, &d) > 0) {
			hist_free(&d);
			bad++;
		}
	CHECK(!bad, "hstore v%u: no truncation of a record decodes (%d did)", v, bad);
	/* every byte flipped: refused, or (a length grown) too short */
	for (i = 0; i < n; i++) {
		memcpy(copy, buf, (size_t)n);
		copy[i] ^= 0xff;
		if (hs_decode(v, m / 1440, copy, (size_t)n, &minute, &d) > 0) {
			hist_free(&d);
			trusted++;
		}
	}
	CHECK(!trusted, "hstore v%u: no record with a flipped byte decodes (%d did)", v, trusted);
	/* a v2 record read as v1 or the other way: never the same histogram */
	if (hs_decode(3 - v, m / 1440, buf, (size_t)n, &minute, &d) > 0) {
		CHECK(!same(&h, &d), "hstore v%u: read as the other version, not the same histogram", v);
		hist_free(&d);
	}
	/* buckets out of order or overlapping: refused, not stored wrongly */
	h.b[3].low = h.b[2].high;
	CHECK(hs_encode(v, m, &h, buf) == -1, "hstore v%u: overlapping buckets refused", v);
	hist_free(&h);

	unit_mkhist(&h, 20000000, 12);
	hist_add_bucket(&h, UINT64_MAX - 1, UINT64_MAX, UINT64_MAX);
	h.count = h.sum = h.max = UINT64_MAX;
	h.min = 0;	/* below the first bucket: v2's min is a signed difference */
	n = hs_encode(v, UINT64_MAX, &h, buf);
	CHECK(hs_decode(v, UINT64_MAX / 1440, buf, (size_t)n, &minute, &d) == n &&
	      minute == UINT64_MAX && same(&h, &d), "hstore v%u: 64-bit extremes round trip", v);
	hist_free(&d);
	hist_free(&h);
	memset(&h, 0, sizeof(h));
	h.min = 7;
	h.max = 9;
	n = hs_encode(v, 5, &h, buf);
	CHECK(hs_decode(v, 0, buf, (size_t)n, &minute, &d) == n && d.nb == 0 && minute == 5 &&
	      d.min == 7 && d.max == 9, "hstore v%u: a minute without buckets round trips", v);
	hist_free(&d);
	unit_mkhist(&h, 0, HS_MAX_BUCKETS + 1);
	CHECK(hs_encode(v, 1, &h, buf) == -1, "hstore v%u: more than %d buckets refused", v,
	      HS_MAX_BUCKETS);
	hist_free(&h);
}

/* A histogram as the module's are: log-linear (16 widths a power of
 * two), a few non-empty buckets with gaps between them. */
static void test_records_size(void)
{
	uint8_t buf[HS_MAX_PAYLOAD + 8];
	uint64_t low = 1 << 20, w = 1 << 16;
	struct hist h;
	int i, n1, n2;

	memset(&h, 0, sizeof(h));
	h.present = 1;
	for (i = 0; i < 28; i++) {
		if (i % 3 != 2)
			hist_add_bucket(&h, low, low + w - 1, 1 + (uint64_t)i % 4);
		low += w;
		if (low >= w << 5)
			w <<= 1;
	}
	h.count = hist_bucket_total(&h);
	h.min = h.b[0].low + 17;
	h.max = h.b[h.nb - 1].high - 5;
	h.sum = h.count * (1 << 21);
	n1 = hs_encode(1, 29000000, &h, buf);
	n2 = hs_encode(2, 29000000, &h, buf);
	CHECK(n2 > 0 && n2 * 10 <= n1 * 6, "hstore: v2 stores a log-linear histogram of %zu buckets in at most 60 %% of v1's bytes (%d against %d)",
	      h.nb, n2, n1);
	hist_free(&h);
}

void test_hstore_records(void)
{
	test_records_v(1);
	test_records_v(2);
	test_records_size();
}

struct damaged {
	int records, reports;
	char last[160];
};

static int damaged_rec(uint64_t minute, const struct hist *h, void *arg)
{
	(void)minute;
	(void)h;
	((struct damaged *)arg)->records++;
	return 0;
}

static void damaged_report(const char *path, const char *what, void *arg)
{
	struct damaged *d = arg;

	(void)path;
	d->reports++;
	snprintf(d->last, sizeof(d->last), "%s", what);
}

/*
 * 40 minutes, every other one's record damaged (a byte flipped in it): 20
 * damaged regions, of which 8 are reported and the rest counted in one
 * more report. The store is the agent's user's to write: a file of
 * records and junk made a report each, two million in a 44 MB file, and
 * `snapfire history` (root's) spent minutes on them.
 */
void test_hstore_many_damaged(void)
{
	char dir[] = "/tmp/hstore-dmg.XXXXXX", path[160];
	const uint64_t day = 20424, m0 = day * 1440;	/* 2025-12-02 00:00 */
	struct damaged d = { 0 };
	struct stat st;
	struct hist h;
	long rec;
	int fd, i;

	if (!mkdtemp(dir)) {
		CHECK(0, "hstore: mkdtemp");
		return;
	}
	unit_mkhist(&h, 1000000, 5);
	for (i = 0; i < 40; i++)
		hs_append(dir, "t1", SNAPFIRE_METRIC_RTT, m0 + (uint64_t)i, &h, NULL, NULL);
	hist_free(&h);
	snprintf(path, sizeof(path), "%s/t1/rtt/20251202.sfh", dir);
	fd = open(path, O_RDWR);
	rec = fd >= 0 && !fstat(fd, &st) ? (st.st_size - HS_HDR_LEN) / 40 : 0;
	for (i = 0; rec > 0 && i < 20; i++) {
		off_t at = HS_HDR_LEN + (2 * i + 1) * rec + rec / 2;
		uint8_t b;

		if (pread(fd, &b, 1, at) == 1) {
			b ^= 0xff;
			if (pwrite(fd, &b, 1, at) != 1)
				break;
		}
	}
	if (fd >= 0)
		close(fd);
	hs_read(dir, "t1", SNAPFIRE_METRIC_RTT, m0, m0 + 40, damaged_rec, damaged_report, &d);
	CHECK(d.records == 20 && d.reports == 9 && !strcmp(d.last, "12 more damaged regions: skipped"),
	      "hstore: 20 damaged records of 40: the 20 others read, 8 reported and one report of the other 12 (%d, %d, '%s')",
	      d.records, d.reports, d.last);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path))
		CHECK(0, "hstore: rm %s", dir);
}
