// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Kubernetes client against a real kube-apiserver (with etcd), started
 * by test/integration/run-kube-tests with deploy/ applied. Environment:
 *   KUBECONFIG          an admin kubeconfig
 *   APISERVER_RESTART   a command that restarts kube-apiserver on the same port
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "kube/client.h"
#include "kube/codec.h"
#include "kube/events.h"
#include "kube/informer.h"
#include "kube/lease.h"
#include "node/heartbeat.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "model/volume.h"
#include "util/strbuf.h"
#include "util/banned.h"

static struct kube_client *client;

static const struct kube_resource serviceaccounts = { "", "v1", "serviceaccounts", "ServiceAccount",
						      true };
static const struct kube_resource clusterroles = { "rbac.authorization.k8s.io", "v1",
						   "clusterroles", "ClusterRole", false };
static const struct kube_resource clusterrolebindings = { "rbac.authorization.k8s.io", "v1",
							  "clusterrolebindings",
							  "ClusterRoleBinding", false };

/* A valid MeshStorVolume per docs/crds.md. */
static json_t *volume(const char *name, int64_t epoch)
{
	return json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:I, s:i, s:i, s:i, s:i, s:s, s:I}}",
			 "apiVersion", "csi.meshstor.io/v1alpha1", "kind", "MeshStorVolume",
			 "metadata", "name", name, "spec", "requestName", name, "capacityBytes",
			 (json_int_t)1 << 30, "numberOfCopies", 2, "drivesPerCopy", 1,
			 "memberMissingTimeoutSeconds", 900, "sectorSize", 4096, "fsType", "xfs",
			 "epoch", (json_int_t)epoch);
}

static json_int_t epoch_of(const json_t *obj)
{
	return json_integer_value(json_object_get(json_object_get(obj, "spec"), "epoch"));
}

static void delete_quietly(const struct kube_resource *res, const char *ns, const char *name)
{
	kube_delete(client, res, ns, name, NULL);
}

static int setup(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct kube_config *cfg;

	if (kube_config_load(NULL, NULL, &cfg, &err) < 0) {
		fprintf(stderr, "no kubeconfig: %s\n", err.buf);
		return -1;
	}
	strbuf_done(&err);
	return kube_client_new(cfg, 10000, &client);
}

static int teardown(void **state)
{
	kube_client_free(client);
	return 0;
}

static void test_crud(void **state)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	json_t *obj = volume("it-crud", 0), *got, *patch;

	delete_quietly(&kube_meshstorvolumes, NULL, "it-crud");
	assert_int_equal(kube_create(client, &kube_meshstorvolumes, NULL, obj, &got, &err), 0);
	json_decref(got);
	assert_int_equal(kube_create(client, &kube_meshstorvolumes, NULL, obj, NULL, &err),
			 -EEXIST);
	json_decref(obj);

	assert_int_equal(kube_get(client, &kube_meshstorvolumes, NULL, "it-crud", &got, &err), 0);
	assert_string_equal(kube_obj_name(got), "it-crud");
	assert_int_equal(epoch_of(got), 0);

	/* Update with the resourceVersion just read, then the status subresource. */
	json_object_set_new(json_object_get(got, "spec"), "epoch", json_integer(1));
	json_object_set_new(got, "status",
			    json_pack("{s:s, s:s}", "phase", "Creating", "ready", "0/2"));
	assert_int_equal(kube_update(client, &kube_meshstorvolumes, NULL, got, NULL, &obj, &err),
			 0);
	assert_int_equal(epoch_of(obj), 1);
	/* The main resource ignores status; the subresource takes it. */
	assert_null(json_object_get(obj, "status"));
	json_object_set_new(obj, "status", json_pack("{s:s}", "phase", "Creating"));
	json_decref(got);
	assert_int_equal(
		kube_update(client, &kube_meshstorvolumes, NULL, obj, "status", &got, &err), 0);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(got, "status"), "phase")),
		"Creating");
	json_decref(obj);
	json_decref(got);

	patch = json_pack("{s:{s:I}}", "spec", "epoch", (json_int_t)7);
	assert_int_equal(kube_patch(client, &kube_meshstorvolumes, NULL, "it-crud",
				    KUBE_PATCH_MERGE, patch, NULL, &got, &err),
			 0);
	assert_int_equal(epoch_of(got), 7);
	json_decref(patch);
	json_decref(got);
	patch = json_pack("[{s:s, s:s, s:I}]", "op", "replace", "path", "/spec/epoch", "value",
			  (json_int_t)8);
	assert_int_equal(kube_patch(client, &kube_meshstorvolumes, NULL, "it-crud", KUBE_PATCH_JSON,
				    patch, NULL, &got, &err),
			 0);
	assert_int_equal(epoch_of(got), 8);
	json_decref(patch);
	json_decref(got);

	assert_int_equal(kube_delete(client, &kube_meshstorvolumes, NULL, "it-crud", &err), 0);
	assert_int_equal(kube_get(client, &kube_meshstorvolumes, NULL, "it-crud", &got, NULL),
			 -ENOENT);
	assert_int_equal(kube_delete(client, &kube_meshstorvolumes, NULL, "it-crud", NULL),
			 -ENOENT);
}

