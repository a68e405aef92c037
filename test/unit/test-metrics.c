// SPDX-License-Identifier: GPL-2.0-only
/* util/metrics.c: the text exposition format, byte for byte. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/metrics.h"
#include "util/strbuf.h"

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_family_and_samples(void **state)
{
	struct strbuf out = STRBUF_INIT, labels = STRBUF_INIT;

	metrics_family(&out, "meshstor_volumes", "gauge", "Volumes by phase.");
	metrics_label(&labels, "phase", "Ready");
	metrics_sample(&out, "meshstor_volumes", labels.buf, 3);
	metrics_sample(&out, "meshstor_up", NULL, 1);
	metrics_sample(&out, "meshstor_ratio", "", 0.1);
	metrics_sample(&out, "meshstor_big", "", 18446744073709551615.0);
	metrics_sample(&out, "meshstor_nan", "", NAN);
	metrics_sample(&out, "meshstor_neg", "", -INFINITY);
	assert_string_equal(out.buf, "# HELP meshstor_volumes Volumes by phase.\n"
				     "# TYPE meshstor_volumes gauge\n"
				     "meshstor_volumes{phase=\"Ready\"} 3\n"
				     "meshstor_up 1\n"
				     "meshstor_ratio 0.1\n"
				     "meshstor_big 1.8446744073709552e+19\n"
				     "meshstor_nan NaN\n"
				     "meshstor_neg -Inf\n");
	strbuf_done(&out);
	strbuf_done(&labels);
}

/* A label value is any string (a volume's name as the API holds it): escaped, never cut. */
static void test_label_escaping(void **state)
{
	struct strbuf labels = STRBUF_INIT;

	metrics_label(&labels, "volume", "a\"b\\c\nd}");
	metrics_label(&labels, "node", "");
	assert_string_equal(labels.buf, "volume=\"a\\\"b\\\\c\\nd}\",node=\"\"");
	strbuf_done(&labels);
}

static void test_seconds(void **state)
{
	struct metrics_seconds h = { 0 };
	struct strbuf out = STRBUF_INIT, labels = STRBUF_INIT;
	const char *expect[] = {
		"meshstor_x_seconds_bucket{method=\"Probe\",le=\"0.005\"} 1\n",
		"meshstor_x_seconds_bucket{method=\"Probe\",le=\"0.5\"} 1\n",
		"meshstor_x_seconds_bucket{method=\"Probe\",le=\"1\"} 2\n",
		"meshstor_x_seconds_bucket{method=\"Probe\",le=\"2.5\"} 3\n",
		"meshstor_x_seconds_bucket{method=\"Probe\",le=\"300\"} 3\n",
		"meshstor_x_seconds_bucket{method=\"Probe\",le=\"+Inf\"} 4\n",
		"meshstor_x_seconds_sum{method=\"Probe\"} 902.5035\n",
		"meshstor_x_seconds_count{method=\"Probe\"} 4\n",
	};

	metrics_seconds_observe(&h, 2500);
	metrics_seconds_observe(&h, 1000000); /* an upper bound is inclusive */
	metrics_seconds_observe(&h, 1500000);
	metrics_seconds_observe(&h, 900001000);
	metrics_label(&labels, "method", "Probe");
	metrics_seconds_write(&out, "meshstor_x_seconds", labels.buf, &h);
	for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++)
		if (!strstr(out.buf, expect[i]))
			fail_msg("no '%s' in:\n%s", expect[i], out.buf);
	/* 15 bounds, +Inf, the sum and the count. */
	assert_int_equal(count_lines(out.buf), METRICS_SECONDS_BUCKETS + 3);
	strbuf_reset(&out);
	metrics_seconds_write(&out, "meshstor_y_seconds", NULL, &h);
	assert_non_null(strstr(out.buf, "meshstor_y_seconds_bucket{le=\"+Inf\"} 4\n"));
	assert_non_null(strstr(out.buf, "meshstor_y_seconds_count 4\n"));
	strbuf_done(&out);
	strbuf_done(&labels);
}

/* The bounds ascend. */
static void test_seconds_bounds(void **state)
{
	for (size_t i = 1; i < METRICS_SECONDS_BUCKETS; i++)
		assert_true(metrics_seconds_bounds[i] > metrics_seconds_bounds[i - 1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_family_and_samples),
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_seconds),
		cmocka_unit_test(test_seconds_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
