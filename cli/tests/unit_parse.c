// SPDX-License-Identifier: GPL-2.0
/* CLI unit tests: parse.c, the config key table, the output layer. */
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

/*
 * The reference for flow_parse()'s inline attribute walk: the same
 * fields read with libnl's nla_for_each_attr() and accessors.
 */
static uint64_t ref_uint(struct nlattr *a)
{
	switch (nla_len(a)) {
	case 1: return nla_get_u8(a);
	case 2: return nla_get_u16(a);
	case 4: return nla_get_u32(a);
	default: return nla_len(a) >= 8 ? nla_get_u64(a) : 0;
	}
}

/* a flow's integers and addresses, and per metric its totals and buckets,
 * as one line: what both walks must agree on */
static void flow_sig(FILE *o, const struct flow *f)
{
	unsigned int m;
	size_t k;

	fprintf(o, "%" PRIu64 " %u %u %u %u %u", f->id, f->role, f->family, f->local_port,
		f->remote_port, f->ssid);
	for (k = 0; k < 16; k++)
		fprintf(o, " %u/%u", f->local_addr[k], f->remote_addr[k]);
	fprintf(o, " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
		" %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %u %u %u %u",
		f->created, f->last_seen, f->tx, f->rx, f->lost, f->reordered, f->duplicates,
		f->rev_lost, f->restarts, f->jitter, (uint64_t)f->mem, f->synced, f->peer_ttl,
		f->peer_stateful, 0);
	for (m = 0; m < METRIC_COUNT; m++) {
		const struct hist *h = &f->hist[m];

		fprintf(o, " [%d %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %u",
			h->present, h->count, h->sum, h->min, h->max, h->clamped, h->precision);
		for (k = 0; k < h->nb; k++)
			fprintf(o, " %" PRIu64 "-%" PRIu64 ":%" PRIu64, h->b[k].low, h->b[k].high,
				h->b[k].count);
		fputc(']', o);
	}
}

