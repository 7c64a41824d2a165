// SPDX-License-Identifier: GPL-2.0
/*
 * nlq.c — a dump's datagrams, received by a thread of their own (nlq.h).
 *
 * The reader thread only receives: it peeks at the next datagram's length,
 * receives it whole into a buffer of its own, looks for the end of the
 * dump in it and queues it. The caller's thread takes the buffers in
 * order (nlq_next()); nl.c hands them to libnl, which parses them as if it
 * had received them itself.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <linux/netlink.h>

#include "nlq.h"

/*
 * The kernel sizes a dump's datagrams after the largest buffer a recvmsg()
 * on the socket has offered, up to 32 KiB (netlink_recvmsg() and
 * netlink_dump() in net/netlink/af_netlink.c): offer at least that much,
 * or the datagrams, and the receives, get smaller and more numerous.
 */
#define NLQ_MIN_BUF 32768

struct nlq_slot {
	unsigned char *buf;
	size_t len;
};

struct nlq {
	int fd;
	uint32_t seq;
	pthread_t thread;
	/*
	 * @lock protects everything below it; @ready is signalled when a
	 * datagram is queued or the reader finishes, @space when the queue
	 * is down to half or the caller stops the reading.
	 */
	pthread_mutex_t lock;
	pthread_cond_t ready;
	pthread_cond_t space;
	struct nlq_slot slot[NLQ_DEPTH];
	unsigned int head;	/* the oldest queued datagram */
	unsigned int count;	/* datagrams queued */
	int err;		/* the receive's errno, once it failed */
	bool finished;		/* the reader queues nothing more */
	bool abort;		/* nlq_stop(): discard the rest of the dump */
};

/* One datagram, whole: its length and *out, or -errno. */
static ssize_t recv_one(int fd, unsigned char **out)
{
	struct msghdr m = { 0 };
	struct iovec iov;
	unsigned char *b;
	ssize_t n;
	size_t size;

	do {
		n = recvmsg(fd, &m, MSG_PEEK | MSG_TRUNC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)		/* shut down: netlink sends no empty datagram */
		return -EPIPE;
	size = (size_t)n > NLQ_MIN_BUF ? (size_t)n : NLQ_MIN_BUF;
	b = malloc(size);
	if (!b)
		return -ENOMEM;
	iov.iov_base = b;
	iov.iov_len = size;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	do {
		n = recvmsg(fd, &m, 0);
	} while (n < 0 && errno == EINTR);
	if (n <= 0 || (m.msg_flags & MSG_TRUNC)) {
		/* it was peeked whole: only a socket shut down in between */
		free(b);
		return n < 0 ? -errno : n == 0 ? -EPIPE : -EMSGSIZE;
	}
	*out = b;
	return n;
}

/* The datagram holds the dump's last message (NLMSG_DONE or an error). */
static bool is_last(const unsigned char *b, size_t len, uint32_t seq)
{
	const struct nlmsghdr *h = (const struct nlmsghdr *)b;
	int rem = len > INT32_MAX ? INT32_MAX : (int)len;

	for (; NLMSG_OK(h, rem); h = NLMSG_NEXT(h, rem))
		if ((h->nlmsg_type == NLMSG_DONE ||
		     h->nlmsg_type == NLMSG_ERROR) && h->nlmsg_seq == seq)
			return true;
	return false;
}

static void *reader(void *arg)
{
	struct nlq *q = arg;
	unsigned char *buf;
	bool last = false;
	ssize_t n;

	while (!last) {
		/*
		 * Ask the kernel for more only when there is room for it.
		 * Once full, wait for half the queue to drain: one wakeup
		 * for every NLQ_DEPTH / 2 datagrams, not one each.
		 */
		pthread_mutex_lock(&q->lock);
		if (q->count == NLQ_DEPTH)
			while (q->count > NLQ_DEPTH / 2 && !q->abort)
				pthread_cond_wait(&q->space, &q->lock);
		pthread_mutex_unlock(&q->lock);

		buf = NULL;
		n = recv_one(q->fd, &buf);
		if (n > 0)
			last = is_last(buf, (size_t)n, q->seq);

		pthread_mutex_lock(&q->lock);
		if (n < 0) {
			q->err = (int)-n;
			last = true;
		} else if (q->abort) {
			free(buf);
		} else {
			struct nlq_slot *s;

			s = &q->slot[(q->head + q->count) % NLQ_DEPTH];
			s->buf = buf;
			s->len = (size_t)n;
			q->count++;
		}
		if (last)
			q->finished = true;
		pthread_cond_signal(&q->ready);
		pthread_mutex_unlock(&q->lock);
	}
	return NULL;
}

struct nlq *nlq_start(int fd, uint32_t seq)
{
	struct nlq *q = calloc(1, sizeof(*q));
	sigset_t all, old;
	int err;

	if (!q)
		return NULL;
	q->fd = fd;
	q->seq = seq;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->ready, NULL);
	pthread_cond_init(&q->space, NULL);
	/* signals stay with the caller's thread: the reader starts with none */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&q->thread, NULL, reader, q);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		pthread_cond_destroy(&q->space);
		pthread_cond_destroy(&q->ready);
		pthread_mutex_destroy(&q->lock);
		free(q);
		errno = err;
		return NULL;
	}
	return q;
}

ssize_t nlq_next(struct nlq *q, unsigned char **buf)
{
	struct nlq_slot *s;
	ssize_t n;

	pthread_mutex_lock(&q->lock);
	while (!q->count && !q->finished)
		pthread_cond_wait(&q->ready, &q->lock);
	if (q->count) {
		s = &q->slot[q->head];
		*buf = s->buf;
		n = (ssize_t)s->len;
		s->buf = NULL;
		q->head = (q->head + 1) % NLQ_DEPTH;
		q->count--;
		if (q->count == NLQ_DEPTH / 2)	/* the reader waits for this */
			pthread_cond_signal(&q->space);
	} else {
		n = q->err ? -q->err : -ENODATA;
	}
	pthread_mutex_unlock(&q->lock);
	return n;
}

void nlq_stop(struct nlq *q)
{
	unsigned int i;

	pthread_mutex_lock(&q->lock);
	q->abort = true;
	pthread_cond_signal(&q->space);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	for (i = 0; i < q->count; i++)
		free(q->slot[(q->head + i) % NLQ_DEPTH].buf);
	pthread_cond_destroy(&q->space);
	pthread_cond_destroy(&q->ready);
	pthread_mutex_destroy(&q->lock);
	free(q);
}
