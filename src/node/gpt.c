// SPDX-License-Identifier: GPL-2.0-only
#include <blkid/blkid.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libfdisk/libfdisk.h>
#include <linux/blkpg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/names.h"
#include "node/gpt.h"
#include "util/cleanup.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Partitions start and end on 1 MiB boundaries, as parted and fdisk place them by default. */
#define GPT_ALIGN (1024ULL * 1024)
/* More signatures than any real drive carries; a bound on loops over libblkid's results. */
#define MAX_SIGNATURES 64

DEFINE_TRIVIAL_CLEANUP_FUNC(struct fdisk_table *, fdisk_unref_table);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct fdisk_partition *, fdisk_unref_partition);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct fdisk_parttype *, fdisk_unref_parttype);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct fdisk_iter *, fdisk_free_iter);
DEFINE_TRIVIAL_CLEANUP_FUNC(blkid_probe, blkid_free_probe);

enum disk_kind {
	DISK_GPT,     /* a GPT and no signature on the whole drive */
	DISK_BLANK,   /* no partition table and no signature at all */
	DISK_FOREIGN, /* anything else: someone else's */
};

/* One drive, opened and locked for one call. */
struct disk {
	int fd;
	bool blk; /* a block device (else a regular file) */
	struct fdisk_context *cxt;
	uint64_t ss;	/* logical sector size */
	uint64_t align; /* GPT_ALIGN in sectors */
	enum disk_kind kind;
};

static void disk_done(struct disk *d)
{
	fdisk_unref_context(d->cxt);
	d->cxt = NULL;
	closep(&d->fd);
	d->fd = -1;
}

/*
 * Whether the whole drive carries signatures (libblkid, as wipefs sees them):
 * ret_fs for a filesystem, RAID or other superblock, ret_any for that or a
 * partition table of any kind.
 */
static int probe_signatures(int fd, bool *ret_fs, bool *ret_any)
{
	_cleanup_(blkid_free_probep) blkid_probe pr = blkid_new_probe();
	bool fs = false, any = false;
	int r = 0;

	if (!pr)
		return -ENOMEM;
	if (blkid_probe_set_device(pr, fd, 0, 0) < 0)
		return -EIO;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_MAGIC | BLKID_SUBLKS_TYPE |
						      BLKID_SUBLKS_BADCSUM);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC | BLKID_PARTS_FORCE_GPT);
	/* Each blkid_do_probe() goes on from the last hit, so this sees every signature. */
	for (int i = 0; i < MAX_SIGNATURES && (r = blkid_do_probe(pr)) == 0; i++) {
		any = true;
		if (blkid_probe_lookup_value(pr, "TYPE", NULL, NULL) == 0)
			fs = true;
	}
	if (r < 0)
		return -EIO;
	*ret_fs = fs;
	*ret_any = any;
	return 0;
}

static int disk_classify(struct disk *d)
{
	bool fs, any;
	int r = probe_signatures(d->fd, &fs, &any);

	if (r < 0)
		return r;
	if (fdisk_is_label(d->cxt, GPT))
		d->kind = fs ? DISK_FOREIGN : DISK_GPT;
	else if (fdisk_has_label(d->cxt) || any)
		d->kind = DISK_FOREIGN;
	else
		d->kind = DISK_BLANK;
	return 0;
}

/*
 * Opens dev and takes its lock: shared to read, exclusive to write. The lock is
 * the one udev honours (systemd's "locking block device access"), so udev does
 * not re-read the table while we change it.
 */
static int disk_open(const char *dev, bool write, struct disk *ret)
{
	struct disk d = { .fd = -1 };
	struct stat st;
	int r;

	d.fd = open(dev, (write ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOCTTY);
	if (d.fd < 0)
		return -errno;
	while ((r = flock(d.fd, write ? LOCK_EX : LOCK_SH)) < 0 && errno == EINTR)
		;
	if (r < 0 || fstat(d.fd, &st) < 0) {
		r = -errno;
		goto fail;
	}
	r = -ENOTBLK;
	if (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode))
		goto fail;
	d.blk = S_ISBLK(st.st_mode);
	r = -ENOMEM;
	d.cxt = fdisk_new_context();
	if (!d.cxt)
		goto fail;
	fdisk_disable_dialogs(d.cxt, 1);
	/* libfdisk's grain is the optimal I/O size when larger; ours is always 1 MiB. */
	r = fdisk_save_user_grain(d.cxt, GPT_ALIGN);
	if (r == 0)
		r = fdisk_assign_device_by_fd(d.cxt, d.fd, dev, !write);
	if (r < 0)
		goto fail;
	d.ss = fdisk_get_sector_size(d.cxt);
	r = -EINVAL;
	if (d.ss < 512 || GPT_ALIGN % d.ss)
		goto fail;
	d.align = GPT_ALIGN / d.ss;
	r = disk_classify(&d);
	if (r < 0)
		goto fail;
	*ret = d;
	return 0;
fail:
	disk_done(&d);
	return r;
}

