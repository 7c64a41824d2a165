// SPDX-License-Identifier: GPL-2.0
/*
 * diagnose's HTTP rows, through libcurl: a GET to the URL every interval,
 * each on a fresh connection, and libcurl's phases of it: the TCP
 * connect, the TLS handshake (https), and the time from the request sent
 * to the first byte of the answer (the far application's time + one
 * round trip).
 *
 * What is measured is TARGET, the address every other row probes: the
 * connection goes to it whatever host the URL names (CURLOPT_CONNECT_TO;
 * the URL's host is still the Host header and the TLS name), never
 * through a proxy (http_proxy and the like are ignored), and to no
 * protocol but http and https, redirects not followed. The answer is read
 * to its first byte and the connection dropped: a large or slow body
 * neither loads the path under study nor turns a timed request into a
 * lost one. Each phase that completed is a sample, even when a later one
 * failed (a TLS failure is not a lost connect).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdbool.h>
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

/* the first byte of the body ends the transfer: only its time matters */
static size_t first_byte(char *p, size_t size, size_t n, void *arg)
{
	bool *got = arg;

	(void)p;
	if (!size || !n)
		return 0;
	*got = true;
	return 0;	/* CURLE_WRITE_ERROR: ours, and the request a success */
}

/* Ctrl-C: a transfer stops within libcurl's progress calls (about 1 s
 * apart at most, more often while data moves) */
static int stop_check(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)arg;
	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return probe_stop ? 1 : 0;
}

/*
 * The TLS handshake failed: the TCP connect before it succeeded, but
 * libcurl (7.88) then reports no connect time. Not a lost connect.
 */
static bool tls_failed(CURLcode rc)
{
	switch (rc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return true;
	default:
		return false;
	}
}

/* "::ADDR:": any host and port of the URL, connected to TARGET's address */
static void connect_to(const struct diag_target *t, char *buf, size_t n)
{
	char a[INET6_ADDRSTRLEN] = "";

	if (t->addr.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&t->addr)->sin6_addr, a, sizeof(a));
		snprintf(buf, n, "::[%s]:", a);
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)&t->addr)->sin_addr, a, sizeof(a));
		snprintf(buf, n, "::%s:", a);
	}
}

void diag_http_run(const struct diag_target *t, struct diag_row_res *conn,
		   struct diag_row_res *tls, struct diag_row_res *ttfb)
{
	int64_t start = diag_mono_ns(), end = start + (int64_t)(t->duration * 1e9);
	bool https = !strncmp(t->url, "https:", 6), got;
	char err[CURL_ERROR_SIZE], to[INET6_ADDRSTRLEN + 8];
	struct curl_slist *pin = NULL;
	uint64_t bad_status = 0;
	long last_status = 0;
	CURL *c;

	conn->state = tls->state = ttfb->state = DS_OK;
	c = curl_easy_init();
	if (!c) {
		snprintf(ttfb->reason, sizeof(ttfb->reason), "libcurl: cannot create a handle");
		goto out;
	}
	connect_to(t, to, sizeof(to));
	pin = curl_slist_append(NULL, to);
	if (!pin) {
		snprintf(ttfb->reason, sizeof(ttfb->reason), "out of memory");
		goto cleanup;
	}
	curl_easy_setopt(c, CURLOPT_URL, t->url);
	curl_easy_setopt(c, CURLOPT_CONNECT_TO, pin);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);	/* threads */
	curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);	/* a connect each time */
	curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, HTTP_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, first_byte);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &got);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, stop_check);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "snapfire-diagnose/" SNAPFIRE_VERSION);
	if (t->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	for (uint64_t k = 0; diag_next_slot(start, end, t->interval, &k);) {
		curl_off_t t_dns = 0, t_conn = 0, t_app = 0, t_pre = 0, t_start = 0;
		bool connected;
		CURLcode rc;

		conn->attempts++;
		ttfb->attempts++;
		err[0] = 0;
		got = false;
		rc = curl_easy_perform(c);
		if (rc == CURLE_WRITE_ERROR && got)
			rc = CURLE_OK;		/* the first byte came: we stopped it */
		if (rc == CURLE_ABORTED_BY_CALLBACK && probe_stop) {
			conn->attempts--;	/* Ctrl-C: not a sample, not a loss */
			ttfb->attempts--;
			break;
		}
		curl_easy_getinfo(c, CURLINFO_NAMELOOKUP_TIME_T, &t_dns);
		curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &t_conn);
		curl_easy_getinfo(c, CURLINFO_APPCONNECT_TIME_T, &t_app);
		curl_easy_getinfo(c, CURLINFO_PRETRANSFER_TIME_T, &t_pre);
		curl_easy_getinfo(c, CURLINFO_STARTTRANSFER_TIME_T, &t_start);
		/* microseconds from the start of the transfer; a phase that
		 * completed is a sample whatever came after it */
		connected = t_conn > 0 || (https && tls_failed(rc));
		if (t_conn > 0)
			samples_add(&conn->s, (int64_t)(t_conn - t_dns) * 1000);
		else if (connected)
			conn->attempts--;	/* connected, its time unknown */
		else
			conn->lost++;
		if (https && connected) {
			tls->attempts++;
			if (t_app > 0)
				samples_add(&tls->s, (int64_t)(t_app - t_conn) * 1000);
			else
				tls->lost++;
		}
		if (rc != CURLE_OK || t_start <= 0 || t_pre <= 0) {
			ttfb->lost++;
			snprintf(ttfb->reason, sizeof(ttfb->reason), "%s",
				 err[0] ? err : curl_easy_strerror(rc));
			if (https && connected && t_app <= 0)
				snprintf(tls->reason, sizeof(tls->reason), "%s", ttfb->reason);
			continue;
		}
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &last_status);
		if (last_status >= 400)
			bad_status++;
		samples_add(&ttfb->s, (int64_t)(t_start - t_pre) * 1000);
	}
cleanup:
	curl_slist_free_all(pin);
	curl_easy_cleanup(c);
out:
	if (bad_status)
		snprintf(ttfb->reason, sizeof(ttfb->reason),
			 "%" PRIu64 " answers were HTTP %ld or another error status: timed all the same",
			 bad_status, last_status);
	if (!conn->s.n)
		memcpy(conn->reason, ttfb->reason, sizeof(conn->reason));
	if (!https)
		tls->state = DS_OFF;	/* plain http: no TLS row */
	else if (!tls->s.n && !tls->reason[0])
		memcpy(tls->reason, ttfb->reason, sizeof(tls->reason));
}
