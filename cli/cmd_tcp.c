// SPDX-License-Identifier: GPL-2.0
/*
 * snapfire tcp: the host's TCP connections as the kernel measures them
 * (sockdiag.c), a histogram of their smoothed RTT, and, for each peer that
 * the module also probes with STAMP, TCP's RTT beside STAMP's network part
 * of the round trip: "the stack adds 5 ms" and "the path is 5 ms" look
 * different. Read-only.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmds.h"
#include "common.h"
#include "fmt.h"
#include "hist.h"
#include "out.h"
#include "sockdiag.h"
#include "verdict.h"

/* Does @addr (of @family) lie in @p? */
static bool prefix_has(const struct cfg_prefix *p, uint8_t family, const uint8_t *addr)
{
	unsigned int full = p->plen / 8, rest = p->plen % 8;

	if (p->family != family)
		return false;
	if (memcmp(p->addr, addr, full))
		return false;
	return !rest || !((p->addr[full] ^ addr[full]) & (0xff00 >> rest));
}

static void conn_out(const struct tcp_conn *c)
{
	char l[64], r[64], rate[24];

	endpoint_str(l, sizeof(l), c->family, c->local_addr, c->local_port);
	endpoint_str(r, sizeof(r), c->family, c->remote_addr, c->remote_port);
	out_obj(NULL);
	out_str(OUT_ANY, "state", "%-10s", tcp_state_name(c->state));
	out_str(OUT_ANY, "local", " %s", l);
	out_str(OUT_ANY, "remote", " -> %s", r);
	out_dur(OUT_ANY, "srtt_ns", "  srtt %s", c->srtt_ns);
	out_dur(OUT_ANY, "rttvar_ns", " rttvar %s", c->rttvar_ns);
	out_dur(OUT_ANY, "min_rtt_ns", " min_rtt %s", c->min_rtt_ns);
	out_dur(OUT_ANY, "rcv_rtt_ns", " rcv_rtt %s", c->rcv_rtt_ns);
	out_u64(OUT_ANY, "retransmits", " retrans %" PRIu64, c->retransmits);
	out_u64(OUT_ANY, "total_retrans", "/%" PRIu64, c->total_retrans);
	out_u64(OUT_JSON, "delivery_rate_bps", NULL, c->delivery_rate * 8);
	out_str(OUT_TEXT, NULL, " rate %s", fmt_rate(rate, sizeof(rate), c->delivery_rate * 8));
	out_bool_words(OUT_ANY, "app_limited", "%s", c->app_limited, " app-limited", "");
	out_dur(OUT_ANY, "ato_ns", " ato %s", c->ato_ns);
	out_u64(OUT_ANY, "cwnd", " cwnd %" PRIu64, c->snd_cwnd);
	out_bool_words(OUT_ANY, "delayed_ack_bound", "%s", tcp_delack_bound(c),
		       " DELAYED-ACK-BOUND", "");
	out_text("\n");
	out_obj_end();
}

static void hist_out(const uint64_t counts[TCP_HIST_BUCKETS])
{
	uint64_t most = 0;
	char lo[16], hi[16];
	int k, first = -1, last = -1;

	for (k = 0; k < TCP_HIST_BUCKETS; k++) {
		if (!counts[k])
			continue;
		if (first < 0)
			first = k;
		last = k;
		if (counts[k] > most)
			most = counts[k];
	}
	out_text("srtt across connections:\n");
	out_arr("srtt_histogram");
	for (k = first; first >= 0 && k <= last; k++) {
		int bar = (int)(counts[k] * 40 / most);

		bool top = k == TCP_HIST_BUCKETS - 1;	/* no upper bound */

		fmt_dur(lo, sizeof(lo), tcp_hist_low_ns(k));
		fmt_dur(hi, sizeof(hi), tcp_hist_high_ns(k));
		out_obj(NULL);
		out_text("  [%8s, %8s) ", lo, top ? "..." : hi);
		out_u64(OUT_JSON, "low_ns", NULL, tcp_hist_low_ns(k));
		if (top)
			out_null("high_ns");
		else
			out_u64(OUT_JSON, "high_ns", NULL, tcp_hist_high_ns(k));
		out_text("%.*s", bar, "########################################");
		out_u64(OUT_ANY, "count", " %" PRIu64 "\n", counts[k]);
		out_obj_end();
	}
	out_arr_end();
	if (first < 0)
		out_text("  (none)\n");
}

