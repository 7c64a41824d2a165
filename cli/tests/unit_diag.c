// SPDX-License-Identifier: GPL-2.0
/*
 * CLI unit tests: the verdict of `snapfire diagnose` (diag_verdict.c)
 * against its decision table, docs/DIAGNOSE.md. Every rule R0..R8 with a
 * case that fires it and a near miss that must not, the confidence levels
 * (the 3x and 1.5x margins, the 0.2 ms floor, the one-protocol cap, each
 * layer's second witness), the notes N0..N5 present and absent, and the
 * incidents diagnose was written for. Times are ns, medians as the
 * command passes them (cmd_diagnose.c's verdict_in()).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "sockdiag.h"
#include "unit.h"

#define US	1000ULL
#define MS	1000000ULL
#define SEC	1000000000ULL

static void row(struct diag_in *in, enum diag_row r, uint64_t p50)
{
	in->have[r] = true;
	in->p50[r] = p50;
}

static void norow(struct diag_in *in, enum diag_row r)
{
	in->have[r] = false;
	in->p50[r] = 0;
}

/* the breakdown's network, one way each (synchronised clocks) */
static void net(struct diag_in *in, uint64_t fwd, uint64_t rev)
{
	in->bd_fwd = fwd;
	in->bd_rev = rev;
	in->bd_net = fwd + rev;
}

/*
 * A healthy path: two hosts in one data centre, the module on both,
 * clocks synchronised (PTP), the reflector sending Follow-Up Telemetry;
 * STAMP, ICMP and TCP (--tcp 443) ran for 10 s, 50 connects.
 * U (bd.local + bd.net + bd.far) = 355 us.
 */
static void lan(struct diag_in *in)
{
	memset(in, 0, sizeof(*in));
	in->have_bd = in->synced = in->far_reported = true;
	in->bd_local = 30 * US;		/* egress stage 12 us + ingress 18 us */
	net(in, 140 * US, 150 * US);
	in->bd_far = 35 * US;		/* turnaround 25 us + egress stage 10 us */
	row(in, DR_STAMP, 330 * US);
	row(in, DR_ICMP, 360 * US);
	row(in, DR_TCP, 380 * US);
	row(in, DR_TCP_CONNECT, 420 * US);
	in->tcp_attempts = 50;
	in->tcp_timeout_ns = 3 * SEC;
}

/* The same target with no module here (no breakdown): the rows only. */
static void nomod(struct diag_in *in)
{
	lan(in);
	in->have_bd = in->synced = in->far_reported = false;
	in->bd_local = in->bd_far = 0;
	net(in, 0, 0);
	row(in, DR_STAMP, 400 * US);	/* userspace stamps: a little more */
}

static const char *rule_s(const struct diag_verdict *v)
{
	return v->rule ? v->rule : "(null)";
}

/* "N1 N3" */
static const char *notes_s(const struct diag_verdict *v, char *b, size_t n)
{
	size_t o = 0;
	int i;

	b[0] = 0;
	for (i = 0; i < v->nnotes && o + 4 < n; i++)
		o += (size_t)snprintf(b + o, n - o, "%s%.2s", i ? " " : "",
				      v->notes[i] ? v->notes[i] : "??");
	return o ? b : "none";
}

static bool has_note(const struct diag_verdict *v, const char *id)
{
	size_t k = strlen(id);
	int i;

	for (i = 0; i < v->nnotes; i++)
		if (v->notes[i] && !strncmp(v->notes[i], id, k) && v->notes[i][k] == ':')
			return true;
	return false;
}

/*
 * Run the verdict and check its layer, rule and confidence (conf < 0:
 * any), that `why` names the rule and that there is a next step.
 */
static void expect(const char *what, const struct diag_in *in, struct diag_verdict *v,
		   enum diag_layer layer, const char *rule, int conf)
{
	diag_verdict(in, v);
	CHECK(v->layer == layer && v->rule && !strcmp(v->rule, rule) &&
	      (conf < 0 || v->conf == (enum diag_conf)conf) &&
	      v->why && strstr(v->why, rule) && v->next,
	      "diag: %s: %s %s %s (got %s %s %s)", what, diag_layer_key(layer), rule,
	      conf < 0 ? "any" : diag_conf_name((enum diag_conf)conf),
	      diag_layer_key(v->layer), rule_s(v), diag_conf_name(v->conf));
}

/* exactly these notes ("N3 N4", "" for none), in any order */
static void expect_notes(const char *what, const struct diag_verdict *v, const char *want)
{
	static const char *const ids[] = { "N0", "N1", "N2", "N3", "N4", "N5" };
	char b[64];
	bool ok = true;
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		ok &= has_note(v, ids[i]) == (strstr(want, ids[i]) != NULL);
	/* every note is one of those, none twice */
	ok &= v->nnotes >= 0 && v->nnotes <= DIAG_NOTES_MAX;
	for (i = 0; ok && i < (size_t)v->nnotes; i++) {
		size_t j;

		ok &= v->notes[i] && v->notes[i][0] == 'N' && v->notes[i][2] == ':';
		for (j = 0; ok && j < i; j++)
			ok &= strncmp(v->notes[i], v->notes[j], 3) != 0;
	}
	CHECK(ok, "diag: %s: notes %s (got %s)", what, *want ? want : "none",
	      notes_s(v, b, sizeof(b)));
}