/* The CRD's schema, enforced by the real server, turns bad objects away. */
static void test_schema_rejects_bad_objects(void **state)
{
	static const char *const bad[] = {
		"{\"spec\": {\"capacityBytes\": 1073741825}}",
		"{\"spec\": {\"capacityBytes\": 1048576}}",
		"{\"spec\": {\"numberOfCopies\": 0}}",
		"{\"spec\": {\"sectorSize\": 1000}}",
		"{\"spec\": {\"fsType\": \"ext4\"}}",
		"{\"spec\": {\"epoch\": \"one\"}}",
		/* One entry in two literals: parenthesized for -Wstring-concatenation. */
		("{\"spec\": {\"members\": [{\"index\": 0, \"copy\": 0, \"stripe\": 0, "
		 "\"nodeName\": \"a\", \"drive\": \"d\", \"partitionUUID\": \"NOT-A-UUID\"}]}}"),
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
		json_t *obj = volume("it-bad", 0), *change = json_loads(bad[i], 0, NULL);

		assert_non_null(change);
		json_object_update_recursive(obj, change);
		assert_int_equal(kube_create(client, &kube_meshstorvolumes, NULL, obj, NULL, &err),
				 -EINVAL);
		/* The server's reason reaches the caller. */
		assert_non_null(strstr(err.buf, "spec."));
		json_decref(obj);
		json_decref(change);
	}
}

static int bump_epoch(json_t *obj, void *userdata)
{
	json_object_set_new(json_object_get(obj, "spec"), "epoch", json_integer(epoch_of(obj) + 1));
	return 0;
}

static void *bumper(void *arg)
{
	for (int i = 0; i < 15; i++) {
		struct strbuf err = STRBUF_INIT;
		int r = kube_update_retry(client, &kube_meshstorvolumes, NULL, "it-conflict", NULL,
					  bump_epoch, NULL, NULL, &err);

		if (r < 0) {
			fprintf(stderr, "bump failed: %s\n", err.buf);
			strbuf_done(&err);
			return (void *)1;
		}
		strbuf_done(&err);
	}
	return NULL;
}

static void test_conflicts(void **state)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	json_t *obj = volume("it-conflict", 0), *stale, *got;
	pthread_t threads[3];
	void *failed;

	delete_quietly(&kube_meshstorvolumes, NULL, "it-conflict");
	assert_int_equal(kube_create(client, &kube_meshstorvolumes, NULL, obj, &stale, &err), 0);
	json_decref(obj);

	/* A write with a resourceVersion that has moved on is refused... */
	assert_int_equal(kube_update_retry(client, &kube_meshstorvolumes, NULL, "it-conflict", NULL,
					   bump_epoch, NULL, NULL, &err),
			 0);
	assert_int_equal(kube_update(client, &kube_meshstorvolumes, NULL, stale, NULL, NULL, &err),
			 -ESTALE);
	json_decref(stale);

	/* ...and concurrent read-modify-write loops lose no increment. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, bumper, NULL), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(pthread_join(threads[i], &failed), 0);
		assert_null(failed);
	}
	assert_int_equal(kube_get(client, &kube_meshstorvolumes, NULL, "it-conflict", &got, &err),
			 0);
	assert_int_equal(epoch_of(got), 1 + 3 * 15);
	json_decref(got);
	delete_quietly(&kube_meshstorvolumes, NULL, "it-conflict");
}

static void test_pagination(void **state)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	char name[32];
	json_t *page, *items;
	char *cont = NULL, *rv = NULL;
	size_t pages = 0, seen = 0;

	for (int i = 0; i < 23; i++) {
		json_t *obj;

		snprintf(name, sizeof(name), "it-page-%02d", i);
		obj = volume(name, 0);
		assert_int_equal(kube_create(client, &kube_meshstorvolumes, NULL, obj, NULL, &err),
				 0);
		json_decref(obj);
	}
	do {
		assert_int_equal(kube_list_page(client, &kube_meshstorvolumes, NULL, NULL, 10,
						&cont, &page, &err),
				 0);
		seen += json_array_size(json_object_get(page, "items"));
		pages++;
		json_decref(page);
	} while (cont);
	assert_true(pages >= 3);
	assert_true(seen >= 23);
	assert_int_equal(
		kube_list_all(client, &kube_meshstorvolumes, NULL, NULL, &items, &rv, &err), 0);
	assert_int_equal(json_array_size(items), seen);
	assert_true(rv[0] != '\0');
	json_decref(items);
	free(rv);
	for (int i = 0; i < 23; i++) {
		snprintf(name, sizeof(name), "it-page-%02d", i);
		assert_int_equal(kube_delete(client, &kube_meshstorvolumes, NULL, name, &err), 0);
	}
}

/* What the informer's callbacks saw, for objects named "it-inf-*". */
static struct {
	pthread_mutex_t lock;
	int added, updated, deleted, synced;
} seen = { .lock = PTHREAD_MUTEX_INITIALIZER };

static bool ours(const json_t *obj)
{
	return strncmp(kube_obj_name(obj), "it-inf-", 7) == 0;
}

static void count(int *field, const json_t *obj)
{
	if (obj && !ours(obj))
		return;
	pthread_mutex_lock(&seen.lock);
	(*field)++;
	pthread_mutex_unlock(&seen.lock);
}

/* The gate the controller and agents use: our codec must be able to read it. */
static int accept_volume(const json_t *obj, struct strbuf *err, void *userdata)
{
	struct volume *v;
	int r;

	r = volume_from_json(obj, &v, err);
	if (r == 0)
		volume_free(v);
	return r;
}

static void on_added(const json_t *obj, void *ud)
{
	count(&seen.added, obj);
}

static void on_updated(const json_t *old, const json_t *obj, void *ud)
{
	count(&seen.updated, obj);
}

