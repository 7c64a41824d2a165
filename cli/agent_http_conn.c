// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's HTTP connections (agent_http.c serves their pages):
 *
 * - each one's deadline: tracked from MHD's connection callbacks, and cut
 *   by the reaper thread HTTP_DEADLINE seconds after its accept or its
 *   last request's end (a client that trickles its headers or reads its
 *   answer a byte at a time);
 * - summaries that wait for the store: /api/v1/summary answers from the
 *   store once it has taken the minutes closed before the request. Such a
 *   request is suspended (MHD_suspend_connection) rather than waited for
 *   on MHD's only thread, so /metrics and /healthz are served meanwhile;
 *   the reaper resumes it when the store gets there or after HTTP_WAIT_S,
 *   and the handler is called again to answer;
 * - the summaries' budget of MHD's thread's time (struct http_budget;
 *   agent_http.c's page_summary() looks at it and charges it);
 * - the connections of one client and of one IPv6 /64: MHD's own limit
 *   counts each address apart, and any local user can connect from all
 *   of 127/8, anyone with a /64 from all of it.
 */
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "agent.h"
#include "agent_http_int.h"
#include "common.h"

void agent_http_client(const struct sockaddr *addr, struct http_client *who)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	const uint8_t *v4 = NULL;

	memset(who, 0, sizeof(*who));
	if (addr->sa_family == AF_INET) {
		v4 = (const uint8_t *)&((const struct sockaddr_in *)addr)->sin_addr;
	} else if (addr->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)addr)->sin6_addr;

		if (!memcmp(a->s6_addr, mapped, sizeof(mapped))) {
			v4 = a->s6_addr + 12;
		} else if (IN6_IS_ADDR_LOOPBACK(a)) {
			who->addr[15] = 1;		/* this host: ::1 */
			memcpy(who->net, who->addr, sizeof(who->net));
		} else {
			memcpy(who->addr, a->s6_addr, 16);
			/* its /64; a link-local one is its own (fe80::/64 is every link's) */
			memcpy(who->net, a->s6_addr, IN6_IS_ADDR_LINKLOCAL(a) ? 16 : 8);
		}
		if (!v4)
			return;
	} else {
		return;
	}
	if (v4[0] == 127) {
		who->addr[15] = 1;			/* this host, as ::1 */
	} else {
		memcpy(who->addr, mapped, sizeof(mapped));	/* v4-mapped */
		memcpy(who->addr + 12, v4, 4);
	}
	memcpy(who->net, who->addr, sizeof(who->net));	/* one address */
}

/*
 * MHD's thread, before a connection is made: within its client's share,
 * and its /64's?
 */
enum MHD_Result agent_http_accept(void *cls, const struct sockaddr *addr, socklen_t len)
{
	struct agent_http *h = cls;
	unsigned int n = 0, nn = 0;
	struct http_client who;
	struct http_conn *hc;

	(void)len;
	agent_http_client(addr, &who);
	pthread_mutex_lock(&h->lock);
	for (hc = h->conns; hc; hc = hc->next) {
		n += !memcmp(hc->who.addr, who.addr, sizeof(who.addr));
		nn += !memcmp(hc->who.net, who.net, sizeof(who.net));
	}
	pthread_mutex_unlock(&h->lock);
	return n < AGENT_HTTP_PER_CLIENT && nn < AGENT_HTTP_PER_NET ? MHD_YES : MHD_NO;
}

/* MHD's thread: a connection accepted (tracked) or closed (forgotten).
 * MHD reports the close before it closes the descriptor, so the reaper,
 * under h->lock, only ever shuts down a descriptor that is still this
 * connection's. */
