// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <linux/snapfire.h>

#include "common.h"
#include "nl.h"
#include "nlq.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static const char nomod_msg[] =
	"the snapfire kernel module is not loaded: run 'modprobe snapfire' "
	"(or insmod kmod/snapfire.ko)";

/* libnl reports a receive-buffer overrun (ENOBUFS) as NLE_NOMEM */
static void recv_failed(int err)
{
	if (err == -NLE_NOMEM)
		errmsg("netlink receive failed: the reply overran the socket "
		       "receive buffer (ENOBUFS); run as root, or raise "
		       "net.core.rmem_max");
	else
		errmsg("netlink receive failed: %s", nl_geterror(err));
}

static int sfnl_open_(struct sfnl *n, bool quiet_nomod)
{
	int one = 1, rcvbuf = 8 << 20, err;

	memset(n, 0, sizeof(*n));
	n->sk = nl_socket_alloc();
	if (!n->sk) {
		errmsg("out of memory");
		return EXIT_FAIL;
	}
	err = genl_connect(n->sk);
	if (err < 0) {
		errmsg("cannot open a generic netlink socket: %s", nl_geterror(err));
		sfnl_close(n);
		return EXIT_FAIL;
	}
	setsockopt(nl_socket_get_fd(n->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(n->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	/*
	 * A flow with wide histograms is a reply of a few hundred KiB: with
	 * the default receive buffer (rmem_default, 208 KiB) the ACK behind
	 * it overruns the socket and recvmsg() fails with ENOBUFS (which
	 * libnl reports as "Out of memory").  Root may exceed rmem_max.
	 */
	if (setsockopt(nl_socket_get_fd(n->sk), SOL_SOCKET, SO_RCVBUFFORCE,
		       &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(nl_socket_get_fd(n->sk), SOL_SOCKET, SO_RCVBUF,
			   &rcvbuf, sizeof(rcvbuf));
	nl_socket_enable_msg_peek(n->sk);
	nl_socket_set_msg_buf_size(n->sk, 65536);
	n->family = genl_ctrl_resolve(n->sk, SNAPFIRE_FAMILY_NAME);
	if (n->family < 0) {
		if (n->family == -NLE_OBJ_NOTFOUND) {
			if (!quiet_nomod)
				errmsg("%s", nomod_msg);
			sfnl_close(n);
			return EXIT_NOMOD;
		}
		errmsg("cannot resolve the generic netlink family '%s': %s",
		       SNAPFIRE_FAMILY_NAME, nl_geterror(n->family));
		sfnl_close(n);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

int sfnl_open(struct sfnl *n)
{
	return sfnl_open_(n, false);
}

int sfnl_open_quiet(struct sfnl *n)
{
	return sfnl_open_(n, true);
}

void sfnl_close(struct sfnl *n)
{
	if (n->sk)
		nl_socket_free(n->sk);
	n->sk = NULL;
}

struct nl_msg *sfnl_msg(struct sfnl *n, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, n->family, 0,
			 flags, cmd, SNAPFIRE_FAMILY_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int sfnl_report(int err, const char *extack, const char *what)
{
	if (err == EPERM || err == EACCES) {
		if (extack && *extack)
			errmsg("%s (%s)", extack, strerror(err));
		errmsg("permission denied: this needs CAP_NET_ADMIN in the network namespace (run as root)");
		return EXIT_PERM;
	}
	if (err == ENOENT && what) {
		errmsg("no such %s%s%s (see 'snapfire flows')", what,
		       extack && *extack ? ": " : "", extack ? extack : "");
		return EXIT_NOTFOUND;
	}
	if (extack && *extack)
		errmsg("%s (%s)", extack, strerror(err));
	else
		errmsg("the module refused the request: %s", strerror(err));
	return EXIT_FAIL;
}

struct req {
	sfnl_cb cb;
	void *arg;
	int done;
	int err;		/* positive errno from the kernel */
	int cb_failed;
	int intr;
	char extack[256];
};

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct req *r = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh = nlmsg_data(nlh);

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		r->intr = 1;
	if (!r->cb)
		return NL_OK;
	if (r->cb(genlmsg_attrdata(gh, 0), genlmsg_attrlen(gh, 0), nlh,
		  r->arg) < 0) {
		r->cb_failed = 1;
		return NL_STOP;
	}
	return NL_OK;
}

static int on_finish(struct nl_msg *msg, void *arg)
{
	struct req *r = arg;

	if (nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP_INTR)
		r->intr = 1;
	r->done = 1;
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	return on_finish(msg, arg);
}

/* The extended ACK's message attribute, after the echoed request. */
static void parse_extack(struct req *r, struct nlmsgerr *e)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	size_t off, total;
	struct nlattr *a;
	int len, rem;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* in size_t, checked: an echoed length is not to be trusted */
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e))
		return;
	total = nlh->nlmsg_len - NLMSG_HDRLEN;
	off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < sizeof(struct nlmsghdr) ||
		    e->msg.nlmsg_len - sizeof(struct nlmsghdr) > total - off)
			return;
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	}
	off = NLMSG_ALIGN(off);
	if (off >= total)
		return;
	len = (int)(total - off);
	nla_for_each_attr(a, (struct nlattr *)((char *)e + off), len, rem) {
		if (nla_type(a) == NLMSGERR_ATTR_MSG)
			nla_strlcpy(r->extack, a, sizeof(r->extack));
	}
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct req *r = arg;

	(void)nla;
	r->err = -e->error;
	r->done = 1;
	parse_extack(r, e);
	return NL_STOP;
}

static struct nl_cb *make_cb(struct req *r)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);

	if (!cb)
		return NULL;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, r);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, r);
	return cb;
}

