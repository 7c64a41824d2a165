// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the CLI's pure parts: histogram math, formatting, JSON and
 * the Prometheus exporter. Prints ok/not ok lines and "N passed, N failed, N skipped". */
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
#include "out.h"
#include "hist.h"
#include "samples.h"
#include "stamp_time.h"
#include "verdict.h"

static int passed, failed, skipped;

#define CHECK(cond, ...) do { \
	if (cond) { passed++; printf("ok %d - ", passed + failed + skipped); } \
	else { failed++; printf("not ok %d - ", passed + failed + skipped); } \
	printf(__VA_ARGS__); printf("\n"); } while (0)

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

static void test_fmt(void)
{
	static const struct { uint64_t ns; const char *s; } d[] = {
		{ 0, "0ns" }, { 812, "812ns" }, { 999, "999ns" }, { 1000, "1.00us" },
		{ 1234, "1.23us" }, { 12345, "12.3us" }, { 123456, "123us" },
		{ 4560000, "4.56ms" }, { 999999, "1.00ms" }, { 1200000000, "1.20s" },
		{ 3600000000000ULL, "3600s" },
	};
	static const struct { const char *s; uint64_t ns; } p[] = {
		{ "500us", 500000 }, { "2ms", 2000000 }, { "1s", 1000000000 },
		{ "1500", 1500 }, { "1.5ms", 1500000 }, { "300ns", 300 },
		{ "\xc2\xb5s", 0 },
	};
	char buf[32];
	uint64_t ns;
	uint32_t ppm;
	size_t i;

	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		fmt_dur(buf, sizeof(buf), d[i].ns);
		CHECK(!strcmp(buf, d[i].s), "fmt_dur(%llu) = %s (got %s)",
		      (unsigned long long)d[i].ns, d[i].s, buf);
	}
	for (i = 0; i < sizeof(p) / sizeof(p[0]) - 1; i++) {
		int r = parse_duration(p[i].s, &ns);

		CHECK(!r && ns == p[i].ns, "parse_duration(%s) = %llu", p[i].s,
		      (unsigned long long)p[i].ns);
	}
	CHECK(!parse_duration("7\xc2\xb5s", &ns) && ns == 7000, "parse_duration accepts µs");
	CHECK(parse_duration("2 ms", &ns) < 0, "parse_duration rejects '2 ms'");
	CHECK(parse_duration("-1ms", &ns) < 0, "parse_duration rejects negatives");
	CHECK(parse_duration("5min", &ns) < 0, "parse_duration rejects unknown units");
	CHECK(!parse_percent_ppm("1.5", &ppm) && ppm == 15000, "1.5%% -> 15000 ppm");
	CHECK(!parse_percent_ppm("100%", &ppm) && ppm == 1000000, "100%% -> 1000000 ppm");
	CHECK(parse_percent_ppm("101", &ppm) < 0, "101%% rejected");
	CHECK(!strcmp(fmt_seconds(buf, sizeof(buf), 512000), "0.000512"), "fmt_seconds 512us");
	CHECK(!strcmp(fmt_seconds(buf, sizeof(buf), 3000000000ULL), "3"), "fmt_seconds 3s");
	CHECK(!strcmp(fmt_seconds(buf, sizeof(buf), 1000000001ULL), "1.000000001"), "fmt_seconds 1s+1ns");
	CHECK(parse_bool("on") == 1 && parse_bool("off") == 0 && parse_bool("x") < 0, "parse_bool");
}

static void test_json(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	json_init(&j, f);
	json_obj(&j, NULL);
	json_str(&j, "s", "a\"b\\c\nd\x01");
	json_u64(&j, "n", 18446744073709551615ULL);
	json_arr(&j, "a");
	json_u64(&j, NULL, 1);
	json_u64(&j, NULL, 2);
	json_obj(&j, NULL);
	json_bool(&j, "t", true);
	json_obj_end(&j);
	json_arr_end(&j);
	json_double(&j, "d", 1.5);
	json_null(&j, "z");
	json_obj_end(&j);
	json_end(&j);
	fclose(f);
	CHECK(!strcmp(buf, "{\"s\": \"a\\\"b\\\\c\\nd\\u0001\",\"n\": 18446744073709551615,"
		      "\"a\": [1,2,{\"t\": true}],\"d\": 1.5,\"z\": null}\n"),
	      "JSON escaping and nesting (got %s)", buf);
	free(buf);
}

