// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the agent's configuration (agent_conf.c): the example of
 * the design, the defaults, every refusal with its line, and which changes
 * keep a target's session across a reload; and agent.c's two histogram
 * helpers: userspace round trips in the module's buckets, and the delta of
 * the module's cumulative histograms a minute apart. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "agent_int.h"	/* agent_uhist_add, agent_hist_delta */
#include "unit.h"

static const char example[] =
	"listen: 127.0.0.1:9862          # HTTP\n"
	"state-dir: /var/lib/snapfire\n"
	"retention-days: 7\n"
	"jsonl: /var/log/snapfire/probes.jsonl\n"
	"defaults: { port: 862, interval: 1, size: 0, dscp: 0 }\n"
	"targets:\n"
	"  - name: tokyo-1\n"
	"    address: 192.0.2.10\n"
	"    port: 862\n"
	"    interval: 0.5\n"
	"    size: 128\n"
	"    dscp: 46\n"
	"    ssid: 7\n"
	"    labels: { region: jp, dc: tyo }\n"
	"  - name: osaka-1\n"
	"    address: osaka.example.net\n";

static int parse(const char *text, struct agent_conf *c, char *err, size_t n)
{
	return agent_conf_parse("t.conf", text, strlen(text), c, err, n);
}

static void test_example(void)
{
	struct agent_conf c;
	char err[512] = "";
	int rc = parse(example, &c, err, sizeof(err));
	const struct agent_target_conf *t = c.targets, *u = c.targets + 1;

	CHECK(rc == 0, "agent conf: the example parses (%s)", err);
	if (rc)
		return;
	CHECK(!strcmp(c.listen, "127.0.0.1:9862") && !strcmp(c.state_dir, "/var/lib/snapfire") &&
	      c.retention_days == 7 && !strcmp(c.jsonl, "/var/log/snapfire/probes.jsonl") &&
	      c.ntargets == 2, "agent conf: example top level");
	CHECK(!strcmp(t->name, "tokyo-1") && !strcmp(t->address, "192.0.2.10") && t->port == 862 &&
	      t->interval == 0.5 && t->size == 128 && t->dscp == 46 && t->ssid == 7 &&
	      t->line == 7, "agent conf: example target 1 (line %d)", t->line);
	CHECK(t->nlabels == 2 && !strcmp(t->labels[0].name, "region") &&
	      !strcmp(t->labels[0].value, "jp") && !strcmp(t->labels[1].name, "dc") &&
	      !strcmp(t->labels[1].value, "tyo"), "agent conf: example labels");
	CHECK(!strcmp(u->name, "osaka-1") && u->port == 862 && u->interval == 1 && u->size == 0 &&
	      u->dscp == 0 && u->ssid != 0 && u->nlabels == 0 && u->line == 15,
	      "agent conf: target 2 takes the defaults (ssid %u derived)", u->ssid);
	agent_conf_free(&c);
}

static void test_defaults(void)
{
	struct agent_conf c, d;
	char err[512] = "";
	uint16_t ssid;

	CHECK(parse("targets: []\n", &c, err, sizeof(err)) == 0 && c.ntargets == 0 &&
	      !strcmp(c.listen, AGENT_LISTEN_DEFAULT) && !strcmp(c.state_dir, AGENT_STATE_DEFAULT) &&
	      c.retention_days == 7 && !c.jsonl[0], "agent conf: defaults (%s)", err);
	agent_conf_free(&c);
	CHECK(parse("targets:\n", &c, err, sizeof(err)) == 0 && c.ntargets == 0,
	      "agent conf: an empty targets: is none (%s)", err);
	agent_conf_free(&c);
	CHECK(parse("defaults: {interval: 0.25, dscp: 10, port: 4000, size: 44}\n"
		    "listen: \"[::1]:9000\"\ntargets:\n - {name: a, address: \"::1\"}\n",
		    &c, err, sizeof(err)) == 0 && c.ntargets == 1 && c.targets[0].interval == 0.25 &&
	      c.targets[0].dscp == 10 && c.targets[0].port == 4000 && c.targets[0].size == 44 &&
	      !strcmp(c.listen, "[::1]:9000"), "agent conf: defaults: apply, [::1] listen (%s)", err);
	ssid = c.ntargets ? c.targets[0].ssid : 0;
	agent_conf_free(&c);
	CHECK(parse("targets:\n - {name: a, address: 192.0.2.1}\n", &d, err, sizeof(err)) == 0 &&
	      d.targets[0].ssid == ssid && ssid, "agent conf: the derived ssid is stable (%u)", ssid);
	agent_conf_free(&d);
	CHECK(parse("targets:\n - {name: a, address: x, ssid: 0}\n", &d, err, sizeof(err)) == 0 &&
	      d.targets[0].ssid == 0, "agent conf: ssid 0 when written");
	agent_conf_free(&d);
}

