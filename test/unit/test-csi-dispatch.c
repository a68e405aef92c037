// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <grpc/status.h>
#include <stdatomic.h>

#include "csi/dispatch.h"
#include "csi/gen/csi.pb-c.h"
#include "util/macro.h"
#include "util/banned.h"

static struct csi_service svc;

/* What the last handler saw. */
static struct {
	int calls;
	size_t inflight;
	uint64_t deadline;
	const struct csi_method *method;
	const struct csi_service *service;
} seen;

/* The blocking handler's rendezvous with the test, and the thread it blocks. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool entered, released;
	bool running;
	pthread_t thread;
} gate = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static void gate_release(void)
{
	pthread_mutex_lock(&gate.lock);
	gate.released = true;
	pthread_cond_broadcast(&gate.cond);
	pthread_mutex_unlock(&gate.lock);
	if (gate.running)
		assert_int_equal(pthread_join(gate.thread, NULL), 0);
	gate.running = false;
}

static const char *unstage_volume_id(const ProtobufCMessage *req)
{
	return ((const Csi__V1__NodeUnstageVolumeRequest *)req)->volume_id;
}

static void note_call(struct csi_call *c)
{
	seen.calls++;
	seen.inflight = csi_inflight_count(&svc.inflight);
	seen.deadline = c->deadline_usec;
	seen.method = c->method;
	seen.service = c->service;
}

static int unstage_ok(struct csi_call *c, const ProtobufCMessage *req, ProtobufCMessage **ret)
{
	Csi__V1__NodeUnstageVolumeResponse *resp =
		arena_new(&c->arena, Csi__V1__NodeUnstageVolumeResponse);

	note_call(c);
	csi__v1__node_unstage_volume_response__init(resp);
	*ret = &resp->base;
	return 0;
}

static int unstage_enoent(struct csi_call *c, const ProtobufCMessage *req, ProtobufCMessage **ret)
{
	note_call(c);
	return csi_call_fail(c, -ENOENT, "volume %s not found", unstage_volume_id(req));
}

static int unstage_eio(struct csi_call *c, const ProtobufCMessage *req, ProtobufCMessage **ret)
{
	note_call(c);
	return -EIO;
}

/* A callee's failure, as a handler hands it on: with the callee's reason. */
static int unstage_forward(struct csi_call *c, const ProtobufCMessage *req, ProtobufCMessage **ret)
{
	struct strbuf err = STRBUF_INIT;
	int r;

	note_call(c);
	strbuf_adds(&err, "cannot run /sbin/mdadm");
	r = csi_call_forward(c, -ENOENT, &err);
	strbuf_done(&err);
	return r;
}

/* A verdict first, then a callee's failure with the same errno: the callee's wins. */
static int unstage_stated_then_forward(struct csi_call *c, const ProtobufCMessage *req,
				       ProtobufCMessage **ret)
{
	struct strbuf empty = STRBUF_INIT;

	note_call(c);
	csi_call_fail(c, -EINVAL, "a check that the handler then let pass");
	return csi_call_forward(c, -EINVAL, &empty);
}

static int unstage_twice(struct csi_call *c, const ProtobufCMessage *req, ProtobufCMessage **ret)
{
	note_call(c);
	csi_call_fail(c, -ENOENT, "first reason");
	return csi_call_fail(c, -EPERM, "second reason");
}

static int unstage_nothing(struct csi_call *c, const ProtobufCMessage *req, ProtobufCMessage **ret)
{
	note_call(c);
	return 0;
}

static int unstage_block(struct csi_call *c, const ProtobufCMessage *req, ProtobufCMessage **ret)
{
	pthread_mutex_lock(&gate.lock);
	gate.entered = true;
	pthread_cond_broadcast(&gate.cond);
	while (!gate.released)
		pthread_cond_wait(&gate.cond, &gate.lock);
	pthread_mutex_unlock(&gate.lock);
	return unstage_ok(c, req, ret);
}

