// SPDX-License-Identifier: GPL-2.0
/* The agent's /metrics page (agent_prom.c) from a struct agent built by hand. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "unit.h"

/* @text holds the whole line @line */
static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line))) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
		p++;
	}
	return false;
}

static int count_prefix(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);
	const char *p = text;
	int c = 0;

	for (; *p; p = strchr(p, '\n') + 1) {
		if (!strncmp(p, prefix, n))
			c++;
		if (!strchr(p, '\n'))
			break;
	}
	return c;
}

#define LAB_A	"target=\"tokyo-1\",region=\"j\\\"p\",dc=\"a\\\\b\",note=\"x\\ny\""

void test_agent_prom(void)
{
	static const char *const le_text[] = {
		"0.00001", "0.000025", "0.00005", "0.0001", "0.00025", "0.0005", "0.001",
		"0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1",
		"2.5", "5", "10",
	};
	/* cumulative counts of target A's rtt at each le above */
	static const int cum_a[] = { 2, 5, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 10, 10, 10 };
	struct agent_target t[2];
	struct agent a = { .targets = t, .ntargets = 2, .module_loaded = true };
	char *text = NULL, line[512], *p;
	size_t len = 0, series = 0;
	bool rising = true, fam_ok = true;
	FILE *f;
	int i, r;

	CHECK(agent_prom_nle == 19 && agent_prom_le_ns[0] == 10000 &&
	      agent_prom_le_ns[18] == 10000000000ull, "agent prom: 19 fixed le bounds, 10us .. 10s");
	for (i = 1; i < agent_prom_nle; i++)
		rising &= agent_prom_le_ns[i] > agent_prom_le_ns[i - 1];
	CHECK(rising, "agent prom: le bounds rise");

	memset(t, 0, sizeof(t));
	snprintf(t[0].conf.name, sizeof(t[0].conf.name), "tokyo-1");
	t[0].conf.nlabels = 3;
	snprintf(t[0].conf.labels[0].name, AGENT_LABEL_NAME_MAX + 1, "region");
	snprintf(t[0].conf.labels[0].value, AGENT_LABEL_VALUE_MAX + 1, "j\"p");
	snprintf(t[0].conf.labels[1].name, AGENT_LABEL_NAME_MAX + 1, "dc");
	snprintf(t[0].conf.labels[1].value, AGENT_LABEL_VALUE_MAX + 1, "a\\b");
	snprintf(t[0].conf.labels[2].name, AGENT_LABEL_NAME_MAX + 1, "note");
	snprintf(t[0].conf.labels[2].value, AGENT_LABEL_VALUE_MAX + 1, "x\ny");
	t[0].up = true;
	t[0].counters[AC_SENT] = 100;
	t[0].counters[AC_RECEIVED] = 97;
	t[0].counters[AC_LOST] = 3;
	t[0].counters[AC_REORDERED] = 1;
	t[0].counters[AC_DUPLICATES] = 2;
	t[0].counters[AC_PORT_UNREACHABLE] = 4;
	t[0].counters[AC_IMPLAUSIBLE] = 5;
	t[0].counters[AC_LATE] = 6;
	t[0].counters[AC_ICMP_ERRORS] = 8;
	/* buckets on, just above and far above the le bounds, in two minutes
	 * binned as each is stored: the page shows their sum */
	{
		struct hist h1 = { .present = 1, .count = 9, .sum = 1234000000 };
		struct hist h2 = { .present = 1, .count = 6, .sum = 567890 };
		struct hist absent = { .present = 0 };

		hist_add_bucket(&h1, 9000, 10000, 2);		/* high == le 10us */
		hist_add_bucket(&h1, 10001, 12000, 3);		/* -> 25us */
		hist_add_bucket(&h1, 24000, 26000, 4);		/* straddles 25us -> 50us */
		hist_add_bucket(&h2, 1000000000, 1100000000, 1);	/* straddles 1s -> 2.5s */
		hist_add_bucket(&h2, 11000000000ull, 12000000000ull, 5);	/* above 10s: +Inf */
		hist_add_bucket(&absent, 1000, 1000, 1000);	/* not present: not counted */
		agent_prom_bin_add(&t[0].prom[SNAPFIRE_METRIC_RTT], &h1);
		agent_prom_bin_add(&t[0].prom[SNAPFIRE_METRIC_RTT], &absent);
		agent_prom_bin_add(&t[0].prom[SNAPFIRE_METRIC_RTT], &h2);
		hist_free(&h1);
		hist_free(&h2);
		hist_free(&absent);
	}
	snprintf(t[1].conf.name, sizeof(t[1].conf.name), "b");
	t[1].counters[AC_SENT] = 7;
	a.events[AE_STORE_ERROR] = 3;
	a.events[AE_TARGET_UNREACHABLE] = 1;
	a.summaries_refused = 9;

	f = open_memstream(&text, &len);
	r = agent_prom_write(f, &a);
	fclose(f);
	CHECK(!r && text, "agent prom: renders (%d)", r);
	if (!text)
		return;

	CHECK(has_line(text, "snapfire_agent_targets 2"), "agent prom: targets gauge");
	CHECK(has_line(text, "snapfire_agent_module_loaded 1"), "agent prom: module_loaded gauge");
	snprintf(line, sizeof(line), "snapfire_agent_info{version=\"%s\"} 1", SNAPFIRE_VERSION);
	CHECK(has_line(text, line), "agent prom: info carries the version");
	for (i = 0; i < AE_COUNT; i++) {
		snprintf(line, sizeof(line), "snapfire_agent_events_total{event=\"%s\"} %d",
			 agent_event_names[i],
			 i == AE_STORE_ERROR ? 3 : i == AE_TARGET_UNREACHABLE ? 1 : 0);
		CHECK(has_line(text, line), "agent prom: event line '%s'", line);
	}
	CHECK(has_line(text, "snapfire_agent_http_summaries_refused_total 9"),
	      "agent prom: the summaries refused 429");
	CHECK(has_line(text, "snapfire_target_up{" LAB_A "} 1") &&
	      has_line(text, "snapfire_target_up{target=\"b\"} 0"),
	      "agent prom: up, with the labels escaped (\\\" \\\\ \\n) after target=");
	CHECK(has_line(text, "snapfire_target_sent_total{" LAB_A "} 100") &&
	      has_line(text, "snapfire_target_received_total{" LAB_A "} 97") &&
	      has_line(text, "snapfire_target_lost_total{" LAB_A "} 3") &&
	      has_line(text, "snapfire_target_reordered_total{" LAB_A "} 1") &&
	      has_line(text, "snapfire_target_duplicates_total{" LAB_A "} 2") &&
	      has_line(text, "snapfire_target_port_unreachable_total{" LAB_A "} 4") &&
	      has_line(text, "snapfire_target_implausible_total{" LAB_A "} 5") &&
	      has_line(text, "snapfire_target_late_total{" LAB_A "} 6") &&
	      has_line(text, "snapfire_target_icmp_errors_total{" LAB_A "} 8") &&
	      has_line(text, "snapfire_target_sent_total{target=\"b\"} 7") &&
	      has_line(text, "snapfire_target_port_unreachable_total{target=\"b\"} 0") &&
	      has_line(text, "snapfire_target_implausible_total{target=\"b\"} 0") &&
	      has_line(text, "snapfire_target_late_total{target=\"b\"} 0") &&
	      has_line(text, "snapfire_target_icmp_errors_total{target=\"b\"} 0"),
	      "agent prom: the nine counters of each target");
	for (i = 0; i < agent_prom_nle; i++) {
		snprintf(line, sizeof(line), "snapfire_target_rtt_seconds_bucket{" LAB_A ",le=\"%s\"} %d",
			 le_text[i], cum_a[i]);
		CHECK(has_line(text, line), "agent prom: cumulative bucket '%s'", line);
	}
	CHECK(has_line(text, "snapfire_target_rtt_seconds_bucket{" LAB_A ",le=\"+Inf\"} 15") &&
	      has_line(text, "snapfire_target_rtt_seconds_count{" LAB_A "} 15"),
	      "agent prom: +Inf == _count (the bucket above 10s counts only there)");
	CHECK(has_line(text, "snapfire_target_rtt_seconds_sum{" LAB_A "} 1.23456789"),
	      "agent prom: _sum in seconds");
	CHECK(has_line(text, "snapfire_target_fwd_seconds_bucket{target=\"b\",le=\"0.001\"} 0") &&
	      has_line(text, "snapfire_target_fwd_seconds_bucket{target=\"b\",le=\"+Inf\"} 0") &&
	      has_line(text, "snapfire_target_fwd_seconds_sum{target=\"b\"} 0") &&
	      has_line(text, "snapfire_target_fwd_seconds_count{target=\"b\"} 0"),
	      "agent prom: a metric without samples still has its series (fixed cardinality)");

	/* HELP and TYPE once per family, before its first series */
	{
		static const char *const fams[] = {
			"snapfire_agent_info", "snapfire_agent_targets",
			"snapfire_agent_module_loaded", "snapfire_agent_events_total",
			"snapfire_target_up", "snapfire_target_sent_total",
			"snapfire_target_received_total", "snapfire_target_lost_total",
			"snapfire_target_reordered_total", "snapfire_target_duplicates_total",
			"snapfire_target_port_unreachable_total",
			"snapfire_target_implausible_total", "snapfire_target_late_total",
			"snapfire_target_icmp_errors_total",
		};
		char name[96];
		size_t k;

		for (k = 0; k < sizeof(fams) / sizeof(fams[0]) + METRIC_COUNT; k++) {
			const char *fam = name, *ty, *first;

			if (k < sizeof(fams) / sizeof(fams[0]))
				snprintf(name, sizeof(name), "%s", fams[k]);
			else
				snprintf(name, sizeof(name), "snapfire_target_%s_seconds",
					 metric_name(k - sizeof(fams) / sizeof(fams[0])));
			snprintf(line, sizeof(line), "# HELP %s ", fam);
			fam_ok &= count_prefix(text, line) == 1;
			snprintf(line, sizeof(line), "# TYPE %s ", fam);
			fam_ok &= count_prefix(text, line) == 1;
			ty = strstr(text, line);
			snprintf(line, sizeof(line), "\n%s", fam);
			first = strstr(text, line);
			fam_ok &= ty && first && ty < first;
		}
	}
	CHECK(fam_ok, "agent prom: HELP and TYPE once per family, before its series");
	/* the copy in two steps (memory before the lock, agent_http.c): a
	 * count that changed in between is -EAGAIN; the right one, the same
	 * page as in one step */
	{
		struct agent_prom_snap *s1 = agent_prom_snap_new(a.ntargets + 1);
		struct agent_prom_snap *s2 = agent_prom_snap_new(a.ntargets);
		char *text2 = NULL;
		size_t len2 = 0;
		FILE *f2 = open_memstream(&text2, &len2);
		int r1 = s1 ? agent_prom_snap_fill(s1, &a) : -ENOMEM;
		int r2 = s2 ? agent_prom_snap_fill(s2, &a) : -ENOMEM;

		CHECK(r1 == -EAGAIN, "agent prom: a copy made for another count of targets: -EAGAIN (%d)",
		      r1);
		if (!r2 && f2)
			r2 = agent_prom_format(f2, s2);
		if (f2)
			fclose(f2);
		CHECK(!r2 && text2 && !strcmp(text2, text),
		      "agent prom: the two-step copy gives the one-step page (%d)", r2);
		agent_prom_snap_free(s1);
		agent_prom_snap_free(s2);
		free(text2);
	}
	/* every histogram's HELP whole, the longest metric label's too */
	{
		unsigned int m, whole = 0;

		for (m = 0; m < METRIC_COUNT; m++) {
			snprintf(line, sizeof(line), "# HELP snapfire_target_%s_seconds The %s of",
				 metric_name(m), metric_label(m));
			const char *h = strstr(text, line), *e = h ? strchr(h, '\n') : NULL;

			whole += e && e - h > 13 && !strncmp(e - 13, "upper bound).", 13);
		}
		CHECK(whole == METRIC_COUNT, "agent prom: every histogram's HELP ends whole (%u of %d)",
		      whole, METRIC_COUNT);
	}

	/* the documented bound: 12 + 186 per target */
	for (p = text; *p; p = strchr(p, '\n') + 1) {
		if (*p != '#')
			series++;
		if (!strchr(p, '\n'))
			break;
	}
	CHECK(series == 12 + 2 * 186 && 1 + AC_COUNT + METRIC_COUNT * 22 == 186,
	      "agent prom: %zu series: 12 + 186 per target", series);
	free(text);
}
