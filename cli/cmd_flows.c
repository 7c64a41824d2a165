// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <netlink/attr.h>

#include "cmds.h"
#include "common.h"

struct dump_ctx {
	const struct flow_filter *flt;
	struct flowset *s;
};

static bool flow_match(const struct flow_filter *flt, const struct flow *f)
{
	if (!flt)
		return true;
	if (flt->role && (uint32_t)flt->role != f->role)
		return false;
	if (flt->family && (flt->family != f->family ||
			    memcmp(flt->peer, f->remote_addr,
				   flt->family == AF_INET6 ? 16 : 4)))
		return false;
	if (flt->port >= 0 && flt->port != f->local_port &&
	    flt->port != f->remote_port)
		return false;
	if (flt->ssid >= 0 && flt->ssid != f->ssid)
		return false;
	return true;
}

static int flow_cb(struct nlattr *attrs, int len, struct nlmsghdr *nlh, void *arg)
{
	struct dump_ctx *c = arg;
	struct flow *f;

	(void)nlh;
	f = flowset_add(c->s);
	if (!f || flow_parse(f, attrs, len) < 0) {
		if (f)
			c->s->n--;
		errmsg("out of memory");
		return -1;
	}
	if (!flow_match(c->flt, f)) {
		flow_free(f);
		c->s->n--;
	}
	return 0;
}

static int dump_build(struct nl_msg *msg, void *arg)
{
	const struct flow_filter *flt = ((struct dump_ctx *)arg)->flt;

	if (!flt)
		return nla_put_u32(msg, SNAPFIRE_A_FLOW_HIST_MASK, ALL_METRICS);
	if (flt->role && nla_put_u32(msg, SNAPFIRE_A_FLOW_ROLE, (uint32_t)flt->role) < 0)
		return -1;
	if (flt->family && nla_put(msg, SNAPFIRE_A_FLOW_REMOTE_ADDR,
				   flt->family == AF_INET6 ? 16 : 4, flt->peer) < 0)
		return -1;
	if (flt->ssid >= 0 && nla_put_u16(msg, SNAPFIRE_A_FLOW_SSID, (uint16_t)flt->ssid) < 0)
		return -1;
	return nla_put_u32(msg, SNAPFIRE_A_FLOW_HIST_MASK, flt->hist_mask);
}

static void dump_restart(void *arg)
{
	struct flowset *s = ((struct dump_ctx *)arg)->s;
	size_t i;

	for (i = 0; i < s->n; i++)
		flow_free(&s->v[i]);
	s->n = 0;
}

int flows_get(struct sfnl *n, const struct flow_filter *flt, struct flowset *s)
{
	struct dump_ctx c = { flt, s };

	return sfnl_dump(n, SNAPFIRE_CMD_FLOW_GET, dump_build, flow_cb,
			 dump_restart, &c);
}

int parse_flow_id(const char *cmd, const char *s, uint64_t *id)
{
	char *end;

	if (s[0] == '#')
		s++;
	*id = strtoull(s, &end, 10);
	if (!*s || *end || *s == '-')
		return usage_err(cmd, "'%s' is not a flow id (the ID column of 'snapfire flows')", s);
	return 0;
}

static void flows_json(FILE *out, const struct flowset *s)
{
	struct json j;
	size_t i;

	json_init(&j, out);
	json_obj(&j, NULL);
	json_arr(&j, "flows");
	for (i = 0; i < s->n; i++)
		json_flow(&j, &s->v[i], false, false);
	json_arr_end(&j);
	json_obj_end(&j);
	json_end(&j);
}

