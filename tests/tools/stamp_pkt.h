/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A STAMP Session-Sender test packet (RFC 8762 4.2.1, unauthenticated,
 * with the RFC 8972 SSID) as the load tools send it: the Error Estimate
 * says multiplier 1, clock not synchronised.
 */
#ifndef SNAPFIRE_TOOLS_STAMP_PKT_H
#define SNAPFIRE_TOOLS_STAMP_PKT_H

#include <stdint.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <linux/snapfire_stamp.h>

/* The host's realtime clock as an NTP timestamp. */
static inline struct stamp_ts stamp_ntp_now(void)
{
	struct timespec now;
	struct stamp_ts t;

	clock_gettime(CLOCK_REALTIME, &now);
	t.sec = htonl((uint32_t)(now.tv_sec + STAMP_NTP_UNIX_OFFSET));
	t.frac = htonl((uint32_t)(((uint64_t)now.tv_nsec << 32) / 1000000000ULL));
	return t;
}

/* @buf: STAMP_BASE_LEN bytes. */
static inline void stamp_pkt_fill(void *buf, uint32_t seq, struct stamp_ts t1,
				  uint16_t ssid)
{
	struct stamp_sender_pkt *p = buf;

	memset(p, 0, sizeof(*p));
	p->seq = htonl(seq);
	p->ts = t1;
	p->ee = htons(0x0001);
	p->ssid = htons(ssid);
}

#endif
