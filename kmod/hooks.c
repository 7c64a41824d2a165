// SPDX-License-Identifier: GPL-2.0
/*
 * The timestamp points.
 *
 *   sender                                   reflector
 *   LOCAL_OUT     t_out, flow, seq kept      PRE_ROUTING   counted
 *   POST_ROUTING  T1 written into the probe  LOCAL_IN      T2 = NAPI rx time,
 *   start_xmit    t_xmit (qdisc passed)                    stats, reflect
 *   PRE_ROUTING   counted                    POST_ROUTING  T3 written
 *   LOCAL_IN      T4 = NAPI rx time, stats   start_xmit    reflector tx stage,
 *                                                          Follow-Up time
 *
 * The reflector's qdisc holds its reply after T3 was written: the next
 * reply's Follow-Up Telemetry TLV (RFC 8972 section 4.7) carries the real
 * hand-off time, and the sender samples far-tx-stage from it.
 *
 * The receive time is the skb timestamp rx.c stamps on the stack's receive
 * entry points (netif_rx, netif_receive_skb, GRO) for STAMP-port UDP only,
 * where the stack's own receive timestamping would. The driver hand-off is
 * the net_dev_start_xmit tracepoint (xmit.c), after the qdisc, so the
 * sender's own queueing lands in its tx stage and not in the network's RTT.
 *
 * Everything here is per packet: no allocation but a new flow's (and a
 * histogram bucket group's on first use), no sleeping lock, no netlink, no
 * printk. Packets that are not UDP to or from a port some namespace has
 * configured leave after a header peek and a bit test (sf_maybe_probe()),
 * before this namespace's state is looked up; malformed probes are counted
 * and left untouched.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "snapfire.h"
#include "pkt.h"
#include "stamp.h"
#include "csum.h"
#include "compat.h"
#include "hooks.h"

/*
 * POST_ROUTING: write our transmit time into a probe leaving this host (T1)
 * or a reply leaving it (T3), and set the S bit when told our clock is
 * synchronised. Timestamp and Error Estimate are adjacent (bytes 4..13).
 * Fails (the packet unchanged) when the bytes cannot be made writable or a
 * checksum offload still to be done spans them.
 */
static int sf_stamp_tx(struct sk_buff *skb, const struct sf_config *cfg,
		       const struct sf_pkt *pkt, const struct sf_stamp *st,
		       u64 now)
{
	struct {
		struct stamp_ts ts;
		__be16 ee;
	} __packed w;
	u16 ee = st->ee;

	if (sf_cfg(cfg, CLOCK_SYNCED))
		ee |= STAMP_EE_S;
	sf_ns_to_ts(now, sf_ee_ptp(ee), &w.ts);
	w.ee = htons(ee);
	return sf_udp_rewrite(skb, pkt->udpoff, pkt->udpoff +
			      sizeof(struct udphdr) +
			      offsetof(struct stamp_sender_pkt, ts),
			      &w, sizeof(w));
}

/*
 * Reflector, LOCAL_IN: a probe arrived. Returns true when the kernel
 * reflector owns it (the caller then consumes the skb).
 */
static bool sf_reflector_in(struct sf_net *sn, const struct sf_config *cfg,
			    struct sk_buff *skb, const struct sf_pkt *pkt,
			    const struct sf_stamp *st)
{
	u64 now = sf_now(), t2 = sf_rx_time(skb, now);
	struct sf_flow_key key;
	enum sf_counter why;
	struct sf_flow *f;
	struct sf_followup fu = {};
	u32 reply_seq = st->seq;
	bool synced, have_t2 = t2;

	/* what is not answered is not recorded either: no flow for it */
	why = sf_reflect_refuse(sn, cfg, skb, pkt, st);
	if (why != SF_C_CNT) {
		sf_count(sn, why);
		return false;
	}
	if (!t2)
		t2 = now;
	sf_key(&key, pkt, SF_INGRESS, SNAPFIRE_ROLE_REFLECTOR, st->ssid);
	f = sf_flow_get_or_create(sn, cfg, &key, now, false);
	if (f) {
		spin_lock_bh(&f->lock);
		WRITE_ONCE(f->rx, f->rx + 1);
		f->last_seen = now;
		WRITE_ONCE(f->last_jiffies, jiffies);
		f->peer_ttl = pkt->ttl;
		if (sf_seq_update(&f->seq, st->seq) != SF_SEQ_DUPLICATE) {
			s64 transit = (s64)(t2 - st->ts);

			if (have_t2)
				sf_flow_add_sample(f, SNAPFIRE_METRIC_RX_STAGE,
						   now - t2);
			synced = sf_ee_synced(st->ee) && sf_cfg(cfg, CLOCK_SYNCED);
			f->synced = synced;
			if (synced)
				sf_flow_add_sample(f, SNAPFIRE_METRIC_FWD, transit);
			sf_delay_variation(f, st->seq, transit);
			sf_window(sn, cfg, f, now);
		}
		if (sf_cfg(cfg, REFLECT_MODE) == SNAPFIRE_REFLECT_MODE_STATEFUL)
			reply_seq = f->refl_seq++;
		fu = f->fu;
		spin_unlock_bh(&f->lock);
	}
	if (!sf_cfg(cfg, REFLECT))
		return false;
	sf_reflect(sn, cfg, skb, pkt, st, t2, reply_seq, &fu);
	return true;
}

