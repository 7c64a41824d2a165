// SPDX-License-Identifier: GPL-2.0
/*
 * nlbad — send malformed and refused requests to the snapfire generic
 * netlink family and check each answer: the errno, a non-empty extack
 * message and, where the kernel can name it, the offset of the offending
 * attribute (NLMSGERR_ATTR_OFFS).  After every refusal the module must
 * still answer status-get, and at the end its configuration must be what it
 * was at the start.  Also: mutations without CAP_NET_ADMIN are refused
 * while reads work, and a valid config-set is applied and can be undone by
 * replaying a config-get reply.
 *
 *   nlbad            (as root; prints `ok N - ...` / `not ok N - ...`)
 *
 * Exit status: 0 if every check passed, 1 otherwise, 2 if the family could
 * not be reached.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include <linux/snapfire.h>

#include "nlt.h"

static struct nlt T;


static struct nlattr *tail(struct nlmsghdr *nlh)
{
	return mnl_nlmsg_get_payload_tail(nlh);
}

static const char *errname(int err)
{
	static char buf[32];

	switch (-err) {
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case ERANGE: return "ERANGE";
	case E2BIG: return "E2BIG";
	case ENOENT: return "ENOENT";
	case EPERM: return "EPERM";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EMSGSIZE: return "EMSGSIZE";
	}
	snprintf(buf, sizeof(buf), "%d", err);
	return buf;
}

/* status-get answers (and says something) */
static int alive(void)
{
	struct nlt_result r;
	struct nlmsghdr *nlh = nlt_req(&T, SNAPFIRE_CMD_STATUS_GET, 0);

	if (nlt_talk(&T, nlh, NULL, NULL, &r) < 0)
		return 0;
	return r.err == 0 && r.nmsgs == 1;
}

enum {
	OFFS_NONE,		/* no offset expected */
	OFFS_IF_ANY,		/* check it if the kernel sent one (dump errors) */
	OFFS_MUST,		/* must be there and point at @bad */
};

/*
 * Send @nlh and expect error @experr with an extack message (unless
 * !@need_msg) and, per @offs, the offset of attribute @bad.
 */
static void expect(const char *name, struct nlmsghdr *nlh, int experr,
		   const struct nlattr *bad, int offs, int need_msg)
{
	uint32_t want = bad ? (uint32_t)((const char *)bad - (const char *)nlh) : 0;
	struct nlt_result r;
	int passed;

	if (nlt_talk(&T, nlh, NULL, NULL, &r) < 0) {
		nlt_report(0, "%s: %s (I/O error)", name, errname(experr));
		return;
	}
	passed = r.err == experr;
	if (need_msg && !r.msg[0])
		passed = 0;
	if (offs == OFFS_MUST && (!r.has_offs || r.offs != want))
		passed = 0;
	if (offs == OFFS_IF_ANY && r.has_offs && r.offs != want)
		passed = 0;
	if (!alive()) {
		nlt_diag("the module no longer answers status-get");
		passed = 0;
	}
	nlt_report(passed, "%s: %s%s", name, errname(experr),
	       r.msg[0] ? " with extack" : "");
	if (!passed || getenv("NLBAD_VERBOSE")) {
		nlt_diag("  got %s, msg \"%s\", offset %s%u (want %u)",
		     errname(r.err), r.msg, r.has_offs ? "" : "none/",
		     r.offs, want);
	} else if (r.msg[0]) {
		nlt_diag("  \"%s\"", r.msg);
	}
}

#define EXPECT(name, nlh, err, bad)	expect(name, nlh, err, bad, OFFS_MUST, 1)

/* ------------------------------------------------------------ config */

struct snap {
	char data[4096];
	size_t len;
};

static int snap_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct snap *s = arg;
	size_t len = mnl_nlmsg_get_payload_len(nlh) - GENL_HDRLEN;

	if (len > sizeof(s->data))
		return MNL_CB_ERROR;
	memcpy(s->data, nlt_attrs(nlh), len);
	s->len = len;
	return MNL_CB_OK;
}

static int config_get(struct snap *s)
{
	struct nlmsghdr *nlh = nlt_req(&T, SNAPFIRE_CMD_CONFIG_GET, 0);
	struct nlt_result r;

	memset(s, 0, sizeof(*s));
	if (nlt_talk(&T, nlh, snap_cb, s, &r) < 0 || r.err || !s->len)
		return -1;
	return 0;
}

/* u32 attribute @type of a config snapshot, or -1 */
static long long snap_u32(const struct snap *s, int type)
{
	const struct nlattr *a;

	for (a = (const void *)s->data; mnl_attr_ok(a, (int)((s->data + s->len) - (const char *)a));
	     a = mnl_attr_next(a))
		if (mnl_attr_get_type(a) == type)
			return mnl_attr_get_u32(a);
	return -1;
}