static void on_deleted(const json_t *obj, void *ud)
{
	count(&seen.deleted, obj);
}

static void on_synced(void *ud)
{
	count(&seen.synced, NULL);
}

static const struct kube_informer_ops ops = {
	.accept = accept_volume,
	.added = on_added,
	.updated = on_updated,
	.deleted = on_deleted,
	.synced = on_synced,
};

/* Polls (up to 30 s) until the informer's cache does or does not hold name. */
static bool wait_cached(struct kube_informer *inf, const char *name, bool present)
{
	for (int i = 0; i < 600; i++) {
		json_t *obj = kube_informer_get(inf, name);

		json_decref(obj);
		if (!!obj == present)
			return true;
		usleep(50 * 1000);
	}
	return false;
}

/*
 * Polls (up to 30 s) until a callback count reaches want: the informer updates
 * its cache before it calls the callbacks, so the cache can be ahead of them.
 */
static bool wait_seen(const int *field, int want)
{
	for (int i = 0; i < 600; i++) {
		int n;

		pthread_mutex_lock(&seen.lock);
		n = *field;
		pthread_mutex_unlock(&seen.lock);
		if (n >= want)
			return true;
		usleep(50 * 1000);
	}
	return false;
}

/*
 * With broken set, both copies' members sit on one node: the schema cannot
 * see that, our validation does (a copy must survive the loss of a node).
 */
static void create_volume(const char *name, bool broken)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	json_t *obj = volume(name, 0);

	if (broken)
		json_object_set_new(json_object_get(obj, "spec"), "members",
				    json_pack("[{s:i, s:i, s:i, s:s, s:s, s:s, s:I}, "
					      "{s:i, s:i, s:i, s:s, s:s, s:s, s:I}]",
					      "index", 0, "copy", 0, "stripe", 0, "nodeName",
					      "node-a", "drive", "node-a-s1", "partitionUUID",
					      "0a8f3b64-0c6f-8d2e-9a41-5b3c2d1e0f01", "sizeBytes",
					      (json_int_t)1 << 30, "index", 1, "copy", 1, "stripe",
					      0, "nodeName", "node-a", "drive", "node-a-s2",
					      "partitionUUID",
					      "0a8f3b64-0c6f-8d2e-9a41-5b3c2d1e0f02", "sizeBytes",
					      (json_int_t)1 << 30));
	delete_quietly(&kube_meshstorvolumes, NULL, name);
	assert_int_equal(kube_create(client, &kube_meshstorvolumes, NULL, obj, NULL, &err), 0);
	json_decref(obj);
}

static void test_informer(void **state)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	struct kube_informer_stats stats;
	struct kube_informer *inf;
	json_t *patch;

	create_volume("it-inf-a", false);
	assert_int_equal(kube_informer_start(client, &kube_meshstorvolumes, NULL, &ops, NULL, &inf),
			 0);
	assert_true(kube_informer_wait_synced(inf, 30000));
	assert_true(wait_cached(inf, "it-inf-a", true));

	create_volume("it-inf-b", false);
	assert_true(wait_cached(inf, "it-inf-b", true));
	patch = json_pack("{s:{s:I}}", "spec", "epoch", (json_int_t)3);
	assert_int_equal(kube_patch(client, &kube_meshstorvolumes, NULL, "it-inf-b",
				    KUBE_PATCH_MERGE, patch, NULL, NULL, &err),
			 0);
	json_decref(patch);
	for (int i = 0; i < 600; i++) {
		json_t *b = kube_informer_get(inf, "it-inf-b");
		bool done = epoch_of(b) == 3;

		json_decref(b);
		if (done)
			break;
		usleep(50 * 1000);
	}
	/* managedFields, half of a small object, is the API server's business: not cached. */
	{
		json_t *b = kube_informer_get(inf, "it-inf-b");

		assert_non_null(b);
		assert_null(json_object_get(json_object_get(b, "metadata"), "managedFields"));
		json_decref(b);
	}

	/* A refused object stays out of the cache; later events still flow. */
	create_volume("it-inf-refused", true);
	create_volume("it-inf-c", false);
	assert_true(wait_cached(inf, "it-inf-c", true));
	/* Events arrive in order: c is cached, so the refused one was seen and dropped. */
	assert_null(kube_informer_get(inf, "it-inf-refused"));

	assert_int_equal(kube_delete(client, &kube_meshstorvolumes, NULL, "it-inf-a", &err), 0);
	assert_true(wait_cached(inf, "it-inf-a", false));
	assert_true(wait_seen(&seen.deleted, 1));

	kube_informer_get_stats(inf, &stats);
	pthread_mutex_lock(&seen.lock);
	assert_int_equal(seen.added, 3); /* a, b, c */
	assert_true(seen.updated >= 1);
	assert_int_equal(seen.deleted, 1);
	assert_true(seen.synced >= 1);
	pthread_mutex_unlock(&seen.lock);
	assert_true(stats.rejected >= 1);
	assert_int_equal(stats.lists, 1);

	/* The watch resumes after the API server restarts and misses nothing. */
	assert_int_equal(system(getenv("APISERVER_RESTART")), 0);
	create_volume("it-inf-after-restart", false);
	assert_true(wait_cached(inf, "it-inf-after-restart", true));
	assert_int_equal(kube_delete(client, &kube_meshstorvolumes, NULL, "it-inf-b", &err), 0);
	assert_true(wait_cached(inf, "it-inf-b", false));

	kube_informer_free(inf);
	delete_quietly(&kube_meshstorvolumes, NULL, "it-inf-c");
	delete_quietly(&kube_meshstorvolumes, NULL, "it-inf-refused");
	delete_quietly(&kube_meshstorvolumes, NULL, "it-inf-after-restart");
}

