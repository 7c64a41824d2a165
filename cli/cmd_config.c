// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/attr.h>

#include "cmds.h"
#include "common.h"

static const char valid_keys[] =
	"enabled, ports, reflect, mode, rate, burst, allow, max-flows, "
	"idle-timeout, precision, clock-synced, stamp-tx, rtt-threshold, "
	"loss-threshold, window, event-rate, min-source-port, rate-prefix6";

int parse_prefix(const char *s, struct sf_prefix *p)
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

static void prefix_str(char *buf, size_t n, const struct sf_prefix *p)
{
	char a[INET6_ADDRSTRLEN];

	addr_str(a, sizeof(a), p->family, p->addr);
	snprintf(buf, n, "%s/%u", a, p->plen);
}

static int config_cb(struct nlattr *attrs, int len, struct nlmsghdr *nlh,
		     void *arg)
{
	struct sf_config *c = arg;
	struct nlattr *a, *b;
	int rem, rem2;

	(void)nlh;
	nla_for_each_attr(a, attrs, len, rem) {
		switch (nla_type(a)) {
		case SNAPFIRE_A_CONFIG_ENABLED: c->enabled = (int)attr_uint(a); break;
		case SNAPFIRE_A_CONFIG_PORT:
			if (c->nports < SNAPFIRE_MAX_PORTS)
				c->ports[c->nports++] = (uint16_t)attr_uint(a);
			break;
		case SNAPFIRE_A_CONFIG_REFLECT: c->reflect = (int)attr_uint(a); break;
		case SNAPFIRE_A_CONFIG_REFLECT_MODE: c->mode = (uint32_t)attr_uint(a); break;
		case SNAPFIRE_A_CONFIG_RATE_LIMIT: c->rate = (uint32_t)attr_uint(a); break;
		case SNAPFIRE_A_CONFIG_RATE_BURST: c->burst = (uint32_t)attr_uint(a); break;
		case SNAPFIRE_A_CONFIG_ALLOW: {
			struct sf_prefix *p;

			if (c->nallow >= SNAPFIRE_MAX_ALLOW)
				break;
			p = &c->allow[c->nallow++];
			memset(p, 0, sizeof(*p));
			nla_for_each_nested(b, a, rem2) {
				switch (nla_type(b)) {
				case SNAPFIRE_A_PREFIX_FAMILY:
					p->family = (uint8_t)attr_uint(b);
					break;
				case SNAPFIRE_A_PREFIX_ADDR:
					memcpy(p->addr, nla_data(b),
					       nla_len(b) > 16 ? 16 : nla_len(b));
					break;
				case SNAPFIRE_A_PREFIX_PLEN:
					p->plen = (uint8_t)attr_uint(b);
					break;
				}
			}
			break;
		}
		case SNAPFIRE_A_CONFIG_MAX_FLOWS: c->max_flows = (uint32_t)attr_uint(a); break;
		case SNAPFIRE_A_CONFIG_IDLE_TIMEOUT: c->idle_timeout = (uint32_t)attr_uint(a); break;
		case SNAPFIRE_A_CONFIG_HIST_PRECISION: c->precision = (uint8_t)attr_uint(a); break;
		case SNAPFIRE_A_CONFIG_CLOCK_SYNCED: c->clock_synced = (int)attr_uint(a); break;
		case SNAPFIRE_A_CONFIG_STAMP_TX: c->stamp_tx = (int)attr_uint(a); break;
		case SNAPFIRE_A_CONFIG_RTT_THRESHOLD: c->rtt_threshold = attr_uint(a); break;
		case SNAPFIRE_A_CONFIG_LOSS_THRESHOLD: c->loss_threshold = (uint32_t)attr_uint(a); break;
		case SNAPFIRE_A_CONFIG_WINDOW: c->window = (uint32_t)attr_uint(a); break;
		case SNAPFIRE_A_CONFIG_EVENT_RATE: c->event_rate = (uint32_t)attr_uint(a); break;
		case SNAPFIRE_A_CONFIG_MIN_SOURCE_PORT: c->min_sport = (uint16_t)attr_uint(a); break;
		case SNAPFIRE_A_CONFIG_RATE_PREFIX6: c->rate_prefix6 = (uint8_t)attr_uint(a); break;
		}
	}
	return 0;
}

