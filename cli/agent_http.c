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
 *				(hquery.h) and the current minute (memory):
 *				agent_summary.c
 *
 * HEAD is served as GET without the body; any other method gets 405 with
 * Allow; any other path 404. Errors are JSON {"error": "..."}.
 *
 * One thread: MHD's internal polling thread (epoll) serves every
 * connection. The pages take milliseconds (the summary reads at most a
 * day's minute records per metric) and hold agent->lock only to copy what
 * they need, so the session thread never waits on a client. A summary
 * that must wait for the store to take the minute just closed is
 * suspended meanwhile, not waited for on that thread (agent_http_conn.c).
 *
 * What clients may take is bounded, for a listen address opened beyond
 * localhost (docs/AGENT.md: still firewall it to the Prometheus servers):
 * - HTTP_CONN_MAX connections in all, AGENT_HTTP_PER_CLIENT from one
 *   address (every loopback address is one, this host) and
 *   AGENT_HTTP_PER_NET from one IPv6 /64 (agent_http_accept()), HTTP_MEM
 *   bytes of buffer each;
 * - a connection without progress for HTTP_TIMEOUT seconds is dropped
 *   (MHD), and one whose request is not answered and sent within
 *   HTTP_DEADLINE seconds of its accept or of its last request's end is
 *   cut by the reaper thread, so a client that trickles its headers or
 *   reads its answer a byte at a time (slowloris) holds a slot and a
 *   page for HTTP_DEADLINE seconds, not for ever;
 * - /metrics is one page (≈12 KB a target) shared by every request: built
 *   at most once each HTTP_PAGE_NS, and while HTTP_PAGES_MAX are still
 *   being sent, the newest is served again whatever its age. The memory of
 *   any number of scrapes is at most HTTP_PAGES_MAX + 1 pages;
 * - summaries, which read up to two day files a metric and may dump a
 *   flow from the module, share a budget of this thread's time:
 *   HTTP_SUMMARY_RATE_NS a second, HTTP_SUMMARY_BURST_NS at once (a token
 *   bucket, struct http_budget). Each summary's time is taken once it
 *   ran, so one that cost more than was left puts the budget below 0;
 *   while it is, summaries are answered 429 with Retry-After (the seconds
 *   until it is back to 0) without reading anything, and the refusals
 *   are logged, at a rate, with their count. The budget is looked at when
 *   a summary starts and again when it is resumed after waiting for the
 *   store: the computing is charged, the wait (suspended) is not.
 *   /metrics and /healthz are never refused, and whatever clients ask,
 *   summaries take at most HTTP_SUMMARY_RATE_NS of each second once the
 *   burst is spent, one summary more at a time. Wall-clock time rather
 *   than the thread's CPU time: a scrape waits for the thread, which a
 *   summary that sleeps on a cold disk or on the module's dump holds as
 *   long as one that computes.
 * A client that holds every slot delays scrapes; it costs the agent no
 * thread, no unbounded memory and no probe: the measurement runs on the
 * session thread, which never touches a connection.
 */
#include <errno.h>
#include <inttypes.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "agent.h"
#include "agent_http_int.h"
#include "common.h"
#include "fmt.h"
#include "hquery.h"
#include "hstore.h"
#include "verdict.h"

#define HTTP_CONN_MAX	AGENT_HTTP_CONN_MAX
#define HTTP_TIMEOUT	10		/* seconds without progress */
#define HTTP_MEM	(16 * 1024)	/* per connection: headers of the request */
#define HTTP_PAGE_NS	1000000000ULL	/* /metrics built at most this often */
#define HTTP_PAGES_MAX	4		/* /metrics pages in flight at once */
/*
 * Summaries may take this much of the thread a second, and this much at
 * once: a dashboard that opens with tens of 1-day summaries (a few ms
 * each) fits in the burst, and a scrape queued behind summaries waits at
 * most the burst, what refills meanwhile (a quarter: 0.67 s in all) and
 * one summary more, far below Prometheus' 10 s timeout.
 */
#define HTTP_SUMMARY_RATE_NS	250000000ULL
#define HTTP_SUMMARY_BURST_NS	500000000ULL

uint64_t agent_http_summary_rate_ns = HTTP_SUMMARY_RATE_NS;
uint64_t agent_http_summary_burst_ns = HTTP_SUMMARY_BURST_NS;

/* ------------------------------------------------------------------ */
/* responses */

/* Queues @body (@len bytes, malloc'ed, taken) with @status, and the
 * header @hdr: @val when @hdr. */
static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, const char *type,
			     char *body, size_t len, const char *hdr, const char *val)
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
	if (hdr)
		MHD_add_response_header(r, hdr, val);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result agent_http_reply(struct MHD_Connection *c, unsigned int status,
				 const char *type, char *body, size_t len)
{
	return reply(c, status, type, body, len, NULL, NULL);
}

