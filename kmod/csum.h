/* SPDX-License-Identifier: GPL-2.0 */
/* Rewriting bytes of a UDP payload with a correct UDP checksum. */
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
 *  - otherwise the UDP checksum is updated incrementally (IPv4 zero checksum
 *    means none and stays zero; a result of zero is sent as 0xffff);
 *  - CHECKSUM_COMPLETE: skb->csum is updated too.
 * @off - @udp_off may be odd.
 */
int sf_udp_rewrite(struct sk_buff *skb, unsigned int udp_off, unsigned int off,
		   const void *data, unsigned int len, bool ipv6);

#endif
