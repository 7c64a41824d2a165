// SPDX-License-Identifier: GPL-2.0
/*
 * snapfire diagnose TARGET: STAMP (with the module's breakdown), ICMP,
 * TCP connects and HTTP GETs to one target at the same time, for the same
 * duration, one thread each; then one table, the STAMP breakdown and the
 * verdict (diag_verdict.c, the decision table of docs/DIAGNOSE.md).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/snapfire.h>
#include <linux/snapfire_stamp.h>

#include "cmds.h"
#include "common.h"
#include "diag.h"
#include "fmt.h"
#include "out.h"
#include "probe.h"
#include "verdict.h"

struct diag {
	struct diag_target t;
	char addr[INET6_ADDRSTRLEN];
	uint16_t stamp_port;
	bool no_stamp, no_icmp;
	struct diag_row_res row[DR_COUNT];
	/* STAMP: the session, and its flow in the module */
	uint16_t ssid, sport;
	bool stamp_synced;
	struct flow flow;
	bool have_flow;
	const char *bd_why;	/* why there is no breakdown */
};

static const char *const row_labels[DR_COUNT] = {
	[DR_STAMP] = "stamp (udp)",
	[DR_ICMP] = "icmp echo",
	[DR_TCP] = "tcp handshake",
	[DR_TCP_CONNECT] = "tcp connect",
	[DR_HTTP_CONNECT] = "http connect",
	[DR_HTTP_TLS] = "http tls",
	[DR_HTTP_TTFB] = "http first byte",
};

void diag_finish(struct diag_row_res *r, const char *why)
{
	if (r->state == DS_OFF)
		return;
	if (!r->s.n) {
		r->state = DS_FAILED;
		if (!r->reason[0] && why)
			snprintf(r->reason, sizeof(r->reason), "%s", why);
		return;
	}
	r->state = DS_OK;
	r->p50 = (uint64_t)samples_pct(&r->s, 0.50);
	r->p95 = (uint64_t)samples_pct(&r->s, 0.95);
	r->p99 = (uint64_t)samples_pct(&r->s, 0.99);
	r->max = (uint64_t)samples_max(&r->s);
}

static void on_signal(int sig)
{
	(void)sig;
	probe_stop = 1;
}

/* ------------------------------------------------------------ STAMP */

static void *stamp_thread(void *arg)
{
	struct diag *d = arg;
	struct diag_row_res *r = &d->row[DR_STAMP];
	struct probe p = { .dest = d->addr, .port = d->stamp_port, .fd = -1,
			   .followup = true, .quiet = true, .ssid = d->ssid,
			   .size = FU_SIZE };
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	uint8_t *buf;

	r->state = DS_OK;
	if (probe_open(&p, d->t.addr.ss_family, 0, -1)) {
		snprintf(r->reason, sizeof(r->reason), "cannot open a UDP socket to %s", d->addr);
		return NULL;
	}
	if (!getsockname(p.fd, (struct sockaddr *)&ss, &sl))
		d->sport = ntohs(ss.ss_family == AF_INET6 ?
				 ((struct sockaddr_in6 *)&ss)->sin6_port :
				 ((struct sockaddr_in *)&ss)->sin_port);
	buf = calloc(1, p.size);
	if (!buf) {
		close(p.fd);
		snprintf(r->reason, sizeof(r->reason), "out of memory");
		return NULL;
	}
	probe_build_tlvs(&p, buf);
	probe_run(&p, buf, probe_error_estimate(), d->t.interval, 0, d->t.duration, NULL);
	close(p.fd);
	free(buf);
	probe_free_slots(&p);
	r->attempts = p.sent;
	r->lost = p.sent > p.received ? p.sent - p.received : 0;
	r->s = p.rtt;		/* moved */
	d->stamp_synced = p.fwd.n > 0;
	samples_free(&p.fwd);
	samples_free(&p.rev);
	samples_free(&p.far);
	if (!p.received)
		snprintf(r->reason, sizeof(r->reason),
			 "no STAMP reflector answered at %s port %u (`snapfire reflect on` there, or any RFC 8762 reflector)",
			 d->addr, d->stamp_port);
	return NULL;
}

