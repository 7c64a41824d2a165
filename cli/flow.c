// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/snapfire.h>

#include "flow.h"
#include "grow.h"
#include "hist.h"
#include "out.h"

void flow_free(struct flow *f)
{
	int i;

	for (i = 0; i < METRIC_COUNT; i++)
		hist_free(&f->hist[i]);
}

struct flow *flowset_add(struct flowset *s)
{
	struct flow *v = array_room(s->v, &s->cap, s->n, sizeof(*v), 16);

	if (!v)
		return NULL;
	s->v = v;
	memset(&s->v[s->n], 0, sizeof(s->v[0]));
	return &s->v[s->n++];
}

void flowset_free(struct flowset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		flow_free(&s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

const char *role_name(uint32_t role)
{
	switch (role) {
	case SNAPFIRE_ROLE_SENDER: return "sender";
	case SNAPFIRE_ROLE_REFLECTOR: return "reflector";
	default: return "unknown";
	}
}

const char *family_name(uint8_t family)
{
	return family == AF_INET6 ? "inet6" : "inet";
}

/*
 * inet_ntop()'s text; an IPv4 address is four numbers, written here (glibc's
 * inet_ntop calls sprintf, twice a flow in -j flows), IPv6's zero
 * compression has rules and stays inet_ntop's.
 */
char *addr_str(char *buf, size_t n, uint8_t family, const uint8_t *addr)
{
	size_t len = 0;
	int i;

	if (family != AF_INET6 && n >= INET_ADDRSTRLEN) {
		for (i = 0; i < 4; i++) {
			if (i)
				buf[len++] = '.';
			len += fmt_u64(buf + len, addr[i]);
		}
		buf[len] = '\0';
		return buf;
	}
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, buf, n))
		snprintf(buf, n, "?");
	return buf;
}

/*
 * "a:port" or "[a]:port", as snprintf would write it (truncated to @n).
 * A table row writes two: no printf.
 */
char *endpoint_str(char *buf, size_t n, uint8_t family, const uint8_t *addr,
		   uint16_t port)
{
	char t[INET6_ADDRSTRLEN + 8];
	size_t len = 0;

	if (!n)
		return buf;
	if (family == AF_INET6)
		t[len++] = '[';
	addr_str(t + len, INET6_ADDRSTRLEN, family, addr);
	len += strlen(t + len);
	if (family == AF_INET6)
		t[len++] = ']';
	t[len++] = ':';
	len += fmt_u64(t + len, port);
	if (len >= n)
		len = n - 1;
	memcpy(buf, t, len);
	buf[len] = 0;
	return buf;
}

/* the loss as a part of what was expected: lost, and rx (less duplicates) + lost */
static uint64_t flow_loss_whole(const struct flow *f)
{
	return (f->rx > f->duplicates ? f->rx - f->duplicates : 0) + f->lost;
}

double flow_loss_pct(const struct flow *f)
{
	uint64_t total = flow_loss_whole(f);

	return total ? 100.0 * (double)f->lost / (double)total : 0.0;
}

const struct hist *flow_hist(const struct flow *f, unsigned int metric)
{
	const struct hist *h;

	if (metric >= METRIC_COUNT)
		return NULL;
	h = &f->hist[metric];
	return h->present && h->count ? h : NULL;
}

/* A metric's summary: JSON {count, min_ns, p50_ns...}; text its section of
 * `show`, with the histogram drawn when detail. */
static void metric_out(unsigned int m, const struct hist *h, bool detail)
{
	out_obj(metric_name(m));
	out_text("\n%s: %s, ", metric_name(m), metric_label(m));
	out_u64(OUT_ANY, "count", "%" PRIu64 " samples", h->count);
	out_text("%s\n", h->clamped ? " (some clamped at the range ends)" : "");
	out_dur(OUT_ANY, "min_ns", "  min %s", h->min);
	out_dur(OUT_ANY, "p50_ns", "  p50 %s", hist_percentile(h, 0.50));
	out_dur(OUT_ANY, "p90_ns", "  p90 %s", hist_percentile(h, 0.90));
	out_dur(OUT_ANY, "p99_ns", "  p99 %s", hist_percentile(h, 0.99));
	out_dur(OUT_ANY, "p999_ns", "  p99.9 %s", hist_percentile(h, 0.999));
	out_dur(OUT_ANY, "max_ns", "  max %s", h->max);
	out_dur(OUT_ANY, "mean_ns", "  mean %s\n", hist_mean(h));
	out_obj_end();
	if (detail && !out_is_json())
		hist_render(out_file(), h, 24, 50, "  ");
}

