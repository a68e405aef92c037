// SPDX-License-Identifier: GPL-2.0-only
#include <blkid/blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <libmount/libmount.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "node/fs.h"
#include "util/cleanup.h"
#include "util/macro.h"
#include "util/path.h"
#include "util/run.h"
#include "util/strbuf.h"
#include "util/banned.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct libmnt_table *, mnt_unref_table);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct libmnt_context *, mnt_free_context);
DEFINE_TRIVIAL_CLEANUP_FUNC(blkid_probe, blkid_free_probe);

/* mkfs.xfs sizes and zeroes the log and writes every AG header; TCG VMs are slow. */
#define MKFS_TIMEOUT_MS (300 * 1000)
#define GROWFS_TIMEOUT_MS (300 * 1000)

static pthread_once_t tools_once = PTHREAD_ONCE_INIT;
static char *mkfs_xfs_path, *xfs_growfs_path;
static int mkfs_xfs_r, xfs_growfs_r;

/* Resolved once, from PATH at first use (docs/style.md, "External commands"). */
static void tools_resolve(void)
{
	mkfs_xfs_r = path_find_executable("mkfs.xfs", NULL, &mkfs_xfs_path);
	xfs_growfs_r = path_find_executable("xfs_growfs", NULL, &xfs_growfs_path);
}

static int mountinfo_load(const char *mountinfo, struct libmnt_table **ret)
{
	_cleanup_(mnt_unref_tablep) struct libmnt_table *tb = mnt_new_table();
	int r;

	if (!tb)
		return -ENOMEM;
	r = mnt_table_parse_file(tb, mountinfo);
	if (r < 0)
		return r == -ENOENT ? -EIO
				    : r; /* a mount table we cannot read is not an empty one */
	*ret = TAKE_PTR(tb);
	return 0;
}

int fs_is_mountpoint(const char *root, const char *path, bool *ret)
{
	_cleanup_(mnt_unref_tablep) struct libmnt_table *tb = NULL;
	_cleanup_free_ char *mountinfo = path_join_root(root, "/proc/self/mountinfo");
	int r;

	r = mountinfo_load(mountinfo, &tb);
	if (r < 0)
		return r;
	/* Backwards: the last mount on a path is the one that is visible. */
	*ret = mnt_table_find_target(tb, path, MNT_ITER_BACKWARD) != NULL;
	return 0;
}

int fs_check_target_path(const char *path)
{
	const char *p = path;

	if (path[0] != '/' || strlen(path) > 4096)
		return -EINVAL;
	while (*p) {
		size_t len;

		p++;
		len = strcspn(p, "/");
		if (len == 0 && p[0] == '/')
			return -EINVAL;
		if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return -EINVAL;
		p += len;
	}
	return 0;
}

int fs_probe_signature(const char *dev, bool *ret_found, char **ret_type)
{
	_cleanup_(blkid_free_probep) blkid_probe pr = NULL;
	const char *type = NULL;
	char *t = NULL;
	int r;

	errno = 0;
	pr = blkid_new_probe_from_filename(dev);
	if (!pr)
		return errno > 0 ? -errno : -EIO;
	/*
	 * Bad checksums count: a torn superblock still means data may be
	 * there. GPT is looked for even without a valid protective MBR.
	 */
	if (blkid_probe_enable_superblocks(pr, 1) < 0 ||
	    blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_BADCSUM) < 0 ||
	    blkid_probe_enable_partitions(pr, 1) < 0 ||
	    blkid_probe_set_partitions_flags(pr, BLKID_PARTS_FORCE_GPT) < 0)
		return -ENOMEM;

	errno = 0;
	r = blkid_do_safeprobe(pr);
	if (r == 1) {
		*ret_found = false;
		if (ret_type)
			*ret_type = NULL;
		return 0;
	}
	if (r == -2) {
		/* Ambivalent: more than one signature, which is more than none. */
		type = "ambivalent";
	} else if (r == 0) {
		if (blkid_probe_lookup_value(pr, "TYPE", &type, NULL) < 0 &&
		    blkid_probe_lookup_value(pr, "PTTYPE", &type, NULL) < 0)
			type = "unknown";
	} else {
		return errno > 0 ? -errno : -EIO;
	}
	if (ret_type) {
		t = strdup(type);
		if (!t)
			return -ENOMEM;
		*ret_type = t;
	}
	*ret_found = true;
	return 0;
}

static bool sector_size_valid(unsigned s)
{
	return s >= 512 && s <= 32768 && (s & (s - 1)) == 0;
}

