// SPDX-License-Identifier: GPL-2.0
/* spool.c — temporary files that hold streams until copied out (spool.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "spool.h"

struct spool {
	int fd;
	int err;		/* the first failed write's errno, or 0 */
	off_t size;		/* bytes written */
	size_t n;		/* bytes in buf */
	char buf[SPOOL_BUF];
};

struct spools {
	unsigned int n;
	int err;		/* the first failed write of any spool, or 0 */
	struct spool *sp;
};

/* Spool @i's buffer out, unless a write failed before. */
static void spool_flush(struct spool *sp)
{
	size_t off = 0;
	ssize_t k;

	while (off < sp->n && !sp->err) {
		k = write(sp->fd, sp->buf + off, sp->n - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			sp->err = k < 0 ? errno : EIO;
		else
			off += (size_t)k;
	}
	sp->size += (off_t)off;
	sp->n = 0;
}

char *spools_room(struct spools *s, unsigned int i, size_t need)
{
	struct spool *sp = &s->sp[i];

	if (sp->n + need > SPOOL_BUF) {
		spool_flush(sp);
		if (sp->err && !s->err)
			s->err = sp->err;
	}
	return sp->buf + sp->n;
}

int spools_err(const struct spools *s)
{
	return -s->err;
}

void spools_put(struct spools *s, unsigned int i, size_t used)
{
	s->sp[i].n += used;
}

int spools_finish(struct spools *s, unsigned int i, int *fd, off_t *size)
{
	struct spool *sp = &s->sp[i];

	spool_flush(sp);
	*fd = sp->fd;
	*size = sp->size;
	return -sp->err;
}

/* An unlinked file in @dir, read and written: its descriptor, or -1 with
 * errno set. */
static int spool_open(const char *dir)
{
	char path[4096];
	int fd;

	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	/* a file system without O_TMPFILE */
	if (snprintf(path, sizeof(path), "%s/snapfire-export-XXXXXX", dir) >=
	    (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	return fd;
}

struct spools *spools_open(unsigned int n, const char *dir)
{
	struct spools *s = calloc(1, sizeof(*s));
	unsigned int i;
	int e;

	if (!s)
		return NULL;
	s->sp = calloc(n, sizeof(*s->sp));
	if (!s->sp) {
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	s->n = n;
	for (i = 0; i < n; i++)
		s->sp[i].fd = -1;
	for (i = 0; i < n; i++) {
		s->sp[i].fd = spool_open(dir);
		if (s->sp[i].fd < 0) {
			e = errno;
			spools_close(s);
			errno = e;
			return NULL;
		}
	}
	return s;
}

void spools_close(struct spools *s)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (s->sp[i].fd >= 0)
			close(s->sp[i].fd);
	free(s->sp);
	free(s);
}