static struct nlmsghdr *prefix(struct nlmsghdr *nlh, int family,
			       const char *addr, int alen, int plen)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, SNAPFIRE_A_CONFIG_ALLOW);
	unsigned char buf[16];

	memset(buf, 0, sizeof(buf));
	inet_pton(family == AF_INET6 || alen == 16 ? AF_INET6 : AF_INET, addr, buf);
	mnl_attr_put_u8(nlh, SNAPFIRE_A_PREFIX_FAMILY, (uint8_t)family);
	mnl_attr_put(nlh, SNAPFIRE_A_PREFIX_ADDR, (size_t)alen, buf);
	if (plen >= 0)
		mnl_attr_put_u8(nlh, SNAPFIRE_A_PREFIX_PLEN, (uint8_t)plen);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static struct nlmsghdr *cset(void)
{
	return nlt_req(&T, SNAPFIRE_CMD_CONFIG_SET, 0);
}

static void bad_config(void)
{
	struct nlmsghdr *nlh;
	struct nlattr *bad, *nest;
	int i;

	/* wrong types and lengths */
	nlh = cset();
	bad = tail(nlh);
	mnl_attr_put_u32(nlh, SNAPFIRE_A_CONFIG_PORT, 862);
	EXPECT("config-set: port as u32 (4 bytes, u16 expected)", nlh, -EINVAL, bad);

	nlh = cset();
	bad = tail(nlh);
	mnl_attr_put_u16(nlh, SNAPFIRE_A_CONFIG_HIST_PRECISION, 6);
	EXPECT("config-set: hist-precision as u16", nlh, -EINVAL, bad);

	nlh = cset();
	bad = tail(nlh);
	mnl_attr_put(nlh, SNAPFIRE_A_CONFIG_MAX_FLOWS, 0, NULL);
	EXPECT("config-set: empty max-flows", nlh, -EINVAL, bad);

	nlh = cset();
	bad = tail(nlh);
	mnl_attr_put_u8(nlh, SNAPFIRE_A_CONFIG_ALLOW_CLEAR, 1);
	EXPECT("config-set: allow-clear flag with a payload", nlh, -ERANGE, bad);

	nlh = cset();
	bad = tail(nlh);
	mnl_attr_put_u32(nlh, SNAPFIRE_A_CONFIG_WINDOW | NLA_F_NESTED, 5);
	EXPECT("config-set: window with NLA_F_NESTED", nlh, -EINVAL, bad);

	/* unknown attributes, strict validation */
	nlh = cset();
	mnl_attr_put_u32(nlh, SNAPFIRE_A_CONFIG_WINDOW, 5);
	bad = tail(nlh);
	mnl_attr_put_u32(nlh, SNAPFIRE_A_CONFIG_MAX + 5, 1);
	EXPECT("config-set: unknown attribute type", nlh, -EINVAL, bad);

	nlh = cset();
	bad = tail(nlh);
	mnl_attr_put_u32(nlh, 0, 1);
	EXPECT("config-set: attribute type 0", nlh, -EINVAL, bad);

	nlh = cset();
	bad = tail(nlh);
	mnl_attr_put_u64(nlh, SNAPFIRE_A_CONFIG_PAD, 0);
	EXPECT("config-set: pad attribute", nlh, -EINVAL, bad);

	nlh = cset();
	mnl_attr_put_u32(nlh, SNAPFIRE_A_CONFIG_WINDOW, 5);
	{
		/* an attribute header claiming more than the message holds */
		struct nlattr *g = tail(nlh);

		g->nla_len = 100;
		g->nla_type = SNAPFIRE_A_CONFIG_EVENT_RATE;
		nlh->nlmsg_len += 4;
	}
	expect("config-set: truncated attribute (leftover bytes)", nlh, -EINVAL,
	       NULL, OFFS_NONE, 1);

	/* bad nesting */
	nlh = cset();
	bad = tail(nlh);
	mnl_attr_put_u32(nlh, SNAPFIRE_A_CONFIG_ALLOW, 0x0a000000);
	EXPECT("config-set: allow that is not a nest", nlh, -EINVAL, bad);

	nlh = cset();
	nest = mnl_attr_nest_start(nlh, SNAPFIRE_A_CONFIG_ALLOW);
	mnl_attr_put_u8(nlh, SNAPFIRE_A_PREFIX_FAMILY, AF_INET);
	bad = tail(nlh);
	mnl_attr_put_u32(nlh, SNAPFIRE_A_PREFIX_MAX + 3, 0xdeadbeef);
	mnl_attr_nest_end(nlh, nest);
	EXPECT("config-set: allow nest holding an unknown attribute", nlh, -EINVAL, bad);

	nlh = cset();
	nest = mnl_attr_nest_start(nlh, SNAPFIRE_A_CONFIG_ALLOW);
	{
		/* garbage: a 2-byte "attribute" */
		struct nlattr *g = tail(nlh);

		g->nla_len = 2;
		g->nla_type = 0xffff;
		nlh->nlmsg_len += 4;
	}
	mnl_attr_nest_end(nlh, nest);
	expect("config-set: allow nest holding garbage", nlh, -EINVAL, NULL,
	       OFFS_NONE, 1);

	nlh = cset();
	nest = mnl_attr_nest_start(nlh, SNAPFIRE_A_CONFIG_ALLOW);
	bad = tail(nlh);
	mnl_attr_put_u32(nlh, SNAPFIRE_A_PREFIX_FAMILY, AF_INET);
	mnl_attr_nest_end(nlh, nest);
	EXPECT("config-set: prefix family as u32", nlh, -EINVAL, bad);

	/* oversized and out-of-range values */
	nlh = cset();
	bad = tail(nlh);
	mnl_attr_put_u8(nlh, SNAPFIRE_A_CONFIG_HIST_PRECISION, 9);
	EXPECT("config-set: hist-precision 9", nlh, -ERANGE, bad);

	nlh = cset();
	bad = tail(nlh);
	mnl_attr_put_u8(nlh, SNAPFIRE_A_CONFIG_HIST_PRECISION, 3);
	EXPECT("config-set: hist-precision 3", nlh, -ERANGE, bad);

	nlh = cset();
	bad = tail(nlh);
	mnl_attr_put_u32(nlh, SNAPFIRE_A_CONFIG_MAX_FLOWS, 5);
	EXPECT("config-set: max-flows 5", nlh, -ERANGE, bad);

	nlh = cset();
	bad = tail(nlh);
	mnl_attr_put_u32(nlh, SNAPFIRE_A_CONFIG_MAX_FLOWS, 4194305);
	EXPECT("config-set: max-flows 4194305", nlh, -ERANGE, bad);

	nlh = cset();
	bad = tail(nlh);
	mnl_attr_put_u32(nlh, SNAPFIRE_A_CONFIG_WINDOW, 0);
	EXPECT("config-set: window 0", nlh, -ERANGE, bad);

	nlh = cset();
	bad = tail(nlh);
	mnl_attr_put_u32(nlh, SNAPFIRE_A_CONFIG_WINDOW, 3601);
	EXPECT("config-set: window 3601", nlh, -ERANGE, bad);

	nlh = cset();
	bad = tail(nlh);
	mnl_attr_put_u32(nlh, SNAPFIRE_A_CONFIG_LOSS_THRESHOLD, 2000000);
	EXPECT("config-set: loss-threshold 2000000", nlh, -ERANGE, bad);

	nlh = cset();
	bad = tail(nlh);
	mnl_attr_put_u32(nlh, SNAPFIRE_A_CONFIG_IDLE_TIMEOUT, 0);
	EXPECT("config-set: idle-timeout 0", nlh, -ERANGE, bad);

	nlh = cset();
	bad = tail(nlh);
	mnl_attr_put_u32(nlh, SNAPFIRE_A_CONFIG_IDLE_TIMEOUT, 604801);
	EXPECT("config-set: idle-timeout 604801", nlh, -ERANGE, bad);

	nlh = cset();
	bad = tail(nlh);
	mnl_attr_put_u32(nlh, SNAPFIRE_A_CONFIG_RATE_BURST, 0);
	EXPECT("config-set: rate-burst 0", nlh, -ERANGE, bad);

	nlh = cset();
	bad = tail(nlh);
	mnl_attr_put_u32(nlh, SNAPFIRE_A_CONFIG_EVENT_RATE, 0);
	EXPECT("config-set: event-rate 0", nlh, -ERANGE, bad);

	nlh = cset();
	bad = tail(nlh);
	mnl_attr_put_u32(nlh, SNAPFIRE_A_CONFIG_REFLECT_MODE, 2);
	EXPECT("config-set: reflect-mode 2 (not in the enum)", nlh, -ERANGE, bad);

	nlh = cset();
	bad = tail(nlh);
	mnl_attr_put_u8(nlh, SNAPFIRE_A_CONFIG_ENABLED, 2);
	EXPECT("config-set: enabled 2", nlh, -ERANGE, bad);

	/* ports */
	nlh = cset();
	for (i = 0; i < SNAPFIRE_MAX_PORTS; i++)
		mnl_attr_put_u16(nlh, SNAPFIRE_A_CONFIG_PORT, (uint16_t)(4000 + i));
	bad = tail(nlh);
	mnl_attr_put_u16(nlh, SNAPFIRE_A_CONFIG_PORT, 5000);
	EXPECT("config-set: 9 ports", nlh, -E2BIG, bad);

	nlh = cset();
	mnl_attr_put_u16(nlh, SNAPFIRE_A_CONFIG_PORT, 862);
	bad = tail(nlh);
	mnl_attr_put_u16(nlh, SNAPFIRE_A_CONFIG_PORT, 0);
	EXPECT("config-set: port 0", nlh, -ERANGE, bad);

	nlh = cset();
	mnl_attr_put_u16(nlh, SNAPFIRE_A_CONFIG_PORT, 862);
	mnl_attr_put_u16(nlh, SNAPFIRE_A_CONFIG_PORT, 863);
	bad = tail(nlh);
	mnl_attr_put_u16(nlh, SNAPFIRE_A_CONFIG_PORT, 862);
	EXPECT("config-set: duplicate port", nlh, -EINVAL, bad);

	/* allow prefixes */
	nlh = cset();
	for (i = 0; i < SNAPFIRE_MAX_ALLOW; i++) {
		char a[32];

		snprintf(a, sizeof(a), "10.%d.0.0", i);
		prefix(nlh, AF_INET, a, 4, 16);
	}
	bad = tail(nlh);
	prefix(nlh, AF_INET, "10.200.0.0", 4, 16);
	EXPECT("config-set: 17 allow prefixes", nlh, -E2BIG, bad);

	nlh = cset();
	nest = mnl_attr_nest_start(nlh, SNAPFIRE_A_CONFIG_ALLOW);
	mnl_attr_put_u8(nlh, SNAPFIRE_A_PREFIX_FAMILY, AF_INET);
	bad = tail(nlh);
	mnl_attr_put(nlh, SNAPFIRE_A_PREFIX_ADDR, 3, "\x0a\x00\x00");
	mnl_attr_put_u8(nlh, SNAPFIRE_A_PREFIX_PLEN, 8);
	mnl_attr_nest_end(nlh, nest);
	EXPECT("config-set: 3-byte prefix address", nlh, -ERANGE, bad);

	nlh = cset();
	nest = mnl_attr_nest_start(nlh, SNAPFIRE_A_CONFIG_ALLOW);
	mnl_attr_put_u8(nlh, SNAPFIRE_A_PREFIX_FAMILY, AF_INET);
	bad = tail(nlh);
	mnl_attr_put(nlh, SNAPFIRE_A_PREFIX_ADDR, 17, "0123456789abcdefg");
	mnl_attr_put_u8(nlh, SNAPFIRE_A_PREFIX_PLEN, 8);
	mnl_attr_nest_end(nlh, nest);
	EXPECT("config-set: 17-byte prefix address", nlh, -ERANGE, bad);

	nlh = cset();
	nest = mnl_attr_nest_start(nlh, SNAPFIRE_A_CONFIG_ALLOW);
	mnl_attr_put_u8(nlh, SNAPFIRE_A_PREFIX_FAMILY, AF_INET);
	bad = tail(nlh);
	mnl_attr_put(nlh, SNAPFIRE_A_PREFIX_ADDR, 16, "0123456789abcdef");
	mnl_attr_put_u8(nlh, SNAPFIRE_A_PREFIX_PLEN, 8);
	mnl_attr_nest_end(nlh, nest);
	EXPECT("config-set: AF_INET prefix with a 16-byte address", nlh, -EINVAL, bad);

	nlh = cset();
	nest = mnl_attr_nest_start(nlh, SNAPFIRE_A_CONFIG_ALLOW);
	mnl_attr_put_u8(nlh, SNAPFIRE_A_PREFIX_FAMILY, AF_INET6);
	bad = tail(nlh);
	mnl_attr_put(nlh, SNAPFIRE_A_PREFIX_ADDR, 4, "\x0a\x00\x00\x00");
	mnl_attr_put_u8(nlh, SNAPFIRE_A_PREFIX_PLEN, 8);
	mnl_attr_nest_end(nlh, nest);
	EXPECT("config-set: AF_INET6 prefix with a 4-byte address", nlh, -EINVAL, bad);

	nlh = cset();
	nest = mnl_attr_nest_start(nlh, SNAPFIRE_A_CONFIG_ALLOW);
	bad = tail(nlh);
	mnl_attr_put_u8(nlh, SNAPFIRE_A_PREFIX_FAMILY, 7);
	mnl_attr_put(nlh, SNAPFIRE_A_PREFIX_ADDR, 4, "\x0a\x00\x00\x00");
	mnl_attr_put_u8(nlh, SNAPFIRE_A_PREFIX_PLEN, 8);
	mnl_attr_nest_end(nlh, nest);
	EXPECT("config-set: prefix family 7", nlh, -EINVAL, bad);

	nlh = cset();
	bad = tail(nlh);
	prefix(nlh, AF_INET, "10.0.0.1", 4, 8);
	EXPECT("config-set: prefix 10.0.0.1/8 (host bits set)", nlh, -EINVAL,
	       (struct nlattr *)((char *)bad + 4 + 8));	/* its addr */

	nlh = cset();
	bad = tail(nlh);
	prefix(nlh, AF_INET6, "2001:db8::1", 16, 64);
	EXPECT("config-set: prefix 2001:db8::1/64 (host bits set)", nlh, -EINVAL,
	       (struct nlattr *)((char *)bad + 4 + 8));

	nlh = cset();
	bad = tail(nlh);
	prefix(nlh, AF_INET, "10.0.0.0", 4, 33);
	EXPECT("config-set: AF_INET prefix length 33", nlh, -ERANGE,
	       (struct nlattr *)((char *)bad + 4 + 8 + 8));	/* its plen */

	nlh = cset();
	bad = tail(nlh);
	prefix(nlh, AF_INET6, "2001:db8::", 16, 129);
	EXPECT("config-set: prefix length 129", nlh, -ERANGE,
	       (struct nlattr *)((char *)bad + 4 + 8 + 20));

	nlh = cset();
	bad = tail(nlh);
	prefix(nlh, AF_INET, "10.0.0.0", 4, -1);
	EXPECT("config-set: prefix without plen", nlh, -EINVAL, bad);

	nlh = cset();
	prefix(nlh, AF_INET, "10.0.0.0", 4, 8);
	bad = tail(nlh);
	prefix(nlh, AF_INET, "10.0.0.0", 4, 8);
	EXPECT("config-set: duplicate allow prefix", nlh, -EINVAL, bad);

	nlh = cset();
	prefix(nlh, AF_INET, "10.0.0.0", 4, 8);
	bad = tail(nlh);
	mnl_attr_put(nlh, SNAPFIRE_A_CONFIG_ALLOW_CLEAR, 0, NULL);
	EXPECT("config-set: allow and allow-clear together", nlh, -EINVAL, bad);

	/* a valid attribute next to a bad one changes nothing (checked later) */
	nlh = cset();
	mnl_attr_put_u32(nlh, SNAPFIRE_A_CONFIG_MAX_FLOWS, 1000);
	mnl_attr_put_u16(nlh, SNAPFIRE_A_CONFIG_PORT, 4862);
	bad = tail(nlh);
	mnl_attr_put_u32(nlh, SNAPFIRE_A_CONFIG_WINDOW, 0);
	EXPECT("config-set: max-flows 1000, port 4862 and window 0", nlh, -ERANGE, bad);
}

