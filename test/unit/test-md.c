// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "node/md.h"
#include "tree.h"
#include "util/macro.h"
#include "util/run.h"
#include "util/strbuf.h"
#include "util/banned.h"

/*
 * A v1.2 member, built byte by byte as include/uapi/linux/raid/md_p.h lays
 * out struct mdp_superblock_1, 4 KiB into the device.
 */
#define SB 4096
#define DEV_SIZE 8192

static const uint8_t uuid_a[16] = { 0x4e, 0x1f, 0x2a, 0x9b, 0x03, 0xc4, 0x45, 0xd6,
				    0x87, 0xe8, 0xf9, 0x0a, 0x1b, 0x2c, 0x3d, 0x4e };
#define UUID_A "4e1f2a9b-03c4-45d6-87e8-f90a1b2c3d4e"

struct sb_spec {
	const uint8_t *uuid;
	const char *name; /* up to 32 bytes, NUL-padded */
	uint64_t events;
	uint32_t level, raid_disks, dev_number, max_dev;
	uint16_t roles[8];
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, v & 0xffffffff);
	put32(p + 4, v >> 32);
}

/* calc_sb_1_csum(): le32 words over 256 + 2 * max_dev bytes with sb_csum as 0, carry folded. */
static void sb_checksum(uint8_t *sb, uint32_t max_dev)
{
	uint64_t sum = 0;
	size_t size = 256 + 2 * (size_t)max_dev, i;

	put32(sb + 216, 0);
	for (i = 0; i + 4 <= size; i += 4)
		sum += (uint32_t)sb[i] | (uint32_t)sb[i + 1] << 8 | (uint32_t)sb[i + 2] << 16 |
		       (uint32_t)sb[i + 3] << 24;
	if (size - i == 2)
		sum += (uint32_t)sb[i] | (uint32_t)sb[i + 1] << 8;
	put32(sb + 216, (uint32_t)((sum & 0xffffffff) + (sum >> 32)));
}

static void sb_build(uint8_t dev[DEV_SIZE], const struct sb_spec *s)
{
	uint8_t *sb = dev + SB;

	memset(dev, 0, DEV_SIZE);
	put32(sb + 0, 0xa92b4efc);    /* magic */
	put32(sb + 4, 1);	      /* major_version */
	put32(sb + 8, 1);	      /* feature_map: bitmap offset */
	memcpy(sb + 16, s->uuid, 16); /* set_uuid */
	memcpy(sb + 32, s->name, strnlen(s->name, 32));
	put64(sb + 64, 1700000000); /* ctime */
	put32(sb + 72, s->level);
	put64(sb + 80, 2097152); /* size, sectors */
	put32(sb + 92, s->raid_disks);
	put32(sb + 96, 8);	/* bitmap_offset */
	put64(sb + 128, 16384); /* data_offset: 8 MiB */
	put64(sb + 144, 8);	/* super_offset: 1.2 */
	put32(sb + 160, s->dev_number);
	memset(sb + 168, 0xab, 16);  /* device_uuid */
	put64(sb + 192, 1700000100); /* utime */
	put64(sb + 200, s->events);
	put64(sb + 208, UINT64_MAX); /* resync_offset: in sync */
	put32(sb + 220, s->max_dev);
	for (uint32_t i = 0; i < s->max_dev; i++)
		put16(sb + 256 + 2 * i, i < ARRAY_SIZE(s->roles) ? s->roles[i] : 0xffff);
	sb_checksum(sb, s->max_dev);
}

static const struct sb_spec spec_a = {
	.uuid = uuid_a,
	.name = "pvc-0123456789abcdef01234567",
	.events = 0x123456789aULL,
	.level = 1,
	.raid_disks = 2,
	.dev_number = 1,
	.max_dev = 3, /* odd: the checksum's trailing le16 */
	.roles = { 0, 1, 0xffff },
};

static void test_parse(void **state)
{
	static uint8_t dev[DEV_SIZE];
	struct md_superblock sb;

	sb_build(dev, &spec_a);
	assert_int_equal(md_parse_superblock(dev, sizeof(dev), &sb), 0);
	assert_string_equal(sb.uuid, UUID_A);
	assert_string_equal(sb.name, "pvc-0123456789abcdef01234567");
	assert_int_equal(sb.events, 0x123456789aULL);
	assert_int_equal(sb.role, 1);
	assert_int_equal(sb.level, 1);
	assert_int_equal(sb.raid_disks, 2);
	assert_false(sb.recovering);
	/* Being rebuilt (MD_FEATURE_RECOVERY_OFFSET): not a whole copy. */
	put32(dev + SB + 8, 1 | 2);
	sb_checksum(dev + SB, spec_a.max_dev);
	assert_int_equal(md_parse_superblock(dev, sizeof(dev), &sb), 0);
	assert_true(sb.recovering);
}

