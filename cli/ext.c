// SPDX-License-Identifier: GPL-2.0
/*
 * The commands whose libraries are heavy (diagnose: libcurl and its ~25
 * libraries; agent: libmicrohttpd and GnuTLS's) live in a second binary,
 * snapfire-ext, as git keeps its commands in git-*: `snapfire` itself
 * then loads six libraries, not forty, and starts in a fraction of the
 * time (it runs on hosts in trouble, and the tests run it thousands of
 * times). `snapfire diagnose ...` execs `snapfire-ext` with the same
 * arguments; snapfire-ext is the whole CLI, every command included.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

#ifndef SNAPFIRE_LIBEXECDIR
#define SNAPFIRE_LIBEXECDIR "/usr/local/lib/snapfire"
#endif

char **sf_argv;

/* snapfire-ext beside this binary (the build tree), else in LIBEXECDIR */
static const char *ext_path(char *buf, size_t n)
{
	ssize_t len = readlink("/proc/self/exe", buf, n - 1);
	char *slash;

	if (len > 0) {
		buf[len] = '\0';
		slash = strrchr(buf, '/');
		if (slash && (size_t)(slash - buf) + sizeof("/snapfire-ext") <= n) {
			strcpy(slash, "/snapfire-ext");
			if (!access(buf, X_OK))
				return buf;
		}
	}
	snprintf(buf, n, "%s/snapfire-ext", SNAPFIRE_LIBEXECDIR);
	return buf;
}

int cmd_ext(int argc, char **argv)
{
	char path[PATH_MAX];

	if (!sf_argv)
		return usage_err(NULL, "'%s' is not in this build", argc ? argv[0] : "?");
	ext_path(path, sizeof(path));
	fflush(NULL);
	execv(path, sf_argv);
	errmsg("cannot run %s for '%s': %s (it comes with snapfire: reinstall it, "
	       "or run 'make -C cli' in the source tree)", path, argv[0], strerror(errno));
	return EXIT_FAIL;
}