void agent_http_conn_notify(void *cls, struct MHD_Connection *c, void **ctx,
			    enum MHD_ConnectionNotificationCode code)
{
	struct agent_http *h = cls;
	const union MHD_ConnectionInfo *ci;
	struct http_conn *hc = *ctx;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (!ci)
			return;
		hc = calloc(1, sizeof(*hc));
		if (!hc) {	/* no deadline to keep: not served */
			shutdown(ci->connect_fd, SHUT_RDWR);
			return;
		}
		hc->fd = ci->connect_fd;
		hc->since_ns = clock_ns(CLOCK_MONOTONIC);
		ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (ci && ci->client_addr)
			agent_http_client(ci->client_addr, &hc->who);
		pthread_mutex_lock(&h->lock);
		hc->next = h->conns;
		if (hc->next)
			hc->next->pprev = &hc->next;
		hc->pprev = &h->conns;
		h->conns = hc;
		pthread_mutex_unlock(&h->lock);
		*ctx = hc;
	} else if (hc) {
		pthread_mutex_lock(&h->lock);
		*hc->pprev = hc->next;
		if (hc->next)
			hc->next->pprev = hc->pprev;
		pthread_mutex_unlock(&h->lock);
		free(hc);
		*ctx = NULL;
	}
}

/* under h->lock: @w off h->waits */
static void wait_unlink(struct http_wait *w)
{
	*w->pprev = w->next;
	if (w->next)
		w->next->pprev = w->pprev;
	w->linked = false;
}

/* MHD's thread: a request ended; the next one's deadline starts now, and
 * a summary's wait is freed (off the list first if the request ended while
 * it waited: only MHD_stop_daemon ends one so, and the reaper has resumed
 * every wait before it). */
void agent_http_req_done(void *cls, struct MHD_Connection *c, void **req,
			 enum MHD_RequestTerminationCode toe)
{
	struct agent_http *h = cls;
	const union MHD_ConnectionInfo *ci;
	struct http_wait *w = *req;
	struct http_conn *hc;

	(void)toe;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	hc = ci ? ci->socket_context : NULL;
	pthread_mutex_lock(&h->lock);
	if (hc)
		hc->since_ns = clock_ns(CLOCK_MONOTONIC);
	if (w && w->linked)
		wait_unlink(w);
	pthread_mutex_unlock(&h->lock);
	free(w);
	*req = NULL;
}

int agent_http_wait(struct agent_http *h, struct MHD_Connection *c, uint64_t want, void **req)
{
	struct http_wait *w = calloc(1, sizeof(*w));

	if (!w)
		return -1;
	w->c = c;
	w->want = want;
	w->until_ns = clock_ns(CLOCK_MONOTONIC) + HTTP_WAIT_S * 1000000000ULL;
	/* suspended before the reaper can see it: it resumes only suspended ones */
	MHD_suspend_connection(c);
	pthread_mutex_lock(&h->lock);
	if (h->stop) {	/* the reaper has resumed its last: not waiting */
		pthread_mutex_unlock(&h->lock);
		MHD_resume_connection(c);
		free(w);
		return -1;
	}
	w->next = h->waits;
	if (w->next)
		w->next->pprev = &w->next;
	w->pprev = &h->waits;
	h->waits = w;
	w->linked = true;
	pthread_cond_signal(&h->cond);	/* the reaper's finer ticks */
	pthread_mutex_unlock(&h->lock);
	*req = w;
	return 0;
}

/*
 * The reaper, h->lock held: unlinks the waits that are over (the store
 * has reached theirs, their time is up, or @all) and returns up to @max of
 * their connections in @out, to be resumed once the lock is dropped. A
 * suspended connection is MHD's to keep until resumed, so it stays valid;
 * its wait is not touched again (the request may end and free it as soon
 * as it is resumed).
 */
static unsigned int waits_over(struct agent_http *h, uint64_t done, uint64_t now, bool all,
			       struct MHD_Connection **out, unsigned int max)
{
	struct http_wait *w, *next;
	unsigned int n = 0;

	for (w = h->waits; w && n < max; w = next) {
		next = w->next;
		if (all || done >= w->want || now >= w->until_ns) {
			wait_unlink(w);
			out[n++] = w->c;
		}
	}
	return n;
}

