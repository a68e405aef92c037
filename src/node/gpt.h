/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/names.h"

/*
 * GPT partitions of one drive, through libfdisk (the only user of it).
 * MeshStor's partitions carry GPT_MESHSTOR_TYPE; nothing with another type is
 * ever modified. Offsets and sizes are bytes; partitions start and end on
 * 1 MiB boundaries. Each call holds the drive's flock(2) lock, shared to read
 * and exclusive to write, the lock udev honours before it re-reads a table.
 * -ENOTBLK when dev is neither a block device nor a regular file.
 */

/* MeshStor's partition type GUID (a random v4 UUID of ours; lowercase). */
#define GPT_MESHSTOR_TYPE "3d1a6bde-7c1a-4b3e-9f5e-6d6573685354"
/* GPT partition names are 36 UTF-16 code units; ours are ASCII. */
#define GPT_NAME_MAX 36

struct gpt_partition {
	unsigned partno;		 /* 1-based, as the kernel numbers them */
	char uuid[UUID_STRING_LEN + 1];	 /* lowercase */
	char type[UUID_STRING_LEN + 1];	 /* lowercase */
	char name[GPT_NAME_MAX * 4 + 1]; /* UTF-8 */
	uint64_t start;
	uint64_t size;
	bool ours; /* type == GPT_MESHSTOR_TYPE */
};

struct gpt_disk {
	uint64_t size;
	unsigned sector_size; /* logical */
	/*
	 * Whether the drive has a GPT. A drive without one is usable only when
	 * blank (no signature of any kind), see gpt_create().
	 */
	bool has_gpt;
	bool blank; /* no partition table and no signature */
	struct gpt_partition *parts;
	size_t n_parts;
	uint64_t largest_free; /* largest usable free extent (aligned) */
	uint64_t free_total;
};

/*
 * Reads the partition table of dev (a block device or, for tests, a regular
 * file). A drive with a partition table that is not GPT (MBR, ...) or with a
 * filesystem or other signature on the whole drive reads as has_gpt = false,
 * blank = false, no partitions and no free space: it is someone else's. A
 * blank drive's free space is what it will offer once gpt_create() has given
 * it a GPT. Returns 0 or -errno.
 */
int gpt_read(const char *dev, struct gpt_disk *ret);
void gpt_disk_done(struct gpt_disk *d);

/*
 * Creates partition uuid of size bytes (rounded up to 1 MiB) named name, with
 * our type, in the first free extent that fits (lowest offset). A blank drive
 * first gets a GPT; a drive that is neither GPT nor blank is -EMEDIUMTYPE.
 * Idempotent: when a partition with that uuid exists already, nothing is
 * written and its number is returned (-EEXIST if it is not ours or smaller
 * than size). -ENOSPC when no extent fits. The kernel learns of the new
 * partition without re-reading the whole table (BLKPG), so partitions in use
 * elsewhere on the drive stay in use. The new partition's old signatures are
 * wiped (libblkid) before the kernel learns of it, so udev never sees them.
 * When the partition exists already, the kernel is told of it again (an
 * earlier call may have stopped before it did). -EINVAL when uuid is not a
 * UUID, name is longer than GPT_NAME_MAX or not printable ASCII, or size is 0.
 * ret_partno may be NULL.
 */
int gpt_create(const char *dev, const char *uuid, const char *name, uint64_t size,
	       unsigned *ret_partno);

/*
 * Grows our partition uuid in place to size bytes (rounded up to 1 MiB) when
 * the space right after it is free: 0 when it is (now) at least size,
 * -ENOSPC when the space after it is taken, -ENOENT when there is no such
 * partition, -EPERM when it is not ours. The kernel learns the new size
 * (BLKPG), also when the table had it already.
 */
int gpt_grow(const char *dev, const char *uuid, uint64_t size);

/*
 * Deletes our partition uuid: 0, also when it does not exist; -EPERM when the
 * partition with that uuid is not ours (never touched). The kernel lets go of
 * it first: -EBUSY, and the table unchanged, while it is open (mounted, an md
 * member, exported).
 */
int gpt_delete(const char *dev, const char *uuid);

/* "/dev/nvme0n1" + 3 -> "/dev/nvme0n1p3"; "/tmp/disk.img" + 3 -> "/tmp/disk.img3". */
char *gpt_partition_path(const char *dev, unsigned partno);
/* Whether kname names a partition of disk ("nvme0n1p3" of "nvme0n1", "sda1" of "sda"). */
bool gpt_partition_of(const char *kname, const char *disk);
