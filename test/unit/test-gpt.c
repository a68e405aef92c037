// SPDX-License-Identifier: GPL-2.0-only
#include <blkid/blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libfdisk/libfdisk.h>
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

#include "node/gpt.h"
#include "util/macro.h"
#include "util/strbuf.h"
#include "util/banned.h"

#define MiB (1024ULL * 1024)
#define GiB (1024 * MiB)

#define UUID_A "0b7e2a57-4f6c-4d3b-9a4e-1c2d3e4f5a01"
#define UUID_B "0b7e2a57-4f6c-4d3b-9a4e-1c2d3e4f5a02"
#define UUID_C "0b7e2a57-4f6c-4d3b-9a4e-1c2d3e4f5a03"
#define UUID_D "0b7e2a57-4f6c-4d3b-9a4e-1c2d3e4f5a04"
#define UUID_E "0b7e2a57-4f6c-4d3b-9a4e-1c2d3e4f5a05"
#define UUID_FOREIGN "5e1f0000-0000-4000-8000-00000000f0f0"
#define LINUX_FS_TYPE "0fc63daf-8483-4772-8e79-3d69d8477de4"

/* A 2 GiB drive holds 2046 MiB of partitions: 1 MiB for the GPT, the last MiB for its backup. */
#define USABLE_2G (2 * GiB - 2 * MiB)

struct fixture {
	char dir[64];
	char path[96];
};

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test-gpt.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/disk.img", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(nftw(f->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
	free(f);
	return 0;
}

/* A sparse file of size bytes, all zeros: a blank drive. */
static const char *make_disk(void **state, uint64_t size)
{
	struct fixture *f = *state;
	int fd = open(f->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	close(fd);
	return f->path;
}

static void write_at(const char *path, uint64_t off, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, data, len, (off_t)off), (ssize_t)len);
	close(fd);
}

/* A version-1 swap header at off, which libblkid reports as TYPE="swap". */
static void write_swap(const char *path, uint64_t off)
{
	const uint32_t hdr[2] = { 1, 16 }; /* version, last page (little-endian host) */

	write_at(path, off + 1024, hdr, sizeof(hdr));
	write_at(path, off + 4096 - 10, "SWAPSPACE2", 10);
}

/*
 * The TYPEs of every signature libblkid finds in [off, off + size) of path, in
 * its probing order and comma-separated; "" when none.
 */
static void probe_type(const char *path, uint64_t off, uint64_t size, char *ret, size_t n)
{
	struct strbuf types = STRBUF_INIT;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	blkid_probe pr = blkid_new_probe();
	const char *type;

	assert_true(fd >= 0);
	assert_non_null(pr);
	assert_int_equal(blkid_probe_set_device(pr, fd, (blkid_loff_t)off, (blkid_loff_t)size), 0);
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
	while (blkid_do_probe(pr) == 0)
		if (blkid_probe_lookup_value(pr, "TYPE", &type, NULL) == 0)
			strbuf_addf(&types, "%s%s", types.len ? "," : "", type);
	snprintf(ret, n, "%s", types.buf);
	strbuf_done(&types);
	blkid_free_probe(pr);
	close(fd);
}

/*
 * Every data extent of path with its offset: equal snapshots mean the file was
 * not written (holes read as zeros and stay holes unless written).
 */
static void snapshot(const char *path, struct strbuf *ret)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t end, data = 0, hole;
	char buf[65536];

	assert_true(fd >= 0);
	end = lseek(fd, 0, SEEK_END);
	strbuf_reset(ret);
	while (data < end && (data = lseek(fd, data, SEEK_DATA)) >= 0) {
		hole = lseek(fd, data, SEEK_HOLE);
		assert_true(hole > data);
		strbuf_addf(ret, "@%lld:", (long long)data);
		while (data < hole) {
			ssize_t n =
				pread(fd, buf, (size_t)MIN((off_t)sizeof(buf), hole - data), data);

			assert_true(n > 0);
			strbuf_add(ret, buf, (size_t)n);
			data += n;
		}
	}
	strbuf_addf(ret, "end %lld", (long long)end);
	close(fd);
}

