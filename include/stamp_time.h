/* SPDX-License-Identifier: GPL-2.0 */
/*
 * STAMP timestamp arithmetic (RFC 8762 section 4.2.1), shared by the module
 * (kmod/stamp.c) and the CLI (cli/cmd_probe.c) so that both read and write
 * timestamps the same way; tested once, by the KUnit suite snapfire_stamp.
 *
 * A timestamp is 32 bits of seconds and 32 bits of fraction, in host byte
 * order here (the callers convert from and to the wire):
 *  - NTP format (Z = 0): seconds since 1900, fraction in 2^-32 s;
 *  - PTPv2 truncated (Z = 1): seconds since 1970, fraction in ns.
 * The 32-bit seconds wrap (NTP in 2036, PTP in 2106): a timestamp is taken
 * to be the one of its era nearest to the reader's clock, within 68 years.
 * Times are Unix ns (u64); 0 is "no timestamp" both ways.
 *
 * Pure: no state, no kernel or libc calls besides 64-bit division.
 */
#ifndef _SNAPFIRE_STAMP_TIME_H
#define _SNAPFIRE_STAMP_TIME_H

#include <linux/types.h>

#ifdef __KERNEL__
#include <linux/math64.h>
static inline __u64 stamp_div_rem(__u64 n, __u32 d, __u32 *rem)
{
	return div_u64_rem(n, d, rem);
}
#else
static inline __u64 stamp_div_rem(__u64 n, __u32 d, __u32 *rem)
{
	*rem = (__u32)(n % d);
	return n / d;
}
#endif

#define STAMP_TIME_NSEC		1000000000U
#define STAMP_TIME_NTP_OFFSET	2208988800LL	/* 1900-01-01 .. 1970-01-01, s */

/* The 64-bit seconds of @sec32 (any era) nearest to @now, within 2^31 s. */
static inline __s64 stamp_era_resolve(__u32 sec32, __s64 now)
{
	return now + (__s32)(sec32 - (__u32)now);
}

/*
 * Timestamp (@sec, @frac) -> Unix ns, the era resolved against @now_ns (the
 * reader's Unix ns). 0 for the all-zero timestamp and for times before
 * 1970. NTP fractions round to the nearest ns (0xffffffff rounds up to the
 * next second); a PTP fraction above 999 999 999 ns counts as that.
 */
static inline __u64 stamp_ts_to_ns(__u32 sec, __u32 frac, int ptp,
				   __u64 now_ns)
{
	__u32 rem;
	__s64 now = (__s64)stamp_div_rem(now_ns, STAMP_TIME_NSEC, &rem);
	__s64 s;
	__u64 ns;

	if (!sec && !frac)
		return 0;
	if (ptp) {
		s = stamp_era_resolve(sec, now);
		ns = frac < STAMP_TIME_NSEC ? frac : STAMP_TIME_NSEC - 1;
	} else {
		s = stamp_era_resolve(sec, now + STAMP_TIME_NTP_OFFSET) -
		    STAMP_TIME_NTP_OFFSET;
		ns = ((__u64)frac * STAMP_TIME_NSEC + (1ULL << 31)) >> 32;
	}
	if (s < 0)
		return 0;	/* before 1970: not representable */
	return (__u64)s * STAMP_TIME_NSEC + ns;
}

/*
 * Unix ns -> timestamp; only the low 32 bits of the seconds go on the wire
 * (the era). NTP fractions round to the nearest 2^-32 s. @ns 0 gives the
 * all-zero timestamp.
 */
static inline void stamp_ns_to_ts(__u64 ns, int ptp, __u32 *sec, __u32 *frac)
{
	__u32 rem;
	__u64 s;

	if (!ns) {
		*sec = 0;
		*frac = 0;
		return;
	}
	s = stamp_div_rem(ns, STAMP_TIME_NSEC, &rem);
	if (ptp) {
		*frac = rem;
	} else {
		__u32 r;

		s += STAMP_TIME_NTP_OFFSET;
		/* below 2^32 as rem < 10^9 */
		*frac = (__u32)stamp_div_rem(((__u64)rem << 32) +
					     STAMP_TIME_NSEC / 2,
					     STAMP_TIME_NSEC, &r);
	}
	*sec = (__u32)s;
}

#endif /* _SNAPFIRE_STAMP_TIME_H */
