// SPDX-License-Identifier: GPL-2.0
/*
 * nlq.c's tests (tests/unit_nlq.c) built with ThreadSanitizer and run 20
 * times over: the reader thread and its caller share the queue, and any
 * access to it outside the lock is a report, which fails the run
 * (tests/nlq-tsan.sh sets TSAN_OPTIONS=halt_on_error=1).
 */
#include "unit.h"

int passed, failed, skipped;

void test_nlq(void);

int main(void)
{
	int i;

	for (i = 0; i < 20; i++)
		test_nlq();
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed != 0;
}
