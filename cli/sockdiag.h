/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host's TCP connections as the kernel measures them: sock_diag
 * (NETLINK_SOCK_DIAG, inet_diag with INET_DIAG_INFO, through libmnl),
 * read-only; what an unprivileged user may read (the kernel gives every
 * socket's tcp_info to anyone who asks, as `ss -ti` shows). In the
 * network namespace the command runs in (snapfire -n NS).
 */
#ifndef SNAPFIRE_SOCKDIAG_H
#define SNAPFIRE_SOCKDIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tcp_conn {
	uint8_t family;			/* AF_INET / AF_INET6 */
	uint8_t state;			/* TCP_ESTABLISHED (1) .. */
	uint8_t local_addr[16], remote_addr[16];
	uint16_t local_port, remote_port;
	bool has_info;			/* INET_DIAG_INFO was sent */
	uint64_t srtt_ns, rttvar_ns, min_rtt_ns, rcv_rtt_ns;
	uint64_t ato_ns;		/* our delayed-ACK timeout, 0: none */
	uint32_t retransmits;		/* unrecovered RTO timeouts now */
	uint32_t total_retrans;
	uint64_t delivery_rate;		/* bytes/s */
	bool app_limited;		/* that rate was limited by the app */
	uint32_t snd_cwnd;
	uint32_t snd_mss;		/* bytes */
	uint64_t bytes_sent;		/* data bytes sent, retransmits too */
	uint32_t data_segs_out;		/* data segments sent */
};

struct tcp_conns {
	struct tcp_conn *v;
	size_t n, cap;
};

/*
 * Every TCP socket of both families that has a tcp_info: not listeners,
 * TIME-WAIT, SYN-RECV (request) or closed sockets. A dual-stack socket
 * with an IPv4 peer (::ffff:a.b.c.d) is given as AF_INET. Returns an exit
 * code, printing what failed.
 */
int tcp_conns_get(struct tcp_conns *s);
void tcp_conns_free(struct tcp_conns *s);
/*
 * Likely bound by a delayed ACK. The classic case: a request written in
 * two pieces without TCP_NODELAY; Nagle holds the second until the peer's
 * delayed ACK (40 ms minimum on Linux, up to 200 ms; Windows 200 ms) of
 * the first. Each exchange then gives TCP two RTT samples, the path + the
 * timer and the path (the reply ACKs the second piece at once), so srtt
 * sits about half a timer above min_rtt and rttvar is wide. Flagged when:
 *   - srtt - min_rtt is 16..220 ms (half Linux's 40 ms minimum, less the
 *     EWMA's ripple, to a whole 200 ms maximum and some);
 *   - rttvar is at least a third of that excess (two kinds of samples: a
 *     peer answering a constant time late gives a narrow rttvar);
 *   - the data segments sent average under half the MSS over the
 *     connection's life: small writes (request/response), not bulk, whose
 *     queueing is not flagged. (app_limited is no test: it flickers on
 *     request/response connections and is set on bulk ones that the
 *     socket buffer paces; one delivery-rate sample after a stall can make
 *     a bulk transfer look slow.)
 * A heuristic: it says "likely".
 */
#define TCP_DELACK_LOW_NS	16000000ULL
#define TCP_DELACK_HIGH_NS	220000000ULL
bool tcp_delack_bound(const struct tcp_conn *c);
/* "ESTAB", "SYN-SENT", ... as ss prints them */
const char *tcp_state_name(uint8_t state);

/*
 * Connections by smoothed RTT: buckets [2^k, 2^(k+1)) us (the first one
 * from 0), count per bucket; a larger srtt goes in the last, which has no
 * upper bound. Connections without an RTT sample yet are not counted.
 */
#define TCP_HIST_BUCKETS 24		/* up to 2^24 us = 16.8 s */
void tcp_srtt_hist(const struct tcp_conns *s, const bool *keep,
		   uint64_t counts[TCP_HIST_BUCKETS]);
/* bucket @k's bounds in ns */
uint64_t tcp_hist_low_ns(int k);
uint64_t tcp_hist_high_ns(int k);

#endif
