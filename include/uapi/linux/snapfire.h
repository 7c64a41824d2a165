/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	include/snapfire.yaml */
/* YNL-GEN uapi header */

#ifndef _UAPI_LINUX_SNAPFIRE_H
#define _UAPI_LINUX_SNAPFIRE_H

#define SNAPFIRE_FAMILY_NAME	"snapfire"
#define SNAPFIRE_FAMILY_VERSION	1

#define SNAPFIRE_MAX_PORTS	8
#define SNAPFIRE_MAX_ALLOW	16

/**
 * enum snapfire_role - Which side of a STAMP session this host plays for a
 *   flow.
 * @SNAPFIRE_ROLE_SENDER: Session-Sender; probes leave this host, reflected
 *   packets return.
 * @SNAPFIRE_ROLE_REFLECTOR: Session-Reflector; probes arrive at this host
 *   (reflected in-kernel when the reflector is on, or by a userspace
 *   reflector).
 */
enum snapfire_role {
	SNAPFIRE_ROLE_SENDER = 1,
	SNAPFIRE_ROLE_REFLECTOR,
};

/**
 * enum snapfire_reflect_mode - Reflector mode, as RFC 8762 section 4.3 defines
 *   them.
 * @SNAPFIRE_REFLECT_MODE_STATELESS: The reply's sequence number is the
 *   probe's.
 * @SNAPFIRE_REFLECT_MODE_STATEFUL: The reply's sequence number counts the
 *   replies of the session, so the sender can tell forward loss from reverse
 *   loss.
 */
enum snapfire_reflect_mode {
	SNAPFIRE_REFLECT_MODE_STATELESS,
	SNAPFIRE_REFLECT_MODE_STATEFUL,
};

/**
 * enum snapfire_metric - Per-flow latency metrics; each has its own histogram.
 * @SNAPFIRE_METRIC_RTT: Sender: round trip of the network, (T4 - T1) - (T3 -
 *   T2), with T1 the driver hand-off of the probe and T4 its driver receive
 *   time. It excludes both hosts' stacks, so the end-to-end time of a probe is
 *   tx-stage + rtt + turnaround + rx-stage (and rtt = fwd + rev when the
 *   clocks are synchronised). The reflector's own egress queue, after its T3,
 *   is inside it: far-tx-stage measures it.
 * @SNAPFIRE_METRIC_FWD: One-way forward delay T2 - T1; only when both clocks
 *   are synchronised.
 * @SNAPFIRE_METRIC_REV: One-way reverse delay T4 - T3; only when both clocks
 *   are synchronised.
 * @SNAPFIRE_METRIC_TURNAROUND: Time spent in the reflector, T3 - T2 (sender:
 *   as the reflector reports it; reflector: as this host measured it).
 * @SNAPFIRE_METRIC_TX_STAGE: This host's egress stage: from netfilter
 *   LOCAL_OUT to the driver hand-off (net_dev_start_xmit), stack plus qdisc.
 * @SNAPFIRE_METRIC_RX_STAGE: This host's ingress stage: from the driver/NAPI
 *   receive timestamp to netfilter LOCAL_IN.
 * @SNAPFIRE_METRIC_IPDV: Absolute IP packet delay variation (RFC 5481) between
 *   consecutive packets: of the RTT on a sender, of the forward transit on a
 *   reflector.
 * @SNAPFIRE_METRIC_FAR_TX_STAGE: Sender: the reflector's egress stage as its
 *   Follow-Up Telemetry TLV (RFC 8972 section 4.7) reports it: when a reply
 *   really left the reflector minus the T3 written into it, both read on the
 *   reflector's clock (valid without synchronised clocks). T3 is taken before
 *   the reflector's qdisc, so this part of the far host's time is inside rtt;
 *   the breakdown moves it to the far host. Only from a reflector that fills
 *   the TLV (snapfire's does: the driver hand-off of its previous reply).
 */