static int decodes;

static int counting_decode(const json_t *obj, void **ret, struct strbuf *err)
{
	__atomic_add_fetch(&decodes, 1, __ATOMIC_SEQ_CST);
	return codec_decode_volume(obj, ret, err);
}

static const struct kube_informer_ops typed_ops = {
	.decode = counting_decode,
	.free_typed = codec_free_volume,
};

/* The epoch of name's typed form in a fresh lending; -1 when it is not there. */
static int64_t typed_epoch(struct kube_informer *inf, const char *name)
{
	size_t n;
	struct kube_typed **v = kube_informer_list_typed(inf, &n);
	int64_t epoch = -1;

	for (size_t i = 0; i < n; i++) {
		const struct volume *vol = kube_typed_get(v[i]);

		if (strcmp(vol->meta.name, name) == 0)
			epoch = vol->spec.epoch;
	}
	kube_typed_unref_all(v, n);
	return epoch;
}

static bool wait_typed_epoch(struct kube_informer *inf, const char *name, int64_t epoch)
{
	for (int i = 0; i < 600; i++) {
		if (typed_epoch(inf, name) == epoch)
			return true;
		usleep(50 * 1000);
	}
	return false;
}

/*
 * With a decode op, each version is decoded once, as it is cached: lending
 * the typed forms decodes nothing, a lent form outlives its replacement, and
 * refused or deleted objects are not lent.
 */
static void test_informer_typed(void **state)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	struct kube_informer *inf;
	struct kube_typed **held;
	int before;
	size_t n;
	json_t *patch;

	create_volume("it-typed-a", false);
	create_volume("it-typed-refused", true);
	assert_int_equal(
		kube_informer_start(client, &kube_meshstorvolumes, NULL, &typed_ops, NULL, &inf),
		0);
	assert_true(kube_informer_wait_synced(inf, 30000));
	assert_true(wait_typed_epoch(inf, "it-typed-a", 0));
	assert_int_equal(typed_epoch(inf, "it-typed-refused"), -1);
	/* One object's typed form, by name: what the lending holds, or nothing. */
	{
		struct kube_typed *t = kube_informer_get_typed(inf, "it-typed-a");

		assert_non_null(t);
		assert_string_equal(((const struct volume *)kube_typed_get(t))->meta.name,
				    "it-typed-a");
		kube_typed_unref(t);
		assert_null(kube_informer_get_typed(inf, "it-typed-refused"));
		assert_null(kube_informer_get_typed(inf, "it-typed-none"));
	}

	before = __atomic_load_n(&decodes, __ATOMIC_SEQ_CST);
	for (int i = 0; i < 10; i++)
		assert_int_equal(typed_epoch(inf, "it-typed-a"), 0);
	assert_int_equal(__atomic_load_n(&decodes, __ATOMIC_SEQ_CST), before);

	held = kube_informer_list_typed(inf, &n);
	patch = json_pack("{s:{s:I}}", "spec", "epoch", (json_int_t)4);
	assert_int_equal(kube_patch(client, &kube_meshstorvolumes, NULL, "it-typed-a",
				    KUBE_PATCH_MERGE, patch, NULL, NULL, &err),
			 0);
	json_decref(patch);
	assert_true(wait_typed_epoch(inf, "it-typed-a", 4));
	/* What was lent before the update is still the old version, still readable. */
	for (size_t i = 0; i < n; i++) {
		const struct volume *vol = kube_typed_get(held[i]);

		if (strcmp(vol->meta.name, "it-typed-a") == 0)
			assert_int_equal(vol->spec.epoch, 0);
	}
	kube_typed_unref_all(held, n);

	/* A version the codec refuses leaves the good one lent, as it leaves it cached. */
	{
		struct kube_informer_stats before_stats, stats;
		json_t *broken = json_pack(
			"{s:{s:I, s:[{s:i, s:i, s:i, s:s, s:s, s:s, s:I}, "
			"{s:i, s:i, s:i, s:s, s:s, s:s, s:I}]}}",
			"spec", "epoch", (json_int_t)5, "members", "index", 0, "copy", 0, "stripe",
			0, "nodeName", "node-a", "drive", "node-a-s1", "partitionUUID",
			"0a8f3b64-0c6f-8d2e-9a41-5b3c2d1e0f01", "sizeBytes", (json_int_t)1 << 30,
			"index", 1, "copy", 1, "stripe", 0, "nodeName", "node-a", "drive",
			"node-a-s2", "partitionUUID", "0a8f3b64-0c6f-8d2e-9a41-5b3c2d1e0f02",
			"sizeBytes", (json_int_t)1 << 30);

		kube_informer_get_stats(inf, &before_stats);
		assert_int_equal(kube_patch(client, &kube_meshstorvolumes, NULL, "it-typed-a",
					    KUBE_PATCH_MERGE, broken, NULL, NULL, &err),
				 0);
		json_decref(broken);
		for (int i = 0; i < 600; i++) {
			kube_informer_get_stats(inf, &stats);
			if (stats.rejected > before_stats.rejected)
				break;
			usleep(50 * 1000);
		}
		assert_true(stats.rejected > before_stats.rejected);
		assert_int_equal(typed_epoch(inf, "it-typed-a"), 4);
	}

	assert_int_equal(kube_delete(client, &kube_meshstorvolumes, NULL, "it-typed-a", &err), 0);
	assert_true(wait_typed_epoch(inf, "it-typed-a", -1));
	kube_informer_free(inf);
	delete_quietly(&kube_meshstorvolumes, NULL, "it-typed-refused");
}

