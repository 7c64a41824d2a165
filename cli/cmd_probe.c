// SPDX-License-Identifier: GPL-2.0
/* snapfire probe: a STAMP Session-Sender (RFC 8762/8972) in userspace. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/snapfire_stamp.h>

#include "common.h"
#include "probe.h"
#include "samples.h"

static void on_sigint(int sig)
{
	(void)sig;
	probe_stop = 1;
}

int cmd_probe(int argc, char **argv)
{
	struct probe p = { .port = STAMP_PORT, .fd = -1, .size = 0, .followup = true };
	double interval = 1, duration = 0;
	uint64_t count = 0, v, sport = 0;
	int family = AF_UNSPEC, dscp = -1, i, rc, have_ssid = 0;
	sigset_t block, orig;
	struct sigaction sa;
	uint8_t *buf;
	uint16_t ee;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (want_help("probe", a))
			return EXIT_OK;
		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			g_json = true;
			continue;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			p.quiet = true;
			continue;
		} else if (!strcmp(a, "-4")) {
			family = AF_INET;
			continue;
		} else if (!strcmp(a, "-6")) {
			family = AF_INET6;
			continue;
		} else if (!strcmp(a, "--no-follow-up")) {
			p.followup = false;
			continue;
		} else if (a[0] != '-' || !a[1]) {
			if (p.dest)
				return usage_err("probe", "unexpected argument '%s'", a);
			p.dest = a;
			continue;
		}
		if (!strcmp(a, "-p") || !strcmp(a, "--port")) {
			rc = arg_u64("probe", a, val, 65535, &v);
			if (!rc && !v)
				rc = usage_err("probe", "-p: port 0 is not a port");
			p.port = (uint16_t)v;
		} else if (!strcmp(a, "-i") || !strcmp(a, "--interval")) {
			rc = arg_double("probe", a, val, &interval);
			if (!rc && interval < 0.0001)
				rc = usage_err("probe", "-i: the interval must be at least 0.0001 s");
		} else if (!strcmp(a, "-c") || !strcmp(a, "--count")) {
			rc = arg_u64("probe", a, val, UINT32_MAX, &count);
		} else if (!strcmp(a, "-w") || !strcmp(a, "--deadline")) {
			rc = arg_double("probe", a, val, &duration);
		} else if (!strcmp(a, "-s") || !strcmp(a, "--size")) {
			rc = arg_u64("probe", a, val, STAMP_MAX_LEN, &v);
			if (!rc && (v < STAMP_BASE_LEN ||
				    (v > STAMP_BASE_LEN && v < STAMP_BASE_LEN + STAMP_TLV_HDR_LEN)))
				rc = usage_err("probe", "-s: the size must be 44, or 48 to %d (44 + TLVs)",
					       STAMP_MAX_LEN);
			p.size = (size_t)v;
		} else if (!strcmp(a, "--ssid")) {
			rc = arg_u64("probe", a, val, 65535, &v);
			p.ssid = (uint16_t)v;
			have_ssid = 1;
		} else if (!strcmp(a, "--dscp")) {
			rc = arg_u64("probe", a, val, 63, &v);
			dscp = (int)v;
		} else if (!strcmp(a, "--sport")) {
			rc = arg_u64("probe", a, val, 65535, &sport);
		} else {
			return usage_err("probe", "unknown option '%s'", a);
		}
		if (rc)
			return rc;
		i++;
	}
	if (!p.dest)
		return usage_err("probe", "where to? give a destination address or name");
	/*
	 * 44 bytes is the bare base packet: no room for the Follow-Up
	 * Telemetry TLV (20 bytes); behind it, a padding TLV needs 4 more.
	 */
	if (p.size == STAMP_BASE_LEN)
		p.followup = false;
	if (!p.size)
		p.size = p.followup ? FU_SIZE : STAMP_BASE_LEN;
	if (p.followup && p.size != FU_SIZE && p.size < FU_SIZE + STAMP_TLV_HDR_LEN)
		return usage_err("probe", "-s: with Follow-Up Telemetry the size must be 44 (none), %d, or %d to %d; or add --no-follow-up",
				 FU_SIZE, FU_SIZE + STAMP_TLV_HDR_LEN, STAMP_MAX_LEN);
	if (!have_ssid) {
		p.ssid = (uint16_t)(getpid() & 0xffff);
		if (!p.ssid)
			p.ssid = 1;
	}
	rc = probe_open(&p, family, sport, dscp);
	if (rc)
		return rc;
	buf = calloc(1, p.size);
	if (!buf) {
		close(p.fd);
		errmsg("out of memory");
		return EXIT_FAIL;
	}
	probe_build_tlvs(&p, buf);
	ee = probe_error_estimate();

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &orig);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (!g_json && !p.quiet)
		printf("STAMP %s (%s) port %u: %zu bytes, ssid %u, every %gs\n",
		       p.dest, p.addr, p.port, p.size, p.ssid, interval);
	probe_run(&p, buf, ee, interval, count, duration, &orig);
	sigprocmask(SIG_SETMASK, &orig, NULL);
	probe_summary(&p);
	close(p.fd);
	free(buf);
	probe_free_slots(&p);
	samples_free(&p.rtt);
	samples_free(&p.fwd);
	samples_free(&p.rev);
	samples_free(&p.far);
	return p.received || !p.sent ? EXIT_OK : EXIT_FAIL;
}
