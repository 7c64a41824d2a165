// SPDX-License-Identifier: GPL-2.0
/*
 * The history store's directories (hstore.h): DIR/TARGET/METRIC, opened a
 * component at a time below DIR, never through a symbolic link.
 *
 * DIR is the administrator's (the agent's state-dir, `history -d`) and
 * may be a link. What is below it belongs to the agent's user, and
 * `snapfire history` runs as root: were TARGET or METRIC followed, that
 * user could point root's reads, and the agent's appends and pruning,
 * at any directory of the host. A link there is refused (ENOTDIR).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "hstore_int.h"

/* a directory that is not a link: kept only to resolve names in */
#define DIR_FLAGS	(O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

bool hs_metric_ok(unsigned int metric)
{
	return metric < METRIC_COUNT ||
	       (metric >= AGENT_COUNTER_METRIC(0) && metric < AGENT_COUNTER_METRIC(AC_COUNT));
}

/* A metric's directory: the metric's name, or the agent's counter's. */
const char *hs_metric_dir(unsigned int metric)
{
	return metric < METRIC_COUNT ? metric_name(metric) :
	       agent_counter_names[metric - AGENT_COUNTER_METRIC(0)];
}

/* @name below @at, a directory and no link, made (0750) if @create. */
static int sub_open(int at, const char *name, bool create)
{
	int fd = openat(at, name, DIR_FLAGS);

	if (fd < 0 && errno == ENOENT && create) {
		if (mkdirat(at, name, 0750) && errno != EEXIST)
			return -errno;
		fd = openat(at, name, DIR_FLAGS);
	}
	return fd < 0 ? -errno : fd;
}

int hs_dir_open(const char *dir, const char *key, unsigned int metric, bool create)
{
	int d, k, m;

	if (!hs_key_ok(key) || !hs_metric_ok(metric))
		return -EINVAL;
	/* the root itself may be a link: the administrator's choice */
	d = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (d < 0 && errno == ENOENT && create) {
		if (mkdir(dir, 0750) && errno != EEXIST)
			return -errno;
		d = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (d < 0)
		return -errno;
	k = sub_open(d, key, create);
	close(d);
	if (k < 0)
		return k;
	m = sub_open(k, hs_metric_dir(metric), create);
	close(k);
	return m;
}

void hs_day_name(char name[HS_DAY_NAME], uint64_t day)
{
	time_t t = (time_t)(day * 86400);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(name, HS_DAY_NAME, "%04d%02d%02d.sfh", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday);
}

int hs_day_path(char *buf, size_t n, const char *dir, const char *key,
		unsigned int metric, uint64_t day)
{
	char name[HS_DAY_NAME];
	int r;

	hs_day_name(name, day);
	r = snprintf(buf, n, "%s/%s/%s/%s", dir, key, hs_metric_dir(metric), name);
	return r < 0 || (size_t)r >= n ? -ENAMETOOLONG : 0;
}

int hs_prune(const char *dir, const char *key, unsigned int keep_days,
	     uint64_t now_minute)
{
	uint64_t today = now_minute / 1440;
	unsigned int m;
	int deleted = 0;

	if (!hs_key_ok(key))
		return -EINVAL;
	for (m = 0; m < AGENT_COUNTER_METRIC(AC_COUNT); m++) {
		struct dirent *de;
		int mfd, fd;
		DIR *d;

		if (!hs_metric_ok(m))
			continue;
		mfd = hs_dir_open(dir, key, m, false);
		if (mfd < 0)
			continue;
		fd = openat(mfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(mfd);
		d = fd < 0 ? NULL : fdopendir(fd);
		if (!d) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		while ((de = readdir(d))) {
			struct tm tm = { 0 };
			char *rest;
			uint64_t day;

			rest = strptime(de->d_name, "%Y%m%d", &tm);
			if (!rest || (strcmp(rest, ".sfh") && strncmp(rest, ".sfh.corrupt-", 13)))
				continue;
			day = (uint64_t)timegm(&tm) / 86400;
			if (day + keep_days >= today)
				continue;
			if (!unlinkat(dirfd(d), de->d_name, 0))
				deleted++;
		}
		closedir(d);
	}
	return deleted;
}
