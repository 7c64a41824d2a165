// SPDX-License-Identifier: GPL-2.0
/*
 * nldump — dump the snapfire flow table (flow-get with NLM_F_DUMP) and
 * check it: every message is a flow with an id, role, family, addresses
 * and ports; no id is sent twice; histograms (with -m) are well formed
 * (bucket counts add up to count, buckets in increasing order).  With -i,
 * get that one flow instead (flow-get without NLM_F_DUMP; all histograms
 * unless -m).
 *
 *   nldump [-m HIST_MASK] [-r ROLE] [-s SSID] [-l LOCAL_PORT] [-p REMOTE_PORT]
 *          [-a REMOTE_ADDR] [-t TRIES] [-q]
 *   nldump -i ID [-m HIST_MASK]
 *
 * A dump flagged NLM_F_DUMP_INTR (the table changed meanwhile) is retried,
 * up to TRIES times (default 3).  Prints one line:
 *
 *   flows=N dup=N bad=N intr=N tries=N msgs=N recvs=N bytes=N hists=N
 *   buckets=N maxb=N maxmsg=N secs=S
 *
 * (maxb: most buckets in one histogram; maxmsg: longest flow message.)
 *
 * Exit status: 0 if the last dump was consistent with no duplicate and no
 * malformed flow, 1 otherwise, 2 on errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <linux/snapfire.h>

#include "nlt.h"

struct dump {
	uint64_t *ids;
	size_t n, cap;
	unsigned long bad, hists, buckets;
	unsigned long maxb;		/* most buckets in one hist */
	unsigned long maxmsg;		/* longest flow message */
};

static int bad_flow(struct dump *d, const char *why, uint64_t id)
{
	if (d->bad++ < 10)
		fprintf(stderr, "nldump: flow %llu: %s\n", (unsigned long long)id, why);
	return MNL_CB_OK;
}

/* A hist nest: count == sum of its bucket counts, buckets ascending. */
static const char *check_hist(const struct nlattr *h, struct dump *d)
{
	uint64_t count = 0, total = 0, prev_high = 0;
	const struct nlattr *a, *b;
	int have_count = 0, first = 1, nb = 0;

	mnl_attr_for_each_nested(a, h) {
		switch (mnl_attr_get_type(a)) {
		case SNAPFIRE_A_HIST_COUNT:
			count = mnl_attr_get_u64(a);
			have_count = 1;
			break;
		case SNAPFIRE_A_HIST_BUCKET: {
			uint64_t low = 0, high = 0, c = 0;

			mnl_attr_for_each_nested(b, a) {
				if (mnl_attr_get_type(b) == SNAPFIRE_A_BUCKET_LOW)
					low = mnl_attr_get_u64(b);
				else if (mnl_attr_get_type(b) == SNAPFIRE_A_BUCKET_HIGH)
					high = mnl_attr_get_u64(b);
				else if (mnl_attr_get_type(b) == SNAPFIRE_A_BUCKET_COUNT)
					c = mnl_attr_get_u64(b);
			}
			if (low > high || !c)
				return "bucket with low > high or an empty count";
			if (!first && low <= prev_high)
				return "buckets not in increasing order";
			first = 0;
			prev_high = high;
			total += c;
			nb++;
			break;
		}
		}
	}
	if (!have_count)
		return "hist without count";
	if (total != count)
		return "hist bucket counts do not add up to count";
	d->hists++;
	d->buckets += nb;
	if ((unsigned long)nb > d->maxb)
		d->maxb = nb;
	return NULL;
}

