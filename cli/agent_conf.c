// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's configuration (agent.h): a YAML file read with libyaml's
 * document loader, validated as a whole. Every refusal names the file and
 * the line of the offending node ("FILE:LINE: reason"); unknown keys are
 * errors so that a typo never silently becomes a default. The format and
 * its limits are in snapfire(8), section AGENT.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include <linux/snapfire_stamp.h>

#include "agent.h"
#include "hstore.h"
#include "probe.h"

const char *const agent_event_names[AE_COUNT] = {
	[AE_TARGET_UNREACHABLE] = "target_unreachable",
	[AE_TARGET_RECOVERED] = "target_recovered",
	[AE_MODULE_MISSING] = "module_missing",
	[AE_MODULE_BACK] = "module_back",
	[AE_SEND_ERROR] = "send_error",
	[AE_CONFIG_RELOAD] = "config_reload",
	[AE_CONFIG_RELOAD_FAILED] = "config_reload_failed",
	[AE_STORE_ERROR] = "store_error",
};

const char *const agent_counter_names[AC_COUNT] = {
	[AC_SENT] = "sent",
	[AC_RECEIVED] = "received",
	[AC_LOST] = "lost",
	[AC_REORDERED] = "reordered",
	[AC_DUPLICATES] = "duplicates",
	[AC_PORT_UNREACHABLE] = "port_unreachable",
	[AC_IMPLAUSIBLE] = "implausible",
	[AC_LATE] = "late",
	[AC_ICMP_ERRORS] = "icmp_errors",
};

struct ctx {
	const char *name;
	yaml_document_t *doc;
	struct agent_conf *c;
	char *err;
	size_t errlen;
};

static int fail(struct ctx *x, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct ctx *x, const yaml_node_t *n, const char *fmt, ...)
{
	size_t off;
	va_list ap;

	snprintf(x->err, x->errlen, "%s:%zu: ", x->name, n ? n->start_mark.line + 1 : 1);
	off = strlen(x->err);
	va_start(ap, fmt);
	vsnprintf(x->err + off, x->errlen - off, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE: return "a scalar";
	case YAML_SEQUENCE_NODE: return "a list";
	case YAML_MAPPING_NODE: return "a mapping";
	default: return "nothing";
	}
}

/* A scalar's text (NUL-terminated by libyaml), or an error. */
static int scalar(struct ctx *x, const yaml_node_t *n, const char *key, const char **out)
{
	if (n->type != YAML_SCALAR_NODE)
		return fail(x, n, "%s: bad type: expected a scalar, got %s", key, node_kind(n));
	*out = (const char *)n->data.scalar.value;
	return 0;
}

/* Numbers are plain scalars: a quoted "862" is a string, not a port. */
static int number_text(struct ctx *x, const yaml_node_t *n, const char *key, const char **s)
{
	if (scalar(x, n, key, s))
		return -1;
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || !**s)
		return fail(x, n, "%s: bad type: expected a number, got the string \"%s\"", key, *s);
	return 0;
}