/* The module's sender flow of our session: the breakdown's source. */
static void stamp_flow(struct diag *d)
{
	struct flow_filter flt = { .role = SNAPFIRE_ROLE_SENDER,
				   .family = d->t.addr.ss_family,
				   .port = d->sport, .ssid = d->ssid,
				   .hist_mask = ALL_METRICS };
	struct flowset s = { 0 };
	struct sfnl n;
	size_t i;

	if (d->t.addr.ss_family == AF_INET6)
		memcpy(flt.peer, &((struct sockaddr_in6 *)&d->t.addr)->sin6_addr, 16);
	else
		memcpy(flt.peer, &((struct sockaddr_in *)&d->t.addr)->sin_addr, 4);
	/* as `snapfire tcp`: resolving the family would load the module */
	if (access("/sys/module/snapfire", F_OK) || sfnl_open_quiet(&n)) {
		d->bd_why = "the snapfire module is not loaded here (modprobe snapfire): no kernel breakdown";
		return;
	}
	if (flows_get(&n, &flt, &s)) {
		d->bd_why = "the module's flows could not be read";
	} else {
		for (i = 0; i < s.n && !d->have_flow; i++) {
			if (s.v[i].local_port != d->sport)
				continue;
			d->flow = s.v[i];	/* moved */
			memset(&s.v[i], 0, sizeof(s.v[i]));
			d->have_flow = true;
		}
		if (!d->have_flow)
			d->bd_why = "the module has no flow of this session (stamp-tx off, or the flow was evicted)";
	}
	flowset_free(&s);
	sfnl_close(&n);
}

/* ---------------------------------------------------- the other rows */

static void *icmp_thread(void *arg)
{
	struct diag *d = arg;

	diag_icmp_run(&d->t, &d->row[DR_ICMP]);
	return NULL;
}

static void *tcp_thread(void *arg)
{
	struct diag *d = arg;

	diag_tcp_run(&d->t, &d->row[DR_TCP], &d->row[DR_TCP_CONNECT]);
	return NULL;
}

static void *http_thread(void *arg)
{
	struct diag *d = arg;

	diag_http_run(&d->t, &d->row[DR_HTTP_CONNECT], &d->row[DR_HTTP_TLS],
		      &d->row[DR_HTTP_TTFB]);
	return NULL;
}

/* ------------------------------------------------------------ output */

/* @s for a terminal: a reason may carry a server's or a certificate's
 * text (libcurl's messages); control characters become '?' */
static const char *printable(const char *s, char *buf, size_t n)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < n; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	buf[i] = '\0';
	return buf;
}

static void table_out(const struct diag *d)
{
	char buf[sizeof(d->row[0].reason)];
	int i;

	out_text("%-16s %7s %6s %9s %9s %9s %9s\n", "protocol", "samples", "loss",
		 "p50", "p95", "p99", "max");
	out_arr("protocols");
	for (i = 0; i < DR_COUNT; i++) {
		const struct diag_row_res *r = &d->row[i];
		double loss = r->attempts ? 100.0 * (double)r->lost / (double)r->attempts : 0;

		if (r->state == DS_OFF)
			continue;
		out_obj(NULL);
		out_str(OUT_JSON, "protocol", NULL, diag_row_key(i));
		out_str(OUT_TEXT, NULL, "%-16s", row_labels[i]);
		out_str(OUT_JSON, "status", NULL, r->state == DS_OK ? "ok" : "failed");
		out_u64(OUT_ANY, "samples", " %7" PRIu64, r->s.n);
		out_u64(OUT_JSON, "attempts", NULL, r->attempts);
		out_u64(OUT_JSON, "lost", NULL, r->lost);
		out_double(OUT_ANY, "loss_pct", " %5.1f%%", loss);
		if (r->state == DS_OK) {
			out_dur(OUT_ANY, "p50_ns", " %9s", r->p50);
			out_dur(OUT_ANY, "p95_ns", " %9s", r->p95);
			out_dur(OUT_ANY, "p99_ns", " %9s", r->p99);
			out_dur(OUT_ANY, "max_ns", " %9s", r->max);
			out_text("\n");
		} else {
			out_text("  cannot run: %s\n", printable(r->reason, buf, sizeof(buf)));
		}
		if (r->reason[0])
			out_str(OUT_JSON, "reason", NULL, r->reason);
		else
			out_null("reason");
		out_obj_end();
	}
	out_arr_end();
	for (i = 0; i < DR_COUNT; i++)
		if (d->row[i].state == DS_OK && d->row[i].reason[0])
			out_text("  %s: %s\n", row_labels[i],
				 printable(d->row[i].reason, buf, sizeof(buf)));
}

