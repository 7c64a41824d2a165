// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the CLI's pure parts: histogram math, formatting, JSON and
 * the Prometheus exporter. Prints ok/not ok lines and "N passed, N failed, N skipped".
 * This file: histograms, samples, stamp_time.h, the TCP view, and main;
 * unit_fmt.c: formatting and JSON against printf and a reference writer;
 * unit_flow.c: flows, the exporter, the verdict; unit_parse.c: parsing,
 * the config table, the output layer; unit_diag*.c: the verdict of
 * `snapfire diagnose` (diag_verdict.c) against docs/DIAGNOSE.md (rules and
 * incidents; confidence and notes; the review's cases and the delayed-ACK
 * flag; their shared cases in unit_diag_lib.c);
 * unit_hstore.c: the history store. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <linux/snapfire.h>

#include "cmds.h"
#include "parse.h"
#include "flow.h"
#include "fmt.h"
#include "grow.h"
#include "out.h"
#include "hist.h"
#include "samples.h"
#include "sockdiag.h"
#include "stamp_time.h"
#include "verdict.h"
#include "unit.h"

int passed, failed, skipped;

static void test_percentiles(void)
{
	struct hist h = { 0 };
	int i;

	/* 100 samples uniform in 10 buckets [i*100, i*100+99], 10 each */
	for (i = 0; i < 10; i++)
		hist_add_bucket(&h, (uint64_t)i * 100, (uint64_t)i * 100 + 99, 10);
	h.count = 100;
	h.min = 0;
	h.max = 999;
	h.sum = 49950;
	hist_finish(&h);
	CHECK(hist_percentile(&h, 0.5) == 499, "p50 of uniform 0..999 is 499 (got %llu)",
	      (unsigned long long)hist_percentile(&h, 0.5));
	CHECK(hist_percentile(&h, 0.9) == 899, "p90 is 899 (got %llu)",
	      (unsigned long long)hist_percentile(&h, 0.9));
	CHECK(hist_percentile(&h, 0.95) == 950, "p95 interpolates inside the bucket (got %llu)",
	      (unsigned long long)hist_percentile(&h, 0.95));
	CHECK(hist_percentile(&h, 1.0) == 999, "p100 is max");
	CHECK(hist_mean(&h) == 499, "mean is sum/count");
	hist_free(&h);

	/* one bucket [1000,1999], 4 samples, min 1200 max 1300: clamped */
	hist_add_bucket(&h, 1000, 1999, 4);
	h.min = 1200;
	h.max = 1300;
	hist_finish(&h);
	CHECK(hist_percentile(&h, 0.01) == 1200, "percentile clamped to min");
	CHECK(hist_percentile(&h, 0.99) == 1300, "percentile clamped to max");
	hist_free(&h);

	/* skewed: 99 samples at [100,100], 1 at [10000,10999] */
	hist_add_bucket(&h, 10000, 10999, 1);	/* out of order: sorted */
	hist_add_bucket(&h, 100, 100, 99);
	h.min = 100;
	h.max = 10500;
	hist_finish(&h);
	CHECK(h.count == 100, "count from buckets when not sent");
	CHECK(hist_percentile(&h, 0.99) == 100, "p99 in the big bucket");
	CHECK(hist_percentile(&h, 0.999) > 10000 && hist_percentile(&h, 0.999) <= 10500,
	      "p99.9 in the tail bucket, <= max (got %llu)",
	      (unsigned long long)hist_percentile(&h, 0.999));
	hist_free(&h);
	CHECK(hist_percentile(&h, 0.5) == 0, "empty histogram gives 0");

	/* sorted but for one bucket anywhere, and shuffled: hist_finish sorts */
	{
		unsigned int seed = 7, bad = 0, n, k, j;

		for (n = 2; n <= 40; n++) {
			for (k = 0; k <= n; k++) {
				uint64_t low[40];

				for (j = 0; j < n; j++)
					low[j] = 100 * (uint64_t)(j + 1);
				if (k < n - 1) {		/* one bucket moved last */
					uint64_t x = low[k];

					memmove(low + k, low + k + 1, (n - 1 - k) * sizeof(*low));
					low[n - 1] = x;
				} else if (k == n) {		/* shuffled */
					for (j = n - 1; j > 0; j--) {
						unsigned int r = (unsigned int)rand_r(&seed) % (j + 1);
						uint64_t x = low[j];

						low[j] = low[r];
						low[r] = x;
					}
				}
				for (j = 0; j < n; j++)
					hist_add_bucket(&h, low[j], low[j] + 99, j + 1);
				hist_finish(&h);
				for (j = 0; j < n; j++)
					bad += h.b[j].low != 100 * (uint64_t)(j + 1) ||
					       h.b[j].high != h.b[j].low + 99;
				hist_free(&h);
			}
		}
		CHECK(!bad, "hist_finish sorts 2 to 40 buckets, one out of place or all shuffled (%u misplaced)",
		      bad);
	}
}