/* ------------------------------------------------------------ incidents */

static void test_diag_incidents(void)
{
	struct diag_in in;
	struct diag_verdict v;

	/* netem delay 20 ms on a router, this host to the target; synced */
	lan(&in);
	net(&in, 20 * MS + 140 * US, 150 * US);
	row(&in, DR_STAMP, 20 * MS + 330 * US);
	row(&in, DR_ICMP, 20 * MS + 360 * US);
	row(&in, DR_TCP, 20 * MS + 380 * US);
	row(&in, DR_TCP_CONNECT, 20 * MS + 420 * US);
	expect("incident netem forward 20 ms (synced)", &in, &v, DL_NET_FWD, "R2", DC_HIGH);
	CHECK(v.est[DL_NETWORK] == 20 * MS + 290 * US && v.assessed[DL_LOCAL] &&
	      v.assessed[DL_FAR_KERNEL] && v.assessed[DL_FAR_TCP] && !v.assessed[DL_FAR_APP] &&
	      v.runner_up == DL_FAR_KERNEL && v.est[DL_FAR_TCP] == 25 * US,
	      "diag: incident netem forward: network adds the round trip's 20.29 ms, far_kernel (35 us) runner-up, far_tcp 25 us (got %llu, %s %llu)",
	      (unsigned long long)v.est[DL_NETWORK], diag_layer_key(v.runner_up),
	      (unsigned long long)v.est[DL_FAR_TCP]);
	expect_notes("incident netem forward", &v, "");

	/* the far host's egress qdisc holds every packet 20 ms (netem on its
	 * NIC); the reflector's Follow-Up reports it, and takes it out of rev */
	lan(&in);
	in.bd_far = 25 * US + 20 * MS + 10 * US;
	row(&in, DR_STAMP, 20 * MS + 330 * US);
	row(&in, DR_ICMP, 20 * MS + 370 * US);
	row(&in, DR_TCP, 20 * MS + 390 * US);
	row(&in, DR_TCP_CONNECT, 20 * MS + 430 * US);
	expect("incident far egress qdisc 20 ms", &in, &v, DL_FAR_KERNEL, "R5", DC_HIGH);
	CHECK(v.est[DL_FAR_KERNEL] == 20 * MS + 35 * US && v.runner_up == DL_NETWORK,
	      "diag: incident far egress qdisc: far_kernel adds 20.035 ms, network runner-up");
	expect_notes("incident far egress qdisc", &v, "");

	/* the HTTP server sleeps 20 ms before it answers */
	lan(&in);
	row(&in, DR_HTTP_CONNECT, 420 * US);
	row(&in, DR_HTTP_TTFB, 20 * MS + 400 * US);
	expect("incident HTTP server waits 20 ms", &in, &v, DL_FAR_APP, "R8", DC_HIGH);
	CHECK(v.est[DL_FAR_APP] == 19 * MS + 980 * US, "diag: incident HTTP: far_application adds ttfb - connect (%llu)",
	      (unsigned long long)v.est[DL_FAR_APP]);
	expect_notes("incident HTTP server waits", &v, "");

	/* the listener's accept queue is full (the application stopped
	 * accepting): SYNs dropped, 30 of 50 connects time out after 3 s, the
	 * rest connect after one retransmit (1 s); ICMP and STAMP are fine.
	 * TCP_INFO's RTT after a retransmitted SYN: the timestamp's 1 ms. */
	lan(&in);
	row(&in, DR_TCP, 1 * MS);
	row(&in, DR_TCP_CONNECT, 1 * SEC + 400 * US);
	in.tcp_attempts = 50;
	in.tcp_timeouts = 30;
	in.syn_retrans = 55;
	expect("incident full accept queue", &in, &v, DL_FAR_TCP, "R6", DC_HIGH);
	CHECK(v.est[DL_FAR_TCP] == 3 * SEC && v.runner_up == DL_NETWORK,
	      "diag: incident full accept queue: far_tcp at least the 3 s connect limit (%llu)",
	      (unsigned long long)v.est[DL_FAR_TCP]);
	CHECK(v.why && !strncmp(v.why, "R6:", 3), "diag: incident full accept queue: R6's own sentence");
	expect_notes("incident full accept queue", &v, "");

	/* this host's egress: tc qdisc add dev eth0 root netem delay 20ms.
	 * The egress stage sees it; so do ICMP (sent time taken at the
	 * qdisc's entry) and TCP. */
	lan(&in);
	in.bd_local = 20 * MS + 12 * US + 18 * US;
	row(&in, DR_STAMP, 20 * MS + 330 * US);
	row(&in, DR_ICMP, 20 * MS + 360 * US);
	row(&in, DR_TCP, 20 * MS + 380 * US);
	row(&in, DR_TCP_CONNECT, 20 * MS + 420 * US);
	expect("incident this host's egress tc 20 ms", &in, &v, DL_LOCAL, "R1", DC_HIGH);
	CHECK(v.est[DL_LOCAL] == 20 * MS + 30 * US && v.runner_up == DL_NETWORK,
	      "diag: incident local egress: local adds 20.03 ms, network runner-up");
	expect_notes("incident local egress", &v, "");
}

/* ---------------------------------------------------------------- rules */