static int flow_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct dump *d = arg;
	unsigned int seen = 0;
	const struct nlattr *a;
	uint64_t id = 0;
	const char *why;
	int family = 0;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		int type = mnl_attr_get_type(a);

		if (type > 0 && type < 32)
			seen |= 1u << type;
		switch (type) {
		case SNAPFIRE_A_FLOW_ID:
			id = mnl_attr_get_u64(a);
			break;
		case SNAPFIRE_A_FLOW_FAMILY:
			family = mnl_attr_get_u8(a);
			break;
		case SNAPFIRE_A_FLOW_LOCAL_ADDR:
		case SNAPFIRE_A_FLOW_REMOTE_ADDR:
			if (mnl_attr_get_payload_len(a) != (family == AF_INET ? 4u : 16u))
				return bad_flow(d, "address length does not match the family", id);
			break;
		case SNAPFIRE_A_FLOW_HIST:
			why = check_hist(a, d);
			if (why)
				return bad_flow(d, why, id);
			break;
		}
	}
	if (!id)
		return bad_flow(d, "no id", id);
	if (nlh->nlmsg_len > d->maxmsg)
		d->maxmsg = nlh->nlmsg_len;
	for (int t = SNAPFIRE_A_FLOW_ID; t <= SNAPFIRE_A_FLOW_MEM; t++)
		if (!(seen & (1u << t)))
			return bad_flow(d, "an attribute is missing", id);
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 4096;
		d->ids = realloc(d->ids, d->cap * sizeof(*d->ids));
		if (!d->ids) {
			perror("nldump");
			exit(2);
		}
	}
	d->ids[d->n++] = id;
	return MNL_CB_OK;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	long mask = -1, role = -1, ssid = -1, lport = -1, rport = -1;
	unsigned long long get_id = 0;
	const char *addr = NULL;
	int tries = 3, quiet = 0, opt, try, intr = 0;
	struct nlt_result r = { 0 };
	struct dump d = { 0 };
	struct timespec t0, t1;
	size_t dup = 0, i;
	struct nlt t;

	while ((opt = getopt(argc, argv, "i:m:r:s:l:p:a:t:q")) != -1) {
		switch (opt) {
		case 'i': get_id = strtoull(optarg, NULL, 0); break;
		case 'm': mask = strtol(optarg, NULL, 0); break;
		case 'r': role = strtol(optarg, NULL, 0); break;
		case 's': ssid = strtol(optarg, NULL, 0); break;
		case 'l': lport = strtol(optarg, NULL, 0); break;
		case 'p': rport = strtol(optarg, NULL, 0); break;
		case 'a': addr = optarg; break;
		case 't': tries = atoi(optarg); break;
		case 'q': quiet = 1; break;
		default:
			fprintf(stderr, "usage: %s [-i ID] [-m MASK] [-r ROLE] [-s SSID] [-l LPORT] [-p RPORT] [-a ADDR] [-t TRIES] [-q]\n",
				argv[0]);
			return 2;
		}
	}
	if (nlt_open(&t) < 0)
		return 2;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (try = 1; try <= tries; try++) {
		struct nlmsghdr *nlh = nlt_req(&t, SNAPFIRE_CMD_FLOW_GET,
					       get_id ? 0 : NLM_F_DUMP);

		if (get_id)
			mnl_attr_put_u64(nlh, SNAPFIRE_A_FLOW_ID, get_id);
		if (mask >= 0)
			mnl_attr_put_u32(nlh, SNAPFIRE_A_FLOW_HIST_MASK, (uint32_t)mask);
		if (role >= 0)
			mnl_attr_put_u32(nlh, SNAPFIRE_A_FLOW_ROLE, (uint32_t)role);
		if (ssid >= 0)
			mnl_attr_put_u16(nlh, SNAPFIRE_A_FLOW_SSID, (uint16_t)ssid);
		if (lport >= 0)
			mnl_attr_put_u16(nlh, SNAPFIRE_A_FLOW_LOCAL_PORT, (uint16_t)lport);
		if (rport >= 0)
			mnl_attr_put_u16(nlh, SNAPFIRE_A_FLOW_REMOTE_PORT, (uint16_t)rport);
		if (addr) {
			unsigned char buf[16];

			if (inet_pton(AF_INET, addr, buf) == 1)
				mnl_attr_put(nlh, SNAPFIRE_A_FLOW_REMOTE_ADDR, 4, buf);
			else if (inet_pton(AF_INET6, addr, buf) == 1)
				mnl_attr_put(nlh, SNAPFIRE_A_FLOW_REMOTE_ADDR, 16, buf);
			else {
				fprintf(stderr, "nldump: bad address %s\n", addr);
				return 2;
			}
		}
		d.n = 0;
		d.bad = d.hists = d.buckets = d.maxb = d.maxmsg = 0;
		if (nlt_talk(&t, nlh, flow_cb, &d, &r) < 0)
			return 2;
		if (r.err) {
			fprintf(stderr, "nldump: %s failed: %s%s%s\n",
				get_id ? "get" : "dump", strerror(-r.err),
				r.msg[0] ? ": " : "", r.msg);
			return 2;
		}
		if (!r.intr)
			break;
		intr++;
		if (!quiet)
			fprintf(stderr, "nldump: dump %d interrupted (NLM_F_DUMP_INTR), %zu flows\n",
				try, d.n);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	qsort(d.ids, d.n, sizeof(*d.ids), cmp_u64);
	for (i = 1; i < d.n; i++)
		dup += d.ids[i] == d.ids[i - 1];
	printf("flows=%zu dup=%zu bad=%lu intr=%d tries=%d msgs=%u recvs=%u bytes=%zu hists=%lu buckets=%lu maxb=%lu maxmsg=%lu secs=%.3f\n",
	       d.n, dup, d.bad, intr, try > tries ? tries : try, r.nmsgs, r.recvs,
	       r.bytes, d.hists, d.buckets, d.maxb, d.maxmsg,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	nlt_close(&t);
	free(d.ids);
	return dup || d.bad || r.intr ? 1 : 0;
}
