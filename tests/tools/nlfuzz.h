/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlfuzz — the declarations its files share (nlfuzz.c describes the tool):
 *
 *   nlfuzz.c        options, main loop, replay, report
 *   nlfuzz_gen.c    the PRNG, the message builder, values, build()
 *   nlfuzz_ops.c    the ops and their attributes (config-set, flow-*, ...)
 *   nlfuzz_mut.c    mutations of a built request
 *   nlfuzz_io.c     sending a request, reading what it caused
 *   nlfuzz_check.c  state snapshots, the checks around every request
 *   nlfuzz_specs.h  the spec's attribute sets: types, kinds, ranges
 */
#ifndef NLFUZZ_H
#define NLFUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/snapfire.h>

#include "nlt.h"

#define MSG_CAP		(72u << 10)	/* most bytes of a generated message */
#define MAX_TOP		512		/* top-level attributes remembered */
#define HEX_MAX		128		/* request bytes printed with a failure */

#define NSPECS(a)	(sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------- nlfuzz.c */

extern struct nlt T;

struct opts {
	uint64_t seed;
	unsigned long count;
	unsigned long period;
	long long replay;
	bool unpriv;
	bool quiet;
	bool all;
};
extern struct opts opt;

const char *errname(int err);
void hex(const char *what, const void *p, size_t len, size_t max);

/* ------------------------------------------------------------- the PRNG */

extern uint64_t rs;		/* state of the current request's PRNG */

static inline uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t rnd(void)
{
	return splitmix64(&rs);
}

/* 0..n-1 */
static inline uint32_t below(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

/* true with probability p % */
static inline bool pct(unsigned int p)
{
	return below(100) < p;
}

void rbytes(void *p, size_t n);

/* ------------------------------------------------------------- the spec */

enum kind { K_U8, K_U16, K_U32, K_U64, K_BIN, K_FLAG, K_NEST, K_PAD, K_STR };

struct spec {
	uint16_t type;
	uint8_t kind;
	uint64_t min, max;	/* value range; lengths for K_BIN */
};

#define U8MAX	0xffULL
#define U16MAX	0xffffULL
#define U32MAX	0xffffffffULL
#define U64MAX	(~0ULL)

/* nlfuzz_specs.h, in nlfuzz_ops.c */
extern const struct spec config_specs[], prefix_specs[], flow_specs[], status_specs[];
extern const size_t nconfig_specs, nprefix_specs, nflow_specs, nstatus_specs;

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

struct opdesc {
	const char *name;
	uint8_t cmd;
	bool dump;
	bool mutating;
	uint16_t maxattr;		/* of the op's policy */
	const struct spec *specs;	/* its attribute set */
	size_t nspecs;
	unsigned int weight;		/* % of the requests */
};
extern const struct opdesc ops[OP_N];

int op_of(uint8_t cmd, uint16_t flags);

/* --------------------------------------------------------- nlfuzz_gen.c */

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

void touch(size_t end);
void tag(struct req *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint32_t tail_off(const struct req *m);
struct nlattr *attr_at(const struct req *m, uint32_t off);
struct nlattr *put(struct req *m, uint16_t type, size_t len, const void *data);
struct nlattr *nest_start(struct req *m, uint16_t type);
void nest_end(struct req *m, struct nlattr *a);
void put_int(struct req *m, uint16_t type, int kind, uint64_t v);
size_t wrong_len(void);
uint64_t gen_value(const struct spec *s, bool sane);
void gen_scalar(struct req *m, const struct spec *s, bool sane);
void build(struct req *m, unsigned long i);

/* --------------------------------------------------------- nlfuzz_ops.c */

struct pfx {
	uint8_t family, plen, alen;
	uint8_t addr[16];
};

enum {
	PF_OK, PF_HOSTBITS, PF_PLEN, PF_ALEN, PF_FAMILY, PF_MISSING,
	PF_UNKNOWN, PF_FAMILY_U32, PF_ALEN_POLICY, PF_N
};

void rand_prefix(struct pfx *p);
void put_prefix(struct req *m, const struct pfx *p, int fault);
void gen_allow(struct req *m, bool sane, bool many);
void gen_ports(struct req *m, bool sane, bool many);
void gen_config_set(struct req *m, unsigned int psane);
void gen_flow_get(struct req *m, unsigned int psane);
void gen_flow_dump(struct req *m, unsigned int psane);
void gen_flow_id_op(struct req *m, unsigned int psane);
void gen_no_attrs(struct req *m, unsigned int psane);
void gen_random_tlvs(struct req *m);

/* --------------------------------------------------------- nlfuzz_mut.c */

void mutate_append(struct req *m);
void mutate_inplace(struct req *m);
void mutate_tail(struct req *m);
void mutate_headers(struct req *m);

/* ---------------------------------------------------------- nlfuzz_io.c */

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

extern unsigned long stale_msgs, enobufs;

int fuzz_talk(const struct req *m, struct outcome *o);

/* ------------------------------------------------------- nlfuzz_check.c */

struct state {
	uint32_t flows;
	size_t len;
	unsigned char cfg[8192];	/* config attributes sorted by type, no pad */
	int err;			/* of the failed request */
};

struct stats {
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
	unsigned long unpriv_dump_opnotsupp;	/* -u: of them, a do-only op asked
						 * for a dump: EOPNOTSUPP (>= 6.2) */
	unsigned long unexpected;		/* unexpected errnos */
	unsigned long checkpoints, restores, restore_fail;
	unsigned long details;			/* failures printed in detail */
	bool dead;				/* stopped: the module stopped answering */
	unsigned long dead_at;
};
extern struct stats st;

extern unsigned long ctl_requests;	/* config-get, status-get, replays */
extern struct state base;		/* the configuration found at start */
extern struct state cur;		/* the state now, if cur_valid */
extern bool cur_valid;

int get_state(struct state *s);
bool same_cfg(const struct state *a, const struct state *b);
int config_replay(const struct state *s);
void state_diff(const struct state *a, const struct state *b);
bool checkpoint(unsigned long i);
bool one(unsigned long i);

#endif