/* Receives until done; returns 0, or a libnl error (-NLE_DUMP_INTR...). */
static int receive(struct sfnl *n, struct nl_cb *cb, struct req *r)
{
	int err = 0;

	while (!r->done && !r->cb_failed) {
		err = nl_recvmsgs(n->sk, cb);
		if (err == -NLE_DUMP_INTR)
			return err;
		if (r->err || r->cb_failed)
			return 0;
		if (err < 0)
			return err;
	}
	return 0;
}

/*
 * The dump this thread is reading through an nlq (nlq.h). libnl's receive
 * hook gets the socket only, so the queue is found here.
 */
static __thread struct nlq *dump_q;

/* libnl's receive, for a dump: the reader thread's next datagram */
static int recv_queued(struct nl_sock *sk, struct sockaddr_nl *nla,
		       unsigned char **buf, struct ucred **creds)
{
	ssize_t len = nlq_next(dump_q, buf);

	(void)sk;
	memset(nla, 0, sizeof(*nla));	/* from the kernel, port 0 */
	nla->nl_family = AF_NETLINK;
	*creds = NULL;
	if (len < 0)
		return -nl_syserr2nlerr((int)-len);
	return (int)len;
}

/*
 * Send @msg (freed here), then receive the answer into @r: EXIT_FAIL,
 * reported, when it could not be sent; else EXIT_OK with *rerr what
 * receive() returned. A dump (@queued) is received by a thread of its own
 * while this one parses, unless that thread cannot be started.
 */
static int exchange(struct sfnl *n, struct nl_msg *msg, struct req *r,
		    bool queued, int *rerr)
{
	struct nl_cb *cb = make_cb(r);
	struct nlq *q = NULL;
	uint32_t seq;
	int err;

	if (!cb) {
		nlmsg_free(msg);
		errmsg("out of memory");
		return EXIT_FAIL;
	}
	err = nl_send_auto(n->sk, msg);
	seq = nlmsg_hdr(msg)->nlmsg_seq;
	nlmsg_free(msg);
	if (err < 0) {
		nl_cb_put(cb);
		errmsg("cannot send the request: %s", nl_geterror(err));
		return EXIT_FAIL;
	}
	if (queued)
		q = nlq_start(nl_socket_get_fd(n->sk), seq);
	if (q) {
		dump_q = q;
		nl_cb_overwrite_recv(cb, recv_queued);
	}
	*rerr = receive(n, cb, r);
	if (q) {
		nlq_stop(q);
		dump_q = NULL;
	}
	nl_cb_put(cb);
	return EXIT_OK;
}

int sfnl_do(struct sfnl *n, struct nl_msg *msg, sfnl_cb cbf, void *arg,
	    const char *what)
{
	struct req r = { .cb = cbf, .arg = arg };
	int err;

	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	if (exchange(n, msg, &r, false, &err))
		return EXIT_FAIL;
	if (r.err)
		return sfnl_report(r.err, r.extack, what);
	if (r.cb_failed)
		return EXIT_FAIL;
	if (err < 0) {
		recv_failed(err);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

int sfnl_dump(struct sfnl *n, uint8_t cmd, int (*build)(struct nl_msg *, void *),
	      sfnl_cb cbf, void (*restart)(void *), void *arg)
{
	int attempt, err;

	for (attempt = 0; attempt < 5; attempt++) {
		struct req r = { .cb = cbf, .arg = arg };
		struct nl_msg *msg = sfnl_msg(n, cmd, NLM_F_DUMP);

		if (!msg || (build && build(msg, arg) < 0)) {
			nlmsg_free(msg);
			errmsg("cannot build the request");
			return EXIT_FAIL;
		}
		if (attempt && restart)
			restart(arg);
		if (exchange(n, msg, &r, true, &err))
			return EXIT_FAIL;
		if (r.err)
			return sfnl_report(r.err, r.extack, NULL);
		if (r.cb_failed)
			return EXIT_FAIL;
		if (err == -NLE_DUMP_INTR || r.intr)
			continue;
		if (err < 0) {
			recv_failed(err);
			return EXIT_FAIL;
		}
		return EXIT_OK;
	}
	errmsg("the flow table kept changing during the dump (5 attempts); try again");
	return EXIT_FAIL;
}

int sfnl_subscribe(struct sfnl *n)
{
	int grp = genl_ctrl_resolve_grp(n->sk, SNAPFIRE_FAMILY_NAME,
					SNAPFIRE_MCGRP_EVENTS);
	int err;

	if (grp < 0) {
		errmsg("cannot resolve the '%s' multicast group: %s",
		       SNAPFIRE_MCGRP_EVENTS, nl_geterror(grp));
		return EXIT_FAIL;
	}
	err = nl_socket_add_membership(n->sk, grp);
	if (err < 0) {
		errmsg("cannot join the '%s' multicast group: %s",
		       SNAPFIRE_MCGRP_EVENTS, nl_geterror(err));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
