/* SPDX-License-Identifier: GPL-2.0 */
/* snapfire history (cmd_history.c): its times (history_time.c) and its
 * heatmap (history_heatmap.c). */
#ifndef SNAPFIRE_HISTORY_H
#define SNAPFIRE_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "hist.h"

/*
 * @s as seconds since the epoch: "now"; a relative "7d", "24h", "90m",
 * "2w" (that long before @now); or an ISO-8601 date or time, with a zone
 * offset (Z, +09:00, +0900) or else in the local time zone (TZ set).
 * 0, or -1 when @s is none of those.
 */
int history_parse_when(const char *s, time_t now, time_t *t);
/* @z is a time zone the C library will use (not silently UTC) */
bool history_tz_ok(const char *z);
/* @minute as local time, or as ISO-8601 UTC when @utc */
char *history_minute_str(char *buf, size_t n, uint64_t minute, bool utc);
/* The heatmap: @hours[24] (hour of day) across, latency bands of @total
 * down, through out.h (text, or a JSON object "heatmap"). */
void history_heatmap_out(const struct hist *hours, const struct hist *total,
			 const char *metric, const char *zone);

#endif