static const struct {
	const char *text, *want;
} bad[] = {
	{ "listen: 127.0.0.1:9862\nlisten2: x\ntargets: []\n", "t.conf:2: unknown key 'listen2'" },
	{ "targets:\n - name: a\n   address: b\n   intervall: 1\n", "t.conf:4: target: unknown key 'intervall'" },
	{ "defaults: {port: 1, bogus: 2}\ntargets: []\n", "t.conf:1: defaults: unknown key 'bogus'" },
	{ "targets:\n - name: a\n   address: b\n   port: \"862\"\n", "t.conf:4: port: bad type: expected a number" },
	{ "targets:\n - name: a\n   address: b\n   port: 86x\n", "t.conf:4: port: bad type: '86x' is not a whole number" },
	{ "targets:\n - name: a\n   address: [b]\n", "t.conf:3: address: bad type: expected a scalar, got a list" },
	{ "targets:\n - name: a\n   address: b\n   port: 0\n", "t.conf:4: port: 0 is out of range (1 to 65535)" },
	{ "targets:\n - name: a\n   address: b\n   interval: 0.001\n", "t.conf:4: interval: 0.001 is out of range" },
	{ "targets:\n - name: a\n   address: b\n   interval: 3601\n", "t.conf:4: interval: 3601 is out of range" },
	{ "targets:\n - name: a\n   address: b\n   dscp: 64\n", "t.conf:4: dscp: 64 is out of range (0 to 63)" },
	{ "targets:\n - name: a\n   address: b\n   ssid: 65536\n", "t.conf:4: ssid: 65536 is out of range" },
	{ "targets:\n - name: a\n   address: b\n   size: 50\n", "t.conf:4: size: 50 is not a probe size" },
	{ "retention-days: 0\ntargets: []\n", "t.conf:1: retention-days: 0 is out of range (1 to 3650)" },
	{ "targets:\n - name: a\n   address: b\n - name: c\n   address: d\n - name: a\n   address: e\n",
	  "t.conf:6: target: duplicate name 'a' (first on line 2)" },
	{ "targets:\n - name: a b\n   address: b\n", "t.conf:2: name: 'a b' is not a target name" },
	{ "targets:\n - name: ..\n   address: b\n", "t.conf:2: name: '..' is not a target name" },
	{ "targets:\n - name: a\n   address: b\n   labels: {9x: 1}\n", "t.conf:4: labels: bad label name '9x'" },
	{ "targets:\n - name: a\n   address: b\n   labels:\n     target: x\n", "t.conf:5: labels: bad label name 'target'" },
	{ "targets:\n - name: a\n   address: b\n   labels: {__x: 1}\n", "t.conf:4: labels: bad label name '__x'" },
	{ "targets:\n - name: a\n   address: b\n   labels: {le: 1}\n", "t.conf:4: labels: bad label name 'le'" },
	{ "targets:\n - name: a\n   address: b\n   labels:\n     a: 1\n     b: 2\n     c: 3\n     d: 4\n"
	  "     e: 5\n     f: 6\n     g: 7\n     h: 8\n     i: 9\n", "t.conf:13: labels: too many labels (at most 8" },
	{ "targets:\n - name: a\n   address: b\n   labels: {x: [1]}\n", "t.conf:4: x: bad type: expected a scalar" },
	{ "targets:\n - name: a\n   address: b\n   labels: {x: 1, x: 2}\n", "t.conf:4: labels: duplicate key 'x'" },
	{ "listen: localhost:80\ntargets: []\n", "t.conf:1: listen: bad listen address 'localhost:80'" },
	{ "listen: 127.0.0.1\ntargets: []\n", "t.conf:1: listen: bad listen address" },
	{ "listen: \"[::1]:0\"\ntargets: []\n", "t.conf:1: listen: bad listen address" },
	{ "listen: ::1:80\ntargets: []\n", "t.conf:1: listen: bad listen address" },
	{ "targets:\n - address: b\n", "t.conf:2: target: no name" },
	{ "targets:\n - name: a\n", "t.conf:2: target a: no address" },
	{ "targets: {a: 1}\n", "t.conf:1: targets: bad type: expected a list" },
	{ "state-dir: /x\n", "t.conf:1: no targets: list" },
	{ "", "t.conf:1: the file is empty" },
	{ "- a\n- b\n", "t.conf:1: the configuration: bad type: expected a mapping" },
	{ "targets: []\nstate-dir: /a\nstate-dir: /b\n", "t.conf:3: the configuration: duplicate key 'state-dir' (first on line 2)" },
	{ "targets: [\n", "t.conf:2: YAML syntax:" },
	{ "targets: []\n  bad: indent\n", "t.conf:2: YAML syntax:" },
	{ "targets: []\n---\ntargets: []\n", "t.conf:3: a second YAML document" },
};