static void make_flow(struct flow *f, uint64_t id, uint32_t role, const char *l,
		      const char *r, int fam)
{
	uint64_t v;
	int m, i;

	memset(f, 0, sizeof(*f));
	f->id = id;
	f->role = role;
	f->family = (uint8_t)fam;
	inet_pton(fam, l, f->local_addr);
	inet_pton(fam, r, f->remote_addr);
	f->local_port = 40000;
	f->remote_port = 862;
	f->ssid = 7;
	f->rx = 98;
	f->lost = 2;
	f->tx = 100;
	f->jitter = 1234;
	for (m = 0; m < METRIC_COUNT; m++) {
		struct hist *h = &f->hist[m];

		if (role == SNAPFIRE_ROLE_REFLECTOR && m == SNAPFIRE_METRIC_RTT)
			continue;
		h->present = 1;
		h->metric = (uint32_t)m;
		for (i = 0, v = 1000 * (m + 1); i < 20; i++, v += v / 8 + 1) {
			hist_add_bucket(h, v, v + v / 8, (uint64_t)i + 1);
			h->sum += (v + v / 16) * ((uint64_t)i + 1);
		}
		h->min = h->b[0].low;
		h->max = h->b[h->nb - 1].high;
		h->count = hist_bucket_total(h);
	}
}

static void test_prometheus(void)
{
	struct flowset s = { 0 };
	struct status_view st;
	char path[] = "/tmp/snapfire-unit-XXXXXX", cmd[256];
	FILE *f;
	int fd, rc, i;

	memset(&st, 0, sizeof(st));
	for (i = 0; i < NCOUNTERS; i++)
		st.counters[i] = (uint64_t)i * 3;
	st.flows = 2;
	st.mem = 4096;
	make_flow(flowset_add(&s), 3, SNAPFIRE_ROLE_SENDER, "10.0.1.1", "10.0.2.2", AF_INET);
	make_flow(flowset_add(&s), 4, SNAPFIRE_ROLE_REFLECTOR, "2001:db8::1", "2001:db8::2", AF_INET6);
	fd = mkstemp(path);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		CHECK(0, "temp file for the exporter");
		flowset_free(&s);
		return;
	}
	CHECK(prom_write(f, &st, &s) == 0, "the exporter writes two flows");
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "grep -q '^snapfire_rtt_seconds_bucket{flow_id=\"3\",role=\"sender\",local=\"10.0.1.1:40000\",remote=\"10.0.2.2:862\",ssid=\"7\",le=\"+Inf\"} 210$' %s", path);
	CHECK(system(cmd) == 0, "rtt +Inf bucket equals the count (210)");
	snprintf(cmd, sizeof(cmd), "test $(grep -c '^# TYPE snapfire_rtt_seconds histogram$' %s) = 1", path);
	CHECK(system(cmd) == 0, "one TYPE line per family");
	snprintf(cmd, sizeof(cmd), "grep -q 'remote=\"\\[2001:db8::2\\]:862\"' %s", path);
	CHECK(system(cmd) == 0, "IPv6 endpoint label");
	snprintf(cmd, sizeof(cmd), "grep -q '^snapfire_rtt_seconds_bucket{flow_id=\"4\"' %s", path);
	CHECK(system(cmd) != 0, "no rtt series for a reflector flow");
	if (access("/usr/bin/promtool", X_OK) == 0 || system("command -v promtool >/dev/null 2>&1") == 0) {
		snprintf(cmd, sizeof(cmd), "promtool check metrics < %s", path);
		rc = system(cmd);
		CHECK(rc == 0, "promtool check metrics accepts the export");
	} else {
		skipped++;
		printf("ok %d - promtool check metrics # SKIP promtool not installed\n",
		       passed + failed + skipped);
	}
	unlink(path);
	flowset_free(&s);
}

