// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "model/names.h"
#include "node/md.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/macro.h"
#include "util/parse.h"
#include "util/path.h"
#include "util/run.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "util/banned.h"

/*
 * struct mdp_superblock_1 (include/uapi/linux/raid/md_p.h): byte offsets of
 * the fields we read; every number is little-endian. Metadata 1.2 puts it
 * 8 sectors into the device.
 */
#define SB1_DEVICE_OFFSET 4096
#define SB1_MAGIC 0	     /* le32 MD_SB_MAGIC */
#define SB1_MAJOR_VERSION 4  /* le32, 1 */
#define SB1_FEATURE_MAP 8    /* le32 */
#define SB1_SET_UUID 16	     /* u8[16] */
#define SB1_SET_NAME 32	     /* char[32], not always NUL-terminated */
#define SB1_LEVEL 72	     /* le32, signed (-1 linear) */
#define SB1_RAID_DISKS 92    /* le32 */
#define SB1_SUPER_OFFSET 144 /* le64, sectors: 8 for metadata 1.2 */
#define SB1_DEV_NUMBER 160   /* le32, index into dev_roles */
#define SB1_EVENTS 200	     /* le64 */
#define SB1_SB_CSUM 216	     /* le32 */
#define SB1_MAX_DEV 220	     /* le32, entries in dev_roles */
#define SB1_DEV_ROLES 256    /* le16[max_dev] */
#define MD_SB_MAGIC 0xa92b4efcU
/* The kernel reads one 4 KiB block and refuses max_dev > (4096 - 256) / 2. */
#define SB1_MAX_DEV_LIMIT ((4096 - SB1_DEV_ROLES) / 2)
/* feature_map: the device is being rebuilt, up to recovery_offset. */
#define MD_FEATURE_RECOVERY_OFFSET 2
/* dev_roles values from here up are spare (0xffff), faulty (0xfffe), journal (0xfffd). */
#define MD_DISK_ROLE_MAX 0xff00

/* Every mdadm call is bounded; the tool itself never needs long for what we ask. */
#define MDADM_TIMEOUT_MS (60 * 1000)
/* The superblock area read from a device: 8 KiB covers SB1_DEVICE_OFFSET + 4 KiB. */
#define SB1_READ_SIZE 8192

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* calc_sb_1_csum() in drivers/md/md.c: 32-bit sum of the superblock, carries folded once. */
static uint32_t sb1_csum(const uint8_t *sb, uint32_t max_dev)
{
	size_t size = SB1_DEV_ROLES + (size_t)max_dev * 2;
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i + 4 <= size; i += 4)
		sum += i == SB1_SB_CSUM ? 0 : le32(sb + i);
	if (size - i == 2)
		sum += le16(sb + i);
	return (uint32_t)((sum & 0xffffffff) + (sum >> 32));
}

int md_parse_superblock(const void *buf, size_t len, struct md_superblock *ret)
{
	const uint8_t *sb = (const uint8_t *)buf + SB1_DEVICE_OFFSET;
	struct md_superblock s = {};
	const char *name, *colon;
	uint32_t max_dev, dev_number;
	size_t name_len;
	char *p;

	if (len < SB1_DEVICE_OFFSET + SB1_DEV_ROLES)
		return -ENODATA;
	if (le32(sb + SB1_MAGIC) != MD_SB_MAGIC || le32(sb + SB1_MAJOR_VERSION) != 1 ||
	    le64(sb + SB1_SUPER_OFFSET) != SB1_DEVICE_OFFSET / 512)
		return -ENODATA;
	/* The kernel's own checks (super_1_load()): a superblock it would refuse is no member. */
	max_dev = le32(sb + SB1_MAX_DEV);
	if (max_dev > SB1_MAX_DEV_LIMIT)
		return -EBADMSG;
	if (len < SB1_DEVICE_OFFSET + SB1_DEV_ROLES + (size_t)max_dev * 2)
		return -ENODATA;
	if (sb1_csum(sb, max_dev) != le32(sb + SB1_SB_CSUM))
		return -EBADMSG;

	p = s.uuid;
	for (int i = 0; i < 16; i++) {
		snprintf(p, 3, "%02x", sb[SB1_SET_UUID + i]);
		p += 2;
		if (i == 3 || i == 5 || i == 7 || i == 9)
			*p++ = '-';
	}
	/* mdadm writes "homehost:name" unless told there is no homehost; the name follows ':'. */
	name = (const char *)sb + SB1_SET_NAME;
	name_len = strnlen(name, 32);
	colon = memchr(name, ':', name_len);
	if (colon) {
		name_len -= (size_t)(colon + 1 - name);
		name = colon + 1;
	}
	memcpy(s.name, name, name_len);
	s.name[name_len] = '\0';
	s.events = le64(sb + SB1_EVENTS);
	s.recovering = (le32(sb + SB1_FEATURE_MAP) & MD_FEATURE_RECOVERY_OFFSET) != 0;
	s.level = (int32_t)le32(sb + SB1_LEVEL);
	s.raid_disks = (int)le32(sb + SB1_RAID_DISKS);
	/* As mdadm's getinfo_super1(): a device number outside dev_roles has no role. */
	dev_number = le32(sb + SB1_DEV_NUMBER);
	s.role = -1;
	if (dev_number < max_dev) {
		uint16_t role = le16(sb + SB1_DEV_ROLES + (size_t)dev_number * 2);

		if (role < MD_DISK_ROLE_MAX)
			s.role = role;
	}
	*ret = s;
	return 0;
}

