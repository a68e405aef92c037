/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/gpt.h"
#include "node/md.h"
#include "node/nvmet.h"
#include "node/nvmf.h"

/*
 * What the kernel has, read once per pass (observe_take()) and then only read:
 * plan() and the status report work from it. Nothing here changes anything.
 */

/* Where the agent finds the kernel; every path is under these (tests point them elsewhere). */
struct node_paths {
	const char *sysfs; /* "/sys" */
	const char *dev;   /* "/dev" */
	const char *nvmet; /* configfs' nvmet directory (nvmet_root()) */
	const char *proc;  /* "/proc" (mountinfo of the root filesystem and mounts) */
};

/* One local NVMe drive (a namespace of a PCIe controller). */
struct drive {
	char *kname; /* "nvme0n1" */
	char *path;  /* "/dev/nvme0n1" */
	char *model; /* NULL when sysfs has none */
	char *serial;
	uint64_t size;
	unsigned logical_sector_size;
	/* NULL when MeshStor may place partitions on it; else why not, for the operator. */
	char *unusable;
	struct gpt_disk gpt; /* empty when the table could not be read */
	bool unreadable;     /* the table could not be read: its partitions are unknown */
};

struct observation {
	struct drive *drives;
	size_t n_drives;
	struct nvmet_subsystem *exports; /* ours (MEMBER_NQN_PREFIX) */
	size_t n_exports;
	struct nvmf_subsystem *imports; /* ours */
	size_t n_imports;
	struct md_array *arrays; /* every array; ours are named after volumes */
	size_t n_arrays;
};

/*
 * Reads drives, partitions, exports, imports and arrays. A part that cannot be
 * read is left empty and the error returned after the rest was read, so a
 * pass never acts on a half-read view: the caller skips the pass.
 */
int observe_take(const struct node_paths *p, struct observation *ret);
void observation_done(struct observation *o);
/*
 * The imports and arrays of o read again (sysfs, and /proc/mdstat the bounded
 * way), nothing else: no drive's table, whose read waits while another
 * process holds the drive's lock. An observation that is reported under the
 * record lock (agent-internal.h) is taken before it, then its legs again under
 * it, so the leg watch never waits on a drive's lock. 0 or the first -errno.
 */
int observe_legs(const struct node_paths *p, struct observation *o);

/* Our partition uuid on one of the drives: the drive and the partition, or false. */
bool observation_find_partition(const struct observation *o, const char *uuid,
				const struct drive **ret_drive,
				const struct gpt_partition **ret_part);
const struct nvmet_subsystem *observation_find_export(const struct observation *o, const char *nqn);
const struct nvmf_subsystem *observation_find_import(const struct observation *o, const char *nqn);
/*
 * The array of volume name, by the UUID the volume id derives (never by the
 * set name, which any array can carry), or NULL.
 */
const struct md_array *observation_find_array(const struct observation *o, const char *name);

/* Drive discovery (inventory.c): the local NVMe drives, each with its GPT read. */
int inventory_drives(const struct node_paths *p, struct drive **ret, size_t *ret_n);
void drives_free(struct drive *d, size_t n);
