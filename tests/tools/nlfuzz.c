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
 *              with EPERM, and the reads must work.  The socket was opened
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

#include <linux/snapfire.h>

#include "nlt.h"

#define MSG_CAP		(72u << 10)	/* most bytes of a generated message */
#define MAX_TOP		512		/* top-level attributes remembered */
#define HEX_MAX		128		/* request bytes printed with a failure */
#define NOBODY		65534

static struct nlt T;

static struct {
	uint64_t seed;
	unsigned long count;
	unsigned long period;
	long long replay;
	bool unpriv;
	bool quiet;
	bool all;
} opt = { .seed = 1, .count = 100000, .period = 1000, .replay = -1 };


static const char *errname(int err)
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

/* ---------------------------------------------------------------- PRNG */

static uint64_t rs;		/* state of the current request's PRNG */

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd(void)
{
	return splitmix64(&rs);
}

/* 0..n-1 */
static uint32_t below(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

/* true with probability p % */
static bool pct(unsigned int p)
{
	return below(100) < p;
}

static void rbytes(void *p, size_t n)
{
	unsigned char *c = p;
	unsigned int style = below(8);
	size_t i;

	for (i = 0; i < n; i++) {
		switch (style) {
		case 0: c[i] = 0; break;
		case 1: c[i] = 0xff; break;
		case 2: c[i] = (unsigned char)below(4); break;
		default: c[i] = (unsigned char)rnd(); break;
		}
	}
}

/* Request @i of @seed gets a stream of its own. */
static void seed_request(uint64_t seed, unsigned long i)
{
	uint64_t s = seed;

	rs = splitmix64(&s) ^ ((uint64_t)i * 0xd1b54a32d192ed03ULL);
	rnd();
}

/* --------------------------------------------------------- the spec */

enum kind { K_U8, K_U16, K_U32, K_U64, K_BIN, K_FLAG, K_NEST, K_PAD, K_STR };

struct spec {
	uint16_t type;
	uint8_t kind;
	uint64_t min, max;	/* value range; lengths for K_BIN */
};

#define INT(t, k, lo, hi)	{ t, k, lo, hi }
#define U8MAX	0xffULL
#define U16MAX	0xffffULL
#define U32MAX	0xffffffffULL
#define U64MAX	(~0ULL)

/* config-set's request attributes and their policy (include/snapfire.yaml) */
static const struct spec config_specs[] = {
	INT(SNAPFIRE_A_CONFIG_ENABLED, K_U8, 0, 1),
	INT(SNAPFIRE_A_CONFIG_PORT, K_U16, 1, U16MAX),
	INT(SNAPFIRE_A_CONFIG_REFLECT, K_U8, 0, 1),
	INT(SNAPFIRE_A_CONFIG_REFLECT_MODE, K_U32, 0, SNAPFIRE_REFLECT_MODE_STATEFUL),
	INT(SNAPFIRE_A_CONFIG_RATE_LIMIT, K_U32, 0, U32MAX),
	INT(SNAPFIRE_A_CONFIG_RATE_BURST, K_U32, 1, U32MAX),
	INT(SNAPFIRE_A_CONFIG_ALLOW, K_NEST, 0, 0),
	INT(SNAPFIRE_A_CONFIG_ALLOW_CLEAR, K_FLAG, 0, 0),
	INT(SNAPFIRE_A_CONFIG_MAX_FLOWS, K_U32, 16, 4194304),
	INT(SNAPFIRE_A_CONFIG_IDLE_TIMEOUT, K_U32, 1, 604800),
	INT(SNAPFIRE_A_CONFIG_HIST_PRECISION, K_U8, 4, 8),
	INT(SNAPFIRE_A_CONFIG_CLOCK_SYNCED, K_U8, 0, 1),
	INT(SNAPFIRE_A_CONFIG_STAMP_TX, K_U8, 0, 1),
	INT(SNAPFIRE_A_CONFIG_RTT_THRESHOLD, K_U64, 0, U64MAX),
	INT(SNAPFIRE_A_CONFIG_LOSS_THRESHOLD, K_U32, 0, 1000000),
	INT(SNAPFIRE_A_CONFIG_WINDOW, K_U32, 1, 3600),
	INT(SNAPFIRE_A_CONFIG_EVENT_RATE, K_U32, 1, U32MAX),
	INT(SNAPFIRE_A_CONFIG_MIN_SOURCE_PORT, K_U16, 0, U16MAX),
	INT(SNAPFIRE_A_CONFIG_RATE_PREFIX6, K_U8, 1, 128),
	INT(SNAPFIRE_A_CONFIG_RATE_PREFIX4, K_U8, 1, 32),
	INT(SNAPFIRE_A_CONFIG_RATE_TOTAL, K_U32, 0, U32MAX),
	INT(SNAPFIRE_A_CONFIG_PAD, K_PAD, 0, 0),
};

static const struct spec prefix_specs[] = {
	INT(SNAPFIRE_A_PREFIX_FAMILY, K_U8, 0, U8MAX),
	INT(SNAPFIRE_A_PREFIX_ADDR, K_BIN, 4, 16),
	INT(SNAPFIRE_A_PREFIX_PLEN, K_U8, 0, 128),
};

/* every flow attribute, with the request policy's ranges where it has one */
static const struct spec flow_specs[] = {
	INT(SNAPFIRE_A_FLOW_ID, K_U64, 0, U64MAX),
	INT(SNAPFIRE_A_FLOW_ROLE, K_U32, SNAPFIRE_ROLE_SENDER, SNAPFIRE_ROLE_REFLECTOR),
	INT(SNAPFIRE_A_FLOW_FAMILY, K_U8, 0, U8MAX),
	INT(SNAPFIRE_A_FLOW_LOCAL_ADDR, K_BIN, 4, 16),
	INT(SNAPFIRE_A_FLOW_REMOTE_ADDR, K_BIN, 4, 16),
	INT(SNAPFIRE_A_FLOW_LOCAL_PORT, K_U16, 0, U16MAX),
	INT(SNAPFIRE_A_FLOW_REMOTE_PORT, K_U16, 0, U16MAX),
	INT(SNAPFIRE_A_FLOW_SSID, K_U16, 0, U16MAX),
	INT(SNAPFIRE_A_FLOW_CREATED, K_U64, 0, U64MAX),
	INT(SNAPFIRE_A_FLOW_LAST_SEEN, K_U64, 0, U64MAX),
	INT(SNAPFIRE_A_FLOW_TX, K_U64, 0, U64MAX),
	INT(SNAPFIRE_A_FLOW_RX, K_U64, 0, U64MAX),
	INT(SNAPFIRE_A_FLOW_LOST, K_U64, 0, U64MAX),
	INT(SNAPFIRE_A_FLOW_REORDERED, K_U64, 0, U64MAX),
	INT(SNAPFIRE_A_FLOW_DUPLICATES, K_U64, 0, U64MAX),
	INT(SNAPFIRE_A_FLOW_REV_LOST, K_U64, 0, U64MAX),
	INT(SNAPFIRE_A_FLOW_RESTARTS, K_U64, 0, U64MAX),
	INT(SNAPFIRE_A_FLOW_JITTER, K_U64, 0, U64MAX),
	INT(SNAPFIRE_A_FLOW_SYNCED, K_U8, 0, 1),
	INT(SNAPFIRE_A_FLOW_PEER_TTL, K_U8, 0, U8MAX),
	INT(SNAPFIRE_A_FLOW_MEM, K_U32, 0, U32MAX),
	INT(SNAPFIRE_A_FLOW_HIST, K_NEST, 0, 0),
	INT(SNAPFIRE_A_FLOW_HIST_MASK, K_U32, 0, (1u << (SNAPFIRE_METRIC_MAX + 1)) - 1),
	INT(SNAPFIRE_A_FLOW_PAD, K_PAD, 0, 0),
};

static const struct spec status_specs[] = {
	INT(SNAPFIRE_A_STATUS_VERSION, K_STR, 0, 0),
	INT(SNAPFIRE_A_STATUS_COUNTERS, K_NEST, 0, 0),
	INT(SNAPFIRE_A_STATUS_GLOBAL_COUNTERS, K_NEST, 0, 0),
	INT(SNAPFIRE_A_STATUS_FLOWS, K_U32, 0, U32MAX),
	INT(SNAPFIRE_A_STATUS_MEM, K_U64, 0, U64MAX),
	INT(SNAPFIRE_A_STATUS_GLOBAL_MEM, K_U64, 0, U64MAX),
	INT(SNAPFIRE_A_STATUS_PAD, K_PAD, 0, 0),
};

#define NSPECS(a)	(sizeof(a) / sizeof((a)[0]))

static const struct spec *find_spec(const struct spec *s, size_t n, uint16_t type)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i].type == type)
			return &s[i];
	return NULL;
}

