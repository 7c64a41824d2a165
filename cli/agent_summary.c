// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's /api/v1/summary?target=T&metric=M&window=5m|1h|1d: a
 * window's statistics from the history store (hquery.h) and the current
 * minute from memory (docs/AGENT.md). Served by agent_http.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <microhttpd.h>
#include "agent.h"
#include "common.h"
#include "fmt.h"
#include "hquery.h"
#include "hstore.h"
#include "verdict.h"
#include "agent_http_int.h"

/* ------------------------------------------------------------------ */
/* /api/v1/summary */

static const struct {
	const char *name;
	unsigned int minutes;
} windows[] = {
	{ "5m", 5 }, { "1h", 60 }, { "1d", 1440 },
};

struct query {
	const char *target, *metric, *window;
	char bad[80];			/* the first unknown or repeated parameter */
};

static enum MHD_Result query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	struct query *q = cls;
	const char **slot = NULL;

	(void)kind;
	if (!strcmp(key, "target"))
		slot = &q->target;
	else if (!strcmp(key, "metric"))
		slot = &q->metric;
	else if (!strcmp(key, "window"))
		slot = &q->window;
	if (!slot || *slot) {
		if (!q->bad[0])
			snprintf(q->bad, sizeof(q->bad), "%s", key);
		return MHD_YES;
	}
	*slot = value ? value : "";
	return MHD_YES;
}

/* What a summary needs from memory, copied under the lock. */
struct snap {
	char dir[4096], key[AGENT_NAME_MAX + 1];
	struct hist cur[METRIC_COUNT];	/* userspace round trips only */
	uint64_t cur_counters[AC_COUNT];
	uint64_t now;
	bool have_base;			/* the module's flow, last minute: */
	struct kprev base;		/* the base of the current minute */
};

static int hist_copy(struct hist *dst, const struct hist *src)
{
	*dst = *src;
	dst->b = NULL;
	dst->nb = dst->cap = 0;
	if (src->nb) {
		dst->b = malloc(src->nb * sizeof(*dst->b));
		if (!dst->b)
			return -ENOMEM;
		memcpy(dst->b, src->b, src->nb * sizeof(*dst->b));
		dst->nb = dst->cap = src->nb;
	}
	return 0;
}

static void snap_free(struct snap *s)
{
	unsigned int m;

	for (m = 0; m < METRIC_COUNT; m++) {
		hist_free(&s->cur[m]);
		hist_free(&s->base.h[m]);
	}
}

/*
 * 0, -ENOENT (no such target), -ENOMEM, or -EAGAIN with *@want set: not
 * @waited, and minutes closed before now are queued for the store.
 */
static int snap_take(struct agent *a, const char *target, bool waited, uint64_t *want,
		     struct snap *s)
{
	unsigned int m;
	int i, r = -ENOENT;

	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(&a->lock);
	/* a target that is not there is answered at once, without the wait */
	for (i = 0; i < a->ntargets && strcmp(a->targets[i].conf.name, target); i++)
		;
	if (i == a->ntargets) {
		pthread_mutex_unlock(&a->lock);
		s->now = clock_ns(CLOCK_REALTIME);
		return -ENOENT;
	}
	/*
	 * A minute just closed has left memory (cur) but may not be in the
	 * store yet: the caller waits for the store thread to finish the
	 * minutes queued so far (normally well under a second; at most
	 * HTTP_WAIT_S, after which minutes_stored < minutes shows the gap).
	 */
	if (!waited && a->jobs_done < a->jobs_queued) {
		*want = a->jobs_queued;
		pthread_mutex_unlock(&a->lock);
		return -EAGAIN;
	}
	for (i = 0; i < a->ntargets; i++) {
		const struct agent_target *t = &a->targets[i];

		if (strcmp(t->conf.name, target))
			continue;
		snprintf(s->dir, sizeof(s->dir), "%s",
			 a->conf.state_dir[0] ? a->conf.state_dir : AGENT_STATE_DEFAULT);
		snprintf(s->key, sizeof(s->key), "%s", t->conf.name);
		memcpy(s->cur_counters, t->cur_counters, sizeof(s->cur_counters));
		r = 0;
		for (m = 0; m < METRIC_COUNT && !r; m++)
			r = hist_copy(&s->cur[m], &t->cur[m]);
		/*
		 * The base, when it is of the flow the session probes with now
		 * (a session started again has another port until its first
		 * minute is stored) and every minute closed is stored (a wait
		 * that timed out: the records of some targets may already hold
		 * the minute the base still counts)
		 */
		if (t->kbase && t->kbase->lport == t->flow_lport &&
		    a->jobs_done == a->jobs_queued && !r) {
			s->have_base = true;
			s->base = *t->kbase;
			for (m = 0; m < METRIC_COUNT; m++)
				memset(&s->base.h[m], 0, sizeof(s->base.h[m]));
			for (m = 0; m < METRIC_COUNT && !r; m++)
				r = hist_copy(&s->base.h[m], &t->kbase->h[m]);
		}
		break;
	}
	s->now = clock_ns(CLOCK_REALTIME);
	pthread_mutex_unlock(&a->lock);
	if (r)
		snap_free(s);
	return r;
}

