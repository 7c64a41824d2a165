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
#include "verdict.h"

/*
 * Dumps are filtered by the module: role, peer, SSID, and the port as a
 * local or a remote port. The CLI filters nothing again.
 */
struct dump_ctx {
	const struct flow_filter *flt;
	int port_attr;		/* SNAPFIRE_A_FLOW_LOCAL/REMOTE_PORT, 0: none */
	struct flowset *s;
};

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
	return 0;
}

static int dump_build(struct nl_msg *msg, void *arg)
{
	const struct dump_ctx *c = arg;
	const struct flow_filter *flt = c->flt;

	if (!flt)
		return nla_put_u32(msg, SNAPFIRE_A_FLOW_HIST_MASK, ALL_METRICS);
	if (flt->role && nla_put_u32(msg, SNAPFIRE_A_FLOW_ROLE, (uint32_t)flt->role) < 0)
		return -1;
	if (flt->family && nla_put(msg, SNAPFIRE_A_FLOW_REMOTE_ADDR,
				   flt->family == AF_INET6 ? 16 : 4, flt->peer) < 0)
		return -1;
	if (flt->ssid >= 0 && nla_put_u16(msg, SNAPFIRE_A_FLOW_SSID, (uint16_t)flt->ssid) < 0)
		return -1;
	if (c->port_attr && nla_put_u16(msg, c->port_attr, (uint16_t)flt->port) < 0)
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

static int dump_one(struct sfnl *n, const struct flow_filter *flt, int port_attr,
		    struct flowset *s)
{
	struct dump_ctx c = { flt, port_attr, s };

	return sfnl_dump(n, SNAPFIRE_CMD_FLOW_GET, dump_build, flow_cb,
			 dump_restart, &c);
}

/*
 * --port N is the local or the remote port: two dumps, one per attribute.
 * A flow whose ports are both N is in both: the second one's copy goes.
 */
int flows_get(struct sfnl *n, const struct flow_filter *flt, struct flowset *s)
{
	struct flowset remote = { 0 };
	size_t i;
	int rc;

	if (!flt || flt->port < 0)
		return dump_one(n, flt, 0, s);
	rc = dump_one(n, flt, SNAPFIRE_A_FLOW_LOCAL_PORT, s) ?:
	     dump_one(n, flt, SNAPFIRE_A_FLOW_REMOTE_PORT, &remote);
	for (i = 0; !rc && i < remote.n; i++) {
		struct flow *f;

		if (remote.v[i].local_port == flt->port)
			continue;	/* in the first dump too */
		f = flowset_add(s);
		if (!f) {
			errmsg("out of memory");
			rc = EXIT_FAIL;
			break;
		}
		*f = remote.v[i];	/* moved: its histograms now s's */
		memset(&remote.v[i], 0, sizeof(remote.v[i]));
	}
	flowset_free(&remote);
	return rc;
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

static void show_text(const struct flow *f)
{
	char l[64], r[64], b1[16], b2[16], b3[16], b4[16], b5[16], b6[16], b7[16];
	struct breakdown bd;
	struct timespec now;
	uint64_t now_ns;
	unsigned int m;
	int i;

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
	       ", duplicates %" PRIu64 ", restarts %" PRIu64 "\n",
	       f->tx, f->rx, f->lost, flow_loss_pct(f),
	       f->role == SNAPFIRE_ROLE_REFLECTOR ? " forward" : "",
	       f->reordered, f->duplicates, f->restarts);
	if (f->role == SNAPFIRE_ROLE_SENDER && f->peer_stateful)
		printf("  reverse lost %" PRIu64 ", forward lost %" PRIu64
		       " (the reflector numbers its replies itself)\n", f->rev_lost,
		       f->lost > f->rev_lost ? f->lost - f->rev_lost : 0);
	else if (f->role == SNAPFIRE_ROLE_SENDER && f->lost)
		printf("  forward/reverse split unknown: the reflector's numbers follow ours (a stateless\n"
		       "  reflector; or a stateful one and no forward loss yet: then all %" PRIu64 " were reverse)\n",
		       f->rev_lost);
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
	breakdown_build(f, &bd);
	printf("\nbreakdown (median end-to-end time):\n");
	if (!bd.n) {
		printf("  no samples yet\n");
		return;
	}
	for (i = 0; i < bd.n; i++)
		printf("  %-46s p50 %8s  p99 %8s  %5.1f%%\n", bd.c[i].label,
		       fmt_dur(b1, sizeof(b1), bd.c[i].p50),
		       fmt_dur(b2, sizeof(b2), bd.c[i].p99),
		       breakdown_share(bd.c[i].p50, bd.total));
	printf("  %-46s p50 %8s\n", "total", fmt_dur(b1, sizeof(b1), bd.total));
	if (f->role == SNAPFIRE_ROLE_SENDER && !bd.far_egress_reported)
		printf("  (the reflector reported no Follow-Up Telemetry: its egress queue, after T3,\n"
		       "   is counted in the network)\n");
	if (bd.dom_where >= 0)
		printf("verdict: %s dominates (%.0f%% of the median end-to-end time; largest part: %s, %.0f%%)\n",
		       where_name(bd.dom_where), breakdown_share(bd.dom_sum, bd.total),
		       bd.c[bd.dom_comp].label,
		       breakdown_share(bd.c[bd.dom_comp].p50, bd.total));
	else
		printf("verdict: all components are at zero\n");
}

static void show_json(const struct flow *f)
{
	struct breakdown bd;
	struct json j;
	int i;

	json_init(&j, stdout);
	json_flow(&j, f, true, true);
	breakdown_build(f, &bd);
	json_obj(&j, "breakdown");
	json_u64(&j, "total_p50_ns", bd.total);
	if (f->role == SNAPFIRE_ROLE_SENDER)
		json_bool(&j, "far_egress_reported", bd.far_egress_reported);
	json_arr(&j, "components");
	for (i = 0; i < bd.n; i++) {
		json_obj(&j, NULL);
		json_str(&j, "metric", bd.c[i].key);
		json_str(&j, "label", bd.c[i].label);
		json_str(&j, "where", where_key(bd.c[i].where));
		json_u64(&j, "p50_ns", bd.c[i].p50);
		json_u64(&j, "p99_ns", bd.c[i].p99);
		json_double(&j, "share_pct", breakdown_share(bd.c[i].p50, bd.total));
		json_obj_end(&j);
	}
	json_arr_end(&j);
	if (bd.dom_where >= 0) {
		json_str(&j, "dominant", where_key(bd.dom_where));
		json_double(&j, "dominant_share_pct", breakdown_share(bd.dom_sum, bd.total));
		json_str(&j, "dominant_metric", bd.c[bd.dom_comp].key);
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