enum {
	OP_CONFIG_GET,
	OP_CONFIG_SET,
	OP_STATUS_GET,
	OP_FLOW_GET,
	OP_FLOW_DUMP,
	OP_FLOW_DEL,
	OP_FLOW_RESET,
	OP_OTHER,		/* no such command: 0, event, > max */
	OP_N
};

static const struct opdesc {
	const char *name;
	uint8_t cmd;
	bool dump;
	bool mutating;
	uint16_t maxattr;		/* of the op's policy */
	const struct spec *specs;	/* its attribute set */
	size_t nspecs;
	unsigned int weight;		/* % of the requests */
} ops[OP_N] = {
	[OP_CONFIG_GET] = { "config-get", SNAPFIRE_CMD_CONFIG_GET, false, false, 1,
			    config_specs, NSPECS(config_specs), 8 },
	[OP_CONFIG_SET] = { "config-set", SNAPFIRE_CMD_CONFIG_SET, false, true,
			    SNAPFIRE_A_CONFIG_PAD - 1,
			    config_specs, NSPECS(config_specs), 30 },
	[OP_STATUS_GET] = { "status-get", SNAPFIRE_CMD_STATUS_GET, false, false, 1,
			    status_specs, NSPECS(status_specs), 8 },
	[OP_FLOW_GET] = { "flow-get", SNAPFIRE_CMD_FLOW_GET, false, false,
			  SNAPFIRE_A_FLOW_HIST_MASK, flow_specs, NSPECS(flow_specs), 11 },
	[OP_FLOW_DUMP] = { "flow-get-dump", SNAPFIRE_CMD_FLOW_GET, true, false,
			   SNAPFIRE_A_FLOW_HIST_MASK, flow_specs, NSPECS(flow_specs), 11 },
	[OP_FLOW_DEL] = { "flow-del", SNAPFIRE_CMD_FLOW_DEL, false, true,
			  SNAPFIRE_A_FLOW_ID, flow_specs, NSPECS(flow_specs), 11 },
	[OP_FLOW_RESET] = { "flow-reset", SNAPFIRE_CMD_FLOW_RESET, false, true,
			    SNAPFIRE_A_FLOW_ID, flow_specs, NSPECS(flow_specs), 11 },
	[OP_OTHER] = { "other-cmd", 0, false, false, 0,
		       config_specs, NSPECS(config_specs), 10 },
};

/* The op the kernel dispatches a request to: its genl cmd and flags. */
static int op_of(uint8_t cmd, uint16_t flags)
{
	bool dump = (flags & NLM_F_DUMP) == NLM_F_DUMP;

	switch (cmd) {
	case SNAPFIRE_CMD_CONFIG_GET: return OP_CONFIG_GET;
	case SNAPFIRE_CMD_CONFIG_SET: return OP_CONFIG_SET;
	case SNAPFIRE_CMD_STATUS_GET: return OP_STATUS_GET;
	case SNAPFIRE_CMD_FLOW_GET: return dump ? OP_FLOW_DUMP : OP_FLOW_GET;
	case SNAPFIRE_CMD_FLOW_DEL: return OP_FLOW_DEL;
	case SNAPFIRE_CMD_FLOW_RESET: return OP_FLOW_RESET;
	}
	return OP_OTHER;
}

/* ------------------------------------------------------ message builder */

static unsigned char reqbuf[MSG_CAP + 4096] __attribute__((aligned(8)));
static size_t reqdirty;		/* bytes of reqbuf written since it was zeroed */

/* Note that reqbuf was written up to offset @end (zeroed for the next one). */
static void touch(size_t end)
{
	if (end > reqdirty)
		reqdirty = end < sizeof(reqbuf) ? end : sizeof(reqbuf);
}

struct req {
	struct nlmsghdr *nlh;		/* reqbuf */
	uint32_t send_len;		/* bytes given to sendto() */
	unsigned int natt;
	uint32_t att[MAX_TOP];		/* offsets of the top-level attributes */
	int depth;			/* nests open */
	int gen_op;			/* op it was built for */
	int op;				/* op the kernel dispatches it to */
	bool expect_ok;			/* valid: must be accepted (as root) */
	bool processed;			/* a request the kernel handles */
	bool full_hdr;			/* has a whole genl header */
	char desc[240];
};

static void tag(struct req *m, const char *fmt, ...)
{
	size_t l = strlen(m->desc);
	va_list ap;

	if (l + 2 >= sizeof(m->desc))
		return;
	if (l)
		m->desc[l++] = ' ';
	va_start(ap, fmt);
	vsnprintf(m->desc + l, sizeof(m->desc) - l, fmt, ap);
	va_end(ap);
}

static uint32_t tail_off(const struct req *m)
{
	return MNL_ALIGN(m->nlh->nlmsg_len);
}

static struct nlattr *attr_at(const struct req *m, uint32_t off)
{
	return (struct nlattr *)((char *)m->nlh + off);
}

/*
 * Append an attribute with @len payload bytes (@data, or random bytes if
 * NULL) and an nla_len of NLA_HDRLEN + @len; NULL if it does not fit.
 */
static struct nlattr *put(struct req *m, uint16_t type, size_t len, const void *data)
{
	uint32_t off = tail_off(m);
	struct nlattr *a;

