// SPDX-License-Identifier: GPL-2.0-only
/*
 * A remote leg and its hold (import.h, dm.h): the hold's status read, and
 * which device MD knows the leg by, which one mdadm may be handed, and
 * whether the leg answers, for each state a hold can be in.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include <cmocka.h>

#include "node/dm.h"
#include "node/import.h"
#include "node/legs.h"

static void test_table(void **state)
{
	char buf[128];

	(void)state;
	dm_hold_table(makedev(259, 3), buf, sizeof(buf));
	assert_string_equal(buf, "3 queue_if_no_path queue_mode bio 0 1 1 service-time 0 1 1 "
				 "259:3 1");
}

static void test_status(void **state)
{
	dev_t path = 0;
	bool failed = true;

	(void)state;
	/* multipath_status(), STATUSTYPE_INFO, one group of one path (service-time). */
	assert_int_equal(dm_hold_parse_status("2 0 0 0 1 1 A 0 1 2 259:3 A 0 0 1", &path, &failed),
			 0);
	assert_int_equal(major(path), 259);
	assert_int_equal(minor(path), 3);
	assert_false(failed);
	assert_int_equal(dm_hold_parse_status("2 1 0 0 1 1 E 0 1 2 259:12 F 1 0 1", &path, &failed),
			 0);
	assert_int_equal(minor(path), 12);
	assert_true(failed);
	assert_int_equal(dm_hold_parse_status("2 0 0 0 0 0", &path, &failed), -EINVAL);
	assert_int_equal(dm_hold_parse_status("2 0 0 0 1 1 A 0 1 2 259:3", &path, &failed),
			 -EINVAL);
	assert_int_equal(dm_hold_parse_status("", &path, &failed), -EINVAL);
}

/* nvme2n1 (259:2) imported live, with its hold dm-4 over it, path active. */
static struct nvmf_subsystem held(void)
{
	return (struct nvmf_subsystem){
		.nqn = "nqn.x:m1",
		.ctrl_state = "live",
		.block = "/dev/nvme2n1",
		.block_dev = makedev(259, 2),
		.block_sectors = 2048,
		.hold = { .name = "nqn.x:m1",
			  .device = "/dev/dm-4",
			  .path = makedev(259, 2),
			  .sectors = 2048,
			  .open_count = 1 },
	};
}

static void test_states(void **state)
{
	struct nvmf_subsystem s = held();

	(void)state;
	assert_string_equal(import_leg(&s), "/dev/dm-4");
	assert_string_equal(import_usable(&s), "/dev/dm-4");
	assert_true(import_answers(&s));
	assert_true(import_is(&s, "dm-4"));
	assert_true(import_is(&s, "nvme2n1"));
	assert_false(import_is(&s, "dm-40"));
	assert_false(import_is(&s, NULL));

	/* dm failed the path: held, not answering, but still MD's leg. */
	s.hold.path_failed = true;
	assert_false(import_answers(&s));
	assert_string_equal(import_usable(&s), "/dev/dm-4");

	/* The controller reconnects: the head disk queues; not answering. */
	s = held();
	s.ctrl_state = "connecting";
	assert_false(import_answers(&s));

	/* Refused: the kernel deleted the controller and the namespace; the hold stays. */
	s = held();
	s.ctrl_state = NULL;
	s.block = NULL;
	s.block_dev = 0;
	assert_string_equal(import_leg(&s), "/dev/dm-4");
	assert_null(import_usable(&s));
	assert_false(import_answers(&s));

	/* Connected again, to a new namespace: the hold over the old one is never used. */
	s = held();
	s.block = "/dev/nvme5n1";
	s.block_dev = makedev(259, 5);
	assert_null(import_usable(&s));
	assert_false(import_answers(&s));

	/* No hold yet: MD may know the namespace (an older array); mdadm gets nothing. */
	s = held();
	memset(&s.hold, 0, sizeof(s.hold));
	assert_string_equal(import_leg(&s), "/dev/nvme2n1");
	assert_null(import_usable(&s));
	assert_true(import_answers(&s));
}

static void test_hold_steps(void **state)
{
	struct nvmf_subsystem s = held();

	(void)state;
	assert_int_equal(import_hold_step(&s, true), HOLD_NOTHING);
	s.hold.path_failed = true;
	assert_int_equal(import_hold_step(&s, true), HOLD_REINSTATE);
	/* Reconnecting: the namespace (head disk) stays, so the path comes back at once. */
	s.ctrl_state = "connecting";
	assert_int_equal(import_hold_step(&s, true), HOLD_REINSTATE);

	/* A namespace with no hold: one is made, unless something holds it already. */
	s = held();
	memset(&s.hold, 0, sizeof(s.hold));
	assert_int_equal(import_hold_step(&s, false), HOLD_CREATE);
	s.block_held = true; /* MD, in an array assembled before holds */
	assert_int_equal(import_hold_step(&s, true), HOLD_NOTHING);
	s.block_held = false;
	s.block_sectors = 0;
	assert_int_equal(import_hold_step(&s, false), HOLD_NOTHING);
	s.block = NULL;
	assert_int_equal(import_hold_step(&s, false), HOLD_NOTHING);

	/* Dead (its namespace deleted): left to the leg watch while an array has it... */
	s = held();
	s.ctrl_state = NULL;
	s.block = NULL;
	s.block_dev = 0;
	s.hold.path_failed = true;
	assert_int_equal(import_hold_step(&s, true), HOLD_NOTHING);
	/* ...released when something else waits on it (mdadm reading it)... */
	assert_int_equal(import_hold_step(&s, false), HOLD_RELEASE);
	/* ...removed once nothing has it open; never reinstated. */
	s.hold.open_count = 0;
	assert_int_equal(import_hold_step(&s, false), HOLD_REMOVE);
	/* A new namespace after a reconnect: the dead hold goes first, then a new one. */
	s = held();
	s.block_dev = makedev(259, 7);
	s.hold.open_count = 0;
	assert_int_equal(import_hold_step(&s, false), HOLD_REMOVE);
	/* A table left without a live one (path 0) is dead too. */
	s = held();
	s.hold.path = 0;
	s.hold.open_count = 0;
	assert_int_equal(import_hold_step(&s, false), HOLD_REMOVE);
}

