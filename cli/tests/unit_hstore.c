// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the history store's files (hstore.c): every truncation
 * and every flipped byte is skipped (never trusted, never a crash), torn
 * tails are cut before appending, a damaged length mid-file is not one, a
 * bad header is set aside, days split files, pruning keeps the last days;
 * the writer's cache appends directly only to a file as it left it; a
 * linked target or metric directory is never followed. The
 * record format's tests: unit_hstore_rec.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hstore.h"
#include "unit.h"
#include "unit_hstore.h"

struct got {
	uint64_t minutes[64];
	int n, reports;
	char last[256];
};

static int on_rec(uint64_t minute, const struct hist *h, void *arg)
{
	struct got *g = arg;

	if (g->n < 64 && h->present)
		g->minutes[g->n++] = minute;
	return 0;
}

static void on_report(const char *path, const char *what, void *arg)
{
	struct got *g = arg;

	(void)path;
	g->reports++;
	snprintf(g->last, sizeof(g->last), "%s", what);
}

static void read_all(const char *dir, uint64_t from, uint64_t to, struct got *g)
{
	memset(g, 0, sizeof(*g));
	hs_read(dir, "t1", SNAPFIRE_METRIC_RTT, from, to, on_rec, on_report, g);
}

static long fsize(const char *p)
{
	struct stat st;

	return stat(p, &st) ? -1 : (long)st.st_size;
}

