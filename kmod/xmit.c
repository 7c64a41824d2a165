// SPDX-License-Identifier: GPL-2.0
/*
 * The driver hand-off: a probe on the net_dev_start_xmit tracepoint, after
 * the qdisc. It ends the tx stage of the sender's probes and of the
 * reflector's replies, and records the hand-off of the reflector's last
 * reply for its next Follow-Up Telemetry TLV. Per packet, under RCU and the
 * flow's lock, like the netfilter points (hooks.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netdevice.h>
#include <linux/tracepoint.h>
#include <linux/udp.h>
#include <trace/events/net.h>

#include "snapfire.h"
#include "pkt.h"
#include "stamp.h"

/*
 * A device that hands its packets to another one of this host (a VLAN, a
 * bridge, a bond or team master, a macvlan, a VRF, Open vSwitch): its
 * start_xmit is not where the packet leaves, the lower device's is, and
 * the lower device's queue is the one that may hold it. IFF_BONDING is
 * also set on a bond's slaves, the real NICs: only the master (IFF_MASTER)
 * is stacked.
 */
static bool sf_dev_stacked(const struct net_device *dev)
{
	if (dev->priv_flags & (IFF_802_1Q_VLAN | IFF_EBRIDGE | IFF_MACVLAN |
			       IFF_TEAM | IFF_L3MDEV_MASTER | IFF_OPENVSWITCH))
		return true;
	return (dev->priv_flags & IFF_BONDING) && (dev->flags & IFF_MASTER);
}

/*
 * sf_xmit_probe() for a packet sf_maybe_probe() kept.
 *
 * net_dev_start_xmit: the driver hand-off, after the qdisc. The skb is
 * shared with the driver now: read only. Fired once per device the packet
 * passes; only the lowest (not stacked) device's counts, so each probe
 * gets one tx-stage sample, ending where its last queue let it go; and
 * only for a packet made on this host, not a mirrored copy of it. A
 * datagram longer than the MTU leaves in fragments: its first (the one
 * with the ports and the STAMP header) is its hand-off.
 */
static noinline void sf_xmit_one(const struct sk_buff *skb,
				 const struct net_device *dev, u8 family)
{
	const struct sf_config *cfg;
	struct sf_flow_key key;
	struct sf_stamp st;
	struct sf_flow *f;
	enum sf_parse_result res;
	struct sf_pkt pkt;
	struct sf_net *sn;
	struct net *net;
	enum sf_udp udp;
	bool to_port;
	u64 now;

	/*
	 * netpoll (netconsole) transmits with interrupts off, from any
	 * context, a hard interrupt included: one could arrive while this
	 * CPU holds a flow's lock (taken with BH off, interrupts on). Its
	 * packets are not probes; leave them.
	 */
	if (unlikely(irqs_disabled()))
		return;

	/*
	 * The namespace the packet was made in (sf_xmit_net()): a macvlan or
	 * ipvlan device hands a container's packets to a lower device in
	 * another namespace (the host's), whose flows are not theirs to time.
	 */
	net = sf_xmit_net(skb, dev);
	rcu_read_lock();
	sn = sf_net(net);
	/* dying before the config: see sf_hook_probe() */
	if (READ_ONCE(sn->dying))
		goto out;
	cfg = rcu_dereference(sn->config);
	if (!cfg || !sf_cfg(cfg, ENABLED))
		goto out;
	udp = sf_parse_udp(skb, family, skb_network_offset(skb), &pkt);
	if (udp != SF_UDP_OK && udp != SF_UDP_FRAG)
		goto out;
	/* the addresses and ports the flow was keyed with, before NAT */
	sf_pkt_unnat(skb, &pkt);
	to_port = sf_config_port(cfg, pkt.dport);
	if (!to_port && !sf_config_port(cfg, pkt.sport))
		goto out;
	now = sf_now();
	if (udp == SF_UDP_FRAG)
		res = sf_stamp_parse_head(skb, pkt.udpoff + sizeof(struct udphdr),
					  pkt.plen, !to_port, now, &st);
	else
		res = sf_stamp_parse(skb, pkt.udpoff + sizeof(struct udphdr),
				     pkt.plen, !to_port, now, &st);
	if (res != SF_PARSE_OK || st.auth)
		goto out;

	sf_key(&key, &pkt, SF_EGRESS,
	       to_port ? SNAPFIRE_ROLE_SENDER : SNAPFIRE_ROLE_REFLECTOR, st.ssid);
	f = sf_flow_lookup(sn, &key);
	if (!f)
		goto out;	/* forwarded, or not from here */

	/* BH is off on every xmit path (netpoll's, IRQs off, left above) */
	/*
	 * A probe: only from one of this namespace's sockets, as LOCAL_OUT
	 * kept it (sf_sender_out()). Not a packet without one that claims a
	 * pending probe's sequence number: a first fragment of a datagram
	 * forwarded (IPv6, reassembled by nf_defrag_ipv6 and cut again on
	 * the slow path, loses its skb_iif: ip6_copy_metadata() does not copy
	 * it, unlike IPv4's), or another namespace's socketless packet
	 * through an ipvlan (skb_scrub_packet() cleared its skb_iif).
	 */
	if (to_port && !sf_own_socket(skb, net))
		goto out;

	spin_lock(&f->lock);
	if (to_port) {
		struct sf_pending *p = &f->pending[st.seq % SF_PENDING];

		if (p->valid && p->seq == st.seq && !p->t_xmit) {
			p->t_xmit = now;
			sf_flow_add_sample(f, SNAPFIRE_METRIC_TX_STAGE,
					   now - p->t_out);
			sf_count(sn, SF_C_XMIT);
		}
	} else if (st.ts &&
		   !(f->fu.ts && f->fu.seq == st.seq && f->fu.t3_lo == (u32)st.ts)) {
		/*
		 * Once per reply (its sequence number and T3): a container's
		 * reply through an ipvlan is handed to its own device, then,
		 * its socket still its own, to the host's.
		 */
		sf_flow_add_sample(f, SNAPFIRE_METRIC_TX_STAGE,
				   (s64)(now - st.ts));
		sf_count(sn, SF_C_XMIT);
		/* for the next reply's Follow-Up Telemetry */
		f->fu.seq = st.seq;
		f->fu.t3_lo = (u32)st.ts;
		f->fu.ts = now;
	}
	spin_unlock(&f->lock);
out:
	rcu_read_unlock();
}

