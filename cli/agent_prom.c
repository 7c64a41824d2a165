// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's /metrics page: Prometheus text exposition format 0.0.4 of
 * struct agent (agent.h). Every family has its HELP and TYPE once, then
 * its series; label values are escaped as the format says (\\, \", \n).
 *
 * Families and their series:
 *
 *	snapfire_agent_info{version}			gauge, 1
 *	snapfire_agent_targets				gauge
 *	snapfire_agent_module_loaded			gauge, 0/1
 *	snapfire_agent_events_total{event}		counter, AE_COUNT series
 *	snapfire_agent_http_summaries_refused_total	counter
 *	snapfire_target_up{target,LABELS}		gauge, 0/1
 *	snapfire_target_{sent,received,lost,reordered,duplicates,
 *		port_unreachable,implausible,late,icmp_errors}_total{target,LABELS}
 *							counters
 *	snapfire_target_METRIC_seconds{target,LABELS}	histogram per metric of
 *		hist.h (rtt, fwd, rev, turnaround, tx_stage, rx_stage, ipdv,
 *		far_tx_stage), since the agent started, with the fixed le
 *		bounds of agent_prom_le_ns plus +Inf
 *
 * Bounded cardinality. Every target has the same series whatever it
 * measured (a histogram without samples is all zeros), so:
 *
 *	per target	1 up + AC_COUNT (9) counters + METRIC_COUNT (8) x
 *			(19 le + 1 +Inf + _sum + _count = 22) = 186 series
 *	per agent	info, targets, module_loaded + AE_COUNT (8) events
 *			+ summaries refused = 12 series
 *	at most		AGENT_MAX_TARGETS (4096) x 186 + 12 = 761868 series
 *
 * Labels: target (the configured name) and at most AGENT_MAX_LABELS (8)
 * free-form labels from the config; their values are the operator's, so
 * the number of label sets is the number of targets.
 *
 * Buckets: the module's histograms have their own log-spaced buckets
 * [low, high]; a bucket counts under the first le >= high (conservative:
 * a sample is never reported faster than it was), and one above the last
 * le (10 s) only under +Inf.
 *
 * Two steps: agent_prom_snap_fill() copies what the page shows, under
 * agent->lock, into memory agent_prom_snap_new() took before it (once
 * per copy), binned by le already as each minute was stored
 * (agent_prom_bin_add: 1.3 KB a target, no per-bucket work); the 12 MB of
 * text that 1 000 targets make are formatted from that copy after the
 * lock is dropped (agent_prom_format), so the probing thread, which takes
 * the lock on every send and reply, is not held up by a scrape (make
 * bench's agent-1000 saw every target go "unreachable" during one).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "flow.h"	/* prom_escape */
#include "fmt.h"

#ifndef SNAPFIRE_VERSION
#define SNAPFIRE_VERSION "0"
#endif

const uint64_t agent_prom_le_ns[AGENT_PROM_NLE] = {
	10000, 25000, 50000,					/* 10us .. */
	100000, 250000, 500000,
	1000000, 2500000, 5000000,				/* 1ms .. */
	10000000, 25000000, 50000000,
	100000000, 250000000, 500000000,
	1000000000, 2500000000ull, 5000000000ull, 10000000000ull,	/* 1s .. 10s */
};
const int agent_prom_nle = sizeof(agent_prom_le_ns) / sizeof(agent_prom_le_ns[0]);
#define NLE	AGENT_PROM_NLE

static const char *const ac_help[AC_COUNT] = {
	"STAMP probes sent to the target since the agent started.",
	"STAMP replies received from the target since the agent started.",
	"Probes never answered (sequence numbers missing) since the agent started.",
	"Replies that arrived after one of a higher sequence number since the agent started.",
	"Replies whose sequence number had already been received since the agent started.",
	"ICMP port unreachable errors for the target's probes since the agent started: the host is there, nothing answers STAMP on that port.",
	"Replies refused since the agent started: their echoed T1 is not their probe's send time (a broken reflector, or a forger).",
	"Replies refused since the agent started: to probes sent longer ago than the agent remembers (its timeout and 2 s more, 64 probes at least), which were counted lost.",
	"ICMP errors other than port unreachable for the target's probes since the agent started: host, network or protocol unreachable, administratively prohibited (a firewall's reject), fragmentation needed.",
};
_Static_assert(AC_COUNT == 9, "a counter added to agent.h needs its help text here");

/* `target="NAME",k="v",...`: at most 8 + 2 x 64 + 8 x (68 + 2 x 128) bytes */
#define LABELS_MAX	4096

static char *target_labels(const struct agent_target_conf *c)
{
	char buf[LABELS_MAX];
	size_t len;
	int i;

	len = prom_escape(buf, LABELS_MAX, snprintf(buf, LABELS_MAX, "target=\""), c->name);
	for (i = 0; i < c->nlabels && i < AGENT_MAX_LABELS; i++) {
		len += snprintf(buf + len, LABELS_MAX - len, "\",%s=\"", c->labels[i].name);
		len = prom_escape(buf, LABELS_MAX, len, c->labels[i].value);
	}
	snprintf(buf + len, LABELS_MAX - len, "\"");
	return strdup(buf);
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The le index a bucket ending at @high counts under; NLE: +Inf only. */
static size_t le_index(uint64_t high)
{
	size_t i;

	for (i = 0; i < NLE; i++)
		if (agent_prom_le_ns[i] >= high)
			break;
	return i;
}

/* ------------------------------------------------------------ snapshot */

struct prom_target {
	char *lab;
	bool up;
	uint64_t counters[AC_COUNT];
	struct agent_prom_bins h[METRIC_COUNT];
};

struct agent_prom_snap {
	int ntargets, cap;
	bool module_loaded;
	uint64_t events[AE_COUNT];
	uint64_t summaries_refused;
	struct prom_target *t;
};

void agent_prom_bin_add(struct agent_prom_bins *p, const struct hist *h)
{
	size_t i;

	if (!h->present)
		return;
	for (i = 0; i < h->nb; i++)
		p->at[le_index(h->b[i].high)] += h->b[i].count;
	p->total += hist_bucket_total(h);
	p->sum += h->sum;
}

void agent_prom_snap_free(struct agent_prom_snap *s)
{
	int i;

	if (!s)
		return;
	for (i = 0; s->t && i < s->ntargets; i++)
		free(s->t[i].lab);
	free(s->t);
	free(s);
}

struct agent_prom_snap *agent_prom_snap_new(int ntargets)
{
	struct agent_prom_snap *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->cap = ntargets > 0 ? ntargets : 0;
	if (s->cap) {
		/* written here, not on the first copy: fresh mmap'ed memory
		 * faults its pages in at its first write, which would be under
		 * agent->lock (20 ms at 4 096 targets). explicit_bzero(): a
		 * memset(0) after malloc is folded into calloc by the compiler,
		 * which leaves the pages untouched */
		s->t = malloc((size_t)s->cap * sizeof(*s->t));
		if (!s->t) {
			free(s);
			return NULL;
		}
		explicit_bzero(s->t, (size_t)s->cap * sizeof(*s->t));
	}
	return s;
}

int agent_prom_snap_fill(struct agent_prom_snap *s, const struct agent *a)
{
	int i;

	if (a->ntargets != s->cap)
		return -EAGAIN;
	s->module_loaded = a->module_loaded;
	memcpy(s->events, a->events, sizeof(s->events));
	s->summaries_refused = a->summaries_refused;
	for (i = 0; i < a->ntargets; i++) {
		struct prom_target *t = &s->t[i];

		s->ntargets = i + 1;
		t->lab = target_labels(&a->targets[i].conf);
		if (!t->lab)
			return -ENOMEM;
		t->up = a->targets[i].up;
		memcpy(t->counters, a->targets[i].counters, sizeof(t->counters));
		memcpy(t->h, a->targets[i].prom, sizeof(t->h));
	}
	return 0;
}

struct agent_prom_snap *agent_prom_snap(const struct agent *a)
{
	struct agent_prom_snap *s = agent_prom_snap_new(a->ntargets);

	if (s && agent_prom_snap_fill(s, a)) {
		agent_prom_snap_free(s);
		return NULL;
	}
	return s;
}

/* ------------------------------------------------------------ the page */

static void histogram(FILE *f, const char *name, const char *lab,
		      const struct agent_prom_bins *h)
{
	uint64_t cum = 0;
	char buf[48];
	size_t i;

	for (i = 0; i < NLE; i++) {
		cum += h->at[i];
		fprintf(f, "%s_bucket{%s,le=\"%s\"} %" PRIu64 "\n", name, lab,
			fmt_seconds(buf, sizeof(buf), agent_prom_le_ns[i]), cum);
	}
	fprintf(f, "%s_bucket{%s,le=\"+Inf\"} %" PRIu64 "\n", name, lab, h->total);
	fprintf(f, "%s_sum{%s} %s\n", name, lab, fmt_seconds(buf, sizeof(buf), h->sum));
	fprintf(f, "%s_count{%s} %" PRIu64 "\n", name, lab, h->total);
}

int agent_prom_format(FILE *f, const struct agent_prom_snap *s)
{
	char name[96], help[256];
	unsigned int m;
	int i, c;

	family(f, "snapfire_agent_info", "gauge", "The snapfire agent's version, as a label; always 1.");
	fprintf(f, "snapfire_agent_info{version=\"");
	prom_escape(name, sizeof(name), 0, SNAPFIRE_VERSION);
	fprintf(f, "%s\"} 1\n", name);
	family(f, "snapfire_agent_targets", "gauge", "Targets in the running configuration.");
	fprintf(f, "snapfire_agent_targets %d\n", s->ntargets);
	family(f, "snapfire_agent_module_loaded", "gauge",
	       "1 when the snapfire kernel module answers; 0: round trips from userspace timestamps only.");
	fprintf(f, "snapfire_agent_module_loaded %d\n", s->module_loaded ? 1 : 0);
	family(f, "snapfire_agent_events_total", "counter",
	       "Events of the agent (each counted once per transition), by name.");
	for (c = 0; c < AE_COUNT; c++)
		fprintf(f, "snapfire_agent_events_total{event=\"%s\"} %" PRIu64 "\n",
			agent_event_names[c], s->events[c]);
	family(f, "snapfire_agent_http_summaries_refused_total", "counter",
	       "Requests of /api/v1/summary answered 429: summaries had used their share of the HTTP thread's time.");
	fprintf(f, "snapfire_agent_http_summaries_refused_total %" PRIu64 "\n", s->summaries_refused);

	family(f, "snapfire_target_up", "gauge",
	       "1 when the target replied within max(3 intervals, 3 s).");
	for (i = 0; i < s->ntargets; i++)
		fprintf(f, "snapfire_target_up{%s} %d\n", s->t[i].lab, s->t[i].up ? 1 : 0);
	for (c = 0; c < AC_COUNT; c++) {
		snprintf(name, sizeof(name), "snapfire_target_%s_total", agent_counter_names[c]);
		family(f, name, "counter", ac_help[c]);
		for (i = 0; i < s->ntargets; i++)
			fprintf(f, "%s{%s} %" PRIu64 "\n", name, s->t[i].lab, s->t[i].counters[c]);
	}
	for (m = 0; m < METRIC_COUNT; m++) {
		snprintf(name, sizeof(name), "snapfire_target_%s_seconds", metric_name(m));
		snprintf(help, sizeof(help),
			 "The %s of the target's probes since the agent started, in seconds (a module bucket counts under the first le >= its upper bound).",
			 metric_label(m));
		family(f, name, "histogram", help);
		for (i = 0; i < s->ntargets; i++)
			histogram(f, name, s->t[i].lab, &s->t[i].h[m]);
	}
	return ferror(f) ? -EIO : 0;
}

int agent_prom_write(FILE *f, const struct agent *a)
{
	struct agent_prom_snap *s = agent_prom_snap(a);
	int r;

	if (!s)
		return -ENOMEM;
	r = agent_prom_format(f, s);
	agent_prom_snap_free(s);
	return r;
}
