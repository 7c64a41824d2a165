// SPDX-License-Identifier: GPL-2.0
/* CLI unit tests: flows, the Prometheus exporter, the verdict, flow_out. */
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <linux/snapfire.h>

#include "cmds.h"
#include "common.h"
#include "parse.h"
#include "flow.h"
#include "fmt.h"
#include "out.h"
#include "hist.h"
#include "samples.h"
#include "stamp_time.h"
#include "verdict.h"
#include "unit.h"

static void make_flow(struct flow *f, uint64_t id, uint32_t role, const char *l,
		      const char *r, int fam)
{
	uint64_t v;
	int m, i;

	memset(f, 0, sizeof(*f));
	f->id = id;
	f->role = role;
	f->family = (uint8_t)fam;
	inet_pton(fam, l, f->local_addr);
	inet_pton(fam, r, f->remote_addr);
	f->local_port = 40000;
	f->remote_port = 862;
	f->ssid = 7;
	f->rx = 98;
	f->lost = 2;
	f->tx = 100;
	f->jitter = 1234;
	for (m = 0; m < METRIC_COUNT; m++) {
		struct hist *h = &f->hist[m];

		if (role == SNAPFIRE_ROLE_REFLECTOR && m == SNAPFIRE_METRIC_RTT)
			continue;
		h->present = 1;
		h->metric = (uint32_t)m;
		for (i = 0, v = 1000 * (m + 1); i < 20; i++, v += v / 8 + 1) {
			hist_add_bucket(h, v, v + v / 8, (uint64_t)i + 1);
			h->sum += (v + v / 16) * ((uint64_t)i + 1);
		}
		h->min = h->b[0].low;
		h->max = h->b[h->nb - 1].high;
		h->count = hist_bucket_total(h);
	}
}

/*
 * The export's spools are copied out with sendfile() to a file or a pipe,
 * with pread and write to an O_APPEND file (sendfile refuses it), with
 * stdio to a FILE without a descriptor: the same bytes each way, for
 * enough flows that every spool is many of its 64 KiB buffers.
 */
static void test_prometheus_copy(void)
{
	char path[] = "/tmp/snapfire-unit-XXXXXX", *mb = NULL, *fb = NULL, *ab = NULL;
	struct flowset s = { 0 };
	size_t ml = 0, fl = 0, al = 0;
	FILE *f, *mf;
	int fd, i, ok = 0;

	for (i = 0; i < 200; i++)
		make_flow(flowset_add(&s), (uint64_t)i + 1,
			  i % 2 ? SNAPFIRE_ROLE_REFLECTOR : SNAPFIRE_ROLE_SENDER,
			  "10.0.1.1", "10.0.2.2", AF_INET);
	fd = mkstemp(path);
	f = fd >= 0 ? fdopen(fd, "w+") : NULL;
	mf = open_memstream(&mb, &ml);
	if (f && mf && prom_write(f, NULL, &s) == 0 && prom_write(mf, NULL, &s) == 0 &&
	    fflush(f) == 0 && fflush(mf) == 0) {
		fb = malloc(ml + 1);
		rewind(f);
		fl = fb ? fread(fb, 1, ml + 1, f) : 0;
		ok = 1;
	}
	if (f)
		fclose(f);
	/* O_APPEND: sendfile() says EINVAL, pread and write copy */
	f = ok ? fopen(path, "w") : NULL;
	if (f) {
		fclose(f);
		f = fopen(path, "a+");
	}
	if (f && prom_write(f, NULL, &s) == 0 && fflush(f) == 0) {
		ab = malloc(ml + 1);
		rewind(f);
		al = ab ? fread(ab, 1, ml + 1, f) : 0;
	}
	if (f)
		fclose(f);
	if (mf)
		fclose(mf);
	CHECK(ok && ml > 20 * 65536 && fl == ml && al == ml && !memcmp(fb, mb, ml) &&
	      !memcmp(ab, mb, ml),
	      "export: the same %zu bytes through sendfile (%zu), pread/write to O_APPEND (%zu) and stdio",
	      ml, fl, al);
	unlink(path);
	free(mb);
	free(fb);
	free(ab);
	flowset_free(&s);
}

/* errmsg()'s last line, kept instead of printed */
static char export_msg[256];
static int export_msgs;		/* how many */

