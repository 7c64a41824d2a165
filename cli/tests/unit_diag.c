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
#include "unit.h"
#include "unit_diag.h"

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

void test_diag(void)
{
	test_delack();
	test_diag_incidents();
	test_diag_rules();
	test_diag_confidence();
	test_diag_notes();
	test_diag_findings();
}