/* ------------------------------------------------------------- others */

static void bad_others(void)
{
	struct nlmsghdr *nlh;
	struct nlattr *bad;

	nlh = nlt_req(&T, SNAPFIRE_CMD_STATUS_GET, 0);
	bad = tail(nlh);
	mnl_attr_put_u32(nlh, SNAPFIRE_A_STATUS_FLOWS, 1);
	EXPECT("status-get: with an attribute", nlh, -EINVAL, bad);

	nlh = nlt_req(&T, SNAPFIRE_CMD_CONFIG_GET, 0);
	bad = tail(nlh);
	mnl_attr_put_u32(nlh, SNAPFIRE_A_CONFIG_WINDOW, 1);
	EXPECT("config-get: with an attribute", nlh, -EINVAL, bad);

	/* flow-get do */
	nlh = nlt_req(&T, SNAPFIRE_CMD_FLOW_GET, 0);
	expect("flow-get: no id", nlh, -EINVAL, NULL, OFFS_NONE, 1);

	nlh = nlt_req(&T, SNAPFIRE_CMD_FLOW_GET, 0);
	mnl_attr_put_u32(nlh, SNAPFIRE_A_FLOW_HIST_MASK, 1);
	{
		struct nlt_result r;

		nlt_talk(&T, nlh, NULL, NULL, &r);
		if (r.has_miss)
			nlt_report(r.miss_type == SNAPFIRE_A_FLOW_ID,
			       "flow-get: no id: missing attribute reported (type %u)",
			       r.miss_type);
		else
			nlt_report(1, "flow-get: no id: missing attribute # SKIP kernel has no NLMSGERR_ATTR_MISS_TYPE");
	}

	nlh = nlt_req(&T, SNAPFIRE_CMD_FLOW_GET, 0);
	bad = tail(nlh);
	mnl_attr_put_u32(nlh, SNAPFIRE_A_FLOW_ID, 1);
	EXPECT("flow-get: id as u32", nlh, -EINVAL, bad);

	nlh = nlt_req(&T, SNAPFIRE_CMD_FLOW_GET, 0);
	bad = tail(nlh);
	mnl_attr_put_u64(nlh, SNAPFIRE_A_FLOW_ID, 0x7fffffffffffULL);
	EXPECT("flow-get: no such id", nlh, -ENOENT, bad);

	nlh = nlt_req(&T, SNAPFIRE_CMD_FLOW_GET, 0);
	mnl_attr_put_u64(nlh, SNAPFIRE_A_FLOW_ID, 1);
	bad = tail(nlh);
	mnl_attr_put_u16(nlh, SNAPFIRE_A_FLOW_SSID, 1);
	EXPECT("flow-get: a dump filter in a single get", nlh, -EINVAL, bad);

	nlh = nlt_req(&T, SNAPFIRE_CMD_FLOW_GET, 0);
	mnl_attr_put_u64(nlh, SNAPFIRE_A_FLOW_ID, 1);
	bad = tail(nlh);
	mnl_attr_put_u32(nlh, SNAPFIRE_A_FLOW_HIST_MASK, 1u << (SNAPFIRE_METRIC_MAX + 1));
	EXPECT("flow-get: hist-mask with an unknown metric bit", nlh, -EINVAL, bad);

	nlh = nlt_req(&T, SNAPFIRE_CMD_FLOW_GET, 0);
	mnl_attr_put_u64(nlh, SNAPFIRE_A_FLOW_ID, 1);
	bad = tail(nlh);
	mnl_attr_put_u64(nlh, SNAPFIRE_A_FLOW_CREATED, 1);
	EXPECT("flow-get: a reply-only attribute", nlh, -EINVAL, bad);

	/* flow-get dump: errors found by .start (or the first dumpit call) */
	nlh = nlt_req(&T, SNAPFIRE_CMD_FLOW_GET, NLM_F_DUMP);
	bad = tail(nlh);
	mnl_attr_put_u64(nlh, SNAPFIRE_A_FLOW_ID, 1);
	expect("flow-get dump: with an id", nlh, -EINVAL, bad, OFFS_IF_ANY, 1);

	nlh = nlt_req(&T, SNAPFIRE_CMD_FLOW_GET, NLM_F_DUMP);
	bad = tail(nlh);
	mnl_attr_put(nlh, SNAPFIRE_A_FLOW_REMOTE_ADDR, 5, "\x0a\x00\x00\x01\x02");
	expect("flow-get dump: 5-byte remote-addr", nlh, -EINVAL, bad, OFFS_IF_ANY, 1);

	nlh = nlt_req(&T, SNAPFIRE_CMD_FLOW_GET, NLM_F_DUMP);
	bad = tail(nlh);
	mnl_attr_put(nlh, SNAPFIRE_A_FLOW_REMOTE_ADDR, 3, "\x0a\x00\x00");
	EXPECT("flow-get dump: 3-byte remote-addr", nlh, -ERANGE, bad);

	nlh = nlt_req(&T, SNAPFIRE_CMD_FLOW_GET, NLM_F_DUMP);
	bad = tail(nlh);
	mnl_attr_put_u32(nlh, SNAPFIRE_A_FLOW_ROLE, 3);
	EXPECT("flow-get dump: role 3", nlh, -ERANGE, bad);

	nlh = nlt_req(&T, SNAPFIRE_CMD_FLOW_GET, NLM_F_DUMP);
	bad = tail(nlh);
	mnl_attr_put_u32(nlh, SNAPFIRE_A_FLOW_LOCAL_PORT, 862);
	EXPECT("flow-get dump: local-port as u32", nlh, -EINVAL, bad);

	nlh = nlt_req(&T, SNAPFIRE_CMD_FLOW_GET, NLM_F_DUMP);
	bad = tail(nlh);
	mnl_attr_put_u32(nlh, SNAPFIRE_A_FLOW_MAX + 1, 0);
	EXPECT("flow-get dump: unknown attribute", nlh, -EINVAL, bad);

	{
		struct nlt_result r;

		nlh = nlt_req(&T, SNAPFIRE_CMD_FLOW_GET, NLM_F_DUMP);
		mnl_attr_put_u32(nlh, SNAPFIRE_A_FLOW_ROLE, SNAPFIRE_ROLE_SENDER);
		mnl_attr_put_u32(nlh, SNAPFIRE_A_FLOW_HIST_MASK, 0x7f);
		nlt_report(nlt_talk(&T, nlh, NULL, NULL, &r) == 0 && !r.err && r.done,
		       "flow-get dump: valid filters accepted");
	}

	/* flow-del, flow-reset */
	nlh = nlt_req(&T, SNAPFIRE_CMD_FLOW_DEL, 0);
	bad = tail(nlh);
	mnl_attr_put_u64(nlh, SNAPFIRE_A_FLOW_ID, 0x7fffffffffffULL);
	EXPECT("flow-del: no such id", nlh, -ENOENT, bad);

	nlh = nlt_req(&T, SNAPFIRE_CMD_FLOW_RESET, 0);
	bad = tail(nlh);
	mnl_attr_put_u64(nlh, SNAPFIRE_A_FLOW_ID, 0x7fffffffffffULL);
	EXPECT("flow-reset: no such id", nlh, -ENOENT, bad);

	nlh = nlt_req(&T, SNAPFIRE_CMD_FLOW_DEL, 0);
	bad = tail(nlh);
	mnl_attr_put_u16(nlh, SNAPFIRE_A_FLOW_SSID, 1);
	EXPECT("flow-del: a filter attribute", nlh, -EINVAL, bad);

	nlh = nlt_req(&T, SNAPFIRE_CMD_FLOW_RESET, 0);
	bad = tail(nlh);
	mnl_attr_put(nlh, SNAPFIRE_A_FLOW_ID, 7, "1234567");
	EXPECT("flow-reset: 7-byte id", nlh, -EINVAL, bad);

	/* commands */
	nlh = nlt_req(&T, SNAPFIRE_CMD_EVENT, 0);
	expect("event command sent as a request", nlh, -EOPNOTSUPP, NULL, OFFS_NONE, 0);

	nlh = nlt_req(&T, 99, 0);
	expect("unknown command 99", nlh, -EOPNOTSUPP, NULL, OFFS_NONE, 0);
}

