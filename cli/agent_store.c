// SPDX-License-Identifier: GPL-2.0
/*
 * snapfire agent: the store thread. The session thread queues each closed
 * minute (agent_queue_minute: the sessions' flow identities, counters and
 * userspace round trips); this thread reads the module's sender flows,
 * turns their cumulative histograms into the minute's deltas, appends
 * them and the counters to the history (hstore.h), merges them into the
 * totals of /metrics and prunes the store once a day.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/snapfire.h>

#include "agent_int.h"
#include "common.h"
#include "cmds.h"
#include "hquery.h"
#include "hstore.h"

/* ------------------------------------------------ userspace histograms */

/*
 * A round trip into @h in the module's buckets (kmod/hist.h, precision 6):
 * [0, 64) one nanosecond wide, then each power of two in 64 buckets; so
 * userspace and kernel minutes merge bucket for bucket.
 */
int agent_uhist_add(struct hist *h, uint64_t v)
{
	uint64_t low, high, w;
	size_t lo = 0, hi = h->nb;
	int g;

	if (v < 64) {
		low = high = v;
	} else {
		g = 63 - __builtin_clzll(v) - 6 + 1;	/* group >= 1 */
		w = 1ULL << (g - 1);
		low = v & ~(w - 1);
		high = low + w - 1;
	}
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (h->b[mid].low < low)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < h->nb && h->b[lo].low == low) {
		h->b[lo].count++;
	} else {
		if (hist_add_bucket(h, low, high, 1))
			return -1;
		memmove(&h->b[lo + 1], &h->b[lo], (h->nb - 1 - lo) * sizeof(*h->b));
		h->b[lo] = (struct bucket){ low, high, 1 };
	}
	if (!h->count || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
	h->present = 1;
	h->metric = SNAPFIRE_METRIC_RTT;
	return 0;
}

static int hist_clone(struct hist *dst, const struct hist *src);

/*
 * @out = @cur - @prev, the module's cumulative histograms a minute apart;
 * false when @cur went backwards (the flow was recreated).
 *
 * The bucket edges need not be the same in both: a histogram with more
 * non-empty buckets than a netlink attribute holds comes with runs of
 * adjacent buckets merged (kmod/nl_flow.c), and the runs shift as buckets
 * fill. So the delta is taken over the coarsest edges both share: a
 * segment ends where no bucket of either straddles it, and holds cur's
 * counts less prev's there. With the same edges (the usual case) every
 * segment is one bucket; where they differ, the delta's bucket is their
 * union -- counts exact, resolution lost only there. A segment with fewer
 * counts than before means the flow is not the one of a minute ago.
 */
bool agent_hist_delta(const struct hist *cur, const struct hist *prev, struct hist *out)
{
	struct hist sc = { 0 }, sp = { 0 };
	const struct hist *c = cur, *p = prev;
	size_t i = 0, j = 0;
	bool ok = false;

	memset(out, 0, sizeof(*out));
	if (prev && (cur->count < prev->count || cur->sum < prev->sum))
		return false;
	/* the module sends its buckets in order; anything else is put in
	 * order by a copy (hq_merge sorts what it merges) */
	if (!hq_sorted(cur)) {
		if (hist_clone(&sc, cur))
			return false;
		c = &sc;
	}
	if (prev && !hq_sorted(prev)) {
		if (hist_clone(&sp, prev))
			goto out;
		p = &sp;
	}
	while (i < c->nb || (p && j < p->nb)) {
		uint64_t low, high, cc = 0, pc = 0;
		bool more = true;

		if (i < c->nb && (!p || j >= p->nb || c->b[i].low <= p->b[j].low))
			low = c->b[i].low, high = c->b[i].high;
		else
			low = p->b[j].low, high = p->b[j].high;
		while (more) {
			more = false;
			if (i < c->nb && c->b[i].low <= high) {
				cc += c->b[i].count;
				if (c->b[i].high > high)
					high = c->b[i].high;
				i++;
				more = true;
			}
			if (p && j < p->nb && p->b[j].low <= high) {
				pc += p->b[j].count;
				if (p->b[j].high > high)
					high = p->b[j].high;
				j++;
				more = true;
			}
		}
		if (pc > cc)
			goto back;	/* fewer than a minute ago, or a bucket vanished */
		if (cc > pc && hist_add_bucket(out, low, high, cc - pc))
			break;	/* out of memory: the minute's buckets so far */
	}
	out->present = 1;
	out->metric = cur->metric;
	out->precision = cur->precision;
	out->count = cur->count - (prev ? prev->count : 0);
	out->sum = cur->sum - (prev ? prev->sum : 0);
	if (out->nb) {
		out->min = out->b[0].low < cur->min ? cur->min : out->b[0].low;
		out->max = out->b[out->nb - 1].high > cur->max ? cur->max : out->b[out->nb - 1].high;
	}
	ok = true;
	goto out;
back:
	hist_free(out);
out:
	hist_free(&sc);
	hist_free(&sp);
	return ok;
}