static void test_files(void)
{
	char dir[] = "/tmp/hstore-test.XXXXXX", path[128], cmd[300];
	uint8_t keep[8192];
	ssize_t klen = -1;
	const uint64_t day = 20424, m0 = day * 1440 + 600;	/* 2025-12-02 10:00 */
	struct hist h;
	struct got g;
	long size, cut;
	int fd, i, bad;

	if (!mkdtemp(dir)) {
		CHECK(0, "hstore: mkdtemp");
		return;
	}
	unit_mkhist(&h, 1000000, 5);
	CHECK(!hs_key_ok("") && !hs_key_ok("..") && !hs_key_ok("a/b") && hs_key_ok("198.51.100.2:862"),
	      "hstore: target keys: no empty, no path, an address and port allowed");
	CHECK(hs_append(dir, "../x", SNAPFIRE_METRIC_RTT, m0, &h, NULL, NULL) == -EINVAL,
	      "hstore: a key with a path is refused");
	for (i = 0; i < 3; i++)
		hs_append(dir, "t1", SNAPFIRE_METRIC_RTT, m0 + (uint64_t)i, &h, on_report, &g);
	read_all(dir, m0, m0 + 10, &g);
	CHECK(g.n == 3 && g.minutes[0] == m0 && g.minutes[2] == m0 + 2 && !g.reports,
	      "hstore: 3 minutes appended, 3 read back, nothing reported");
	read_all(dir, m0 + 1, m0 + 2, &g);
	CHECK(g.n == 1 && g.minutes[0] == m0 + 1, "hstore: a window reads exactly its minutes");
	snprintf(path, sizeof(path), "%s/t1/rtt/20251202.sfh", dir);
	CHECK(fsize(path) > HS_HDR_LEN, "hstore: the day file is DIR/TARGET/METRIC/YYYYMMDD.sfh");

	/* a torn write (kill -9 or power loss mid-record) */
	size = fsize(path);
	fd = open(path, O_WRONLY | O_APPEND);
	if (fd >= 0) {
		ssize_t w = write(fd, "\x66\x53\x40\x00garbage", 11);

		(void)w;
		close(fd);
	}
	read_all(dir, m0, m0 + 10, &g);
	CHECK(g.n == 3 && g.reports == 1 && strstr(g.last, "truncated"),
	      "hstore: a torn tail: the 3 good minutes read, the tail reported (%s)", g.last);
	hs_append(dir, "t1", SNAPFIRE_METRIC_RTT, m0 + 3, &h, on_report, &g);
	read_all(dir, m0, m0 + 10, &g);
	CHECK(g.n == 4 && !g.reports && fsize(path) > size,
	      "hstore: the next append cuts the torn tail: 4 minutes, nothing to report");

	/* a flipped byte inside the second record: it is skipped, the reader
	 * finds the third */
	size = fsize(path);
	fd = open(path, O_RDWR);
	if (fd >= 0) {
		uint8_t b;
		off_t at = HS_HDR_LEN + (size - HS_HDR_LEN) / 4 + 6;

		if (pread(fd, &b, 1, at) == 1) {
			b ^= 0xff;
			if (pwrite(fd, &b, 1, at) != 1)
				b = 0;
		}
		close(fd);
	}
	read_all(dir, m0, m0 + 10, &g);
	CHECK(g.n == 3 && g.minutes[0] == m0 && g.minutes[1] == m0 + 2 && g.reports == 1 &&
	      strstr(g.last, "not a good record"),
	      "hstore: a corrupt record in the middle: skipped and reported, the rest read (%d)", g.n);

	/* every truncation of the file: no crash, only whole minutes read */
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		klen = read(fd, keep, sizeof(keep));
		close(fd);
	}
	size = klen;
	bad = size <= 0;
	for (cut = 0; cut < size; cut++) {
		fd = open(path, O_WRONLY | O_TRUNC);
		if (fd < 0 || write(fd, keep, (size_t)cut) != cut)
			bad++;
		if (fd >= 0)
			close(fd);
		read_all(dir, m0, m0 + 10, &g);
		if (g.n > 3 || (cut < HS_HDR_LEN && cut > 0 && g.n))
			bad++;
	}
	CHECK(!bad, "hstore: the file cut at each of its %ld bytes: never more than the good minutes", size);

	/* a header that is not ours: skipped by readers, set aside by the writer */
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd >= 0) {
		ssize_t w = write(fd, "NOT A HISTORY FILE AT ALL", 25);

		(void)w;
		close(fd);
	}
	read_all(dir, m0, m0 + 10, &g);
	CHECK(g.n == 0 && g.reports == 1 && strstr(g.last, "bad header"),
	      "hstore: a bad header: the file skipped and reported");
	hs_append(dir, "t1", SNAPFIRE_METRIC_RTT, m0 + 5, &h, on_report, &g);
	read_all(dir, m0, m0 + 10, &g);
	snprintf(cmd, sizeof(cmd), "ls %s/t1/rtt | grep -q 'sfh.corrupt-'", dir);
	CHECK(g.n == 1 && g.minutes[0] == m0 + 5 && !g.reports && !system(cmd),
	      "hstore: the writer sets a bad file aside (.corrupt-TIME) and starts anew");

	/* days: a record after midnight goes to the next day's file; prune */
	hs_append(dir, "t1", SNAPFIRE_METRIC_RTT, (day + 1) * 1440 + 1, &h, on_report, &g);
	read_all(dir, m0, (day + 2) * 1440, &g);
	CHECK(g.n == 2 && g.minutes[1] == (day + 1) * 1440 + 1, "hstore: a window across midnight reads both days");
	hs_append(dir, "t1", SNAPFIRE_METRIC_RTT, (day + 9) * 1440, &h, on_report, &g);
	CHECK(hs_prune(dir, "t1", 7, (day + 9) * 1440) == 3,
	      "hstore: prune at 7 days deletes the 2 oldest days' files and the corrupt one");
	read_all(dir, 0, (day + 10) * 1440, &g);
	CHECK(g.n == 1 && g.minutes[0] == (day + 9) * 1440, "hstore: what is within 7 days stays");

	/*
	 * A FIFO or a symlink where a day file should be (the state directory
	 * is the agent user's; anyone who is that user may plant one): never
	 * waited on (an open of a FIFO blocks until the other end opens), and
	 * never followed (the writer truncates and writes what it opens).
	 */
	snprintf(path, sizeof(path), "%s/t1/rtt/20260101.sfh", dir);	/* day + 30 */
	CHECK(!mkfifo(path, 0600), "hstore: a FIFO planted as a day file");
	read_all(dir, (day + 30) * 1440, (day + 31) * 1440, &g);
	CHECK(g.n == 0 && g.reports == 1, "hstore: a FIFO day file: reported, not waited on (%s)", g.last);
	/* (it used to block in open(), for good: the suite's timeout tells) */
	hs_append(dir, "t1", SNAPFIRE_METRIC_RTT, (day + 30) * 1440 + 1, &h, on_report, &g);
	{
		char victim[160];
		const char keepme[] = "not the agent's to write";
		char back[64] = "";

		snprintf(victim, sizeof(victim), "%s/victim", dir);
		fd = open(victim, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			if (write(fd, keepme, sizeof(keepme)) != (ssize_t)sizeof(keepme))
				CHECK(0, "hstore: write %s", victim);
			close(fd);
		}
		snprintf(path, sizeof(path), "%s/t1/rtt/20260102.sfh", dir);	/* day + 31 */
		CHECK(!symlink(victim, path), "hstore: a symlink planted as a day file");
		hs_append(dir, "t1", SNAPFIRE_METRIC_RTT, (day + 31) * 1440 + 1, &h, on_report, &g);
		fd = open(victim, O_RDONLY);
		if (fd >= 0) {
			if (read(fd, back, sizeof(back) - 1) < 0)
				back[0] = 0;
			close(fd);
		}
		CHECK(!strcmp(back, keepme) && fsize(victim) == (long)sizeof(keepme),
		      "hstore: an append to a symlinked day file does not write through it");
	}

	hist_free(&h);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		CHECK(0, "hstore: clean up %s", dir);
}

