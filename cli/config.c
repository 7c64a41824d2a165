// SPDX-License-Identifier: GPL-2.0
/*
 * The configuration keys: one table, and what walks it: `config KEY VALUE`
 * parsed into config-set attributes, config-get read into a struct
 * cfg_view, shown as text and JSON, and listed by `config --help`.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/attr.h>

#include "cmds.h"
#include "parse.h"
#include "out.h"
#include "common.h"

/*
 * One row per configuration key: how `config KEY VALUE` parses it, which
 * attribute carries it, how `config` shows it (text and JSON), and its help
 * line. A key added to the spec is one row here.
 */
enum cfg_kind {
	CK_BOOL,	/* on|off, u8 */
	CK_UINT,	/* a number up to max, in an attribute of width bytes */
	CK_DURATION,	/* 500us, 2ms... or off (0), u64 ns */
	CK_PERCENT,	/* a percentage or off (0), u32 ppm */
	CK_MODE,	/* stateless|stateful, u32 */
	CK_PORTS,	/* PORT[,PORT...], one u16 attribute each */
	CK_ALLOW,	/* PREFIX[,PREFIX...] or none, one nest each */
};

struct cfg_key {
	const char *name;	/* command line and text output */
	const char *json;	/* JSON key */
	int attr;		/* SNAPFIRE_A_CONFIG_* */
	enum cfg_kind kind;
	int bytes;		/* CK_UINT: attribute width */
	uint64_t max;		/* CK_UINT: largest value accepted */
	const char *pre, *post;	/* CK_UINT text around the number */
	const char *zero;	/* CK_UINT text after 0 instead of post */
	const char *arg, *help;	/* `config --help` */
};

