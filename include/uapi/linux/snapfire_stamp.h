/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * STAMP wire format (RFC 8762, with the RFC 8972 SSID and TLVs),
 * unauthenticated mode, as snapfire reads and writes it. Shared by the kernel
 * module and the CLI; everything is in network byte order.
 *
 * A STAMP test packet is the payload of a UDP datagram to (Session-Sender
 * test packet) or from (Session-Reflector test packet) a STAMP port, 862 by
 * default. Both base packets are 44 bytes; RFC 8972 TLVs may follow.
 *
 * Timestamps (RFC 8762 section 4.2.1) are 64 bits: in NTP format (Z bit of
 * the Error Estimate clear) 32 bits of seconds since 1900-01-01 and 32 bits
 * of binary fraction; in PTPv2 truncated format (Z set) 32 bits of seconds
 * since 1970-01-01 and 32 bits of nanoseconds.
 *
 *  Session-Sender test packet            Session-Reflector test packet
 *   0 Sequence Number (4)                 0 Sequence Number (4)
 *   4 Timestamp T1 (8)                    4 Timestamp T3 (8)
 *  12 Error Estimate (2)                 12 Error Estimate (2)
 *  14 SSID (2)                           14 SSID (2)
 *  16 MBZ (28)                           16 Receive Timestamp T2 (8)
 *  44 TLVs...                            24 Session-Sender Sequence Number (4)
 *                                        28 Session-Sender Timestamp T1 (8)
 *                                        36 Session-Sender Error Estimate (2)
 *                                        38 MBZ (2)
 *                                        40 Session-Sender TTL (1)
 *                                        41 MBZ (3)
 *                                        44 TLVs...
 *
 * T1: the sender's transmit time, T2: the reflector's receive time, T3: the
 * reflector's transmit time, T4: the sender's receive time (not carried).
 */
#ifndef _UAPI_LINUX_SNAPFIRE_STAMP_H
#define _UAPI_LINUX_SNAPFIRE_STAMP_H

#include <linux/types.h>

#define STAMP_PORT		862
#define STAMP_BASE_LEN		44	/* both test packets, without TLVs */
#define STAMP_MAX_LEN		9216	/* longer payloads are malformed */
/*
 * Authenticated mode (RFC 8762 section 4.2.2) moves the timestamps behind
 * 12 MBZ bytes and ends in an HMAC: both test packets are 112 bytes. No
 * field on the wire says which mode a session uses; snapfire takes a packet
 * of at least this length whose bytes 4..15 are all zero (no T1/T3, an
 * Error Estimate with multiplier 0, which RFC 4656 forbids) as
 * authenticated, and neither rewrites, records nor answers it.
 */
#define STAMP_AUTH_LEN		112
#define STAMP_NTP_UNIX_OFFSET	2208988800ULL	/* 1900-01-01 .. 1970-01-01, s */

/* Error Estimate (RFC 4656 section 4.1.2, RFC 8762 section 4.2.1) */
#define STAMP_EE_S		0x8000	/* clock synchronised to UTC */
#define STAMP_EE_Z		0x4000	/* 0: NTP timestamp, 1: PTPv2 truncated */
#define STAMP_EE_SCALE_MASK	0x3f00
#define STAMP_EE_SCALE_SHIFT	8
#define STAMP_EE_MULT_MASK	0x00ff

struct stamp_ts {
	__be32 sec;
	__be32 frac;	/* NTP: 2^-32 s units; PTP: nanoseconds */
};

struct stamp_sender_pkt {
	__be32 seq;
	struct stamp_ts ts;		/* T1 */
	__be16 ee;
	__be16 ssid;
	__u8 mbz[28];
};

struct stamp_reflector_pkt {
	__be32 seq;
	struct stamp_ts ts;		/* T3 */
	__be16 ee;
	__be16 ssid;
	struct stamp_ts rx_ts;		/* T2 */
	__be32 sender_seq;
	struct stamp_ts sender_ts;	/* T1 */
	__be16 sender_ee;
	__be16 mbz1;
	__u8 sender_ttl;
	__u8 mbz2[3];
};

/* RFC 8972 section 4: TLV header; length counts the value only. */
struct stamp_tlv {
	__u8 flags;
	__u8 type;
	__be16 len;
};

#define STAMP_TLV_HDR_LEN	4
#define STAMP_TLV_FLAG_U	0x80	/* unrecognized (set by the reflector) */
#define STAMP_TLV_FLAG_M	0x40	/* malformed (set by the reflector) */
#define STAMP_TLV_FLAG_I	0x20	/* integrity check failed */

/*
 * RFC 8972 section 4.7: Follow-Up Telemetry. A sender that wants it puts the
 * TLV (value zeroed) in its probe; the reflector answers in it with the
 * sequence number of the previous reply it sent in this session and the
 * time that reply really left it (a later, truer T3 than the one written
 * into the reply before the reflector's own qdisc held it). snapfire's
 * reflector reports the driver hand-off (net_dev_start_xmit) of its
 * previous reply, mode SW local; seq and timestamp zero when no reply has
 * gone out yet. The timestamp's format is the reply's (its EE Z bit).
 */
struct stamp_tlv_followup {
	__be32 seq;
	struct stamp_ts ts;
	__u8 mode;			/* enum stamp_ts_method */
	__u8 reserved[3];
};

#define STAMP_FOLLOWUP_LEN	16	/* value length of the TLV */

/* RFC 8972 section 4.3 / IANA "STAMP Timestamping Methods" */
enum stamp_ts_method {
	STAMP_TS_HW_ASSIST = 1,
	STAMP_TS_SW_LOCAL = 2,
	STAMP_TS_CONTROL_PLANE = 3,
};

/* RFC 8972 section 4 TLV types (IANA "STAMP TLV Types") */
enum stamp_tlv_type {
	STAMP_TLV_EXTRA_PADDING = 1,
	STAMP_TLV_LOCATION = 2,
	STAMP_TLV_TIMESTAMP_INFO = 3,
	STAMP_TLV_CLASS_OF_SERVICE = 4,
	STAMP_TLV_DIRECT_MEASUREMENT = 5,
	STAMP_TLV_ACCESS_REPORT = 6,
	STAMP_TLV_FOLLOWUP_TELEMETRY = 7,
	STAMP_TLV_HMAC = 8,
};

#endif /* _UAPI_LINUX_SNAPFIRE_STAMP_H */
