// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "model/volume.h"
#include "util/macro.h"
#include "util/strbuf.h"
#include "test-model-fixtures.h"
#include "util/banned.h"

static void test_phase_strings(void **state)
{
	static const char *const names[] = { "Requested",	   "Creating",	 "Ready",
					     "Degraded",	   "Syncing",	 "Expanding",
					     "Replacing",	   "Deleting",	 "Broken",
					     "FilesystemShutDown", "Unavailable" };

	assert_int_equal(ARRAY_SIZE(names), _VOLUME_PHASE_MAX);
	for (int i = 0; i < _VOLUME_PHASE_MAX; i++) {
		assert_string_equal(volume_phase_to_string(i), names[i]);
		assert_int_equal(volume_phase_from_string(names[i]), i);
	}
	assert_null(volume_phase_to_string(_VOLUME_PHASE_MAX));
	assert_null(volume_phase_to_string(-1));
	assert_int_equal(volume_phase_from_string("ready"), -EINVAL);
	assert_int_equal(volume_phase_from_string(""), -EINVAL);
	assert_int_equal(volume_phase_from_string(NULL), -EINVAL);
}

static void test_member_state_strings(void **state)
{
	static const char *const names[] = { "Requested", "Created", "Exported", "Syncing",
					     "Synced",	  "Spare",   "Faulty",	 "Missing",
					     "Replacing", "Deleting" };

	assert_int_equal(ARRAY_SIZE(names), _MEMBER_STATE_MAX);
	for (int i = 0; i < _MEMBER_STATE_MAX; i++) {
		assert_string_equal(member_state_to_string(i), names[i]);
		assert_int_equal(member_state_from_string(names[i]), i);
	}
	assert_null(member_state_to_string(_MEMBER_STATE_MAX));
	assert_int_equal(member_state_from_string("Synced "), -EINVAL);
	assert_int_equal(member_state_from_string(NULL), -EINVAL);
}

static void test_condition_status_strings(void **state)
{
	static const char *const names[] = { "True", "False", "Unknown" };

	for (int i = 0; i < _CONDITION_STATUS_MAX; i++) {
		assert_string_equal(condition_status_to_string(i), names[i]);
		assert_int_equal(condition_status_from_string(names[i]), i);
	}
	assert_null(condition_status_to_string(_CONDITION_STATUS_MAX));
	assert_int_equal(condition_status_from_string("true"), -EINVAL);
}

static void test_fixture_valid(void **state)
{
	struct volume *v = fixture_volume();
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;

	assert_int_equal(volume_validate(v, &err), 0);
	assert_int_equal(err.len, 0);
	volume_free(v);
	volume_free(NULL);
}

/* One broken field each; the error must name it. */
#define V(name, body)                      \
	static void name(struct volume *v) \
	{                                  \
		body;                      \
	}

V(no_name, fixture_set(&v->meta.name, NULL))
V(bad_name, fixture_set(&v->meta.name, "Pvc_1"))
V(long_name, fixture_set(&v->meta.name, "pvc-0123456789abcdef0123456789ab"))
V(dup_finalizer, fixture_set(&v->meta.finalizers[1], "csi.meshstor.io/protect"))
V(neg_generation, v->meta.generation = -1)
V(empty_request, fixture_set(&v->spec.request_name, ""))
V(small_capacity, v->spec.capacity_bytes = 511LL * 1024 * 1024)
V(unaligned_capacity, v->spec.capacity_bytes += 4096)
V(no_copies, v->spec.number_of_copies = 0)
V(many_copies, v->spec.number_of_copies = 9)
V(many_drives, v->spec.drives_per_copy = 17)
V(short_timeout, v->spec.member_missing_timeout_sec = 59)
V(odd_sector, v->spec.sector_size = 1024)
V(ext4, fixture_set(&v->spec.fs_type, "ext4"))
V(no_fs, fixture_set(&v->spec.fs_type, NULL))
V(neg_epoch, v->spec.epoch = -1)
V(far_future, v->spec.formatted_at = 253402300800LL)
V(count_mismatch, v->spec.n_members = 3)
V(dup_index, v->spec.members[1].index = v->spec.members[0].index)
V(neg_index, v->spec.members[2].index = -1)
V(copy_range, v->spec.members[3].copy = 2)
V(stripe_range, v->spec.members[3].stripe = 2)
V(dup_slot, v->spec.members[1].stripe = 0)
V(shared_node, fixture_set(&v->spec.members[2].node_name, "node-a"))
V(node_missing, fixture_set(&v->spec.members[1].node_name, NULL))
V(bad_drive, fixture_set(&v->spec.members[1].drive, "Node-A"))
V(upper_uuid,
  fixture_set(&v->spec.members[3].partition_uuid, "C6FCAA4A-E471-8197-A4EE-05A909B9060B"))
