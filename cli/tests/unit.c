// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the CLI's pure parts: histogram math, formatting, JSON and
 * the Prometheus exporter. Prints ok/not ok lines and "N passed, N failed, N skipped". */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/snapfire.h>

#include "flow.h"
#include "fmt.h"
#include "hist.h"

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
	struct sf_status st;
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

int main(void)
{
	test_percentiles();
	test_render();
	test_fmt();
	test_json();
	test_flow_helpers();
	test_prometheus();
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