	if (len > 65000 || off + MNL_ALIGN(NLA_HDRLEN + len) > MSG_CAP)
		return NULL;
	a = attr_at(m, off);
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (data)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	else
		rbytes((char *)a + NLA_HDRLEN, len);
	memset((char *)a + NLA_HDRLEN + len, 0, MNL_ALIGN(len) - len);
	m->nlh->nlmsg_len = off + MNL_ALIGN(NLA_HDRLEN + len);
	touch(m->nlh->nlmsg_len);
	if (!m->depth && m->natt < MAX_TOP)
		m->att[m->natt++] = off;
	return a;
}

static struct nlattr *nest_start(struct req *m, uint16_t type)
{
	struct nlattr *a = put(m, type | NLA_F_NESTED, 0, NULL);

	if (a)
		m->depth++;
	return a;
}

static void nest_end(struct req *m, struct nlattr *a)
{
	size_t len = (size_t)((char *)m->nlh + m->nlh->nlmsg_len - (char *)a);

	m->depth--;
	a->nla_len = (uint16_t)(len > 0xffff ? 0xffff : len);
}

static void put_int(struct req *m, uint16_t type, int kind, uint64_t v)
{
	uint8_t u8 = (uint8_t)v;
	uint16_t u16 = (uint16_t)v;
	uint32_t u32 = (uint32_t)v;

	switch (kind) {
	case K_U8: put(m, type, 1, &u8); break;
	case K_U16: put(m, type, 2, &u16); break;
	case K_U32: put(m, type, 4, &u32); break;
	default: put(m, type, 8, &v); break;
	}
}

static int kind_size(int kind)
{
	switch (kind) {
	case K_U8: return 1;
	case K_U16: return 2;
	case K_U32: return 4;
	case K_U64: case K_PAD: return 8;
	}
	return 0;
}

static uint64_t kind_max(int kind)
{
	switch (kind) {
	case K_U8: return U8MAX;
	case K_U16: return U16MAX;
	case K_U32: return U32MAX;
	}
	return U64MAX;
}

/* A wrong payload length: 0, 1, 3, 7, 9, 17 and others, sometimes large. */
static size_t wrong_len(void)
{
	static const size_t lens[] = { 0, 1, 2, 3, 5, 6, 7, 9, 12, 15, 16, 17, 20, 33 };

	if (pct(88))
		return lens[below(NSPECS(lens))];
	if (pct(70))
		return 64 + below(1024);
	if (pct(70))
		return 1024 + below(8192);
	return 60000 + below(5001);
}

/* A value of @s: in its range (boundaries likely) or, if !@sane, out of it. */
static uint64_t gen_value(const struct spec *s, bool sane)
{
	uint64_t tmax = kind_max(s->kind), span;
	uint64_t out[6];
	unsigned int n = 0;

	if (!sane) {
		if (s->min > 0) {
			out[n++] = 0;
			out[n++] = s->min - 1;
			out[n++] = rnd() % s->min;
		}
		if (s->max < tmax) {
			out[n++] = s->max + 1;
			out[n++] = tmax;
			out[n++] = s->max + 1 + rnd() % (tmax - s->max);
		}
		if (n)
			return out[below(n)];
	}
	switch (below(7)) {
	case 0: return s->min;
	case 1: return s->max;
	case 2: return s->min < s->max ? s->min + 1 : s->min;
	case 3: return s->max > s->min ? s->max - 1 : s->max;
	}
	span = s->max - s->min;
	if (pct(50) && span > 1000)
		span = 1000;
	if (span == U64MAX)
		return rnd();
	return s->min + rnd() % (span + 1);
}

/* Can no value of @s's kind be out of its range? */
static bool full_range(const struct spec *s)
{
	return s->min == 0 && s->max == kind_max(s->kind);
}

/* A scalar attribute of @s; if !@sane, out of range or of the wrong size. */
static void gen_scalar(struct req *m, const struct spec *s, bool sane)
{
	int size;

	if (sane || (!full_range(s) && pct(60))) {
		put_int(m, s->type, s->kind, gen_value(s, sane));
		return;
	}
	/* the wrong size: another integer's, or one of the odd lengths */
	do {
		size = pct(60) ? (1 << below(4)) : (int)wrong_len();
	} while (size == kind_size(s->kind));
	put(m, s->type, (size_t)size, NULL);
}

/* --------------------------------------------------- config-set parts */

struct pfx {
	uint8_t family, plen, alen;
	uint8_t addr[16];
};