/* {"error": @msg} with @status, and the header @hdr: @val when @hdr */
static enum MHD_Result error_reply(struct MHD_Connection *c, unsigned int status,
				   const char *msg, const char *hdr, const char *val)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

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
	return reply(c, status, JSON_TYPE, buf, len, hdr, val);
}

enum MHD_Result agent_http_error(struct MHD_Connection *c, unsigned int status,
				 const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return error_reply(c, status, msg, NULL, NULL);
}

/* "2026-12-01T10:00:00Z", or with milliseconds when @ms */
char *agent_http_iso(char *buf, size_t n, uint64_t ns, bool ms)
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

/* a /metrics page's buffer, freed when no connection is sending it */
struct metrics_page {
	struct agent_http *h;
	char *buf;
};

static void page_free(void *cls)
{
	struct metrics_page *p = cls;

	p->h->pages--;
	free(p->buf);
	free(p);
}

/* A new /metrics page as an MHD response, NULL with @err set. */
static struct MHD_Response *metrics_build(struct agent_http *h, char *err, size_t errlen)
{
	struct agent_prom_snap *snap;
	struct metrics_page *p;
	struct MHD_Response *r;
	size_t len = 0;
	FILE *f;
	int e = 0, n;

	p = calloc(1, sizeof(*p));
	f = p ? open_memstream(&p->buf, &len) : NULL;
	if (!f) {
		free(p);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->h = h;
	/* the copy under the lock, its memory and the text without it: the
	 * probing thread takes the lock on every send and reply. A reload
	 * between the count and the copy changes the count: again, with the
	 * new one (a reload takes a SIGHUP: twice in a row is rare) */
	pthread_mutex_lock(&h->a->lock);
	n = h->a->ntargets;
	pthread_mutex_unlock(&h->a->lock);
	do {
		snap = agent_prom_snap_new(n);
		if (!snap)
			break;
		pthread_mutex_lock(&h->a->lock);
		e = agent_prom_snap_fill(snap, h->a);
		n = h->a->ntargets;
		pthread_mutex_unlock(&h->a->lock);
		if (e) {
			agent_prom_snap_free(snap);
			snap = NULL;
		}
	} while (e == -EAGAIN);
	e = snap ? agent_prom_format(f, snap) : -ENOMEM;
	agent_prom_snap_free(snap);
	if (fclose(f) && !e)
		e = -ENOMEM;
	if (e) {
		snprintf(err, errlen, "could not format the metrics: %s", strerror(-e));
		goto free_page;
	}
	r = MHD_create_response_from_buffer_with_free_callback_cls(len, p->buf, page_free, p);
	if (!r) {
		snprintf(err, errlen, "out of memory");
		goto free_page;
	}
	h->pages++;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; version=0.0.4; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	return r;
free_page:
	free(p->buf);
	free(p);
	return NULL;
}

static enum MHD_Result page_metrics(struct agent_http *h, struct MHD_Connection *c)
{
	uint64_t now = clock_ns(CLOCK_MONOTONIC);
	struct MHD_Response *r;
	char err[256];

