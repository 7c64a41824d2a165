// SPDX-License-Identifier: GPL-2.0
/*
 * snapfire history: what the agent stored (hstore.h), per hour of day or
 * per day in a time zone: count, min, p50, p90, p99, max and the success
 * rate of each slot, and a heatmap of hour of day against latency.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "common.h"
#include "fmt.h"
#include "history.h"
#include "hquery.h"
#include "out.h"

#define MAX_REPORTS	200	/* distinct store problems remembered (and printed) */

struct hargs {
	const char *target, *dir, *conf, *tz, *since, *until;
	unsigned int metric;
	bool by_day;
};

/* store problems, each printed once */
struct reports {
	char *seen[MAX_REPORTS];
	int n, dropped;
};

static void on_report(const char *path, const char *what, void *arg)
{
	struct reports *r = arg;
	char *s;
	int i;

	/* full: counted, not compared with the 200 (a damaged store can
	 * make millions) */
	if (r->n == MAX_REPORTS) {
		r->dropped++;
		return;
	}
	if (asprintf(&s, "%s: %s", path, what) < 0)
		return;
	for (i = 0; i < r->n; i++)
		if (!strcmp(r->seen[i], s)) {
			free(s);
			return;
		}
	errmsg("%s", s);
	r->seen[r->n++] = s;
}

static void reports_free(struct reports *r)
{
	if (r->dropped)
		errmsg("%d more reports of problems in the store not shown (some may repeat one above)", r->dropped);
	while (r->n)
		free(r->seen[--r->n]);
}

/* ------------------------------------------------------------- slots */

struct slot_arg {
	bool by_day;
	int64_t day0;		/* the first day slot's date number */
	size_t nslots;
	uint64_t *minutes;	/* records per slot, when counting */
};

static int slot_of(uint64_t minute, void *arg)
{
	struct slot_arg *a = arg;
	int64_t s = a->by_day ? hq_local_day(minute) - a->day0 : hq_local_hour(minute);

	if (s < 0 || (uint64_t)s >= a->nslots || s > INT_MAX)
		return -1;
	if (a->minutes)
		a->minutes[s]++;
	return (int)s;
}

struct slots {
	size_t n;
	struct hist *lat, *sent, *recv;
	uint64_t *minutes;
};

static int slots_alloc(struct slots *s, size_t n)
{
	s->n = n;
	s->lat = calloc(n, sizeof(*s->lat));
	s->sent = calloc(n, sizeof(*s->sent));
	s->recv = calloc(n, sizeof(*s->recv));
	s->minutes = calloc(n, sizeof(*s->minutes));
	return s->lat && s->sent && s->recv && s->minutes ? 0 : -ENOMEM;
}

static void slots_free(struct slots *s)
{
	size_t i;

	for (i = 0; s->lat && i < s->n; i++) {
		hist_free(&s->lat[i]);
		hist_free(&s->sent[i]);
		hist_free(&s->recv[i]);
	}
	free(s->lat);
	free(s->sent);
	free(s->recv);
	free(s->minutes);
}

/*
 * Reads the metric and the sent/received counters into @s (@s->n slots
 * allocated here). *counters: whether the store holds counters at all
 * (an older store refuses their ids: -EINVAL, taken as none). 0 or -errno.
 */
static int slots_read(const struct hargs *a, uint64_t from, uint64_t to, struct slot_arg *sa,
		      size_t n, struct slots *s, bool *counters, struct reports *rep)
{
	unsigned int csent = AGENT_COUNTER_METRIC(AC_SENT), crecv = AGENT_COUNTER_METRIC(AC_RECEIVED);
	int r;

	r = slots_alloc(s, n);
	if (r)
		return r;
	sa->minutes = s->minutes;
	sa->nslots = n;
	r = hq_slots(a->dir, a->target, a->metric, from, to, slot_of, sa, s->lat, n, on_report, rep);
	sa->minutes = NULL;
	if (r)
		return r;
	r = hq_slots(a->dir, a->target, csent, from, to, slot_of, sa, s->sent, n, on_report, rep);
	if (!r)
		r = hq_slots(a->dir, a->target, crecv, from, to, slot_of, sa, s->recv, n,
			     on_report, rep);
	if (r == -EINVAL) {
		*counters = false;
		return 0;
	}
	return r;
}

