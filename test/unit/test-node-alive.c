// SPDX-License-Identifier: GPL-2.0-only
/* node/alive.c: when the agent's reconcile loop counts as stuck, for /healthz. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "node/alive.h"
#include "util/macro.h"
#include "util/strbuf.h"
#include "util/banned.h"

static void test_loop_alive(void **state)
{
	static const struct {
		unsigned period_s;
		uint64_t away_s; /* since the loop last came round */
		int want;
	} cases[] = {
		{ 10, 0, 0 },
		{ 10, 60, 0 },
		/* A pass may wait out queued mkfs runs: half an hour at least. */
		{ 10, 1800, 0 },
		{ 10, 1801, -ETIMEDOUT },
		{ 1, 1801, -ETIMEDOUT },
		/* Long periods: thirty of them. */
		{ 120, 3600, 0 },
		{ 120, 3601, -ETIMEDOUT },
		{ 3600, 108000, 0 },
		{ 3600, 108001, -ETIMEDOUT },
	};
	const uint64_t base = 5000 * USEC_PER_SEC;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf why = STRBUF_INIT;
		int r = node_loop_alive(base + cases[i].away_s * USEC_PER_SEC, base,
					cases[i].period_s, &why);

		if (r != cases[i].want)
			fail_msg("period %u s, away %llu s: %d, expected %d", cases[i].period_s,
				 (unsigned long long)cases[i].away_s, r, cases[i].want);
		assert_int_equal(why.len == 0, r == 0);
		strbuf_done(&why);
	}
}

static void test_reason(void **state)
{
	struct strbuf why = STRBUF_INIT;
	const uint64_t base = 100 * USEC_PER_SEC;

	assert_int_equal(node_loop_alive(base + 2000 * USEC_PER_SEC, base, 10, &why), -ETIMEDOUT);
	assert_string_equal(why.buf, "the reconcile loop has not come round for 2000 s (stuck "
				     "after 1800 s; period 10 s)");
	strbuf_done(&why);
	/* A clock read before the loop's own store is not "away". */
	assert_int_equal(node_loop_alive(base, base + USEC_PER_SEC, 10, &why), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loop_alive),
		cmocka_unit_test(test_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
