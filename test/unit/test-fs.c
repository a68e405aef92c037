// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <cmocka.h>

#include "node/fs.h"
#include "util/macro.h"
#include "util/strbuf.h"
#include "util/banned.h"

/*
 * One scratch directory for the whole run: image files, a fake sysfs and
 * mountinfo, and bin/ with stand-ins for mkfs.xfs and xfs_growfs that record
 * their arguments. PATH points at bin/ before fs.c first resolves its tools.
 */
static char tmp[] = "/tmp/meshstor-test-fs.XXXXXX";

static char *at(const char *rel)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s/%s", tmp, rel);
	return strbuf_detach(&sb);
}

static void write_at(const char *rel, mode_t mode, const void *data, size_t len)
{
	char *p = at(rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	free(p);
}

static void write_str(const char *rel, const char *s)
{
	write_at(rel, 0644, s, strlen(s));
}

/* The whole file at rel, NUL-terminated; *len_out its length. NULL if it does not exist. */
static char *read_at(const char *rel, size_t *len_out)
{
	struct strbuf sb = STRBUF_INIT;
	char *p = at(rel);
	char buf[4096];
	ssize_t n;
	int fd = open(p, O_RDONLY | O_CLOEXEC);

	free(p);
	if (fd < 0)
		return NULL;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		strbuf_add(&sb, buf, (size_t)n);
	close(fd);
	if (len_out)
		*len_out = sb.len;
	return strbuf_detach(&sb);
}

/* mkdir -p tmp/rel */
static void make_dirs(const char *rel)
{
	struct strbuf sb = STRBUF_INIT;

	for (const char *p = rel;; p++) {
		if (*p == '/' || *p == '\0') {
			char *d;

			strbuf_reset(&sb);
			strbuf_add(&sb, rel, (size_t)(p - rel));
			d = at(sb.buf);
			assert_true(mkdir(d, 0755) == 0 || errno == EEXIST);
			free(d);
		}
		if (*p == '\0')
			break;
	}
	strbuf_done(&sb);
}

/* A zero-filled image of size bytes. */
static char *image(const char *name, size_t size)
{
	char *buf = calloc(1, size);

	assert_non_null(buf);
	write_at(name, 0644, buf, size);
	free(buf);
	return at(name);
}

static void put(void *buf, size_t off, const void *data, size_t len)
{
	memcpy((char *)buf + off, data, len);
}

static void put_le32(void *buf, size_t off, uint32_t v)
{
	uint8_t b[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >> 24) & 0xff };

	put(buf, off, b, sizeof(b));
}

/* A Linux swap area (mkswap's v1 header for 4 KiB pages): blkid's TYPE="swap". */
static char *swap_image(const char *name)
{
	const size_t size = 256 * 1024;
	char *buf = calloc(1, size);

	assert_non_null(buf);
	put_le32(buf, 1024, 1);		      /* version */
	put_le32(buf, 1028, size / 4096 - 1); /* last_page */
	put(buf, 4096 - 10, "SWAPSPACE2", 10);
	write_at(name, 0644, buf, size);
	free(buf);
	return at(name);
}

/* A DOS (MBR) partition table with one Linux partition: blkid's PTTYPE="dos". */
static char *mbr_image(const char *name)
{
	const size_t size = 4 * 1024 * 1024;
	uint8_t *buf = calloc(1, size);
	uint8_t *e = buf + 446;

	assert_non_null(buf);
	e[0] = 0x00;	       /* not bootable */
	e[4] = 0x83;	       /* Linux */
	put_le32(e, 8, 2048);  /* first LBA */
	put_le32(e, 12, 4096); /* sectors */
	buf[510] = 0x55;
	buf[511] = 0xaa;
	write_at(name, 0644, buf, size);
	free(buf);
	return at(name);
}

static void test_probe_zero(void **state)
{
	char *img = image("zero.img", 1024 * 1024);
	char *type = (char *)"untouched";
	bool found = true;

	assert_int_equal(fs_probe_signature(img, &found, &type), 0);
	assert_false(found);
	assert_null(type);
	free(img);
}