int fs_mkfs_xfs(const char *dev, unsigned sector_size, struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf size = STRBUF_INIT;
	bool found;
	int r;

	if (!sector_size_valid(sector_size))
		return -EINVAL;
	/* Never reformat data: look again right before writing. */
	r = fs_probe_signature(dev, &found, NULL);
	if (r < 0)
		return r;
	if (found)
		return -EEXIST;

	pthread_once(&tools_once, tools_resolve);
	if (mkfs_xfs_r < 0)
		return mkfs_xfs_r;
	strbuf_addf(&size, "size=%u", sector_size);
	/*
	 * No -f: mkfs.xfs refuses a device with a signature itself, a second guard.
	 * -K: no discard of the whole device first; the members are new partitions
	 * (and remote ones would be discarded over the network, slowly).
	 */
	const char *argv[] = { mkfs_xfs_path, "-q", "-K", "-s", size.buf, dev, NULL };

	r = run_command(argv, MKFS_TIMEOUT_MS, NULL, err);
	if (r < 0)
		return r;
	return r == 0 ? 0 : -EIO;
}

int fs_grow_xfs(const char *target, struct strbuf *err)
{
	int r;

	pthread_once(&tools_once, tools_resolve);
	if (xfs_growfs_r < 0)
		return xfs_growfs_r;
	const char *argv[] = { xfs_growfs_path, "-d", target, NULL };

	r = run_command(argv, GROWFS_TIMEOUT_MS, NULL, err);
	if (r < 0)
		return r;
	return r == 0 ? 0 : -EIO;
}

/* libmount's private codes (MNT_ERR_*, 5000 and up) as errno. */
static int mnt_err_to_errno(int code)
{
	switch (code) {
	case MNT_ERR_NOFSTAB:
	case MNT_ERR_NOSOURCE:
		return -ENOENT;
	case MNT_ERR_NOFSTYPE:
	case MNT_ERR_MOUNTOPT:
	case MNT_ERR_AMBIFS:
		return -EINVAL;
	case MNT_ERR_LOOPOVERLAP:
	case MNT_ERR_LOCK:
		return -EBUSY;
	default:
		return -EIO;
	}
}

/*
 * The one place libmount's results become -errno. The system call's errno
 * wins when it was called and failed; else rc is libmount's: -errno, or a
 * MNT_ERR_* code (libmount.h: "maximum system errno value should be 4095").
 */
static int mnt_result(struct libmnt_context *cxt, int rc)
{
	int e;

	if (rc == 0)
		return 0;
	if (mnt_context_helper_executed(cxt))
		return mnt_context_get_helper_status(cxt) == 0 ? 0 : -EIO;
	if (mnt_context_syscall_called(cxt)) {
		e = mnt_context_get_syscall_errno(cxt);
		if (e > 0)
			return -e;
	}
	e = rc < 0 ? -rc : rc;
	if (e >= MNT_ERR_NOFSTAB)
		return mnt_err_to_errno(e);
	return -e;
}