static int plugin_info(struct csi_call *c, const ProtobufCMessage *req, ProtobufCMessage **ret)
{
	Csi__V1__GetPluginInfoResponse *resp = arena_new(&c->arena, Csi__V1__GetPluginInfoResponse);
	Csi__V1__GetPluginInfoResponse__ManifestEntry *e =
		arena_new(&c->arena, Csi__V1__GetPluginInfoResponse__ManifestEntry);

	note_call(c);
	csi__v1__get_plugin_info_response__init(resp);
	csi__v1__get_plugin_info_response__manifest_entry__init(e);
	resp->name = arena_strdup(&c->arena, "io.meshstor.test");
	resp->vendor_version = arena_printf(&c->arena, "%d.%d.%d", 1, 2, 3);
	e->key = arena_strdup(&c->arena, "role");
	e->value = arena_strdup(&c->arena, "node");
	resp->manifest = arena_alloc(&c->arena, sizeof(*resp->manifest));
	resp->manifest[0] = e;
	resp->n_manifest = 1;
	*ret = &resp->base;
	return 0;
}

#define UNSTAGE(name, fn)                                                     \
	static const struct csi_method name = {                               \
		.path = "/csi.v1.Node/NodeUnstageVolume",                     \
		.request = &csi__v1__node_unstage_volume_request__descriptor, \
		.key = "volume_id",                                           \
		.handler = fn,                                                \
	}

UNSTAGE(m_ok, unstage_ok);
UNSTAGE(m_enoent, unstage_enoent);
UNSTAGE(m_eio, unstage_eio);
UNSTAGE(m_forward, unstage_forward);
UNSTAGE(m_stated_then_forward, unstage_stated_then_forward);
UNSTAGE(m_twice, unstage_twice);
UNSTAGE(m_nothing, unstage_nothing);
UNSTAGE(m_block, unstage_block);

/* The same handler on a method whose callee documents -ENOENT as "no such volume". */
static const struct csi_method m_forward_passed = {
	.path = "/csi.v1.Node/NodeUnstageVolume",
	.request = &csi__v1__node_unstage_volume_request__descriptor,
	.key = "volume_id",
	.handler = unstage_forward,
	.passes = CSI_PASSES(-EPERM, -ENOENT),
};

static const struct csi_method m_info = {
	.path = "/csi.v1.Identity/GetPluginInfo",
	.request = &csi__v1__get_plugin_info_request__descriptor,
	.lane = CSI_LANE_INLINE,
	.handler = plugin_info,
};

static const struct csi_method *const methods[] = { &m_ok, &m_info };

/* Dispatches an unstage of volume_id to m; the caller checks and frees *reply. */
static void call(const struct csi_method *m, const char *volume_id, struct csi_reply *reply)
{
	Csi__V1__NodeUnstageVolumeRequest req = CSI__V1__NODE_UNSTAGE_VOLUME_REQUEST__INIT;
	size_t len;
	uint8_t *buf;

	req.volume_id = (char *)volume_id;
	req.staging_target_path = (char *)"/staging";
	len = csi__v1__node_unstage_volume_request__get_packed_size(&req);
	buf = malloc(len + 1);
	assert_non_null(buf);
	csi__v1__node_unstage_volume_request__pack(&req, buf);
	csi_dispatch(&svc, m, buf, len, UINT64_MAX, reply);
	free(buf);
}

static int setup(void **state)
{
	svc = (struct csi_service){ .methods = methods, .n_methods = ARRAY_SIZE(methods) };
	csi_inflight_init(&svc.inflight);
	memset(&seen, 0, sizeof(seen));
	gate.entered = gate.released = false;
	return 0;
}

static int teardown(void **state)
{
	/* A failed assertion may have left the blocked call waiting. */
	gate_release();
	assert_int_equal(csi_inflight_count(&svc.inflight), 0);
	csi_inflight_done(&svc.inflight);
	return 0;
}

static void assert_error(struct csi_reply *reply, int error, const char *message)
{
	assert_int_equal(reply->error, error);
	assert_non_null(reply->message);
	assert_string_equal(reply->message, message);
	assert_null(reply->body);
	assert_int_equal(reply->body_len, 0);
	csi_reply_done(reply);
}

static void test_unknown_method(void **state)
{
	struct csi_reply reply;

	struct csi_method_calls *unknown = &svc.calls.method[CSI_CALLS_METHODS_MAX];
	uint64_t before = atomic_load(&unknown->by_code[GRPC_STATUS_UNIMPLEMENTED]);
	struct strbuf out = STRBUF_INIT;

	csi_dispatch(&svc, NULL, (const uint8_t *)"", 0, UINT64_MAX, &reply);
	assert_error(&reply, -EOPNOTSUPP, "method not implemented by this MeshStor role");
	assert_int_equal(seen.calls, 0);
	/* Counted, in a slot of its own: /metrics says what was asked of us. */
	assert_int_equal(atomic_load(&unknown->by_code[GRPC_STATUS_UNIMPLEMENTED]), before + 1);
	csi_calls_write(&svc.calls, svc.methods, svc.n_methods, &out);
	assert_non_null(strstr(out.buf, "meshstor_csi_calls_total{method=\"unknown\","
					"code=\"UNIMPLEMENTED\"} "));
	strbuf_done(&out);
}

