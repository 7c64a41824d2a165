// SPDX-License-Identifier: GPL-2.0
/* The history store: minute histograms in day files; see hstore.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "agent.h"
#include "hstore.h"
#include "hstore_int.h"

/* a day file holds at most 1440 records of HS_MAX_PAYLOAD: larger is not ours */
#define HS_MAX_FILE	((off_t)1440 * (HS_MAX_PAYLOAD + 8) + HS_HDR_LEN)
/* bytes a walk may CRC, over the file's length, to resynchronise */
#define HS_RESYNC_BUDGET	((size_t)1 << 20)

bool hs_key_ok(const char *key)
{
	size_t i, n = strlen(key);

	if (!n || n > HS_KEY_MAX || !strcmp(key, ".") || !strcmp(key, ".."))
		return false;
	for (i = 0; i < n; i++) {
		char c = key[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' || c == '-'))
			return false;
	}
	return true;
}

/* ------------------------------------------------------------ records */

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	do {
		p[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			p[n] |= 0x80;
		n++;
	} while (v);
	return n;
}

/* 0 and *v, or -1: runs past @end, or more than 64 bits */
static int get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	unsigned int shift = 0;

	*v = 0;
	while (*p < end && shift < 64) {
		uint8_t b = *(*p)++;

		if (shift == 63 && (b & 0x7e))
			return -1;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return 0;
		shift += 7;
	}
	return -1;
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, (uint16_t)v);
	put_le16(p + 2, (uint16_t)(v >> 16));
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return le16(p) | (uint32_t)le16(p + 2) << 16;
}

static uint64_t zigzag(uint64_t d)	/* a difference mod 2^64, small either way */
{
	return (d << 1) ^ (uint64_t)((int64_t)d >> 63);
}

static uint64_t unzigzag(uint64_t z)
{
	return (z >> 1) ^ (0 - (z & 1));
}

int hs_encode(unsigned int version, uint64_t minute, const struct hist *h, uint8_t *buf)
{
	uint8_t *p = buf + 4;
	uint64_t prev_high = 0, prev_span = 0;
	size_t i, len;

	if (h->nb > HS_MAX_BUCKETS || version < HS_VERSION_MIN || version > HS_VERSION)
		return -1;
	for (i = 1; i < h->nb; i++)	/* rising and apart: what decoding checks */
		if (h->b[i].low <= h->b[i - 1].high)
			return -1;
	if (version == 1) {
		p += put_varint(p, minute);
		p += put_varint(p, h->count);
		p += put_varint(p, h->sum);
		p += put_varint(p, h->min);
		p += put_varint(p, h->max);
		p += put_varint(p, h->nb);
		for (i = 0; i < h->nb; i++) {
			p += put_varint(p, h->b[i].low);
			p += put_varint(p, h->b[i].high - h->b[i].low);
			p += put_varint(p, h->b[i].count);
		}
	} else {
		p += put_varint(p, minute % 1440);
		p += put_varint(p, h->count);
		p += put_varint(p, h->sum);
		p += put_varint(p, h->nb);
		p += put_varint(p, h->nb ? zigzag(h->min - h->b[0].low) : h->min);
		p += put_varint(p, h->nb ? zigzag(h->b[h->nb - 1].high - h->max) : h->max);
		for (i = 0; i < h->nb; i++) {
			uint64_t span = h->b[i].high - h->b[i].low;

			p += put_varint(p, i ? h->b[i].low - prev_high - 1 : h->b[i].low);
			p += put_varint(p, zigzag(span - prev_span));
			p += put_varint(p, h->b[i].count);
			prev_high = h->b[i].high;
			prev_span = span;
		}
	}
	len = (size_t)(p - buf - 4);
	put_le16(buf, HS_REC_MARKER);
	put_le16(buf + 2, (uint16_t)len);
	put_le32(p, (uint32_t)crc32(0, buf, (uInt)(len + 4)));
	return (int)(len + 8);
}

