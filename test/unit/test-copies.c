// SPDX-License-Identifier: GPL-2.0-only
/*
 * Which copies a new array may start from (node/copies.c): a table of
 * recorded member states and reachability, and what staging does.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "node/copies.h"
#include "node/plan.h"
#include "util/xalloc.h"

#define VOL "pvc-0123456789abcdef01234567"
#define EPOCH 7

static const uint64_t events[4] = { 10, 12, 10, 12 };

/* A two-copy volume: member 0 on node a, member 1 on node c, claimed by b. */
static struct volume *volume_two(const char *last_consumer)
{
	struct volume *v = volume_new();
	const char *nodes[] = { "a", "c" };

	v->meta.name = xstrdup(VOL);
	v->spec.node_name = xstrdup("b");
	v->spec.number_of_copies = 2;
	v->spec.drives_per_copy = 1;
	v->spec.epoch = EPOCH;
	v->spec.n_members = 2;
	v->spec.members = xcalloc(2, sizeof(*v->spec.members));
	for (int i = 0; i < 2; i++)
		v->spec.members[i] = (struct volume_member){ .index = i,
							     .copy = i,
							     .node_name = xstrdup(nodes[i]) };
	v->status.node_name = last_consumer ? xstrdup(last_consumer) : NULL;
	v->status.n_members = 2;
	v->status.members = xcalloc(2, sizeof(struct member_status));
	for (int i = 0; i < 2; i++)
		v->status.members[i] = (struct member_status){ .index = i,
							       .state = MEMBER_STATE_SYNCED,
							       .last_epoch = EPOCH };
	return v;
}

struct row {
	const char *name;
	const char *last_consumer; /* status.nodeName */
	enum member_state state[2];
	const char *message[2];
	bool reachable[2];
	int want; /* 0 or -EAGAIN */
	bool use[2], diverged[2];
	const char *why; /* a part of the message when waiting */
};

/* clang-format off */
static const struct row rows[] = {
	{ "new volume, both reachable", NULL, { MEMBER_STATE_EXPORTED, MEMBER_STATE_EXPORTED },
	  { NULL, NULL }, { true, true }, 0, { true, true }, { false, false }, NULL },
	{ "re-stage, both in sync, one reachable", "b", { MEMBER_STATE_SYNCED, MEMBER_STATE_SYNCED },
	  { NULL, NULL }, { true, false }, 0, { true, false }, { false, false }, NULL },
	/* Item 1: the consumer saw member 0 fail at this epoch; member 1 is away. */
	{ "re-stage, the current copy away", "b", { MEMBER_STATE_FAULTY, MEMBER_STATE_SYNCED },
	  { NULL, NULL }, { true, false }, -EAGAIN, { false, false }, { false, false },
	  "member 1 on node c" },
	{ "re-stage, missing one left out", "b", { MEMBER_STATE_MISSING, MEMBER_STATE_SYNCED },
	  { NULL, NULL }, { true, true }, 0, { false, true }, { false, false }, NULL },
	{ "re-stage, a half-synced one is no copy", "b", { MEMBER_STATE_SYNCING, MEMBER_STATE_SYNCED },
	  { NULL, NULL }, { true, false }, -EAGAIN, { false, false }, { false, false },
	  "node c" },
	/* The claim moved from a (member 0 local there) to b. */
	{ "failover, both current: the old consumer's copy is diverged", "a",
	  { MEMBER_STATE_SYNCED, MEMBER_STATE_SYNCED }, { NULL, NULL }, { true, true }, 0,
	  { false, true }, { true, false }, NULL },
	{ "failover, other copy away: the old consumer's copy serves", "a",
	  { MEMBER_STATE_SYNCED, MEMBER_STATE_SYNCED }, { NULL, NULL }, { true, false }, 0,
	  { true, false }, { false, false }, NULL },
	/* Item 4: member 1 dropped out under a; a's local copy alone has the writes. */
	{ "failover, only the old consumer's copy is current, away", "a",
	  { MEMBER_STATE_SYNCED, MEMBER_STATE_FAULTY }, { NULL, NULL }, { false, true }, -EAGAIN,
	  { false, false }, { false, false }, "member 0 on node a" },
	{ "failover, only the old consumer's copy is current, reachable", "a",
	  { MEMBER_STATE_SYNCED, MEMBER_STATE_FAULTY }, { NULL, NULL }, { true, true }, 0,
	  { true, false }, { false, false }, NULL },
	/* The host's behind mark after a new claim, and the diverged mark. */
	{ "behind, by the host's mark", "b", { MEMBER_STATE_EXPORTED, MEMBER_STATE_EXPORTED },
	  { MEMBER_BEHIND_MESSAGE, NULL }, { true, false }, -EAGAIN, { false, false },
	  { false, false }, "member 1 on node c" },
	{ "both marked: nothing is current", "b", { MEMBER_STATE_EXPORTED, MEMBER_STATE_FAULTY },
	  { MEMBER_BEHIND_MESSAGE, MEMBER_DIVERGED_MESSAGE }, { true, true }, -EAGAIN,
	  { false, false }, { false, false }, "none does" },
};
/* clang-format on */

