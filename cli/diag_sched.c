// SPDX-License-Identifier: GPL-2.0
/* diagnose's schedule: the slots start + k x interval that the rows that
 * send one request at a time (TCP, HTTP) keep to; see diag.h. */
#define _GNU_SOURCE
#include <time.h>

#include "common.h"
#include "diag.h"
#include "probe.h"

int64_t diag_mono_ns(void)
{
	return (int64_t)clock_ns(CLOCK_MONOTONIC);
}

bool diag_next_slot(int64_t start, int64_t end, double interval, uint64_t *k)
{
	int64_t now = diag_mono_ns(), next = start + (int64_t)((double)*k * interval * 1e9);

	if (next < now) {
		/* a slow request took the slots it overran: the current one */
		*k = (uint64_t)((double)(now - start) / (interval * 1e9));
		next = start + (int64_t)((double)*k * interval * 1e9);
	}
	if (next >= end)
		return false;
	while (!probe_stop) {
		int64_t d = next - diag_mono_ns();
		struct timespec ts = { 0 };

		if (d <= 0)
			break;
		ts.tv_nsec = d > 100000000 ? 100000000 : d;	/* probe_stop every 0.1 s */
		nanosleep(&ts, NULL);
	}
	(*k)++;
	return !probe_stop;
}