/*
 * Reflector, POST_ROUTING: a reply leaves (ours or a userspace
 * reflector's); T3 was written by the caller as @t3.
 */
static void sf_reflector_out(struct sf_net *sn, const struct sf_pkt *pkt,
			     const struct sf_stamp *st, u64 t3)
{
	struct sf_flow_key key;
	struct sf_flow *f;

	sf_count(sn, SF_C_PROBES_TX);
	sf_key(&key, pkt, SF_EGRESS, SNAPFIRE_ROLE_REFLECTOR, st->ssid);
	f = sf_flow_lookup(sn, &key);
	if (!f)
		return;
	spin_lock_bh(&f->lock);
	WRITE_ONCE(f->tx, f->tx + 1);	/* the eviction reads it unlocked */
	if (st->rx_ts)
		sf_flow_add_sample(f, SNAPFIRE_METRIC_TURNAROUND,
				   (s64)(t3 - st->rx_ts));
	spin_unlock_bh(&f->lock);
}

/* sf_hook() for a packet sf_maybe_probe() kept: this namespace's probe? */
static noinline unsigned int sf_hook_probe(struct sk_buff *skb,
					   const struct nf_hook_state *state)
{
	unsigned int hook = state->hook;
	const struct sf_config *cfg;
	struct sf_net *sn;
	bool to_port, reflector;
	enum sf_udp udp;
	struct sf_stamp st;
	struct sf_pkt pkt;
	u64 now;

	sn = sf_net(state->net);
	/*
	 * dying first: at rmmod the hooks are unregistered (which does not
	 * wait for running ones) and the config freed while the namespace
	 * still sends, one grace period after dying was set. A hook that
	 * reads dying false began before that grace period ended, so the
	 * config outlives it; one that reads true never touches the config.
	 */
	if (unlikely(READ_ONCE(sn->dying)))
		return NF_ACCEPT;
	cfg = rcu_dereference(sn->config);
	if (unlikely(!cfg || !sf_cfg(cfg, ENABLED)))
		return NF_ACCEPT;
	udp = sf_parse_udp(skb, state->pf, skb_network_offset(skb), &pkt);
	if (udp == SF_UDP_NONE)
		return NF_ACCEPT;
	to_port = sf_config_port(cfg, pkt.dport);
	if (!to_port && !sf_config_port(cfg, pkt.sport))
		return NF_ACCEPT;
	/*
	 * A first fragment. IPv4 reassembles before LOCAL_IN, so here it is
	 * one passing PRE_ROUTING (no conntrack defragmented it): the whole
	 * datagram comes to LOCAL_IN. IPv6 (the first; or an atomic one)
	 * reassembles after LOCAL_IN, where no hook sees the datagram
	 * (unless nf_defrag_ipv6 did before: then it arrives whole). Counted
	 * there, so that a probe larger than the path's MTU is not lost
	 * without a trace; left to the stack.
	 */
	if (unlikely(udp == SF_UDP_FRAG)) {
		if (hook == NF_INET_LOCAL_IN)
			sf_count(sn, SF_C_FRAGMENTS);
		return NF_ACCEPT;
	}
	/*
	 * IPv6 with an extension header before UDP that the stack, which
	 * processes it after LOCAL_IN, may not pass on (sf_ipv6_exthdr()):
	 * counted and left to it, like a fragment: not recorded, not
	 * answered. (On the way out it is the sender's own choice: handled.)
	 */
	if (unlikely(pkt.exthdr) && hook == NF_INET_LOCAL_IN) {
		sf_count(sn, SF_C_EXT_HEADERS);
		return NF_ACCEPT;
	}

	switch (hook) {
	case NF_INET_PRE_ROUTING:
		sf_count(sn, SF_C_PRE_ROUTING);
		return NF_ACCEPT;
	case NF_INET_LOCAL_IN:
		sf_count(sn, SF_C_LOCAL_IN);
		if (unlikely(skb_is_gso(skb)))
			goto aggregate;
		/* a UDP length that is not the IP payload's: malformed */
		if (udp != SF_UDP_OK ||
		    pkt.plen + sizeof(struct udphdr) != skb->len - pkt.udpoff) {
			sf_count(sn, SF_C_MALFORMED);
			return NF_ACCEPT;
		}
		if (!sf_udp_csum_ok(skb, hook, pkt.udpoff, pkt.family)) {
			sf_count(sn, SF_C_BAD_CHECKSUM);
			return NF_ACCEPT;
		}
		break;
	case NF_INET_LOCAL_OUT:
		if (udp != SF_UDP_OK)
			return NF_ACCEPT;
		sf_count(sn, SF_C_LOCAL_OUT);
		if (unlikely(skb_is_gso(skb)))
			return NF_ACCEPT;	/* counted at POST_ROUTING */
		break;
	case NF_INET_POST_ROUTING:
		/*
		 * Forwarded STAMP traffic is not ours to touch. The flags do not
		 * tell: ip6_forward sets no IP6SKB_FORWARDED, and IPv4 bridged
		 * through br_netfilter passes here without IPSKB_FORWARDED. But
		 * a forwarded or bridged skb came in on a device (skb_iif set),
		 * which locally made ones (sockets, our replies) did not. An
		 * ipvlan (l3, l3s) sends a container's packets through the
		 * lower device's namespace's stack with the container's socket
		 * (skb_scrub_packet() clears skb_iif, keeps the owner): that
		 * namespace's flows and T1 are not theirs either. LOCAL_OUT
		 * counted them foreign-probes.
		 */
		if (skb->skb_iif || udp != SF_UDP_OK ||
		    (skb->sk && !net_eq(sock_net(skb->sk), state->net)))
			return NF_ACCEPT;
		sf_count(sn, SF_C_POST_ROUTING);
		if (unlikely(skb_is_gso(skb)))
			goto aggregate;
		break;
	}

	/*
	 * Which layout: a packet to a STAMP port is a Session-Sender test
	 * packet, one from a STAMP port a Session-Reflector test packet.
	 */
	reflector = !to_port;
	now = sf_now();
	if (sf_stamp_parse(skb, pkt.udpoff + sizeof(struct udphdr), pkt.plen,
			   reflector, now, &st) != SF_PARSE_OK) {
		if (hook != NF_INET_POST_ROUTING)
			sf_count(sn, SF_C_MALFORMED);
		return NF_ACCEPT;
	}
	/*
	 * Authenticated mode: not the layout we parse, and its HMAC covers the
	 * timestamps. Counted once on the way in (LOCAL_IN, either role: not
	 * recorded, not answered) and once on the way out where stamp-tx
	 * would have rewritten it (POST_ROUTING); never recorded.
	 */
	if (unlikely(st.auth)) {
		if (hook == NF_INET_LOCAL_IN ||
		    (hook == NF_INET_POST_ROUTING && sf_cfg(cfg, STAMP_TX)))
			sf_count(sn, SF_C_NOT_REWRITTEN);
		return NF_ACCEPT;
	}

	switch (hook) {
	case NF_INET_LOCAL_IN:
		sf_count(sn, SF_C_PROBES_RX);
		if (reflector) {
			sf_sender_in(sn, cfg, skb, &pkt, &st);
		} else if (sf_reflector_in(sn, cfg, skb, &pkt, &st)) {
			consume_skb(skb);
			return NF_STOLEN;
		}
		break;
	case NF_INET_LOCAL_OUT:
		if (reflector)
			break;
		/*
		 * From a STAMP port to one: not a Session-Sender's probe (the
		 * reflector refuses those) but a userspace reflector's reply to
		 * one, which a spoofed flood would otherwise make sender flows
		 * of, past flow-rate and free to evict anything.
		 */
		if (sf_config_port(cfg, pkt.sport))
			sf_count(sn, SF_C_REFUSED_PORT);
		else if (!sf_own_socket(skb, state->net))
			sf_count(sn, SF_C_FOREIGN_PROBES);
		else
			sf_sender_out(sn, cfg, skb, state->net, &pkt, &st);
		break;
	case NF_INET_POST_ROUTING:
		/*
		 * The HMAC covers the timestamp: leave it as it is. A failed
		 * rewrite left the packet's too: what it carries is what the
		 * reflector's turnaround is measured to.
		 */
		if (sf_cfg(cfg, STAMP_TX) &&
		    (st.hmac || sf_stamp_tx(skb, cfg, &pkt, &st, now))) {
			sf_count(sn, SF_C_NOT_REWRITTEN);
			now = st.ts;
		} else if (!sf_cfg(cfg, STAMP_TX)) {
			now = st.ts;
		}
		if (reflector) {
			/* the flow's addresses, from before a de-NAT */
			sf_pkt_unnat(skb, &pkt);
			sf_reflector_out(sn, &pkt, &st, now);
		}
		break;
	}
	return NF_ACCEPT;

aggregate:
	/*
	 * Datagrams behind one UDP header (UDP_SEGMENT's GSO, which crosses lo
	 * and veth whole, or UDP GRO), which the stack splits for the socket.
	 * Parsed as one, its later probes would be TLVs of the first.
	 */
	sf_count(sn, SF_C_GSO);
	return NF_ACCEPT;
}

/*
 * Every packet of a namespace where snapfire is on passes here, four times
 * (two hooks each way; registered by probes.c): what is not UDP to or from a STAMP port leaves
 * after the inline header peek, with no stack frame to set up. Probes go on
 * to sf_hook_probe(), out of line, whose locals the kernel's stack
 * initialisation clears on every call.
 */
unsigned int sf_hook(void *priv, struct sk_buff *skb,
		     const struct nf_hook_state *state)
{
	if (!sf_maybe_probe(skb, state->pf == NFPROTO_IPV4 ? htons(ETH_P_IP) :
			    htons(ETH_P_IPV6), skb_network_offset(skb)))
		return NF_ACCEPT;
	return sf_hook_probe(skb, state);
}
