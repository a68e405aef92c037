// SPDX-License-Identifier: GPL-2.0-only
/*
 * node/prepare: the host preparation, on a prepared root. Which modules are
 * loaded (only the missing ones, with a modprobe on PATH that only logs), and
 * the udev rule: installed once, idempotently, beside the host's own rules,
 * which stay untouched. Mounting configfs is left to the lab (a unit test
 * must not mount), except where the mount point does not exist.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "model/meta.h"
#include "node/nvmet.h"
#include "node/prepare.h"
#include "node/udev.h"
#include "tree.h"
#include "util/strbuf.h"
#include "util/banned.h"

#define RELEASE "6.1.0-test"

static int setup(void **state)
{
	struct tree *t;
	struct strbuf script = STRBUF_INIT;

	tree_setup(state, "test-node-prepare", NULL);
	t = *state;
	tree_mkdirs(t, "sys/module");
	tree_mkdirs(t, "lib/modules/" RELEASE);
	tree_mkdirs(t, "bin");
	tree_mkdirs(t, "etc/udev/rules.d");
	strbuf_addf(&script, "#!/bin/sh\necho \"$@\" >> %s/modprobe.log\n", t->base);
	tree_write(t, "bin/modprobe", script.buf, script.len, 0755);
	strbuf_done(&script);
	return 0;
}

static char *join(char *const *v)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; v[i]; i++)
		strbuf_addf(&sb, "%s%s", i ? " " : "", v[i]);
	return strbuf_detach(&sb);
}

/* Loaded (/sys/module) and built-in modules are not loaded again; the rest are. */
static void test_modules_to_load(void **state)
{
	struct tree *t = *state;
	char **todo;
	char *s;

	todo = prepare_modules_to_load(t->root, RELEASE);
	s = join(todo);
	assert_string_equal(s, "nvmet nvmet_tcp nvme_tcp nvme_fabrics md_mod raid1 raid10 dm_mod "
			       "dm_multipath dm_service_time xfs");
	free(s);
	strv_free(todo);

	tree_mkdirs(t, "sys/module/nvmet");
	tree_mkdirs(t, "sys/module/md_mod");
	tree_write(t, "lib/modules/" RELEASE "/modules.builtin", "kernel/fs/xfs/xfs.ko\n", 21,
		   0644);
	/* Installed is not loaded: modules.dep does not count. */
	tree_write(t, "lib/modules/" RELEASE "/modules.dep", "kernel/md/raid1.ko:\n", 20, 0644);
	todo = prepare_modules_to_load(t->root, RELEASE);
	s = join(todo);
	assert_string_equal(s, "nvmet_tcp nvme_tcp nvme_fabrics raid1 raid10 dm_mod dm_multipath "
			       "dm_service_time");
	free(s);
	strv_free(todo);
}

static void test_load_modules(void **state)
{
	struct tree *t = *state;
	char *modules[] = { "nvmet_tcp", "raid10", NULL };
	char *bin = tree_path(t, "bin"), *log;
	struct strbuf err = STRBUF_INIT;

	assert_int_equal(prepare_load_modules(modules, t->root, bin, &err), 0);
	log = tree_read(t, "modprobe.log");
	assert_non_null(strstr(log, "-a -d "));
	assert_non_null(strstr(log, " nvmet_tcp raid10\n"));
	free(log);
	assert_int_equal(prepare_load_modules(modules, "/", "/nonexistent", &err), -ENOENT);
	free(bin);
	strbuf_done(&err);
}

/* modprobe's complaint reaches the operator. */
static void test_load_modules_fails(void **state)
{
	struct tree *t = *state;
	static const char script[] =
		"#!/bin/sh\necho \"modprobe: FATAL: Module raid10 not found\" >&2\n"
		"exit 1\n";
	char *modules[] = { "raid10", NULL };
	char *bin = tree_path(t, "bin");
	struct strbuf err = STRBUF_INIT;

	tree_write(t, "bin/modprobe", script, sizeof(script) - 1, 0755);
	assert_int_equal(prepare_load_modules(modules, NULL, bin, &err), -EIO);
	assert_string_equal(err.buf, "modprobe exited with 1: modprobe: FATAL: Module raid10 not "
				     "found");
	free(bin);
	strbuf_done(&err);
}

static off_t file_size(const struct tree *t, const char *rel, ino_t *ret_ino)
{
	char *p = tree_path(t, rel);
	struct stat st;

	assert_int_equal(stat(p, &st), 0);
	free(p);
	if (ret_ino)
		*ret_ino = st.st_ino;
	return st.st_size;
}

/* Once, then never again while it holds the text; the host's own rules untouched. */
static void test_udev_rule_install(void **state)
{
	struct tree *t = *state;
	char *dir = tree_path(t, "etc/udev/rules.d"), *tmp;
	static const char host_rule[] = "# the host's own\nKERNEL==\"sda\", SYMLINK+=\"boot\"\n";
	ino_t ino, again;

	tree_write(t, "etc/udev/rules.d/64-md-raid-assembly.rules", host_rule,
		   sizeof(host_rule) - 1, 0644);
	assert_int_equal(prepare_udev_rule_install(dir), 1);
	assert_int_equal(file_size(t, "etc/udev/rules.d/" UDEV_NO_ASSEMBLE_FILE, &ino),
			 (off_t)strlen(udev_no_assemble_rule));
	assert_int_equal(prepare_udev_rule_install(dir), 0);
	file_size(t, "etc/udev/rules.d/" UDEV_NO_ASSEMBLE_FILE, &again);
	assert_int_equal(again, ino);
	/* No temporary file left; the host's file as it was. */
	tmp = tree_path(t, "etc/udev/rules.d/" UDEV_NO_ASSEMBLE_FILE ".tmp");
	assert_int_equal(access(tmp, F_OK), -1);
	free(tmp);
	assert_int_equal(file_size(t, "etc/udev/rules.d/64-md-raid-assembly.rules", NULL),
			 (off_t)strlen(host_rule));

	/* An older text of ours is replaced. */
	tree_write(t, "etc/udev/rules.d/" UDEV_NO_ASSEMBLE_FILE, "# old\n", 6, 0644);
	assert_int_equal(prepare_udev_rule_install(dir), 1);
	assert_int_equal(file_size(t, "etc/udev/rules.d/" UDEV_NO_ASSEMBLE_FILE, NULL),
			 (off_t)strlen(udev_no_assemble_rule));
	free(dir);
}

/* A host without udev (or without the directory mounted): said, nothing made. */
static void test_udev_rule_no_dir(void **state)
{
	struct tree *t = *state;
	char *dir = tree_path(t, "run/udev/rules.d");

	assert_int_equal(prepare_udev_rule_install(dir), -ENOENT);
	assert_int_equal(access(dir, F_OK), -1);
	free(dir);
}

static void test_configfs_missing(void **state)
{
	struct tree *t = *state;

	assert_int_equal(nvmet_configfs_mount(t->root), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modules_to_load, setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_load_modules, setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_load_modules_fails, setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_udev_rule_install, setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_udev_rule_no_dir, setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_configfs_missing, setup, tree_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
