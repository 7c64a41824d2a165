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
 *	snapfire_target_up{target,LABELS}		gauge, 0/1
 *	snapfire_target_{sent,received,lost,reordered,duplicates}_total{target,LABELS}
 *							counters
 *	snapfire_target_METRIC_seconds{target,LABELS}	histogram per metric of
 *		hist.h (rtt, fwd, rev, turnaround, tx_stage, rx_stage, ipdv,
 *		far_tx_stage), since the agent started, with the fixed le
 *		bounds of agent_prom_le_ns plus +Inf
 *
 * Bounded cardinality. Every target has the same series whatever it
 * measured (a histogram without samples is all zeros), so:
 *
 *	per target	1 up + AC_COUNT (5) counters + METRIC_COUNT (8) x
 *			(19 le + 1 +Inf + _sum + _count = 22) = 182 series
 *	per agent	info, targets, module_loaded + AE_COUNT (8) events
 *			= 11 series
 *	at most		AGENT_MAX_TARGETS (4096) x 182 + 11 = 745483 series
 *
 * Labels: target (the configured name) and at most AGENT_MAX_LABELS (8)
 * free-form labels from the config; their values are the operator's, so
 * the number of label sets is the number of targets.
 *
 * Buckets: the module's histograms have their own log-spaced buckets
 * [low, high]; a bucket counts under the first le >= high (conservative:
 * a sample is never reported faster than it was), and one above the last
 * le (10 s) only under +Inf.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "flow.h"	/* prom_escape */
#include "fmt.h"

#ifndef SNAPFIRE_VERSION
#define SNAPFIRE_VERSION "0"
#endif

const uint64_t agent_prom_le_ns[] = {
	10000, 25000, 50000,					/* 10us .. */
	100000, 250000, 500000,
	1000000, 2500000, 5000000,				/* 1ms .. */
	10000000, 25000000, 50000000,
	100000000, 250000000, 500000000,
	1000000000, 2500000000ull, 5000000000ull, 10000000000ull,	/* 1s .. 10s */
};
const int agent_prom_nle = sizeof(agent_prom_le_ns) / sizeof(agent_prom_le_ns[0]);
#define NLE	(sizeof(agent_prom_le_ns) / sizeof(agent_prom_le_ns[0]))

static const char *const ac_help[AC_COUNT] = {
	"STAMP probes sent to the target since the agent started.",
	"STAMP replies received from the target since the agent started.",
	"Probes never answered (sequence numbers missing) since the agent started.",
	"Replies that arrived after one of a higher sequence number since the agent started.",
	"Replies whose sequence number had already been received since the agent started.",
};
_Static_assert(AC_COUNT == 5, "a counter added to agent.h needs its help text here");

/* `target="NAME",k="v",...`: at most 8 + 2 x 64 + 8 x (68 + 2 x 128) bytes */
#define LABELS_MAX	4096

static void target_labels(char *buf, const struct agent_target_conf *c)
{
	size_t len;
	int i;

	len = prom_escape(buf, LABELS_MAX, snprintf(buf, LABELS_MAX, "target=\""), c->name);
	for (i = 0; i < c->nlabels && i < AGENT_MAX_LABELS; i++) {
		len += snprintf(buf + len, LABELS_MAX - len, "\",%s=\"", c->labels[i].name);
		len = prom_escape(buf, LABELS_MAX, len, c->labels[i].value);
	}
	snprintf(buf + len, LABELS_MAX - len, "\"");
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

static void histogram(FILE *f, const char *name, const char *lab, const struct hist *h)
{
	uint64_t at[NLE + 1] = { 0 }, cum = 0, total = 0, sum = 0;
	char buf[48];
	size_t i;

	if (h->present) {
		for (i = 0; i < h->nb; i++)
			at[le_index(h->b[i].high)] += h->b[i].count;
		total = hist_bucket_total(h);
		sum = h->sum;
	}
	for (i = 0; i < NLE; i++) {
		cum += at[i];
		fprintf(f, "%s_bucket{%s,le=\"%s\"} %" PRIu64 "\n", name, lab,
			fmt_seconds(buf, sizeof(buf), agent_prom_le_ns[i]), cum);
	}
	fprintf(f, "%s_bucket{%s,le=\"+Inf\"} %" PRIu64 "\n", name, lab, total);
	fprintf(f, "%s_sum{%s} %s\n", name, lab, fmt_seconds(buf, sizeof(buf), sum));
	fprintf(f, "%s_count{%s} %" PRIu64 "\n", name, lab, total);
}

int agent_prom_write(FILE *f, const struct agent *a)
{
	char name[96], help[160], (*lab)[LABELS_MAX] = NULL;
	unsigned int m;
	int i, c;

	if (a->ntargets > 0) {
		lab = calloc(a->ntargets, sizeof(*lab));
		if (!lab)
			return -ENOMEM;
		for (i = 0; i < a->ntargets; i++)
			target_labels(lab[i], &a->targets[i].conf);
	}

	family(f, "snapfire_agent_info", "gauge", "The snapfire agent's version, as a label; always 1.");
	fprintf(f, "snapfire_agent_info{version=\"");
	prom_escape(name, sizeof(name), 0, SNAPFIRE_VERSION);
	fprintf(f, "%s\"} 1\n", name);
	family(f, "snapfire_agent_targets", "gauge", "Targets in the running configuration.");
	fprintf(f, "snapfire_agent_targets %d\n", a->ntargets);
	family(f, "snapfire_agent_module_loaded", "gauge",
	       "1 when the snapfire kernel module answers; 0: round trips from userspace timestamps only.");
	fprintf(f, "snapfire_agent_module_loaded %d\n", a->module_loaded ? 1 : 0);
	family(f, "snapfire_agent_events_total", "counter",
	       "Events of the agent (each counted once per transition), by name.");
	for (c = 0; c < AE_COUNT; c++)
		fprintf(f, "snapfire_agent_events_total{event=\"%s\"} %" PRIu64 "\n",
			agent_event_names[c], a->events[c]);

	family(f, "snapfire_target_up", "gauge",
	       "1 when the target replied within max(3 intervals, 3 s).");
	for (i = 0; i < a->ntargets; i++)
		fprintf(f, "snapfire_target_up{%s} %d\n", lab[i], a->targets[i].up ? 1 : 0);
	for (c = 0; c < AC_COUNT; c++) {
		snprintf(name, sizeof(name), "snapfire_target_%s_total", agent_counter_names[c]);
		family(f, name, "counter", ac_help[c]);
		for (i = 0; i < a->ntargets; i++)
			fprintf(f, "%s{%s} %" PRIu64 "\n", name, lab[i],
				a->targets[i].counters[c]);
	}
	for (m = 0; m < METRIC_COUNT; m++) {
		snprintf(name, sizeof(name), "snapfire_target_%s_seconds", metric_name(m));
		snprintf(help, sizeof(help),
			 "The %s of the target's probes since the agent started, in seconds (a module bucket counts under the first le >= its upper bound).",
			 metric_label(m));
		family(f, name, "histogram", help);
		for (i = 0; i < a->ntargets; i++)
			histogram(f, name, lab[i], &a->targets[i].cum[m]);
	}
	free(lab);
	return ferror(f) ? -EIO : 0;
}
