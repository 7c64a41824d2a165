// SPDX-License-Identifier: GPL-2.0
/* snapfire history: the times of its window and its slots. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common.h"
#include "history.h"

/*
 * @s as seconds since the epoch: "now"; a relative "7d", "24h", "90m",
 * "2w" (that long before @now); or an ISO-8601 date or time, with a zone
 * offset (Z, +09:00, +0900) or else in the local time zone (TZ set).
 */
int history_parse_when(const char *s, time_t now, time_t *t)
{
	static const char *const fmts[] = {
		"%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M",
		"%Y-%m-%d %H:%M", "%Y-%m-%d",
	};
	char fz[40], *end;
	unsigned long long n;
	size_t i;

	if (!strcmp(s, "now")) {
		*t = now;
		return 0;
	}
	if (*s >= '0' && *s <= '9') {
		errno = 0;
		n = strtoull(s, &end, 10);
		if (!errno && end != s && end[0] && !end[1] && strchr("mhdw", end[0]) &&
		    n <= 3660ULL * 24 * 60) {
			unsigned long long mult = end[0] == 'm' ? 60 : end[0] == 'h' ? 3600 :
						  end[0] == 'd' ? 86400 : 7 * 86400;

			if (n * mult <= (unsigned long long)now) {
				*t = now - (time_t)(n * mult);
				return 0;
			}
			return -1;
		}
	}
	for (i = 0; i < ARRAY_SIZE(fmts); i++) {
		struct tm tm;
		char *r;

		snprintf(fz, sizeof(fz), "%s%%z", fmts[i]);
		memset(&tm, 0, sizeof(tm));
		r = strptime(s, fz, &tm);
		if (r && !*r) {
			long off = tm.tm_gmtoff;

			*t = timegm(&tm) - off;
			return 0;
		}
		memset(&tm, 0, sizeof(tm));
		r = strptime(s, fmts[i], &tm);
		if (r && !*r) {
			tm.tm_isdst = -1;
			*t = mktime(&tm);
			return *t == (time_t)-1 ? -1 : 0;
		}
	}
	return -1;
}

/* @minute (since the epoch) as local time ("2026-12-01 19:00 JST"), or
 * as ISO-8601 UTC when @utc */
char *history_minute_str(char *buf, size_t n, uint64_t minute, bool utc)
{
	time_t t = (time_t)(minute * 60);
	struct tm tm;

	if (!(utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)) ||
	    !strftime(buf, n, utc ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M %Z", &tm))
		snprintf(buf, n, "?");
	return buf;
}

/*
 * A time zone the C library will use: a tz database name (a file under
 * TZDIR or /usr/share/zoneinfo), ":NAME", or a POSIX TZ rule (it has an
 * offset: "JST-9", "UTC0"). glibc takes anything else silently as UTC.
 */
bool history_tz_ok(const char *z)
{
	const char *dirs[] = { getenv("TZDIR"), "/usr/share/zoneinfo" };
	char p[PATH_MAX];
	struct stat st;
	size_t i;

	if (*z == ':')
		z++;
	if (!*z || strstr(z, ".."))
		return false;
	if (*z == '/')
		return !stat(z, &st) && S_ISREG(st.st_mode);
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		if (!dirs[i])
			continue;
		snprintf(p, sizeof(p), "%s/%s", dirs[i], z);
		if (!stat(p, &st) && S_ISREG(st.st_mode))
			return true;
	}
	return strpbrk(z, "0123456789") != NULL && z[0] != '/';
}
