// SPDX-License-Identifier: GPL-2.0-only
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
#include "util/xalloc.h"
#include "util/strbuf.h"
#include "test-model-fixtures.h"
#include "util/banned.h"

static void str_eq(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

/* What to_json writes of metadata comes back; uid, generation and deletion do not. */
static void meta_eq(const struct object_meta *a, const struct object_meta *b)
{
	str_eq(a->name, b->name);
	str_eq(a->resource_version, b->resource_version);
	assert_int_equal(strv_length(a->finalizers), strv_length(b->finalizers));
	for (size_t i = 0; i < strv_length(a->finalizers); i++)
		str_eq(a->finalizers[i], b->finalizers[i]);
	assert_null(b->uid);
	assert_int_equal(b->generation, 0);
	assert_false(b->deleting);
}

static void conditions_eq(const struct condition *a, size_t na, const struct condition *b,
			  size_t nb)
{
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++) {
		str_eq(a[i].type, b[i].type);
		assert_int_equal(a[i].status, b[i].status);
		str_eq(a[i].reason, b[i].reason);
		str_eq(a[i].message, b[i].message);
		assert_int_equal(a[i].last_transition_time, b[i].last_transition_time);
		assert_int_equal(a[i].observed_generation, b[i].observed_generation);
	}
}

static void volume_spec_eq(const struct volume_spec *a, const struct volume_spec *b)
{
	str_eq(a->request_name, b->request_name);
	assert_int_equal(a->capacity_bytes, b->capacity_bytes);
	assert_int_equal(a->number_of_copies, b->number_of_copies);
	assert_int_equal(a->drives_per_copy, b->drives_per_copy);
	assert_int_equal(a->member_missing_timeout_sec, b->member_missing_timeout_sec);
	assert_int_equal(a->sector_size, b->sector_size);
	str_eq(a->fs_type, b->fs_type);
	assert_int_equal(a->epoch, b->epoch);
	assert_int_equal(a->formatted_at, b->formatted_at);
	assert_int_equal(a->n_members, b->n_members);
	for (size_t i = 0; i < a->n_members; i++) {
		const struct volume_member *x = &a->members[i], *y = &b->members[i];

		assert_int_equal(x->index, y->index);
		assert_int_equal(x->copy, y->copy);
		assert_int_equal(x->stripe, y->stripe);
		str_eq(x->node_name, y->node_name);
		str_eq(x->drive, y->drive);
		str_eq(x->partition_uuid, y->partition_uuid);
		assert_int_equal(x->size_bytes, y->size_bytes);
	}
}

static void volume_status_eq(const struct volume_status *a, const struct volume_status *b)
{
	assert_int_equal(a->phase, b->phase);
	str_eq(a->node_name, b->node_name);
	str_eq(a->md_state, b->md_state);
	str_eq(a->ready, b->ready);
	assert_int_equal(a->degraded, b->degraded);
	assert_int_equal(a->total_members, b->total_members);
	assert_int_equal(a->active_members, b->active_members);
	assert_int_equal(a->failed_members, b->failed_members);
	assert_int_equal(a->missing_members, b->missing_members);
	assert_int_equal(a->sync_percentage, b->sync_percentage);
	assert_int_equal(a->n_members, b->n_members);
	for (size_t i = 0; i < a->n_members; i++) {
		const struct member_status *x = &a->members[i], *y = &b->members[i];

		assert_int_equal(x->index, y->index);
		assert_int_equal(x->state, y->state);
		assert_int_equal(x->last_epoch, y->last_epoch);
		assert_int_equal(x->missing_since, y->missing_since);
		str_eq(x->message, y->message);
	}
	conditions_eq(a->conditions, a->n_conditions, b->conditions, b->n_conditions);
	assert_int_equal(a->observed_generation, b->observed_generation);
}

/* Through text too: what goes over the wire is a string, not a json_t. */
static json_t *reparse(json_t *o)
{
	char *text;
	json_t *again;

	assert_non_null(o);
	text = json_dumps(o, JSON_COMPACT);
	assert_non_null(text);
	again = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(again);
	free(text);
	json_decref(o);
	return again;
}

