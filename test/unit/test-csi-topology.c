// SPDX-License-Identifier: GPL-2.0-only
/*
 * Topology as the external-provisioner and the kubelet see it (csi/topology.h),
 * through the real handlers: the plugin advertises
 * VOLUME_ACCESSIBILITY_CONSTRAINTS (without it the provisioner never sends the
 * scheduler's node), NodeGetInfo gives the node and the segment every agent
 * shares, CreateVolume hands the controller the first preferred node as the
 * consumer for copy 0, and a volume is accessible from every node with the
 * agent. The controller and the agent are stand-ins that record what they
 * were asked.
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

#include "controller/controller.h"
#include "csi/controller.h"
#include "csi/dispatch.h"
#include "csi/gen/csi.pb-c.h"
#include "csi/identity.h"
#include "csi/node.h"
#include "csi/status.h"
#include "csi/topology.h"
#include "node/agent.h"
#include "util/macro.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define VOL "pvc-0123456789abcdef01234567"

/* What the controller stand-in was last asked. */
static struct {
	char *consumer;
	struct volume_params params;
	int calls;
} asked;

bool controller_ready(struct controller *c)
{
	return true;
}

int controller_create_volume(struct controller *c, const struct create_volume_req *req,
			     struct volume **ret, struct strbuf *err)
{
	struct volume *v = volume_new();

	free(asked.consumer);
	asked.consumer = req->consumer ? xstrdup(req->consumer) : NULL;
	asked.params = req->params;
	asked.calls++;
	v->meta.name = xstrdup(VOL);
	v->spec.capacity_bytes = req->capacity_bytes;
	*ret = v;
	return 0;
}

int controller_get_volume(struct controller *c, const char *id, struct volume **ret)
{
	struct volume *v = volume_new();

	v->meta.name = xstrdup(id);
	v->spec.capacity_bytes = 1LL << 30;
	*ret = v;
	return 0;
}

/* Not called here; the handlers link against them. */
int controller_delete_volume(struct controller *c, const char *id, struct strbuf *err)
{
	return -ENOSYS;
}

int controller_expand_volume(struct controller *c, const char *id, int64_t capacity,
			     int64_t *ret_capacity, struct strbuf *err)
{
	return -ENOSYS;
}

int controller_list_volumes(struct controller *c, struct volume ***ret, size_t *ret_n)
{
	*ret = NULL;
	*ret_n = 0;
	return 0;
}

void volumes_free(struct volume **v, size_t n)
{
	free(v);
}

int controller_publish(struct controller *c, const char *id, const char *node,
		       uint64_t deadline_usec, int64_t *ret_epoch, struct strbuf *err)
{
	return -ENOSYS;
}

int controller_unpublish(struct controller *c, const char *id, const char *node,
			 uint64_t deadline_usec, struct strbuf *err)
{
	return -ENOSYS;
}

int64_t controller_capacity(struct controller *c, const struct volume_params *params,
			    const char *consumer)
{
	return 0;
}

bool agent_ready(struct agent *a)
{
	return true;
}

bool agent_volume_known(struct agent *a, const char *id)
{
	return true;
}

int agent_stage(struct agent *a, const char *volume_id, const char *staging_path,
		struct strbuf *err)
{
	return -ENOSYS;
}

int agent_unstage(struct agent *a, const char *volume_id, const char *staging_path,
		  struct strbuf *err)
{
	return -ENOSYS;
}

int agent_publish(struct agent *a, const char *volume_id, const char *staging_path,
		  const char *target_path, bool read_only, struct strbuf *err)
{
	return -ENOSYS;
}

int agent_unpublish(struct agent *a, const char *volume_id, const char *target_path,
		    struct strbuf *err)
{
	return -ENOSYS;
}

int agent_expand(struct agent *a, const char *volume_id, const char *path, int64_t *ret_capacity,
		 struct strbuf *err)
{
	return -ENOSYS;
}

int agent_stats(struct agent *a, const char *volume_id, const char *path, struct fs_usage *ret,
		bool *ret_abnormal, struct strbuf *msg)
{
	return -ENOSYS;
}

static const struct csi_identity identity = { .role = "controller" };
static const struct csi_method *const methods[] = {
	&csi_identity_get_plugin_capabilities,
	&csi_controller_create_volume,
	&csi_controller_get_volume,
	&csi_node_get_info,
};
static struct csi_node this_node = { .node_id = "node-7" };
static struct csi_service svc = { .methods = methods,
				  .n_methods = ARRAY_SIZE(methods),
				  .identity = &identity,
				  .userdata = &this_node };

