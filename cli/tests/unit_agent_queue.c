// SPDX-License-Identifier: GPL-2.0
/*
 * CLI unit tests: the agent's store queue (agent_store.c) when the store
 * thread takes nothing (a disk that hangs): at most AGENT_STORE_QUEUE_MAX
 * minutes wait, the oldest beyond dropped, counted done and as store_error;
 * and its log lines (agent_log.c), each one write, a long one cut, and a
 * stderr that takes nothing (a stalled journald): logging returns, at most
 * AGENT_LOG_QUEUE_MAX lines wait, the rest are counted in a line.
 */
#define _GNU_SOURCE	/* F_SETPIPE_SZ */
#include <fcntl.h>
#include <signal.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_int.h"
#include "common.h"
#include "unit.h"

static void queue_test(void)
{
	char dir[] = "/tmp/agent-queue.XXXXXX", cmd[64];
	struct agentd *d = calloc(1, sizeof(*d));
	int i, n = AGENT_STORE_QUEUE_MAX + 5, err;

	if (!d || !mkdtemp(dir)) {
		CHECK(0, "agent queue: setup");
		free(d);
		return;
	}
	pthread_mutex_init(&d->a.lock, NULL);
	pthread_mutex_init(&d->qlock, NULL);
	pthread_cond_init(&d->qcond, NULL);
	snprintf(d->a.conf.state_dir, sizeof(d->a.conf.state_dir), "%s", dir);
	d->a.conf.retention_days = 7;
	/* the store thread is not running: nothing is taken */
	err = dup(STDERR_FILENO);
	if (err >= 0)
		freopen("/dev/null", "w", stderr);
	for (i = 0; i < n; i++)
		agent_queue_minute(d, 29000000 + (uint64_t)i, NULL, 0, NULL, false);
	CHECK(d->qlen == AGENT_STORE_QUEUE_MAX && d->a.jobs_queued == (uint64_t)n &&
	      d->a.jobs_done == 5 && d->a.events[AE_STORE_ERROR] == 5,
	      "agent queue: %d minutes, none taken: %d wait, 5 dropped as done and store_error (qlen %d, done %" PRIu64 ", store_error %" PRIu64 ")",
	      n, AGENT_STORE_QUEUE_MAX, d->qlen, d->a.jobs_done, d->a.events[AE_STORE_ERROR]);
	/* the thread, told to stop, stores what waits and frees it */
	d->qstop = true;
	agent_store_thread(d);
	if (err >= 0) {
		dup2(err, STDERR_FILENO);
		close(err);
	}
	CHECK(d->qlen == 0 && !d->qhead && d->a.jobs_done == (uint64_t)n,
	      "agent queue: the store thread then takes the %d waiting (qlen %d)",
	      AGENT_STORE_QUEUE_MAX, d->qlen);
	agent_kp_free(d->kp, d->nkp);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0, "agent queue: cleanup");
	free(d);
}

/* agent_log() into a file: its bytes */
static size_t log_to(const char *arg, char *out, size_t n)
{
	char path[] = "/tmp/agent-log.XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	ssize_t r = -1;

	if (fd < 0 || saved < 0)
		return 0;
	unlink(path);
	dup2(fd, STDERR_FILENO);
	agent_log("x %s", arg);
	dup2(saved, STDERR_FILENO);
	close(saved);
	r = pread(fd, out, n - 1, 0);
	close(fd);
	out[r > 0 ? r : 0] = 0;
	return r > 0 ? (size_t)r : 0;
}

static void log_test(void)
{
	static char big[6000], out[8192];
	size_t len;

	len = log_to("short", out, sizeof(out));
	CHECK(len > 0 && strstr(out, " snapfire agent: x short\n") && out[len - 1] == '\n' &&
	      !strchr(out, '\n')[1],
	      "agent log: a line, whole, one newline (%zu bytes)", len);
	memset(big, 'a', sizeof(big) - 1);
	len = log_to(big, out, sizeof(out));
	CHECK(len == 4096 && !strcmp(out + len - 4, "...\n"),
	      "agent log: a line longer than 4096 bytes is cut to 4096, '...' at its end (%zu)", len);
}

