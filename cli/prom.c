// SPDX-License-Identifier: GPL-2.0
/*
 * Prometheus text exposition of the module's flows (`snapfire export
 * --prometheus`), written while the flow dump runs.
 *
 * The format wants every sample of a metric family in one group, but a
 * dump delivers a flow at a time, each with a sample in every family. The
 * first flow family goes straight to the output; every other family is
 * spooled to an unlinked temporary file (in $TMPDIR, else /tmp; spool.c)
 * and copied out after the dump. The process holds one flow at a time:
 * its memory stays the same at 100 flows or 1 M (holding them all took
 * 2.3 GB at 1 M), and the spools take what the output takes on disk. Only
 * the CLI's main thread writes: the spools with write(2), a buffer each;
 * the output through stdio (unlocked calls), a line formatted in place
 * in a buffer of its own first.
 *
 * Every series names its flow by all five labels, a flow's 18 lines or so
 * some 2 KB: what makes the export about ten times the dump's bytes at a
 * million flows. PROM_INFO_LABELS (`--info-labels`) labels the series by
 * flow_id alone and gives each flow one snapfire_flow_info series with the
 * five, Prometheus's info-metric idiom (a join puts them back): about
 * half the bytes, for exports too big to repeat them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "common.h"
#include "flow.h"
#include "spool.h"

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
 * A flow's label set, without the braces, after @ns (the netns label, or
 * ""). Formatted once per flow: a flow's labels are on every line of it,
 * some 18 lines per flow.
 */
