// SPDX-License-Identifier: GPL-2.0
/*
 * nlbad — malformed and refused config-set requests: wrong types and
 * lengths, unknown attributes, bad nesting, out-of-range values, too many
 * or duplicate ports and allow prefixes, bad prefixes, a valid attribute
 * next to a bad one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "nlbad.h"

struct nlmsghdr *prefix(struct nlmsghdr *nlh, int family,
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

struct nlmsghdr *cset(void)
{
	return nlt_req(&T, SNAPFIRE_CMD_CONFIG_SET, 0);
}

void bad_config(void)
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
	EXPECT("config-set: max-ports (" STR(SNAPFIRE_MAX_PORTS) ") + 1 ports", nlh, -E2BIG, bad);

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
	EXPECT("config-set: max-allow (" STR(SNAPFIRE_MAX_ALLOW) ") + 1 allow prefixes", nlh, -E2BIG, bad);

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
