// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "csi/status.h"
#include "util/macro.h"
#include "util/banned.h"

/*
 * The table in csi/status.h's comment, row by row: the closed set of codes a
 * CO ever gets from us. CSI clients act on these codes.
 */
static const struct {
	int error;
	grpc_status_code code;
	const char *name;
} rows[] = {
	{ 0, GRPC_STATUS_OK, "OK" },
	{ -EINVAL, GRPC_STATUS_INVALID_ARGUMENT, "INVALID_ARGUMENT" },
	{ -ENOENT, GRPC_STATUS_NOT_FOUND, "NOT_FOUND" },
	{ -EEXIST, GRPC_STATUS_ALREADY_EXISTS, "ALREADY_EXISTS" },
	{ -ERANGE, GRPC_STATUS_OUT_OF_RANGE, "OUT_OF_RANGE" },
	{ -ENOSPC, GRPC_STATUS_RESOURCE_EXHAUSTED, "RESOURCE_EXHAUSTED" },
	{ -EBUSY, GRPC_STATUS_ABORTED, "ABORTED" },
	{ -EPERM, GRPC_STATUS_FAILED_PRECONDITION, "FAILED_PRECONDITION" },
	{ -EAGAIN, GRPC_STATUS_UNAVAILABLE, "UNAVAILABLE" },
	{ -ETIMEDOUT, GRPC_STATUS_DEADLINE_EXCEEDED, "DEADLINE_EXCEEDED" },
	{ -EOPNOTSUPP, GRPC_STATUS_UNIMPLEMENTED, "UNIMPLEMENTED" },
};

static void test_errno_table(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		grpc_status_code code = csi_status_from_errno(rows[i].error);

		print_message("errno %d\n", rows[i].error);
		assert_int_equal(code, rows[i].code);
		assert_string_equal(csi_status_to_string(code), rows[i].name);
	}
}

/* Errors with no CSI meaning of their own are INTERNAL, never OK or UNKNOWN. */
static const int internal_errors[] = {
	-EIO,  -ENOMEM, -ENODEV, -ENXIO, -EFAULT, -EPIPE,  -ENOTDIR,   -E2BIG,
	-4095, 1,	EINVAL,	 EBUSY,	 -ESTALE, -EACCES, -ECANCELED,
};

static void test_unknown_is_internal(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(internal_errors); i++) {
		print_message("errno %d\n", internal_errors[i]);
		assert_int_equal(csi_status_from_errno(internal_errors[i]), GRPC_STATUS_INTERNAL);
	}
	assert_string_equal(csi_status_to_string(csi_status_from_errno(-EIO)), "INTERNAL");
}

static const int none[] = { 0 };
static const int stage_passes[] = { -EPERM, -EEXIST, 0 };

/* A callee's errno, through a method's passes, to what the CO hears. */
static const struct {
	int error;
	const int *passes;
	grpc_status_code code;
} callee_rows[] = {
	{ 0, NULL, GRPC_STATUS_OK },
	/* Passed: what the callee documents for this method. */
	{ -EPERM, stage_passes, GRPC_STATUS_FAILED_PRECONDITION },
	{ -EEXIST, stage_passes, GRPC_STATUS_ALREADY_EXISTS },
	/* A missing tool, device or mount point is no missing volume. */
	{ -ENOENT, stage_passes, GRPC_STATUS_UNAVAILABLE },
	{ -ENOENT, NULL, GRPC_STATUS_UNAVAILABLE },
	{ -ENOENT, none, GRPC_STATUS_UNAVAILABLE },
	/* A 400 or 422 on our own write (EINVAL), a 403 to our own account (EACCES). */
	{ -EINVAL, stage_passes, GRPC_STATUS_INTERNAL },
	{ -EACCES, NULL, GRPC_STATUS_INTERNAL },
	{ -EPROTO, NULL, GRPC_STATUS_INTERNAL },
	{ -EBADMSG, NULL, GRPC_STATUS_INTERNAL },
	{ -ERANGE, NULL, GRPC_STATUS_INTERNAL },
	{ -E2BIG, NULL, GRPC_STATUS_INTERNAL },
	/* The world is not ready: retry. */
	{ -EAGAIN, NULL, GRPC_STATUS_UNAVAILABLE },
	{ -ETIMEDOUT, NULL, GRPC_STATUS_UNAVAILABLE },
	{ -ESTALE, NULL, GRPC_STATUS_UNAVAILABLE },
	{ -EBUSY, NULL, GRPC_STATUS_UNAVAILABLE },
	{ -EPERM, NULL, GRPC_STATUS_UNAVAILABLE },
	{ -EEXIST, none, GRPC_STATUS_UNAVAILABLE },
	{ -ENOSPC, NULL, GRPC_STATUS_UNAVAILABLE },
	{ -EIO, NULL, GRPC_STATUS_UNAVAILABLE },
	{ -ENODEV, NULL, GRPC_STATUS_UNAVAILABLE },
	{ -EOPNOTSUPP, NULL, GRPC_STATUS_UNAVAILABLE },
	{ -ECONNREFUSED, NULL, GRPC_STATUS_UNAVAILABLE },
	{ -4095, NULL, GRPC_STATUS_UNAVAILABLE },
};