static void test_refusals(void)
{
	struct agent_conf c;
	char err[512];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc;

		err[0] = 0;
		rc = parse(bad[i].text, &c, err, sizeof(err));
		CHECK(rc == -1 && !strncmp(err, bad[i].want, strlen(bad[i].want)) && !c.targets,
		      "agent conf: refused: %s (got '%s')", bad[i].want, err);
		if (!rc)
			agent_conf_free(&c);
	}
}

static void test_limits(void)
{
	size_t cap = 64 + (AGENT_MAX_TARGETS + 1) * 40;
	char *text = malloc(cap), err[512] = "";
	struct agent_conf c;
	size_t off;
	int i, rc;

	off = (size_t)snprintf(text, cap, "targets:\n");
	for (i = 0; i < AGENT_MAX_TARGETS; i++)
		off += (size_t)snprintf(text + off, cap - off, " - {name: t%d, address: x}\n", i);
	rc = parse(text, &c, err, sizeof(err));
	CHECK(rc == 0 && c.ntargets == AGENT_MAX_TARGETS, "agent conf: %d targets are fine (%s)",
	      AGENT_MAX_TARGETS, err);
	if (!rc)
		agent_conf_free(&c);
	snprintf(text + off, cap - off, " - {name: t%d, address: x}\n", i);
	rc = parse(text, &c, err, sizeof(err));
	CHECK(rc == -1 && strstr(err, "t.conf:4098: targets: too many targets (at most 4096)"),
	      "agent conf: target 4097 is refused (%s)", err);
	/* a label value of 128 bytes is fine, 129 is not */
	snprintf(text, cap, "targets:\n - name: a\n   address: b\n   labels: {v: %0128d}\n", 0);
	rc = parse(text, &c, err, sizeof(err));
	CHECK(rc == 0 && strlen(c.targets[0].labels[0].value) == 128,
	      "agent conf: a 128-byte label value (%s)", err);
	if (!rc)
		agent_conf_free(&c);
	snprintf(text, cap, "targets:\n - name: a\n   address: b\n   labels: {v: %0129d}\n", 0);
	rc = parse(text, &c, err, sizeof(err));
	CHECK(rc == -1 && strstr(err, "t.conf:4: labels: bad label value for 'v'"),
	      "agent conf: a 129-byte label value is refused (%s)", err);
	free(text);
}

static void test_load(void)
{
	char path[] = "/tmp/sf-agent-conf-XXXXXX", err[512] = "";
	struct agent_conf c;
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (!f) {
		CHECK(0, "agent conf: a temporary file");
		return;
	}
	fputs("targets:\n - name: a\n   address: b\n   bogus: 1\n", f);
	fclose(f);
	CHECK(agent_conf_load(path, &c, err, sizeof(err)) == -1 && !strncmp(err, path, strlen(path)) &&
	      !strcmp(err + strlen(path), ":4: target: unknown key 'bogus' (name, address, port, interval, size, dscp, ssid, labels)"),
	      "agent conf: load names the file and line (%s)", err);
	unlink(path);
	CHECK(agent_conf_load(path, &c, err, sizeof(err)) == -1 && strstr(err, "cannot open"),
	      "agent conf: a missing file (%s)", err);
}

