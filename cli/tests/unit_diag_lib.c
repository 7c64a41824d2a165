// SPDX-License-Identifier: GPL-2.0
/*
 * CLI unit tests of `snapfire diagnose`'s verdict: the cases' building
 * blocks (a healthy LAN path, one without the module) and the checks
 * (layer, rule, confidence; exactly these notes), shared by unit_diag.c
 * (incidents, rules), unit_diag_conf.c (confidence, notes) and
 * unit_diag_review.c (the review's cases, the delayed-ACK flag).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "unit.h"
#include "unit_diag.h"

void row(struct diag_in *in, enum diag_row r, uint64_t p50)
{
	in->have[r] = true;
	in->p50[r] = p50;
}

void norow(struct diag_in *in, enum diag_row r)
{
	in->have[r] = false;
	in->p50[r] = 0;
}

/* the breakdown's network, one way each (synchronised clocks) */
void net(struct diag_in *in, uint64_t fwd, uint64_t rev)
{
	in->bd_fwd = fwd;
	in->bd_rev = rev;
	in->bd_net = fwd + rev;
}

/*
 * A healthy path: two hosts in one data centre, the module on both,
 * clocks synchronised (PTP), the reflector sending Follow-Up Telemetry;
 * STAMP, ICMP and TCP (--tcp 443) ran for 10 s, 50 connects.
 * U (bd.local + bd.net + bd.far) = 355 us.
 */
void lan(struct diag_in *in)
{
	memset(in, 0, sizeof(*in));
	in->have_bd = in->synced = in->far_reported = true;
	in->bd_local = 30 * US;		/* egress stage 12 us + ingress 18 us */
	net(in, 140 * US, 150 * US);
	in->bd_far = 35 * US;		/* turnaround 25 us + egress stage 10 us */
	row(in, DR_STAMP, 330 * US);
	row(in, DR_ICMP, 360 * US);
	row(in, DR_TCP, 380 * US);
	row(in, DR_TCP_CONNECT, 420 * US);
	in->tcp_attempts = 50;
	in->tcp_timeout_ns = 3 * SEC;
}

/* The same target with no module here (no breakdown): the rows only. */
void nomod(struct diag_in *in)
{
	lan(in);
	in->have_bd = in->synced = in->far_reported = false;
	in->bd_local = in->bd_far = 0;
	net(in, 0, 0);
	row(in, DR_STAMP, 400 * US);	/* userspace stamps: a little more */
}

const char *rule_s(const struct diag_verdict *v)
{
	return v->rule ? v->rule : "(null)";
}

/* "N1 N3" */
const char *notes_s(const struct diag_verdict *v, char *b, size_t n)
{
	size_t o = 0;
	int i;

	b[0] = 0;
	for (i = 0; i < v->nnotes && o + 4 < n; i++)
		o += (size_t)snprintf(b + o, n - o, "%s%.2s", i ? " " : "",
				      v->notes[i] ? v->notes[i] : "??");
	return o ? b : "none";
}

bool has_note(const struct diag_verdict *v, const char *id)
{
	size_t k = strlen(id);
	int i;

	for (i = 0; i < v->nnotes; i++)
		if (v->notes[i] && !strncmp(v->notes[i], id, k) && v->notes[i][k] == ':')
			return true;
	return false;
}

/*
 * Run the verdict and check its layer, rule and confidence (conf < 0:
 * any), that `why` names the rule and that there is a next step.
 */
void expect(const char *what, const struct diag_in *in, struct diag_verdict *v,
		   enum diag_layer layer, const char *rule, int conf)
{
	diag_verdict(in, v);
	CHECK(v->layer == layer && v->rule && !strcmp(v->rule, rule) &&
	      (conf < 0 || v->conf == (enum diag_conf)conf) &&
	      v->why && strstr(v->why, rule) && v->next,
	      "diag: %s: %s %s %s (got %s %s %s)", what, diag_layer_key(layer), rule,
	      conf < 0 ? "any" : diag_conf_name((enum diag_conf)conf),
	      diag_layer_key(v->layer), rule_s(v), diag_conf_name(v->conf));
}

/* exactly these notes ("N3 N4", "" for none), in any order */
void expect_notes(const char *what, const struct diag_verdict *v, const char *want)
{
	static const char *const ids[] = { "N0", "N1", "N2", "N3", "N4", "N5" };
	char b[64];
	bool ok = true;
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		ok &= has_note(v, ids[i]) == (strstr(want, ids[i]) != NULL);
	/* every note is one of those, none twice */
	ok &= v->nnotes >= 0 && v->nnotes <= DIAG_NOTES_MAX;
	for (i = 0; ok && i < (size_t)v->nnotes; i++) {
		size_t j;

		ok &= v->notes[i] && v->notes[i][0] == 'N' && v->notes[i][2] == ':';
		for (j = 0; ok && j < i; j++)
			ok &= strncmp(v->notes[i], v->notes[j], 3) != 0;
	}
	CHECK(ok, "diag: %s: notes %s (got %s)", what, *want ? want : "none",
	      notes_s(v, b, sizeof(b)));
}