enum snapfire_metric {
	SNAPFIRE_METRIC_RTT,
	SNAPFIRE_METRIC_FWD,
	SNAPFIRE_METRIC_REV,
	SNAPFIRE_METRIC_TURNAROUND,
	SNAPFIRE_METRIC_TX_STAGE,
	SNAPFIRE_METRIC_RX_STAGE,
	SNAPFIRE_METRIC_IPDV,
	SNAPFIRE_METRIC_FAR_TX_STAGE,

	/* private: */
	__SNAPFIRE_METRIC_MAX,
	SNAPFIRE_METRIC_MAX = (__SNAPFIRE_METRIC_MAX - 1)
};

/**
 * enum snapfire_event_type - Kinds of notification sent to the events
 *   multicast group.
 * @SNAPFIRE_EVENT_TYPE_FLOW_NEW: A flow was created.
 * @SNAPFIRE_EVENT_TYPE_FLOW_EVICTED: A flow was evicted to make room for a new
 *   one at the limit.
 * @SNAPFIRE_EVENT_TYPE_FLOW_EXPIRED: A flow was removed after being idle for
 *   the idle timeout.
 * @SNAPFIRE_EVENT_TYPE_RTT_HIGH: The flow's RTT p99 over the last window rose
 *   above the threshold.
 * @SNAPFIRE_EVENT_TYPE_LOSS_HIGH: The flow's loss over the last window rose
 *   above the threshold.
 */
enum snapfire_event_type {
	SNAPFIRE_EVENT_TYPE_FLOW_NEW = 1,
	SNAPFIRE_EVENT_TYPE_FLOW_EVICTED,
	SNAPFIRE_EVENT_TYPE_FLOW_EXPIRED,
	SNAPFIRE_EVENT_TYPE_RTT_HIGH,
	SNAPFIRE_EVENT_TYPE_LOSS_HIGH,

	/* private: */
	__SNAPFIRE_EVENT_TYPE_MAX,
	SNAPFIRE_EVENT_TYPE_MAX = (__SNAPFIRE_EVENT_TYPE_MAX - 1)
};

enum {
	SNAPFIRE_A_PREFIX_FAMILY = 1,
	SNAPFIRE_A_PREFIX_ADDR,
	SNAPFIRE_A_PREFIX_PLEN,

	__SNAPFIRE_A_PREFIX_MAX,
	SNAPFIRE_A_PREFIX_MAX = (__SNAPFIRE_A_PREFIX_MAX - 1)
};

enum {
	SNAPFIRE_A_CONFIG_ENABLED = 1,
	SNAPFIRE_A_CONFIG_PORT,
	SNAPFIRE_A_CONFIG_REFLECT,
	SNAPFIRE_A_CONFIG_REFLECT_MODE,
	SNAPFIRE_A_CONFIG_RATE_LIMIT,
	SNAPFIRE_A_CONFIG_RATE_BURST,
	SNAPFIRE_A_CONFIG_ALLOW,
	SNAPFIRE_A_CONFIG_ALLOW_CLEAR,
	SNAPFIRE_A_CONFIG_MAX_FLOWS,
	SNAPFIRE_A_CONFIG_IDLE_TIMEOUT,
	SNAPFIRE_A_CONFIG_HIST_PRECISION,
	SNAPFIRE_A_CONFIG_CLOCK_SYNCED,
	SNAPFIRE_A_CONFIG_STAMP_TX,
	SNAPFIRE_A_CONFIG_RTT_THRESHOLD,
	SNAPFIRE_A_CONFIG_LOSS_THRESHOLD,
	SNAPFIRE_A_CONFIG_WINDOW,
	SNAPFIRE_A_CONFIG_EVENT_RATE,
	SNAPFIRE_A_CONFIG_MIN_SOURCE_PORT,
	SNAPFIRE_A_CONFIG_RATE_PREFIX6,
	SNAPFIRE_A_CONFIG_RATE_PREFIX4,
	SNAPFIRE_A_CONFIG_RATE_TOTAL,
	SNAPFIRE_A_CONFIG_FLOW_RATE,
	SNAPFIRE_A_CONFIG_PAD,

