// SPDX-License-Identifier: GPL-2.0
/*
 * CLI unit tests: the agent's store queue (agent_store.c) when the store
 * thread takes nothing (a disk that hangs): at most AGENT_STORE_QUEUE_MAX
 * minutes wait, the oldest beyond dropped, counted done and as store_error;
 * and its log lines (agent_log.c), each one write, a long one cut.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_int.h"
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

void test_agent_queue(void)
{
	queue_test();
	log_test();
}
