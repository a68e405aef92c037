// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "controller/replace.h"
#include "model/names.h"
#include "util/macro.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define GIB (1024LL * 1024 * 1024)

/* Two copies, on a and b; member 1 (on b) may be missing since `since`. */
static struct volume *two_copies(int64_t since, int32_t drives_per_copy)
{
	struct volume *v = volume_new();

	v->meta.name = xstrdup("pvc-0123456789abcdef01234567");
	v->spec.request_name = xstrdup("pvc-test");
	v->spec.capacity_bytes = GIB;
	v->spec.fs_type = xstrdup("xfs");
	v->spec.number_of_copies = 2;
	v->spec.drives_per_copy = drives_per_copy;
	v->spec.member_missing_timeout_sec = 60;
	v->spec.sector_size = 4096;
	v->spec.epoch = 7;
	v->spec.n_members = 2;
	v->spec.members = xcalloc(2, sizeof(*v->spec.members));
	for (int i = 0; i < 2; i++) {
		struct volume_member *m = &v->spec.members[i];

		m->index = i;
		m->copy = i;
		m->node_name = xstrdup(i ? "b" : "a");
		m->drive = xstrdup(i ? "b-1" : "a-1");
		m->partition_uuid = xmalloc(UUID_STRING_LEN + 1);
		partition_uuid_for_member(v->meta.name, (unsigned)i, m->partition_uuid);
		m->size_bytes = GIB;
	}
	if (since) {
		v->status.n_members = 1;
		v->status.members = xcalloc(1, sizeof(*v->status.members));
		v->status.members[0] = (struct member_status){ .index = 1,
							       .state = MEMBER_STATE_MISSING,
							       .missing_since = since };
	}
	return v;
}

/* Two copies of two stripes: copy 0 on a, copy 1 on b; member 3 (copy 1, stripe 1) missing. */
static struct volume *striped(int64_t since)
{
	struct volume *v = two_copies(0, 2);

	for (size_t i = 0; i < v->spec.n_members; i++) {
		free(v->spec.members[i].node_name);
		free(v->spec.members[i].drive);
		free(v->spec.members[i].partition_uuid);
	}
	free(v->spec.members);
	v->spec.n_members = 4;
	v->spec.members = xcalloc(4, sizeof(*v->spec.members));
	for (int i = 0; i < 4; i++) {
		struct volume_member *m = &v->spec.members[i];

		m->index = i;
		m->copy = i / 2;
		m->stripe = i % 2;
		m->node_name = xstrdup(m->copy ? "b" : "a");
		m->drive = xstrdup(m->copy ? (m->stripe ? "b-2" : "b-1")
					   : (m->stripe ? "a-2" : "a-1"));
		m->partition_uuid = xmalloc(UUID_STRING_LEN + 1);
		partition_uuid_for_member(v->meta.name, (unsigned)i, m->partition_uuid);
		m->size_bytes = GIB / 2 + (16LL << 20);
	}
	v->status.n_members = 1;
	v->status.members = xcalloc(1, sizeof(*v->status.members));
	v->status.members[0] = (struct member_status){ .index = 3,
						       .state = MEMBER_STATE_MISSING,
						       .missing_since = since };
	return v;
}

