// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "model/names.h"
#include "node/nvmet.h"
#include "tree.h"
#include "util/strbuf.h"
#include "util/banned.h"

/*
 * A plain directory tree standing in for configfs: it holds what configfs
 * would hold, made by hand (configfs creates attribute files and default
 * directories itself; a plain filesystem does not). So these tests check what
 * nvmet.c reads and decides, on states configfs can be in; creating and
 * tearing down a subsystem for real is left to the lab.
 */

#define NQN_A MEMBER_NQN_PREFIX "pvc-a:m1"
#define NQN_B MEMBER_NQN_PREFIX "pvc-b:m0"
#define HOST_1 "nqn.2024-01.io.meshstor:node:one"
#define HOST_2 "nqn.2024-01.io.meshstor:node:two"
#define DEV_A "/dev/disk/by-partuuid/0f0e0d0c-0b0a-4908-8706-050403020100"

static void assert_text(const struct tree *t, const char *rel, const char *want)
{
	char *have = tree_read(t, rel);

	assert_string_equal(have, want);
	free(have);
}

/* A link made as configfs needs it: to the absolute path of the target. */
static void link_to(const struct tree *t, const char *target, const char *link)
{
	char *tp = tree_path(t, target), *lp = tree_path(t, link);

	assert_int_equal(symlink(tp, lp), 0);
	free(tp);
	free(lp);
}

static bool present(const struct tree *t, const char *rel)
{
	char *p = tree_path(t, rel);
	struct stat st;
	bool r = lstat(p, &st) == 0;

	free(p);
	return r;
}

/* Where the link points, relative to the nvmet root. */
static void assert_link(const struct tree *t, const char *link, const char *target)
{
	char buf[512], *p = tree_path(t, link), *want = tree_path(t, target);
	ssize_t n = readlink(p, buf, sizeof(buf) - 1);

	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
	free(p);
	free(want);
}

/* A fresh port, as mkdir ports/<id> leaves it. */
static void fresh_port(const struct tree *t, const char *dir)
{
	static const char *const names[] = { "addr_trtype", "addr_adrfam", "addr_traddr",
					     "addr_trsvcid", "addr_treq" };
	struct strbuf subs = STRBUF_INIT;

	for (size_t i = 0; i < 5; i++)
		tree_attr(t, dir, names[i], "");
	strbuf_addf(&subs, "%s/subsystems", dir);
	tree_mkdirs(t, subs.buf);
	strbuf_done(&subs);
}

/* Port 1 on 10.0.0.1:4420; NQN_A exported to HOST_1 on it; NQN_B half made, unlinked. */
static void make_exports(const struct tree *t)
{
	fresh_port(t, "ports/1");
	tree_attr(t, "ports/1", "addr_trtype", "tcp");
	tree_attr(t, "ports/1", "addr_adrfam", "ipv4");
	tree_attr(t, "ports/1", "addr_traddr", "10.0.0.1");
	tree_attr(t, "ports/1", "addr_trsvcid", "4420");
	tree_mkdirs(t, "hosts/" HOST_1);

	tree_attr(t, "subsystems/" NQN_A, "attr_allow_any_host", "0");
	tree_attr(t, "subsystems/" NQN_A "/namespaces/1", "device_path", DEV_A);
	tree_attr(t, "subsystems/" NQN_A "/namespaces/1", "enable", "1");
	tree_mkdirs(t, "subsystems/" NQN_A "/allowed_hosts");
	link_to(t, "hosts/" HOST_1, "subsystems/" NQN_A "/allowed_hosts/" HOST_1);
	/* "<root>//subsystems/...": the same target, but not the spelling nvmet.c writes. */
	link_to(t, "/subsystems/" NQN_A, "ports/1/subsystems/" NQN_A);

	tree_attr(t, "subsystems/" NQN_B, "attr_allow_any_host", "0");
	tree_mkdirs(t, "subsystems/" NQN_B "/namespaces");
	tree_mkdirs(t, "subsystems/" NQN_B "/allowed_hosts");

	/* Somebody else's subsystem. */
	tree_attr(t, "subsystems/nqn.2014-08.org.example:other", "attr_allow_any_host", "1");
}

