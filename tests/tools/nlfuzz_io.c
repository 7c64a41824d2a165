// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz — sending a fuzzed request and reading, without blocking, what
 * it caused: the error or ACK, the extended ACK, the data messages.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "nlfuzz.h"

unsigned long stale_msgs, enobufs;

static void ext_ack(const struct nlmsghdr *nlh, size_t off, struct outcome *o)
{
	const struct nlattr *a;

	/* @off: from the payload, as mnl_attr_for_each() counts */
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || NLMSG_HDRLEN + off > nlh->nlmsg_len)
		return;
	mnl_attr_for_each(a, nlh, off) {
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(o->msg, sizeof(o->msg), "%s", mnl_attr_get_str(a));
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_OFFS &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
			o->has_offs = true;
			o->offs = mnl_attr_get_u32(a);
		}
	}
}

/*
 * Send @m, read what it caused without blocking. 0, or -1 if the socket
 * failed.
 */
int fuzz_talk(const struct req *m, struct outcome *o)
{
	int fd = mnl_socket_get_fd(T.nl);
	uint32_t seq = m->nlh->nlmsg_seq;

	memset(o, 0, sizeof(*o));
	if (mnl_socket_sendto(T.nl, m->nlh, m->send_len) < 0) {
		nlt_diag("sendto: %s", strerror(errno));
		return -1;
	}
	while (!o->terminal) {
		const struct nlmsghdr *r;
		ssize_t n = recv(fd, T.buf, NLT_BUF_SIZE, MSG_DONTWAIT);
		int len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == ENOBUFS) {
				enobufs++;
				continue;
			}
			nlt_diag("recv: %s", strerror(errno));
			return -1;
		}
		len = (int)n;
		for (r = (const struct nlmsghdr *)T.buf; mnl_nlmsg_ok(r, len);
		     r = mnl_nlmsg_next(r, &len)) {
			if (r->nlmsg_seq != seq || r->nlmsg_pid != T.portid) {
				stale_msgs++;
				continue;
			}
			if (r->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(r);
				size_t off = sizeof(*e);

				if (r->nlmsg_len < NLMSG_HDRLEN + sizeof(*e))
					break;
				if (!(r->nlmsg_flags & NLM_F_CAPPED) &&
				    e->msg.nlmsg_len >= sizeof(e->msg))
					off += e->msg.nlmsg_len - sizeof(e->msg);
				o->err = e->error;
				ext_ack(r, MNL_ALIGN(off), o);
				o->terminal = true;
				break;
			}
			if (r->nlmsg_type == NLMSG_DONE) {
				if (r->nlmsg_len >= NLMSG_HDRLEN + sizeof(int))
					o->err = *(const int *)mnl_nlmsg_get_payload(r);
				ext_ack(r, sizeof(int), o);
				o->terminal = true;
				break;
			}
			if (r->nlmsg_type >= NLMSG_MIN_TYPE)
				o->nmsgs++;
		}
	}
	o->res = o->err ? R_REFUSED : m->processed ? R_ACCEPTED : R_IGNORED;
	return 0;
}
