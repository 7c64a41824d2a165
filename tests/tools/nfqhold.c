// SPDX-License-Identifier: GPL-2.0
/*
 * nfqhold: hold every packet of an NFQUEUE for a fixed time, then accept it,
 * and report how long each one spent between the kernel's receive timestamp
 * and its release: an independent truth for a delay planted inside this
 * host's ingress stage (between the driver receive and LOCAL_IN).
 *
 *   nfqhold -q QUEUE -d HOLD_US [-n COUNT] [-t SECONDS] [-o OUT.json]
 *
 * Binds queue QUEUE (AF_INET and AF_INET6), holds each packet HOLD_US
 * microseconds after it reached userspace, releases it with NF_ACCEPT, and
 * for each packet records release time - NFQA_TIMESTAMP (skb->tstamp, the
 * receive timestamp that snapfire's T4 and rx_stage start from; both
 * CLOCK_REALTIME), a lower bound of the stage, and the time its verdict
 * call returned - NFQA_TIMESTAMP, an upper one (the verdict re-injects the
 * packet up to LOCAL_IN before it returns). Stops after COUNT packets or
 * SECONDS without one (default 10 s), then writes {"packets",
 * "no_timestamp", "hold_us", "rx_to_release_p50_ns", "rx_to_release_min_ns",
 * "rx_to_release_max_ns", "rx_to_verdict_done_p50_ns"} to OUT.json (or
 * stdout).
 * Prints "ready" on stderr once bound. Packets stay in the kernel's queue
 * while held, in order; the socket's receive buffer is large enough for a
 * probe stream.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#define MAX_PKTS	100000

struct held {
	uint32_t id;
	uint64_t due;		/* CLOCK_MONOTONIC ns */
	uint64_t rx_ns;		/* NFQA_TIMESTAMP, CLOCK_REALTIME ns; 0: none */
};

static struct held *q;		/* FIFO of held packets */
static size_t q_head, q_len;
static uint64_t *spent;		/* release - rx, per packet */
static uint64_t *done;		/* verdict call returned - rx, per packet */
static size_t nspent, no_ts, seen;

static uint64_t now_ns(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "nfqhold: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void send_msg(struct mnl_socket *nl, struct nlmsghdr *nlh, const char *what)
{
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		die(what);
}

static void cfg(struct mnl_socket *nl, uint16_t queue, uint16_t pf, uint8_t cmd)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, queue);

	nfq_nlmsg_cfg_put_cmd(nlh, pf, cmd);
	send_msg(nl, nlh, "bind");
}

static void release(struct mnl_socket *nl, uint16_t queue, const struct held *h)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nfq_nlmsg_put(buf, NFQNL_MSG_VERDICT, queue);
	uint64_t t, t_done;

	nfq_nlmsg_verdict_put(nlh, (int)h->id, NF_ACCEPT);
	t = now_ns(CLOCK_REALTIME);
	/*
	 * NF_ACCEPT re-injects the packet within this sendmsg (nf_reinject
	 * calls the okfn: the rest of PRE_ROUTING, routing, LOCAL_IN), so
	 * the time it returns is after the packet's LOCAL_IN: an upper bound
	 * of its ingress stage, as t is a lower one.
	 */
	send_msg(nl, nlh, "verdict");
	t_done = now_ns(CLOCK_REALTIME);
	if (!h->rx_ns) {
		no_ts++;
	} else if (nspent < MAX_PKTS) {
		spent[nspent] = t > h->rx_ns ? t - h->rx_ns : 0;
		done[nspent++] = t_done > h->rx_ns ? t_done - h->rx_ns : 0;
	}
}

