// SPDX-License-Identifier: GPL-2.0
/*
 * snapfire agent: one STAMP session per configured target, indefinitely;
 * once a minute each target's delta histograms and counters go to the
 * history store (hstore.h); SIGHUP reloads; events are counted and logged
 * once per transition. See agent.h for the threads and the shared state.
 *
 * Threads. The session thread (the main one) owns every socket: it sends,
 * receives, times probes out and writes the JSON Lines, all from one
 * ppoll() over all the sessions' sockets. One thread for all targets
 * rather than one each: 1000 targets at 1 probe/s are a thousand
 * datagrams a second for one poll loop (make bench's agent-1000 measures
 * its CPU); a thread per target would cost a stack each,
 * contend on agent->lock at every reply and make a reload (sessions kept,
 * added, closed) a matter of starting and joining threads. The one thing
 * that blocks is the minute's work -- the module's flow dump and one
 * fdatasync'ed hs_append per target, metric and counter -- so it runs in a
 * second thread, the store thread, which the session thread hands each
 * closed minute to (a job: the identities of the sessions' flows, their
 * counters and their userspace round trips). Host names are looked up in
 * short-lived threads of their own (sess_resolve). The HTTP server's
 * threads (agent_http.c) only read, under agent->lock.
 *
 * Counters are the agent's own: a probe is sent when send() took it,
 * received when its reply came within the timeout, lost when none did
 * (a reply after the timeout stays lost: sent = received + lost + the
 * probes still in flight). The timeout is max(3 intervals, 3 s), the same
 * as the up/down rule. Histograms are the module's when its sender flow of
 * the session is found (all metrics, T1/T4 stamped in the kernel);
 * otherwise the round trip from userspace timestamps only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/snapfire.h>

#include "agent_int.h"
#include "cmds.h"
#include "common.h"

static volatile sig_atomic_t got_hup, got_term;

/* Opens @t's session, and says under the lock which flow it probes with */
static void sess_open(struct agent *a, struct agent_target *t)
{
	struct sess *s = t->session;

	agent_sess_open(t);
	pthread_mutex_lock(&a->lock);
	if (s->open)
		t->flow_lport = s->lport;
	pthread_mutex_unlock(&a->lock);
}

/* Closes minute @minute for every target. A session past SEQ_RECYCLE
 * probes restarts here, after its flow's identity was taken. */
static void close_minute(struct agentd *d, uint64_t minute)
{
	struct agent *a = &d->a;
	int i;

	agent_queue_minute(d, minute, a->targets, a->ntargets, NULL, false);
	for (i = 0; i < a->ntargets; i++) {
		struct sess *s = a->targets[i].session;

		if (s->open && s->p.sent >= SEQ_RECYCLE) {
			pthread_mutex_lock(&a->lock);
			a->targets[i].counters[AC_LOST] += s->npend;
			a->targets[i].cur_counters[AC_LOST] += s->npend;
			agent_sess_count_unreach(&a->targets[i]);
			pthread_mutex_unlock(&a->lock);
			agent_sess_close(s);
			sess_open(a, &a->targets[i]);
		}
	}
}

/* ------------------------------------------------------------ open files */

/*
 * Every target's session holds a UDP socket, so AGENT_MAX_TARGETS targets
 * need more descriptors than the usual soft RLIMIT_NOFILE (1024). At start
 * the soft limit is raised, within the hard one, to what the largest
 * configuration needs (a reload may add targets); the unit sets
 * LimitNOFILE=8192 (its system call filter refuses setrlimit). Besides the
 * sockets: stdio, the JSON Lines file, the netlink socket, the store's
 * file, the HTTP server's listening socket, epoll and connections
 * (AGENT_HTTP_CONN_MAX, 256: clients hold them, so they must not be able
 * to take the files the sessions, the store or the netlink socket need)
 * and the name lookups' sockets: AGENT_FD_SPARE.
 */
#define AGENT_FD_SPARE	(AGENT_HTTP_CONN_MAX + 64)

