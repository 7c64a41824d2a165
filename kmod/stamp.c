// SPDX-License-Identifier: GPL-2.0
/*
 * STAMP (RFC 8762, RFC 8972) test packets: parsing and timestamp formats.
 * Pure functions; nothing here writes to a packet or keeps state.
 */
#include <linux/build_bug.h>
#include <linux/math64.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/time64.h>

#include "compat.h"	/* get/put_unaligned_be*() */
#include "stamp.h"
#include "stamp_time.h"	/* the arithmetic, shared with the CLI */

u64 sf_ts_to_ns(const struct stamp_ts *ts, bool ptp, u64 now_ns)
{
	BUILD_BUG_ON(STAMP_TIME_NTP_OFFSET != STAMP_NTP_UNIX_OFFSET);
	BUILD_BUG_ON(STAMP_TIME_NSEC != NSEC_PER_SEC);
	return stamp_ts_to_ns(get_unaligned_be32(&ts->sec),
			      get_unaligned_be32(&ts->frac), ptp, now_ns);
}

void sf_ns_to_ts(u64 ns, bool ptp, struct stamp_ts *ts)
{
	u32 sec, frac;

	stamp_ns_to_ts(ns, ptp, &sec, &frac);
	put_unaligned_be32(sec, &ts->sec);
	put_unaligned_be32(frac, &ts->frac);
}

/*
 * A Follow-Up Telemetry TLV (header @tlv, value at payload offset @pos):
 * remember the first one of the right length; read what a reflector put in.
 */
static void sf_stamp_followup(const struct sk_buff *skb, unsigned int off,
			      unsigned int pos, const struct stamp_tlv *tlv,
			      bool reflector, u64 now_ns, struct sf_stamp *st)
{
	struct stamp_tlv_followup buf;
	const struct stamp_tlv_followup *fu;

	if (st->fu_off || get_unaligned_be16(&tlv->len) != STAMP_FOLLOWUP_LEN)
		return;
	st->fu_off = pos;
	if (!reflector || (tlv->flags & (STAMP_TLV_FLAG_U | STAMP_TLV_FLAG_M)))
		return;
	fu = skb_header_pointer(skb, off + pos, sizeof(buf), &buf);
	if (!fu)
		return;
	st->fu_seq = get_unaligned_be32(&fu->seq);
	st->fu_ts = sf_ts_to_ns(&fu->ts, sf_ee_ptp(st->ee), now_ns);
}

/* Walk the TLVs after the base packet: they must end where the payload does. */
static enum sf_parse_result sf_stamp_tlvs(const struct sk_buff *skb,
					  unsigned int off, unsigned int len,
					  bool reflector, u64 now_ns,
					  struct sf_stamp *st)
{
	unsigned int pos = STAMP_BASE_LEN, n = 0;

	while (pos < len) {
		struct stamp_tlv buf;
		const struct stamp_tlv *tlv;
		unsigned int vlen;

		if (len - pos < STAMP_TLV_HDR_LEN)
			return SF_PARSE_TLV_TRUNC;
		if (++n > SF_STAMP_MAX_TLVS)
			return SF_PARSE_TLV_MANY;
		tlv = skb_header_pointer(skb, off + pos, sizeof(buf), &buf);
		if (!tlv)
			return SF_PARSE_SHORT;
		vlen = get_unaligned_be16(&tlv->len);
		if (tlv->type == STAMP_TLV_HMAC)
			st->hmac = true;
		pos += STAMP_TLV_HDR_LEN;
		if (vlen > len - pos)
			return SF_PARSE_TLV_LEN;
		if (tlv->type == STAMP_TLV_FOLLOWUP_TELEMETRY)
			sf_stamp_followup(skb, off, pos, tlv, reflector, now_ns,
					  st);
		pos += vlen;
	}
	return SF_PARSE_OK;
}

