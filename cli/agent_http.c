// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's HTTP server (libmicrohttpd) and its three pages:
 *
 *	GET /metrics		Prometheus text 0.0.4 (agent_prom.c)
 *	GET /healthz		{"status", "targets", "module_loaded", ...};
 *				503 when the store cannot be written or no
 *				target is configured
 *	GET /api/v1/summary?target=T&metric=M&window=5m|1h|1d
 *				a window's statistics from the history store
 *				(hquery.h) and the current minute (memory)
 *
 * HEAD is served as GET without the body; any other method gets 405 with
 * Allow; any other path 404. Errors are JSON {"error": "..."}.
 *
 * One thread: MHD's internal polling thread (epoll) serves every
 * connection. The pages take milliseconds (the summary reads at most a
 * day's minute records per metric) and hold agent->lock only to copy what
 * they need, so the session thread never waits on a client. What a client
 * may take is bounded: HTTP_CONN_MAX connections in all and HTTP_PER_IP
 * from one address, HTTP_MEM bytes of buffer each, dropped after
 * HTTP_TIMEOUT seconds without progress. A local user who holds every
 * connection open delays scrapes until the timeout drops them, and costs
 * the agent no thread, no unbounded memory and no probe: the measurement
 * runs on the session thread, which never touches a connection.
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

#define HTTP_CONN_MAX	64
#define HTTP_PER_IP	32
#define HTTP_TIMEOUT	10		/* seconds without progress */
#define HTTP_MEM	(32 * 1024)	/* per connection: headers of the request */

struct agent_http {
	struct MHD_Daemon *d;
	struct agent *a;
};

/* ------------------------------------------------------------------ */
/* responses */

/* Queues @body (@len bytes, malloc'ed, taken) with @status. */
static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status,
			     const char *type, char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

#define JSON_TYPE	"application/json"

/* {"error": @msg} with @status. */
static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned int status,
				   const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned int status,
				   const char *fmt, ...)
{
	char msg[512], *buf = NULL;
	size_t len = 0;
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f = open_memstream(&buf, &len);
	if (!f)
		return MHD_NO;
	fputs("{\"error\": ", f);
	json_escape(f, msg);
	fputs("}\n", f);
	if (fclose(f)) {
		free(buf);
		return MHD_NO;
	}
	return reply(c, status, JSON_TYPE, buf, len);
}

/* "2026-12-01T10:00:00Z", or with milliseconds when @ms */
static char *iso_time(char *buf, size_t n, uint64_t ns, bool ms)
{
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;
	size_t l;

	gmtime_r(&t, &tm);
	l = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
	if (ms)
		snprintf(buf + l, n - l, ".%03uZ", (unsigned int)(ns / 1000000 % 1000));
	else
		snprintf(buf + l, n - l, "Z");
	return buf;
}

/* ------------------------------------------------------------------ */
/* /metrics, /healthz */

static enum MHD_Result page_metrics(struct agent_http *h, struct MHD_Connection *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	f = open_memstream(&buf, &len);
	if (!f)
		return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	pthread_mutex_lock(&h->a->lock);
	r = agent_prom_write(f, h->a);
	pthread_mutex_unlock(&h->a->lock);
	if (fclose(f) || r) {
		free(buf);
		return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				   "could not format the metrics: %s", strerror(r ? -r : ENOMEM));
	}
	return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", buf, len);
}

static enum MHD_Result page_healthz(struct agent_http *h, struct MHD_Connection *c)
{
	struct agent *a = h->a;
	uint64_t last;
	bool store_ok, module;
	char *buf = NULL, t[48];
	const char *status, *reason;
	size_t len = 0;
	int n;
	FILE *f;

	pthread_mutex_lock(&a->lock);
	n = a->ntargets;
	module = a->module_loaded;
	last = a->last_store_write_ns;
	store_ok = a->store_ok;
	pthread_mutex_unlock(&a->lock);

	if (!store_ok) {
		status = "unhealthy";
		reason = "the history store could not be written (see the agent's log)";
	} else if (!n) {
		status = "unhealthy";
		reason = "no target is configured: no session runs";
	} else {
		status = "ok";
		reason = "";
	}
	f = open_memstream(&buf, &len);
	if (!f)
		return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	fprintf(f, "{\"status\": \"%s\", \"reason\": ", status);
	json_escape(f, reason);
	fprintf(f, ", \"targets\": %d, \"module_loaded\": %s, \"store_ok\": %s, \"last_store_write\": ",
		n, module ? "true" : "false", store_ok ? "true" : "false");
	if (last)
		fprintf(f, "\"%s\"}\n", iso_time(t, sizeof(t), last, false));
	else
		fputs("null}\n", f);
	if (fclose(f)) {
		free(buf);
		return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	return reply(c, strcmp(status, "ok") ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_OK,
		     JSON_TYPE, buf, len);
}

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

/* How long a summary waits for the minutes being stored */
#define SUMMARY_WAIT_S 5

/* What a summary needs from memory, copied under the lock. */
struct snap {
	char dir[4096], key[AGENT_NAME_MAX + 1];
	struct hist cur[METRIC_COUNT];
	uint64_t cur_counters[AC_COUNT];
	uint64_t now;
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

