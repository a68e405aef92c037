/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Holds: device-mapper tables that stand between MD and an import's
 * namespace (docs/ARCHITECTURE.md, "A leg's hold"). Each is a multipath
 * table of one path with queue_if_no_path, in bio mode (the namespace is a
 * bio-based NVMe head disk): when the path fails, dm keeps the leg's I/O
 * instead of failing it to MD, until the agent reinstates the path or
 * releases what is held. A table is named after its import's NQN. Through
 * /dev/mapper/control alone: the only user of the device-mapper ioctls.
 */

struct dm_hold {
	char *name;	  /* the table's name: its import's NQN */
	char *device;	  /* "/dev/dm-N" */
	dev_t path;	  /* the device of its one path, held open by dm */
	bool path_failed; /* dm failed the path: I/O for it waits in dm */
	uint64_t sectors; /* the table's length */
	int open_count;	  /* how many hold the table's device open (MD) */
};

/*
 * Every table whose name starts with prefix, sorted by name, found under
 * <sysfs>/class/block (dm-N/dm/name), with its state from the kernel.
 */
int dm_holds_list(const char *sysfs, const char *prefix, struct dm_hold **ret, size_t *ret_n);
void dm_hold_done(struct dm_hold *h);
void dm_holds_free(struct dm_hold *h, size_t n);

/* The multipath table dm_hold_create() loads: one path, I/O held while it fails. */
void dm_hold_table(dev_t path, char *buf, size_t len);
/*
 * Reads a multipath target's status line (STATUSTYPE_INFO): its one path's
 * device ("259:3") and whether dm failed it ("F"). -EINVAL when it names no
 * path.
 */
int dm_hold_parse_status(const char *status, dev_t *ret_path, bool *ret_failed);

/*
 * Creates table name over path (sectors long) and activates it. -EEXIST when
 * a table of that name exists; -EBUSY when path is held open by another
 * (MD, or another table); -ENXIO without the dm-multipath target.
 */
int dm_hold_create(const char *name, dev_t path, uint64_t sectors);
/* Loads the same table at a new length, swapped in without flushing what is held. */
int dm_hold_resize(const char *name, dev_t path, uint64_t sectors);
/* Brings the failed path back: what dm holds goes to it again. */
int dm_hold_reinstate(const char *name, dev_t path);
/* Turns queue_if_no_path off: what dm holds, and what fails later, fails upward (to MD). */
int dm_hold_release(const char *name);
/* Removes the table; -EBUSY while it is open, 0 when there is none. */
int dm_hold_remove(const char *name);
