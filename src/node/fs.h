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

#include <stdint.h>

/*
 * Whether dev carries any signature libblkid knows (filesystem, RAID member,
 * partition table, ...): the test that keeps mkfs off anything holding data.
 * ret_type gets the first signature's type ("xfs", "linux_raid_member", ...)
 * when one is found and ret_type is not NULL. 0 or -errno.
 */
int fs_probe_signature(const char *dev, bool *ret_found, char **ret_type);

/* mkfs.xfs on dev, which must carry no signature (else -EEXIST, and nothing runs). */
int fs_mkfs_xfs(const char *dev, unsigned sector_size);

/* Mounts dev (XFS) at target (a directory) with options (may be NULL), via libmount. */
int fs_mount_xfs(const char *dev, const char *target, const char *options);
/* Bind-mounts source at target, read-only when asked (remounted ro, as mount(8) does). */
int fs_bind_mount(const char *source, const char *target, bool read_only);
/* Unmounts target; 0 when nothing is mounted there. */
int fs_umount(const char *target);
/* The source device of the mount at target ("/dev/md127"), from mountinfo; -ENOENT if none. */
int fs_mount_source(const char *root, const char *target, char **ret);
/* xfs_growfs on the mounted filesystem at target. */
int fs_grow_xfs(const char *target);

struct fs_usage {
	uint64_t bytes_total, bytes_available, bytes_used;
	uint64_t inodes_total, inodes_free, inodes_used;
};
int fs_usage(const char *path, struct fs_usage *ret);

/*
 * Bounds XFS's retries of failed metadata I/O on the filesystem of block
 * device kname ("md127") so a dead array surfaces as errors, not a hang:
 * /sys/fs/xfs/<kname>/error/metadata/EIO/max_retries etc.
 */
int fs_xfs_limit_retries(const char *sysfs, const char *kname, int max_retries,
			 int retry_timeout_seconds);