int md_read_superblock(const char *path, struct md_superblock *ret)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ void *buf = NULL;
	ssize_t n;

	/*
	 * O_DIRECT: MD writes superblocks with bios straight to the member, past
	 * the member's page cache, so a buffered read could return a stale copy.
	 * Files (tests) on a filesystem without O_DIRECT are read buffered.
	 */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_DIRECT);
	if (fd < 0 && errno == EINVAL)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (posix_memalign(&buf, 4096, SB1_READ_SIZE) != 0)
		return -ENOMEM;
	n = pread(fd, buf, SB1_READ_SIZE, 0);
	if (n < 0)
		return -errno;
	return md_parse_superblock(buf, (size_t)n, ret);
}

/* An attribute that may be missing (not every level has every file): NULL then. */
static int read_attr_optional(const char *dir, const char *name, char **ret)
{
	int r = read_attr(dir, name, ret);

	if (r == -ENOENT) {
		*ret = NULL;
		return 0;
	}
	return r;
}

/* "none", "delayed" or "<done> / <total>" (sectors), as sync_completed_show() writes it. */
static int sync_percent(const char *s)
{
	_cleanup_free_ char *head = NULL;
	uint64_t done, total;
	const char *slash;

	if (!s || strcmp(s, "none") == 0)
		return -1;
	slash = strstr(s, " / ");
	if (!slash) /* "delayed": a sync waits its turn, nothing done yet */
		return 0;
	head = xstrdup(s);
	head[slash - s] = '\0';
	if (parse_u64(head, &done) < 0 || parse_u64(slash + 3, &total) < 0 || total == 0)
		return 0;
	if (done >= total)
		return 100;
	return (int)((unsigned __int128)done * 100 / total);
}

static void member_state(struct md_member *m, const char *state)
{
	for (const char *p = state; *p;) {
		size_t len = strcspn(p, ",");

		if (len == 7 && memcmp(p, "in_sync", 7) == 0)
			m->in_sync = true;
		else if (len == 6 && memcmp(p, "faulty", 6) == 0)
			m->faulty = true;
		else if (len == 5 && memcmp(p, "spare", 5) == 0)
			m->spare = true;
		else if (len == 12 && memcmp(p, "write_mostly", 12) == 0)
			m->write_mostly = true;
		p += len;
		if (*p == ',')
			p++;
	}
}

/* md/dev-<kname>/: one member. -ENOENT when it left while we looked. */
static int read_member(const char *md_dir, const char *entry, struct md_member *ret)
{
	_cleanup_strbuf_ struct strbuf dir = STRBUF_INIT;
	_cleanup_free_ char *slot = NULL, *state = NULL, *partition = NULL;
	struct md_member m = { .slot = -1 };
	int r;

	strbuf_addf(&dir, "%s/%s", md_dir, entry);
	r = read_attr(dir.buf, "slot", &slot);
	if (r < 0)
		return r;
	r = read_attr(dir.buf, "state", &state);
	if (r < 0)
		return r;
	/* "none" for spare and faulty devices, "journal" for a journal device. */
	if (parse_int_range(slot, 0, INT32_MAX, &m.slot) < 0)
		m.slot = -1;
	member_state(&m, state);
	/* block: a link to the member's block device; partitions have "partition". */
	m.partition = read_attr(dir.buf, "block/partition", &partition) == 0;
	m.kname = xstrdup(entry + strlen("dev-"));
	*ret = m;
	return 0;
}

