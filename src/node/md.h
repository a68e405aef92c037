/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/names.h"
#include "util/strbuf.h"

/*
 * MD arrays: changed through mdadm (util/run.h), read from sysfs and from
 * the members' v1.2 superblocks. Never --force. sysfs is the sysfs root
 * ("/sys"), dev the /dev root ("/dev").
 */

/* The superblock of an MD member (metadata 1.2, 4 KiB into the device). */
struct md_superblock {
	char uuid[UUID_STRING_LEN + 1]; /* set_uuid, lowercase 8-4-4-4-12 */
	char name[33];			/* set_name, without any "host:" prefix */
	uint64_t events;
	int32_t role;	 /* this device's role: slot, or -1 spare/faulty */
	bool recovering; /* being rebuilt: not a whole copy */
	int level;
	int raid_disks;
};

/*
 * Reads the superblock of device path (O_DIRECT, past the page cache): 0;
 * -ENODATA when the device carries no v1.2 superblock; -EBADMSG when it
 * carries one the kernel would refuse (bad checksum, max_dev out of range);
 * -errno when it cannot be read.
 */
int md_read_superblock(const char *path, struct md_superblock *ret);
/*
 * Parses a superblock from buf, the first len bytes of the device: it needs
 * 4096 + 256 + 2 * max_dev bytes (8192 always suffice), else -ENODATA.
 * Errors as md_read_superblock().
 */
int md_parse_superblock(const void *buf, size_t len, struct md_superblock *ret);

struct md_member {
	char *kname; /* "nvme0n1p2", "nvme3n1" */
	int slot;    /* -1 when none (spare, faulty) */
	bool in_sync;
	bool faulty;
	bool spare;
	/*
	 * MD reads from it only when no other member can serve the read. The
	 * superblock keeps the mark, so it outlives the array's assembly.
	 */
	bool write_mostly;
	bool partition; /* a partition (a local leg), not a whole namespace */
};

struct md_array {
	char *kname; /* "md127" */
	/*
	 * The set uuid from md/uuid (lowercase 8-4-4-4-12); only where the
	 * kernel lacks it, name and uuid from a member's superblock. NULL if
	 * unknown.
	 */
	char *name;
	char *uuid;
	char *level;	   /* "raid1", "raid10" */
	char *array_state; /* "clean", "active", "inactive", ... */
	char *sync_action; /* "idle", "resync", "recover", ... */
	int raid_disks;
	int layout; /* md/layout: RAID10's near copies in its low byte; 0 unknown */
	int degraded;
	int sync_percent; /* 0-100 while syncing, -1 when not */
	/*
	 * MD_BROKEN: RAID1 never fails its last working member; it sets
	 * MD_BROKEN instead, leaves that member In_sync (even when its block
	 * device is gone) and fails every write from then on until the array
	 * is stopped. /proc/mdstat says "broken" in place of "active";
	 * array_state says so only while the array is clean.
	 */
	bool broken;
	/*
	 * Whether broken could not be read (md_mark_broken()): nothing may then
	 * count on the array's last member being current, or return a member
	 * into it.
	 */
	bool broken_unknown;
	/*
	 * The XFS filesystem mounted from it shut down after an I/O error
	 * (observe.c, fs_device_shut_down()): every call on it fails until it
	 * is unmounted and mounted again. False when not mounted.
	 */
	bool fs_shut_down;
	uint64_t size_kib; /* component size */
	struct md_member *members;
	size_t n_members;
};

/*
 * Every MD array the kernel has (<sysfs>/block/md<N>/md), sorted by kname, with
 * members in slot order (those without a slot last) and state. uuid comes
 * from sysfs; on kernels without md/uuid, name and uuid come from the
 * superblock of a member under dev (an in-sync one first).
 */