	for (m = 0; m < METRIC_COUNT; m++)
		hist_free(&s->cur[m]);
}

/* 0, -ENOENT (no such target) or -ENOMEM */
static int snap_take(struct agent *a, const char *target, struct snap *s)
{
	unsigned int m;
	int i, r = -ENOENT;

	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(&a->lock);
	/*
	 * A minute just closed has left memory (cur) but may not be in the
	 * store yet: wait for the store thread to finish the minutes queued
	 * so far (normally well under a second; at most SUMMARY_WAIT_S, after
	 * which minutes_stored < minutes shows the gap).
	 */
	if (a->jobs_done < a->jobs_queued) {
		uint64_t want = a->jobs_queued;
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += SUMMARY_WAIT_S;
		while (a->jobs_done < want &&
		       pthread_cond_timedwait(&a->job_done, &a->lock, &until) != ETIMEDOUT)
			;
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
		break;
	}
	s->now = clock_ns(CLOCK_REALTIME);
	pthread_mutex_unlock(&a->lock);
	if (r)
		snap_free(s);
	return r;
}

/* The store's problems: logged (the agent's log is stderr) and counted. */
static void store_report(const char *path, const char *what, void *arg)
{
	unsigned int *n = arg;

	fprintf(stderr, "snapfire agent: %s: %s\n", path, what);
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

static enum MHD_Result page_summary(struct agent_http *h, struct MHD_Connection *c)
{
	struct hist w[METRIC_COUNT] = { { 0 } }, rcv = { 0 };
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

	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, query_arg, &q);
	if (q.bad[0])
		return reply_error(c, MHD_HTTP_BAD_REQUEST,
				   "unknown or repeated parameter \"%.60s\": the parameters are target, metric and window, once each",
				   hs_key_ok(q.bad) ? q.bad : "?");
	if (!q.target || !q.target[0])
		return reply_error(c, MHD_HTTP_BAD_REQUEST,
				   "target missing: add target=NAME (a target of the configuration)");
	if (q.metric) {
		for (mi = 0; mi < METRIC_COUNT; mi++)
			if (!strcmp(q.metric, metric_name(mi)))
				break;
		if (mi == METRIC_COUNT)
			return reply_error(c, MHD_HTTP_BAD_REQUEST,
					   "unknown metric: use one of rtt, fwd, rev, turnaround, tx_stage, rx_stage, ipdv, far_tx_stage");
		metric = mi;
	}
	if (!q.window)
		return reply_error(c, MHD_HTTP_BAD_REQUEST, "window missing: add window=5m, 1h or 1d");
	for (wi = 0; wi < sizeof(windows) / sizeof(windows[0]); wi++)
		if (!strcmp(q.window, windows[wi].name))
			break;
	if (wi == sizeof(windows) / sizeof(windows[0]))
		return reply_error(c, MHD_HTTP_BAD_REQUEST, "bad window: use 5m, 1h or 1d");

	s = malloc(sizeof(*s));
	if (!s)
		return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	r = snap_take(h->a, q.target, s);
	if (r == -ENOENT) {
		free(s);
		if (hs_key_ok(q.target))
			return reply_error(c, MHD_HTTP_NOT_FOUND,
					   "unknown target \"%s\": not in the running configuration",
					   q.target);
		return reply_error(c, MHD_HTTP_NOT_FOUND,
				   "unknown target: names are 1..64 of A-Z a-z 0-9 . _ : -");
	}
	if (r) {
		free(s);
		return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}

	/*
	 * The window: its last minute is the current one, from memory (not
	 * yet stored); the minutes before it from the store. 5m: the current
	 * minute and the four before it.
	 */
	now_min = s->now / 60000000000ull;
	from = now_min + 1 - windows[wi].minutes;
	for (k = 0; k < METRIC_COUNT && !r; k++) {
		r = hq_window(s->dir, s->key, k, from, now_min, &w[k], store_report, &problems);
		if (!r && (s->cur[k].count || hist_bucket_total(&s->cur[k])))
			r = hq_merge(&w[k], &s->cur[k]);
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
		ret = reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				  "reading the history store under %s: %s", s->dir, strerror(-r));
		goto out;
	}
	sent = cov.sum + s->cur_counters[AC_SENT];
	received = rcv.count + s->cur_counters[AC_RECEIVED];

