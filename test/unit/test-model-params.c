// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "model/params.h"
#include "util/macro.h"
#include "util/banned.h"

#define MIB (1024LL * 1024)

static void test_defaults(void **state)
{
	struct volume_params p;

	assert_int_equal(volume_params_parse(NULL, NULL, 0, &p, NULL), 0);
	assert_int_equal(p.number_of_copies, 2);
	assert_int_equal(p.drives_per_copy, 1);
	assert_int_equal(p.member_missing_timeout_sec, 900);
	assert_int_equal(p.sector_size, 0); /* match the drives */
}

static void test_valid(void **state)
{
	const char *keys[] = { "numberOfCopies", "drivesPerCopy", "memberMissingTimeout",
			       "sectorSize", "csi.storage.k8s.io/pvc/name" };
	const char *values[] = { "3", "2", "60", "512", "data-db-0" };
	struct volume_params p;

	assert_int_equal(volume_params_parse(keys, values, ARRAY_SIZE(keys), &p, NULL), 0);
	assert_int_equal(p.number_of_copies, 3);
	assert_int_equal(p.drives_per_copy, 2);
	assert_int_equal(p.member_missing_timeout_sec, 60);
	assert_int_equal(p.sector_size, 512);
	assert_string_equal(p.pvc_name, "data-db-0");
	assert_null(p.pvc_namespace);
	assert_null(p.pv_name);
}

/*
 * --extra-create-metadata: the claim's names are kept for the volume's labels,
 * and nothing the external-provisioner adds is an unknown parameter.
 */
static void test_provisioner_metadata(void **state)
{
	const char *keys[] = { "csi.storage.k8s.io/pvc/name", "csi.storage.k8s.io/pvc/namespace",
			       "csi.storage.k8s.io/pv/name", "csi.storage.k8s.io/fstype",
			       "csi.storage.k8s.io/some-future-key" };
	const char *values[] = { "data-db-0", "shop", "pvc-8f14e45f-ceea-467f-a0e6-52d1a3bde2d8",
				 "xfs", "x" };
	struct volume_params p;

	assert_int_equal(volume_params_parse(keys, values, ARRAY_SIZE(keys), &p, NULL), 0);
	assert_string_equal(p.pvc_name, "data-db-0");
	assert_string_equal(p.pvc_namespace, "shop");
	assert_string_equal(p.pv_name, "pvc-8f14e45f-ceea-467f-a0e6-52d1a3bde2d8");
	assert_int_equal(p.number_of_copies, 2);
}

static void test_invalid(void **state)
{
	static const struct {
		const char *key, *value, *message;
	} cases[] = {
		{ "numberOfCopies", "0", "numberOfCopies=\"0\": expected an integer from 1 to 8" },
		{ "numberOfCopies", "9", "numberOfCopies=\"9\"" },
		{ "numberOfCopies", "two", "numberOfCopies=\"two\"" },
		{ "numberOfCopies", " 2", "numberOfCopies=\" 2\"" },
		{ "numberOfCopies", "", "numberOfCopies=\"\"" },
		{ "drivesPerCopy", "17", "drivesPerCopy=\"17\": expected an integer from 1 to 16" },
		{ "drivesPerCopy", "-1", "drivesPerCopy=\"-1\"" },
		{ "memberMissingTimeout", "59", "memberMissingTimeout=\"59\": expected seconds" },
		{ "memberMissingTimeout", "1e3", "memberMissingTimeout=\"1e3\"" },
		{ "sectorSize", "1024", "sectorSize=\"1024\": expected \"512\" or \"4096\"" },
		{ "sectorSize", "4096x", "sectorSize=\"4096x\"" },
		{ "numberofcopies", "2", "unknown StorageClass parameter \"numberofcopies\"" },
		{ "fsType", "xfs", "unknown StorageClass parameter \"fsType\"" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf err = STRBUF_INIT;
		struct volume_params p = { .number_of_copies = 77 };

		assert_int_equal(volume_params_parse(&cases[i].key, &cases[i].value, 1, &p, &err),
				 -EINVAL);
		if (!strstr(err.buf, cases[i].message))
			fail_msg("case %zu: '%s' lacks '%s'", i, err.buf, cases[i].message);
		/* Nothing is written on failure. */
		assert_int_equal(p.number_of_copies, 77);
		strbuf_done(&err);
	}
}

static void test_capacity(void **state)
{
	static const struct {
		int64_t required, limit, want;
		int r;
	} cases[] = {
		{ 0, 0, 1024 * MIB, 0 },
		{ 512 * MIB, 0, 512 * MIB, 0 },
		{ 512 * MIB + 1, 0, 513 * MIB, 0 },
		{ 10LL << 30, 10LL << 30, 10LL << 30, 0 },
		{ 0, 600 * MIB, 1024 * MIB, -ERANGE },		/* default exceeds limit */
		{ 600 * MIB + 1, 600 * MIB + 100, 0, -ERANGE }, /* rounding passes limit */
		{ 100 * MIB, 0, 0, -ERANGE },
		{ 1, 0, 0, -ERANGE },
		{ 2048 * MIB, 1024 * MIB, 0, -EINVAL },
		{ -1, 0, 0, -EINVAL },
		{ 0, -5, 0, -EINVAL },
		{ INT64_MAX, 0, 0, -ERANGE },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf err = STRBUF_INIT;
		int64_t got = -1;
		int r = volume_capacity_from_range(cases[i].required, cases[i].limit, &got, &err);

		if (r != cases[i].r)
			fail_msg("case %zu: got %d, want %d (%s)", i, r, cases[i].r, err.buf);
		if (r == 0)
			assert_int_equal(got, cases[i].want);
		else
			assert_true(err.len > 0 && got == -1);
		strbuf_done(&err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_provisioner_metadata),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_capacity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
