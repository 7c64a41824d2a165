// SPDX-License-Identifier: GPL-2.0
/* CLI unit tests: flows, the verdict, flow_out (the exporter: unit_prom.c). */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <linux/snapfire.h>

#include "cmds.h"
#include "common.h"
#include "parse.h"
#include "flow.h"
#include "fmt.h"
#include "out.h"
#include "hist.h"
#include "samples.h"
#include "stamp_time.h"
#include "verdict.h"
#include "unit.h"

void make_flow(struct flow *f, uint64_t id, uint32_t role, const char *l,
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

void test_flow_helpers(void)
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

void test_verdict(void)
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

/* flow_out: the head of `show` in text, the flow object in JSON. */
void test_flow_out(void)
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


/* flows_table_row() before it was built by hand: the reference */
static void ref_row(FILE *out, const struct flow *f, int w)
{
	static const double ps[] = { 0.5, 0.9, 0.99, 0.999 };
	char ends[160], l[64], r[64], a[INET6_ADDRSTRLEN], v[7][16], loss[16];
	const struct hist *h = f->role == SNAPFIRE_ROLE_SENDER ?
		flow_hist(f, SNAPFIRE_METRIC_RTT) : NULL;
	int k;

	inet_ntop(f->family, f->local_addr, a, sizeof(a));
	snprintf(l, sizeof(l), f->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, f->local_port);
	inet_ntop(f->family, f->remote_addr, a, sizeof(a));
	snprintf(r, sizeof(r), f->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, f->remote_port);
	snprintf(ends, sizeof(ends), "%s -> %s", l, r);
	for (k = 0; k < 6; k++)
		strcpy(v[k], "-");
	if (h) {
		fmt_dur_fp(v[0], sizeof(v[0]), h->min);
		for (k = 0; k < 4; k++)
			fmt_dur_fp(v[k + 1], sizeof(v[0]), hist_percentile(h, ps[k]));
		fmt_dur_fp(v[5], sizeof(v[0]), h->max);
	}
	fmt_dur_fp(v[6], sizeof(v[6]), f->jitter);
	snprintf(loss, sizeof(loss), "%.1f%%", flow_loss_pct(f));
	fprintf(out, "%-5" PRIu64 " %-9s %-*s %5u %8" PRIu64 " %6s %8s %8s %8s %8s %8s %8s %8s\n",
		f->id, role_name(f->role), w, ends, f->ssid, f->rx, loss,
		v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
}

/*
 * The table's rows, built by hand, against printf's: flows of both roles
 * and families, ids and counters from 0 to 2^64 - 1, loss from none to all
 * (and its decimal ties), durations across the units, narrow and wide
 * columns.
 */
void test_table_row(void)
{
	static const char *const v4[] = { "0.0.0.0", "192.0.2.1", "255.255.255.255", "10.20.30.4" };
	static const char *const v6[] = { "::", "2001:db8::1", "fe80::1:2:3:4",
		"2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff", "::ffff:192.0.2.9" };
	static const uint64_t big[] = { 0, 1, 9, 10, 99999, 100000, 12345678, 99999999,
		100000000, 18446744073709551615ULL };
	uint64_t x = 0x9E3779B97F4A7C15ULL;
	char *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;
	unsigned int bad = 0, n = 0, i;
	struct flow f;

	for (i = 0; i < 20000; i++, n++) {
		int fam = i % 3 ? AF_INET : AF_INET6;
		FILE *fa, *fb;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (fam == AF_INET)
			make_flow(&f, big[i % 10], i % 2 ? SNAPFIRE_ROLE_SENDER : SNAPFIRE_ROLE_REFLECTOR,
				  v4[i % 4], v4[(i / 4) % 4], fam);
		else
			make_flow(&f, big[i % 10], i % 2 ? SNAPFIRE_ROLE_SENDER : SNAPFIRE_ROLE_REFLECTOR,
				  v6[i % 5], v6[(i / 5) % 5], fam);
		f.local_port = (uint16_t)x;
		f.remote_port = (uint16_t)(x >> 16);
		f.ssid = (uint16_t)(x >> 32);
		f.rx = i % 7 ? (x >> 20) % 100000 : big[(i / 7) % 10];
		f.lost = i % 5 ? (x >> 40) % 3000 : (i % 4 ? 0 : f.rx);
		f.duplicates = i % 11 ? 0 : f.rx / 3;
		if (i % 13 == 0) {	/* 1 of 8: 12.5; ties: 1 of 16, 3 of 80 */
			static const uint64_t rx[] = { 7, 15, 77 };

			f.rx = rx[i % 3];
			f.lost = (i % 3) == 2 ? 3 : 1;
			f.duplicates = 0;
		}
		f.jitter = x >> (x % 64);
		if (f.role == SNAPFIRE_ROLE_SENDER && f.hist[SNAPFIRE_METRIC_RTT].present) {
			f.hist[SNAPFIRE_METRIC_RTT].min = x >> (20 + x % 40);
			f.hist[SNAPFIRE_METRIC_RTT].max = f.hist[SNAPFIRE_METRIC_RTT].min + (x >> 30);
		}
		fa = open_memstream(&a, &na);
		fb = open_memstream(&b, &nb);
		if (!fa || !fb)
			break;
		flows_table_row(fa, &f, (int)(i % 70));
		ref_row(fb, &f, (int)(i % 70));
		fclose(fa);
		fclose(fb);
		if (na != nb || memcmp(a, b, na)) {
			if (bad++ < 3)
				fprintf(stderr, "row %u:\n  got: %s  printf: %s", i, a, b);
		}
		free(a);
		free(b);
		a = b = NULL;
		flow_free(&f);
	}
	CHECK(!bad && n == 20000, "table rows built by hand are printf's: %u of %u differ", bad, n);
}