	__SNAPFIRE_A_CONFIG_MAX,
	SNAPFIRE_A_CONFIG_MAX = (__SNAPFIRE_A_CONFIG_MAX - 1)
};

enum {
	SNAPFIRE_A_COUNTERS_PRE_ROUTING = 1,
	SNAPFIRE_A_COUNTERS_LOCAL_IN,
	SNAPFIRE_A_COUNTERS_LOCAL_OUT,
	SNAPFIRE_A_COUNTERS_POST_ROUTING,
	SNAPFIRE_A_COUNTERS_XMIT,
	SNAPFIRE_A_COUNTERS_PROBES_RX,
	SNAPFIRE_A_COUNTERS_PROBES_TX,
	SNAPFIRE_A_COUNTERS_MALFORMED,
	SNAPFIRE_A_COUNTERS_REFLECTED,
	SNAPFIRE_A_COUNTERS_RATE_LIMITED,
	SNAPFIRE_A_COUNTERS_NOT_ALLOWED,
	SNAPFIRE_A_COUNTERS_BAD_SOURCE,
	SNAPFIRE_A_COUNTERS_REFLECT_ERRORS,
	SNAPFIRE_A_COUNTERS_FLOWS_CREATED,
	SNAPFIRE_A_COUNTERS_FLOWS_EVICTED,
	SNAPFIRE_A_COUNTERS_FLOWS_EXPIRED,
	SNAPFIRE_A_COUNTERS_ALLOC_FAILURES,
	SNAPFIRE_A_COUNTERS_CLAMPED,
	SNAPFIRE_A_COUNTERS_UNMATCHED,
	SNAPFIRE_A_COUNTERS_EVENTS_DROPPED,
	SNAPFIRE_A_COUNTERS_REFUSED_PORT,
	SNAPFIRE_A_COUNTERS_REFUSED_LOOPED,
	SNAPFIRE_A_COUNTERS_BAD_CHECKSUM,
	SNAPFIRE_A_COUNTERS_NOT_REWRITTEN,
	SNAPFIRE_A_COUNTERS_MEM_REFUSED,
	SNAPFIRE_A_COUNTERS_GSO,
	SNAPFIRE_A_COUNTERS_FLOWS_LIMITED,
	SNAPFIRE_A_COUNTERS_FLOWS_FULL,
	SNAPFIRE_A_COUNTERS_FOREIGN_PROBES,
	SNAPFIRE_A_COUNTERS_FRAGMENTS,
	SNAPFIRE_A_COUNTERS_XFRM_REFUSED,
	SNAPFIRE_A_COUNTERS_EXT_HEADERS,
	SNAPFIRE_A_COUNTERS_IMPLAUSIBLE,
	SNAPFIRE_A_COUNTERS_PAD,

	__SNAPFIRE_A_COUNTERS_MAX,
	SNAPFIRE_A_COUNTERS_MAX = (__SNAPFIRE_A_COUNTERS_MAX - 1)
};

enum {
	SNAPFIRE_A_STATUS_VERSION = 1,
	SNAPFIRE_A_STATUS_COUNTERS,
	SNAPFIRE_A_STATUS_GLOBAL_COUNTERS,
	SNAPFIRE_A_STATUS_FLOWS,
	SNAPFIRE_A_STATUS_MEM,
	SNAPFIRE_A_STATUS_GLOBAL_MEM,
	SNAPFIRE_A_STATUS_PAD,

	__SNAPFIRE_A_STATUS_MAX,
	SNAPFIRE_A_STATUS_MAX = (__SNAPFIRE_A_STATUS_MAX - 1)
};

enum {
	SNAPFIRE_A_BUCKET_LOW = 1,
	SNAPFIRE_A_BUCKET_HIGH,
	SNAPFIRE_A_BUCKET_COUNT,
	SNAPFIRE_A_BUCKET_PAD,