/* ------------------------------------------------------ unprivileged */

enum {
	U_SET, U_DEL, U_RESET, U_STATUS, U_CONFIG, U_DUMP, U_OPEN, U_NCHECKS
};

static const char *const u_names[] = {
	[U_SET] = "config-set refused (EPERM)",
	[U_DEL] = "flow-del refused (EPERM)",
	[U_RESET] = "flow-reset refused (EPERM)",
	[U_STATUS] = "status-get works",
	[U_CONFIG] = "config-get works",
	[U_DUMP] = "flow-get dump works",
	[U_OPEN] = "family reachable",
};

/* In a child with fewer privileges: one bit per failed check. */
static int unprivileged_checks(void)
{
	struct nlmsghdr *nlh;
	struct nlt_result r;
	int failed = 0;

	if (nlt_open(&T) < 0)
		return 1 << U_OPEN;

	nlh = nlt_req(&T, SNAPFIRE_CMD_CONFIG_SET, 0);
	mnl_attr_put_u32(nlh, SNAPFIRE_A_CONFIG_MAX_FLOWS, 1000);
	if (nlt_talk(&T, nlh, NULL, NULL, &r) < 0 || r.err != -EPERM)
		failed |= 1 << U_SET;
	nlh = nlt_req(&T, SNAPFIRE_CMD_FLOW_DEL, 0);
	if (nlt_talk(&T, nlh, NULL, NULL, &r) < 0 || r.err != -EPERM)
		failed |= 1 << U_DEL;
	nlh = nlt_req(&T, SNAPFIRE_CMD_FLOW_RESET, 0);
	if (nlt_talk(&T, nlh, NULL, NULL, &r) < 0 || r.err != -EPERM)
		failed |= 1 << U_RESET;
	nlh = nlt_req(&T, SNAPFIRE_CMD_STATUS_GET, 0);
	if (nlt_talk(&T, nlh, NULL, NULL, &r) < 0 || r.err || r.nmsgs != 1)
		failed |= 1 << U_STATUS;
	nlh = nlt_req(&T, SNAPFIRE_CMD_CONFIG_GET, 0);
	if (nlt_talk(&T, nlh, NULL, NULL, &r) < 0 || r.err || r.nmsgs != 1)
		failed |= 1 << U_CONFIG;
	nlh = nlt_req(&T, SNAPFIRE_CMD_FLOW_GET, NLM_F_DUMP);
	if (nlt_talk(&T, nlh, NULL, NULL, &r) < 0 || r.err || !r.done)
		failed |= 1 << U_DUMP;
	return failed;
}

