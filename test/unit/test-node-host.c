// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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

#include "node/host.h"
#include "util/macro.h"
#include "util/strbuf.h"
#include "util/banned.h"

#define RELEASE "6.8.0-test"

static const struct {
	const char *line;
	const char *module;
	bool has;
} line_cases[] = {
	{ "kernel/drivers/nvme/target/nvmet-tcp.ko.xz: kernel/drivers/nvme/target/nvmet.ko.xz",
	  "nvmet_tcp", true },
	{ "kernel/drivers/nvme/target/nvmet-tcp.ko.xz: kernel/drivers/nvme/target/nvmet.ko.xz",
	  "nvmet", false },
	{ "kernel/drivers/nvme/target/nvmet.ko.xz: kernel/drivers/nvme/common/nvme-auth.ko.xz",
	  "nvmet", true },
	{ "kernel/fs/xfs/xfs.ko.zst:", "xfs", true },
	{ "kernel/fs/xfs/xfs.ko.zst:\n", "xfs", true },
	{ "kernel/drivers/md/raid10.ko", "raid10", true },
	{ "kernel/drivers/md/raid10.ko", "raid1", false },
	{ "kernel/drivers/md/raid1.ko\n", "raid1", true },
	{ "kernel/drivers/md/raid1.ko\n", "raid10", false },
	{ "kernel/drivers/md/md-mod.ko", "md_mod", true },
	{ "xfs.ko", "xfs", true },
	{ "xfs.ko", "xf", false },
	{ "xfs", "xfs", false },
	{ "xfs.k", "xfs", false },
	{ "kernel/fs/xfs/", "xfs", false },
	{ "kernel/xfs.ko/foo.ko", "xfs", false },
	{ "kernel/fs/ext4/ext4.ko: kernel/fs/xfs/xfs.ko", "xfs", false },
	{ "", "xfs", false },
};

static void test_modules_line_has(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(line_cases); i++) {
		print_message("\"%s\" has %s?\n", line_cases[i].line, line_cases[i].module);
		assert_int_equal(host_modules_line_has(line_cases[i].line, line_cases[i].module),
				 line_cases[i].has);
	}
}

/* A prepared host: root/sys, root/lib/modules/RELEASE and two tool directories. */
struct host {
	char root[64];
	char search[256];
};

static char *join(const struct host *h, const char *rel)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s/%s", h->root, rel);
	return strbuf_detach(&sb);
}

static void make_dir(const struct host *h, const char *rel)
{
	char *p = join(h, rel);

	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
}