static void test_diag_rules(void)
{
	struct diag_in in;
	struct diag_verdict v;
	int l;
	bool none = true;

	/* R0: nothing answered (no reflector, ICMP blocked, port filtered
	 * before any connect was counted) */
	memset(&in, 0, sizeof(in));
	expect("R0 nothing ran", &in, &v, DL_NONE, "R0", DC_LOW);
	for (l = 0; l < DL_COUNT; l++)
		none &= !v.assessed[l];
	CHECK(none && v.runner_up == DL_NONE && v.nnotes == 0,
	      "diag: R0: no layer assessed, no runner-up, no note");
	/* near miss: only ICMP answered (12 ms, a far region) */
	row(&in, DR_ICMP, 12 * MS);
	expect("R0 near miss: ICMP alone answers", &in, &v, DL_NETWORK, "R4", DC_MEDIUM);
	expect_notes("ICMP alone", &v, "N2");

	/* R1 near miss: this host adds 1 ms (a busy CPU), a metro network 1.2 ms */
	lan(&in);
	in.bd_local = 1 * MS;
	net(&in, 600 * US, 600 * US);
	row(&in, DR_STAMP, 2200 * US);
	row(&in, DR_ICMP, 2300 * US);
	row(&in, DR_TCP, 2300 * US);
	row(&in, DR_TCP_CONNECT, 2340 * US);
	expect("R1 near miss: local 1 ms under network 1.2 ms", &in, &v, DL_NETWORK, "R4", DC_LOW);
	CHECK(v.runner_up == DL_LOCAL, "diag: R1 near miss: local is the runner-up (got %s)",
	      diag_layer_key(v.runner_up));

	/* R2 at its edge: fwd exactly 2x rev and exactly 1 ms above it */
	lan(&in);
	net(&in, 2 * MS, 1 * MS);
	row(&in, DR_STAMP, 3050 * US);
	row(&in, DR_ICMP, 3100 * US);
	row(&in, DR_TCP, 3100 * US);
	row(&in, DR_TCP_CONNECT, 3140 * US);
	expect("R2 edge: fwd 2 ms = 2 x rev 1 ms, 1 ms above", &in, &v, DL_NET_FWD, "R2", DC_HIGH);
	/* near miss: 2x, but under 1 ms above */
	net(&in, 1500 * US, 700 * US);
	row(&in, DR_STAMP, 2250 * US);
	row(&in, DR_ICMP, 2300 * US);
	row(&in, DR_TCP, 2300 * US);
	row(&in, DR_TCP_CONNECT, 2340 * US);
	expect("R2 near miss: fwd 2.1x rev but 0.8 ms above", &in, &v, DL_NETWORK, "R4", DC_HIGH);
	expect_notes("R2 near miss 2x under 1 ms", &v, "");
	/* near miss: 4 ms above, but 1.8x */
	net(&in, 9 * MS, 5 * MS);
	row(&in, DR_STAMP, 14050 * US);
	row(&in, DR_ICMP, 14100 * US);
	row(&in, DR_TCP, 14100 * US);
	row(&in, DR_TCP_CONNECT, 14140 * US);
	expect("R2 near miss: fwd 4 ms above rev but 1.8x", &in, &v, DL_NETWORK, "R4", DC_HIGH);
	/* near miss: a forward delay, but the clocks are not synchronised */
	lan(&in);
	in.synced = false;
	net(&in, 20 * MS + 140 * US, 150 * US);
	row(&in, DR_STAMP, 20 * MS + 330 * US);
	row(&in, DR_ICMP, 20 * MS + 360 * US);
	row(&in, DR_TCP, 20 * MS + 380 * US);
	row(&in, DR_TCP_CONNECT, 20 * MS + 420 * US);
	expect("R2 near miss: forward delay, clocks not synced", &in, &v, DL_NETWORK, "R4", DC_HIGH);
	expect_notes("R2 near miss unsynced", &v, "N4");

	/* R3: netem 20 ms on the way back */
	lan(&in);
	net(&in, 140 * US, 20 * MS + 150 * US);
	row(&in, DR_STAMP, 20 * MS + 330 * US);
	row(&in, DR_ICMP, 20 * MS + 360 * US);
	row(&in, DR_TCP, 20 * MS + 380 * US);
	row(&in, DR_TCP_CONNECT, 20 * MS + 420 * US);
	expect("R3: netem reverse 20 ms (synced)", &in, &v, DL_NET_REV, "R3", DC_HIGH);
	CHECK(v.est[DL_NETWORK] == 20 * MS + 290 * US, "diag: R3: the network's estimate is the round trip");
	expect_notes("R3", &v, "");
	/* R3 at its edge, and a near miss: 2x but 0.7 ms above */
	net(&in, 1 * MS, 2 * MS);
	row(&in, DR_STAMP, 3050 * US);
	row(&in, DR_ICMP, 3100 * US);
	row(&in, DR_TCP, 3100 * US);
	row(&in, DR_TCP_CONNECT, 3140 * US);
	expect("R3 edge: rev 2 ms = 2 x fwd, 1 ms above", &in, &v, DL_NET_REV, "R3", -1);
	net(&in, 700 * US, 1400 * US);
	row(&in, DR_STAMP, 2150 * US);
	row(&in, DR_ICMP, 2200 * US);
	row(&in, DR_TCP, 2200 * US);
	row(&in, DR_TCP_CONNECT, 2240 * US);
	expect("R3 near miss: rev 2x fwd but 0.7 ms above", &in, &v, DL_NETWORK, "R4", -1);

	/* R4: 20 ms each way (a continent), no direction dominates; synced: no N4 */
	lan(&in);
	net(&in, 10 * MS + 140 * US, 10 * MS + 150 * US);
	row(&in, DR_STAMP, 20 * MS + 330 * US);
	row(&in, DR_ICMP, 20 * MS + 360 * US);
	row(&in, DR_TCP, 20 * MS + 380 * US);
	row(&in, DR_TCP_CONNECT, 20 * MS + 420 * US);
	expect("R4: even split, synced", &in, &v, DL_NETWORK, "R4", DC_HIGH);
	expect_notes("R4 synced", &v, "");
	/* R4 with no module here: STAMP (userspace), ICMP and TCP only */
	nomod(&in);
	row(&in, DR_STAMP, 20 * MS + 400 * US);
	row(&in, DR_ICMP, 20 * MS + 360 * US);
	row(&in, DR_TCP, 20 * MS + 380 * US);
	row(&in, DR_TCP_CONNECT, 20 * MS + 420 * US);
	expect("R4: no breakdown, 20 ms on every protocol", &in, &v, DL_NETWORK, "R4", DC_HIGH);
	CHECK(v.est[DL_NETWORK] == 20 * MS + 360 * US && v.net_row == DR_ICMP &&
	      !v.assessed[DL_LOCAL] && !v.assessed[DL_FAR_KERNEL] && v.est[DL_FAR_TCP] == 20 * US,
	      "diag: R4 no breakdown: network the smallest round trip (ICMP), far_tcp against it (%llu)",
	      (unsigned long long)v.est[DL_FAR_TCP]);
	expect_notes("R4 no breakdown", &v, "N2");

	/* R5 near miss: the far host's qdisc adds 1 ms, the network 1.5 ms */
	lan(&in);
	in.bd_far = 25 * US + 975 * US;
	net(&in, 750 * US, 750 * US);
	row(&in, DR_STAMP, 2530 * US);
	row(&in, DR_ICMP, 2560 * US);
	row(&in, DR_TCP, 2580 * US);
	row(&in, DR_TCP_CONNECT, 2620 * US);
	expect("R5 near miss: far_kernel 1 ms under network 1.5 ms", &in, &v, DL_NETWORK, "R4", DC_MEDIUM);
	CHECK(v.runner_up == DL_FAR_KERNEL, "diag: R5 near miss: far_kernel runner-up");

	/* R6 through SYN retransmits alone: the accept queue overflows at
	 * times, most connects need one retransmit, none times out */
	lan(&in);
	row(&in, DR_TCP, 1 * MS);
	row(&in, DR_TCP_CONNECT, 1 * SEC + 400 * US);
	in.syn_retrans = 30;
	expect("R6: SYN retransmits, no timeouts", &in, &v, DL_FAR_TCP, "R6", DC_HIGH);
	CHECK(v.est[DL_FAR_TCP] == 645 * US + 1 * SEC - 600 * US,
	      "diag: R6: far_tcp = (tcp - U) + (connect - tcp) (%llu)",
	      (unsigned long long)v.est[DL_FAR_TCP]);
	/* the connect beyond the handshake counts only with SYNs sent again:
	 * this host's scheduler slow (connect 5 ms, handshake 380 us), no
	 * SYN lost: not the far host's TCP */
	lan(&in);
	row(&in, DR_TCP_CONNECT, 5 * MS);
	expect("R6/R7 near miss: slow connect, no SYN retransmit", &in, &v, DL_NETWORK, "R4", DC_HIGH);
	CHECK(v.est[DL_FAR_TCP] == 25 * US, "diag: far_tcp leaves out connect - tcp without retransmits (%llu)",
	      (unsigned long long)v.est[DL_FAR_TCP]);
	expect_notes("slow connect, no retransmit", &v, "");
	/* R6 at half the connects timed out; near miss: one fewer */
	lan(&in);
	in.tcp_attempts = 50;
	in.tcp_timeouts = 25;
	in.syn_retrans = 25;
	expect("R6 edge: 25 of 50 connects timed out", &in, &v, DL_FAR_TCP, "R6", DC_HIGH);
	CHECK(v.est[DL_FAR_TCP] == 3 * SEC, "diag: R6 edge: far_tcp is the 3 s limit");
	in.tcp_timeouts = 24;
	in.syn_retrans = 24;
	expect("R6 near miss: 24 of 50 timed out", &in, &v, DL_NETWORK, "R4", -1);
	CHECK(v.est[DL_FAR_TCP] == 25 * US, "diag: R6 near miss: far_tcp from the connects that succeeded (%llu)",
	      (unsigned long long)v.est[DL_FAR_TCP]);
	expect_notes("R6 near miss", &v, "N5");
	/* a connect limit of 1.5 s (-w 1.5): the estimate is that limit */
	lan(&in);
	in.tcp_attempts = 2;
	in.tcp_timeouts = 1;
	in.syn_retrans = 1;
	in.tcp_timeout_ns = 1500 * MS;
	expect("R6: 1 of 2 timed out, 1.5 s limit", &in, &v, DL_FAR_TCP, "R6", -1);
	CHECK(v.est[DL_FAR_TCP] == 1500 * MS, "diag: R6: far_tcp is the connect limit given");

	/* R7: the far host is slow to answer SYNs (5 ms), none lost */
	lan(&in);
	row(&in, DR_TCP, 5300 * US);
	row(&in, DR_TCP_CONNECT, 5350 * US);
	expect("R7: slow SYN handling 5 ms", &in, &v, DL_FAR_TCP, "R7", DC_HIGH);
	CHECK(v.est[DL_FAR_TCP] == 4945 * US, "diag: R7: far_tcp = tcp - U, 4.945 ms (%llu)",
	      (unsigned long long)v.est[DL_FAR_TCP]);
	/* the same with one connect timed out (its retransmit not read): R6 */
	in.tcp_timeouts = 1;
	expect("R7 near miss: one connect timed out -> R6", &in, &v, DL_FAR_TCP, "R6", -1);
	/* near miss: TCP a little above U, under the network */
	lan(&in);
	row(&in, DR_TCP, 500 * US);
	row(&in, DR_TCP_CONNECT, 540 * US);
	expect("R7 near miss: far_tcp 145 us under network 290 us", &in, &v, DL_NETWORK, "R4", -1);
	CHECK(v.est[DL_FAR_TCP] == 145 * US && v.runner_up == DL_FAR_TCP,
	      "diag: R7 near miss: far_tcp 145 us the runner-up");

	/* R8 near miss: the application takes 180 us */
	lan(&in);
	row(&in, DR_HTTP_CONNECT, 420 * US);
	row(&in, DR_HTTP_TTFB, 600 * US);
	expect("R8 near miss: app 180 us under network 290 us", &in, &v, DL_NETWORK, "R4", DC_MEDIUM);
	CHECK(v.runner_up == DL_FAR_APP && v.est[DL_FAR_APP] == 180 * US,
	      "diag: R8 near miss: far_application runner-up at 180 us");
}

