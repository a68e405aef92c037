// SPDX-License-Identifier: GPL-2.0-only
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/metrics.h"
#include "util/banned.h"

const double metrics_seconds_bounds[METRICS_SECONDS_BUCKETS] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
};

void metrics_family(struct strbuf *out, const char *name, const char *type, const char *help)
{
	strbuf_addf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void metrics_label(struct strbuf *labels, const char *name, const char *value)
{
	if (labels->len)
		strbuf_addch(labels, ',');
	strbuf_addf(labels, "%s=\"", name);
	for (const char *p = value; *p; p++) {
		if (*p == '\\' || *p == '"')
			strbuf_addch(labels, '\\');
		if (*p == '\n')
			strbuf_adds(labels, "\\n");
		else
			strbuf_addch(labels, *p);
	}
	strbuf_addch(labels, '"');
}

/* Integers as integers; the rest in the fewest digits that read back the same. */
static void add_value(struct strbuf *out, double v)
{
	char buf[32];

	if (isnan(v))
		strbuf_adds(out, "NaN");
	else if (isinf(v))
		strbuf_adds(out, v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 1e15)
		strbuf_addf(out, "%.0f", v);
	else {
		snprintf(buf, sizeof(buf), "%.15g", v);
		if (strtod(buf, NULL) != v)
			snprintf(buf, sizeof(buf), "%.17g", v);
		strbuf_adds(out, buf);
	}
}

void metrics_sample(struct strbuf *out, const char *name, const char *labels, double value)
{
	strbuf_adds(out, name);
	if (labels && labels[0])
		strbuf_addf(out, "{%s}", labels);
	strbuf_addch(out, ' ');
	add_value(out, value);
	strbuf_addch(out, '\n');
}

void metrics_seconds_observe(struct metrics_seconds *h, uint64_t usec)
{
	size_t i = 0;

	while (i < METRICS_SECONDS_BUCKETS && (double)usec / 1e6 > metrics_seconds_bounds[i])
		i++;
	atomic_fetch_add(&h->counts[i], 1);
	atomic_fetch_add(&h->sum_usec, usec);
}

static void bucket(struct strbuf *out, const char *name, const char *labels, double le,
		   uint64_t cumulative)
{
	_cleanup_strbuf_ struct strbuf l = STRBUF_INIT, n = STRBUF_INIT, v = STRBUF_INIT;

	strbuf_adds(&l, labels ? labels : "");
	add_value(&v, le);
	metrics_label(&l, "le", v.buf);
	strbuf_addf(&n, "%s_bucket", name);
	metrics_sample(out, n.buf, l.buf, (double)cumulative);
}

void metrics_seconds_write(struct strbuf *out, const char *name, const char *labels,
			   struct metrics_seconds *h)
{
	_cleanup_strbuf_ struct strbuf n = STRBUF_INIT;
	uint64_t cumulative = 0;

	for (size_t i = 0; i <= METRICS_SECONDS_BUCKETS; i++) {
		cumulative += atomic_load(&h->counts[i]);
		bucket(out, name, labels,
		       i < METRICS_SECONDS_BUCKETS ? metrics_seconds_bounds[i] : INFINITY,
		       cumulative);
	}
	strbuf_addf(&n, "%s_sum", name);
	metrics_sample(out, n.buf, labels, (double)atomic_load(&h->sum_usec) / 1e6);
	strbuf_reset(&n);
	strbuf_addf(&n, "%s_count", name);
	metrics_sample(out, n.buf, labels, (double)cumulative);
}