/* the read end of the stalled pipe, once the test lets it be read */
struct drain {
	int fd;
	char *buf;
	size_t len, cap;
};

static void *drain_pipe(void *arg)
{
	struct drain *dr = arg;
	ssize_t r;

	while (dr->len < dr->cap && (r = read(dr->fd, dr->buf + dr->len, dr->cap - dr->len)) > 0)
		dr->len += (size_t)r;
	return NULL;
}

static void log_stall_test(void)
{
	static char buf[1 << 20];
	struct drain dr = { .buf = buf, .cap = sizeof(buf) - 1 };
	int p[2], saved = dup(STDERR_FILENO), i, n = 1000, m = 50, written = 0, whole = 1;
	unsigned long dropped = 0, k;
	pthread_t th;
	char *l, *nl;
	bool drained;

	if (saved < 0 || pipe(p)) {
		CHECK(0, "agent log stall: setup");
		return;
	}
	fcntl(p[1], F_SETPIPE_SZ, 4096);
	dup2(p[1], STDERR_FILENO);
	close(p[1]);
	CHECK(agent_log_start() == 0, "agent log stall: the writer thread starts");
	/* the old way blocks here for ever, with the pipe full: killed */
	signal(SIGALRM, SIG_DFL);
	alarm(60);
	for (i = 0; i < n; i++)
		agent_log("stall %04d: a line of about a hundred bytes, logged while nothing reads stderr", i);
	/* errmsg(), which the paths shared with the CLI use, goes there too,
	 * held to a rate: AGENT_LOG_BURST of them at once */
	for (i = 0; i < m; i++)
		errmsg("stall errmsg %04d: a line of about a hundred bytes, while nothing reads stderr", i);
	alarm(0);
	CHECK(1, "agent log stall: %d lines logged and %d errmsg() lines with nothing reading stderr: every call returned",
	      n, m);
	dr.fd = p[0];
	pthread_create(&th, NULL, drain_pipe, &dr);
	drained = agent_log_stop(10000);
	dup2(saved, STDERR_FILENO);	/* the pipe's last writer: end of file */
	close(saved);
	pthread_join(th, NULL);
	close(p[0]);
	buf[dr.len] = 0;
	for (l = buf; *l; l = nl + 1) {
		nl = strchr(l, '\n');
		if (!nl || strncmp(l, "20", 2)) {
			whole = 0;
			break;
		}
		if (strstr(l, " snapfire agent: stall ") && strstr(l, "stderr\n") == nl - 6)
			written++;
		else if (sscanf(strstr(l, " snapfire agent: ") ?: "", " snapfire agent: %lu log lines not written", &k) == 1)
			dropped += k;
		else
			whole = 0;
	}
	CHECK(drained && whole && written >= AGENT_LOG_QUEUE_MAX && dropped > 0 &&
	      written + dropped == (unsigned long)(n + AGENT_LOG_BURST),
	      "agent log stall: once read, the queue is written whole (%s, whole lines %d): %d lines written, %lu counted as not written, %d in all (the errmsg() lines past the first %d held by the rate)",
	      drained ? "drained" : "NOT drained", whole, written, dropped, n + AGENT_LOG_BURST,
	      AGENT_LOG_BURST);
	/* after the stop, errmsg() writes to stderr itself again */
	{
		char tmp[] = "/tmp/agent-errmsg.XXXXXX", got[256] = "";
		int fd = mkstemp(tmp), keep = dup(STDERR_FILENO);
		ssize_t r = -1;

		if (fd >= 0 && keep >= 0) {
			dup2(fd, STDERR_FILENO);
			errmsg("after the stop");
			fflush(stderr);
			dup2(keep, STDERR_FILENO);
			r = pread(fd, got, sizeof(got) - 1, 0);
		}
		bool direct;

		if (r > 0)
			got[r] = 0;
		direct = r > 0 && strstr(got, "after the stop\n") && !strstr(got, "snapfire agent:");
		got[strcspn(got, "\n")] = 0;
		CHECK(direct, "agent log stall: after agent_log_stop(), errmsg() writes to stderr directly ('%s')",
		      got);
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		if (keep >= 0)
			close(keep);
	}
}

void test_agent_queue(void)
{
	queue_test();
	log_test();
	log_stall_test();
}
