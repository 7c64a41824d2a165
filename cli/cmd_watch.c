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
#include "out.h"
#include "parse.h"

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
	struct timespec next, late;
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
			out_begin(stdout, true);
			out_obj(NULL);
			out_u64(OUT_JSON, "time", NULL, (uint64_t)now);
			out_arr("flows");
			for (size_t k = 0; k < s.n; k++) {
				out_obj(NULL);
				flow_out(&s.v[k], false);
				out_obj_end();
			}
			out_arr_end();
			out_obj_end();
			out_end();
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
		/*
		 * Late (the process stopped, a slow dump): one refresh now,
		 * not one for every interval missed, back to back.
		 */
		clock_gettime(CLOCK_MONOTONIC, &late);
		if (late.tv_sec > next.tv_sec ||
		    (late.tv_sec == next.tv_sec && late.tv_nsec > next.tv_nsec))
			next = late;
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

/*
 * One event, one line: text "NAME id=ID ..." (the value and threshold of a
 * threshold event, else the flow's endpoints), JSON an object with the
 * flow's identity and the value and threshold in their unit (ns or ppm).
 */
static void event_out(uint32_t type, const struct flow *f, bool has_value,
		      uint64_t value, uint64_t threshold)
{
	bool loss = type == SNAPFIRE_EVENT_TYPE_LOSS_HIGH;
	char a[INET6_ADDRSTRLEN + 8];

	out_begin(stdout, g_json);
	out_obj(NULL);
	out_str(OUT_ANY, "event", "%s", event_name(type));
	out_u64(OUT_TEXT, NULL, " id=%" PRIu64, f ? f->id : 0);
	if (f) {
		out_obj("flow");
		out_u64(OUT_JSON, "id", NULL, f->id);
		out_str(OUT_JSON, "role", NULL, role_name(f->role));
		out_str(OUT_JSON, "family", NULL, family_name(f->family));
		out_str(OUT_JSON, "local_addr", NULL, addr_str(a, sizeof(a), f->family, f->local_addr));
		out_u64(OUT_JSON, "local_port", NULL, f->local_port);
		out_str(OUT_JSON, "remote_addr", NULL, addr_str(a, sizeof(a), f->family, f->remote_addr));
		out_u64(OUT_JSON, "remote_port", NULL, f->remote_port);
		out_u64(OUT_JSON, "ssid", NULL, f->ssid);
		out_u64(OUT_JSON, "rx", NULL, f->rx);
		out_u64(OUT_JSON, "lost", NULL, f->lost);
		out_obj_end();
	}
	if (has_value) {
		if (loss) {
			out_u64(OUT_JSON, "value_ppm", NULL, value);
			out_u64(OUT_JSON, "threshold_ppm", NULL, threshold);
		} else {
			out_u64(OUT_JSON, "value_ns", NULL, value);
			out_u64(OUT_JSON, "threshold_ns", NULL, threshold);
		}
	}
	if (type == SNAPFIRE_EVENT_TYPE_RTT_HIGH) {
		out_dur(OUT_TEXT, NULL, " value=%s", value);
		out_dur(OUT_TEXT, NULL, " threshold=%s", threshold);
	} else if (loss) {
		out_double(OUT_TEXT, NULL, " value=%.2f%%", value / 10000.0);
		out_double(OUT_TEXT, NULL, " threshold=%.2f%%", threshold / 10000.0);
	} else if (f) {
		out_str(OUT_TEXT, NULL, " %s", role_name(f->role));
		out_str(OUT_TEXT, NULL, " %s", endpoint_str(a, sizeof(a), f->family, f->local_addr,
							     f->local_port));
		out_str(OUT_TEXT, NULL, " -> %s", endpoint_str(a, sizeof(a), f->family, f->remote_addr,
								f->remote_port));
		out_u64(OUT_TEXT, NULL, " ssid=%" PRIu64, f->ssid);
	}
	out_text("\n");
	out_obj_end();
	out_end();
}

static int event_cb(struct nl_msg *msg, void *arg)
{
	struct mon *mon = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct event_view e;

	if (gh->cmd != SNAPFIRE_CMD_EVENT)
		return NL_OK;
	if (event_parse(&e, genlmsg_attrdata(gh, 0), genlmsg_attrlen(gh, 0)) == 0)
		event_out(e.type, e.has_flow ? &e.flow : NULL, e.has_value, e.value,
			  e.threshold);
	event_free(&e);
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
