// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kube/codec.h"
#include "model/check.h"
#include "util/macro.h"
#include "util/banned.h"

#define SENTINEL 0x5a5a5a5a5aLL

/* Expected values from Python's calendar.timegm(). */
static const struct {
	const char *s;
	int r;
	int64_t t;
} parse_cases[] = {
	{ "2026-11-23T16:42:29Z", 0, 1795452149 },
	{ "2026-11-23t16:42:29z", 0, 1795452149 },
	{ "2026-11-23T16:42:29.999999999Z", 0, 1795452149 },
	{ "2026-11-23T18:42:29+02:00", 0, 1795452149 },
	{ "2026-11-23T11:12:29-05:30", 0, 1795452149 },
	{ "1970-01-01T00:00:00Z", 0, 0 },
	{ "1969-12-31T23:59:59Z", 0, -1 },
	{ "1900-03-01T00:00:00Z", 0, -2203891200LL },
	{ "2000-02-29T00:00:00Z", 0, 951782400 },
	{ "2024-02-29T12:00:00Z", 0, 1709208000 },
	{ "0000-01-01T00:00:00Z", 0, MODEL_TIME_MIN },
	{ "9999-12-31T23:59:59Z", 0, MODEL_TIME_MAX },
	{ "9999-12-31T23:59:59-00:01", -EINVAL, 0 },
	{ "0000-01-01T00:00:00+00:01", -EINVAL, 0 },
	{ "2023-02-29T00:00:00Z", -EINVAL, 0 },
	{ "1900-02-29T00:00:00Z", -EINVAL, 0 },
	{ "2026-04-31T00:00:00Z", -EINVAL, 0 },
	{ "2026-13-01T00:00:00Z", -EINVAL, 0 },
	{ "2026-00-01T00:00:00Z", -EINVAL, 0 },
	{ "2026-01-00T00:00:00Z", -EINVAL, 0 },
	{ "2026-01-01T24:00:00Z", -EINVAL, 0 },
	{ "2026-01-01T00:60:00Z", -EINVAL, 0 },
	{ "2016-12-31T23:59:60Z", -EINVAL, 0 },
	{ "2026-11-23T16:42:29", -EINVAL, 0 },
	{ "2026-11-23 16:42:29Z", -EINVAL, 0 },
	{ "2026-11-23T16:42:29.Z", -EINVAL, 0 },
	{ "2026-11-23T16:42:29+0200", -EINVAL, 0 },
	{ "2026-11-23T16:42:29+24:00", -EINVAL, 0 },
	{ "2026-11-23T16:42:29ZZ", -EINVAL, 0 },
	{ "2026-11-23T16:42:29Z ", -EINVAL, 0 },
	{ " 2026-11-23T16:42:29Z", -EINVAL, 0 },
	{ "+2026-11-23T16:42:29Z", -EINVAL, 0 },
	{ "26-11-23T16:42:29Z", -EINVAL, 0 },
	{ "2026-11-23", -EINVAL, 0 },
	{ "2026-1-23T16:42:29Z", -EINVAL, 0 },
	{ "", -EINVAL, 0 },
	{ "1795452149", -EINVAL, 0 },
};

static void test_time_parse(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(parse_cases); i++) {
		int64_t t = SENTINEL;

		print_message("\"%s\"\n", parse_cases[i].s);
		assert_int_equal(codec_time_parse(parse_cases[i].s, &t), parse_cases[i].r);
		assert_int_equal(t, parse_cases[i].r == 0 ? parse_cases[i].t : SENTINEL);
	}
	assert_int_equal(codec_time_parse(NULL, NULL), -EINVAL);
}

static void test_time_format(void **state)
{
	static const struct {
		int64_t t;
		const char *s;
	} cases[] = {
		{ 1795452149, "2026-11-23T16:42:29Z" },
		{ 0, "1970-01-01T00:00:00Z" },
		{ -1, "1969-12-31T23:59:59Z" },
		{ 951782400, "2000-02-29T00:00:00Z" },
		{ -2203891200LL, "1900-03-01T00:00:00Z" },
		{ MODEL_TIME_MIN, "0000-01-01T00:00:00Z" },
		{ MODEL_TIME_MAX, "9999-12-31T23:59:59Z" },
	};
	char buf[CODEC_TIME_LEN + 1];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(codec_time_format(cases[i].t, buf), 0);
		assert_string_equal(buf, cases[i].s);
	}
	memcpy(buf, "untouched", 10);
	assert_int_equal(codec_time_format(MODEL_TIME_MAX + 1, buf), -EINVAL);
	assert_int_equal(codec_time_format(MODEL_TIME_MIN - 1, buf), -EINVAL);
	assert_int_equal(codec_time_format(INT64_MIN, buf), -EINVAL);
	assert_string_equal(buf, "untouched");
}

/* Every day boundary for 800 years (two Gregorian cycles) formats and parses back. */
static void test_time_round_trip(void **state)
{
	for (int64_t t = -6311520000LL; t < 6311520000LL; t += 86400 - 1) {
		char buf[CODEC_TIME_LEN + 1];
		int64_t back;

		assert_int_equal(codec_time_format(t, buf), 0);
		assert_int_equal(codec_time_parse(buf, &back), 0);
		assert_int_equal(back, t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_parse),
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_time_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
