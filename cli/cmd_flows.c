// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <netlink/attr.h>

#include "cmds.h"
#include "parse.h"
#include "common.h"
#include "out.h"
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
	if (flt->port_local)
		return dump_one(n, flt, SNAPFIRE_A_FLOW_LOCAL_PORT, s);
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
	errno = 0;
	*id = strtoull(s, &end, 10);
	/* digits only (strtoull takes blanks and a sign); ids start at 1 */
	if (*s < '0' || *s > '9' || *end || !*id || errno)
		return usage_err(cmd, "'%s' is not a flow id (the ID column of 'snapfire flows')", s);
	return 0;
}

/*
 * A flow at a time, as the dump brings it: the memory does not grow with
 * the table (1 M flows held took 2.3 GB). The module never restarts a flow
 * dump (it resumes by id); if one were restarted anyway, the flows up to
 * the last id passed on are skipped.
 */
struct each_ctx {
	struct dump_ctx d;	/* first: dump_build reads it */
	int (*fn)(struct flow *f, void *arg);
	void *arg;
	uint64_t last_id;
	bool any;
};

static int each_cb(struct nlattr *attrs, int len, struct nlmsghdr *nlh, void *arg)
{
	struct each_ctx *c = arg;
	struct flow f = { 0 };
	int rc = 0;

	(void)nlh;
	if (flow_parse(&f, attrs, len) < 0) {
		flow_free(&f);
		errmsg("out of memory");
		return -1;
	}
	if (!c->any || f.id > c->last_id) {
		/* before fn: a flow it takes is zeroed */
		c->last_id = f.id;
		c->any = true;
		rc = c->fn(&f, c->arg);
	}
	flow_free(&f);
	return rc;
}

int flows_each(struct sfnl *n, const struct flow_filter *flt,
	       int (*fn)(struct flow *f, void *arg), void *arg)
{
	struct each_ctx c = { .d = { flt, 0, NULL }, .fn = fn, .arg = arg };

	return sfnl_dump(n, SNAPFIRE_CMD_FLOW_GET, dump_build, each_cb, NULL, &c);
}

static void json_flow(const struct flow *f)
{
	out_obj(NULL);
	flow_out(f, false);
	out_obj_end();
}

static int json_one(struct flow *f, void *arg)
{
	(void)arg;
	json_flow(f);
	return 0;
}

/* -j flows in the module's order (flow id, ascending: the default sort) */
static int flows_json_stream(struct sfnl *n, const struct flow_filter *flt)
{
	int rc;

	out_begin(stdout, true);
	out_obj(NULL);
	out_arr("flows");
	rc = flows_each(n, flt, json_one, NULL);
	out_arr_end();
	out_obj_end();
	out_end();
	return rc;
}

/*
 * The table in the module's order: the first TABLE_HEAD flows are held
 * to size the LOCAL -> PEER column, then printed, then every other flow
 * as it comes (a longer endpoint pair than those widens its own row only).
 */
#define TABLE_HEAD 1024

struct table_ctx {
	struct flowset head;
	int width;		/* 0: still holding the head */
};

static void table_flush(struct table_ctx *t)
{
	size_t i;

	t->width = flows_table_width(&t->head);
	flows_table_header(stdout, t->width);
	for (i = 0; i < t->head.n; i++)
		flows_table_row(stdout, &t->head.v[i], t->width);
	flowset_free(&t->head);
}

static int table_one(struct flow *f, void *arg)
{
	struct table_ctx *t = arg;
	struct flow *h;

	if (t->width) {
		flows_table_row(stdout, f, t->width);
		return 0;
	}
	h = flowset_add(&t->head);
	if (!h) {
		errmsg("out of memory");
		return -1;
	}
	*h = *f;	/* moved: its histograms now the head's */
	memset(f, 0, sizeof(*f));
	if (t->head.n == TABLE_HEAD)
		table_flush(t);
	return 0;
}

static int flows_table_stream(struct sfnl *n, const struct flow_filter *flt)
{
	struct table_ctx t = { 0 };
	int rc = flows_each(n, flt, table_one, &t);

	if (!rc && !t.width)
		table_flush(&t);
	flowset_free(&t.head);
	return rc;
}

