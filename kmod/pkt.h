/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Header peeking and flow keys for the timestamp points (pkt.c), and the
 * clock they all read.
 */
#ifndef _SF_PKT_H
#define _SF_PKT_H

#include <linux/capability.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/ktime.h>
#include <linux/skbuff.h>
#include <linux/timekeeping.h>
#include <linux/udp.h>
#include <net/net_namespace.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "snapfire.h"
#include "compat.h"

enum sf_dir { SF_INGRESS, SF_EGRESS };

enum sf_udp {
	SF_UDP_NONE,		/* not UDP, or a later fragment: not ours */
	SF_UDP_BAD_LEN,		/* UDP, ports parsed, but its length is wrong */
	SF_UDP_FRAG,		/* a first (IPv6: or atomic) fragment: ports parsed */
	SF_UDP_OK,
};

/* pkt.c (each described there) */
enum sf_udp sf_parse_udp(const struct sk_buff *skb, u8 family,
			 unsigned int nhoff, struct sf_pkt *pkt);

void sf_key(struct sf_flow_key *key, const struct sf_pkt *pkt,
	    enum sf_dir dir, u8 role, u16 ssid);
void sf_pkt_unnat(const struct sk_buff *skb, struct sf_pkt *pkt);

/*
 * pkt.c: the union of every namespace's STAMP ports, read locklessly;
 * rx.c keeps it
 */
#define SF_NPORTS	65536
extern DECLARE_BITMAP(sf_rx_ports, SF_NPORTS);

bool sf_maybe_probe_slow(const struct sk_buff *skb, __be16 proto,
			 unsigned int off);

static __always_inline bool sf_rx_port(__be16 port)
{
	return test_bit(ntohs(port), sf_rx_ports);
}

/* Are @len bytes at @off (from skb->data) in @skb's linear area? */
static __always_inline bool sf_linear(const struct sk_buff *skb,
				      unsigned int off, unsigned int len)
{
	unsigned int hlen = skb_headlen(skb);

	return off <= hlen && hlen - off >= len;
}

/*
 * Is the packet at @off (from skb->data), of ethertype @proto, UDP to or
 * from a port that some namespace has configured as a STAMP port? IPv4
 * first fragments count, later ones (no ports) do not: rx.c stamps those
 * of every UDP datagram itself. IPv6 first (and atomic) fragments count
 * too, for LOCAL_IN to count them (hooks.c): IPv6 reassembles after it.
 *
 * The first test of every timestamp point (the netfilter hooks, the rx
 * and xmit tracepoint probes): a superset of every namespace's probes,
 * decided from the headers and one global bitmap, so that any other
 * packet leaves before a namespace's state or configuration is looked up.
 * Reads the headers only.
 *
 * Every packet on the host passes here at up to six points, so the common
 * case is inline and reads in place: an IPv4 or IPv6 header and the UDP
 * header in the linear area, no extension header. No stack buffer, which
 * the kernel's stack initialisation (CONFIG_INIT_STACK_ALL_ZERO) would
 * clear on every call. The rest (headers in fragments, IPv6 extension
 * headers) takes sf_maybe_probe_slow(), which decides the same.
 */
static __always_inline bool sf_maybe_probe(const struct sk_buff *skb,
					   __be16 proto, unsigned int off)
{
	const struct udphdr *uh;
	unsigned int uoff;

	if (proto == htons(ETH_P_IP)) {
		const struct iphdr *iph = (const void *)(skb->data + off);

		if (unlikely(!sf_linear(skb, off, sizeof(*iph))))
			return sf_maybe_probe_slow(skb, proto, off);
		if (iph->protocol != IPPROTO_UDP || iph->ihl < 5 ||
		    (iph->frag_off & htons(IP_OFFSET)))
			return false;
		uoff = off + iph->ihl * 4;
	} else if (proto == htons(ETH_P_IPV6)) {
		const struct ipv6hdr *ip6h = (const void *)(skb->data + off);

		if (unlikely(!sf_linear(skb, off, sizeof(*ip6h))))
			return sf_maybe_probe_slow(skb, proto, off);
		if (ip6h->nexthdr != IPPROTO_UDP) {
			if (ip6h->nexthdr == IPPROTO_TCP ||
			    !ipv6_ext_hdr(ip6h->nexthdr))
				return false;
			return sf_maybe_probe_slow(skb, proto, off);
		}
		uoff = off + sizeof(*ip6h);
	} else {
		return false;
	}
	if (unlikely(!sf_linear(skb, uoff, sizeof(*uh))))
		return sf_maybe_probe_slow(skb, proto, off);
	uh = (const void *)(skb->data + uoff);
	return sf_rx_port(uh->dest) || sf_rx_port(uh->source);
}