static int stop_at_first(const char *type, json_t *obj, void *userdata)
{
	return -ECANCELED;
}

/* A watch from a resourceVersion the server no longer has is -ESTALE: relist. */
static void test_watch_too_old(void **state)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	atomic_bool stop = false;
	json_t *page;
	char *cont = NULL, rv[64];
	int r;

	assert_int_equal(
		kube_list_page(client, &kube_meshstorvolumes, NULL, NULL, 1, &cont, &page, &err),
		0);
	free(cont);
	snprintf(rv, sizeof(rv), "%s", kube_obj_resource_version(page));
	json_decref(page);
	/*
	 * Compaction (every 3 s in this harness) drops etcd's history before rv,
	 * and a restarted API server's watch cache starts after it: what a client
	 * that was away across an upgrade meets.
	 */
	for (int i = 0; i < 40; i++) {
		create_volume("it-old-rv", false);
		usleep(250 * 1000);
	}
	delete_quietly(&kube_meshstorvolumes, NULL, "it-old-rv");
	assert_int_equal(system(getenv("APISERVER_RESTART")), 0);
	/* Until its caches are warm a fresh server says "try again" (-EAGAIN). */
	for (int i = 0; i < 100; i++) {
		strbuf_reset(&err);
		r = kube_watch(client, &kube_meshstorvolumes, NULL, rv, 5, stop_at_first, NULL,
			       &stop, &err);
		if (r != -EAGAIN)
			break;
		usleep(200 * 1000);
	}
	assert_int_equal(r, -ESTALE);
	assert_non_null(strstr(err.buf, "too old"));
}

static const struct kube_resource token_requests = { "", "v1", "serviceaccounts/it-reader/token",
						     "TokenRequest", true };
static const struct kube_resource nobody_token_requests = { "", "v1",
							    "serviceaccounts/it-nobody/token",
							    "TokenRequest", true };

static char *token_for(const struct kube_resource *res)
{
	json_t *req = json_pack("{s:s, s:s, s:{s:i}}", "apiVersion", "authentication.k8s.io/v1",
				"kind", "TokenRequest", "spec", "expirationSeconds", 3600);
	json_t *resp;
	char *token;

	assert_int_equal(kube_create(client, res, "default", req, &resp, NULL), 0);
	token = strdup(
		json_string_value(json_object_get(json_object_get(resp, "status"), "token")));
	json_decref(req);
	json_decref(resp);
	return token;
}

static void write_file(const char *path, const char *text)
{
	_cleanup_strbuf_ struct strbuf tmp = STRBUF_INIT;
	FILE *f;

	/* Replaced by rename, as the kubelet swaps projected tokens. */
	strbuf_addf(&tmp, "%s.new", path);
	f = fopen(tmp.buf, "we");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rename(tmp.buf, path), 0);
}

static void setup_service_accounts(void)
{
	const char *names[] = { "it-reader", "it-nobody" };
	json_t *obj;

	for (int i = 0; i < 2; i++) {
		obj = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind", "ServiceAccount",
				"metadata", "name", names[i]);
		kube_create(client, &serviceaccounts, "default", obj, NULL, NULL);
		json_decref(obj);
	}
	obj = json_pack("{s:s, s:s, s:{s:s}, s:[{s:[s], s:[s], s:[s, s]}]}", "apiVersion",
			"rbac.authorization.k8s.io/v1", "kind", "ClusterRole", "metadata", "name",
			"it-msvol-reader", "rules", "apiGroups", "csi.meshstor.io", "resources",
			"meshstorvolumes", "verbs", "get", "list");
	kube_create(client, &clusterroles, NULL, obj, NULL, NULL);
	json_decref(obj);
	obj = json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:s, s:s}, s:[{s:s, s:s, s:s}]}", "apiVersion",
			"rbac.authorization.k8s.io/v1", "kind", "ClusterRoleBinding", "metadata",
			"name", "it-msvol-reader", "roleRef", "apiGroup",
			"rbac.authorization.k8s.io", "kind", "ClusterRole", "name",
			"it-msvol-reader", "subjects", "kind", "ServiceAccount", "name",
			"it-reader", "namespace", "default");
	kube_create(client, &clusterrolebindings, NULL, obj, NULL, NULL);
	json_decref(obj);
}

/* A kubeconfig naming the same server and CA as $KUBECONFIG, with a tokenFile. */
static void write_token_kubeconfig(const char *dir, const char *token_file, char **ret)
{
	_cleanup_strbuf_ struct strbuf path = STRBUF_INIT, ca = STRBUF_INIT;
	struct kube_config *admin;
	json_t *doc;

	assert_int_equal(kube_config_load(NULL, NULL, &admin, NULL), 0);
	strbuf_addf(&ca, "%s/ca.crt", dir);
	if (admin->ca_data) {
		FILE *f = fopen(ca.buf, "we");

		assert_non_null(f);
		fwrite(admin->ca_data, 1, admin->ca_len, f);
		fclose(f);
	} else {
		strbuf_reset(&ca);
		strbuf_adds(&ca, admin->ca_file);
	}
	doc = json_pack("{s:s, s:[{s:s, s:{s:s, s:s}}], s:[{s:s, s:{s:s}}], "
			"s:[{s:s, s:{s:s, s:s}}]}",
			"current-context", "t", "clusters", "name", "c", "cluster", "server",
			admin->server, "certificate-authority", ca.buf, "users", "name", "u",
			"user", "tokenFile", token_file, "contexts", "name", "t", "context",
			"cluster", "c", "user", "u");
	strbuf_addf(&path, "%s/kubeconfig", dir);
	/* JSON is YAML: the loader reads it like any kubeconfig. */
	assert_int_equal(json_dump_file(doc, path.buf, 0), 0);
	json_decref(doc);
	kube_config_free(admin);
	*ret = strbuf_detach(&path);
}

