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
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nlbad.h"

struct nlt T;

const char *errname(int err)
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
int alive(void)
{
	struct nlt_result r;
	struct nlmsghdr *nlh = nlt_req(&T, SNAPFIRE_CMD_STATUS_GET, 0);

	if (nlt_talk(&T, nlh, NULL, NULL, &r) < 0)
		return 0;
	return r.err == 0 && r.nmsgs == 1;
}

/*
 * Send @nlh and expect error @experr with an extack message (unless
 * !@need_msg) and, per @offs, the offset of attribute @bad.
 */
void expect(const char *name, struct nlmsghdr *nlh, int experr,
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