/* ------------------------------------------------------------ output */

static uint64_t total_of(const struct hist *h, size_t n)
{
	uint64_t t = 0;
	size_t i;

	for (i = 0; i < n; i++)
		t += h[i].count;
	return t;
}

static void rate_out(bool counters, uint64_t sent, uint64_t recv)
{
	double rate;

	out_u64(OUT_JSON, "sent", NULL, sent);
	out_u64(OUT_JSON, "received", NULL, recv);
	if (!counters || !sent) {
		out_null("success_rate");
		out_text(" %8s", "-");
		return;
	}
	rate = recv > sent ? 1.0 : (double)recv / (double)sent;
	out_double(OUT_JSON, "success_rate", NULL, rate);
	out_text(" %7.2f%%", rate * 100);
}

static void pcts_out(const struct hist *h)
{
	static const struct { const char *key; double p; } cols[] = {
		{ "p50_ns", 0.50 }, { "p90_ns", 0.90 }, { "p99_ns", 0.99 },
	};
	size_t i;

	if (!h->count || !h->nb) {
		out_text(" %8s %8s %8s %8s %8s", "-", "-", "-", "-", "-");
		out_null("min_ns");
		for (i = 0; i < ARRAY_SIZE(cols); i++)
			out_null(cols[i].key);
		out_null("max_ns");
		return;
	}
	out_dur(OUT_ANY, "min_ns", " %8s", h->min);
	for (i = 0; i < ARRAY_SIZE(cols); i++)
		out_dur(OUT_ANY, cols[i].key, " %8s", hist_percentile(h, cols[i].p));
	out_dur(OUT_ANY, "max_ns", " %8s", h->max);
}

/* the slot of the highest p99, -1 when none has data */
static long slowest(const struct slots *s)
{
	uint64_t best = 0, v;
	long k = -1;
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (!s->lat[i].count || !s->lat[i].nb)
			continue;
		v = hist_percentile(&s->lat[i], 0.99);
		if (k < 0 || v > best) {
			best = v;
			k = (long)i;
		}
	}
	return k;
}

static void slots_out(const struct hargs *a, const struct slots *s, int64_t day0, bool counters)
{
	long slow = slowest(s);
	size_t i;

	out_text("\n%-14s %9s %8s %8s %8s %8s %8s %8s\n", a->by_day ? "day" : "hour",
		 "count", "min", "p50", "p90", "p99", "max", "success");
	out_arr("slots");
	for (i = 0; i < s->n; i++) {
		if (a->by_day && !s->minutes[i] && !s->sent[i].count)
			continue;
		out_obj(NULL);
		if (a->by_day) {
			time_t t = (time_t)((day0 + (int64_t)i) * 86400);
			char date[16], wd[8];
			struct tm tm;

			gmtime_r(&t, &tm);	/* a date number: read as UTC */
			strftime(date, sizeof(date), "%Y-%m-%d", &tm);
			strftime(wd, sizeof(wd), "%a", &tm);
			out_str(OUT_JSON, "date", NULL, date);
			out_text("%s %-3s ", date, wd);
		} else {
			out_u64(OUT_ANY, "hour", "%02" PRIu64 "            ", i);
		}
		out_u64(OUT_JSON, "minutes", NULL, s->minutes[i]);
		out_u64(OUT_ANY, "count", " %9" PRIu64, s->lat[i].count);
		pcts_out(&s->lat[i]);
		rate_out(counters, s->sent[i].count, s->recv[i].count);
		if ((long)i == slow && s->n > 1)
			out_text("  <- highest p99");
		out_text("\n");
		out_obj_end();
	}
	out_arr_end();
	if (slow >= 0) {
		out_obj("slowest");
		if (a->by_day) {
			time_t t = (time_t)((day0 + slow) * 86400);
			char date[16];
			struct tm tm;

			gmtime_r(&t, &tm);
			strftime(date, sizeof(date), "%Y-%m-%d", &tm);
			out_str(OUT_JSON, "date", NULL, date);
		} else {
			out_u64(OUT_JSON, "hour", NULL, (uint64_t)slow);
		}
		out_dur(OUT_JSON, "p99_ns", NULL, hist_percentile(&s->lat[slow], 0.99));
		out_obj_end();
	}
}