/* The store's problems: counted, and logged at a rate (every request
 * over a damaged file finds them again). */
static struct agent_logrl store_log_rl = AGENT_LOGRL_INIT;

static void store_report(const char *path, const char *what, void *arg)
{
	unsigned int *n = arg;

	agent_log_limited(&store_log_rl, "summary: %s: %s", path, what);
	(*n)++;
}

/* The minutes of the window the store has a counter record for (the
 * agent stores each target's counters every minute it runs), and their sum. */
struct cov {
	unsigned int *problems;
	uint64_t from;
	unsigned int minutes;
	uint64_t sum;
	uint8_t seen[1440 / 8];
	unsigned int nseen;
};

static int cov_rec(uint64_t minute, const struct hist *h, void *arg)
{
	struct cov *c = arg;
	uint64_t i = minute - c->from;

	c->sum += h->count;
	if (i < c->minutes && i < 1440 && !(c->seen[i / 8] & (1u << (i % 8)))) {
		c->seen[i / 8] |= 1u << (i % 8);
		c->nseen++;
	}
	return 0;
}

static void cov_report(const char *path, const char *what, void *arg)
{
	struct cov *c = arg;

	store_report(path, what, c->problems);
}

/* A value in seconds as an exact decimal; null for an empty histogram. */
static void jsec(FILE *f, const char *key, bool have, uint64_t ns)
{
	char buf[48];

	fprintf(f, "\"%s\": %s", key, have ? fmt_seconds(buf, sizeof(buf), ns) : "null");
}

/*
 * The verdict as `snapfire show -j` gives it ("breakdown" there), from the
 * window's merged histograms standing for a sender flow; or, without the
 * module's stage metrics (the module was not loaded: round trips only),
 * why there is none.
 */
static void verdict_out(FILE *f, const struct hist *w)
{
	struct flow fl = { .role = SNAPFIRE_ROLE_SENDER };
	struct breakdown bd;
	unsigned int m;
	int i;

	for (m = 0; m < METRIC_COUNT; m++)
		fl.hist[m] = w[m];	/* shallow: read only, not freed through fl */
	if (!flow_hist(&fl, SNAPFIRE_METRIC_TX_STAGE) && !flow_hist(&fl, SNAPFIRE_METRIC_RX_STAGE)) {
		fputs("{\"available\": false, \"reason\": ", f);
		json_escape(f, flow_hist(&fl, SNAPFIRE_METRIC_RTT) ?
			    "no stage metrics in this window (the kernel module was not loaded): round trips only, no breakdown" :
			    "no samples in this window");
		fputc('}', f);
		return;
	}
	fl.synced = flow_hist(&fl, SNAPFIRE_METRIC_FWD) && flow_hist(&fl, SNAPFIRE_METRIC_REV);
	breakdown_build(&fl, &bd);
	fprintf(f, "{\"available\": true, \"far_egress_reported\": %s, \"components\": [",
		bd.far_egress_reported ? "true" : "false");
	for (i = 0; i < bd.n; i++) {
		fprintf(f, "%s{\"metric\": ", i ? ", " : "");
		json_escape(f, bd.c[i].key);
		fputs(", \"label\": ", f);
		json_escape(f, bd.c[i].label);
		fprintf(f, ", \"where\": \"%s\", \"p50_ns\": %" PRIu64 ", \"p99_ns\": %" PRIu64
			", \"share_pct\": %.6g}", where_key(bd.c[i].where), bd.c[i].p50,
			bd.c[i].p99, breakdown_share(bd.c[i].p50, bd.total));
	}
	fprintf(f, "], \"total_p50_ns\": %" PRIu64 ", \"dominant\": ", bd.total);
	if (bd.dom_where >= 0)
		fprintf(f, "\"%s\", \"dominant_share_pct\": %.6g, \"dominant_metric\": \"%s\"}",
			where_key(bd.dom_where), breakdown_share(bd.dom_sum, bd.total),
			bd.c[bd.dom_comp].key);
	else
		fputs("null}", f);
}

