// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

bool g_json;
const char *g_netns;
const char *g_prog = "snapfire";

/* Where errmsg()'s lines go instead of stderr (the agent's log queue:
 * agent_log.c), or NULL; set and cleared while no other thread runs
 * errmsg(), read atomically all the same */
static void (*err_sink)(const char *msg);

void errmsg_to(void (*sink)(const char *msg))
{
	__atomic_store_n(&err_sink, sink, __ATOMIC_RELEASE);
}

void errmsg(const char *fmt, ...)
{
	void (*sink)(const char *msg) = __atomic_load_n(&err_sink, __ATOMIC_ACQUIRE);
	va_list ap;

	if (sink) {
		char msg[1024];

		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		sink(msg);
		return;
	}
	fflush(stdout);
	fprintf(stderr, "%s: ", g_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * A listing that can run to gigabytes (`flows`, `export` of a million
 * flows): stdout gets a 1 MiB buffer, and a pipe on it 1 MiB of room (the
 * most an unprivileged process may ask by default, pipe-max-size). With
 * stdio's 4 KiB writes into a 64 KiB pipe, the reader was woken for every
 * write: `-j flows | wc -c` took 1.7 times as long as `-j flows > /dev/null`
 * at 104 000 flows. Refusals (a pipe quota, a smaller pipe-max-size) leave
 * the pipe as it was; a terminal keeps its line buffering. Before anything
 * is written to stdout.
 */
void stdout_bulk(void)
{
	static char buf[1 << 20];
	struct stat st;

	if (isatty(STDOUT_FILENO))
		return;
	/* grown only: a reader may have made it larger */
	if (!fstat(STDOUT_FILENO, &st) && S_ISFIFO(st.st_mode) &&
	    fcntl(STDOUT_FILENO, F_GETPIPE_SZ) < (int)sizeof(buf))
		(void)fcntl(STDOUT_FILENO, F_SETPIPE_SZ, (int)sizeof(buf));
	setvbuf(stdout, buf, _IOFBF, sizeof(buf));
}

int usage_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s%s%s: ", g_prog, cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s help%s%s'.\n", g_prog, cmd ? " " : "",
		cmd ? cmd : "");
	return EXIT_USAGE;
}

int arg_u64(const char *cmd, const char *opt, const char *s, uint64_t max,
	    uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s)
		return usage_err(cmd, "%s needs a value", opt);
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || v > max)
		return usage_err(cmd, "%s: '%s' is not a number from 0 to %llu",
				 opt, s, (unsigned long long)max);
	*out = v;
	return 0;
}

int arg_double(const char *cmd, const char *opt, const char *s, double *out)
{
	char *end;
	double v;

	if (!s)
		return usage_err(cmd, "%s needs a value", opt);
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0)
		return usage_err(cmd, "%s: '%s' is not a non-negative number",
				 opt, s);
	*out = v;
	return 0;
}

uint64_t clock_ns(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

int netns_enter(const char *name)
{
	char path[4096];
	int fd;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/var/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		errmsg("cannot open network namespace \"%s\": %s (see 'ip netns list')",
		       name, strerror(e));
		return e == EACCES || e == EPERM ? EXIT_PERM : EXIT_FAIL;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		int e = errno;

		close(fd);
		errmsg("cannot enter network namespace \"%s\": %s%s", name,
		       strerror(e), e == EPERM ? " (run as root)" : "");
		return e == EPERM ? EXIT_PERM : EXIT_FAIL;
	}
	close(fd);
	return 0;
}