static void test_parse_name(void **state)
{
	static uint8_t dev[DEV_SIZE];
	struct sb_spec s = spec_a;
	struct md_superblock sb;

	/* What mdadm writes with a homehost: "host:name". */
	s.name = "node-a:pvc-x";
	sb_build(dev, &s);
	assert_int_equal(md_parse_superblock(dev, sizeof(dev), &sb), 0);
	assert_string_equal(sb.name, "pvc-x");

	/* All 32 bytes used, no NUL. */
	s.name = "abcdefghijklmnopqrstuvwxyz012345";
	sb_build(dev, &s);
	assert_int_equal(md_parse_superblock(dev, sizeof(dev), &sb), 0);
	assert_string_equal(sb.name, "abcdefghijklmnopqrstuvwxyz012345");
}

static void test_parse_roles(void **state)
{
	static uint8_t dev[DEV_SIZE];
	struct sb_spec s = spec_a;
	struct md_superblock sb;

	s.roles[1] = 0xffff; /* spare */
	sb_build(dev, &s);
	assert_int_equal(md_parse_superblock(dev, sizeof(dev), &sb), 0);
	assert_int_equal(sb.role, -1);

	s.roles[1] = 0xfffe; /* faulty */
	sb_build(dev, &s);
	assert_int_equal(md_parse_superblock(dev, sizeof(dev), &sb), 0);
	assert_int_equal(sb.role, -1);

	/* A raid10 member in slot 3. */
	s = spec_a;
	s.level = 10;
	s.raid_disks = 4;
	s.dev_number = 5;
	s.max_dev = 6;
	memcpy(s.roles, (const uint16_t[]){ 0, 1, 2, 0xfffe, 0xffff, 3 }, 6 * sizeof(uint16_t));
	sb_build(dev, &s);
	assert_int_equal(md_parse_superblock(dev, sizeof(dev), &sb), 0);
	assert_int_equal(sb.role, 3);
	assert_int_equal(sb.level, 10);
	assert_int_equal(sb.raid_disks, 4);

	/* A device number past dev_roles has no role (mdadm's getinfo_super1()). */
	s.dev_number = 6;
	sb_build(dev, &s);
	assert_int_equal(md_parse_superblock(dev, sizeof(dev), &sb), 0);
	assert_int_equal(sb.role, -1);
}

static void test_parse_invalid(void **state)
{
	static uint8_t dev[DEV_SIZE];
	struct md_superblock sb = { .role = 42 };

	sb_build(dev, &spec_a);
	dev[SB] ^= 1; /* magic */
	assert_int_equal(md_parse_superblock(dev, sizeof(dev), &sb), -ENODATA);
	assert_int_equal(sb.role, 42); /* untouched on failure */

	memset(dev, 0, sizeof(dev));
	assert_int_equal(md_parse_superblock(dev, sizeof(dev), &sb), -ENODATA);

	/* A 1.1 superblock copied to 4 KiB says super_offset 0: not ours to read here. */
	sb_build(dev, &spec_a);
	put64(dev + SB + 144, 0);
	sb_checksum(dev + SB, spec_a.max_dev);
	assert_int_equal(md_parse_superblock(dev, sizeof(dev), &sb), -ENODATA);

	sb_build(dev, &spec_a);
	put64(dev + SB + 200, spec_a.events + 1); /* events changed, checksum not */
	assert_int_equal(md_parse_superblock(dev, sizeof(dev), &sb), -EBADMSG);

	sb_build(dev, &spec_a);
	assert_int_equal(md_parse_superblock(dev, SB + 100, &sb), -ENODATA);
	assert_int_equal(md_parse_superblock(dev, SB + 256, &sb), -ENODATA); /* roles cut off */
	assert_int_equal(md_parse_superblock(dev, SB + 256 + 6, &sb), 0);
	assert_int_equal(sb.role, 1);
}

/* A prepared tree (tree.h) under /tmp: sys/block/..., dev/..., bin/mdadm. */
static int setup(void **state)
{
	return tree_setup(state, "test-md", NULL);
}

static void test_read_superblock(void **state)
{
	static uint8_t dev[DEV_SIZE];
	struct tree *t = *state;
	struct md_superblock sb;
	char *p;

	sb_build(dev, &spec_a);
	tree_write(t, "member", dev, sizeof(dev), 0755);
	tree_write(t, "short", dev, SB + 100, 0755);
	p = tree_path(t, "member");
	assert_int_equal(md_read_superblock(p, &sb), 0);
	assert_string_equal(sb.uuid, UUID_A);
	assert_int_equal(sb.role, 1);
	free(p);
	p = tree_path(t, "short");
	assert_int_equal(md_read_superblock(p, &sb), -ENODATA);
	free(p);
	p = tree_path(t, "absent");
	assert_int_equal(md_read_superblock(p, &sb), -ENOENT);
	free(p);
}

