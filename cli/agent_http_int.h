/* SPDX-License-Identifier: GPL-2.0 */
/* Between the agent's HTTP server (agent_http.c) and its summary page
 * (agent_summary.c). */
#ifndef SNAPFIRE_AGENT_HTTP_INT_H
#define SNAPFIRE_AGENT_HTTP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <microhttpd.h>

#include "agent.h"

#define JSON_TYPE	"application/json"

/* Queues @body (@len bytes, malloc'ed, taken) with @status. */
enum MHD_Result agent_http_reply(struct MHD_Connection *c, unsigned int status,
				 const char *type, char *body, size_t len);
/* {"error": MESSAGE} with @status. */
enum MHD_Result agent_http_error(struct MHD_Connection *c, unsigned int status,
				 const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "2026-12-01T10:00:00Z", or with milliseconds when @ms */
char *agent_http_iso(char *buf, size_t n, uint64_t ns, bool ms);
/* GET /api/v1/summary */
enum MHD_Result agent_page_summary(struct agent *a, struct MHD_Connection *c);

#endif
