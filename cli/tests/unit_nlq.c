// SPDX-License-Identifier: GPL-2.0
/*
 * nlq.c's tests: the reader thread against datagrams written by hand into
 * an AF_UNIX datagram socket pair (which, like netlink, keeps datagram
 * boundaries and reports a datagram's real length to MSG_TRUNC).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/sockios.h>

#include "nlq.h"
#include "unit.h"

#define SEQ 4242

/* Appends a message (@type, @seq, @plen payload bytes of @fill) to @b. */
static size_t put_msg(unsigned char *b, size_t off, uint16_t type,
		      uint32_t seq, size_t plen, unsigned char fill)
{
	struct nlmsghdr h = {
		.nlmsg_len = (uint32_t)NLMSG_LENGTH(plen),
		.nlmsg_type = type,
		.nlmsg_flags = NLM_F_MULTI,
		.nlmsg_seq = seq,
	};

	memcpy(b + off, &h, sizeof(h));
	memset(b + off + NLMSG_HDRLEN, fill, plen);
	memset(b + off + NLMSG_HDRLEN + plen, 0,
	       NLMSG_ALIGN(h.nlmsg_len) - h.nlmsg_len);
	return off + NLMSG_ALIGN(h.nlmsg_len);
}

/* Sends a datagram of @n messages (type 0x20 but the last, @last_type). */
static size_t send_dgram(int fd, unsigned char *b, int n, uint16_t last_type,
			 uint32_t last_seq, unsigned char fill)
{
	size_t len = 0;
	int i;

	for (i = 0; i < n - 1; i++)
		len = put_msg(b, len, 0x20, SEQ, 16 + (size_t)i, fill);
	len = put_msg(b, len, last_type, last_seq, 4, fill);
	if (send(fd, b, len, 0) != (ssize_t)len)
		return 0;
	return len;
}

static int pair(int sv[2])
{
	int big = 4 << 20;

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		return -1;
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	return 0;
}

/* The datagrams in order and whole; the end found; nothing after it read. */
static void test_order(void)
{
	unsigned char sent[24][512], *got;
	size_t len[24];
	int sv[2], i, same = 0;
	struct nlq *q;
	ssize_t n;
	char after[64];

	if (pair(sv)) {
		CHECK(0, "nlq: socketpair: %s", strerror(errno));
		return;
	}
	for (i = 0; i < 20; i++)		/* the dump's datagrams */
		len[i] = send_dgram(sv[1], sent[i], 3, 0x20, SEQ, (unsigned char)i);
	/* an error of another request, in the middle: not the end */
	len[20] = send_dgram(sv[1], sent[20], 1, NLMSG_ERROR, SEQ - 1, 20);
	len[21] = send_dgram(sv[1], sent[21], 2, 0x20, SEQ + 1, 21);
	len[22] = send_dgram(sv[1], sent[22], 3, NLMSG_DONE, SEQ, 22);
	len[23] = send_dgram(sv[1], sent[23], 1, NLMSG_DONE, SEQ + 7, 23);
	q = nlq_start(sv[0], SEQ);
	CHECK(q != NULL, "nlq: the reader starts");
	if (!q)
		goto out;
	for (i = 0; i < 23; i++) {
		got = NULL;
		n = nlq_next(q, &got);
		if (n > 0 && (size_t)n == len[i] && !memcmp(got, sent[i], len[i]))
			same++;
		free(got);
	}
	CHECK(same == 23, "nlq: 23 datagrams in order and whole (%d)", same);
	n = nlq_next(q, &got);
	CHECK(n == -ENODATA, "nlq: after NLMSG_DONE of the request, no more (%zd)", n);
	nlq_stop(q);
	n = recv(sv[0], after, sizeof(after), MSG_DONTWAIT);
	CHECK(n == (ssize_t)len[23] && !memcmp(after, sent[23], len[23]),
	      "nlq: the next request's datagram is left in the socket (%zd)", n);
out:
	close(sv[0]);
	close(sv[1]);
}