static void rand_prefix(struct pfx *p)
{
	unsigned int bits, i;

	memset(p, 0, sizeof(*p));
	p->family = pct(50) ? AF_INET : AF_INET6;
	p->alen = p->family == AF_INET ? 4 : 16;
	bits = p->alen * 8u;
	p->plen = (uint8_t)(pct(20) ? bits : pct(10) ? 0 : below(bits + 1));
	rbytes(p->addr, p->alen);
	for (i = p->plen; i < bits; i++)
		p->addr[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
}

static bool pfx_eq(const struct pfx *a, const struct pfx *b)
{
	return a->family == b->family && a->plen == b->plen &&
	       !memcmp(a->addr, b->addr, sizeof(a->addr));
}

enum {
	PF_OK, PF_HOSTBITS, PF_PLEN, PF_ALEN, PF_FAMILY, PF_MISSING,
	PF_UNKNOWN, PF_FAMILY_U32, PF_ALEN_POLICY, PF_N
};

/* One allow nest for @p, with fault @fault; the three in a random order. */
static void put_prefix(struct req *m, const struct pfx *p, int fault)
{
	unsigned int bits = p->alen * 8u, order = below(6), i, skip = below(3);
	static const uint8_t orders[6][3] = {
		{ 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 }, { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 }
	};
	struct pfx q = *p;
	struct nlattr *n;
	size_t alen = q.alen;

	switch (fault) {
	case PF_HOSTBITS:
		q.plen = (uint8_t)below(bits);
		i = q.plen + below(bits - q.plen);
		q.addr[i / 8] |= (uint8_t)(0x80u >> (i % 8));
		break;
	case PF_PLEN:
		q.plen = (uint8_t)(bits + 1 + below(256 - bits - 1));
		break;
	case PF_ALEN:
		alen = q.family == AF_INET ? 16 : 4;
		if (pct(50))
			alen = 5 + below(11);
		break;
	case PF_FAMILY:
		q.family = (uint8_t)(pct(50) ? 7 : rnd());
		if (q.family == AF_INET || q.family == AF_INET6)
			q.family = 0;
		break;
	case PF_ALEN_POLICY:
		alen = pct(50) ? below(4) : 17 + below(40);
		break;
	}

	n = nest_start(m, SNAPFIRE_A_CONFIG_ALLOW);
	if (!n)
		return;
	for (i = 0; i < 3; i++) {
		unsigned int which = orders[order][i];

		if (fault == PF_MISSING && which == skip)
			continue;
		if (which == 0) {
			if (fault == PF_FAMILY_U32)
				put_int(m, SNAPFIRE_A_PREFIX_FAMILY, K_U32, q.family);
			else
				put_int(m, SNAPFIRE_A_PREFIX_FAMILY, K_U8, q.family);
		} else if (which == 1) {
			uint8_t buf[64];

			rbytes(buf, sizeof(buf));
			memcpy(buf, q.addr, alen < 16 ? alen : 16);
			put(m, SNAPFIRE_A_PREFIX_ADDR, alen, buf);
		} else {
			put_int(m, SNAPFIRE_A_PREFIX_PLEN, K_U8, q.plen);
		}
	}
	if (fault == PF_UNKNOWN)
		put(m, pct(50) ? 0 : SNAPFIRE_A_PREFIX_MAX + 1 + below(8), below(9), NULL);
	nest_end(m, n);
}

/* Allow prefixes; @many: more than SNAPFIRE_MAX_ALLOW (E2BIG). */
static void gen_allow(struct req *m, bool sane, bool many)
{
	struct pfx p[SNAPFIRE_MAX_ALLOW + 4];
	unsigned int n, i, j, bad = ~0u;
	int fault = PF_OK;

	n = pct(70) ? 1 + below(3) : 1 + below(SNAPFIRE_MAX_ALLOW);
	if (!sane || many) {
		switch (many ? 0 : below(3)) {
		case 0:		/* too many: E2BIG */
			n = SNAPFIRE_MAX_ALLOW + 1 + below(3);
			tag(m, "allow*%u", n);
			break;
		case 1:		/* a duplicate */
			n = n < 2 ? 2 : n;
			bad = 1 + below(n - 1);
			tag(m, "allow-dup");
			break;
		default:	/* one faulty prefix */
			bad = below(n);
			fault = 1 + (int)below(PF_N - 1);
			tag(m, "allow-fault%d", fault);
			break;
		}
	}
	for (i = 0; i < n; i++) {
		bool fresh;

		do {
			rand_prefix(&p[i]);
			fresh = true;
			for (j = 0; j < i; j++)
				fresh &= !pfx_eq(&p[i], &p[j]);
		} while (!fresh);
		if (i == bad && fault == PF_OK)
			p[i] = p[below(i)];
		put_prefix(m, &p[i], i == bad ? fault : PF_OK);
	}
}

/* Ports; @many: more than SNAPFIRE_MAX_PORTS (E2BIG). */
static void gen_ports(struct req *m, bool sane, bool many)
{
	uint16_t port[SNAPFIRE_MAX_PORTS + 4];
	unsigned int n = 1 + below(SNAPFIRE_MAX_PORTS), i, j;
	unsigned int how = many ? 1 : sane ? 0 : 1 + below(3);
	bool fresh;

	if (how == 1) {
		n = SNAPFIRE_MAX_PORTS + 1 + below(4);
		tag(m, "port*%u", n);
	}
	for (i = 0; i < n; i++) {
		do {
			port[i] = (uint16_t)(pct(30) ? 862 + below(8) : 1 + below(65535));
			fresh = true;
			for (j = 0; j < i; j++)
				fresh &= port[i] != port[j];
		} while (!fresh);
	}
	if (how == 2) {		/* a duplicate */
		if (n < 2)
			n = 2;
		i = 1 + below(n - 1);
		port[i] = port[below(i)];
		tag(m, "port-dup");
	} else if (how == 3) {	/* port 0, or one of the wrong size */
		i = below(n);
		tag(m, "port-bad");
		for (j = 0; j < n; j++) {
			if (j == i && pct(50))
				put(m, SNAPFIRE_A_CONFIG_PORT, wrong_len() | 1, NULL);
			else
				put_int(m, SNAPFIRE_A_CONFIG_PORT, K_U16, j == i ? 0 : port[j]);
		}
		return;
	}
	for (i = 0; i < n; i++)
		put_int(m, SNAPFIRE_A_CONFIG_PORT, K_U16, port[i]);
}

/* One attribute of config-set, sane or not. */
static void gen_config_attr(struct req *m, const struct spec *s, bool sane)
{
	switch (s->kind) {
	case K_NEST:
		gen_allow(m, sane, false);
		return;
	case K_FLAG:
		put(m, s->type, sane ? 0 : 1 + below(8), NULL);
		if (!sane)
			tag(m, "flag-payload");
		return;
	case K_PAD:
		put_int(m, s->type, K_U64, 0);
		tag(m, "pad");
		return;
	}
	if (s->type == SNAPFIRE_A_CONFIG_PORT) {
		gen_ports(m, sane, false);
		return;
	}
	if (!sane)
		tag(m, "bad-%u", s->type);
	gen_scalar(m, s, sane);
}

static void gen_config_set(struct req *m, unsigned int psane)
{
	const size_t nspecs = NSPECS(config_specs);
	bool used[NSPECS(config_specs)] = { false };
	unsigned int k = below(5) + (pct(15) ? 4 + below(6) : 0), i;

	/* the list limits, alone or among the rest */
	if (psane < 100 && pct(8)) {
		m->expect_ok = false;
		if (pct(50)) {
			gen_ports(m, false, true);
			used[SNAPFIRE_A_CONFIG_PORT - 1] = true;
		} else {
			gen_allow(m, false, true);
			used[SNAPFIRE_A_CONFIG_ALLOW - 1] = true;
			used[SNAPFIRE_A_CONFIG_ALLOW_CLEAR - 1] = true;
		}
		k = below(3);
	}

	for (i = 0; i < k; i++) {
		size_t j = below((uint32_t)nspecs);
		const struct spec *s = &config_specs[j];
		bool sane = pct(psane);

		if (used[j])
			continue;
		if (s->kind == K_PAD && sane)
			continue;
		/* allow and allow-clear exclude each other */
		if (s->type == SNAPFIRE_A_CONFIG_ALLOW)
			used[SNAPFIRE_A_CONFIG_ALLOW_CLEAR - 1] |= sane;
		if (s->type == SNAPFIRE_A_CONFIG_ALLOW_CLEAR)
			used[SNAPFIRE_A_CONFIG_ALLOW - 1] |= sane;
		if (used[j])	/* allow-clear was taken out */
			continue;
		used[j] = true;
		if (!sane)
			m->expect_ok = false;
		gen_config_attr(m, s, sane);
	}
}

/* ------------------------------------------------------ flow parts */

static uint64_t flow_id(void)
{
	switch (below(4)) {
	case 0: return 0;		/* del/reset: every flow */
	case 1: return 1 + below(16);
	case 2: return rnd() >> below(64);
	}
	return rnd();
}

static void put_addr(struct req *m, uint16_t type, bool sane)
{
	size_t len = pct(50) ? 4 : 16;

	if (!sane)
		len = pct(50) ? 5 + below(11) : wrong_len();
	put(m, type, len, NULL);
}

static void gen_flow_get(struct req *m, unsigned int psane)
{
	const struct spec *mask = find_spec(flow_specs, NSPECS(flow_specs),
					    SNAPFIRE_A_FLOW_HIST_MASK);
	bool sane = pct(psane);

	/* no flows in the namespace: a valid get answers ENOENT */
	m->expect_ok = false;
	if (sane || pct(50))
		put_int(m, SNAPFIRE_A_FLOW_ID, K_U64, flow_id());
	else
		tag(m, "no-id");
	if (pct(50))
		gen_scalar(m, mask, sane || pct(50));
	if (!sane) {
		const struct spec *s = &flow_specs[below(NSPECS(flow_specs))];

		tag(m, "extra-%u", s->type);
		if (s->kind == K_BIN)
			put_addr(m, s->type, pct(50));
		else if (s->kind == K_NEST)
			put(m, s->type | NLA_F_NESTED, below(20), NULL);
		else
			gen_scalar(m, s, pct(50));
	}
}

static void gen_flow_dump(struct req *m, unsigned int psane)
{
	static const uint16_t filters[] = {
		SNAPFIRE_A_FLOW_ROLE, SNAPFIRE_A_FLOW_REMOTE_ADDR,
		SNAPFIRE_A_FLOW_LOCAL_PORT, SNAPFIRE_A_FLOW_REMOTE_PORT,
		SNAPFIRE_A_FLOW_SSID, SNAPFIRE_A_FLOW_HIST_MASK,
	};
	unsigned int i;

	for (i = 0; i < NSPECS(filters); i++) {
		const struct spec *s = find_spec(flow_specs, NSPECS(flow_specs),
						 filters[i]);
		bool sane = pct(psane);

		if (!pct(35))
			continue;
		if (!sane) {
			m->expect_ok = false;
			tag(m, "bad-%u", s->type);
		}
		if (s->kind == K_BIN)
			put_addr(m, s->type, sane);
		else
			gen_scalar(m, s, sane);
	}
	if (!pct(psane)) {
		const struct spec *s = &flow_specs[below(NSPECS(flow_specs))];

		m->expect_ok = false;
		tag(m, "extra-%u", s->type);
		if (s->kind == K_BIN)
			put_addr(m, s->type, true);
		else if (s->kind == K_NEST)
			put(m, s->type | NLA_F_NESTED, below(20), NULL);
		else
			put_int(m, s->type, s->kind, gen_value(s, true));
	}
}

static void gen_flow_id_op(struct req *m, unsigned int psane)
{
	bool sane = pct(psane);

	if (sane || pct(30)) {
		if (pct(70)) {
			uint64_t id = flow_id();

			put_int(m, SNAPFIRE_A_FLOW_ID, K_U64, id);
			/* no flows: a valid id answers ENOENT, 0 means all */
			m->expect_ok &= id == 0;
		}
		if (sane)
			return;
	}
	m->expect_ok = false;
	if (pct(50)) {
		tag(m, "id-len");
		put(m, SNAPFIRE_A_FLOW_ID, pct(50) ? (size_t)(1 << below(3)) : wrong_len(), NULL);
	} else {
		const struct spec *s = &flow_specs[below(NSPECS(flow_specs))];

		tag(m, "extra-%u", s->type);
		put_int(m, s->type, s->kind == K_BIN || s->kind == K_NEST ? K_U32 : s->kind,
			gen_value(s, true));
	}
}

/* Attributes the read-only requests take: none. */
static void gen_no_attrs(struct req *m, unsigned int psane)
{
	const struct opdesc *o = &ops[m->gen_op];
	const struct spec *s;

	if (pct(psane))
		return;
	m->expect_ok = false;
	s = &o->specs[below((uint32_t)o->nspecs)];
	tag(m, "extra-%u", s->type);
	if (s->kind == K_NEST)
		put(m, s->type | NLA_F_NESTED, below(20), NULL);
	else if (s->kind == K_FLAG || s->kind == K_BIN || s->kind == K_STR)
		put(m, s->type, below(17), NULL);
	else
		put_int(m, s->type, s->kind, gen_value(s, true));
}

/* Random TLVs: types 0 .. max + 2 or anything, random lengths and flags. */
static void gen_random_tlvs(struct req *m)
{
	const struct opdesc *o = &ops[m->gen_op];
	unsigned int k = 1 + below(8), i;

	tag(m, "random-tlvs*%u", k);
	for (i = 0; i < k; i++) {
		uint16_t type = (uint16_t)(pct(80) ? below(o->maxattr + 3u) : below(0x4000));
		size_t len = pct(50) ? (size_t)(1 << below(4)) : wrong_len();

		if (pct(10))
			type |= NLA_F_NESTED;
		if (pct(5))
			type |= NLA_F_NET_BYTEORDER;
		put(m, type, len, NULL);
	}
}

/* ------------------------------------------------------ mutations */

static uint16_t odd_type(const struct req *m)
{
	uint16_t max = ops[m->gen_op].maxattr;

	switch (below(4)) {
	case 0: return 0;
	case 1: return (uint16_t)(max + 1);
	case 2: return (uint16_t)(max + 1 + below(8));
	}
	return (uint16_t)below(0x4000);
}

static struct nlattr *pick_attr(const struct req *m)
{
	return m->natt ? attr_at(m, m->att[below(m->natt)]) : NULL;
}

/* A nest of type @type full of garbage. */
static void put_garbage_nest(struct req *m, uint16_t type)
{
	struct nlattr *n = nest_start(m, type), *c;
	unsigned int k, i;

	if (!n)
		return;
	switch (below(5)) {
	case 0:		/* raw bytes */
		k = (unsigned int)(pct(80) ? below(40) : wrong_len() % 60000);
		if (tail_off(m) + k <= MSG_CAP) {
			rbytes((char *)m->nlh + m->nlh->nlmsg_len, k);
			m->nlh->nlmsg_len += k;
			touch(m->nlh->nlmsg_len);
		}
		tag(m, "bytes");
		break;
	case 1:		/* random sub-attributes */
		k = 1 + below(6);
		for (i = 0; i < k; i++)
			put(m, (uint16_t)(pct(50) ? prefix_specs[below(NSPECS(prefix_specs))].type :
					  pct(70) ? below(6) : below(0x4000)),
			    pct(50) ? (size_t)(1 << below(5)) : wrong_len() % 4096, NULL);
		tag(m, "tlvs");
		break;
	case 2:		/* a child whose nla_len runs past the nest */
		c = put(m, (uint16_t)(1 + below(3)), below(16), NULL);
		if (c)
			c->nla_len = (uint16_t)(c->nla_len + 1 + below(200));
		tag(m, "child-overrun");
		break;
	case 3:		/* a child shorter than its header */
		c = put(m, (uint16_t)(1 + below(3)), 4, NULL);
		if (c)
			c->nla_len = (uint16_t)below(NLA_HDRLEN);
		tag(m, "child-short");
		break;
	default:	/* nests in the nest */
		c = nest_start(m, (uint16_t)(1 + below(4)));
		if (c) {
			put(m, (uint16_t)below(5), below(20), NULL);
			nest_end(m, c);
		}
		tag(m, "nest-in-nest");
		break;
	}
	nest_end(m, n);
	if (pct(20))
		n->nla_type &= (uint16_t)~NLA_F_NESTED;
}

/* Attributes appended to a built request. */
static void mutate_append(struct req *m)
{
	const struct opdesc *o = &ops[m->gen_op];
	const struct spec *s = &o->specs[below((uint32_t)o->nspecs)];
	struct nlattr *a, *n;
	uint16_t t;

	switch (below(7)) {
	case 0:		/* type 0 or above the policy's maximum */
		t = odd_type(m);
		tag(m, "+type%u", t);
		put(m, t, pct(50) ? (size_t)(1 << below(4)) : wrong_len(), NULL);
		break;
	case 1:		/* a duplicate of an attribute */
		a = pick_attr(m);
		if (a && a->nla_len >= NLA_HDRLEN && a->nla_len <= 4096) {
			unsigned char tmp[4096];
			uint16_t type = a->nla_type;
			size_t len = a->nla_len - NLA_HDRLEN;

			memcpy(tmp, (char *)a + NLA_HDRLEN, len);
			tag(m, "+dup%u", type & NLA_TYPE_MASK);
			put(m, type, len, tmp);
		}
		break;
	case 2:		/* a known type with a wrong length */
		tag(m, "+len-%u", s->type);
		put(m, s->type, wrong_len(), NULL);
		break;
	case 3:		/* a nest type filled with garbage */
		t = m->gen_op == OP_CONFIG_SET || m->gen_op == OP_CONFIG_GET ?
		    SNAPFIRE_A_CONFIG_ALLOW :
		    m->gen_op == OP_STATUS_GET ? SNAPFIRE_A_STATUS_COUNTERS :
		    pct(50) ? SNAPFIRE_A_FLOW_HIST : odd_type(m);
		if (pct(15))
			t = odd_type(m);
		tag(m, "+garbage-nest%u", t);
		put_garbage_nest(m, t);
		break;
	case 4:		/* a scalar type holding a nest */
		tag(m, "+nested-scalar%u", s->type);
		n = nest_start(m, s->type);
		if (n) {
			put(m, (uint16_t)(1 + below(4)), 1u << below(4), NULL);
			if (pct(50))
				put(m, (uint16_t)(1 + below(4)), below(9), NULL);
			nest_end(m, n);
			if (pct(30))
				n->nla_type &= (uint16_t)~NLA_F_NESTED;
		}
		break;
	case 5:		/* a valid allow prefix (config-set), else a random one */
		if (m->gen_op == OP_CONFIG_SET && pct(20)) {
			tag(m, "+limits");
			if (pct(50))
				gen_ports(m, true, true);
			else
				gen_allow(m, true, true);
		} else if (m->gen_op == OP_CONFIG_SET) {
			struct pfx p;

			rand_prefix(&p);
			tag(m, "+prefix");
			put_prefix(m, &p, pct(50) ? PF_OK : 1 + (int)below(PF_N - 1));
		} else {
			tag(m, "+prefix-nest");
			put_garbage_nest(m, SNAPFIRE_A_CONFIG_ALLOW);
		}
		break;
	default:	/* a valid-looking attribute of another op's set */
		s = pct(50) ? &config_specs[below(NSPECS(config_specs))] :
			      &flow_specs[below(NSPECS(flow_specs))];
		tag(m, "+foreign%u", s->type);
		if (s->kind == K_BIN)
			put(m, s->type, pct(50) ? 4 : 16, NULL);
		else if (s->kind == K_NEST)
			put_garbage_nest(m, s->type);
		else if (s->kind == K_FLAG)
			put(m, s->type, 0, NULL);
		else
			put_int(m, s->type, s->kind, gen_value(s, true));
		break;
	}
}

/* Changes in place: types, flags, lengths, bytes. */
static void mutate_inplace(struct req *m)
{
	struct nlattr *a = pick_attr(m), *c;
	uint32_t end = m->nlh->nlmsg_len, i, k;

	if (!a)
		return;
	switch (below(6)) {
	case 0:		/* toggle NLA_F_NESTED (set on a scalar, clear on a nest) */
		a->nla_type ^= NLA_F_NESTED;
		tag(m, "~nested%u", a->nla_type & NLA_TYPE_MASK);
		break;
	case 1:		/* NLA_F_NET_BYTEORDER */
		a->nla_type |= NLA_F_NET_BYTEORDER;
		tag(m, "~byteorder%u", a->nla_type & NLA_TYPE_MASK);
		break;
	case 2:		/* retype */
		a->nla_type = (uint16_t)((a->nla_type & ~NLA_TYPE_MASK) |
					 (pct(70) ? below(ops[m->gen_op].maxattr + 3u) : below(0x4000)));
		tag(m, "~type%u", a->nla_type & NLA_TYPE_MASK);
		break;
	case 3:		/* shrink nla_len: the rest parses as the next attribute */
		if (a->nla_len > NLA_HDRLEN) {
			a->nla_len = (uint16_t)(below(a->nla_len));
			tag(m, "~nla_len%u", a->nla_len);
		}
		break;
	case 4:		/* a nest's first child gets a bad nla_len */
		if ((a->nla_type & NLA_F_NESTED) && a->nla_len >= 2 * NLA_HDRLEN) {
			c = (struct nlattr *)((char *)a + NLA_HDRLEN);
			c->nla_len = pct(50) ? (uint16_t)below(NLA_HDRLEN) :
					       (uint16_t)(a->nla_len + below(64));
			tag(m, "~child-len%u", c->nla_len);
		} else {
			a->nla_len = (uint16_t)(a->nla_len + 1 + below(3));
			tag(m, "~nla_len+");
		}
		break;
	default:	/* flip bytes after the genl header */
		k = 1 + below(4);
		if (end <= NLMSG_HDRLEN + GENL_HDRLEN)
			break;
		for (i = 0; i < k; i++) {
			uint32_t off = NLMSG_HDRLEN + GENL_HDRLEN +
				       below(end - NLMSG_HDRLEN - GENL_HDRLEN);

			((unsigned char *)m->nlh)[off] ^= (unsigned char)(1 + below(255));
		}
		tag(m, "~flip*%u", k);
		break;
	}
}

/* The end of the message: truncated headers, nla_len past the end. */
static void mutate_tail(struct req *m)
{
	uint32_t off = tail_off(m), k;
	struct nlattr *a;

	if (off + 64 > MSG_CAP)
		return;
	a = attr_at(m, off);
	touch(off + 64);
	switch (below(5)) {
	case 0:		/* 1-3 bytes of an attribute header */
		k = 1 + below(3);
		rbytes(a, k);
		m->nlh->nlmsg_len = off + k;
		tag(m, "$hdr%u", k);
		break;
	case 1:		/* nla_len beyond the message */
		k = below(16);
		a->nla_type = (uint16_t)below(ops[m->gen_op].maxattr + 2u);
		a->nla_len = (uint16_t)(pct(80) ? NLA_HDRLEN + k + 1 + below(100) : 0xffff);
		rbytes((char *)a + NLA_HDRLEN, k);
		m->nlh->nlmsg_len = off + NLA_HDRLEN + k;
		tag(m, "$overrun%u", a->nla_len);
		break;
	case 2:		/* nla_len below the header size */
		k = below(12);
		a->nla_type = (uint16_t)below(ops[m->gen_op].maxattr + 2u);
		a->nla_len = (uint16_t)below(NLA_HDRLEN);
		rbytes((char *)a + NLA_HDRLEN, k);
		m->nlh->nlmsg_len = off + NLA_HDRLEN + k;
		tag(m, "$short%u", a->nla_len);
		break;
	case 3:		/* cut the message anywhere after the genl header */
		if (m->nlh->nlmsg_len > NLMSG_HDRLEN + GENL_HDRLEN) {
			m->nlh->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN +
				below(m->nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN);
			tag(m, "$cut%u", m->nlh->nlmsg_len);
		}
		break;
	default:	/* an existing attribute's nla_len runs past the end */
		a = pick_attr(m);
		if (a) {
			k = (uint32_t)(m->nlh->nlmsg_len - ((char *)a - (char *)m->nlh));
			k += 1 + below(pct(80) ? 64 : 0x10000);
			a->nla_len = (uint16_t)(k > 0xffff ? 0xffff : k);
			tag(m, "$attr-overrun%u", a->nla_len);
		}
		break;
	}
}

/* The netlink and genl headers. */
static void mutate_headers(struct req *m)
{
	struct genlmsghdr *g = mnl_nlmsg_get_payload(m->nlh);
	struct nlmsghdr *nlh = m->nlh;
	bool changed = false;

	if (pct(6)) {		/* NLM_F_DUMP on a do, missing on a dump, half of it */
		if ((nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP)
			nlh->nlmsg_flags &= (uint16_t)~(pct(50) ? NLM_F_DUMP : pct(50) ? NLM_F_ROOT : NLM_F_MATCH);
		else
			nlh->nlmsg_flags |= pct(80) ? NLM_F_DUMP : pct(50) ? NLM_F_ROOT : NLM_F_MATCH;
		tag(m, "@dump%s", (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP ? "+" : "-");
		changed = true;
	}
	if (pct(3)) {		/* another command */
		static const uint8_t cmds[] = { 0, SNAPFIRE_CMD_EVENT, SNAPFIRE_CMD_MAX + 1, 0xff };

		g->cmd = pct(50) ? cmds[below(NSPECS(cmds))] : (uint8_t)rnd();
		tag(m, "@cmd%u", g->cmd);
		changed = true;
	}
	if (pct(3)) {		/* version, reserved */
		if (pct(50))
			g->version = (uint8_t)rnd();
		else
			g->reserved = (uint16_t)(1 + below(0xffff));
		tag(m, "@ver%u/%u", g->version, g->reserved);
		changed = true;
	}
	if (pct(5)) {		/* random nlmsg_flags */
		nlh->nlmsg_flags = (uint16_t)rnd();
		if (pct(85))
			nlh->nlmsg_flags |= NLM_F_REQUEST;
		if (pct(60))
			nlh->nlmsg_flags |= NLM_F_ACK;
		tag(m, "@flags%#x", nlh->nlmsg_flags);
		changed = true;
	}
	if (pct(2)) {		/* no ACK: success is silent (still valid) */
		nlh->nlmsg_flags &= (uint16_t)~NLM_F_ACK;
		tag(m, "@noack");
	}
	if (pct(2)) {		/* the port id is not the kernel's business */
		nlh->nlmsg_pid = (uint32_t)rnd();
		tag(m, "@pid");
	}
	if (pct(2)) {		/* nlmsg_len: beyond the datagram, tiny, no genl header */
		m->send_len = nlh->nlmsg_len;
		switch (below(4)) {
		case 0:
			nlh->nlmsg_len += pct(80) ? 1 + below(64) : (uint32_t)rnd();
			break;
		case 1:
			nlh->nlmsg_len = below(NLMSG_HDRLEN);
			break;
		case 2:
			nlh->nlmsg_len = NLMSG_HDRLEN + below(GENL_HDRLEN);
			break;
		default:
			m->send_len = 1 + below(NLMSG_HDRLEN - 1);
			break;
		}
		tag(m, "@nlmsg_len%u/sent%u", nlh->nlmsg_len, m->send_len);
		changed = true;
	}
	if (changed)
		m->expect_ok = false;
}

/* ------------------------------------------------------------ build */

static int pick_op(void)
{
	unsigned int r = below(100), acc = 0;
	int i;

	for (i = 0; i < OP_N; i++) {
		acc += ops[i].weight;
		if (r < acc)
			return i;
	}
	return OP_CONFIG_SET;
}

/* Build request @i of the seed into reqbuf. */
static void build(struct req *m, unsigned long i)
{
	static const uint8_t other_cmds[] = { 0, SNAPFIRE_CMD_EVENT, SNAPFIRE_CMD_MAX + 1 };
	struct genlmsghdr *g;
	unsigned int mode, psane, n;
	size_t l0;
	uint8_t cmd;

	seed_request(opt.seed, i);
	memset(reqbuf, 0, reqdirty ? reqdirty : sizeof(reqbuf));
	reqdirty = NLMSG_HDRLEN + GENL_HDRLEN;
	memset(m, 0, sizeof(*m));
	m->nlh = (struct nlmsghdr *)reqbuf;
	m->gen_op = pick_op();
	m->expect_ok = true;

	cmd = ops[m->gen_op].cmd;
	if (m->gen_op == OP_OTHER) {
		cmd = pct(70) ? other_cmds[below(NSPECS(other_cmds))] :
				(uint8_t)(SNAPFIRE_CMD_MAX + 1 + below(256 - SNAPFIRE_CMD_MAX - 1));
		m->expect_ok = false;
	}
	m->nlh->nlmsg_len = NLMSG_HDRLEN;
	m->nlh->nlmsg_type = T.family;
	m->nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
			      (ops[m->gen_op].dump ? NLM_F_DUMP : 0);
	m->nlh->nlmsg_seq = ++T.seq;
	g = mnl_nlmsg_put_extra_header(m->nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = SNAPFIRE_FAMILY_VERSION;

	/* valid 35 %, out of range 15 %, random TLVs 15 %, mutated 35 % */
	mode = below(100);
	psane = mode < 35 ? 100 : mode < 50 ? 40 : 90;
	tag(m, "%s%s", ops[m->gen_op].name,
	    mode < 35 ? "" : mode < 50 ? " range" : mode < 65 ? "" : " mutated");
	if (m->gen_op == OP_OTHER)
		tag(m, "cmd%u", cmd);

	if (mode >= 50 && mode < 65) {
		gen_random_tlvs(m);
		m->expect_ok = false;
	} else {
		switch (m->gen_op) {
		case OP_CONFIG_SET: gen_config_set(m, psane); break;
		case OP_FLOW_GET: gen_flow_get(m, psane); break;
		case OP_FLOW_DUMP: gen_flow_dump(m, psane); break;
		case OP_FLOW_DEL:
		case OP_FLOW_RESET: gen_flow_id_op(m, psane); break;
		case OP_OTHER: if (pct(50)) gen_random_tlvs(m); break;
		default: gen_no_attrs(m, psane); break;
		}
	}
	if (mode >= 65) {
		m->expect_ok = false;
		l0 = strlen(m->desc);	/* every mutation tags the request */
		for (n = below(3); n; n--)
			mutate_append(m);
		for (n = below(3); n; n--)
			mutate_inplace(m);
		if (pct(30))
			mutate_tail(m);
		if (strlen(m->desc) == l0)
			mutate_append(m);
	}
	mutate_headers(m);

	if (!m->send_len)
		m->send_len = m->nlh->nlmsg_len;
	/*
	 * Never a datagram longer than a valid nlmsg_len: the kernel would
	 * parse the rest as another message (of any family).
	 */
	if (m->nlh->nlmsg_len >= NLMSG_HDRLEN && m->send_len > m->nlh->nlmsg_len)
		m->send_len = m->nlh->nlmsg_len;

	m->processed = (m->nlh->nlmsg_flags & NLM_F_REQUEST) &&
		       m->nlh->nlmsg_len >= NLMSG_HDRLEN &&
		       m->send_len >= NLMSG_HDRLEN &&
		       m->send_len >= m->nlh->nlmsg_len;
	m->full_hdr = m->nlh->nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN &&
		      m->send_len >= NLMSG_HDRLEN + GENL_HDRLEN;
	m->op = op_of(g->cmd, m->nlh->nlmsg_flags);
	if (m->op != m->gen_op || !m->processed)
		m->expect_ok = false;
}

static void hex(const char *what, const void *p, size_t len, size_t max)
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

/* ------------------------------------------------------------- talk */

enum { R_ACCEPTED, R_REFUSED, R_IGNORED };

struct outcome {
	int err;
	int res;			/* R_* */
	unsigned int nmsgs;		/* data messages */
	bool terminal;			/* an error, ACK or NLMSG_DONE */
	char msg[160];			/* extack */
	bool has_offs;
	uint32_t offs;
};

static unsigned long stale_msgs, enobufs;

static void ext_ack(const struct nlmsghdr *nlh, size_t off, struct outcome *o)
{
	const struct nlattr *a;

	/* @off: from the payload, as mnl_attr_for_each() counts */
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || NLMSG_HDRLEN + off > nlh->nlmsg_len)
		return;
	mnl_attr_for_each(a, nlh, off) {
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(o->msg, sizeof(o->msg), "%s", mnl_attr_get_str(a));
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_OFFS &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
			o->has_offs = true;
			o->offs = mnl_attr_get_u32(a);
		}
	}
}

/*
 * Send @m, read what it caused without blocking. 0, or -1 if the socket
 * failed.
 */
static int fuzz_talk(const struct req *m, struct outcome *o)
{
	int fd = mnl_socket_get_fd(T.nl);
	uint32_t seq = m->nlh->nlmsg_seq;

	memset(o, 0, sizeof(*o));
	if (mnl_socket_sendto(T.nl, m->nlh, m->send_len) < 0) {
		nlt_diag("sendto: %s", strerror(errno));
		return -1;
	}
	while (!o->terminal) {
		const struct nlmsghdr *r;
		ssize_t n = recv(fd, T.buf, NLT_BUF_SIZE, MSG_DONTWAIT);
		int len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == ENOBUFS) {
				enobufs++;
				continue;
			}
			nlt_diag("recv: %s", strerror(errno));
			return -1;
		}
		len = (int)n;
		for (r = (const struct nlmsghdr *)T.buf; mnl_nlmsg_ok(r, len);
		     r = mnl_nlmsg_next(r, &len)) {
			if (r->nlmsg_seq != seq || r->nlmsg_pid != T.portid) {
				stale_msgs++;
				continue;
			}
			if (r->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(r);
				size_t off = sizeof(*e);

				if (r->nlmsg_len < NLMSG_HDRLEN + sizeof(*e))
					break;
				if (!(r->nlmsg_flags & NLM_F_CAPPED) &&
				    e->msg.nlmsg_len >= sizeof(e->msg))
					off += e->msg.nlmsg_len - sizeof(e->msg);
				o->err = e->error;
				ext_ack(r, MNL_ALIGN(off), o);
				o->terminal = true;
				break;
			}
			if (r->nlmsg_type == NLMSG_DONE) {
				if (r->nlmsg_len >= NLMSG_HDRLEN + sizeof(int))
					o->err = *(const int *)mnl_nlmsg_get_payload(r);
				ext_ack(r, sizeof(int), o);
				o->terminal = true;
				break;
			}
			if (r->nlmsg_type >= NLMSG_MIN_TYPE)
				o->nmsgs++;
		}
	}
	o->res = o->err ? R_REFUSED : m->processed ? R_ACCEPTED : R_IGNORED;
	return 0;
}

