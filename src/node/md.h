/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/names.h"

/*
 * MD arrays: changed through mdadm (util/run.h), read from sysfs and from
 * the members' v1.2 superblocks. Never --force. sysfs is the sysfs root
 * ("/sys"), dev the /dev root ("/dev").
 */

/* The superblock of an MD member (metadata 1.2, 4 KiB into the device). */
struct md_superblock {
	char uuid[UUID_STRING_LEN + 1];	/* set_uuid, lowercase 8-4-4-4-12 */
	char name[33];			/* set_name, without any "host:" prefix */
	uint64_t events;
	int32_t role;			/* this device's role: slot, or -1 spare/faulty */
	int level;
	int raid_disks;
};

/*
 * Reads the superblock of device path: 0; -ENODATA when the device carries
 * no v1.2 superblock; -errno when it cannot be read.
 */
int md_read_superblock(const char *path, struct md_superblock *ret);
/* Parses a superblock from buf (at least 4096 + 1024 bytes from offset 0 of the device). */
int md_parse_superblock(const void *buf, size_t len, struct md_superblock *ret);

struct md_member {
	char *kname;		/* "nvme0n1p2", "nvme3n1" */
	int slot;		/* -1 when none (spare, faulty) */
	bool in_sync;
	bool faulty;
	bool spare;
};

struct md_array {
	char *kname;		/* "md127" */
	char *name;		/* the set name from a member's superblock; NULL if unknown */
	char *uuid;		/* set_uuid from a member's superblock; NULL if unknown */
	char *level;		/* "raid1", "raid10" */
	char *array_state;	/* "clean", "active", "inactive", ... */
	char *sync_action;	/* "idle", "resync", "recover", ... */
	int raid_disks;
	int degraded;
	int sync_percent;	/* 0-100 while syncing, -1 when not */
	uint64_t size_kib;	/* component size */
	struct md_member *members;
	size_t n_members;
};

/* Every MD array the kernel has (sysfs), with members and state. */
int md_list(const char *sysfs, const char *dev, struct md_array **ret, size_t *ret_n);
void md_arrays_free(struct md_array *a, size_t n);

/*
 * Creates array name (uuid) at /dev/md/<name>: metadata 1.2, internal
 * bitmap, data offset 8 MiB, component size size_kib, homehost ignored.
 * level 1 or 10 (raid10: near layout with copies copies); devs in slot order,
 * "missing" for an empty slot.
 */
int md_create(const char *name, const char *uuid, int level, int copies, uint64_t size_kib,
	      const char *const *devs, size_t n);
/* Assembles array uuid from exactly devs at /dev/md/<name>, started even if degraded (--run). */
int md_assemble(const char *name, const char *uuid, const char *const *devs, size_t n);
int md_stop(const char *md);				/* "/dev/md127" */
int md_re_add(const char *md, const char *dev);
int md_add(const char *md, const char *dev);
/* Removes dev from the array, failing it first when it is still active. */
int md_remove(const char *md, const char *dev);
int md_replace(const char *md, const char *old, const char *with);
int md_grow_max(const char *md);
int md_zero_superblock(const char *dev);