int md_list(const char *sysfs, const char *dev, struct md_array **ret, size_t *ret_n);
void md_arrays_free(struct md_array *a, size_t n);
/* a's entry for device (a path, or a kernel name), faulty or not; NULL when none. */
const struct md_member *md_array_member(const struct md_array *a, const char *device);
/* Whether any of the n arrays has an entry for device (a path or kernel name; NULL: no). */
bool md_arrays_have(const struct md_array *a, size_t n, const char *device);
/*
 * Sets broken on each of the n arrays that <proc>/mdstat lists as broken.
 * Reading /proc/mdstat takes every array's bitmap mutex, which MD holds
 * across a bitmap write: while a member's I/O waits (an import reconnecting),
 * the read waits as long, uninterruptibly (seen in the lab: every agent thread
 * stuck there while a fenced consumer's last leg reconnected, so it never
 * heard that its claim moved). So the read is left behind after a second:
 * -ETIMEDOUT, or -EAGAIN at once while a read left behind still waits (a leg
 * may wait with no controller saying so yet: one still live whose target just
 * died). Callers on several threads take turns, each waiting a second at most
 * in all. Either way broken is unknown (left false); MD_BROKEN lasts until
 * the array stops, so the first read after the wait finds it.
 */
int md_mark_broken(const char *proc, struct md_array *a, size_t n);
/*
 * Whether mdadm may run now: it reads /proc/mdstat to assemble, create and
 * stop, and that read waits as long as the bitmap write above, unkillable, so
 * it is tried first the same way. 0; -EBUSY with why in err when the read did
 * not answer within the second (the CO hears UNAVAILABLE, and no copy is said
 * to be missing). Only narrows the window: a leg may stop answering after.
 * md_create(), md_assemble() and md_stop() ask it themselves, right before
 * mdadm; a caller asks too only to refuse before work of its own.
 */
int md_mdstat_answers(const char *proc, struct strbuf *err);
/*
 * Makes array md (a kernel name) read-only now (md/array_state "readonly"):
 * no writer, a raw one included, gets anything through it. MD refuses while
 * the array is open (mounted): -EBUSY. It writes the superblocks first, so
 * it waits, as mdadm --stop would, for a leg whose I/O waits. 0 or -errno.
 */
int md_set_readonly(const char *sysfs, const char *md);
/*
 * Sets the resync speed floor of array md (a kernel name) to kib_per_s, 0:
 * the system's (/proc/sys/dev/raid/speed_limit_min, 1000 by default). MD
 * slows a resync or recovery down to this floor while the array has other
 * I/O. Takes no MD lock: never waits. 0 or -errno.
 */
int md_set_sync_speed_min(const char *sysfs, const char *md, unsigned kib_per_s);
/*
 * Marks the block device of array md (dev: where its node is, /dev) read-only
 * or writable (BLKROSET), open or not. Read-only: a read-write mount fails
 * with EACCES and write(2) through its node with EPERM, and
 * /sys/block/<md>/ro says 1 until the array stops; a writer inside the
 * kernel, such as a filesystem that already has it open, is only warned
 * (bio_check_ro()): for an array whose filesystem is shut down, before the
 * unmount. Unlike md_set_readonly() it neither fails on a mounted array nor
 * writes anything. Writable: also what md_set_readonly() did is undone (MD
 * restarts the array, read-auto). Asked with BLKROGET first, so nothing
 * waits when it is so already; else MD takes its lock for the call, so it
 * waits while MD holds that lock across a write to a leg whose I/O waits.
 * 1 when it changed it, 0 when it was so already, or -errno.
 */
int md_set_bdev_readonly(const char *dev, const char *md, bool read_only);
/*
 * Writes state ("faulty", "remove", "writemostly", "-writemostly") to
 * member's entry in array md (<sysfs>/block/<md>/md/dev-<member>/state). MD
 * keeps the entry of a member whose device went away while no I/O was in
 * flight, In_sync, under its old name; once that name is reused by another
 * device, the entry would pass for it. MD takes the array's lock for the
 * write, so it waits while MD holds that lock across a write to a leg whose
 * I/O waits; for "remove" and the marks it also suspends the array first,
 * waiting until every I/O in flight on it has ended, and the marks then write
 * the superblocks to every leg. 0, -ENOENT when there is no such entry, or the
 * write's -errno (EBUSY: "remove" while I/O to it is still pending).
 */