static int member_cmp(const void *a, const void *b)
{
	const struct md_member *x = a, *y = b;

	/* Slot order; members without one last. */
	if (x->slot != y->slot) {
		if (x->slot < 0 || y->slot < 0)
			return x->slot < 0 ? 1 : -1;
		return x->slot < y->slot ? -1 : 1;
	}
	return strcmp(x->kname, y->kname);
}

static void members_free(struct md_member *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(m[i].kname);
	free(m);
}

static int read_members(const char *md_dir, struct md_array *a)
{
	DIR *d = opendir(md_dir);
	struct dirent *de;
	int r = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct md_member m;

		if (strncmp(de->d_name, "dev-", 4) != 0 || !de->d_name[4])
			continue;
		r = read_member(md_dir, de->d_name, &m);
		if (r == -ENOENT) { /* removed from the array meanwhile */
			r = 0;
			continue;
		}
		if (r < 0)
			break;
		a->members = xrealloc(a->members, (a->n_members + 1) * sizeof(*a->members));
		a->members[a->n_members++] = m;
	}
	closedir(d);
	if (r < 0)
		return r;
	if (a->n_members > 1)
		qsort(a->members, a->n_members, sizeof(*a->members), member_cmp);
	return 0;
}

/*
 * Kernels without md/uuid: the set name and uuid live only in the members'
 * superblocks: take them from an in-sync member, else from any member that is
 * not faulty (a faulty one may be a path that no longer answers), and only
 * from a local partition: a read of a member whose path is lost waits as long
 * as its I/O does.
 */
static void read_identity(const char *dev, struct md_array *a)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < a->n_members; i++) {
			const struct md_member *m = &a->members[i];
			_cleanup_strbuf_ struct strbuf path = STRBUF_INIT;
			struct md_superblock sb;

			/*
			 * Only local partitions: a remote leg of an inactive
			 * array may be lost, and with fast_io_fail off its read
			 * would wait as long as the leg is lost (ctrl_loss_tmo
			 * is off), holding up the pass or
			 * the leg watch that reads it.
			 */
			if (m->faulty || !m->partition || (pass == 0 && !m->in_sync))
				continue;
			strbuf_addf(&path, "%s/%s", dev && dev[0] ? dev : "/dev", m->kname);
			if (md_read_superblock(path.buf, &sb) < 0)
				continue;
			a->name = xstrdup(sb.name);
			a->uuid = xstrdup(sb.uuid);
			return;
		}
}

static void array_done(struct md_array *a)
{
	free(a->kname);
	free(a->name);
	free(a->uuid);
	free(a->level);
	free(a->array_state);
	free(a->sync_action);
	members_free(a->members, a->n_members);
}

static int read_ints(const char *md_dir, struct md_array *a)
{
	_cleanup_free_ char *raid_disks = NULL, *degraded = NULL, *size = NULL, *layout = NULL;
	int r;

	r = read_attr_optional(md_dir, "raid_disks", &raid_disks);
	if (r >= 0)
		r = read_attr_optional(md_dir, "layout", &layout);
	if (r >= 0)
		r = read_attr_optional(md_dir, "degraded", &degraded);
	if (r >= 0)
		r = read_attr_optional(md_dir, "component_size", &size);
	if (r < 0)
		return r;
	/* Absent or unparsable (an inactive array): 0, which is what the kernel means. */
	if (!raid_disks || parse_int_range(raid_disks, 0, INT32_MAX, &a->raid_disks) < 0)
		a->raid_disks = 0;
	if (!degraded || parse_int_range(degraded, 0, INT32_MAX, &a->degraded) < 0)
		a->degraded = 0;
	if (!layout || parse_int_range(layout, 0, INT32_MAX, &a->layout) < 0)
		a->layout = 0;
	if (!size || parse_u64(size, &a->size_kib) < 0)
		a->size_kib = 0;
	return 0;
}

