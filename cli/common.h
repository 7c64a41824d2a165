/* SPDX-License-Identifier: GPL-2.0 */
/* snapfire CLI: shared definitions (exit codes, globals, commands). */
#ifndef SNAPFIRE_COMMON_H
#define SNAPFIRE_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#ifndef SNAPFIRE_VERSION
#define SNAPFIRE_VERSION "0"
#endif

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* runtime failure */
	EXIT_USAGE = 2,		/* usage error */
	EXIT_NOMOD = 3,		/* module not loaded */
	EXIT_PERM = 4,		/* permission denied */
	EXIT_NOTFOUND = 5,	/* no such flow */
};

extern bool g_json;
extern const char *g_netns;	/* -n NETNS: the namespace's name; NULL without */
extern const char *g_prog;

/* Prints "snapfire: <msg>" to stderr. */
void errmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* errmsg()'s lines to @sink instead of stderr (NULL: stderr again): the
 * agent's log, whose writer thread a stalled stderr does not stall */
void errmsg_to(void (*sink)(const char *msg));
/* stdout in 1 MiB writes, and a pipe on it widened to match: for the
 * listings that can be large; before the first output */
void stdout_bulk(void);
/* Prints a usage error and a pointer to help; returns EXIT_USAGE. */
int usage_err(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* clock_gettime(@c) in nanoseconds. */
uint64_t clock_ns(clockid_t c);
/* Enters network namespace @name (a name of `ip netns` or a path): 0, or
 * an exit code (EXIT_PERM, EXIT_FAIL) after a message. */
int netns_enter(const char *name);

/* Option helpers for commands: parse numbers, or print a usage error. */
int arg_u64(const char *cmd, const char *opt, const char *s, uint64_t max,
	    uint64_t *out);
int arg_double(const char *cmd, const char *opt, const char *s, double *out);

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *help;
	void (*more_help)(FILE *f);	/* printed after help, if set */
};

int cmd_status(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_reflect(int argc, char **argv);
int cmd_flows(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_reset(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_tcp(int argc, char **argv);
int cmd_diagnose(int argc, char **argv);
/* ext.c: runs snapfire-ext with main's arguments (sf_argv): the commands
 * with heavy libraries live there */
extern char **sf_argv;
int cmd_ext(int argc, char **argv);

/* True when the argument is -h/--help (prints the command help). */
int want_help(const char *cmd, const char *arg);
const struct cmd *cmd_find(const char *name);
void cmd_help(FILE *f, const struct cmd *c);
void usage(FILE *f);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
