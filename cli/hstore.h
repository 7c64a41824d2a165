/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The history store: per target and metric, one histogram a minute (the
 * delta since the minute before), in one file per UTC day:
 *
 *	DIR/TARGET/METRIC/YYYYMMDD.sfh
 *
 * Nothing below DIR is followed (hstore_dir.c): TARGET and METRIC are
 * opened a directory at a time, and a day file with O_NOFOLLOW.
 *
 * METRIC is a metric_name() (ids below METRIC_COUNT), or one of the agent's
 * counters (agent.h: ids AGENT_COUNTER_METRIC(c), from 64 on, directory
 * agent_counter_names[c]: "sent", "received", ...), stored as a record
 * with count = the minute's value and no buckets.
 *
 * A file is a 16-byte header, then records appended one write() each:
 *
 *	header	"SFHS", u16 version (2; 1 is still read and appended to),
 *		u16 metric, u32 day (since the epoch), u32 0; little-endian
 *	record	u16 marker 0x5366 ("fS"), u16 payload length, payload,
 *		u32 CRC-32 (zlib's) of marker, length and payload
 *	payload	varints (LEB128); buckets in rising order, apart
 *	  v2	minute of the day (0..1439), count, sum, number of buckets N,
 *		then min and max as zigzag differences from the first
 *		bucket's low and the last one's high (plain when N is 0),
 *		then per bucket: the gap from the bucket before (low - the
 *		previous high - 1; the first bucket: its low), the zigzag
 *		difference of its width (high - low) from the previous
 *		bucket's, count. Adjacent buckets of one width, as the
 *		module's log-linear ones mostly are, cost 3 bytes.
 *	  v1	minute (since the epoch), count, sum, min, max, N, then per
 *		bucket low, high - low, count
 *
 * A kill -9 loses at most the minute being written: each minute is one
 * write() of one record, fdatasync'ed. What a crash or a disk leaves
 * behind is found, reported and skipped, never trusted: a header that is
 * not ours skips the file; a record whose length or CRC is wrong is
 * skipped and the reader looks for the next good marker; the writer cuts
 * a torn tail off before it appends. Readers never crash on any content
 * (cli/tests/unit_hstore.c truncates and flips bytes everywhere).
 */
#ifndef SNAPFIRE_HSTORE_H
#define SNAPFIRE_HSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hist.h"

#define HS_MAGIC		"SFHS"
#define HS_VERSION		2	/* written to new files */
#define HS_VERSION_MIN		1	/* the oldest still read */
#define HS_HDR_LEN		16
#define HS_REC_MARKER		0x5366
#define HS_MAX_BUCKETS		1024
/* the largest payload: 6 + 3 x HS_MAX_BUCKETS varints of <= 10 bytes */
#define HS_MAX_PAYLOAD		((6 + 3 * HS_MAX_BUCKETS) * 10)
#define HS_KEY_MAX		64

/* A problem found while reading or appending: the file and what was
 * wrong ("bad header: skipped", "record at 1234: CRC mismatch: skipped"). */
typedef void (*hs_report_fn)(const char *path, const char *what, void *arg);

/* TARGET keys: 1..64 of [A-Za-z0-9._:-], not "." or ".." */
bool hs_key_ok(const char *key);

/*
 * Appends @h (its buckets, count, sum, min, max) as minute @minute (since
 * the epoch) of @key's @metric under @dir (created as needed, 0750).
 * A torn or corrupt tail of the day's file is cut off first (reported);
 * a day file whose header is not ours is renamed to NAME.corrupt-TIME
 * (reported) and a new one started. 0, or -errno.
 */
int hs_append(const char *dir, const char *key, unsigned int metric,
	      uint64_t minute, const struct hist *h, hs_report_fn report,
	      void *arg);

/*
 * A writer's memory of where it left each day file, so that appending
 * stays cheap as a day fills up: hs_append checks a file whole (every
 * record's CRC) before it appends, which costs what the file holds
 * (1440 minutes: about 1.5 ms a file at the day's end, times 13 files a
 * target). With a cache, a file is checked whole the first time, and
 * after that only that it is the same file (device, inode) with the size
 * this writer left it at; anything else (another writer, a truncation, a
 * new day) is checked whole again. One writer thread per cache.
 */
struct hs_cache;
struct hs_cache *hs_cache_new(void);
void hs_cache_free(struct hs_cache *c);
/* appends that checked the file whole, and those that did not (tests) */
void hs_cache_stats(const struct hs_cache *c, uint64_t *checked, uint64_t *fast);
/* hs_append, remembering in @c (NULL: as hs_append) */
int hs_append_cached(const char *dir, const char *key, unsigned int metric,
		     uint64_t minute, const struct hist *h, struct hs_cache *c,
		     hs_report_fn report, void *arg);

/*
 * Calls @fn for each good record of @key's @metric with @from <= minute <
 * @to, in order of days and, within a day, of writing; @h is valid for the
 * call only. @fn returning non-zero stops the walk (returned). Problems go
 * to @report. 0 when all was read (problems skipped), else -errno or
 * @fn's value.
 */
typedef int (*hs_record_fn)(uint64_t minute, const struct hist *h, void *arg);
int hs_read(const char *dir, const char *key, unsigned int metric,
	    uint64_t from, uint64_t to, hs_record_fn fn, hs_report_fn report,
	    void *arg);

/* Deletes @key's day files (every metric) older than @keep_days before
 * @now_minute's day. The number deleted, or -errno. */
int hs_prune(const char *dir, const char *key, unsigned int keep_days,
	     uint64_t now_minute);

/* The pure parts, for the tests: one record's encoding and decoding, in
 * file format @version. encode: bytes written to @buf (>= HS_MAX_PAYLOAD
 * + 8), or -1 when @h has more than HS_MAX_BUCKETS buckets or buckets not
 * rising and apart. decode (@day: the file's, which v2 minutes count
 * from): the record's length when @buf starts with a good one (@h
 * filled, free it with hist_free), 0 when @len is too short to tell, -1
 * when it is not a good record. */
int hs_encode(unsigned int version, uint64_t minute, const struct hist *h, uint8_t *buf);
long hs_decode(unsigned int version, uint64_t day, const uint8_t *buf, size_t len,
	       uint64_t *minute, struct hist *h);

#endif
