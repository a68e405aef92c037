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

#include "util/strbuf.h"

/*
 * Whether dev carries any signature libblkid knows (filesystem, RAID member,
 * swap, partition table, ...; bad checksums count too): the test that keeps
 * mkfs off anything holding data. ret_type, when not NULL, gets the type
 * ("xfs", "linux_raid_member", "gpt", "dos", ...) when one is found,
 * "ambivalent" when blkid sees several that contradict each other, and NULL
 * when none is found. 0 or -errno.
 */
int fs_probe_signature(const char *dev, bool *ret_found, char **ret_type);

/*
 * Wipes every signature libblkid finds on dev (as wipefs --all): for a device
 * MeshStor has just created, whose blocks may still hold an earlier tenant's
 * filesystem. Never call it on anything that may hold data.
 */
int fs_wipe_signatures(const char *dev);

/*
 * mkfs.xfs on dev with the given sector size (a power of two, 512-32768).
 * dev must carry no signature: else -EEXIST, and nothing runs. -ENOENT when
 * mkfs.xfs is not installed; -EIO when it fails, its stderr appended to err
 * (may be NULL).
 */
int fs_mkfs_xfs(const char *dev, unsigned sector_size, struct strbuf *err);

/*
 * Mount and unmount, through libmount's context API without mount helpers
 * (/sbin/mount.*) and without utab/mtab records; -errno of mount(2) or
 * umount(2), or of libmount when it fails before the system call.
 */

/* Mounts block device dev (XFS) at target, a directory, with options ("noatime" if NULL). */
int fs_mount_xfs(const char *dev, const char *target, const char *options);
/* Bind-mounts source at target, read-only when asked (remounted ro, as mount(8) does). */
int fs_bind_mount(const char *source, const char *target, bool read_only);
/*
 * Unmounts the topmost mount at target; 0 when nothing is mounted there or
 * target does not exist.
 */
int fs_umount(const char *target);
/*
 * The source of the mount at target ("/dev/md127"; the last one when mounts
 * are stacked), from root/proc/self/mountinfo; -ENOENT if none.
 */
int fs_mount_source(const char *root, const char *target, char **ret);
/*
 * Whether block device dev ("/dev/md127") is mounted anywhere, from
 * proc/self/mountinfo (proc: the procfs root, "/proc"): by device number when
 * dev can be stat'ed, else by source path.
 */
int fs_device_is_mounted(const char *proc, const char *dev, bool *ret);
/*
 * Whether the filesystem mounted from block device dev (found in
 * proc/self/mountinfo by device number) has shut down: XFS fails stat(2) of
 * any inode with EIO once shut down (xfs_vn_getattr()), which costs no I/O,
 * so a stalled array cannot hang the caller. False when dev is not mounted.
 */
int fs_device_shut_down(const char *proc, const char *dev, bool *ret);
/*
 * Shuts down the XFS mounted from block device dev now, without flushing its
 * log (what fsync acknowledged is in the log already): every later call on it
 * fails with EIO, and nothing in flight is acknowledged. 1 when it did, 0 when
 * dev is not mounted, -EOPNOTSUPP for another filesystem, else -errno.
 */
int fs_device_shut_down_now(const char *proc, const char *dev);
/* Grows the data section of the XFS mounted at target to its device (xfs_growfs -d). */
int fs_grow_xfs(const char *target, struct strbuf *err);

struct fs_usage {
	uint64_t bytes_total, bytes_available, bytes_used;
	uint64_t inodes_total, inodes_free, inodes_used;
};
/* statvfs of the filesystem holding path; available is what unprivileged users may use. */
int fs_usage(const char *path, struct fs_usage *ret);
/*
 * Bounds XFS's retries of failed metadata writeback on the filesystem of
 * block device kname ("md127") so a dead array surfaces as errors, not a
 * hang: under sysfs/fs/xfs/<kname>/error/ (Documentation/admin-guide/xfs.rst)
 * sets metadata/EIO/ and metadata/default/ {max_retries,retry_timeout_seconds}
 * and fail_at_unmount = 1. max_retries -1 (forever) or >= 0; retry_timeout_seconds
 * -1 or 0-86400 (else -EINVAL). -ENOENT when that filesystem is not mounted.
 */
int fs_xfs_limit_retries(const char *sysfs, const char *kname, int max_retries,
			 int retry_timeout_seconds);