static void assert_unchanged(const char *path, const struct strbuf *before)
{
	struct strbuf now = STRBUF_INIT;

	snapshot(path, &now);
	assert_int_equal(now.len, before->len);
	assert_memory_equal(now.buf, before->buf, now.len);
	strbuf_done(&now);
}

static const struct gpt_partition *find(const struct gpt_disk *d, const char *uuid)
{
	for (size_t i = 0; i < d->n_parts; i++)
		if (strcmp(d->parts[i].uuid, uuid) == 0)
			return &d->parts[i];
	return NULL;
}

static unsigned create(const char *path, const char *uuid, uint64_t size)
{
	unsigned partno = 0;

	assert_int_equal(gpt_create(path, uuid, "meshstor", size, &partno), 0);
	assert_true(partno > 0);
	return partno;
}

/*
 * Adds a partition with libfdisk directly, as another tool would: in a new
 * label of type label when the file has none. start and size are sectors.
 */
static void add_foreign(const char *path, const char *label, const char *type, uint64_t start,
			uint64_t size)
{
	struct fdisk_context *cxt = fdisk_new_context();
	struct fdisk_partition *pa = fdisk_new_partition();
	struct fdisk_parttype *t;

	assert_non_null(cxt);
	assert_non_null(pa);
	assert_int_equal(fdisk_assign_device(cxt, path, 0), 0);
	if (!fdisk_has_label(cxt))
		assert_int_equal(fdisk_create_disklabel(cxt, label), 0);
	t = fdisk_label_parse_parttype(fdisk_get_label(cxt, NULL), type);
	assert_non_null(t);
	assert_int_equal(fdisk_partition_set_type(pa, t), 0);
	assert_int_equal(fdisk_partition_set_start(pa, start), 0);
	assert_int_equal(fdisk_partition_set_size(pa, size), 0);
	assert_int_equal(fdisk_partition_size_explicit(pa, 1), 0);
	if (strcmp(label, "gpt") == 0) {
		assert_int_equal(fdisk_partition_partno_follow_default(pa, 1), 0);
		assert_int_equal(fdisk_partition_set_uuid(pa, UUID_FOREIGN), 0);
	} else {
		/* A number of its own, or libfdisk asks whether primary or logical. */
		assert_int_equal(fdisk_partition_set_partno(pa, 0), 0);
	}
	assert_int_equal(fdisk_add_partition(cxt, pa, NULL), 0);
	assert_int_equal(fdisk_write_disklabel(cxt), 0);
	fdisk_unref_parttype(t);
	fdisk_unref_partition(pa);
	assert_int_equal(fdisk_deassign_device(cxt, 1), 0);
	fdisk_unref_context(cxt);
}

static void test_blank(void **state)
{
	const char *path = make_disk(state, 2 * GiB);
	struct gpt_disk d;

	assert_int_equal(gpt_read(path, &d), 0);
	assert_false(d.has_gpt);
	assert_true(d.blank);
	assert_int_equal(d.size, 2 * GiB);
	assert_int_equal(d.sector_size, 512);
	assert_int_equal(d.n_parts, 0);
	assert_int_equal(d.largest_free, USABLE_2G);
	assert_int_equal(d.free_total, USABLE_2G);
	gpt_disk_done(&d);
}

/* What another reader (libblkid) finds in the table we wrote. */
static void assert_blkid_sees(const char *path, unsigned partno, const char *uuid, uint64_t start,
			      uint64_t size)
{
	blkid_probe pr = blkid_new_probe_from_filename(path);
	blkid_partlist ls;
	blkid_partition par;
	const char *pttype = NULL;

	assert_non_null(pr);
	blkid_probe_enable_partitions(pr, 1);
	assert_int_equal(blkid_do_fullprobe(pr), 0);
	assert_int_equal(blkid_probe_lookup_value(pr, "PTTYPE", &pttype, NULL), 0);
	assert_string_equal(pttype, "gpt");
	ls = blkid_probe_get_partitions(pr);
	assert_non_null(ls);
	par = blkid_partlist_get_partition_by_partno(ls, (int)partno);
	assert_non_null(par);
	assert_string_equal(blkid_partition_get_uuid(par), uuid);
	assert_string_equal(blkid_partition_get_type_string(par), GPT_MESHSTOR_TYPE);
	assert_int_equal(blkid_partition_get_start(par) * 512, start);
	assert_int_equal(blkid_partition_get_size(par) * 512, size);
	blkid_free_probe(pr);
}

