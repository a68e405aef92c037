// SPDX-License-Identifier: GPL-2.0-only
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util/strbuf.h"
#include "util/banned.h"

/* The invariants every strbuf keeps between calls. */
static void check_invariants(const struct strbuf *sb)
{
	assert_non_null(sb->buf);
	assert_int_equal(sb->buf[sb->len], '\0');
	assert_true(strlen(sb->buf) <= sb->len);
	if (sb->alloc)
		assert_true(sb->len < sb->alloc);
	else
		assert_ptr_equal(sb->buf, strbuf_empty);
}

static void test_init(void **state)
{
	struct strbuf a = STRBUF_INIT;
	struct strbuf b;

	strbuf_init(&b);
	check_invariants(&a);
	check_invariants(&b);
	assert_int_equal(a.len, 0);
	assert_int_equal(b.len, 0);
	assert_string_equal(a.buf, "");
	/* Done on a never-grown buffer frees nothing and leaves it usable. */
	strbuf_done(&a);
	check_invariants(&a);
	strbuf_adds(&a, "x");
	assert_string_equal(a.buf, "x");
	strbuf_done(&a);
	check_invariants(&a);
	assert_int_equal(a.len, 0);
}

static void test_add_growth(void **state)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	char *expect = malloc(10000 * 3 + 1);
	size_t prev_alloc = 0, reallocs = 0;

	assert_non_null(expect);
	for (size_t i = 0; i < 10000; i++) {
		char chunk[3] = { (char)('a' + i % 26), (char)('A' + i % 26), '-' };

		strbuf_add(&sb, chunk, sizeof(chunk));
		memcpy(expect + i * 3, chunk, 3);
		assert_int_equal(sb.len, (i + 1) * 3);
		check_invariants(&sb);
		assert_true(sb.alloc >= prev_alloc);
		reallocs += sb.alloc != prev_alloc;
		prev_alloc = sb.alloc;
	}
	expect[10000 * 3] = '\0';
	assert_string_equal(sb.buf, expect);
	/* Geometric growth: appending n bytes costs O(log n) reallocations, not O(n). */
	assert_true(reallocs <= 16);
	free(expect);
}

static void test_add_binary(void **state)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	static const char data[] = { 'a', '\0', 'b' };

	strbuf_add(&sb, data, sizeof(data));
	assert_int_equal(sb.len, 3);
	assert_memory_equal(sb.buf, data, 3);
	assert_int_equal(sb.buf[3], '\0');
	strbuf_add(&sb, "", 0);
	assert_int_equal(sb.len, 3);
	check_invariants(&sb);
}

static void test_addch(void **state)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;

	for (int i = 0; i < 1000; i++) {
		strbuf_addch(&sb, (char)('0' + i % 10));
		check_invariants(&sb);
	}
	assert_int_equal(sb.len, 1000);
	assert_int_equal(strlen(sb.buf), 1000);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(sb.buf[i], '0' + i % 10);
}

static void test_addf(void **state)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	char big[5000];

	strbuf_addf(&sb, "%s", "");
	assert_int_equal(sb.len, 0);
	check_invariants(&sb);
	strbuf_addf(&sb, "vol=%s size=%d", "pvc-1", 42);
	assert_string_equal(sb.buf, "vol=pvc-1 size=42");
	assert_int_equal(sb.len, strlen("vol=pvc-1 size=42"));
	strbuf_addf(&sb, ", %05u|%-3s|", 7u, "x");
	assert_string_equal(sb.buf, "vol=pvc-1 size=42, 00007|x  |");

	/* One format bigger than any growth step so far. */
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	strbuf_reset(&sb);
	strbuf_addf(&sb, "<%s>", big);
	assert_int_equal(sb.len, sizeof(big) + 1);
	assert_int_equal(sb.buf[0], '<');
	assert_int_equal(sb.buf[sizeof(big)], '>');
	assert_int_equal(sb.buf[sizeof(big) - 1], 'z');
	check_invariants(&sb);
}

static void test_addf_many(void **state)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	size_t expect_len = 0;

	for (int i = 0; i < 5000; i++) {
		strbuf_addf(&sb, "%d,", i);
		expect_len += (size_t)snprintf(NULL, 0, "%d,", i);
		assert_int_equal(sb.len, expect_len);
		check_invariants(&sb);
	}
	assert_int_equal(strlen(sb.buf), expect_len);
	assert_memory_equal(sb.buf, "0,1,2,3,", 8);
	assert_string_equal(sb.buf + expect_len - 10, "4998,4999,");
}

static void test_reset(void **state)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	size_t alloc;

	/* Reset on a never-grown buffer must not write into strbuf_empty. */
	strbuf_reset(&sb);
	check_invariants(&sb);
	assert_int_equal(sb.alloc, 0);

	strbuf_adds(&sb, "hello world");
	alloc = sb.alloc;
	strbuf_reset(&sb);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	/* Reset keeps the allocation for reuse. */
	assert_int_equal(sb.alloc, alloc);
	check_invariants(&sb);
	strbuf_adds(&sb, "bye");
	assert_string_equal(sb.buf, "bye");
	assert_int_equal(sb.len, 3);
}

static void test_detach_empty(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char *s = strbuf_detach(&sb);

	/* Even never-grown, the caller gets a string it owns and may free. */
	assert_non_null(s);
	assert_ptr_not_equal(s, strbuf_empty);
	assert_string_equal(s, "");
	free(s);
	check_invariants(&sb);
	assert_int_equal(sb.len, 0);
	assert_int_equal(sb.alloc, 0);
}

static void test_detach(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char *s;

	strbuf_adds(&sb, "pvc-");
	strbuf_addf(&sb, "%d", 123);
	s = strbuf_detach(&sb);
	assert_string_equal(s, "pvc-123");
	/* The buffer is reset and independent of the detached string. */
	check_invariants(&sb);
	assert_int_equal(sb.len, 0);
	assert_int_equal(sb.alloc, 0);
	strbuf_adds(&sb, "other");
	assert_string_equal(s, "pvc-123");
	free(s);
	strbuf_done(&sb);

	/* Detach after reset hands back an empty, owned string. */
	strbuf_adds(&sb, "abc");
	strbuf_reset(&sb);
	s = strbuf_detach(&sb);
	assert_string_equal(s, "");
	free(s);
}

static void test_grow(void **state)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;

	strbuf_grow(&sb, 1000);
	assert_true(sb.alloc >= 1001);
	assert_int_equal(sb.len, 0);
	check_invariants(&sb);
	assert_string_equal(sb.buf, "");
}

static void test_rtrim(void **state)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;

	/* Nothing to trim on a never-grown buffer, and nothing written into strbuf_empty. */
	strbuf_rtrim(&sb, "; ");
	check_invariants(&sb);
	strbuf_adds(&sb, "a; b; ");
	strbuf_rtrim(&sb, "; ");
	assert_string_equal(sb.buf, "a; b");
	assert_int_equal(sb.len, 4);
	strbuf_rtrim(&sb, "x");
	assert_string_equal(sb.buf, "a; b");
	strbuf_rtrim(&sb, "ab; ");
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	check_invariants(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),	   cmocka_unit_test(test_add_growth),
		cmocka_unit_test(test_add_binary), cmocka_unit_test(test_addch),
		cmocka_unit_test(test_addf),	   cmocka_unit_test(test_addf_many),
		cmocka_unit_test(test_reset),	   cmocka_unit_test(test_detach_empty),
		cmocka_unit_test(test_detach),	   cmocka_unit_test(test_grow),
		cmocka_unit_test(test_rtrim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