#define WAIT_TICK_NS	20000000ULL	/* the store's progress, looked at while summaries wait */
#define RESUME_BATCH	64
static struct agent_logrl cut_log_rl = AGENT_LOGRL_INIT;

/*
 * Once a second, shuts down the connections past HTTP_DEADLINE: MHD sees
 * the end of the stream on its next turn and closes them. While summaries
 * wait, every WAIT_TICK_NS, resumes those whose wait is over (jobs_done
 * read under agent.lock, not nested in h->lock). Stopping, resumes them
 * all: MHD_stop_daemon must find none suspended.
 */
void *agent_http_reaper(void *arg)
{
	struct MHD_Connection *resume[RESUME_BATCH];
	struct agent_http *h = arg;
	struct http_conn *hc;
	struct timespec ts;
	uint64_t now, done, last_cut = 0;
	unsigned int i, nr;
	int n;

	pthread_mutex_lock(&h->lock);
	for (;;) {
		now = clock_ns(CLOCK_MONOTONIC);
		if (h->stop || h->waits) {
			bool stop = h->stop;

			pthread_mutex_unlock(&h->lock);
			pthread_mutex_lock(&h->a->lock);
			done = h->a->jobs_done;
			pthread_mutex_unlock(&h->a->lock);
			pthread_mutex_lock(&h->lock);
			do {
				nr = waits_over(h, done, now, stop, resume, RESUME_BATCH);
				pthread_mutex_unlock(&h->lock);
				for (i = 0; i < nr; i++)
					MHD_resume_connection(resume[i]);
				pthread_mutex_lock(&h->lock);
			} while (nr == RESUME_BATCH);
			if (stop)
				break;
		}
		n = 0;
		if (now - last_cut >= 1000000000ULL) {
			last_cut = now;
			for (hc = h->conns; hc; hc = hc->next)
				if (!hc->cut && now - hc->since_ns > HTTP_DEADLINE * 1000000000ULL) {
					shutdown(hc->fd, SHUT_RDWR);
					hc->cut = true;
					n++;
				}
		}
		if (n) {	/* the log may block (a full pipe): not under the lock */
			pthread_mutex_unlock(&h->lock);
			agent_log_limited(&cut_log_rl,
					  "http: %d connection(s) cut: no answer sent within %d s of the request",
					  n, HTTP_DEADLINE);
			pthread_mutex_lock(&h->lock);
		}
		if (h->stop)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (h->waits) {
			ts.tv_nsec += WAIT_TICK_NS;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
		} else {
			ts.tv_sec++;
		}
		pthread_cond_timedwait(&h->cond, &h->lock, &ts);
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

/* the summaries' budget (agent_http_int.h) */

/*
 * @ns of the thread at @rate_ns a second, in ns of the clock: @ns * 1e9 /
 * @rate_ns without its overflow (a summary on a hung disk may take minutes)
 */
static uint64_t budget_time(uint64_t ns, uint64_t rate_ns)
{
	return ns / rate_ns * 1000000000ULL + ns % rate_ns * 1000000000ULL / rate_ns;
}

unsigned int agent_http_budget_wait(const struct http_budget *b, uint64_t now_ns)
{
	uint64_t wait;

	if (now_ns >= b->empty_ns)
		return 0;
	wait = b->empty_ns - now_ns;
	return (unsigned int)(wait / 1000000000ULL + (wait % 1000000000ULL != 0));
}

void agent_http_budget_charge(struct http_budget *b, uint64_t now_ns, uint64_t cost_ns)
{
	uint64_t fill = budget_time(b->burst_ns, b->rate_ns);	/* from empty to full */

	if (now_ns > fill && now_ns - fill > b->empty_ns)	/* full since: no more */
		b->empty_ns = now_ns - fill;
	b->empty_ns += budget_time(cost_ns, b->rate_ns);
}