/* <sysfs>/block/<kname>/md: one array. -ENOENT when it is gone (or never was an array). */
static int read_array(const char *sysfs, const char *dev, const char *kname, struct md_array *ret)
{
	_cleanup_strbuf_ struct strbuf rel = STRBUF_INIT;
	_cleanup_free_ char *md_dir = NULL, *sync_completed = NULL;
	struct md_array a = {};
	int r;

	strbuf_addf(&rel, "/block/%s/md", kname);
	md_dir = path_join_root(sysfs, rel.buf);
	r = read_attr(md_dir, "array_state", &a.array_state);
	if (r >= 0)
		r = read_attr_optional(md_dir, "level", &a.level);
	if (r >= 0)
		r = read_attr_optional(md_dir, "sync_action", &a.sync_action);
	if (r >= 0)
		r = read_attr_optional(md_dir, "sync_completed", &sync_completed);
	if (r >= 0)
		r = read_ints(md_dir, &a);
	if (r >= 0)
		r = read_members(md_dir, &a);
	if (r < 0) {
		array_done(&a);
		return r;
	}
	a.sync_percent = sync_percent(sync_completed);
	a.broken = strcmp(a.array_state, "broken") == 0;
	a.kname = xstrdup(kname);
	/*
	 * md/uuid, never the members themselves: with fast_io_fail off, a read
	 * of a member whose node stopped answering waits until the leg is
	 * dropped, and dropping it needs this very observation.
	 */
	if (read_attr_optional(md_dir, "uuid", &a.uuid) < 0 || !a.uuid ||
	    strcmp(a.uuid, "00000000-0000-0000-0000-000000000000") == 0) {
		/* An inactive array (mdadm -I) has no uuid yet: its local members tell. */
		free(a.uuid);
		a.uuid = NULL;
		read_identity(dev, &a);
	}
	*ret = a;
	return 0;
}

/* Writes text to the sysfs attribute at rel under the sysfs root. */
static int write_sysfs(const char *sysfs, const char *rel, const char *text)
{
	_cleanup_free_ char *path = path_join_root(sysfs, rel);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(text);

	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		return -errno;
	return 0;
}

/* Writes text to attribute attr of array md (a kernel name): <sysfs>/block/<md>/md/<attr>. */
static int write_md_attr(const char *sysfs, const char *md, const char *attr, const char *text)
{
	_cleanup_strbuf_ struct strbuf rel = STRBUF_INIT;

	if (strchr(md, '/'))
		return -EINVAL;
	strbuf_addf(&rel, "/block/%s/md/%s", md, attr);
	return write_sysfs(sysfs, rel.buf, text);
}

int md_set_readonly(const char *sysfs, const char *md)
{
	return write_md_attr(sysfs, md, "array_state", "readonly");
}

int md_set_sync_speed_min(const char *sysfs, const char *md, unsigned kib_per_s)
{
	char text[16] = "system";

	if (kib_per_s > 0)
		snprintf(text, sizeof(text), "%u", kib_per_s);
	return write_md_attr(sysfs, md, "sync_speed_min", text);
}

int md_set_bdev_readonly(const char *dev, const char *md, bool read_only)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	int ro = read_only, was;

	if (strchr(md, '/'))
		return -EINVAL;
	xasprintf(&path, "%s/%s", dev, md);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* BLKROGET takes no MD lock: one already so waits for nothing (block/ioctl.c). */
	if (ioctl(fd, BLKROGET, &was) < 0)
		return -errno;
	if (!was == !ro)
		return 0;
	return ioctl(fd, BLKROSET, &ro) < 0 ? -errno : 1;
}

int md_member_set_state(const char *sysfs, const char *md, const char *member, const char *state)
{
	_cleanup_strbuf_ struct strbuf rel = STRBUF_INIT;

	if (strchr(md, '/') || strchr(member, '/'))
		return -EINVAL;
	strbuf_addf(&rel, "/block/%s/md/dev-%s/state", md, member);
	return write_sysfs(sysfs, rel.buf, state);
}

static int array_cmp(const void *a, const void *b)
{
	return strcmp(((const struct md_array *)a)->kname, ((const struct md_array *)b)->kname);
}

void md_arrays_free(struct md_array *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		array_done(&a[i]);
	free(a);
}