static void test_render(void)
{
	struct hist h = { 0 };
	char *buf = NULL;
	size_t len = 0, lines = 0, i;
	FILE *f = open_memstream(&buf, &len);
	uint64_t v;

	for (v = 1000, i = 0; i < 200; i++, v += v / 16 + 1)
		hist_add_bucket(&h, v, v + v / 16, i + 1);
	hist_finish(&h);
	hist_render(f, &h, 24, 40, "  ");
	fclose(f);
	for (i = 0; i < len; i++)
		lines += buf[i] == '\n';
	CHECK(lines >= 10 && lines <= 24, "render groups 200 buckets into <= 24 rows (%zu)", lines);
	CHECK(strstr(buf, "########################################") != NULL,
	      "the largest row has a full-width bar");
	free(buf);
	hist_free(&h);
}

/* The probe's exact sample sets: nearest-rank percentiles. */
static void test_samples(void)
{
	struct samples s = { 0 };
	int i;

	CHECK(samples_pct(&s, 0.5) == 0 && samples_min(&s) == 0 && samples_max(&s) == 0,
	      "samples: empty set reads 0");
	for (i = 100; i >= 1; i--)	/* added out of order */
		samples_add(&s, i * 1000);
	CHECK(samples_pct(&s, 0.5) == 50000 && samples_pct(&s, 0.99) == 99000 &&
	      samples_pct(&s, 0.999) == 100000 && samples_pct(&s, 0) == 1000,
	      "samples: nearest rank (p50 %lld)", (long long)samples_pct(&s, 0.5));
	CHECK(samples_min(&s) == 1000 && samples_max(&s) == 100000 && samples_mean(&s) == 50500,
	      "samples: min, max, mean");
	samples_add(&s, -5);	/* a negative sample sorts first */
	CHECK(samples_min(&s) == -5 && s.n == 101, "samples: adding unsorts, the next read sorts");
	samples_free(&s);
	CHECK(!s.v && !s.n, "samples: freed");
}

/* grow.h: the one way the CLI's arrays grow */
static void test_array_room(void)
{
	volatile size_t vmax = SIZE_MAX;
	size_t cap = 0, i, big;
	int *v = NULL, *p;
	int ok = 1;

	for (i = 0; i < 100; i++) {
		p = array_room(v, &cap, i, sizeof(*v), 4);
		if (!p) {
			ok = 0;
			break;
		}
		v = p;
		v[i] = (int)i;
	}
	for (i = 0; ok && i < 100; i++)
		ok = v[i] == (int)i;
	CHECK(ok && cap == 128, "array_room: 100 appends keep every element, room 4 doubled to %zu", cap);
	CHECK(array_room(v, &cap, 100, sizeof(*v), 4) == v && cap == 128,
	      "array_room: the same array while there is room");
	free(v);
	/* sizes through volatile: the compiler would refuse the constants */
	big = vmax / 2 + 1;
	CHECK(!array_room(NULL, &big, big, 1, 4) && big == vmax / 2 + 1,
	      "array_room: a room that cannot double: NULL, room kept");
	big = vmax / 8;
	CHECK(!array_room(NULL, &big, big, 8, 4) && big == vmax / 8,
	      "array_room: bytes past SIZE_MAX: NULL, room kept");
}

