// SPDX-License-Identifier: GPL-2.0
/*
 * The receive stamp (T2 on a reflector, T4 on a sender): probes on the
 * stack's receive entry tracepoints stamp skb->tstamp, as the stack itself
 * does there with net_enable_timestamp(), but only for UDP to or from a
 * port some namespace has configured as a STAMP port. Every other packet
 * pays a header peek and two bit tests: no clock read, and the stack's
 * global receive timestamping stays off while snapfire is loaded.
 *
 * The entry points, one of which every received packet passes before the
 * stack's netif_receive core:
 *
 *   netif_rx                      netif_rx() and dev_forward_skb() (veth,
 *                                 loopback, macvlan broadcast, tunnels)
 *   netif_receive_skb_entry       netif_receive_skb()
 *   netif_receive_skb_list_entry  netif_receive_skb_list(), per skb
 *   napi_gro_receive_entry        GRO, before the packet is merged or held
 *   napi_gro_frags_entry          GRO of page-fragment drivers
 *
 * netif_rx fires where net_timestamp_check() stamps today, the
 * netif_receive_skb ones just before it; the GRO ones fire earlier, before
 * GRO and its batching, which the stack's own stamp would count as network.
 * A packet passes more than one (a bridge port, then the bridge): the
 * first stamp stays, as net_timestamp_check() leaves a set one. A set
 * tstamp is never overwritten: it may be an egress delivery time (EDT)
 * that a forwarded packet still needs; hooks.c reads it as no stamp.
 *
 * The port set is the union over all namespaces, not the receiving one's:
 * these tracepoints run in the device's namespace, which for a macvlan or
 * VLAN moved into a container, or for a tunnel, is not the namespace that
 * delivers the packet. A port some other namespace uses costs a clock read
 * for its packets here, nothing else.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/skbuff.h>
#include <linux/tracepoint.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <trace/events/net.h>

#include "snapfire.h"
#include "pkt.h"

/* protects sf_port_refs, sf_port_urefs, sf_uports, sf_rx_ports' writes */
static DEFINE_MUTEX(sf_rx_ports_mutex);
/* per port, how many namespaces' configurations name it ... */
static u32 *sf_port_refs;
/* ... and how many of those are owned by other user namespaces */
static u32 *sf_port_urefs;
/*
 * The ports besides STAMP's 862 that only such namespaces name. Every UDP
 * packet of the host to or from a port in sf_rx_ports, whatever its
 * namespace, gets a receive stamp and enters the hooks' probe path, so
 * anyone who can make namespaces could otherwise put every UDP port of
 * the host there (8 a namespace). At most sf_max_untrusted_ports
 * (module parameter untrusted_ports).
 */
static unsigned int sf_uports;
unsigned int sf_max_untrusted_ports = SF_DEFAULT_UNTRUSTED_PORTS;

/*
 * A later IPv4 fragment of a UDP datagram (offset not 0: no ports to tell
 * whose)? Reassembly keeps the stamp of the fragment queued last, not the
 * first one's (ip_frag_queue() sets the queue's stamp from each), so a
 * probe's stamp must be on its later fragments too: a fragmented probe
 * (larger than the path's MTU) arriving in order had none. Every UDP
 * datagram's later fragments are stamped, probes or not: a clock read for
 * what is rare traffic. The datagram's time is then when it was whole.
 */
static __always_inline bool sf_rx_later_fragment(const struct sk_buff *skb,
						 __be16 proto, unsigned int off)
{
	const struct iphdr *iph = (const void *)(skb->data + off);

	return proto == htons(ETH_P_IP) &&
	       sf_linear(skb, off, sizeof(*iph)) &&
	       iph->protocol == IPPROTO_UDP &&
	       (iph->frag_off & htons(IP_OFFSET));
}

/*
 * A frame with an 802.1Q/802.1ad tag the NIC left in it (skb->protocol
 * names the tag): up to two tags are looked through.
 */