int cmd_flows(int argc, char **argv)
{
	struct flow_filter flt = { .port = -1, .ssid = -1,
		.hist_mask = ALL_METRICS };
	struct flowset s = { 0 };
	struct sfnl n;
	int i, rc, col = COL_ID;
	bool rev = false;
	uint64_t v;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (want_help("flows", a))
			return EXIT_OK;
		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			g_json = true;
		} else if (!strcmp(a, "-r") || !strcmp(a, "--reverse")) {
			rev = true;
		} else if (!strcmp(a, "--role")) {
			if (val && !strcmp(val, "sender"))
				flt.role = SNAPFIRE_ROLE_SENDER;
			else if (val && !strcmp(val, "reflector"))
				flt.role = SNAPFIRE_ROLE_REFLECTOR;
			else
				return usage_err("flows", "--role: expected sender or reflector");
			i++;
		} else if (!strcmp(a, "--peer")) {
			if (val && inet_pton(AF_INET, val, flt.peer) == 1)
				flt.family = AF_INET;
			else if (val && inet_pton(AF_INET6, val, flt.peer) == 1)
				flt.family = AF_INET6;
			else
				return usage_err("flows", "--peer: expected an IPv4 or IPv6 address");
			i++;
		} else if (!strcmp(a, "--port")) {
			rc = arg_u64("flows", a, val, 65535, &v);
			if (rc)
				return rc;
			flt.port = (int)v;
			i++;
		} else if (!strcmp(a, "--ssid")) {
			rc = arg_u64("flows", a, val, 65535, &v);
			if (rc)
				return rc;
			flt.ssid = (int)v;
			i++;
		} else if (!strcmp(a, "--sort") || !strcmp(a, "-s")) {
			col = val ? flow_col_parse(val) : -1;
			if (col < 0)
				return usage_err("flows", "--sort: unknown column '%s'; columns: %s",
						 val ? val : "", flow_col_names());
			i++;
		} else {
			return usage_err("flows", "unexpected argument '%s'", a);
		}
	}
	rc = sfnl_open(&n);
	if (rc)
		return rc;
	rc = flows_get(&n, &flt, &s);
	sfnl_close(&n);
	if (!rc) {
		flows_sort(&s, col, rev);
		if (g_json)
			flows_json(stdout, &s);
		else
			flows_table(stdout, &s);
	}
	flowset_free(&s);
	return rc;
}

/* --- show --- */

static int one_cb(struct nlattr *attrs, int len, struct nlmsghdr *nlh, void *arg)
{
	struct flow *f = arg;

	(void)nlh;
	flow_free(f);
	if (flow_parse(f, attrs, len) < 0) {
		errmsg("out of memory");
		return -1;
	}
	return 0;
}

enum where { LOCAL, NETWORK, FAR };
static const char *const where_name[] = { "this host", "the network", "the far host" };
static const char *const where_key[] = { "local", "network", "far" };

struct comp {
	const char *key, *label;
	enum where where;
	const struct hist *h;
	uint64_t p50, p99;
};

/* Fills comps in path order; returns the count. */
static int breakdown(const struct flow *f, struct comp *c)
{
	const struct hist *fwd = flow_hist(f, SNAPFIRE_METRIC_FWD);
	const struct hist *rev = flow_hist(f, SNAPFIRE_METRIC_REV);
	const struct hist *h;
	int n = 0, i;

#define ADD(m, k, l, w) do { h = flow_hist(f, m); if (h) c[n++] = (struct comp){ k, l, w, h, 0, 0 }; } while (0)
	if (f->role == SNAPFIRE_ROLE_SENDER) {
		ADD(SNAPFIRE_METRIC_TX_STAGE, "tx_stage", "sender egress stage (this host)", LOCAL);
		if (f->synced && fwd && rev) {
			ADD(SNAPFIRE_METRIC_FWD, "fwd", "network forward", NETWORK);
			ADD(SNAPFIRE_METRIC_TURNAROUND, "turnaround", "reflector turnaround (far host)", FAR);
			ADD(SNAPFIRE_METRIC_REV, "rev", "network reverse", NETWORK);
		} else {
			ADD(SNAPFIRE_METRIC_RTT, "rtt", "network round trip (clocks not synchronised)", NETWORK);
			ADD(SNAPFIRE_METRIC_TURNAROUND, "turnaround", "reflector turnaround (far host)", FAR);
		}
		ADD(SNAPFIRE_METRIC_RX_STAGE, "rx_stage", "sender ingress stage (this host)", LOCAL);
	} else {
		if (fwd)
			ADD(SNAPFIRE_METRIC_FWD, "fwd", "network forward (from the sender)", NETWORK);
		ADD(SNAPFIRE_METRIC_RX_STAGE, "rx_stage", "reflector ingress stage (this host)", LOCAL);
		ADD(SNAPFIRE_METRIC_TURNAROUND, "turnaround", "reflector turnaround (this host)", LOCAL);
		ADD(SNAPFIRE_METRIC_TX_STAGE, "tx_stage", "reflector egress stage (this host)", LOCAL);
	}
#undef ADD
	for (i = 0; i < n; i++) {
		c[i].p50 = hist_percentile(c[i].h, 0.5);
		c[i].p99 = hist_percentile(c[i].h, 0.99);
	}
	return n;
}