const struct md_member *md_array_member(const struct md_array *a, const char *device)
{
	const char *kname = path_basename(device);

	for (size_t i = 0; kname && i < a->n_members; i++)
		if (strcmp(a->members[i].kname, kname) == 0)
			return &a->members[i];
	return NULL;
}

bool md_arrays_have(const struct md_array *a, size_t n, const char *device)
{
	for (size_t i = 0; device && i < n; i++)
		if (md_array_member(&a[i], device))
			return true;
	return false;
}

int md_list(const char *sysfs, const char *dev, struct md_array **ret, size_t *ret_n)
{
	_cleanup_free_ char *block = path_join_root(sysfs, "/block");
	struct md_array *arrays = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *d;
	int r = 0;

	d = opendir(block);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct md_array a;

		/* "md127", or "md_<name>" for arrays the kernel created by name. */
		if (strncmp(de->d_name, "md", 2) != 0)
			continue;
		r = read_array(sysfs, dev, de->d_name, &a);
		if (r == -ENOENT || r == -ENOTDIR) { /* stopped meanwhile, or no md/ dir */
			r = 0;
			continue;
		}
		if (r < 0)
			break;
		arrays = xrealloc(arrays, (n + 1) * sizeof(*arrays));
		arrays[n++] = a;
	}
	closedir(d);
	if (r < 0) {
		md_arrays_free(arrays, n);
		return r;
	}
	if (n > 1)
		qsort(arrays, n, sizeof(*arrays), array_cmp);
	*ret = arrays;
	*ret_n = n;
	return 0;
}

/*
 * /proc/mdstat is read by a thread of its own (one at a time), and its caller
 * waits for it MDSTAT_WAIT_MS at most: the read takes each array's bitmap
 * mutex, which MD holds across a bitmap write, and a write to a leg whose I/O
 * waits (md.h) keeps it as long, uninterruptibly. A reader left behind ends
 * when the write does, and frees what it read.
 */
#define MDSTAT_WAIT_MS 1000

struct mdstat_read {
	char *path;
	struct strbuf text;
	int error;
	bool done;
	bool abandoned;
};

static pthread_mutex_t mdstat_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t mdstat_cond = PTHREAD_COND_INITIALIZER;
static struct mdstat_read *mdstat_current; /* the reader thread's, while it reads */

static void mdstat_read_free(struct mdstat_read *m)
{
	free(m->path);
	strbuf_done(&m->text);
	free(m);
}

static void *mdstat_reader(void *arg)
{
	struct mdstat_read *m = arg;
	_cleanup_close_ int fd = open(m->path, O_RDONLY | O_CLOEXEC);
	char buf[4096];
	ssize_t len = 0;
	bool abandoned;

	if (fd < 0)
		m->error = errno;
	while (fd >= 0 && (len = read(fd, buf, sizeof(buf))) != 0) {
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0) {
			m->error = errno;
			break;
		}
		strbuf_add(&m->text, buf, (size_t)len);
	}
	pthread_mutex_lock(&mdstat_lock);
	m->done = true;
	mdstat_current = NULL;
	abandoned = m->abandoned;
	pthread_cond_broadcast(&mdstat_cond);
	pthread_mutex_unlock(&mdstat_lock);
	if (abandoned)
		mdstat_read_free(m);
	return NULL;
}

/*
 * Under mdstat_lock: waits for the broadcast that a read ended, until deadline (CLOCK_MONOTONIC).
 */
static int mdstat_wait(const struct timespec *deadline)
{
	return -pthread_cond_clockwait(&mdstat_cond, &mdstat_lock, CLOCK_MONOTONIC, deadline);
}

