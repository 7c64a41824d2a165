// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <string.h>

#include "cmds.h"
#include "parse.h"
#include "out.h"
#include "common.h"

static int status_cb(struct nlattr *attrs, int len, struct nlmsghdr *nlh,
		     void *arg)
{
	(void)nlh;
	return status_parse(arg, attrs, len);
}

int status_get(struct sfnl *n, struct status_view *st)
{
	struct nl_msg *msg = sfnl_msg(n, SNAPFIRE_CMD_STATUS_GET, 0);

	memset(st, 0, sizeof(*st));
	if (!msg) {
		errmsg("out of memory");
		return EXIT_FAIL;
	}
	return sfnl_do(n, msg, status_cb, st, NULL);
}

/* Counter @i's JSON key: its name with _ for - ("bad-source" -> "bad_source"). */
static void counter_key(char *buf, size_t n, int i)
{
	char *p;

	snprintf(buf, n, "%s", counter_names[i]);
	for (p = buf; *p; p++)
		if (*p == '-')
			*p = '_';
}

/*
 * The counters: a text table (the namespace's column, and the totals over
 * every namespace for the host's administrator), in JSON the objects
 * "counters" and "global_counters" (names with _ for -).
 */
static void counters_out(const struct status_view *st)
{
	char name[32];
	int i;

	out_text("counters:                %16s", "namespace");
	if (st->has_global)
		out_text(" %16s", "global");
	out_text("\n");
	out_obj("counters");
	for (i = 0; i < NCOUNTERS; i++) {
		if (st->missing & (1ULL << i))
			continue;	/* the module has no such counter */
		counter_key(name, sizeof(name), i);
		out_text("  %-22s", counter_names[i]);
		out_u64(OUT_ANY, name, " %16" PRIu64, st->counters[i]);
		if (st->has_global)
			out_u64(OUT_TEXT, NULL, " %16" PRIu64, st->global_counters[i]);
		out_text("\n");
	}
	out_obj_end();
	if (!st->has_global)
		return;
	out_obj("global_counters");
	for (i = 0; i < NCOUNTERS; i++) {
		if (st->missing & (1ULL << i))
			continue;
		counter_key(name, sizeof(name), i);
		out_u64(OUT_JSON, name, NULL, st->global_counters[i]);
	}
	out_obj_end();
}

int cmd_status(int argc, char **argv)
{
	struct status_view st;
	struct cfg_view cfg;
	struct sfnl n;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (want_help("status", argv[i]))
			return EXIT_OK;
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
			g_json = true;
		else
			return usage_err("status", "unexpected argument '%s'", argv[i]);
	}
	rc = sfnl_open(&n);
	if (rc)
		return rc;
	rc = status_get(&n, &st);
	if (!rc)
		rc = config_get(&n, &cfg);
	sfnl_close(&n);
	if (rc)
		return rc;
	out_begin(stdout, g_json);
	out_obj(NULL);
	out_str(OUT_JSON, "version", NULL, st.version);
	out_str(OUT_TEXT, NULL, "snapfire module %s", st.version[0] ? st.version : "?");
	out_text(" (cli %s)\n", SNAPFIRE_VERSION);
	out_u64(OUT_ANY, "flows", "flows: %" PRIu64, st.flows);
	out_u64(OUT_ANY, "mem_bytes", ", memory: %" PRIu64 " bytes", st.mem);
	/* totals over every namespace: the host administrator's only */
	if (st.has_global)
		out_u64(OUT_ANY, "global_mem_bytes", " (all namespaces: %" PRIu64 ")",
			st.global_mem);
	out_text("\n\nconfig:\n");
	config_out("config", &cfg);
	out_text("\n");
	counters_out(&st);
	out_obj_end();
	out_end();
	return EXIT_OK;
}
