/* SPDX-License-Identifier: GPL-2.0 */
/* The CLI's data model: flows and status, parsed from netlink attributes. */
#ifndef SNAPFIRE_FLOW_H
#define SNAPFIRE_FLOW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fmt.h"
#include "hist.h"
#include "names.h"

struct nlattr;

struct flow {
	uint64_t id;
	uint32_t role;
	uint8_t family;		/* AF_INET / AF_INET6 */
	uint8_t local_addr[16], remote_addr[16];
	uint16_t local_port, remote_port, ssid;
	uint64_t created, last_seen;
	uint64_t tx, rx, lost, reordered, duplicates, rev_lost, restarts;
	uint64_t jitter;
	uint8_t synced, peer_ttl, peer_stateful;
	uint32_t mem;
	struct hist hist[METRIC_COUNT];
};

struct flowset {
	struct flow *v;
	size_t n, cap;
};

void flow_free(struct flow *f);
/* Appends a zeroed flow, NULL on allocation failure. */
struct flow *flowset_add(struct flowset *s);
void flowset_free(struct flowset *s);

const char *role_name(uint32_t role);
const char *family_name(uint8_t family);
/* "10.0.1.1" / "fe80::1" */
char *addr_str(char *buf, size_t n, uint8_t family, const uint8_t *addr);
/* "10.0.1.1:862" / "[fe80::1]:862" */
char *endpoint_str(char *buf, size_t n, uint8_t family, const uint8_t *addr,
		   uint16_t port);
/* Loss in percent: lost / (rx - duplicates + lost). */
double flow_loss_pct(const struct flow *f);
const struct hist *flow_hist(const struct flow *f, unsigned int metric);

/*
 * A flow's fields through out.h, inside an object the caller opens: JSON
 * the flow object of `flows -j` (metrics without samples omitted), text the
 * head of `show`. With detail (show), the text draws each histogram and
 * the JSON adds "histograms" with the buckets.
 */
void flow_out(const struct flow *f, bool detail);

/* The flows table. */
enum flow_col {
	COL_ID, COL_PEER, COL_ROLE, COL_SSID, COL_COUNT, COL_LOSS, COL_MIN,
	COL_P50, COL_P90, COL_P99, COL_P999, COL_MAX, COL_JITTER, COL__N,
};
int flow_col_parse(const char *name);	/* -1 if unknown */
const char *flow_col_names(void);	/* "id, peer, ..." */
void flows_sort(struct flowset *s, int col, bool reverse);
void flows_table(FILE *f, const struct flowset *s);
/* flows_table() in parts, for a table printed as the dump runs: the
 * LOCAL -> PEER width @s's rows need, the header, a row. */
int flows_table_width(const struct flowset *s);
void flows_table_header(FILE *f, int w);
void flows_table_row(FILE *f, const struct flow *fl, int w);

/* status-get */
struct status_view {
	char version[64];
	uint64_t counters[NCOUNTERS];
	uint64_t global_counters[NCOUNTERS];
	bool has_counters, has_global;
	/*
	 * Bit i: counter i was not in the module's reply (a module older
	 * than this CLI, loaded still after an upgrade): not shown, rather
	 * than shown as 0.
	 */
	uint64_t missing;
	uint32_t flows;
	uint64_t mem, global_mem;
};

/* Appends @s to @out (@len used of @n bytes), escaped as a Prometheus
 * label value (backslash, double quote, newline); the new length. */
size_t prom_escape(char *out, size_t n, size_t len, const char *s);

/* prom_stream_begin()'s and prom_write()'s flags */
#define PROM_INFO_LABELS 0x1	/* series by flow_id, the flow's labels on snapfire_flow_info */

/*
 * Prometheus text exposition (prom.c), a flow at a time: begin writes the
 * status families (@st may be NULL) and opens a spool per flow family
 * (NULL with errno set, the reason printed); every series is labelled
 * netns="@netns" first, unless @netns is NULL (-n's name or path); each
 * flow's samples go to the spools (0, or -errno once a write to the
 * output failed, the reason printed: stop there); end copies them out in
 * family order and frees (0 or -errno, the reason printed); abort frees
 * without writing more.
 */
struct prom_stream;
struct prom_stream *prom_stream_begin(FILE *out, const struct status_view *st,
				      unsigned int flags, const char *netns);
int prom_stream_flow(struct prom_stream *ps, const struct flow *fl);
int prom_stream_end(struct prom_stream *ps);
void prom_stream_abort(struct prom_stream *ps);
/* The same for a flowset held in memory (the unit tests). */
int prom_write(FILE *f, const struct status_view *st, const struct flowset *s,
	       unsigned int flags, const char *netns);

#endif