/* ------------------------------------------------------------ checks */

/* the targets under @dir, for the message that @target is not one */
static void list_targets(const char *dir, char *buf, size_t n)
{
	struct dirent *de;
	size_t used = 0;
	int k = 0;
	DIR *d;

	buf[0] = 0;
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d)) && used < n) {
		if (!hs_key_ok(de->d_name) || de->d_name[0] == '.')
			continue;
		used += (size_t)snprintf(buf + used, n - used, "%s%s", k++ ? ", " : "", de->d_name);
	}
	closedir(d);
	if (used >= n && n > 4)
		strcpy(buf + n - 4, "...");
}

/* The store's directory and the target's: readable, there. exit code or 0. */
static int check_dirs(const struct hargs *a)
{
	char p[PATH_MAX], list[512];
	struct stat st;

	if (stat(a->dir, &st)) {
		errmsg("no history store in %s: %s (the agent's state-dir: is snapfire agent "
		       "running? -d DIR reads another)", a->dir, strerror(errno));
		return errno == EACCES ? EXIT_PERM : EXIT_FAIL;
	}
	if (!S_ISDIR(st.st_mode)) {
		errmsg("%s is not a directory (give the agent's state-dir with -d)", a->dir);
		return EXIT_FAIL;
	}
	if ((size_t)snprintf(p, sizeof(p), "%s/%s", a->dir, a->target) >= sizeof(p)) {
		errmsg("%s: the path is too long", a->dir);
		return EXIT_FAIL;
	}
	if (lstat(p, &st)) {
		if (errno == EACCES) {
			errmsg("cannot read %s: %s (run as root or as the agent's user)", p,
			       strerror(errno));
			return EXIT_PERM;
		}
		list_targets(a->dir, list, sizeof(list));
		if (list[0])
			errmsg("no history of target '%s' in %s (targets there: %s)", a->target,
			       a->dir, list);
		else
			errmsg("no history of target '%s' in %s: the store holds no target yet "
			       "(the agent writes a record a minute per target)", a->target, a->dir);
		return EXIT_FAIL;
	}
	if (!S_ISDIR(st.st_mode)) {
		/* the agent's user owns it: never followed (hstore_dir.c) */
		errmsg("%s is %s, not the target's directory: the store's directories are never followed (is someone tampering with the agent's state-dir?)",
		       p, S_ISLNK(st.st_mode) ? "a symbolic link" : "not a directory");
		return EXIT_FAIL;
	}
	if (access(p, R_OK | X_OK)) {
		errmsg("cannot read %s: %s (run as root or as the agent's user)", p, strerror(errno));
		return errno == EACCES ? EXIT_PERM : EXIT_FAIL;
	}
	return 0;
}