static void test_service_find(void **state)
{
	static const char paths[] = "/csi.v1.Identity/GetPluginInfoX";

	assert_ptr_equal(csi_service_find(&svc, paths, strlen(paths) - 1), &m_info);
	assert_null(csi_service_find(&svc, paths, strlen(paths)));
	assert_null(csi_service_find(&svc, paths, strlen(paths) - 2));
	assert_ptr_equal(csi_service_find(&svc, m_ok.path, strlen(m_ok.path)), &m_ok);
	assert_null(csi_service_find(&svc, "", 0));
}

static void test_malformed(void **state)
{
	struct csi_reply reply;

	csi_dispatch(&svc, &m_ok, (const uint8_t *)"\xff\xff\xff", 3, UINT64_MAX, &reply);
	assert_error(&reply, -EINVAL,
		     "malformed protobuf encoding of csi.v1.NodeUnstageVolumeRequest");
	call(&m_ok, "pvc-\xc0\x80", &reply);
	assert_error(&reply, -EINVAL,
		     "field 'volume_id' of csi.v1.NodeUnstageVolumeRequest is "
		     "not valid UTF-8 text");
	assert_int_equal(seen.calls, 0);
}

static void test_handler_errors(void **state)
{
	struct csi_reply reply;

	call(&m_enoent, "pvc-404", &reply);
	assert_error(&reply, -ENOENT, "volume pvc-404 not found");
	/* The handler ran holding its volume, and the failure let go of it. */
	assert_int_equal(seen.inflight, 1);
	assert_int_equal(csi_inflight_count(&svc.inflight), 0);

	call(&m_eio, "pvc-404", &reply);
	/*
	 * Not stated, so a callee's, passed by nothing: the world failed (EIO),
	 * retry. No reason given: the caller still gets a readable one.
	 */
	assert_error(&reply, -EAGAIN, strerror(EIO));

	call(&m_twice, "pvc-404", &reply);
	assert_error(&reply, -EPERM, "first reason");

	call(&m_nothing, "pvc-404", &reply);
	assert_error(&reply, -EIO, "/csi.v1.Node/NodeUnstageVolume produced no response");
	assert_int_equal(seen.calls, 4);
}

/* A callee's errno reaches the caller only where the method passes it. */
static void test_callee_errors(void **state)
{
	struct csi_reply reply;
	char message[128];

	/* ENOENT from a missing tool is not "no such volume": UNAVAILABLE, its name kept. */
	call(&m_forward, "pvc-1", &reply);
	snprintf(message, sizeof(message), "cannot run /sbin/mdadm (%s)", strerror(ENOENT));
	assert_error(&reply, -EAGAIN, message);
	assert_int_equal(seen.inflight, 1);
	assert_int_equal(csi_inflight_count(&svc.inflight), 0);

	call(&m_forward_passed, "pvc-1", &reply);
	assert_error(&reply, -ENOENT, "cannot run /sbin/mdadm");

	/* EINVAL from a callee is a value of ours refused: INTERNAL, never INVALID_ARGUMENT. */
	call(&m_stated_then_forward, "pvc-1", &reply);
	assert_error(&reply, -EIO, "a check that the handler then let pass (Invalid argument)");
	assert_int_equal(seen.calls, 3);
}