/* A datagram larger than the reader's first offer comes whole. */
static void test_big(void)
{
	size_t plen = 200000, len;
	unsigned char *b = malloc(plen + 64), *got = NULL;
	int sv[2];
	struct nlq *q;
	ssize_t n;

	if (!b || pair(sv)) {
		CHECK(0, "nlq big: setup");
		free(b);
		return;
	}
	len = put_msg(b, 0, 0x20, SEQ, plen, 0xab);
	len = put_msg(b, len, NLMSG_DONE, SEQ, 4, 0);
	n = send(sv[1], b, len, 0);
	q = nlq_start(sv[0], SEQ);
	if (n != (ssize_t)len || !q) {
		CHECK(0, "nlq big: send %zd of %zu", n, len);
	} else {
		n = nlq_next(q, &got);
		CHECK(n == (ssize_t)len && !memcmp(got, b, len),
		      "nlq: a %zu-byte datagram whole (%zd)", len, n);
		free(got);
	}
	if (q)
		nlq_stop(q);
	free(b);
	close(sv[0]);
	close(sv[1]);
}

/*
 * Stopped early: the reader queues at most NLQ_DEPTH datagrams, and
 * nlq_stop() reads the rest of the dump, and only that, away.
 */
static void test_stop(void)
{
	unsigned char b[512], last[512], *got = NULL;
	int sv[2], i, inq = 0;
	size_t llen;
	struct nlq *q;
	ssize_t n;

	if (pair(sv)) {
		CHECK(0, "nlq stop: socketpair");
		return;
	}
	for (i = 0; i < 5 * NLQ_DEPTH; i++)
		send_dgram(sv[1], b, 2, 0x20, SEQ, (unsigned char)i);
	send_dgram(sv[1], b, 1, NLMSG_ERROR, SEQ, 0);	/* the dump's end */
	llen = send_dgram(sv[1], last, 1, 0x20, SEQ + 1, 1);
	q = nlq_start(sv[0], SEQ);
	if (!q) {
		CHECK(0, "nlq stop: start");
		goto out;
	}
	n = nlq_next(q, &got);
	free(got);
	usleep(200000);		/* the reader fills the queue, and waits */
	ioctl(sv[0], SIOCINQ, &inq);
	CHECK(n > 0 && inq > 0,
	      "nlq: with the queue full the reader waits (datagrams left in the socket: %s)",
	      inq > 0 ? "yes" : "no");
	nlq_stop(q);
	n = recv(sv[0], b, sizeof(b), MSG_DONTWAIT);
	CHECK(n == (ssize_t)llen && !memcmp(b, last, llen),
	      "nlq: stopped, the rest of the dump is read away up to its NLMSG_ERROR, no further (%zd)",
	      n);
out:
	close(sv[0]);
	close(sv[1]);
}

/* A receive that fails ends the queue with its errno, after what came. */
static void test_error(void)
{
	unsigned char b[512], *got = NULL;
	int sv[2], ok1 = 0;
	struct nlq *q;
	ssize_t n;

	if (pair(sv)) {
		CHECK(0, "nlq error: socketpair");
		return;
	}
	send_dgram(sv[1], b, 2, 0x20, SEQ, 1);
	shutdown(sv[0], SHUT_RD);
	q = nlq_start(sv[0], SEQ);
	if (!q) {
		CHECK(0, "nlq error: start");
		goto out;
	}
	n = nlq_next(q, &got);
	ok1 = n > 0;
	free(got);
	n = nlq_next(q, &got);
	CHECK(ok1 && n == -EPIPE,
	      "nlq: a socket shut down: the datagram before it, then -EPIPE (%zd)", n);
	n = nlq_next(q, &got);
	CHECK(n == -EPIPE, "nlq: and -EPIPE again, no wait (%zd)", n);
	nlq_stop(q);
out:
	close(sv[0]);
	close(sv[1]);
}

void test_nlq(void)
{
	test_order();
	test_big();
	test_stop();
	test_error();
}
