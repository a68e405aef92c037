/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

/*
 * The Prometheus text exposition format (version 0.0.4), written by us: a
 * scrape asks each part of the program to append what it counts, at that
 * moment, to one buffer (docs/operations.md, "Metrics"). Names carry the
 * meshstor_ prefix and base units (seconds, bytes); counters end in _total.
 */

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* "# HELP name help" and "# TYPE name type" (counter, gauge or histogram). */
void metrics_family(struct strbuf *out, const char *name, const char *type, const char *help);

/*
 * Appends name="value" to labels (comma-separated), the value escaped as the
 * format requires (backslash, double quote, newline), so any string is safe.
 */
void metrics_label(struct strbuf *labels, const char *name, const char *value);

/* "name{labels} value"; labels may be NULL or empty. */
void metrics_sample(struct strbuf *out, const char *name, const char *labels, double value);

/*
 * A histogram of durations, in seconds, with fixed bounds from a fast probe
 * to a slow stage or resync wait. Zeroed, it is empty and ready; it is
 * observed and written from any thread without a lock.
 */
#define METRICS_SECONDS_BUCKETS 15

struct metrics_seconds {
	atomic_uint_fast64_t counts[METRICS_SECONDS_BUCKETS + 1]; /* per bucket; last: +Inf */
	atomic_uint_fast64_t sum_usec;
};

extern const double metrics_seconds_bounds[METRICS_SECONDS_BUCKETS];

void metrics_seconds_observe(struct metrics_seconds *h, uint64_t usec);
/*
 * name_bucket{labels,le="..."}, name_sum{labels} and name_count{labels}; the
 * count is the buckets' total as read, so the two always agree.
 */
void metrics_seconds_write(struct strbuf *out, const char *name, const char *labels,
			   struct metrics_seconds *h);