static void export_msg_keep(const char *msg)
{
	snprintf(export_msg, sizeof(export_msg), "%s", msg);
	export_msgs++;
}

/* /dev/full, a character device that says ENOSPC to every write; NULL */
static FILE *dev_full(void)
{
	struct stat st;

	if (stat("/dev/full", &st) || !S_ISCHR(st.st_mode))
		return NULL;
	return fopen("/dev/full", "w");
}

/*
 * A spool that cannot be written (here past RLIMIT_FSIZE: EFBIG) stops the
 * export at the flow whose lines found it, said once (a full TMPDIR is not
 * found only after the last of a million flows); one that fails only at
 * its last write fails it at the end, after the families before it. An
 * output that cannot be written (/dev/full: ENOSPC) fails it, said once.
 */
static void test_prometheus_write_errors(void)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, oldsa;
	struct flowset s = { 0 };
	struct rlimit old, lim;
	char *mb = NULL;
	size_t ml = 0, at = 0;
	FILE *mf, *full;
	int i, rc = 1;

	for (i = 0; i < 2000; i++)	/* some 250 KB in each field's spool */
		make_flow(flowset_add(&s), (uint64_t)i + 1, SNAPFIRE_ROLE_SENDER,
			  "10.0.1.1", "10.0.2.2", AF_INET);
	if (getrlimit(RLIMIT_FSIZE, &old) ||
	    (old.rlim_max != RLIM_INFINITY && old.rlim_max < 65536)) {
		skipped++;
		printf("ok %d - # SKIP export: RLIMIT_FSIZE cannot be set here\n",
		       passed + failed + skipped);
	} else if ((mf = open_memstream(&mb, &ml))) {	/* memory: not under the limit */
		/* the largest spool's first write at some 20 flows, its second
		 * (past the limit) at some 40: a failure at the end */
		struct flowset few = { .v = s.v, .n = 30 };
		struct prom_stream *ps;
		int rc2 = 0, msgs1, msgs2;
		size_t at2 = 0;
		char msg1[sizeof(export_msg)];

		/* nothing printed while the limit holds: stdout may be a file */
		export_msg[0] = 0;
		export_msgs = 0;
		errmsg_to(export_msg_keep);
		sigaction(SIGXFSZ, &ign, &oldsa);
		lim = old;
		lim.rlim_cur = 65536;
		setrlimit(RLIMIT_FSIZE, &lim);
		rc = 0;
		ps = prom_stream_begin(mf, NULL);
		for (at = 0; ps && at < s.n && !rc; at++)
			rc = prom_stream_flow(ps, &s.v[at]);
		if (ps)
			prom_stream_abort(ps);
		msgs1 = export_msgs;
		snprintf(msg1, sizeof(msg1), "%s", export_msg);
		export_msg[0] = 0;
		export_msgs = 0;
		fclose(mf);
		free(mb);
		mb = NULL;
		mf = open_memstream(&mb, &ml);
		ps = mf ? prom_stream_begin(mf, NULL) : NULL;
		for (at2 = 0; ps && at2 < few.n && !rc2; at2++)
			rc2 = prom_stream_flow(ps, &few.v[at2]);
		if (ps)
			rc2 = rc2 ? rc2 : prom_stream_end(ps);
		if (mf)
			fclose(mf);
		msgs2 = export_msgs;
		setrlimit(RLIMIT_FSIZE, &old);
		sigaction(SIGXFSZ, &oldsa, NULL);
		errmsg_to(NULL);
		CHECK(rc == -EFBIG && at < s.n && msgs1 == 1 &&
		      strstr(msg1, "export: writing a temporary file in"),
		      "export: a spool past RLIMIT_FSIZE stops it mid-dump with EFBIG (%d, after %zu of %zu flows, %d message(s): \"%s\")",
		      rc, at, s.n, msgs1, msg1);
		CHECK(rc2 == -EFBIG && at2 == few.n && mb && ml > 0 && msgs2 == 1 &&
		      !strstr(mb, "snapfire_flow_rx_total") &&
		      strstr(export_msg, "export: writing a temporary file in"),
		      "export: a spool that fails at its last write fails it at the end with EFBIG (%d, every one of %zu flows taken), the families after the failed one not written, said once (%d: \"%s\")",
		      rc2, at2, msgs2, export_msg);
		free(mb);
	}

	/* mid-dump: family 0's buffer fills by some 20 flows, and the flows
	 * stop there; at the end: one flow, whose lines all wait for
	 * prom_stream_end() */
	full = dev_full();
	if (!full) {
		skipped++;
		printf("ok %d - # SKIP export: no /dev/full\n", passed + failed + skipped);
	} else {
		struct prom_stream *ps;

		export_msg[0] = 0;
		export_msgs = 0;
		errmsg_to(export_msg_keep);
		rc = 0;
		ps = prom_stream_begin(full, NULL);
		for (at = 0; ps && at < s.n && !rc; at++)
			rc = prom_stream_flow(ps, &s.v[at]);
		if (ps)
			prom_stream_abort(ps);
		errmsg_to(NULL);
		fclose(full);
		CHECK(rc == -ENOSPC && at < 100 && export_msgs == 1 &&
		      strstr(export_msg, "export: writing the output: "),
		      "export: an output that cannot be written stops it mid-dump with ENOSPC (%d, after %zu of %zu flows, %d message(s): \"%s\")",
		      rc, at, s.n, export_msgs, export_msg);
	}
	full = dev_full();
	if (full) {
		struct flowset one = { .v = s.v, .n = 1 };

		export_msg[0] = 0;
		export_msgs = 0;
		errmsg_to(export_msg_keep);
		rc = prom_write(full, NULL, &one);
		errmsg_to(NULL);
		fclose(full);
		CHECK(rc == -ENOSPC && export_msgs == 1 &&
		      strstr(export_msg, "export: writing the output: "),
		      "export: an output that cannot be written fails it at the end with ENOSPC (%d, %d message(s): \"%s\")",
		      rc, export_msgs, export_msg);
	}
	flowset_free(&s);
}