static void labels(char *buf, size_t n, const char *ns, const struct flow *fl)
{
	char l[64], r[64];
	size_t len;

	endpoint_str(l, sizeof(l), fl->family, fl->local_addr, fl->local_port);
	endpoint_str(r, sizeof(r), fl->family, fl->remote_addr, fl->remote_port);
	len = snprintf(buf, n, "%s%sflow_id=\"%" PRIu64 "\",role=\"%s\",local=\"",
		       ns, *ns ? "," : "", fl->id, role_name(fl->role));
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

/*
 * The flow families, in output order: a histogram per metric, the fields,
 * and with PROM_INFO_LABELS snapfire_flow_info (FAM_INFO).
 */
#define FAM_INFO (METRIC_COUNT + ARRAY_SIZE(flow_fields))
#define NFAM (FAM_INFO + 1)

/*
 * Where a family's lines go: the output (family 0), or a spool (spool.h)
 * each. A line is formatted in place in the destination's buffer, which
 * goes out whole: an export of a million flows writes some 18 million
 * lines (2 GB), and stdio cost a copy and a call for each on top.
 */
#define PRE_MAX 96	/* "NAME_SUFFIX{" */
#define NS_MAX 640	/* netns="NAME" (a name up to 255 bytes, escaped) */
#define LAB_MAX (NS_MAX + 384)	/* a flow's label set */
#define PROM_LINE_MAX (PRE_MAX + LAB_MAX + 128)	/* ",le=\"LE\"} VALUE\n" in 128 */
_Static_assert(PROM_LINE_MAX <= SPOOL_BUF, "a line fits a buffer");

/* A family's line prefixes: [0] its samples (a field's; a histogram's
 * _bucket), [1] _sum, [2] _count. */
struct fam_pre {
	size_t n[3];
	char s[3][PRE_MAX];
};

struct prom_stream {
	FILE *out;
	unsigned int nfam;	/* the families written: NFAM, or FAM_INFO without it */
	struct spools *spools;	/* family i > 0 in spool i - 1 */
	const char *tmpdir;
	int out_err;		/* the output's first failed write (an errno), 0 */
	int spool_err;		/* a spool's first failed write (an errno), 0 */
	struct fam_pre pre[NFAM];
	char ns[NS_MAX];	/* netns="NAME", with -n NETNS; "" without */
	size_t on;		/* bytes in ob, family 0's lines */
	char ob[SPOOL_BUF];
};

static void fam_name(char *buf, size_t n, unsigned int fam)
{
	if (fam < METRIC_COUNT)
		snprintf(buf, n, "snapfire_%s_seconds", metric_name(fam));
	else if (fam == FAM_INFO)
		snprintf(buf, n, "snapfire_flow_info");
	else
		snprintf(buf, n, "%s", flow_fields[fam - METRIC_COUNT].name);
}

static void fam_head(FILE *f, unsigned int fam)
{
	char name[PRE_MAX];

	fam_name(name, sizeof(name), fam);
	if (fam < METRIC_COUNT) {
		family(f, name, "histogram", metric_help[fam]);
	} else if (fam == FAM_INFO) {
		family(f, name, "gauge",
		       "A flow's role, endpoints and SSID, always 1: every other series of the flow has only its flow_id (and, exported with -n, its netns) to join on (* on (netns, flow_id) group_left (role, local, remote, ssid) snapfire_flow_info).");
	} else {
		const struct flow_field *ff = &flow_fields[fam - METRIC_COUNT];

		family(f, name, ff->type, ff->help);
	}
}

static void fam_pre_init(struct fam_pre *p, unsigned int fam)
{
	static const char *const hsuf[3] = { "_bucket", "_sum", "_count" };
	char name[PRE_MAX];
	int i, len;

	/* a name too long for its prefix: n 0, its samples left out */
	fam_name(name, sizeof(name), fam);
	for (i = 0; i < 3; i++) {
		len = snprintf(p->s[i], sizeof(p->s[i]), "%s%s{", name,
			       fam < METRIC_COUNT ? hsuf[i] : "");
		p->n[i] = len > 0 && (size_t)len < sizeof(p->s[i]) ? (size_t)len : 0;
	}
}

/* The output failed (@err, an errno): said once; the export stops. */
static int out_failed(struct prom_stream *ps, int err)
{
	if (!ps->out_err) {
		ps->out_err = err ? err : EIO;
		errmsg("export: writing the output: %s", strerror(ps->out_err));
	}
	return -ps->out_err;
}

/* A spool's write failed (@err, an errno): said once; the export stops. */
static int spool_failed(struct prom_stream *ps, int err)
{
	if (!ps->spool_err) {
		ps->spool_err = err ? err : EIO;
		errmsg("export: writing a temporary file in %s: %s (is the file system full? TMPDIR sets the directory)",
		       ps->tmpdir, strerror(ps->spool_err));
	}
	return -ps->spool_err;
}

static void out_flush(struct prom_stream *ps)
{
	errno = 0;
	if (ps->on && fwrite_unlocked(ps->ob, 1, ps->on, ps->out) != ps->on)
		out_failed(ps, errno);
	ps->on = 0;
}

/* one line of family @fam: prefix @which, the labels @lab (@nlab bytes),
 * le="@le" if there is one, and @v as a number of seconds (@secs) or as an
 * integer */
static void line_out(struct prom_stream *ps, unsigned int fam, int which,
		     const char *lab, size_t nlab, const char *le, uint64_t v, bool secs)
{
	const struct fam_pre *p = &ps->pre[fam];
	char *o, *start;
	size_t k;

	if (!fam) {
		if (ps->on + PROM_LINE_MAX > sizeof(ps->ob))
			out_flush(ps);
		start = ps->ob + ps->on;
	} else {
		start = spools_room(ps->spools, fam - 1, PROM_LINE_MAX);
	}
	o = start;
	memcpy(o, p->s[which], p->n[which]);
	o += p->n[which];
	memcpy(o, lab, nlab);
	o += nlab;
	if (le) {
		k = strlen(le);
		memcpy(o, ",le=\"", 5);
		memcpy(o + 5, le, k);
		memcpy(o + 5 + k, "\"} ", 3);
		o += 8 + k;
	} else {
		*o++ = '}';
		*o++ = ' ';
	}
	if (secs)
		o += strlen(fmt_seconds(o, 48, v));
	else
		o += fmt_u64(o, v);
	*o++ = '\n';
	if (!fam)
		ps->on += (size_t)(o - start);
	else
		spools_put(ps->spools, fam - 1, (size_t)(o - start));
}

/*
 * One flow's samples of family @fam, its series' label set @lab (@nlab
 * bytes; snapfire_flow_info's are the flow's five labels).
 */
static void fam_flow(struct prom_stream *ps, unsigned int fam, const struct flow *fl,
		     const char *lab, size_t nlab)
{
	const struct flow_field *ff;
	uint64_t cum = 0, total;
	const struct hist *h;
	char le[48];
	size_t k;

	if (!ps->pre[fam].n[0] || nlab >= LAB_MAX)
		return;		/* a name or labels that do not fit: not ours */
	if (fam == FAM_INFO) {
		line_out(ps, fam, 0, lab, nlab, NULL, 1, false);
		return;
	}
	if (fam >= METRIC_COUNT) {
		ff = &flow_fields[fam - METRIC_COUNT];
		line_out(ps, fam, 0, lab, nlab, NULL, field_get(fl, ff), ff->ns);
		return;
	}
	h = flow_hist(fl, fam);
	if (!h)
		return;
	total = hist_bucket_total(h);
	for (k = 0; k < h->nb; k++) {
		cum += h->b[k].count;
		/* Buckets are inclusive of high: le is exact. */
		if (k + 1 < h->nb && h->b[k + 1].high == h->b[k].high)
			continue;
		line_out(ps, fam, 0, lab, nlab, fmt_seconds(le, sizeof(le), h->b[k].high), cum, false);
	}
	line_out(ps, fam, 0, lab, nlab, "+Inf", total, false);
	line_out(ps, fam, 1, lab, nlab, NULL, h->sum, true);
	line_out(ps, fam, 2, lab, nlab, NULL, total, false);
}

/* One sample of the namespace's own: NAME{netns="NAME"} VALUE, or NAME VALUE */
static void ns_sample(const struct prom_stream *ps, const char *name, uint64_t v)
{
	fprintf(ps->out, "%s%s%s%s %" PRIu64 "\n", name, *ps->ns ? "{" : "", ps->ns,
		*ps->ns ? "}" : "", v);
}

struct prom_stream *prom_stream_begin(FILE *out, const struct status_view *st,
				      unsigned int flags, const char *netns)
{
	struct prom_stream *ps = malloc(sizeof(*ps));
	char name[96];
	unsigned int i;
	int c, e;

	if (!ps) {
		errmsg("out of memory");
		return NULL;
	}
	ps->out = out;
	ps->nfam = flags & PROM_INFO_LABELS ? NFAM : FAM_INFO;
	ps->out_err = 0;
	ps->spool_err = 0;
	ps->on = 0;
	ps->tmpdir = getenv("TMPDIR");
	if (!ps->tmpdir || !*ps->tmpdir)
		ps->tmpdir = "/tmp";
	for (i = 0; i < NFAM; i++)
		fam_pre_init(&ps->pre[i], i);
	/*
	 * With -n, every series says its namespace: the exports of several
	 * (a textfile directory, one file each) would repeat one another's.
	 * The name ip-netns(8) gave it, for its path too; another path as it
	 * was given.
	 */
	ps->ns[0] = '\0';
	if (netns) {
		size_t len;

		if (!strncmp(netns, "/run/netns/", 11))
			netns += 11;
		else if (!strncmp(netns, "/var/run/netns/", 15))
			netns += 15;
		memcpy(ps->ns, "netns=\"", 7);
		len = prom_escape(ps->ns, sizeof(ps->ns) - 1, 7, netns);
		memcpy(ps->ns + len, "\"", 2);	/* and the NUL */
	}
	ps->spools = spools_open(ps->nfam - 1, ps->tmpdir);
	if (!ps->spools) {
		e = errno;
		errmsg("export: cannot create a temporary file in %s (%s): set TMPDIR to a writable directory",
		       ps->tmpdir, strerror(e));
		free(ps);
		errno = e;
		return NULL;
	}
	if (st) {
		for (c = 0; c < NCOUNTERS; c++) {
			char *p;

			if (st->missing & (1ULL << c))
				continue;	/* the module has no such counter */
			snprintf(name, sizeof(name), "snapfire_%s_total", counter_names[c]);
			for (p = name; *p; p++)
				if (*p == '-')
					*p = '_';
			family(out, name, "counter", counter_help[c]);
			ns_sample(ps, name, st->counters[c]);
		}
		family(out, "snapfire_flows", "gauge", "Flows in this network namespace.");
		ns_sample(ps, "snapfire_flows", st->flows);
		family(out, "snapfire_memory_bytes", "gauge",
		       "Bytes of flow and histogram memory in use in this network namespace.");
		ns_sample(ps, "snapfire_memory_bytes", st->mem);
	}
	fam_head(out, 0);
	return ps;
}

int prom_stream_flow(struct prom_stream *ps, const struct flow *fl)
{
	char lab[LAB_MAX], id[NS_MAX + 32];
	size_t nlab, nid;
	unsigned int i;

	/* formatted once: a flow's labels are on every line of it */
	labels(lab, sizeof(lab), ps->ns, fl);
	nlab = strlen(lab);
	if (ps->nfam == NFAM) {
		/* every series by flow_id, the five on snapfire_flow_info's */
		nid = (size_t)snprintf(id, sizeof(id), "%s%sflow_id=\"%" PRIu64 "\"", ps->ns,
				       *ps->ns ? "," : "", fl->id);
		for (i = 0; i < FAM_INFO; i++)
			fam_flow(ps, i, fl, id, nid);
		fam_flow(ps, FAM_INFO, fl, lab, nlab);
	} else {
		for (i = 0; i < FAM_INFO; i++)
			fam_flow(ps, i, fl, lab, nlab);
	}
	if (ps->out_err)
		return -ps->out_err;
	/* a full TMPDIR ends the dump now, not after the last flow */
	if (!ps->spool_err && spools_err(ps->spools))
		spool_failed(ps, -spools_err(ps->spools));
	return -ps->spool_err;
}

/*
 * A spool's @size bytes onto @out, which is flushed: sendfile(), so the
 * kernel moves the pages (a 1 M-flow export spools 2 GB, which read() and
 * write() would copy twice more); pread and write where it cannot (an
 * O_APPEND output, an old kernel); pread and fwrite to an output without
 * a file descriptor (a memstream). 0 or -errno.
 */
static int spool_copy(int in, FILE *out, off_t size)
{
	int o = fileno(out);
	off_t off = 0;
	char buf[65536];
	ssize_t n, w;

	while (o >= 0 && off < size) {
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
		if (o < 0) {
			if (fwrite(buf, 1, (size_t)n, out) != (size_t)n)
				return -EIO;
			continue;
		}
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
	FILE *out = ps->out;
	unsigned int i;
	off_t size;
	int rc = 0, fd;

	out_flush(ps);
	rc = ps->out_err ? -ps->out_err : -ps->spool_err;
	for (i = 1; i < ps->nfam && !rc; i++) {
		rc = spools_finish(ps->spools, i - 1, &fd, &size);
		if (rc) {
			spool_failed(ps, -rc);
			break;
		}
		errno = 0;
		fam_head(out, i);
		if (fflush(out) || ferror(out)) {
			rc = out_failed(ps, errno);
			break;
		}
		rc = spool_copy(fd, out, size);
		if (rc)
			out_failed(ps, -rc);
	}
	prom_stream_abort(ps);
	return rc;
}

void prom_stream_abort(struct prom_stream *ps)
{
	spools_close(ps->spools);
	free(ps);
}

int prom_write(FILE *f, const struct status_view *st, const struct flowset *s,
	       unsigned int flags, const char *netns)
{
	struct prom_stream *ps = prom_stream_begin(f, st, flags, netns);
	size_t i;
	int rc;

	if (!ps)
		return -errno;
	for (i = 0; i < s->n; i++) {
		rc = prom_stream_flow(ps, &s->v[i]);
		if (rc) {
			prom_stream_abort(ps);
			return rc;
		}
	}
	return prom_stream_end(ps);
}
