// SPDX-License-Identifier: GPL-2.0
/*
 * CLI unit tests of diagnose's verdict against the code review's cases
 * (F1..F5), and of snapfire tcp's delayed-ACK flag (sockdiag.c).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "sockdiag.h"
#include "unit.h"
#include "unit_diag.h"

/* ----------------------------------------- the review's cases (F1..F5) */

/*
 * Cases where a first version of the table gave a verdict that would
 * send the engineer the wrong way, each kept as the regression test of
 * its fix (DIAGNOSE.md's rules as they are now).
 */
void test_diag_findings(void)
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
void test_delack(void)
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