/*
 * The directories below the store's: the agent's user owns them, and
 * `snapfire history` runs as root. A target or a metric directory that
 * is a link is not followed by a reader, a writer (with its cache or
 * without) or pruning; the store's own directory may be one.
 */
static void test_linked_dirs(void)
{
	char dir[] = "/tmp/hstore-ln.XXXXXX", other[] = "/tmp/hstore-other.XXXXXX";
	char path[200], to[200], vfile[200];
	const uint64_t day = 20424, m0 = day * 1440 + 600;
	struct hs_cache *c = hs_cache_new();
	struct hist h;
	struct got g;
	long vsize;
	int i;

	if (!mkdtemp(dir) || !mkdtemp(other) || !c) {
		CHECK(0, "hstore: mkdtemp, cache");
		hs_cache_free(c);
		return;
	}
	unit_mkhist(&h, 1000000, 5);
	/* another directory's history, which a link tries to reach */
	hs_append(other, "t1", SNAPFIRE_METRIC_RTT, m0, &h, NULL, NULL);
	snprintf(vfile, sizeof(vfile), "%s/t1/rtt/20251202.sfh", other);
	vsize = fsize(vfile);
	snprintf(to, sizeof(to), "%s/t1", other);
	snprintf(path, sizeof(path), "%s/lt", dir);		/* DIR/lt -> OTHER/t1 */
	CHECK(vsize > HS_HDR_LEN && !symlink(to, path), "hstore: a target directory that is a link");
	snprintf(path, sizeof(path), "%s/lm", dir);		/* DIR/lm/rtt -> OTHER/t1/rtt */
	snprintf(to, sizeof(to), "%s/t1/rtt", other);
	if (mkdir(path, 0700) || (strcat(path, "/rtt"), symlink(to, path)))
		CHECK(0, "hstore: a metric directory that is a link");
	for (i = 0; i < 2; i++) {
		const char *key = i ? "lm" : "lt", *what = i ? "metric" : "target";

		memset(&g, 0, sizeof(g));
		hs_read(dir, key, SNAPFIRE_METRIC_RTT, m0 - 10, m0 + 10, on_rec, on_report, &g);
		CHECK(g.n == 0 && g.reports == 1 && strstr(g.last, "never followed"),
		      "hstore: a linked %s directory: not read through, reported (%d minutes, %s)",
		      what, g.n, g.last);
		CHECK(hs_append(dir, key, SNAPFIRE_METRIC_RTT, m0 + 1, &h, NULL, NULL) == -ENOTDIR &&
		      hs_append_cached(dir, key, SNAPFIRE_METRIC_RTT, m0 + 2, &h, c, NULL, NULL) ==
		      -ENOTDIR && fsize(vfile) == vsize,
		      "hstore: a linked %s directory: no append writes through it", what);
		CHECK(hs_prune(dir, key, 0, (day + 30) * 1440) == 0 && fsize(vfile) == vsize,
		      "hstore: a linked %s directory: pruning deletes nothing through it", what);
	}
	/* the cache's fast path: a directory swapped for a link after an append */
	hs_append_cached(dir, "sw", SNAPFIRE_METRIC_RTT, m0, &h, c, NULL, NULL);
	snprintf(path, sizeof(path), "%s/sw/rtt", dir);
	snprintf(to, sizeof(to), "%s/sw/rtt.old", dir);
	if (rename(path, to))
		CHECK(0, "hstore: move %s aside", path);
	snprintf(to, sizeof(to), "%s/t1/rtt", other);
	if (symlink(to, path))
		CHECK(0, "hstore: swap a metric directory for a link");
	CHECK(hs_append_cached(dir, "sw", SNAPFIRE_METRIC_RTT, m0 + 1, &h, c, NULL, NULL) ==
	      -ENOTDIR && fsize(vfile) == vsize,
	      "hstore: the cache's direct append does not follow a directory swapped for a link");
	/* the store's own directory may be a link: the administrator's */
	snprintf(path, sizeof(path), "%s/root", dir);
	CHECK(!symlink(other, path), "hstore: the store's directory is a link");
	memset(&g, 0, sizeof(g));
	hs_read(path, "t1", SNAPFIRE_METRIC_RTT, m0 - 10, m0 + 10, on_rec, on_report, &g);
	CHECK(g.n == 1 && !g.reports, "hstore: a store whose directory is a link is read");

	hs_cache_free(c);
	hist_free(&h);
	snprintf(path, sizeof(path), "rm -rf %s %s", dir, other);
	if (system(path))
		CHECK(0, "hstore: clean up %s", dir);
}