/* Every timestamp of the datapath: CLOCK_REALTIME, like skb->tstamp. */
static inline u64 sf_now(void)
{
	return ktime_get_real_ns();
}

static inline u64 sf_abs_diff(s64 a, s64 b)
{
	return a > b ? a - b : b - a;
}

/*
 * When the packet reached this host: a hardware receive timestamp if the
 * NIC supplied one that is in the system clock's domain (within a second
 * of it: a PHC running on TAI or free-running is not), else the software
 * timestamp of the NAPI path; 0 if neither.
 */
static inline u64 sf_rx_time(const struct sk_buff *skb, u64 now)
{
	u64 hw = ktime_to_ns(skb_shinfo(skb)->hwtstamps.hwtstamp);

	if (hw && sf_abs_diff(hw, now) < NSEC_PER_SEC)
		return hw;
	return sf_skb_rx_tstamp(skb);
}

/*
 * The namespace @skb was made in, at its driver hand-off on @dev: its
 * socket's where that is a full socket holding a reference on its
 * namespace (a user's: a macvlan or ipvlan device hands a container's
 * packets to the host's device), else the device's. A kernel socket holds
 * none: its packet may wait in another namespace's qdisc while its own
 * namespace is dismantled, and that namespace's snapfire state (sf_net(),
 * freed by its pernet exit) would be read after it is gone. The in-kernel
 * reflector's replies have no socket at all. (Its replies in a container
 * behind a macvlan are handed to the host's device, whose namespace has
 * no such flow: no tx stage for them.)
 */
static inline struct net *sf_xmit_net(const struct sk_buff *skb,
				      const struct net_device *dev)
{
	const struct sock *sk = skb->sk;

	if (sk && sk_fullsock(sk) && sk->sk_net_refcnt)
		return sock_net(sk);
	return dev_net(dev);
}

/*
 * Did a socket of this namespace send @skb? A Session-Sender's probe does.
 * Not so a copy that TEE or nft dup sends (orphaned), nor a container's
 * packet that ipvlan (l3, l3s) hands to this namespace's ip_local_out()
 * (scrubbed, its socket the container's): not this host's measurements,
 * they would be recorded twice, or in a namespace that is not theirs,
 * past flow-rate.
 */
static inline bool sf_own_socket(const struct sk_buff *skb, const struct net *net)
{
	const struct sock *sk = skb->sk;

	return sk && sk_fullsock(sk) && net_eq(sock_net(sk), net);
}

/*
 * Did a task that administers @net send the probe @skb now at LOCAL_OUT
 * (one sf_own_socket() kept), from a socket such a task opened? Its sender
 * flow is then this host's own measurement; anyone else's (any local user
 * may send UDP to a STAMP port, from as many source ports and SSIDs as it
 * likes) is admitted as a remote packet's flow is (flow.c). Both, as
 * sk_ns_capable() asks: a privileged writer of an unprivileged user's
 * socket (passed to it, or a setuid program's stderr) is not enough.
 *
 * A UDP probe reaches LOCAL_OUT in its sender's sendmsg(), so the task is
 * current; in any other context it is not known, and not trusted. The
 * task's check does not audit (a refusal is an ordinary user's probe, not
 * a denial to log; a granted one marks the task PF_SUPERPRIV, as any
 * capability check does); the opener's, asked only when the task passed,
 * does. The socket's file is read as xt_owner reads it: the task holds
 * it while it sends; an orphaned socket's (closed meanwhile) is not
 * trusted, a kernel socket's (no file) is.
 */
static inline bool sf_admin_sender(const struct sk_buff *skb, const struct net *net)
{
	const struct socket *sock;
	const struct file *file;

	if (!in_task() || !ns_capable_noaudit(net->user_ns, CAP_NET_ADMIN))
		return false;
	sock = READ_ONCE(skb->sk->sk_socket);
	if (!sock)
		return false;
	file = READ_ONCE(sock->file);
	return !file || file_ns_capable(file, net->user_ns, CAP_NET_ADMIN);
}

#endif /* _SF_PKT_H */