/* ------------------------------------------------------------- state */

struct state {
	uint32_t flows;
	size_t len;
	unsigned char cfg[8192];	/* config attributes sorted by type, no pad */
	int err;			/* of the failed request */
};

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

static unsigned long ctl_requests;	/* config-get, status-get, replays */

/* config-get and status-get; -1 if either fails (s->err: why). */
static int get_state(struct state *s)
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

static bool same_cfg(const struct state *a, const struct state *b)
{
	return a->len == b->len && !memcmp(a->cfg, b->cfg, a->len);
}

/* Replay a configuration as a config-set (allow-clear if it has no allow). */
static int config_replay(const struct state *s)
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

static struct {
	unsigned long sent;
	unsigned long res[3];			/* R_* */
	unsigned long op_sent[OP_N], op_res[OP_N][3];
	unsigned long dump_on_do, do_on_dump;	/* NLM_F_DUMP where it does not belong */
	unsigned long errs[4096];		/* refusals by errno */
	unsigned long nomsg[4096];		/* ... without an extack message */
	unsigned long op_nomsg;			/* ... of a family op's own checks */
	unsigned long cset_err[4096];		/* config-set refusals by errno */
	unsigned long checked, violations;	/* state around refused requests */
	unsigned long drift;			/* state changed, found at a checkpoint */
	unsigned long valid, valid_refused;	/* valid requests (must be accepted) */
	unsigned long unpriv_mut, unpriv_bad;	/* -u: mutating requests, not EPERM */
	unsigned long unexpected;		/* unexpected errnos */
	unsigned long checkpoints, restores, restore_fail;
	unsigned long details;			/* failures printed in detail */
	bool dead;				/* stopped: the module stopped answering */
	unsigned long dead_at;
} st;

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

static void state_diff(const struct state *a, const struct state *b)
{
	if (st.details > (opt.quiet ? 5u : 20u))
		return;
	nlt_diag("  flows %u -> %u", a->flows, b->flows);
	if (!same_cfg(a, b)) {
		hex("  config before", a->cfg, a->len, 256);
		hex("  config after", b->cfg, b->len, 256);
	}
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

static struct state base;		/* the configuration found at start */
static struct state cur;		/* the state now, if cur_valid */
static bool cur_valid;
static unsigned long cur_at;		/* request index it was taken before */

/*
 * Every PERIOD requests: status-get answers, the state did not drift, and
 * (as root) the baseline configuration comes back.  false: stop.
 */
static bool checkpoint(unsigned long i)
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
static bool one(unsigned long i)
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
		st.unpriv_mut++;
		if (o.err != -EPERM) {
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
		       "unprivileged: every mutating request refused with EPERM (%lu of %lu)",
		       st.unpriv_mut - st.unpriv_bad, st.unpriv_mut);
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