static int mnt_context_plain(struct libmnt_context **ret)
{
	_cleanup_(mnt_free_contextp) struct libmnt_context *cxt = mnt_new_context();

	if (!cxt)
		return -ENOMEM;
	/* Only the system call: no /sbin/mount.<type>, no utab, no mtab. */
	if (mnt_context_disable_helpers(cxt, 1) < 0 || mnt_context_disable_mtab(cxt, 1) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(cxt);
	return 0;
}

static int mount_one(const char *source, const char *target, const char *fstype,
		     const char *options, bool rw_only)
{
	_cleanup_(mnt_free_contextp) struct libmnt_context *cxt = NULL;
	int r;

	r = mnt_context_plain(&cxt);
	if (r < 0)
		return r;
	r = mnt_context_set_source(cxt, source);
	if (r == 0)
		r = mnt_context_set_target(cxt, target);
	if (r == 0 && fstype)
		r = mnt_context_set_fstype(cxt, fstype);
	if (r == 0)
		r = mnt_context_set_options(cxt, options);
	/* Fail rather than take mount(8)'s fallback to read-only on EROFS/EACCES. */
	if (r == 0 && rw_only)
		r = mnt_context_enable_rwonly_mount(cxt, 1);
	if (r < 0)
		return r;
	return mnt_result(cxt, mnt_context_mount(cxt));
}

int fs_mount_xfs(const char *dev, const char *target, const char *options)
{
	struct stat st;
	bool ro;

	/* A block device only: given a regular file, libmount would set up a loop device. */
	if (stat(dev, &st) < 0)
		return -errno;
	if (!S_ISBLK(st.st_mode))
		return -ENOTBLK;
	if (!options)
		options = "noatime";
	ro = mnt_optstr_get_option(options, "ro", NULL, NULL) == 0;
	return mount_one(dev, target, "xfs", options, !ro);
}

int fs_bind_mount(const char *source, const char *target, bool read_only)
{
	int r;

	r = mount_one(source, target, NULL, "bind", false);
	if (r < 0 || !read_only)
		return r;
	/*
	 * MS_RDONLY is ignored on a plain MS_BIND; the bind mount becomes
	 * read-only only by a remount (mount(2), "Creating a bind mount").
	 */
	r = mount_one(source, target, NULL, "remount,bind,ro", false);
	if (r < 0) {
		/* Never leave a writable bind where a read-only one was asked for. */
		(void)fs_umount(target);
		return r;
	}
	return 0;
}

int fs_umount(const char *target)
{
	_cleanup_(mnt_free_contextp) struct libmnt_context *cxt = NULL;
	int r;

	r = mnt_context_plain(&cxt);
	if (r < 0)
		return r;
	/* target is a mount point, never a device or a loop-backed file. */
	r = mnt_context_disable_swapmatch(cxt, 1);
	if (r == 0)
		r = mnt_context_set_target(cxt, target);
	if (r < 0)
		return r;
	r = mnt_result(cxt, mnt_context_umount(cxt));
	/*
	 * umount(2): EINVAL "target is not a mount point", ENOENT no such
	 * path. The kernel decides, so symlinks and unusual spellings of
	 * target cannot make us report a mount that is not there.
	 */
	if (r == -EINVAL || r == -ENOENT)
		return mnt_context_syscall_called(cxt) ? 0 : r;
	return r;
}

int fs_mount_source(const char *root, const char *target, char **ret)
{
	_cleanup_(mnt_unref_tablep) struct libmnt_table *tb = NULL;
	_cleanup_free_ char *mountinfo = path_join_root(root, "/proc/self/mountinfo");
	struct libmnt_fs *fs;
	const char *src;
	char *s;
	int r;

	r = mountinfo_load(mountinfo, &tb);
	if (r < 0)
		return r;
	/* Backwards: the last mount on a path is the one that is visible. */
	fs = mnt_table_find_target(tb, target, MNT_ITER_BACKWARD);
	src = fs ? mnt_fs_get_source(fs) : NULL;
	if (!src)
		return -ENOENT;
	s = strdup(src);
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

int fs_device_is_mounted(const char *proc, const char *dev, bool *ret)
{
	_cleanup_(mnt_unref_tablep) struct libmnt_table *tb = NULL;
	_cleanup_free_ char *mountinfo = path_join_root(proc, "/self/mountinfo");
	struct stat st;
	bool found;
	int r;

	r = mountinfo_load(mountinfo, &tb);
	if (r < 0)
		return r;
	/* mountinfo's major:minor names the device whatever path mounted it. */
	if (stat(dev, &st) == 0 && S_ISBLK(st.st_mode))
		found = mnt_table_find_devno(tb, st.st_rdev, MNT_ITER_BACKWARD) != NULL;
	else
		found = mnt_table_find_srcpath(tb, dev, MNT_ITER_BACKWARD) != NULL;
	*ret = found;
	return 0;
}

int fs_device_shut_down(const char *proc, const char *dev, bool *ret)
{
	_cleanup_(mnt_unref_tablep) struct libmnt_table *tb = NULL;
	_cleanup_free_ char *mountinfo = path_join_root(proc, "/self/mountinfo");
	struct libmnt_fs *fs;
	const char *target;
	struct stat st;
	int r;

	*ret = false;
	if (stat(dev, &st) < 0 || !S_ISBLK(st.st_mode))
		return 0; /* no such device: nothing mounted from it */
	r = mountinfo_load(mountinfo, &tb);
	if (r < 0)
		return r;
	fs = mnt_table_find_devno(tb, st.st_rdev, MNT_ITER_FORWARD);
	target = fs ? mnt_fs_get_target(fs) : NULL;
	if (target && stat(target, &st) < 0 && errno == EIO)
		*ret = true;
	return 0;
}

/*
 * XFS_IOC_GOINGDOWN and its flag, from xfs_fs.h (xfslibs-dev, which the build
 * does not need otherwise): _IOR('X', 125, __u32), and
 * XFS_FSOP_GOING_FLAGS_NOLOGFLUSH.
 */
#define MESHSTOR_XFS_IOC_GOINGDOWN _IOR('X', 125, uint32_t)
#define MESHSTOR_XFS_GOING_NOLOGFLUSH 2U

int fs_device_shut_down_now(const char *proc, const char *dev)
{
	_cleanup_(mnt_unref_tablep) struct libmnt_table *tb = NULL;
	_cleanup_free_ char *mountinfo = path_join_root(proc, "/self/mountinfo");
	_cleanup_close_ int fd = -1;
	uint32_t flags = MESHSTOR_XFS_GOING_NOLOGFLUSH;
	struct libmnt_fs *fs;
	const char *target;
	struct stat st;
	int r;

	if (stat(dev, &st) < 0 || !S_ISBLK(st.st_mode))
		return 0;
	r = mountinfo_load(mountinfo, &tb);
	if (r < 0)
		return r;
	fs = mnt_table_find_devno(tb, st.st_rdev, MNT_ITER_FORWARD);
	target = fs ? mnt_fs_get_target(fs) : NULL;
	if (!target)
		return 0;
	if (!mnt_fs_get_fstype(fs) || strcmp(mnt_fs_get_fstype(fs), "xfs") != 0)
		return -EOPNOTSUPP;
	/* O_PATH does not take ioctls; a shut-down XFS fails the open with EIO: down already. */
	fd = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == EIO ? 1 : -errno;
	if (ioctl(fd, MESHSTOR_XFS_IOC_GOINGDOWN, &flags) < 0)
		return errno == EIO ? 1 : -errno;
	return 1;
}

int fs_usage(const char *path, struct fs_usage *ret)
{
	struct statvfs v;
	uint64_t frsize;

	if (statvfs(path, &v) < 0)
		return -errno;
	frsize = v.f_frsize ? v.f_frsize : v.f_bsize;
	*ret = (struct fs_usage){
		.bytes_total = (uint64_t)v.f_blocks * frsize,
		.bytes_available = (uint64_t)v.f_bavail * frsize,
		.bytes_used = (uint64_t)(v.f_blocks - MIN(v.f_bfree, v.f_blocks)) * frsize,
		.inodes_total = v.f_files,
		.inodes_free = v.f_ffree,
		.inodes_used = v.f_files - MIN(v.f_ffree, v.f_files),
	};
	return 0;
}

static int write_attr(const char *dir, const char *attr, int value)
{
	_cleanup_strbuf_ struct strbuf path = STRBUF_INIT;
	_cleanup_close_ int fd = -1;
	char buf[16];
	int n;

	strbuf_addf(&path, "%s/%s", dir, attr);
	/* No O_CREAT: an attribute the kernel does not offer is an error, not a new file. */
	fd = open(path.buf, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%d\n", value);
	if (write(fd, buf, (size_t)n) != n)
		return errno > 0 ? -errno : -EIO;
	return 0;
}

int fs_xfs_limit_retries(const char *sysfs, const char *kname, int max_retries,
			 int retry_timeout_seconds)
{
	static const char *const classes[] = { "metadata/EIO", "metadata/default" };
	_cleanup_strbuf_ struct strbuf rel = STRBUF_INIT;
	_cleanup_free_ char *error_dir = NULL;
	struct stat st;
	int r;

	if (!kname[0] || strchr(kname, '/') || !strcmp(kname, ".") || !strcmp(kname, ".."))
		return -EINVAL;
	/* The kernel's limits (fs/xfs/xfs_sysfs.c): -1 is forever, a timeout at most a day. */
	if (max_retries < -1 || retry_timeout_seconds < -1 || retry_timeout_seconds > 86400)
		return -EINVAL;
	strbuf_addf(&rel, "/fs/xfs/%s/error", kname);
	error_dir = path_join_root(sysfs, rel.buf);
	if (stat(error_dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;

	for (size_t i = 0; i < ARRAY_SIZE(classes); i++) {
		_cleanup_strbuf_ struct strbuf dir = STRBUF_INIT;

		strbuf_addf(&dir, "%s/%s", error_dir, classes[i]);
		r = write_attr(dir.buf, "max_retries", max_retries);
		if (r < 0)
			return r;
		r = write_attr(dir.buf, "retry_timeout_seconds", retry_timeout_seconds);
		if (r < 0)
			return r;
	}
	/* Unmount must not wait on retries of writes to a dead array. */
	return write_attr(error_dir, "fail_at_unmount", 1);
}

int fs_wipe_signatures(const char *dev)
{
	_cleanup_close_ int fd = open(dev, O_RDWR | O_CLOEXEC);
	blkid_probe pr;
	int r = 0, i;

	if (fd < 0)
		return -errno;
	pr = blkid_new_probe();
	if (!pr)
		return -ENOMEM;
	if (blkid_probe_set_device(pr, fd, 0, 0) < 0) {
		blkid_free_probe(pr);
		return -EIO;
	}
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_MAGIC | BLKID_SUBLKS_BADCSUM);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC | BLKID_PARTS_FORCE_GPT);
	/* blkid_do_wipe() steps the prober back, so the next probe finds a second copy. */
	for (i = 0; i < 64 && (r = blkid_do_probe(pr)) == 0; i++)
		if (blkid_do_wipe(pr, 0) < 0) {
			r = errno > 0 ? -errno : -EIO;
			break;
		}
	blkid_free_probe(pr);
	if (r < 0 || i == 64)
		return r < 0 ? r : -EIO;
	return fsync(fd) < 0 ? -errno : 0;
}
