// SPDX-License-Identifier: GPL-2.0-only
/*
 * controller/cleanup: the decisions of `meshstor cleanup` (uninstall). Which
 * finalizers are the node agents', and the refusals while data or agents
 * remain. test/integration/test_cleanup.py runs
 * the whole against a real API server.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "controller/cleanup.h"
#include "util/macro.h"
#include "util/strbuf.h"
#include "util/banned.h"

static void test_finalizers(void **state)
{
	assert_true(cleanup_finalizer_is_ours("node.csi.meshstor.io/node-a"));
	assert_false(cleanup_finalizer_is_ours("node.csi.meshstor.io/"));
	assert_false(cleanup_finalizer_is_ours("kubernetes.io/pv-protection"));
	assert_false(cleanup_finalizer_is_ours("node.csi.meshstor.iox/a"));
	assert_false(cleanup_finalizer_is_ours("csi.meshstor.io/node-a"));
}

static void test_node_changes(void **state)
{
	const char *const f[] = { "kubernetes.io/pv-protection", "node.csi.meshstor.io/node-a",
				  "node.csi.meshstor.io/node-ab" };

	assert_int_equal(cleanup_node_changes("node-a", f, 3, false, NULL), CLEANUP_NODE_FINALIZER);
	assert_int_equal(cleanup_node_changes("node-ab", f, 3, false, NULL),
			 CLEANUP_NODE_FINALIZER);
	assert_int_equal(cleanup_node_changes("node", f, 3, false, NULL), 0);
	assert_int_equal(cleanup_node_changes("node-b", f, 3, false, NULL), 0);
	/* Its array is forgotten only on a volume being deleted. */
	assert_int_equal(cleanup_node_changes("node-a", f, 3, false, "node-a"),
			 CLEANUP_NODE_FINALIZER);
	assert_int_equal(cleanup_node_changes("node-a", f, 3, true, "node-a"),
			 CLEANUP_NODE_FINALIZER | CLEANUP_NODE_ASSEMBLED);
	assert_int_equal(cleanup_node_changes("node-b", f, 3, true, "node-b"),
			 CLEANUP_NODE_ASSEMBLED);
	assert_int_equal(cleanup_node_changes("node-b", f, 3, true, "node-a"), 0);
}

static void test_volumes_refused(void **state)
{
	const struct cleanup_volume v[] = {
		{ "pvc-1", "shop", "data-db-0" }, { "pvc-2", NULL, NULL }, { "pvc-3", NULL, NULL },
		{ "pvc-4", NULL, NULL },	  { "pvc-5", NULL, NULL }, { "pvc-6", NULL, NULL },
	};
	struct strbuf why = STRBUF_INIT;

	assert_int_equal(cleanup_check_volumes(v, 0, false, &why), 0);
	assert_int_equal(cleanup_check_volumes(v, 6, true, &why), 0);
	assert_int_equal(why.len, 0);
	assert_int_equal(cleanup_check_volumes(v, 1, false, &why), -EBUSY);
	assert_non_null(
		strstr(why.buf, "1 MeshStorVolume still exists (pvc-1 of claim shop/data-db-0). "));
	assert_non_null(strstr(why.buf, "--i-understand-data-is-lost"));
	strbuf_reset(&why);
	assert_int_equal(cleanup_check_volumes(v, 6, false, &why), -EBUSY);
	assert_non_null(strstr(why.buf, "6 MeshStorVolumes still exist (pvc-1 of claim "
					"shop/data-db-0, pvc-2, pvc-3, pvc-4, pvc-5 and 1 more)"));
	strbuf_done(&why);
}

static void test_agents_refused(void **state)
{
	const char *const nodes[] = { "a", "b", "c" };
	struct strbuf why = STRBUF_INIT;

	assert_int_equal(cleanup_check_agents(nodes, 0, &why), 0);
	assert_int_equal(cleanup_check_agents(nodes, 1, &why), -EBUSY);
	assert_non_null(strstr(why.buf, "still runs on a (renewing its Lease"));
	strbuf_reset(&why);
	assert_int_equal(cleanup_check_agents(nodes, 3, &why), -EBUSY);
	assert_non_null(strstr(why.buf, "still runs on a, b and c (renewing its Lease"));
	strbuf_done(&why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finalizers),
		cmocka_unit_test(test_node_changes),
		cmocka_unit_test(test_volumes_refused),
		cmocka_unit_test(test_agents_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
