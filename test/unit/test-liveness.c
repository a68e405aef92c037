// SPDX-License-Identifier: GPL-2.0-only
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "controller/liveness.h"
#include "util/macro.h"
#include "util/banned.h"

enum op {
	SEE,
	GONE,
	LIVE,
	DEAD
};

/* One step: at t seconds on the controller's clock, a Lease seen or gone, or a judgement. */
struct step {
	enum op op;
	const char *node;
	unsigned t;
	const char *version; /* SEE */
	int64_t duration_s;  /* SEE */
	int64_t silent_s;    /* LIVE, DEAD: what liveness_is_live() says */
};

static void run(const char *name, const struct step *steps, size_t n)
{
	struct liveness l = { 0 };

	for (size_t i = 0; i < n; i++) {
		const struct step *s = &steps[i];
		uint64_t now = 1000 * USEC_PER_SEC + s->t * USEC_PER_SEC;
		int64_t silent = 12345;
		bool live;

		if (s->op == SEE) {
			liveness_observe(&l, s->node, s->version, s->duration_s, now);
			continue;
		}
		if (s->op == GONE) {
			liveness_forget(&l, s->node);
			continue;
		}
		live = liveness_is_live(&l, s->node, now, &silent);
		if (live != (s->op == LIVE) || silent != s->silent_s)
			fail_msg("%s, step %zu (%s at %u s): live %d, silent %lld s", name, i,
				 s->node, s->t, live, (long long)silent);
	}
	liveness_done(&l);
}

#define RUN(steps) run(#steps, steps, ARRAY_SIZE(steps))
/* clang-format off */
#define S(node, t, version, duration) { SEE, node, t, version, duration, 0 }
/* clang-format on */
/* clang-format off */
#define G(node, t) { GONE, node, t, NULL, 0, 0 }
/* clang-format on */
/* clang-format off */
#define L(node, t, silent) { LIVE, node, t, NULL, 0, silent }
/* clang-format on */
/* clang-format off */
#define D(node, t, silent) { DEAD, node, t, NULL, 0, silent }
/* clang-format on */

/* Renewed, then silent: live for one duration after the controller saw the renewal. */
static void test_expiry(void **state)
{
	/* clang-format off */
	static const struct step steps[] = {
		D("n1", 0, -1), /* never seen */
		S("n1", 0, "100", 40),
		L("n1", 0, 0),
		L("n1", 40, 40),
		D("n1", 41, 41),
		/* A relist or a resent event shows the same version: no renewal. */
		S("n1", 50, "100", 40),
		D("n1", 50, 50),
		/* The agent is back: a new version is a renewal, whenever it comes. */
		S("n1", 60, "180", 40),
		L("n1", 99, 39),
		S("n1", 90, "190", 40),
		L("n1", 129, 39),
		D("n1", 131, 41),
	};
	/* clang-format on */

	RUN(steps);
}

/*
 * What the node's own clock says never enters: a node whose clock runs ahead
 * (today's rule, heartbeatTime against the controller's time, kept it fresh
 * for as long as it ran ahead) is dead one duration after its last renewal.
 */
static void test_only_the_controllers_clock(void **state)
{
	/* clang-format off */
	static const struct step steps[] = {
		S("ahead", 0, "7", 40),
		S("behind", 0, "8", 40),
		L("ahead", 30, 30),
		L("behind", 30, 30),
		S("behind", 35, "9", 40),
		D("ahead", 45, 45),
		L("behind", 45, 10),
	};
	/* clang-format on */

	RUN(steps);
}

/* A Lease first seen counts as renewed then; its duration is the holder's. */
static void test_first_sight_and_duration(void **state)
{
	/* clang-format off */
	static const struct step steps[] = {
		S("short", 100, "1", 5),
		S("long", 100, "1", 300),
		L("short", 105, 5),
		D("short", 106, 6),
		L("long", 399, 299),
		/* A shorter duration on the next renewal applies from then. */
		S("long", 400, "2", 10),
		D("long", 411, 11),
	};
	/* clang-format on */

	RUN(steps);
}

/* A deleted Lease: not live, and never seen again until it returns. */
static void test_forget(void **state)
{
	/* clang-format off */
	static const struct step steps[] = {
		S("a", 0, "1", 40),
		S("b", 0, "1", 40),
		S("c", 0, "1", 40),
		G("a", 1),
		G("nobody", 1),
		D("a", 2, -1),
		L("b", 2, 2),
		L("c", 2, 2),
		S("a", 3, "1", 40), /* recreated: the same version number is a new Lease */
		L("a", 3, 0),
		G("c", 4),
		L("b", 4, 4),
		D("c", 4, -1),
	};
	/* clang-format on */

	RUN(steps);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_only_the_controllers_clock),
		cmocka_unit_test(test_first_sight_and_duration),
		cmocka_unit_test(test_forget),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
