/* SPDX-License-Identifier: GPL-2.0 */
/* The history store's insides shared by hstore.c and hstore_cache.c. */
#ifndef SNAPFIRE_HSTORE_INT_H
#define SNAPFIRE_HSTORE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "hstore.h"

struct hs_tail {
	char key[HS_KEY_MAX + 1];	/* "" : a free slot */
	unsigned int metric;
	uint64_t day;
	dev_t dev;
	ino_t ino;
	off_t end;			/* the size this writer left the file at */
	unsigned int version;		/* of the file's header */
};

struct hs_cache {
	struct hs_tail *slot;
	size_t cap, used;		/* cap: a power of two, or 0 */
	uint64_t checked, fast;
};

/* hstore_dir.c: metric ids with a directory (hstore.h) */
bool hs_metric_ok(unsigned int metric);
const char *hs_metric_dir(unsigned int metric);	/* its directory's name */
/*
 * DIR/@key/@metric (made, 0750, when @create), opened O_PATH a component
 * at a time below @dir: a link there is refused (-ENOTDIR), as is a bad
 * key or metric (-EINVAL). The directory's fd, or -errno.
 */
int hs_dir_open(const char *dir, const char *key, unsigned int metric, bool create);
/* a day file's name, "YYYYMMDD.sfh", and its whole path (for reports) */
#define HS_DAY_NAME	32
void hs_day_name(char name[HS_DAY_NAME], uint64_t day);
int hs_day_path(char *buf, size_t n, const char *dir, const char *key,
		unsigned int metric, uint64_t day);

/* The entry of @key's @metric (found, or a new one), NULL out of memory. */
struct hs_tail *hs_tail_get(struct hs_cache *c, const char *key, unsigned int metric,
			    uint64_t day);
/* Appends @rec (@n bytes) at @t->end of @name in directory @dfd if the
 * file is as @t says: 0 done, 1 not as it was left (check it whole), -EIO. */
int hs_append_fast(int dfd, const char *name, const struct hs_tail *t, const uint8_t *rec,
		   int n);

#endif
