// SPDX-License-Identifier: GPL-2.0
/* The report at the end of `snapfire probe`: text or JSON. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "common.h"
#include "fmt.h"
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

void probe_summary(struct probe *p)
{
	uint64_t lost = p->sent > p->received ? p->sent - p->received : 0;
	double loss = p->sent ? 100.0 * (double)lost / (double)p->sent : 0;
	double jit_mean = p->jit_n ? p->jit_sum / (double)p->jit_n : 0;
	char b[6][32];

	if (g_json) {
		struct json j;

		json_init(&j, stdout);
		json_obj(&j, NULL);
		json_str(&j, "dest", p->dest);
		json_str(&j, "addr", p->addr);
		json_u64(&j, "port", p->port);
		json_u64(&j, "ssid", p->ssid);
		json_u64(&j, "sent", p->sent);
		json_u64(&j, "received", p->received);
		json_u64(&j, "lost", lost);
		json_double(&j, "loss_pct", loss);
		json_u64(&j, "reordered", p->reordered);
		json_u64(&j, "duplicates", p->dups);
		json_samples(&j, "rtt", &p->rtt);
		json_u64(&j, "jitter_ns", (uint64_t)llround(jit_mean));
		json_u64(&j, "jitter_rfc3550_ns", (uint64_t)llround(p->jit3550));
		json_bool(&j, "synced", p->fwd.n > 0);
		if (p->fwd.n) {
			json_samples(&j, "fwd", &p->fwd);
			json_samples(&j, "rev", &p->rev);
		}
		json_bool(&j, "far_egress_reported", p->far.n > 0);
		if (p->far.n)
			json_samples(&j, "far_tx_stage", &p->far);
		json_obj_end(&j);
		json_end(&j);
		return;
	}
	printf("\n--- %s snapfire probe statistics (port %u, ssid %u) ---\n",
	       p->dest, p->port, p->ssid);
	printf("%u sent, %" PRIu64 " received, %.1f%% loss, %" PRIu64 " reordered, %"
	       PRIu64 " duplicates\n", p->sent, p->received, loss, p->reordered, p->dups);
	if (p->rtt.n) {
		printf("rtt min/avg/p50/p90/p99/max = %s/%s/%s/%s/%s/%s ms\n",
		       probe_ms(b[0], 32, samples_min(&p->rtt)), probe_ms(b[1], 32, samples_mean(&p->rtt)),
		       probe_ms(b[2], 32, samples_pct(&p->rtt, 0.5)), probe_ms(b[3], 32, samples_pct(&p->rtt, 0.9)),
		       probe_ms(b[4], 32, samples_pct(&p->rtt, 0.99)),
		       probe_ms(b[5], 32, samples_max(&p->rtt)));
		printf("jitter %s (mean |delta rtt|), %s (RFC 3550)\n",
		       fmt_dur(b[0], 32, (uint64_t)llround(jit_mean)),
		       fmt_dur(b[1], 32, (uint64_t)llround(p->jit3550)));
	}
	if (p->fwd.n) {
		printf("fwd p50/p99 = %s/%s ms, rev p50/p99 = %s/%s ms (clocks synchronised)\n",
		       probe_ms(b[0], 32, samples_pct(&p->fwd, 0.5)), probe_ms(b[1], 32, samples_pct(&p->fwd, 0.99)),
		       probe_ms(b[2], 32, samples_pct(&p->rev, 0.5)), probe_ms(b[3], 32, samples_pct(&p->rev, 0.99)));
	}
	if (p->far.n) {
		printf("far host egress p50/p99 = %s/%s ms (Follow-Up Telemetry: inside the rtt above)\n",
		       probe_ms(b[0], 32, samples_pct(&p->far, 0.5)), probe_ms(b[1], 32, samples_pct(&p->far, 0.99)));
	} else if (p->followup && p->received) {
		printf("the reflector reported no Follow-Up Telemetry: its egress queue counts as network\n");
	}
}
