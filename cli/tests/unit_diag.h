/* SPDX-License-Identifier: GPL-2.0 */
/* The verdict's unit tests (tests/unit_diag*.c): their shared cases and
 * checks (unit_diag_lib.c). Times are ns, medians as cmd_diagnose.c's
 * verdict_in() passes them. */
#ifndef SF_CLI_UNIT_DIAG_H
#define SF_CLI_UNIT_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define US	1000ULL
#define MS	1000000ULL
#define SEC	1000000000ULL

void row(struct diag_in *in, enum diag_row r, uint64_t p50);
void norow(struct diag_in *in, enum diag_row r);
/* the breakdown's network, one way each (synchronised clocks) */
void net(struct diag_in *in, uint64_t fwd, uint64_t rev);
/* a healthy path in one data centre, the module on both ends */
void lan(struct diag_in *in);
/* the same target with no module here (no breakdown): the rows only */
void nomod(struct diag_in *in);
const char *rule_s(const struct diag_verdict *v);
/* "N1 N3" */
const char *notes_s(const struct diag_verdict *v, char *b, size_t n);
bool has_note(const struct diag_verdict *v, const char *id);
/* run the verdict; check layer, rule, confidence (conf < 0: any), why, next */
void expect(const char *what, const struct diag_in *in, struct diag_verdict *v,
	    enum diag_layer layer, const char *rule, int conf);
/* exactly these notes ("N3 N4", "" for none), in any order */
void expect_notes(const char *what, const struct diag_verdict *v, const char *want);

/* unit_diag_conf.c */
void test_diag_confidence(void);
void test_diag_notes(void);
/* unit_diag_review.c */
void test_diag_findings(void);
void test_delack(void);

#endif