int config_get(struct sfnl *n, struct sf_config *c)
{
	struct nl_msg *msg = sfnl_msg(n, SNAPFIRE_CMD_CONFIG_GET, 0);

	memset(c, 0, sizeof(*c));
	c->enabled = c->reflect = c->clock_synced = c->stamp_tx = -1;
	if (!msg) {
		errmsg("out of memory");
		return EXIT_FAIL;
	}
	return sfnl_do(n, msg, config_cb, c, NULL);
}

static const char *onoff(int v)
{
	return v < 0 ? "?" : v ? "on" : "off";
}

static const char *mode_name(uint32_t m)
{
	return m == SNAPFIRE_REFLECT_MODE_STATEFUL ? "stateful" : "stateless";
}

void config_print(FILE *f, const struct sf_config *c)
{
	char buf[64];
	int i;

	fprintf(f, "  %-16s %s\n", "enabled", onoff(c->enabled));
	fprintf(f, "  %-16s ", "ports");
	for (i = 0; i < c->nports; i++)
		fprintf(f, "%s%u", i ? "," : "", c->ports[i]);
	fprintf(f, "%s\n", c->nports ? "" : "-");
	fprintf(f, "  %-16s %s\n", "reflect", onoff(c->reflect));
	fprintf(f, "  %-16s %s\n", "mode", mode_name(c->mode));
	fprintf(f, "  %-16s %u%s\n", "rate", c->rate, c->rate ? "/s per source" : " (no limit)");
	fprintf(f, "  %-16s %u\n", "burst", c->burst);
	fprintf(f, "  %-16s ", "allow");
	for (i = 0; i < c->nallow; i++) {
		prefix_str(buf, sizeof(buf), &c->allow[i]);
		fprintf(f, "%s%s", i ? "," : "", buf);
	}
	fprintf(f, "%s\n", c->nallow ? "" : "any");
	fprintf(f, "  %-16s %u\n", "max-flows", c->max_flows);
	fprintf(f, "  %-16s %us\n", "idle-timeout", c->idle_timeout);
	fprintf(f, "  %-16s %u bits\n", "precision", c->precision);
	fprintf(f, "  %-16s %s\n", "clock-synced", onoff(c->clock_synced));
	fprintf(f, "  %-16s %s\n", "stamp-tx", onoff(c->stamp_tx));
	fprintf(f, "  %-16s %s\n", "rtt-threshold", c->rtt_threshold ?
		fmt_dur(buf, sizeof(buf), c->rtt_threshold) : "off");
	if (c->loss_threshold)
		fprintf(f, "  %-16s %.4g%%\n", "loss-threshold", c->loss_threshold / 10000.0);
	else
		fprintf(f, "  %-16s off\n", "loss-threshold");
	fprintf(f, "  %-16s %us\n", "window", c->window);
	fprintf(f, "  %-16s %u/s\n", "event-rate", c->event_rate);
	fprintf(f, "  %-16s %u\n", "min-source-port", c->min_sport);
	fprintf(f, "  %-16s /%u\n", "rate-prefix6", c->rate_prefix6);
}

void json_config(struct json *j, const char *key, const struct sf_config *c)
{
	char buf[64];
	int i;

	json_obj(j, key);
	json_bool(j, "enabled", c->enabled > 0);
	json_arr(j, "ports");
	for (i = 0; i < c->nports; i++)
		json_u64(j, NULL, c->ports[i]);
	json_arr_end(j);
	json_bool(j, "reflect", c->reflect > 0);
	json_str(j, "mode", mode_name(c->mode));
	json_u64(j, "rate", c->rate);
	json_u64(j, "burst", c->burst);
	json_arr(j, "allow");
	for (i = 0; i < c->nallow; i++) {
		prefix_str(buf, sizeof(buf), &c->allow[i]);
		json_str(j, NULL, buf);
	}
	json_arr_end(j);
	json_u64(j, "max_flows", c->max_flows);
	json_u64(j, "idle_timeout", c->idle_timeout);
	json_u64(j, "precision", c->precision);
	json_bool(j, "clock_synced", c->clock_synced > 0);
	json_bool(j, "stamp_tx", c->stamp_tx > 0);
	json_u64(j, "rtt_threshold_ns", c->rtt_threshold);
	json_u64(j, "loss_threshold_ppm", c->loss_threshold);
	json_u64(j, "window", c->window);
	json_u64(j, "event_rate", c->event_rate);
	json_u64(j, "min_source_port", c->min_sport);
	json_u64(j, "rate_prefix6", c->rate_prefix6);
	json_obj_end(j);
}