/* ----------------------------------------------------------- confidence */

static void test_diag_confidence(void)
{
	struct diag_in in;
	struct diag_verdict v;

	/* margins, on this host (1 ms network, STAMP and ICMP, no TCP) */
	lan(&in);
	norow(&in, DR_TCP);
	norow(&in, DR_TCP_CONNECT);
	net(&in, 500 * US, 500 * US);
	in.bd_far = 20 * US;
	in.bd_local = 3 * MS;
	row(&in, DR_STAMP, 4 * MS);
	row(&in, DR_ICMP, 4050 * US);
	expect("conf: local exactly 3x network", &in, &v, DL_LOCAL, "R1", DC_HIGH);
	in.bd_local = 3 * MS - 1;
	expect("conf: local 1 ns under 3x", &in, &v, DL_LOCAL, "R1", DC_MEDIUM);
	in.bd_local = 1500 * US;
	row(&in, DR_STAMP, 2500 * US);
	row(&in, DR_ICMP, 2550 * US);
	expect("conf: local exactly 1.5x network", &in, &v, DL_LOCAL, "R1", DC_MEDIUM);
	in.bd_local = 1500 * US - 1;
	expect("conf: local 1 ns under 1.5x", &in, &v, DL_LOCAL, "R1", DC_LOW);

	/* the floor: a quiet rack, every layer under 0.2 ms */
	lan(&in);
	norow(&in, DR_TCP);
	norow(&in, DR_TCP_CONNECT);
	in.bd_local = 50 * US;
	net(&in, 70 * US, 80 * US);
	in.bd_far = 20 * US;
	row(&in, DR_STAMP, 210 * US);
	row(&in, DR_ICMP, 220 * US);
	expect("conf: all under 0.2 ms (network 150 us, 3x local)", &in, &v, DL_NETWORK, "R4", DC_LOW);
	expect_notes("floor", &v, "N0");
	net(&in, 100 * US, 100 * US);
	row(&in, DR_ICMP, 270 * US);
	expect("conf: network exactly 0.2 ms, 4x local", &in, &v, DL_NETWORK, "R4", DC_HIGH);
	expect_notes("at the floor", &v, "");

	/* high capped to medium with one protocol: HTTP alone (no
	 * reflector, ICMP blocked, no --tcp), the server waits 20 ms */
	memset(&in, 0, sizeof(in));
	row(&in, DR_HTTP_CONNECT, 420 * US);
	row(&in, DR_HTTP_TLS, 900 * US);
	row(&in, DR_HTTP_TTFB, 20 * MS + 400 * US);
	expect("conf: HTTP alone, app 20 ms: high capped", &in, &v, DL_FAR_APP, "R8", DC_MEDIUM);
	expect_notes("HTTP alone", &v, "");
	/* near miss: ICMP answers too */
	row(&in, DR_ICMP, 360 * US);
	expect("conf: HTTP and ICMP, app 20 ms", &in, &v, DL_FAR_APP, "R8", DC_HIGH);
	expect_notes("HTTP and ICMP", &v, "N2");

	/* witness, local: ICMP does not see an ingress-side delay (its
	 * receive time is stamped before the stage): not high */
	lan(&in);
	norow(&in, DR_TCP);
	norow(&in, DR_TCP_CONNECT);
	in.bd_local = 5 * MS;
	row(&in, DR_STAMP, 5330 * US);
	row(&in, DR_ICMP, 400 * US);
	expect("witness local: ICMP under local/2", &in, &v, DL_LOCAL, "R1", DC_MEDIUM);
	row(&in, DR_ICMP, 2500 * US);
	expect("witness local: ICMP exactly local/2", &in, &v, DL_LOCAL, "R1", DC_HIGH);

	/* witness, network: STAMP's UDP port policed on the path (10 ms), ICMP
	 * and TCP not: nothing else sees it */
	lan(&in);
	net(&in, 5140 * US, 5150 * US);
	row(&in, DR_STAMP, 10330 * US);
	expect("witness network: ICMP and TCP under 0.7x", &in, &v, DL_NETWORK, "R4", DC_MEDIUM);
	/* TCP alone as the witness (ping sockets not allowed here) */
	lan(&in);
	norow(&in, DR_ICMP);
	net(&in, 10 * MS + 140 * US, 10 * MS + 150 * US);
	row(&in, DR_STAMP, 20 * MS + 330 * US);
	row(&in, DR_TCP, 20 * MS + 380 * US);
	row(&in, DR_TCP_CONNECT, 20 * MS + 420 * US);
	expect("witness network: TCP alone sees it", &in, &v, DL_NETWORK, "R4", DC_HIGH);
	expect_notes("network, TCP witness", &v, "");

	/* witness, far_kernel: without Follow-Up (the reflector's softirq is
	 * starved: 20 ms turnaround, ICMP sees it too) */
	lan(&in);
	in.far_reported = false;
	in.bd_far = 20 * MS + 25 * US;
	row(&in, DR_STAMP, 20 * MS + 330 * US);
	row(&in, DR_ICMP, 20 * MS + 360 * US);
	row(&in, DR_TCP, 20 * MS + 380 * US);
	row(&in, DR_TCP_CONNECT, 20 * MS + 420 * US);
	expect("witness far_kernel: no Follow-Up", &in, &v, DL_FAR_KERNEL, "R5", DC_MEDIUM);
	expect_notes("far_kernel without Follow-Up", &v, "N3");
	/* with Follow-Up, but neither ICMP nor TCP sees it */
	lan(&in);
	in.bd_far = 20 * MS + 35 * US;
	row(&in, DR_STAMP, 20 * MS + 330 * US);
	expect("witness far_kernel: ICMP and TCP under 0.7x", &in, &v, DL_FAR_KERNEL, "R5", DC_MEDIUM);

	/* witness, far_tcp: TCP beside ICMP, no breakdown (slow SYNs, 5 ms) */
	memset(&in, 0, sizeof(in));
	row(&in, DR_ICMP, 360 * US);
	row(&in, DR_TCP, 5300 * US);
	row(&in, DR_TCP_CONNECT, 5350 * US);
	in.tcp_attempts = 50;
	in.tcp_timeout_ns = 3 * SEC;
	expect("witness far_tcp: TCP beside ICMP", &in, &v, DL_FAR_TCP, "R7", DC_HIGH);
	CHECK(v.est[DL_FAR_TCP] == 4940 * US, "diag: far_tcp against ICMP (%llu)",
	      (unsigned long long)v.est[DL_FAR_TCP]);
	expect_notes("far_tcp beside ICMP", &v, "N2");
	/* TCP beside STAMP only (userspace, no module, no ICMP): no witness */
	norow(&in, DR_ICMP);
	row(&in, DR_STAMP, 400 * US);
	expect("witness far_tcp: TCP beside STAMP only", &in, &v, DL_FAR_TCP, "R7", DC_MEDIUM);
	/* ... which SYN retransmits are (one SYN in 50 lost) */
	in.syn_retrans = 1;
	expect("witness far_tcp: SYN retransmits", &in, &v, DL_FAR_TCP, "R6", DC_HIGH);

	/* witness, far_application: HTTP's connect is slow too (its listener
	 * backlogged), the first byte under 2x the connect */
	lan(&in);
	row(&in, DR_HTTP_CONNECT, 30 * MS);
	row(&in, DR_HTTP_TTFB, 55 * MS);
	expect("witness far_app: ttfb under 2x connect", &in, &v, DL_FAR_APP, "R8", DC_MEDIUM);
	row(&in, DR_HTTP_TTFB, 60 * MS + 1);
	expect("witness far_app: ttfb just over 2x connect", &in, &v, DL_FAR_APP, "R8", DC_HIGH);
}