static int mdstat_start(struct mdstat_read *m)
{
	pthread_attr_t attr;
	pthread_t thread;
	sigset_t all, old;
	int r;

	/* Signals stay with the threads that handle them. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r = -pthread_create(&thread, &attr, mdstat_reader, m);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r == -EAGAIN ? -ENOMEM : r;
}

/*
 * path's text, waiting MDSTAT_WAIT_MS at most (-ETIMEDOUT), first for a read
 * another caller started; -EAGAIN at once while a read left behind waits.
 */
static int mdstat_text(const char *path, char **ret)
{
	struct mdstat_read *m;
	struct timespec deadline;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += MDSTAT_WAIT_MS / 1000;
	pthread_mutex_lock(&mdstat_lock);
	/* Another caller's read: it is not ours to free, so only mdstat_current is looked at. */
	for (r = 0; mdstat_current && !mdstat_current->abandoned && r == 0;)
		r = mdstat_wait(&deadline);
	if (mdstat_current || r < 0) {
		r = mdstat_current && mdstat_current->abandoned ? -EAGAIN : -ETIMEDOUT;
		pthread_mutex_unlock(&mdstat_lock);
		return r;
	}
	m = xcalloc(1, sizeof(*m));
	m->path = xstrdup(path);
	strbuf_init(&m->text);
	r = mdstat_start(m);
	if (r < 0) {
		pthread_mutex_unlock(&mdstat_lock);
		mdstat_read_free(m);
		return r;
	}
	mdstat_current = m;
	for (r = 0; !m->done && r == 0;)
		r = mdstat_wait(&deadline);
	if (!m->done) {
		m->abandoned = true;
		pthread_mutex_unlock(&mdstat_lock);
		return -ETIMEDOUT;
	}
	pthread_mutex_unlock(&mdstat_lock);
	r = -m->error;
	if (r == 0)
		*ret = strbuf_detach(&m->text);
	mdstat_read_free(m);
	return r;
}

/* "md127 : broken raid1 ...": the word after the colon is "active", "inactive" or "broken". */
int md_mark_broken(const char *proc, struct md_array *a, size_t n)
{
	_cleanup_free_ char *path = path_join_root(proc, "/mdstat");
	_cleanup_free_ char *text = NULL;
	const char *line, *next;
	int r;

	r = mdstat_text(path, &text);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	for (line = text; *line; line = next) {
		size_t klen = strcspn(line, " \n");

		next = line + strcspn(line, "\n");
		next += *next == '\n';
		if (strncmp(line + klen, " : broken ", 10) != 0)
			continue;
		for (size_t i = 0; i < n; i++)
			if (strlen(a[i].kname) == klen && strncmp(a[i].kname, line, klen) == 0)
				a[i].broken = true;
	}
	return 0;
}

int md_mdstat_answers(const char *proc, struct strbuf *err)
{
	_cleanup_free_ char *path = path_join_root(proc, "/mdstat");
	_cleanup_free_ char *text = NULL;
	int r = mdstat_text(path, &text);

	if (r != -ETIMEDOUT && r != -EAGAIN)
		return 0; /* anything else is mdadm's to meet */
	if (err)
		strbuf_adds(err, "mdadm cannot run now: /proc/mdstat, which it reads, does not "
				 "answer (a write to a leg that stopped answering holds an array's "
				 "bitmap), and mdadm would wait as long, unkillable, holding this "
				 "node's lock; retry once the leg answers or is dropped");
	return -EBUSY;
}

int md_may_wipe(const char *dev, const char *uuid, bool full, const char *const *live, size_t n,
		struct strbuf *err)
{
	struct md_superblock sb, other;
	int r;

	r = md_read_superblock(dev, &sb);
	if (r == -ENODATA)
		return 0;
	if (r < 0) {
		strbuf_addf(err, "cannot read the MD superblock of %s (%s): not wiped", dev,
			    strerror(-r));
		return r;
	}
	if (strcmp(sb.uuid, uuid) != 0) {
		strbuf_addf(err,
			    "%s carries another array's superblock (UUID %s, name %s): never "
			    "wiped",
			    dev, sb.uuid, sb.name);
		return -EEXIST;
	}
	if (full)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (md_read_superblock(live[i], &other) == 0 && strcmp(other.uuid, uuid) == 0 &&
		    other.events >= sb.events)
			return 0;
	strbuf_addf(err,
		    "%s may be the newest copy (%llu events, more than any live member): "
		    "not wiped",
		    dev, (unsigned long long)sb.events);
	return -EBUSY;
}

/* mdadm, found once on PATH (pthread_once: node actions may run on several threads). */
static pthread_once_t mdadm_once = PTHREAD_ONCE_INIT;
static char *mdadm_path;
static int mdadm_error;

static void mdadm_find(void)
{
	mdadm_error = path_find_executable("mdadm", NULL, &mdadm_path);
}

/* A NULL-terminated argv being built; every string is owned. */
struct md_argv {
	char **v;
	size_t n;
};

static void argv_add(struct md_argv *a, const char *fmt, ...) _printf_(2, 3);
static void argv_add(struct md_argv *a, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	a->v = xrealloc(a->v, (a->n + 2) * sizeof(*a->v));
	a->v[a->n++] = strbuf_detach(&sb);
	a->v[a->n] = NULL;
}

static void argv_done(struct md_argv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
}

/*
 * Runs mdadm with a's arguments (argv[0] is added here). 0 on success; -EIO
 * when mdadm failed, with its stderr appended to err when err is not NULL;
 * -ENOENT without mdadm; other -errno when it could not run or timed out.
 */
static int mdadm(struct md_argv *a, struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf stderr_buf = STRBUF_INIT;
	const char **argv;
	int r;

	pthread_once(&mdadm_once, mdadm_find);
	if (mdadm_error < 0) {
		argv_done(a);
		return mdadm_error;
	}
	argv = xcalloc(a->n + 2, sizeof(*argv));
	argv[0] = mdadm_path;
	for (size_t i = 0; i < a->n; i++)
		argv[i + 1] = a->v[i];
	r = run_command(argv, MDADM_TIMEOUT_MS, NULL, &stderr_buf);
	free(argv);
	argv_done(a);
	if (r == 0)
		return 0;
	if (err) {
		size_t len = stderr_buf.len;

		while (len > 0 && stderr_buf.buf[len - 1] == '\n')
			len--;
		strbuf_add(err, stderr_buf.buf, len);
	}
	return r > 0 ? -EIO : r;
}

/* An array name mdadm stores whole and we can parse back: see md_create(). */
static bool name_ok(const char *name)
{
	size_t len = strlen(name);

	return len > 0 && len <= 31 && !strchr(name, '/') && !strchr(name, ':');
}

/* A member for mdadm: an absolute device path, or "missing" where the caller allows it. */
static bool dev_ok(const char *dev, bool allow_missing)
{
	return dev && (dev[0] == '/' || (allow_missing && strcmp(dev, "missing") == 0));
}

uint64_t md_bitmap_chunk_kib(uint64_t array_kib)
{
	uint64_t chunk = MD_BITMAP_CHUNK_MIN_KIB;

	while (chunk < MD_BITMAP_CHUNK_MAX_KIB &&
	       (array_kib + chunk - 1) / chunk > MD_BITMAP_CHUNKS)
		chunk *= 2;
	return chunk;
}

int md_create(const char *proc, const char *name, const char *uuid, int level, int copies,
	      uint64_t size_kib, const char *const *devs, size_t n, struct strbuf *err)
{
	struct md_argv a = {};
	uint64_t array_kib = level == 10 && copies > 0 ? size_kib * n / (size_t)copies : size_kib;
	uint64_t chunk_kib = md_bitmap_chunk_kib(array_kib);
	int r;

	if (!name_ok(name) || !name_is_uuid(uuid) || n < 1 || (level != 1 && level != 10) ||
	    (level == 10 && (copies < 1 || (size_t)copies > n)))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!dev_ok(devs[i], true))
			return -EINVAL;
	r = md_mdstat_answers(proc, err);
	if (r < 0)
		return r;
	/*
	 * --run: never ask (mdadm would read "no" from /dev/null and stop).
	 * --homehost=<none> with --name: set_name is exactly name, no "host:"
	 * prefix, so every node reads the same name (mdadm.c turns "<none>" into
	 * no homehost; init_super1() then copies the name alone).
	 * --bitmap=internal: recent mdadm no longer adds one by default; its
	 * chunk by the array's size (md_bitmap_chunk_kib()), where mdadm would
	 * take 64 MiB whatever the size. From 64 MiB up, mdadm chooses: it
	 * takes a larger chunk where 64 MiB would not fit the bitmap's room
	 * (arrays beyond some 64 TiB), and refuses a chunk given that does not.
	 */
	argv_add(&a, "--create");
	argv_add(&a, "/dev/md/%s", name);
	argv_add(&a, "--run");
	argv_add(&a, "--metadata=1.2");
	argv_add(&a, "--bitmap=internal");
	if (size_kib > 0 && chunk_kib < MD_BITMAP_CHUNK_MAX_KIB)
		argv_add(&a, "--bitmap-chunk=%" PRIu64 "K", chunk_kib);
	argv_add(&a, "--data-offset=8M");
	argv_add(&a, "--homehost=<none>");
	argv_add(&a, "--name=%s", name);
	argv_add(&a, "--uuid=%s", uuid);
	argv_add(&a, "--level=%d", level);
	if (level == 10)
		argv_add(&a, "--layout=n%d", copies);
	argv_add(&a, "--raid-devices=%zu", n);
	if (size_kib > 0)
		argv_add(&a, "--size=%" PRIu64 "K", size_kib);
	for (size_t i = 0; i < n; i++)
		argv_add(&a, "%s", devs[i]);
	return mdadm(&a, err);
}

