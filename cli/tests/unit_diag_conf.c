// SPDX-License-Identifier: GPL-2.0
/*
 * CLI unit tests of diagnose's verdict: the confidence levels (the 3x and
 * 1.5x margins, the 0.2 ms floor, the one-protocol cap, each layer's
 * second witness) and the notes N0..N5, present and absent.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "unit.h"
#include "unit_diag.h"

/* ----------------------------------------------------------- confidence */

void test_diag_confidence(void)
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

void test_diag_notes(void)
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