static noinline void sf_rx_stamp_tagged(struct sk_buff *skb)
{
	__be16 proto = skb->protocol;
	unsigned int off = 0;
	int tags;

	for (tags = 0; tags < 2 && eth_type_vlan(proto); tags++) {
		struct vlan_hdr _vh;
		const struct vlan_hdr *vh;

		vh = skb_header_pointer(skb, off, sizeof(_vh), &_vh);
		if (!vh)
			return;
		proto = vh->h_vlan_encapsulated_proto;
		off += VLAN_HLEN;
	}
	if (sf_maybe_probe(skb, proto, off) ||
	    sf_rx_later_fragment(skb, proto, off))
		__net_timestamp(skb);
}

/*
 * At every entry point, for every packet: skb->data is at the network
 * header, or at a VLAN tag (sf_rx_stamp_tagged(), out of line).
 */
static __always_inline void sf_rx_stamp(struct sk_buff *skb)
{
	if (skb->tstamp)
		return;
	if (unlikely(eth_type_vlan(skb->protocol)))
		sf_rx_stamp_tagged(skb);
	else if (sf_maybe_probe(skb, skb->protocol, 0) ||
		 unlikely(sf_rx_later_fragment(skb, skb->protocol, 0)))
		__net_timestamp(skb);
}

/* netif_rx (the net_dev_template class) */
static void sf_rx_tp(void *data, struct sk_buff *skb)
{
	sf_rx_stamp(skb);
}

/*
 * The *_entry tracepoints (the net_dev_rx_verbose_template class) pass the
 * skb as const: they are meant to be read. The stamp is the one field the
 * stack itself writes at this point, and nothing else is touched.
 */
static void sf_rx_tp_entry(void *data, const struct sk_buff *skb)
{
	if (skb)	/* napi_gro_frags: NULL when the frame was bad */
		sf_rx_stamp((struct sk_buff *)skb);
}

static struct {
	const char *name;
	void *probe;
	struct tracepoint *tp;
} sf_rx_tps[] = {
	{ "netif_rx", sf_rx_tp },
	{ "netif_receive_skb_entry", sf_rx_tp_entry },
	{ "netif_receive_skb_list_entry", sf_rx_tp_entry },
	{ "napi_gro_receive_entry", sf_rx_tp_entry },
	{ "napi_gro_frags_entry", sf_rx_tp_entry },
};

/*
 * The probes are registered by address (the tracepoints are found by
 * name): the compiler checks each against its tracepoint's prototype
 * here, so a kernel that changes one fails the build instead of calling
 * the probe with other arguments.
 */
static void __maybe_unused sf_rx_tp_check_types(void)
{
	check_trace_callback_type_netif_rx(sf_rx_tp);
	check_trace_callback_type_netif_receive_skb_entry(sf_rx_tp_entry);
	check_trace_callback_type_netif_receive_skb_list_entry(sf_rx_tp_entry);
	check_trace_callback_type_napi_gro_receive_entry(sf_rx_tp_entry);
	check_trace_callback_type_napi_gro_frags_entry(sf_rx_tp_entry);
}

struct sf_tp_query {
	const char *name;
	struct tracepoint *tp;
};

static void sf_tp_match(struct tracepoint *tp, void *priv)
{
	struct sf_tp_query *q = priv;

	if (!strcmp(tp->name, q->name))
		q->tp = tp;
}

/* A tracepoint of the kernel's by name (none of these are exported). */
struct tracepoint *sf_tracepoint(const char *name)
{
	struct sf_tp_query q = { .name = name };

	for_each_kernel_tracepoint(sf_tp_match, &q);
	return q.tp;
}

/* Detaches the first @n of sf_rx_tps, last first. */
static void sf_rx_detach_n(int n)
{
	while (n--)
		tracepoint_probe_unregister(sf_rx_tps[n].tp, sf_rx_tps[n].probe,
					    NULL);
}