/* The writer's cache: a file is checked whole once, then appended to
 * directly while it is as the writer left it; a torn tail, a file
 * replaced, a new day or another key are checked whole again. */
/*
 * A length field damaged in the middle of a file, so that its record seems
 * to run past the end: not a torn tail when good records follow. Before,
 * the reader stopped there and the next append cut the rest of the day.
 */
static void test_bad_length(void)
{
	char dir[] = "/tmp/hstore-len.XXXXXX", path[160], cmd[300];
	const uint64_t day = 20424, m0 = day * 1440 + 600;
	uint8_t b[4096];
	struct got g;
	struct hist h;
	long size, at = -1, o;
	int fd, i, n = 0;
	ssize_t got;

	if (!mkdtemp(dir)) {
		CHECK(0, "hstore: mkdtemp");
		return;
	}
	unit_mkhist(&h, 1000000, 5);
	for (i = 0; i < 8; i++)
		hs_append(dir, "t1", SNAPFIRE_METRIC_RTT, m0 + (uint64_t)i, &h, NULL, NULL);
	snprintf(path, sizeof(path), "%s/t1/rtt/20251202.sfh", dir);
	size = fsize(path);
	fd = open(path, O_RDWR);
	got = fd >= 0 && size <= (long)sizeof(b) ? pread(fd, b, (size_t)size, 0) : -1;
	/* the third record's marker; its length, 2 bytes further, made to
	 * run 100 bytes past the end of the file */
	for (o = HS_HDR_LEN; got == size && o + 4 <= size; o++) {
		if (b[o] == (HS_REC_MARKER & 0xff) && b[o + 1] == HS_REC_MARKER >> 8 && ++n == 3) {
			at = o;
			break;
		}
	}
	if (at > 0) {
		long plen = size - at + 100;
		uint8_t le[2] = { (uint8_t)plen, (uint8_t)(plen >> 8) };

		CHECK(plen <= HS_MAX_PAYLOAD, "hstore: the damaged length is one a record may have");
		if (pwrite(fd, le, 2, at + 2) != 2)
			at = -1;
	}
	if (fd >= 0)
		close(fd);
	CHECK(at > 0, "hstore: the third record found and its length damaged");
	read_all(dir, m0, m0 + 10, &g);
	CHECK(g.n == 7 && g.minutes[2] == m0 + 3 && g.reports == 1 &&
	      strstr(g.last, "not a good record"),
	      "hstore: a length running past the end, good records after it: only that record skipped (%d read: %s)",
	      g.n, g.last);
	hs_append(dir, "t1", SNAPFIRE_METRIC_RTT, m0 + 8, &h, NULL, NULL);
	read_all(dir, m0, m0 + 10, &g);
	CHECK(g.n == 8 && g.minutes[7] == m0 + 8,
	      "hstore: the next append keeps the records after it: 8 minutes (%d)", g.n);
	hist_free(&h);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0, "hstore: cleanup");
}