long hs_decode(unsigned int version, uint64_t day, const uint8_t *buf, size_t len,
	       uint64_t *minute, struct hist *h)
{
	const uint8_t *p, *end;
	uint64_t v[6], low, span, count, prev_high = 0, prev_span = 0, nb;
	size_t plen, i;

	if (len < 4)
		return 0;
	plen = le16(buf + 2);
	if (le16(buf) != HS_REC_MARKER || plen > HS_MAX_PAYLOAD)
		return -1;
	if (len < plen + 8)
		return 0;
	if (le32(buf + 4 + plen) != (uint32_t)crc32(0, buf, (uInt)(plen + 4)))
		return -1;
	if (version < HS_VERSION_MIN || version > HS_VERSION)
		return -1;
	p = buf + 4;
	end = p + plen;
	memset(h, 0, sizeof(*h));
	for (i = 0; i < 6; i++)
		if (get_varint(&p, end, &v[i]))
			return -1;
	nb = version == 1 ? v[5] : v[3];
	if (nb > HS_MAX_BUCKETS || (version > 1 && (v[0] >= 1440 || day > UINT64_MAX / 1440)))
		return -1;
	h->present = 1;
	h->count = v[1];
	h->sum = v[2];
	if (version == 1) {
		*minute = v[0];
		h->min = v[3];
		h->max = v[4];
	} else {
		*minute = day * 1440 + v[0];
		h->min = v[4];	/* as offsets from the buckets' ends, when any */
		h->max = v[5];
	}
	for (i = 0; i < nb; i++) {
		if (get_varint(&p, end, &low) || get_varint(&p, end, &span) ||
		    get_varint(&p, end, &count))
			goto bad;
		if (version > 1) {
			if (i && (prev_high == UINT64_MAX || low > UINT64_MAX - prev_high - 1))
				goto bad;
			if (i)
				low += prev_high + 1;
			span = prev_span + unzigzag(span);
		}
		if (low + span < low || (i && low <= prev_high) ||
		    hist_add_bucket(h, low, low + span, count))
			goto bad;
		prev_high = low + span;
		prev_span = span;
	}
	if (p != end)
		goto bad;
	if (version > 1 && nb) {
		h->min = h->b[0].low + unzigzag(h->min);
		h->max = h->b[nb - 1].high - unzigzag(h->max);
	}
	return (long)(plen + 8);
bad:
	hist_free(h);
	return -1;
}

/* -------------------------------------------------------------- files */

/* The file's version when its header is ours for @metric and @day, else 0. */
static unsigned int header_version(const uint8_t *b, size_t len, unsigned int metric,
				   uint64_t day)
{
	if (len < HS_HDR_LEN || memcmp(b, HS_MAGIC, 4) || le16(b + 4) < HS_VERSION_MIN ||
	    le16(b + 4) > HS_VERSION || le16(b + 6) != metric || le32(b + 8) != day)
		return 0;
	return le16(b + 4);
}

/*
 * The whole file @name in directory @dfd into *buf (NULL, 0 when it does
 * not exist). -errno; -EFBIG: not a regular file (never waited on or
 * followed), or too large.
 */
static int slurp(int dfd, const char *name, uint8_t **buf, size_t *len)
{
	struct stat st;
	ssize_t r;
	int fd;

	*buf = NULL;
	*len = 0;
	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > HS_MAX_FILE) {
		close(fd);
		return -EFBIG;
	}
	*buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!*buf) {
		close(fd);
		return -ENOMEM;
	}
	r = pread(fd, *buf, (size_t)st.st_size, 0);
	close(fd);
	if (r < 0) {
		free(*buf);
		*buf = NULL;
		return -EIO;
	}
	*len = (size_t)r;
	return 0;
}

/*
 * Walks a day file's records: @fn for each good one in [from, to); the
 * rest reported. Returns the end of the last good record (the offset a
 * writer may append at), or -1 when the header is not ours.
 */
/*
 * The damaged regions of one file reported one by one, at most: a file of
 * alternating good records and junk (the cap allows 44 MB of them, and the
 * store is the agent's user's to write) made some two million reports,
 * which `snapfire history`, run by root, spent minutes on.
 */
#define HS_WALK_REPORTS	8

static void walk_report(const char *path, const char *what, hs_report_fn report,
			void *rarg, unsigned int *n)
{
	if (report && (*n)++ < HS_WALK_REPORTS)
		report(path, what, rarg);
}

