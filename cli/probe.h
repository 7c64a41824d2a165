/* SPDX-License-Identifier: GPL-2.0 */
/* `snapfire probe`: a session's state (cmd_probe.c runs it, probe_report.c
 * reports it). */
#ifndef SNAPFIRE_PROBE_H
#define SNAPFIRE_PROBE_H

#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "samples.h"

/* A reply received, slot reflector seq % FU_SLOTS, for Follow-Up Telemetry. */
#define FU_SLOTS 64
struct replied {
	uint32_t seq;
	int valid;
	int64_t t3;
};

struct probe {
	const char *dest;
	char addr[INET6_ADDRSTRLEN];
	uint16_t port, ssid;
	int fd;
	size_t size;
	uint32_t sent;
	uint64_t received, dups, reordered;
	uint32_t max_seq;		/* highest received + 1 */
	uint8_t *seen;			/* bitmap over sequence numbers */
	size_t seen_bytes;
	struct samples rtt, fwd, rev;
	int64_t last_rtt;
	int have_last;
	double jit_sum, jit3550;
	uint64_t jit_n;
	int64_t max_rtt;
	bool quiet, synced_clock;
	bool followup;			/* probes carry a Follow-Up Telemetry TLV */
	struct samples far;		/* the reflector's egress stage, from it */
	struct replied replied[FU_SLOTS];
};

/* @ns as milliseconds with 3 significant-ish digits ("0.123", "12.34") */
char *probe_ms(char *buf, size_t n, int64_t ns);
/* The final report: text, or JSON with -j. */
void probe_summary(struct probe *p);

#endif /* SNAPFIRE_PROBE_H */
