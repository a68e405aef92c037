// SPDX-License-Identifier: GPL-2.0-only
/*
 * legs_decide(): which lost leg of an array the consumer may drop, and when
 * it must let writes wait instead (the array would break).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "node/legs.h"

/* md127 over a local partition and two imports, all in sync unless a row says. */
/* clang-format off */
static struct md_member members[] = {
	{ .kname = "nvme0n1p1", .slot = 0, .in_sync = true, .partition = true },
	{ .kname = "nvme2n1", .slot = 1, .in_sync = true },
	{ .kname = "nvme3n1", .slot = 2, .in_sync = true },
};
/* clang-format on */
/* clang-format off */
static struct nvmf_subsystem imports[] = {
	{ .nqn = "nqn.x:m1", .ctrl_state = "live", .block = "/dev/nvme2n1" },
	{ .nqn = "nqn.x:m2", .ctrl_state = "live", .block = "/dev/nvme3n1" },
};
/* clang-format on */

struct row {
	const char *name;
	size_t first; /* members[first..2] form the array */
	bool down[2]; /* not live for the grace period */
	bool lost[2]; /* not live, but not yet for the grace period */
	bool in_sync[3], faulty[3];
	bool broken;
	enum leg_verdict want;
	size_t drop; /* the import, when LEG_DROP */
};

/* clang-format off */
static const struct row rows[] = {
	{ "all well", 0, { false, false }, { 0 }, { true, true, true }, { 0 }, false, LEG_ALL_WELL, 0 },
	{ "one remote lost, local answers", 0, { true, false }, { 0 }, { true, true, true }, { 0 }, false,
	  LEG_DROP, 0 },
	{ "both remotes lost, local answers", 0, { true, true }, { 0 }, { true, true, true }, { 0 },
	  false, LEG_DROP, 0 },
	/* The lab's observation: a consumer holding no copy loses both legs at once. */
	{ "every leg lost: wait, never break", 1, { true, true }, { 0 }, { true, true, true }, { 0 }, false,
	  LEG_WAIT, 0 },
	{ "one of two remote legs lost", 1, { false, true }, { 0 }, { true, true, true }, { 0 }, false,
	  LEG_DROP, 1 },
	/* A leg being rebuilt holds up writes too, but is no current copy. */
	{ "the in-sync leg lost, a rebuilding one answers", 1, { true, false }, { 0 },
	  { true, true, false }, { 0 }, false, LEG_WAIT, 0 },
	{ "a rebuilding leg lost is dropped first", 0, { true, true }, { 0 }, { true, true, false },
	  { 0 }, false, LEG_DROP, 1 },
	{ "already faulty in MD: nothing to drop", 1, { true, false }, { 0 }, { true, true, true },
	  { false, true, false }, false, LEG_ALL_WELL, 0 },
	{ "a broken array: nothing to decide", 1, { true, true }, { 0 }, { true, true, true }, { 0 }, true,
	  LEG_ALL_WELL, 0 },
	/*
	 * The lab, under load: both legs cut at once, one controller noticing
	 * 250 ms after the other. A leg lost for less than the grace answers
	 * no more than one lost for longer: dropping the first would leave
	 * only the second, and break the array when it goes too.
	 */
	{ "the other leg lost, within the grace: wait", 1, { false, true }, { true, false },
	  { true, true, true }, { 0 }, false, LEG_WAIT, 0 },
	{ "a local leg answers while both remotes are lost", 0, { true, false }, { false, true },
	  { true, true, true }, { 0 }, false, LEG_DROP, 0 },
};
/* clang-format on */

static void test_table(void **state)
{
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		const struct row *row = &rows[r];
		struct md_array arr = { .kname = "md127",
					.members = members + row->first,
					.n_members = 3 - row->first,
					.broken = row->broken };
		size_t drop = 99;
		enum leg_verdict got;

		for (size_t i = 0; i < 3; i++) {
			members[i].in_sync = row->in_sync[i];
			members[i].faulty = row->faulty[i];
		}
		for (size_t i = 0; i < 2; i++)
			imports[i].ctrl_state =
				row->down[i] || row->lost[i] ? "connecting" : "live";
		got = legs_decide(&arr, 2, imports, row->down, 2, &drop);
		if (got != row->want)
			fail_msg("%s: verdict %d, want %d", row->name, got, row->want);
		if (got == LEG_DROP && drop != row->drop)
			fail_msg("%s: drops import %zu, want %zu", row->name, drop, row->drop);
	}
}

/*
 * RAID10 (2 copies x 2 stripes, near layout: slots 0-1 mirror stripe 0, 2-3
 * stripe 1): both legs of stripe 0 lost while stripe 1 answers. Counting over
 * the whole array would drop them one after the other and break it.
 */