/* ---------------------------------------------------------------- notes */

static void test_diag_notes(void)
{
	struct diag_in in;
	struct diag_verdict v;

	/* the healthy path: no note at all */
	lan(&in);
	expect("healthy LAN", &in, &v, DL_NETWORK, "R4", -1);
	expect_notes("healthy LAN", &v, "");

	/* N1 with a breakdown: ICMP > 1.5 x U + 1 ms, U = 355 us */
	lan(&in);
	row(&in, DR_ICMP, 1532500 + 1);
	diag_verdict(&in, &v);
	expect_notes("N1: ICMP 1 ns over 1.5 U + 1 ms", &v, "N1");
	row(&in, DR_ICMP, 1532500);
	diag_verdict(&in, &v);
	expect_notes("N1 near miss: ICMP at 1.5 U + 1 ms", &v, "");
	/* without a breakdown: against STAMP (ICMP rate-limited at the far host) */
	nomod(&in);
	row(&in, DR_ICMP, 5 * MS);
	diag_verdict(&in, &v);
	expect_notes("N1 against STAMP, no breakdown", &v, "N1 N2");
	/* neither a breakdown nor STAMP: ICMP held against TCP */
	norow(&in, DR_STAMP);
	diag_verdict(&in, &v);
	expect_notes("N1 against TCP, no STAMP, no breakdown", &v, "N1 N2");
	/* nothing to hold ICMP against */
	norow(&in, DR_TCP);
	norow(&in, DR_TCP_CONNECT);
	diag_verdict(&in, &v);
	expect_notes("N1 near miss: ICMP alone", &v, "N2");

	/* N2: no breakdown, whichever rows ran */
	nomod(&in);
	diag_verdict(&in, &v);
	expect_notes("N2: no module", &v, "N2");

	/* N3: no Follow-Up; the far egress queue (20 ms) stays in rev */
	lan(&in);
	in.far_reported = false;
	in.bd_far = 25 * US;
	net(&in, 140 * US, 20 * MS + 150 * US);
	row(&in, DR_STAMP, 20 * MS + 330 * US);
	row(&in, DR_ICMP, 20 * MS + 370 * US);
	row(&in, DR_TCP, 20 * MS + 390 * US);
	row(&in, DR_TCP_CONNECT, 20 * MS + 430 * US);
	expect("N3: far egress qdisc without Follow-Up reads as reverse", &in, &v, DL_NET_REV, "R3", -1);
	expect_notes("N3", &v, "N3");

	/* N4: the network wins, not synced (the flow has rtt, no fwd/rev) */
	lan(&in);
	in.synced = false;
	net(&in, 0, 0);
	in.bd_net = 20 * MS + 290 * US;
	row(&in, DR_STAMP, 20 * MS + 330 * US);
	row(&in, DR_ICMP, 20 * MS + 360 * US);
	row(&in, DR_TCP, 20 * MS + 380 * US);
	row(&in, DR_TCP_CONNECT, 20 * MS + 420 * US);
	expect("N4: network, clocks not synced", &in, &v, DL_NETWORK, "R4", DC_HIGH);
	expect_notes("N4", &v, "N4");
	/* near miss: not synced, but this host wins */
	lan(&in);
	in.synced = false;
	in.bd_local = 20 * MS + 30 * US;
	row(&in, DR_ICMP, 20 * MS + 360 * US);
	row(&in, DR_TCP, 20 * MS + 380 * US);
	row(&in, DR_TCP_CONNECT, 20 * MS + 420 * US);
	expect("N4 near miss: not synced, local wins", &in, &v, DL_LOCAL, "R1", DC_HIGH);
	expect_notes("N4 near miss", &v, "");

	/* N5: a few SYNs lost on the path, TCP not the verdict */
	lan(&in);
	in.syn_retrans = 2;
	expect("N5: 2 SYN retransmits, network wins", &in, &v, DL_NETWORK, "R4", -1);
	expect_notes("N5", &v, "N5");
	/* near miss: far_tcp wins (R7's slow SYNs, with the retransmits: R6) */
	row(&in, DR_TCP, 5300 * US);
	row(&in, DR_TCP_CONNECT, 5350 * US);
	expect("N5 near miss: far_tcp wins", &in, &v, DL_FAR_TCP, "R6", -1);
	expect_notes("N5 near miss", &v, "");

	CHECK(!strcmp(diag_layer_key(DL_NONE), "none") &&
	      !strcmp(diag_layer_key(DL_NET_FWD), "network_forward") &&
	      !strcmp(diag_layer_key(DL_FAR_APP), "far_application") &&
	      !strcmp(diag_conf_name(DC_MEDIUM), "medium") &&
	      !strcmp(diag_row_key(DR_HTTP_TTFB), "http_ttfb") &&
	      !strcmp(diag_layer_name(DL_NONE), "nothing to go on"),
	      "diag: layer, confidence and row names");
}