/* JSON only: the buckets of every metric, "histograms": {rtt: {...}}. */
static void buckets_out(const struct flow *f)
{
	unsigned int m;
	size_t i;

	out_obj("histograms");
	for (m = 0; m < METRIC_COUNT; m++) {
		const struct hist *h = flow_hist(f, m);

		if (!h)
			continue;
		out_obj(metric_name(m));
		out_u64(OUT_JSON, "count", NULL, h->count);
		out_u64(OUT_JSON, "sum_ns", NULL, h->sum);
		out_u64(OUT_JSON, "min_ns", NULL, h->min);
		out_u64(OUT_JSON, "max_ns", NULL, h->max);
		out_u64(OUT_JSON, "clamped", NULL, h->clamped);
		out_u64(OUT_JSON, "precision", NULL, h->precision);
		out_arr("buckets");
		for (i = 0; i < h->nb; i++) {
			out_obj(NULL);
			out_u64(OUT_JSON, "low_ns", NULL, h->b[i].low);
			out_u64(OUT_JSON, "high_ns", NULL, h->b[i].high);
			out_u64(OUT_JSON, "count", NULL, h->b[i].count);
			out_obj_end();
		}
		out_arr_end();
		out_obj_end();
	}
	out_obj_end();
}

/* Time from @then (CLOCK_REALTIME ns) to now, 0 if unknown or ahead. */
static uint64_t since_ns(uint64_t then)
{
	struct timespec t;
	uint64_t now;

	clock_gettime(CLOCK_REALTIME, &t);
	now = (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
	return then && now > then ? now - then : 0;
}

void flow_out(const struct flow *f, bool detail)
{
	bool sender = f->role == SNAPFIRE_ROLE_SENDER;
	char a[INET6_ADDRSTRLEN + 8];
	unsigned int m;

	out_u64(OUT_ANY, "id", "flow %" PRIu64 ":", f->id);
	out_str(OUT_ANY, "role", " %s", role_name(f->role));
	out_str(OUT_JSON, "family", NULL, family_name(f->family));
	out_str(OUT_JSON, "local_addr", NULL, addr_str(a, sizeof(a), f->family, f->local_addr));
	out_u64(OUT_JSON, "local_port", NULL, f->local_port);
	out_str(OUT_JSON, "remote_addr", NULL, addr_str(a, sizeof(a), f->family, f->remote_addr));
	out_u64(OUT_JSON, "remote_port", NULL, f->remote_port);
	out_str(OUT_TEXT, NULL, " %s", endpoint_str(a, sizeof(a), f->family, f->local_addr,
						      f->local_port));
	out_str(OUT_TEXT, NULL, " -> %s", endpoint_str(a, sizeof(a), f->family, f->remote_addr,
							 f->remote_port));
	out_u64(OUT_ANY, "ssid", " ssid %" PRIu64, f->ssid);
	out_str(OUT_TEXT, NULL, " (%s)\n", family_name(f->family));

	/* text only: a clock read each (a system call where the clocksource
	 * has no vDSO, e.g. hpet), which -j flows would pay twice a flow */
	if (!out_is_json()) {
		out_dur(OUT_TEXT, NULL, "  age %s", since_ns(f->created));
		out_dur(OUT_TEXT, NULL, ", last packet %s ago", since_ns(f->last_seen));
	}
	out_u64(OUT_JSON, "created_ns", NULL, f->created);
	out_u64(OUT_JSON, "last_seen_ns", NULL, f->last_seen);
	out_u64(OUT_ANY, "mem_bytes", ", memory %" PRIu64 " bytes\n", f->mem);

	out_u64(OUT_ANY, "tx", "  tx %" PRIu64, f->tx);
	out_u64(OUT_ANY, "rx", ", rx %" PRIu64, f->rx);
	out_u64(OUT_ANY, "lost", ", lost %" PRIu64, f->lost);
	out_double(OUT_ANY, "loss_pct", " (%.2f%%", flow_loss_pct(f));
	out_text("%s)", f->role == SNAPFIRE_ROLE_REFLECTOR ? " forward" : "");
	out_u64(OUT_ANY, "reordered", ", reordered %" PRIu64, f->reordered);
	out_u64(OUT_ANY, "duplicates", ", duplicates %" PRIu64, f->duplicates);
	out_u64(OUT_ANY, "restarts", ", restarts %" PRIu64 "\n", f->restarts);
	out_u64(OUT_JSON, "rev_lost", NULL, f->rev_lost);
	if (sender)
		out_bool(OUT_JSON, "peer_stateful", NULL, f->peer_stateful);
	if (sender && f->peer_stateful)
		out_text("  reverse lost %" PRIu64 ", forward lost %" PRIu64
			 " (the reflector numbers its replies itself)\n", f->rev_lost,
			 f->lost > f->rev_lost ? f->lost - f->rev_lost : 0);
	else if (sender && f->lost)
		out_text("  forward/reverse split unknown: the reflector's numbers follow ours (a stateless\n"
			 "  reflector; or a stateful one and no forward loss yet: then all %" PRIu64
			 " were reverse)\n", f->rev_lost);
	out_dur(OUT_ANY, "jitter_ns", "  jitter %s (RFC 3550)", f->jitter);
	out_u64(OUT_ANY, "peer_ttl", ", peer ttl %" PRIu64, f->peer_ttl);
	out_bool_words(OUT_ANY, "synced", ", clocks %s\n", f->synced,
		       "synchronised (one-way delays valid)",
		       "not synchronised (one-way delays unavailable)");

	for (m = 0; m < METRIC_COUNT; m++) {
		const struct hist *h = flow_hist(f, m);

		if (h)
			metric_out(m, h, detail);
	}
	if (detail)
		buckets_out(f);
}

static const char *const col_names[COL__N] = {
	"id", "peer", "role", "ssid", "count", "loss", "min", "p50", "p90",
	"p99", "p999", "max", "jitter",
};

int flow_col_parse(const char *name)
{
	int i;

	if (!strcmp(name, "p99.9"))
		return COL_P999;
	if (!strcmp(name, "rx"))
		return COL_COUNT;
	for (i = 0; i < COL__N; i++)
		if (!strcmp(name, col_names[i]))
			return i;
	return -1;
}

const char *flow_col_names(void)
{
	return "id, peer, role, ssid, count, loss, min, p50, p90, p99, p999, max, jitter";
}

/* Value of a latency column: -1 when the flow has no RTT samples. */
static double col_value(const struct flow *f, int col)
{
	const struct hist *h = f->role == SNAPFIRE_ROLE_SENDER ?
		flow_hist(f, SNAPFIRE_METRIC_RTT) : NULL;

	switch (col) {
	case COL_ID: return (double)f->id;
	case COL_SSID: return f->ssid;
	case COL_ROLE: return f->role;
	case COL_COUNT: return (double)f->rx;
	case COL_LOSS: return flow_loss_pct(f);
	case COL_JITTER: return (double)f->jitter;
	}
	if (!h)
		return -1;
	switch (col) {
	case COL_MIN: return (double)h->min;
	case COL_P50: return (double)hist_percentile(h, 0.5);
	case COL_P90: return (double)hist_percentile(h, 0.9);
	case COL_P99: return (double)hist_percentile(h, 0.99);
	case COL_P999: return (double)hist_percentile(h, 0.999);
	case COL_MAX: return (double)h->max;
	}
	return 0;
}

static int sort_col;
static bool sort_rev;

static int flow_cmp(const void *pa, const void *pb)
{
	const struct flow *a = pa, *b = pb;
	int r = 0;

	if (sort_col == COL_PEER) {
		r = a->family - b->family;
		if (!r)
			r = memcmp(a->remote_addr, b->remote_addr, 16);
		if (!r)
			r = (int)a->remote_port - (int)b->remote_port;
	} else {
		double x = col_value(a, sort_col), y = col_value(b, sort_col);

		r = x < y ? -1 : x > y;
	}
	if (!r)
		r = a->id < b->id ? -1 : a->id > b->id;
	return sort_rev ? -r : r;
}

void flows_sort(struct flowset *s, int col, bool reverse)
{
	sort_col = col;
	sort_rev = reverse;
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), flow_cmp);
}