	__SNAPFIRE_A_BUCKET_MAX,
	SNAPFIRE_A_BUCKET_MAX = (__SNAPFIRE_A_BUCKET_MAX - 1)
};

enum {
	SNAPFIRE_A_HIST_METRIC = 1,
	SNAPFIRE_A_HIST_COUNT,
	SNAPFIRE_A_HIST_SUM,
	SNAPFIRE_A_HIST_MIN_VALUE,
	SNAPFIRE_A_HIST_MAX_VALUE,
	SNAPFIRE_A_HIST_CLAMPED,
	SNAPFIRE_A_HIST_PRECISION,
	SNAPFIRE_A_HIST_BUCKET,
	SNAPFIRE_A_HIST_PAD,

	__SNAPFIRE_A_HIST_MAX,
	SNAPFIRE_A_HIST_MAX = (__SNAPFIRE_A_HIST_MAX - 1)
};

enum {
	SNAPFIRE_A_FLOW_ID = 1,
	SNAPFIRE_A_FLOW_ROLE,
	SNAPFIRE_A_FLOW_FAMILY,
	SNAPFIRE_A_FLOW_LOCAL_ADDR,
	SNAPFIRE_A_FLOW_REMOTE_ADDR,
	SNAPFIRE_A_FLOW_LOCAL_PORT,
	SNAPFIRE_A_FLOW_REMOTE_PORT,
	SNAPFIRE_A_FLOW_SSID,
	SNAPFIRE_A_FLOW_CREATED,
	SNAPFIRE_A_FLOW_LAST_SEEN,
	SNAPFIRE_A_FLOW_TX,
	SNAPFIRE_A_FLOW_RX,
	SNAPFIRE_A_FLOW_LOST,
	SNAPFIRE_A_FLOW_REORDERED,
	SNAPFIRE_A_FLOW_DUPLICATES,
	SNAPFIRE_A_FLOW_REV_LOST,
	SNAPFIRE_A_FLOW_RESTARTS,
	SNAPFIRE_A_FLOW_JITTER,
	SNAPFIRE_A_FLOW_SYNCED,
	SNAPFIRE_A_FLOW_PEER_TTL,
	SNAPFIRE_A_FLOW_MEM,
	SNAPFIRE_A_FLOW_HIST,
	SNAPFIRE_A_FLOW_HIST_MASK,
	SNAPFIRE_A_FLOW_PAD,
	SNAPFIRE_A_FLOW_PEER_STATEFUL,

	__SNAPFIRE_A_FLOW_MAX,
	SNAPFIRE_A_FLOW_MAX = (__SNAPFIRE_A_FLOW_MAX - 1)
};

enum {
	SNAPFIRE_A_EVENT_TYPE = 1,
	SNAPFIRE_A_EVENT_FLOW,
	SNAPFIRE_A_EVENT_VALUE,
	SNAPFIRE_A_EVENT_THRESHOLD,
	SNAPFIRE_A_EVENT_PAD,

	__SNAPFIRE_A_EVENT_MAX,
	SNAPFIRE_A_EVENT_MAX = (__SNAPFIRE_A_EVENT_MAX - 1)
};

enum {
	SNAPFIRE_CMD_CONFIG_GET = 1,
	SNAPFIRE_CMD_CONFIG_SET,
	SNAPFIRE_CMD_STATUS_GET,
	SNAPFIRE_CMD_FLOW_GET,
	SNAPFIRE_CMD_FLOW_DEL,
	SNAPFIRE_CMD_FLOW_RESET,
	SNAPFIRE_CMD_EVENT,

	__SNAPFIRE_CMD_MAX,
	SNAPFIRE_CMD_MAX = (__SNAPFIRE_CMD_MAX - 1)
};

#define SNAPFIRE_MCGRP_EVENTS	"events"

#endif /* _UAPI_LINUX_SNAPFIRE_H */