/* The tree (tree.h) is based at its nvmet directory, as the code under test sees configfs. */
static int setup(void **state)
{
	struct tree *t;

	tree_setup(state, "test-nvmet", "nvmet");
	t = *state;
	tree_mkdirs(t, "ports");
	tree_mkdirs(t, "subsystems");
	tree_mkdirs(t, "hosts");
	return 0;
}

static void test_list(void **state)
{
	struct tree *t = *state;
	struct nvmet_subsystem *s;
	size_t n;

	make_exports(t);
	assert_int_equal(nvmet_list(t->base, MEMBER_NQN_PREFIX, &s, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(s[0].nqn, NQN_A);
	assert_string_equal(s[0].device_path, DEV_A);
	assert_string_equal(s[0].host_nqn, HOST_1);
	assert_true(s[0].enabled);
	assert_true(s[0].linked);
	assert_string_equal(s[1].nqn, NQN_B);
	assert_null(s[1].device_path);
	assert_null(s[1].host_nqn);
	assert_false(s[1].enabled);
	assert_false(s[1].linked);
	nvmet_subsystems_free(s, n);
}

/* nvmet not loaded: no exports, no error. */
static void test_list_empty(void **state)
{
	struct tree *t = *state;
	struct nvmet_subsystem *s;
	size_t n;
	struct strbuf missing = STRBUF_INIT;

	strbuf_addf(&missing, "%s/absent", t->root);
	assert_int_equal(nvmet_list(missing.buf, MEMBER_NQN_PREFIX, &s, &n), 0);
	assert_int_equal(n, 0);
	nvmet_subsystems_free(s, n);
	strbuf_done(&missing);
}

static void test_port(void **state)
{
	struct tree *t = *state;
	struct nvmet_port p = { .id = 1, .trtype = "tcp", .traddr = "10.0.0.1", .trsvcid = "4420" };
	struct nvmet_port v6 = {
		.id = 2, .trtype = "rdma", .traddr = "fd00::1", .trsvcid = "4421"
	};

	fresh_port(t, "ports/1");
	assert_int_equal(nvmet_port_ensure(t->base, &p), 0);
	assert_text(t, "ports/1/addr_trtype", "tcp\n");
	assert_text(t, "ports/1/addr_adrfam", "ipv4\n");
	assert_text(t, "ports/1/addr_traddr", "10.0.0.1\n");
	assert_text(t, "ports/1/addr_trsvcid", "4420\n");
	assert_int_equal(nvmet_port_ensure(t->base, &p), 0);

	/* The same id with another address: refused, and nothing rewritten. */
	p.traddr = "10.0.0.9";
	assert_int_equal(nvmet_port_ensure(t->base, &p), -EEXIST);
	assert_text(t, "ports/1/addr_traddr", "10.0.0.1\n");
	p.traddr = "10.0.0.1";
	p.trtype = "rdma";
	assert_int_equal(nvmet_port_ensure(t->base, &p), -EEXIST);
	assert_text(t, "ports/1/addr_trtype", "tcp\n");

	fresh_port(t, "ports/2");
	assert_int_equal(nvmet_port_ensure(t->base, &v6), 0);
	assert_text(t, "ports/2/addr_trtype", "rdma\n");
	assert_text(t, "ports/2/addr_adrfam", "ipv6\n");
	assert_text(t, "ports/2/addr_traddr", "fd00::1\n");

	v6.traddr = "node-b.example";
	assert_int_equal(nvmet_port_ensure(t->base, &v6), -EINVAL);
	v6.traddr = "fd00::1";
	v6.trtype = "loop";
	assert_int_equal(nvmet_port_ensure(t->base, &v6), -EINVAL);
}

/* Exporting again to the same host changes nothing: its connections stay. */
static void test_export_again(void **state)
{
	struct tree *t = *state;

	make_exports(t);
	assert_int_equal(nvmet_export(t->base, 1, NQN_A, DEV_A, HOST_1), 0);
	assert_link(t, "ports/1/subsystems/" NQN_A, "/subsystems/" NQN_A); /* the old link */
	assert_link(t, "subsystems/" NQN_A "/allowed_hosts/" HOST_1, "hosts/" HOST_1);
	assert_text(t, "subsystems/" NQN_A "/namespaces/1/device_path", DEV_A "\n");
	assert_text(t, "subsystems/" NQN_A "/namespaces/1/enable", "1\n");
	assert_text(t, "subsystems/" NQN_A "/attr_allow_any_host", "0\n");
}

/*
 * Another consumer: the port link is made anew (unlinked first, which drops
 * the old host's connections), only the new host is allowed, and the old
 * host's entry goes once nothing allows it.
 */
static void test_export_other_host(void **state)
{
	struct tree *t = *state;

	make_exports(t);
	/* attr_allow_any_host must end up 0 whatever it was. */
	tree_attr(t, "subsystems/" NQN_A, "attr_allow_any_host", "1");
	assert_int_equal(nvmet_export(t->base, 1, NQN_A, DEV_A, HOST_2), 0);
	assert_link(t, "ports/1/subsystems/" NQN_A, "subsystems/" NQN_A); /* a new link */
	assert_link(t, "subsystems/" NQN_A "/allowed_hosts/" HOST_2, "hosts/" HOST_2);
	assert_false(present(t, "subsystems/" NQN_A "/allowed_hosts/" HOST_1));
	assert_false(present(t, "hosts/" HOST_1));
	assert_true(present(t, "hosts/" HOST_2));
	assert_text(t, "subsystems/" NQN_A "/attr_allow_any_host", "0\n");
}

/* A host another subsystem still allows keeps its hosts/ entry. */
static void test_export_shared_host(void **state)
{
	struct tree *t = *state;

	make_exports(t);
	link_to(t, "hosts/" HOST_1, "subsystems/" NQN_B "/allowed_hosts/" HOST_1);
	assert_int_equal(nvmet_export(t->base, 1, NQN_A, DEV_A, HOST_2), 0);
	assert_true(present(t, "hosts/" HOST_1));
	assert_true(present(t, "subsystems/" NQN_B "/allowed_hosts/" HOST_1));
}

static void test_export_refused(void **state)
{
	struct tree *t = *state;

	make_exports(t);
	/* Namespace 1 already backed by another device. */
	assert_int_equal(nvmet_export(t->base, 1, NQN_A, "/dev/nvme9n1p9", HOST_1), -EEXIST);
	assert_text(t, "subsystems/" NQN_A "/namespaces/1/device_path", DEV_A "\n");
	/* No such port: nothing is made. */
	assert_int_equal(nvmet_export(t->base, 7, MEMBER_NQN_PREFIX "pvc-n:m0", DEV_A, HOST_1),
			 -ENOENT);
	assert_false(present(t, "subsystems/" MEMBER_NQN_PREFIX "pvc-n:m0"));
	assert_int_equal(nvmet_export("relative/nvmet", 1, NQN_A, DEV_A, HOST_1), -EINVAL);
	assert_int_equal(nvmet_export(t->base, 1, "../escape", DEV_A, HOST_1), -EINVAL);
	assert_int_equal(nvmet_export(t->base, 1, NQN_A, "nvme0n1p1", HOST_1), -EINVAL);
	/* Removing what is not there is done already. */
	assert_int_equal(nvmet_remove(t->base, MEMBER_NQN_PREFIX "pvc-n:m0"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_list, setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_list_empty, setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_port, setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_export_again, setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_export_other_host, setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_export_shared_host, setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_export_refused, setup, tree_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
