// SPDX-License-Identifier: GPL-2.0
/*
 * diagnose's HTTP rows, through libcurl: a GET to the URL every interval,
 * each on a fresh connection, and libcurl's phases of it: the TCP
 * connect, the TLS handshake (https), and the time from the request sent
 * to the first byte of the answer (the far application's time + one
 * round trip).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "common.h"
#include "diag.h"
#include "probe.h"

#define HTTP_TIMEOUT_MS	5000L

int diag_http_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void diag_http_global_cleanup(void)
{
	curl_global_cleanup();
}

/* the body is not kept: only its timing matters */
static size_t discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

void diag_http_run(const struct diag_target *t, struct diag_row_res *conn,
		   struct diag_row_res *tls, struct diag_row_res *ttfb)
{
	int64_t start = diag_mono_ns(), end = start + (int64_t)(t->duration * 1e9);
	uint64_t bad_status = 0;
	long last_status = 0;
	char err[CURL_ERROR_SIZE];
	CURL *c;

	conn->state = tls->state = ttfb->state = DS_OK;
	c = curl_easy_init();
	if (!c) {
		snprintf(ttfb->reason, sizeof(ttfb->reason), "libcurl: cannot create a handle");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, t->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);	/* threads */
	curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);	/* a connect each time */
	curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, HTTP_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "snapfire-diagnose/" SNAPFIRE_VERSION);
	if (t->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	for (uint64_t k = 0; diag_next_slot(start, end, t->interval, &k);) {
		curl_off_t t_dns = 0, t_conn = 0, t_app = 0, t_pre = 0, t_start = 0;
		CURLcode rc;

		conn->attempts++;
		ttfb->attempts++;
		err[0] = 0;
		rc = curl_easy_perform(c);
		if (rc != CURLE_OK) {
			conn->lost++;
			ttfb->lost++;
			snprintf(ttfb->reason, sizeof(ttfb->reason), "%s",
				 err[0] ? err : curl_easy_strerror(rc));
			continue;
		}
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &last_status);
		if (last_status >= 400)
			bad_status++;
		curl_easy_getinfo(c, CURLINFO_NAMELOOKUP_TIME_T, &t_dns);
		curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &t_conn);
		curl_easy_getinfo(c, CURLINFO_APPCONNECT_TIME_T, &t_app);
		curl_easy_getinfo(c, CURLINFO_PRETRANSFER_TIME_T, &t_pre);
		curl_easy_getinfo(c, CURLINFO_STARTTRANSFER_TIME_T, &t_start);
		/* microseconds from the start of the transfer */
		samples_add(&conn->s, (int64_t)(t_conn - t_dns) * 1000);
		if (t_app > 0) {
			tls->attempts++;
			samples_add(&tls->s, (int64_t)(t_app - t_conn) * 1000);
		}
		samples_add(&ttfb->s, (int64_t)(t_start - t_pre) * 1000);
	}
	curl_easy_cleanup(c);
out:
	if (bad_status)
		snprintf(ttfb->reason, sizeof(ttfb->reason),
			 "%" PRIu64 " answers were HTTP %ld or another error status: timed all the same",
			 bad_status, last_status);
	if (!conn->s.n)
		memcpy(conn->reason, ttfb->reason, sizeof(conn->reason));
	if (!tls->s.n) {
		tls->state = DS_OFF;	/* plain http: no TLS row */
		if (!strncmp(t->url, "https:", 6)) {
			tls->state = DS_OK;
			memcpy(tls->reason, ttfb->reason, sizeof(tls->reason));
		}
	}
}
