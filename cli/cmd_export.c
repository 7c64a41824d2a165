// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "common.h"

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
 * A flow's label set, without the braces. Formatted once per flow: a
 * flow's labels are on every line of it, some 30 lines per flow.
 */
static char *labels(const struct flow *fl)
{
	char l[64], r[64], buf[384];
	size_t len;

	endpoint_str(l, sizeof(l), fl->family, fl->local_addr, fl->local_port);
	endpoint_str(r, sizeof(r), fl->family, fl->remote_addr, fl->remote_port);
	len = snprintf(buf, sizeof(buf), "flow_id=\"%" PRIu64 "\",role=\"%s\",local=\"",
		       fl->id, role_name(fl->role));
	len = prom_escape(buf, sizeof(buf), len, l);
	len += snprintf(buf + len, sizeof(buf) - len, "\",remote=\"");
	len = prom_escape(buf, sizeof(buf), len, r);
	snprintf(buf + len, sizeof(buf) - len, "\",ssid=\"%u\"", fl->ssid);
	return strdup(buf);
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

int prom_write(FILE *f, const struct status_view *st, const struct flowset *s)
{
	char name[96], buf[48], **lab;
	unsigned int m;
	size_t i, k;
	int c;

	lab = calloc(s->n ? s->n : 1, sizeof(*lab));
	if (!lab)
		return -ENOMEM;
	for (i = 0; i < s->n; i++) {
		lab[i] = labels(&s->v[i]);
		if (!lab[i])
			goto err_free_labels;
	}

	if (st) {
		for (c = 0; c < NCOUNTERS; c++) {
			char *p;

			snprintf(name, sizeof(name), "snapfire_%s_total", counter_names[c]);
			for (p = name; *p; p++)
				if (*p == '-')
					*p = '_';
			family(f, name, "counter", counter_help[c]);
			fprintf(f, "%s %" PRIu64 "\n", name, st->counters[c]);
		}
		family(f, "snapfire_flows", "gauge", "Flows in this network namespace.");
		fprintf(f, "snapfire_flows %u\n", st->flows);
		family(f, "snapfire_memory_bytes", "gauge",
		       "Bytes of flow and histogram memory in use in this network namespace.");
		fprintf(f, "snapfire_memory_bytes %" PRIu64 "\n", st->mem);
	}
	for (m = 0; m < METRIC_COUNT; m++) {
		snprintf(name, sizeof(name), "snapfire_%s_seconds", metric_name(m));
		family(f, name, "histogram", metric_help[m]);
		for (i = 0; i < s->n; i++) {
			const struct flow *fl = &s->v[i];
			const struct hist *h = flow_hist(fl, m);
			uint64_t cum = 0, total;

			if (!h)
				continue;
			total = hist_bucket_total(h);
			for (k = 0; k < h->nb; k++) {
				cum += h->b[k].count;
				/* Buckets are inclusive of high: le is exact. */
				if (k + 1 < h->nb && h->b[k + 1].high == h->b[k].high)
					continue;
				fprintf(f, "%s_bucket{%s,le=\"%s\"} %" PRIu64 "\n", name,
					lab[i], fmt_seconds(buf, sizeof(buf), h->b[k].high),
					cum);
			}
			fprintf(f, "%s_bucket{%s,le=\"+Inf\"} %" PRIu64 "\n", name,
				lab[i], total);
			fprintf(f, "%s_sum{%s} %s\n", name, lab[i],
				fmt_seconds(buf, sizeof(buf), h->sum));
			fprintf(f, "%s_count{%s} %" PRIu64 "\n", name, lab[i], total);
		}
	}
	for (k = 0; k < ARRAY_SIZE(flow_fields); k++) {
		const struct flow_field *ff = &flow_fields[k];

		family(f, ff->name, ff->type, ff->help);
		for (i = 0; i < s->n; i++) {
			uint64_t v = field_get(&s->v[i], ff);

			if (ff->ns)
				fprintf(f, "%s{%s} %s\n", ff->name, lab[i],
					fmt_seconds(buf, sizeof(buf), v));
			else
				fprintf(f, "%s{%s} %" PRIu64 "\n", ff->name, lab[i], v);
		}
	}
	for (i = 0; i < s->n; i++)
		free(lab[i]);
	free(lab);
	return 0;

err_free_labels:
	while (i--)
		free(lab[i]);
	free(lab);
	return -ENOMEM;
}

int cmd_export(int argc, char **argv)
{
	struct flowset s = { 0 };
	struct status_view st;
	struct sfnl n;
	bool prom = false;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (want_help("export", argv[i]))
			return EXIT_OK;
		if (!strcmp(argv[i], "--prometheus") || !strcmp(argv[i], "-p"))
			prom = true;
		else
			return usage_err("export", "unexpected argument '%s'", argv[i]);
	}
	if (!prom)
		return usage_err("export", "which format? the only one is --prometheus");
	rc = sfnl_open(&n);
	if (rc)
		return rc;
	rc = status_get(&n, &st);
	if (!rc)
		rc = flows_get(&n, NULL, &s);
	sfnl_close(&n);
	if (!rc && prom_write(stdout, &st, &s)) {
		errmsg("export: out of memory formatting %zu flows", s.n);
		rc = EXIT_FAIL;
	}
	flowset_free(&s);
	return rc;
}
