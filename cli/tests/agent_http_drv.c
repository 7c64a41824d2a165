// SPDX-License-Identifier: GPL-2.0
/*
 * tests/agent-http.sh's server: a struct agent built by hand, a history
 * store written with hs_append, and agent_http_start on it.
 *
 *	agent_http_drv STATE_DIR LISTEN [unhealthy | many N | behind N | budget MS]...
 *
 * "many N" adds N targets with every metric's histogram, for /metrics
 * pages of megabytes (≈12 KB a target). "behind N": N minutes queued for
 * a store that has not written one of them (a stalled disk). "budget MS":
 * summaries may take MS (1 to 1000) ms of the server's thread a second,
 * and MS at once (the agent: 250 and 500), so that the script's clients
 * exceed it on a machine of any speed, under valgrind or not. SIGUSR1:
 * the store catches up (jobs_done = jobs_queued); SIGUSR2: one more
 * minute queued.
 *
 * Prints "ready MINUTE" (the current minute the data is placed around)
 * once it listens, serves until SIGTERM or SIGINT, then stops the server
 * and frees everything (the script runs it under valgrind).
 *
 * The data (tests/agent-http.sh computes what the summary must say):
 * target "tokyo-1", relative to the current minute M:
 *	M (memory)	rtt 10 x 100us; sent 10, received 10
 *	M-2		rtt 20 x 200us, 10 x 300us; tx_stage 40 x 20us,
 *			rx_stage 40 x 30us, turnaround 40 x 10us; sent 50, received 40
 *	M-30		rtt 30 x 1ms; sent 30, received 30
 *	M-600		rtt 40 x 5ms; sent 40, received 20
 *	M-2000		rtt 1000 x 9s (outside every window)
 * target "b": M-1 rtt 5 x 2ms, no stage metric (no verdict possible).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "agent_http_int.h"
#include "hstore.h"

static void report(const char *path, const char *what, void *arg)
{
	(void)arg;
	fprintf(stderr, "agent_http_drv: %s: %s\n", path, what);
}

/* one record of @n samples of @v ns (plus @n2 of @v2 when n2) */
static int put(const char *dir, const char *key, unsigned int metric, uint64_t minute,
	       uint64_t v, uint64_t n, uint64_t v2, uint64_t n2)
{
	struct hist h = { .present = 1, .metric = metric };
	int r;

	if (hist_add_bucket(&h, v, v, n) || (n2 && hist_add_bucket(&h, v2, v2, n2)))
		return -ENOMEM;
	h.count = n + n2;
	h.sum = v * n + v2 * n2;
	h.min = v;
	h.max = n2 ? v2 : v;
	r = hs_append(dir, key, metric, minute, &h, report, NULL);
	hist_free(&h);
	if (r)
		fprintf(stderr, "agent_http_drv: hs_append %s metric %u minute %" PRIu64 ": %s\n",
			key, metric, minute, strerror(-r));
	return r;
}

static int counter(const char *dir, const char *key, enum agent_counter c, uint64_t minute,
		   uint64_t v)
{
	struct hist h = { .present = 1, .metric = AGENT_COUNTER_METRIC(c), .count = v };
	int r = hs_append(dir, key, AGENT_COUNTER_METRIC(c), minute, &h, report, NULL);

	if (r)
		fprintf(stderr, "agent_http_drv: hs_append %s counter %s minute %" PRIu64 ": %s\n",
			key, agent_counter_names[c], minute, strerror(-r));
	return r;
}

/* target @t, named "many-@i", with every metric and counter */
static void many(struct agent_target *t, int i)
{
	unsigned int m;
	int c;

	snprintf(t->conf.name, sizeof(t->conf.name), "many-%d", i);
	t->up = true;
	for (c = 0; c < AC_COUNT; c++)
		t->counters[c] = 1000 + i;
	for (m = 0; m < METRIC_COUNT; m++) {
		struct hist h = { .present = 1, .count = 30, .sum = 30000000 };

		hist_add_bucket(&h, 1000, 2000, 10);
		hist_add_bucket(&h, 1000000, 1100000, 20);
		agent_prom_bin_add(&t->prom[m], &h);
		hist_free(&h);
	}
}