static int hist_clone(struct hist *dst, const struct hist *src)
{
	memset(dst, 0, sizeof(*dst));
	return hq_merge(dst, src);
}

/* ------------------------------------------------------------ the store */

/* a damaged file is found again at every minute of every target in it */
static struct agent_logrl store_log_rl = AGENT_LOGRL_INIT;

static void store_report(const char *path, const char *what, void *arg)
{
	(void)arg;
	agent_log_limited(&store_log_rl, "store: %s: %s", path, what);
}

static struct kprev *kp_find(struct kprev *v, int n, const struct job_ent *e)
{
	int i;

	for (i = 0; i < n; i++)
		if (v[i].family == e->family && v[i].lport == e->lport && v[i].ssid == e->ssid &&
		    !memcmp(v[i].peer, e->peer, 16))
			return &v[i];
	return NULL;
}

void agent_kp_free(struct kprev *v, int n)
{
	int i;
	unsigned int m;

	for (i = 0; i < n; i++)
		for (m = 0; m < METRIC_COUNT; m++)
			hist_free(&v[i].h[m]);
	free(v);
}

/* The sender flow of @fs with that identity (a session's), or NULL */
static struct flow *flow_find(struct flowset *fs, uint8_t family, uint16_t lport,
			      uint16_t ssid, const uint8_t *peer)
{
	size_t i;

	for (i = 0; i < fs->n; i++) {
		struct flow *f = &fs->v[i];

		if (f->family == family && f->local_port == lport && f->ssid == ssid &&
		    !memcmp(f->remote_addr, peer, family == AF_INET6 ? 16 : 4))
			return f;
	}
	return NULL;
}

static struct flow *flow_of(struct flowset *fs, const struct job_ent *e)
{
	return flow_find(fs, e->family, e->lport, e->ssid, e->peer);
}

/* Is the module there? Checked in /sys first: resolving the genl family
 * would load it (its alias) on a DKMS host. */
static bool module_read(struct agentd *d, struct flowset *fs)
{
	struct flow_filter flt = { .port = -1, .ssid = -1, .role = SNAPFIRE_ROLE_SENDER,
				   .hist_mask = ALL_METRICS };
	struct agent *a = &d->a;
	struct sfnl n;
	bool loaded = !access("/sys/module/snapfire", F_OK) && !sfnl_open_quiet(&n);
	int rc = 0;

	if (loaded) {
		rc = flows_get(&n, &flt, fs);
		sfnl_close(&n);
		if (rc && !d->flow_read_failing)
			agent_log("the module's flows could not be read (exit %d): this minute from userspace timestamps",
				  rc);
		d->flow_read_failing = rc != 0;
	}
	pthread_mutex_lock(&a->lock);
	if (!loaded && (a->module_loaded || !d->module_known))
		agent_event_log(a, AE_MODULE_MISSING, "the snapfire module is not loaded (modprobe snapfire): round trips from userspace timestamps only");
	else if (loaded && !a->module_loaded && d->module_known)
		agent_event_log(a, AE_MODULE_BACK, "the snapfire module is back: the kernel's histograms again");
	a->module_loaded = loaded;
	d->module_known = true;
	pthread_mutex_unlock(&a->lock);
	return loaded && !rc;
}