/* JSON only: {"flows": [...]}, as flow_out() writes each */
static void flows_json(FILE *out, const struct flowset *s)
{
	size_t i;

	out_begin(out, true);
	out_obj(NULL);
	out_arr("flows");
	for (i = 0; i < s->n; i++)
		json_flow(&s->v[i]);
	out_arr_end();
	out_obj_end();
	out_end();
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
	/*
	 * The table shows (and sorts by) the RTT histogram only: the others
	 * would cost the dump and this process up to 8 times the memory.
	 */
	if (!g_json)
		flt.hist_mask = 1u << SNAPFIRE_METRIC_RTT;
	stdout_bulk();
	rc = sfnl_open(&n);
	if (rc)
		return rc;
	/* the module's order: streamed, not held (--sort, -r, --port hold it) */
	if (col == COL_ID && !rev && flt.port < 0) {
		rc = g_json ? flows_json_stream(&n, &flt) : flows_table_stream(&n, &flt);
		sfnl_close(&n);
		return rc;
	}
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

/*
 * The breakdown of a flow's median end-to-end time by where it is spent,
 * and the verdict (verdict.c): text the table of `show`, JSON "breakdown".
 * @title: the text heading (`show`'s when NULL; diagnose names the flow).
 */
void breakdown_out(const struct flow *f, const char *title)
{
	char total_fmt[64];
	struct breakdown bd;
	int i;

	breakdown_build(f, &bd);
	out_text("\n%s (median end-to-end time):\n", title ? title : "breakdown");
	out_obj("breakdown");
	if (f->role == SNAPFIRE_ROLE_SENDER)
		out_bool(OUT_JSON, "far_egress_reported", NULL, bd.far_egress_reported);
	out_arr("components");
	for (i = 0; i < bd.n; i++) {
		out_obj(NULL);
		out_str(OUT_JSON, "metric", NULL, bd.c[i].key);
		out_str(OUT_ANY, "label", "  %-46s", bd.c[i].label);
		out_str(OUT_JSON, "where", NULL, where_key(bd.c[i].where));
		out_dur(OUT_ANY, "p50_ns", " p50 %8s", bd.c[i].p50);
		out_dur(OUT_ANY, "p99_ns", "  p99 %8s", bd.c[i].p99);
		out_double(OUT_ANY, "share_pct", "  %5.1f%%\n", breakdown_share(bd.c[i].p50, bd.total));
		out_obj_end();
	}
	out_arr_end();
	if (!bd.n) {
		out_u64(OUT_JSON, "total_p50_ns", NULL, bd.total);
		out_text("  no samples yet\n");
	} else {
		snprintf(total_fmt, sizeof(total_fmt), "  %-46s p50 %%8s\n", "total");
		out_dur(OUT_ANY, "total_p50_ns", total_fmt, bd.total);
	}
	if (bd.n && f->role == SNAPFIRE_ROLE_SENDER && !bd.far_egress_reported)
		out_text("  (the reflector reported no Follow-Up Telemetry: its egress queue, after T3,\n"
			 "   is counted in the network)\n");
	if (bd.dom_where >= 0) {
		out_str(OUT_JSON, "dominant", NULL, where_key(bd.dom_where));
		out_str(OUT_TEXT, NULL, title ? "  %s dominates" : "verdict: %s dominates",
			where_name(bd.dom_where));
		out_double(OUT_ANY, "dominant_share_pct", " (%.0f%% of the median end-to-end time",
			   breakdown_share(bd.dom_sum, bd.total));
		out_str(OUT_JSON, "dominant_metric", NULL, bd.c[bd.dom_comp].key);
		out_str(OUT_TEXT, NULL, "; largest part: %s", bd.c[bd.dom_comp].label);
		out_double(OUT_TEXT, NULL, ", %.0f%%)\n",
			   breakdown_share(bd.c[bd.dom_comp].p50, bd.total));
	} else {
		out_null("dominant");
		if (bd.n)
			out_text("verdict: all components are at zero\n");
	}
	out_obj_end();
}

/* `show`: the flow, its histograms and its breakdown, text or JSON. */
static void show_out(const struct flow *f)
{
	out_begin(stdout, g_json);
	out_obj(NULL);
	flow_out(f, true);
	breakdown_out(f, NULL);
	out_obj_end();
	out_end();
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
	if (!rc)
		show_out(&f);
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
