// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hostile and broken objects: each case changes one field of a valid object and
 * must be rejected with an error that names that field's path.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kube/codec.h"
#include "util/macro.h"
#include "util/strbuf.h"
#include "test-model-fixtures.h"
#include "util/banned.h"

/* Follows "a.b.2.c" (numbers index arrays) and sets or, with value NULL, deletes the last key. */
static void set_path(json_t *root, const char *path, json_t *value)
{
	char *copy = xstrdup(path), *key = copy, *dot;
	json_t *o = root;

	while ((dot = strchr(key, '.'))) {
		*dot = '\0';
		o = json_is_array(o) ? json_array_get(o, strtoul(key, NULL, 10))
				     : json_object_get(o, key);
		assert_non_null(o);
		key = dot + 1;
	}
	if (json_is_array(o))
		assert_int_equal(json_array_set_new(o, strtoul(key, NULL, 10), value), 0);
	else if (value)
		assert_int_equal(json_object_set_new(o, key, value), 0);
	else
		assert_int_equal(json_object_del(o, key), 0);
	free(copy);
}

static json_t *array_of(size_t n, const char *text)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_loads(text, JSON_DECODE_ANY, NULL));
	return a;
}

static json_t *nested(unsigned depth)
{
	json_t *v = json_integer(1);

	while (depth--) {
		json_t *a = json_array();

		json_array_append_new(a, v);
		v = a;
	}
	return v;
}

static json_t *long_string(size_t n)
{
	char *s = malloc(n + 1);
	json_t *v;

	memset(s, 'a', n);
	s[n] = '\0';
	v = json_string(s);
	free(s);
	return v;
}

#define J(text) json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL)

static void check_rejects(json_t *o, const char *want)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	struct volume *v = (struct volume *)0x1;

	assert_int_equal(volume_from_json(o, &v, &err), -EINVAL);
	assert_ptr_equal(v, (struct volume *)0x1);
	print_message("want \"%s\", got \"%s\"\n", want, err.buf);
	assert_non_null(strstr(err.buf, want));
}

static void test_volume_rejects(void **state)
{
	const struct {
		const char *path;
		json_t *value; /* NULL deletes the field */
		const char *error;
	} cases[] = {
		{ "apiVersion", J("\"v1\""), "apiVersion: must be \"csi.meshstor.io/v1alpha1\"" },
		{ "kind", NULL, "kind: missing" },
		{ "kind", J("42"), "kind: expected a string" },
		{ "kind", J("\"MeshStorNode\""), "kind: must be \"MeshStorVolume\"" },
		{ "metadata", J("\"x\""), "metadata: expected an object" },
		{ "metadata.name", NULL, "metadata.name: missing" },
		{ "metadata.name", J("\"pvc-\\u0000x\""),
		  "metadata.name: contains a NUL character" },
		{ "metadata.finalizers", J("[1]"), "metadata.finalizers[0]: expected a string" },
		{ "metadata.finalizers", array_of(33, "\"a/b\""), "metadata.finalizers: too many" },
		{ "metadata.generation", J("1.5"), "metadata.generation: expected an integer" },
		{ "metadata.deletionTimestamp", J("\"yesterday\""),
		  "metadata.deletionTimestamp: not an RFC 3339 date-time" },
		{ "spec", NULL, "spec: missing" },
		{ "spec", J("[]"), "spec: expected an object" },
		{ "spec.requestName", long_string(254), "spec.requestName: must be 1-253" },
		{ "spec.requestName", long_string(1 << 20), "spec.requestName: must be 1-253" },
		{ "spec.capacityBytes", J("\"1Gi\""), "spec.capacityBytes: expected an integer" },
		{ "spec.capacityBytes", J("1073741824.0"),
		  "spec.capacityBytes: expected an integer" },
		{ "spec.capacityBytes", J("-9223372036854775808"),
		  "spec.capacityBytes: must be at" },
		{ "spec.numberOfCopies", J("true"), "spec.numberOfCopies: expected an integer" },
		{ "spec.numberOfCopies", J("4294967298"), "spec.numberOfCopies: out of range" },
		{ "spec.sectorSize", J("null"), "spec.sectorSize: missing" },
		{ "spec.formattedAt", J("\"2026-02-29T00:00:00Z\""),
		  "spec.formattedAt: not an RFC 3339 date-time" },
		{ "spec.members", J("{}"), "spec.members: expected an array" },
		{ "spec.members", array_of(129, "{}"), "spec.members: too many entries" },
		{ "spec.members", nested(2000), "spec.members[0]: expected an object" },
		{ "spec.members.2", J("\"x\""), "spec.members[2]: expected an object" },
		{ "spec.members.2.partitionUUID", J("\"ABC\""),
		  "spec.members[2].partitionUUID: not a lowercase UUID" },
		{ "spec.members.1.sizeBytes", NULL, "spec.members[1].sizeBytes: missing" },
		{ "spec.members.3.index", J("10"), "spec.members[3].index: duplicate index" },
		{ "status", J("\"Ready\""), "status: expected an object" },
		{ "status.phase", J("\"Exploded\""), "status.phase: unknown value" },
		{ "status.degraded", J("\"yes\""), "status.degraded: expected a boolean" },
		{ "status.syncPercentage", J("1e2"), "status.syncPercentage: expected an integer" },
		{ "status.members.0.state", NULL, "status.members[0].state: missing" },
		{ "status.members.1.missingSince", J("0"),
		  "status.members[1].missingSince: expected a string" },
		{ "status.conditions.0.status", J("\"Maybe\""),
		  "status.conditions[0].status: unknown value" },
		{ "status.conditions.1.lastTransitionTime", NULL,
		  "status.conditions[1].lastTransitionTime: missing" },
		{ "status.conditions", array_of(33, "{}"), "status.conditions: too many entries" },
	};
	struct volume *fixture = fixture_volume();
	json_t *base = volume_to_json(fixture);

	assert_non_null(base);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		json_t *o = json_deep_copy(base);

		set_path(o, cases[i].path, cases[i].value);
		check_rejects(o, cases[i].error);
		json_decref(o);
	}
	json_decref(base);
	volume_free(fixture);
}