static void test_create_on_blank(void **state)
{
	const char *path = make_disk(state, 2 * GiB);
	const struct gpt_partition *p;
	unsigned partno = 0;
	struct gpt_disk d;

	/* Upper-case in, lower-case out: GPT stores the bytes, not the spelling. */
	assert_int_equal(gpt_create(path, "0B7E2A57-4F6C-4D3B-9A4E-1C2D3E4F5A01", "pvc-1234:m0",
				    100 * MiB + 1, &partno),
			 0);
	assert_int_equal(partno, 1);
	assert_int_equal(gpt_read(path, &d), 0);
	assert_true(d.has_gpt);
	assert_false(d.blank);
	assert_int_equal(d.n_parts, 1);
	p = &d.parts[0];
	assert_int_equal(p->partno, 1);
	assert_string_equal(p->uuid, UUID_A);
	assert_string_equal(p->type, GPT_MESHSTOR_TYPE);
	assert_string_equal(p->name, "pvc-1234:m0");
	assert_true(p->ours);
	assert_int_equal(p->start, 1 * MiB);
	assert_int_equal(p->size, 101 * MiB);
	assert_int_equal(d.largest_free, USABLE_2G - 101 * MiB);
	assert_int_equal(d.free_total, USABLE_2G - 101 * MiB);
	gpt_disk_done(&d);
	assert_blkid_sees(path, 1, UUID_A, 1 * MiB, 101 * MiB);
}

static void test_create_idempotent(void **state)
{
	const char *path = make_disk(state, 2 * GiB);
	struct strbuf before = STRBUF_INIT;
	unsigned partno = 0;

	assert_int_equal(create(path, UUID_A, 10 * MiB), 1);
	assert_int_equal(create(path, UUID_B, 10 * MiB), 2);
	snapshot(path, &before);
	assert_int_equal(gpt_create(path, UUID_B, "meshstor", 10 * MiB, &partno), 0);
	assert_int_equal(partno, 2);
	/* Smaller is fine (it is rounded the same way); larger is a different partition. */
	assert_int_equal(gpt_create(path, UUID_B, "other", 5 * MiB, NULL), 0);
	assert_int_equal(gpt_create(path, UUID_B, "meshstor", 10 * MiB + 1, NULL), -EEXIST);
	assert_unchanged(path, &before);
	strbuf_done(&before);
}

static void test_fill_in_order(void **state)
{
	const char *path = make_disk(state, 2 * GiB);
	const struct gpt_partition *p;
	struct gpt_disk d;

	assert_int_equal(create(path, UUID_A, 100 * MiB), 1);
	assert_int_equal(create(path, UUID_B, 200 * MiB), 2);
	assert_int_equal(create(path, UUID_C, 300 * MiB), 3);
	assert_int_equal(gpt_read(path, &d), 0);
	assert_int_equal(d.n_parts, 3);
	assert_int_equal(find(&d, UUID_A)->start, 1 * MiB);
	assert_int_equal(find(&d, UUID_B)->start, 101 * MiB);
	assert_int_equal(find(&d, UUID_C)->start, 301 * MiB);
	assert_int_equal(d.largest_free, USABLE_2G - 600 * MiB);
	gpt_disk_done(&d);

	/* A hole of 200 MiB at 101 MiB: the lowest extent that fits wins, and the lowest number. */
	assert_int_equal(gpt_delete(path, UUID_B), 0);
	assert_int_equal(create(path, UUID_D, 150 * MiB), 2);
	assert_int_equal(create(path, UUID_E, 51 * MiB), 4);
	assert_int_equal(gpt_read(path, &d), 0);
	assert_int_equal(d.n_parts, 4);
	p = find(&d, UUID_D);
	assert_non_null(p);
	assert_int_equal(p->start, 101 * MiB);
	assert_int_equal(p->size, 150 * MiB);
	p = find(&d, UUID_E);
	assert_non_null(p);
	assert_int_equal(p->partno, 4);
	assert_int_equal(p->start, 601 * MiB);
	/* 50 MiB left in the hole, the rest at the end. */
	assert_int_equal(d.largest_free, USABLE_2G - 651 * MiB);
	assert_int_equal(d.free_total, USABLE_2G - 651 * MiB + 50 * MiB);
	gpt_disk_done(&d);
}

