// SPDX-License-Identifier: GPL-2.0
/* snapfire config and snapfire reflect: config-get shown, config-set sent
 * (the keys themselves are config.c's table). */
#include <string.h>

#include <netlink/genl/genl.h>

#include "cmds.h"
#include "out.h"
#include "common.h"

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
	struct cfg_view c;
	struct sfnl n;
	int rc = sfnl_open(&n);

	if (rc)
		return rc;
	rc = config_get(&n, &c);
	sfnl_close(&n);
	if (rc)
		return rc;
	out_begin(stdout, g_json);
	config_out(NULL, &c);
	out_end();
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
			if (!config_key_known(argv[i]))
				return config_unknown_key("config", argv[i]);
			return usage_err("config", "%s needs a value", argv[i]);
		}
		rc = config_put_key("config", msg, argv[i], argv[i + 1]);
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
			rc = config_put_mode("reflect", msg, a);
		} else if (!strcmp(a, "mode") && i + 1 < argc) {
			rc = config_put_mode("reflect", msg, argv[++i]);
		} else if (!strcmp(a, "rate") || !strcmp(a, "burst")) {
			rc = config_put_u32("reflect", msg, !strcmp(a, "rate") ?
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
			rc = config_put_allow("reflect", msg, argv + start, i - start);
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