static void test_callee_errors(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(callee_rows); i++) {
		int r = csi_errno_from_callee(callee_rows[i].error, callee_rows[i].passes);

		print_message("callee errno %d\n", callee_rows[i].error);
		assert_string_equal(csi_status_to_string(csi_status_from_errno(r)),
				    csi_status_to_string(callee_rows[i].code));
		/* What is passed is passed as it is. */
		if (callee_rows[i].code != GRPC_STATUS_UNAVAILABLE &&
		    callee_rows[i].code != GRPC_STATUS_INTERNAL)
			assert_int_equal(r, callee_rows[i].error);
	}
}

static const struct {
	grpc_status_code code;
	const char *name;
} names[] = {
	{ GRPC_STATUS_OK, "OK" },
	{ GRPC_STATUS_CANCELLED, "CANCELLED" },
	{ GRPC_STATUS_UNKNOWN, "UNKNOWN" },
	{ GRPC_STATUS_INVALID_ARGUMENT, "INVALID_ARGUMENT" },
	{ GRPC_STATUS_DEADLINE_EXCEEDED, "DEADLINE_EXCEEDED" },
	{ GRPC_STATUS_NOT_FOUND, "NOT_FOUND" },
	{ GRPC_STATUS_ALREADY_EXISTS, "ALREADY_EXISTS" },
	{ GRPC_STATUS_PERMISSION_DENIED, "PERMISSION_DENIED" },
	{ GRPC_STATUS_RESOURCE_EXHAUSTED, "RESOURCE_EXHAUSTED" },
	{ GRPC_STATUS_FAILED_PRECONDITION, "FAILED_PRECONDITION" },
	{ GRPC_STATUS_ABORTED, "ABORTED" },
	{ GRPC_STATUS_OUT_OF_RANGE, "OUT_OF_RANGE" },
	{ GRPC_STATUS_UNIMPLEMENTED, "UNIMPLEMENTED" },
	{ GRPC_STATUS_INTERNAL, "INTERNAL" },
	{ GRPC_STATUS_UNAVAILABLE, "UNAVAILABLE" },
	{ GRPC_STATUS_DATA_LOSS, "DATA_LOSS" },
	{ GRPC_STATUS_UNAUTHENTICATED, "UNAUTHENTICATED" },
	/* Out of range either way: a name, not a crash. */
	{ (grpc_status_code)17, "UNKNOWN" },
	{ (grpc_status_code)1000, "UNKNOWN" },
	{ GRPC_STATUS__DO_NOT_USE, "UNKNOWN" },
};

static void test_to_string(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		assert_string_equal(csi_status_to_string(names[i].code), names[i].name);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errno_table),
		cmocka_unit_test(test_unknown_is_internal),
		cmocka_unit_test(test_callee_errors),
		cmocka_unit_test(test_to_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