/* Verdict: the class with the largest share; returns the total. */
static uint64_t verdict(const struct comp *c, int n, int *dom_where, int *dom_comp)
{
	uint64_t total = 0, w[3] = { 0 };
	int i;

	*dom_where = -1;
	*dom_comp = -1;
	for (i = 0; i < n; i++) {
		total += c[i].p50;
		w[c[i].where] += c[i].p50;
		if (*dom_comp < 0 || c[i].p50 > c[*dom_comp].p50)
			*dom_comp = i;
	}
	for (i = 0; i < 3; i++)
		if (w[i] && (*dom_where < 0 || w[i] > w[*dom_where]))
			*dom_where = i;
	return total;
}

static double share(uint64_t v, uint64_t total)
{
	return total ? 100.0 * (double)v / (double)total : 0;
}

static void show_text(const struct flow *f)
{
	char l[64], r[64], b1[16], b2[16], b3[16], b4[16], b5[16], b6[16], b7[16];
	struct comp c[8];
	struct timespec now;
	uint64_t now_ns, total;
	unsigned int m;
	int n, i, dw, dc;

	clock_gettime(CLOCK_REALTIME, &now);
	now_ns = (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec;
	printf("flow %" PRIu64 ": %s %s -> %s ssid %u (%s)\n", f->id, role_name(f->role),
	       endpoint_str(l, sizeof(l), f->family, f->local_addr, f->local_port),
	       endpoint_str(r, sizeof(r), f->family, f->remote_addr, f->remote_port),
	       f->ssid, family_name(f->family));
	printf("  age %s, last packet %s ago, memory %u bytes\n",
	       fmt_dur(b1, sizeof(b1), now_ns > f->created && f->created ? now_ns - f->created : 0),
	       fmt_dur(b2, sizeof(b2), now_ns > f->last_seen && f->last_seen ? now_ns - f->last_seen : 0),
	       f->mem);
	printf("  tx %" PRIu64 ", rx %" PRIu64 ", lost %" PRIu64 " (%.2f%%%s), reordered %" PRIu64
	       ", duplicates %" PRIu64 ", reverse lost %" PRIu64 ", restarts %" PRIu64 "\n",
	       f->tx, f->rx, f->lost, flow_loss_pct(f),
	       f->role == SNAPFIRE_ROLE_REFLECTOR ? " forward" : "",
	       f->reordered, f->duplicates, f->rev_lost, f->restarts);
	printf("  jitter %s (RFC 3550), peer ttl %u, clocks %s\n",
	       fmt_dur(b1, sizeof(b1), f->jitter), f->peer_ttl,
	       f->synced ? "synchronised (one-way delays valid)" :
	       "not synchronised (one-way delays unavailable)");
	for (m = 0; m < METRIC_COUNT; m++) {
		const struct hist *h = flow_hist(f, m);

		if (!h)
			continue;
		printf("\n%s: %s, %" PRIu64 " samples%s\n", metric_name(m), metric_label(m),
		       h->count, h->clamped ? " (some clamped at the range ends)" : "");
		printf("  min %s  p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  mean %s\n",
		       fmt_dur(b1, sizeof(b1), h->min),
		       fmt_dur(b2, sizeof(b2), hist_percentile(h, 0.5)),
		       fmt_dur(b3, sizeof(b3), hist_percentile(h, 0.9)),
		       fmt_dur(b4, sizeof(b4), hist_percentile(h, 0.99)),
		       fmt_dur(b5, sizeof(b5), hist_percentile(h, 0.999)),
		       fmt_dur(b6, sizeof(b6), h->max),
		       fmt_dur(b7, sizeof(b7), hist_mean(h)));
		hist_render(stdout, h, 24, 50, "  ");
	}
	n = breakdown(f, c);
	printf("\nbreakdown (median end-to-end time):\n");
	if (!n) {
		printf("  no samples yet\n");
		return;
	}
	total = verdict(c, n, &dw, &dc);
	for (i = 0; i < n; i++)
		printf("  %-46s p50 %8s  p99 %8s  %5.1f%%\n", c[i].label,
		       fmt_dur(b1, sizeof(b1), c[i].p50),
		       fmt_dur(b2, sizeof(b2), c[i].p99), share(c[i].p50, total));
	printf("  %-46s p50 %8s\n", "total", fmt_dur(b1, sizeof(b1), total));
	if (dw >= 0) {
		uint64_t sum = 0;

		for (i = 0; i < n; i++)
			if ((int)c[i].where == dw)
				sum += c[i].p50;
		printf("verdict: %s dominates (%.0f%% of the median end-to-end time; largest part: %s, %.0f%%)\n",
		       where_name[dw], share(sum, total), c[dc].label,
		       share(c[dc].p50, total));
	}
	else
		printf("verdict: all components are at zero\n");
}

static void show_json(const struct flow *f)
{
	struct comp c[8];
	struct json j;
	uint64_t total, s = 0;
	int n, i, dw, dc;

	json_init(&j, stdout);
	json_flow(&j, f, true, true);
	n = breakdown(f, c);
	total = verdict(c, n, &dw, &dc);
	json_obj(&j, "breakdown");
	json_u64(&j, "total_p50_ns", total);
	json_arr(&j, "components");
	for (i = 0; i < n; i++) {
		json_obj(&j, NULL);
		json_str(&j, "metric", c[i].key);
		json_str(&j, "label", c[i].label);
		json_str(&j, "where", where_key[c[i].where]);
		json_u64(&j, "p50_ns", c[i].p50);
		json_u64(&j, "p99_ns", c[i].p99);
		json_double(&j, "share_pct", share(c[i].p50, total));
		json_obj_end(&j);
		if ((int)c[i].where == dw)
			s += c[i].p50;
	}
	json_arr_end(&j);
	if (dw >= 0) {
		json_str(&j, "dominant", where_key[dw]);
		json_double(&j, "dominant_share_pct", share(s, total));
		json_str(&j, "dominant_metric", c[dc].key);
	} else {
		json_null(&j, "dominant");
	}
	json_obj_end(&j);
	json_obj_end(&j);
	json_end(&j);
}

int cmd_show(int argc, char **argv)
{
	struct flow f = { 0 };
	struct nl_msg *msg;
	struct sfnl n;
	const char *idarg = NULL;
	char what[48];
	uint64_t id;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (want_help("show", argv[i]))
			return EXIT_OK;
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
			g_json = true;
		else if (!idarg)
			idarg = argv[i];
		else
			return usage_err("show", "unexpected argument '%s'", argv[i]);
	}
	if (!idarg)
		return usage_err("show", "which flow? give its id (see 'snapfire flows')");
	rc = parse_flow_id("show", idarg, &id);
	if (rc)
		return rc;
	rc = sfnl_open(&n);
	if (rc)
		return rc;
	msg = sfnl_msg(&n, SNAPFIRE_CMD_FLOW_GET, 0);
	if (!msg || nla_put_u64(msg, SNAPFIRE_A_FLOW_ID, id) < 0 ||
	    nla_put_u32(msg, SNAPFIRE_A_FLOW_HIST_MASK, ALL_METRICS) < 0) {
		nlmsg_free(msg);
		sfnl_close(&n);
		errmsg("out of memory");
		return EXIT_FAIL;
	}
	snprintf(what, sizeof(what), "flow %" PRIu64, id);
	f.id = UINT64_MAX;
	rc = sfnl_do(&n, msg, one_cb, &f, what);
	sfnl_close(&n);
	if (!rc && f.id != id) {
		errmsg("no such flow %" PRIu64 " (see 'snapfire flows')", id);
		rc = EXIT_NOTFOUND;
	}
	if (!rc) {
		if (g_json)
			show_json(&f);
		else
			show_text(&f);
	}
	flow_free(&f);
	return rc;
}