void test_prometheus(void)
{
	struct flowset s = { 0 };
	struct status_view st;
	char path[] = "/tmp/snapfire-unit-XXXXXX", cmd[256];
	FILE *f;
	int fd, rc, i;

	memset(&st, 0, sizeof(st));
	for (i = 0; i < NCOUNTERS; i++)
		st.counters[i] = (uint64_t)i * 3;
	st.flows = 2;
	st.mem = 4096;
	make_flow(flowset_add(&s), 3, SNAPFIRE_ROLE_SENDER, "10.0.1.1", "10.0.2.2", AF_INET);
	make_flow(flowset_add(&s), 4, SNAPFIRE_ROLE_REFLECTOR, "2001:db8::1", "2001:db8::2", AF_INET6);
	fd = mkstemp(path);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		CHECK(0, "temp file for the exporter");
		flowset_free(&s);
		return;
	}
	CHECK(prom_write(f, &st, &s) == 0, "the exporter writes two flows");
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "grep -q '^snapfire_rtt_seconds_bucket{flow_id=\"3\",role=\"sender\",local=\"10.0.1.1:40000\",remote=\"10.0.2.2:862\",ssid=\"7\",le=\"+Inf\"} 210$' %s", path);
	CHECK(system(cmd) == 0, "rtt +Inf bucket equals the count (210)");
	snprintf(cmd, sizeof(cmd), "test $(grep -c '^# TYPE snapfire_rtt_seconds histogram$' %s) = 1", path);
	CHECK(system(cmd) == 0, "one TYPE line per family");
	/* each family one group: its name (the histogram suffixes cut) never
	 * comes back after another family's lines */
	snprintf(cmd, sizeof(cmd),
		 "test -z \"$(grep -v '^#' %s | sed -E 's/[{ ].*//; s/_(bucket|sum|count)$//' | uniq | sort | uniq -d)\"",
		 path);
	CHECK(system(cmd) == 0, "every family's samples in one group (spooled per family)");
	snprintf(cmd, sizeof(cmd),
		 "test $(grep -c '^snapfire_flow_rx_total{' %s) = 2 && "
		 "head -1 %s | grep -q '^# HELP snapfire_[a-z_]*_total '", path, path);
	CHECK(system(cmd) == 0, "a sample per flow in a field family; the status families first");
	snprintf(cmd, sizeof(cmd), "grep -q 'remote=\"\\[2001:db8::2\\]:862\"' %s", path);
	CHECK(system(cmd) == 0, "IPv6 endpoint label");
	snprintf(cmd, sizeof(cmd), "grep -q '^snapfire_rtt_seconds_bucket{flow_id=\"4\"' %s", path);
	CHECK(system(cmd) != 0, "no rtt series for a reflector flow");
	if (access("/usr/bin/promtool", X_OK) == 0 || system("command -v promtool >/dev/null 2>&1") == 0) {
		snprintf(cmd, sizeof(cmd), "promtool check metrics < %s", path);
		rc = system(cmd);
		CHECK(rc == 0, "promtool check metrics accepts the export");
	} else {
		skipped++;
		printf("ok %d - promtool check metrics # SKIP promtool not installed\n",
		       passed + failed + skipped);
	}
	unlink(path);
	{
		const char *was = getenv("TMPDIR");
		char *keep = was ? strdup(was) : NULL;
		FILE *mf;
		char *mb = NULL;
		size_t ml = 0;

		setenv("TMPDIR", "/nonexistent/snapfire-unit", 1);
		mf = open_memstream(&mb, &ml);
		errno = 0;
		CHECK(mf && prom_write(mf, &st, &s) == -ENOENT,
		      "no spool directory: the exporter fails with ENOENT, writing nothing");
		if (mf)
			fclose(mf);
		CHECK(ml == 0, "nothing written before the spools exist");
		free(mb);
		if (keep)
			setenv("TMPDIR", keep, 1);
		else
			unsetenv("TMPDIR");
		free(keep);
	}
	flowset_free(&s);
	test_prometheus_copy();
	test_prometheus_write_errors();
}