static uint64_t round_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) / a * a;
}

/* The aligned part of a free extent: its length in sectors (0 if none), its start in *ret_start. */
static uint64_t free_aligned(const struct disk *d, struct fdisk_partition *f, uint64_t *ret_start)
{
	uint64_t start = round_up(fdisk_partition_get_start(f), d->align);
	uint64_t end = (fdisk_partition_get_end(f) + 1) / d->align * d->align;

	*ret_start = start;
	return end > start ? end - start : 0;
}

/*
 * Walks the free extents in disk order; with want > 0, stops at the first one
 * that holds want sectors (*ret_start). Sums them up in ret_largest/ret_total
 * (bytes) when given. -ENOSPC when want > 0 and nothing fits.
 */
static int free_walk(const struct disk *d, uint64_t want, uint64_t *ret_start,
		     uint64_t *ret_largest, uint64_t *ret_total)
{
	_cleanup_(fdisk_unref_tablep) struct fdisk_table *tb = NULL;
	_cleanup_(fdisk_free_iterp) struct fdisk_iter *it = fdisk_new_iter(FDISK_ITER_FORWARD);
	struct fdisk_partition *f;
	uint64_t largest = 0, total = 0;
	int r;

	if (!it)
		return -ENOMEM;
	/* The free extents end at the last usable LBA, before GPT's backup entries. */
	r = fdisk_get_freespaces(d->cxt, &tb);
	if (r < 0)
		return r;
	fdisk_table_sort_partitions(tb, fdisk_partition_cmp_start);
	while (fdisk_table_next_partition(tb, it, &f) == 0) {
		uint64_t start, n = free_aligned(d, f, &start);

		if (want && n >= want) {
			*ret_start = start;
			return 0;
		}
		largest = n > largest ? n : largest;
		total += n;
	}
	if (want)
		return -ENOSPC;
	*ret_largest = largest * d->ss;
	*ret_total = total * d->ss;
	return 0;
}