static void test_success(void **state)
{
	Csi__V1__GetPluginInfoResponse *resp;
	struct csi_reply reply;

	csi_dispatch(&svc, &m_info, (const uint8_t *)"", 0, 12345, &reply);
	assert_int_equal(reply.error, 0);
	assert_null(reply.message);
	assert_non_null(reply.body);
	assert_int_equal(seen.deadline, 12345);
	assert_ptr_equal(seen.method, &m_info);
	assert_ptr_equal(seen.service, &svc);
	/* A method on no volume holds none. */
	assert_int_equal(seen.inflight, 0);

	resp = csi__v1__get_plugin_info_response__unpack(NULL, reply.body_len, reply.body);
	assert_non_null(resp);
	assert_string_equal(resp->name, "io.meshstor.test");
	assert_string_equal(resp->vendor_version, "1.2.3");
	assert_int_equal(resp->n_manifest, 1);
	assert_string_equal(resp->manifest[0]->key, "role");
	assert_string_equal(resp->manifest[0]->value, "node");
	csi__v1__get_plugin_info_response__free_unpacked(resp, NULL);
	csi_reply_done(&reply);
	assert_null(reply.body);

	call(&m_ok, "pvc-1", &reply);
	assert_int_equal(reply.error, 0);
	assert_null(reply.message);
	assert_int_equal(reply.body_len, 0); /* an empty response packs to no bytes */
	assert_int_equal(seen.inflight, 1);
	csi_reply_done(&reply);

	/* An empty volume id is the handler's to reject; nothing is held for it. */
	call(&m_ok, "", &reply);
	assert_int_equal(reply.error, 0);
	assert_int_equal(seen.inflight, 0);
	csi_reply_done(&reply);
}

static void *blocked_call(void *arg)
{
	call(&m_block, "vol-a", arg);
	return NULL;
}

static void test_aborted(void **state)
{
	static struct csi_reply first;
	struct csi_reply reply;

	assert_int_equal(pthread_create(&gate.thread, NULL, blocked_call, &first), 0);
	gate.running = true;
	pthread_mutex_lock(&gate.lock);
	while (!gate.entered)
		pthread_cond_wait(&gate.cond, &gate.lock);
	pthread_mutex_unlock(&gate.lock);
	assert_int_equal(csi_inflight_count(&svc.inflight), 1);

	call(&m_ok, "vol-a", &reply);
	assert_error(&reply, -EBUSY, "an operation on volume 'vol-a' is already in progress");
	assert_int_equal(seen.calls, 0);

	call(&m_ok, "vol-b", &reply);
	assert_int_equal(reply.error, 0);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.inflight, 2);
	csi_reply_done(&reply);

	gate_release();
	assert_int_equal(first.error, 0);
	assert_null(first.message);
	csi_reply_done(&first);
	assert_int_equal(csi_inflight_count(&svc.inflight), 0);

	call(&m_ok, "vol-a", &reply);
	assert_int_equal(reply.error, 0);
	assert_int_equal(seen.inflight, 1);
	csi_reply_done(&reply);
}

static void test_inflight(void **state)
{
	struct csi_inflight f;
	char id[32] = "vol-x";

	csi_inflight_init(&f);
	assert_int_equal(csi_inflight_count(&f), 0);
	assert_int_equal(csi_inflight_acquire(&f, id), 0);
	/* The set keeps its own copy: the caller's buffer may change. */
	id[4] = 'y';
	assert_int_equal(csi_inflight_acquire(&f, "vol-x"), -EBUSY);
	assert_int_equal(csi_inflight_acquire(&f, id), 0);
	assert_int_equal(csi_inflight_count(&f), 2);
	csi_inflight_release(&f, "vol-x");
	assert_int_equal(csi_inflight_count(&f), 1);
	assert_int_equal(csi_inflight_acquire(&f, "vol-y"), -EBUSY);
	assert_int_equal(csi_inflight_acquire(&f, "vol-x"), 0);

	/* Past the first allocation, released out of order. */
	for (int i = 0; i < 50; i++) {
		snprintf(id, sizeof(id), "pvc-%d", i);
		assert_int_equal(csi_inflight_acquire(&f, id), 0);
	}
	assert_int_equal(csi_inflight_count(&f), 52);
	for (int i = 0; i < 50; i += 2) {
		snprintf(id, sizeof(id), "pvc-%d", i);
		csi_inflight_release(&f, id);
	}
	assert_int_equal(csi_inflight_count(&f), 27);
	assert_int_equal(csi_inflight_acquire(&f, "pvc-1"), -EBUSY);
	assert_int_equal(csi_inflight_acquire(&f, "pvc-49"), -EBUSY);
	assert_int_equal(csi_inflight_acquire(&f, "pvc-48"), 0);
	assert_int_equal(csi_inflight_count(&f), 28);
	/* Done frees what is still held (ASan would report a leak otherwise). */
	csi_inflight_done(&f);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_unknown_method), T(test_service_find),  T(test_malformed),
		T(test_handler_errors), T(test_callee_errors), T(test_success),
		T(test_aborted),	T(test_inflight),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