void test_flow_helpers(void)
{
	struct flowset s = { 0 };
	char buf[64];
	struct flow *f;

	make_flow(flowset_add(&s), 9, SNAPFIRE_ROLE_SENDER, "10.0.0.9", "10.0.0.1", AF_INET);
	make_flow(flowset_add(&s), 2, SNAPFIRE_ROLE_REFLECTOR, "10.0.0.2", "10.0.0.3", AF_INET);
	f = &s.v[0];
	CHECK(flow_loss_pct(f) == 2.0, "loss 2 of 100 is 2%%");
	endpoint_str(buf, sizeof(buf), AF_INET6, s.v[0].local_addr, 1);
	flows_sort(&s, COL_ID, false);
	CHECK(s.v[0].id == 2, "sort by id");
	flows_sort(&s, COL_P99, true);
	CHECK(s.v[0].id == 9, "sort by p99 desc puts reflector (no rtt) last");
	CHECK(flow_col_parse("p99.9") == COL_P999 && flow_col_parse("nope") < 0, "column names");
	flowset_free(&s);
}

/* A histogram of @n samples all at @v ns, as flow_parse would leave it. */
static void set_hist(struct flow *f, unsigned int m, uint64_t v, uint64_t n)
{
	struct hist *h = &f->hist[m];

	h->present = 1;
	h->metric = m;
	hist_add_bucket(h, v, v, n);
	h->count = n;
	h->min = v;
	h->max = v;
	hist_finish(h);
}

static void flow_reset(struct flow *f, uint32_t role, uint8_t synced)
{
	flow_free(f);
	memset(f, 0, sizeof(*f));
	f->role = role;
	f->synced = synced;
}

static const struct comp *comp_of(const struct breakdown *b, const char *key)
{
	int i;

	for (i = 0; i < b->n; i++)
		if (!strcmp(b->c[i].key, key))
			return &b->c[i];
	return NULL;
}