static void test_volume_round_trip(void **state)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	struct volume *v = fixture_volume(), *back = NULL;
	json_t *o = reparse(volume_to_json(v));

	assert_string_equal(json_string_value(json_object_get(o, "kind")), "MeshStorVolume");
	assert_string_equal(json_string_value(json_object_get(o, "apiVersion")),
			    "csi.meshstor.io/v1alpha1");
	assert_int_equal(volume_from_json(o, &back, &err), 0);
	assert_int_equal(err.len, 0);
	meta_eq(&v->meta, &back->meta);
	volume_spec_eq(&v->spec, &back->spec);
	volume_status_eq(&v->status, &back->status);
	json_decref(o);
	volume_free(back);
	volume_free(v);
}

static void test_volume_status_json(void **state)
{
	struct volume *v = fixture_volume();
	json_t *o = volume_status_to_json(v), *meta;

	assert_non_null(o);
	assert_null(json_object_get(o, "spec"));
	assert_non_null(json_object_get(o, "status"));
	meta = json_object_get(o, "metadata");
	assert_string_equal(json_string_value(json_object_get(meta, "name")), FIXTURE_VOLUME_ID);
	assert_string_equal(json_string_value(json_object_get(meta, "resourceVersion")), "12345");
	/* Never written: they belong to the API server. */
	assert_null(json_object_get(meta, "uid"));
	assert_null(json_object_get(meta, "generation"));
	json_decref(o);
	/* Nothing invalid goes out. */
	v->spec.sector_size = 1000;
	assert_null(volume_to_json(v));
	assert_null(volume_status_to_json(v));
	volume_free(v);
}

static void test_device_round_trip(void **state)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	struct node_device *d = fixture_device(), *back = NULL;
	json_t *o = reparse(node_device_to_json(d));

	assert_int_equal(node_device_from_json(o, &back, &err), 0);
	meta_eq(&d->meta, &back->meta);
	str_eq(d->spec.node_name, back->spec.node_name);
	str_eq(d->spec.path, back->spec.path);
	str_eq(d->spec.model, back->spec.model);
	str_eq(d->spec.serial, back->spec.serial);
	assert_int_equal(d->spec.size_bytes, back->spec.size_bytes);
	assert_int_equal(d->spec.logical_sector_size, back->spec.logical_sector_size);
	assert_int_equal(d->status.largest_free_extent_bytes,
			 back->status.largest_free_extent_bytes);
	assert_int_equal(d->status.free_bytes, back->status.free_bytes);
	assert_int_equal(d->status.local_partitions, back->status.local_partitions);
	assert_int_equal(d->status.remote_partitions, back->status.remote_partitions);
	assert_int_equal(d->status.foreign_partitions, back->status.foreign_partitions);
	conditions_eq(d->status.conditions, d->status.n_conditions, back->status.conditions,
		      back->status.n_conditions);
	json_decref(o);
	o = node_device_status_to_json(d);
	assert_null(json_object_get(o, "spec"));
	json_decref(o);
	node_device_free(back);
	node_device_free(d);
}

static void test_node_round_trip(void **state)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	struct mesh_node *n = fixture_node(), *back = NULL;
	json_t *o = reparse(mesh_node_to_json(n));

	assert_int_equal(mesh_node_from_json(o, &back, &err), 0);
	meta_eq(&n->meta, &back->meta);
	str_eq(n->status.host_nqn, back->status.host_nqn);
	str_eq(n->status.host_id, back->status.host_id);
	str_eq(n->status.tcp_address, back->status.tcp_address);
	str_eq(n->status.rdma_address, back->status.rdma_address);
	assert_int_equal(n->status.rdma_capable, back->status.rdma_capable);
	assert_int_equal(n->status.n_peers, back->status.n_peers);
	for (size_t i = 0; i < n->status.n_peers; i++) {
		str_eq(n->status.peers[i].node_name, back->status.peers[i].node_name);
		assert_int_equal(n->status.peers[i].rtt_usec, back->status.peers[i].rtt_usec);
	}
	str_eq(n->status.agent_version, back->status.agent_version);
	assert_int_equal(n->status.heartbeat_time, back->status.heartbeat_time);
	conditions_eq(n->status.conditions, n->status.n_conditions, back->status.conditions,
		      back->status.n_conditions);
	json_decref(o);
	mesh_node_free(back);
	mesh_node_free(n);
}

