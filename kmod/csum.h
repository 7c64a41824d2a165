/* SPDX-License-Identifier: GPL-2.0 */
/* A UDP checksum: checked, and kept right while payload bytes are rewritten. */
#ifndef _SNAPFIRE_CSUM_H
#define _SNAPFIRE_CSUM_H

#include <linux/skbuff.h>

/*
 * Replace @len bytes at offset @off (from skb->data) of a UDP datagram whose
 * UDP header is at @udp_off (from skb->data), with @data. Makes the bytes
 * writable first (skb_ensure_writable; may fail with -ENOMEM): pointers into
 * the skb's data taken before are stale afterwards. -EINVAL if the bytes
 * are not all in the UDP payload of the skb.
 * The checksum stays right for every ip_summed:
 *  - CHECKSUM_PARTIAL: the payload is summed later; nothing to fix;
 *  - otherwise the UDP checksum is updated incrementally (a zero checksum
 *    means none, in IPv4 or from an IPv6 UDP_NO_CHECK6_TX socket, and stays
 *    zero; a result of zero is sent as 0xffff);
 *  - CHECKSUM_COMPLETE: skb->csum is updated too.
 * @off - @udp_off may be odd.
 */
int sf_udp_rewrite(struct sk_buff *skb, unsigned int udp_off, unsigned int off,
		   const void *data, unsigned int len);

/*
 * Is the UDP checksum of the datagram whose UDP header is at @udp_off (from
 * skb->data) right? @hook is the netfilter hook it is checked at (LOCAL_IN:
 * before a probe is parsed, recorded or answered, so that a corrupt probe
 * is neither measured nor laundered into a reply with a fresh, valid
 * checksum). The caller has checked that the UDP length covers the whole
 * IP payload (the pseudo-header's length is the IP payload's in
 * nf_checksum()). A zero checksum means none over IPv4 and is invalid over
 * IPv6 (RFC 8200 section 8.1).
 */
bool sf_udp_csum_ok(struct sk_buff *skb, unsigned int hook,
		    unsigned int udp_off, u8 family);

#endif