void test_verdict(void)
{
	const uint64_t ms = 1000000;
	struct breakdown b;
	struct flow f = { 0 };
	const struct comp *c;

	/* netem on the path: the network */
	flow_reset(&f, SNAPFIRE_ROLE_SENDER, 1);
	set_hist(&f, SNAPFIRE_METRIC_TX_STAGE, ms / 20, 100);
	set_hist(&f, SNAPFIRE_METRIC_FWD, 10 * ms, 100);
	set_hist(&f, SNAPFIRE_METRIC_REV, 10 * ms, 100);
	set_hist(&f, SNAPFIRE_METRIC_TURNAROUND, ms / 10, 100);
	set_hist(&f, SNAPFIRE_METRIC_RX_STAGE, ms / 20, 100);
	set_hist(&f, SNAPFIRE_METRIC_RTT, 20 * ms, 100);
	breakdown_build(&f, &b);
	CHECK(b.n == 5 && !strcmp(b.c[0].key, "tx_stage") && !strcmp(b.c[1].key, "fwd") &&
	      !strcmp(b.c[2].key, "turnaround") && !strcmp(b.c[3].key, "rev") &&
	      !strcmp(b.c[4].key, "rx_stage"), "verdict: synced sender parts in path order, no rtt");
	CHECK(b.total == 20 * ms + ms / 5, "verdict: total is the sum of the p50s (%" PRIu64 ")", b.total);
	CHECK(b.dom_where == WHERE_NETWORK && b.dom_sum == 20 * ms,
	      "verdict: delay on the path blames the network");
	CHECK(!b.far_egress_reported, "verdict: no Follow-Up, far egress not reported");

	/* a queue on this host's egress: this host */
	flow_reset(&f, SNAPFIRE_ROLE_SENDER, 1);
	set_hist(&f, SNAPFIRE_METRIC_TX_STAGE, 30 * ms, 100);
	set_hist(&f, SNAPFIRE_METRIC_FWD, 5 * ms, 100);
	set_hist(&f, SNAPFIRE_METRIC_REV, 5 * ms, 100);
	breakdown_build(&f, &b);
	CHECK(b.dom_where == WHERE_LOCAL && !strcmp(b.c[b.dom_comp].key, "tx_stage") &&
	      breakdown_share(b.dom_sum, b.total) == 75.0,
	      "verdict: a planted qdisc delay on this host blames this host (75 %%)");

	/* unsynchronised, the far host's egress reported by Follow-Up */
	flow_reset(&f, SNAPFIRE_ROLE_SENDER, 0);
	set_hist(&f, SNAPFIRE_METRIC_RTT, 20 * ms, 100);
	set_hist(&f, SNAPFIRE_METRIC_TURNAROUND, ms, 100);
	set_hist(&f, SNAPFIRE_METRIC_FAR_TX_STAGE, 15 * ms, 99);
	breakdown_build(&f, &b);
	c = comp_of(&b, "rtt");
	CHECK(c && c->p50 == 5 * ms && c->where == WHERE_NETWORK,
	      "verdict: rtt less the far host's egress stage, percentile by percentile");
	CHECK(b.far_egress_reported && b.dom_where == WHERE_FAR && b.dom_sum == 16 * ms &&
	      !strcmp(b.c[b.dom_comp].key, "far_tx_stage"),
	      "verdict: a planted far-host egress delay blames the far host");
	/* the same flow with synced clocks: taken out of rev, not fwd */
	f.synced = 1;
	set_hist(&f, SNAPFIRE_METRIC_FWD, 2 * ms, 100);
	set_hist(&f, SNAPFIRE_METRIC_REV, 18 * ms, 100);
	breakdown_build(&f, &b);
	CHECK(comp_of(&b, "rev") && comp_of(&b, "rev")->p50 == 3 * ms &&
	      comp_of(&b, "fwd")->p50 == 2 * ms && !comp_of(&b, "rtt"),
	      "verdict: synced, far egress taken out of rev only");
	/* more far egress than rev (skewed percentiles): never below zero */
	flow_reset(&f, SNAPFIRE_ROLE_SENDER, 1);
	set_hist(&f, SNAPFIRE_METRIC_FWD, 2 * ms, 100);
	set_hist(&f, SNAPFIRE_METRIC_REV, 3 * ms, 100);
	set_hist(&f, SNAPFIRE_METRIC_FAR_TX_STAGE, 4 * ms, 100);
	breakdown_build(&f, &b);
	CHECK(comp_of(&b, "rev")->p50 == 0, "verdict: rev less far egress clamps at 0");

	/* a reflector flow: everything but the forward path is this host */
	flow_reset(&f, SNAPFIRE_ROLE_REFLECTOR, 1);
	set_hist(&f, SNAPFIRE_METRIC_FWD, 3 * ms, 10);
	set_hist(&f, SNAPFIRE_METRIC_RX_STAGE, ms, 10);
	set_hist(&f, SNAPFIRE_METRIC_TURNAROUND, ms, 10);
	set_hist(&f, SNAPFIRE_METRIC_TX_STAGE, 2 * ms, 10);
	breakdown_build(&f, &b);
	CHECK(b.n == 4 && b.c[1].where == WHERE_LOCAL && b.c[2].where == WHERE_LOCAL &&
	      b.c[3].where == WHERE_LOCAL && b.dom_where == WHERE_LOCAL && b.dom_sum == 4 * ms &&
	      !strcmp(b.c[b.dom_comp].key, "fwd"),
	      "verdict: reflector flow, its own stages are this host");

	/* nothing measured */
	flow_reset(&f, SNAPFIRE_ROLE_SENDER, 0);
	breakdown_build(&f, &b);
	CHECK(b.n == 0 && b.dom_where == -1 && b.dom_comp == -1 && b.total == 0,
	      "verdict: no samples, no verdict");
	CHECK(!strcmp(where_name(WHERE_FAR), "the far host") && !strcmp(where_key(WHERE_LOCAL), "local"),
	      "verdict: names and JSON keys");
	flow_free(&f);
}