	f = open_memstream(&buf, &len);
	if (!f) {
		ret = reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		goto out;
	}
	n = w[metric].count;
	have = n && hist_bucket_total(&w[metric]);
	fputs("{\"target\": ", f);
	json_escape(f, s->key);
	fprintf(f, ", \"metric\": \"%s\", \"window\": \"%s\", \"from\": \"%s\", \"to\": \"%s\"",
		metric_name(metric), windows[wi].name,
		iso_time(t1, sizeof(t1), from * 60000000000ull, false),
		iso_time(t2, sizeof(t2), s->now, true));
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
		ret = reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		goto out;
	}
	ret = reply(c, MHD_HTTP_OK, JSON_TYPE, buf, len);
out:
	for (k = 0; k < METRIC_COUNT; k++)
		hist_free(&w[k]);
	hist_free(&rcv);
	snap_free(s);
	free(s);
	return ret;
}

/* ------------------------------------------------------------------ */
/* the server */

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
			       const char *method, const char *version,
			       const char *upload_data, size_t *upload_data_size, void **req)
{
	struct agent_http *h = cls;

	(void)version;
	(void)upload_data;
	(void)req;
	if (*upload_data_size) {	/* a body we do not read */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
				   "method not allowed: only GET and HEAD");
	if (!strcmp(url, "/metrics"))
		return page_metrics(h, c);
	if (!strcmp(url, "/healthz"))
		return page_healthz(h, c);
	if (!strcmp(url, "/api/v1/summary"))
		return page_summary(h, c);
	return reply_error(c, MHD_HTTP_NOT_FOUND,
			   "no such page: the pages are /metrics, /healthz and /api/v1/summary");
}

/* MHD's messages as the agent's log lines (a timestamp each) */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	agent_log("http: %s", msg);
}

/*
 * "HOST:PORT" or "[IPV6]:PORT" (HOST an address or a name; the first
 * address it resolves to) into @ss. 0 or -1 with @err set.
 */
static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *sslen,
			char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	char host[256], *port, *end;
	struct addrinfo *res;
	const char *colon;
	unsigned long p;
	int r;

	if (s[0] == '[') {
		end = strchr(s, ']');
		if (!end || end[1] != ':' || (size_t)(end - s - 1) >= sizeof(host))
			goto bad;
		memcpy(host, s + 1, end - s - 1);
		host[end - s - 1] = '\0';
		colon = end + 1;
		hints.ai_family = AF_INET6;
		hints.ai_flags |= AI_NUMERICHOST;
	} else {
		colon = strrchr(s, ':');
		if (!colon || colon == s || strchr(s, ':') != colon ||
		    (size_t)(colon - s) >= sizeof(host))
			goto bad;
		memcpy(host, s, colon - s);
		host[colon - s] = '\0';
	}
	port = (char *)colon + 1;
	errno = 0;
	p = strtoul(port, &end, 10);
	if (!*port || *end || errno || p > 65535 || *port == '-' || *port == '+')
		goto bad;
	r = getaddrinfo(host, port, &hints, &res);
	if (r) {
		snprintf(err, errlen, "listen address \"%s\": %s: use an address of this host, e.g. 127.0.0.1:9862 or [::1]:9862",
			 s, gai_strerror(r));
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
bad:
	snprintf(err, errlen, "listen address \"%s\": expected HOST:PORT or [IPV6]:PORT, e.g. 127.0.0.1:9862",
		 s);
	return -1;
}

struct agent_http *agent_http_start(struct agent *a, char *err, size_t errlen)
{
	struct sockaddr_storage ss = { 0 };
	struct agent_http *h;
	socklen_t sslen;
	uint16_t port;
	char listen[sizeof(a->conf.listen)];
	unsigned int flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;

	pthread_mutex_lock(&a->lock);
	snprintf(listen, sizeof(listen), "%s", a->conf.listen[0] ? a->conf.listen : AGENT_LISTEN_DEFAULT);
	pthread_mutex_unlock(&a->lock);
	if (parse_listen(listen, &ss, &sslen, err, errlen))
		return NULL;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;	/* v6 only: [::] does not take v4 too */
	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->a = a;
	port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
		     ((struct sockaddr_in *)&ss)->sin_port);
	h->d = MHD_start_daemon(flags, port, NULL, NULL, handler, h,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_CONN_MAX,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)HTTP_PER_IP,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_TIMEOUT,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEM,
				MHD_OPTION_END);
	if (!h->d) {
		snprintf(err, errlen, "%s is in use or not an address of this host (the line above says which): change listen: in the configuration",
			 listen);
		free(h);
		return NULL;
	}
	(void)sslen;
	return h;
}

void agent_http_stop(struct agent_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);
	free(h);
}