static void test_flow_helpers(void)
{
	struct flowset s = { 0 };
	char buf[64];
	struct flow *f;

	make_flow(flowset_add(&s), 9, SNAPFIRE_ROLE_SENDER, "10.0.0.9", "10.0.0.1", AF_INET);
	make_flow(flowset_add(&s), 2, SNAPFIRE_ROLE_REFLECTOR, "10.0.0.2", "10.0.0.3", AF_INET);
	f = &s.v[0];
	CHECK(flow_loss_pct(f) == 2.0, "loss 2 of 100 is 2%%");
	endpoint_str(buf, sizeof(buf), AF_INET6, s.v[0].local_addr, 1);
	flows_sort(&s, COL_ID, false);
	CHECK(s.v[0].id == 2, "sort by id");
	flows_sort(&s, COL_P99, true);
	CHECK(s.v[0].id == 9, "sort by p99 desc puts reflector (no rtt) last");
	CHECK(flow_col_parse("p99.9") == COL_P999 && flow_col_parse("nope") < 0, "column names");
	flowset_free(&s);
}

/* A histogram of @n samples all at @v ns, as flow_parse would leave it. */
static void set_hist(struct flow *f, unsigned int m, uint64_t v, uint64_t n)
{
	struct hist *h = &f->hist[m];

	h->present = 1;
	h->metric = m;
	hist_add_bucket(h, v, v, n);
	h->count = n;
	h->min = v;
	h->max = v;
	hist_finish(h);
}

static void flow_reset(struct flow *f, uint32_t role, uint8_t synced)
{
	flow_free(f);
	memset(f, 0, sizeof(*f));
	f->role = role;
	f->synced = synced;
}

static const struct comp *comp_of(const struct breakdown *b, const char *key)
{
	int i;

	for (i = 0; i < b->n; i++)
		if (!strcmp(b->c[i].key, key))
			return &b->c[i];
	return NULL;
}

