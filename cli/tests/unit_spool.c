// SPDX-License-Identifier: GPL-2.0
/*
 * spool.c's tests: bytes written in pieces, interleaved across spools and
 * many buffers long, read back from the files; a write that fails
 * (RLIMIT_FSIZE: EFBIG) on one spool and not on the other; a directory
 * where no file can be made.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "spool.h"
#include "unit.h"

#define NSP 3

/* spool @i's byte at offset @off: its own pattern */
static unsigned char pat(unsigned int i, uint64_t off)
{
	return (unsigned char)((off * 131 + i * 17 + (off >> 13)) & 0xff);
}

/* @len bytes to spool @i, in pieces of 1 to 700 bytes (a line's) */
static void put(struct spools *s, unsigned int i, uint64_t *done, uint64_t len,
		unsigned int *rnd)
{
	uint64_t end = *done + len;

	while (*done < end) {
		size_t k = 1 + rand_r(rnd) % 700, j;
		char *p;

		if (k > end - *done)
			k = (size_t)(end - *done);
		p = spools_room(s, i, k);
		for (j = 0; j < k; j++)
			p[j] = (char)pat(i, *done + j);
		spools_put(s, i, k);
		*done += k;
	}
}

/* the file @fd holds @len bytes of spool @i's pattern */
static int check_file(int fd, unsigned int i, uint64_t len)
{
	static unsigned char b[65536];
	uint64_t off = 0;
	ssize_t n, j;

	while (off < len) {
		n = pread(fd, b, sizeof(b), (off_t)off);
		if (n <= 0)
			return 0;
		for (j = 0; j < n; j++)
			if (b[j] != pat(i, off + (uint64_t)j))
				return 0;
		off += (uint64_t)n;
	}
	return pread(fd, b, 1, (off_t)off) == 0;
}

static void test_spool_bytes(void)
{
	/* spool 1 many buffers, spool 2 nothing */
	uint64_t want[NSP] = { 300000, (uint64_t)SPOOL_BUF * 33 + 17, 0 };
	uint64_t done[NSP] = { 0 };
	unsigned int rnd = 7, i, round;
	struct spools *s = spools_open(NSP, "/tmp");
	off_t size;
	int fd, rc;

	CHECK(s, "spools: opened in /tmp (%s)", s ? "ok" : strerror(errno));
	if (!s)
		return;
	/* interleaved, as the export's families are */
	for (round = 0; round < 64; round++)
		for (i = 0; i < NSP; i++)
			put(s, i, &done[i], want[i] / 64 + (round == 63 ? want[i] % 64 : 0), &rnd);
	for (i = 0; i < NSP; i++) {
		rc = spools_finish(s, i, &fd, &size);
		CHECK(rc == 0 && (uint64_t)size == want[i] && check_file(fd, i, want[i]),
		      "spools: spool %u holds its %llu bytes, in order (rc %d, size %lld)",
		      i, (unsigned long long)want[i], rc, (long long)size);
	}
	spools_close(s);
}

static void test_spool_fail(void)
{
	uint64_t done[2] = { 0 }, limit = 5 * SPOOL_BUF;
	struct rlimit old, lim;
	struct sigaction ign = { .sa_handler = SIG_IGN }, oldsa;
	unsigned int rnd = 9;
	struct spools *s;
	off_t size0 = -1, size1 = -1;
	int fd0, fd1, rc0, rc1, err0, err1;

	s = spools_open(2, "/nonexistent-snapfire-dir");
	CHECK(!s && errno == ENOENT, "spools: a directory that is not there: NULL, ENOENT (%s)",
	      s ? "opened" : strerror(errno));
	if (s)
		spools_close(s);

	if (getrlimit(RLIMIT_FSIZE, &old) || (old.rlim_max != RLIM_INFINITY && old.rlim_max < limit)) {
		skipped++;
		printf("ok %d - # SKIP spools: RLIMIT_FSIZE cannot be set here\n",
		       passed + failed + skipped);
		return;
	}
	s = spools_open(2, "/tmp");
	CHECK(s, "spools: two in /tmp");
	if (!s)
		return;
	/* files beyond limit: EFBIG, and SIGXFSZ ignored */
	sigaction(SIGXFSZ, &ign, &oldsa);
	lim = old;
	lim.rlim_cur = limit;
	setrlimit(RLIMIT_FSIZE, &lim);
	put(s, 1, &done[1], limit / 2, &rnd);	/* fits */
	err1 = spools_err(s);
	put(s, 0, &done[0], 3 * limit, &rnd);	/* fails past limit */
	err0 = spools_err(s);
	rc0 = spools_finish(s, 0, &fd0, &size0);
	rc1 = spools_finish(s, 1, &fd1, &size1);
	/* before anything is printed: stdout may be a file too */
	setrlimit(RLIMIT_FSIZE, &old);
	sigaction(SIGXFSZ, &oldsa, NULL);
	CHECK(rc0 == -EFBIG && size0 <= (off_t)limit && check_file(fd0, 0, (uint64_t)size0),
	      "spools: a write past RLIMIT_FSIZE fails the spool with EFBIG (%d), what was written before is whole (%lld bytes)",
	      rc0, (long long)size0);
	CHECK(err1 == 0 && err0 == -EFBIG,
	      "spools: spools_err() is 0 until a write fails, then that write's EFBIG, before the spool is finished (%d, %d)",
	      err1, err0);
	CHECK(rc1 == 0 && (uint64_t)size1 == limit / 2 && check_file(fd1, 1, limit / 2),
	      "spools: the other spool is unaffected (rc %d, %lld bytes)", rc1, (long long)size1);
	spools_close(s);
}

void test_spool(void)
{
	test_spool_bytes();
	test_spool_fail();
}