static int pkt_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *attr[NFQA_MAX + 1] = { NULL };
	uint64_t hold_ns = *(const uint64_t *)data;
	struct nfqnl_msg_packet_hdr *ph;
	struct held *h;

	if (nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR])
		return MNL_CB_ERROR;
	if (q_len == MAX_PKTS) {
		fprintf(stderr, "nfqhold: more than %d packets held\n", MAX_PKTS);
		exit(1);
	}
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	h = &q[(q_head + q_len++) % MAX_PKTS];
	h->id = ntohl(ph->packet_id);
	h->due = now_ns(CLOCK_MONOTONIC) + hold_ns;
	h->rx_ns = 0;
	if (attr[NFQA_TIMESTAMP]) {
		struct nfqnl_msg_packet_timestamp *ts = mnl_attr_get_payload(attr[NFQA_TIMESTAMP]);

		h->rx_ns = (uint64_t)be64toh(ts->sec) * 1000000000ULL +
			   (uint64_t)be64toh(ts->usec) * 1000ULL;
	}
	seen++;
	return MNL_CB_OK;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	char *buf = malloc(0x10000 + MNL_SOCKET_BUFFER_SIZE);
	unsigned long count = 0, idle_s = 10;
	uint64_t hold_ns = 0, last = 0;
	const char *out = NULL;
	struct mnl_socket *nl;
	uint16_t queue = 0;
	int opt, rcvbuf = 8 << 20;
	FILE *f;

	while ((opt = getopt(argc, argv, "q:d:n:t:o:")) != -1) {
		switch (opt) {
		case 'q': queue = (uint16_t)strtoul(optarg, NULL, 0); break;
		case 'd': hold_ns = strtoull(optarg, NULL, 0) * 1000ULL; break;
		case 'n': count = strtoul(optarg, NULL, 0); break;
		case 't': idle_s = strtoul(optarg, NULL, 0); break;
		case 'o': out = optarg; break;
		default:
			fprintf(stderr, "usage: nfqhold -q QUEUE -d HOLD_US [-n COUNT] [-t SECONDS] [-o OUT.json]\n");
			return 2;
		}
	}
	q = calloc(MAX_PKTS, sizeof(*q));
	spent = calloc(MAX_PKTS, sizeof(*spent));
	done = calloc(MAX_PKTS, sizeof(*done));
	if (!buf || !q || !spent || !done)
		die("calloc");
	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink socket");
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	cfg(nl, queue, AF_INET, NFQNL_CFG_CMD_BIND);
	{
		char b[MNL_SOCKET_BUFFER_SIZE];
		struct nlmsghdr *nlh = nfq_nlmsg_put(b, NFQNL_MSG_CONFIG, queue);

		/* the metadata only: no payload copied */
		nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_META, 0);
		send_msg(nl, nlh, "params");
	}
	fprintf(stderr, "ready\n");

	last = now_ns(CLOCK_MONOTONIC);
	for (;;) {
		struct pollfd p = { .fd = mnl_socket_get_fd(nl), .events = POLLIN };
		uint64_t now = now_ns(CLOCK_MONOTONIC);
		int timeout = 1000;

		while (q_len && q[q_head].due <= now) {
			release(nl, queue, &q[q_head]);
			q_head = (q_head + 1) % MAX_PKTS;
			q_len--;
		}
		if (count && seen >= count && !q_len)
			break;
		if (!q_len && now - last > idle_s * 1000000000ULL)
			break;
		if (q_len)
			timeout = (int)((q[q_head].due - now) / 1000000ULL) + 1;
		if (poll(&p, 1, timeout) < 0 && errno != EINTR)
			die("poll");
		if (p.revents & POLLIN) {
			ssize_t n = mnl_socket_recvfrom(nl, buf, 0x10000 + MNL_SOCKET_BUFFER_SIZE);

			if (n < 0) {
				if (errno == ENOBUFS)
					die("recv (queue overrun: packets were lost)");
				die("recv");
			}
			if (mnl_cb_run(buf, (size_t)n, 0, 0, pkt_cb, &hold_ns) < 0)
				die("parse");
			last = now_ns(CLOCK_MONOTONIC);
		}
	}
	cfg(nl, queue, AF_INET, NFQNL_CFG_CMD_UNBIND);
	mnl_socket_close(nl);

	qsort(spent, nspent, sizeof(*spent), cmp_u64);
	qsort(done, nspent, sizeof(*done), cmp_u64);
	f = out ? fopen(out, "w") : stdout;
	if (!f)
		die(out);
	fprintf(f, "{\"packets\": %zu, \"no_timestamp\": %zu, \"hold_us\": %" PRIu64
		", \"rx_to_release_p50_ns\": %" PRIu64 ", \"rx_to_release_min_ns\": %" PRIu64
		", \"rx_to_release_max_ns\": %" PRIu64 ", \"rx_to_verdict_done_p50_ns\": %" PRIu64 "}\n",
		seen, no_ts, hold_ns / 1000, nspent ? spent[nspent / 2] : 0,
		nspent ? spent[0] : 0, nspent ? spent[nspent - 1] : 0, nspent ? done[nspent / 2] : 0);
	if (out)
		fclose(f);
	free(buf);
	free(q);
	free(spent);
	free(done);
	return 0;
}