static int list_volumes(struct kube_client *c, struct strbuf *err)
{
	json_t *page;
	char *cont = NULL;
	int r;

	strbuf_reset(err);
	r = kube_list_page(c, &kube_meshstorvolumes, NULL, NULL, 1, &cont, &page, err);
	free(cont);
	if (r == 0)
		json_decref(page);
	return r;
}

static void test_token_rotation(void **state)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT, token_file = STRBUF_INIT;
	char dir[] = "/tmp/meshstor-token-XXXXXX";
	_cleanup_free_ char *kubeconfig = NULL, *reader = NULL, *nobody = NULL;
	struct kube_config *cfg;
	struct kube_client *c;

	assert_non_null(mkdtemp(dir));
	setup_service_accounts();
	reader = token_for(&token_requests);
	nobody = token_for(&nobody_token_requests);
	strbuf_addf(&token_file, "%s/token", dir);
	write_token_kubeconfig(dir, token_file.buf, &kubeconfig);
	write_file(token_file.buf, reader);
	assert_int_equal(kube_config_from_kubeconfig(kubeconfig, &cfg, &err), 0);
	assert_int_equal(kube_client_new(cfg, 10000, &c), 0);

	assert_int_equal(list_volumes(c, &err), 0);
	write_file(token_file.buf, "not-a-token\n");
	assert_int_equal(list_volumes(c, &err), -EACCES);
	assert_non_null(strstr(err.buf, "credentials not accepted"));
	write_file(token_file.buf, nobody);
	assert_int_equal(list_volumes(c, &err), -EACCES);
	/* The server names the missing permission; we say where roles are defined. */
	assert_non_null(strstr(err.buf, "cannot list resource \"meshstorvolumes\""));
	assert_non_null(strstr(err.buf, "deploy/rbac"));
	write_file(token_file.buf, reader);
	assert_int_equal(list_volumes(c, &err), 0);

	kube_client_free(c);
	unlink(token_file.buf);
	unlink(kubeconfig);
	strbuf_reset(&token_file);
	strbuf_addf(&token_file, "%s/ca.crt", dir);
	unlink(token_file.buf);
	rmdir(dir);
}

static void test_events(void **state)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	json_t *obj, *items, *ev;
	char *rv;
	size_t i;
	int found = 0, others = 0;

	create_volume("it-event", false);
	assert_int_equal(kube_get(client, &kube_meshstorvolumes, NULL, "it-event", &obj, &err), 0);
	/* The same Event three times is one Event counted three times. */
	for (int k = 0; k < 3; k++)
		assert_int_equal(kube_event_record(client, &kube_meshstorvolumes, obj,
						   KUBE_EVENT_WARNING, "Degraded",
						   "member 1 on node-b is missing", "meshstor-test",
						   &err),
				 0);
	/* Another message is another Event. */
	assert_int_equal(kube_event_record(client, &kube_meshstorvolumes, obj, KUBE_EVENT_WARNING,
					   "Degraded", "member 0 on node-a is missing",
					   "meshstor-test", &err),
			 0);
	assert_int_equal(
		kube_list_all(client, &kube_events, KUBE_EVENTS_NAMESPACE, NULL, &items, &rv, &err),
		0);
	json_array_foreach (items, i, ev) {
		json_t *io = json_object_get(ev, "involvedObject");

		if (strcmp(json_string_value(json_object_get(io, "name")), "it-event") != 0 ||
		    strcmp(json_string_value(json_object_get(io, "kind")), "MeshStorVolume") != 0 ||
		    strcmp(json_string_value(json_object_get(ev, "reason")), "Degraded") != 0 ||
		    strcmp(json_string_value(json_object_get(ev, "type")), "Warning") != 0)
			continue;
		if (strcmp(json_string_value(json_object_get(ev, "message")),
			   "member 1 on node-b is missing") == 0) {
			assert_int_equal(json_integer_value(json_object_get(ev, "count")), 3);
			found++;
		} else {
			others++;
		}
	}
	assert_int_equal(found, 1);
	assert_int_equal(others, 1);
	json_decref(items);
	json_decref(obj);
	free(rv);
	delete_quietly(&kube_meshstorvolumes, NULL, "it-event");
}

static const struct kube_resource namespaces = { "", "v1", "namespaces", "Namespace", false };

/*
 * A PV or PVC deleted: the API server's admission gives each a protection
 * finalizer, which only kube-controller-manager (not run here) would remove.
 */
static void delete_unprotected(const struct kube_resource *res, const char *ns, const char *name)
{
	json_t *patch = json_pack("{s:{s:n}}", "metadata", "finalizers");

	kube_patch(client, res, ns, name, KUBE_PATCH_MERGE, patch, NULL, NULL, NULL);
	json_decref(patch);
	delete_quietly(res, ns, name);
}