int md_assemble(const char *proc, const char *name, const char *uuid, const char *const *devs,
		size_t n, struct strbuf *err)
{
	struct md_argv a = {};
	int r;

	if (!name_ok(name) || !name_is_uuid(uuid) || n < 1)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!dev_ok(devs[i], false))
			return -EINVAL;
	r = md_mdstat_answers(proc, err);
	if (r < 0)
		return r;
	argv_add(&a, "--assemble");
	argv_add(&a, "/dev/md/%s", name);
	argv_add(&a, "--uuid=%s", uuid);
	argv_add(&a, "--run");
	for (size_t i = 0; i < n; i++)
		argv_add(&a, "%s", devs[i]);
	return mdadm(&a, err);
}

/* mdadm <mode> <md> [<op> <dev>]...: the shape of every call on an existing array. */
static int mdadm_on(const char *mode, const char *md, struct strbuf *err, const char *op1,
		    const char *dev1, const char *op2, const char *dev2)
{
	struct md_argv a = {};

	if (!dev_ok(md, false) || (op1 && !dev_ok(dev1, false)) || (op2 && !dev_ok(dev2, false)))
		return -EINVAL;
	argv_add(&a, "%s", mode);
	argv_add(&a, "%s", md);
	if (op1) {
		argv_add(&a, "%s", op1);
		argv_add(&a, "%s", dev1);
	}
	if (op2) {
		argv_add(&a, "%s", op2);
		argv_add(&a, "%s", dev2);
	}
	return mdadm(&a, err);
}