static int flow_op(const char *cmd, uint8_t op, int argc, char **argv)
{
	struct nl_msg *msg;
	struct sfnl n;
	char what[48];
	uint64_t id = 0;
	int rc, have = 0;

	if (argc > 2)
		return usage_err(cmd, "unexpected argument '%s'", argv[2]);
	if (argc == 2) {
		if (want_help(cmd, argv[1]))
			return EXIT_OK;
		if (strcmp(argv[1], "all")) {
			rc = parse_flow_id(cmd, argv[1], &id);
			if (rc)
				return rc;
			have = 1;
		}
	}
	rc = sfnl_open(&n);
	if (rc)
		return rc;
	msg = sfnl_msg(&n, op, 0);
	if (!msg || (have && nla_put_u64(msg, SNAPFIRE_A_FLOW_ID, id) < 0)) {
		nlmsg_free(msg);
		sfnl_close(&n);
		errmsg("out of memory");
		return EXIT_FAIL;
	}
	snprintf(what, sizeof(what), "flow %" PRIu64, id);
	rc = sfnl_do(&n, msg, NULL, NULL, have ? what : NULL);
	sfnl_close(&n);
	return rc;
}

int cmd_reset(int argc, char **argv)
{
	return flow_op("reset", SNAPFIRE_CMD_FLOW_RESET, argc, argv);
}

int cmd_delete(int argc, char **argv)
{
	return flow_op("delete", SNAPFIRE_CMD_FLOW_DEL, argc, argv);
}