static long walk(const char *path, const uint8_t *b, size_t len, unsigned int metric,
		 uint64_t day, uint64_t from, uint64_t to, hs_record_fn fn, void *arg,
		 hs_report_fn report, void *rarg, int *stop)
{
	static const uint8_t marker[2] = { HS_REC_MARKER & 0xff, HS_REC_MARKER >> 8 };
	size_t o = HS_HDR_LEN, good_end = HS_HDR_LEN, budget = len + HS_RESYNC_BUDGET;
	unsigned int version = header_version(b, len, metric, day), nrep = 0;
	char what[160];

	if (!version) {
		if (report)
			report(path, "not a history file of this metric and day (bad header): skipped", rarg);
		return -1;
	}
	while (o < len && !*stop) {
		struct hist h;
		uint64_t minute;
		long r = hs_decode(version, day, b + o, len - o, &minute, &h);
		bool found = false;
		size_t skip;

		if (r > 0) {
			h.metric = metric;
			if (minute >= from && minute < to && fn)
				*stop = fn(minute, &h, arg);
			hist_free(&h);
			o += (size_t)r;
			good_end = o;
			continue;
		}
		/*
		 * Not a record (r < 0), or one that runs past the end (r == 0):
		 * a torn tail, an append cut short, unless a good record
		 * follows, when its length was damaged instead. Either way on
		 * to the next good one; none: the tail is torn. Without that
		 * look, one flipped bit in a length made the rest of the day a
		 * "tail", which the next append cut off.
		 *
		 * The next good one: trying the markers
		 * only, with a budget for the CRCs tried on the way: a file of
		 * markers would cost a CRC of up to HS_MAX_PAYLOAD bytes at
		 * every offset (seconds a megabyte). The budget is the file's
		 * length and a megabyte; a real tear or bit flip costs a record
		 * or two of it.
		 */
		for (skip = 1; o + skip < len; skip++) {
			const uint8_t *m = memmem(b + o + skip, len - o - skip, marker, 2);
			size_t rem, plen, cost = 0;

			if (!m) {
				skip = len - o;
				break;
			}
			skip = (size_t)(m - b) - o;
			rem = len - o - skip;
			plen = rem >= 4 ? le16(m + 2) : SIZE_MAX;
			if (plen <= HS_MAX_PAYLOAD && rem >= plen + 8)
				cost = plen + 4;
			if (cost > budget) {
				snprintf(what, sizeof(what),
					 "%zu bytes at %zu: too damaged to find the next record (CRC budget spent): skipped",
					 len - o, o);
				walk_report(path, what, report, rarg, &nrep);
				goto out;
			}
			budget -= cost;
			if (hs_decode(version, day, m, rem, &minute, &h) > 0) {
				hist_free(&h);
				found = true;
				break;
			}
		}
		if (r == 0 && !found) {
			snprintf(what, sizeof(what), "%zu bytes at %zu: a truncated record: skipped",
				 len - o, o);
			walk_report(path, what, report, rarg, &nrep);
			break;
		}
		snprintf(what, sizeof(what), "%zu bytes at %zu: not a good record (length or CRC): skipped",
			 skip, o);
		walk_report(path, what, report, rarg, &nrep);
		o += skip;
	}
out:
	if (report && nrep > HS_WALK_REPORTS) {
		snprintf(what, sizeof(what), "%u more damaged regions: skipped",
			 nrep - HS_WALK_REPORTS);
		report(path, what, rarg);
	}
	return (long)good_end;
}

int hs_append(const char *dir, const char *key, unsigned int metric,
	      uint64_t minute, const struct hist *h, hs_report_fn report,
	      void *arg)
{
	return hs_append_cached(dir, key, metric, minute, h, NULL, report, arg);
}

