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

/*
 * The 64-bit seconds of @sec32 (a 32-bit seconds field of any era) nearest
 * to @now: within 2^31 s (68 years) either way.
 */
static s64 sf_era_resolve(u32 sec32, s64 now)
{
	return now + (s32)(sec32 - (u32)now);
}

u64 sf_ts_to_ns(const struct stamp_ts *ts, bool ptp, u64 now_ns)
{
	u32 sec32 = get_unaligned_be32(&ts->sec);
	u32 frac = get_unaligned_be32(&ts->frac);
	s64 now = div_u64(now_ns, NSEC_PER_SEC);
	s64 sec;
	u64 ns;

	if (!sec32 && !frac)
		return 0;

	if (ptp) {
		sec = sf_era_resolve(sec32, now);
		ns = min_t(u32, frac, NSEC_PER_SEC - 1);
	} else {
		sec = sf_era_resolve(sec32, now + STAMP_NTP_UNIX_OFFSET) -
		      STAMP_NTP_UNIX_OFFSET;
		/* Round to the nearest ns; 0xffffffff rounds up to 1 s. */
		ns = ((u64)frac * NSEC_PER_SEC + BIT_ULL(31)) >> 32;
	}
	if (sec < 0)
		return 0;	/* before 1970: not representable */
	return (u64)sec * NSEC_PER_SEC + ns;
}

void sf_ns_to_ts(u64 ns, bool ptp, struct stamp_ts *ts)
{
	u32 rem, frac;
	u64 sec;

	if (!ns) {
		put_unaligned_be32(0, &ts->sec);
		put_unaligned_be32(0, &ts->frac);
		return;
	}
	sec = div_u64_rem(ns, NSEC_PER_SEC, &rem);
	if (ptp) {
		frac = rem;
	} else {
		sec += STAMP_NTP_UNIX_OFFSET;
		/* Nearest 2^-32 s: below 2^32 as rem < 10^9. */
		frac = div_u64(((u64)rem << 32) + NSEC_PER_SEC / 2,
			       NSEC_PER_SEC);
	}
	/* Only the low 32 bits of the seconds go on the wire (the era). */
	put_unaligned_be32(lower_32_bits(sec), &ts->sec);
	put_unaligned_be32(frac, &ts->frac);
}

/* Walk the TLVs after the base packet: they must end where the payload does. */
static enum sf_parse_result sf_stamp_tlvs(const struct sk_buff *skb,
					  unsigned int off, unsigned int len,
					  struct sf_stamp *st)
{
	unsigned int pos = STAMP_BASE_LEN;

	while (pos < len) {
		struct stamp_tlv buf;
		const struct stamp_tlv *tlv;
		unsigned int vlen;

		if (len - pos < STAMP_TLV_HDR_LEN)
			return SF_PARSE_TLV_TRUNC;
		tlv = skb_header_pointer(skb, off + pos, sizeof(buf), &buf);
		if (!tlv)
			return SF_PARSE_SHORT;
		vlen = get_unaligned_be16(&tlv->len);
		if (tlv->type == STAMP_TLV_HMAC)
			st->hmac = true;
		pos += STAMP_TLV_HDR_LEN;
		if (vlen > len - pos)
			return SF_PARSE_TLV_LEN;
		pos += vlen;
	}
	return SF_PARSE_OK;
}

enum sf_parse_result sf_stamp_parse(const struct sk_buff *skb, unsigned int off,
				    unsigned int len, bool reflector, u64 now_ns,
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
	/* The skb must hold all @len bytes. */
	if (off > skb->len || len > skb->len - off)
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

	return sf_stamp_tlvs(skb, off, len, st);
}