static void test_raid10(void **state)
{
	/* clang-format off */
	struct md_member m10[] = {
		{ .kname = "nvme2n1", .slot = 0, .in_sync = true },
		{ .kname = "nvme3n1", .slot = 1, .in_sync = true },
		{ .kname = "nvme0n1p1", .slot = 2, .in_sync = true, .partition = true },
		{ .kname = "nvme4n1", .slot = 3, .in_sync = true },
	};
	/* clang-format on */
	/* clang-format off */
	struct nvmf_subsystem imp[] = {
		{ .nqn = "nqn.x:m0", .ctrl_state = "connecting", .block = "/dev/nvme2n1" },
		{ .nqn = "nqn.x:m1", .ctrl_state = "connecting", .block = "/dev/nvme3n1" },
		{ .nqn = "nqn.x:m3", .ctrl_state = "live", .block = "/dev/nvme4n1" },
	};
	/* clang-format on */
	struct md_array arr = {
		.kname = "md127", .level = "raid10", .members = m10, .n_members = 4
	};
	bool down[] = { true, true, false };
	size_t drop = 99;

	assert_int_equal(legs_decide(&arr, 2, imp, down, 3, &drop), LEG_WAIT);
	/* One leg of stripe 0 back: the other may go. */
	down[0] = false;
	imp[0].ctrl_state = "live";
	assert_int_equal(legs_decide(&arr, 2, imp, down, 3, &drop), LEG_DROP);
	assert_int_equal(drop, 1);
	/* A lost leg of stripe 1 goes while stripe 0 waits. */
	down[0] = true;
	imp[0].ctrl_state = "connecting";
	down[2] = true;
	imp[2].ctrl_state = "connecting";
	assert_int_equal(legs_decide(&arr, 2, imp, down, 3, &drop), LEG_DROP);
	assert_int_equal(drop, 2);
	/*
	 * The kernel's layout (n2: 0x102) rules over the spec's count, which a
	 * hand edit may change: taken as 4 copies, stripe 0's legs would look
	 * answered by stripe 1's, and stripe 0 would lose its last leg.
	 */
	arr.layout = 0x102;
	down[2] = false;
	imp[2].ctrl_state = "live";
	assert_int_equal(legs_decide(&arr, 4, imp, down, 3, &drop), LEG_WAIT);
}

/*
 * A dropped leg's controller takes seconds to delete while it reconnects; its
 * namespace is gone from the imports before MD fails it. That member is no
 * local partition, and answers for nothing: the last leg waits.
 */
static void test_vanished_import(void **state)
{
	/* clang-format off */
	struct md_member m[] = {
		{ .kname = "nvme2n1", .slot = 0, .in_sync = true },
		{ .kname = "nvme3n1", .slot = 1, .in_sync = true },
	};
	/* clang-format on */
	struct nvmf_subsystem imp[] = {
		{ .nqn = "nqn.x:m0", .ctrl_state = "connecting", .block = "/dev/nvme2n1" },
	};
	struct md_array arr = { .kname = "md127", .level = "raid1", .members = m, .n_members = 2 };
	bool down[] = { true };
	size_t drop = 99;

	assert_int_equal(legs_decide(&arr, 2, imp, down, 1, &drop), LEG_WAIT);
	/* A local partition without an import does answer. */
	m[1].partition = true;
	assert_int_equal(legs_decide(&arr, 2, imp, down, 1, &drop), LEG_DROP);
	assert_int_equal(drop, 0);
}

/*
 * A local leg MD failed is known by its partition as the latest table read
 * saw it: one of the volume's members placed on this node, by uuid and name
 * both; never another volume's, another node's member's, or a partition the
 * tables did not show.
 */
static void test_local_member(void **state)
{
	/* clang-format off */
	struct volume_member vm[] = {
		{ .index = 0, .node_name = "node1", .partition_uuid = "u0" },
		{ .index = 1, .node_name = "node2", .partition_uuid = "u1" },
		{ .index = 3, .node_name = "node1", .partition_uuid = "u3" },
	};
	/* clang-format on */
	struct volume v = { .meta = { .name = "pvc-a" },
			    .spec = { .members = vm, .n_members = 3 } };
	/* clang-format off */
	struct local_part parts[] = {
		{ .kname = "nvme0n1p1", .uuid = "u0", .name = "ms:pvc-a:m0" },
		{ .kname = "nvme1n1p2", .uuid = "u3", .name = "ms:pvc-a:m3" },
		{ .kname = "nvme0n1p3", .uuid = "u1", .name = "ms:pvc-a:m1" },	/* node2's member */
		{ .kname = "nvme0n1p4", .uuid = "u9", .name = "ms:pvc-b:m0" },	/* another volume */
		{ .kname = "nvme1n1p5", .uuid = "u0", .name = "ms:pvc-a:m3" },	/* uuid and name disagree */
	};
	/* clang-format on */
	int32_t index = -1;

	assert_true(legs_local_member("nvme1n1p2", parts, 5, &v, "node1", &index));
	assert_int_equal(index, 3);
	assert_true(legs_local_member("nvme0n1p1", parts, 5, &v, "node1", &index));
	assert_int_equal(index, 0);
	assert_false(legs_local_member("nvme0n1p3", parts, 5, &v, "node1", &index));
	assert_false(legs_local_member("nvme0n1p4", parts, 5, &v, "node1", &index));
	assert_false(legs_local_member("nvme1n1p5", parts, 5, &v, "node1", &index));
	/* Not in the tables read (a namespace, or a partition made since): not known. */
	assert_false(legs_local_member("nvme2n1", parts, 5, &v, "node1", &index));
	assert_false(legs_local_member("nvme0n1p1", parts, 0, &v, "node1", &index));
	/* On node2 its member 1 is known by the same table row. */
	assert_true(legs_local_member("nvme0n1p3", parts, 5, &v, "node2", &index));
	assert_int_equal(index, 1);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_raid10),
		cmocka_unit_test(test_vanished_import),
		cmocka_unit_test(test_local_member),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