static void make_sysfs(const struct tree *t)
{
	static uint8_t dev[DEV_SIZE];
	static const uint8_t uuid_b[16] = { 0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88,
					    0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x00 };
	struct sb_spec s = spec_a;

	/* md127: degraded, the remote member failed (still in its slot until removed). */
	tree_attr(t, "sys/block/md127/md", "level", "raid1");
	tree_attr(t, "sys/block/md127/md", "array_state", "clean");
	tree_attr(t, "sys/block/md127/md", "sync_action", "idle");
	tree_attr(t, "sys/block/md127/md", "sync_completed", "none");
	tree_attr(t, "sys/block/md127/md", "raid_disks", "2");
	tree_attr(t, "sys/block/md127/md", "degraded", "1");
	tree_attr(t, "sys/block/md127/md", "component_size", "1048576");
	tree_attr(t, "sys/block/md127/md/dev-nvme1n1", "slot", "1");
	tree_attr(t, "sys/block/md127/md/dev-nvme1n1", "state", "faulty,write_error");
	tree_attr(t, "sys/block/md127/md/dev-nvme0n1p2", "slot", "0");
	tree_attr(t, "sys/block/md127/md/dev-nvme0n1p2", "state", "in_sync");
	/* block links to the member's device; a partition's has "partition". */
	tree_attr(t, "sys/block/md127/md/dev-nvme0n1p2/block", "partition", "2");
	s.dev_number = 0;
	sb_build(dev, &s);
	tree_mkdirs(t, "dev");
	tree_write(t, "dev/nvme0n1p2", dev, sizeof(dev), 0755);
	/* The faulty member is never read, even where it would answer. */
	s.name = "stale";
	sb_build(dev, &s);
	tree_write(t, "dev/nvme1n1", dev, sizeof(dev), 0755);

	/*
	 * A kernel with md/uuid: the identity comes from sysfs, never from a
	 * member (whose path may be lost, a read of it waiting). md127's
	 * members are there to read, and are not read: the name stays unknown.
	 */
	tree_attr(t, "sys/block/md127/md", "uuid", UUID_A);

	/*
	 * md126: recovering onto a new local member; its in-sync member has no
	 * device node here, so the identity comes from the one being rebuilt.
	 */
	tree_attr(t, "sys/block/md126/md", "level", "raid1");
	tree_attr(t, "sys/block/md126/md", "array_state", "active");
	tree_attr(t, "sys/block/md126/md", "sync_action", "recover");
	tree_attr(t, "sys/block/md126/md", "sync_completed", "1024 / 4096");
	tree_attr(t, "sys/block/md126/md", "raid_disks", "2");
	tree_attr(t, "sys/block/md126/md", "degraded", "1");
	tree_attr(t, "sys/block/md126/md", "component_size", "2048");
	tree_attr(t, "sys/block/md126/md/dev-nvme1n1p1", "slot", "1");
	tree_attr(t, "sys/block/md126/md/dev-nvme1n1p1", "state", "spare,write_mostly");
	tree_attr(t, "sys/block/md126/md/dev-nvme1n1p1/block", "partition", "1");
	tree_attr(t, "sys/block/md126/md/dev-nvme0n1p3", "slot", "0");
	tree_attr(t, "sys/block/md126/md/dev-nvme0n1p3", "state", "in_sync");
	s = spec_a;
	s.uuid = uuid_b;
	s.name = "pvc-b";
	sb_build(dev, &s);
	tree_write(t, "dev/nvme1n1p1", dev, sizeof(dev), 0755);

	/* Not arrays: a disk, and an md device node without md/ (being torn down). */
	tree_mkdirs(t, "sys/block/nvme0n1");
	tree_mkdirs(t, "sys/block/md125");
}

