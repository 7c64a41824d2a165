/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A dump's datagrams, received by a thread of their own.
 *
 * The kernel builds a netlink dump one datagram at a time, in the context
 * of the recvmsg() that makes room for the next: on a single thread the
 * kernel's work and ours (parsing, formatting, writing) take turns. A reader
 * thread that only receives lets them overlap. It keeps at most a few
 * datagrams queued (constant memory) and stops at the request's NLMSG_DONE
 * or NLMSG_ERROR, so nothing after the dump is read.
 */
#ifndef SNAPFIRE_NLQ_H
#define SNAPFIRE_NLQ_H

#include <stdint.h>
#include <sys/types.h>

struct nlq;

/* Datagrams queued at most (once full, the reader waits for half to drain). */
#define NLQ_DEPTH 8

/*
 * Starts reading @fd, until a NLMSG_DONE or NLMSG_ERROR with sequence
 * number @seq. NULL (errno set) if the thread could not be started.
 */
struct nlq *nlq_start(int fd, uint32_t seq);

/*
 * The next datagram, in order: its length, with *@buf from malloc() (the
 * caller frees it). -errno if the receive failed (EPIPE: the socket was
 * shut down), -ENODATA after the last datagram of the dump.
 */
ssize_t nlq_next(struct nlq *q, unsigned char **buf);

/*
 * Ends the reading: the datagrams left of the dump are received and
 * discarded (the socket is then ready for the next request), the thread is
 * joined and @q freed.
 */
void nlq_stop(struct nlq *q);

#endif