/* As the API server returns it: server fields, unknown fields, times in other offsets. */
static const char volume_text[] =
	"{\"apiVersion\": \"csi.meshstor.io/v1alpha1\", \"kind\": \"MeshStorVolume\","
	" \"metadata\": {\"name\": \"pvc-bd43ab973a4615925f25fd4b\", \"uid\": \"u-1\","
	"  \"resourceVersion\": \"777\", \"generation\": 4, \"creationTimestamp\": "
	"  \"2026-11-23T16:42:29Z\", \"deletionTimestamp\": \"2026-11-23T17:00:00Z\","
	"  \"finalizers\": [], \"managedFields\": [{\"manager\": \"x\", \"fieldsV1\": {}}]},"
	" \"spec\": {\"requestName\": \"pvc-x\", \"capacityBytes\": 1073741824,"
	"  \"numberOfCopies\": 1, \"drivesPerCopy\": 1, \"memberMissingTimeoutSeconds\": 60,"
	"  \"sectorSize\": 512, \"fsType\": \"xfs\", \"formattedAt\": \"2026-11-23T18:42:29.5+02:00\","
	"  \"futureField\": {\"deep\": [[[[1]]]]}},"
	" \"status\": {\"phase\": \"Creating\", \"nodeName\": \"\", \"mdState\": null,"
	"  \"conditions\": [{\"type\": \"Ready\", \"status\": \"False\", \"reason\": \"Creating\","
	"   \"lastTransitionTime\": \"2026-11-23t16:42:29z\"}]}}";

static void test_volume_from_text(void **state)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	json_t *o = json_loads(volume_text, JSON_REJECT_DUPLICATES, NULL);
	struct volume *v = NULL;

	assert_non_null(o);
	assert_int_equal(volume_from_json(o, &v, &err), 0);
	assert_string_equal(v->meta.uid, "u-1");
	assert_string_equal(v->meta.resource_version, "777");
	assert_int_equal(v->meta.generation, 4);
	assert_true(v->meta.deleting);
	assert_null(v->meta.finalizers);
	assert_int_equal(v->spec.epoch, 0);
	assert_int_equal(v->spec.formatted_at, FIXTURE_TIME);
	assert_int_equal(v->spec.n_members, 0);
	assert_int_equal(v->status.phase, VOLUME_PHASE_CREATING);
	assert_null(v->status.node_name); /* "" is "none" */
	assert_null(v->status.md_state);
	assert_int_equal(v->status.n_conditions, 1);
	assert_null(v->status.conditions[0].message);
	assert_int_equal(v->status.conditions[0].last_transition_time, FIXTURE_TIME);
	volume_free(v);
	/* A volume without status is in phase Requested. */
	json_object_del(o, "status");
	assert_int_equal(volume_from_json(o, &v, &err), 0);
	assert_int_equal(v->status.phase, VOLUME_PHASE_REQUESTED);
	assert_int_equal(v->accept_data_loss_epoch, 0);
	volume_free(v);
	/* The operator's acceptance of data loss: an epoch, else none (never a refusal). */
	json_object_set_new(json_object_get(o, "metadata"), "annotations",
			    json_pack("{s:s}", VOLUME_ACCEPT_DATA_LOSS_ANNOTATION, "12"));
	assert_int_equal(volume_from_json(o, &v, &err), 0);
	assert_int_equal(v->accept_data_loss_epoch, 12);
	volume_free(v);
	json_object_set_new(json_object_get(o, "metadata"), "annotations",
			    json_pack("{s:s}", VOLUME_ACCEPT_DATA_LOSS_ANNOTATION, "yes please"));
	assert_int_equal(volume_from_json(o, &v, &err), 0);
	assert_int_equal(v->accept_data_loss_epoch, 0);
	volume_free(v);
	json_decref(o);
}

static int add_finalizer(struct volume *v, void *userdata)
{
	return meta_add_finalizer(&v->meta, userdata) ? 0 : 1;
}

static int set_node(struct volume *v, void *userdata)
{
	free(v->status.node_name);
	v->status.node_name = xstrdup(userdata);
	return 0;
}

static int break_it(struct volume *v, void *userdata)
{
	v->spec.sector_size = 1000;
	return 0;
}

static int refuse(struct volume *v, void *userdata)
{
	return -ENOENT;
}

