/* SPDX-License-Identifier: GPL-2.0 */
/* Generic netlink plumbing for the snapfire family. */
#ifndef SNAPFIRE_NL_H
#define SNAPFIRE_NL_H

#include <netlink/genl/genl.h>
#include <netlink/msg.h>

struct sfnl {
	struct nl_sock *sk;
	int family;
};

/* Connects and resolves the family; returns an exit code (0, 1, 3). */
int sfnl_open(struct sfnl *n);
/* The same, but silent when the module is not loaded (EXIT_NOMOD): for
 * commands whose module data is optional. */
int sfnl_open_quiet(struct sfnl *n);
void sfnl_close(struct sfnl *n);
/* A new request for cmd (flags: 0 for a do, NLM_F_DUMP for a dump). */
struct nl_msg *sfnl_msg(struct sfnl *n, uint8_t cmd, int flags);

/* Per-message callback: attrs of the genl payload; return 0 or -1 (abort). */
typedef int (*sfnl_cb)(struct nlattr *attrs, int len, struct nlmsghdr *nlh,
		       void *arg);

/* Sends msg (consumed), waits for the reply/ACK; calls cb for each reply.
 * Returns an exit code, printing the error (extack included); what names
 * what failed ("flow 3"), for ENOENT -> EXIT_NOTFOUND. */
int sfnl_do(struct sfnl *n, struct nl_msg *msg, sfnl_cb cb, void *arg,
	    const char *what);
/* A dump; build() adds the request attributes. Retries up to 5 times on
 * NLM_F_DUMP_INTR, calling restart(arg) before each retry. */
int sfnl_dump(struct sfnl *n, uint8_t cmd, int (*build)(struct nl_msg *, void *),
	      sfnl_cb cb, void (*restart)(void *), void *arg);

/* Prints the message for a kernel errno (with optional extack) and
 * returns the matching exit code. */
int sfnl_report(int err, const char *extack, const char *what);

/* Resolves the events multicast group and joins it; exit code. */
int sfnl_subscribe(struct sfnl *n);

#endif