/* flow_out: the head of `show` in text, the flow object in JSON. */
void test_flow_out(void)
{
	struct flowset s = { 0 };
	char *buf = NULL;
	size_t len = 0;
	struct flow *f;
	FILE *o;
	static const char head[] = "flow 9: sender 192.0.2.2:40000 -> 198.51.100.2:862 ssid 7 (inet)\n"
			    "  age 0ns, last packet 0ns ago, memory 7936 bytes\n"
			    "  tx 100, rx 98, lost 2 (2.00%), reordered 0, duplicates 0, restarts 0\n"
			    "  forward/reverse split unknown: the reflector's numbers follow ours (a stateless\n"
			    "  reflector; or a stateful one and no forward loss yet: then all 0 were reverse)\n"
			    "  jitter 1.23us (RFC 3550), peer ttl 254, clocks not synchronised (one-way delays unavailable)\n"
			    "\nrtt: ";
	static const char jhead[] = "{\"id\": 9,\"role\": \"sender\",\"family\": \"inet\",\"local_addr\": \"192.0.2.2\","
				    "\"local_port\": 40000,\"remote_addr\": \"198.51.100.2\",\"remote_port\": 862,\"ssid\": 7,";

	f = flowset_add(&s);
	make_flow(f, 9, SNAPFIRE_ROLE_SENDER, "192.0.2.2", "198.51.100.2", AF_INET);
	f->mem = 7936;
	f->peer_ttl = 254;
	o = open_memstream(&buf, &len);
	out_begin(o, false);
	flow_out(f, false);
	out_end();
	fclose(o);
	CHECK(!strncmp(buf, head, strlen(head)) && strstr(buf, " samples\n  min ") && strstr(buf, "  p99.9 "),
	      "flow_out: the text head of show (got '%.600s')", buf);
	free(buf);
	buf = NULL;
	o = open_memstream(&buf, &len);
	out_begin(o, true);
	out_obj(NULL);
	flow_out(f, true);
	out_obj_end();
	out_end();
	fclose(o);
	CHECK(!strncmp(buf, jhead, strlen(jhead)) &&
	      strstr(buf, "\"tx\": 100,\"rx\": 98,\"lost\": 2,\"loss_pct\": 2,") &&
	      strstr(buf, "\"peer_stateful\": false,") && strstr(buf, "\"jitter_ns\": 1234,\"peer_ttl\": 254,\"synced\": false,") &&
	      strstr(buf, "\"rtt\": {\"count\": ") && strstr(buf, "\"histograms\": {\"rtt\": {\"count\": ") &&
	      !strstr(buf, "samples") && buf[strlen(buf) - 2] == '}',
	      "flow_out: the JSON object of the same calls (got '%.400s')", buf);
	free(buf);
	flowset_free(&s);
}


