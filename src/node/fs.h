/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>

/*
 * Filesystems and mounts. Mount state comes from the kernel's mountinfo,
 * read with libmount: mountinfo is the only record that cannot be stale.
 */

/* Whether path is a mount point now (mountinfo under root/proc/self). -errno on failure. */
int fs_is_mountpoint(const char *root, const char *path, bool *ret);

/*
 * A CSI target or staging path must be absolute, without "." or ".." parts
 * or repeated slashes: one path, one meaning. Returns 0 or -EINVAL.
 */
int fs_check_target_path(const char *path);