static void test_probe_swap(void **state)
{
	char *img = swap_image("swap.img");
	char *type = NULL;
	bool found = false;

	assert_int_equal(fs_probe_signature(img, &found, &type), 0);
	assert_true(found);
	assert_string_equal(type, "swap");
	free(type);
	/* ret_type is optional. */
	found = false;
	assert_int_equal(fs_probe_signature(img, &found, NULL), 0);
	assert_true(found);
	free(img);
}

static void test_probe_mbr(void **state)
{
	char *img = mbr_image("mbr.img");
	char *type = NULL;
	bool found = false;

	assert_int_equal(fs_probe_signature(img, &found, &type), 0);
	assert_true(found);
	assert_string_equal(type, "dos");
	free(type);
	free(img);
}

static void test_probe_missing(void **state)
{
	char *img = at("no-such.img");
	bool found = false;

	assert_int_equal(fs_probe_signature(img, &found, NULL), -ENOENT);
	free(img);
}

static void test_mkfs_refuses_signature(void **state)
{
	char *img = swap_image("mkfs-swap.img");
	size_t before_len, after_len;
	char *before = read_at("mkfs-swap.img", &before_len);
	char *after, *args, *log = at("bin/mkfs.xfs.args");

	unlink(log);
	free(log);
	assert_int_equal(fs_mkfs_xfs(img, 4096, NULL), -EEXIST);
	after = read_at("mkfs-swap.img", &after_len);
	assert_int_equal(after_len, before_len);
	assert_memory_equal(after, before, before_len);
	/* And mkfs.xfs never ran. */
	args = read_at("bin/mkfs.xfs.args", NULL);
	assert_null(args);
	free(before);
	free(after);
	free(img);
}

static void test_mkfs_bad_sector_size(void **state)
{
	char *img = image("mkfs-bad.img", 1024 * 1024);

	assert_int_equal(fs_mkfs_xfs(img, 0, NULL), -EINVAL);
	assert_int_equal(fs_mkfs_xfs(img, 1000, NULL), -EINVAL);
	assert_int_equal(fs_mkfs_xfs(img, 65536, NULL), -EINVAL);
	free(img);
}

static void test_mkfs_runs_tool(void **state)
{
	char *img = image("mkfs-zero.img", 1024 * 1024);
	struct strbuf expect = STRBUF_INIT, err = STRBUF_INIT;
	char *args;

	write_str("bin/mkfs.xfs.rc", "0\n");
	assert_int_equal(fs_mkfs_xfs(img, 4096, &err), 0);
	args = read_at("bin/mkfs.xfs.args", NULL);
	assert_non_null(args);
	strbuf_addf(&expect, "-q\n-K\n-s\nsize=4096\n%s\n", img);
	assert_string_equal(args, expect.buf);
	free(args);

	/* A failing mkfs.xfs is -EIO, with what it said on stderr. */
	write_str("bin/mkfs.xfs.rc", "1\n");
	assert_int_equal(fs_mkfs_xfs(img, 512, &err), -EIO);
	assert_non_null(strstr(err.buf, "mkfs.xfs: simulated failure"));
	args = read_at("bin/mkfs.xfs.args", NULL);
	strbuf_reset(&expect);
	strbuf_addf(&expect, "-q\n-K\n-s\nsize=512\n%s\n", img);
	assert_string_equal(args, expect.buf);
	free(args);
	/* err may be NULL. */
	assert_int_equal(fs_mkfs_xfs(img, 4096, NULL), -EIO);
	write_str("bin/mkfs.xfs.rc", "0\n");
	strbuf_done(&expect);
	strbuf_done(&err);
	free(img);
}