static void write_file(const struct host *h, const char *rel, mode_t mode, const char *text)
{
	char *p = join(h, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(close(fd), 0);
	/* open() applies the umask; the test means exactly mode. */
	assert_int_equal(chmod(p, mode), 0);
	free(p);
}

static int setup(void **state)
{
	static const char *const dirs[] = {
		"sys",
		"sys/module",
		"lib",
		"lib/modules",
		("lib/modules/" RELEASE),
		"lib/modules/5.0.0-other",
		"bin1",
		"bin2",
	};
	struct host *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	snprintf(h->root, sizeof(h->root), "/tmp/test-node-host.XXXXXX");
	assert_non_null(mkdtemp(h->root));
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		make_dir(h, dirs[i]);
	/* Relative and missing entries must be skipped, not trip the search. */
	snprintf(h->search, sizeof(h->search), "bin1:/nonexistent::%s/bin1:%s/bin2", h->root,
		 h->root);
	*state = h;
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int teardown(void **state)
{
	struct host *h = *state;

	assert_int_equal(nftw(h->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
	assert_int_equal(access(h->root, F_OK), -1);
	free(h);
	return 0;
}

/*
 * Everything present, each module by a different route: loaded (/sys/module),
 * built in (modules.builtin) or installed (modules.dep, dashes for underscores).
 */
static void make_complete(const struct host *h)
{
	make_dir(h, "sys/module/nvmet");
	make_dir(h, "sys/module/md_mod");
	write_file(h, "lib/modules/" RELEASE "/modules.builtin", 0644,
		   "kernel/drivers/nvme/host/nvme-fabrics.ko\n"
		   "kernel/drivers/md/raid1.ko\n"
		   "kernel/drivers/md/dm-mod.ko\n"
		   "kernel/drivers/md/dm-multipath.ko\n"
		   "kernel/drivers/md/dm-service-time.ko\n");
	write_file(h, "lib/modules/" RELEASE "/modules.dep", 0644,
		   "kernel/drivers/nvme/target/nvmet-tcp.ko.xz: "
		   "kernel/drivers/nvme/target/nvmet.ko.xz\n"
		   "kernel/drivers/nvme/host/nvme-tcp.ko.zst: "
		   "kernel/drivers/nvme/host/nvme-fabrics.ko\n"
		   "kernel/drivers/md/raid10.ko:\n"
		   "kernel/fs/xfs/xfs.ko.xz: kernel/lib/libcrc32c.ko.xz\n");
	write_file(h, "bin1/mdadm", 0755, "#!/bin/sh\n");
	write_file(h, "bin1/mkfs.xfs", 0755, "#!/bin/sh\n");
	write_file(h, "bin2/xfs_growfs", 0700, "#!/bin/sh\n");
}

static void test_complete(void **state)
{
	_cleanup_strbuf_ struct strbuf missing = STRBUF_INIT;
	struct host *h = *state;

	make_complete(h);
	assert_int_equal(host_check(h->root, RELEASE, h->search, &missing), 0);
	assert_string_equal(missing.buf, "");
}

static void test_nothing(void **state)
{
	_cleanup_strbuf_ struct strbuf missing = STRBUF_INIT;
	struct host *h = *state;

	assert_int_equal(host_check(h->root, RELEASE, h->search, &missing), -ENOENT);
	assert_string_equal(missing.buf,
			    "kernel module nvmet, kernel module nvmet_tcp, "
			    "kernel module nvme_tcp, kernel module nvme_fabrics, "
			    "kernel module md_mod, kernel module raid1, kernel module raid10, "
			    "kernel module dm_mod, kernel module dm_multipath, "
			    "kernel module dm_service_time, kernel module xfs, tool mdadm, "
			    "tool mkfs.xfs, tool xfs_growfs");
}

/* raid10 only as a dependency of another module, xfs_growfs only as a plain file. */
static void test_missing_raid10_growfs(void **state)
{
	_cleanup_strbuf_ struct strbuf missing = STRBUF_INIT;
	struct host *h = *state;

	make_complete(h);
	write_file(h, "lib/modules/" RELEASE "/modules.dep", 0644,
		   "kernel/drivers/nvme/target/nvmet-tcp.ko.xz: "
		   "kernel/drivers/nvme/target/nvmet.ko.xz\n"
		   "kernel/drivers/nvme/host/nvme-tcp.ko.zst:\n"
		   "kernel/drivers/md/raid456.ko: kernel/drivers/md/raid10.ko\n"
		   "kernel/fs/xfs/xfs.ko.xz:\n");
	write_file(h, "bin2/xfs_growfs", 0644, "#!/bin/sh\n");
	assert_int_equal(host_check(h->root, RELEASE, h->search, &missing), -ENOENT);
	assert_string_equal(missing.buf, "kernel module raid10, tool xfs_growfs");
}

static void test_tool_is_directory(void **state)
{
	_cleanup_strbuf_ struct strbuf missing = STRBUF_INIT;
	struct host *h = *state;
	char *p;

	make_complete(h);
	p = join(h, "bin1/mkfs.xfs");
	assert_int_equal(unlink(p), 0);
	free(p);
	make_dir(h, "bin1/mkfs.xfs");
	assert_int_equal(host_check(h->root, RELEASE, h->search, &missing), -ENOENT);
	assert_string_equal(missing.buf, "tool mkfs.xfs");

	/* A real one later on the search path is found past the directory. */
	strbuf_reset(&missing);
	write_file(h, "bin2/mkfs.xfs", 0755, "#!/bin/sh\n");
	assert_int_equal(host_check(h->root, RELEASE, h->search, &missing), 0);
	assert_string_equal(missing.buf, "");
}

/* Only the running kernel's module lists count; a relative search entry is ignored. */
static void test_other_release(void **state)
{
	_cleanup_strbuf_ struct strbuf missing = STRBUF_INIT;
	struct host *h = *state;
	char *p;

	make_complete(h);
	write_file(h, "lib/modules/5.0.0-other/modules.dep", 0644, "kernel/fs/xfs/xfs.ko:\n");
	write_file(h, "lib/modules/" RELEASE "/modules.dep", 0644,
		   "kernel/drivers/nvme/target/nvmet-tcp.ko:\n"
		   "kernel/drivers/nvme/host/nvme-tcp.ko:\n"
		   "kernel/drivers/md/raid10.ko:\n");
	p = join(h, "sys/module/md_mod");
	assert_int_equal(rmdir(p), 0);
	free(p);
	assert_int_equal(host_check(h->root, RELEASE, h->search, &missing), -ENOENT);
	assert_string_equal(missing.buf, "kernel module md_mod, kernel module xfs");

	strbuf_reset(&missing);
	assert_int_equal(host_check(h->root, "5.0.0-other", h->search, &missing), -ENOENT);
	assert_string_equal(missing.buf, "kernel module nvmet_tcp, kernel module nvme_tcp, "
					 "kernel module nvme_fabrics, kernel module md_mod, "
					 "kernel module raid1, kernel module raid10, "
					 "kernel module dm_mod, kernel module dm_multipath, "
					 "kernel module dm_service_time");
}

/* A tool only in a relative search entry does not count, even where it would resolve. */
static void test_relative_search(void **state)
{
	_cleanup_strbuf_ struct strbuf missing = STRBUF_INIT, search = STRBUF_INIT;
	struct host *h = *state;
	char *cwd = getcwd(NULL, 0);
	char *p;
	int r;

	assert_non_null(cwd);
	make_complete(h);
	p = join(h, "bin2/xfs_growfs");
	assert_int_equal(unlink(p), 0);
	free(p);
	make_dir(h, "rel");
	write_file(h, "rel/xfs_growfs", 0755, "#!/bin/sh\n");
	strbuf_addf(&search, "rel:%s/bin1:%s/bin2", h->root, h->root);
	assert_int_equal(chdir(h->root), 0);
	r = host_check(h->root, RELEASE, search.buf, &missing);
	assert_int_equal(chdir(cwd), 0);
	free(cwd);
	assert_int_equal(r, -ENOENT);
	assert_string_equal(missing.buf, "tool xfs_growfs");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modules_line_has),
		T(test_complete),
		T(test_nothing),
		T(test_missing_raid10_growfs),
		T(test_tool_is_directory),
		T(test_other_release),
		T(test_relative_search),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
