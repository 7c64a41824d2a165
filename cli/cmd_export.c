// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "cmds.h"
#include "common.h"

/* -1 (the dump stops) once the output failed, which prom.c has said */
static int prom_one(struct flow *f, void *arg)
{
	return prom_stream_flow(arg, f) ? -1 : 0;
}

/*
 * The exposition is written as the dump runs (prom.c): a scrape of 1 M
 * flows takes the memory of one flow, not of the table.
 */
int cmd_export(int argc, char **argv)
{
	struct prom_stream *ps;
	struct status_view st;
	struct sfnl n;
	unsigned int flags = 0;
	bool prom = false;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (want_help("export", argv[i]))
			return EXIT_OK;
		if (!strcmp(argv[i], "--prometheus") || !strcmp(argv[i], "-p"))
			prom = true;
		else if (!strcmp(argv[i], "--info-labels"))
			flags |= PROM_INFO_LABELS;
		else
			return usage_err("export", "unexpected argument '%s'", argv[i]);
	}
	if (!prom)
		return usage_err("export", "which format? the only one is --prometheus");
	stdout_bulk();
	rc = sfnl_open(&n);
	if (rc)
		return rc;
	rc = status_get(&n, &st);
	if (rc)
		goto out_close;
	ps = prom_stream_begin(stdout, &st, flags, g_netns);
	if (!ps) {
		rc = EXIT_FAIL;
		goto out_close;
	}
	rc = flows_each(&n, NULL, prom_one, ps);	/* every flow, every histogram */
	if (rc) {
		prom_stream_abort(ps);
		goto out_close;
	}
	if (prom_stream_end(ps))
		rc = EXIT_FAIL;
out_close:
	sfnl_close(&n);
	return rc;
}