static void test_verdict(void)
{
	const uint64_t ms = 1000000;
	struct breakdown b;
	struct flow f = { 0 };
	const struct comp *c;

	/* netem on the path: the network */
	flow_reset(&f, SNAPFIRE_ROLE_SENDER, 1);
	set_hist(&f, SNAPFIRE_METRIC_TX_STAGE, ms / 20, 100);
	set_hist(&f, SNAPFIRE_METRIC_FWD, 10 * ms, 100);
	set_hist(&f, SNAPFIRE_METRIC_REV, 10 * ms, 100);
	set_hist(&f, SNAPFIRE_METRIC_TURNAROUND, ms / 10, 100);
	set_hist(&f, SNAPFIRE_METRIC_RX_STAGE, ms / 20, 100);
	set_hist(&f, SNAPFIRE_METRIC_RTT, 20 * ms, 100);
	breakdown_build(&f, &b);
	CHECK(b.n == 5 && !strcmp(b.c[0].key, "tx_stage") && !strcmp(b.c[1].key, "fwd") &&
	      !strcmp(b.c[2].key, "turnaround") && !strcmp(b.c[3].key, "rev") &&
	      !strcmp(b.c[4].key, "rx_stage"), "verdict: synced sender parts in path order, no rtt");
	CHECK(b.total == 20 * ms + ms / 5, "verdict: total is the sum of the p50s (%" PRIu64 ")", b.total);
	CHECK(b.dom_where == WHERE_NETWORK && b.dom_sum == 20 * ms,
	      "verdict: delay on the path blames the network");
	CHECK(!b.far_egress_reported, "verdict: no Follow-Up, far egress not reported");

	/* a queue on this host's egress: this host */
	flow_reset(&f, SNAPFIRE_ROLE_SENDER, 1);
	set_hist(&f, SNAPFIRE_METRIC_TX_STAGE, 30 * ms, 100);
	set_hist(&f, SNAPFIRE_METRIC_FWD, 5 * ms, 100);
	set_hist(&f, SNAPFIRE_METRIC_REV, 5 * ms, 100);
	breakdown_build(&f, &b);
	CHECK(b.dom_where == WHERE_LOCAL && !strcmp(b.c[b.dom_comp].key, "tx_stage") &&
	      breakdown_share(b.dom_sum, b.total) == 75.0,
	      "verdict: a planted qdisc delay on this host blames this host (75 %%)");

	/* unsynchronised, the far host's egress reported by Follow-Up */
	flow_reset(&f, SNAPFIRE_ROLE_SENDER, 0);
	set_hist(&f, SNAPFIRE_METRIC_RTT, 20 * ms, 100);
	set_hist(&f, SNAPFIRE_METRIC_TURNAROUND, ms, 100);
	set_hist(&f, SNAPFIRE_METRIC_FAR_TX_STAGE, 15 * ms, 99);
	breakdown_build(&f, &b);
	c = comp_of(&b, "rtt");
	CHECK(c && c->p50 == 5 * ms && c->where == WHERE_NETWORK,
	      "verdict: rtt less the far host's egress stage, percentile by percentile");
	CHECK(b.far_egress_reported && b.dom_where == WHERE_FAR && b.dom_sum == 16 * ms &&
	      !strcmp(b.c[b.dom_comp].key, "far_tx_stage"),
	      "verdict: a planted far-host egress delay blames the far host");
	/* the same flow with synced clocks: taken out of rev, not fwd */
	f.synced = 1;
	set_hist(&f, SNAPFIRE_METRIC_FWD, 2 * ms, 100);
	set_hist(&f, SNAPFIRE_METRIC_REV, 18 * ms, 100);
	breakdown_build(&f, &b);
	CHECK(comp_of(&b, "rev") && comp_of(&b, "rev")->p50 == 3 * ms &&
	      comp_of(&b, "fwd")->p50 == 2 * ms && !comp_of(&b, "rtt"),
	      "verdict: synced, far egress taken out of rev only");
	/* more far egress than rev (skewed percentiles): never below zero */
	flow_reset(&f, SNAPFIRE_ROLE_SENDER, 1);
	set_hist(&f, SNAPFIRE_METRIC_FWD, 2 * ms, 100);
	set_hist(&f, SNAPFIRE_METRIC_REV, 3 * ms, 100);
	set_hist(&f, SNAPFIRE_METRIC_FAR_TX_STAGE, 4 * ms, 100);
	breakdown_build(&f, &b);
	CHECK(comp_of(&b, "rev")->p50 == 0, "verdict: rev less far egress clamps at 0");

	/* a reflector flow: everything but the forward path is this host */
	flow_reset(&f, SNAPFIRE_ROLE_REFLECTOR, 1);
	set_hist(&f, SNAPFIRE_METRIC_FWD, 3 * ms, 10);
	set_hist(&f, SNAPFIRE_METRIC_RX_STAGE, ms, 10);
	set_hist(&f, SNAPFIRE_METRIC_TURNAROUND, ms, 10);
	set_hist(&f, SNAPFIRE_METRIC_TX_STAGE, 2 * ms, 10);
	breakdown_build(&f, &b);
	CHECK(b.n == 4 && b.c[1].where == WHERE_LOCAL && b.c[2].where == WHERE_LOCAL &&
	      b.c[3].where == WHERE_LOCAL && b.dom_where == WHERE_LOCAL && b.dom_sum == 4 * ms &&
	      !strcmp(b.c[b.dom_comp].key, "fwd"),
	      "verdict: reflector flow, its own stages are this host");

	/* nothing measured */
	flow_reset(&f, SNAPFIRE_ROLE_SENDER, 0);
	breakdown_build(&f, &b);
	CHECK(b.n == 0 && b.dom_where == -1 && b.dom_comp == -1 && b.total == 0,
	      "verdict: no samples, no verdict");
	CHECK(!strcmp(where_name(WHERE_FAR), "the far host") && !strcmp(where_key(WHERE_LOCAL), "local"),
	      "verdict: names and JSON keys");
	flow_free(&f);
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

/* The config key table: every attribute of the spec has its key; the view
 * prints as `snapfire config` always has. */
static void test_config_keys(void)
{
	char *buf = NULL;
	size_t len = 0;
	struct cfg_view c = { 0 };
	FILE *f;
	int a, missing = 0;

	for (a = 1; a <= SNAPFIRE_A_CONFIG_MAX; a++)
		if (a != SNAPFIRE_A_CONFIG_ALLOW_CLEAR && a != SNAPFIRE_A_CONFIG_PAD &&
		    !config_key_name(a)) {
			printf("# attribute %d has no config key\n", a);
			missing++;
		}
	CHECK(!missing, "config: a key for every attribute of the spec's config set");
	c.has[SNAPFIRE_A_CONFIG_ENABLED] = true;
	c.v[SNAPFIRE_A_CONFIG_ENABLED] = 1;
	c.v[SNAPFIRE_A_CONFIG_RATE_LIMIT] = 0;
	c.v[SNAPFIRE_A_CONFIG_IDLE_TIMEOUT] = 77;
	c.v[SNAPFIRE_A_CONFIG_RTT_THRESHOLD] = 2000000;
	c.v[SNAPFIRE_A_CONFIG_LOSS_THRESHOLD] = 5000;
	c.v[SNAPFIRE_A_CONFIG_RATE_PREFIX6] = 48;
	c.v[SNAPFIRE_A_CONFIG_RATE_TOTAL] = 0;
	c.v[SNAPFIRE_A_CONFIG_REFLECT_MODE] = SNAPFIRE_REFLECT_MODE_STATEFUL;
	c.ports[0] = 862;
	c.ports[1] = 863;
	c.nports = 2;
	f = open_memstream(&buf, &len);
	out_begin(f, false);
	config_out(NULL, &c);
	out_end();
	fclose(f);
	CHECK(strstr(buf, "  enabled          on\n") && strstr(buf, "  reflect          ?\n") &&
	      strstr(buf, "  ports            862,863\n") && strstr(buf, "  mode             stateful\n") &&
	      strstr(buf, "  rate             0 (no limit)\n") && strstr(buf, "  allow            any\n") &&
	      strstr(buf, "  idle-timeout     77s\n") && strstr(buf, "  rtt-threshold    2.00ms\n") &&
	      strstr(buf, "  loss-threshold   0.5%\n") && strstr(buf, "  rate-prefix6     /48\n") &&
	      strstr(buf, "  rate-total       0 (100 x rate)\n"),
	      "config: text of each kind (on, not sent, list, mode, zero text, suffix, duration, percent, prefix)");
	free(buf);
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

/* out.h: the same calls give the text and the JSON of one listing. */
static void out_doc(FILE *f, bool json)
{
	out_begin(f, json);
	out_obj(NULL);
	out_u64(OUT_ANY, "id", "flow %" PRIu64 ":", 7);
	out_str(OUT_ANY, "role", " %s", "sender");
	out_str(OUT_JSON, "addr", NULL, "192.0.2.1");
	out_u64(OUT_JSON, "port", NULL, 862);
	out_str(OUT_TEXT, NULL, " %s", "192.0.2.1:862");
	out_text("\n");
	out_dur(OUT_ANY, "rtt_ns", "  rtt %s", 1500000);
	out_bool_words(OUT_ANY, "synced", ", clocks %s", false, "synchronised", "not synchronised");
	out_double(OUT_ANY, "loss_pct", ", loss %.1f%%", 2.5);
	out_i64(OUT_ANY, "skew_ns", ", skew %" PRId64, -3);
	out_arr("ports");
	out_u64(OUT_JSON, NULL, NULL, 862);
	out_u64(OUT_JSON, NULL, NULL, 863);
	out_arr_end();
	out_obj("more");
	out_null("dominant");
	out_bool(OUT_ANY, "far", "\nfar %s\n", true);
	out_obj_end();
	out_obj_end();
	out_end();
}

static void test_out(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&buf, &len);
	out_doc(f, false);
	fclose(f);
	CHECK(!strcmp(buf, "flow 7: sender 192.0.2.1:862\n  rtt 1.50ms, clocks not synchronised, loss 2.5%, skew -3\nfar yes\n"),
	      "out: text of one document (got '%s')", buf);
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	out_doc(f, true);
	fclose(f);
	CHECK(!strcmp(buf, "{\"id\": 7,\"role\": \"sender\",\"addr\": \"192.0.2.1\",\"port\": 862,"
			   "\"rtt_ns\": 1500000,\"synced\": false,\"loss_pct\": 2.5,\"skew_ns\": -3,"
			   "\"ports\": [862,863],\"more\": {\"dominant\": null,\"far\": true}}\n"),
	      "out: JSON of the same calls (got '%s')", buf);
	free(buf);
}

/* flow_out: the head of `show` in text, the flow object in JSON. */
static void test_flow_out(void)
{
	struct flowset s = { 0 };
	char *buf = NULL;
	size_t len = 0;
	struct flow *f;
	FILE *o;
	static const char head[] = "flow 9: sender 192.0.2.2:40000 -> 198.51.100.2:862 ssid 7 (inet)\n"
			    "  age 0ns, last packet 0ns ago, memory 7936 bytes\n"
			    "  tx 100, rx 98, lost 2 (2.00%), reordered 0, duplicates 0, restarts 0\n"
			    "  forward/reverse split unknown: the reflector's numbers follow ours (a stateless\n"
			    "  reflector; or a stateful one and no forward loss yet: then all 0 were reverse)\n"
			    "  jitter 1.23us (RFC 3550), peer ttl 254, clocks not synchronised (one-way delays unavailable)\n"
			    "\nrtt: ";
	static const char jhead[] = "{\"id\": 9,\"role\": \"sender\",\"family\": \"inet\",\"local_addr\": \"192.0.2.2\","
				    "\"local_port\": 40000,\"remote_addr\": \"198.51.100.2\",\"remote_port\": 862,\"ssid\": 7,";

	f = flowset_add(&s);
	make_flow(f, 9, SNAPFIRE_ROLE_SENDER, "192.0.2.2", "198.51.100.2", AF_INET);
	f->mem = 7936;
	f->peer_ttl = 254;
	o = open_memstream(&buf, &len);
	out_begin(o, false);
	flow_out(f, false);
	out_end();
	fclose(o);
	CHECK(!strncmp(buf, head, strlen(head)) && strstr(buf, " samples\n  min ") && strstr(buf, "  p99.9 "),
	      "flow_out: the text head of show (got '%.600s')", buf);
	free(buf);
	buf = NULL;
	o = open_memstream(&buf, &len);
	out_begin(o, true);
	out_obj(NULL);
	flow_out(f, true);
	out_obj_end();
	out_end();
	fclose(o);
	CHECK(!strncmp(buf, jhead, strlen(jhead)) &&
	      strstr(buf, "\"tx\": 100,\"rx\": 98,\"lost\": 2,\"loss_pct\": 2,") &&
	      strstr(buf, "\"peer_stateful\": false,") && strstr(buf, "\"jitter_ns\": 1234,\"peer_ttl\": 254,\"synced\": false,") &&
	      strstr(buf, "\"rtt\": {\"count\": ") && strstr(buf, "\"histograms\": {\"rtt\": {\"count\": ") &&
	      !strstr(buf, "samples") && buf[strlen(buf) - 2] == '}',
	      "flow_out: the JSON object of the same calls (got '%.400s')", buf);
	free(buf);
	flowset_free(&s);
}

/* parse.c: attributes built as the module sends them, read back. */
static void test_parse(void)
{
	struct nl_msg *m = nlmsg_alloc();
	struct nlattr *fl, *h, *b;
	struct event_view e;
	struct cfg_view c;
	struct flow f;
	uint8_t a4[4] = { 192, 0, 2, 7 };
	int rc;

	/* an event: type, value, threshold, the flow nest with a histogram */
	nla_put_u32(m, SNAPFIRE_A_EVENT_TYPE, SNAPFIRE_EVENT_TYPE_RTT_HIGH);
	nla_put_u64(m, SNAPFIRE_A_EVENT_VALUE, 2500000);
	nla_put_u64(m, SNAPFIRE_A_EVENT_THRESHOLD, 2000000);
	fl = nla_nest_start(m, SNAPFIRE_A_EVENT_FLOW);
	nla_put_u64(m, SNAPFIRE_A_FLOW_ID, 42);
	nla_put_u32(m, SNAPFIRE_A_FLOW_ROLE, SNAPFIRE_ROLE_SENDER);
	nla_put_u8(m, SNAPFIRE_A_FLOW_FAMILY, AF_INET);
	nla_put(m, SNAPFIRE_A_FLOW_REMOTE_ADDR, 4, a4);
	nla_put_u16(m, SNAPFIRE_A_FLOW_REMOTE_PORT, 862);
	nla_put_u32(m, SNAPFIRE_A_FLOW_TX, 100);	/* u64 in the spec: any width is read */
	nla_put_u64(m, SNAPFIRE_A_FLOW_LOST, 3);
	nla_put_u8(m, SNAPFIRE_A_FLOW_PEER_STATEFUL, 1);
	nla_put_u32(m, 999, 7);				/* unknown: a newer module */
	h = nla_nest_start(m, SNAPFIRE_A_FLOW_HIST);
	nla_put_u32(m, SNAPFIRE_A_HIST_METRIC, SNAPFIRE_METRIC_RTT);
	nla_put_u64(m, SNAPFIRE_A_HIST_COUNT, 5);
	nla_put_u64(m, SNAPFIRE_A_HIST_MIN_VALUE, 1000);
	nla_put_u64(m, SNAPFIRE_A_HIST_MAX_VALUE, 1100);
	b = nla_nest_start(m, SNAPFIRE_A_HIST_BUCKET);
	nla_put_u64(m, SNAPFIRE_A_BUCKET_LOW, 1000);
	nla_put_u64(m, SNAPFIRE_A_BUCKET_HIGH, 1100);
	nla_put_u64(m, SNAPFIRE_A_BUCKET_COUNT, 5);
	nla_nest_end(m, b);
	nla_nest_end(m, h);
	h = nla_nest_start(m, SNAPFIRE_A_FLOW_HIST);	/* a metric this CLI does not know */
	nla_put_u32(m, SNAPFIRE_A_HIST_METRIC, 200);
	nla_put_u64(m, SNAPFIRE_A_HIST_COUNT, 1);
	nla_nest_end(m, h);
	nla_nest_end(m, fl);
	rc = event_parse(&e, nlmsg_attrdata(nlmsg_hdr(m), 0), nlmsg_attrlen(nlmsg_hdr(m), 0));
	CHECK(rc == 0 && e.type == SNAPFIRE_EVENT_TYPE_RTT_HIGH && e.has_value &&
	      e.value == 2500000 && e.threshold == 2000000 && e.has_flow,
	      "parse: an event's type, value, threshold and flow");
	CHECK(e.flow.id == 42 && e.flow.role == SNAPFIRE_ROLE_SENDER && e.flow.remote_port == 862 &&
	      !memcmp(e.flow.remote_addr, a4, 4) && e.flow.tx == 100 && e.flow.lost == 3 &&
	      e.flow.peer_stateful == 1,
	      "parse: the event's flow, integers of any width, an unknown attribute skipped");
	CHECK(flow_hist(&e.flow, SNAPFIRE_METRIC_RTT) && e.flow.hist[SNAPFIRE_METRIC_RTT].count == 5 &&
	      e.flow.hist[SNAPFIRE_METRIC_RTT].nb == 1 &&
	      hist_percentile(&e.flow.hist[SNAPFIRE_METRIC_RTT], 0.5) >= 1000,
	      "parse: its rtt histogram and bucket; an unknown metric skipped");
	event_free(&e);
	nlmsg_free(m);

	/* config: scalars by type, ports, an allow prefix */
	m = nlmsg_alloc();
	nla_put_u8(m, SNAPFIRE_A_CONFIG_REFLECT, 1);
	nla_put_u16(m, SNAPFIRE_A_CONFIG_PORT, 862);
	nla_put_u16(m, SNAPFIRE_A_CONFIG_PORT, 863);
	nla_put_u8(m, SNAPFIRE_A_CONFIG_RATE_PREFIX4, 24);
	fl = nla_nest_start(m, SNAPFIRE_A_CONFIG_ALLOW);
	nla_put_u8(m, SNAPFIRE_A_PREFIX_FAMILY, AF_INET);
	nla_put(m, SNAPFIRE_A_PREFIX_ADDR, 4, a4);
	nla_put_u8(m, SNAPFIRE_A_PREFIX_PLEN, 24);
	nla_nest_end(m, fl);
	memset(&c, 0, sizeof(c));
	rc = config_parse(&c, nlmsg_attrdata(nlmsg_hdr(m), 0), nlmsg_attrlen(nlmsg_hdr(m), 0));
	CHECK(rc == 0 && c.has[SNAPFIRE_A_CONFIG_REFLECT] && config_value(&c, SNAPFIRE_A_CONFIG_REFLECT) == 1 &&
	      !c.has[SNAPFIRE_A_CONFIG_ENABLED] && c.nports == 2 && c.ports[1] == 863 &&
	      config_value(&c, SNAPFIRE_A_CONFIG_RATE_PREFIX4) == 24 && c.nallow == 1 &&
	      c.allow[0].plen == 24 && !memcmp(c.allow[0].addr, a4, 4),
	      "parse: config scalars (sent or not), ports, an allow prefix");
	nlmsg_free(m);
	memset(&f, 0, sizeof(f));
	CHECK(flow_parse(&f, NULL, 0) == 0 && f.family == AF_INET, "parse: an empty flow is IPv4");
	flow_free(&f);
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
	test_parse();
	test_prometheus();
	test_stamp_time();
	test_verdict();
	test_samples();
	test_config_keys();
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