int md_stop(const char *proc, const char *md, struct strbuf *err)
{
	int r = dev_ok(md, false) ? md_mdstat_answers(proc, err) : 0;

	return r < 0 ? r : mdadm_on("--stop", md, err, NULL, NULL, NULL, NULL);
}

int md_re_add(const char *md, const char *dev, struct strbuf *err)
{
	return mdadm_on("--manage", md, err, "--re-add", dev, NULL, NULL);
}

int md_add(const char *md, const char *dev, struct strbuf *err)
{
	return mdadm_on("--manage", md, err, "--add", dev, NULL, NULL);
}

int md_remove_gone(const char *md, struct strbuf *err)
{
	struct md_argv a = {};

	if (!dev_ok(md, false))
		return -EINVAL;
	argv_add(&a, "--manage");
	argv_add(&a, "%s", md);
	argv_add(&a, "--remove");
	argv_add(&a, "failed");
	argv_add(&a, "--remove");
	argv_add(&a, "detached");
	return mdadm(&a, err);
}

int md_replace(const char *md, const char *old, const char *with, struct strbuf *err)
{
	return mdadm_on("--manage", md, err, "--replace", old, "--with", with);
}

int md_grow(const char *md, uint64_t size_kib, struct strbuf *err)
{
	struct md_argv a = {};

	if (!dev_ok(md, false))
		return -EINVAL;
	argv_add(&a, "--grow");
	argv_add(&a, "%s", md);
	if (size_kib)
		argv_add(&a, "--size=%lluK", (unsigned long long)size_kib);
	else
		argv_add(&a, "--size=max");
	return mdadm(&a, err);
}

int md_zero_superblock(const char *dev, struct strbuf *err)
{
	struct md_superblock sb;
	struct md_argv a = {};
	int r;

	if (!dev_ok(dev, false))
		return -EINVAL;
	/* mdadm fails on a device without a superblock; nothing to zero is done. */
	r = md_read_superblock(dev, &sb);
	if (r == -ENODATA)
		return 0;
	if (r < 0 && r != -EBADMSG)
		return r;
	argv_add(&a, "--zero-superblock");
	argv_add(&a, "%s", dev);
	return mdadm(&a, err);
}