static void test_table(void **state)
{
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		const struct row *row = &rows[r];
		struct volume *v = volume_two(row->last_consumer);
		struct copies_choice c = { 0 };
		struct strbuf why = STRBUF_INIT;
		int got;

		for (int i = 0; i < 2; i++) {
			v->status.members[i].state = row->state[i];
			v->status.members[i].message =
				row->message[i] ? xstrdup(row->message[i]) : NULL;
		}
		got = copies_choose(v, "b", row->reachable, events, &c, &why);
		if (got != row->want)
			fail_msg("%s: got %d, want %d (%s)", row->name, got, row->want, why.buf);
		if (got == 0) {
			for (int i = 0; i < 2; i++)
				if (c.use[i] != row->use[i] || c.diverged[i] != row->diverged[i])
					fail_msg("%s: member %d use %d diverged %d, want %d %d",
						 row->name, i, c.use[i], c.diverged[i], row->use[i],
						 row->diverged[i]);
			copies_choice_done(&c);
		} else if (!strstr(why.buf, row->why)) {
			fail_msg("%s: message '%s' lacks '%s'", row->name, why.buf, row->why);
		}
		strbuf_done(&why);
		volume_free(v);
	}
}

/*
 * RAID10, 2 copies x 2 stripes; the claim moved from a, which holds copy 0
 * (both stripes). Copy 1's stripe 1 (node d) is away: a's stripe 1 serves,
 * while a's stripe 0 is left out for copy 1's (diverged), stripe by stripe.
 */
static void test_raid10(void **state)
{
	struct volume *v = volume_new();
	const char *nodes[] = { "a", "c", "a", "d" };
	bool reachable[] = { true, true, true, false };
	struct copies_choice c;
	struct strbuf why = STRBUF_INIT;

	v->meta.name = xstrdup(VOL);
	v->spec.node_name = xstrdup("b");
	v->spec.number_of_copies = 2;
	v->spec.drives_per_copy = 2;
	v->spec.epoch = EPOCH;
	v->spec.n_members = 4;
	v->spec.members = xcalloc(4, sizeof(*v->spec.members));
	for (int i = 0; i < 4; i++)
		v->spec.members[i] = (struct volume_member){
			.index = i, .copy = i % 2, .stripe = i / 2, .node_name = xstrdup(nodes[i])
		};
	v->status.node_name = xstrdup("a");
	assert_int_equal(copies_choose(v, "b", reachable, events, &c, &why), 0);
	assert_true(c.diverged[0] && !c.use[0]);
	assert_true(c.use[1] && c.use[2]);
	assert_false(c.diverged[2] || c.use[3]);
	copies_choice_done(&c);
	/* Stripe 1 wholly away: wait, naming it. */
	reachable[2] = false;
	assert_int_equal(copies_choose(v, "b", reachable, events, &c, &why), -EAGAIN);
	assert_non_null(strstr(why.buf, "stripe 1: member 2 on node a, member 3 on node d"));
	strbuf_done(&why);
	volume_free(v);
}

/*
 * The only current copy is gone for good: staging waits, and says how to
 * accept the loss; with the annotation at this epoch it starts from the
 * freshest copy within reach (and never with an annotation of another epoch).
 */
static void test_accept_data_loss(void **state)
{
	struct volume *v = volume_two("a");
	bool reachable[] = { false, true };
	struct copies_choice c;
	struct strbuf why = STRBUF_INIT;

	/* Both recorded by a's array at the previous epoch: the claim moved to b since. */
	v->status.members[0].last_epoch = v->status.members[1].last_epoch = EPOCH - 1;
	v->status.members[1].state = MEMBER_STATE_FAULTY; /* dropped; a's copy alone current */
	assert_int_equal(copies_choose(v, "b", reachable, events, &c, &why), -EAGAIN);
	assert_non_null(strstr(why.buf, "kubectl annotate msvol " VOL
					" csi.meshstor.io/accept-data-loss=7"));
	v->accept_data_loss_epoch = EPOCH - 1;
	assert_int_equal(copies_choose(v, "b", reachable, events, &c, &why), -EAGAIN);
	v->accept_data_loss_epoch = EPOCH;
	assert_int_equal(copies_choose(v, "b", reachable, events, &c, &why), 0);
	assert_true(c.data_loss_accepted);
	assert_true(c.use[1] && !c.use[0]);
	copies_choice_done(&c);
	/* Spent once a consumer had an array at this epoch (the accepted copy is Synced). */
	v->status.members[1].state = MEMBER_STATE_SYNCED;
	v->status.members[1].last_epoch = EPOCH;
	reachable[0] = false;
	reachable[1] = false;
	assert_int_equal(copies_choose(v, "b", reachable, events, &c, &why), -EAGAIN);
	v->status.members[1].state = MEMBER_STATE_FAULTY;
	reachable[1] = true;
	/* RAID10 is never accepted (stripes of different events never assemble). */
	v->spec.drives_per_copy = 2;
	assert_int_equal(copies_choose(v, "b", reachable, events, &c, &why), -EAGAIN);
	v->spec.drives_per_copy = 1;
	/* Nothing within reach: nothing to accept. */
	reachable[1] = false;
	assert_int_equal(copies_choose(v, "b", reachable, events, &c, &why), -EAGAIN);
	strbuf_done(&why);
	volume_free(v);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_raid10),
		cmocka_unit_test(test_accept_data_loss),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
