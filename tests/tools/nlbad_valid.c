// SPDX-License-Identifier: GPL-2.0
/*
 * nlbad — config snapshots (a config-get reply's attributes), a valid
 * config-set applied and read back, and undone by replaying a config-get
 * reply.
 */
#include <string.h>

#include "nlbad.h"

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

int config_get(struct snap *s)
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

void valid_config(const struct snap *orig)
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