/* STAMP's sender flow to @addr with RTT samples that was seen last (the
 * session running now), NULL if none. */
static const struct flow *stamp_flow(const struct flowset *fs, uint8_t family,
				     const uint8_t *addr)
{
	const struct flow *best = NULL;
	size_t i;

	for (i = 0; i < fs->n; i++) {
		const struct flow *f = &fs->v[i];
		const struct hist *h = flow_hist(f, SNAPFIRE_METRIC_RTT);

		if (f->role != SNAPFIRE_ROLE_SENDER || f->family != family ||
		    memcmp(f->remote_addr, addr, family == AF_INET ? 4 : 16) || !h)
			continue;
		if (h->count && (!best || f->last_seen > best->last_seen))
			best = f;
	}
	return best;
}

/*
 * Per peer with STAMP data: TCP's min_rtt and srtt (the lowest over its
 * connections: the one least held up by its application) against STAMP's
 * round trip and its network part (breakdown_build: the far host's and
 * this host's stages taken out).
 */
static void stamp_out(const struct tcp_conns *s, const bool *keep,
		      const struct flowset *fs)
{
	bool *done = calloc(s->n ? s->n : 1, sizeof(*done));
	size_t i, j;
	int shown = 0;

	out_arr("stamp");
	for (i = 0; done && i < s->n; i++) {
		const struct tcp_conn *c = &s->v[i];
		uint64_t min_rtt = 0, srtt = 0, net = 0;
		const struct flow *f;
		struct breakdown bd;
		char a[64];
		int k;

		if (done[i] || !keep[i] || !c->has_info)
			continue;
		/*
		 * Only a peer with a STAMP flow is gathered: the scan over the
		 * connections runs once per such peer (at most the module's
		 * flows), not once per connection of a busy server.
		 */
		f = stamp_flow(fs, c->family, c->remote_addr);
		if (!f)
			continue;
		for (j = i; j < s->n; j++) {
			const struct tcp_conn *d = &s->v[j];

			if (!keep[j] || !d->has_info || d->family != c->family ||
			    memcmp(d->remote_addr, c->remote_addr, 16))
				continue;
			done[j] = true;
			if (d->min_rtt_ns && (!min_rtt || d->min_rtt_ns < min_rtt))
				min_rtt = d->min_rtt_ns;
			/* 0: no sample yet (a connect in progress) */
			if (d->srtt_ns && (!srtt || d->srtt_ns < srtt))
				srtt = d->srtt_ns;
		}
		if (!srtt)
			continue;
		breakdown_build(f, &bd);
		for (k = 0; k < bd.n; k++)
			if (bd.c[k].where == WHERE_NETWORK)
				net += bd.c[k].p50;
		if (!shown++)
			out_text("TCP against STAMP (same peer):\n");
		addr_str(a, sizeof(a), c->family, c->remote_addr);
		out_obj(NULL);
		out_str(OUT_ANY, "peer", "  %s:", a);
		out_u64(OUT_ANY, "flow", " (flow %" PRIu64 ")", f->id);
		out_dur(OUT_ANY, "tcp_min_rtt_ns", " tcp min_rtt %s", min_rtt);
		out_dur(OUT_ANY, "tcp_srtt_ns", " srtt %s", srtt);
		out_dur(OUT_ANY, "stamp_rtt_p50_ns", "; stamp rtt p50 %s",
			hist_percentile(flow_hist(f, SNAPFIRE_METRIC_RTT), 0.5));
		out_dur(OUT_ANY, "stamp_network_p50_ns", ", network %s", net);
		out_i64(OUT_JSON, "excess_ns", NULL, (int64_t)srtt - (int64_t)net);
		if (srtt > 2 * net && srtt - net >= 1000000)
			out_dur(OUT_TEXT, NULL, "\n    the path is %s of it: the rest is the hosts' stacks or the applications (delayed ACKs, queues)", net);
		else
			out_text("\n    the path accounts for TCP's round trip");
		out_text("\n");
		out_obj_end();
	}
	out_arr_end();
	free(done);
}

