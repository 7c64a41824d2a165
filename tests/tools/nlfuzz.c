// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz — a seeded, reproducible fuzzer for the snapfire generic netlink
 * family (libmnl, nlt.c).  Every op of the family is sent, valid (built
 * from include/snapfire.yaml with values in and out of the policy ranges)
 * and mutated: attribute types 0 and above the policy's maximum, retyped,
 * duplicated, NLA_F_NESTED set on scalars and cleared on nests, the allow
 * and hist nests filled with garbage, wrong lengths (0, 1, 3, 7, 9, 17 and
 * up to 65000), truncated attribute headers, nla_len past the end of the
 * message, NLM_F_DUMP on do-only ops and missing on dumps, random genl
 * commands (0, event, > max), version and reserved bytes, random
 * nlmsg_flags and bad nlmsg_len values.
 *
 *   nlfuzz [-s SEED] [-n COUNT] [-u] [-q] [-a] [-p PERIOD] [-r INDEX]
 *
 *   -s SEED    PRNG seed (default 1).  Request i is built from (SEED, i)
 *              alone, never from the kernel's answers: a run is
 *              reproducible and one request can be replayed with -r.
 *   -n COUNT   requests to send (default 100000)
 *   -u         unprivileged: after opening the socket (as root), drop to
 *              uid/gid 65534 (setgroups(0), setresgid, setresuid) with an
 *              empty capability set.  Every request that reaches a mutating
 *              op (config-set, flow-del, flow-reset) must then be refused
 *              with EPERM (or, asked for a dump these do-only ops lack,
 *              EOPNOTSUPP: the genl core of 6.2 and later looks the op up
 *              before it checks the permission), and the reads must work.
 *              The socket was opened
 *              by root: this also proves the kernel checks the sender, not
 *              only the opener.  (One run is privileged or not; run nlfuzz
 *              twice for both.)
 *   -q         quiet: no progress lines, at most 5 detailed failures
 *   -a         check the state after every request, not only around the
 *              mutating ones (slower; pins a state change on one request)
 *   -p PERIOD  requests between checkpoints (default 1000): status-get
 *              must answer, the state must not have drifted, and (as root)
 *              the baseline configuration is restored
 *   -r INDEX   replay request INDEX of SEED alone: print it whole, send it,
 *              print the answer and whether the state changed
 *
 * The state is the configuration (config-get, the attributes sorted by
 * type, pad attributes dropped, raw bytes) and the flow count (status-get
 * flows).  It is taken before a request that can reach a mutating op
 * (kept from the previous check while no mutation was accepted) and again
 * after it when it was refused (or not processed at all): the
 * configuration must be byte-identical and the flow count must not have
 * dropped.  Run it in a fresh network namespace with no traffic, as a
 * privileged run changes that namespace's configuration (every PERIOD
 * requests and at the end it puts back the configuration it found).  The
 * flow count is only meaningful there: with flows, an accepted config-set
 * that lowers idle-timeout or max-flows lets the GC remove flows later,
 * which this would blame on whatever request comes next.
 *
 * Replies are read without blocking: the kernel handles a netlink request
 * in the sender's sendmsg(), so when sendto() returns the answer (error,
 * ACK, reply, or the first part of a dump) is queued; no answer at all
 * means success without NLM_F_ACK, or a message the kernel did not
 * process (no NLM_F_REQUEST, bad nlmsg_len).
 *
 * Prints `ok N - ...` / `not ok N - ...` lines, `# ...` diagnostics and
 * `1..N` at the end.  Exit status: 0 if every check passed, 1 otherwise,
 * 2 if the family could not be reached.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "nlfuzz.h"

#define NOBODY		65534

struct nlt T;

struct opts opt = { .seed = 1, .count = 100000, .period = 1000, .replay = -1 };

const char *errname(int err)
{
	static char buf[4][32];
	static int n;
	const char *s;

	if (err == 0)
		return "0";
	s = strerrorname_np(err < 0 ? -err : err);
	if (s)
		return s;
	n = (n + 1) % 4;
	snprintf(buf[n], sizeof(buf[n]), "errno%d", err);
	return buf[n];
}

