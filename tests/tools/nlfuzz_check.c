// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz — the state (configuration and flow count) and the checks around
 * every request: a refused one leaves the state unchanged, a valid one is
 * accepted, an unprivileged mutating one is refused with EPERM, only the
 * expected errnos; the checkpoints every PERIOD requests.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nlfuzz.h"

/* ------------------------------------------------------------- state */

static int cfg_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct state *s = arg;
	const struct nlattr *a, *list[256];
	unsigned int n = 0, i, j;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) == SNAPFIRE_A_CONFIG_PAD)
			continue;
		if (n == NSPECS(list))
			return MNL_CB_ERROR;
		/* insertion sort: stable, ports and prefixes keep their order */
		for (i = n++; i > 0 && mnl_attr_get_type(list[i - 1]) > mnl_attr_get_type(a); i--)
			list[i] = list[i - 1];
		list[i] = a;
	}
	s->len = 0;
	for (j = 0; j < n; j++) {
		size_t l = MNL_ALIGN(list[j]->nla_len);

		if (s->len + l > sizeof(s->cfg))
			return MNL_CB_ERROR;
		memcpy(s->cfg + s->len, list[j], l);
		s->len += l;
	}
	return MNL_CB_OK;
}

static int status_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct state *s = arg;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN)
		if (mnl_attr_get_type(a) == SNAPFIRE_A_STATUS_FLOWS &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			s->flows = mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

unsigned long ctl_requests;	/* config-get, status-get, replays */

/* config-get and status-get; -1 if either fails (s->err: why). */
int get_state(struct state *s)
{
	struct nlmsghdr *nlh;
	struct nlt_result r;

	memset(s, 0, offsetof(struct state, cfg));
	s->flows = ~0u;
	ctl_requests += 2;
	nlh = nlt_req(&T, SNAPFIRE_CMD_STATUS_GET, 0);
	if (nlt_talk(&T, nlh, status_cb, s, &r) < 0) {
		s->err = -EIO;
		return -1;
	}
	if (r.err || r.nmsgs != 1 || s->flows == ~0u) {
		s->err = r.err ? r.err : -EBADMSG;
		nlt_diag("status-get: %s \"%s\" (%u messages)", errname(r.err), r.msg, r.nmsgs);
		return -1;
	}
	nlh = nlt_req(&T, SNAPFIRE_CMD_CONFIG_GET, 0);
	if (nlt_talk(&T, nlh, cfg_cb, s, &r) < 0) {
		s->err = -EIO;
		return -1;
	}
	if (r.err || r.nmsgs != 1 || !s->len) {
		s->err = r.err ? r.err : -EBADMSG;
		nlt_diag("config-get: %s \"%s\" (%u messages)", errname(r.err), r.msg, r.nmsgs);
		return -1;
	}
	return 0;
}

bool same_cfg(const struct state *a, const struct state *b)
{
	return a->len == b->len && !memcmp(a->cfg, b->cfg, a->len);
}

/* Replay a configuration as a config-set (allow-clear if it has no allow). */
int config_replay(const struct state *s)
{
	struct nlmsghdr *nlh = nlt_req(&T, SNAPFIRE_CMD_CONFIG_SET, 0);
	const struct nlattr *a;
	struct nlt_result r;
	bool allow = false;
	int rem = (int)s->len;

	for (a = (const struct nlattr *)s->cfg; mnl_attr_ok(a, rem);
	     rem -= MNL_ALIGN(a->nla_len), a = mnl_attr_next(a)) {
		allow |= mnl_attr_get_type(a) == SNAPFIRE_A_CONFIG_ALLOW;
		mnl_attr_put(nlh, a->nla_type, mnl_attr_get_payload_len(a),
			     mnl_attr_get_payload(a));
	}
	if (!allow)
		mnl_attr_put(nlh, SNAPFIRE_A_CONFIG_ALLOW_CLEAR, 0, NULL);
	ctl_requests++;
	if (nlt_talk(&T, nlh, NULL, NULL, &r) < 0)
		return -EIO;
	if (r.err)
		nlt_diag("config-set (baseline replay): %s \"%s\"", errname(r.err), r.msg);
	return r.err;
}

/* ------------------------------------------------------------- stats */

struct stats st;

static bool errno_expected(int err)
{
	switch (-err) {
	case EINVAL: case ERANGE: case E2BIG: case EPERM: case ENOENT:
	case EOPNOTSUPP:
		return true;
	}
	return false;
}

/* Print the details of a failure (a limited number of them). */
static void detail(unsigned long i, const struct req *m, const struct outcome *o,
		   const char *fmt, ...)
{
	char why[256];
	va_list ap;

	if (st.details++ >= (opt.quiet ? 5u : 20u)) {
		if (st.details == (opt.quiet ? 6u : 21u))
			nlt_diag("(more failures, not shown)");
		return;
	}
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	nlt_diag("FAIL request %lu (replay: nlfuzz -s %llu -r %lu): %s", i,
	     (unsigned long long)opt.seed, i, why);
	if (m) {
		nlt_diag("  %s -> %s%s%s%s", m->desc, o->res == R_IGNORED ? "ignored" :
		     o->err ? errname(o->err) : "accepted",
		     o->msg[0] ? " \"" : "", o->msg, o->msg[0] ? "\"" : "");
		hex("  request", m->nlh, m->send_len, HEX_MAX);
	}
}

void state_diff(const struct state *a, const struct state *b)
{
	if (st.details > (opt.quiet ? 5u : 20u))
		return;
	nlt_diag("  flows %u -> %u", a->flows, b->flows);
	if (!same_cfg(a, b)) {
		hex("  config before", a->cfg, a->len, 256);
		hex("  config after", b->cfg, b->len, 256);
	}
}

/* ------------------------------------------------------------- run */

struct state base;		/* the configuration found at start */
struct state cur;		/* the state now, if cur_valid */
bool cur_valid;
static unsigned long cur_at;		/* request index it was taken before */

/*
 * Every PERIOD requests: status-get answers, the state did not drift, and
 * (as root) the baseline configuration comes back.  false: stop.
 */
bool checkpoint(unsigned long i)
{
	struct state now;

	st.checkpoints++;
	if (get_state(&now)) {
		st.dead = true;
		st.dead_at = i;
		nlt_diag("checkpoint before request %lu: the module no longer answers (%s)",
		     i, errname(now.err));
		return false;
	}
	if (cur_valid && (!same_cfg(&cur, &now) || now.flows < cur.flows)) {
		st.drift++;
		detail(i, NULL, NULL,
		       "the state changed between requests %lu and %lu without an accepted mutation (rerun with -a to pin it)",
		       cur_at, i - 1);
		state_diff(&cur, &now);
	}
	cur = now;
	cur_valid = true;
	cur_at = i;
	if (opt.unpriv || same_cfg(&now, &base))
		return true;
	st.restores++;
	if (config_replay(&base) == -EIO || get_state(&cur)) {
		st.dead = true;
		st.dead_at = i;
		nlt_diag("checkpoint before request %lu: restoring the baseline failed", i);
		return false;
	}
	if (!same_cfg(&cur, &base)) {
		st.restore_fail++;
		nlt_diag("checkpoint before request %lu: the baseline replay did not restore the configuration", i);
		state_diff(&base, &cur);
	}
	return true;
}

/* Request @i: build, snapshot if needed, send, account, check. false: stop. */
bool one(unsigned long i)
{
	struct req *m = &(struct req){ 0 };
	struct outcome o;
	struct state after;
	bool mut, check;

	build(m, i);
	mut = ops[m->op].mutating;
	if ((mut || opt.all) && !cur_valid) {
		if (get_state(&cur)) {
			st.dead = true;
			st.dead_at = i;
			nlt_diag("before request %lu: the module no longer answers", i);
			return false;
		}
		cur_valid = true;
		cur_at = i;
	}
	if (fuzz_talk(m, &o) < 0) {
		st.dead = true;
		st.dead_at = i;
		return false;
	}
	st.sent++;
	st.res[o.res]++;
	st.op_sent[m->op]++;
	st.op_res[m->op][o.res]++;
	if (m->processed && m->full_hdr) {
		bool dump = (m->nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;

		st.dump_on_do += dump && m->op != OP_FLOW_DUMP && m->op != OP_OTHER;
		st.do_on_dump += m->gen_op == OP_FLOW_DUMP && !dump;
	}
	if (o.err) {
		int e = -o.err;

		if (e <= 0 || e >= 4096)
			e = 4095;
		st.errs[e]++;
		st.nomsg[e] += !o.msg[0];
		/*
		 * The genl core refuses without a message (EOPNOTSUPP, EPERM,
		 * no genl header); the family's policies and handlers say why.
		 */
		if (!o.msg[0] && m->full_hdr && m->op != OP_OTHER &&
		    o.err != -EOPNOTSUPP && o.err != -EPERM &&
		    st.op_nomsg++ < (opt.quiet ? 3u : 10u)) {
			nlt_diag("note: request %lu (replay: nlfuzz -s %llu -r %lu) refused %s without an extack message: %s",
			     i, (unsigned long long)opt.seed, i, errname(o.err), m->desc);
			hex("  request", m->nlh, m->send_len, HEX_MAX);
		}
		if (m->op == OP_CONFIG_SET)
			st.cset_err[e]++;
		if (!errno_expected(o.err)) {
			st.unexpected++;
			detail(i, m, &o, "unexpected errno %s", errname(o.err));
		}
	}

	if (m->expect_ok && !(opt.unpriv && mut)) {
		st.valid++;
		if (o.res != R_ACCEPTED) {
			st.valid_refused++;
			detail(i, m, &o, "a valid request was refused");
		}
	}
	if (opt.unpriv && mut && m->processed && m->full_hdr) {
		bool dump = (m->nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;

		st.unpriv_mut++;
		/*
		 * Since 6.2 the genl core looks an op up as do or dump before
		 * it checks the permission: a do-only op asked for a dump is
		 * refused with EOPNOTSUPP first (6.1: EPERM). Refused either way.
		 */
		if (o.err == -EOPNOTSUPP && dump)
			st.unpriv_dump_opnotsupp++;
		else if (o.err != -EPERM) {
			st.unpriv_bad++;
			detail(i, m, &o, "unprivileged mutating request answered %s, not EPERM",
			       o.err ? errname(o.err) : "success");
		}
	}

	if (mut && o.res == R_ACCEPTED) {
		cur_valid = false;	/* it may have changed the state */
		return true;
	}
	check = mut || opt.all;
	if (!check)
		return true;
	if (get_state(&after)) {
		st.dead = true;
		st.dead_at = i;
		nlt_diag("after request %lu: the module no longer answers", i);
		detail(i, m, &o, "the module stopped answering after this request");
		return false;
	}
	st.checked++;
	if (!same_cfg(&cur, &after) || after.flows < cur.flows) {
		st.violations++;
		if (cur_at == i)
			detail(i, m, &o, "the state changed although the request was %s",
			       o.res == R_IGNORED ? "not processed" : "refused");
		else
			detail(i, m, &o, "the state changed since request %lu (before it, the last check); this request was %s",
			       cur_at, o.res == R_IGNORED ? "not processed" : o.err ? "refused" : "accepted");
		state_diff(&cur, &after);
	}
	cur = after;
	cur_at = i + 1;
	return true;
}
