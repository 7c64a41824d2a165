/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The names and help texts the spec gives (include/snapfire.yaml): counters,
 * metrics, events. Defined in names.c, which scripts/gen-uapi generates
 * from the spec with the UAPI header; nothing here is written by hand but
 * these declarations.
 */
#ifndef SNAPFIRE_NAMES_H
#define SNAPFIRE_NAMES_H

#include <linux/snapfire.h>

#define NCOUNTERS	(SNAPFIRE_A_COUNTERS_PAD - 1)
#define METRIC_COUNT	(SNAPFIRE_METRIC_MAX + 1)
#define EVENT_NAMES	(SNAPFIRE_EVENT_TYPE_MAX + 1)

/* counter i is attribute i + 1 of the counters set: "pre-routing", ... */
extern const char *const counter_names[NCOUNTERS];
extern const char *const counter_help[NCOUNTERS];
/* enum snapfire_metric as JSON keys: "rtt", "tx_stage", ... */
extern const char *const metric_keys[METRIC_COUNT];
/* enum snapfire_event_type by value: "flow-new", ...; NULL for 0 */
extern const char *const event_names[EVENT_NAMES];

#endif /* SNAPFIRE_NAMES_H */