int md_member_set_state(const char *sysfs, const char *md, const char *member, const char *state);

/*
 * The commands below run mdadm (found once on PATH; -ENOENT without it). They
 * return 0 on success, -EIO when mdadm failed, with its stderr appended to err
 * when err is not NULL, -EINVAL for arguments mdadm must never see, or the
 * -errno of run_command() (-ETIMEDOUT after 60 s). Device arguments are
 * absolute paths.
 */

/*
 * The write-intent bitmap's chunk for an array of array_kib. After a leg's
 * outage MD resyncs every chunk written meanwhile, whole: the smaller the
 * chunk, the closer a resync comes to what changed. But the first write to a
 * clean chunk waits for a bitmap write on every leg, and the kernel keeps a
 * counter per chunk: so at most MD_BITMAP_CHUNKS chunks, each a power of two
 * from MD_BITMAP_CHUNK_MIN_KIB up to MD_BITMAP_CHUNK_MAX_KIB, mdadm's own
 * choice, which md_create() then leaves to mdadm (docs/ARCHITECTURE.md,
 * "Resync and the imports' queues").
 */
#define MD_BITMAP_CHUNKS 4096
#define MD_BITMAP_CHUNK_MIN_KIB 256
#define MD_BITMAP_CHUNK_MAX_KIB 65536
uint64_t md_bitmap_chunk_kib(uint64_t array_kib);

/*
 * Creates array name (uuid) at /dev/md/<name>: metadata 1.2, internal
 * bitmap (its chunk by md_bitmap_chunk_kib()), data offset 8 MiB, component
 * size size_kib (0: the largest the devices allow), no homehost, so the
 * stored set name is exactly name (at most 31 characters, no '/' or ':').
 * level 1 or 10 (raid10: near layout with copies copies); devs in slot order,
 * "missing" for an empty slot.
 */
int md_create(const char *proc, const char *name, const char *uuid, int level, int copies,
	      uint64_t size_kib, const char *const *devs, size_t n, struct strbuf *err);
/* Assembles array uuid from exactly devs at /dev/md/<name>, started even if degraded (--run). */
int md_assemble(const char *proc, const char *name, const char *uuid, const char *const *devs,
		size_t n, struct strbuf *err);
/* Stops md ("/dev/md127"). These three first ask md_mdstat_answers() of <proc>/mdstat. */
int md_stop(const char *proc, const char *md, struct strbuf *err);
/* Returns dev to the array with a bitmap resync (it must have left it with the current epoch). */
int md_re_add(const char *md, const char *dev, struct strbuf *err);
/*
 * Adds dev (as a spare, or into a free slot with a full resync). mdadm itself
 * re-adds a device that still carries this array's superblock: zero it first
 * (md_zero_superblock()) when it may have diverged.
 */
int md_add(const char *md, const char *dev, struct strbuf *err);
/*
 * Removes the members the kernel has failed, and those whose device is gone:
 * a returning member can take its slot back (--re-add) only once its old,
 * failed entry is out of the array.
 */
int md_remove_gone(const char *md, struct strbuf *err);
/* Rebuilds old's contents onto with, which must already be a spare of md (md_add()). */
int md_replace(const char *md, const char *old, const char *with, struct strbuf *err);
/* Grows every member's share of md to size_kib (0: as far as the members allow). */
int md_grow(const char *md, uint64_t size_kib, struct strbuf *err);
/*
 * Whether dev's superblock may be zeroed, throwing that copy away: 0 when it
 * carries none, or carries array uuid and either full is set (the record
 * already says the member is not current) or one of the n live members of the
 * running array carries at least as many events (MD counts events within one
 * writer's lineage; across lineages the epoch has decided, and set full).
 * -EEXIST when it carries another array's superblock, -EBUSY when it may be
 * newer than every live member, -errno when it cannot be read; why in err.
 */
int md_may_wipe(const char *dev, const char *uuid, bool full, const char *const *live, size_t n,
		struct strbuf *err);
/* Zeroes dev's MD superblock; 0 without running mdadm when there is none. */
int md_zero_superblock(const char *dev, struct strbuf *err);
