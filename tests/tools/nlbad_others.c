// SPDX-License-Identifier: GPL-2.0
/*
 * nlbad — the other ops refused: status-get and config-get with an
 * attribute, flow-get do and dump (and its valid filters accepted),
 * flow-del and flow-reset, the event command and an unknown one.
 */
#include <errno.h>

#include "nlbad.h"

void bad_others(void)
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