static void test_grow_runs_tool(void **state)
{
	struct strbuf err = STRBUF_INIT;
	char *args;

	write_str("bin/xfs_growfs.rc", "0\n");
	assert_int_equal(fs_grow_xfs("/var/lib/kubelet/x/globalmount", &err), 0);
	args = read_at("bin/xfs_growfs.args", NULL);
	assert_non_null(args);
	assert_string_equal(args, "-d\n/var/lib/kubelet/x/globalmount\n");
	free(args);

	write_str("bin/xfs_growfs.rc", "3\n");
	assert_int_equal(fs_grow_xfs("/mnt", &err), -EIO);
	assert_non_null(strstr(err.buf, "xfs_growfs: simulated failure"));
	write_str("bin/xfs_growfs.rc", "0\n");
	strbuf_done(&err);
}

static void test_usage(void **state)
{
	struct fs_usage u;
	struct statvfs v;

	memset(&u, 0xff, sizeof(u));
	assert_int_equal(fs_usage(tmp, &u), 0);
	assert_int_equal(statvfs(tmp, &v), 0);
	assert_true(u.bytes_total > 0);
	assert_int_equal(u.bytes_total, (uint64_t)v.f_blocks * v.f_frsize);
	assert_true(u.bytes_total >= u.bytes_used);
	assert_true(u.bytes_total >= u.bytes_available);
	assert_true(u.inodes_total >= u.inodes_used);
	assert_int_equal(u.inodes_total, u.inodes_used + u.inodes_free);

	assert_int_equal(fs_usage("/nonexistent/meshstor", &u), -ENOENT);
}

#define XFS_ERR "sys/fs/xfs/md127/error"

static void prepare_xfs_sysfs(void)
{
	static const char *const dirs[] = { "EIO", "ENOSPC", "ENODEV", "default" };

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		struct strbuf sb = STRBUF_INIT;
		const char *forever = strcmp(dirs[i], "ENODEV") == 0 ? "0\n" : "-1\n";

		strbuf_addf(&sb, XFS_ERR "/metadata/%s", dirs[i]);
		make_dirs(sb.buf);
		strbuf_adds(&sb, "/max_retries");
		write_str(sb.buf, forever);
		strbuf_reset(&sb);
		strbuf_addf(&sb, XFS_ERR "/metadata/%s/retry_timeout_seconds", dirs[i]);
		/* Longer than what is written over it: the file must be truncated. */
		write_str(sb.buf, "-1\n\n\n\n\n\n\n");
		strbuf_done(&sb);
	}
	write_str(XFS_ERR "/fail_at_unmount", "0\n");
}