/* @len bytes at @p as `#` lines, 32 a line, at most @max of them. */
void hex(const char *what, const void *p, size_t len, size_t max)
{
	const unsigned char *c = p;
	size_t i;

	printf("# %s (%zu bytes):", what, len);
	for (i = 0; i < len && i < max; i++)
		printf("%s%02x", i % 32 ? (i % 4 ? "" : " ") : "\n#   ", c[i]);
	if (len > max)
		printf(" ...");
	putchar('\n');
}

/* ------------------------------------------------------ privileges */

static int drop_privileges(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (geteuid() == 0 &&
	    (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	     setresuid(NOBODY, NOBODY, NOBODY))) {
		perror("nlfuzz: dropping to uid 65534");
		return -1;
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capset, &h, d)) {
		perror("nlfuzz: capset");
		return -1;
	}
	if (syscall(SYS_capget, &h, d) || d[0].effective || d[1].effective ||
	    d[0].permitted || d[1].permitted) {
		fprintf(stderr, "nlfuzz: capabilities left after dropping them\n");
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------- run */

static int replay(unsigned long i)
{
	struct req *m = &(struct req){ 0 };
	struct state before, after;
	struct outcome o;

	build(m, i);
	printf("# request %lu of seed %llu: %s (op %s, %s, %s)\n", i,
	       (unsigned long long)opt.seed, m->desc, ops[m->op].name,
	       m->processed ? "processed" : "not processed by the kernel",
	       m->expect_ok ? "valid" : "not valid");
	hex("request", m->nlh, m->send_len, 1u << 20);
	if (m->nlh->nlmsg_len != m->send_len)
		printf("# nlmsg_len %u, %u bytes sent\n", m->nlh->nlmsg_len, m->send_len);
	if (get_state(&before))
		return 1;
	if (fuzz_talk(m, &o) < 0)
		return 1;
	printf("# answer: %s%s%s%s, %u data messages%s\n",
	       o.res == R_IGNORED ? "none (ignored)" : o.err ? errname(o.err) : "accepted",
	       o.msg[0] ? " \"" : "", o.msg, o.msg[0] ? "\"" : "", o.nmsgs,
	       o.terminal ? "" : ", no ACK");
	if (o.has_offs)
		printf("# extack offset %u\n", o.offs);
	if (get_state(&after))
		return 1;
	printf("# state %s (flows %u -> %u)\n",
	       same_cfg(&before, &after) ? "unchanged" : "CHANGED",
	       before.flows, after.flows);
	if (!opt.unpriv && !same_cfg(&before, &after))
		config_replay(&before);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: nlfuzz [-s SEED] [-n COUNT] [-u] [-q] [-a] [-p PERIOD] [-r INDEX]\n");
	exit(2);
}

static void summary(double secs)
{
	static const int sanity_errs[] = { EINVAL, ERANGE, E2BIG };
	unsigned long mut_ok = 0, reads_ok = 1;
	char line[1024];
	size_t l = 0;
	bool covered = true, sane;
	int i, e;

	nlt_report(st.sent == opt.count, "requests sent: %lu of %lu", st.sent, opt.count);

	for (i = 0; i < OP_N; i++) {
		nlt_diag("op %-13s sent %6lu  accepted %6lu  refused %6lu  not processed %5lu",
		     ops[i].name, st.op_sent[i], st.op_res[i][R_ACCEPTED],
		     st.op_res[i][R_REFUSED], st.op_res[i][R_IGNORED]);
		if (i != OP_OTHER)
			covered &= st.op_res[i][R_ACCEPTED] + st.op_res[i][R_REFUSED] > 0;
		if (ops[i].mutating)
			mut_ok += st.op_res[i][R_ACCEPTED];
	}
	nlt_diag("NLM_F_DUMP on a do-only op: %lu; flow-get dumps without it: %lu",
	     st.dump_on_do, st.do_on_dump);
	nlt_report(covered, "every op covered (config-get, config-set, status-get, flow-get do and dump, flow-del, flow-reset)");

	nlt_diag("accepted %lu, refused %lu, not processed by the kernel (no NLM_F_REQUEST, bad nlmsg_len) %lu",
	     st.res[R_ACCEPTED], st.res[R_REFUSED], st.res[R_IGNORED]);
	nlt_diag("control requests (state snapshots, baseline replays): %lu; stale replies %lu, ENOBUFS %lu",
	     ctl_requests, stale_msgs, enobufs);

	/* the kernel's validation was exercised, both ways */
	if (opt.unpriv) {
		for (i = 0; i < OP_N; i++)
			if (i == OP_CONFIG_GET || i == OP_STATUS_GET || i == OP_FLOW_DUMP)
				reads_ok &= st.op_res[i][R_ACCEPTED] > 0;
		sane = st.cset_err[EPERM] > 0 && mut_ok == 0 && reads_ok;
		nlt_report(sane || opt.count < 1000,
		       "validation exercised: config-set refused with EPERM %lu times, mutations accepted %lu, reads accepted%s%s",
		       st.cset_err[EPERM], mut_ok, reads_ok ? "" : " NOT",
		       opt.count < 1000 && !sane ? " # SKIP fewer than 1000 requests" : "");
		nlt_report(st.unpriv_bad == 0,
		       "unprivileged: every mutating request refused with EPERM (%lu of %lu; %lu of them EOPNOTSUPP: a dump of a do-only op, refused before the permission check since 6.2)",
		       st.unpriv_mut - st.unpriv_bad, st.unpriv_mut, st.unpriv_dump_opnotsupp);
		nlt_report(st.valid_refused == 0, "valid read requests accepted (%lu of %lu)",
		       st.valid - st.valid_refused, st.valid);
	} else {
		sane = st.op_res[OP_CONFIG_SET][R_ACCEPTED] > 0;
		for (i = 0; i < (int)NSPECS(sanity_errs); i++)
			sane &= st.cset_err[sanity_errs[i]] > 0;
		nlt_report(sane || opt.count < 1000,
		       "validation exercised: config-set accepted %lu, refused EINVAL %lu, ERANGE %lu, E2BIG %lu%s",
		       st.op_res[OP_CONFIG_SET][R_ACCEPTED], st.cset_err[EINVAL],
		       st.cset_err[ERANGE], st.cset_err[E2BIG],
		       opt.count < 1000 && !sane ? " # SKIP fewer than 1000 requests" : "");
		nlt_report(st.valid_refused == 0, "valid requests accepted (%lu of %lu)",
		       st.valid - st.valid_refused, st.valid);
	}

	nlt_report(st.violations == 0 && st.drift == 0,
	       "no state change on a refused request (%lu checked, %lu changed, %lu drifts at checkpoints)",
	       st.checked, st.violations, st.drift);
	nlt_report(!st.dead, "module still answering (%lu checkpoints%s)", st.checkpoints,
	       st.dead ? ", stopped" : "");
	if (st.dead)
		nlt_diag("stopped at request %lu", st.dead_at);

	l = (size_t)snprintf(line, sizeof(line), "errnos:");
	for (e = 1; e < 4096; e++)
		if (st.errs[e] && l < sizeof(line) - 40)
			l += (size_t)snprintf(line + l, sizeof(line) - l, " %s %lu",
					      e == 4095 ? "other" : errname(-e), st.errs[e]);
	nlt_diag("%s", line);
	l = (size_t)snprintf(line, sizeof(line), "of which without an extack message:");
	for (e = 1; e < 4096; e++)
		if (st.nomsg[e] && l < sizeof(line) - 40)
			l += (size_t)snprintf(line + l, sizeof(line) - l, " %s %lu",
					      e == 4095 ? "other" : errname(-e), st.nomsg[e]);
	nlt_diag("%s", line);
	nlt_diag("refusals by an op's own checks without an extack message: %lu", st.op_nomsg);
	l = (size_t)snprintf(line, sizeof(line), "config-set errnos:");
	for (e = 1; e < 4096; e++)
		if (st.cset_err[e] && l < sizeof(line) - 40)
			l += (size_t)snprintf(line + l, sizeof(line) - l, " %s %lu",
					      e == 4095 ? "other" : errname(-e), st.cset_err[e]);
	nlt_diag("%s", line);
	nlt_report(st.unexpected == 0,
	       "only expected errnos (EINVAL ERANGE E2BIG EPERM ENOENT EOPNOTSUPP): %lu others",
	       st.unexpected);
	if (secs > 0)
		nlt_diag("%lu requests in %.1f s: %.0f requests/s (%.0f/s with the control requests)",
		     st.sent, secs, st.sent / secs, (st.sent + ctl_requests) / secs);
}

int main(int argc, char **argv)
{
	struct timeval tv = { .tv_sec = 60 };
	unsigned long i, step;
	double t0, secs;
	struct state end;
	char *p;
	int c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt(argc, argv, "s:n:uqap:r:h")) != -1) {
		switch (c) {
		case 's': opt.seed = strtoull(optarg, &p, 0); if (*p) usage(); break;
		case 'n': opt.count = strtoul(optarg, &p, 0); if (*p) usage(); break;
		case 'p': opt.period = strtoul(optarg, &p, 0); if (*p || !opt.period) usage(); break;
		case 'r': opt.replay = strtoll(optarg, &p, 0); if (*p || opt.replay < 0) usage(); break;
		case 'u': opt.unpriv = true; break;
		case 'q': opt.quiet = true; break;
		case 'a': opt.all = true; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();

	if (nlt_open(&T) < 0) {
		printf("not ok 1 - snapfire family reachable\n1..1\n");
		return 2;
	}
	/* a module that stops answering must not hang the run */
	setsockopt(mnl_socket_get_fd(T.nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (opt.unpriv && drop_privileges()) {
		printf("not ok 1 - dropping privileges\n1..1\n");
		return 2;
	}
	if (get_state(&base)) {
		printf("not ok 1 - config-get and status-get work\n1..1\n");
		return 2;
	}
	if (opt.replay >= 0)
		return replay((unsigned long)opt.replay);

	nlt_diag("nlfuzz: seed %llu, %lu requests, %s (uid %u), checkpoint every %lu, state checked %s",
	     (unsigned long long)opt.seed, opt.count,
	     opt.unpriv ? "unprivileged" : "privileged", (unsigned int)geteuid(),
	     opt.period, opt.all ? "after every request" : "around the mutating requests");
	nlt_diag("start: flows %u, configuration %zu bytes", base.flows, base.len);
	cur = base;
	cur_valid = true;

	step = opt.count >= 20 ? opt.count / 10 : opt.count + 1;
	t0 = now_s();
	for (i = 0; i < opt.count; i++) {
		if (i && i % opt.period == 0 && !checkpoint(i))
			break;
		if (!one(i))
			break;
		if (!opt.quiet && (i + 1) % step == 0)
			nlt_diag("%lu/%lu requests, %.0f/s", i + 1, opt.count,
			     (i + 1) / (now_s() - t0));
	}
	secs = now_s() - t0;
	if (!st.dead)
		checkpoint(i);	/* the last stretch, and back to the baseline */

	summary(secs);
	if (!st.dead) {
		bool same = get_state(&end) == 0 && same_cfg(&end, &base);

		nlt_report(same, opt.unpriv ? "configuration unchanged at the end" :
		       "the configuration found at the start is back at the end");
		if (!same)
			state_diff(&base, &end);
		if (st.restore_fail)
			nlt_diag("baseline replays that did not restore it: %lu of %lu",
			     st.restore_fail, st.restores);
	}
	printf("1..%d\n", nlt_ntests);
	nlt_close(&T);
	return nlt_nfailed ? 1 : 0;
}
