// SPDX-License-Identifier: GPL-2.0-only
/*
 * What ControllerExpandVolume writes (controller/expand.c, pure): a table of
 * requests against a volume, and the spec after.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "controller/expand.h"
#include "util/macro.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define MIB (1024LL * 1024)
#define GIB (1024 * MIB)
#define VOL "pvc-0123456789abcdef01234567"

/* copies x drives_per_copy members of a volume of capacity bytes; each member's size as placed. */
static struct volume *volume_of(int64_t capacity, int32_t copies, int32_t drives_per_copy)
{
	struct volume *v = volume_new();

	v->meta.name = xstrdup(VOL);
	v->spec.capacity_bytes = capacity;
	v->spec.number_of_copies = copies;
	v->spec.drives_per_copy = drives_per_copy;
	v->spec.n_members = (size_t)(copies * drives_per_copy);
	v->spec.members = xcalloc(v->spec.n_members, sizeof(*v->spec.members));
	for (size_t i = 0; i < v->spec.n_members; i++)
		v->spec.members[i] = (struct volume_member){
			.index = (int32_t)i,
			.copy = (int32_t)i % copies,
			.stripe = (int32_t)i / copies,
			.size_bytes = volume_member_bytes(capacity, drives_per_copy),
		};
	return v;
}

static void test_table(void **state)
{
	static const struct {
		const char *name;
		int64_t capacity;
		int32_t copies, drives_per_copy;
		int64_t request;
		int want;
		int64_t want_capacity;
		int64_t want_member; /* every member's sizeBytes after */
		const char *err;     /* a part of the reason, for -EINVAL */
	} rows[] = {
		{ "grow", GIB, 2, 1, 2 * GIB, 1, 2 * GIB, 2 * GIB + 16 * MIB, NULL },
		{ "grow one copy", GIB, 1, 1, 3 * GIB, 1, 3 * GIB, 3 * GIB + 16 * MIB, NULL },
		{ "grow three copies by a MiB", GIB, 3, 1, GIB + MIB, 1, GIB + MIB,
		  GIB + MIB + 16 * MIB, NULL },
		/* The capacity is what was asked; the members round up to whole MiB. */
		{ "grow to an odd size", GIB, 2, 1, GIB + 1, 1, GIB + 1, GIB + MIB + 16 * MIB,
		  NULL },
		{ "as large already", GIB, 2, 1, GIB, 0, GIB, GIB + 16 * MIB, NULL },
		{ "never shrinks", 2 * GIB, 2, 1, GIB, 0, 2 * GIB, 2 * GIB + 16 * MIB, NULL },
		{ "striped", GIB, 2, 2, 2 * GIB, -EINVAL, GIB, GIB / 2 + 16 * MIB,
		  "drivesPerCopy=2" },
		/* A request a striped volume meets already needs no growing: no refusal. */
		{ "striped, as large already", GIB, 2, 2, GIB, 0, GIB, GIB / 2 + 16 * MIB, NULL },
	};

	for (size_t r = 0; r < ARRAY_SIZE(rows); r++) {
		struct volume *v =
			volume_of(rows[r].capacity, rows[r].copies, rows[r].drives_per_copy);
		struct strbuf err = STRBUF_INIT;
		int got = expand_volume(v, rows[r].request, &err);

		if (got != rows[r].want)
			fail_msg("%s: got %d, want %d (%s)", rows[r].name, got, rows[r].want,
				 err.buf);
		if (v->spec.capacity_bytes != rows[r].want_capacity)
			fail_msg("%s: capacity %lld, want %lld", rows[r].name,
				 (long long)v->spec.capacity_bytes,
				 (long long)rows[r].want_capacity);
		for (size_t i = 0; i < v->spec.n_members; i++)
			if (v->spec.members[i].size_bytes != rows[r].want_member)
				fail_msg("%s: member %zu has %lld bytes, want %lld", rows[r].name,
					 i, (long long)v->spec.members[i].size_bytes,
					 (long long)rows[r].want_member);
		if (rows[r].err ? !strstr(err.buf, rows[r].err) || !strstr(err.buf, VOL)
				: err.len != 0)
			fail_msg("%s: reason '%s', want one naming '%s'", rows[r].name, err.buf,
				 rows[r].err ? rows[r].err : "nothing");
		/* What it decided holds: asked again, there is nothing more to do. */
		if (got == 1 && expand_volume(v, rows[r].request, &err) != 0)
			fail_msg("%s: grew twice", rows[r].name);
		strbuf_done(&err);
		volume_free(v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