static void verdict_in(const struct diag *d, struct diag_in *in)
{
	struct breakdown bd;
	int i;

	memset(in, 0, sizeof(*in));
	for (i = 0; i < DR_COUNT; i++) {
		in->have[i] = d->row[i].state == DS_OK;
		in->p50[i] = d->row[i].p50;
	}
	in->syn_retrans = d->t.syn_retrans;
	in->tcp_attempts = d->row[DR_TCP_CONNECT].attempts;
	in->tcp_timeouts = d->t.tcp_timeouts;
	in->tcp_timeout_ns = d->t.tcp_timeout_ns;
	if (!d->have_flow)
		return;
	breakdown_build(&d->flow, &bd);
	if (!bd.n)
		return;
	in->have_bd = true;
	in->far_reported = bd.far_egress_reported;
	in->synced = d->flow.synced;
	for (i = 0; i < bd.n; i++) {
		const struct comp *c = &bd.c[i];

		if (c->where == WHERE_LOCAL)
			in->bd_local += c->p50;
		else if (c->where == WHERE_FAR)
			in->bd_far += c->p50;
		else
			in->bd_net += c->p50;
		if (!strcmp(c->key, "fwd"))
			in->bd_fwd = c->p50;
		else if (!strcmp(c->key, "rev"))
			in->bd_rev = c->p50;
	}
}

static void verdict_out(const struct diag_verdict *v)
{
	char b[32];
	int i;

	out_obj("verdict");
	out_str(OUT_JSON, "layer", NULL, diag_layer_key(v->layer));
	out_str(OUT_ANY, "name", "\nverdict: %s", diag_layer_name(v->layer));
	if (v->layer != DL_NONE) {
		enum diag_layer e = v->layer == DL_NET_FWD || v->layer == DL_NET_REV ?
				    DL_NETWORK : v->layer;

		out_dur(OUT_ANY, "added_ns", " adds %s", v->est[e]);
		if (v->layer == DL_NET_FWD || v->layer == DL_NET_REV)
			out_text(" round trip");
	}
	out_str(OUT_ANY, "confidence", " (confidence: %s)\n", diag_conf_name(v->conf));
	out_str(OUT_ANY, "rule", "  rule %s", v->rule);
	out_str(OUT_ANY, "why", ": %s\n", strchr(v->why, ' ') ? strchr(v->why, ' ') + 1 : v->why);
	out_text("  estimates:");
	out_obj("estimates_ns");
	for (i = 0; i < DL_COUNT; i++) {
		if (!v->assessed[i])
			continue;
		snprintf(b, sizeof(b), " %s %%s", diag_layer_key(i));
		out_dur(OUT_ANY, diag_layer_key(i), b, v->est[i]);
	}
	out_obj_end();
	out_text("\n");
	out_str(OUT_JSON, "runner_up", NULL, diag_layer_key(v->runner_up));
	out_arr("notes");
	for (i = 0; i < v->nnotes; i++)
		out_str(OUT_ANY, NULL, "  note %s\n", v->notes[i]);
	out_arr_end();
	out_str(OUT_ANY, "next", "  next: %s\n", v->next);
	out_obj_end();
}