static int get_uint(struct ctx *x, const yaml_node_t *n, const char *key,
		    unsigned long min, unsigned long max, unsigned long *out)
{
	const char *s = NULL;
	char *end;
	unsigned long v;

	if (number_text(x, n, key, &s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || errno)
		return fail(x, n, "%s: bad type: '%s' is not a whole number", key, s);
	if (v < min || v > max)
		return fail(x, n, "%s: %lu is out of range (%lu to %lu)", key, v, min, max);
	*out = v;
	return 0;
}

static int get_double(struct ctx *x, const yaml_node_t *n, const char *key,
		      double min, double max, double *out)
{
	const char *s = NULL;
	char *end;
	double v;

	if (number_text(x, n, key, &s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (*end || errno || !isfinite(v) || !((*s >= '0' && *s <= '9') || *s == '.'))
		return fail(x, n, "%s: bad type: '%s' is not a number", key, s);
	if (v < min || v > max)
		return fail(x, n, "%s: %s is out of range (%g to %g seconds)", key, s, min, max);
	*out = v;
	return 0;
}

static int get_string(struct ctx *x, const yaml_node_t *n, const char *key,
		      char *out, size_t size)
{
	const char *s = NULL;

	if (scalar(x, n, key, &s))
		return -1;
	if (!*s)
		return fail(x, n, "%s: must not be empty", key);
	if (strlen(s) >= size)
		return fail(x, n, "%s: longer than %zu bytes", key, size - 1);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

/*
 * Walks a mapping: calls @fn for each KEY: VALUE, refusing non-scalar and
 * repeated keys (libyaml keeps both of a repeated key: the YAML spec says
 * keys are unique, so a repeat is a mistake in the file).
 */
typedef int (*pair_fn)(struct ctx *x, const char *key, yaml_node_t *k, yaml_node_t *v,
		       void *arg);

static int walk_map(struct ctx *x, yaml_node_t *map, const char *what, pair_fn fn, void *arg)
{
	yaml_node_pair_t *p, *q;

	if (map->type != YAML_MAPPING_NODE)
		return fail(x, map, "%s: bad type: expected a mapping (KEY: VALUE lines), got %s",
			    what, node_kind(map));
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(x->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(x->doc, p->value);
		const char *ks;

		if (!k || !v)
			return fail(x, map, "%s: malformed mapping", what);
		if (k->type != YAML_SCALAR_NODE)
			return fail(x, k, "%s: bad type: a key must be a scalar, got %s", what,
				    node_kind(k));
		ks = (const char *)k->data.scalar.value;
		for (q = map->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *k2 = yaml_document_get_node(x->doc, q->key);

			if (k2 && k2->type == YAML_SCALAR_NODE &&
			    !strcmp((const char *)k2->data.scalar.value, ks))
				return fail(x, k, "%s: duplicate key '%s' (first on line %zu)",
					    what, ks, k2->start_mark.line + 1);
		}
		if (fn(x, ks, k, v, arg))
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ targets */

/* "probe bytes (0 = the minimum)", as `snapfire probe -s`: 44 is the bare
 * base packet; with the Follow-Up Telemetry TLV 64, or 68 and more (a
 * padding TLV behind it). */
static int size_ok(unsigned long v)
{
	return v == 0 || v == STAMP_BASE_LEN || v == FU_SIZE ||
	       (v >= FU_SIZE + STAMP_TLV_HDR_LEN && v <= STAMP_MAX_LEN);
}

static int probe_key(struct ctx *x, const char *key, yaml_node_t *v, struct agent_target_conf *t)
{
	unsigned long u;

	if (!strcmp(key, "port")) {
		if (get_uint(x, v, key, 1, 65535, &u))
			return -1;
		t->port = (uint16_t)u;
	} else if (!strcmp(key, "interval")) {
		return get_double(x, v, key, 0.01, 3600, &t->interval);
	} else if (!strcmp(key, "size")) {
		if (get_uint(x, v, key, 0, STAMP_MAX_LEN, &u))
			return -1;
		if (!size_ok(u))
			return fail(x, v, "size: %lu is not a probe size: 0 (the minimum, %d), %d (no Follow-Up Telemetry), %d, or %d to %d",
				    u, FU_SIZE, STAMP_BASE_LEN, FU_SIZE,
				    FU_SIZE + STAMP_TLV_HDR_LEN, STAMP_MAX_LEN);
		t->size = (uint16_t)u;
	} else if (!strcmp(key, "dscp")) {
		if (get_uint(x, v, key, 0, 63, &u))
			return -1;
		t->dscp = (uint8_t)u;
	} else {
		return 1;
	}
	return 0;
}

static int defaults_pair(struct ctx *x, const char *key, yaml_node_t *k, yaml_node_t *v,
			 void *arg)
{
	int rc = probe_key(x, key, v, arg);

	if (rc > 0)
		return fail(x, k, "defaults: unknown key '%s' (port, interval, size, dscp)", key);
	return rc;
}

static const char *const reserved_labels[] = { "target", "le", "metric", "stage", "event" };

static const char *label_name_bad(const char *s)
{
	size_t i, n = strlen(s);

	if (!n || n > AGENT_LABEL_NAME_MAX)
		return "must be 1 to 64 characters";
	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
		      (i && ch >= '0' && ch <= '9')))
			return "must match [a-zA-Z_][a-zA-Z0-9_]*";
	}
	if (!strncmp(s, "__", 2))
		return "names starting with __ are reserved by Prometheus";
	for (i = 0; i < sizeof(reserved_labels) / sizeof(reserved_labels[0]); i++)
		if (!strcmp(s, reserved_labels[i]))
			return "is reserved (target, le, metric, stage, event are the agent's own labels)";
	return NULL;
}

static int label_pair(struct ctx *x, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
	struct agent_target_conf *t = arg;
	struct agent_label *l;
	const char *why = label_name_bad(key), *s = NULL;

	if (why)
		return fail(x, k, "labels: bad label name '%s': %s", key, why);
	if (t->nlabels >= AGENT_MAX_LABELS)
		return fail(x, k, "labels: too many labels (at most %d a target)", AGENT_MAX_LABELS);
	if (scalar(x, v, key, &s))
		return -1;
	if (strlen(s) > AGENT_LABEL_VALUE_MAX)
		return fail(x, v, "labels: bad label value for '%s': longer than %d bytes",
			    key, AGENT_LABEL_VALUE_MAX);
	l = &t->labels[t->nlabels++];
	snprintf(l->name, sizeof(l->name), "%s", key);
	snprintf(l->value, sizeof(l->value), "%s", s);
	return 0;
}

struct tgt_arg {
	struct agent_target_conf *t;
	bool have_ssid;
};

static int target_pair(struct ctx *x, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
	struct tgt_arg *ta = arg;
	struct agent_target_conf *t = ta->t;
	unsigned long u;
	int rc;

	if (!strcmp(key, "name")) {
		const char *s = NULL;

		if (scalar(x, v, key, &s))
			return -1;
		if (!hs_key_ok(s))
			return fail(x, v, "name: '%s' is not a target name: 1 to %d of A-Z a-z 0-9 . _ : - (not . or ..)",
				    s, AGENT_NAME_MAX);
		snprintf(t->name, sizeof(t->name), "%s", s);
		return 0;
	}
	if (!strcmp(key, "address"))
		return get_string(x, v, key, t->address, sizeof(t->address));
	if (!strcmp(key, "ssid")) {
		if (get_uint(x, v, key, 0, 65535, &u))
			return -1;
		t->ssid = (uint16_t)u;
		ta->have_ssid = true;
		return 0;
	}
	if (!strcmp(key, "labels")) {
		t->nlabels = 0;
		return walk_map(x, v, "labels", label_pair, t);
	}
	rc = probe_key(x, key, v, t);
	if (rc > 0)
		return fail(x, k, "target: unknown key '%s' (name, address, port, interval, size, dscp, ssid, labels)",
			    key);
	return rc;
}

/* The SSID of a target that names none: FNV-1a of its name folded to 16
 * bits, never 0. Stable across restarts, so a target's flows keep theirs. */
static uint16_t ssid_of(const char *name)
{
	uint32_t h = 2166136261u;

	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	h = (h >> 16) ^ (h & 0xffff);
	return h ? (uint16_t)h : 1;
}

static int targets(struct ctx *x, yaml_node_t *seq, const struct agent_target_conf *def)
{
	struct agent_conf *c = x->c;
	yaml_node_item_t *it;
	int i;

	if (seq->type == YAML_SCALAR_NODE && !*seq->data.scalar.value &&
	    seq->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		return 0;	/* "targets:" with nothing: none */
	if (seq->type != YAML_SEQUENCE_NODE)
		return fail(x, seq, "targets: bad type: expected a list (\"- name: ...\" items), got %s",
			    node_kind(seq));
	if (seq->data.sequence.items.top - seq->data.sequence.items.start > AGENT_MAX_TARGETS) {
		yaml_node_t *extra = yaml_document_get_node(x->doc,
			seq->data.sequence.items.start[AGENT_MAX_TARGETS]);

		return fail(x, extra ? extra : seq, "targets: too many targets (at most %d)",
			    AGENT_MAX_TARGETS);
	}
	c->targets = calloc((size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start) + 1,
			    sizeof(*c->targets));
	if (!c->targets)
		return fail(x, seq, "out of memory");
	for (it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
		yaml_node_t *n = yaml_document_get_node(x->doc, *it);
		struct agent_target_conf *t = &c->targets[c->ntargets];
		struct tgt_arg ta = { t, false };

		if (!n)
			return fail(x, seq, "targets: malformed list");
		*t = *def;
		t->line = (int)n->start_mark.line + 1;
		if (walk_map(x, n, "target", target_pair, &ta))
			return -1;
		if (!t->name[0])
			return fail(x, n, "target: no name (name: is required; it keys the history)");
		if (!t->address[0])
			return fail(x, n, "target %s: no address (address: an IP address or a host name)",
				    t->name);
		for (i = 0; i < c->ntargets; i++)
			if (!strcmp(c->targets[i].name, t->name))
				return fail(x, n, "target: duplicate name '%s' (first on line %d)",
					    t->name, c->targets[i].line);
		if (!ta.have_ssid)
			t->ssid = ssid_of(t->name);
		c->ntargets++;
	}
	return 0;
}

/* ------------------------------------------------------------ top level */

/* "A.B.C.D:PORT" or "[V6]:PORT": literals only (no lookup at bind time). */
static bool listen_ok(const char *s)
{
	char host[INET6_ADDRSTRLEN + 2], *end;
	const char *colon;
	struct in6_addr a6;
	struct in_addr a4;
	unsigned long port;
	size_t hl;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':')
			return false;
		hl = (size_t)(rb - s - 1);
		if (hl >= sizeof(host))
			return false;
		memcpy(host, s + 1, hl);
		host[hl] = 0;
		if (inet_pton(AF_INET6, host, &a6) != 1)
			return false;
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return false;
		hl = (size_t)(colon - s);
		if (hl >= sizeof(host))
			return false;
		memcpy(host, s, hl);
		host[hl] = 0;
		if (inet_pton(AF_INET, host, &a4) != 1)
			return false;
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	return colon[1] >= '0' && colon[1] <= '9' && !*end && !errno && port >= 1 && port <= 65535;
}

struct top_arg {
	yaml_node_t *targets, *defaults;
};

static int top_pair(struct ctx *x, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
	struct top_arg *ta = arg;
	struct agent_conf *c = x->c;
	unsigned long u;

	if (!strcmp(key, "listen")) {
		if (get_string(x, v, key, c->listen, sizeof(c->listen)))
			return -1;
		if (!listen_ok(c->listen))
			return fail(x, v, "listen: bad listen address '%s': give IPv4:PORT or [IPv6]:PORT (e.g. 127.0.0.1:9862, [::1]:9862)",
				    c->listen);
	} else if (!strcmp(key, "state-dir")) {
		return get_string(x, v, key, c->state_dir, sizeof(c->state_dir));
	} else if (!strcmp(key, "jsonl")) {
		return get_string(x, v, key, c->jsonl, sizeof(c->jsonl));
	} else if (!strcmp(key, "retention-days")) {
		if (get_uint(x, v, key, 1, 3650, &u))
			return -1;
		c->retention_days = (unsigned int)u;
	} else if (!strcmp(key, "defaults")) {
		ta->defaults = v;
	} else if (!strcmp(key, "targets")) {
		ta->targets = v;
	} else {
		return fail(x, k, "unknown key '%s' (listen, state-dir, retention-days, jsonl, defaults, targets)",
			    key);
	}
	return 0;
}

static int parse_doc(struct ctx *x, yaml_node_t *root)
{
	struct agent_target_conf def = { .port = STAMP_PORT, .interval = 1 };
	struct top_arg ta = { 0 };

	if (!root)
		return fail(x, NULL, "the file is empty: it needs at least a targets: list");
	if (walk_map(x, root, "the configuration", top_pair, &ta))
		return -1;
	if (ta.defaults && walk_map(x, ta.defaults, "defaults", defaults_pair, &def))
		return -1;
	if (!ta.targets)
		return fail(x, root, "no targets: list (write \"targets: []\" for an agent with none)");
	return targets(x, ta.targets, &def);
}

static void conf_init(struct agent_conf *c, const char *name)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s", name);
	snprintf(c->listen, sizeof(c->listen), "%s", AGENT_LISTEN_DEFAULT);
	snprintf(c->state_dir, sizeof(c->state_dir), "%s", AGENT_STATE_DEFAULT);
	c->retention_days = 7;
}

int agent_conf_parse(const char *name, const char *text, size_t len,
		     struct agent_conf *c, char *err, size_t errlen)
{
	struct ctx x = { name, NULL, c, err, errlen };
	yaml_parser_t parser;
	yaml_document_t doc, more;
	int rc = -1;

	conf_init(c, name);
	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errlen, "%s:%zu: YAML syntax: %s%s%s", name,
			 parser.problem_mark.line + 1, parser.problem ? parser.problem : "error",
			 parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return -1;
	}
	x.doc = &doc;
	rc = parse_doc(&x, yaml_document_get_root_node(&doc));
	if (!rc) {
		/* a second document ("---") would be ignored: refuse it */
		if (!yaml_parser_load(&parser, &more)) {
			snprintf(err, errlen, "%s:%zu: YAML syntax: %s", name,
				 parser.problem_mark.line + 1,
				 parser.problem ? parser.problem : "error");
			rc = -1;
		} else {
			yaml_node_t *r = yaml_document_get_root_node(&more);

			if (r)
				rc = fail(&x, r, "a second YAML document: the configuration is one document");
			yaml_document_delete(&more);
		}
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (rc)
		agent_conf_free(c);
	return rc;
}

int agent_conf_load(const char *path, struct agent_conf *c, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len = 0, cap = 0, n;
	int rc;

	if (!f) {
		snprintf(err, errlen, "%s: cannot open: %s (give another with -c FILE)", path,
			 strerror(errno));
		return -1;
	}
	for (;;) {
		if (cap - len < 4096) {
			char *t;

			if (cap >= (16u << 20)) {
				snprintf(err, errlen, "%s: larger than 16 MiB: not a configuration", path);
				goto bad;
			}
			cap = cap ? cap * 2 : 8192;
			t = realloc(text, cap);
			if (!t) {
				snprintf(err, errlen, "%s: out of memory", path);
				goto bad;
			}
			text = t;
		}
		n = fread(text + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
		goto bad;
	}
	fclose(f);
	rc = agent_conf_parse(path, text, len, c, err, errlen);
	free(text);
	return rc;
bad:
	fclose(f);
	free(text);
	conf_init(c, path);
	return -1;
}

void agent_conf_free(struct agent_conf *c)
{
	free(c->targets);
	c->targets = NULL;
	c->ntargets = 0;
}

bool agent_target_same(const struct agent_target_conf *a, const struct agent_target_conf *b)
{
	return !strcmp(a->name, b->name) && !strcmp(a->address, b->address) &&
	       a->port == b->port && a->ssid == b->ssid && a->size == b->size &&
	       a->dscp == b->dscp && a->interval == b->interval;
}