static void test_same(void)
{
	struct agent_conf c;
	char err[512] = "";
	struct agent_target_conf a, b;

	if (parse(example, &c, err, sizeof(err))) {
		CHECK(0, "agent conf: example for agent_target_same (%s)", err);
		return;
	}
	a = c.targets[0];
	agent_conf_free(&c);
	b = a;
	CHECK(agent_target_same(&a, &b), "agent_target_same: equal");
	b.nlabels = 1;
	snprintf(b.labels[0].value, sizeof(b.labels[0].value), "other");
	b.line = 99;
	CHECK(agent_target_same(&a, &b), "agent_target_same: labels and line do not matter");
#define DIFF(field, val) do { b = a; b.field = val; \
	CHECK(!agent_target_same(&a, &b), "agent_target_same: " #field " matters"); } while (0)
	DIFF(port, 863);
	DIFF(ssid, 8);
	DIFF(size, 64);
	DIFF(dscp, 0);
	DIFF(interval, 1);
#undef DIFF
	b = a;
	b.name[0] = 'x';
	CHECK(!agent_target_same(&a, &b), "agent_target_same: name matters");
	b = a;
	snprintf(b.address, sizeof(b.address), "192.0.2.11");
	CHECK(!agent_target_same(&a, &b), "agent_target_same: address matters");
	CHECK(!strcmp(agent_event_names[AE_CONFIG_RELOAD_FAILED], "config_reload_failed") &&
	      !strcmp(agent_counter_names[AC_DUPLICATES], "duplicates") &&
	      !strcmp(agent_counter_names[AC_PORT_UNREACHABLE], "port_unreachable") &&
	      !strcmp(agent_counter_names[AC_IMPLAUSIBLE], "implausible") &&
	      !strcmp(agent_counter_names[AC_LATE], "late") &&
	      !strcmp(agent_counter_names[AC_ICMP_ERRORS], "icmp_errors"),
	      "agent: event and counter names");
}

static bool has(const struct hist *h, size_t i, uint64_t low, uint64_t high, uint64_t count)
{
	return i < h->nb && h->b[i].low == low && h->b[i].high == high && h->b[i].count == count;
}

static void test_agent_hist(void)
{
	struct hist u = { 0 }, prev = { 0 }, cur = { 0 }, d;
	static const uint64_t v[] = { 1000000, 5, 128, 129, 64, 127, 5, 1007615 };
	size_t i;
	bool sorted = true;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		agent_uhist_add(&u, v[i]);
	for (i = 1; i < u.nb; i++)
		sorted &= u.b[i - 1].low < u.b[i].low;
	CHECK(sorted && u.nb == 5 && has(&u, 0, 5, 5, 2) && has(&u, 1, 64, 64, 1) &&
	      has(&u, 2, 127, 127, 1) && has(&u, 3, 128, 129, 2) &&
	      has(&u, 4, 999424, 1007615, 2),
	      "agent: userspace round trips in the module's buckets (precision 6), sorted");
	CHECK(u.count == 8 && u.min == 5 && u.max == 1007615 && u.present &&
	      u.sum == 1000000 + 5 + 128 + 129 + 64 + 127 + 5 + 1007615 && hist_bucket_total(&u) == 8,
	      "agent: userspace histogram count, sum, min, max");
	hist_free(&u);

	hist_add_bucket(&prev, 100, 101, 2);
	hist_add_bucket(&prev, 200, 203, 3);
	prev.count = 5, prev.sum = 2 * 100 + 3 * 200, prev.min = 100, prev.max = 202;
	hist_add_bucket(&cur, 100, 101, 5);
	hist_add_bucket(&cur, 200, 203, 3);
	hist_add_bucket(&cur, 400, 407, 1);
	cur.count = 9, cur.sum = prev.sum + 3 * 100 + 405, cur.min = 100, cur.max = 405;
	CHECK(agent_hist_delta(&cur, &prev, &d) && d.nb == 2 && has(&d, 0, 100, 101, 3) &&
	      has(&d, 1, 400, 407, 1) && d.count == 4 && d.sum == 705 && d.min == 100 &&
	      d.max == 405, "agent: a minute's delta of the module's histogram");
	hist_free(&d);
	CHECK(agent_hist_delta(&cur, NULL, &d) && d.nb == 3 && d.count == 9 && d.sum == cur.sum,
	      "agent: the first minute of a flow: all of it");
	hist_free(&d);
	CHECK(agent_hist_delta(&prev, &prev, &d) && d.nb == 0 && d.count == 0,
	      "agent: nothing new: an empty delta");
	hist_free(&d);
	cur.b[0].count = 1;	/* fewer than before in a bucket: recreated */
	CHECK(!agent_hist_delta(&cur, &prev, &d) && !d.b,
	      "agent: a bucket going backwards is a flow recreated");
	cur.b[0].count = 5;
	cur.b[1].low = 204, cur.b[1].high = 207;	/* prev's 200 bucket vanished */
	CHECK(!agent_hist_delta(&cur, &prev, &d) && !d.b, "agent: a vanished bucket too");
	cur.b[1].low = 200, cur.b[1].high = 203;
	cur.count = 4;
	CHECK(!agent_hist_delta(&cur, &prev, &d) && !d.b, "agent: and a smaller count");
	hist_free(&prev);
	hist_free(&cur);
}

void test_agent_conf(void)
{
	test_agent_hist();
	test_example();
	test_defaults();
	test_refusals();
	test_limits();
	test_load();
	test_same();
}
