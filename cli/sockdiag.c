// SPDX-License-Identifier: GPL-2.0
/* The host's TCP connections through sock_diag (inet_diag, libmnl). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>

#include "common.h"
#include "grow.h"
#include "sockdiag.h"

/* include/net/tcp_states.h */
enum {
	SF_TCP_ESTABLISHED = 1, SF_TCP_SYN_SENT, SF_TCP_SYN_RECV, SF_TCP_FIN_WAIT1,
	SF_TCP_FIN_WAIT2, SF_TCP_TIME_WAIT, SF_TCP_CLOSE, SF_TCP_CLOSE_WAIT,
	SF_TCP_LAST_ACK, SF_TCP_LISTEN, SF_TCP_CLOSING, SF_TCP_NEW_SYN_RECV,
	SF_TCP_MAX_STATES
};

const char *tcp_state_name(uint8_t state)
{
	static const char *const names[SF_TCP_MAX_STATES] = {
		[SF_TCP_ESTABLISHED] = "ESTAB", [SF_TCP_SYN_SENT] = "SYN-SENT",
		[SF_TCP_SYN_RECV] = "SYN-RECV", [SF_TCP_FIN_WAIT1] = "FIN-WAIT-1",
		[SF_TCP_FIN_WAIT2] = "FIN-WAIT-2", [SF_TCP_TIME_WAIT] = "TIME-WAIT",
		[SF_TCP_CLOSE] = "UNCONN", [SF_TCP_CLOSE_WAIT] = "CLOSE-WAIT",
		[SF_TCP_LAST_ACK] = "LAST-ACK", [SF_TCP_LISTEN] = "LISTEN",
		[SF_TCP_CLOSING] = "CLOSING", [SF_TCP_NEW_SYN_RECV] = "SYN-RECV",
	};

	return state < SF_TCP_MAX_STATES && names[state] ? names[state] : "UNKNOWN";
}

static struct tcp_conn *conns_add(struct tcp_conns *s)
{
	struct tcp_conn *v = array_room(s->v, &s->cap, s->n, sizeof(*v), 64);

	if (!v)
		return NULL;
	s->v = v;
	memset(&s->v[s->n], 0, sizeof(s->v[0]));
	return &s->v[s->n++];
}

void tcp_conns_free(struct tcp_conns *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static void conn_info(struct tcp_conn *c, const struct nlattr *a)
{
	struct tcp_info ti;
	size_t len = mnl_attr_get_payload_len(a);

	/* an older kernel sends a shorter struct: the rest stays 0 */
	memset(&ti, 0, sizeof(ti));
	memcpy(&ti, mnl_attr_get_payload(a), len < sizeof(ti) ? len : sizeof(ti));
	c->has_info = true;
	c->srtt_ns = (uint64_t)ti.tcpi_rtt * 1000;
	c->rttvar_ns = (uint64_t)ti.tcpi_rttvar * 1000;
	/* ~0U: no sample yet */
	c->min_rtt_ns = ti.tcpi_min_rtt == ~0U ? 0 : (uint64_t)ti.tcpi_min_rtt * 1000;
	c->rcv_rtt_ns = (uint64_t)ti.tcpi_rcv_rtt * 1000;
	c->ato_ns = (uint64_t)ti.tcpi_ato * 1000;
	c->retransmits = ti.tcpi_retransmits;
	c->total_retrans = ti.tcpi_total_retrans;
	c->delivery_rate = ti.tcpi_delivery_rate;
	c->app_limited = ti.tcpi_delivery_rate_app_limited;
	c->snd_cwnd = ti.tcpi_snd_cwnd;
	c->snd_mss = ti.tcpi_snd_mss;
	c->bytes_sent = ti.tcpi_bytes_sent;
	c->data_segs_out = ti.tcpi_data_segs_out;
}

static bool v4mapped(const uint8_t *a)
{
	static const uint8_t pre[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(a, pre, sizeof(pre));
}

static int diag_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	struct tcp_conns *s = arg;
	const struct nlattr *a;
	struct tcp_conn *c;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*m)))
		return MNL_CB_OK;	/* not one we understand: skip */
	c = conns_add(s);
	if (!c)
		return MNL_CB_ERROR;
	c->family = m->idiag_family;
	c->state = m->idiag_state;
	c->local_port = ntohs(m->id.idiag_sport);
	c->remote_port = ntohs(m->id.idiag_dport);
	memcpy(c->local_addr, m->id.idiag_src, c->family == AF_INET ? 4 : 16);
	memcpy(c->remote_addr, m->id.idiag_dst, c->family == AF_INET ? 4 : 16);
	/*
	 * A dual-stack socket talking to an IPv4 peer (::ffff:a.b.c.d, a
	 * server on [::], Java) is an IPv4 connection: --peer and the STAMP
	 * flows know its peer as such.
	 */
	if (c->family == AF_INET6 && v4mapped(c->remote_addr) && v4mapped(c->local_addr)) {
		c->family = AF_INET;
		memmove(c->local_addr, c->local_addr + 12, 4);
		memmove(c->remote_addr, c->remote_addr + 12, 4);
		memset(c->local_addr + 4, 0, 12);
		memset(c->remote_addr + 4, 0, 12);
	}
	mnl_attr_for_each(a, nlh, sizeof(*m))
		if (mnl_attr_get_type(a) == INET_DIAG_INFO)
			conn_info(c, a);
	return MNL_CB_OK;
}

