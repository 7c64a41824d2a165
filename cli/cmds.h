/* SPDX-License-Identifier: GPL-2.0 */
/* Pieces shared between commands. */
#ifndef SNAPFIRE_CMDS_H
#define SNAPFIRE_CMDS_H

#include <netinet/in.h>

#include <linux/snapfire.h>

#include "flow.h"
#include "nl.h"

struct cfg_prefix {
	uint8_t family, plen;
	uint8_t addr[16];
};

/* A namespace's configuration as config-get returns it: each scalar
 * attribute's value by attribute type, the ports and the allow-list. */
struct cfg_view {
	uint64_t v[SNAPFIRE_A_CONFIG_MAX + 1];
	bool has[SNAPFIRE_A_CONFIG_MAX + 1];	/* sent by the module */
	uint16_t ports[SNAPFIRE_MAX_PORTS];
	int nports;
	struct cfg_prefix allow[SNAPFIRE_MAX_ALLOW];
	int nallow;
};

int config_get(struct sfnl *n, struct cfg_view *c);
/* The configuration through out.h (text lines or a JSON object @key). */
void config_out(const char *key, const struct cfg_view *c);
/* The value of attribute SNAPFIRE_A_CONFIG_@attr (0 if not sent). */
uint64_t config_value(const struct cfg_view *c, int attr);
/* The key of attribute SNAPFIRE_A_CONFIG_@attr, NULL if it has none. */
const char *config_key_name(int attr);
/* The key table of `config --help`. */
void config_keys_help(FILE *f);
/* config-set attributes from the command line (config.c); exit codes */
bool config_key_known(const char *name);
int config_unknown_key(const char *cmd, const char *key);
int config_put_key(const char *cmd, struct nl_msg *msg, const char *key,
		   const char *v);
int config_put_mode(const char *cmd, struct nl_msg *msg, const char *v);
int config_put_u32(const char *cmd, struct nl_msg *msg, int attr,
		   const char *key, const char *v);
int config_put_allow(const char *cmd, struct nl_msg *msg, char **vals, int nvals);
/* "10.0.0.0/8", "2001:db8::/32", "10.1.2.3" -> prefix; 0 or -1 */
int parse_prefix(const char *s, struct cfg_prefix *p);

int status_get(struct sfnl *n, struct status_view *st);

/* Dump flows; hist_mask of (1 << metric); filters optional (NULL / -1). */
struct flow_filter {
	int role;		/* 0: any */
	int family;		/* 0: any */
	uint8_t peer[16];
	int port;		/* -1: any; local or remote */
	bool port_local;	/* port: the local one only (one dump, not two) */
	int ssid;		/* -1: any */
	uint32_t hist_mask;
};
int flows_get(struct sfnl *n, const struct flow_filter *flt, struct flowset *s);
/*
 * The same dump a flow at a time, in flow id order (the module's), without
 * holding the table: @fn gets each flow, which is freed after it returns
 * unless @fn took it (moved it and zeroed *f); its return value: 0 goes
 * on, else the dump stops with it. @flt NULL: every flow with every
 * histogram; its port must be -1 (two dumps would interleave).
 */
int flows_each(struct sfnl *n, const struct flow_filter *flt,
	       int (*fn)(struct flow *f, void *arg), void *arg);
/* A flow's breakdown and its dominant part through out.h (cmd_flows.c);
 * @title: the text heading, NULL for `show`'s. */
void breakdown_out(const struct flow *f, const char *title);
/* Parses a FLOW id argument; usage error exit code or 0. */
int parse_flow_id(const char *cmd, const char *s, uint64_t *id);


/* cmd_history.c */
int cmd_history(int argc, char **argv);

#define ALL_METRICS ((1u << METRIC_COUNT) - 1)

#endif