	if (!h->page || (now - h->page_ns >= HTTP_PAGE_NS && h->pages < HTTP_PAGES_MAX)) {
		r = metrics_build(h, err, sizeof(err));
		if (!r && !h->page)
			return agent_http_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s", err);
		if (r) {	/* the old page lives on while a connection sends it */
			if (h->page)
				MHD_destroy_response(h->page);
			h->page = r;
			h->page_ns = now;
		}
	}
	return MHD_queue_response(c, MHD_HTTP_OK, h->page);
}

static enum MHD_Result page_healthz(struct agent_http *h, struct MHD_Connection *c)
{
	struct agent *a = h->a;
	uint64_t last, behind;
	bool store_ok, module;
	char *buf = NULL, t[48], why[128];
	const char *status, *reason;
	size_t len = 0;
	int n;
	FILE *f;

	pthread_mutex_lock(&a->lock);
	n = a->ntargets;
	module = a->module_loaded;
	last = a->last_store_write_ns;
	store_ok = a->store_ok;
	behind = a->jobs_queued - a->jobs_done;
	pthread_mutex_unlock(&a->lock);

	if (!store_ok) {
		status = "unhealthy";
		reason = "the history store could not be written (see the agent's log)";
	} else if (behind > AGENT_STORE_BEHIND_MAX) {
		/* store_ok says how the last write went: one that hangs never ends */
		snprintf(why, sizeof(why), "the history store is %" PRIu64 " minutes behind (a slow or stalled disk?)",
			 behind);
		status = "unhealthy";
		reason = why;
	} else if (!n) {
		status = "unhealthy";
		reason = "no target is configured: no session runs";
	} else {
		status = "ok";
		reason = "";
	}
	f = open_memstream(&buf, &len);
	if (!f)
		return agent_http_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	fprintf(f, "{\"status\": \"%s\", \"reason\": ", status);
	json_escape(f, reason);
	fprintf(f, ", \"targets\": %d, \"module_loaded\": %s, \"store_ok\": %s, \"store_behind\": %" PRIu64 ", \"last_store_write\": ",
		n, module ? "true" : "false", store_ok ? "true" : "false", behind);
	if (last)
		fprintf(f, "\"%s\"}\n", agent_http_iso(t, sizeof(t), last, true));
	else
		fputs("null}\n", f);
	if (fclose(f)) {
		free(buf);
		return agent_http_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	return agent_http_reply(c, strcmp(status, "ok") ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_OK,
		     JSON_TYPE, buf, len);
}

/* ------------------------------------------------------------------ */
/* /api/v1/summary */

/* with the summaries' budget spent: 429, and the count in the log */
static struct agent_logrl budget_log_rl = AGENT_LOGRL_INIT;

static enum MHD_Result summary_refused(struct agent_http *h, struct MHD_Connection *c,
				       unsigned int wait)
{
	char msg[256], val[16];
	unsigned long long ms = h->budget.rate_ns / 1000000;
	uint64_t refused;

	pthread_mutex_lock(&h->a->lock);
	refused = ++h->a->summaries_refused;	/* /metrics counts them */
	pthread_mutex_unlock(&h->a->lock);
	agent_log_limited(&budget_log_rl,
			  "http: a summary refused with 429 (%" PRIu64 " since the start): summaries have used their %llu ms a second of the HTTP thread",
			  refused, ms);
	snprintf(msg, sizeof(msg),
		 "too many summaries: they have used their %llu ms a second of the agent's HTTP thread, the rest is for /metrics: retry after %u s",
		 ms, wait);
	snprintf(val, sizeof(val), "%u", wait);
	return error_reply(c, MHD_HTTP_TOO_MANY_REQUESTS, msg, MHD_HTTP_HEADER_RETRY_AFTER, val);
}

/*
 * The summary, within the budget: suspended while the store takes the
 * minutes closed before it (agent_http_conn.c), answered when called
 * again (*req is the wait). Each call is charged for its own time, the
 * budget looked at before each: a resumed summary is refused if others
 * spent it meanwhile, so that many resumed at once cannot hold the thread.
 */
static enum MHD_Result page_summary(struct agent_http *h, struct MHD_Connection *c, void **req)
{
	uint64_t want = 0, t0 = clock_ns(CLOCK_MONOTONIC), t1;
	unsigned int wait = agent_http_budget_wait(&h->budget, t0);
	enum MHD_Result ret;