#define U(b, m) .kind = CK_UINT, .bytes = (b), .max = (m)
static const struct cfg_key cfg_keys[] = {
	{ "enabled", "enabled", SNAPFIRE_A_CONFIG_ENABLED, CK_BOOL,
	  .arg = "on|off", .help = "process STAMP probes in this namespace" },
	{ "ports", "ports", SNAPFIRE_A_CONFIG_PORT, CK_PORTS,
	  .arg = "862[,863...]", .help = "UDP ports treated as STAMP (1 to 8)" },
	{ "reflect", "reflect", SNAPFIRE_A_CONFIG_REFLECT, CK_BOOL,
	  .arg = "on|off", .help = "answer probes in the kernel" },
	{ "mode", "mode", SNAPFIRE_A_CONFIG_REFLECT_MODE, CK_MODE,
	  .arg = "stateless|stateful", .help = "reflector mode" },
	{ "rate", "rate", SNAPFIRE_A_CONFIG_RATE_LIMIT, U(4, UINT32_MAX),
	  .post = "/s per source", .zero = " (no per-source limit)",
	  .arg = "N", .help = "replies/s per source address (0: no per-source limit)" },
	{ "burst", "burst", SNAPFIRE_A_CONFIG_RATE_BURST, U(4, UINT32_MAX),
	  .arg = "N", .help = "burst above the rate (packets)" },
	{ "allow", "allow", SNAPFIRE_A_CONFIG_ALLOW, CK_ALLOW,
	  .arg = "PREFIX[,PREFIX...]", .help = "sources the reflector answers; 'none' clears" },
	{ "max-flows", "max_flows", SNAPFIRE_A_CONFIG_MAX_FLOWS, U(4, UINT32_MAX),
	  .arg = "N", .help = "most flows kept (16..4194304)" },
	{ "idle-timeout", "idle_timeout", SNAPFIRE_A_CONFIG_IDLE_TIMEOUT, U(4, UINT32_MAX),
	  .post = "s", .arg = "SECONDS", .help = "flow expiry after idleness" },
	{ "precision", "precision", SNAPFIRE_A_CONFIG_HIST_PRECISION, U(1, 255),
	  .post = " bits", .arg = "BITS", .help = "histogram sub-bucket bits (4..8)" },
	{ "clock-synced", "clock_synced", SNAPFIRE_A_CONFIG_CLOCK_SYNCED, CK_BOOL,
	  .arg = "on|off", .help = "assert this host's clock is synchronised" },
	{ "stamp-tx", "stamp_tx", SNAPFIRE_A_CONFIG_STAMP_TX, CK_BOOL,
	  .arg = "on|off", .help = "write kernel egress times into probes" },
	{ "rtt-threshold", "rtt_threshold_ns", SNAPFIRE_A_CONFIG_RTT_THRESHOLD, CK_DURATION,
	  .arg = "DURATION", .help = "rtt-high event threshold (500us, 2ms; 0: off)" },
	{ "loss-threshold", "loss_threshold_ppm", SNAPFIRE_A_CONFIG_LOSS_THRESHOLD, CK_PERCENT,
	  .arg = "PERCENT", .help = "loss-high event threshold (0: off)" },
	{ "window", "window", SNAPFIRE_A_CONFIG_WINDOW, U(4, UINT32_MAX),
	  .post = "s", .arg = "SECONDS", .help = "threshold evaluation window" },
	{ "event-rate", "event_rate", SNAPFIRE_A_CONFIG_EVENT_RATE, U(4, UINT32_MAX),
	  .post = "/s", .arg = "N", .help = "most events per second" },
	{ "min-source-port", "min_source_port", SNAPFIRE_A_CONFIG_MIN_SOURCE_PORT, U(2, UINT16_MAX),
	  .arg = "PORT", .help = "lower source ports are not answered (1024)" },
	{ "rate-prefix6", "rate_prefix6", SNAPFIRE_A_CONFIG_RATE_PREFIX6, U(1, 128),
	  .pre = "/", .arg = "LEN", .help = "IPv6 sources rate-limited per /LEN (64)" },
	{ "rate-prefix4", "rate_prefix4", SNAPFIRE_A_CONFIG_RATE_PREFIX4, U(1, 32),
	  .pre = "/", .arg = "LEN", .help = "IPv4 sources rate-limited per /LEN (32)" },
	{ "rate-total", "rate_total", SNAPFIRE_A_CONFIG_RATE_TOTAL, U(4, UINT32_MAX),
	  .post = "/s", .zero = " (100 x rate)",
	  .arg = "N", .help = "replies/s over all sources (0: 100 x rate)" },
	{ "flow-rate", "flow_rate", SNAPFIRE_A_CONFIG_FLOW_RATE, U(4, UINT32_MAX),
	  .post = "/s", .arg = "N", .help = "new flows/s remote and unprivileged probes may make" },
};
#undef U

static const struct cfg_key *cfg_key_find(const char *name)
{
	size_t i;

	if (!strcmp(name, "port"))	/* an alias */
		name = "ports";
	for (i = 0; i < ARRAY_SIZE(cfg_keys); i++)
		if (!strcmp(cfg_keys[i].name, name))
			return &cfg_keys[i];
	return NULL;
}

const char *config_key_name(int attr)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cfg_keys); i++)
		if (cfg_keys[i].attr == attr)
			return cfg_keys[i].name;
	return NULL;
}

int config_unknown_key(const char *cmd, const char *key)
{
	char list[512] = "";
	size_t i, n = 0;

	for (i = 0; i < ARRAY_SIZE(cfg_keys) && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
				      i ? ", " : "", cfg_keys[i].name);
	return usage_err(cmd, "unknown key '%s'; valid keys: %s", key, list);
}

void config_keys_help(FILE *f)
{
	char left[48];
	size_t i;

	fprintf(f, "Keys:\n");
	for (i = 0; i < ARRAY_SIZE(cfg_keys); i++) {
		snprintf(left, sizeof(left), "%s %s", cfg_keys[i].name, cfg_keys[i].arg);
		fprintf(f, "  %-25s %s\n", left, cfg_keys[i].help);
	}
}