static void copy_lower(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; src && src[i] && i + 1 < size; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

static void partition_fill(const struct disk *d, struct fdisk_partition *pa,
			   struct gpt_partition *ret)
{
	struct fdisk_parttype *t = fdisk_partition_get_type(pa);
	const char *name = fdisk_partition_get_name(pa);

	*ret = (struct gpt_partition){
		.partno = (unsigned)fdisk_partition_get_partno(pa) + 1,
		.start = fdisk_partition_get_start(pa) * d->ss,
		.size = fdisk_partition_get_size(pa) * d->ss,
	};
	copy_lower(ret->uuid, sizeof(ret->uuid), fdisk_partition_get_uuid(pa));
	copy_lower(ret->type, sizeof(ret->type), t ? fdisk_parttype_get_string(t) : NULL);
	snprintf(ret->name, sizeof(ret->name), "%s", name ? name : "");
	ret->ours = strcmp(ret->type, GPT_MESHSTOR_TYPE) == 0;
}

/* The partition with that uuid: 1 and *ret filled, 0 when there is none. */
static int partition_find(const struct disk *d, const char *uuid, struct gpt_partition *ret)
{
	_cleanup_(fdisk_unref_tablep) struct fdisk_table *tb = NULL;
	_cleanup_(fdisk_free_iterp) struct fdisk_iter *it = fdisk_new_iter(FDISK_ITER_FORWARD);
	struct fdisk_partition *pa;
	int r;

	if (!it)
		return -ENOMEM;
	r = fdisk_get_partitions(d->cxt, &tb);
	if (r < 0)
		return r;
	while (fdisk_table_next_partition(tb, it, &pa) == 0) {
		const char *u = fdisk_partition_get_uuid(pa);

		if (u && strcasecmp(u, uuid) == 0) {
			partition_fill(d, pa, ret);
			return 1;
		}
	}
	return 0;
}

static int read_partitions(const struct disk *d, struct gpt_disk *g)
{
	_cleanup_(fdisk_unref_tablep) struct fdisk_table *tb = NULL;
	_cleanup_(fdisk_free_iterp) struct fdisk_iter *it = fdisk_new_iter(FDISK_ITER_FORWARD);
	struct fdisk_partition *pa;
	size_t n;
	int r;

	if (!it)
		return -ENOMEM;
	r = fdisk_get_partitions(d->cxt, &tb);
	if (r < 0)
		return r;
	n = fdisk_table_get_nents(tb);
	g->parts = n ? xcalloc(n, sizeof(*g->parts)) : NULL;
	while (g->n_parts < n && fdisk_table_next_partition(tb, it, &pa) == 0)
		partition_fill(d, pa, &g->parts[g->n_parts++]);
	return 0;
}

int gpt_read(const char *dev, struct gpt_disk *ret)
{
	_cleanup_(disk_done) struct disk d = { .fd = -1 };
	struct gpt_disk g = { 0 };
	int r;

	r = disk_open(dev, false, &d);
	if (r < 0)
		return r;
	g.sector_size = (unsigned)d.ss;
	g.size = fdisk_get_nsectors(d.cxt) * d.ss;
	g.has_gpt = d.kind == DISK_GPT;
	g.blank = d.kind == DISK_BLANK;
	if (d.kind == DISK_FOREIGN) {
		*ret = g;
		return 0;
	}
	/*
	 * A blank drive offers what it would once it has a GPT: make one in
	 * memory (never written, the context is read-only) and measure that.
	 */
	if (d.kind == DISK_BLANK)
		r = fdisk_create_disklabel(d.cxt, "gpt");
	else
		r = read_partitions(&d, &g);
	if (r >= 0)
		r = free_walk(&d, 0, NULL, &g.largest_free, &g.free_total);
	if (r < 0) {
		gpt_disk_done(&g);
		return r;
	}
	*ret = g;
	return 0;
}

/*
 * Tells the kernel of one partition (BLKPG, as partx does) rather than
 * re-reading the whole table, which fails while any partition is in use.
 * Regular files have no partitions to tell of.
 */
static int blkpg(const struct disk *d, int op, unsigned partno, uint64_t start, uint64_t size)
{
	struct blkpg_partition p = {
		.start = (long long)(start * d->ss),
		.length = (long long)(size * d->ss),
		.pno = (int)partno,
	};
	struct blkpg_ioctl_arg a = { .op = op, .datalen = sizeof(p), .data = &p };

	if (!d->blk)
		return 0;
	return ioctl(d->fd, BLKPG, &a) < 0 ? -errno : 0;
}

/*
 * Makes the kernel's view of partition p what the table says: adds it, or,
 * when the kernel has that number already (EBUSY: from an earlier call that
 * stopped before returning, or a grow), resizes it. The resize fails when the
 * kernel's partition starts elsewhere or another overlaps; then it is EBUSY.
 */
static int kernel_add(const struct disk *d, const struct gpt_partition *p)
{
	uint64_t start = p->start / d->ss, size = p->size / d->ss;
	int r = blkpg(d, BLKPG_ADD_PARTITION, p->partno, start, size);

	if (r == -EBUSY && blkpg(d, BLKPG_RESIZE_PARTITION, p->partno, start, size) == 0)
		return 0;
	return r;
}

/*
 * Wipes every signature libblkid finds in [start, start + size) sectors, as
 * wipefs --all does: a stale md superblock or filesystem in a new partition
 * would otherwise be picked up by udev the moment the kernel learns of it.
 */
static int wipe_area(const struct disk *d, uint64_t start, uint64_t size)
{
	_cleanup_(blkid_free_probep) blkid_probe pr = blkid_new_probe();
	int r = 0, i;

	if (!pr)
		return -ENOMEM;
	if (blkid_probe_set_device(pr, d->fd, (blkid_loff_t)(start * d->ss),
				   (blkid_loff_t)(size * d->ss)) < 0)
		return -EIO;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_MAGIC | BLKID_SUBLKS_BADCSUM);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC | BLKID_PARTS_FORCE_GPT);
	/* blkid_do_wipe() steps the prober back, so the next probe looks for a second copy. */
	for (i = 0; i < MAX_SIGNATURES && (r = blkid_do_probe(pr)) == 0; i++)
		if (blkid_do_wipe(pr, 0) < 0)
			return errno > 0 ? -errno : -EIO;
	if (r < 0 || i == MAX_SIGNATURES)
		return -EIO;
	return fsync(d->fd) < 0 ? -errno : 0;
}

