// SPDX-License-Identifier: GPL-2.0
/* nlt — libmnl helpers for the snapfire control-plane test tools. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include <linux/snapfire.h>

#include "nlt.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct family_arg {
	uint16_t id;
	uint32_t grp;
};

static int mcgrp_cb(const struct nlattr *a, struct family_arg *f)
{
	struct nlattr *g;
	const char *name = NULL;
	uint32_t id = 0;

	mnl_attr_for_each_nested(g, a) {
		if (mnl_attr_get_type(g) == CTRL_ATTR_MCAST_GRP_NAME)
			name = mnl_attr_get_str(g);
		else if (mnl_attr_get_type(g) == CTRL_ATTR_MCAST_GRP_ID)
			id = mnl_attr_get_u32(g);
	}
	if (name && !strcmp(name, SNAPFIRE_MCGRP_EVENTS))
		f->grp = id;
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct family_arg *f = arg;
	struct nlattr *a, *g;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			f->id = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(g, a)
				mcgrp_cb(g, f);
			break;
		}
	}
	return MNL_CB_OK;
}

int nlt_open(struct nlt *t)
{
	struct family_arg f = { 0 };
	struct nlt_result r;
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	int one = 1, rcvbuf = 8 << 20;

	memset(t, 0, sizeof(*t));
	t->buf = malloc(NLT_BUF_SIZE);
	t->nl = mnl_socket_open(NETLINK_GENERIC);
	if (!t->buf || !t->nl) {
		perror("nlt: socket");
		return -1;
	}
	if (mnl_socket_bind(t->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("nlt: bind");
		return -1;
	}
	/*
	 * A flow with wide histograms is a reply of hundreds of KiB: with the
	 * default receive buffer (208 KiB) the ACK after it overruns the
	 * socket, and recvmsg() reports ENOBUFS instead of the reply.
	 */
	if (setsockopt(mnl_socket_get_fd(t->nl), SOL_SOCKET, SO_RCVBUFFORCE,
		       &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(mnl_socket_get_fd(t->nl), SOL_SOCKET, SO_RCVBUF,
			   &rcvbuf, sizeof(rcvbuf));
	mnl_socket_setsockopt(t->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(t->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	t->portid = mnl_socket_get_portid(t->nl);
	t->seq = (uint32_t)time(NULL);

	nlh = mnl_nlmsg_put_header(t->buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++t->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, SNAPFIRE_FAMILY_NAME);
	if (nlt_talk(t, nlh, family_cb, &f, &r) < 0)
		return -1;
	if (r.err || !f.id) {
		fprintf(stderr, "nlt: family %s not found: %s\n",
			SNAPFIRE_FAMILY_NAME, strerror(-r.err));
		return -1;
	}
	t->family = f.id;
	t->mcgrp = f.grp;
	return 0;
}

void nlt_close(struct nlt *t)
{
	if (t->nl)
		mnl_socket_close(t->nl);
	free(t->buf);
	memset(t, 0, sizeof(*t));
}

struct nlmsghdr *nlt_req(struct nlt *t, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(t->buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = t->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++t->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = SNAPFIRE_FAMILY_VERSION;
	return nlh;
}

/* The TLVs after an error code (NLMSG_ERROR or NLMSG_DONE). */
static void parse_ext_ack(const struct nlmsghdr *nlh, size_t off,
			  struct nlt_result *r)
{
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	mnl_attr_for_each(a, nlh, off) {
		switch (mnl_attr_get_type(a)) {
		case NLMSGERR_ATTR_MSG:
			snprintf(r->msg, sizeof(r->msg), "%s",
				 mnl_attr_get_str(a));
			break;
		case NLMSGERR_ATTR_OFFS:
			r->has_offs = true;
			r->offs = mnl_attr_get_u32(a);
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			r->has_miss = true;
			r->miss_type = mnl_attr_get_u32(a);
			break;
		}
	}
}

int nlt_talk(struct nlt *t, struct nlmsghdr *nlh, nlt_cb cb, void *arg,
	     struct nlt_result *r)
{
	uint32_t seq = nlh->nlmsg_seq;
	bool finished = false;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	if (mnl_socket_sendto(t->nl, nlh, nlh->nlmsg_len) < 0) {
		perror("nlt: sendto");
		return -1;
	}
	while (!finished) {
		const struct nlmsghdr *m;
		int len;

		n = mnl_socket_recvfrom(t->nl, t->buf, NLT_BUF_SIZE);
		if (n < 0) {
			perror("nlt: recvfrom");
			return -1;
		}
		r->recvs++;
		r->bytes += n;
		len = (int)n;
		for (m = (const struct nlmsghdr *)t->buf; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_seq != seq || m->nlmsg_pid != t->portid)
				continue;	/* stale or a notification */
			if (m->nlmsg_flags & NLM_F_DUMP_INTR)
				r->intr = true;
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);
				size_t off = sizeof(*e);

				if (!(m->nlmsg_flags & NLM_F_CAPPED))
					off += e->msg.nlmsg_len - sizeof(e->msg);
				r->err = e->error;
				parse_ext_ack(m, MNL_ALIGN(off), r);
				finished = true;
				break;
			}
			if (m->nlmsg_type == NLMSG_DONE) {
				const int *e = mnl_nlmsg_get_payload(m);

				r->done = true;
				if (m->nlmsg_len >= NLMSG_HDRLEN + sizeof(int))
					r->err = *e;
				parse_ext_ack(m, sizeof(int), r);
				finished = true;
				break;
			}
			if (m->nlmsg_type < NLMSG_MIN_TYPE)
				continue;
			r->nmsgs++;
			if (cb && cb(m, arg) != MNL_CB_OK) {
				/* keep reading to the end, do not call back */
				cb = NULL;
			}
		}
	}
	return 0;
}

int nlt_subscribe(struct nlt *t)
{
	int grp = (int)t->mcgrp;

	if (!grp) {
		fprintf(stderr, "nlt: no '%s' multicast group\n",
			SNAPFIRE_MCGRP_EVENTS);
		return -1;
	}
	if (mnl_socket_setsockopt(t->nl, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0) {
		perror("nlt: NETLINK_ADD_MEMBERSHIP");
		return -1;
	}
	return 0;
}

int nlt_ntests, nlt_nfailed;

void nlt_report(int passed, const char *fmt, ...)
{
	va_list ap;

	nlt_ntests++;
	if (!passed)
		nlt_nfailed++;
	printf("%sok %d - ", passed ? "" : "not ", nlt_ntests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void nlt_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}
