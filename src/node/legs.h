/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "model/volume.h"
#include "node/md.h"
#include "node/nvmf.h"

/*
 * The consumer's legs: the members of an array here, each a local partition
 * or an NVMe-oF import. Imports are connected without fast_io_fail, so when a
 * remote node stops answering, I/O to its leg waits (the controller
 * reconnects) instead of failing: MD neither drops the leg nor, when every
 * leg is lost at once, breaks the array. The agent drops a lost leg itself,
 * and only after the drop is recorded (legwatch.c), so no write is
 * acknowledged without it that the record does not know of. Pure.
 */

/* Why legs_decide() answered as it did. */
enum leg_verdict {
	LEG_ALL_WELL, /* no leg is lost */
	LEG_DROP,     /* drop the lost leg *ret_import: another in-sync leg answers */
	LEG_WAIT,     /* every in-sync leg is lost: writes wait for one to return */
};

/*
 * For array arr of a volume with copies copies, and the imports (down[i]:
 * imports[i] has not been live for the grace period): a lost leg that may be
 * dropped (a member in a slot, not faulty, whose import is down; one not in
 * sync first), while an in-sync member of the same mirror (RAID1: all slots;
 * RAID10: the copies of one stripe) answers now: a local partition, or an
 * import whose controller is live (one lost for less than the grace period
 * does not answer, nor a namespace whose controller is gone). LEG_WAIT when a
 * mirror has lost every in-sync leg and no other leg may be dropped. A broken
 * array has nothing to decide (LEG_ALL_WELL).
 */
enum leg_verdict legs_decide(const struct md_array *arr, int copies,
			     const struct nvmf_subsystem *imports, const bool *down,
			     size_t n_imports, size_t *ret_import);

/*
 * Whether import imp is a leg of arr in a mirror whose every leg in a slot
 * (faulty ones aside) is a dead hold (import_dead()): nothing of that mirror
 * can answer again, so its writes would wait for ever. Releasing such holds
 * acknowledges nothing (no leg of the mirror takes the write: MD fails the
 * I/O, and RAID1 breaks), so the leg watch does, and the array says Broken
 * instead of hanging every writer and every unstage with it.
 */
bool legs_beyond_return(const struct md_array *arr, int copies,
			const struct nvmf_subsystem *imports, size_t n_imports, size_t imp);

/* One of our partitions on this node's drives, as the latest observation read its table. */
struct local_part {
	char *kname; /* "nvme0n1p2" */
	char *uuid;  /* its GPT partition uuid */
	char *name;  /* its GPT name */
};

/*
 * Whether the array member kname (a local partition: one of parts) is one of
 * volume v's members placed on node node: the partition's uuid is the
 * member's and its name the member's (member_partition_name()). *ret_index is
 * that member's index. MD fails a local leg on a drive's error by itself, and
 * the leg watch records it within a tick by this, not a pass later. A
 * partition MD holds cannot be deleted, so a table read since it joined the
 * array names it right; one read before that names it right or not at all
 * (a member in the spec keeps its partition).
 */
bool legs_local_member(const char *kname, const struct local_part *parts, size_t n_parts,
		       const struct volume *v, const char *node, int32_t *ret_index);