/* Dispatches req to method m; the response is unpacked into ret (free with free_unpacked). */
static ProtobufCMessage *call(const struct csi_method *m, const ProtobufCMessage *req,
			      const ProtobufCMessageDescriptor *resp_desc)
{
	size_t len = protobuf_c_message_get_packed_size(req);
	uint8_t *buf = xmalloc(len + 1);
	struct csi_reply reply;
	ProtobufCMessage *resp;

	protobuf_c_message_pack(req, buf);
	/* The controller's handlers find their controller in userdata: any non-NULL will do. */
	svc.userdata =
		strncmp(m->path, "/csi.v1.Node/", 13) == 0 ? (void *)&this_node : (void *)&asked;
	csi_dispatch(&svc, m, buf, len, UINT64_MAX, &reply);
	free(buf);
	if (reply.error)
		fail_msg("%s: %s", m->path, reply.message ? reply.message : strerror(-reply.error));
	resp = protobuf_c_message_unpack(resp_desc, NULL, reply.body_len, reply.body);
	assert_non_null(resp);
	csi_reply_done(&reply);
	return resp;
}

static const char *segment(const Csi__V1__Topology *t, const char *key)
{
	for (size_t i = 0; i < t->n_segments; i++)
		if (strcmp(t->segments[i]->key, key) == 0)
			return t->segments[i]->value;
	return NULL;
}

static void test_plugin_capabilities(void **state)
{
	Csi__V1__GetPluginCapabilitiesRequest req;
	Csi__V1__GetPluginCapabilitiesResponse *resp;
	bool topology = false, controller = false;

	csi__v1__get_plugin_capabilities_request__init(&req);
	resp = (void *)call(&csi_identity_get_plugin_capabilities, &req.base,
			    &csi__v1__get_plugin_capabilities_response__descriptor);
	for (size_t i = 0; i < resp->n_capabilities; i++) {
		const Csi__V1__PluginCapability *c = resp->capabilities[i];

		if (c->type_case != CSI__V1__PLUGIN_CAPABILITY__TYPE_SERVICE)
			continue;
		topology |=
			c->service->type ==
			CSI__V1__PLUGIN_CAPABILITY__SERVICE__TYPE__VOLUME_ACCESSIBILITY_CONSTRAINTS;
		controller |= c->service->type ==
			      CSI__V1__PLUGIN_CAPABILITY__SERVICE__TYPE__CONTROLLER_SERVICE;
	}
	assert_true(topology);
	assert_true(controller);
	protobuf_c_message_free_unpacked(&resp->base, NULL);
}

/* The kubelet labels the Node with these; the provisioner reads them back. */
static void test_node_get_info(void **state)
{
	Csi__V1__NodeGetInfoRequest req;
	Csi__V1__NodeGetInfoResponse *resp;

	csi__v1__node_get_info_request__init(&req);
	resp = (void *)call(&csi_node_get_info, &req.base,
			    &csi__v1__node_get_info_response__descriptor);
	assert_string_equal(resp->node_id, "node-7");
	assert_non_null(resp->accessible_topology);
	assert_int_equal(resp->accessible_topology->n_segments, 2);
	assert_string_equal(segment(resp->accessible_topology, CSI_TOPOLOGY_NODE_KEY), "node-7");
	assert_string_equal(segment(resp->accessible_topology, CSI_TOPOLOGY_AGENT_KEY), "true");
	protobuf_c_message_free_unpacked(&resp->base, NULL);
}

/* A topology as the provisioner builds it from a Node's labels. */
static Csi__V1__Topology *node_topology(const char *node)
{
	Csi__V1__Topology *t = xcalloc(1, sizeof(*t));
	Csi__V1__Topology__SegmentsEntry **segs = xcalloc(2, sizeof(*segs));

	csi__v1__topology__init(t);
	for (int i = 0; i < 2; i++) {
		segs[i] = xcalloc(1, sizeof(**segs));
		csi__v1__topology__segments_entry__init(segs[i]);
	}
	segs[0]->key = (char *)CSI_TOPOLOGY_AGENT_KEY;
	segs[0]->value = (char *)"true";
	segs[1]->key = (char *)CSI_TOPOLOGY_NODE_KEY;
	segs[1]->value = (char *)node;
	t->segments = segs;
	t->n_segments = 2;
	return t;
}

static void topology_free(Csi__V1__Topology *t)
{
	for (size_t i = 0; i < t->n_segments; i++)
		free(t->segments[i]);
	free(t->segments);
	free(t);
}