static int parse_args(struct hargs *a, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *o = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		const char **dst = NULL;

		if (!strcmp(o, "-j") || !strcmp(o, "--json")) {
			g_json = true;
			continue;
		}
		if (o[0] != '-' || !o[1]) {
			if (a->target)
				return usage_err("history", "unexpected argument '%s'", o);
			if (!hs_key_ok(o))
				return usage_err("history", "'%s' is not a target name (1 to 64 of "
						 "A-Z a-z 0-9 . _ : -, as in the agent's configuration)", o);
			a->target = o;
			continue;
		}
		if (!val)
			return usage_err("history", "%s needs a value", o);
		if (!strcmp(o, "-m") || !strcmp(o, "--metric")) {
			unsigned int m;

			for (m = 0; m < METRIC_COUNT; m++)
				if (!strcmp(val, metric_name(m)))
					break;
			if (m == METRIC_COUNT) {
				char names[256];
				size_t used = 0;

				for (m = 0; m < METRIC_COUNT && used < sizeof(names); m++)
					used += (size_t)snprintf(names + used, sizeof(names) - used,
								 "%s%s", m ? ", " : "", metric_name(m));
				return usage_err("history", "-m: unknown metric '%s' (one of %s)", val,
						 names);
			}
			a->metric = m;
		} else if (!strcmp(o, "--since")) {
			dst = &a->since;
		} else if (!strcmp(o, "--until")) {
			dst = &a->until;
		} else if (!strcmp(o, "--by")) {
			if (strcmp(val, "hour") && strcmp(val, "day"))
				return usage_err("history", "--by: hour or day, not '%s'", val);
			a->by_day = !strcmp(val, "day");
		} else if (!strcmp(o, "--tz")) {
			if (!history_tz_ok(val))
				return usage_err("history", "--tz: unknown time zone '%s' (a tz database "
						 "name as Asia/Tokyo or UTC, see timedatectl "
						 "list-timezones; or a POSIX TZ rule as JST-9)", val);
			a->tz = val;
		} else if (!strcmp(o, "-d") || !strcmp(o, "--state-dir")) {
			a->dir = val;
		} else if (!strcmp(o, "-c") || !strcmp(o, "--config")) {
			a->conf = val;
		} else {
			return usage_err("history", "unknown option '%s'", o);
		}
		if (dst)
			*dst = val;
		i++;
	}
	if (!a->target)
		return usage_err("history", "which target? give its name as in the agent's configuration");
	if (a->conf && a->dir)
		return usage_err("history", "-c and -d both say where the store is: give one");
	return 0;
}