/* The Event of kind on name (in ns) in the Events of ns, or NULL; borrowed from items. */
static const json_t *event_on(const json_t *items, const char *kind, const char *ns,
			      const char *name, const char *uid)
{
	const json_t *ev;
	size_t i;

	json_array_foreach (items, i, ev) {
		const json_t *io = json_object_get(ev, "involvedObject");
		const char *io_ns = json_string_value(json_object_get(io, "namespace"));

		if (strcmp(json_string_value(json_object_get(io, "kind")), kind) == 0 &&
		    strcmp(json_string_value(json_object_get(io, "name")), name) == 0 &&
		    strcmp(json_string_value(json_object_get(io, "uid")), uid) == 0 &&
		    (ns ? io_ns && strcmp(io_ns, ns) == 0 : !io_ns) &&
		    strcmp(json_string_value(json_object_get(ev, "reason")), "Degraded") == 0)
			return ev;
	}
	return NULL;
}

static const char *uid_of(const json_t *obj)
{
	return json_string_value(json_object_get(json_object_get(obj, "metadata"), "uid"));
}

/* Polls ns's Events until the PV's and the PVC's Degraded Events are there (30 s at most). */
static void await_claim_events(const char *pv_uid, const char *pvc_uid)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	json_t *items = NULL, *cluster = NULL;
	bool found = false;
	char *rv;

	for (int i = 0; i < 300 && !found; i++) {
		if (i)
			usleep(100 * 1000);
		assert_int_equal(
			kube_list_all(client, &kube_events, "it-events", NULL, &items, &rv, &err),
			0);
		free(rv);
		assert_int_equal(kube_list_all(client, &kube_events, KUBE_EVENTS_NAMESPACE, NULL,
					       &cluster, &rv, &err),
				 0);
		free(rv);
		/* The claim's Event in the claim's namespace, the PV's where cluster-scoped ones
		 * are. */
		found = event_on(items, "PersistentVolumeClaim", "it-events", "it-event-pvc",
				 pvc_uid) &&
			event_on(cluster, "PersistentVolume", NULL, "it-event-pv", pv_uid);
		json_decref(items);
		json_decref(cluster);
	}
	assert_true(found);
}

/*
 * A volume's Event goes to its PV and PVC too (by uid; the claim's in its own
 * namespace), written here or by the thread; a claim gone loses only its own.
 */
static void test_events_claim(void **state)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	json_t *vol = volume("it-event-claim", 0), *pv, *pvc, *ns, *created_pv, *created_pvc, *obj;
	struct kube_claim_events *q;

	ns = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind", "Namespace", "metadata",
		       "name", "it-events");
	kube_create(client, &namespaces, NULL, ns, NULL, NULL);
	pv = json_pack("{s:s, s:s, s:{s:s}, s:{s:{s:s}, s:[s], s:{s:s, s:s}}}", "apiVersion", "v1",
		       "kind", "PersistentVolume", "metadata", "name", "it-event-pv", "spec",
		       "capacity", "storage", "1Gi", "accessModes", "ReadWriteOnce", "csi",
		       "driver", "io.meshstor.csi.mesh", "volumeHandle", "it-event-claim");
	pvc = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:[s], s:s, s:{s:{s:s}}}}", "apiVersion", "v1",
			"kind", "PersistentVolumeClaim", "metadata", "name", "it-event-pvc",
			"namespace", "it-events", "spec", "accessModes", "ReadWriteOnce",
			"storageClassName", "", "resources", "requests", "storage", "1Gi");
	json_object_set_new(json_object_get(vol, "metadata"), "labels",
			    json_pack("{s:s, s:s, s:s}", VOLUME_LABEL_PV_NAME, "it-event-pv",
				      VOLUME_LABEL_PVC_NAME, "it-event-pvc",
				      VOLUME_LABEL_PVC_NAMESPACE, "it-events"));
	delete_unprotected(&kube_persistentvolumes, NULL, "it-event-pv");
	delete_unprotected(&kube_persistentvolumeclaims, "it-events", "it-event-pvc");
	delete_quietly(&kube_meshstorvolumes, NULL, "it-event-claim");
	assert_int_equal(kube_create(client, &kube_persistentvolumes, NULL, pv, &created_pv, &err),
			 0);
	assert_int_equal(kube_create(client, &kube_persistentvolumeclaims, "it-events", pvc,
				     &created_pvc, &err),
			 0);
	assert_int_equal(kube_create(client, &kube_meshstorvolumes, NULL, vol, &obj, &err), 0);

	/* Here, without a thread. */
	assert_int_equal(kube_event_record_volume(client, NULL, obj, KUBE_EVENT_WARNING, "Degraded",
						  "member 1 on node-b is missing", "meshstor-test",
						  &err),
			 0);
	await_claim_events(uid_of(created_pv), uid_of(created_pvc));

	/* By the thread: a new PV and PVC of the same names (new uids) get the Event too. */
	delete_unprotected(&kube_persistentvolumes, NULL, "it-event-pv");
	delete_unprotected(&kube_persistentvolumeclaims, "it-events", "it-event-pvc");
	json_decref(created_pv);
	json_decref(created_pvc);
	assert_int_equal(kube_create(client, &kube_persistentvolumes, NULL, pv, &created_pv, &err),
			 0);
	assert_int_equal(kube_create(client, &kube_persistentvolumeclaims, "it-events", pvc,
				     &created_pvc, &err),
			 0);
	assert_int_equal(kube_claim_events_start(client, &q), 0);
	assert_int_equal(kube_event_record_volume(client, q, obj, KUBE_EVENT_WARNING, "Degraded",
						  "member 1 on node-b is missing", "meshstor-test",
						  &err),
			 0);
	await_claim_events(uid_of(created_pv), uid_of(created_pvc));
	kube_claim_events_stop(q);

	/* A claim that is gone: the volume's Event is still written, and err says why the claim's
	 * is not. */
	json_object_set_new(json_object_get(json_object_get(obj, "metadata"), "labels"),
			    VOLUME_LABEL_PVC_NAME, json_string("it-event-missing"));
	strbuf_reset(&err);
	assert_int_equal(kube_event_record_volume(client, NULL, obj, KUBE_EVENT_WARNING, "Degraded",
						  "member 0 on node-a is missing", "meshstor-test",
						  &err),
			 0);
	assert_non_null(strstr(err.buf, "it-event-missing"));

	json_decref(created_pv);
	json_decref(created_pvc);
	json_decref(obj);
	json_decref(pv);
	json_decref(pvc);
	json_decref(ns);
	json_decref(vol);
	delete_quietly(&kube_meshstorvolumes, NULL, "it-event-claim");
	delete_unprotected(&kube_persistentvolumes, NULL, "it-event-pv");
	delete_unprotected(&kube_persistentvolumeclaims, "it-events", "it-event-pvc");
}