static Csi__V1__VolumeCapability__AccessMode mode = {
	PROTOBUF_C_MESSAGE_INIT(&csi__v1__volume_capability__access_mode__descriptor),
	CSI__V1__VOLUME_CAPABILITY__ACCESS_MODE__MODE__SINGLE_NODE_WRITER,
};
static Csi__V1__VolumeCapability__MountVolume mount = {
	PROTOBUF_C_MESSAGE_INIT(&csi__v1__volume_capability__mount_volume__descriptor),
	.fs_type = (char *)"xfs",
	.mount_flags = NULL,
	.volume_mount_group = (char *)"",
};
static Csi__V1__VolumeCapability cap = {
	PROTOBUF_C_MESSAGE_INIT(&csi__v1__volume_capability__descriptor),
	.access_mode = &mode,
	.access_type_case = CSI__V1__VOLUME_CAPABILITY__ACCESS_TYPE_MOUNT,
	.mount = &mount,
};
static Csi__V1__VolumeCapability *caps[] = { &cap };

/*
 * CreateVolume with the given requisite and preferred nodes (NULL-terminated,
 * either may be NULL for none); returns the consumer the controller was given.
 */
static const char *create(const char *const *requisite, const char *const *preferred,
			  Csi__V1__CreateVolumeResponse **ret)
{
	Csi__V1__CreateVolumeRequest req;
	Csi__V1__TopologyRequirement tr;
	Csi__V1__Topology *req_t[8] = { NULL }, *pref_t[8] = { NULL };
	size_t nr = 0, np = 0;

	csi__v1__create_volume_request__init(&req);
	csi__v1__topology_requirement__init(&tr);
	req.name = (char *)"pvc-5f0e2c0d";
	req.n_volume_capabilities = 1;
	req.volume_capabilities = caps;
	for (; requisite && requisite[nr]; nr++)
		req_t[nr] = node_topology(requisite[nr]);
	for (; preferred && preferred[np]; np++)
		pref_t[np] = node_topology(preferred[np]);
	tr.requisite = req_t;
	tr.n_requisite = nr;
	tr.preferred = pref_t;
	tr.n_preferred = np;
	if (requisite || preferred)
		req.accessibility_requirements = &tr;
	*ret = (void *)call(&csi_controller_create_volume, &req.base,
			    &csi__v1__create_volume_response__descriptor);
	for (size_t i = 0; i < nr; i++)
		topology_free(req_t[i]);
	for (size_t i = 0; i < np; i++)
		topology_free(pref_t[i]);
	return asked.consumer;
}

/* Any node with the agent, whichever node the consumer was. */
static void assert_accessible_anywhere(const Csi__V1__Volume *v)
{
	assert_int_equal(v->n_accessible_topology, 1);
	assert_int_equal(v->accessible_topology[0]->n_segments, 1);
	assert_string_equal(segment(v->accessible_topology[0], CSI_TOPOLOGY_AGENT_KEY), "true");
	assert_null(segment(v->accessible_topology[0], CSI_TOPOLOGY_NODE_KEY));
}

static void test_create_volume_consumer(void **state)
{
	static const char *const all[] = { "node-1", "node-2", "node-3", NULL };
	/* WaitForFirstConsumer: the scheduler's node first, then the rest. */
	static const char *const chosen[] = { "node-2", "node-3", "node-1", NULL };
	static const char *const only[] = { "node-3", NULL };
	Csi__V1__CreateVolumeResponse *resp;

	assert_string_equal(create(all, chosen, &resp), "node-2");
	assert_accessible_anywhere(resp->volume);
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	/* --strict-topology: only the chosen node is requisite, and nothing is preferred. */
	assert_string_equal(create(only, NULL, &resp), "node-3");
	assert_accessible_anywhere(resp->volume);
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	/* Several requisite, none preferred: no consumer to favour. */
	assert_null(create(all, NULL, &resp));
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	/* No topology at all (a CO without it): placed by the other rules. */
	assert_null(create(NULL, NULL, &resp));
	assert_accessible_anywhere(resp->volume);
	protobuf_c_message_free_unpacked(&resp->base, NULL);
}

static void test_get_volume_topology(void **state)
{
	Csi__V1__ControllerGetVolumeRequest req;
	Csi__V1__ControllerGetVolumeResponse *resp;

	csi__v1__controller_get_volume_request__init(&req);
	req.volume_id = (char *)VOL;
	resp = (void *)call(&csi_controller_get_volume, &req.base,
			    &csi__v1__controller_get_volume_response__descriptor);
	assert_accessible_anywhere(resp->volume);
	protobuf_c_message_free_unpacked(&resp->base, NULL);
}

static int teardown(void **state)
{
	free(asked.consumer);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plugin_capabilities),
		cmocka_unit_test(test_node_get_info),
		cmocka_unit_test(test_create_volume_consumer),
		cmocka_unit_test(test_get_volume_topology),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