static void test_due(void **state)
{
	static const struct {
		int64_t since, now;
		int want;
	} cases[] = {
		{ 0, 1000, -1 },    /* nothing missing */
		{ 1000, 1059, -1 }, /* 59 s of a 60 s timeout */
		{ 1000, 1060, 1 },
		{ 1000, 99999, 1 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct volume *v = two_copies(cases[i].since, 1);

		assert_int_equal(replace_due(v, cases[i].now), cases[i].want);
		volume_free(v);
	}
}

static struct placement_drive drives[] = {
	{ "a-1", 4096, 10 * GIB },
	{ "b-1", 4096, 10 * GIB },
	{ "c-1", 4096, 10 * GIB },
	{ "d-1", 4096, 512 << 20 },
};

static struct placement_node nodes[] = {
	{ .name = "a", .fresh = true, .drives = &drives[0], .n_drives = 1 },
	{ .name = "b", .fresh = true, .drives = &drives[1], .n_drives = 1 },
	{ .name = "c", .fresh = true, .drives = &drives[2], .n_drives = 1 },
	{ .name = "d", .fresh = true, .drives = &drives[3], .n_drives = 1 },
};

static void test_replace(void **state)
{
	struct topology t = { .nodes = nodes, .n_nodes = ARRAY_SIZE(nodes) };
	struct volume *v = two_copies(1000, 1);
	struct strbuf err = STRBUF_INIT;
	char old_uuid[UUID_STRING_LEN + 1];

	memcpy(old_uuid, v->spec.members[1].partition_uuid, sizeof(old_uuid));
	assert_int_equal(replace_member(v, 1, &t, &err), 0);
	/* Not a (the other copy), not b (leaving), not d (too small): c. */
	assert_string_equal(v->spec.members[1].node_name, "c");
	assert_string_equal(v->spec.members[1].drive, "c-1");
	assert_int_equal(v->spec.members[1].index, 2);
	assert_int_equal(v->spec.members[1].copy, 1);
	assert_string_not_equal(v->spec.members[1].partition_uuid, old_uuid);
	assert_int_equal(v->spec.epoch, 8);
	if (volume_validate(v, &err) < 0)
		fail_msg("replaced layout invalid: %s", err.buf);
	volume_free(v);

	/* Without c there is nowhere to go: nothing changes. */
	t.n_nodes = 2;
	v = two_copies(1000, 1);
	assert_int_equal(replace_member(v, 1, &t, &err), -ENOSPC);
	assert_string_equal(v->spec.members[1].node_name, "b");
	assert_int_equal(v->spec.epoch, 7);
	volume_free(v);

	/* A stripe of a striped copy moves to a node holding no other copy's member. */
	t.n_nodes = 3;
	v = striped(1000);
	assert_int_equal(replace_member(v, 3, &t, &err), 0);
	assert_string_equal(v->spec.members[3].node_name, "c");
	assert_int_equal(v->spec.members[3].copy, 1);
	assert_int_equal(v->spec.members[3].stripe, 1);
	if (volume_validate(v, &err) < 0)
		fail_msg("replaced striped layout invalid: %s", err.buf);
	volume_free(v);
	strbuf_done(&err);
}

/*
 * A replacement has the volume's recorded sector size, whatever has more room:
 * MD would refuse a member of another logical block size, or the filesystem
 * would meet a device with larger sectors than it was made for.
 */
static void test_replace_keeps_sector_size(void **state)
{
	static struct placement_drive mixed[] = {
		{ "a-1", 512, 10 * GIB }, { "b-1", 512, 10 * GIB },  { "c-1", 4096, 90 * GIB },
		{ "c-2", 512, 2 * GIB },  { "e-1", 4096, 90 * GIB },
	};
	struct placement_node n[] = {
		{ .name = "a", .fresh = true, .drives = &mixed[0], .n_drives = 1 },
		{ .name = "b", .fresh = true, .drives = &mixed[1], .n_drives = 1 },
		{ .name = "e", .fresh = true, .drives = &mixed[4], .n_drives = 1 },
		{ .name = "c", .fresh = true, .drives = &mixed[2], .n_drives = 2 },
	};
	struct topology t = { .nodes = n, .n_nodes = ARRAY_SIZE(n) };
	struct volume *v = two_copies(1000, 1);
	struct strbuf err = STRBUF_INIT;

	v->spec.sector_size = 512;
	assert_int_equal(replace_member(v, 1, &t, &err), 0);
	assert_string_equal(v->spec.members[1].drive, "c-2");
	volume_free(v);

	/* Only larger-sector room left: none. */
	t.n_nodes = 3;
	v = two_copies(1000, 1);
	v->spec.sector_size = 512;
	assert_int_equal(replace_member(v, 1, &t, &err), -ENOSPC);
	assert_string_equal(v->spec.members[1].node_name, "b");
	volume_free(v);

	/* Never "match the drives" for a volume that exists. */
	v = two_copies(1000, 1);
	v->spec.sector_size = 0;
	assert_int_equal(replace_member(v, 1, &t, &err), -EINVAL);
	assert_string_equal(v->spec.members[1].node_name, "b");
	volume_free(v);
	strbuf_done(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_due),
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_replace_keeps_sector_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