	if (wait)
		return summary_refused(h, c, wait);
	ret = agent_page_summary(h->a, c, *req != NULL, &want);
	if (want) {
		if (agent_http_wait(h, c, want, req))
			ret = agent_page_summary(h->a, c, true, &want);
		else
			ret = MHD_YES;
	}
	t1 = clock_ns(CLOCK_MONOTONIC);
	agent_http_budget_charge(&h->budget, t1, t1 - t0);
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
	if (*upload_data_size) {	/* a body we do not read */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return agent_http_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
				   "method not allowed: only GET and HEAD");
	if (!strcmp(url, "/metrics"))
		return page_metrics(h, c);
	if (!strcmp(url, "/healthz"))
		return page_healthz(h, c);
	if (!strcmp(url, "/api/v1/summary"))
		return page_summary(h, c, req);
	return agent_http_error(c, MHD_HTTP_NOT_FOUND,
			   "no such page: the pages are /metrics, /healthz and /api/v1/summary");
}

/* MHD's messages as the agent's log lines (a timestamp each), held to a
 * rate: a client makes one per connection it aborts */
static struct agent_logrl mhd_log_rl = AGENT_LOGRL_INIT;

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	agent_log_limited(&mhd_log_rl, "http: %s", msg);
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
	unsigned int flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG |
			     MHD_ALLOW_SUSPEND_RESUME;
	pthread_condattr_t ca;
	int e;

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
	h->budget.rate_ns = agent_http_summary_rate_ns;
	h->budget.burst_ns = agent_http_summary_burst_ns;
	pthread_mutex_init(&h->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cond, &ca);
	pthread_condattr_destroy(&ca);
	port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
		     ((struct sockaddr_in *)&ss)->sin_port);
	/*
	 * The reaper first: the daemon serves from its start, and a summary
	 * it suspends must have the reaper to resume it, also before
	 * MHD_stop_daemon on the way out (which aborts the process if it
	 * finds one suspended).
	 */
	e = pthread_create(&h->reaper, NULL, agent_http_reaper, h);
	if (e) {
		snprintf(err, errlen, "cannot start the HTTP server's reaper thread: %s", strerror(e));
		goto destroy_sync;
	}
	h->d = MHD_start_daemon(flags, port, agent_http_accept, h, handler, h,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_CONN_MAX,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_TIMEOUT,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEM,
				MHD_OPTION_NOTIFY_CONNECTION, agent_http_conn_notify, h,
				MHD_OPTION_NOTIFY_COMPLETED, agent_http_req_done, h,
				MHD_OPTION_END);
	if (!h->d) {
		snprintf(err, errlen, "%s is in use or not an address of this host (the line above says which): change listen: in the configuration",
			 listen);
		goto stop_reaper;
	}
	(void)sslen;
	return h;
stop_reaper:
	pthread_mutex_lock(&h->lock);
	h->stop = true;
	pthread_cond_signal(&h->cond);
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->reaper, NULL);
destroy_sync:
	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->lock);
	free(h);
	return NULL;
}

void agent_http_stop(struct agent_http *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	h->stop = true;
	pthread_cond_signal(&h->cond);
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->reaper, NULL);	/* it resumed every summary waiting */
	MHD_stop_daemon(h->d);	/* closes every connection: conns is empty */
	if (h->page)
		MHD_destroy_response(h->page);
	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