static int dump_family(struct mnl_socket *nl, uint8_t family, struct tcp_conns *s)
{
	static char buf[32768];	/* MNL_SOCKET_DUMP_SIZE in newer libmnl */
	struct inet_diag_req_v2 *r;
	struct nlmsghdr *nlh;
	unsigned int seq = (unsigned int)time(NULL) + family, portid;
	ssize_t len;
	int rc;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));
	r->sdiag_family = family;
	r->sdiag_protocol = IPPROTO_TCP;
	r->idiag_ext = 1 << (INET_DIAG_INFO - 1);
	/* as ss: no listeners, TIME-WAIT, request or closed sockets */
	r->idiag_states = ((1U << SF_TCP_MAX_STATES) - 1) &
		~((1U << SF_TCP_LISTEN) | (1U << SF_TCP_TIME_WAIT) |
		  (1U << SF_TCP_SYN_RECV) | (1U << SF_TCP_NEW_SYN_RECV) |
		  (1U << SF_TCP_CLOSE));
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	portid = mnl_socket_get_portid(nl);
	while ((len = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		rc = mnl_cb_run(buf, (size_t)len, seq, portid, diag_cb, s);
		if (rc == MNL_CB_STOP)
			return 0;
		if (rc < 0)
			return errno ? -errno : -EIO;
	}
	return len < 0 ? -errno : 0;
}

int tcp_conns_get(struct tcp_conns *s)
{
	struct mnl_socket *nl;
	int err = 0;

	memset(s, 0, sizeof(*s));
	nl = mnl_socket_open(NETLINK_SOCK_DIAG);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		errmsg("cannot open a sock_diag netlink socket: %s", strerror(errno));
		if (nl)
			mnl_socket_close(nl);
		return EXIT_FAIL;
	}
	err = dump_family(nl, AF_INET, s);
	/* a kernel without IPv6 answers ENOENT for AF_INET6: nothing there */
	if (!err) {
		err = dump_family(nl, AF_INET6, s);
		if (err == -ENOENT)
			err = 0;
	}
	mnl_socket_close(nl);
	if (err) {
		errmsg("sock_diag dump of TCP sockets failed: %s", strerror(-err));
		tcp_conns_free(s);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

uint64_t tcp_hist_low_ns(int k)
{
	return k ? (1ULL << k) * 1000 : 0;
}

uint64_t tcp_hist_high_ns(int k)
{
	return (1ULL << (k + 1)) * 1000;
}

void tcp_srtt_hist(const struct tcp_conns *s, const bool *keep,
		   uint64_t counts[TCP_HIST_BUCKETS])
{
	size_t i;
	int k;

	memset(counts, 0, TCP_HIST_BUCKETS * sizeof(counts[0]));
	for (i = 0; i < s->n; i++) {
		uint64_t us;

		/* no RTT sample yet (SYN-SENT): not a round trip of 0 */
		if ((keep && !keep[i]) || !s->v[i].has_info || !s->v[i].srtt_ns)
			continue;
		us = s->v[i].srtt_ns / 1000;
		for (k = 0; k < TCP_HIST_BUCKETS - 1 && us >= (2ULL << k); k++)
			;
		counts[k]++;
	}
}

bool tcp_delack_bound(const struct tcp_conn *c)
{
	uint64_t excess;

	if (!c->has_info || !c->srtt_ns || !c->min_rtt_ns || c->srtt_ns <= c->min_rtt_ns)
		return false;
	excess = c->srtt_ns - c->min_rtt_ns;
	if (excess < TCP_DELACK_LOW_NS || excess > TCP_DELACK_HIGH_NS)
		return false;
	/* two kinds of samples, one a timer longer: a wide rttvar */
	if (c->rttvar_ns * 3 < excess)
		return false;
	/* small writes: data segments under half the MSS on average, over
	 * the connection's life (one rate sample after a stall can look like
	 * request/response on a bulk transfer) */
	return c->snd_mss && c->data_segs_out &&
	       c->bytes_sent < (uint64_t)c->data_segs_out * c->snd_mss / 2;
}