V(dup_uuid, fixture_set(&v->spec.members[3].partition_uuid, v->spec.members[0].partition_uuid))
V(neg_size, v->spec.members[0].size_bytes = -1)
V(bad_phase, v->status.phase = _VOLUME_PHASE_MAX)
V(bad_consumer, fixture_set(&v->status.node_name, "node a"))
V(long_md_state, fixture_set(&v->status.md_state, "0123456789012345678901234567890123"))
V(neg_active, v->status.active_members = -1)
V(sync_101, v->status.sync_percentage = 101)
V(bad_state, v->status.members[1].state = (enum member_state)42)
V(status_dup_index, v->status.members[1].index = 10)
V(neg_last_epoch, v->status.members[0].last_epoch = -5)
V(cond_dup_type, fixture_set(&v->status.conditions[1].type, "Ready"))
V(cond_reason, fixture_set(&v->status.conditions[0].reason, "not ok"))
V(cond_no_reason, fixture_set(&v->status.conditions[0].reason, NULL))
V(cond_type, fixture_set(&v->status.conditions[0].type, "-Ready"))
V(cond_status, v->status.conditions[1].status = _CONDITION_STATUS_MAX)
V(cond_generation, v->status.conditions[0].observed_generation = -1)

static const struct {
	void (*mutate)(struct volume *v);
	const char *error;
} invalid[] = {
	{ no_name, "metadata.name: missing" },
	{ bad_name, "metadata.name: not a DNS-1123 subdomain" },
	{ long_name, "metadata.name: not a volume id" },
	{ dup_finalizer, "metadata.finalizers[1]: duplicate entry" },
	{ neg_generation, "metadata.generation: must be at least 0, got -1" },
	{ empty_request, "spec.requestName: must be 1-253 characters long" },
	{ small_capacity, "spec.capacityBytes: must be at least 536870912" },
	{ unaligned_capacity, "spec.capacityBytes: not a multiple of 1 MiB" },
	{ no_copies, "spec.numberOfCopies: must be between 1 and 8, got 0" },
	{ many_copies, "spec.numberOfCopies: must be between 1 and 8, got 9" },
	{ many_drives, "spec.drivesPerCopy: must be between 1 and 16, got 17" },
	{ short_timeout, "spec.memberMissingTimeoutSeconds: must be at least 60" },
	{ odd_sector, "spec.sectorSize: must be 512 or 4096" },
	{ ext4, "spec.fsType: must be \"xfs\"" },
	{ no_fs, "spec.fsType: must be \"xfs\"" },
	{ neg_epoch, "spec.epoch: must be at least 0" },
	{ far_future, "spec.formattedAt: time outside the years 0000-9999" },
	{ count_mismatch, "spec.members: must have numberOfCopies x drivesPerCopy entries" },
	{ dup_index, "spec.members[1].index: duplicate index" },
	{ neg_index, "spec.members[2].index: must be at least 0" },
	{ copy_range, "spec.members[3].copy: must be between 0 and 1, got 2" },
	{ stripe_range, "spec.members[3].stripe: must be between 0 and 1, got 2" },
	{ dup_slot, "spec.members[1]: duplicate (copy, stripe)" },
	{ shared_node, "spec.members[2].nodeName: node already holds another copy" },
	{ node_missing, "spec.members[1].nodeName: missing" },
	{ bad_drive, "spec.members[1].drive: not a DNS-1123 subdomain" },
	{ upper_uuid, "spec.members[3].partitionUUID: not a lowercase UUID" },
	{ dup_uuid, "spec.members[3].partitionUUID: duplicate partition UUID" },
	{ neg_size, "spec.members[0].sizeBytes: must be at least 0" },
	{ bad_phase, "status.phase: unknown phase" },
	{ bad_consumer, "status.nodeName: not a DNS-1123 subdomain" },
	{ long_md_state, "status.mdState: must be 1-32 characters long" },
	{ neg_active, "status.activeMembers: must be at least 0, got -1" },
	{ sync_101, "status.syncPercentage: must be between 0 and 100, got 101" },
	{ bad_state, "status.members[1].state: unknown state" },
	{ status_dup_index, "status.members[1].index: duplicate index" },
	{ neg_last_epoch, "status.members[0].lastEpoch: must be at least 0" },
	{ cond_dup_type, "status.conditions[1].type: duplicate type" },
	{ cond_reason, "status.conditions[0].reason: must match" },
	{ cond_no_reason, "status.conditions[0].reason: missing" },
	{ cond_type, "status.conditions[0].type: not a qualified name" },
	{ cond_status, "status.conditions[1].status: not True, False or Unknown" },
	{ cond_generation, "status.conditions[0].observedGeneration: must be at least 0" },
};

