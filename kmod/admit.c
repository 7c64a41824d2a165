// SPDX-License-Identifier: GPL-2.0
/*
 * Admission: may the packet path allocate a new flow or histogram group
 * now? Two bounds, both checked before the allocation and without
 * sf_net.lock:
 *
 *  - memory: the module's flows and histograms of all namespaces together
 *    stay under max_mem_mb, those anyone may make (namespaces owned by
 *    other user namespaces, reflector flows, unprivileged tasks' sender
 *    flows) under half of it (sf_mem_allowed());
 *  - rate: packets from other hosts, and unprivileged tasks' probes, make
 *    at most flow-rate flows a second per namespace (sf_flow_rate_ok()).
 *
 * The third, max-flows, is the table's own (flow.c, eviction).
 */
#include <linux/atomic.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>

#include "snapfire.h"

/* The memory cap over all namespaces, MiB (module parameter max_mem_mb). */
unsigned int sf_max_mem_mb = SF_DEFAULT_MAX_MEM_MB;
/*
 * What the untrusted flows use, all namespaces together: those of
 * namespaces of other user namespaces, reflector flows and unprivileged
 * tasks' sender flows (sf_flow_untrusted()).
 */
static atomic64_t sf_untrusted_mem = ATOMIC64_INIT(0);

/*
 * Account @delta bytes of @sn's flows and histograms (negative: freed);
 * @untrusted: of a flow in the untrusted half (sf_flow_untrusted()).
 */
void sf_mem_add(struct sf_net *sn, bool untrusted, s64 delta)
{
	atomic64_add(delta, &sn->mem);
	atomic64_add(delta, &sf_global_mem);
	if (untrusted)
		atomic64_add(delta, &sf_untrusted_mem);
}

/*
 * May @sn allocate @size more bytes of flows and histograms? Not past the
 * cap over all namespaces, and the flows of namespaces owned by other user
 * namespaces (anyone can make one), reflector flows and those unprivileged
 * tasks' probes made (@untrusted: any host or local user can send to a
 * STAMP port) not past half of it together, so that they can never starve
 * the host's administrators' own measurements. A
 * new flow (@new_flow) stops a sixteenth short of either: that last
 * sixteenth is kept for the flows that exist, so that a flood of new
 * sources (spoofed ones, say) cannot take the next histogram groups of a
 * live flow away. Checked before the allocation and accounted after it,
 * without a lock: concurrent CPUs may overshoot the cap by one allocation
 * each (a flow of at most 2 KiB, a group of at most 1 KiB), which
 * docs/DESIGN.md counts in the bound.
 */
bool sf_mem_allowed(struct sf_net *sn, bool untrusted, size_t size, bool new_flow)
{
	u64 cap = (u64)READ_ONCE(sf_max_mem_mb) << 20;

	if (!size)
		return true;	/* nothing new: past the cap or not */
	if (new_flow)
		cap -= cap >> SF_MEM_RESERVE_SHIFT;
	if (atomic64_read(&sf_global_mem) + size > cap)
		return false;
	return !untrusted ||
	       atomic64_read(&sf_untrusted_mem) + size <= cap / 2;
}

/*
 * May a packet from another host make a reflector flow now? At most
 * flow-rate a second, a second of it in a burst: a spoofed flood, each
 * packet of it a new flow, would otherwise cost an atomic allocation and
 * the table's lock per packet, on every CPU that receives it, whether the
 * reflector is on or not. Its own short lock, not sf_net.lock: a flood
 * past the rate never reaches that one. Nor, mostly, this one: while the
 * bucket is empty and no token can have come since, the packet is refused
 * on a read of the bucket (sf_bucket_empty()), so that a flood's packets
 * on every CPU do not queue on one lock to be told no.
 *
 * @local: a sender flow of an unprivileged task's probe instead, which has
 * a bucket of its own at the same rate: any local user may send probes,
 * but a remote flood must not stop an unprivileged agent's new sessions.
 */
bool sf_flow_rate_ok(struct sf_net *sn, const struct sf_config *cfg, bool local)
{
	struct sf_bucket *b = local ? &sn->local_bucket : &sn->flow_bucket;
	u64 rate = sf_cfg(cfg, FLOW_RATE);
	bool ok;

	if (sf_bucket_empty(b, ktime_get_mono_fast_ns(), rate))
		return false;
	spin_lock_bh(&sn->flow_rate_lock);
	/* read under the lock: the bucket sees the clock in order */
	ok = sf_bucket_take(b, ktime_get_mono_fast_ns(), rate, rate);
	spin_unlock_bh(&sn->flow_rate_lock);
	return ok;
}
