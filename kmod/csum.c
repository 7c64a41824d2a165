// SPDX-License-Identifier: GPL-2.0
/*
 * Rewriting bytes of a UDP payload in place, keeping the UDP checksum and a
 * CHECKSUM_COMPLETE skb->csum right by incremental update (RFC 1624): the
 * difference of the ones' complement sums of the old and the new bytes is
 * added to whatever sums cover them. Also the check of a received
 * datagram's UDP checksum (sf_udp_csum_ok()).
 */
#include <linux/netfilter.h>
#include <linux/skbuff.h>
#include <linux/string.h>
#include <linux/udp.h>
#include <net/checksum.h>

#include "csum.h"

int sf_udp_rewrite(struct sk_buff *skb, unsigned int udp_off, unsigned int off,
		   const void *data, unsigned int len)
{
	bool pending = false;
	__wsum diff, old_check;
	struct udphdr *uh;
	u8 *ptr;
	int err;

	if (!len)
		return 0;
	if (off < udp_off + sizeof(*uh) || off > skb->len ||
	    len > skb->len - off)
		return -EINVAL;
	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		unsigned int start = skb_checksum_start_offset(skb);

		/*
		 * A checksum still to be computed covers the bytes from its
		 * start on, and takes ours in if they lie there: when it is
		 * our UDP header's (uh->check is the pseudo-header sum only),
		 * or an inner header's (a tunnel's payload, with local
		 * checksum offload: our checksum, done in software, does not
		 * depend on those bytes). Bytes before an inner start are in
		 * our software checksum only: updated below. Across it, or a
		 * start before our header: not ours to rewrite.
		 */
		if (start < udp_off ||
		    (start == udp_off &&
		     skb->csum_offset != offsetof(struct udphdr, check)) ||
		    (off < start && off + len > start))
			return -EINVAL;
		pending = off >= start;
	}
	err = skb_ensure_writable(skb, off + len);
	if (err)
		return err;

	/* Data may have moved: only now take pointers into it. */
	uh = (struct udphdr *)(skb->data + udp_off);
	ptr = skb->data + off;

	/* Sums of the bytes as if they started at an even offset. */
	diff = csum_sub(csum_partial(data, len, 0), csum_partial(ptr, len, 0));
	memcpy(ptr, data, len);

	if (pending)
		return 0;

	/*
	 * 0 is no checksum (IPv4; IPv6 from a UDP_NO_CHECK6_TX socket): it
	 * stays so. A computed sum of 0 is sent as 0xffff in both.
	 */
	old_check = csum_unfold(uh->check);
	if (uh->check) {
		/* The UDP checksum covers the bytes from the UDP header on. */
		uh->check = csum_fold(csum_block_add(~old_check, diff,
						     off - udp_off));
		if (!uh->check)
			uh->check = CSUM_MANGLED_0;
	}

	if (skb->ip_summed == CHECKSUM_COMPLETE) {
		/*
		 * skb->csum covers the bytes from skb->data on: the payload
		 * and the checksum field both changed. (Together they cancel
		 * out when the checksum was updated; account for both anyway.)
		 */
		skb->csum = csum_block_add(skb->csum, diff, off);
		skb->csum = csum_block_add(skb->csum,
					   csum_sub(csum_unfold(uh->check),
						    old_check),
					   udp_off + offsetof(struct udphdr, check));
	}
	return 0;
}

bool sf_udp_csum_ok(struct sk_buff *skb, unsigned int hook,
		    unsigned int udp_off, u8 family)
{
	struct udphdr _uh;
	const struct udphdr *uh;

	uh = skb_header_pointer(skb, udp_off, sizeof(_uh), &_uh);
	if (!uh)
		return false;
	if (!uh->check)
		return family == AF_INET;
	return !nf_checksum(skb, hook, udp_off, IPPROTO_UDP, family);
}