int parse_prefix(const char *s, struct cfg_prefix *p)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	long plen;
	int max;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	memset(p, 0, sizeof(*p));
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = 0;
	if (inet_pton(AF_INET, buf, p->addr) == 1) {
		p->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, p->addr) == 1) {
		p->family = AF_INET6;
		max = 128;
	} else {
		return -1;
	}
	plen = max;
	if (slash) {
		plen = strtol(slash, &end, 10);
		if (!*slash || *end || plen < 0 || plen > max)
			return -1;
	}
	p->plen = (uint8_t)plen;
	return 0;
}

static void prefix_str(char *buf, size_t n, const struct cfg_prefix *p)
{
	char a[INET6_ADDRSTRLEN];

	addr_str(a, sizeof(a), p->family, p->addr);
	snprintf(buf, n, "%s/%u", a, p->plen);
}

static int config_cb(struct nlattr *attrs, int len, struct nlmsghdr *nlh,
		     void *arg)
{
	(void)nlh;
	return config_parse(arg, attrs, len);
}

int config_get(struct sfnl *n, struct cfg_view *c)
{
	struct nl_msg *msg = sfnl_msg(n, SNAPFIRE_CMD_CONFIG_GET, 0);

	memset(c, 0, sizeof(*c));
	if (!msg) {
		errmsg("out of memory");
		return EXIT_FAIL;
	}
	return sfnl_do(n, msg, config_cb, c, NULL);
}

uint64_t config_value(const struct cfg_view *c, int attr)
{
	return attr > 0 && attr <= SNAPFIRE_A_CONFIG_MAX ? c->v[attr] : 0;
}

static const char *mode_name(uint64_t m)
{
	return m == SNAPFIRE_REFLECT_MODE_STATEFUL ? "stateful" : "stateless";
}

/* The value of @k in text: into @buf (room for @n bytes). */
static void key_text(const struct cfg_view *c, const struct cfg_key *k,
		     char *buf, size_t n)
{
	uint64_t v = c->v[k->attr];
	size_t len = 0;
	int i;

	switch (k->kind) {
	case CK_BOOL:
		snprintf(buf, n, "%s", !c->has[k->attr] ? "?" : v ? "on" : "off");
		break;
	case CK_UINT:
		snprintf(buf, n, "%s%" PRIu64 "%s", k->pre ? k->pre : "", v,
			 !v && k->zero ? k->zero : k->post ? k->post : "");
		break;
	case CK_DURATION:
		if (v)
			fmt_dur(buf, n, v);
		else
			snprintf(buf, n, "off");
		break;
	case CK_PERCENT:
		if (v)
			snprintf(buf, n, "%.4g%%", (double)v / 10000.0);
		else
			snprintf(buf, n, "off");
		break;
	case CK_MODE:
		snprintf(buf, n, "%s", mode_name(v));
		break;
	case CK_PORTS:
		buf[0] = 0;
		for (i = 0; i < c->nports && len < n; i++)
			len += (size_t)snprintf(buf + len, n - len, "%s%u", i ? "," : "",
						c->ports[i]);
		if (!c->nports)
			snprintf(buf, n, "-");
		break;
	case CK_ALLOW:
		buf[0] = 0;
		for (i = 0; i < c->nallow && len < n; i++) {
			char p[64];

			prefix_str(p, sizeof(p), &c->allow[i]);
			len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? "," : "", p);
		}
		if (!c->nallow)
			snprintf(buf, n, "any");
		break;
	}
}

/*
 * The configuration, one row of the key table per field: text "  KEY VALUE"
 * lines (the value as key_text() words it), JSON the typed value under the
 * key's JSON name, in an object named @key.
 */
