// SPDX-License-Identifier: GPL-2.0
/*
 * tests/history.sh's store builder: synthetic minutes written with
 * hs_append, as the agent writes them.
 *
 *	hs_fill DIR TARGET FIRST_MINUTE MINUTES SLOW_UTC_HOUR
 *
 * Every minute from FIRST_MINUTE (since the epoch, UTC) on holds 60 rtt
 * samples: 50 in [1ms, 1.1ms) and 10 in [1.1ms, 1.5ms], min 1ms, max
 * 1.4ms; in the UTC hour SLOW_UTC_HOUR (-1: none) 55 in [20ms, 25ms) and
 * 5 in [25ms, 30ms], min 21ms, max 29ms. The counters sent (60) and
 * received (60, 54 in the slow hour) go beside them as metric ids 64 and
 * 65 (agent.h) when the store takes them. Prints "counters stored" or
 * "counters refused: ..." and exits 0, or 1 on a failed append.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "hstore.h"

static void report(const char *path, const char *what, void *arg)
{
	(void)arg;
	fprintf(stderr, "hs_fill: %s: %s\n", path, what);
}

static void fill(struct hist *h, int slow)
{
	memset(h, 0, sizeof(*h));
	h->present = 1;
	if (slow) {
		hist_add_bucket(h, 20000000, 24999999, 55);
		hist_add_bucket(h, 25000000, 30000000, 5);
		h->min = 21000000;
		h->max = 29000000;
		h->sum = 55ULL * 22500000 + 5ULL * 27000000;
	} else {
		hist_add_bucket(h, 1000000, 1099999, 50);
		hist_add_bucket(h, 1100000, 1500000, 10);
		h->min = 1000000;
		h->max = 1400000;
		h->sum = 50ULL * 1050000 + 10ULL * 1250000;
	}
	h->count = 60;
}

int main(int argc, char **argv)
{
	unsigned long long first, n, m;
	int slow_hour, counters = 1, r;
	const char *why = "";

	if (argc != 6) {
		fprintf(stderr, "usage: hs_fill DIR TARGET FIRST_MINUTE MINUTES SLOW_UTC_HOUR\n");
		return 2;
	}
	first = strtoull(argv[3], NULL, 10);
	n = strtoull(argv[4], NULL, 10);
	slow_hour = atoi(argv[5]);
	for (m = first; m < first + n; m++) {
		int slow = (int)(m % 1440 / 60) == slow_hour;
		struct hist h, c = { .present = 1 };

		fill(&h, slow);
		r = hs_append(argv[1], argv[2], SNAPFIRE_METRIC_RTT, m, &h, report, NULL);
		hist_free(&h);
		if (r) {
			fprintf(stderr, "hs_fill: append of minute %llu: %s\n", m, strerror(-r));
			return 1;
		}
		if (!counters)
			continue;
		c.count = 60;
		r = hs_append(argv[1], argv[2], AGENT_COUNTER_METRIC(AC_SENT), m, &c, report, NULL);
		c.count = slow ? 54 : 60;
		if (!r)
			r = hs_append(argv[1], argv[2], AGENT_COUNTER_METRIC(AC_RECEIVED), m, &c,
				      report, NULL);
		if (r) {
			counters = 0;
			why = strerror(-r);
		}
	}
	if (counters)
		printf("counters stored\n");
	else
		printf("counters refused: %s\n", why);
	return 0;
}
