// SPDX-License-Identifier: GPL-2.0
/*
 * Prometheus text exposition of the module's flows (`snapfire export
 * --prometheus`), written while the flow dump runs.
 *
 * The format wants every sample of a metric family in one group, but a
 * dump delivers a flow at a time, each with a sample in every family. The
 * first flow family goes straight to the output; every other family is
 * spooled to an unlinked temporary file (in $TMPDIR, else /tmp) and copied
 * out after the dump. The process holds one flow at a time: its memory
 * stays the same at 100 flows or 1 M (holding them all took 2.3 GB at
 * 1 M), and the spools take what the output takes on disk. Only the
 * CLI's main thread writes them and the output: stdio's unlocked calls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "common.h"
#include "flow.h"

static const char *const metric_help[] = {
	"STAMP network round trip (T4 - T1) - (T3 - T2), driver to driver.",
	"STAMP one-way forward delay T2 - T1 (synchronised clocks only).",
	"STAMP one-way reverse delay T4 - T3 (synchronised clocks only).",
	"STAMP reflector turnaround T3 - T2.",
	"This host's egress stage, netfilter LOCAL_OUT to driver hand-off.",
	"This host's ingress stage, driver receive to netfilter LOCAL_IN.",
	"Absolute IP packet delay variation between consecutive packets.",
	"The reflector's egress stage after T3, from its Follow-Up Telemetry.",
};
_Static_assert(sizeof(metric_help) / sizeof(metric_help[0]) == METRIC_COUNT,
	       "a metric added to the spec needs its help text here");

/* Append @s to @out (room for @n bytes), escaped as a label value
 * (flow.h; the agent's /metrics uses it too). */
size_t prom_escape(char *out, size_t n, size_t len, const char *s)
{
	for (; *s && len + 3 < n; s++) {
		if (*s == '\\' || *s == '"') {
			out[len++] = '\\';
			out[len++] = *s;
		} else if (*s == '\n') {
			out[len++] = '\\';
			out[len++] = 'n';
		} else {
			out[len++] = *s;
		}
	}
	out[len] = '\0';
	return len;
}

/*
 * A flow's label set, without the braces. Formatted once per flow: a
 * flow's labels are on every line of it, some 30 lines per flow.
 */