/*
 * Every packet a device of the host transmits passes here: what is not UDP
 * to or from a STAMP port leaves after the inline header peek, with no
 * stack frame to set up; sf_xmit_one() (out of line) handles the rest.
 *
 * skb_iif set: the skb came in on a device. Forwarded packets are not
 * ours, and a copy a tc mirred mirror sends elsewhere (to a monitoring
 * port, before the real device's qdisc) is not the probe leaving: its
 * hand-off would come first and win. (An egress redirect through an ifb
 * device is skipped alike: its delay then counts as network.)
 */
static void sf_xmit_probe(void *data, const struct sk_buff *skb,
			  const struct net_device *dev)
{
	u8 family;

	if (skb->protocol == htons(ETH_P_IP))
		family = AF_INET;
	else if (skb->protocol == htons(ETH_P_IPV6))
		family = AF_INET6;
	else
		return;
	if (skb_is_gso(skb) || sf_dev_stacked(dev) || skb->skb_iif ||
	    !sf_maybe_probe(skb, skb->protocol, skb_network_offset(skb)))
		return;
	sf_xmit_one(skb, dev, family);
}

static struct tracepoint *sf_tp_xmit;

/* registered by address: checked against the tracepoint's prototype (rx.c) */
static void __maybe_unused sf_xmit_check_type(void)
{
	check_trace_callback_type_net_dev_start_xmit(sf_xmit_probe);
}

/* At load: the tracepoint must be there (attached later, probes.c). */
int sf_xmit_init(void)
{
	sf_tp_xmit = sf_tracepoint("net_dev_start_xmit");
	if (!sf_tp_xmit) {
		pr_err("no tracepoint net_dev_start_xmit\n");
		return -ENOENT;
	}
	return 0;
}

/* probes.c: with sf_probes_mutex held */
int sf_xmit_attach(void)
{
	int err = tracepoint_probe_register(sf_tp_xmit, sf_xmit_probe, NULL);

	if (err)
		pr_err("cannot attach to net_dev_start_xmit: %d\n", err);
	return err;
}

/* probes.c: with sf_probes_mutex held; the caller waits for the probe */
void sf_xmit_detach(void)
{
	tracepoint_probe_unregister(sf_tp_xmit, sf_xmit_probe, NULL);
}