static void test_cache(void)
{
	char dir[] = "/tmp/hstore-cache.XXXXXX", path[128], path2[160], cmd[640];
	const uint64_t day = 20424, m0 = day * 1440 + 600;
	struct hs_cache *c = hs_cache_new();
	uint64_t checked, fast;
	struct hist h;
	struct got g;
	int fd, i, bad = 0;

	if (!c || !mkdtemp(dir)) {
		CHECK(0, "hstore cache: set up");
		hs_cache_free(c);
		return;
	}
	unit_mkhist(&h, 1000000, 5);
	snprintf(path, sizeof(path), "%s/t1/rtt/20251202.sfh", dir);
	for (i = 0; i < 100; i++)
		bad += !!hs_append_cached(dir, "t1", SNAPFIRE_METRIC_RTT, m0 + (uint64_t)i, &h, c,
					  on_report, &g);
	hs_cache_stats(c, &checked, &fast);
	read_all(dir, m0, m0 + 200, &g);
	CHECK(!bad && checked == 1 && fast == 99 && g.n == 64 && !g.reports,
	      "hstore cache: 100 appends, the file checked whole once, 99 appended directly, all read back (%d, %" PRIu64 ", %" PRIu64 ")",
	      bad, checked, fast);

	/* a torn tail left by someone else: the size differs, checked again,
	 * the tail cut off and reported */
	fd = open(path, O_WRONLY | O_APPEND);
	if (fd >= 0) {
		ssize_t w = write(fd, "\x66\x53\x40\x00garbage", 11);

		(void)w;
		close(fd);
	}
	memset(&g, 0, sizeof(g));
	hs_append_cached(dir, "t1", SNAPFIRE_METRIC_RTT, m0 + 100, &h, c, on_report, &g);
	hs_cache_stats(c, &checked, &fast);
	CHECK(checked == 2 && g.reports == 2 && strstr(g.last, "torn"),
	      "hstore cache: a file grown behind the writer's back is checked whole again, its torn tail cut (%s)",
	      g.last);
	read_all(dir, m0 + 100, m0 + 101, &g);
	CHECK(g.n == 1 && !g.reports, "hstore cache: the minute after it reads back, nothing to report");

	/* the file replaced (same size, another inode): checked again */
	snprintf(path2, sizeof(path2), "%s.new", path);
	snprintf(cmd, sizeof(cmd), "cp %s %s && mv %s %s", path, path2, path2, path);
	bad = system(cmd);
	memset(&g, 0, sizeof(g));
	hs_append_cached(dir, "t1", SNAPFIRE_METRIC_RTT, m0 + 101, &h, c, on_report, &g);
	hs_cache_stats(c, &checked, &fast);
	CHECK(!bad && checked == 3 && !g.reports, "hstore cache: a file replaced is checked whole again");

	/* another metric, another key, the next day: each checked once */
	hs_append_cached(dir, "t1", SNAPFIRE_METRIC_FWD, m0, &h, c, on_report, &g);
	hs_append_cached(dir, "t2", SNAPFIRE_METRIC_RTT, m0, &h, c, on_report, &g);
	hs_append_cached(dir, "t1", SNAPFIRE_METRIC_RTT, (day + 1) * 1440, &h, c, on_report, &g);
	hs_append_cached(dir, "t1", SNAPFIRE_METRIC_FWD, m0 + 1, &h, c, on_report, &g);
	hs_append_cached(dir, "t2", SNAPFIRE_METRIC_RTT, m0 + 1, &h, c, on_report, &g);
	hs_append_cached(dir, "t1", SNAPFIRE_METRIC_RTT, (day + 1) * 1440 + 1, &h, c, on_report, &g);
	hs_cache_stats(c, &checked, &fast);
	CHECK(checked == 6 && fast == 102, "hstore cache: a metric, a key and a day of their own: checked once each (%" PRIu64 ", %" PRIu64 ")",
	      checked, fast);

	/* many keys: the table grows and keeps every entry of the day */
	for (i = 0; i < 300; i++) {
		char key[16];

		snprintf(key, sizeof(key), "k%d", i);
		hs_append_cached(dir, key, SNAPFIRE_METRIC_RTT, (day + 1) * 1440, &h, c, NULL, NULL);
		hs_append_cached(dir, key, SNAPFIRE_METRIC_RTT, (day + 1) * 1440 + 1, &h, c, NULL, NULL);
	}
	hs_cache_stats(c, &checked, &fast);
	CHECK(checked == 306 && fast == 402, "hstore cache: 300 keys more: each checked once (%" PRIu64 ", %" PRIu64 ")",
	      checked, fast);

	hist_free(&h);
	hs_cache_free(c);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		CHECK(0, "hstore cache: clean up %s", dir);
}

