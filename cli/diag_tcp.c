// SPDX-License-Identifier: GPL-2.0
/*
 * diagnose's TCP rows: a connect to the port every interval, one at a
 * time. The handshake's round trip is the kernel's own (TCP_INFO's rtt
 * right after the SYN-ACK: SYN sent to SYN-ACK received, as TCP measures
 * it), not a userspace stopwatch; the connect's whole time is kept beside
 * it, SYN retransmits included, and so is the number of SYNs sent again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "probe.h"

/* A connect is given 3 s: the first SYN and one retransmit (at 1 s). */
#define TCP_CONNECT_TIMEOUT_NS	3000000000LL

static uint32_t retransmits(int fd)
{
	struct tcp_info ti;
	socklen_t l = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &l) < 0)
		return 0;
	return ti.tcpi_total_retrans;
}

/* One connect: 1 done (samples added), 0 lost, -1 stopped (Ctrl-C: not a
 * loss); *refused on a RST. */
static int connect_once(struct diag_target *t, const struct sockaddr *sa,
			struct diag_row_res *rtt, struct diag_row_res *conn,
			int64_t timeout, bool *refused)
{
	struct pollfd pfd = { .events = POLLOUT };
	struct tcp_info ti;
	socklen_t l = sizeof(ti);
	int64_t t0, t1, deadline;
	int fd, err = 0, rc;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(conn->reason, sizeof(conn->reason), "socket: %s", strerror(errno));
		return 0;
	}
	t0 = diag_mono_ns();
	deadline = t0 + timeout;
	if (connect(fd, sa, t->addrlen) < 0 && errno != EINPROGRESS) {
		err = errno;
		goto failed;
	}
	pfd.fd = fd;
	for (;;) {
		int64_t left = deadline - diag_mono_ns();

		if (probe_stop) {
			close(fd);
			return -1;
		}
		if (left <= 0) {
			t->syn_retrans += retransmits(fd);
			t->tcp_timeouts++;
			snprintf(conn->reason, sizeof(conn->reason),
				 "connects timed out after %.0f s (SYNs unanswered)",
				 (double)timeout / 1e9);
			close(fd);
			return 0;
		}
		/* at most 0.1 s: probe_stop is looked at that often */
		rc = poll(&pfd, 1, left > 100000000 ? 100 : (int)(left / 1000000) + 1);
		if (rc > 0)
			break;
		if (rc < 0 && errno != EINTR) {
			err = errno;
			goto failed;
		}
	}
	t1 = diag_mono_ns();
	l = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0)
		err = errno;
	if (err)
		goto failed;
	l = sizeof(ti);
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &l) < 0) {
		err = errno;
		goto failed;
	}
	t->syn_retrans += ti.tcpi_total_retrans;
	samples_add(&rtt->s, (int64_t)ti.tcpi_rtt * 1000);
	samples_add(&conn->s, t1 - t0);
	close(fd);
	return 1;
failed:
	*refused = err == ECONNREFUSED;
	snprintf(conn->reason, sizeof(conn->reason), "connect: %s", strerror(err));
	close(fd);
	return 0;
}

void diag_tcp_run(struct diag_target *t, struct diag_row_res *rtt,
		  struct diag_row_res *conn)
{
	struct sockaddr_storage ss = t->addr;
	uint64_t refused = 0;
	int64_t start = diag_mono_ns(), end, timeout = TCP_CONNECT_TIMEOUT_NS;

	rtt->state = conn->state = DS_OK;
	if (ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(t->tcp_port);
	else
		((struct sockaddr_in *)&ss)->sin_port = htons(t->tcp_port);
	end = start + (int64_t)(t->duration * 1e9);
	if (timeout > end - start)
		timeout = end - start;
	if (timeout < 1000000000LL)
		timeout = 1000000000LL;
	t->tcp_timeout_ns = (uint64_t)timeout;
	for (uint64_t k = 0; diag_next_slot(start, end, t->interval, &k);) {
		bool rst = false;

		int r;

		conn->attempts++;
		rtt->attempts++;
		r = connect_once(t, (struct sockaddr *)&ss, rtt, conn, timeout, &rst);
		if (r < 0) {
			conn->attempts--;
			rtt->attempts--;
			break;
		}
		if (!r) {
			conn->lost++;
			rtt->lost++;
			refused += rst;
		}
	}
	if (!conn->s.n && refused && refused == conn->attempts)
		snprintf(conn->reason, sizeof(conn->reason),
			 "port %u is closed (connection refused)", t->tcp_port);
	if (!rtt->s.n)
		memcpy(rtt->reason, conn->reason, sizeof(rtt->reason));
}
