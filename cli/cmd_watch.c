// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include <netlink/attr.h>

#include "cmds.h"
#include "common.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int cmd_watch(int argc, char **argv)
{
	struct flow_filter flt = { .port = -1, .ssid = -1, .hist_mask = ALL_METRICS };
	double interval = 1;
	uint64_t count = 0, done = 0;
	struct timespec next;
	struct sfnl n;
	int i, rc;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (want_help("watch", a))
			return EXIT_OK;
		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			g_json = true;
		} else if (!strcmp(a, "-i") || !strcmp(a, "--interval")) {
			rc = arg_double("watch", a, v, &interval);
			if (rc)
				return rc;
			if (interval < 0.01)
				return usage_err("watch", "-i: at least 0.01 seconds");
			i++;
		} else if (!strcmp(a, "--count") || !strcmp(a, "-c")) {
			rc = arg_u64("watch", a, v, UINT64_MAX, &count);
			if (rc)
				return rc;
			i++;
		} else {
			return usage_err("watch", "unexpected argument '%s'", a);
		}
	}
	rc = sfnl_open(&n);
	if (rc)
		return rc;
	catch_signals();
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stop) {
		struct flowset s = { 0 };
		char tbuf[64];
		time_t now = time(NULL);
		struct tm tm;

		rc = flows_get(&n, &flt, &s);
		if (rc) {
			flowset_free(&s);
			break;
		}
		flows_sort(&s, COL_P99, true);
		if (g_json) {
			struct json j;

			json_init(&j, stdout);
			json_obj(&j, NULL);
			json_u64(&j, "time", (uint64_t)now);
			json_arr(&j, "flows");
			for (size_t k = 0; k < s.n; k++)
				json_flow(&j, &s.v[k], false, false);
			json_arr_end(&j);
			json_obj_end(&j);
			json_end(&j);
		} else {
			localtime_r(&now, &tm);
			strftime(tbuf, sizeof(tbuf), "%H:%M:%S", &tm);
			printf("\033[H\033[2J");
			printf("snapfire watch - %s - %zu flows - every %gs, sorted by p99 (Ctrl-C quits)\n\n",
			       tbuf, s.n, interval);
			flows_table(stdout, &s);
			fflush(stdout);
		}
		flowset_free(&s);
		if (count && ++done >= count)
			break;
		next.tv_sec += (time_t)interval;
		next.tv_nsec += (long)((interval - (double)(time_t)interval) * 1e9);
		if (next.tv_nsec >= 1000000000L) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000L;
		}
		while (!stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
	}
	sfnl_close(&n);
	return rc;
}

/* --- monitor --- */

struct mon {
	uint64_t seen, count;
	int failed;
};

static const char *event_name(uint32_t t)
{
	return t < EVENT_NAMES && event_names[t] ? event_names[t] : "unknown";
}