int main(int argc, char **argv)
{
	struct agent_target *t;
	struct agent a = { .ntargets = 2, .module_loaded = true, .store_ok = true };
	const char *dir;
	struct agent_http *h;
	char err[512];
	uint64_t M, behind = 0;
	unsigned int m;
	sigset_t set;
	int i, sig, r = 0, nmany = 0, budget_ms = 0;	/* 0: the agent's */
	bool unhealthy = false;

	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "unhealthy"))
			unhealthy = true;
		else if (i + 1 < argc && !strcmp(argv[i], "many"))
			nmany = atoi(argv[++i]);
		else if (i + 1 < argc && !strcmp(argv[i], "behind"))
			behind = strtoull(argv[++i], NULL, 10);
		else if (i + 1 < argc && !strcmp(argv[i], "budget"))
			budget_ms = atoi(argv[++i]);
		else
			break;
		if (budget_ms < 0 || budget_ms > 1000)
			break;
	}
	if (argc < 3 || i < argc) {
		fprintf(stderr, "usage: agent_http_drv STATE_DIR LISTEN [unhealthy | many N | behind N | budget MS]...\n");
		return 2;
	}
	if (budget_ms) {	/* before agent_http_start, which takes it */
		agent_http_summary_rate_ns = budget_ms * 1000000ULL;
		agent_http_summary_burst_ns = agent_http_summary_rate_ns;
	}
	dir = argv[1];
	M = (uint64_t)time(NULL) / 60;

	r = put(dir, "tokyo-1", SNAPFIRE_METRIC_RTT, M - 2, 200000, 20, 300000, 10) ?:
	    put(dir, "tokyo-1", SNAPFIRE_METRIC_TX_STAGE, M - 2, 20000, 40, 0, 0) ?:
	    put(dir, "tokyo-1", SNAPFIRE_METRIC_RX_STAGE, M - 2, 30000, 40, 0, 0) ?:
	    put(dir, "tokyo-1", SNAPFIRE_METRIC_TURNAROUND, M - 2, 10000, 40, 0, 0) ?:
	    put(dir, "tokyo-1", SNAPFIRE_METRIC_RTT, M - 30, 1000000, 30, 0, 0) ?:
	    put(dir, "tokyo-1", SNAPFIRE_METRIC_RTT, M - 600, 5000000, 40, 0, 0) ?:
	    put(dir, "tokyo-1", SNAPFIRE_METRIC_RTT, M - 2000, 9000000000ull, 1000, 0, 0) ?:
	    put(dir, "b", SNAPFIRE_METRIC_RTT, M - 1, 2000000, 5, 0, 0) ?:
	    counter(dir, "tokyo-1", AC_SENT, M - 2, 50) ?:
	    counter(dir, "tokyo-1", AC_RECEIVED, M - 2, 40) ?:
	    counter(dir, "tokyo-1", AC_SENT, M - 30, 30) ?:
	    counter(dir, "tokyo-1", AC_RECEIVED, M - 30, 30) ?:
	    counter(dir, "tokyo-1", AC_SENT, M - 600, 40) ?:
	    counter(dir, "tokyo-1", AC_RECEIVED, M - 600, 20);
	if (r)
		return 1;

	a.ntargets += nmany;
	t = calloc(a.ntargets, sizeof(*t));
	if (!t)
		return 1;
	a.targets = t;
	for (i = 2; i < a.ntargets; i++)
		many(&t[i], i);
	pthread_mutex_init(&a.lock, NULL);
	snprintf(a.conf.listen, sizeof(a.conf.listen), "%s", argv[2]);
	snprintf(a.conf.state_dir, sizeof(a.conf.state_dir), "%s", dir);
	a.last_store_write_ns = (uint64_t)time(NULL) * 1000000000ull;
	if (unhealthy)
		a.store_ok = false;
	a.jobs_queued = behind;		/* minutes queued, none stored */
	a.events[AE_CONFIG_RELOAD] = 2;

	snprintf(t[0].conf.name, sizeof(t[0].conf.name), "tokyo-1");
	t[0].conf.nlabels = 2;
	snprintf(t[0].conf.labels[0].name, AGENT_LABEL_NAME_MAX + 1, "region");
	snprintf(t[0].conf.labels[0].value, AGENT_LABEL_VALUE_MAX + 1, "j\"p\\x\ny");
	snprintf(t[0].conf.labels[1].name, AGENT_LABEL_NAME_MAX + 1, "dc");
	snprintf(t[0].conf.labels[1].value, AGENT_LABEL_VALUE_MAX + 1, "tyo");
	t[0].up = true;
	t[0].counters[AC_SENT] = 130;
	t[0].counters[AC_RECEIVED] = 100;
	t[0].counters[AC_LOST] = 30;
	t[0].cur[SNAPFIRE_METRIC_RTT].present = 1;
	hist_add_bucket(&t[0].cur[SNAPFIRE_METRIC_RTT], 100000, 100000, 10);
	t[0].cur[SNAPFIRE_METRIC_RTT].count = 10;
	t[0].cur[SNAPFIRE_METRIC_RTT].sum = 1000000;
	t[0].cur[SNAPFIRE_METRIC_RTT].min = 100000;
	t[0].cur[SNAPFIRE_METRIC_RTT].max = 100000;
	t[0].cur_counters[AC_SENT] = 10;
	t[0].cur_counters[AC_RECEIVED] = 10;
	/* /metrics: a histogram with buckets on both sides of le bounds */
	{
		struct hist h = { .present = 1, .count = 40, .sum = 8000000 };

		hist_add_bucket(&h, 90000, 110000, 10);
		hist_add_bucket(&h, 190000, 200000, 20);
		hist_add_bucket(&h, 290000, 310000, 10);
		agent_prom_bin_add(&t[0].prom[SNAPFIRE_METRIC_RTT], &h);
		hist_free(&h);
	}
	snprintf(t[1].conf.name, sizeof(t[1].conf.name), "b");

	/* the server's thread inherits the mask: the signals come to sigwait */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	h = agent_http_start(&a, err, sizeof(err));
	if (!h) {
		fprintf(stderr, "agent_http_drv: %s\n", err);
		r = 1;
	} else {
		printf("ready %" PRIu64 "\n", M);
		fflush(stdout);
		while (!sigwait(&set, &sig) && (sig == SIGUSR1 || sig == SIGUSR2)) {
			pthread_mutex_lock(&a.lock);
			if (sig == SIGUSR1)
				a.jobs_done = a.jobs_queued;
			else
				a.jobs_queued++;
			pthread_mutex_unlock(&a.lock);
		}
		agent_http_stop(h);
	}
	for (i = 0; i < a.ntargets; i++)
		for (m = 0; m < METRIC_COUNT; m++) {
			hist_free(&t[i].cur[m]);
		}
	free(t);
	pthread_mutex_destroy(&a.lock);
	return r;
}