static int put_prefix(struct nl_msg *msg, const struct sf_prefix *p)
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
static int put_allow(const char *cmd, struct nl_msg *msg, char **vals, int nvals)
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
			struct sf_prefix p;

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

static int put_u32(const char *cmd, struct nl_msg *msg, int attr,
		   const char *key, const char *v)
{
	uint64_t x;
	int rc = arg_u64(cmd, key, v, UINT32_MAX, &x);

	if (rc)
		return rc;
	return nla_put_u32(msg, attr, (uint32_t)x) < 0 ? EXIT_FAIL : 0;
}

static int put_mode(const char *cmd, struct nl_msg *msg, const char *v)
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

/* Adds one KEY VALUE; exit code. */
static int put_key(const char *cmd, struct nl_msg *msg, const char *key,
		   const char *v)
{
	uint64_t x;
	uint32_t ppm;
	int rc;

	if (!strcmp(key, "enabled"))
		return put_bool(cmd, msg, SNAPFIRE_A_CONFIG_ENABLED, key, v);
	if (!strcmp(key, "ports") || !strcmp(key, "port"))
		return put_ports(cmd, msg, v);
	if (!strcmp(key, "reflect"))
		return put_bool(cmd, msg, SNAPFIRE_A_CONFIG_REFLECT, key, v);
	if (!strcmp(key, "mode"))
		return put_mode(cmd, msg, v);
	if (!strcmp(key, "rate"))
		return put_u32(cmd, msg, SNAPFIRE_A_CONFIG_RATE_LIMIT, key, v);
	if (!strcmp(key, "burst"))
		return put_u32(cmd, msg, SNAPFIRE_A_CONFIG_RATE_BURST, key, v);
	if (!strcmp(key, "allow"))
		return put_allow(cmd, msg, (char **)&v, 1);
	if (!strcmp(key, "max-flows"))
		return put_u32(cmd, msg, SNAPFIRE_A_CONFIG_MAX_FLOWS, key, v);
	if (!strcmp(key, "idle-timeout"))
		return put_u32(cmd, msg, SNAPFIRE_A_CONFIG_IDLE_TIMEOUT, key, v);
	if (!strcmp(key, "precision")) {
		rc = arg_u64(cmd, key, v, 255, &x);
		if (rc)
			return rc;
		return nla_put_u8(msg, SNAPFIRE_A_CONFIG_HIST_PRECISION, (uint8_t)x) < 0 ? EXIT_FAIL : 0;
	}
	if (!strcmp(key, "clock-synced"))
		return put_bool(cmd, msg, SNAPFIRE_A_CONFIG_CLOCK_SYNCED, key, v);
	if (!strcmp(key, "stamp-tx"))
		return put_bool(cmd, msg, SNAPFIRE_A_CONFIG_STAMP_TX, key, v);
	if (!strcmp(key, "rtt-threshold")) {
		if (!strcmp(v, "off"))
			x = 0;
		else if (parse_duration(v, &x) < 0)
			return usage_err(cmd, "rtt-threshold: '%s' is not a duration (500us, 2ms, 1s, or ns)", v);
		return nla_put_u64(msg, SNAPFIRE_A_CONFIG_RTT_THRESHOLD, x) < 0 ? EXIT_FAIL : 0;
	}
	if (!strcmp(key, "loss-threshold")) {
		if (!strcmp(v, "off"))
			ppm = 0;
		else if (parse_percent_ppm(v, &ppm) < 0)
			return usage_err(cmd, "loss-threshold: '%s' is not a percentage from 0 to 100", v);
		return nla_put_u32(msg, SNAPFIRE_A_CONFIG_LOSS_THRESHOLD, ppm) < 0 ? EXIT_FAIL : 0;
	}
	if (!strcmp(key, "window"))
		return put_u32(cmd, msg, SNAPFIRE_A_CONFIG_WINDOW, key, v);
	if (!strcmp(key, "event-rate"))
		return put_u32(cmd, msg, SNAPFIRE_A_CONFIG_EVENT_RATE, key, v);
	if (!strcmp(key, "min-source-port")) {
		rc = arg_u64(cmd, key, v, UINT16_MAX, &x);
		if (rc)
			return rc;
		return nla_put_u16(msg, SNAPFIRE_A_CONFIG_MIN_SOURCE_PORT, (uint16_t)x) < 0 ? EXIT_FAIL : 0;
	}
	if (!strcmp(key, "rate-prefix6")) {
		rc = arg_u64(cmd, key, v, 128, &x);
		if (rc)
			return rc;
		return nla_put_u8(msg, SNAPFIRE_A_CONFIG_RATE_PREFIX6, (uint8_t)x) < 0 ? EXIT_FAIL : 0;
	}
	return usage_err(cmd, "unknown key '%s'; valid keys: %s", key, valid_keys);
}

