// SPDX-License-Identifier: GPL-2.0
/*
 * CLI unit tests: the Prometheus exporter (prom.c): the exposition of
 * flows, its spools copied out every way, and what a spool or an output
 * that cannot be written does to it.
 */
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/snapfire.h>

#include "cmds.h"
#include "common.h"
#include "flow.h"
#include "unit.h"

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
	if (f && mf && prom_write(f, NULL, &s, 0, NULL) == 0 && prom_write(mf, NULL, &s, 0, NULL) == 0 &&
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
	if (f && prom_write(f, NULL, &s, 0, NULL) == 0 && fflush(f) == 0) {
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

/*
 * Each family of the export @path one group: its name (the histogram
 * suffixes cut) never comes back after another family's lines.
 */
static bool grouped(const char *path)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
		 "test -z \"$(grep -v '^#' %s | sed -E 's/[{ ].*//; s/_(bucket|sum|count)$//' | uniq | sort | uniq -d)\"",
		 path);
	return system(cmd) == 0;
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
 * The flows of @s streamed to @out until one fails: its error (0 if none),
 * *@at one past the last flow given; then the export ended (@end, when
 * none failed) or abandoned.
 */
static int stream_flows(FILE *out, const struct flowset *s, size_t *at, bool end)
{
	struct prom_stream *ps = prom_stream_begin(out, NULL, 0, NULL);
	int rc = 0;

	for (*at = 0; ps && *at < s->n && !rc; (*at)++)
		rc = prom_stream_flow(ps, &s->v[*at]);
	if (!ps)
		return rc;
	if (end && !rc)
		return prom_stream_end(ps);
	prom_stream_abort(ps);
	return rc;
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
		rc = stream_flows(mf, &s, &at, false);
		msgs1 = export_msgs;
		snprintf(msg1, sizeof(msg1), "%s", export_msg);
		export_msg[0] = 0;
		export_msgs = 0;
		fclose(mf);
		free(mb);
		mb = NULL;
		mf = open_memstream(&mb, &ml);
		if (mf) {
			rc2 = stream_flows(mf, &few, &at2, true);
			fclose(mf);
		}
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
		export_msg[0] = 0;
		export_msgs = 0;
		errmsg_to(export_msg_keep);
		rc = stream_flows(full, &s, &at, false);
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
		rc = prom_write(full, NULL, &one, 0, NULL);
		errmsg_to(NULL);
		fclose(full);
		CHECK(rc == -ENOSPC && export_msgs == 1 &&
		      strstr(export_msg, "export: writing the output: "),
		      "export: an output that cannot be written fails it at the end with ENOSPC (%d, %d message(s): \"%s\")",
		      rc, export_msgs, export_msg);
	}
	flowset_free(&s);
}

/*
 * --info-labels: the same samples as the full export with each series'
 * labels cut to flow_id, and a snapfire_flow_info series per flow with the
 * five; a valid exposition.
 */
static void test_prometheus_info(const struct status_view *st, const struct flowset *s)
{
	char full[] = "/tmp/snapfire-unit-XXXXXX", info[] = "/tmp/snapfire-unit-XXXXXX";
	char cmd[1024];
	int ff = mkstemp(full), fi = mkstemp(info), ok = 0;
	FILE *f = ff >= 0 ? fdopen(ff, "w") : NULL, *g = fi >= 0 ? fdopen(fi, "w") : NULL;

	if (f && g)
		ok = prom_write(f, st, s, 0, NULL) == 0 &&
		     prom_write(g, st, s, PROM_INFO_LABELS, NULL) == 0;
	if (f)
		fclose(f);
	if (g)
		fclose(g);
	CHECK(ok, "the exporter writes two flows with --info-labels");
	snprintf(cmd, sizeof(cmd),
		 "grep -qx 'snapfire_flow_info{flow_id=\"3\",role=\"sender\",local=\"10.0.1.1:40000\",remote=\"10.0.2.2:862\",ssid=\"7\"} 1' %s && "
		 "test $(grep -c '^snapfire_flow_info{' %s) = 2 && "
		 "test $(grep -c '^# TYPE snapfire_flow_info gauge$' %s) = 1",
		 info, info, info);
	CHECK(system(cmd) == 0, "--info-labels: one snapfire_flow_info series a flow, with the five labels");
	snprintf(cmd, sizeof(cmd),
		 "grep -qx 'snapfire_rtt_seconds_bucket{flow_id=\"3\",le=\"+Inf\"} 210' %s && "
		 "! grep -v '^#' %s | grep -v '^snapfire_flow_info{' | grep -q 'role='",
		 info, info);
	CHECK(system(cmd) == 0, "--info-labels: every other series by flow_id alone");
	CHECK(grouped(info), "--info-labels: every family's samples in one group, snapfire_flow_info's too");
	snprintf(cmd, sizeof(cmd),
		 "sed -E 's/,role=\"[^\"]*\",local=\"[^\"]*\",remote=\"[^\"]*\",ssid=\"[^\"]*\"//' %s > %s.cut && "
		 "grep -v '^snapfire_flow_info{' %s | grep -v '^# [A-Z]* snapfire_flow_info ' | cmp -s - %s.cut",
		 full, full, info, full);
	CHECK(system(cmd) == 0, "--info-labels: the full export's lines, the four labels cut");
	if (access("/usr/bin/promtool", X_OK) == 0 || system("command -v promtool >/dev/null 2>&1") == 0) {
		snprintf(cmd, sizeof(cmd), "promtool check metrics < %s", info);
		CHECK(system(cmd) == 0, "promtool check metrics accepts the --info-labels export");
	} else {
		skipped++;
		printf("ok %d - promtool check metrics (--info-labels) # SKIP promtool not installed\n",
		       passed + failed + skipped);
	}
	snprintf(cmd, sizeof(cmd), "%s.cut", full);
	unlink(cmd);
	unlink(full);
	unlink(info);
}

