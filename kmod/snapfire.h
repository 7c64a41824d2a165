/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snapfire: core types shared by the module's files.
 *
 * Locking overview (see docs/DESIGN.md for the full picture):
 *  - sf_net.config is RCU-published; writers hold sf_net.conf_mutex.
 *  - sf_net.lock (BH spinlock) protects the flow list, flow count, the
 *    next id, insertion into and removal from the flow table and
 *    the id xarray (whose own xa_lock nests inside it), and the eviction
 *    cursor.
 *  - sf_flow.lock (BH spinlock) protects a flow's statistics; it nests
 *    inside sf_net.lock.
 *  - sf_net.ev_lock protects the event ring and nests inside both.
 *  - sf_net.rl_lock and sf_net.flow_rate_lock protect token buckets (the
 *    reflector's rate limits, flow-rate); each is taken alone.
 *  - Packet-path lookups run under RCU only; flows are freed after a grace
 *    period.
 *  - sf_nets_mutex protects the list of all sf_net (for global counters).
 */
#ifndef _SNAPFIRE_H
#define _SNAPFIRE_H

#include <linux/types.h>
#include <linux/in6.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rhashtable.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <uapi/linux/snapfire.h>
#include <uapi/linux/snapfire_stamp.h>

#include "bucket.h"
#include "hist.h"
#include "seq.h"

#define SNAPFIRE_VERSION	"0.1.0"

#define SF_METRIC_CNT		(SNAPFIRE_METRIC_MAX + 1)
#define SF_DEFAULT_MAX_MEM_MB	256	/* all namespaces together */
/* STAMP ports besides 862 only other user namespaces' namespaces name (rx.c) */
#define SF_DEFAULT_UNTRUSTED_PORTS	16
/* new flows stop 1/2^SHIFT short of the cap: the rest is the live flows' */
#define SF_MEM_RESERVE_SHIFT	4
#define SF_PENDING		64	/* sender probes in flight remembered */
#define SF_RL_BUCKETS		256	/* per-source rate limit buckets */
#define SF_EVENT_RING		64
#define SF_SSID_HINTS		256	/* 4-tuple -> SSID of the last sender flow */

/* Counters: index i is netlink attribute SNAPFIRE_A_COUNTERS_* = i + 1. */
enum sf_counter {
	SF_C_PRE_ROUTING,
	SF_C_LOCAL_IN,
	SF_C_LOCAL_OUT,
	SF_C_POST_ROUTING,
	SF_C_XMIT,
	SF_C_PROBES_RX,
	SF_C_PROBES_TX,
	SF_C_MALFORMED,
	SF_C_REFLECTED,
	SF_C_RATE_LIMITED,
	SF_C_NOT_ALLOWED,
	SF_C_BAD_SOURCE,
	SF_C_REFLECT_ERRORS,
	SF_C_FLOWS_CREATED,
	SF_C_FLOWS_EVICTED,
	SF_C_FLOWS_EXPIRED,
	SF_C_ALLOC_FAILURES,
	SF_C_CLAMPED,
	SF_C_UNMATCHED,
	SF_C_EVENTS_DROPPED,
	SF_C_REFUSED_PORT,
	SF_C_REFUSED_LOOPED,
	SF_C_BAD_CHECKSUM,
	SF_C_NOT_REWRITTEN,
	SF_C_MEM_REFUSED,
	SF_C_GSO,
	SF_C_FLOWS_LIMITED,
	SF_C_FLOWS_FULL,
	SF_C_FOREIGN_PROBES,
	SF_C_FRAGMENTS,
	SF_C_XFRM_REFUSED,
	SF_C_EXT_HEADERS,
	SF_C_IMPLAUSIBLE,
	SF_C_CNT
};

struct sf_counters {
	u64 c[SF_C_CNT];
};

struct sf_prefix {
	u8 family;		/* AF_INET or AF_INET6 */
	u8 plen;
	struct in6_addr addr;	/* AF_INET: the first 4 bytes */
};

/*
 * One scalar setting of the configuration, by its attribute: its type, a
 * new namespace's value and what config-set accepts (config.c's
 * sf_config_keys[] holds them all; netlink's policy, reply size, fill and
 * parse are made from it).
 */
struct sf_config_key {
	u8 type;		/* NLA_U8, NLA_U16, NLA_U32, NLA_U64; 0: none */
	/*
	 * A namespace owned by a user namespace other than the initial one
	 * may set it from @umin to @umax only: it sizes kernel memory or
	 * work done in softirq, or bounds what the reflector answers
	 * (@def lies within; nl_config.c's sf_check_untrusted()).
	 */
	bool capped;
	u64 umin;
	u64 umax;
	/* capped: the extack of a refusal, naming the setting and its range */
	const char *capped_msg;
	u64 def;
	u64 min;
	u64 max;
};

extern const struct sf_config_key sf_config_keys[SNAPFIRE_A_CONFIG_PAD];

/* A scalar setting by its attribute's name: sf_cfg(cfg, RATE_LIMIT). */
#define sf_cfg(cfg, name)	((cfg)->val[SNAPFIRE_A_CONFIG_##name])

/* One namespace's configuration; immutable once published. */
struct sf_config {
	/* the scalar settings, by attribute (sf_cfg(), sf_config_keys[]) */
	u64 val[SNAPFIRE_A_CONFIG_PAD];
	u8 nports;
	u8 nallow;
	__be16 ports[SNAPFIRE_MAX_PORTS];
	struct sf_prefix allow[SNAPFIRE_MAX_ALLOW];
	struct rcu_head rcu;
};

struct sf_flow_key {
	struct in6_addr laddr;	/* AF_INET: ::ffff:a.b.c.d */
	struct in6_addr raddr;
	__be16 lport;
	__be16 rport;
	u16 ssid;
	u8 family;
	u8 role;		/* enum snapfire_role */
};

/* What a sender remembers of a probe in flight, slot seq % SF_PENDING. */
struct sf_pending {
	u32 seq;
	bool valid;
	u64 t_out;		/* LOCAL_OUT */
	u64 t_xmit;		/* driver hand-off, 0 if not seen */
};

/*
 * What a sender remembers of a reply received, slot reflector seq %
 * SF_PENDING: its T3, for the Follow-Up Telemetry the next reply brings.
 */
struct sf_replied {
	u32 seq;			/* the reflector's sequence number */
	bool valid;
	u64 t3;				/* the reflector's clock */
};

/* What a reply's Follow-Up Telemetry TLV reports: the previous reply. */
struct sf_followup {
	u32 seq;
	u32 t3_lo;		/* its T3's low 32 bits (ns): which reply */
	u64 ts;			/* its driver hand-off, 0 if none went out */
};

struct sf_net;

struct sf_flow {
	struct rhash_head node;		/* in sf_net.flows */
	struct list_head list;		/* sf_net.flow_list, under sf_net.lock */
	struct sf_flow_key key;
	u64 id;
	struct sf_net *sn;
	struct rcu_head rcu;

	spinlock_t lock;		/* protects all below */
	u64 created;			/* ns, realtime */
	u64 last_seen;			/* ns, realtime */
	unsigned long last_jiffies;
	u64 tx;
	u64 rx;
	struct sf_seq seq;		/* sender seq: round trip / forward */
	struct sf_seq rseq;		/* reflector seq (sender of a stateful session) */
	bool stateful_peer;		/* reflector seq differed from sender seq */
	u64 jitter;			/* RFC 3550 J, ns << 4 */
	s64 prev_delay;			/* RTT or forward transit of prev_seq */
	u32 prev_seq;
	bool have_prev;
	bool synced;
	/*
	 * A sender flow whose first probe a task without CAP_NET_ADMIN over
	 * the namespace sent (sf_admin_sender()): admitted as a remote
	 * packet's flow is (flow-rate, evicts only its kind), its memory in
	 * the untrusted half of the cap. Set at creation, never changed.
	 */
	bool unpriv;
	u8 peer_ttl;
	u32 refl_seq;			/* stateful reflector: next reply seq */
	u32 tx_seq_hi;			/* sender: highest seq sent (serial) */
	u8 precision;			/* of histograms created for this flow */
	u32 mem;			/* bytes, histograms included */
	struct sf_hist *hist[SF_METRIC_CNT];
	/* threshold window */
	u64 win_start;			/* ns */
	u32 win_n;
	u32 win_over;
	u64 win_max;
	u64 win_expected;		/* seq expected at window start */
	u64 win_lost;			/* seq lost at window start */
	bool rtt_alarm;
	bool loss_alarm;
	/* by role (key.role); the flow stays within 512 bytes */
	union {
		struct {			/* sender */
			struct sf_pending *pending;	/* SF_PENDING slots */
			struct sf_replied *replied;	/* sf_flow_replied() */
		};
		/* reflector: its last reply, for Follow-Up Telemetry */
		struct sf_followup fu;
	};
};

struct sf_event {
	u8 type;			/* enum snapfire_event_type */
	struct sf_flow_key key;
	u64 id;
	u64 rx;
	u64 lost;
	u64 value;
	u64 threshold;
};

struct sf_net {
	struct net *net;
	struct list_head node;		/* sf_nets, under sf_nets_mutex */
	struct sf_config __rcu *config;
	struct mutex conf_mutex;	/* serialises config writers */
	struct sf_counters __percpu *counters;

	spinlock_t lock;		/* see the overview above */
	struct rhashtable flows;
	struct xarray flow_ids;		/* id -> flow; changed under lock */
	struct list_head flow_list;	/* oldest first (CLOCK order) */
	u32 nflows;
	u64 next_id;
	atomic64_t mem;
	spinlock_t flow_rate_lock;	/* protects flow_bucket, local_bucket */
	struct sf_bucket flow_bucket;	/* flow-rate: new reflector flows/s */
	/*
	 * flow-rate too, apart: new flows of unprivileged local senders a
	 * second (a remote flood must not stop an unprivileged agent's new
	 * sessions, nor the agent a remote host's)
	 */
	struct sf_bucket local_bucket;

	spinlock_t ev_lock;		/* protects the event ring; innermost */
	struct sf_event *events;	/* the ring, SF_EVENT_RING of them */
	u32 ev_head;
	u32 ev_len;
	struct sf_bucket ev_bucket;	/* event-rate per second, 1 s burst */
	struct work_struct event_work;

	spinlock_t rl_lock;		/* protects rl[] and rl_global */
	struct sf_bucket *rl;		/* SF_RL_BUCKETS of them */
	struct sf_bucket rl_global;

	/*
	 * A reply with SSID 0 (from an RFC 8762-only reflector, to which the
	 * field is MBZ) matches its sender flow by the UDP 4-tuple: the SSID
	 * the last probe on that 4-tuple carried, hashed, unlocked.
	 */
	u16 *ssid_hint;			/* SF_SSID_HINTS of them */

	struct delayed_work gc_work;	/* armed while nflows > 0 (flow.c) */
	bool dying;
	bool untrusted;			/* owned by a non-initial user namespace */
	bool hooked;			/* hooks registered, probes held; conf_mutex */
};

extern unsigned int sf_net_id;
extern struct mutex sf_nets_mutex;
extern struct list_head sf_nets;
extern atomic64_t sf_global_mem;
extern unsigned int sf_max_mem_mb;

static inline struct sf_net *sf_net(const struct net *net)
{
	return net_generic(net, sf_net_id);
}

static inline void sf_count(struct sf_net *sn, enum sf_counter c)
{
	this_cpu_inc(sn->counters->c[c]);
}

static inline void sf_count_add(struct sf_net *sn, enum sf_counter c, u64 n)
{
	this_cpu_add(sn->counters->c[c], n);
}

void sf_counters_sum(struct sf_net *sn, struct sf_counters *out);

/*
 * Is @f's memory in the untrusted half of the cap (admit.c)? Its
 * namespace's owner is not the initial user namespace, or anyone made it:
 * a reflector flow (any host, any local user, sending to a STAMP port,
 * the reflector on or off) or an unprivileged task's sender flow. What
 * is left, the host's administrators' own sender flows, always has the
 * other half. Fixed for the flow's life, so that what it added is taken
 * back from the same account.
 */
static inline bool sf_flow_untrusted(const struct sf_flow *f)
{
	return f->sn->untrusted || f->unpriv ||
	       f->key.role == SNAPFIRE_ROLE_REFLECTOR;
}

/* config.c */
struct sf_config *sf_config_default(gfp_t gfp);
bool sf_config_port(const struct sf_config *cfg, __be16 port);
bool sf_config_allowed(const struct sf_config *cfg, u8 family,
		       const struct in6_addr *addr);
void sf_config_replace(struct sf_net *sn, struct sf_config *newcfg);

/* admit.c */
void sf_mem_add(struct sf_net *sn, bool untrusted, s64 delta);
bool sf_mem_allowed(struct sf_net *sn, bool untrusted, size_t size, bool new_flow);
bool sf_flow_rate_ok(struct sf_net *sn, const struct sf_config *cfg, bool local);

/* flow.c */
int sf_flows_init(struct sf_net *sn);
void sf_flows_exit(struct sf_net *sn);
struct sf_flow *sf_flow_lookup(struct sf_net *sn, const struct sf_flow_key *key);
struct sf_flow *sf_flow_create(struct sf_net *sn, const struct sf_config *cfg,
			       const struct sf_flow_key *key, u64 now,
			       bool unpriv);

/* The flow of @key, made if there is none (sf_flow_create()); under RCU. */
static inline struct sf_flow *
sf_flow_get_or_create(struct sf_net *sn, const struct sf_config *cfg,
		      const struct sf_flow_key *key, u64 now, bool unpriv)
{
	struct sf_flow *f = sf_flow_lookup(sn, key);

	return likely(f) ? f : sf_flow_create(sn, cfg, key, now, unpriv);
}

struct sf_flow *sf_flow_find_id(struct sf_net *sn, u64 id);
int sf_flow_del(struct sf_net *sn, u64 id);	/* id 0: all */
void sf_flow_del_upto(struct sf_net *sn, unsigned long last);
int sf_flow_reset(struct sf_net *sn, u64 id);	/* id 0: all */
void sf_flow_add_sample(struct sf_flow *f, enum snapfire_metric m, s64 v);
struct sf_replied *sf_flow_replied(struct sf_flow *f);
void sf_gc_work(struct work_struct *work);

/* event.c */
void sf_event_push(struct sf_net *sn, u8 type, const struct sf_flow *f,
		   u64 value, u64 threshold);
void sf_event_work(struct work_struct *work);
void sf_events_stop(void);

/* probes.c */
int sf_probes_start(void);
int sf_probes_get(void);
void sf_probes_put(void);
void sf_probes_stop(void);

/* hooks.c */
struct nf_hook_state;
unsigned int sf_hook(void *priv, struct sk_buff *skb,
		     const struct nf_hook_state *state);

/* probes.c: a namespace's hooks */
int sf_hooks_follow(struct sf_net *sn, const struct sf_config *cfg,
		    bool before_publish);
void sf_hooks_drop(struct sf_net *sn);

/* xmit.c */
int sf_xmit_init(void);
int sf_xmit_attach(void);
void sf_xmit_detach(void);

/* rx.c */
struct tracepoint *sf_tracepoint(const char *name);
int sf_rx_init(void);
void sf_rx_exit(void);
int sf_rx_attach(void);
void sf_rx_detach(void);
extern unsigned int sf_max_untrusted_ports;
int sf_rx_ports_update(const struct sf_config *old, const struct sf_config *new,
		       bool untrusted, bool check);
/* @port (host order) named by some namespace now? Unlocked: for a message */
bool sf_rx_port_named(u16 port);

/* The headers of a UDP datagram to or from a STAMP port, as parsed. */
struct sf_pkt {
	u8 family;
	u8 ttl;			/* TTL / hop limit as received */
	u8 tos;			/* TOS / traffic class */
	unsigned int udpoff;	/* UDP header, from skb->data */
	unsigned int plen;	/* UDP payload length */
	struct in6_addr saddr;	/* AF_INET: ::ffff:a.b.c.d */
	struct in6_addr daddr;
	__be16 sport;
	__be16 dport;
	/*
	 * IPv6: an extension header before UDP that the stack, processing it
	 * only after LOCAL_IN, may not pass on (pkt.c's sf_ipv6_exthdr())
	 */
	bool exthdr;
};

struct sf_stamp;

/* reflect.c */
void sf_reflect_seed(void);
void sf_reflect_init(struct sf_net *sn);
enum sf_counter sf_reflect_refuse(struct sf_net *sn, const struct sf_config *cfg,
				  struct sk_buff *skb,
				  const struct sf_pkt *pkt,
				  const struct sf_stamp *st);
void sf_reflect(struct sf_net *sn, const struct sf_config *cfg,
		struct sk_buff *skb, const struct sf_pkt *pkt,
		const struct sf_stamp *st, u64 t2, u32 reply_seq,
		const struct sf_followup *fu);

/* netlink.c, nl_*.c */
int sf_genl_register(void);
void sf_genl_unregister(void);
int sf_genl_event(struct sf_net *sn, const struct sf_event *ev);

#endif