static void assert_file(const char *rel, const char *want)
{
	char *got = read_at(rel, NULL);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_xfs_limit_retries(void **state)
{
	char *sysfs = at("sys");

	prepare_xfs_sysfs();
	assert_int_equal(fs_xfs_limit_retries(sysfs, "md127", 3, 5), 0);
	assert_file(XFS_ERR "/metadata/EIO/max_retries", "3\n");
	assert_file(XFS_ERR "/metadata/EIO/retry_timeout_seconds", "5\n");
	assert_file(XFS_ERR "/metadata/default/max_retries", "3\n");
	assert_file(XFS_ERR "/metadata/default/retry_timeout_seconds", "5\n");
	assert_file(XFS_ERR "/fail_at_unmount", "1\n");
	/* ENOSPC is not a dead array; ENODEV already fails at once. */
	assert_file(XFS_ERR "/metadata/ENOSPC/max_retries", "-1\n");
	assert_file(XFS_ERR "/metadata/ENODEV/max_retries", "0\n");

	/* No XFS mounted from md126, or no sysfs at all. */
	assert_int_equal(fs_xfs_limit_retries(sysfs, "md126", 3, 5), -ENOENT);
	free(sysfs);
	sysfs = at("no-sys");
	assert_int_equal(fs_xfs_limit_retries(sysfs, "md127", 3, 5), -ENOENT);
	free(sysfs);

	sysfs = at("sys");
	assert_int_equal(fs_xfs_limit_retries(sysfs, "md127", -2, 5), -EINVAL);
	assert_int_equal(fs_xfs_limit_retries(sysfs, "md127", 3, 86401), -EINVAL);
	assert_int_equal(fs_xfs_limit_retries(sysfs, "../md127", 3, 5), -EINVAL);
	assert_int_equal(fs_xfs_limit_retries(sysfs, "..", 3, 5), -EINVAL);
	assert_int_equal(fs_xfs_limit_retries(sysfs, "", 3, 5), -EINVAL);
	/* Forever is allowed. */
	assert_int_equal(fs_xfs_limit_retries(sysfs, "md127", -1, -1), 0);
	assert_file(XFS_ERR "/metadata/EIO/max_retries", "-1\n");
	free(sysfs);
}

static const char mountinfo[] =
	"21 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw\n"
	"22 21 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:5 - proc proc rw\n"
	"36 21 9:127 / /var/lib/kubelet/plugins/kubernetes.io/csi/meshstor/abc/globalmount "
	"rw,noatime shared:2 - xfs /dev/md127 rw,attr2,inode64,logbufs=8,noquota\n"
	"37 21 9:127 / /var/lib/kubelet/pods/p1/volumes/kubernetes.io~csi/pvc-1/mount "
	"ro,noatime shared:2 - xfs /dev/md127 rw,attr2,inode64,logbufs=8,noquota\n"
	"38 21 9:125 / /stacked rw - xfs /dev/md125 rw\n"
	"39 38 9:126 / /stacked rw - xfs /dev/md126 rw\n";

static void test_mount_source(void **state)
{
	char *root = at("root");
	char *src = NULL;

	make_dirs("root/proc/self");
	write_str("root/proc/self/mountinfo", mountinfo);

	assert_int_equal(fs_mount_source(root,
					 "/var/lib/kubelet/plugins/kubernetes.io/csi/meshstor/abc/"
					 "globalmount",
					 &src),
			 0);
	assert_string_equal(src, "/dev/md127");
	free(src);
	/* Stacked mounts: the visible one is the last. */
	assert_int_equal(fs_mount_source(root, "/stacked", &src), 0);
	assert_string_equal(src, "/dev/md126");
	free(src);
	src = NULL;
	assert_int_equal(fs_mount_source(root, "/var/lib/kubelet", &src), -ENOENT);
	assert_int_equal(fs_mount_source(root, "/stacked/x", &src), -ENOENT);
	assert_null(src);
	free(root);

	root = at("no-root");
	assert_true(fs_mount_source(root, "/stacked", &src) < 0);
	assert_null(src);
	free(root);
}

static void test_device_is_mounted(void **state)
{
	char *proc = at("root/proc");
	bool mounted = false;

	make_dirs("root/proc/self");
	write_str("root/proc/self/mountinfo", mountinfo);
	assert_int_equal(fs_device_is_mounted(proc, "/dev/md127", &mounted), 0);
	assert_true(mounted);
	assert_int_equal(fs_device_is_mounted(proc, "/dev/md125", &mounted), 0);
	assert_true(mounted);
	assert_int_equal(fs_device_is_mounted(proc, "/dev/meshstor-test-none", &mounted), 0);
	assert_false(mounted);
	free(proc);
}

/*
 * Real mounts, in a private mount namespace so nothing reaches the host:
 * tmpfs stands in for the XFS, bind mounts are the real thing. Skipped where
 * the test may not create a mount namespace.
 */
static bool private_mount_ns(void)
{
	if (unshare(CLONE_NEWNS) < 0)
		return false;
	assert_int_equal(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	return true;
}

static void test_bind_and_umount(void **state)
{
	char *a, *b, *file, *src = NULL;
	bool mounted;
	int fd;

	if (!private_mount_ns())
		skip();
	a = at("mnt-a");
	b = at("mnt-b");
	make_dirs("mnt-a");
	make_dirs("mnt-b");
	assert_int_equal(mount("meshstor-test", a, "tmpfs", 0, "size=1m"), 0);

	assert_int_equal(fs_bind_mount(a, b, true), 0);
	assert_int_equal(fs_is_mountpoint(NULL, b, &mounted), 0);
	assert_true(mounted);
	assert_int_equal(fs_mount_source(NULL, b, &src), 0);
	assert_string_equal(src, "meshstor-test");
	free(src);
	/* Read-only where asked: writes through b fail, through a succeed. */
	file = at("mnt-b/f");
	fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_int_equal(fd, -1);
	assert_int_equal(errno, EROFS);
	free(file);
	file = at("mnt-a/f");
	fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	free(file);

	assert_int_equal(fs_umount(b), 0);
	assert_int_equal(fs_is_mountpoint(NULL, b, &mounted), 0);
	assert_false(mounted);
	/* Nothing mounted, or no such path: done already. */
	assert_int_equal(fs_umount(b), 0);
	file = at("mnt-b/none");
	assert_int_equal(fs_umount(file), 0);
	free(file);

	/* Read-write bind. */
	assert_int_equal(fs_bind_mount(a, b, false), 0);
	file = at("mnt-b/g");
	fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	free(file);
	assert_int_equal(fs_umount(b), 0);
	assert_int_equal(fs_umount(a), 0);
	assert_int_equal(fs_is_mountpoint(NULL, a, &mounted), 0);
	assert_false(mounted);

	/* Errors come back as the system call's errno. */
	file = at("mnt-none");
	assert_int_equal(fs_bind_mount(a, file, false), -ENOENT);
	free(file);
	file = at("no-such-dev");
	assert_int_equal(fs_mount_xfs(file, b, NULL), -ENOENT);
	free(file);
	/* Never a loop device behind our back. */
	file = image("not-a-device.img", 1024 * 1024);
	assert_int_equal(fs_mount_xfs(file, b, NULL), -ENOTBLK);
	free(file);
	assert_int_equal(fs_is_mountpoint(NULL, b, &mounted), 0);
	assert_false(mounted);
	free(a);
	free(b);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	remove(path);
	return 0;
}

/* Fake tools: record the arguments, exit with the status in NAME.rc. */
static void fake_tool(const char *name)
{
	struct strbuf rel = STRBUF_INIT, script = STRBUF_INIT;

	strbuf_addf(&script,
		    "#!/bin/sh\n"
		    "printf '%%s\\n' \"$@\" > %s/bin/%s.args\n"
		    "read rc < %s/bin/%s.rc || rc=0\n"
		    "[ \"$rc\" = 0 ] || echo '%s: simulated failure' >&2\n"
		    "exit \"$rc\"\n",
		    tmp, name, tmp, name, name);
	strbuf_addf(&rel, "bin/%s", name);
	write_at(rel.buf, 0755, script.buf, script.len);
	strbuf_reset(&rel);
	strbuf_addf(&rel, "bin/%s.rc", name);
	write_str(rel.buf, "0\n");
	strbuf_done(&rel);
	strbuf_done(&script);
}

static int setup(void **state)
{
	char *bin;

	if (!mkdtemp(tmp))
		return -1;
	make_dirs("bin");
	fake_tool("mkfs.xfs");
	fake_tool("xfs_growfs");
	bin = at("bin");
	setenv("PATH", bin, 1);
	free(bin);
	return 0;
}

static int teardown(void **state)
{
	/* What a failed mount test left behind (in this process's namespace only). */
	for (const char *const *m = (const char *const[]){ "mnt-b", "mnt-a", NULL }; *m; m++) {
		char *p = at(*m);

		while (umount2(p, MNT_DETACH) == 0)
			;
		free(p);
	}
	nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_zero),
		cmocka_unit_test(test_probe_swap),
		cmocka_unit_test(test_probe_mbr),
		cmocka_unit_test(test_probe_missing),
		cmocka_unit_test(test_mkfs_refuses_signature),
		cmocka_unit_test(test_mkfs_bad_sector_size),
		cmocka_unit_test(test_mkfs_runs_tool),
		cmocka_unit_test(test_grow_runs_tool),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_xfs_limit_retries),
		cmocka_unit_test(test_mount_source),
		cmocka_unit_test(test_device_is_mounted),
		cmocka_unit_test(test_bind_and_umount),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
