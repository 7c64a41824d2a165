// SPDX-License-Identifier: GPL-2.0
/*
 * CLI unit tests: the summaries' budget of the agent's HTTP thread
 * (agent_http_conn.c, struct http_budget) at clock values given by the
 * test, with the agent's own numbers (250 ms a second, 500 ms at once):
 * the burst, the deficit one expensive summary leaves and the Retry-After
 * it gives, the refill, a long quiet worth no more than the burst, and a
 * summary of an hour that overflows nothing. And who one client is, for
 * the connection limit (agent_http_client()).
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "agent_http_int.h"
#include "unit.h"

#define MS	1000000ULL
#define S	1000000000ULL

void test_agent_http_budget(void)
{
	const uint64_t t0 = 1000 * S;
	struct http_budget b = { .rate_ns = agent_http_summary_rate_ns,
				 .burst_ns = agent_http_summary_burst_ns };
	unsigned int w;
	int i;

	CHECK(b.rate_ns == 250 * MS && b.burst_ns == 500 * MS,
	      "the agent's budget is docs/AGENT.md's: 250 ms a second, 500 ms at once (%llu, %llu ns)",
	      (unsigned long long)b.rate_ns, (unsigned long long)b.burst_ns);
	w = agent_http_budget_wait(&b, t0);
	CHECK(w == 0, "a server that never served a summary may serve one (%u)", w);
	for (i = 0; i < 5; i++)
		agent_http_budget_charge(&b, t0, 100 * MS);
	w = agent_http_budget_wait(&b, t0);
	CHECK(w == 0, "five summaries of 100 ms at once: the burst spent to 0, not below (%u)", w);
	agent_http_budget_charge(&b, t0, 1 * MS);
	w = agent_http_budget_wait(&b, t0);
	CHECK(w == 1, "1 ms more: below 0, refused, retry after 1 s (%u)", w);
	w = agent_http_budget_wait(&b, t0 + 4 * MS - 1);
	CHECK(w == 1, "... still refused just before the 4 ms that refill 1 ms (%u)", w);
	w = agent_http_budget_wait(&b, t0 + 4 * MS);
	CHECK(w == 0, "... and served once they passed (%u)", w);

	b.empty_ns = 0;		/* full again */
	agent_http_budget_charge(&b, t0, 2 * S);
	w = agent_http_budget_wait(&b, t0);
	CHECK(w == 6, "one summary of 2 s from full: 1.5 s below 0, Retry-After 6 s (%u)", w);
	w = agent_http_budget_wait(&b, t0 + 1);
	CHECK(w == 6, "... the seconds rounded up (%u)", w);
	w = agent_http_budget_wait(&b, t0 + 5 * S + 500 * MS);
	CHECK(w == 1, "... 5.5 s later: 1 (%u)", w);
	w = agent_http_budget_wait(&b, t0 + 6 * S);
	CHECK(w == 0, "... 6 s later: served (%u)", w);
	agent_http_budget_charge(&b, t0 + 7 * S, 250 * MS);
	w = agent_http_budget_wait(&b, t0 + 7 * S);
	CHECK(w == 0, "a second after it was back to 0: 250 ms to spend (%u)", w);
	agent_http_budget_charge(&b, t0 + 7 * S, 1);
	w = agent_http_budget_wait(&b, t0 + 7 * S);
	CHECK(w == 1, "... and not 1 ns more (%u)", w);

	agent_http_budget_charge(&b, t0 + 1000 * S, 600 * MS);
	w = agent_http_budget_wait(&b, t0 + 1000 * S);
	CHECK(w == 1, "after a quiet of 1 000 s, the burst and no more: 600 ms goes below 0 (%u)", w);
	w = agent_http_budget_wait(&b, t0 + 1000 * S + 400 * MS);
	CHECK(w == 0, "... by 100 ms, refilled in 400 ms (%u)", w);

	b.empty_ns = 0;
	agent_http_budget_charge(&b, t0, 3600 * S);
	w = agent_http_budget_wait(&b, t0);
	CHECK(w == 4 * 3600 - 2,
	      "a summary of an hour (a hung disk): 4 hours less the burst's 2 s, no overflow (%u)", w);

	b = (struct http_budget){ .rate_ns = S, .burst_ns = S };
	agent_http_budget_charge(&b, t0, 1500 * MS);
	w = agent_http_budget_wait(&b, t0);
	CHECK(w == 1, "the whole thread a second: 1.5 s from full waits 0.5 s, said 1 (%u)", w);
}