void config_out(const char *key, const struct cfg_view *c)
{
	char buf[SNAPFIRE_MAX_ALLOW * 48];
	size_t i;
	int n;

	out_obj(key);
	for (i = 0; i < ARRAY_SIZE(cfg_keys); i++) {
		const struct cfg_key *k = &cfg_keys[i];
		uint64_t v = c->v[k->attr];

		key_text(c, k, buf, sizeof(buf));
		out_text("  %-16s %s\n", k->name, buf);
		switch (k->kind) {
		case CK_BOOL:
			out_bool(OUT_JSON, k->json, NULL, c->has[k->attr] && v);
			break;
		case CK_UINT:
		case CK_DURATION:
		case CK_PERCENT:
			out_u64(OUT_JSON, k->json, NULL, v);
			break;
		case CK_MODE:
			out_str(OUT_JSON, k->json, NULL, mode_name(v));
			break;
		case CK_PORTS:
			out_arr(k->json);
			for (n = 0; n < c->nports; n++)
				out_u64(OUT_JSON, NULL, NULL, c->ports[n]);
			out_arr_end();
			break;
		case CK_ALLOW:
			out_arr(k->json);
			for (n = 0; n < c->nallow; n++) {
				prefix_str(buf, sizeof(buf), &c->allow[n]);
				out_str(OUT_JSON, NULL, NULL, buf);
			}
			out_arr_end();
			break;
		}
	}
	out_obj_end();
}

static int put_prefix(struct nl_msg *msg, const struct cfg_prefix *p)
{
	struct nlattr *nest = nla_nest_start(msg, SNAPFIRE_A_CONFIG_ALLOW);

	if (!nest ||
	    nla_put_u8(msg, SNAPFIRE_A_PREFIX_FAMILY, p->family) < 0 ||
	    nla_put(msg, SNAPFIRE_A_PREFIX_ADDR, p->family == AF_INET6 ? 16 : 4,
		    p->addr) < 0 ||
	    nla_put_u8(msg, SNAPFIRE_A_PREFIX_PLEN, p->plen) < 0)
		return -1;
	nla_nest_end(msg, nest);
	return 0;
}