/* A day file of version 1 (an agent from before v2): read, and appended to
 * in its own version, with the cache too; a new day starts a v2 file. */
static void test_v1_file(void)
{
	char dir[] = "/tmp/hstore-v1.XXXXXX", path[128], cmd[300];
	const uint64_t day = 20424, m0 = day * 1440 + 600;
	uint8_t hdr[HS_HDR_LEN] = HS_MAGIC, rec[HS_MAX_PAYLOAD + 8], b[8];
	struct hs_cache *c = hs_cache_new();
	struct hist h;
	struct got g;
	FILE *f;
	int i, n, ok = 1;

	if (!c || !mkdtemp(dir)) {
		CHECK(0, "hstore v1 file: set up");
		hs_cache_free(c);
		return;
	}
	unit_mkhist(&h, 1000000, 5);
	snprintf(path, sizeof(path), "%s/t1", dir);
	ok &= !mkdir(path, 0750);
	snprintf(path, sizeof(path), "%s/t1/rtt", dir);
	ok &= !mkdir(path, 0750);
	snprintf(path, sizeof(path), "%s/t1/rtt/20251202.sfh", dir);
	hdr[4] = 1;
	hdr[6] = SNAPFIRE_METRIC_RTT;
	memcpy(hdr + 8, &(uint32_t){ (uint32_t)day }, 4);	/* little-endian host */
	f = fopen(path, "w");
	ok &= f && fwrite(hdr, 1, sizeof(hdr), f) == sizeof(hdr);
	for (i = 0; f && i < 2; i++) {
		n = hs_encode(1, m0 + (uint64_t)i, &h, rec);
		ok &= n > 0 && fwrite(rec, 1, (size_t)n, f) == (size_t)n;
	}
	if (f)
		fclose(f);
	read_all(dir, m0, m0 + 10, &g);
	CHECK(ok && g.n == 2 && !g.reports, "hstore v1 file: read (%d minutes)", g.n);
	hs_append(dir, "t1", SNAPFIRE_METRIC_RTT, m0 + 2, &h, on_report, &g);
	hs_append_cached(dir, "t1", SNAPFIRE_METRIC_RTT, m0 + 3, &h, c, on_report, &g);
	hs_append_cached(dir, "t1", SNAPFIRE_METRIC_RTT, m0 + 4, &h, c, on_report, &g);
	read_all(dir, m0, m0 + 10, &g);
	f = fopen(path, "r");
	n = f ? (int)fread(b, 1, sizeof(b), f) : 0;
	if (f)
		fclose(f);
	CHECK(g.n == 5 && !g.reports && n == 8 && b[4] == 1,
	      "hstore v1 file: appended to in version 1 (with and without the cache), 5 minutes read back");
	hs_append(dir, "t1", SNAPFIRE_METRIC_RTT, (day + 1) * 1440, &h, on_report, &g);
	snprintf(path, sizeof(path), "%s/t1/rtt/20251203.sfh", dir);
	f = fopen(path, "r");
	n = f ? (int)fread(b, 1, sizeof(b), f) : 0;
	if (f)
		fclose(f);
	read_all(dir, m0, (day + 2) * 1440, &g);
	CHECK(n == 8 && b[4] == HS_VERSION && g.n == 6 && !g.reports,
	      "hstore v1 file: the next day's file is version %d, both days read", HS_VERSION);
	hist_free(&h);
	hs_cache_free(c);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		CHECK(0, "hstore v1 file: clean up %s", dir);
}

