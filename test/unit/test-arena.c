// SPDX-License-Identifier: GPL-2.0-only
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "util/arena.h"
#include "util/macro.h"
#include "util/banned.h"

#define ALIGN _Alignof(max_align_t)

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		if (c[i])
			return false;
	return true;
}

static void assert_aligned(const void *p)
{
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % ALIGN, 0);
}

/* Sizes that straddle the alignment and block boundaries. */
static const size_t sizes[] = {
	0, 1, 2, 7, 8, 15, 16, 17, 31, 33, 100, 255, 1000, 4000, 4096, 4097,
};

static void test_alloc_aligned_zeroed(void **state)
{
	struct arena a = ARENA_INIT;
	unsigned char *prev[ARRAY_SIZE(sizes) * 20] = { 0 };
	size_t n = 0;

	for (int round = 0; round < 20; round++) {
		for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
			size_t size = sizes[i];
			unsigned char *p = arena_alloc(&a, size);

			assert_aligned(p);
			assert_true(all_zero(p, size));
			/* Dirty it so that a later overlapping allocation would show. */
			memset(p, 0xa5, size);
			prev[n++] = p;
		}
	}
	/* Nothing handed out was overwritten by a later allocation's zeroing. */
	n = 0;
	for (int round = 0; round < 20; round++) {
		for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
			unsigned char *p = prev[n++];

			for (size_t k = 0; k < sizes[i]; k++)
				assert_int_equal(p[k], 0xa5);
		}
	}
	arena_done(&a);
	assert_null(a.head);
}

static void test_zero_size_distinct(void **state)
{
	struct arena a = ARENA_INIT;
	void *p = arena_alloc(&a, 0);
	void *q = arena_alloc(&a, 0);

	assert_aligned(p);
	assert_aligned(q);
	assert_ptr_not_equal(p, q);
	arena_done(&a);
}

static void test_large(void **state)
{
	struct arena a = ARENA_INIT;
	unsigned char *small = arena_alloc(&a, 24);
	unsigned char *big;
	unsigned char *after;
	const size_t big_size = 3 * 4096 + 5;

	memset(small, 0x11, 24);
	big = arena_alloc(&a, big_size);
	assert_aligned(big);
	assert_true(all_zero(big, big_size));
	memset(big, 0x22, big_size);
	after = arena_alloc(&a, 64);
	assert_aligned(after);
	assert_true(all_zero(after, 64));
	memset(after, 0x33, 64);

	for (size_t i = 0; i < 24; i++)
		assert_int_equal(small[i], 0x11);
	for (size_t i = 0; i < big_size; i++)
		assert_int_equal(big[i], 0x22);
	arena_done(&a);
}

static void test_new_array(void **state)
{
	struct arena a = ARENA_INIT;
	struct pair {
		long long x;
		char c;
	} *arr = arena_new_array(&a, struct pair, 300);
	int *one = arena_new(&a, int);

	assert_aligned(arr);
	assert_aligned(one);
	assert_true(all_zero(arr, sizeof(*arr) * 300));
	assert_int_equal(*one, 0);
	for (int i = 0; i < 300; i++)
		arr[i] = (struct pair){ i, (char)i };
	/* The later allocation does not overlap the array. */
	assert_true((char *)one >= (char *)(arr + 300) ||
		    (char *)one + sizeof(*one) <= (char *)arr);
	assert_int_equal(arr[299].x, 299);
	arena_done(&a);
}

static void test_strdup(void **state)
{
	struct arena a = ARENA_INIT;
	char src[] = "pvc-0123";
	char *s = arena_strdup(&a, src);
	char *e = arena_strdup(&a, "");

	assert_string_equal(s, "pvc-0123");
	assert_ptr_not_equal(s, src);
	src[0] = 'X';
	assert_string_equal(s, "pvc-0123");
	assert_string_equal(e, "");
	assert_aligned(s);
	assert_aligned(e);
	arena_done(&a);
}

static void test_printf(void **state)
{
	struct arena a = ARENA_INIT;
	char big[6000];
	char *s, *l;

	s = arena_printf(&a, "nqn.%s:%d", "meshstor", 7);
	assert_string_equal(s, "nqn.meshstor:7");
	assert_string_equal(arena_printf(&a, "%s", ""), "");

	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	l = arena_printf(&a, "[%s]", big);
	assert_aligned(l);
	assert_int_equal(strlen(l), sizeof(big) + 1);
	assert_int_equal(l[0], '[');
	assert_int_equal(l[sizeof(big)], ']');
	/* Earlier strings survive the new block. */
	assert_string_equal(s, "nqn.meshstor:7");
	arena_done(&a);
}

static void test_done_twice(void **state)
{
	struct arena a = ARENA_INIT;

	arena_done(&a);
	assert_null(a.head);
	arena_strdup(&a, "x");
	assert_non_null(a.head);
	arena_done(&a);
	assert_null(a.head);
	arena_done(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_aligned_zeroed),
		cmocka_unit_test(test_zero_size_distinct),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_new_array),
		cmocka_unit_test(test_strdup),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_done_twice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