static int config_send(struct nl_msg *msg)
{
	struct sfnl n;
	int rc = sfnl_open(&n);

	if (rc) {
		nlmsg_free(msg);
		return rc;
	}
	/* The request was built before the family was known. */
	genlmsg_hdr(nlmsg_hdr(msg))->cmd = SNAPFIRE_CMD_CONFIG_SET;
	nlmsg_hdr(msg)->nlmsg_type = (uint16_t)n.family;
	rc = sfnl_do(&n, msg, NULL, NULL, NULL);
	sfnl_close(&n);
	return rc;
}

static struct nl_msg *new_set_msg(void)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, 0, 0, 0,
				SNAPFIRE_CMD_CONFIG_SET, SNAPFIRE_FAMILY_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	if (!msg)
		errmsg("out of memory");
	return msg;
}

static int config_show(void)
{
	struct sf_config c;
	struct sfnl n;
	int rc = sfnl_open(&n);

	if (rc)
		return rc;
	rc = config_get(&n, &c);
	sfnl_close(&n);
	if (rc)
		return rc;
	if (g_json) {
		struct json j;

		json_init(&j, stdout);
		json_config(&j, NULL, &c);
		json_end(&j);
	} else {
		config_print(stdout, &c);
	}
	return EXIT_OK;
}

int cmd_config(int argc, char **argv)
{
	struct nl_msg *msg;
	int i, rc;

	if (argc == 2 && want_help("config", argv[1]))
		return EXIT_OK;
	if (argc == 1)
		return config_show();
	msg = new_set_msg();
	if (!msg)
		return EXIT_FAIL;
	for (i = 1; i < argc; i += 2) {
		if (i + 1 >= argc) {
			nlmsg_free(msg);
			if (strcmp(argv[i], "enabled") && !strstr(valid_keys, argv[i]))
				return usage_err("config", "unknown key '%s'; valid keys: %s",
						 argv[i], valid_keys);
			return usage_err("config", "%s needs a value", argv[i]);
		}
		rc = put_key("config", msg, argv[i], argv[i + 1]);
		if (rc) {
			nlmsg_free(msg);
			return rc;
		}
	}
	return config_send(msg);
}

int cmd_reflect(int argc, char **argv)
{
	struct nl_msg *msg;
	int i, rc, b;

	if (argc < 2)
		return usage_err("reflect", "expected on or off");
	if (want_help("reflect", argv[1]))
		return EXIT_OK;
	b = parse_bool(argv[1]);
	if (b < 0)
		return usage_err("reflect", "expected on or off, not '%s'", argv[1]);
	msg = new_set_msg();
	if (!msg)
		return EXIT_FAIL;
	rc = nla_put_u8(msg, SNAPFIRE_A_CONFIG_REFLECT, (uint8_t)b) < 0 ? EXIT_FAIL : 0;
	for (i = 2; i < argc && !rc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "stateless") || !strcmp(a, "stateful")) {
			rc = put_mode("reflect", msg, a);
		} else if (!strcmp(a, "mode") && i + 1 < argc) {
			rc = put_mode("reflect", msg, argv[++i]);
		} else if (!strcmp(a, "rate") || !strcmp(a, "burst")) {
			rc = put_u32("reflect", msg, !strcmp(a, "rate") ?
				     SNAPFIRE_A_CONFIG_RATE_LIMIT :
				     SNAPFIRE_A_CONFIG_RATE_BURST, a,
				     i + 1 < argc ? argv[i + 1] : NULL);
			i++;
		} else if (!strcmp(a, "allow")) {
			int start = ++i;

			while (i < argc && strcmp(argv[i], "rate") &&
			       strcmp(argv[i], "burst") && strcmp(argv[i], "mode") &&
			       strcmp(argv[i], "stateless") && strcmp(argv[i], "stateful"))
				i++;
			rc = put_allow("reflect", msg, argv + start, i - start);
			i--;
		} else {
			rc = usage_err("reflect", "unexpected argument '%s'", a);
		}
	}
	if (rc) {
		nlmsg_free(msg);
		return rc;
	}
	return config_send(msg);
}