static int disk_write(struct disk *d)
{
	int r = fdisk_write_disklabel(d->cxt);

	if (r < 0)
		return r;
	return fsync(d->fd) < 0 ? -errno : 0;
}

/* Adds our partition of n sectors at start to the in-memory table; its number in ret. */
static int partition_add(struct disk *d, const char *uuid, const char *name, uint64_t start,
			 uint64_t n, struct gpt_partition *ret)
{
	_cleanup_(fdisk_unref_partitionp) struct fdisk_partition *pa = fdisk_new_partition();
	_cleanup_(fdisk_unref_parttypep) struct fdisk_parttype *t = NULL;
	size_t partno;
	int r;

	if (!pa)
		return -ENOMEM;
	t = fdisk_label_parse_parttype(fdisk_get_label(d->cxt, NULL), GPT_MESHSTOR_TYPE);
	if (!t)
		return -ENOMEM;
	r = fdisk_partition_set_type(pa, t);
	if (r == 0)
		r = fdisk_partition_set_start(pa, start);
	if (r == 0)
		r = fdisk_partition_set_size(pa, n);
	if (r == 0)
		r = fdisk_partition_size_explicit(pa, 1);
	if (r == 0)
		r = fdisk_partition_partno_follow_default(pa, 1);
	if (r == 0)
		r = fdisk_partition_set_uuid(pa, uuid);
	if (r == 0)
		r = fdisk_partition_set_name(pa, name);
	if (r == 0)
		r = fdisk_add_partition(d->cxt, pa, &partno);
	if (r < 0)
		return r;
	/* libfdisk says 1 when no partition number is left (all 128 entries used). */
	if (r > 0)
		return -ENOSPC;
	*ret = (struct gpt_partition){ .partno = (unsigned)partno + 1,
				       .start = start * d->ss,
				       .size = n * d->ss };
	return 0;
}