static void test_enospc(void **state)
{
	const char *path = make_disk(state, 64 * MiB);
	struct strbuf before = STRBUF_INIT;
	struct gpt_disk d;

	/* Nothing fits: the blank drive does not even get its GPT. */
	snapshot(path, &before);
	assert_int_equal(gpt_create(path, UUID_A, "meshstor", 62 * MiB + 1, NULL), -ENOSPC);
	assert_unchanged(path, &before);
	assert_int_equal(gpt_read(path, &d), 0);
	assert_true(d.blank);
	assert_int_equal(d.largest_free, 62 * MiB);
	gpt_disk_done(&d);

	/* Exactly the largest extent fits, then nothing more. */
	assert_int_equal(create(path, UUID_A, 62 * MiB), 1);
	assert_int_equal(gpt_read(path, &d), 0);
	assert_int_equal(d.largest_free, 0);
	assert_int_equal(d.free_total, 0);
	gpt_disk_done(&d);
	snapshot(path, &before);
	assert_int_equal(gpt_create(path, UUID_B, "meshstor", 1, NULL), -ENOSPC);
	assert_unchanged(path, &before);
	strbuf_done(&before);
}

/* Another tool's partition that ends off the 1 MiB grid: ours still start on it. */
static void test_alignment_after_foreign(void **state)
{
	const char *path = make_disk(state, 2 * GiB);
	const struct gpt_partition *p;
	struct gpt_disk d;

	add_foreign(path, "gpt", LINUX_FS_TYPE, 2048, 3000);
	assert_int_equal(gpt_read(path, &d), 0);
	assert_true(d.has_gpt);
	assert_int_equal(d.n_parts, 1);
	assert_false(d.parts[0].ours);
	assert_string_equal(d.parts[0].type, LINUX_FS_TYPE);
	assert_string_equal(d.parts[0].uuid, UUID_FOREIGN);
	/* 2048 + 3000 sectors end inside the third MiB; the free space starts at the fourth. */
	assert_int_equal(d.largest_free, USABLE_2G - 2 * MiB);
	gpt_disk_done(&d);

	assert_int_equal(create(path, UUID_A, 10 * MiB), 2);
	assert_int_equal(gpt_read(path, &d), 0);
	p = find(&d, UUID_A);
	assert_non_null(p);
	assert_int_equal(p->start, 3 * MiB);
	assert_int_equal(p->size, 10 * MiB);
	gpt_disk_done(&d);
}

static void test_delete(void **state)
{
	const char *path = make_disk(state, 2 * GiB);
	struct gpt_disk d;

	assert_int_equal(create(path, UUID_A, 10 * MiB), 1);
	assert_int_equal(create(path, UUID_B, 20 * MiB), 2);
	assert_int_equal(create(path, UUID_C, 30 * MiB), 3);
	assert_int_equal(gpt_delete(path, UUID_B), 0);
	assert_int_equal(gpt_read(path, &d), 0);
	assert_int_equal(d.n_parts, 2);
	assert_null(find(&d, UUID_B));
	assert_int_equal(find(&d, UUID_A)->partno, 1);
	assert_int_equal(find(&d, UUID_A)->size, 10 * MiB);
	assert_int_equal(find(&d, UUID_C)->partno, 3);
	assert_int_equal(find(&d, UUID_C)->start, 31 * MiB);
	assert_int_equal(d.free_total, USABLE_2G - 40 * MiB);
	gpt_disk_done(&d);
	/* Gone already, or never there: done. */
	assert_int_equal(gpt_delete(path, UUID_B), 0);
	assert_int_equal(gpt_delete(path, UUID_E), 0);
	/* A blank drive has nothing to delete, and stays blank. */
	path = make_disk(state, 64 * MiB);
	assert_int_equal(gpt_delete(path, UUID_A), 0);
	assert_int_equal(gpt_read(path, &d), 0);
	assert_true(d.blank);
	gpt_disk_done(&d);
}

