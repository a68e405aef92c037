// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/macro.h"
#include "util/parse.h"
#include "util/banned.h"

/* Written into every out-parameter first, to prove a failing parser leaves it alone. */
#define SENTINEL_U64 0x5a5a5a5a5a5a5a5aULL
#define SENTINEL_INT 0x5a5a5a5a

static const struct {
	const char *s;
	int r;
	uint64_t v;
} u64_cases[] = {
	{ "0", 0, 0 },
	{ "1", 0, 1 },
	{ "007", 0, 7 },
	{ "4096", 0, 4096 },
	{ "18446744073709551615", 0, UINT64_MAX },
	{ "18446744073709551616", -ERANGE, 0 },
	{ "99999999999999999999999", -ERANGE, 0 },
	{ "", -EINVAL, 0 },
	{ " 1", -EINVAL, 0 },
	{ "1 ", -EINVAL, 0 },
	{ "\t1", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ "+1", -EINVAL, 0 },
	{ "1x", -EINVAL, 0 },
	{ "0x10", -EINVAL, 0 },
	{ "1.5", -EINVAL, 0 },
	{ "1e3", -EINVAL, 0 },
	{ "x", -EINVAL, 0 },
	{ "-0", -EINVAL, 0 },
};

static void test_parse_u64(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(u64_cases); i++) {
		uint64_t v = SENTINEL_U64;
		int r = parse_u64(u64_cases[i].s, &v);

		print_message("parse_u64(\"%s\")\n", u64_cases[i].s);
		assert_int_equal(r, u64_cases[i].r);
		assert_true(v == (r == 0 ? u64_cases[i].v : SENTINEL_U64));
	}
}

static void test_parse_u64_null(void **state)
{
	uint64_t v = SENTINEL_U64;

	assert_int_equal(parse_u64(NULL, &v), -EINVAL);
	assert_true(v == SENTINEL_U64);
}

static const struct {
	const char *s;
	uint64_t min, max;
	int r;
	uint64_t v;
} u64_range_cases[] = {
	{ "5", 1, 10, 0, 5 },
	{ "1", 1, 10, 0, 1 },
	{ "10", 1, 10, 0, 10 },
	{ "0", 1, 10, -ERANGE, 0 },
	{ "11", 1, 10, -ERANGE, 0 },
	{ "18446744073709551615", 0, UINT64_MAX, 0, UINT64_MAX },
	{ "18446744073709551616", 0, UINT64_MAX, -ERANGE, 0 },
	{ "7", 7, 7, 0, 7 },
	{ "8", 7, 7, -ERANGE, 0 },
	{ "-5", 0, 10, -EINVAL, 0 },
	{ "5k", 0, 10, -EINVAL, 0 },
	{ "", 0, 10, -EINVAL, 0 },
};

static void test_parse_u64_range(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(u64_range_cases); i++) {
		uint64_t v = SENTINEL_U64;
		int r = parse_u64_range(u64_range_cases[i].s, u64_range_cases[i].min,
					u64_range_cases[i].max, &v);

		print_message("parse_u64_range(\"%s\")\n", u64_range_cases[i].s);
		assert_int_equal(r, u64_range_cases[i].r);
		assert_true(v == (r == 0 ? u64_range_cases[i].v : SENTINEL_U64));
	}
}

static const struct {
	const char *s;
	int min, max;
	int r;
	int v;
} int_range_cases[] = {
	{ "0", INT_MIN, INT_MAX, 0, 0 },
	{ "-0", INT_MIN, INT_MAX, 0, 0 },
	{ "42", INT_MIN, INT_MAX, 0, 42 },
	{ "-42", INT_MIN, INT_MAX, 0, -42 },
	{ "-1", -1, 1, 0, -1 },
	{ "-2", -1, 1, -ERANGE, 0 },
	{ "2", -1, 1, -ERANGE, 0 },
	{ "2147483647", INT_MIN, INT_MAX, 0, INT_MAX },
	{ "2147483648", INT_MIN, INT_MAX, -ERANGE, 0 },
	{ "-2147483648", INT_MIN, INT_MAX, 0, INT_MIN },
	{ "-2147483649", INT_MIN, INT_MAX, -ERANGE, 0 },
	{ "4294967296", INT_MIN, INT_MAX, -ERANGE, 0 },
	{ "-4294967296", INT_MIN, INT_MAX, -ERANGE, 0 },
	{ "18446744073709551615", INT_MIN, INT_MAX, -ERANGE, 0 },
	{ "-18446744073709551615", INT_MIN, INT_MAX, -ERANGE, 0 },
	{ "-18446744073709551616", INT_MIN, INT_MAX, -ERANGE, 0 },
	{ "-1", 0, 100, -ERANGE, 0 },
	{ "100", 0, 100, 0, 100 },
	{ "101", 0, 100, -ERANGE, 0 },
	{ "", INT_MIN, INT_MAX, -EINVAL, 0 },
	{ "-", INT_MIN, INT_MAX, -EINVAL, 0 },
	{ "--1", INT_MIN, INT_MAX, -EINVAL, 0 },
	{ "+1", INT_MIN, INT_MAX, -EINVAL, 0 },
	{ "- 1", INT_MIN, INT_MAX, -EINVAL, 0 },
	{ " -1", INT_MIN, INT_MAX, -EINVAL, 0 },
	{ "-1x", INT_MIN, INT_MAX, -EINVAL, 0 },
	{ "12 ", INT_MIN, INT_MAX, -EINVAL, 0 },
};

static void test_parse_int_range(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(int_range_cases); i++) {
		int v = SENTINEL_INT;
		int r = parse_int_range(int_range_cases[i].s, int_range_cases[i].min,
					int_range_cases[i].max, &v);

		print_message("parse_int_range(\"%s\", %d, %d)\n", int_range_cases[i].s,
			      int_range_cases[i].min, int_range_cases[i].max);
		assert_int_equal(r, int_range_cases[i].r);
		assert_int_equal(v, r == 0 ? int_range_cases[i].v : SENTINEL_INT);
	}
	assert_int_equal(parse_int_range(NULL, INT_MIN, INT_MAX, &(int){ 0 }), -EINVAL);
}

static const struct {
	const char *s;
	int r;
	bool v;
} bool_cases[] = {
	{ "1", 0, true },	    { "true", 0, true },	 { "yes", 0, true },
	{ "on", 0, true },	    { "0", 0, false },		 { "false", 0, false },
	{ "no", 0, false },	    { "off", 0, false },	 { "", -EINVAL, false },
	{ "TRUE", -EINVAL, false }, { "True", -EINVAL, false },	 { "y", -EINVAL, false },
	{ "2", -EINVAL, false },    { " true", -EINVAL, false }, { "true ", -EINVAL, false },
	{ "onn", -EINVAL, false },  { "of", -EINVAL, false },	 { "00", -EINVAL, false },
};

static void test_parse_bool(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(bool_cases); i++) {
		/* Start from the opposite of the expected value so a silent no-op fails. */
		bool v = !bool_cases[i].v;
		int r = parse_bool(bool_cases[i].s, &v);

		print_message("parse_bool(\"%s\")\n", bool_cases[i].s);
		assert_int_equal(r, bool_cases[i].r);
		assert_int_equal(v, r == 0 ? bool_cases[i].v : !bool_cases[i].v);
	}
	assert_int_equal(parse_bool(NULL, &(bool){ false }), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_u64),	cmocka_unit_test(test_parse_u64_null),
		cmocka_unit_test(test_parse_u64_range), cmocka_unit_test(test_parse_int_range),
		cmocka_unit_test(test_parse_bool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