/* include/stamp_time.h as the CLI builds it (the module's build is KUnit's) */
static void test_stamp_time(void)
{
	/* NTP era 1 begins at Unix 2085978496 (2036-02-07 06:28:16 UTC) */
	const uint64_t era1 = 2085978496ULL, ns = 1000000000ULL;
	const uint64_t vals[] = { 1, 999999999, 1700000000ULL * ns + 123456789,
				  era1 * ns - 1, era1 * ns + 1, 4000000000ULL * ns + 7 };
	uint32_t sec, frac;
	unsigned int i;
	int ok = 1;

	CHECK(stamp_ts_to_ns(4, 0, 0, (era1 + 4) * ns) == (era1 + 4) * ns,
	      "NTP seconds 4 read in 2036 are 2036, not 1900");
	CHECK(stamp_ts_to_ns(0xffffffffU, 0, 0, (era1 + 10) * ns) == (era1 - 1) * ns,
	      "NTP seconds 2^32 - 1 read just after the rollover are just before it");
	CHECK(stamp_ts_to_ns(1700000000U + 2208988800U, 0, 0,
			     1700000000ULL * ns) == 1700000000ULL * ns,
	      "NTP era 0 read in era 0");
	CHECK(stamp_ts_to_ns(5, 2000000000U, 1, 6 * ns) == 5 * ns + 999999999,
	      "PTP fraction above 10^9 - 1 ns is clamped");
	CHECK(stamp_ts_to_ns(0, 0, 0, 1700000000ULL * ns) == 0, "zero timestamp reads as 0");
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		stamp_ns_to_ts(vals[i], 0, &sec, &frac);
		ok &= stamp_ts_to_ns(sec, frac, 0, vals[i]) == vals[i];
		stamp_ns_to_ts(vals[i], 1, &sec, &frac);
		ok &= stamp_ts_to_ns(sec, frac, 1, vals[i]) == vals[i];
	}
	CHECK(ok, "ns -> timestamp -> ns is exact, NTP and PTP, across the 2036 rollover");
}

/* snapfire tcp: its rate text and the srtt histogram's buckets */
static void test_tcp(void)
{
	struct tcp_conn v[6] = {
		{ .has_info = true, .srtt_ns = 1000 },		/* [0, 2us) */
		{ .has_info = true, .srtt_ns = 1999 },		/* [0, 2us) */
		{ .has_info = true, .srtt_ns = 2000 },		/* [2us, 4us) */
		{ .has_info = true, .srtt_ns = 5000000 },	/* [4.096ms, 8.192ms) */
		{ .has_info = false, .srtt_ns = 5000000 },	/* no tcp_info: none */
		{ .has_info = true, .srtt_ns = 0 },		/* no sample yet: none */
	};
	struct tcp_conns s = { v, 6, 6 };
	bool keep[6] = { true, true, true, true, true, true };
	uint64_t c[TCP_HIST_BUCKETS];
	char b[32];

	tcp_srtt_hist(&s, keep, c);
	CHECK(c[0] == 2 && c[1] == 1 && c[12] == 1 && tcp_hist_low_ns(12) == 4096000 &&
	      tcp_hist_high_ns(12) == 8192000 && tcp_hist_low_ns(0) == 0,
	      "tcp: srtt histogram buckets [2^k, 2^(k+1)) us, the first from 0; no tcp_info or no sample yet left out");
	keep[3] = false;
	tcp_srtt_hist(&s, keep, c);
	CHECK(c[12] == 0 && c[0] == 2, "tcp: the filter's choice is what is counted");
	v[0].srtt_ns = 3600ULL * 1000000000;
	tcp_srtt_hist(&s, keep, c);
	CHECK(c[TCP_HIST_BUCKETS - 1] == 1, "tcp: an srtt beyond the last bucket counts in it");
	CHECK(!strcmp(fmt_rate(b, sizeof(b), 0), "0bit/s") &&
	      !strcmp(fmt_rate(b, sizeof(b), 999), "999bit/s") &&
	      !strcmp(fmt_rate(b, sizeof(b), 31402666664ULL), "31.4Gbit/s") &&
	      !strcmp(fmt_rate(b, sizeof(b), 1000000), "1.00Mbit/s") &&
	      !strcmp(fmt_rate(b, sizeof(b), 512000), "512kbit/s"),
	      "tcp: rates in bit/s with a unit");
}

int main(void)
{
	test_percentiles();
	test_render();
	test_fmt();
	test_json();
	test_out();
	test_flow_helpers();
	test_flow_out();
	test_table_row();
	test_parse();
	test_prometheus();
	test_prometheus_golden();
	test_stamp_time();
	test_verdict();
	test_samples();
	test_array_room();
	test_config_keys();
	test_tcp();
	test_diag();
	test_hstore();
	test_agent_prom();
	test_agent_hist_merged();
	test_agent_log();
	test_agent_http_budget();
	test_agent_http_client();
	test_agent_http_accept();
	test_agent_queue();
	test_hquery();
	test_agent_conf();
	test_nlq();
	test_spool();
	test_probe_match();
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