static bool name_is_valid(const char *name)
{
	size_t n = strlen(name);

	if (n > GPT_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (name[i] < 0x20 || name[i] > 0x7e)
			return false;
	return true;
}

int gpt_create(const char *dev, const char *uuid, const char *name, uint64_t size,
	       unsigned *ret_partno)
{
	_cleanup_(disk_done) struct disk d = { .fd = -1 };
	struct gpt_partition p;
	uint64_t start, n;
	int r;

	if (!name_is_uuid(uuid) || !name_is_valid(name) || size == 0 || size > UINT64_MAX / 2)
		return -EINVAL;
	r = disk_open(dev, true, &d);
	if (r < 0)
		return r;
	if (d.kind == DISK_FOREIGN)
		return -EMEDIUMTYPE;
	n = round_up(size, GPT_ALIGN) / d.ss;
	r = d.kind == DISK_GPT ? partition_find(&d, uuid, &p) : 0;
	if (r < 0)
		return r;
	if (r > 0) {
		if (!p.ours || p.size < n * d.ss)
			return -EEXIST;
		/* Written before; the kernel may not have heard of it yet. */
		r = kernel_add(&d, &p);
		goto done;
	}
	if (d.kind == DISK_BLANK) {
		r = fdisk_create_disklabel(d.cxt, "gpt");
		if (r < 0)
			return r;
	}
	r = free_walk(&d, n, &start, NULL, NULL);
	if (r >= 0)
		r = partition_add(&d, uuid, name, start, n, &p);
	if (r >= 0)
		r = disk_write(&d);
	/* Before the kernel (and so udev) sees the partition, not after. */
	if (r >= 0)
		r = wipe_area(&d, start, n);
	if (r >= 0)
		r = kernel_add(&d, &p);
done:
	if (r < 0)
		return r;
	if (ret_partno)
		*ret_partno = p.partno;
	return 0;
}

/* Where the partition starting at start may end at most (exclusive, sectors). */
static int space_after(const struct disk *d, uint64_t start, uint64_t *ret_limit)
{
	_cleanup_(fdisk_unref_tablep) struct fdisk_table *tb = NULL;
	_cleanup_(fdisk_free_iterp) struct fdisk_iter *it = fdisk_new_iter(FDISK_ITER_FORWARD);
	struct fdisk_partition *pa;
	/* The last usable LBA: GPT's backup entries and header follow it. */
	uint64_t limit = fdisk_get_last_lba(d->cxt) + 1;
	int r;

	if (!it)
		return -ENOMEM;
	r = fdisk_get_partitions(d->cxt, &tb);
	if (r < 0)
		return r;
	while (fdisk_table_next_partition(tb, it, &pa) == 0) {
		uint64_t s = fdisk_partition_get_start(pa);

		if (s > start && s < limit)
			limit = s;
	}
	*ret_limit = limit;
	return 0;
}

static int partition_resize(struct disk *d, unsigned partno, uint64_t n)
{
	_cleanup_(fdisk_unref_partitionp) struct fdisk_partition *pa = fdisk_new_partition();
	int r;

	if (!pa)
		return -ENOMEM;
	r = fdisk_partition_set_size(pa, n);
	if (r == 0)
		r = fdisk_partition_size_explicit(pa, 1);
	if (r == 0)
		r = fdisk_set_partition(d->cxt, partno - 1, pa);
	return r;
}

int gpt_grow(const char *dev, const char *uuid, uint64_t size)
{
	_cleanup_(disk_done) struct disk d = { .fd = -1 };
	struct gpt_partition p;
	uint64_t start, n, limit;
	int r;

	if (!name_is_uuid(uuid) || size == 0 || size > UINT64_MAX / 2)
		return -EINVAL;
	r = disk_open(dev, true, &d);
	if (r < 0)
		return r;
	r = d.kind == DISK_GPT ? partition_find(&d, uuid, &p) : 0;
	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	if (!p.ours)
		return -EPERM;
	start = p.start / d.ss;
	n = round_up(size, GPT_ALIGN) / d.ss;
	if (p.size >= n * d.ss)
		/* Grown before; make sure the kernel has the size the table has. */
		return kernel_add(&d, &p);
	r = space_after(&d, start, &limit);
	if (r < 0)
		return r;
	if (start + n > limit)
		return -ENOSPC;
	r = partition_resize(&d, p.partno, n);
	if (r >= 0)
		r = disk_write(&d);
	if (r < 0)
		return r;
	p.size = n * d.ss;
	return kernel_add(&d, &p);
}

int gpt_delete(const char *dev, const char *uuid)
{
	_cleanup_(disk_done) struct disk d = { .fd = -1 };
	struct gpt_partition p;
	int r;

	if (!name_is_uuid(uuid))
		return -EINVAL;
	r = disk_open(dev, true, &d);
	if (r < 0)
		return r;
	r = d.kind == DISK_GPT ? partition_find(&d, uuid, &p) : 0;
	if (r <= 0)
		return r;
	if (!p.ours)
		return -EPERM;
	/*
	 * The kernel first: it refuses (EBUSY) while the partition is open, and
	 * then the table keeps it too. ENXIO: it never knew of it, or forgot.
	 */
	r = blkpg(&d, BLKPG_DEL_PARTITION, p.partno, 0, 0);
	if (r < 0 && r != -ENXIO)
		return r;
	r = fdisk_delete_partition(d.cxt, p.partno - 1);
	if (r >= 0)
		r = disk_write(&d);
	return r < 0 ? r : 0;
}

void gpt_disk_done(struct gpt_disk *d)
{
	if (!d)
		return;
	free(d->parts);
	d->parts = NULL;
	d->n_parts = 0;
}

bool gpt_partition_of(const char *kname, const char *disk)
{
	size_t len = strlen(disk);
	const char *p = kname + len;

	if (len == 0 || strncmp(kname, disk, len) != 0)
		return false;
	/* The kernel's disk_name(), read backwards. */
	if (isdigit((unsigned char)disk[len - 1]) && *p++ != 'p')
		return false;
	if (!*p)
		return false;
	for (; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

char *gpt_partition_path(const char *dev, unsigned partno)
{
	size_t len = strlen(dev);
	char *s;

	/* The kernel's disk_name(): "p" between a name ending in a digit and the number. */
	xasprintf(&s, "%s%s%u", dev, len && isdigit((unsigned char)dev[len - 1]) ? "p" : "",
		  partno);
	return s;
}