/* The LOCAL -> PEER column's width for @s's rows (20 at least). */
int flows_table_width(const struct flowset *s)
{
	char ends[160], l[64], r[64];
	int w = 20;
	size_t i;

	for (i = 0; i < s->n; i++) {
		const struct flow *f = &s->v[i];
		int n = snprintf(ends, sizeof(ends), "%s -> %s",
				 endpoint_str(l, sizeof(l), f->family, f->local_addr, f->local_port),
				 endpoint_str(r, sizeof(r), f->family, f->remote_addr, f->remote_port));
		if (n > w)
			w = n;
	}
	return w;
}

void flows_table_header(FILE *out, int w)
{
	fprintf(out, "%-5s %-9s %-*s %5s %8s %6s %8s %8s %8s %8s %8s %8s %8s\n",
		"ID", "ROLE", w, "LOCAL -> PEER", "SSID", "RX", "LOSS", "MIN",
		"P50", "P90", "P99", "P99.9", "MAX", "JITTER");
}

/* @s (@len bytes) left-aligned in @w columns at @p; past it */
static char *put_left(char *p, const char *s, size_t len, size_t w)
{
	memcpy(p, s, len);
	p += len;
	for (; len < w; len++)
		*p++ = ' ';
	return p;
}

/* right-aligned */
static char *put_right(char *p, const char *s, size_t len, size_t w)
{
	for (; len < w; w--)
		*p++ = ' ';
	memcpy(p, s, len);
	return p + len;
}