static void prune(struct agentd *d, const struct job *j)
{
	uint64_t day = j->minute / 1440;
	struct dirent *de;
	DIR *dir;

	if (day == d->pruned_day)
		return;
	d->pruned_day = day;
	dir = opendir(j->dir);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		int n;

		if (!hs_key_ok(de->d_name))
			continue;
		n = hs_prune(j->dir, de->d_name, j->retention, j->minute);
		if (n > 0)
			agent_log("store: %s: %d day files older than %u days deleted", de->d_name, n,
				  j->retention);
		else if (n < 0)
			agent_log("store: %s: pruning: %s", de->d_name, strerror(-n));
	}
	closedir(dir);
}

/* a->lock held: the target whose session made @e, at the index it had
 * when queued unless a reload has moved it; NULL if it is gone */
static struct agent_target *target_of(struct agent *a, const struct job_ent *e)
{
	struct agent_target *t;
	int k;

	if (e->tidx >= 0 && e->tidx < a->ntargets) {
		t = &a->targets[e->tidx];
		if (t->session && ((struct sess *)t->session)->id == e->sess_id)
			return t;
	}
	for (k = 0; k < a->ntargets; k++) {
		t = &a->targets[k];
		if (t->session && ((struct sess *)t->session)->id == e->sess_id)
			return t;
	}
	return NULL;
}

static void prom_add(struct agent_prom_bins *dst, const struct agent_prom_bins *src)
{
	size_t i;

	for (i = 0; i <= AGENT_PROM_NLE; i++)
		dst->at[i] += src->at[i];
	dst->total += src->total;
	dst->sum += src->sum;
}

/* @hsc: where the store left each day file (hstore.h); NULL: none */
static void store_job(struct agentd *d, struct job *j, struct hs_cache *hsc)
{
	struct agent *a = &d->a;
	struct flowset fs = { 0 };
	struct kprev *nkp = calloc((size_t)j->n + 1, sizeof(*nkp));
	bool kernel = module_read(d, &fs), reset = false;
	int i, nn = 0, err = 0;
	unsigned int m, c;

	for (i = 0; i < j->n; i++) {
		struct job_ent *e = &j->e[i];
		struct agent_prom_bins bins[METRIC_COUNT];
		struct agent_target *t;
		struct hist rec[METRIC_COUNT];
		struct flow *f = kernel && e->have_flow_id ? flow_of(&fs, e) : NULL;
		struct kprev *prev = f ? kp_find(d->kp, d->nkp, e) : NULL;

		memset(rec, 0, sizeof(rec));
		e->kpi = -1;
		if (f) {
			for (m = 0; m < METRIC_COUNT; m++) {
				const struct hist *pv = prev ? &prev->h[m] : NULL;

				if (!f->hist[m].count)
					continue;
				if (!agent_hist_delta(&f->hist[m], pv, &rec[m])) {
					reset = true;
					hist_clone(&rec[m], &f->hist[m]);
				}
			}
			if (nkp) {	/* the flow's histograms are the next minute's base */
				struct kprev *k = &nkp[nn];

				e->kpi = nn++;
				k->family = e->family;
				k->lport = e->lport;
				k->ssid = e->ssid;
				memcpy(k->peer, e->peer, 16);
				memcpy(k->h, f->hist, sizeof(k->h));
				memset(f->hist, 0, sizeof(f->hist));
			}
		} else {
			rec[SNAPFIRE_METRIC_RTT] = e->uh;
			memset(&e->uh, 0, sizeof(e->uh));
		}
		for (m = 0; m < METRIC_COUNT; m++) {
			int r;

			if (!rec[m].count)
				continue;
			hq_coarsen(&rec[m], HS_MAX_BUCKETS);
			r = hs_append_cached(j->dir, e->name, m, j->minute, &rec[m], hsc,
					     store_report, NULL);
			if (r && !err)
				err = r;
		}
		for (c = 0; c < AC_COUNT; c++) {
			struct hist h = { .present = 1, .count = e->counters[c] };
			int r = hs_append_cached(j->dir, e->name, AGENT_COUNTER_METRIC(c), j->minute,
						 &h, hsc, store_report, NULL);

			if (r && !err)
				err = r;
		}
		memset(bins, 0, sizeof(bins));
		for (m = 0; m < METRIC_COUNT; m++)
			if (rec[m].count)
				agent_prom_bin_add(&bins[m], &rec[m]);
		pthread_mutex_lock(&a->lock);
		if (reset)
			agent_event_log(a, AE_MODULE_BACK, "target %s: the module's flow went backwards (module reloaded or flow recreated): its counts start again",
					e->name);
		reset = false;
		t = target_of(a, e);
		if (t) {
			t->kernel = f != NULL;
			for (m = 0; m < METRIC_COUNT; m++)
				if (rec[m].count)
					prom_add(&t->prom[m], &bins[m]);
		}
		pthread_mutex_unlock(&a->lock);
		for (m = 0; m < METRIC_COUNT; m++)
			hist_free(&rec[m]);
	}
	pthread_mutex_lock(&a->lock);
	if (err && a->store_ok)
		agent_event_log(a, AE_STORE_ERROR, "cannot write the history under %s: %s (check the directory and the disk)",
				j->dir, strerror(-err));
	else if (!err && !a->store_ok)
		agent_log("the history store is written again");
	a->store_ok = !err;
	if (!err && j->n)
		a->last_store_write_ns = clock_ns(CLOCK_REALTIME);
	pthread_mutex_unlock(&a->lock);
	flowset_free(&fs);
	if (nkp && !j->partial) {
		struct kprev *old = d->kp;
		struct agent_target *t;
		int nold = d->nkp;

		/* the summaries' bases (agent_target.kbase) move with the array */
		pthread_mutex_lock(&a->lock);
		d->kp = nkp;
		d->nkp = nn;
		for (i = 0; i < a->ntargets; i++)
			a->targets[i].kbase = NULL;
		for (i = 0; i < j->n; i++) {
			t = j->e[i].kpi >= 0 ? target_of(a, &j->e[i]) : NULL;
			if (t)
				t->kbase = &nkp[j->e[i].kpi];
		}
		pthread_mutex_unlock(&a->lock);
		agent_kp_free(old, nold);
	} else if (nkp) {
		agent_kp_free(nkp, nn);
	}
	prune(d, j);
}