int cmd_tcp(int argc, char **argv)
{
	struct flow_filter flt = { .port = -1, .ssid = -1,
		.role = SNAPFIRE_ROLE_SENDER, .hist_mask = ALL_METRICS };
	uint64_t counts[TCP_HIST_BUCKETS];
	struct flowset fs = { 0 };
	struct cfg_prefix peer;
	struct tcp_conns s;
	bool have_peer = false, stamp = false, loaded, *keep;
	long port = -1;
	size_t i, n = 0;
	struct sfnl nl;
	uint64_t v;
	int a, rc;

	for (a = 1; a < argc; a++) {
		const char *arg = argv[a], *val = a + 1 < argc ? argv[a + 1] : NULL;

		if (want_help("tcp", arg))
			return EXIT_OK;
		if (!strcmp(arg, "-j") || !strcmp(arg, "--json")) {
			g_json = true;
		} else if (!strcmp(arg, "--port")) {
			rc = arg_u64("tcp", arg, val, 65535, &v);
			if (rc)
				return rc;
			port = (long)v;
			a++;
		} else if (!strcmp(arg, "--peer")) {
			if (!val || parse_prefix(val, &peer) < 0)
				return usage_err("tcp", "--peer: expected an address or a prefix (10.0.0.0/8, 2001:db8::/32)");
			have_peer = true;
			a++;
		} else {
			return usage_err("tcp", "unexpected argument '%s'", arg);
		}
	}
	rc = tcp_conns_get(&s);
	if (rc)
		return rc;
	keep = calloc(s.n ? s.n : 1, sizeof(*keep));
	if (!keep) {
		tcp_conns_free(&s);
		errmsg("out of memory");
		return EXIT_FAIL;
	}
	for (i = 0; i < s.n; i++) {
		const struct tcp_conn *c = &s.v[i];

		keep[i] = (port < 0 || c->local_port == port || c->remote_port == port) &&
			  (!have_peer || prefix_has(&peer, c->family, c->remote_addr));
		n += keep[i];
	}
	/*
	 * STAMP's flows, if the module is loaded: optional here, and looked
	 * for in /sys first, as resolving the family would load it (its
	 * alias) on a DKMS host, for any user: this command only reads.
	 */
	loaded = !access("/sys/module/snapfire", F_OK);
	if (loaded) {
		rc = sfnl_open_quiet(&nl);
		if (!rc) {
			rc = flows_get(&nl, &flt, &fs);
			sfnl_close(&nl);
		}
		stamp = !rc;
		if (rc == EXIT_NOMOD)
			loaded = false;
		rc = stamp || !loaded ? EXIT_OK : rc;
	}

	out_begin(stdout, g_json);
	out_obj(NULL);
	out_u64(OUT_ANY, "count", "%" PRIu64 " TCP connection(s)", n);
	out_text("%s\n", stamp ? "" : loaded ? "; no STAMP data (reading the module's flows failed)" :
		 "; no STAMP data (the module is not loaded)");
	out_arr("connections");
	for (i = 0; i < s.n; i++)
		if (keep[i])
			conn_out(&s.v[i]);
	out_arr_end();
	for (i = 0; i < s.n; i++) {
		if (keep[i] && tcp_delack_bound(&s.v[i])) {
			out_text("DELAYED-ACK-BOUND: on a request/response connection, srtt sits half a\n"
				 "delayed-ACK timer or more (40-200 ms) above min_rtt, with a wide rttvar: every\n"
				 "other RTT sample waits for the peer's delayed ACK. Likely a request written in\n"
				 "pieces without TCP_NODELAY, Nagle holding the rest until that ACK. One write\n"
				 "per request, or TCP_NODELAY, removes it.\n");
			break;
		}
	}
	tcp_srtt_hist(&s, keep, counts);
	hist_out(counts);
	if (stamp)
		stamp_out(&s, keep, &fs);
	out_obj_end();
	out_end();
	flowset_free(&fs);
	free(keep);
	tcp_conns_free(&s);
	return rc;
}