static int drop_to_nobody(void)
{
	return setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	       setresuid(65534, 65534, 65534) ? -1 : 0;
}

/* Stay uid 0 but without CAP_NET_ADMIN (and CAP_SYS_ADMIN). */
static int drop_net_admin(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[CAP_TO_INDEX(CAP_NET_ADMIN)].effective &= ~CAP_TO_MASK(CAP_NET_ADMIN);
	d[CAP_TO_INDEX(CAP_NET_ADMIN)].permitted &= ~CAP_TO_MASK(CAP_NET_ADMIN);
	d[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	d[CAP_TO_INDEX(CAP_SYS_ADMIN)].permitted &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	return syscall(SYS_capset, &h, d) ? -1 : 0;
}

static void unprivileged(const char *who, int (*drop)(void))
{
	int status, bits, i;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		nlt_close(&T);
		if (drop()) {
			perror("nlbad: dropping privileges");
			_exit(255);
		}
		_exit(unprivileged_checks());
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) == 255) {
		nlt_report(0, "%s: child ran", who);
		return;
	}
	bits = WEXITSTATUS(status);
	for (i = 0; i < U_NCHECKS; i++) {
		if (i == U_OPEN && !(bits & (1 << U_OPEN)))
			continue;
		nlt_report(!(bits & (1 << i)), "%s: %s", who, u_names[i]);
	}
}