/* flows_table_row() before it was built by hand: the reference */
static void ref_row(FILE *out, const struct flow *f, int w)
{
	static const double ps[] = { 0.5, 0.9, 0.99, 0.999 };
	char ends[160], l[64], r[64], a[INET6_ADDRSTRLEN], v[7][16], loss[16];
	const struct hist *h = f->role == SNAPFIRE_ROLE_SENDER ?
		flow_hist(f, SNAPFIRE_METRIC_RTT) : NULL;
	int k;

	inet_ntop(f->family, f->local_addr, a, sizeof(a));
	snprintf(l, sizeof(l), f->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, f->local_port);
	inet_ntop(f->family, f->remote_addr, a, sizeof(a));
	snprintf(r, sizeof(r), f->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, f->remote_port);
	snprintf(ends, sizeof(ends), "%s -> %s", l, r);
	for (k = 0; k < 6; k++)
		strcpy(v[k], "-");
	if (h) {
		fmt_dur_fp(v[0], sizeof(v[0]), h->min);
		for (k = 0; k < 4; k++)
			fmt_dur_fp(v[k + 1], sizeof(v[0]), hist_percentile(h, ps[k]));
		fmt_dur_fp(v[5], sizeof(v[0]), h->max);
	}
	fmt_dur_fp(v[6], sizeof(v[6]), f->jitter);
	snprintf(loss, sizeof(loss), "%.1f%%", flow_loss_pct(f));
	fprintf(out, "%-5" PRIu64 " %-9s %-*s %5u %8" PRIu64 " %6s %8s %8s %8s %8s %8s %8s %8s\n",
		f->id, role_name(f->role), w, ends, f->ssid, f->rx, loss,
		v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
}

/*
 * The table's rows, built by hand, against printf's: flows of both roles
 * and families, ids and counters from 0 to 2^64 - 1, loss from none to all
 * (and its decimal ties), durations across the units, narrow and wide
 * columns.
 */
void test_table_row(void)
{
	static const char *const v4[] = { "0.0.0.0", "192.0.2.1", "255.255.255.255", "10.20.30.4" };
	static const char *const v6[] = { "::", "2001:db8::1", "fe80::1:2:3:4",
		"2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff", "::ffff:192.0.2.9" };
	static const uint64_t big[] = { 0, 1, 9, 10, 99999, 100000, 12345678, 99999999,
		100000000, 18446744073709551615ULL };
	uint64_t x = 0x9E3779B97F4A7C15ULL;
	char *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;
	unsigned int bad = 0, n = 0, i;
	struct flow f;

	for (i = 0; i < 20000; i++, n++) {
		int fam = i % 3 ? AF_INET : AF_INET6;
		FILE *fa, *fb;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (fam == AF_INET)
			make_flow(&f, big[i % 10], i % 2 ? SNAPFIRE_ROLE_SENDER : SNAPFIRE_ROLE_REFLECTOR,
				  v4[i % 4], v4[(i / 4) % 4], fam);
		else
			make_flow(&f, big[i % 10], i % 2 ? SNAPFIRE_ROLE_SENDER : SNAPFIRE_ROLE_REFLECTOR,
				  v6[i % 5], v6[(i / 5) % 5], fam);
		f.local_port = (uint16_t)x;
		f.remote_port = (uint16_t)(x >> 16);
		f.ssid = (uint16_t)(x >> 32);
		f.rx = i % 7 ? (x >> 20) % 100000 : big[(i / 7) % 10];
		f.lost = i % 5 ? (x >> 40) % 3000 : (i % 4 ? 0 : f.rx);
		f.duplicates = i % 11 ? 0 : f.rx / 3;
		if (i % 13 == 0) {	/* 1 of 8: 12.5; ties: 1 of 16, 3 of 80 */
			static const uint64_t rx[] = { 7, 15, 77 };

			f.rx = rx[i % 3];
			f.lost = (i % 3) == 2 ? 3 : 1;
			f.duplicates = 0;
		}
		f.jitter = x >> (x % 64);
		if (f.role == SNAPFIRE_ROLE_SENDER && f.hist[SNAPFIRE_METRIC_RTT].present) {
			f.hist[SNAPFIRE_METRIC_RTT].min = x >> (20 + x % 40);
			f.hist[SNAPFIRE_METRIC_RTT].max = f.hist[SNAPFIRE_METRIC_RTT].min + (x >> 30);
		}
		fa = open_memstream(&a, &na);
		fb = open_memstream(&b, &nb);
		if (!fa || !fb)
			break;
		flows_table_row(fa, &f, (int)(i % 70));
		ref_row(fb, &f, (int)(i % 70));
		fclose(fa);
		fclose(fb);
		if (na != nb || memcmp(a, b, na)) {
			if (bad++ < 3)
				fprintf(stderr, "row %u:\n  got: %s  printf: %s", i, a, b);
		}
		free(a);
		free(b);
		a = b = NULL;
		flow_free(&f);
	}
	CHECK(!bad && n == 20000, "table rows built by hand are printf's: %u of %u differ", bad, n);
}