static enum sf_parse_result sf_stamp_parse_base(const struct sk_buff *skb, unsigned int off,
						unsigned int len, unsigned int have,
						bool reflector, u64 now_ns,
						struct sf_stamp *st)
{
	union {
		struct stamp_sender_pkt s;
		struct stamp_reflector_pkt r;
	} buf;
	const struct stamp_reflector_pkt *r;
	const struct stamp_sender_pkt *s;
	const void *p;

	BUILD_BUG_ON(sizeof(struct stamp_sender_pkt) != STAMP_BASE_LEN);
	BUILD_BUG_ON(sizeof(struct stamp_reflector_pkt) != STAMP_BASE_LEN);
	BUILD_BUG_ON(sizeof(struct stamp_tlv) != STAMP_TLV_HDR_LEN);
	BUILD_BUG_ON(sizeof(struct stamp_tlv_followup) != STAMP_FOLLOWUP_LEN);
	BUILD_BUG_ON(offsetof(struct stamp_sender_pkt, mbz) != 16);
	BUILD_BUG_ON(offsetof(struct stamp_reflector_pkt, rx_ts) != 16);
	BUILD_BUG_ON(offsetof(struct stamp_reflector_pkt, sender_seq) != 24);
	BUILD_BUG_ON(offsetof(struct stamp_reflector_pkt, sender_ts) != 28);
	BUILD_BUG_ON(offsetof(struct stamp_reflector_pkt, sender_ee) != 36);
	BUILD_BUG_ON(offsetof(struct stamp_reflector_pkt, sender_ttl) != 40);

	memset(st, 0, sizeof(*st));
	if (len < STAMP_BASE_LEN)
		return SF_PARSE_SHORT;
	if (len > STAMP_MAX_LEN)
		return SF_PARSE_LONG;
	/* The skb must hold @have bytes of them. */
	if (off > skb->len || have > skb->len - off)
		return SF_PARSE_SHORT;
	p = skb_header_pointer(skb, off, STAMP_BASE_LEN, &buf);
	if (!p)
		return SF_PARSE_SHORT;

	/* The first 16 bytes are common to both layouts. */
	s = p;
	st->auth = len >= STAMP_AUTH_LEN && !memchr_inv(&s->ts, 0, 12);
	if (st->auth) {
		/* not the layout parsed below: only the flag is valid */
		st->len = len;
		return SF_PARSE_OK;
	}
	st->seq = get_unaligned_be32(&s->seq);
	st->ee = get_unaligned_be16(&s->ee);
	st->ssid = get_unaligned_be16(&s->ssid);
	st->ts = sf_ts_to_ns(&s->ts, sf_ee_ptp(st->ee), now_ns);
	if (reflector) {
		r = p;
		st->rx_ts = sf_ts_to_ns(&r->rx_ts, sf_ee_ptp(st->ee), now_ns);
		st->sender_seq = get_unaligned_be32(&r->sender_seq);
		st->sender_ee = get_unaligned_be16(&r->sender_ee);
		st->sender_ts = sf_ts_to_ns(&r->sender_ts,
					    sf_ee_ptp(st->sender_ee), now_ns);
		st->sender_ttl = r->sender_ttl;
	} else {
		st->looped = !!memchr_inv(s->mbz, 0, sizeof(struct stamp_ts));
	}
	st->len = len;
	st->tlv_len = len - STAMP_BASE_LEN;
	return SF_PARSE_OK;
}

enum sf_parse_result sf_stamp_parse(const struct sk_buff *skb, unsigned int off,
				    unsigned int len, bool reflector, u64 now_ns,
				    struct sf_stamp *st)
{
	enum sf_parse_result r;

	r = sf_stamp_parse_base(skb, off, len, len, reflector, now_ns, st);
	if (r != SF_PARSE_OK || st->auth)
		return r;
	return sf_stamp_tlvs(skb, off, len, reflector, now_ns, st);
}

enum sf_parse_result sf_stamp_parse_head(const struct sk_buff *skb, unsigned int off,
					 unsigned int len, bool reflector, u64 now_ns,
					 struct sf_stamp *st)
{
	return sf_stamp_parse_base(skb, off, len, STAMP_BASE_LEN, reflector, now_ns, st);
}
