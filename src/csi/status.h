/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <grpc/status.h>

/*
 * The one table that turns our -errno results into gRPC status codes. Handlers
 * choose the errno whose meaning matches the CSI spec's code:
 *   -EINVAL      INVALID_ARGUMENT       -ENOENT     NOT_FOUND
 *   -EEXIST      ALREADY_EXISTS         -ERANGE     OUT_OF_RANGE
 *   -ENOSPC      RESOURCE_EXHAUSTED     -EBUSY      ABORTED (operation pending)
 *   -EPERM       FAILED_PRECONDITION    -EAGAIN     UNAVAILABLE
 *   -ETIMEDOUT   DEADLINE_EXCEEDED      -EOPNOTSUPP UNIMPLEMENTED
 *   -EACCES      PERMISSION_DENIED      -ECANCELED  CANCELLED
 * anything else is INTERNAL.
 */
grpc_status_code csi_status_from_errno(int r);
const char *csi_status_to_string(grpc_status_code code);