int hs_append_cached(const char *dir, const char *key, unsigned int metric,
		     uint64_t minute, const struct hist *h, struct hs_cache *c,
		     hs_report_fn report, void *arg)
{
	uint64_t day = minute / 1440;
	uint8_t hdr[HS_HDR_LEN] = HS_MAGIC, *rec = NULL, *b = NULL;
	char path[PATH_MAX], name[HS_DAY_NAME], aside[HS_DAY_NAME + 32];
	unsigned int version = HS_VERSION;	/* a new file's */
	struct hs_tail *t = NULL;
	struct stat st;
	size_t len;
	long end = HS_HDR_LEN;
	int stop = 0, fd = -1, dfd, r, n;

	if (!hs_key_ok(key) || !hs_metric_ok(metric))
		return -EINVAL;
	r = hs_day_path(path, sizeof(path), dir, key, metric, day);
	if (r)
		return r;
	hs_day_name(name, day);
	dfd = hs_dir_open(dir, key, metric, true);
	if (dfd < 0)
		return dfd;
	rec = malloc(HS_MAX_PAYLOAD + 8);
	if (!rec) {
		close(dfd);
		return -ENOMEM;
	}
	if (c) {
		t = hs_tail_get(c, key, metric, day);
		if (t && t->day == day) {
			/* records in the file's own version (an older file of today) */
			n = hs_encode(t->version, minute, h, rec);
			r = n < 0 ? -E2BIG : hs_append_fast(dfd, name, t, rec, n);
			if (r <= 0) {
				if (!r)
					t->end += n;
				else
					t->day = UINT64_MAX;
				c->fast++;
				free(rec);
				close(dfd);
				return r;
			}
		}
		if (t)
			t->day = UINT64_MAX;	/* until this append succeeds */
		c->checked++;
	}
	r = slurp(dfd, name, &b, &len);
	if (r && r != -EFBIG)
		goto out;
	if (r == -EFBIG || (b && len)) {
		/* too big to be ours, or a file to check and append to */
		end = r ? -1 : walk(path, b, len, metric, day, 0, 0, NULL, NULL, report, arg, &stop);
		if (end < 0) {
			snprintf(aside, sizeof(aside), "%s.corrupt-%ld", name, (long)time(NULL));
			if (renameat(dfd, name, dfd, aside)) {
				r = -errno;
				goto out;
			}
			if (report)
				report(path, "set aside as .corrupt-TIME; a new file started", arg);
			end = HS_HDR_LEN;
			len = 0;
		} else {
			version = header_version(b, len, metric, day);
			if ((size_t)end < len && report)
				report(path, "the torn or corrupt tail is cut off before appending", arg);
		}
	}
	n = hs_encode(version, minute, h, rec);
	if (n < 0) {
		r = -E2BIG;
		goto out;
	}
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0640);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	if (!len) {
		put_le16(hdr + 4, HS_VERSION);
		put_le16(hdr + 6, (uint16_t)metric);
		put_le32(hdr + 8, (uint32_t)day);
		if (pwrite(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr)) {
			r = -EIO;
			goto out;
		}
	}
	if (ftruncate(fd, end)) {
		r = -errno;
		goto out;
	}
	/* one write: a kill -9 leaves the record whole or not at all */
	if (pwrite(fd, rec, (size_t)n, end) != n || fdatasync(fd)) {
		r = -EIO;
		if (ftruncate(fd, end))
			r = -EIO;
		goto out;
	}
	r = 0;
	if (t && !fstat(fd, &st)) {
		t->version = version;
		t->day = day;
		t->dev = st.st_dev;
		t->ino = st.st_ino;
		t->end = end + n;
	}
out:
	if (fd >= 0)
		close(fd);
	close(dfd);
	free(rec);
	free(b);
	return r;
}

int hs_read(const char *dir, const char *key, unsigned int metric,
	    uint64_t from, uint64_t to, hs_record_fn fn, hs_report_fn report,
	    void *arg)
{
	char path[PATH_MAX], name[HS_DAY_NAME];
	uint64_t day;
	int stop = 0, dfd, r;

	if (!hs_key_ok(key) || !hs_metric_ok(metric))
		return -EINVAL;
	if (from >= to)
		return 0;
	dfd = hs_dir_open(dir, key, metric, false);
	if (dfd == -ENOENT)
		return 0;	/* nothing stored */
	if (dfd < 0) {
		if (report) {
			snprintf(path, sizeof(path), "%s/%s/%s", dir, key, hs_metric_dir(metric));
			report(path, dfd == -ENOTDIR ?
			       "a link or not a directory (the store's directories are never followed): skipped" :
			       strerror(-dfd), arg);
		}
		return 0;
	}
	for (day = from / 1440; day <= (to - 1) / 1440 && !stop; day++) {
		uint8_t *b;
		size_t len;

		r = hs_day_path(path, sizeof(path), dir, key, metric, day);
		if (r) {
			stop = r;
			break;
		}
		hs_day_name(name, day);
		r = slurp(dfd, name, &b, &len);
		if (r) {
			if (report)
				report(path, r == -EFBIG ? "not a regular file, or too large to be a history file: skipped" :
				       strerror(-r), arg);
			continue;
		}
		if (b)
			walk(path, b, len, metric, day, from, to, fn, arg, report, arg, &stop);
		free(b);
	}
	close(dfd);
	return stop;
}
