// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz — the family's ops (command, flags, policy size, attribute set,
 * share of the requests) and the attributes of each: config-set's scalars,
 * port list and allow prefixes, flow-get's id and dump filters, flow-del's
 * and flow-reset's id, extra attributes for the reads, random TLVs.
 */
#include <string.h>
#include <sys/socket.h>

#include "nlfuzz.h"
#include "nlfuzz_specs.h"

/* --------------------------------------------------------- the ops */

static const struct spec *find_spec(const struct spec *s, size_t n, uint16_t type)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i].type == type)
			return &s[i];
	return NULL;
}

const struct opdesc ops[OP_N] = {
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
int op_of(uint8_t cmd, uint16_t flags)
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

/* --------------------------------------------------- config-set parts */

void rand_prefix(struct pfx *p)
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

/* One allow nest for @p, with fault @fault; the three in a random order. */
void put_prefix(struct req *m, const struct pfx *p, int fault)
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
void gen_allow(struct req *m, bool sane, bool many)
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
void gen_ports(struct req *m, bool sane, bool many)
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

void gen_config_set(struct req *m, unsigned int psane)
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
	case 0: return 0;		/* refused: ids start at 1 */
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

void gen_flow_get(struct req *m, unsigned int psane)
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

void gen_flow_dump(struct req *m, unsigned int psane)
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

void gen_flow_id_op(struct req *m, unsigned int psane)
{
	bool sane = pct(psane);

	if (sane || pct(30)) {
		if (pct(70)) {
			put_int(m, SNAPFIRE_A_FLOW_ID, K_U64, flow_id());
			/*
			 * No flows: an id in range answers ENOENT, 0 is out
			 * of the policy's range (del/reset of every flow is
			 * the request without an id)
			 */
			m->expect_ok = false;
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
void gen_no_attrs(struct req *m, unsigned int psane)
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
void gen_random_tlvs(struct req *m)
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
