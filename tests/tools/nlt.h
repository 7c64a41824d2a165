/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlt — a few libmnl helpers for the snapfire control-plane test tools:
 * open a generic netlink socket with extended ACKs, resolve the family and
 * its multicast group, send a request and collect the replies, the error
 * and the extended ACK (message, offset, missing attribute).
 */
#ifndef NLT_H
#define NLT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#define NLT_BUF_SIZE	(1u << 20)	/* receive buffer: dump messages with histograms */

struct nlt {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;		/* snapfire's family id */
	uint32_t mcgrp;			/* its "events" group id */
	char *buf;			/* NLT_BUF_SIZE bytes */
};

/* What came back for a request. */
struct nlt_result {
	int err;			/* 0 or a negative errno */
	bool done;			/* NLMSG_DONE (dumps) */
	bool intr;			/* some message had NLM_F_DUMP_INTR */
	char msg[256];			/* NLMSGERR_ATTR_MSG, "" if none */
	bool has_offs;
	uint32_t offs;			/* NLMSGERR_ATTR_OFFS */
	bool has_miss;
	uint32_t miss_type;		/* NLMSGERR_ATTR_MISS_TYPE */
	unsigned int nmsgs;		/* data messages */
	size_t bytes;			/* bytes received */
	unsigned int recvs;		/* recvmsg calls */
};

/* Called for every data message; return MNL_CB_OK to go on. */
typedef int (*nlt_cb)(const struct nlmsghdr *nlh, void *arg);

int nlt_open(struct nlt *t);
void nlt_close(struct nlt *t);

/* Start a snapfire request in t->buf; NLM_F_REQUEST | NLM_F_ACK | @flags. */
struct nlmsghdr *nlt_req(struct nlt *t, uint8_t cmd, uint16_t flags);

/* Send @nlh, receive until the ACK, error or NLMSG_DONE; 0 or -1 (I/O). */
int nlt_talk(struct nlt *t, struct nlmsghdr *nlh, nlt_cb cb, void *arg,
	     struct nlt_result *r);

/*
 * TAP-ish output shared by the tools: `ok N - ...` / `not ok N - ...` and
 * `# ...` lines, flushed at once; the counts for the plan and exit status.
 */
extern int nlt_ntests, nlt_nfailed;
void nlt_report(int passed, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void nlt_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Join the events group. */
int nlt_subscribe(struct nlt *t);

/* The attributes of a snapfire message (after the genl header). */
static inline struct nlattr *nlt_attrs(const struct nlmsghdr *nlh)
{
	return (struct nlattr *)mnl_nlmsg_get_payload_offset(nlh, GENL_HDRLEN);
}

#endif