/*
 * The current minute of the flow @base names: the flow read from the
 * module now (one flow: the module filters the dump by remote address,
 * port, SSID and role), less @base, its histograms when the last minute
 * was stored; as
 * store_job() makes a minute, so a summary's current minute is the same
 * measure as the stored ones (the round trip between the driver's
 * hand-offs, and every stage), not the userspace round trip, which also
 * holds this host's send path. Called without agent->lock (@base is the
 * caller's copy).
 */
int agent_kernel_minute(const struct kprev *base, struct hist out[METRIC_COUNT])
{
	struct flow_filter flt = { .port = base->lport, .port_local = true, .ssid = base->ssid,
				   .role = SNAPFIRE_ROLE_SENDER, .family = base->family,
				   .hist_mask = ALL_METRICS };
	struct flowset fs = { 0 };
	struct flow *f = NULL;
	unsigned int m;
	struct sfnl n;

	memset(out, 0, METRIC_COUNT * sizeof(*out));
	memcpy(flt.peer, base->peer, sizeof(flt.peer));	/* with .family: its remote address */
	/* not through the genl family first: resolving it would load the
	 * module on a DKMS host (module_read()) */
	if (access("/sys/module/snapfire", F_OK) || sfnl_open_quiet(&n))
		return -ENOENT;
	if (!flows_get(&n, &flt, &fs))
		f = flow_find(&fs, base->family, base->lport, base->ssid, base->peer);
	sfnl_close(&n);
	for (m = 0; f && m < METRIC_COUNT; m++) {
		if (!f->hist[m].count)
			continue;
		if (!agent_hist_delta(&f->hist[m], &base->h[m], &out[m]))
			hist_clone(&out[m], &f->hist[m]);	/* recreated: all of it */
	}
	flowset_free(&fs);
	return f ? 0 : -ENOENT;
}