/*
 * With -n NETNS (prom_write()'s @netns) every sample, the namespace's counters too,
 * starts with its netns label, escaped (a name may hold a quote, a
 * backslash, a newline); valid in both modes. Without, none has one.
 */
static void test_prometheus_netns(const struct status_view *st, const struct flowset *s)
{
	char path[] = "/tmp/snapfire-unit-XXXXXX", cmd[1024];
	int fd, mode, ok;
	FILE *f;

	for (mode = 0; mode < 2; mode++) {
		fd = mkstemp(path);
		f = fd >= 0 ? fdopen(fd, "w") : NULL;
		ok = f && prom_write(f, st, s, mode ? PROM_INFO_LABELS : 0, "ns\"a\\b\nc") == 0;
		if (f)
			fclose(f);
		snprintf(cmd, sizeof(cmd),
			 "test $(grep -v '^#' %s | grep -c .) -gt 30 && "
			 "test -z \"$(grep -v '^#' %s | grep -v '^[a-z_]*{netns=\"ns\\\\\"a\\\\\\\\b\\\\nc\"[,}]')\" && "
			 "grep -qx 'snapfire_flows{netns=\"ns\\\\\"a\\\\\\\\b\\\\nc\"} 2' %s",
			 path, path, path);
		CHECK(ok && system(cmd) == 0,
		      "export%s -n: every sample's first label its namespace's, escaped (the counters' too)",
		      mode ? " --info-labels" : "");
		if (access("/usr/bin/promtool", X_OK) == 0 || system("command -v promtool >/dev/null 2>&1") == 0) {
			snprintf(cmd, sizeof(cmd), "promtool check metrics < %s", path);
			CHECK(system(cmd) == 0, "promtool check metrics accepts the export%s -n",
			      mode ? " --info-labels" : "");
		} else {
			skipped++;
			printf("ok %d - promtool check metrics (-n) # SKIP promtool not installed\n",
			       passed + failed + skipped);
		}
		unlink(path);
		strcpy(path, "/tmp/snapfire-unit-XXXXXX");
	}
	/* the path of a name ip-netns(8) gave: the name */
	{
		char *b = NULL;
		size_t n = 0;
		FILE *mf = open_memstream(&b, &n);

		ok = mf && prom_write(mf, st, s, 0, "/var/run/netns/web1") == 0;
		if (mf)
			fclose(mf);
		CHECK(ok && b && strstr(b, "\nsnapfire_flows{netns=\"web1\"} 2\n") && !strstr(b, "/var/run"),
		      "export -n /var/run/netns/web1: netns=\"web1\"");
		free(b);
	}
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
	st.missing = 1ULL << (NCOUNTERS - 1);	/* an older module's */
	make_flow(flowset_add(&s), 3, SNAPFIRE_ROLE_SENDER, "10.0.1.1", "10.0.2.2", AF_INET);
	make_flow(flowset_add(&s), 4, SNAPFIRE_ROLE_REFLECTOR, "2001:db8::1", "2001:db8::2", AF_INET6);
	fd = mkstemp(path);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		CHECK(0, "temp file for the exporter");
		flowset_free(&s);
		return;
	}
	CHECK(prom_write(f, &st, &s, 0, NULL) == 0, "the exporter writes two flows");
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "grep -q '^snapfire_rtt_seconds_bucket{flow_id=\"3\",role=\"sender\",local=\"10.0.1.1:40000\",remote=\"10.0.2.2:862\",ssid=\"7\",le=\"+Inf\"} 210$' %s", path);
	CHECK(system(cmd) == 0, "rtt +Inf bucket equals the count (210)");
	snprintf(cmd, sizeof(cmd), "test $(grep -c '^# TYPE snapfire_rtt_seconds histogram$' %s) = 1", path);
	CHECK(system(cmd) == 0, "one TYPE line per family");
	{
		char last[64], *q;

		snprintf(last, sizeof(last), "%s", counter_names[NCOUNTERS - 1]);
		for (q = last; *q; q++)
			if (*q == '-')
				*q = '_';
		snprintf(cmd, sizeof(cmd), "grep -q '^snapfire_%s_total ' %s", last, path);
		CHECK(system(cmd) != 0, "a counter the module did not send is left out, not 0 (%s)", last);
		snprintf(cmd, sizeof(cmd), "grep -q '^snapfire_pre_routing_total 0$' %s", path);
		CHECK(system(cmd) == 0, "the others are there (pre_routing 0)");
	}
	CHECK(grouped(path), "every family's samples in one group (spooled per family)");
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
		CHECK(mf && prom_write(mf, &st, &s, 0, NULL) == -ENOENT,
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
	test_prometheus_info(&st, &s);
	test_prometheus_netns(&st, &s);
	flowset_free(&s);
	test_prometheus_copy();
	test_prometheus_write_errors();
}