static void test_foreign_partition_untouched(void **state)
{
	const char *path = make_disk(state, 2 * GiB);
	struct strbuf before = STRBUF_INIT;
	struct gpt_disk d;

	assert_int_equal(create(path, UUID_A, 10 * MiB), 1);
	add_foreign(path, "gpt", LINUX_FS_TYPE, 11 * 2048, 5 * 2048);
	snapshot(path, &before);
	assert_int_equal(gpt_delete(path, UUID_FOREIGN), -EPERM);
	assert_int_equal(gpt_grow(path, UUID_FOREIGN, 6 * MiB), -EPERM);
	assert_int_equal(gpt_create(path, UUID_FOREIGN, "meshstor", 1 * MiB, NULL), -EEXIST);
	assert_unchanged(path, &before);

	/* Ours goes; theirs stays. */
	assert_int_equal(gpt_delete(path, UUID_A), 0);
	assert_int_equal(gpt_read(path, &d), 0);
	assert_int_equal(d.n_parts, 1);
	assert_string_equal(d.parts[0].uuid, UUID_FOREIGN);
	assert_int_equal(d.parts[0].partno, 2);
	assert_int_equal(d.parts[0].start, 11 * MiB);
	assert_int_equal(d.parts[0].size, 5 * MiB);
	gpt_disk_done(&d);
	strbuf_done(&before);
}

/* A drive that is someone else's: read as such, refused for create, never written. */
static void assert_foreign(const char *path)
{
	struct strbuf before = STRBUF_INIT;
	struct gpt_disk d;

	snapshot(path, &before);
	assert_int_equal(gpt_read(path, &d), 0);
	assert_false(d.has_gpt);
	assert_false(d.blank);
	assert_int_equal(d.n_parts, 0);
	assert_int_equal(d.largest_free, 0);
	assert_int_equal(d.free_total, 0);
	gpt_disk_done(&d);
	assert_int_equal(gpt_create(path, UUID_B, "meshstor", 1 * MiB, NULL), -EMEDIUMTYPE);
	assert_int_equal(gpt_delete(path, UUID_A), 0);
	assert_int_equal(gpt_grow(path, UUID_A, 100 * MiB), -ENOENT);
	assert_unchanged(path, &before);
	strbuf_done(&before);
}

static void test_mbr_refused(void **state)
{
	const char *path = make_disk(state, 256 * MiB);

	add_foreign(path, "dos", "83", 2048, 20 * 2048);
	assert_foreign(path);
}

static void test_signature_refused(void **state)
{
	char type[32];
	const char *path;

	path = make_disk(state, 256 * MiB);
	write_swap(path, 0);
	probe_type(path, 0, 256 * MiB, type, sizeof(type));
	assert_string_equal(type, "swap");
	assert_foreign(path);

	/* The ext2/3/4 superblock magic, 0xEF53 at 1080. */
	path = make_disk(state, 256 * MiB);
	write_at(path, 1080, "\x53\xef", 2);
	probe_type(path, 0, 256 * MiB, type, sizeof(type));
	assert_string_equal(type, "ext2");
	assert_foreign(path);
}

/* A GPT with a filesystem over the whole drive (ISO 9660 at 32 KiB, past the table). */
static void test_gpt_with_signature_refused(void **state)
{
	const char *path = make_disk(state, 256 * MiB);
	char type[32];

	assert_int_equal(create(path, UUID_A, 10 * MiB), 1);
	write_at(path, 32768, "\001CD001\001", 7);
	probe_type(path, 0, 256 * MiB, type, sizeof(type));
	assert_string_equal(type, "iso9660");
	assert_foreign(path);
}