/* -------------------------------------------------- valid config-set */

/* Replay a config-get reply as a config-set (allow-clear if no allow). */
static int config_replay(const struct snap *s)
{
	struct nlmsghdr *nlh = cset();
	const struct nlattr *a;
	struct nlt_result r;
	int allow = 0;

	for (a = (const void *)s->data; mnl_attr_ok(a, (int)((s->data + s->len) - (const char *)a));
	     a = mnl_attr_next(a)) {
		if (mnl_attr_get_type(a) == SNAPFIRE_A_CONFIG_PAD)
			continue;
		allow |= mnl_attr_get_type(a) == SNAPFIRE_A_CONFIG_ALLOW;
		mnl_attr_put(nlh, a->nla_type, mnl_attr_get_payload_len(a),
			     mnl_attr_get_payload(a));
	}
	if (!allow)
		mnl_attr_put(nlh, SNAPFIRE_A_CONFIG_ALLOW_CLEAR, 0, NULL);
	if (nlt_talk(&T, nlh, NULL, NULL, &r) < 0)
		return -1;
	if (r.err)
		nlt_diag("config-set (replay) failed: %s \"%s\"", errname(r.err), r.msg);
	return r.err;
}

static void valid_config(const struct snap *orig)
{
	struct nlmsghdr *nlh = cset();
	struct nlt_result r;
	struct snap s;

	mnl_attr_put_u32(nlh, SNAPFIRE_A_CONFIG_MAX_FLOWS, 1000);
	mnl_attr_put_u16(nlh, SNAPFIRE_A_CONFIG_PORT, 862);
	mnl_attr_put_u16(nlh, SNAPFIRE_A_CONFIG_PORT, 4862);
	prefix(nlh, AF_INET, "192.0.2.0", 4, 24);
	prefix(nlh, AF_INET6, "2001:db8::", 16, 32);
	prefix(nlh, AF_INET, "0.0.0.0", 4, 0);
	nlt_report(nlt_talk(&T, nlh, NULL, NULL, &r) == 0 && r.err == 0,
	       "config-set: valid max-flows, ports and prefixes accepted");
	nlt_report(config_get(&s) == 0 && snap_u32(&s, SNAPFIRE_A_CONFIG_MAX_FLOWS) == 1000,
	       "config-get: reads back max-flows 1000");

	nlh = cset();
	nlt_report(nlt_talk(&T, nlh, NULL, NULL, &r) == 0 && r.err == 0,
	       "config-set: empty request accepted");

	nlt_report(config_replay(orig) == 0, "config-set: replaying the original config-get reply accepted");
	nlt_report(config_get(&s) == 0 && s.len == orig->len &&
	       !memcmp(s.data, orig->data, s.len),
	       "config-get: the original configuration is back");
}

int main(void)
{
	struct snap orig, now;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (nlt_open(&T) < 0) {
		printf("not ok 1 - snapfire family reachable\n1..1\n");
		return 2;
	}
	if (config_get(&orig)) {
		printf("not ok 1 - config-get works\n1..1\n");
		return 2;
	}
	nlt_report(alive(), "status-get answers");

	bad_config();
	bad_others();

	nlt_report(config_get(&now) == 0 && now.len == orig.len &&
	       !memcmp(now.data, orig.data, now.len),
	       "the refused requests changed no configuration");

	unprivileged("uid 65534", drop_to_nobody);
	unprivileged("uid 0 without CAP_NET_ADMIN", drop_net_admin);
	nlt_report(config_get(&now) == 0 && now.len == orig.len &&
	       !memcmp(now.data, orig.data, now.len),
	       "the unprivileged requests changed no configuration");

	valid_config(&orig);
	nlt_report(alive(), "status-get still answers at the end");

	printf("1..%d\n", nlt_ntests);
	nlt_close(&T);
	return nlt_nfailed ? 1 : 0;
}