/* ----------------------------------------- the review's cases (F1..F5) */

/*
 * Cases where a first version of the table gave a verdict that would
 * send the engineer the wrong way, each kept as the regression test of
 * its fix (DIAGNOSE.md's rules as they are now).
 */
static void test_diag_findings(void)
{
	struct diag_in in;
	struct diag_verdict v;

	/* F1: the target is down (a stopped cloud instance: packets
	 * silently dropped). STAMP, ICMP fail; all 4 connects time out. No
	 * protocol got an answer: R0, not "the far host's listen queue". */
	memset(&in, 0, sizeof(in));
	in.tcp_attempts = 4;
	in.tcp_timeouts = 4;
	in.syn_retrans = 4;
	in.tcp_timeout_ns = 3 * SEC;
	expect("F1: nothing answered, every connect timed out -> R0", &in, &v, DL_NONE, "R0", DC_LOW);

	/* F5: the same slow connects on this host (5 ms, its scheduler) and
	 * one SYN in 50 lost on the path: the median connect carries no
	 * retransmit (its gap is under the 1 s RTO), so the gap is not the far
	 * host's TCP. The network stays the verdict, with N5. */
	lan(&in);
	row(&in, DR_TCP_CONNECT, 5 * MS);
	in.syn_retrans = 1;
	expect("F5: slow local connects + 1 SYN retransmit in 50 -> still network, N5", &in, &v,
	       DL_NETWORK, "R4", -1);
	expect_notes("F5", &v, "N5");

	/* F2: no module; STAMP 330 us, ICMP deprioritised (25 ms, N1 fires),
	 * TCP handshakes 20 ms. U is the smaller of STAMP and ICMP, so a slow
	 * ICMP cannot hide TCP's 20 ms: far_tcp, R7. */
	memset(&in, 0, sizeof(in));
	row(&in, DR_STAMP, 330 * US);
	row(&in, DR_ICMP, 25 * MS);
	row(&in, DR_TCP, 20 * MS);
	row(&in, DR_TCP_CONNECT, 20 * MS + 50 * US);
	in.tcp_attempts = 50;
	in.tcp_timeout_ns = 3 * SEC;
	expect("F2: ICMP slow (N1), TCP 20 ms, STAMP 0.33 ms -> far_tcp", &in, &v, DL_FAR_TCP, "R7", -1);

	/* F3: no reflector, no module: ICMP 30 ms (deprioritised), TCP's
	 * handshake 0.4 ms. The network is the smallest round trip (TCP's),
	 * and a row is never its own witness: not high. */
	memset(&in, 0, sizeof(in));
	row(&in, DR_ICMP, 30 * MS);
	row(&in, DR_TCP, 400 * US);
	row(&in, DR_TCP_CONNECT, 450 * US);
	in.tcp_attempts = 50;
	in.tcp_timeout_ns = 3 * SEC;
	diag_verdict(&in, &v);
	CHECK(v.conf != DC_HIGH,
	      "diag: F3: ICMP 30 ms, TCP 0.4 ms: network not high on ICMP's own witness (got %s %s %s)",
	      diag_layer_key(v.layer), rule_s(&v), diag_conf_name(v.conf));

	/* F4: HTTP alone (ICMP blocked, no reflector): an 80 ms round trip,
	 * the application answers in 1 ms. The network is assessed from
	 * HTTP's connect: the application's 1 ms is not named. */
	memset(&in, 0, sizeof(in));
	row(&in, DR_HTTP_CONNECT, 80 * MS);
	row(&in, DR_HTTP_TTFB, 81 * MS);
	diag_verdict(&in, &v);
	CHECK(v.layer != DL_FAR_APP || v.conf == DC_LOW,
	      "diag: F4: HTTP connect 80 ms, ttfb 81 ms: not far_application above low (got %s %s %s, %llu ns)",
	      diag_layer_key(v.layer), rule_s(&v), diag_conf_name(v.conf),
	      (unsigned long long)v.est[DL_FAR_APP]);
}