/* A typed change writes back the parts named, and nothing else of what was read. */
static void test_volume_change_json(void **state)
{
	struct volume *v = fixture_volume();
	json_t *o = reparse(volume_to_json(v)), *before, *f;

	/* What this codec does not know, and must keep. */
	json_object_set_new(json_object_get(o, "spec"), "futureField", json_string("kept"));
	json_object_set_new(json_object_get(o, "metadata"), "uid", json_string("u-9"));
	before = json_deep_copy(o);

	/* Finalizers: only metadata.finalizers changes. */
	assert_int_equal(
		volume_change_json(o, VOLUME_PART_FINALIZERS, add_finalizer, "x.io/y", NULL), 0);
	f = json_object_get(json_object_get(o, "metadata"), "finalizers");
	assert_int_equal(json_array_size(f), strv_length(v->meta.finalizers) + 1);
	assert_string_equal(json_string_value(json_array_get(f, json_array_size(f) - 1)), "x.io/y");
	json_object_set(json_object_get(before, "metadata"), "finalizers", f);
	assert_true(json_equal(o, before));
	/* Nothing to do: nothing written. */
	assert_int_equal(
		volume_change_json(o, VOLUME_PART_FINALIZERS, add_finalizer, "x.io/y", NULL), 1);
	assert_true(json_equal(o, before));

	/* Status: only status changes; the spec keeps what the codec does not know. */
	assert_int_equal(volume_change_json(o, VOLUME_PART_STATUS, set_node, "node7", NULL), 0);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(o, "status"), "nodeName")),
		"node7");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(o, "spec"), "futureField")),
		"kept");
	json_object_set(before, "status", json_object_get(o, "status"));
	assert_true(json_equal(o, before));

	/* A change that would not read back, or that gives up: nothing written. */
	assert_int_equal(volume_change_json(o, VOLUME_PART_STATUS, break_it, NULL, NULL), -EINVAL);
	assert_int_equal(volume_change_json(o, VOLUME_PART_STATUS, refuse, NULL, NULL), -ENOENT);
	assert_true(json_equal(o, before));
	/* An object the codec cannot read is never changed. */
	json_object_set_new(json_object_get(o, "spec"), "sectorSize", json_string("big"));
	json_decref(before);
	before = json_deep_copy(o);
	assert_int_equal(volume_change_json(o, VOLUME_PART_STATUS, set_node, "node8", NULL),
			 -EINVAL);
	assert_true(json_equal(o, before));
	/* Its finalizers still change: a volume deleted after a bad edit still lets go. */
	assert_int_equal(
		volume_change_json(o, VOLUME_PART_FINALIZERS, add_finalizer, "z.io/w", NULL), 0);
	f = json_object_get(json_object_get(o, "metadata"), "finalizers");
	assert_string_equal(json_string_value(json_array_get(f, json_array_size(f) - 1)), "z.io/w");
	json_object_set(json_object_get(before, "metadata"), "finalizers", f);
	assert_true(json_equal(o, before));
	/* Not metadata that reads: nothing. */
	json_object_set_new(json_object_get(o, "metadata"), "finalizers", json_integer(5));
	assert_int_equal(
		volume_change_json(o, VOLUME_PART_FINALIZERS, add_finalizer, "z.io/v", NULL),
		-EINVAL);
	json_decref(before);
	json_decref(o);
	volume_free(v);
}

static int release(struct volume *v, void *userdata)
{
	free(v->spec.node_name);
	v->spec.node_name = NULL;
	v->spec.epoch++;
	return 0;
}

static int claim(struct volume *v, void *userdata)
{
	if (v->spec.node_name)
		return 1;
	v->spec.node_name = xstrdup(userdata);
	v->spec.epoch++;
	return 0;
}

/*
 * A spec change writes the fields the codec knows, and keeps the others: the
 * rest of the spec (members, formattedAt, ...) reads back as it was read.
 */
