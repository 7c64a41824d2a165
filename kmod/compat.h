/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels snapfire supports (6.1 LTS to current
 * mainline) lives here, so that the rest of the module reads as if written
 * for one kernel.
 */
#ifndef _SNAPFIRE_COMPAT_H
#define _SNAPFIRE_COMPAT_H

#include <linux/version.h>
#include <linux/skbuff.h>
#include <net/genetlink.h>

/*
 * The one version test (checkpatch flags it once, here: out-of-tree code has
 * to know which kernel it is built against).
 */
#define SF_KERNEL_BEFORE(major, minor) \
	(LINUX_VERSION_CODE < KERNEL_VERSION(major, minor, 0))

/* 6.1 LTS is the floor: nothing below it is built or tested */
#if SF_KERNEL_BEFORE(6, 1)
#error "snapfire needs Linux 6.1 or later"
#endif

/*
 * 64-bit only: a flow's u64 id indexes an xarray by unsigned long, and the
 * u64 counters and flow fields that netlink and the eviction read without
 * their writers' locks would tear on a 32-bit CPU. Nothing here was ever
 * built or tested on one.
 */
#ifndef CONFIG_64BIT
#error "snapfire needs a 64-bit kernel (see kmod/compat.h)"
#endif

/*
 * PREEMPT_RT is refused, not half supported: the driver hand-off probe
 * (xmit.c) takes a flow's spinlock_t, a sleeping lock on RT, and may
 * allocate a histogram group, in a tracepoint probe that runs with
 * preemption disabled (until 7.x made tracepoints SRCU readers): a
 * "sleeping function called from invalid context" splat per probe, and
 * scheduling while atomic when the lock is contended. Nothing here was
 * ever built or tested on RT.
 */
#ifdef CONFIG_PREEMPT_RT
#error "snapfire does not support PREEMPT_RT kernels (see kmod/compat.h)"
#endif

/*
 * 6.12 moved <asm/unaligned.h> to <linux/unaligned.h> (the asm-generic
 * wrappers went away). Tested by presence rather than version, so that a
 * stable or vendor kernel that has the new header either way builds.
 */
#ifdef __has_include
#if __has_include("linux/unaligned.h")
#define SF_LINUX_UNALIGNED_H
#endif
#elif !SF_KERNEL_BEFORE(6, 12)
/* sparse (0.6.4) has no __has_include: go by the version */
#define SF_LINUX_UNALIGNED_H
#endif
#ifdef SF_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* 6.2 split genl_dumpit_info into an op and a genl_info. */
#if SF_KERNEL_BEFORE(6, 2)
static inline struct nlattr **sf_dump_attrs(struct netlink_callback *cb)
{
	return genl_dumpit_info(cb)->attrs;
}
#else
static inline struct nlattr **sf_dump_attrs(struct netlink_callback *cb)
{
	return genl_dumpit_info(cb)->info.attrs;
}
#endif

/*
 * The receive timestamp of an skb, if it is a CLOCK_REALTIME one: an egress
 * delivery time (EDT) may still sit in skb->tstamp of a looped-back skb.
 * 5.18 to 6.10 flag that with mono_delivery_time; 6.11 replaced the flag by
 * tstamp_type.
 */
#if SF_KERNEL_BEFORE(6, 11)
static inline u64 sf_skb_rx_tstamp(const struct sk_buff *skb)
{
	return skb->mono_delivery_time ? 0 : ktime_to_ns(skb->tstamp);
}
#else
static inline u64 sf_skb_rx_tstamp(const struct sk_buff *skb)
{
	return skb->tstamp_type == SKB_CLOCK_REALTIME ? ktime_to_ns(skb->tstamp) : 0;
}
#endif

/*
 * A missing required attribute is reported in the extack
 * (NLMSGERR_ATTR_MISS_TYPE) since 6.3 and some 6.1.y; elsewhere the
 * message alone says which.
 */
#ifndef NL_SET_ERR_ATTR_MISS
#define NL_SET_ERR_ATTR_MISS(extack, nest, type) do { } while (0)
#endif

#endif