static void ref_flow_sig(FILE *o, struct nlattr *head, int len)
{
	struct flow f;
	struct nlattr *a, *b, *c;
	int rem, rem2, rem3;

	memset(&f, 0, sizeof(f));
	nla_for_each_attr(a, head, len, rem) {
		uint64_t *u = NULL;

		switch (nla_type(a)) {
		case SNAPFIRE_A_FLOW_ID: u = &f.id; break;
		case SNAPFIRE_A_FLOW_ROLE: f.role = (uint32_t)ref_uint(a); break;
		case SNAPFIRE_A_FLOW_FAMILY: f.family = (uint8_t)ref_uint(a); break;
		case SNAPFIRE_A_FLOW_LOCAL_ADDR:
		case SNAPFIRE_A_FLOW_REMOTE_ADDR: {
			uint8_t *d = nla_type(a) == SNAPFIRE_A_FLOW_LOCAL_ADDR ? f.local_addr :
				     f.remote_addr;

			memset(d, 0, 16);
			memcpy(d, nla_data(a), nla_len(a) > 16 ? 16 : (size_t)nla_len(a));
			break;
		}
		case SNAPFIRE_A_FLOW_LOCAL_PORT: f.local_port = (uint16_t)ref_uint(a); break;
		case SNAPFIRE_A_FLOW_REMOTE_PORT: f.remote_port = (uint16_t)ref_uint(a); break;
		case SNAPFIRE_A_FLOW_SSID: f.ssid = (uint16_t)ref_uint(a); break;
		case SNAPFIRE_A_FLOW_CREATED: u = &f.created; break;
		case SNAPFIRE_A_FLOW_LAST_SEEN: u = &f.last_seen; break;
		case SNAPFIRE_A_FLOW_TX: u = &f.tx; break;
		case SNAPFIRE_A_FLOW_RX: u = &f.rx; break;
		case SNAPFIRE_A_FLOW_LOST: u = &f.lost; break;
		case SNAPFIRE_A_FLOW_REORDERED: u = &f.reordered; break;
		case SNAPFIRE_A_FLOW_DUPLICATES: u = &f.duplicates; break;
		case SNAPFIRE_A_FLOW_REV_LOST: u = &f.rev_lost; break;
		case SNAPFIRE_A_FLOW_RESTARTS: u = &f.restarts; break;
		case SNAPFIRE_A_FLOW_JITTER: u = &f.jitter; break;
		case SNAPFIRE_A_FLOW_PEER_STATEFUL: f.peer_stateful = (uint8_t)ref_uint(a); break;
		case SNAPFIRE_A_FLOW_SYNCED: f.synced = (uint8_t)ref_uint(a); break;
		case SNAPFIRE_A_FLOW_PEER_TTL: f.peer_ttl = (uint8_t)ref_uint(a); break;
		case SNAPFIRE_A_FLOW_MEM: f.mem = (uint32_t)ref_uint(a); break;
		case SNAPFIRE_A_FLOW_HIST: {
			struct hist t = { 0 };
			int metric = -1;

			nla_for_each_nested(b, a, rem2) {
				uint64_t lo = 0, hi = 0, cnt = 0;

				switch (nla_type(b)) {
				case SNAPFIRE_A_HIST_METRIC: metric = (int)ref_uint(b); break;
				case SNAPFIRE_A_HIST_COUNT: t.count = ref_uint(b); break;
				case SNAPFIRE_A_HIST_SUM: t.sum = ref_uint(b); break;
				case SNAPFIRE_A_HIST_MIN_VALUE: t.min = ref_uint(b); break;
				case SNAPFIRE_A_HIST_MAX_VALUE: t.max = ref_uint(b); break;
				case SNAPFIRE_A_HIST_CLAMPED: t.clamped = ref_uint(b); break;
				case SNAPFIRE_A_HIST_PRECISION: t.precision = (uint8_t)ref_uint(b); break;
				case SNAPFIRE_A_HIST_BUCKET:
					nla_for_each_nested(c, b, rem3) {
						switch (nla_type(c)) {
						case SNAPFIRE_A_BUCKET_LOW: lo = ref_uint(c); break;
						case SNAPFIRE_A_BUCKET_HIGH: hi = ref_uint(c); break;
						case SNAPFIRE_A_BUCKET_COUNT: cnt = ref_uint(c); break;
						}
					}
					hist_add_bucket(&t, lo, hi, cnt);
					break;
				}
			}
			if (metric < 0 || metric >= METRIC_COUNT) {
				hist_free(&t);
				break;
			}
			hist_free(&f.hist[metric]);
			f.hist[metric] = t;
			f.hist[metric].metric = (uint32_t)metric;
			f.hist[metric].present = 1;
			hist_finish(&f.hist[metric]);
			break;
		}
		}
		if (u)
			*u = ref_uint(a);
	}
	if (!f.family)
		f.family = AF_INET;
	flow_sig(o, &f);
	flow_free(&f);
}

/*
 * flow_parse() walks the attributes inline (parse.c): against the libnl
 * walk above, on a valid flow and on 30 000 copies of it with bytes
 * changed (length and type fields included) and the end cut anywhere.
 * Both must read the same, and neither past the end (valgrind in
 * `make test`).
 */