/* @a and @b: 2 when the same client (address), + 1 when in the same net */
static int same_client(const char *a, const char *b)
{
	struct sockaddr_storage sa[2];
	struct http_client who[2];
	const char *s[2] = { a, b };
	int i;

	memset(sa, 0, sizeof(sa));
	for (i = 0; i < 2; i++) {
		struct sockaddr_in *v4 = (struct sockaddr_in *)&sa[i];
		struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&sa[i];

		if (inet_pton(AF_INET, s[i], &v4->sin_addr) == 1)
			v4->sin_family = AF_INET;
		else if (inet_pton(AF_INET6, s[i], &v6->sin6_addr) == 1)
			v6->sin6_family = AF_INET6;
		else
			return -1;
		agent_http_client((struct sockaddr *)&sa[i], &who[i]);
	}
	return 2 * !memcmp(who[0].addr, who[1].addr, sizeof(who[0].addr)) +
	       !memcmp(who[0].net, who[1].net, sizeof(who[0].net));
}

void test_agent_http_client(void)
{
	static const struct {
		const char *a, *b;
		int same;	/* 3: one client; 1: two in one /64; 0: apart */
	} t[] = {
		{ "127.0.0.1", "127.0.0.2", 3 },	/* this host: one client */
		{ "127.0.0.1", "127.255.1.9", 3 },
		{ "127.0.0.1", "::1", 3 },
		{ "::ffff:127.0.0.5", "::1", 3 },
		{ "192.0.2.1", "192.0.2.1", 3 },
		{ "192.0.2.1", "192.0.2.2", 0 },	/* IPv4: each address */
		{ "192.0.2.1", "::ffff:192.0.2.1", 3 },
		{ "192.0.2.1", "127.0.0.1", 0 },
		{ "2001:db8:1:2::1", "2001:db8:1:2::1", 3 },
		{ "2001:db8:1:2::1", "2001:db8:1:2:ffff::9", 1 },	/* one /64 */
		{ "2001:db8:1:2::1", "2001:db8:1:3::1", 0 },
		{ "2001:db8:1:2::1", "::1", 0 },
		{ "fe80::1", "fe80::2", 0 },	/* link-local: every link's /64 */
		{ "::", "0.0.0.0", 0 },
		{ "7f00::1", "::1", 0 },
	};
	size_t i, bad = 0;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int r = same_client(t[i].a, t[i].b);

		if (r != t[i].same) {
			bad++;
			CHECK(0, "agent http: %s and %s: %d (want %d: 3 one client, 1 one /64, 0 apart)",
			      t[i].a, t[i].b, r, t[i].same);
		}
	}
	CHECK(!bad, "agent http: clients for the connection limits: IPv4 addresses, IPv6 addresses in /64s, this host as one (%zu cases)",
	      i);
}

/* agent_http_accept() with @n connections of @from already open: @to? */
static enum MHD_Result accept_after(const char *from, int n, const char *to)
{
	struct agent_http h = { .conns = NULL };
	struct http_conn c[64];
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6 };
	enum MHD_Result r;
	int i;

	pthread_mutex_init(&h.lock, NULL);
	for (i = 0; i < n && i < 64; i++) {
		char a[64];

		memset(&c[i], 0, sizeof(c[i]));
		snprintf(a, sizeof(a), from, i + 1);	/* %x: each its own */
		inet_pton(AF_INET6, a, &sa.sin6_addr);
		agent_http_client((struct sockaddr *)&sa, &c[i].who);
		c[i].next = h.conns;
		h.conns = &c[i];
	}
	inet_pton(AF_INET6, to, &sa.sin6_addr);
	r = agent_http_accept(&h, (struct sockaddr *)&sa, sizeof(sa));
	pthread_mutex_destroy(&h.lock);
	return r;
}

void test_agent_http_accept(void)
{
	CHECK(accept_after("2001:db8:1:2::9", 7, "2001:db8:1:2::9") == MHD_YES &&
	      accept_after("2001:db8:1:2::9", 8, "2001:db8:1:2::9") == MHD_NO,
	      "agent http: 8 connections from one address, not 9");
	CHECK(accept_after("::ffff:127.0.0.%d", 8, "::1") == MHD_NO &&
	      accept_after("::ffff:127.0.0.%d", 7, "::1") == MHD_YES,
	      "agent http: 8 from this host's loopback addresses, whichever, not 9");
	CHECK(accept_after("2001:db8:1:2::%x", 31, "2001:db8:1:2::ff") == MHD_YES &&
	      accept_after("2001:db8:1:2::%x", 32, "2001:db8:1:2::ff") == MHD_NO,
	      "agent http: 32 connections from one /64's addresses, not 33");
	CHECK(accept_after("2001:db8:1:2::%x", 32, "2001:db8:1:3::1") == MHD_YES &&
	      accept_after("fe80::%x", 40, "fe80::ff") == MHD_YES,
	      "agent http: another /64 is not held up by a full one; link-local addresses are each their own");
}
