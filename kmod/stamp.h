/* SPDX-License-Identifier: GPL-2.0 */
/* STAMP (RFC 8762/8972) test packet parsing and timestamp formats. */
#ifndef _SNAPFIRE_STAMP_H
#define _SNAPFIRE_STAMP_H

#include <linux/types.h>
#include <linux/skbuff.h>
#include <uapi/linux/snapfire_stamp.h>

/*
 * Parsed view of a test packet. Times are ns since the Unix epoch
 * (CLOCK_REALTIME); a zero timestamp on the wire parses to 0.
 */
struct sf_stamp {
	u32 seq;
	u64 ts;			/* T1 in a sender packet, T3 in a reflector packet */
	u16 ee;
	u16 ssid;
	/* reflector packets only */
	u64 rx_ts;		/* T2 */
	u32 sender_seq;
	u64 sender_ts;		/* T1 */
	u16 sender_ee;
	u8 sender_ttl;
	/* both */
	u16 tlv_len;		/* bytes of TLVs after the 44-byte base */
	u16 len;		/* whole STAMP payload */
	bool auth;		/* authenticated-mode layout (STAMP_AUTH_LEN) */
	bool hmac;		/* carries an HMAC TLV (RFC 8972 section 4.8) */
	bool looped;		/* sender layout, T2 in its MBZ: a reply */
	/*
	 * The first Follow-Up Telemetry TLV of the right length (RFC 8972
	 * section 4.7): where its value starts in the payload, 0 if there is
	 * none. In a reflector packet, fu_ts != 0 when the reflector filled
	 * it (flags U and M clear): its previous reply, number fu_seq, left
	 * at fu_ts (its clock, ns).
	 */
	u16 fu_off;
	u32 fu_seq;
	u64 fu_ts;
};

enum sf_parse_result {
	SF_PARSE_OK = 0,
	SF_PARSE_SHORT,		/* payload shorter than the 44-byte base */
	SF_PARSE_LONG,		/* payload longer than STAMP_MAX_LEN */
	SF_PARSE_TLV_TRUNC,	/* fewer than 4 bytes left for a TLV header */
	SF_PARSE_TLV_LEN,	/* a TLV's length runs past the payload */
	SF_PARSE_TLV_MANY,	/* more than SF_STAMP_MAX_TLVS TLVs */
};

/*
 * The most TLVs a packet may carry. RFC 8972 sets no bound, but a 9 KB
 * payload of empty TLVs is 2 293 of them, each a header read (a copy,
 * when the skb is not linear) on every CPU a flood reaches, before any
 * rate limit; a sender has no use for more than a handful.
 */
#define SF_STAMP_MAX_TLVS	64

/*
 * Parse the STAMP payload of @len bytes at offset @off of @skb (linear or
 * not; read with skb_header_pointer, never written). @reflector selects the
 * Session-Reflector layout. Every TLV must fit exactly: the TLVs end where
 * the payload ends. now_ns resolves the era of 32-bit timestamp seconds.
 * SF_PARSE_SHORT also when the skb holds fewer than @off + @len bytes.
 * @st is zeroed first; it is filled for SF_PARSE_OK and also, all but the
 * TLVs, for SF_PARSE_TLV_*. Of the MBZ fields only the sender layout's
 * bytes 16..23 are looked at (@st->looped): there a reflector writes T2, and
 * a "probe" holding one is a reflected packet bounced back at a reflector.
 * @st->auth flags the authenticated layout (STAMP_AUTH_LEN), @st->hmac an
 * HMAC TLV: rewriting either would break its HMAC. The Follow-Up Telemetry
 * TLV is located (@st->fu_off) and, in the reflector layout, read.
 */
enum sf_parse_result sf_stamp_parse(const struct sk_buff *skb, unsigned int off,
				    unsigned int len, bool reflector, u64 now_ns,
				    struct sf_stamp *st);
/*
 * The same for the first fragment of a datagram of @len payload bytes:
 * only the fixed header (STAMP_BASE_LEN bytes) need be in the skb; the
 * TLVs are neither parsed nor located (@st->hmac and the Follow-Up fields
 * stay 0; @st->tlv_len is the datagram's). @len still decides @st->auth
 * and the bounds.
 */
enum sf_parse_result sf_stamp_parse_head(const struct sk_buff *skb, unsigned int off,
					 unsigned int len, bool reflector, u64 now_ns,
					 struct sf_stamp *st);

/*
 * Timestamp conversions; @ptp selects PTPv2 truncated (EE Z bit) over NTP.
 * @ts may be unaligned (e.g. in packet data).
 *
 * sf_ts_to_ns: the 32-bit seconds are taken in the era (NTP wraps in 2036,
 * PTP in 2106) that puts the time nearest to @now_ns; NTP fractions round
 * to the nearest ns; a PTP nanoseconds field >= 10^9 is clamped to
 * 999999999. 0 for a zero timestamp (both fields 0) and for times before
 * 1970.
 * sf_ns_to_ts: the fraction rounds to the nearest 2^-32 s, so that
 * ns -> ts -> ns is exact; 0 ns (no timestamp) is written as zero. (So is
 * the NTP era 1 instant 2036-02-07 06:28:16.000000000 UTC: the format
 * cannot tell the two apart.)
 */
u64 sf_ts_to_ns(const struct stamp_ts *ts, bool ptp, u64 now_ns);
void sf_ns_to_ts(u64 ns, bool ptp, struct stamp_ts *ts);

static inline bool sf_ee_ptp(u16 ee)
{
	return ee & STAMP_EE_Z;
}

static inline bool sf_ee_synced(u16 ee)
{
	return ee & STAMP_EE_S;
}

#endif