static void test_flow_parse_hostile(void)
{
	struct nl_msg *m = nlmsg_alloc();
	struct nlattr *h, *b, *head = NULL;
	uint64_t x = 0x243F6A8885A308D3ULL;
	unsigned int bad = 0, i, k, mm;
	char *ga = NULL, *gb = NULL;
	size_t na = 0, nb = 0;
	uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	unsigned char *orig, *buf;
	int len;

	nla_put_u64(m, SNAPFIRE_A_FLOW_ID, 77);
	nla_put_u32(m, SNAPFIRE_A_FLOW_ROLE, SNAPFIRE_ROLE_SENDER);
	nla_put_u8(m, SNAPFIRE_A_FLOW_FAMILY, AF_INET6);
	nla_put(m, SNAPFIRE_A_FLOW_LOCAL_ADDR, 16, a6);
	nla_put(m, SNAPFIRE_A_FLOW_REMOTE_ADDR, 16, a6);
	nla_put_u16(m, SNAPFIRE_A_FLOW_LOCAL_PORT, 40000);
	nla_put_u16(m, SNAPFIRE_A_FLOW_REMOTE_PORT, 862);
	nla_put_u16(m, SNAPFIRE_A_FLOW_SSID, 9);
	for (k = SNAPFIRE_A_FLOW_CREATED; k <= SNAPFIRE_A_FLOW_JITTER; k++)
		nla_put_u64(m, (int)k, 1000 * k + 1);
	nla_put_u8(m, SNAPFIRE_A_FLOW_SYNCED, 1);
	nla_put_u8(m, SNAPFIRE_A_FLOW_PEER_TTL, 61);
	nla_put_u32(m, SNAPFIRE_A_FLOW_MEM, 1728);
	nla_put_u8(m, SNAPFIRE_A_FLOW_PEER_STATEFUL, 1);
	for (mm = 0; mm < 3; mm++) {
		h = nla_nest_start(m, SNAPFIRE_A_FLOW_HIST);
		nla_put_u32(m, SNAPFIRE_A_HIST_METRIC, mm);
		nla_put_u64(m, SNAPFIRE_A_HIST_COUNT, 9);
		nla_put_u64(m, SNAPFIRE_A_HIST_SUM, 12345);
		nla_put_u64(m, SNAPFIRE_A_HIST_MIN_VALUE, 1000);
		nla_put_u64(m, SNAPFIRE_A_HIST_MAX_VALUE, 3000);
		nla_put_u8(m, SNAPFIRE_A_HIST_PRECISION, 4);
		for (k = 0; k < 3; k++) {
			b = nla_nest_start(m, SNAPFIRE_A_HIST_BUCKET);
			nla_put_u64(m, SNAPFIRE_A_BUCKET_LOW, 1000 * (k + 1));
			nla_put_u64(m, SNAPFIRE_A_BUCKET_HIGH, 1000 * (k + 1) + 999);
			nla_put_u64(m, SNAPFIRE_A_BUCKET_COUNT, 3);
			nla_nest_end(m, b);
		}
		nla_nest_end(m, h);
	}
	len = nlmsg_attrlen(nlmsg_hdr(m), 0);
	orig = malloc((size_t)len);
	if (!orig) {
		CHECK(0, "parse: hostile flows: out of memory");
		nlmsg_free(m);
		return;
	}
	memcpy(orig, nlmsg_attrdata(nlmsg_hdr(m), 0), (size_t)len);
	nlmsg_free(m);
	for (i = 0; i < 30000; i++) {
		struct flow f;
		FILE *fa = open_memstream(&ga, &na), *fb = open_memstream(&gb, &nb);
		int n = len, flips;

		if (!fa || !fb)
			break;
		buf = malloc((size_t)len);	/* exactly n bytes: valgrind sees overreads */
		if (!buf)
			break;
		memcpy(buf, orig, (size_t)len);
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		flips = i ? (int)(x % 6) : 0;
		while (flips--) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[x % (uint64_t)len] = (uint8_t)(x % 3 ? x >> 8 : (x >> 8) % 40);
		}
		if (i % 4 == 1)
			n = (int)(x % (uint64_t)len);
		head = (struct nlattr *)buf;
		if (flow_parse(&f, head, n) == 0)
			flow_sig(fa, &f);
		else
			fputs("ENOMEM", fa);
		flow_free(&f);
		ref_flow_sig(fb, head, n);
		fclose(fa);
		fclose(fb);
		if (strcmp(ga, gb) && bad++ < 2)
			fprintf(stderr, "flow %u:\n  got %s\n  ref %s\n", i, ga, gb);
		free(ga);
		free(gb);
		ga = gb = NULL;
		free(buf);
	}
	free(orig);
	CHECK(!bad, "parse: the inline attribute walk reads as libnl's, on 30 000 damaged flows: %u differ",
	      bad);
}

/* The config key table: every attribute of the spec has its key; the view
 * prints as `snapfire config` always has. */