static void job_free(struct job *j)
{
	int i;

	for (i = 0; i < j->n; i++)
		hist_free(&j->e[i].uh);
	free(j->e);
	free(j);
}

void *agent_store_thread(void *arg)
{
	struct agentd *d = arg;
	/* this thread is the store's only writer: the cache is its own */
	struct hs_cache *hsc = hs_cache_new();

	for (;;) {
		struct job *j;

		pthread_mutex_lock(&d->qlock);
		while (!d->qhead && !d->qstop)
			pthread_cond_wait(&d->qcond, &d->qlock);
		j = d->qhead;
		if (j) {
			d->qhead = j->next;
			if (!d->qhead)
				d->qtail = NULL;
			d->qlen--;
		}
		pthread_mutex_unlock(&d->qlock);
		if (!j)
			break;
		store_job(d, j, hsc);
		job_free(j);
		pthread_mutex_lock(&d->a.lock);
		d->a.jobs_done++;
		pthread_mutex_unlock(&d->a.lock);
	}
	hs_cache_free(hsc);
	return NULL;
}

/*
 * Queues minute @minute of @n targets (@skip: those to leave out, or NULL)
 * for the store thread: their counters and userspace round trips of the
 * minute leave cur. @partial: only some targets (reload's removed ones):
 * the store thread keeps the others' module baselines.
 */
void agent_queue_minute(struct agentd *d, uint64_t minute, struct agent_target *v, int n,
			const bool *skip, bool partial)
{
	struct agent *a = &d->a;
	struct job *j = calloc(1, sizeof(*j)), *drop = NULL;
	int i;

	if (j)
		j->e = calloc((size_t)n + 1, sizeof(*j->e));
	if (!j || !j->e) {
		free(j);
		agent_log("out of memory: minute %" PRIu64 " is not stored", minute);
		return;
	}
	j->minute = minute;
	j->partial = partial;
	snprintf(j->dir, sizeof(j->dir), "%s", a->conf.state_dir);
	j->retention = a->conf.retention_days;
	pthread_mutex_lock(&a->lock);
	for (i = 0; i < n; i++) {
		struct agent_target *t = &v[i];
		struct sess *s = t->session;
		struct job_ent *e;
		unsigned int m;

		if (skip && skip[i])
			continue;
		e = &j->e[j->n++];
		e->sess_id = s->id;
		e->tidx = i;
		snprintf(e->name, sizeof(e->name), "%s", t->conf.name);
		e->have_flow_id = s->open;
		e->family = s->family;
		memcpy(e->peer, s->peer, 16);
		e->lport = s->lport;
		e->ssid = t->conf.ssid;
		memcpy(e->counters, t->cur_counters, sizeof(e->counters));
		memset(t->cur_counters, 0, sizeof(t->cur_counters));
		e->uh = t->cur[SNAPFIRE_METRIC_RTT];
		for (m = 0; m < METRIC_COUNT; m++)
			memset(&t->cur[m], 0, sizeof(t->cur[m]));
	}
	a->jobs_queued++;
	pthread_mutex_unlock(&a->lock);
	pthread_mutex_lock(&d->qlock);
	/* the store thread has not taken the oldest for that long: drop it */
	if (d->qlen >= AGENT_STORE_QUEUE_MAX && d->qhead) {
		drop = d->qhead;
		d->qhead = drop->next;
		if (!d->qhead)
			d->qtail = NULL;
		d->qlen--;
	}
	if (d->qtail)
		d->qtail->next = j;
	else
		d->qhead = j;
	d->qtail = j;
	d->qlen++;
	pthread_cond_signal(&d->qcond);
	pthread_mutex_unlock(&d->qlock);
	if (drop) {
		uint64_t dropped = drop->minute;

		job_free(drop);
		pthread_mutex_lock(&a->lock);
		a->jobs_done++;		/* it will not be: nobody waits for it */
		agent_event_log(a, AE_STORE_ERROR, "the history store has not taken a minute for %d minutes (a stalled disk?): minute %" PRIu64 " dropped, not stored",
				AGENT_STORE_QUEUE_MAX, dropped);
		pthread_mutex_unlock(&a->lock);
	}
}