/* snapfire tcp's delayed-ACK flag (sockdiag.c): its window, the rttvar
 * and the packets-a-round-trip conditions, each edge */
static void test_delack(void)
{
	/* request/response: 100 requests of 2 x 50 bytes */
	struct tcp_conn c = { .has_info = true, .min_rtt_ns = 20 * MS,
			      .rttvar_ns = 20 * MS, .snd_mss = 1448,
			      .bytes_sent = 10000, .data_segs_out = 200 };

	c.srtt_ns = 20 * MS + TCP_DELACK_LOW_NS;
	CHECK(tcp_delack_bound(&c), "delack: srtt = min_rtt + 16 ms, wide rttvar, request/response: flagged");
	c.srtt_ns--;
	CHECK(!tcp_delack_bound(&c), "delack: 1 ns under 16 ms above: not flagged");
	c.srtt_ns = 20 * MS + TCP_DELACK_HIGH_NS;
	c.rttvar_ns = (TCP_DELACK_HIGH_NS + 2) / 3;	/* 3 x rttvar >= excess */
	CHECK(tcp_delack_bound(&c), "delack: min_rtt + 220 ms, rttvar a third of it: flagged");
	c.rttvar_ns--;
	CHECK(!tcp_delack_bound(&c), "delack: rttvar under a third of the excess (a constant late answer): not flagged");
	c.rttvar_ns = TCP_DELACK_HIGH_NS;
	c.srtt_ns++;
	CHECK(!tcp_delack_bound(&c), "delack: 1 ns over 220 ms above: not flagged");
	c.srtt_ns = 20 * MS + 20 * MS;
	c.rttvar_ns = 17 * MS;
	/* 200 segments averaging half the MSS: 200 x 724 bytes */
	c.bytes_sent = 200 * 724 - 1;
	CHECK(tcp_delack_bound(&c), "delack: segments just under half the MSS on average: flagged");
	c.bytes_sent = 200 * 724;
	CHECK(!tcp_delack_bound(&c), "delack: segments of half the MSS on average (bulk-ish): not flagged");
	c.bytes_sent = 10000;
	c.data_segs_out = 0;
	CHECK(!tcp_delack_bound(&c), "delack: no data sent: not flagged");
	c.data_segs_out = 200;
	c.snd_mss = 0;
	CHECK(!tcp_delack_bound(&c), "delack: no mss: not flagged");
	c.snd_mss = 1448;
	c.min_rtt_ns = 0;
	CHECK(!tcp_delack_bound(&c), "delack: no min_rtt yet: not flagged");
	c.min_rtt_ns = 20 * MS;
	c.has_info = false;
	CHECK(!tcp_delack_bound(&c), "delack: no tcp_info: not flagged");
}

void test_diag(void)
{
	test_delack();
	test_diag_incidents();
	test_diag_rules();
	test_diag_confidence();
	test_diag_notes();
	test_diag_findings();
}
