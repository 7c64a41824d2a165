// SPDX-License-Identifier: GPL-2.0
/* The report at the end of `snapfire probe`: text or JSON, one call per field. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "fmt.h"
#include "out.h"
#include "probe.h"

char *probe_ms(char *buf, size_t n, int64_t ns)
{
	double v = (double)ns / 1e6;

	if (v < 1)
		snprintf(buf, n, "%.3f", v);
	else if (v < 100)
		snprintf(buf, n, "%.2f", v);
	else
		snprintf(buf, n, "%.1f", v);
	return buf;
}

/* One statistic: JSON the integer ns under @key, text (when @text) @fmt
 * around probe_ms()'s milliseconds. */
static void stat_out(bool text, const char *key, const char *fmt, int64_t ns)
{
	char b[32];

	out_i64(OUT_JSON, key, NULL, ns);
	if (text)
		out_str(OUT_TEXT, NULL, fmt, probe_ms(b, sizeof(b), ns));
}

/*
 * A sample set: JSON {count, min_ns, mean_ns, p50_ns, p90_ns, p99_ns,
 * p999_ns, max_ns} under @key; text, when @text, "LABEL = a/b/... ms"
 * with LABEL naming what follows: min/avg/p50/p90/p99/max when @full,
 * else p50/p99.
 */
static void samples_out(const char *key, struct samples *s, bool text, bool full,
			const char *label)
{
	int64_t min, max;

	samples_sort(s);
	min = s->n ? s->v[0] : 0;
	max = s->n ? s->v[s->n - 1] : 0;
	out_obj(key);
	out_u64(OUT_JSON, "count", NULL, s->n);
	if (text)
		out_text("%s = ", label);
	stat_out(text && full, "min_ns", "%s/", min);
	stat_out(text && full, "mean_ns", "%s/", samples_mean(s));
	stat_out(text, "p50_ns", "%s/", samples_pct(s, 0.5));
	stat_out(text && full, "p90_ns", "%s/", samples_pct(s, 0.9));
	stat_out(text, "p99_ns", full ? "%s/" : "%s ms", samples_pct(s, 0.99));
	stat_out(false, "p999_ns", NULL, samples_pct(s, 0.999));
	stat_out(text && full, "max_ns", "%s ms", max);
	out_obj_end();
}

/* The report at the end of `snapfire probe`: text lines or one JSON object. */
void probe_summary(struct probe *p)
{
	uint64_t lost = p->sent > p->received ? p->sent - p->received : 0;
	double loss = p->sent ? 100.0 * (double)lost / (double)p->sent : 0;
	double jit_mean = p->jit_n ? p->jit_sum / (double)p->jit_n : 0;

	out_begin(stdout, g_json);
	out_obj(NULL);
	out_str(OUT_ANY, "dest", "\n--- %s snapfire probe statistics", p->dest);
	out_str(OUT_JSON, "addr", NULL, p->addr);
	out_u64(OUT_ANY, "port", " (port %" PRIu64, p->port);
	out_u64(OUT_ANY, "ssid", ", ssid %" PRIu64 ") ---\n", p->ssid);
	out_u64(OUT_ANY, "sent", "%" PRIu64 " sent", p->sent);
	out_u64(OUT_ANY, "received", ", %" PRIu64 " received", p->received);
	out_u64(OUT_JSON, "lost", NULL, lost);
	out_double(OUT_ANY, "loss_pct", ", %.1f%% loss", loss);
	out_u64(OUT_ANY, "reordered", ", %" PRIu64 " reordered", p->reordered);
	out_u64(OUT_ANY, "duplicates", ", %" PRIu64 " duplicates\n", p->dups);
	out_u64(p->unreachable ? OUT_ANY : OUT_JSON, "port_unreachable",
		"%" PRIu64 " ICMP port unreachable", p->unreachable);
	if (p->unreachable)
		out_text(": nothing answers STAMP on port %u at %s (on a snapfire host: snapfire reflect on)\n",
			 p->port, p->addr);
	out_u64(p->icmp_errors ? OUT_ANY : OUT_JSON, "icmp_errors",
		"%" PRIu64 " other ICMP errors", p->icmp_errors);
	if (p->icmp_errors)
		out_str(OUT_ANY, "icmp_error", " (the last: %s): the path or a firewall refuses the probes\n",
			strerror(p->icmp_errno));
	else
		out_null("icmp_error");
	out_u64(p->implausible ? OUT_ANY : OUT_JSON, "implausible",
		"%" PRIu64 " replies with timestamps that cannot be (forged or broken): a T1 their probe did not carry (ignored), or T2 and T3 missing, out of order or further apart than the round trip (received, no rtt)\n",
		p->implausible);
	out_u64(p->late ? OUT_ANY : OUT_JSON, "late",
		"%" PRIu64 " replies too late to match their probe", p->late);
	if (p->late)
		out_text(" (sent %u or more probes earlier), counted lost\n", p->nslots);
	samples_out("rtt", &p->rtt, p->rtt.n > 0, true, "rtt min/avg/p50/p90/p99/max");
	if (p->rtt.n)
		out_text("\n");
	out_dur(p->rtt.n ? OUT_ANY : OUT_JSON, "jitter_ns", "jitter %s (mean |delta rtt|)",
		(uint64_t)llround(jit_mean));
	out_dur(p->rtt.n ? OUT_ANY : OUT_JSON, "jitter_rfc3550_ns", ", %s (RFC 3550)\n",
		(uint64_t)llround(p->jit3550));
	out_bool(OUT_JSON, "synced", NULL, p->fwd.n > 0);
	if (p->fwd.n) {
		samples_out("fwd", &p->fwd, true, false, "fwd p50/p99");
		samples_out("rev", &p->rev, true, false, ", rev p50/p99");
		out_text(" (clocks synchronised)\n");
	}
	out_bool(OUT_JSON, "far_egress_reported", NULL, p->far.n > 0);
	if (p->far.n) {
		samples_out("far_tx_stage", &p->far, true, false, "far host egress p50/p99");
		out_text(" (Follow-Up Telemetry: inside the rtt above)\n");
	} else if (p->followup && p->received) {
		out_text("the reflector reported no Follow-Up Telemetry: its egress queue counts as network\n");
	}
	out_obj_end();
	out_end();
}