static void test_grow(void **state)
{
	const char *path = make_disk(state, 2 * GiB);
	struct strbuf before = STRBUF_INIT;
	const struct gpt_partition *p;
	struct gpt_disk d;

	assert_int_equal(create(path, UUID_A, 100 * MiB), 1);
	assert_int_equal(create(path, UUID_B, 100 * MiB), 2);
	snapshot(path, &before);
	/* B follows A right away. */
	assert_int_equal(gpt_grow(path, UUID_A, 150 * MiB), -ENOSPC);
	assert_int_equal(gpt_grow(path, UUID_C, 150 * MiB), -ENOENT);
	/* Already that large: nothing to do. */
	assert_int_equal(gpt_grow(path, UUID_A, 100 * MiB), 0);
	assert_int_equal(gpt_grow(path, UUID_A, 50 * MiB), 0);
	assert_unchanged(path, &before);

	assert_int_equal(gpt_grow(path, UUID_B, 300 * MiB - 1), 0);
	assert_int_equal(gpt_read(path, &d), 0);
	p = find(&d, UUID_B);
	assert_non_null(p);
	assert_int_equal(p->partno, 2);
	assert_int_equal(p->start, 101 * MiB);
	assert_int_equal(p->size, 300 * MiB);
	assert_int_equal(find(&d, UUID_A)->size, 100 * MiB);
	assert_int_equal(d.largest_free, USABLE_2G - 400 * MiB);
	gpt_disk_done(&d);

	/* To the very end of the usable space, and not a MiB further. */
	snapshot(path, &before);
	assert_int_equal(gpt_grow(path, UUID_B, USABLE_2G - 100 * MiB + 1), -ENOSPC);
	assert_unchanged(path, &before);
	assert_int_equal(gpt_grow(path, UUID_B, USABLE_2G - 100 * MiB), 0);
	assert_int_equal(gpt_read(path, &d), 0);
	assert_int_equal(find(&d, UUID_B)->size, USABLE_2G - 100 * MiB);
	assert_int_equal(d.largest_free, 0);
	gpt_disk_done(&d);
	strbuf_done(&before);
}

static void test_wipes_old_signatures(void **state)
{
	const char *path = make_disk(state, 2 * GiB);
	char type[32];

	/*
	 * Where the first partition will be, two at once (ext2's magic sits
	 * between the swap header and the swap magic); and further on, where no
	 * partition will be.
	 */
	write_swap(path, 1 * MiB);
	probe_type(path, 1 * MiB, 100 * MiB, type, sizeof(type));
	assert_string_equal(type, "swap");
	write_at(path, 1 * MiB + 1080, "\x53\xef", 2);
	probe_type(path, 1 * MiB, 100 * MiB, type, sizeof(type));
	assert_string_equal(type, "swap,ext2");
	write_swap(path, 500 * MiB);

	assert_int_equal(create(path, UUID_A, 100 * MiB), 1);
	probe_type(path, 1 * MiB, 100 * MiB, type, sizeof(type));
	assert_string_equal(type, "");
	probe_type(path, 500 * MiB, 100 * MiB, type, sizeof(type));
	assert_string_equal(type, "swap");

	/* A partition made where an old one (of ours) held a filesystem. */
	assert_int_equal(create(path, UUID_B, 100 * MiB), 2);
	write_at(path, 101 * MiB + 1080, "\x53\xef", 2);
	probe_type(path, 101 * MiB, 100 * MiB, type, sizeof(type));
	assert_string_equal(type, "ext2");
	assert_int_equal(gpt_delete(path, UUID_B), 0);
	assert_int_equal(create(path, UUID_C, 50 * MiB), 2);
	probe_type(path, 101 * MiB, 50 * MiB, type, sizeof(type));
	assert_string_equal(type, "");
}

