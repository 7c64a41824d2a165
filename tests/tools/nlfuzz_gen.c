// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz — building a request: the PRNG stream of a request, the message
 * builder (attributes, nests), values in and out of an attribute's range,
 * and build(), which puts a whole request together from (seed, index).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nlfuzz.h"

/* ---------------------------------------------------------------- PRNG */

uint64_t rs;

void rbytes(void *p, size_t n)
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

/* ------------------------------------------------------ message builder */

static unsigned char reqbuf[MSG_CAP + 4096] __attribute__((aligned(8)));
static size_t reqdirty;		/* bytes of reqbuf written since it was zeroed */

/* Note that reqbuf was written up to offset @end (zeroed for the next one). */
void touch(size_t end)
{
	if (end > reqdirty)
		reqdirty = end < sizeof(reqbuf) ? end : sizeof(reqbuf);
}

void tag(struct req *m, const char *fmt, ...)
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

uint32_t tail_off(const struct req *m)
{
	return MNL_ALIGN(m->nlh->nlmsg_len);
}

struct nlattr *attr_at(const struct req *m, uint32_t off)
{
	return (struct nlattr *)((char *)m->nlh + off);
}

/*
 * Append an attribute with @len payload bytes (@data, or random bytes if
 * NULL) and an nla_len of NLA_HDRLEN + @len; NULL if it does not fit.
 */
struct nlattr *put(struct req *m, uint16_t type, size_t len, const void *data)
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

struct nlattr *nest_start(struct req *m, uint16_t type)
{
	struct nlattr *a = put(m, type | NLA_F_NESTED, 0, NULL);

	if (a)
		m->depth++;
	return a;
}

void nest_end(struct req *m, struct nlattr *a)
{
	size_t len = (size_t)((char *)m->nlh + m->nlh->nlmsg_len - (char *)a);

	m->depth--;
	a->nla_len = (uint16_t)(len > 0xffff ? 0xffff : len);
}

void put_int(struct req *m, uint16_t type, int kind, uint64_t v)
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
size_t wrong_len(void)
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
uint64_t gen_value(const struct spec *s, bool sane)
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
void gen_scalar(struct req *m, const struct spec *s, bool sane)
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
void build(struct req *m, unsigned long i)
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