/*
 * A day file crafted to cost CPU (whoever is the agent's user can plant
 * one; every /api/v1/summary reads it again): after a good record, 4 MB
 * of "fS" -- a record marker at every even offset, each announcing a
 * 21 350-byte payload, so every offset looked like a record to CRC (22 GB
 * of CRC; tens of seconds). The resync tries markers only, within a CRC
 * budget of the file's length and 1 MB: the good record is read, the rest
 * reported as too damaged. A damaged record followed by good ones is
 * still resynchronised (test_files).
 */
static void test_crafted(void)
{
	char dir[] = "/tmp/hstore-crafted.XXXXXX", path[160];
	const uint64_t day = 20424, m0 = day * 1440 + 600;
	const size_t junk = 4 << 20;
	struct timespec t0, t1;
	struct hist h;
	struct got g;
	uint8_t *b;
	size_t i;
	int fd;

	b = malloc(junk);
	if (!b || !mkdtemp(dir)) {
		CHECK(0, "hstore: crafted file: set-up");
		free(b);
		return;
	}
	unit_mkhist(&h, 1000000, 5);
	hs_append(dir, "t1", SNAPFIRE_METRIC_RTT, m0, &h, NULL, NULL);
	hist_free(&h);
	for (i = 0; i < junk; i += 2) {
		b[i] = HS_REC_MARKER & 0xff;
		b[i + 1] = HS_REC_MARKER >> 8;
	}
	snprintf(path, sizeof(path), "%s/t1/rtt/20251202.sfh", dir);
	fd = open(path, O_WRONLY | O_APPEND);
	if (fd < 0 || write(fd, b, junk) != (ssize_t)junk)
		CHECK(0, "hstore: crafted file: write %s", path);
	if (fd >= 0)
		close(fd);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	read_all(dir, m0, m0 + 10, &g);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(g.n == 1 && g.reports == 1 && strstr(g.last, "CRC budget spent"),
	      "hstore: 4 MB of record markers: the good record read, the rest reported in %.3f s (%s)",
	      (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, g.last);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path))
		CHECK(0, "hstore: rm %s", dir);
	free(b);
}

void test_hstore(void)
{
	test_hstore_records();
	test_hstore_many_damaged();
	test_files();
	test_bad_length();
	test_crafted();
	test_cache();
	test_v1_file();
	test_linked_dirs();
}