static void test_validate_rejects(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(invalid); i++) {
		_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
		struct volume *v = fixture_volume();
		size_t n_members = v->spec.n_members;

		invalid[i].mutate(v);
		print_message("expecting \"%s\"\n", invalid[i].error);
		assert_int_equal(volume_validate(v, &err), -EINVAL);
		print_message("     got \"%s\"\n", err.buf);
		assert_non_null(strstr(err.buf, invalid[i].error));
		assert_int_equal(volume_validate(v, NULL), -EINVAL);
		v->spec.n_members = n_members;
		volume_free(v);
	}
}

static void test_validate_layouts(void **state)
{
	struct volume *v = fixture_volume();

	/* Not placed yet: no members at all is fine. */
	v->spec.n_members = 0;
	assert_int_equal(volume_validate(v, NULL), 0);
	v->spec.n_members = 4;
	/* Both stripes of one copy on one node is fine; a node is only barred from two copies. */
	fixture_set(&v->spec.members[1].node_name, "node-a");
	assert_int_equal(volume_validate(v, NULL), 0);
	/* Without a status (a new object) the volume is valid, phase Requested. */
	volume_free(v);
	v = fixture_volume();
	v->status.n_members = 0;
	v->status.n_conditions = 0;
	assert_int_equal(volume_validate(v, NULL), 0);
	v->status.n_members = 2;
	v->status.n_conditions = 2;
	volume_free(v);
}

static void test_finalizers(void **state)
{
	struct object_meta m = { 0 };

	assert_false(meta_has_finalizer(&m, "a/b"));
	assert_false(meta_remove_finalizer(&m, "a/b"));
	assert_true(meta_add_finalizer(&m, "a/b"));
	assert_false(meta_add_finalizer(&m, "a/b"));
	assert_true(meta_add_finalizer(&m, "c/d"));
	assert_int_equal(strv_length(m.finalizers), 2);
	assert_true(meta_has_finalizer(&m, "c/d"));
	assert_true(meta_remove_finalizer(&m, "a/b"));
	assert_string_equal(m.finalizers[0], "c/d");
	assert_null(m.finalizers[1]);
	assert_true(meta_remove_finalizer(&m, "c/d"));
	assert_null(m.finalizers);
	meta_done(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phase_strings),
		cmocka_unit_test(test_member_state_strings),
		cmocka_unit_test(test_condition_status_strings),
		cmocka_unit_test(test_fixture_valid),
		cmocka_unit_test(test_validate_rejects),
		cmocka_unit_test(test_validate_layouts),
		cmocka_unit_test(test_finalizers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