static int resolve(struct diag *d, const char *host, int family)
{
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_DGRAM }, *res;
	int err = getaddrinfo(host, NULL, &hints, &res);

	if (err) {
		errmsg("diagnose: cannot resolve '%s': %s", host, gai_strerror(err));
		return EXIT_FAIL;
	}
	memcpy(&d->t.addr, res->ai_addr, res->ai_addrlen);
	d->t.addrlen = res->ai_addrlen;
	if (res->ai_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr,
			  d->addr, sizeof(d->addr));
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr,
			  d->addr, sizeof(d->addr));
	freeaddrinfo(res);
	return 0;
}

static int parse_args(struct diag *d, int argc, char **argv, int *family)
{
	uint64_t v;
	int i, rc;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			g_json = true;
			continue;
		} else if (!strcmp(a, "-4") || !strcmp(a, "-6")) {
			*family = a[1] == '4' ? AF_INET : AF_INET6;
			continue;
		} else if (!strcmp(a, "-k") || !strcmp(a, "--insecure")) {
			d->t.insecure = true;
			continue;
		} else if (!strcmp(a, "--no-stamp") || !strcmp(a, "--no-icmp")) {
			*(a[5] == 's' ? &d->no_stamp : &d->no_icmp) = true;
			continue;
		} else if (a[0] != '-' || !a[1]) {
			if (d->t.host)
				return usage_err("diagnose", "unexpected argument '%s'", a);
			d->t.host = a;
			continue;
		}
		if (!strcmp(a, "-w") || !strcmp(a, "--deadline")) {
			rc = arg_double("diagnose", a, val, &d->t.duration);
			if (!rc && (d->t.duration < 1 || d->t.duration > 86400))
				rc = usage_err("diagnose", "-w: from 1 to 86400 seconds");
		} else if (!strcmp(a, "-i") || !strcmp(a, "--interval")) {
			rc = arg_double("diagnose", a, val, &d->t.interval);
			if (!rc && (d->t.interval < 0.01 || d->t.interval > 60))
				rc = usage_err("diagnose", "-i: from 0.01 to 60 seconds");
		} else if (!strcmp(a, "--tcp")) {
			rc = arg_u64("diagnose", a, val, 65535, &v);
			if (!rc && !v)
				rc = usage_err("diagnose", "--tcp: port 0 is not a port");
			d->t.tcp_port = (uint16_t)v;
		} else if (!strcmp(a, "--http")) {
			rc = 0;
			if (!val || (strncmp(val, "http://", 7) && strncmp(val, "https://", 8)))
				rc = usage_err("diagnose", "--http: give an http:// or https:// URL");
			d->t.url = val;
		} else if (!strcmp(a, "-p") || !strcmp(a, "--port")) {
			rc = arg_u64("diagnose", a, val, 65535, &v);
			if (!rc && !v)
				rc = usage_err("diagnose", "-p: port 0 is not a port");
			d->stamp_port = (uint16_t)v;
		} else {
			return usage_err("diagnose", "unknown option '%s'", a);
		}
		if (rc)
			return rc;
		i++;
	}
	if (!d->t.host)
		return usage_err("diagnose", "which target? give an address or a name");
	return 0;
}