static void test_volume_change_spec(void **state)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	struct volume *v = fixture_volume();
	json_t *o = reparse(volume_to_json(v)), *before, *want;

	json_object_set_new(json_object_get(o, "spec"), "futureField", json_string("kept"));
	before = json_deep_copy(o);
	assert_int_equal(volume_change_json(o, VOLUME_PART_SPEC, release, NULL, &err), 0);
	/* A field the change cleared is gone, not left at its old value; nothing else moved. */
	want = json_deep_copy(before);
	json_object_del(json_object_get(want, "spec"), "nodeName");
	json_object_set_new(json_object_get(want, "spec"), "epoch", json_integer(6));
	assert_true(json_equal(o, want));
	/* A field the change sets appears. */
	assert_int_equal(volume_change_json(o, VOLUME_PART_SPEC, claim, "node-b", &err), 0);
	json_object_set_new(json_object_get(want, "spec"), "nodeName", json_string("node-b"));
	json_object_set_new(json_object_get(want, "spec"), "epoch", json_integer(7));
	assert_true(json_equal(o, want));
	/* Nothing to do, a refusal, or a change that would not read back: nothing written. */
	assert_int_equal(volume_change_json(o, VOLUME_PART_SPEC, claim, "node-c", &err), 1);
	assert_int_equal(volume_change_json(o, VOLUME_PART_SPEC, refuse, NULL, &err), -ENOENT);
	assert_int_equal(err.len, 0);
	assert_int_equal(volume_change_json(o, VOLUME_PART_SPEC, break_it, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "sectorSize"));
	assert_true(json_equal(o, want));
	/* An object that does not decode says why, and is left as it was. */
	strbuf_reset(&err);
	json_object_set_new(json_object_get(o, "spec"), "sectorSize", json_string("big"));
	json_decref(before);
	before = json_deep_copy(o);
	assert_int_equal(volume_change_json(o, VOLUME_PART_SPEC, release, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "sectorSize"));
	assert_true(json_equal(o, before));
	json_decref(want);
	json_decref(before);
	json_decref(o);
	volume_free(v);
}

/* The claim's names travel as labels; a label we cannot use is dropped, never a refusal. */
static void test_volume_pvc_labels(void **state)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	struct volume *v = fixture_volume(), *back = NULL;
	json_t *o, *labels;

	v->pvc.name = strdup("data-db-0");
	v->pvc.ns = strdup("shop");
	v->pvc.pv_name = strdup("pvc-8f14e45f-ceea-467f-a0e6-52d1a3bde2d8");
	o = reparse(volume_to_json(v));
	labels = json_object_get(json_object_get(o, "metadata"), "labels");
	assert_string_equal(json_string_value(json_object_get(labels, VOLUME_LABEL_PVC_NAME)),
			    "data-db-0");
	assert_string_equal(json_string_value(json_object_get(labels, VOLUME_LABEL_PVC_NAMESPACE)),
			    "shop");
	assert_string_equal(json_string_value(json_object_get(labels, VOLUME_LABEL_PV_NAME)),
			    "pvc-8f14e45f-ceea-467f-a0e6-52d1a3bde2d8");
	assert_int_equal(volume_from_json(o, &back, &err), 0);
	assert_string_equal(back->pvc.name, "data-db-0");
	assert_string_equal(back->pvc.ns, "shop");
	assert_string_equal(back->pvc.pv_name, "pvc-8f14e45f-ceea-467f-a0e6-52d1a3bde2d8");
	volume_free(back);
	/* Hand-edited: another tool's label stays its own, ours unusable is none. */
	json_object_set_new(labels, VOLUME_LABEL_PVC_NAME, json_string("-bad"));
	json_object_set_new(labels, "app", json_string("db"));
	assert_int_equal(volume_from_json(o, &back, &err), 0);
	assert_null(back->pvc.name);
	assert_string_equal(back->pvc.ns, "shop");
	volume_free(back);
	json_decref(o);
	/* The status writers never send labels: only the controller's create does. */
	o = volume_status_to_json(v);
	assert_null(json_object_get(json_object_get(o, "metadata"), "labels"));
	json_decref(o);
	/* Nothing we could not read back goes out. */
	free(v->pvc.name);
	v->pvc.name = strdup("a/b");
	assert_null(volume_to_json(v));
	volume_free(v);
	/* Without a claim, no labels at all. */
	v = fixture_volume();
	o = volume_to_json(v);
	assert_null(json_object_get(json_object_get(o, "metadata"), "labels"));
	json_decref(o);
	volume_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_volume_round_trip),
		cmocka_unit_test(test_volume_status_json),
		cmocka_unit_test(test_device_round_trip),
		cmocka_unit_test(test_node_round_trip),
		cmocka_unit_test(test_volume_from_text),
		cmocka_unit_test(test_volume_pvc_labels),
		cmocka_unit_test(test_volume_change_json),
		cmocka_unit_test(test_volume_change_spec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
