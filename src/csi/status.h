/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <grpc/status.h>

/*
 * The one table that turns our -errno results into gRPC status codes: the
 * closed set a CO ever sees from MeshStor (docs/ARCHITECTURE.md, "Error
 * codes"). A handler's own verdict chooses the errno whose meaning matches
 * the CSI spec's code:
 *   -EINVAL      INVALID_ARGUMENT       -ENOENT     NOT_FOUND
 *   -EEXIST      ALREADY_EXISTS         -ERANGE     OUT_OF_RANGE
 *   -ENOSPC      RESOURCE_EXHAUSTED     -EBUSY      ABORTED (operation pending)
 *   -EPERM       FAILED_PRECONDITION    -EAGAIN     UNAVAILABLE
 *   -ETIMEDOUT   DEADLINE_EXCEEDED      -EOPNOTSUPP UNIMPLEMENTED
 * anything else is INTERNAL.
 */
grpc_status_code csi_status_from_errno(int r);
const char *csi_status_to_string(grpc_status_code code);

/*
 * What r, a -errno from the node agent or the controller (and from whatever
 * they called), may say to the CO. The errnos in passes (a list ending in 0)
 * are the ones the callee documents with the meaning their code has for this
 * method; they stay. Any other errno says nothing about the volume or the
 * request, whatever its name: -EIO (INTERNAL) when the fault is ours (a value
 * we sent was refused, such as an API server's 400 or 422 on our own write,
 * or its 403 to our own service account; or an answer we could not read),
 * else -EAGAIN (UNAVAILABLE: the world is not ready, retry).
 */
int csi_errno_from_callee(int r, const int *passes);
