/* SPDX-License-Identifier: GPL-2.0 */
/* What the history store's two unit files share (unit_hstore.c, the
 * files; unit_hstore_rec.c, the record format). */
#ifndef SNAPFIRE_UNIT_HSTORE_H
#define SNAPFIRE_UNIT_HSTORE_H

#include <stdint.h>

#include "hist.h"

/* @nb buckets of 1000 from @base, i + 1 samples in the i-th */
void unit_mkhist(struct hist *h, uint64_t base, int nb);
/* unit_hstore_rec.c */
void test_hstore_records(void);
void test_hstore_many_damaged(void);

#endif