/*
 * One row, as flows_table_header()'s columns: the same bytes as
 *   "%-5lu %-9s %-*s %5u %8lu %6s %8s %8s %8s %8s %8s %8s %8s\n"
 * but built by hand and written with one fwrite: a million rows through
 * printf took most of `snapfire flows`' time (cli/tests compares the two).
 */
void flows_table_row(FILE *out, const struct flow *f, int w)
{
	static const double ps[] = { 0.5, 0.9, 0.99, 0.999 };
	char line[1024], num[24], l[64], r[64], v[7][16], loss[24], *p = line;
	const struct hist *h = f->role == SNAPFIRE_ROLE_SENDER ?
		flow_hist(f, SNAPFIRE_METRIC_RTT) : NULL;
	const char *role = role_name(f->role);
	size_t ll, lr, wl = w > 0 ? (size_t)w : 0;
	int k;

	for (k = 0; k < 6; k++)
		strcpy(v[k], "-");
	if (h) {
		fmt_dur(v[0], sizeof(v[0]), h->min);
		for (k = 0; k < 4; k++)
			fmt_dur(v[k + 1], sizeof(v[0]), hist_percentile(h, ps[k]));
		fmt_dur(v[5], sizeof(v[0]), h->max);
	}
	fmt_dur(v[6], sizeof(v[6]), f->jitter);
	fmt_pct1(loss, sizeof(loss) - 1, f->lost, flow_loss_whole(f));
	strcat(loss, "%");

	p = put_left(p, num, fmt_u64(num, f->id), 5);
	*p++ = ' ';
	p = put_left(p, role, strlen(role), 9);
	*p++ = ' ';
	/* "%s -> %s" of the two: at most 63 + 4 + 63 bytes, never cut */
	endpoint_str(l, sizeof(l), f->family, f->local_addr, f->local_port);
	endpoint_str(r, sizeof(r), f->family, f->remote_addr, f->remote_port);
	ll = strlen(l);
	lr = strlen(r);
	memcpy(p, l, ll);
	memcpy(p + ll, " -> ", 4);
	memcpy(p + ll + 4, r, lr);
	ll += 4 + lr;
	if (wl > 200)		/* flows_table_width(): at most 159 */
		wl = 200;
	p += ll;
	for (; ll < wl; ll++)
		*p++ = ' ';
	*p++ = ' ';
	p = put_right(p, num, fmt_u64(num, f->ssid), 5);
	*p++ = ' ';
	p = put_right(p, num, fmt_u64(num, f->rx), 8);
	*p++ = ' ';
	p = put_right(p, loss, strlen(loss), 6);
	for (k = 0; k < 7; k++) {
		*p++ = ' ';
		p = put_right(p, v[k], strlen(v[k]), 8);
	}
	*p++ = '\n';
	fwrite(line, 1, (size_t)(p - line), out);
}

void flows_table(FILE *out, const struct flowset *s)
{
	int w = flows_table_width(s);
	size_t i;

	flows_table_header(out, w);
	for (i = 0; i < s->n; i++)
		flows_table_row(out, &s->v[i], w);
}
