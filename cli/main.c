// SPDX-License-Identifier: GPL-2.0
/* snapfire: command line interface of the snapfire STAMP latency module. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

/*
 * What went to stdout is out, or the run fails: ferror too, since stdio
 * drops a buffer it could not write and a later flush that succeeds would
 * hide the loss. Then the cause (its errno) is gone: stdio keeps only the
 * error flag. Every return after something was printed to stdout.
 */
static int flushed(int rc)
{
	errno = 0;
	if ((fflush(stdout) == EOF || ferror(stdout)) && rc == EXIT_OK) {
		if (errno)
			errmsg("write error: %s", strerror(errno));
		else
			errmsg("write error: an earlier write to stdout failed, the output is incomplete");
		rc = EXIT_FAIL;
	}
	return rc;
}

int main(int argc, char **argv)
{
	const char *netns = NULL;
	const struct cmd *c;
	int i, rc;

	sf_argv = argv;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			g_json = true;
		} else if (!strcmp(a, "-n") || !strcmp(a, "--netns")) {
			if (++i >= argc)
				return usage_err(NULL, "%s needs a namespace name", a);
			netns = argv[i];
		} else if (!strncmp(a, "--netns=", 8)) {
			netns = a + 8;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return flushed(EXIT_OK);
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("snapfire %s\n", SNAPFIRE_VERSION);
			return flushed(EXIT_OK);
		} else if (a[0] == '-' && a[1]) {
			return usage_err(NULL, "unknown option '%s'", a);
		} else {
			break;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[i], "help")) {
		if (i + 1 >= argc) {
			usage(stdout);
			return flushed(EXIT_OK);
		}
		c = cmd_find(argv[i + 1]);
		if (!c)
			return usage_err(NULL, "unknown command '%s'", argv[i + 1]);
		cmd_help(stdout, c);
		return flushed(EXIT_OK);
	}
	c = cmd_find(argv[i]);
	if (!c)
		return usage_err(NULL, "unknown command '%s'", argv[i]);
	if (netns) {
		rc = netns_enter(netns);
		if (rc)
			return rc;
		g_netns = netns;
	}
	return flushed(c->fn(argc - i, argv + i));
}
