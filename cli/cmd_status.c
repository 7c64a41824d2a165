// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <string.h>

#include "cmds.h"
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

static void json_counters(struct json *j, const char *key, const uint64_t *v)
{
	char name[32];
	int i;
	char *p;

	json_obj(j, key);
	for (i = 0; i < NCOUNTERS; i++) {
		snprintf(name, sizeof(name), "%s", counter_names[i]);
		for (p = name; *p; p++)
			if (*p == '-')
				*p = '_';
		json_u64(j, name, v[i]);
	}
	json_obj_end(j);
}

static void print_counters(const struct status_view *st)
{
	int i;

	if (!st->has_global) {
		printf("counters:                %16s\n", "namespace");
		for (i = 0; i < NCOUNTERS; i++)
			printf("  %-22s %16" PRIu64 "\n", counter_names[i],
			       st->counters[i]);
		return;
	}
	printf("counters:                %16s %16s\n", "namespace", "global");
	for (i = 0; i < NCOUNTERS; i++)
		printf("  %-22s %16" PRIu64 " %16" PRIu64 "\n", counter_names[i],
		       st->counters[i], st->global_counters[i]);
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
	if (g_json) {
		struct json j;

		json_init(&j, stdout);
		json_obj(&j, NULL);
		json_str(&j, "version", st.version);
		json_config(&j, "config", &cfg);
		json_counters(&j, "counters", st.counters);
		/* totals over every namespace: the host administrator's only */
		if (st.has_global)
			json_counters(&j, "global_counters", st.global_counters);
		json_u64(&j, "flows", st.flows);
		json_u64(&j, "mem_bytes", st.mem);
		if (st.has_global)
			json_u64(&j, "global_mem_bytes", st.global_mem);
		json_obj_end(&j);
		json_end(&j);
		return EXIT_OK;
	}
	printf("snapfire module %s (cli %s)\n", st.version[0] ? st.version : "?",
	       SNAPFIRE_VERSION);
	if (st.has_global)
		printf("flows: %u, memory: %" PRIu64 " bytes (all namespaces: %" PRIu64 ")\n\n",
		       st.flows, st.mem, st.global_mem);
	else
		printf("flows: %u, memory: %" PRIu64 " bytes\n\n", st.flows, st.mem);
	printf("config:\n");
	config_print(stdout, &cfg);
	printf("\n");
	print_counters(&st);
	return EXIT_OK;
}