static void labels(char *buf, size_t n, const struct flow *fl)
{
	char l[64], r[64];
	size_t len;

	endpoint_str(l, sizeof(l), fl->family, fl->local_addr, fl->local_port);
	endpoint_str(r, sizeof(r), fl->family, fl->remote_addr, fl->remote_port);
	len = snprintf(buf, n, "flow_id=\"%" PRIu64 "\",role=\"%s\",local=\"",
		       fl->id, role_name(fl->role));
	len = prom_escape(buf, n, len, l);
	len += snprintf(buf + len, n - len, "\",remote=\"");
	len = prom_escape(buf, n, len, r);
	snprintf(buf + len, n - len, "\",ssid=\"%u\"", fl->ssid);
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

struct flow_field {
	const char *name, *type, *help;
	size_t off;
	int width;	/* 8, 4, 1 */
	bool ns;	/* value in ns, exported in seconds */
};

#define FF(n, t, h, m, ns) { n, t, h, offsetof(struct flow, m), sizeof(((struct flow *)0)->m), ns }
static const struct flow_field flow_fields[] = {
	FF("snapfire_flow_tx_total", "counter", "Probes sent (sender) or replies sent by the kernel (reflector).", tx, false),
	FF("snapfire_flow_rx_total", "counter", "Packets received by the flow.", rx, false),
	FF("snapfire_flow_lost_total", "counter", "Sequence numbers never received.", lost, false),
	FF("snapfire_flow_reordered_total", "counter", "Packets that arrived after a higher sequence number.", reordered, false),
	FF("snapfire_flow_duplicates_total", "counter", "Packets whose sequence number was already received.", duplicates, false),
	FF("snapfire_flow_rev_lost_total", "counter", "Sender: gaps in the reflector's own numbering: the reverse path's losses alone when the reflector is stateful, all losses when it is not.", rev_lost, false),
	FF("snapfire_flow_peer_stateful", "gauge", "Sender: the reflector numbers its replies itself (known stateful): rev_lost is the reverse path's alone.", peer_stateful, false),
	FF("snapfire_flow_restarts_total", "counter", "Sequence restarts detected.", restarts, false),
	FF("snapfire_flow_jitter_seconds", "gauge", "RFC 3550 smoothed interarrival jitter.", jitter, true),
	FF("snapfire_flow_synced", "gauge", "Both clocks said they were synchronised in the last packet.", synced, false),
	FF("snapfire_flow_peer_ttl", "gauge", "TTL or hop limit of the last packet from the peer.", peer_ttl, false),
	FF("snapfire_flow_memory_bytes", "gauge", "Bytes the flow uses, histograms included.", mem, false),
	FF("snapfire_flow_last_seen_timestamp_seconds", "gauge", "Time of the last packet of the flow.", last_seen, true),
};

static uint64_t field_get(const struct flow *fl, const struct flow_field *ff)
{
	const char *p = (const char *)fl + ff->off;

	switch (ff->width) {
	case 1: return *(const uint8_t *)p;
	case 2: return *(const uint16_t *)p;
	case 4: return *(const uint32_t *)p;
	default: return *(const uint64_t *)p;
	}
}

/* The flow families, in output order: a histogram per metric, then the fields. */
#define NFAM (METRIC_COUNT + ARRAY_SIZE(flow_fields))

struct prom_stream {
	FILE *spool[NFAM];	/* [0] is the output itself */
	const char *tmpdir;
};

static void fam_head(FILE *f, unsigned int fam)
{
	char name[96];

	if (fam < METRIC_COUNT) {
		snprintf(name, sizeof(name), "snapfire_%s_seconds", metric_name(fam));
		family(f, name, "histogram", metric_help[fam]);
	} else {
		const struct flow_field *ff = &flow_fields[fam - METRIC_COUNT];

		family(f, ff->name, ff->type, ff->help);
	}
}

/*
 * Sample lines are built in a struct line: "NAME{LABELS" once per flow and
 * family (the prefix), then per line the rest, ",le=\"LE\"} VALUE\n" or
 * "} VALUE\n", written at once. An export of a million flows writes some
 * 18 million lines; printf, then a strlen and a copy per part of every
 * line, were most of its time.
 */
struct line {
	size_t pre;		/* length of the prefix */
	size_t n;
	char b[1024];
};

/* the prefix "NAME SUFFIX{LABELS"; false if it does not fit (not ours) */
static bool line_prefix(struct line *l, const char *name, const char *suffix,
			const char *lab, size_t nlab)
{
	size_t a = strlen(name), b = strlen(suffix);

	if (a + b + 1 + nlab + 128 > sizeof(l->b))
		return false;
	memcpy(l->b, name, a);
	memcpy(l->b + a, suffix, b);
	l->b[a + b] = '{';
	memcpy(l->b + a + b + 1, lab, nlab);
	l->pre = a + b + 1 + nlab;
	return true;
}

static inline void line_put(struct line *l, const char *s, size_t n)
{
	memcpy(l->b + l->n, s, n);
	l->n += n;
}

/* one line: the prefix, le="@le" if there is one, and @v as a number of
 * seconds (@secs) or as an integer */
static void line_out(FILE *f, struct line *l, const char *le, uint64_t v, bool secs)
{
	char t[48];

	l->n = l->pre;
	if (le) {
		line_put(l, ",le=\"", 5);
		line_put(l, le, strlen(le));
		line_put(l, "\"} ", 3);
	} else {
		line_put(l, "} ", 2);
	}
	if (secs) {
		fmt_seconds(t, sizeof(t), v);
		line_put(l, t, strlen(t));
	} else {
		l->n += fmt_u64(l->b + l->n, v);
	}
	l->b[l->n++] = '\n';
	fwrite_unlocked(l->b, 1, l->n, f);
}

/* One flow's samples of family @fam, its label set @lab (@nlab bytes). */
static void fam_flow(FILE *f, unsigned int fam, const struct flow *fl, const char *lab,
		     size_t nlab)
{
	const struct flow_field *ff;
	char name[96], le[48];
	const struct hist *h;
	uint64_t cum = 0, total;
	struct line l;
	size_t k;

	if (fam >= METRIC_COUNT) {
		ff = &flow_fields[fam - METRIC_COUNT];
		if (line_prefix(&l, ff->name, "", lab, nlab))
			line_out(f, &l, NULL, field_get(fl, ff), ff->ns);
		return;
	}
	h = flow_hist(fl, fam);
	if (!h)
		return;
	snprintf(name, sizeof(name), "snapfire_%s_seconds", metric_name(fam));
	total = hist_bucket_total(h);
	if (!line_prefix(&l, name, "_bucket", lab, nlab))
		return;
	for (k = 0; k < h->nb; k++) {
		cum += h->b[k].count;
		/* Buckets are inclusive of high: le is exact. */
		if (k + 1 < h->nb && h->b[k + 1].high == h->b[k].high)
			continue;
		line_out(f, &l, fmt_seconds(le, sizeof(le), h->b[k].high), cum, false);
	}
	line_out(f, &l, "+Inf", total, false);
	if (line_prefix(&l, name, "_sum", lab, nlab))
		line_out(f, &l, NULL, h->sum, true);
	if (line_prefix(&l, name, "_count", lab, nlab))
		line_out(f, &l, NULL, total, false);
}

/* An unlinked file in @dir, read and written; NULL with errno set. */
static FILE *spool_open(const char *dir)
{
	char path[4096];
	FILE *f;
	int fd;

	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {	/* a file system without O_TMPFILE */
		if (snprintf(path, sizeof(path), "%s/snapfire-export-XXXXXX", dir) >=
		    (int)sizeof(path)) {
			errno = ENAMETOOLONG;
			return NULL;
		}
		fd = mkostemp(path, O_CLOEXEC);
		if (fd < 0)
			return NULL;
		unlink(path);
	}
	f = fdopen(fd, "w+");
	/* 64 KiB writes, not the file system's 4 KiB: gigabytes go through */
	if (f)
		setvbuf(f, NULL, _IOFBF, 1 << 16);
	if (!f) {
		int e = errno;

		close(fd);
		errno = e;
	}
	return f;
}

static void spools_close(struct prom_stream *ps)
{
	unsigned int i;

	for (i = 1; i < NFAM; i++)
		if (ps->spool[i])
			fclose(ps->spool[i]);
	free(ps);
}

struct prom_stream *prom_stream_begin(FILE *out, const struct status_view *st)
{
	struct prom_stream *ps = calloc(1, sizeof(*ps));
	char name[96];
	unsigned int i;
	int c, e;

	if (!ps)
		return NULL;
	ps->tmpdir = getenv("TMPDIR");
	if (!ps->tmpdir || !*ps->tmpdir)
		ps->tmpdir = "/tmp";
	ps->spool[0] = out;
	for (i = 1; i < NFAM; i++) {
		ps->spool[i] = spool_open(ps->tmpdir);
		if (!ps->spool[i]) {
			e = errno;
			errmsg("export: cannot create a temporary file in %s (%s): set TMPDIR to a writable directory",
			       ps->tmpdir, strerror(e));
			spools_close(ps);
			errno = e;
			return NULL;
		}
	}
	if (st) {
		for (c = 0; c < NCOUNTERS; c++) {
			char *p;

			snprintf(name, sizeof(name), "snapfire_%s_total", counter_names[c]);
			for (p = name; *p; p++)
				if (*p == '-')
					*p = '_';
			family(out, name, "counter", counter_help[c]);
			fprintf(out, "%s %" PRIu64 "\n", name, st->counters[c]);
		}
		family(out, "snapfire_flows", "gauge", "Flows in this network namespace.");
		fprintf(out, "snapfire_flows %u\n", st->flows);
		family(out, "snapfire_memory_bytes", "gauge",
		       "Bytes of flow and histogram memory in use in this network namespace.");
		fprintf(out, "snapfire_memory_bytes %" PRIu64 "\n", st->mem);
	}
	fam_head(out, 0);
	return ps;
}

void prom_stream_flow(struct prom_stream *ps, const struct flow *fl)
{
	char lab[384];
	unsigned int i;
	size_t nlab;

	/* formatted once: a flow's labels are on every line of it */
	labels(lab, sizeof(lab), fl);
	nlab = strlen(lab);
	for (i = 0; i < NFAM; i++)
		fam_flow(ps->spool[i], i, fl, lab, nlab);
}

/* a spool onto an output without a file descriptor (a memstream) */
static int spool_copy_stdio(FILE *sp, FILE *out)
{
	char buf[65536];
	size_t n;

	if (fseeko(sp, 0, SEEK_SET))
		return -errno;
	while ((n = fread(buf, 1, sizeof(buf), sp)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			return -EIO;
	return ferror(sp) ? -EIO : 0;
}

/*
 * A spool's @size bytes onto @out, which is flushed: sendfile(), so the
 * kernel moves the pages (a 1 M-flow export spools 2 GB, which read() and
 * write() would copy twice more); pread and write where it cannot (an
 * O_APPEND output, an old kernel). 0 or -errno.
 */
static int spool_copy(FILE *sp, FILE *out, off_t size)
{
	int in = fileno(sp), o = fileno(out);
	off_t off = 0;
	char buf[65536];
	ssize_t n, w;

	if (o < 0)
		return spool_copy_stdio(sp, out);
	while (off < size) {
		n = sendfile(o, in, &off, (size_t)(size - off));
		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EINVAL && errno != ENOSYS)
			return -errno;
		break;		/* no sendfile here: copy from off */
	}
	while (off < size) {
		n = pread(in, buf, sizeof(buf), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		off += n;
		for (w = 0; w < n;) {
			ssize_t k = write(o, buf + w, (size_t)(n - w));

			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				return k < 0 ? -errno : -EIO;
			w += k;
		}
	}
	return 0;
}

int prom_stream_end(struct prom_stream *ps)
{
	FILE *out = ps->spool[0];
	unsigned int i;
	off_t size;
	int rc = 0;

	for (i = 1; i < NFAM && !rc; i++) {
		FILE *sp = ps->spool[i];

		errno = 0;
		if (fflush(sp) || ferror(sp) || (size = ftello(sp)) < 0) {
			rc = -(errno ? errno : EIO);
			errmsg("export: writing a temporary file in %s: %s (is the file system full? TMPDIR sets the directory)",
			       ps->tmpdir, strerror(-rc));
			break;
		}
		fam_head(out, i);
		if (fflush(out) || ferror(out)) {
			rc = -(errno ? errno : EIO);
			break;
		}
		rc = spool_copy(sp, out, size);
	}
	spools_close(ps);
	return rc;
}

void prom_stream_abort(struct prom_stream *ps)
{
	spools_close(ps);
}

int prom_write(FILE *f, const struct status_view *st, const struct flowset *s)
{
	struct prom_stream *ps = prom_stream_begin(f, st);
	size_t i;

	if (!ps)
		return -errno;
	for (i = 0; i < s->n; i++)
		prom_stream_flow(ps, &s->v[i]);
	return prom_stream_end(ps);
}
