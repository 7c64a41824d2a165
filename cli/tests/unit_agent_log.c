// SPDX-License-Identifier: GPL-2.0
/*
 * CLI unit tests: the agent's rate-limited log lines (agent_log.c,
 * agent_logrl_take), at clock values given by the test: the burst, the
 * refill, the count of lines held back, and a clock that stands still or
 * goes back.
 */
#include <stdbool.h>
#include <stdint.h>

#include "agent_int.h"
#include "unit.h"

/* how many of @n lines at @now may be written; *@held of the first one */
static int takes(struct agent_logrl *rl, uint64_t now, int n, unsigned long *first_held)
{
	unsigned long held;
	int i, ok = 0;

	for (i = 0; i < n; i++)
		if (agent_logrl_take(rl, now, &held)) {
			if (!ok && first_held)
				*first_held = held;
			ok++;
		}
	return ok;
}

void test_agent_log(void)
{
	struct agent_logrl rl = AGENT_LOGRL_INIT;
	const uint64_t t0 = 1000 * NSEC, e = AGENT_LOG_EVERY_NS;
	unsigned long held = 99;
	int n;

	n = takes(&rl, t0, 100, &held);
	CHECK(n == AGENT_LOG_BURST && held == 0,
	      "100 lines at once: the burst of %d written (got %d), none held before the first (%lu)",
	      AGENT_LOG_BURST, n, held);
	n = takes(&rl, t0 + e - 1, 5, NULL);
	CHECK(n == 0, "just under one period later: nothing (got %d)", n);
	n = takes(&rl, t0 + e, 5, &held);
	CHECK(n == 1 && held == 95,
	      "one period later: one line, saying 95 were held back (got %d, %lu)", n, held);
	n = takes(&rl, t0 + 3 * e + e / 2, 5, &held);
	CHECK(n == 2 && held == 4,
	      "2.5 periods later: two lines, the first counting the 4 refused (got %d, %lu)", n, held);
	n = takes(&rl, t0 + 4 * e, 5, NULL);
	CHECK(n == 1, "the half period left over counts towards the next line (got %d)", n);
	n = takes(&rl, t0, 5, NULL);
	CHECK(n == 0, "a clock gone back gives nothing and breaks nothing (got %d)", n);
	n = takes(&rl, t0 + 1000 * e, 100, NULL);
	CHECK(n == AGENT_LOG_BURST, "after a long quiet: the burst again, no more (got %d)", n);
	pthread_mutex_destroy(&rl.lock);
}
