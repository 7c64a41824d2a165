/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Spools: unlinked temporary files that hold streams of bytes until they
 * are copied out (the export's flow families but the first, prom.c: some
 * 2 GB at a million flows).
 *
 * The caller formats in place into a spool's buffer (spools_room(),
 * spools_put()); a full buffer is written whole. A write that fails is
 * kept and said by spools_err() and spools_finish(); nothing more goes to that
 * spool.
 *
 * A writer thread was tried (2026-12-06): on the TCG VM's two vCPUs,
 * which the dump's reader thread and the reader of the output already
 * keep busy, the export took as long and more CPU.
 */
#ifndef SNAPFIRE_SPOOL_H
#define SNAPFIRE_SPOOL_H

#include <stddef.h>
#include <sys/types.h>

#define SPOOL_BUF (1 << 16)

struct spools;

/*
 * @n spools in directory @dir (O_TMPFILE, else an unlinked mkostemp file):
 * NULL with errno set if a file or the memory could not be had.
 */
struct spools *spools_open(unsigned int n, const char *dir);

/*
 * Room for @need bytes (at most SPOOL_BUF) at the end of spool @i's
 * buffer, written out first if it has not that much left; spools_put()
 * says how many were used.
 */
char *spools_room(struct spools *s, unsigned int i, size_t need);
void spools_put(struct spools *s, unsigned int i, size_t used);

/*
 * 0, or -errno of the first write that failed so far in any spool: a
 * full file system is seen at the write that found it, not only at
 * spools_finish().
 */
int spools_err(const struct spools *s);

/*
 * Spool @i complete, its buffer written: 0 with *@fd its file and *@size
 * its length, or -errno of its first failed write (ENOSPC...).
 */
int spools_finish(struct spools *s, unsigned int i, int *fd, off_t *size);

/* The files closed, @s freed. */
void spools_close(struct spools *s);

#endif