static int event_cb(struct nl_msg *msg, void *arg)
{
	struct mon *mon = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *a;
	struct flow f;
	uint32_t type = 0;
	uint64_t value = 0, threshold = 0;
	int rem, has_flow = 0, has_value = 0;
	char l[64], r[64], v1[24], v2[24];

	memset(&f, 0, sizeof(f));
	if (gh->cmd != SNAPFIRE_CMD_EVENT)
		return NL_OK;
	nla_for_each_attr(a, genlmsg_attrdata(gh, 0), genlmsg_attrlen(gh, 0), rem) {
		switch (nla_type(a)) {
		case SNAPFIRE_A_EVENT_TYPE: type = (uint32_t)attr_uint(a); break;
		case SNAPFIRE_A_EVENT_FLOW:
			flow_free(&f);
			flow_parse(&f, nla_data(a), nla_len(a));
			has_flow = 1;
			break;
		case SNAPFIRE_A_EVENT_VALUE: value = attr_uint(a); has_value = 1; break;
		case SNAPFIRE_A_EVENT_THRESHOLD: threshold = attr_uint(a); break;
		}
	}
	if (g_json) {
		struct json j;
		const char *unit = type == SNAPFIRE_EVENT_TYPE_LOSS_HIGH ? "ppm" : "ns";
		char k1[32], k2[32];

		json_init(&j, stdout);
		json_obj(&j, NULL);
		json_str(&j, "event", event_name(type));
		if (has_flow) {
			json_obj(&j, "flow");
			json_u64(&j, "id", f.id);
			json_str(&j, "role", role_name(f.role));
			json_str(&j, "family", family_name(f.family));
			json_str(&j, "local_addr", addr_str(l, sizeof(l), f.family, f.local_addr));
			json_u64(&j, "local_port", f.local_port);
			json_str(&j, "remote_addr", addr_str(r, sizeof(r), f.family, f.remote_addr));
			json_u64(&j, "remote_port", f.remote_port);
			json_u64(&j, "ssid", f.ssid);
			json_u64(&j, "rx", f.rx);
			json_u64(&j, "lost", f.lost);
			json_obj_end(&j);
		}
		if (has_value) {
			snprintf(k1, sizeof(k1), "value_%s", unit);
			snprintf(k2, sizeof(k2), "threshold_%s", unit);
			json_u64(&j, k1, value);
			json_u64(&j, k2, threshold);
		}
		json_obj_end(&j);
		json_end(&j);
	} else {
		printf("%s id=%" PRIu64, event_name(type), f.id);
		if (type == SNAPFIRE_EVENT_TYPE_RTT_HIGH)
			printf(" value=%s threshold=%s", fmt_dur(v1, sizeof(v1), value),
			       fmt_dur(v2, sizeof(v2), threshold));
		else if (type == SNAPFIRE_EVENT_TYPE_LOSS_HIGH)
			printf(" value=%.2f%% threshold=%.2f%%", value / 10000.0,
			       threshold / 10000.0);
		else if (has_flow)
			printf(" %s %s -> %s ssid=%u", role_name(f.role),
			       endpoint_str(l, sizeof(l), f.family, f.local_addr, f.local_port),
			       endpoint_str(r, sizeof(r), f.family, f.remote_addr, f.remote_port),
			       f.ssid);
		printf("\n");
		fflush(stdout);
	}
	flow_free(&f);
	mon->seen++;
	if (mon->count && mon->seen >= mon->count)
		return NL_STOP;
	return NL_OK;
}

static int no_seq_check(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

int cmd_monitor(int argc, char **argv)
{
	struct mon mon = { 0 };
	struct nl_cb *cb;
	struct sfnl n;
	int i, rc, err;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (want_help("monitor", a))
			return EXIT_OK;
		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			g_json = true;
		} else if (!strcmp(a, "--count") || !strcmp(a, "-c")) {
			rc = arg_u64("monitor", a, v, UINT64_MAX, &mon.count);
			if (rc)
				return rc;
			i++;
		} else {
			return usage_err("monitor", "unexpected argument '%s'", a);
		}
	}
	rc = sfnl_open(&n);
	if (rc)
		return rc;
	rc = sfnl_subscribe(&n);
	if (rc) {
		sfnl_close(&n);
		return rc;
	}
	nl_socket_disable_seq_check(n.sk);
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		sfnl_close(&n);
		errmsg("out of memory");
		return EXIT_FAIL;
	}
	/* Events carry sequence number 0: no sequence check on this cb. */
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, no_seq_check, NULL);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, event_cb, &mon);
	catch_signals();
	fprintf(stderr, "listening\n");
	fflush(stderr);
	while (!stop && !(mon.count && mon.seen >= mon.count)) {
		struct pollfd pfd = { .fd = nl_socket_get_fd(n.sk), .events = POLLIN };

		if (poll(&pfd, 1, 500) <= 0)
			continue;
		err = nl_recvmsgs(n.sk, cb);
		if (err == -NLE_NOMEM) {
			errmsg("warning: event overrun, some events were lost");
			continue;
		}
		if (err < 0 && err != -NLE_INTR && err != -NLE_AGAIN) {
			errmsg("netlink receive failed: %s", nl_geterror(err));
			rc = EXIT_FAIL;
			break;
		}
	}
	nl_cb_put(cb);
	sfnl_close(&n);
	return rc;
}
