// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz — mutations of a built request: attributes appended (odd types,
 * duplicates, wrong lengths, garbage nests, nested scalars, foreign
 * attributes), changed in place, a broken end of message, and the netlink
 * and genl headers.
 */
#include <string.h>
#include <sys/socket.h>

#include "nlfuzz.h"

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
			put(m, (uint16_t)(pct(50) ? prefix_specs[below(nprefix_specs)].type :
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
void mutate_append(struct req *m)
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
		s = pct(50) ? &config_specs[below(nconfig_specs)] :
			      &flow_specs[below(nflow_specs)];
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
void mutate_inplace(struct req *m)
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
void mutate_tail(struct req *m)
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
void mutate_headers(struct req *m)
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