/* Adds the allow-list given as "none" or PREFIX[,PREFIX...]; exit code. */
int config_put_allow(const char *cmd, struct nl_msg *msg, char **vals, int nvals)
{
	int i, count = 0;

	if (nvals == 1 && (!strcmp(vals[0], "none") || !strcmp(vals[0], "any"))) {
		if (nla_put_flag(msg, SNAPFIRE_A_CONFIG_ALLOW_CLEAR) < 0)
			return EXIT_FAIL;
		return 0;
	}
	for (i = 0; i < nvals; i++) {
		char *dup = strdup(vals[i]), *tok, *save = NULL;

		if (!dup)
			return EXIT_FAIL;
		for (tok = strtok_r(dup, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			struct cfg_prefix p;

			if (parse_prefix(tok, &p) < 0) {
				int rc = usage_err(cmd, "allow: '%s' is not an address prefix (e.g. 10.0.0.0/8, 2001:db8::/32) or 'none'", tok);

				free(dup);
				return rc;
			}
			if (++count > SNAPFIRE_MAX_ALLOW) {
				free(dup);
				return usage_err(cmd, "allow: at most %d prefixes", SNAPFIRE_MAX_ALLOW);
			}
			if (put_prefix(msg, &p) < 0) {
				free(dup);
				return EXIT_FAIL;
			}
		}
		free(dup);
	}
	if (!count)
		return usage_err(cmd, "allow needs PREFIX[,PREFIX...] or 'none'");
	return 0;
}

static int put_bool(const char *cmd, struct nl_msg *msg, int attr,
		    const char *key, const char *v)
{
	int b = parse_bool(v);

	if (b < 0)
		return usage_err(cmd, "%s: expected on or off, not '%s'", key, v);
	return nla_put_u8(msg, attr, (uint8_t)b) < 0 ? EXIT_FAIL : 0;
}

int config_put_u32(const char *cmd, struct nl_msg *msg, int attr,
		   const char *key, const char *v)
{
	uint64_t x;
	int rc = arg_u64(cmd, key, v, UINT32_MAX, &x);

	if (rc)
		return rc;
	return nla_put_u32(msg, attr, (uint32_t)x) < 0 ? EXIT_FAIL : 0;
}

int config_put_mode(const char *cmd, struct nl_msg *msg, const char *v)
{
	uint32_t m;

	if (!strcmp(v, "stateless"))
		m = SNAPFIRE_REFLECT_MODE_STATELESS;
	else if (!strcmp(v, "stateful"))
		m = SNAPFIRE_REFLECT_MODE_STATEFUL;
	else
		return usage_err(cmd, "mode: expected stateless or stateful, not '%s'", v);
	return nla_put_u32(msg, SNAPFIRE_A_CONFIG_REFLECT_MODE, m) < 0 ? EXIT_FAIL : 0;
}

static int put_ports(const char *cmd, struct nl_msg *msg, const char *v)
{
	char *dup = strdup(v), *tok, *save = NULL;
	int count = 0, rc = 0;

	if (!dup)
		return EXIT_FAIL;
	for (tok = strtok_r(dup, ",", &save); tok && !rc;
	     tok = strtok_r(NULL, ",", &save)) {
		uint64_t port;

		rc = arg_u64(cmd, "ports", tok, 65535, &port);
		if (rc)
			break;
		if (!port || ++count > SNAPFIRE_MAX_PORTS) {
			rc = usage_err(cmd, "ports: 1 to %d ports from 1 to 65535",
				       SNAPFIRE_MAX_PORTS);
			break;
		}
		if (nla_put_u16(msg, SNAPFIRE_A_CONFIG_PORT, (uint16_t)port) < 0)
			rc = EXIT_FAIL;
	}
	free(dup);
	if (!rc && !count)
		rc = usage_err(cmd, "ports needs PORT[,PORT...]");
	return rc;
}

static int put_uint(const char *cmd, struct nl_msg *msg, const struct cfg_key *k,
		    const char *v)
{
	uint64_t x;
	int rc = arg_u64(cmd, k->name, v, k->max, &x);

	if (rc)
		return rc;
	switch (k->bytes) {
	case 1:
		rc = nla_put_u8(msg, k->attr, (uint8_t)x);
		break;
	case 2:
		rc = nla_put_u16(msg, k->attr, (uint16_t)x);
		break;
	default:
		rc = nla_put_u32(msg, k->attr, (uint32_t)x);
		break;
	}
	return rc < 0 ? EXIT_FAIL : 0;
}

/* Adds one KEY VALUE; exit code. */
int config_put_key(const char *cmd, struct nl_msg *msg, const char *key,
		   const char *v)
{
	const struct cfg_key *k = cfg_key_find(key);
	uint64_t x = 0;
	uint32_t ppm = 0;

	if (!k)
		return config_unknown_key(cmd, key);
	switch (k->kind) {
	case CK_BOOL:
		return put_bool(cmd, msg, k->attr, k->name, v);
	case CK_UINT:
		return put_uint(cmd, msg, k, v);
	case CK_DURATION:
		if (strcmp(v, "off") && parse_duration(v, &x) < 0)
			return usage_err(cmd, "%s: '%s' is not a duration (500us, 2ms, 1s, or ns)",
					 k->name, v);
		return nla_put_u64(msg, k->attr, x) < 0 ? EXIT_FAIL : 0;
	case CK_PERCENT:
		if (strcmp(v, "off") && parse_percent_ppm(v, &ppm) < 0)
			return usage_err(cmd, "%s: '%s' is not a percentage from 0 to 100",
					 k->name, v);
		return nla_put_u32(msg, k->attr, ppm) < 0 ? EXIT_FAIL : 0;
	case CK_MODE:
		return config_put_mode(cmd, msg, v);
	case CK_PORTS:
		return put_ports(cmd, msg, v);
	case CK_ALLOW:
		return config_put_allow(cmd, msg, (char **)&v, 1);
	}
	return EXIT_FAIL;
}

bool config_key_known(const char *name)
{
	return cfg_key_find(name) != NULL;
}