enum MHD_Result agent_page_summary(struct agent *a, struct MHD_Connection *c, bool waited,
				   uint64_t *want)
{
	struct hist w[METRIC_COUNT] = { { 0 } }, live[METRIC_COUNT] = { { 0 } }, rcv = { 0 };
	const struct hist *cur;
	struct query q = { 0 };
	struct cov cov = { 0 };
	unsigned int metric = SNAPFIRE_METRIC_RTT, problems = 0, mi, wi, k;
	uint64_t now_min, from, sent, received, n;
	char *buf = NULL, t1[48], t2[48];
	enum MHD_Result ret;
	struct snap *s;
	size_t len = 0;
	bool have;
	FILE *f;
	int r = 0;

	*want = 0;
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, query_arg, &q);
	if (q.bad[0])
		return agent_http_error(c, MHD_HTTP_BAD_REQUEST,
				   "unknown or repeated parameter \"%.60s\": the parameters are target, metric and window, once each",
				   hs_key_ok(q.bad) ? q.bad : "?");
	if (!q.target || !q.target[0])
		return agent_http_error(c, MHD_HTTP_BAD_REQUEST,
				   "target missing: add target=NAME (a target of the configuration)");
	if (q.metric) {
		for (mi = 0; mi < METRIC_COUNT; mi++)
			if (!strcmp(q.metric, metric_name(mi)))
				break;
		if (mi == METRIC_COUNT)
			return agent_http_error(c, MHD_HTTP_BAD_REQUEST,
					   "unknown metric: use one of rtt, fwd, rev, turnaround, tx_stage, rx_stage, ipdv, far_tx_stage");
		metric = mi;
	}
	if (!q.window)
		return agent_http_error(c, MHD_HTTP_BAD_REQUEST, "window missing: add window=5m, 1h or 1d");
	for (wi = 0; wi < sizeof(windows) / sizeof(windows[0]); wi++)
		if (!strcmp(q.window, windows[wi].name))
			break;
	if (wi == sizeof(windows) / sizeof(windows[0]))
		return agent_http_error(c, MHD_HTTP_BAD_REQUEST, "bad window: use 5m, 1h or 1d");

	s = malloc(sizeof(*s));
	if (!s)
		return agent_http_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	r = snap_take(a, q.target, waited, want, s);
	if (r == -EAGAIN) {	/* the caller suspends the request, then calls again */
		free(s);
		return MHD_YES;
	}
	if (r == -ENOENT) {
		free(s);
		if (hs_key_ok(q.target))
			return agent_http_error(c, MHD_HTTP_NOT_FOUND,
					   "unknown target \"%s\": not in the running configuration",
					   q.target);
		return agent_http_error(c, MHD_HTTP_NOT_FOUND,
				   "unknown target: names are 1..64 of A-Z a-z 0-9 . _ : -");
	}
	if (r) {
		free(s);
		return agent_http_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}

	/*
	 * The window: its last minute is the current one, from memory (not
	 * yet stored); the minutes before it from the store. 5m: the current
	 * minute and the four before it.
	 */
	now_min = s->now / 60000000000ull;
	from = now_min + 1 - windows[wi].minutes;
	/* the current minute as the stored ones are made: the module's flow
	 * when the last minute came from it (every metric), else (no module,
	 * no flow, a session started again since, the store behind) the
	 * userspace round trips */
	cur = s->cur;
	if (s->have_base && !agent_kernel_minute(&s->base, live))
		cur = live;
	for (k = 0; k < METRIC_COUNT && !r; k++) {
		r = hq_window(s->dir, s->key, k, from, now_min, &w[k], store_report, &problems);
		if (!r && (cur[k].count || hist_bucket_total(&cur[k])))
			r = hq_merge(&w[k], &cur[k]);
	}
	cov.problems = &problems;
	cov.from = from;
	cov.minutes = windows[wi].minutes;
	if (!r)
		r = hs_read(s->dir, s->key, AGENT_COUNTER_METRIC(AC_SENT), from, now_min,
			    cov_rec, cov_report, &cov);
	if (!r)
		r = hq_window(s->dir, s->key, AGENT_COUNTER_METRIC(AC_RECEIVED), from, now_min,
			      &rcv, store_report, &problems);
	if (r) {
		/* where the store lives is the log's to say, not a client's to know */
		agent_log_limited(&store_log_rl, "summary: reading the history store under %s: %s",
				  s->dir, strerror(-r));
		ret = agent_http_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				  "reading the history store: %s (the agent's log says where)",
				  strerror(-r));
		goto out;
	}
	sent = cov.sum + s->cur_counters[AC_SENT];
	received = rcv.count + s->cur_counters[AC_RECEIVED];

	f = open_memstream(&buf, &len);
	if (!f) {
		ret = agent_http_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		goto out;
	}
	n = w[metric].count;
	have = n && hist_bucket_total(&w[metric]);
	fputs("{\"target\": ", f);
	json_escape(f, s->key);
	fprintf(f, ", \"metric\": \"%s\", \"window\": \"%s\", \"from\": \"%s\", \"to\": \"%s\"",
		metric_name(metric), windows[wi].name,
		agent_http_iso(t1, sizeof(t1), from * 60000000000ull, false),
		agent_http_iso(t2, sizeof(t2), s->now, true));
	fprintf(f, ", \"minutes\": %u, \"minutes_stored\": %u, \"store_problems\": %u",
		windows[wi].minutes, cov.nseen, problems);
	fprintf(f, ", \"count\": %" PRIu64 ", \"sent\": %" PRIu64 ", \"received\": %" PRIu64
		", \"success_rate\": ", n, sent, received);
	if (sent)
		fprintf(f, "%.6g", received >= sent ? 1.0 : (double)received / (double)sent);
	else
		fputs("null", f);
	fputs(", ", f);
	jsec(f, "min", have, w[metric].min);
	fputs(", ", f);
	jsec(f, "max", have, w[metric].max);
	fputs(", ", f);
	jsec(f, "mean", have, have ? hist_mean(&w[metric]) : 0);
	fputs(", ", f);
	jsec(f, "median", have, hist_percentile(&w[metric], 0.5));
	fputs(", \"percentiles\": {", f);
	for (k = 0; k < HQ_NPCTS; k++) {
		fputs(k ? ", " : "", f);
		jsec(f, hq_pct_names[k], have, hist_percentile(&w[metric], hq_pcts[k]));
	}
	fputs("}, \"breakdown\": {", f);
	for (k = 0, mi = 0; k < METRIC_COUNT; k++) {
		if (!w[k].count || !hist_bucket_total(&w[k]))
			continue;
		fputs(mi++ ? ", " : "", f);
		jsec(f, metric_name(k), true, hist_percentile(&w[k], 0.5));
	}
	fputs("}, \"verdict\": ", f);
	verdict_out(f, w);
	fputs("}\n", f);
	if (fclose(f)) {
		free(buf);
		ret = agent_http_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		goto out;
	}
	ret = agent_http_reply(c, MHD_HTTP_OK, JSON_TYPE, buf, len);
out:
	for (k = 0; k < METRIC_COUNT; k++) {
		hist_free(&w[k]);
		hist_free(&live[k]);
	}
	hist_free(&rcv);
	snap_free(s);
	free(s);
	return ret;
}
