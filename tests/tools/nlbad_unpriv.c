// SPDX-License-Identifier: GPL-2.0
/*
 * nlbad — without CAP_NET_ADMIN (as uid 65534, or uid 0 with it dropped),
 * in a child: the mutations are refused with EPERM, the reads work.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "nlbad.h"

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

int drop_to_nobody(void)
{
	return setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	       setresuid(65534, 65534, 65534) ? -1 : 0;
}

/* Stay uid 0 but without CAP_NET_ADMIN (and CAP_SYS_ADMIN). */
int drop_net_admin(void)
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

void unprivileged(const char *who, int (*drop)(void))
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