static void test_list(void **state)
{
	struct tree *t = *state;
	struct md_array *a;
	size_t n;
	char *sysfs, *dev;

	make_sysfs(t);
	sysfs = tree_path(t, "sys");
	dev = tree_path(t, "dev");
	assert_int_equal(md_list(sysfs, dev, &a, &n), 0);
	assert_int_equal(n, 2);

	assert_string_equal(a[0].kname, "md126");
	assert_string_equal(a[0].level, "raid1");
	assert_string_equal(a[0].array_state, "active");
	assert_string_equal(a[0].sync_action, "recover");
	assert_int_equal(a[0].sync_percent, 25);
	assert_int_equal(a[0].degraded, 1);
	assert_int_equal(a[0].raid_disks, 2);
	assert_int_equal(a[0].size_kib, 2048);
	assert_string_equal(a[0].name, "pvc-b");
	assert_string_equal(a[0].uuid, "ffeeddcc-bbaa-9988-7766-554433221100");
	assert_int_equal(a[0].n_members, 2);
	assert_string_equal(a[0].members[0].kname, "nvme0n1p3");
	assert_int_equal(a[0].members[0].slot, 0);
	assert_true(a[0].members[0].in_sync);
	assert_false(a[0].members[0].write_mostly);
	assert_string_equal(a[0].members[1].kname, "nvme1n1p1");
	assert_int_equal(a[0].members[1].slot, 1);
	assert_true(a[0].members[1].spare);
	assert_true(a[0].members[1].write_mostly);
	assert_false(a[0].members[1].in_sync);
	assert_false(a[0].members[1].faulty);

	assert_string_equal(a[1].kname, "md127");
	assert_string_equal(a[1].array_state, "clean");
	assert_string_equal(a[1].sync_action, "idle");
	assert_int_equal(a[1].sync_percent, -1);
	assert_int_equal(a[1].degraded, 1);
	assert_int_equal(a[1].size_kib, 1048576);
	assert_null(a[1].name);
	assert_string_equal(a[1].uuid, UUID_A);
	assert_int_equal(a[1].n_members, 2);
	assert_string_equal(a[1].members[0].kname, "nvme0n1p2");
	assert_true(a[1].members[0].in_sync);
	assert_false(a[1].members[0].faulty);
	assert_true(a[1].members[0].partition);
	assert_string_equal(a[1].members[1].kname, "nvme1n1");
	assert_false(a[1].members[1].partition);
	assert_int_equal(a[1].members[1].slot, 1);
	assert_true(a[1].members[1].faulty);
	assert_false(a[1].members[1].in_sync);
	assert_false(a[1].members[1].spare);
	/* Members are found by path or kernel name, faulty ones too. */
	assert_ptr_equal(md_array_member(&a[1], "/dev/nvme1n1"), &a[1].members[1]);
	assert_ptr_equal(md_array_member(&a[1], "nvme0n1p2"), &a[1].members[0]);
	assert_null(md_array_member(&a[1], "/dev/nvme0n1"));
	assert_null(md_array_member(&a[1], "/dev/"));
	assert_null(md_array_member(&a[1], NULL));
	md_arrays_free(a, n);
	free(sysfs);
	free(dev);
}