/* probes.c: with sf_probes_mutex held */
int sf_rx_attach(void)
{
	int i, err;

	for (i = 0; i < ARRAY_SIZE(sf_rx_tps); i++) {
		err = tracepoint_probe_register(sf_rx_tps[i].tp,
						sf_rx_tps[i].probe, NULL);
		if (err) {
			pr_err("cannot attach to %s: %d\n",
			       sf_rx_tps[i].name, err);
			sf_rx_detach_n(i);
			return err;
		}
	}
	return 0;
}

/* probes.c: with sf_probes_mutex held; the caller waits for the probes */
void sf_rx_detach(void)
{
	sf_rx_detach_n(ARRAY_SIZE(sf_rx_tps));
}

/* At load: the tracepoints must all be there (attached later, probes.c). */
int sf_rx_init(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(sf_rx_tps); i++) {
		sf_rx_tps[i].tp = sf_tracepoint(sf_rx_tps[i].name);
		if (!sf_rx_tps[i].tp) {
			pr_err("no tracepoint %s\n", sf_rx_tps[i].name);
			return -ENOENT;
		}
	}
	sf_port_refs = kvcalloc(SF_NPORTS, sizeof(*sf_port_refs), GFP_KERNEL);
	sf_port_urefs = kvcalloc(SF_NPORTS, sizeof(*sf_port_urefs), GFP_KERNEL);
	if (!sf_port_refs || !sf_port_urefs) {
		kvfree(sf_port_urefs);
		kvfree(sf_port_refs);
		return -ENOMEM;
	}
	return 0;
}

/* After every namespace is gone: no port is left in the set. */
void sf_rx_exit(void)
{
	kvfree(sf_port_urefs);
	kvfree(sf_port_refs);
}

/* Is @p named only by namespaces of other user namespaces (862 aside)? */
static bool sf_port_untrusted_only(unsigned int p)
{
	lockdep_assert_held(&sf_rx_ports_mutex);
	return p != STAMP_PORT && sf_port_refs[p] && sf_port_refs[p] == sf_port_urefs[p];
}

/* One namespace's reference to @p, added (@d 1) or dropped (-1). */
static void sf_port_ref(unsigned int p, int d, bool untrusted)
{
	bool was = sf_port_untrusted_only(p);

	if (d < 0 && WARN_ON_ONCE(!sf_port_refs[p] || (untrusted && !sf_port_urefs[p])))
		return;
	sf_port_refs[p] += d;
	if (untrusted)
		sf_port_urefs[p] += d;
	sf_uports += (int)sf_port_untrusted_only(p) - (int)was;
	if (sf_port_refs[p])
		set_bit(p, sf_rx_ports);
	else
		clear_bit(p, sf_rx_ports);
}

bool sf_rx_port_named(u16 port)
{
	return READ_ONCE(sf_port_refs[port]);
}

/*
 * A namespace's STAMP ports change from @old's to @new's (either NULL: it
 * comes or goes); @untrusted: it is owned by another user namespace. The
 * new ones are counted first, so a port in both never leaves the set on
 * the way. With @check, -ENOSPC (nothing changed) when that would leave
 * more than sf_max_untrusted_ports that only such namespaces name.
 */
int sf_rx_ports_update(const struct sf_config *old, const struct sf_config *new,
		       bool untrusted, bool check)
{
	unsigned int i, p, more = 0;

	mutex_lock(&sf_rx_ports_mutex);
	if (check && untrusted) {
		for (i = 0; new && i < new->nports; i++) {
			p = ntohs(new->ports[i]);
			if (p != STAMP_PORT && !sf_port_refs[p] &&
			    !(old && sf_config_port(old, new->ports[i])))
				more++;
		}
		if (more && sf_uports + more > READ_ONCE(sf_max_untrusted_ports)) {
			mutex_unlock(&sf_rx_ports_mutex);
			return -ENOSPC;
		}
	}
	for (i = 0; new && i < new->nports; i++)
		sf_port_ref(ntohs(new->ports[i]), 1, untrusted);
	for (i = 0; old && i < old->nports; i++)
		sf_port_ref(ntohs(old->ports[i]), -1, untrusted);
	mutex_unlock(&sf_rx_ports_mutex);
	return 0;
}
