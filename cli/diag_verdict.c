// SPDX-License-Identifier: GPL-2.0
/*
 * The verdict of `snapfire diagnose`: which layer adds the latency, drawn
 * from the differences between the protocols and the module's stages.
 * docs/DIAGNOSE.md is this file's decision table, row by row (the rule
 * names R1.. and N1.. are the same); cli/tests/unit_diag.c tests it.
 * Pure: no I/O.
 */
#include <stddef.h>

#include "diag.h"

/* Below this, no layer is said to add anything (ns). */
#define DIAG_FLOOR_NS	200000ULL
/* A direction dominates when it is 2x the other and 1 ms above it. */
#define DIAG_DIR_ABS_NS	1000000ULL

static const char *const layer_names[DL_COUNT] = {
	[DL_LOCAL] = "this host's stack or qdisc",
	[DL_NETWORK] = "the network",
	[DL_NET_FWD] = "the network, forward (this host to the target)",
	[DL_NET_REV] = "the network, reverse (the target to this host)",
	[DL_FAR_KERNEL] = "the far host's kernel or qdisc",
	[DL_FAR_TCP] = "the far host's TCP (listen queue, SYN handling)",
	[DL_FAR_APP] = "the far host's application",
};
static const char *const layer_keys[DL_COUNT] = {
	[DL_LOCAL] = "local", [DL_NETWORK] = "network",
	[DL_NET_FWD] = "network_forward", [DL_NET_REV] = "network_reverse",
	[DL_FAR_KERNEL] = "far_kernel", [DL_FAR_TCP] = "far_tcp",
	[DL_FAR_APP] = "far_application",
};
static const char *const row_keys[DR_COUNT] = {
	[DR_STAMP] = "stamp", [DR_ICMP] = "icmp", [DR_TCP] = "tcp",
	[DR_TCP_CONNECT] = "tcp_connect", [DR_HTTP_CONNECT] = "http_connect",
	[DR_HTTP_TLS] = "http_tls", [DR_HTTP_TTFB] = "http_ttfb",
};

const char *diag_layer_name(enum diag_layer l)
{
	return l >= 0 && l < DL_COUNT ? layer_names[l] : "nothing to go on";
}

const char *diag_layer_key(enum diag_layer l)
{
	return l >= 0 && l < DL_COUNT ? layer_keys[l] : "none";
}

const char *diag_conf_name(enum diag_conf c)
{
	return c == DC_HIGH ? "high" : c == DC_MEDIUM ? "medium" : "low";
}