/* A held leg (refused, its hold keeping its I/O) is lost like a reconnecting one. */
static void test_held_leg_is_dropped(void **state)
{
	struct md_member members[] = {
		{ .kname = "nvme0n1p1", .slot = 0, .in_sync = true, .partition = true },
		{ .kname = "dm-4", .slot = 1, .in_sync = true },
	};
	struct md_array arr = {
		.kname = "md127", .level = "raid1", .members = members, .n_members = 2
	};
	struct nvmf_subsystem imp = held();
	bool down = true;
	size_t k = 9;

	(void)state;
	imp.ctrl_state = NULL;
	imp.block = NULL;
	imp.block_dev = 0;
	assert_int_equal(legs_decide(&arr, 2, &imp, &down, 1, &k), LEG_DROP);
	assert_int_equal(k, 0);
	/* The local copy gone too: writes wait for the record or the leg. */
	members[0].faulty = true;
	assert_int_equal(legs_decide(&arr, 2, &imp, &down, 1, &k), LEG_WAIT);
}

/* Every leg of the mirror a dead hold: its writes could only wait for ever. */
static void test_beyond_return(void **state)
{
	struct md_member members[] = {
		{ .kname = "dm-4", .slot = 0, .in_sync = true },
		{ .kname = "dm-5", .slot = 1, .in_sync = true },
	};
	struct md_array arr = {
		.kname = "md127", .level = "raid1", .members = members, .n_members = 2
	};
	struct nvmf_subsystem imp[2] = { held(), held() };

	(void)state;
	imp[1].nqn = imp[1].hold.name = "nqn.x:m2";
	imp[1].hold.device = "/dev/dm-5";
	imp[1].block = "/dev/nvme3n1";
	imp[1].block_dev = imp[1].hold.path = makedev(259, 3);
	/* One dead, the other reconnecting (its namespace there): it may return. */
	imp[0].ctrl_state = NULL;
	imp[0].block = NULL;
	imp[0].block_dev = 0;
	imp[1].ctrl_state = "connecting";
	assert_false(legs_beyond_return(&arr, 2, imp, 2, 0));
	/* Both dead. */
	imp[1].ctrl_state = NULL;
	imp[1].block = NULL;
	imp[1].block_dev = 0;
	assert_true(legs_beyond_return(&arr, 2, imp, 2, 0));
	assert_true(legs_beyond_return(&arr, 2, imp, 2, 1));
	/* A faulty entry does not count; a local leg in the mirror does. */
	members[1].faulty = true;
	assert_true(legs_beyond_return(&arr, 2, imp, 2, 0));
	assert_false(legs_beyond_return(&arr, 2, imp, 2, 1));
	members[1] = (struct md_member){
		.kname = "nvme0n1p1", .slot = 1, .in_sync = true, .partition = true
	};
	assert_false(legs_beyond_return(&arr, 2, imp, 2, 0));
}

/*
 * RAID10, near 2 (md/layout 0x102): slots 0-1 mirror one stripe, 2-3 the
 * other. A stripe whose legs are all dead holds is beyond return, whatever
 * the other stripe's legs do; a leg of the other stripe is not.
 */
static void test_beyond_return_raid10(void **state)
{
	struct md_member members[] = {
		{ .kname = "dm-4", .slot = 0, .in_sync = true },
		{ .kname = "dm-5", .slot = 1, .in_sync = true },
		{ .kname = "nvme0n1p1", .slot = 2, .in_sync = true, .partition = true },
		{ .kname = "dm-6", .slot = 3, .in_sync = true },
	};
	struct md_array arr = { .kname = "md127",
				.level = "raid10",
				.layout = 0x102,
				.members = members,
				.n_members = 4 };
	struct nvmf_subsystem imp[3] = { held(), held(), held() };
	char *nqn[] = { "nqn.x:m1", "nqn.x:m2", "nqn.x:m4" };
	char *dev[] = { "/dev/dm-4", "/dev/dm-5", "/dev/dm-6" };

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		imp[i].nqn = imp[i].hold.name = nqn[i];
		imp[i].hold.device = dev[i];
		imp[i].ctrl_state = NULL;
		imp[i].block = NULL;
		imp[i].block_dev = 0;
	}
	assert_true(legs_beyond_return(&arr, 2, imp, 3, 0));
	assert_true(legs_beyond_return(&arr, 2, imp, 3, 1));
	/* dm-6 is dead too, but its stripe has a local leg. */
	assert_false(legs_beyond_return(&arr, 2, imp, 3, 2));
	/* The kernel's layout decides, not the spec's copies: the same with 3 there. */
	assert_true(legs_beyond_return(&arr, 3, imp, 3, 0));
	/* One leg of the first stripe back (its namespace under its hold): it may answer. */
	imp[1].ctrl_state = "live";
	imp[1].block = "/dev/nvme3n1";
	imp[1].block_dev = imp[1].hold.path = makedev(259, 3);
	assert_false(legs_beyond_return(&arr, 2, imp, 3, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_hold_steps),
		cmocka_unit_test(test_held_leg_is_dropped),
		cmocka_unit_test(test_beyond_return),
		cmocka_unit_test(test_beyond_return_raid10),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