static void test_names(void **state)
{
	const char *path = make_disk(state, 256 * MiB);
	const char *max = "abcdefghijklmnopqrstuvwxyz0123456789";
	struct gpt_disk d;

	assert_int_equal(strlen(max), GPT_NAME_MAX);
	assert_int_equal(gpt_create(path, UUID_A, max, 1 * MiB, NULL), 0);
	assert_int_equal(gpt_create(path, UUID_B, "", 1 * MiB, NULL), 0);
	assert_int_equal(gpt_read(path, &d), 0);
	assert_string_equal(find(&d, UUID_A)->name, max);
	assert_string_equal(find(&d, UUID_B)->name, "");
	gpt_disk_done(&d);
}

static void test_invalid_arguments(void **state)
{
	struct fixture *f = *state;
	const char *path = make_disk(state, 256 * MiB);
	struct strbuf before = STRBUF_INIT;

	snapshot(path, &before);
	assert_int_equal(gpt_create(path, "not-a-uuid", "x", 1 * MiB, NULL), -EINVAL);
	assert_int_equal(
		gpt_create(path, UUID_A, "abcdefghijklmnopqrstuvwxyz0123456789+", 1 * MiB, NULL),
		-EINVAL);
	assert_int_equal(gpt_create(path, UUID_A, "caf\xc3\xa9", 1 * MiB, NULL), -EINVAL);
	assert_int_equal(gpt_create(path, UUID_A, "x", 0, NULL), -EINVAL);
	assert_int_equal(gpt_grow(path, "", 1 * MiB), -EINVAL);
	assert_int_equal(gpt_delete(path, "0b7e2a57"), -EINVAL);
	assert_unchanged(path, &before);
	strbuf_done(&before);

	assert_int_equal(gpt_create("/nonexistent/disk", UUID_A, "x", 1 * MiB, NULL), -ENOENT);
	/* Neither a block device nor a regular file. */
	assert_int_equal(gpt_create("/dev/null", UUID_A, "x", 1 * MiB, NULL), -ENOTBLK);
	{
		struct gpt_disk d;

		assert_int_equal(gpt_read(f->dir, &d), -ENOTBLK);
	}
}

static void test_partition_path(void **state)
{
	static const struct {
		const char *dev;
		unsigned partno;
		const char *path;
	} cases[] = {
		{ "/dev/nvme0n1", 3, "/dev/nvme0n1p3" },
		{ "/dev/nvme10n12", 11, "/dev/nvme10n12p11" },
		{ "/dev/loop0", 1, "/dev/loop0p1" },
		{ "/dev/sda", 1, "/dev/sda1" },
		{ "/dev/vdb", 12, "/dev/vdb12" },
		{ "/tmp/disk.img", 3, "/tmp/disk.img3" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *p = gpt_partition_path(cases[i].dev, cases[i].partno);

		assert_string_equal(p, cases[i].path);
		free(p);
	}
}

static void test_partition_of(void **state)
{
	assert_true(gpt_partition_of("nvme0n1p3", "nvme0n1"));
	assert_true(gpt_partition_of("nvme0n1p12", "nvme0n1"));
	assert_true(gpt_partition_of("sda1", "sda"));
	assert_false(gpt_partition_of("nvme0n10p1", "nvme0n1"));
	assert_false(gpt_partition_of("nvme0n1", "nvme0n1"));
	assert_false(gpt_partition_of("nvme0n1p", "nvme0n1"));
	assert_false(gpt_partition_of("nvme0n1p1x", "nvme0n1"));
	assert_false(gpt_partition_of("sdab1", "sda"));
	assert_false(gpt_partition_of("nvme1n1p1", "nvme0n1"));
	assert_false(gpt_partition_of("dm-0", ""));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_blank),
		T(test_create_on_blank),
		T(test_create_idempotent),
		T(test_fill_in_order),
		T(test_enospc),
		T(test_alignment_after_foreign),
		T(test_delete),
		T(test_foreign_partition_untouched),
		T(test_mbr_refused),
		T(test_signature_refused),
		T(test_gpt_with_signature_refused),
		T(test_grow),
		T(test_wipes_old_signatures),
		T(test_names),
		T(test_invalid_arguments),
		T(test_partition_path),
		T(test_partition_of),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