int cmd_diagnose(int argc, char **argv)
{
	struct diag *d;
	pthread_t th[4];
	void *(*fn[4])(void *);
	struct diag_verdict v;
	struct diag_in in;
	sigset_t block, orig;
	struct sigaction sa;
	int family = AF_UNSPEC, nth = 0, i, rc;
	bool curl = false;

	for (i = 1; i < argc; i++)
		if (want_help("diagnose", argv[i]))
			return EXIT_OK;
	d = calloc(1, sizeof(*d));
	if (!d) {
		errmsg("out of memory");
		return EXIT_FAIL;
	}
	d->t.duration = 10;
	d->t.interval = 0.2;
	d->stamp_port = STAMP_PORT;
	rc = parse_args(d, argc, argv, &family) ?: resolve(d, d->t.host, family);
	if (rc)
		goto out;
	d->ssid = (uint16_t)(getpid() & 0xffff) ?: 1;
	if (!d->no_stamp)
		fn[nth++] = stamp_thread;
	if (!d->no_icmp)
		fn[nth++] = icmp_thread;
	if (d->t.tcp_port)
		fn[nth++] = tcp_thread;
	if (d->t.url) {
		if (diag_http_global_init()) {
			errmsg("diagnose: libcurl cannot start");
			rc = EXIT_FAIL;
			goto out;
		}
		curl = true;
		fn[nth++] = http_thread;
	}
	if (!nth) {
		rc = usage_err("diagnose", "nothing to run: --no-stamp and --no-icmp without --tcp or --http");
		goto out;
	}
	if (!g_json) {
		printf("diagnose %s (%s) for %g s, every %g s:", d->t.host, d->addr,
		       d->t.duration, d->t.interval);
		printf("%s%s", d->no_stamp ? "" : " stamp", d->no_icmp ? "" : " icmp");
		if (d->t.tcp_port)
			printf(" tcp:%u", d->t.tcp_port);
		if (d->t.url)
			printf(" %s", d->t.url);
		printf("\n");
		if (d->t.url && d->t.insecure)
			printf("  -k: the HTTPS server's certificate is not checked\n");
		fflush(stdout);
	}
	/* the threads never see SIGINT/SIGTERM: the main thread's handler
	 * sets probe_stop, which each of them looks at within 0.1 s */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &orig);
	for (i = 0; i < nth; i++) {
		if (pthread_create(&th[i], NULL, fn[i], d)) {
			errmsg("diagnose: cannot start a thread");
			probe_stop = 1;
			nth = i;
			break;
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	pthread_sigmask(SIG_SETMASK, &orig, NULL);
	for (i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	if (!d->no_stamp && d->row[DR_STAMP].s.n)
		stamp_flow(d);
	for (i = 0; i < DR_COUNT; i++)
		diag_finish(&d->row[i], "no sample");

	out_begin(stdout, g_json);
	out_obj(NULL);
	out_str(OUT_JSON, "target", NULL, d->t.host);
	out_str(OUT_JSON, "address", NULL, d->addr);
	out_double(OUT_JSON, "duration_s", NULL, d->t.duration);
	out_double(OUT_JSON, "interval_s", NULL, d->t.interval);
	if (d->t.url) {
		out_str(OUT_JSON, "url", NULL, d->t.url);
		out_bool(OUT_JSON, "tls_verify", NULL, !d->t.insecure);
	}
	out_text("\n");
	table_out(d);
	if (d->have_flow) {
		char title[96];

		snprintf(title, sizeof(title), "stamp breakdown, the module's flow %" PRIu64,
			 d->flow.id);
		out_u64(OUT_JSON, "stamp_flow", NULL, d->flow.id);
		breakdown_out(&d->flow, title);
	} else {
		out_null("breakdown");
		if (!d->no_stamp && d->bd_why)
			out_str(OUT_ANY, "breakdown_missing", "\nstamp breakdown: none: %s\n", d->bd_why);
	}
	verdict_in(d, &in);
	diag_verdict(&in, &v);
	verdict_out(&v);
	out_obj_end();
	out_end();
	rc = v.layer == DL_NONE ? EXIT_FAIL : EXIT_OK;
out:
	for (i = 0; i < DR_COUNT; i++)
		samples_free(&d->row[i].s);
	flow_free(&d->flow);
	if (curl)
		diag_http_global_cleanup();
	free(d);
	return rc;
}
