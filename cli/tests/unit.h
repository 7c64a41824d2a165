/* SPDX-License-Identifier: GPL-2.0 */
/* The CLI's unit tests (tests/unit.c and the tests/unit_*.c it calls): the
 * check macro, its counts, and each file's tests. */
#ifndef SF_CLI_UNIT_H
#define SF_CLI_UNIT_H

#include <stdint.h>
#include <stdio.h>

extern int passed, failed, skipped;

#define CHECK(cond, ...) do { \
	if (cond) { passed++; printf("ok %d - ", passed + failed + skipped); } \
	else { failed++; printf("not ok %d - ", passed + failed + skipped); } \
	printf(__VA_ARGS__); printf("\n"); } while (0)

/* unit_fmt.c */
void test_fmt(void);
void test_json(void);

/* unit_flow.c */
struct flow;
/* @f: flow @id of @role between addresses @l and @r (family @fam), every
 * histogram it has with 20 buckets */
void make_flow(struct flow *f, uint64_t id, uint32_t role, const char *l,
	       const char *r, int fam);
void test_flow_helpers(void);
void test_verdict(void);
void test_flow_out(void);
void test_table_row(void);

/* unit_parse.c */
void test_config_keys(void);
void test_out(void);
void test_parse(void);

/* unit_prom_golden.c */
struct flowset;
struct status_view;
void prom_golden_flows(struct flowset *s, struct status_view *st);
void test_prometheus_golden(void);

/* unit_diag.c */
void test_diag(void);
/* unit_hstore.c */
void test_hstore(void);
/* unit_hquery.c */
void test_hquery(void);
/* unit_agent_conf.c */
void test_agent_conf(void);

/* unit_agent_prom.c */
void test_agent_prom(void);

/* unit_agent_log.c */
void test_agent_log(void);

/* unit_agent_http.c */
void test_agent_http_budget(void);
void test_agent_http_client(void);
void test_agent_http_accept(void);

/* unit_agent_queue.c */
void test_agent_queue(void);

/* unit_agent_hist.c */
void test_agent_hist_merged(void);

/* unit_probe.c */
void test_probe_match(void);

/* unit_nlq.c */
void test_nlq(void);

/* unit_prom.c */
void test_prometheus(void);

/* unit_spool.c */
void test_spool(void);

#endif
