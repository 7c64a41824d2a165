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
#include "parse.h"
#include "flow.h"
#include "fmt.h"
#include "out.h"
#include "hist.h"
#include "samples.h"
#include "stamp_time.h"
#include "verdict.h"
#include "unit.h"

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
}

/* parse.c: attributes built as the module sends them, read back. */
void test_parse(void)
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

