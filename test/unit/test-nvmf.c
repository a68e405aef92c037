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
#include "node/nvmf.h"
#include "tree.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define NQN_A MEMBER_NQN_PREFIX "pvc-a:m1"
#define NQN_B MEMBER_NQN_PREFIX "pvc-b:m0"
#define NQN_C MEMBER_NQN_PREFIX "pvc-c:m2"
#define NQN_LOCAL "nqn.2014.08.org.nvmexpress:uuid:5a6b7c8d-0000-0000-0000-000000000001"

/* The prepared sysfs (tree.h) under the tree's root, shaped as the kernel's. */
static const char *sysfs(const struct tree *t)
{
	static char path[sizeof(t->base) + 8];

	snprintf(path, sizeof(path), "%s/sys", t->base);
	return path;
}

/* A controller under class/nvme, linked from its subsystem as the kernel links it. */
static void ctrl(const struct tree *t, const char *subsys, const char *name, const char *nqn,
		 const char *state, const char *address)
{
	struct strbuf dir = STRBUF_INIT, link = STRBUF_INIT, target = STRBUF_INIT;
	char *p;

	strbuf_addf(&dir, "sys/class/nvme/%s", name);
	tree_attr(t, dir.buf, "subsysnqn", nqn);
	tree_attr(t, dir.buf, "state", state);
	tree_attr(t, dir.buf, "transport", address ? "tcp" : "pcie");
	tree_attr(t, dir.buf, "address", address ? address : "0000:00:04.0");
	tree_attr(t, dir.buf, "delete_controller", NULL);
	tree_mkdirs(t, subsys);
	strbuf_addf(&link, "%s/%s", subsys, name);
	strbuf_addf(&target, "../../nvme/%s", name);
	p = tree_path(t, link.buf);
	assert_int_equal(symlink(target.buf, p), 0);
	free(p);
	strbuf_done(&dir);
	strbuf_done(&link);
	strbuf_done(&target);
}

static void make_sysfs(const struct tree *t)
{
	/* A local PCIe drive: not ours, not fabrics. */
	tree_attr(t, "sys/class/nvme-subsystem/nvme-subsys0", "subsysnqn", NQN_LOCAL);
	ctrl(t, "sys/class/nvme-subsystem/nvme-subsys0", "nvme0", NQN_LOCAL, "live", NULL);
	tree_mkdirs(t, "sys/class/nvme-subsystem/nvme-subsys0/nvme0n1");

	/* Ours, native multipath: the head nvme1n1 under the subsystem, the path hidden. */
	tree_attr(t, "sys/class/nvme-subsystem/nvme-subsys1", "subsysnqn", NQN_A);
	ctrl(t, "sys/class/nvme-subsystem/nvme-subsys1", "nvme1", NQN_A, "live",
	     "traddr=10.0.0.2,trsvcid=4420,src_addr=10.0.0.1");
	tree_mkdirs(t, "sys/class/nvme-subsystem/nvme-subsys1/nvme1n1");
	tree_mkdirs(t, "sys/class/nvme/nvme1/nvme1c1n1");

	/* Ours, still connecting, no namespace yet. */
	tree_attr(t, "sys/class/nvme-subsystem/nvme-subsys2", "subsysnqn", NQN_B);
	ctrl(t, "sys/class/nvme-subsystem/nvme-subsys2", "nvme2", NQN_B, "connecting",
	     "traddr=10.0.0.3,trsvcid=4420");

	/* Ours without native multipath: namespaces belong to controllers; two of them. */
	tree_attr(t, "sys/class/nvme-subsystem/nvme-subsys3", "subsysnqn", NQN_C);
	ctrl(t, "sys/class/nvme-subsystem/nvme-subsys3", "nvme10", NQN_C, "resetting",
	     "traddr=10.0.0.4,trsvcid=4420");
	ctrl(t, "sys/class/nvme-subsystem/nvme-subsys3", "nvme3", NQN_C, "live",
	     "traddr=10.0.0.4,trsvcid=4420");
	tree_mkdirs(t, "sys/class/nvme/nvme3/nvme3n10");
	tree_mkdirs(t, "sys/class/nvme/nvme3/nvme3n2");
	tree_mkdirs(t, "sys/class/nvme/nvme10/nvme10n2");
}

static int setup(void **state)
{
	return tree_setup(state, "test-nvmf", NULL);
}