static void test_not_objects(void **state)
{
	static const char *const texts[] = { "null", "[]", "\"MeshStorVolume\"", "0", "true" };
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	struct volume *v = NULL;
	struct node_device *d = NULL;
	struct mesh_node *n = NULL;

	check_rejects(NULL, "(top level): expected a JSON object");
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		json_t *o = J(texts[i]);

		check_rejects(o, "expected a JSON object");
		json_decref(o);
	}
	/* err may be NULL. */
	assert_int_equal(volume_from_json(NULL, &v, NULL), -EINVAL);
	assert_int_equal(node_device_from_json(NULL, &d, &err), -EINVAL);
	assert_int_equal(mesh_node_from_json(NULL, &n, &err), -EINVAL);
	assert_null(v);
	assert_null(d);
	assert_null(n);
}

static void test_wrong_kinds(void **state)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	struct volume *v = fixture_volume();
	json_t *o = volume_to_json(v);
	struct node_device *d = NULL;
	struct mesh_node *n = NULL;

	assert_int_equal(node_device_from_json(o, &d, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "kind: must be \"MeshStorNodeDevice\""));
	strbuf_reset(&err);
	assert_int_equal(mesh_node_from_json(o, &n, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "kind: must be \"MeshStorNode\""));
	json_decref(o);
	volume_free(v);
}

static void test_device_node_rejects(void **state)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	struct node_device *fd = fixture_device(), *d = NULL;
	struct mesh_node *fn = fixture_node(), *n = NULL;
	json_t *o = node_device_to_json(fd);

	set_path(o, "spec.path", J("\"/dev/../root\""));
	assert_int_equal(node_device_from_json(o, &d, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "spec.path: not a path under /dev/"));
	set_path(o, "spec.path", NULL);
	strbuf_reset(&err);
	assert_int_equal(node_device_from_json(o, &d, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "spec.path: missing"));
	json_decref(o);

	o = mesh_node_to_json(fn);
	set_path(o, "status.peers.1.rttMicroseconds", J("\"fast\""));
	strbuf_reset(&err);
	assert_int_equal(mesh_node_from_json(o, &n, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "status.peers[1].rttMicroseconds: expected an integer"));
	set_path(o, "status.peers", array_of(MESH_NODE_PEERS_MAX + 1, "{}"));
	strbuf_reset(&err);
	assert_int_equal(mesh_node_from_json(o, &n, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "status.peers: too many entries"));
	set_path(o, "status.peers", J("[{\"nodeName\": \"node-b\"}]"));
	strbuf_reset(&err);
	assert_int_equal(mesh_node_from_json(o, &n, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "status.peers[0].rttMicroseconds: missing"));
	json_decref(o);
	assert_null(d);
	assert_null(n);
	node_device_free(fd);
	mesh_node_free(fn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_volume_rejects),
		cmocka_unit_test(test_not_objects),
		cmocka_unit_test(test_wrong_kinds),
		cmocka_unit_test(test_device_node_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