void test_config_keys(void)
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
	      strstr(buf, "  rate             0 (no per-source limit)\n") && strstr(buf, "  allow            any\n") &&
	      strstr(buf, "  idle-timeout     77s\n") && strstr(buf, "  rtt-threshold    2.00ms\n") &&
	      strstr(buf, "  loss-threshold   0.5%\n") && strstr(buf, "  rate-prefix6     /48\n") &&
	      strstr(buf, "  rate-total       0 (100 x rate)\n"),
	      "config: text of each kind (on, not sent, list, mode, zero text, suffix, duration, percent, prefix)");
	free(buf);
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

void test_out(void)
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
	/* a write through out_file() mid-document comes out where it was made */
	buf = NULL;
	f = open_memstream(&buf, &len);
	out_begin(f, true);
	out_obj(NULL);
	out_u64(OUT_ANY, "a", "%" PRIu64, 1);
	fputs("/*x*/", out_file());
	out_u64(OUT_ANY, "b", "%" PRIu64, 2);
	out_obj_end();
	out_end();
	fclose(f);
	CHECK(!strcmp(buf, "{\"a\": 1/*x*/,\"b\": 2}\n"),
	      "out: out_file() writes out the JSON held before it (got '%s')", buf);
	free(buf);
}

/* parse.c: attributes built as the module sends them, read back. */
/*
 * A flow id: digits, from 1 (the module refuses 0, and a request without
 * one means every flow); '#' before it as the table prints it. Refusals
 * go to stderr, which the test's output keeps apart.
 */
/*
 * A module older than the CLI (loaded still after an upgrade) sends fewer
 * counters, and its pad attribute may carry the number of a counter it
 * does not have: those are missing, not 0.
 */
static void test_status_older_module(void)
{
	struct nl_msg *m = nlmsg_alloc();
	struct status_view st;
	struct nlattr *c;
	int k;

	c = nla_nest_start(m, SNAPFIRE_A_STATUS_COUNTERS);
	for (k = 1; k < NCOUNTERS; k++)
		nla_put_u64(m, k, 100 + k);
	nla_put(m, NCOUNTERS, 0, NULL);		/* the old pad: empty */
	nla_nest_end(m, c);
	status_parse(&st, nlmsg_attrdata(nlmsg_hdr(m), 0), nlmsg_attrlen(nlmsg_hdr(m), 0));
	CHECK(st.has_counters && st.missing == 1ULL << (NCOUNTERS - 1) &&
	      st.counters[0] == 101 && st.counters[NCOUNTERS - 2] == 100 + NCOUNTERS - 1,
	      "status: an older module's counters read, its last counter missing (0x%llx), not 0",
	      (unsigned long long)st.missing);
	nlmsg_free(m);
}

static void test_flow_id(void)
{
	static const char *const bad[] = {
		"0", "#0", "", "#", "-1", " -1", " 5", "+5", "5x", "0x10",
		"18446744073709551616",
	};
	uint64_t id = 0;
	unsigned int i, refused = 0;

	CHECK(!parse_flow_id("show", "42", &id) && id == 42, "flow id: 42 (%" PRIu64 ")", id);
	CHECK(!parse_flow_id("show", "#7", &id) && id == 7, "flow id: #7 (%" PRIu64 ")", id);
	CHECK(!parse_flow_id("show", "18446744073709551615", &id) && id == UINT64_MAX,
	      "flow id: the largest u64");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused += parse_flow_id("show", bad[i], &id) == EXIT_USAGE;
	CHECK(refused == sizeof(bad) / sizeof(bad[0]),
	      "flow id: 0, blanks, signs, trailing text, hex and overflow refused (%u of %zu)",
	      refused, sizeof(bad) / sizeof(bad[0]));
}

void test_parse(void)
{
	struct nl_msg *m = nlmsg_alloc();
	struct nlattr *fl, *h, *b;
	struct event_view e;
	struct cfg_view c;
	struct flow f;
	uint8_t a4[4] = { 192, 0, 2, 7 };
	int rc;

	test_flow_id();
	test_status_older_module();
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
	test_flow_parse_hostile();
}

