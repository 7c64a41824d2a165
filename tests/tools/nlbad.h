/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlbad — the declarations its files share (nlbad.c describes the tool):
 *
 *   nlbad.c         main, expect() and the checks' helpers
 *   nlbad_config.c  malformed and refused config-set requests
 *   nlbad_others.c  the other ops refused: status-get, config-get,
 *                   flow-get (do and dump), flow-del, flow-reset, commands
 *   nlbad_unpriv.c  without CAP_NET_ADMIN: mutations refused, reads work
 *   nlbad_valid.c   config snapshots, a valid config-set and its undoing
 */
#ifndef NLBAD_H
#define NLBAD_H

#include <stddef.h>
#include <stdint.h>

#include <linux/snapfire.h>

#include "nlt.h"

/* -------------------------------------------------------------- nlbad.c */

extern struct nlt T;

static inline struct nlattr *tail(struct nlmsghdr *nlh)
{
	return mnl_nlmsg_get_payload_tail(nlh);
}

const char *errname(int err);
int alive(void);

enum {
	OFFS_NONE,		/* no offset expected */
	OFFS_IF_ANY,		/* check it if the kernel sent one (dump errors) */
	OFFS_MUST,		/* must be there and point at @bad */
};

void expect(const char *name, struct nlmsghdr *nlh, int experr,
	    const struct nlattr *bad, int offs, int need_msg);

/* a limit of the UAPI header in a check's name, so the name follows it */
#define STR_(x)	#x
#define STR(x)	STR_(x)

#define EXPECT(name, nlh, err, bad)	expect(name, nlh, err, bad, OFFS_MUST, 1)

/* ------------------------------------------------------- nlbad_config.c */

struct nlmsghdr *prefix(struct nlmsghdr *nlh, int family,
			const char *addr, int alen, int plen);
struct nlmsghdr *cset(void);
void bad_config(void);

/* ------------------------------------------------------- nlbad_others.c */

void bad_others(void);

/* ------------------------------------------------------- nlbad_unpriv.c */

int drop_to_nobody(void);
int drop_net_admin(void);
void unprivileged(const char *who, int (*drop)(void));

/* -------------------------------------------------------- nlbad_valid.c */

struct snap {
	char data[4096];
	size_t len;
};

int config_get(struct snap *s);
void valid_config(const struct snap *orig);

#endif