const char *diag_row_key(enum diag_row r)
{
	return r < DR_COUNT ? row_keys[r] : "?";
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static void note(struct diag_verdict *v, const char *s)
{
	if (v->nnotes < DIAG_NOTES_MAX)
		v->notes[v->nnotes++] = s;
}

static void set(struct diag_verdict *v, enum diag_layer l, uint64_t est)
{
	v->assessed[l] = true;
	v->est[l] = est;
}

/* Below this, a connect's time beyond its handshake is this host's own
 * scheduling: a SYN sent again costs the initial RTO, 1 s. */
#define DIAG_SYN_RTO_NS	900000000ULL

/* The smallest median of the rows in @rows that ran; *@from gets the row
 * (DR_COUNT: none ran, and 0 is returned). */
static uint64_t min_of(const struct diag_in *in, const enum diag_row *rows, int n,
		       int *from)
{
	uint64_t m = 0;
	int i;

	*from = DR_COUNT;
	for (i = 0; i < n; i++) {
		if (!in->have[rows[i]] || (*from != DR_COUNT && in->p50[rows[i]] >= m))
			continue;
		m = in->p50[rows[i]];
		*from = rows[i];
	}
	return m;
}

/*
 * The end-to-end time a TCP handshake should take if TCP is treated as
 * UDP is: STAMP's whole breakdown, or else the smaller of userspace
 * STAMP's and ICMP's round trips (a path that slows ICMP down must not
 * hide a slow TCP); 0: none.
 */
static uint64_t udp_equivalent(const struct diag_in *in)
{
	static const enum diag_row rows[] = { DR_STAMP, DR_ICMP };
	int from;

	if (in->have_bd)
		return in->bd_local + in->bd_net + in->bd_far;
	return min_of(in, rows, 2, &from);
}

/* Did anything but TCP get an answer? */
static bool others_answered(const struct diag_in *in)
{
	return in->have[DR_STAMP] || in->have[DR_ICMP] || in->have[DR_HTTP_CONNECT];
}

/* Estimates: what each layer adds, as far as the rows that ran tell. */
static void estimate(const struct diag_in *in, struct diag_verdict *v)
{
	/* each of these holds the whole network round trip: the smallest is
	 * the closest to it (without the module's breakdown) */
	static const enum diag_row rtt_rows[] = {
		DR_STAMP, DR_ICMP, DR_TCP, DR_HTTP_CONNECT,
	};
	uint64_t base = udp_equivalent(in), m;

	v->net_row = DR_COUNT;
	if (in->have_bd) {
		set(v, DL_LOCAL, in->bd_local);
		set(v, DL_FAR_KERNEL, in->bd_far);
		set(v, DL_NETWORK, in->bd_net);
	} else {
		m = min_of(in, rtt_rows, 4, &v->net_row);
		if (v->net_row != DR_COUNT)
			set(v, DL_NETWORK, m);
	}
	if (in->have[DR_TCP]) {
		uint64_t e = base ? sub0(in->p50[DR_TCP], base) : 0;
		uint64_t beyond = in->have[DR_TCP_CONNECT] ?
				  sub0(in->p50[DR_TCP_CONNECT], in->p50[DR_TCP]) : 0;

		/* the connect beyond the handshake: SYNs sent again, when the
		 * median connect carries one (else it is this host's own
		 * scheduling, not the far host) */
		if (in->syn_retrans && beyond >= DIAG_SYN_RTO_NS)
			e += beyond;
		set(v, DL_FAR_TCP, e);
	}
	/* half the connects or more timed out (no RST: not a closed port)
	 * while something else was answered (else the host is just down) */
	if (in->tcp_attempts && in->tcp_timeouts * 2 >= in->tcp_attempts &&
	    others_answered(in) &&
	    (!v->assessed[DL_FAR_TCP] || v->est[DL_FAR_TCP] < in->tcp_timeout_ns))
		set(v, DL_FAR_TCP, in->tcp_timeout_ns);
	if (in->have[DR_HTTP_TTFB]) {
		uint64_t ref = in->have[DR_HTTP_CONNECT] ? in->p50[DR_HTTP_CONNECT] :
			       in->have[DR_TCP] ? in->p50[DR_TCP] : base;

		set(v, DL_FAR_APP, sub0(in->p50[DR_HTTP_TTFB], ref));
	}
}

static int rows_ran(const struct diag_in *in)
{
	int n = 0;

	n += in->have[DR_STAMP];
	n += in->have[DR_ICMP];
	n += in->have[DR_TCP] || in->have[DR_TCP_CONNECT];
	n += in->have[DR_HTTP_TTFB] || in->have[DR_HTTP_CONNECT];
	return n;
}

/* Does a second protocol see what the winning layer adds? */
static bool corroborated(const struct diag_in *in, const struct diag_verdict *v,
			 enum diag_layer l)
{
	uint64_t e = v->est[l];

	switch (l) {
	case DL_LOCAL:
		/* the ICMP echo's send time is taken before the qdisc */
		return in->have_bd && in->have[DR_ICMP] && in->p50[DR_ICMP] >= e / 2;
	case DL_NETWORK:
	case DL_NET_FWD:
	case DL_NET_REV:
		e = v->est[DL_NETWORK];
		if (in->have_bd)
			return (in->have[DR_ICMP] && in->p50[DR_ICMP] >= e * 7 / 10) ||
			       (in->have[DR_TCP] && in->p50[DR_TCP] >= e * 7 / 10);
		/* the estimate is the smallest row: another one must agree */
		for (int r = 0; r < DR_COUNT; r++) {
			if (r == v->net_row || !in->have[r] ||
			    (r != DR_STAMP && r != DR_ICMP && r != DR_TCP &&
			     r != DR_HTTP_CONNECT))
				continue;
			if (in->p50[r] <= e + e / 2 + 1000000)
				return true;
		}
		return false;
	case DL_FAR_KERNEL:
		return in->have_bd && in->far_reported &&
		       ((in->have[DR_ICMP] && in->p50[DR_ICMP] >= e * 7 / 10) ||
			(in->have[DR_TCP] && in->p50[DR_TCP] >= e * 7 / 10));
	case DL_FAR_TCP:
		return in->syn_retrans > 0 ||
		       (in->have[DR_TCP] && (in->have_bd || in->have[DR_ICMP]));
	case DL_FAR_APP:
		return in->have[DR_HTTP_CONNECT] &&
		       in->p50[DR_HTTP_CONNECT] * 2 < in->p50[DR_HTTP_TTFB];
	default:
		return false;
	}
}

static const char *const next_steps[DL_COUNT] = {
	[DL_LOCAL] = "on this host: `tc -s qdisc show` (backlog, drops), `snapfire show FLOW` (which stage), CPU and softirq load (`mpstat -P ALL 1`, /proc/softirqs)",
	[DL_NETWORK] = "`mtr TARGET` from here and from the target back; with synchronised clocks and `snapfire config clock-synced on` on both, diagnose splits forward and reverse",
	[DL_NET_FWD] = "the forward path: `mtr -u TARGET` from this host; the hop where the delay starts names the network to ask",
	[DL_NET_REV] = "the reverse path: `mtr` from the target back to this host (the return route may differ from the forward one)",
	[DL_FAR_KERNEL] = "on the far host: `snapfire show FLOW` for its stages, `tc -s qdisc show` on its egress, its CPU and softirq load",
	[DL_FAR_TCP] = "on the far host: `ss -ltn 'sport = :PORT'` (Recv-Q against the backlog), `nstat -az TcpExtListenOverflows TcpExtListenDrops`; raise the backlog or make the application accept faster",
	[DL_FAR_APP] = "the application on the far host: its own request timings and logs; `snapfire tcp --port PORT` there shows whether its stack adds to them",
};

static const char *const whys[DL_COUNT] = {
	[DL_LOCAL] = "R1: the module's stamps put the time in this host's egress or ingress stage, before the wire",
	[DL_NETWORK] = "R4: the time is on the wire, between the two hosts' stamps; the split between directions is unknown or even",
	[DL_NET_FWD] = "R2: the time is on the wire, on the way to the target (synchronised clocks split it)",
	[DL_NET_REV] = "R3: the time is on the wire, on the way back from the target (synchronised clocks split it)",
	[DL_FAR_KERNEL] = "R5: the far host holds the probe between its ingress and egress stamps, or in its egress queue (Follow-Up Telemetry)",
	[DL_FAR_TCP] = "R7: TCP handshakes take longer than the UDP round trip through the same hosts: the far host's TCP is slow to answer SYNs",
	[DL_FAR_APP] = "R8: HTTP's first byte comes long after its connect: the far application takes the time to answer",
};

void diag_verdict(const struct diag_in *in, struct diag_verdict *v)
{
	int l, win = DL_NONE, second = DL_NONE;
	uint64_t ratio100;

	*v = (struct diag_verdict){ .layer = DL_NONE, .runner_up = DL_NONE,
				    .conf = DC_LOW };
	estimate(in, v);
	for (l = 0; l < DL_COUNT; l++) {
		if (!v->assessed[l])
			continue;
		if (win == DL_NONE || v->est[l] > v->est[win]) {
			second = win;
			win = l;
		} else if (second == DL_NONE || v->est[l] > v->est[second]) {
			second = l;
		}
	}
	if (win == DL_NONE || !rows_ran(in)) {
		v->layer = DL_NONE;
		v->runner_up = DL_NONE;
		v->rule = "R0";
		v->why = "R0: no protocol got an answer: nothing to compare";
		v->next = "check that the target is up and reachable (`ip route get TARGET`, a firewall), then run diagnose again";
		return;
	}
	/* the network, split by direction when the clocks allow it */
	if (win == DL_NETWORK && in->have_bd && in->synced) {
		if (in->bd_fwd >= 2 * in->bd_rev && in->bd_fwd >= in->bd_rev + DIAG_DIR_ABS_NS)
			win = DL_NET_FWD;
		else if (in->bd_rev >= 2 * in->bd_fwd && in->bd_rev >= in->bd_fwd + DIAG_DIR_ABS_NS)
			win = DL_NET_REV;
	}
	v->layer = win;
	v->runner_up = second;
	v->why = whys[win];
	v->next = next_steps[win];
	v->rule = win == DL_FAR_TCP ? (in->syn_retrans || in->tcp_timeouts ? "R6" : "R7") :
		  win == DL_LOCAL ? "R1" : win == DL_NET_FWD ? "R2" :
		  win == DL_NET_REV ? "R3" : win == DL_NETWORK ? "R4" :
		  win == DL_FAR_KERNEL ? "R5" : "R8";
	if (win == DL_NETWORK && !in->have_bd)
		v->why = "R4: the round trip itself, the smallest over the protocols (without the module's breakdown both hosts' stacks are in it): no host adds more";
	if (win == DL_FAR_TCP && (in->syn_retrans || in->tcp_timeouts))
		v->why = "R6: connects needed SYNs sent again, or timed out, while the other protocols were answered: the far host drops SYNs (its listen queue is full) or a firewall drops them";

	/* how sure: the margin over the runner-up, and a second witness */
	{
		uint64_t w = v->est[win == DL_NET_FWD || win == DL_NET_REV ? DL_NETWORK : win];
		uint64_t s = second == DL_NONE ? 0 : v->est[second];

		ratio100 = s ? w * 100 / s : UINT64_MAX;
		if (w < DIAG_FLOOR_NS)
			v->conf = DC_LOW;
		else if (ratio100 >= 300 && corroborated(in, v, win))
			v->conf = DC_HIGH;
		else if (ratio100 >= 150)
			v->conf = DC_MEDIUM;
		else
			v->conf = DC_LOW;
		if (v->conf == DC_HIGH && rows_ran(in) < 2)
			v->conf = DC_MEDIUM;
		/* the far host's egress queue, unreported, is inside the network
		 * round trip and its reverse half */
		if (v->conf == DC_HIGH && in->have_bd && !in->far_reported &&
		    (win == DL_NETWORK || win == DL_NET_REV))
			v->conf = DC_MEDIUM;
		if (w < DIAG_FLOOR_NS)
			note(v, "N0: every layer is under 0.2 ms: nothing stands out; the latency is what this path costs");
	}

	if (!in->have_bd && (in->have[DR_STAMP] || in->have[DR_ICMP] || in->have[DR_TCP]))
		note(v, "N2: no kernel breakdown (the module is not loaded here, or its flow was not found): this host's and the far host's stacks count as network; `modprobe snapfire`, and `snapfire reflect on` on the target");
	if (in->have_bd && !in->far_reported)
		note(v, "N3: the far reflector sends no Follow-Up Telemetry: its egress queue counts as network");
	if (in->have_bd && !in->synced &&
	    (win == DL_NETWORK || win == DL_NET_FWD || win == DL_NET_REV))
		note(v, "N4: forward and reverse cannot be told apart without synchronised clocks: with PTP or NTP on both hosts, `snapfire config clock-synced on` on both");
	if (in->have[DR_ICMP]) {
		/* the smallest other round trip through the same hosts */
		static const enum diag_row rows[] = { DR_STAMP, DR_TCP };
		int from;
		uint64_t u = in->have_bd ? udp_equivalent(in) : min_of(in, rows, 2, &from);

		if ((in->have_bd || from != DR_COUNT) && in->p50[DR_ICMP] > u + u / 2 + 1000000)
			note(v, "N1: ICMP is much slower than STAMP or TCP: the path or the far host deprioritises or rate-limits ICMP; trust STAMP and TCP here");
	}
	if ((in->syn_retrans || in->tcp_timeouts) && win != DL_FAR_TCP)
		note(v, "N5: some SYNs were sent again or some connects timed out: the far host's listen queue overflowed at times, or the path lost them");
}