/* resourceVersion of node's Lease, or NULL while there is none; ret_holder when given. */
static char *lease_version(const char *node, char **ret_holder)
{
	_cleanup_strbuf_ struct strbuf name = STRBUF_INIT;
	json_t *obj = NULL;
	struct kube_node_lease l;
	char *rv = NULL;

	kube_lease_name(node, &name);
	if (kube_get(client, &kube_leases, KUBE_LEASE_NAMESPACE, name.buf, &obj, NULL) < 0)
		return NULL;
	assert_int_equal(kube_node_lease_read(obj, &l), 0);
	assert_int_equal(l.duration_s, HEARTBEAT_LEASE_DURATION_S);
	rv = strdup(l.version);
	if (ret_holder)
		*ret_holder = strdup(l.node);
	json_decref(obj);
	return rv;
}

/* Waits up to timeout_s for node's Lease to exist with a version other than old (or any). */
static char *await_new_version(const char *node, const char *old, unsigned timeout_s)
{
	uint64_t until = now_usec() + timeout_s * USEC_PER_SEC;

	while (now_usec() < until) {
		char *rv = lease_version(node, NULL);

		if (rv && (!old || strcmp(rv, old) != 0))
			return rv;
		free(rv);
		usleep(100 * 1000);
	}
	fail_msg("node %s's Lease was not renewed within %u s", node, timeout_s);
	return NULL;
}

/*
 * The agent's heartbeat thread (src/node/heartbeat.c) against the real server:
 * it creates its Lease, renews it, gets over a conflicting write and a
 * deleted Lease, and stops at once.
 */
static void test_heartbeat(void **state)
{
	_cleanup_strbuf_ struct strbuf name = STRBUF_INIT;
	struct heartbeat *h;
	json_t *ns = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind", "Namespace",
			       "metadata", "name", KUBE_LEASE_NAMESPACE);
	json_t *patch = json_pack("{s:{s:{s:s}}}", "metadata", "annotations", "it", "x");
	char *holder = NULL, *rv, *rv2;
	uint64_t start;
	int r;

	r = kube_create(client, &namespaces, NULL, ns, NULL, NULL);
	assert_true(r == 0 || r == -EEXIST);
	json_decref(ns);
	kube_lease_name("it-heart", &name);
	delete_quietly(&kube_leases, KUBE_LEASE_NAMESPACE, name.buf);

	assert_int_equal(heartbeat_start(client, "it-heart", &h), 0);
	rv = await_new_version("it-heart", NULL, 5);
	free(lease_version("it-heart", &holder));
	assert_string_equal(holder, "it-heart");
	free(holder);
	/* Someone else wrote it: the next renewal conflicts, reads again, renews. */
	assert_int_equal(kube_patch(client, &kube_leases, KUBE_LEASE_NAMESPACE, name.buf,
				    KUBE_PATCH_MERGE, patch, NULL, NULL, NULL),
			 0);
	rv2 = lease_version("it-heart", NULL);
	free(rv);
	rv = await_new_version("it-heart", rv2, HEARTBEAT_RENEW_S + 5);
	free(rv2);
	/* Deleted: created again. */
	assert_int_equal(kube_delete(client, &kube_leases, KUBE_LEASE_NAMESPACE, name.buf, NULL),
			 0);
	free(await_new_version("it-heart", rv, HEARTBEAT_RENEW_S + 5));
	free(rv);
	start = now_usec();
	heartbeat_stop(h);
	assert_true(now_usec() - start < USEC_PER_SEC);
	json_decref(patch);
	delete_quietly(&kube_leases, KUBE_LEASE_NAMESPACE, name.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crud),
		cmocka_unit_test(test_schema_rejects_bad_objects),
		cmocka_unit_test(test_conflicts),
		cmocka_unit_test(test_pagination),
		cmocka_unit_test(test_informer),
		cmocka_unit_test(test_informer_typed),
		cmocka_unit_test(test_watch_too_old),
		cmocka_unit_test(test_token_rotation),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_events_claim),
		cmocka_unit_test(test_heartbeat),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