int cmd_history(int argc, char **argv)
{
	struct hargs a = { .metric = SNAPFIRE_METRIC_RTT };
	struct agent_conf conf = { .targets = NULL };
	struct slots hours = { 0 }, days = { 0 };
	struct slot_arg sa = { 0 };
	struct reports rep = { .n = 0 };
	struct hist total = { 0 };
	uint64_t from, to, minutes = 0, sent, recv;
	time_t now = time(NULL), since, until;
	bool counters = true;
	char b1[64], b2[64], zone[80], err[512];
	int rc, r;
	size_t i;

	for (i = 1; i < (size_t)argc; i++)
		if (want_help("history", argv[i]))
			return EXIT_OK;
	rc = parse_args(&a, argc, argv);
	if (rc)
		return rc;
	if (a.tz && setenv("TZ", a.tz, 1)) {
		errmsg("cannot set the time zone: %s", strerror(errno));
		return EXIT_FAIL;
	}
	tzset();
	snprintf(zone, sizeof(zone), "%s", a.tz ? a.tz : getenv("TZ") ? getenv("TZ") : "local time");
	since = now - 7 * 86400;
	until = now;
	if (a.since && history_parse_when(a.since, now, &since))
		return usage_err("history", "--since: '%s' is not a time (2026-12-01, "
				 "2026-12-01T19:00, 2026-12-01T19:00:00+09:00, or 7d, 24h, 90m ago)", a.since);
	if (a.until && history_parse_when(a.until, now, &until))
		return usage_err("history", "--until: '%s' is not a time (2026-12-01, "
				 "2026-12-01T19:00, 2026-12-01T19:00:00+09:00, now, or 7d, 24h, 90m ago)", a.until);
	if (since < 0)
		return usage_err("history", "--since: the store begins in 1970");
	if (until <= since)
		return usage_err("history", "--since must be before --until");
	if (a.conf) {
		/* the agent's configuration, for its state-dir only */
		if (agent_conf_load(a.conf, &conf, err, sizeof(err)))
			return usage_err("history", "-c: %s", err);
		a.dir = conf.state_dir;
	} else if (!a.dir) {
		a.dir = AGENT_STATE_DEFAULT;
	}
	from = (uint64_t)since / 60;
	to = ((uint64_t)until + 59) / 60;

	rc = check_dirs(&a);
	if (rc)
		goto out;
	r = slots_read(&a, from, to, &sa, 24, &hours, &counters, &rep);
	if (!r && a.by_day) {
		sa.by_day = true;
		sa.day0 = hq_local_day(from);
		r = slots_read(&a, from, to, &sa, (size_t)(hq_local_day(to - 1) - sa.day0 + 1),
			       &days, &counters, &rep);
	}
	for (i = 0; !r && i < 24; i++) {
		r = hq_merge(&total, &hours.lat[i]);
		minutes += hours.minutes[i];
	}
	if (r) {
		errmsg("reading the history of '%s' in %s: %s", a.target, a.dir, strerror(-r));
		rc = EXIT_FAIL;
		goto out;
	}
	sent = total_of(hours.sent, 24);
	recv = total_of(hours.recv, 24);
	if (!minutes && !sent) {
		errmsg("no %s history of '%s' from %s to %s (in %s; the agent writes a record a "
		       "minute: try an earlier --since)", metric_name(a.metric), a.target,
		       history_minute_str(b1, sizeof(b1), from, false), history_minute_str(b2, sizeof(b2), to, false), a.dir);
		rc = EXIT_FAIL;
		goto out;
	}

	out_begin(stdout, g_json);
	out_obj(NULL);
	out_str(OUT_ANY, "target", "%s", a.target);
	out_str(OUT_ANY, "metric", " %s", metric_name(a.metric));
	out_text(" (%s)", metric_label(a.metric));
	out_str(OUT_JSON, "from", NULL, history_minute_str(b1, sizeof(b1), from, true));
	out_str(OUT_JSON, "to", NULL, history_minute_str(b1, sizeof(b1), to, true));
	out_text(" from %s to %s", history_minute_str(b1, sizeof(b1), from, false), history_minute_str(b2, sizeof(b2), to, false));
	out_str(OUT_ANY, "tz", " (%s)", zone);
	out_str(OUT_JSON, "by", NULL, a.by_day ? "day" : "hour");
	out_u64(OUT_ANY, "minutes", "\n%" PRIu64 " minutes stored", minutes);
	out_u64(OUT_ANY, "count", ", %" PRIu64 " samples", total.count);
	if (total.count && total.nb) {
		out_dur(OUT_ANY, "min_ns", ": min %s", total.min);
		out_dur(OUT_ANY, "mean_ns", " mean %s", hist_mean(&total));
		out_dur(OUT_ANY, "max_ns", " max %s\n", total.max);
		out_obj("percentiles_ns");
		for (i = 0; i < HQ_NPCTS; i++) {
			out_text("%s%s ", i ? "  " : "", hq_pct_names[i]);
			out_dur(OUT_ANY, hq_pct_names[i], "%s", hist_percentile(&total, hq_pcts[i]));
		}
		out_obj_end();
	} else {
		out_null("min_ns");
		out_null("mean_ns");
		out_null("max_ns");
		out_null("percentiles_ns");
		out_text(": no %s samples in this window%s", metric_name(a.metric),
			 a.metric == SNAPFIRE_METRIC_RTT ? "" :
			 " (the one-way and stage metrics are stored only while the module is loaded)");
	}
	out_text("\n");
	out_u64(OUT_JSON, "sent", NULL, sent);
	out_u64(OUT_JSON, "received", NULL, recv);
	if (counters && sent) {
		double rate = recv > sent ? 1.0 : (double)recv / (double)sent;

		out_double(OUT_JSON, "success_rate", NULL, rate);
		out_text("success rate %.2f%% (%" PRIu64 " of %" PRIu64 " probes answered)\n",
			 rate * 100, recv, sent);
	} else {
		out_null("success_rate");
		out_text("success rate: not stored\n");
	}
	if (a.by_day)
		slots_out(&a, &days, sa.day0, counters);
	else
		slots_out(&a, &hours, 0, counters);
	history_heatmap_out(hours.lat, &total, metric_name(a.metric), zone);
	out_obj_end();
	out_end();
	rc = EXIT_OK;
out:
	agent_conf_free(&conf);
	hist_free(&total);
	slots_free(&hours);
	slots_free(&days);
	reports_free(&rep);
	return rc;
}
