// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "csi/status.h"
#include "util/macro.h"
#include "util/banned.h"

static const struct {
	int error;
	grpc_status_code code;
} errno_table[] = {
	{ 0, GRPC_STATUS_OK },
	{ EINVAL, GRPC_STATUS_INVALID_ARGUMENT },
	{ ENOENT, GRPC_STATUS_NOT_FOUND },
	{ EEXIST, GRPC_STATUS_ALREADY_EXISTS },
	{ ERANGE, GRPC_STATUS_OUT_OF_RANGE },
	{ ENOSPC, GRPC_STATUS_RESOURCE_EXHAUSTED },
	{ EBUSY, GRPC_STATUS_ABORTED },
	{ EPERM, GRPC_STATUS_FAILED_PRECONDITION },
	{ EAGAIN, GRPC_STATUS_UNAVAILABLE },
	{ ETIMEDOUT, GRPC_STATUS_DEADLINE_EXCEEDED },
	{ EOPNOTSUPP, GRPC_STATUS_UNIMPLEMENTED },
};

/*
 * Deep errnos that blame us, not the world: waiting will not help, so the CO
 * hears INTERNAL. kube/ turns 400 and 422 into EINVAL and 401 and 403 into
 * EACCES; the rest are answers (JSON, sysfs, tool output) we could not read.
 */
static const int our_fault[] = {
	EINVAL, EACCES, EPROTO, EBADMSG, EFAULT, ERANGE, EOVERFLOW, E2BIG
};

static bool listed(int r, const int *list)
{
	for (; list && *list; list++)
		if (*list == r)
			return true;
	return false;
}

int csi_errno_from_callee(int r, const int *passes)
{
	if (r >= 0 || listed(r, passes))
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(our_fault); i++)
		if (our_fault[i] == -r)
			return -EIO;
	return -EAGAIN;
}

grpc_status_code csi_status_from_errno(int r)
{
	for (size_t i = 0; i < ARRAY_SIZE(errno_table); i++)
		if (errno_table[i].error == -r)
			return errno_table[i].code;
	return GRPC_STATUS_INTERNAL;
}

static const char *const status_names[] = {
	[GRPC_STATUS_OK] = "OK",
	[GRPC_STATUS_CANCELLED] = "CANCELLED",
	[GRPC_STATUS_UNKNOWN] = "UNKNOWN",
	[GRPC_STATUS_INVALID_ARGUMENT] = "INVALID_ARGUMENT",
	[GRPC_STATUS_DEADLINE_EXCEEDED] = "DEADLINE_EXCEEDED",
	[GRPC_STATUS_NOT_FOUND] = "NOT_FOUND",
	[GRPC_STATUS_ALREADY_EXISTS] = "ALREADY_EXISTS",
	[GRPC_STATUS_PERMISSION_DENIED] = "PERMISSION_DENIED",
	[GRPC_STATUS_RESOURCE_EXHAUSTED] = "RESOURCE_EXHAUSTED",
	[GRPC_STATUS_FAILED_PRECONDITION] = "FAILED_PRECONDITION",
	[GRPC_STATUS_ABORTED] = "ABORTED",
	[GRPC_STATUS_OUT_OF_RANGE] = "OUT_OF_RANGE",
	[GRPC_STATUS_UNIMPLEMENTED] = "UNIMPLEMENTED",
	[GRPC_STATUS_INTERNAL] = "INTERNAL",
	[GRPC_STATUS_UNAVAILABLE] = "UNAVAILABLE",
	[GRPC_STATUS_DATA_LOSS] = "DATA_LOSS",
	[GRPC_STATUS_UNAUTHENTICATED] = "UNAUTHENTICATED",
};

const char *csi_status_to_string(grpc_status_code code)
{
	if ((unsigned)code >= ARRAY_SIZE(status_names) || !status_names[code])
		return "UNKNOWN";
	return status_names[code];
}
