// SPDX-License-Identifier: GPL-2.0
/* The history store's writer cache: where the writer left each day file
 * (hstore.h, struct hs_cache). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hstore_int.h"

struct hs_cache *hs_cache_new(void)
{
	return calloc(1, sizeof(struct hs_cache));
}

void hs_cache_free(struct hs_cache *c)
{
	if (c)
		free(c->slot);
	free(c);
}

void hs_cache_stats(const struct hs_cache *c, uint64_t *checked, uint64_t *fast)
{
	*checked = c->checked;
	*fast = c->fast;
}

static size_t tail_hash(const char *key, unsigned int metric)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *key; key++)
		h = (h ^ (uint8_t)*key) * 1099511628211ULL;
	return (size_t)((h ^ metric) * 1099511628211ULL);
}

static struct hs_tail *tail_slot(struct hs_cache *c, const char *key, unsigned int metric)
{
	size_t i = tail_hash(key, metric) & (c->cap - 1);

	while (c->slot[i].key[0] && (c->slot[i].metric != metric || strcmp(c->slot[i].key, key)))
		i = (i + 1) & (c->cap - 1);
	return &c->slot[i];
}

/* The entry of @key's @metric (found, or a new one), NULL out of memory.
 * Growing keeps only the entries of @day or later: a renamed or removed
 * target's entries go with the day. */
struct hs_tail *hs_tail_get(struct hs_cache *c, const char *key, unsigned int metric,
				uint64_t day)
{
	struct hs_tail *t;

	if ((c->used + 1) * 2 > c->cap) {
		struct hs_cache n = { .cap = c->cap ? c->cap * 2 : 64 };
		size_t i;

		n.slot = calloc(n.cap, sizeof(*n.slot));
		if (!n.slot)
			return NULL;
		for (i = 0; i < c->cap; i++) {
			if (!c->slot[i].key[0] || c->slot[i].day < day)
				continue;
			*tail_slot(&n, c->slot[i].key, c->slot[i].metric) = c->slot[i];
			n.used++;
		}
		free(c->slot);
		c->slot = n.slot;
		c->cap = n.cap;
		c->used = n.used;
	}
	t = tail_slot(c, key, metric);
	if (!t->key[0]) {
		snprintf(t->key, sizeof(t->key), "%s", key);
		t->metric = metric;
		t->day = UINT64_MAX;	/* nothing known yet */
		c->used++;
	}
	return t;
}

/* The fast path: @t says where this writer left @path, and it is so. */
int hs_append_fast(int dfd, const char *name, const struct hs_tail *t, const uint8_t *rec,
		   int n)
{
	struct stat st;
	int fd, r = 0;

	fd = openat(dfd, name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return 1;
	if (fstat(fd, &st) || st.st_dev != t->dev || st.st_ino != t->ino || st.st_size != t->end) {
		close(fd);
		return 1;	/* not as we left it: check it whole */
	}
	if (pwrite(fd, rec, (size_t)n, t->end) != n || fdatasync(fd)) {
		r = -EIO;
		if (ftruncate(fd, t->end))
			r = -EIO;
	}
	close(fd);
	return r;
}