static void nofile_raise(void)
{
	rlim_t want = (rlim_t)AGENT_MAX_TARGETS + AGENT_FD_SPARE;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);	/* refused: nofile_check tells */
}

/* 0 if @ntargets sessions fit the open-file limit; else -1 and why in @err */
static int nofile_check(int ntargets, char *err, size_t n)
{
	rlim_t need = (rlim_t)ntargets + AGENT_FD_SPARE;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return 0;
	snprintf(err, n, "%d targets need %llu open files (a UDP socket each and %d more); the limit is %llu (hard %llu): raise it (ulimit -n %llu; LimitNOFILE= in the systemd unit) or configure fewer targets",
		 ntargets, (unsigned long long)need, AGENT_FD_SPARE,
		 (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max,
		 (unsigned long long)need);
	return -1;
}

/* ------------------------------------------------------------ targets, reload */

static void target_free(struct agent_target *t)
{
	unsigned int m;

	for (m = 0; m < METRIC_COUNT; m++) {
		hist_free(&t->cur[m]);
	}
	agent_sess_free(t->session);
	t->session = NULL;
}

/* The targets of @c, those agent_target_same() as one of @old taken over
 * (session, counters, histograms); the others new. NULL when out of memory. */
static struct agent_target *targets_build(struct agentd *d, const struct agent_conf *c,
					  struct agent_target *old, int nold, bool *taken)
{
	struct agent_target *v = calloc((size_t)c->ntargets + 1, sizeof(*v));
	int i, k;

	if (!v)
		return NULL;
	for (i = 0; i < c->ntargets; i++) {
		for (k = 0; k < nold; k++) {
			if (!taken[k] && agent_target_same(&old[k].conf, &c->targets[i])) {
				v[i] = old[k];
				taken[k] = true;
				break;
			}
		}
		v[i].conf = c->targets[i];
		if (k < nold)
			continue;
		v[i].session = agent_sess_new(d);
		if (!v[i].session)
			goto fail;
	}
	return v;
fail:
	/* undo: the taken ones stay @old's, the new ones are freed */
	for (k = 0; k < i; k++) {
		int o;

		for (o = 0; o < nold; o++)
			if (taken[o] && old[o].session == v[k].session)
				break;
		if (o == nold)
			target_free(&v[k]);
	}
	for (k = 0; k < nold; k++)
		taken[k] = false;
	free(v);
	return NULL;
}

static int http_start(struct agentd *d)
{
	char err[512] = "";

	d->http = agent_http_start(&d->a, err, sizeof(err));
	if (!d->http) {
		agent_log("HTTP: cannot listen on %s: %s", d->a.conf.listen, err);
		return -1;
	}
	return 0;
}

static void http_stop(struct agentd *d)
{
	if (d->http)
		agent_http_stop(d->http);
	d->http = NULL;
}

static void set_listen(struct agent *a, const char *listen)
{
	pthread_mutex_lock(&a->lock);
	snprintf(a->conf.listen, sizeof(a->conf.listen), "%s", listen);
	pthread_mutex_unlock(&a->lock);
}

/*
 * SIGHUP: the file again. A new listen address is tried first (the old
 * one back if it fails, and the reload refused); then, under the lock
 * (the store thread merges into the old targets' histograms), the new
 * targets take over the unchanged ones' sessions and histograms.
 */
static void reload(struct agentd *d)
{
	struct agent *a = &d->a;
	struct agent_conf nc;
	struct agent_target *v, *old = a->targets;
	char err[1024], old_listen[sizeof(a->conf.listen)];
	int nold = a->ntargets, k, kept = 0;
	bool *taken;

	if (agent_conf_load(d->path, &nc, err, sizeof(err))) {
		pthread_mutex_lock(&a->lock);
		agent_event_log(a, AE_CONFIG_RELOAD_FAILED, "%s; the running configuration is kept", err);
		pthread_mutex_unlock(&a->lock);
		return;
	}
	if (nofile_check(nc.ntargets, err, sizeof(err))) {
		pthread_mutex_lock(&a->lock);
		agent_event_log(a, AE_CONFIG_RELOAD_FAILED, "%s: %s; the running configuration is kept",
				d->path, err);
		pthread_mutex_unlock(&a->lock);
		agent_conf_free(&nc);
		return;
	}
	snprintf(old_listen, sizeof(old_listen), "%s", a->conf.listen);
	if (strcmp(old_listen, nc.listen)) {
		http_stop(d);
		set_listen(a, nc.listen);
		if (http_start(d)) {
			bool back;

			set_listen(a, old_listen);
			back = !http_start(d);
			pthread_mutex_lock(&a->lock);
			agent_event_log(a, AE_CONFIG_RELOAD_FAILED, "%s: listen %s: cannot listen there; the running configuration is kept%s%s%s",
					d->path, nc.listen,
					back ? "" : ", but its address ",
					back ? "" : old_listen,
					back ? "" : " cannot be listened on again either: no HTTP until the next reload");
			pthread_mutex_unlock(&a->lock);
			agent_conf_free(&nc);
			return;
		}
	}
	taken = calloc((size_t)nold + 1, sizeof(*taken));
	pthread_mutex_lock(&a->lock);
	v = taken ? targets_build(d, &nc, old, nold, taken) : NULL;
	if (v) {
		agent_conf_free(&a->conf);
		a->conf = nc;
		a->targets = v;
		a->ntargets = nc.ntargets;
	}
	pthread_mutex_unlock(&a->lock);
	if (!v) {
		free(taken);
		agent_conf_free(&nc);
		pthread_mutex_lock(&a->lock);
		agent_event_log(a, AE_CONFIG_RELOAD_FAILED, "%s: out of memory; the running configuration is kept",
				d->path);
		pthread_mutex_unlock(&a->lock);
		return;
	}
	for (k = 0; k < nold; k++)
		kept += taken[k];
	/* the removed targets' minute so far is stored too */
	if (kept < nold)
		agent_queue_minute(d, d->minute, old, nold, taken, true);
	for (k = 0; k < nold; k++)
		if (!taken[k])
			target_free(&old[k]);
	free(old);
	free(taken);
	pthread_mutex_lock(&a->lock);
	agent_event_log(a, AE_CONFIG_RELOAD, "%s: %d targets (%d kept with their sessions and history, %d new, %d removed)",
			d->path, a->ntargets, kept, a->ntargets - kept, nold - kept);
	pthread_mutex_unlock(&a->lock);
}

/* ------------------------------------------------------------ the loop */

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

/*
 * Every few seconds: the sockets' receive timestamping follows the module
 * (probe_tsflags()). Loaded, it stamps the replies itself, and a socket
 * that still asked the stack to stamp would keep the stack's timestamping
 * on for every packet on the host; unloaded, a socket that does not ask
 * gets no stamp, and its replies are timed when they are read.
 */
#define TSFLAGS_CHECK_NS	(5 * NSEC)
static void follow_module(struct agentd *d, uint64_t now)
{
	int i, tsflags = probe_tsflags();

	d->tsflags_at = now + TSFLAGS_CHECK_NS;
	for (i = 0; i < d->a.ntargets; i++) {
		struct sess *s = d->a.targets[i].session;

		if (s->open)
			probe_set_tsflags(&s->p, tsflags);
	}
}

static void run(struct agentd *d, const sigset_t *orig)
{
	struct agent *a = &d->a;
	struct pollfd *pfd = calloc(AGENT_MAX_TARGETS, sizeof(*pfd));
	int *idx = calloc(AGENT_MAX_TARGETS, sizeof(*idx));
	uint64_t due = 0;	/* when the last ppoll() was to return at the latest */

	if (!pfd || !idx) {
		agent_log("out of memory");
		free(pfd);
		free(idx);
		return;
	}
	d->minute = clock_ns(CLOCK_REALTIME) / MINUTE_NS;
	while (!got_term) {
		uint64_t now = clock_ns(CLOCK_MONOTONIC), real = clock_ns(CLOCK_REALTIME), wake;
		struct timespec ts;
		int i, n = 0, r;

		/* back long after the wake asked for: the process was stopped
		 * or starved, and that time is no target's silence */
		if (due && now > due + STALL_NS)
			agent_sess_stalled(d, now - due);

		if (got_hup) {
			got_hup = 0;
			reload(d);
			agent_jsonl_open(d);	/* logrotate's SIGHUP: even if the file was refused */
		}
		if (real / MINUTE_NS != d->minute) {
			close_minute(d, d->minute);
			d->minute = real / MINUTE_NS;
		}
		if (now >= d->tsflags_at)
			follow_module(d, now);
		wake = now + NSEC;
		if ((d->minute + 1) * MINUTE_NS - real < NSEC)
			wake = now + ((d->minute + 1) * MINUTE_NS - real);
		for (i = 0; i < a->ntargets; i++) {
			struct agent_target *t = &a->targets[i];
			struct sess *s = t->session;
			uint64_t to = timeout_ns(&t->conf);

			if (!s->open && now >= s->retry_at)
				sess_open(a, t);
			agent_sess_timeouts(d, t, now);
			if (!s->open) {
				/* no socket: an "error" record each interval (a
				 * first lookup gets one interval before it) */
				if (now >= s->next) {
					if (s->next || !s->rs)
						agent_jsonl_rec(d, t->conf.name, real, "error", 0, s->why);
					s->next = now + (uint64_t)llround(t->conf.interval * 1e9);
				}
				if (s->retry_at < wake)
					wake = s->retry_at;
				if (s->next < wake)
					wake = s->next;
				continue;
			}
			if (now >= s->next)
				agent_sess_send(d, t, now);
			if (s->next < wake)
				wake = s->next;
			if (s->npend && s->pend[0].mono + to < wake)
				wake = s->pend[0].mono + to;
			if (s->reach != -1 && s->since + to < wake)
				wake = s->since + to;
			pfd[n] = (struct pollfd){ .fd = s->p.fd, .events = POLLIN };
			idx[n++] = i;
		}
		now = clock_ns(CLOCK_MONOTONIC);
		if (wake < now)
			wake = now;
		ts.tv_sec = (time_t)((wake - now) / NSEC);
		ts.tv_nsec = (long)((wake - now) % NSEC);
		due = wake;
		r = ppoll(pfd, (nfds_t)n, &ts, orig);
		if (r <= 0)
			continue;
		now = clock_ns(CLOCK_MONOTONIC);
		for (i = 0; i < n; i++)
			if (pfd[i].revents)
				agent_sess_drain(d, &a->targets[idx[i]], now);
	}
	free(pfd);
	free(idx);
}

static void agentd_free(struct agentd *d)
{
	int i;

	for (i = 0; i < d->a.ntargets; i++)
		target_free(&d->a.targets[i]);
	free(d->a.targets);
	agent_conf_free(&d->a.conf);
	agent_kp_free(d->kp, d->nkp);
	if (d->jsonl)
		fclose(d->jsonl);
	pthread_mutex_destroy(&d->a.lock);
	pthread_mutex_destroy(&d->qlock);
	pthread_cond_destroy(&d->qcond);
	free(d);
}

int cmd_agent(int argc, char **argv)
{
	const char *path = AGENT_CONF_DEFAULT, *netns = NULL;
	struct agentd *d;
	struct agent_conf c;
	struct sigaction sa;
	sigset_t block, orig;
	char err[1024];
	bool check = false, *taken;
	int i, rc = EXIT_OK;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (want_help("agent", a))
			return EXIT_OK;
		if (!strcmp(a, "--check")) {
			check = true;
		} else if (!strcmp(a, "-c") || !strcmp(a, "--config")) {
			if (++i >= argc)
				return usage_err("agent", "%s needs a file", a);
			path = argv[i];
		} else if (!strcmp(a, "-n") || !strcmp(a, "--netns")) {
			if (++i >= argc)
				return usage_err("agent", "%s needs a namespace name", a);
			netns = argv[i];
		} else {
			return usage_err("agent", "unknown argument '%s'", a);
		}
	}
	if (agent_conf_load(path, &c, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return EXIT_USAGE;
	}
	if (check) {
		printf("%s: ok, %d targets\n", path, c.ntargets);
		agent_conf_free(&c);
		return EXIT_OK;
	}
	nofile_raise();
	if (nofile_check(c.ntargets, err, sizeof(err))) {
		fprintf(stderr, "snapfire agent: %s: %s\n", path, err);
		agent_conf_free(&c);
		return EXIT_FAIL;
	}
	if (netns && (rc = netns_enter(netns))) {
		agent_conf_free(&c);
		return rc;
	}
	d = calloc(1, sizeof(*d));
	taken = NULL;
	if (!d) {
		agent_conf_free(&c);
		errmsg("out of memory");
		return EXIT_FAIL;
	}
	d->path = path;
	pthread_mutex_init(&d->a.lock, NULL);
	pthread_mutex_init(&d->qlock, NULL);
	pthread_cond_init(&d->qcond, NULL);
	d->a.conf = c;
	d->a.store_ok = true;
	d->a.module_loaded = true;
	d->a.started_ns = clock_ns(CLOCK_REALTIME);
	d->a.targets = targets_build(d, &c, NULL, 0, taken);
	if (!d->a.targets) {
		errmsg("out of memory");
		agentd_free(d);
		return EXIT_FAIL;
	}
	d->a.ntargets = c.ntargets;
	if (mkdir(c.state_dir, 0750) && errno != EEXIST)
		agent_log("cannot create the state directory %s: %s (history is not stored until it exists)",
			  c.state_dir, strerror(errno));
	agent_jsonl_open(d);

	/* signals only in ppoll (the session thread); every other thread,
	 * the store's and the HTTP server's, inherits them blocked */
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &block, &orig);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigdelset(&orig, SIGHUP);
	sigdelset(&orig, SIGINT);
	sigdelset(&orig, SIGTERM);
	sigaddset(&orig, SIGPIPE);

	if (agent_log_start())
		agent_log("cannot start the log's thread: lines are written directly (a stalled journald stalls the agent)");
	if (pthread_create(&d->store_th, NULL, agent_store_thread, d)) {
		agent_log_stop(2000);	/* the queued lines before this one */
		errmsg("agent: cannot start the store thread");
		agentd_free(d);
		return EXIT_FAIL;
	}
	if (http_start(d)) {
		rc = EXIT_FAIL;
		got_term = 1;
	} else {
		agent_log("started: %s, %d targets, history in %s, HTTP on %s%s%s", path, d->a.ntargets,
			  c.state_dir, c.listen, c.jsonl[0] ? ", JSON Lines to " : "", c.jsonl);
	}
	if (!rc) {
		/* the module at start: the store thread follows it each minute */
		if (access("/sys/module/snapfire", F_OK)) {
			pthread_mutex_lock(&d->a.lock);
			agent_event_log(&d->a, AE_MODULE_MISSING, "the snapfire module is not loaded (modprobe snapfire): round trips from userspace timestamps only");
			d->a.module_loaded = false;
			pthread_mutex_unlock(&d->a.lock);
		}
		d->module_known = true;
		run(d, &orig);
	}
	/* the partial minute is stored too */
	if (!rc)
		close_minute(d, d->minute);
	pthread_mutex_lock(&d->qlock);
	d->qstop = true;
	pthread_cond_signal(&d->qcond);
	pthread_mutex_unlock(&d->qlock);
	pthread_join(d->store_th, NULL);
	http_stop(d);
	if (!rc)
		agent_log("stopped");
	agent_log_stop(2000);
	agentd_free(d);
	return rc;
}
