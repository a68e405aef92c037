// SPDX-License-Identifier: GPL-2.0-only
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>

#include "kube/lease.h"
#include "util/macro.h"
#include "util/banned.h"

static void test_name(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char long_node[254];

	kube_lease_name("node-1.example.com", &sb);
	assert_string_equal(sb.buf, "meshstor-node-node-1.example.com");
	/* 253 characters of node name would make a name too long for Kubernetes. */
	memset(long_node, 'a', sizeof(long_node) - 1);
	long_node[sizeof(long_node) - 1] = '\0';
	long_node[100] = '.';
	kube_lease_name(long_node, &sb);
	assert_int_equal(sb.len, strlen("meshstor-node-") + 32);
	assert_true(strncmp(sb.buf, "meshstor-node-", 14) == 0);
	assert_true(strspn(sb.buf + 14, "0123456789abcdef") == 32);
	strbuf_done(&sb);
}

static void test_renew(void **state)
{
	/* 2026-11-23T16:42:29.000123Z */
	json_t *obj = kube_node_lease_renew(NULL, "n1", 40, 1795452149000123LL), *again;
	const json_t *spec = json_object_get(obj, "spec");
	struct kube_node_lease l;

	assert_non_null(obj);
	assert_string_equal(json_string_value(json_object_get(obj, "apiVersion")),
			    "coordination.k8s.io/v1");
	assert_string_equal(json_string_value(json_object_get(obj, "kind")), "Lease");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(obj, "metadata"), "name")),
		"meshstor-node-n1");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(obj, "metadata"), "namespace")),
		"meshstor");
	assert_string_equal(json_string_value(json_object_get(spec, "holderIdentity")), "n1");
	assert_int_equal(json_integer_value(json_object_get(spec, "leaseDurationSeconds")), 40);
	/* MicroTime: the API server refuses a renewTime without its six digits. */
	assert_string_equal(json_string_value(json_object_get(spec, "renewTime")),
			    "2026-11-23T16:42:29.000123Z");
	assert_string_equal(json_string_value(json_object_get(spec, "acquireTime")),
			    "2026-11-23T16:42:29.000123Z");
	/* Renewed ten seconds later: acquireTime stays. */
	again = kube_node_lease_renew(obj, "n1", 40, 1795452159500000LL);
	assert_ptr_equal(again, obj);
	assert_string_equal(json_string_value(json_object_get(spec, "renewTime")),
			    "2026-11-23T16:42:39.500000Z");
	assert_string_equal(json_string_value(json_object_get(spec, "acquireTime")),
			    "2026-11-23T16:42:29.000123Z");
	/* As the API server returns it, with a resourceVersion. */
	json_object_set_new(json_object_get(obj, "metadata"), "resourceVersion",
			    json_string("4711"));
	assert_int_equal(kube_node_lease_read(obj, &l), 0);
	assert_string_equal(l.node, "n1");
	assert_string_equal(l.version, "4711");
	assert_int_equal(l.duration_s, 40);
	json_decref(obj);
}

/* Only a node agent's own Lease says anything about a node. */
static void test_read_refuses(void **state)
{
	static const char *const cases[] = {
		/* A sidecar's leader election in the same namespace. */
		"{\"metadata\": {\"name\": \"external-attacher-leader-csi-meshstor-io\", "
		"\"resourceVersion\": \"1\"}, \"spec\": {\"holderIdentity\": \"pod-0\", "
		"\"leaseDurationSeconds\": 15}}",
		/* One node's Lease naming another as holder. */
		"{\"metadata\": {\"name\": \"meshstor-node-n1\", \"resourceVersion\": \"1\"}, "
		"\"spec\": {\"holderIdentity\": \"n2\", \"leaseDurationSeconds\": 40}}",
		"{\"metadata\": {\"name\": \"meshstor-node-n1\", \"resourceVersion\": \"1\"}, "
		"\"spec\": {\"leaseDurationSeconds\": 40}}",
		"{\"metadata\": {\"name\": \"meshstor-node-n1\", \"resourceVersion\": \"1\"}, "
		"\"spec\": {\"holderIdentity\": \"n1\", \"leaseDurationSeconds\": 0}}",
		"{\"metadata\": {\"name\": \"meshstor-node-n1\", \"resourceVersion\": \"1\"}, "
		"\"spec\": {\"holderIdentity\": \"n1\", \"leaseDurationSeconds\": 3601}}",
		"{\"metadata\": {\"name\": \"meshstor-node-n1\", \"resourceVersion\": \"1\"}, "
		"\"spec\": {\"holderIdentity\": \"n1\"}}",
		"{\"metadata\": {\"name\": \"meshstor-node-n1\"}, "
		"\"spec\": {\"holderIdentity\": \"n1\", \"leaseDurationSeconds\": 40}}",
		"[]",
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		json_t *obj = json_loads(cases[i], 0, NULL);
		struct kube_node_lease l;

		assert_non_null(obj);
		if (kube_node_lease_read(obj, &l) != -EINVAL)
			fail_msg("case %zu accepted", i);
		json_decref(obj);
	}
	assert_int_equal(kube_node_lease_read(NULL, NULL), -EINVAL);
}

static void test_out_of_service(void **state)
{
	static const struct {
		const char *node;
		bool want;
	} cases[] = {
		{ "{\"metadata\": {\"name\": \"n1\"}}", false },
		{ "{\"spec\": {\"taints\": []}}", false },
		{ "{\"spec\": {\"taints\": [{\"key\": \"node.kubernetes.io/unreachable\", "
		  "\"effect\": \"NoExecute\"}]}}",
		  false },
		{ "{\"spec\": {\"taints\": [{\"key\": \"node.kubernetes.io/unreachable\", "
		  "\"effect\": \"NoExecute\"}, {\"key\": \"node.kubernetes.io/out-of-service\", "
		  "\"value\": \"nodeshutdown\", \"effect\": \"NoExecute\"}]}}",
		  true },
		{ "{\"spec\": {\"taints\": [{\"key\": \"node.kubernetes.io/out-of-service\", "
		  "\"effect\": \"NoSchedule\"}]}}",
		  true },
		/* Not a list: not a taint. */
		{ "{\"spec\": {\"taints\": {\"key\": \"node.kubernetes.io/out-of-service\"}}}",
		  false },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		json_t *obj = json_loads(cases[i].node, 0, NULL);

		assert_non_null(obj);
		if (kube_node_out_of_service(obj) != cases[i].want)
			fail_msg("case %zu", i);
		json_decref(obj);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_renew),
		cmocka_unit_test(test_read_refuses),
		cmocka_unit_test(test_out_of_service),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