static void test_list(void **state)
{
	struct tree *t = *state;
	struct nvmf_subsystem *s;
	size_t n;

	make_sysfs(t);
	assert_int_equal(nvmf_list(sysfs(t), MEMBER_NQN_PREFIX, &s, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(s[0].nqn, NQN_A);
	assert_string_equal(s[0].ctrl_state, "live");
	assert_string_equal(s[0].block, "/dev/nvme1n1");
	assert_string_equal(s[1].nqn, NQN_B);
	assert_string_equal(s[1].ctrl_state, "connecting");
	assert_null(s[1].block);
	/* The lowest instances: nvme3 before nvme10, nvme3n2 before nvme3n10. */
	assert_string_equal(s[2].nqn, NQN_C);
	assert_string_equal(s[2].ctrl_state, "live");
	assert_string_equal(s[2].block, "/dev/nvme3n2");
	assert_true(nvmf_live(&s[2]));
	free(s[2].ctrl_state);
	s[2].ctrl_state = xstrdup("connecting");
	assert_false(nvmf_live(&s[2]));
	free(s[2].ctrl_state);
	s[2].ctrl_state = NULL; /* being deleted: its controller already gone */
	assert_false(nvmf_live(&s[2]));
	nvmf_subsystems_free(s, n);

	/* Everything, the local drive too (sorted by NQN: it comes first). */
	assert_int_equal(nvmf_list(sysfs(t), "", &s, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(s[0].nqn, NQN_LOCAL);
	assert_string_equal(s[0].block, "/dev/nvme0n1");
	assert_string_equal(s[3].nqn, NQN_C);
	nvmf_subsystems_free(s, n);
}

/* No nvme-core: no subsystems, and nothing to disconnect. */
static void test_no_nvme(void **state)
{
	struct tree *t = *state;
	struct nvmf_subsystem *s = (void *)1;
	size_t n = 1;

	tree_mkdirs(t, "sys/class");
	assert_int_equal(nvmf_list(sysfs(t), MEMBER_NQN_PREFIX, &s, &n), 0);
	assert_int_equal(n, 0);
	nvmf_subsystems_free(s, n);
	assert_int_equal(nvmf_disconnect(sysfs(t), NQN_A), 0);
}

/*
 * An existing live controller makes connect a no-op: libnvme is never
 * reached (which would write to the real /dev/nvme-fabrics).
 */
static void test_connect_existing(void **state)
{
	struct tree *t = *state;
	struct nvmf_target target = {
		.nqn = NQN_A,
		.transport = "tcp",
		.traddr = "10.0.0.2",
		.trsvcid = "4420",
		.host_nqn = "nqn.2024-01.io.meshstor:node:a",
		.host_id = "8d1a7f4e-6a55-4c31-9d9b-5d7e9f0c1a2b",
		.fast_io_fail_tmo = 1,
		.ctrl_loss_tmo = 3,
		.keep_alive_tmo = 1,
		.reconnect_delay = 1,
	};
	struct nvmf_target bad = target;

	make_sysfs(t);
	assert_int_equal(nvmf_connect(sysfs(t), &target), 0);
	/* A controller still connecting counts too: the kernel is on it. */
	target.nqn = NQN_B;
	target.traddr = "10.0.0.3";
	assert_int_equal(nvmf_connect_err(sysfs(t), &target, NULL), 0);

	bad.transport = "fc";
	assert_int_equal(nvmf_connect_err(sysfs(t), &bad, NULL), -EINVAL);
	bad.transport = "tcp";
	bad.host_id = NULL;
	assert_int_equal(nvmf_connect_err(sysfs(t), &bad, NULL), -EINVAL);
}

static void test_disconnect(void **state)
{
	struct tree *t = *state;
	char *text;

	make_sysfs(t);
	assert_int_equal(nvmf_disconnect(sysfs(t), NQN_C), 0);
	text = tree_read(t, "sys/class/nvme/nvme3/delete_controller");
	assert_string_equal(text, "1");
	free(text);
	text = tree_read(t, "sys/class/nvme/nvme10/delete_controller");
	assert_string_equal(text, "1");
	free(text);
	/* Nobody else's. */
	text = tree_read(t, "sys/class/nvme/nvme1/delete_controller");
	assert_string_equal(text, "");
	free(text);
	text = tree_read(t, "sys/class/nvme/nvme0/delete_controller");
	assert_string_equal(text, "");
	free(text);

	/* A controller whose deletion already began has no delete_controller left. */
	text = tree_path(t, "sys/class/nvme/nvme1/delete_controller");
	assert_int_equal(unlink(text), 0);
	free(text);
	assert_int_equal(nvmf_disconnect(sysfs(t), NQN_A), 0);
	assert_int_equal(nvmf_disconnect(sysfs(t), MEMBER_NQN_PREFIX "pvc-z:m0"), 0);
}

/* Controllers an earlier agent made (fast_io_fail 1 s, ctrl_loss 3 s) get ours. */
static void test_set_timeouts(void **state)
{
	struct tree *t = *state;
	char *text;

	make_sysfs(t);
	tree_attr(t, "sys/class/nvme/nvme3", "fast_io_fail_tmo", "1");
	tree_attr(t, "sys/class/nvme/nvme3", "ctrl_loss_tmo", "3");
	tree_attr(t, "sys/class/nvme/nvme10", "fast_io_fail_tmo", "off");
	tree_attr(t, "sys/class/nvme/nvme10", "ctrl_loss_tmo", "60");
	assert_int_equal(nvmf_set_timeouts(sysfs(t), NQN_C, -1, 60), 1);
	text = tree_read(t, "sys/class/nvme/nvme3/fast_io_fail_tmo");
	assert_string_equal(text, "-1");
	free(text);
	text = tree_read(t, "sys/class/nvme/nvme3/ctrl_loss_tmo");
	assert_string_equal(text, "60");
	free(text);
	/* Already so: nothing written. */
	text = tree_read(t, "sys/class/nvme/nvme10/fast_io_fail_tmo");
	assert_string_equal(text, "off\n");
	free(text);
	tree_attr(t, "sys/class/nvme/nvme3", "fast_io_fail_tmo", "off");
	tree_attr(t, "sys/class/nvme/nvme3", "ctrl_loss_tmo", "60");
	assert_int_equal(nvmf_set_timeouts(sysfs(t), NQN_C, -1, 60), 0);
	assert_int_equal(nvmf_set_timeouts(sysfs(t), MEMBER_NQN_PREFIX "pvc-z:m0", -1, 60), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_list, setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_no_nvme, setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_connect_existing, setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_disconnect, setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_set_timeouts, setup, tree_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