/* The leg watch marks a dropped leg faulty in MD, then removes its entry. */
/* Broken arrays are read from /proc/mdstat; a read that waits is left behind. */
static void test_mark_broken(void **state)
{
	static const char mdstat[] = "Personalities : [raid1] [raid10]\n"
				     "md126 : active raid1 nvme2n1[1] nvme0n1p2[0]\n"
				     "      1064960 blocks super 1.2 [2/2] [UU]\n"
				     "md127 : broken raid1 nvme3n1[1] nvme0n1p3[0]\n"
				     "      1064960 blocks super 1.2 [2/1] [_U]\n"
				     "unused devices: <none>\n";
	struct tree *t = *state;
	struct md_array a[2] = { { .kname = "md126" }, { .kname = "md127" } };
	char *proc = tree_path(t, "proc"), *fifo = tree_path(t, "proc/mdstat");
	int fd, r;

	/* No md module: nothing is broken. */
	assert_int_equal(md_mark_broken(proc, a, 2), 0);
	tree_mkdirs(t, "proc");
	tree_write(t, "proc/mdstat", mdstat, strlen(mdstat), 0644);
	assert_int_equal(md_mark_broken(proc, a, 2), 0);
	assert_false(a[0].broken);
	assert_true(a[1].broken);

	/* A FIFO without a writer: the read waits, as behind MD's bitmap mutex. */
	a[1].broken = false;
	assert_int_equal(unlink(fifo), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(md_mark_broken(proc, a, 2), -ETIMEDOUT);
	assert_int_equal(md_mark_broken(proc, a, 2), -EAGAIN);
	assert_false(a[1].broken);
	/* The reader left behind ends with the wait; the next read starts afresh. */
	fd = open(fifo, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(unlink(fifo), 0);
	tree_write(t, "proc/mdstat", mdstat, strlen(mdstat), 0644);
	assert_int_equal(close(fd), 0);
	while ((r = md_mark_broken(proc, a, 2)) == -EAGAIN)
		usleep(10000);
	assert_int_equal(r, 0);
	assert_true(a[1].broken);
	free(fifo);
	free(proc);
}

static void test_member_set_state(void **state)
{
	struct tree *t = *state;
	char *sysfs, *got;

	/* Empty: a regular file is not truncated by the write, as an attribute needs not be. */
	tree_attr(t, "sys/block/md127/md/dev-nvme3n1", "state", NULL);
	sysfs = tree_path(t, "sys");
	assert_int_equal(md_member_set_state(sysfs, "md127", "nvme3n1", "faulty"), 0);
	got = tree_read(t, "sys/block/md127/md/dev-nvme3n1/state");
	assert_string_equal(got, "faulty");
	free(got);
	assert_int_equal(md_member_set_state(sysfs, "md127", "nvme4n1", "faulty"), -ENOENT);
	assert_int_equal(md_member_set_state(sysfs, "md127", "../dev-nvme3n1", "remove"), -EINVAL);
	free(sysfs);
}

static void test_set_readonly(void **state)
{
	struct tree *t = *state;
	char *sysfs, *got;

	tree_attr(t, "sys/block/md127/md", "array_state", NULL);
	sysfs = tree_path(t, "sys");
	assert_int_equal(md_set_readonly(sysfs, "md127"), 0);
	got = tree_read(t, "sys/block/md127/md/array_state");
	assert_string_equal(got, "readonly");
	free(got);
	assert_int_equal(md_set_readonly(sysfs, "md126"), -ENOENT);
	assert_int_equal(md_set_readonly(sysfs, "../md127"), -EINVAL);
	free(sysfs);
}

/* Only a block device takes BLKROGET/BLKROSET: a regular file says ENOTTY, not done. */
static void test_set_bdev_readonly(void **state)
{
	struct tree *t = *state;
	char *dev;

	tree_attr(t, "dev", "md127", NULL);
	dev = tree_path(t, "dev");
	assert_int_equal(md_set_bdev_readonly(dev, "md127", true), -ENOTTY);
	assert_int_equal(md_set_bdev_readonly(dev, "md127", false), -ENOTTY);
	assert_int_equal(md_set_bdev_readonly(dev, "md126", true), -ENOENT);
	assert_int_equal(md_set_bdev_readonly(dev, "../md127", true), -EINVAL);
	free(dev);
}

/* An inactive array (assembled, not started) and one with no readable member. */
static void test_list_inactive(void **state)
{
	static uint8_t dev_sdb[DEV_SIZE];
	struct tree *t = *state;
	struct md_array *a;
	size_t n;
	char *sysfs, *dev;

	tree_attr(t, "sys/block/md0/md", "level", "");
	tree_attr(t, "sys/block/md0/md", "array_state", "inactive");
	tree_attr(t, "sys/block/md0/md", "raid_disks", "0");
	tree_attr(t, "sys/block/md0/md", "component_size", "0");
	tree_attr(t, "sys/block/md0/md/dev-sdb", "slot", "none");
	tree_attr(t, "sys/block/md0/md/dev-sdb", "state", "spare");
	/*
	 * A whole device (an import, say) carrying a superblock is never read
	 * for the identity: its path may be lost, and the read would wait.
	 */
	sb_build(dev_sdb, &spec_a);
	tree_mkdirs(t, "dev");
	tree_write(t, "dev/sdb", dev_sdb, sizeof(dev_sdb), 0755);
	sysfs = tree_path(t, "sys");
	dev = tree_path(t, "dev");
	assert_int_equal(md_list(sysfs, dev, &a, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(a[0].level, "");
	assert_string_equal(a[0].array_state, "inactive");
	assert_null(a[0].sync_action);
	assert_int_equal(a[0].sync_percent, -1);
	assert_null(a[0].name);
	assert_null(a[0].uuid);
	assert_int_equal(a[0].members[0].slot, -1);
	md_arrays_free(a, n);
	free(sysfs);
	free(dev);

	/* No sysfs at all: an error, not an empty list. */
	sysfs = tree_path(t, "nothing");
	assert_int_equal(md_list(sysfs, "/dev", &a, &n), -ENOENT);
	free(sysfs);
}

/*
 * run_command() as mdadm would see it. This program defines the symbol, so
 * the linker never takes util/run.o: no process is started here.
 */
static struct strbuf ran = STRBUF_INIT;
static int run_result;
static const char *run_stderr;

int run_command(const char *const *argv, unsigned timeout_ms, struct strbuf *out,
		struct strbuf *err)
{
	const char *base = strrchr(argv[0], '/');

	assert_non_null(base);
	assert_int_equal(timeout_ms, 60000);
	strbuf_reset(&ran);
	strbuf_adds(&ran, base + 1);
	for (size_t i = 1; argv[i]; i++)
		strbuf_addf(&ran, " %s", argv[i]);
	if (err && run_stderr)
		strbuf_adds(err, run_stderr);
	return run_result;
}

/* The proc root the mdadm calls probe first (md_mdstat_answers()); no mdstat there answers. */
static char *proc;

/* mdadm on PATH (a file that is never executed), nothing run yet. */
static int setup_mdadm(void **state)
{
	static const char script[] = "#!/bin/sh\nexit 1\n";
	struct tree *t;
	char *bin;

	setup(state);
	t = *state;
	tree_mkdirs(t, "bin");
	tree_write(t, "bin/mdadm", script, strlen(script), 0755);
	bin = tree_path(t, "bin");
	assert_int_equal(setenv("PATH", bin, 1), 0);
	free(bin);
	proc = tree_path(t, "proc");
	strbuf_reset(&ran);
	run_result = 0;
	run_stderr = NULL;
	return 0;
}

static int teardown_mdadm(void **state)
{
	free(proc);
	proc = NULL;
	strbuf_done(&ran);
	return tree_teardown(state);
}

static void test_create(void **state)
{
	const char *const raid1[] = { "/dev/nvme0n1p2", "missing" };
	const char *const raid10[] = { "/dev/nvme0n1p2", "/dev/nvme1n1", "/dev/nvme0n1p3",
				       "/dev/nvme2n1" };

	assert_int_equal(md_create(proc, "pvc-a", UUID_A, 1, 2, 1048576, raid1, 2, NULL), 0);
	assert_string_equal(ran.buf,
			    "mdadm --create /dev/md/pvc-a --run --metadata=1.2 --bitmap=internal "
			    "--bitmap-chunk=256K --data-offset=8M --homehost=<none> --name=pvc-a "
			    "--uuid=" UUID_A
			    " --level=1 --raid-devices=2 --size=1048576K /dev/nvme0n1p2 missing");

	/* RAID10 of two stripes: the bitmap covers twice a member's size. */
	assert_int_equal(md_create(proc, "pvc-c", UUID_A, 10, 2, 33554432, raid10, 4, NULL), 0);
	assert_string_equal(ran.buf,
			    "mdadm --create /dev/md/pvc-c --run --metadata=1.2 --bitmap=internal "
			    "--bitmap-chunk=16384K --data-offset=8M --homehost=<none> --name=pvc-c "
			    "--uuid=" UUID_A
			    " --level=10 --layout=n2 --raid-devices=4 --size=33554432K "
			    "/dev/nvme0n1p2 /dev/nvme1n1 /dev/nvme0n1p3 /dev/nvme2n1");

	/*
	 * 256 GiB and up: mdadm's own chunk, 64 MiB, or more where that would
	 * not fit the bitmap's room (it refuses one given that does not).
	 */
	assert_int_equal(md_create(proc, "pvc-d", UUID_A, 1, 2, 268435456, raid1, 2, NULL), 0);
	assert_string_equal(ran.buf,
			    "mdadm --create /dev/md/pvc-d --run --metadata=1.2 --bitmap=internal "
			    "--data-offset=8M --homehost=<none> --name=pvc-d --uuid=" UUID_A
			    " --level=1 --raid-devices=2 --size=268435456K /dev/nvme0n1p2 missing");

	assert_int_equal(md_create(proc, "pvc-b", UUID_A, 10, 2, 0, raid10, 4, NULL), 0);
	assert_string_equal(ran.buf,
			    "mdadm --create /dev/md/pvc-b --run --metadata=1.2 --bitmap=internal "
			    "--data-offset=8M --homehost=<none> --name=pvc-b --uuid=" UUID_A
			    " --level=10 --layout=n2 --raid-devices=4 /dev/nvme0n1p2 /dev/nvme1n1 "
			    "/dev/nvme0n1p3 /dev/nvme2n1");
}

static void test_bitmap_chunk(void **state)
{
	static const struct {
		uint64_t array_kib, chunk_kib;
	} cases[] = {
		{ 0, MD_BITMAP_CHUNK_MIN_KIB },
		{ 1024, MD_BITMAP_CHUNK_MIN_KIB },
		{ 1048576, 256 },	   /* 1 GiB: 4096 chunks */
		{ 1048576 + 1, 512 },	   /* a KiB more: 2049 chunks */
		{ 33554432, 8192 },	   /* 32 GiB */
		{ 268435456, 65536 },	   /* 256 GiB: mdadm's own chunk */
		{ 17179869184ULL, 65536 }, /* 16 TiB: never more than mdadm's */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t chunk = md_bitmap_chunk_kib(cases[i].array_kib);

		assert_int_equal(chunk, cases[i].chunk_kib);
		assert_true((chunk & (chunk - 1)) == 0);
		assert_true(chunk == MD_BITMAP_CHUNK_MAX_KIB ||
			    (cases[i].array_kib + chunk - 1) / chunk <= MD_BITMAP_CHUNKS);
	}
}

static void test_create_invalid(void **state)
{
	const char *const devs[] = { "/dev/nvme0n1p2", "missing" };
	const char *const relative[] = { "nvme0n1p2", "missing" };
	const char *const option[] = { "/dev/nvme0n1p2", "--force" };

	/* 32 characters would be cut to 31 by mdadm; ':' would read back as a homehost. */
	assert_int_equal(md_create(proc, "abcdefghijklmnopqrstuvwxyz012345", UUID_A, 1, 2, 1024,
				   devs, 2, NULL),
			 -EINVAL);
	assert_int_equal(md_create(proc, "host:pvc-a", UUID_A, 1, 2, 1024, devs, 2, NULL), -EINVAL);
	assert_int_equal(md_create(proc, "", UUID_A, 1, 2, 1024, devs, 2, NULL), -EINVAL);
	assert_int_equal(md_create(proc, "pvc-a", "not-a-uuid", 1, 2, 1024, devs, 2, NULL),
			 -EINVAL);
	assert_int_equal(md_create(proc, "pvc-a", UUID_A, 5, 2, 1024, devs, 2, NULL), -EINVAL);
	assert_int_equal(md_create(proc, "pvc-a", UUID_A, 10, 3, 1024, devs, 2, NULL), -EINVAL);
	assert_int_equal(md_create(proc, "pvc-a", UUID_A, 1, 2, 1024, relative, 2, NULL), -EINVAL);
	assert_int_equal(md_create(proc, "pvc-a", UUID_A, 1, 2, 1024, option, 2, NULL), -EINVAL);
	assert_int_equal(md_assemble(proc, "pvc-a", UUID_A, devs, 2, NULL),
			 -EINVAL); /* "missing" */
	assert_string_equal(ran.buf, "");
}

static void test_manage(void **state)
{
	const char *const devs[] = { "/dev/nvme0n1p2", "/dev/nvme1n1" };

	assert_int_equal(md_assemble(proc, "pvc-a", UUID_A, devs, 2, NULL), 0);
	assert_string_equal(ran.buf, "mdadm --assemble /dev/md/pvc-a --uuid=" UUID_A
				     " --run /dev/nvme0n1p2 /dev/nvme1n1");
	assert_int_equal(md_stop(proc, "/dev/md127", NULL), 0);
	assert_string_equal(ran.buf, "mdadm --stop /dev/md127");
	assert_int_equal(md_re_add("/dev/md127", "/dev/nvme1n1", NULL), 0);
	assert_string_equal(ran.buf, "mdadm --manage /dev/md127 --re-add /dev/nvme1n1");
	assert_int_equal(md_add("/dev/md127", "/dev/nvme1n1", NULL), 0);
	assert_string_equal(ran.buf, "mdadm --manage /dev/md127 --add /dev/nvme1n1");
	assert_int_equal(md_replace("/dev/md127", "/dev/nvme1n1", "/dev/nvme2n1", NULL), 0);
	assert_string_equal(ran.buf,
			    "mdadm --manage /dev/md127 --replace /dev/nvme1n1 --with /dev/nvme2n1");
	assert_int_equal(md_grow("/dev/md127", 0, NULL), 0);
	assert_string_equal(ran.buf, "mdadm --grow /dev/md127 --size=max");
	assert_int_equal(md_grow("/dev/md127", 2097152, NULL), 0);
	assert_string_equal(ran.buf, "mdadm --grow /dev/md127 --size=2097152K");
}

static void test_failure(void **state)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;

	run_result = 1;
	run_stderr =
		"mdadm: add new device failed for /dev/nvme1n1 as 2: Device or resource busy\n";
	assert_int_equal(md_add("/dev/md127", "/dev/nvme1n1", &err), -EIO);
	assert_string_equal(
		err.buf, "mdadm: add new device failed for /dev/nvme1n1 as 2: Device or resource "
			 "busy");
	/* No err: the status alone. */
	assert_int_equal(md_stop(proc, "/dev/md127", NULL), -EIO);

	run_result = -ETIMEDOUT;
	run_stderr = NULL;
	strbuf_reset(&err);
	assert_int_equal(md_stop(proc, "/dev/md127", &err), -ETIMEDOUT);
	assert_string_equal(err.buf, "");
}

/*
 * Assembling, creating and stopping read /proc/mdstat in mdadm, which waits
 * unkillably while a bitmap write waits on a lost leg: refused, nothing run.
 */
static void test_refused_while_mdstat_waits(void **state)
{
	const char *const devs[] = { "/dev/nvme0n1p2", "/dev/nvme1n1" };
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	char *fifo = tree_path(*state, "proc/mdstat");
	int fd, r;

	tree_mkdirs(*state, "proc");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(md_stop(proc, "/dev/md127", &err), -EBUSY);
	assert_true(strncmp(err.buf, "mdadm cannot run now: /proc/mdstat", 34) == 0);
	/* The first reader is still left behind: the others are refused at once. */
	assert_int_equal(md_assemble(proc, "pvc-a", UUID_A, devs, 2, NULL), -EBUSY);
	assert_int_equal(md_create(proc, "pvc-a", UUID_A, 1, 2, 0, devs, 2, NULL), -EBUSY);
	/* Arguments mdadm must never see are refused before the probe. */
	assert_int_equal(md_stop(proc, "md127", NULL), -EINVAL);
	assert_string_equal(ran.buf, "");
	fd = open(fifo, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(unlink(fifo), 0);
	assert_int_equal(close(fd), 0);
	while ((r = md_stop(proc, "/dev/md127", NULL)) == -EBUSY)
		usleep(10000);
	assert_int_equal(r, 0);
	assert_string_equal(ran.buf, "mdadm --stop /dev/md127");
	free(fifo);
}

static void test_zero_superblock(void **state)
{
	static uint8_t dev[DEV_SIZE];
	struct tree *t = *state;
	char *p;

	memset(dev, 0, sizeof(dev));
	tree_write(t, "blank", dev, sizeof(dev), 0755);
	sb_build(dev, &spec_a);
	tree_write(t, "member", dev, sizeof(dev), 0755);

	p = tree_path(t, "blank");
	assert_int_equal(md_zero_superblock(p, NULL), 0);
	assert_string_equal(ran.buf, ""); /* nothing to zero: mdadm not run */
	free(p);

	p = tree_path(t, "member");
	assert_int_equal(md_zero_superblock(p, NULL), 0);
	assert_true(strncmp(ran.buf, "mdadm --zero-superblock /tmp/", 29) == 0);
	free(p);
}

/*
 * Item 2 of the compound-fault issue: a failed re-add fell back to zeroing
 * the returning member, which could be the newest copy or another volume's.
 */
static void test_may_wipe(void **state)
{
	static uint8_t dev[DEV_SIZE];
	static const uint8_t uuid_b[16] = { 0xbb };
	struct tree *t = *state;
	struct sb_spec s = spec_a;
	struct strbuf err = STRBUF_INIT;
	char *member, *older, *newer, *other, *blank;
	const char *live[2];

	sb_build(dev, &s);
	tree_write(t, "member", dev, sizeof(dev), 0644);
	s.events = spec_a.events - 5;
	sb_build(dev, &s);
	tree_write(t, "older", dev, sizeof(dev), 0644);
	s.events = spec_a.events + 5;
	sb_build(dev, &s);
	tree_write(t, "newer", dev, sizeof(dev), 0644);
	s = spec_a;
	s.uuid = uuid_b;
	sb_build(dev, &s);
	tree_write(t, "other", dev, sizeof(dev), 0644);
	memset(dev, 0, sizeof(dev));
	tree_write(t, "blank", dev, sizeof(dev), 0644);
	member = tree_path(t, "member");
	older = tree_path(t, "older");
	newer = tree_path(t, "newer");
	other = tree_path(t, "other");
	blank = tree_path(t, "blank");

	/* Nothing to lose: no superblock. */
	assert_int_equal(md_may_wipe(blank, UUID_A, false, NULL, 0, &err), 0);
	/* Another array's superblock: never, not even when the record says full. */
	assert_int_equal(md_may_wipe(other, UUID_A, true, NULL, 0, &err), -EEXIST);
	assert_non_null(strstr(err.buf, "another array"));
	/* The record says it is not current: it goes. */
	assert_int_equal(md_may_wipe(member, UUID_A, true, NULL, 0, &err), 0);
	/* No live member (a broken array): it may be the newest copy. */
	strbuf_reset(&err);
	assert_int_equal(md_may_wipe(member, UUID_A, false, NULL, 0, &err), -EBUSY);
	assert_non_null(strstr(err.buf, "newest"));
	/* Live members all older: the same. */
	live[0] = older;
	assert_int_equal(md_may_wipe(member, UUID_A, false, live, 1, &err), -EBUSY);
	/* A live member at least as new (or another array's, which does not count). */
	live[0] = other;
	live[1] = newer;
	assert_int_equal(md_may_wipe(member, UUID_A, false, live, 2, &err), 0);
	live[1] = member;
	assert_int_equal(md_may_wipe(older, UUID_A, false, live, 2, &err), 0);
	assert_int_equal(md_may_wipe(member, UUID_A, false, live, 1, &err), -EBUSY);
	strbuf_done(&err);
	free(member);
	free(older);
	free(newer);
	free(other);
	free(blank);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_name),
		cmocka_unit_test(test_parse_roles),
		cmocka_unit_test(test_parse_invalid),
		cmocka_unit_test_setup_teardown(test_read_superblock, setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_may_wipe, setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_list_inactive, setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_member_set_state, setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_set_readonly, setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_set_bdev_readonly, setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_mark_broken, setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_create, setup_mdadm, teardown_mdadm),
		cmocka_unit_test(test_bitmap_chunk),
		cmocka_unit_test_setup_teardown(test_create_invalid, setup_mdadm, teardown_mdadm),
		cmocka_unit_test_setup_teardown(test_manage, setup_mdadm, teardown_mdadm),
		cmocka_unit_test_setup_teardown(test_failure, setup_mdadm, teardown_mdadm),
		cmocka_unit_test_setup_teardown(test_refused_while_mdstat_waits, setup_mdadm,
						teardown_mdadm),
		cmocka_unit_test_setup_teardown(test_zero_superblock, setup_mdadm, teardown_mdadm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
