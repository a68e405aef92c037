// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the CO sees when the node agent or the controller fails: the real CSI
 * handlers (csi/node.c, csi/controller.c) over stand-ins for agent_*() and
 * controller_*() that fail the way their callees do. A CO acts on the code:
 * NOT_FOUND means "the volume does not exist", INVALID_ARGUMENT "your request
 * is wrong", so a deep errno must never reach it as either by accident.
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
#include "csi/node.h"
#include "csi/status.h"
#include "model/names.h"
#include "node/agent.h"
#include "tree.h"
#include "util/macro.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define VOL "pvc-0123456789abcdef01234567"
#define STAGING "/var/lib/kubelet/plugins/staging/" VOL
#define TARGET "/var/lib/kubelet/pods/p/volumes/" VOL

/* How the stand-in fails: its -errno and reason, and what the agent's cache knows. */
static struct {
	int r;
	const char *why;
	bool known;
	int stripes; /* drivesPerCopy of the volumes the controller has */
	int calls;
} fake;

static int fail_as_told(struct strbuf *err)
{
	fake.calls++;
	if (fake.r < 0 && fake.why)
		strbuf_adds(err, fake.why);
	return fake.r;
}

/* The node agent (node/agent.h). */
bool agent_ready(struct agent *a)
{
	return true;
}

bool agent_volume_known(struct agent *a, const char *id)
{
	return fake.known;
}

int agent_stage(struct agent *a, const char *volume_id, const char *staging_path,
		struct strbuf *err)
{
	return fail_as_told(err);
}

int agent_unstage(struct agent *a, const char *volume_id, const char *staging_path,
		  struct strbuf *err)
{
	return fail_as_told(err);
}

int agent_publish(struct agent *a, const char *volume_id, const char *staging_path,
		  const char *target_path, bool read_only, struct strbuf *err)
{
	return fail_as_told(err);
}

int agent_unpublish(struct agent *a, const char *volume_id, const char *target_path,
		    struct strbuf *err)
{
	return fail_as_told(err);
}

int agent_expand(struct agent *a, const char *volume_id, const char *path, int64_t *ret_capacity,
		 struct strbuf *err)
{
	*ret_capacity = 2LL << 30;
	return fail_as_told(err);
}

int agent_stats(struct agent *a, const char *volume_id, const char *path, struct fs_usage *ret,
		bool *ret_abnormal, struct strbuf *msg)
{
	*ret = (struct fs_usage){ 0 };
	*ret_abnormal = false;
	return fail_as_told(msg);
}

/* The controller (controller/controller.h). */
bool controller_ready(struct controller *c)
{
	return true;
}

static struct volume *a_volume(const char *id, int drives_per_copy)
{
	struct volume *v = volume_new();

	v->meta.name = xstrdup(id);
	v->spec.capacity_bytes = 1LL << 30;
	v->spec.number_of_copies = 2;
	v->spec.drives_per_copy = drives_per_copy;
	return v;
}

int controller_create_volume(struct controller *c, const struct create_volume_req *req,
			     struct volume **ret, struct strbuf *err)
{
	int r = fail_as_told(err);

	if (r == 0)
		*ret = a_volume(VOL, 1);
	return r;
}

int controller_delete_volume(struct controller *c, const char *id, struct strbuf *err)
{
	return fail_as_told(err);
}

/* As controller/expand.c: striped copies cannot grow yet. */
int controller_expand_volume(struct controller *c, const char *id, int64_t capacity,
			     int64_t *ret_capacity, struct strbuf *err)
{
	*ret_capacity = capacity;
	if (fake.r == 0 && fake.stripes > 1) {
		fake.calls++;
		strbuf_addf(err,
			    "volume %s has drivesPerCopy=%d; only volumes with "
			    "drivesPerCopy=1 can be expanded so far",
			    id, fake.stripes);
		return -EINVAL;
	}
	return fail_as_told(err);
}

/* The cache's answer: the stand-in's errno, or a volume. */
int controller_get_volume(struct controller *c, const char *id, struct volume **ret)
{
	if (fake.r < 0)
		return fake.r;
	*ret = a_volume(id, fake.stripes ? fake.stripes : 1);
	return 0;
}

int controller_list_volumes(struct controller *c, struct volume ***ret, size_t *ret_n)
{
	*ret = NULL;
	*ret_n = 0;
	return 0;
}

void volumes_free(struct volume **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		volume_free(v[i]);
	free(v);
}

int controller_publish(struct controller *c, const char *id, const char *node,
		       uint64_t deadline_usec, int64_t *ret_epoch, struct strbuf *err)
{
	*ret_epoch = 7;
	return fail_as_told(err);
}

int controller_unpublish(struct controller *c, const char *id, const char *node,
			 uint64_t deadline_usec, struct strbuf *err)
{
	return fail_as_told(err);
}

int64_t controller_capacity(struct controller *c, const struct volume_params *params,
			    const char *consumer)
{
	return 0;
}

static const struct csi_method *const node_methods[] = {
	&csi_node_stage_volume,	    &csi_node_unstage_volume,	&csi_node_publish_volume,
	&csi_node_unpublish_volume, &csi_node_get_volume_stats, &csi_node_expand_volume,
};

static const struct csi_method *const controller_methods[] = {
	&csi_controller_create_volume,
	&csi_controller_delete_volume,
	&csi_controller_publish_volume,
	&csi_controller_unpublish_volume,
	&csi_controller_get_volume,
	&csi_controller_expand_volume,
	&csi_controller_validate_volume_capabilities,
};

static struct csi_node node = { .node_id = "node-1", .agent = (struct agent *)&fake };
static struct csi_service node_svc = { .methods = node_methods,
				       .n_methods = ARRAY_SIZE(node_methods),
				       .userdata = &node };
static struct csi_service controller_svc = { .methods = controller_methods,
					     .n_methods = ARRAY_SIZE(controller_methods),
					     .userdata = (struct controller *)&fake };

/* A mounted XFS for one writer: what MeshStor serves. */
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

/* Packs req, dispatches it to the service serving method m, and returns the code. */
static grpc_status_code call(const struct csi_method *m, const ProtobufCMessage *req,
			     struct csi_reply *reply)
{
	bool on_node = strncmp(m->path, "/csi.v1.Node/", 13) == 0;
	size_t len = protobuf_c_message_get_packed_size(req);
	uint8_t *buf = xmalloc(len + 1);

	protobuf_c_message_pack(req, buf);
	csi_dispatch(on_node ? &node_svc : &controller_svc, m, buf, len, UINT64_MAX, reply);
	free(buf);
	return csi_status_from_errno(reply->error);
}

/* The call's code is want, and its message keeps the stand-in's reason. */
static void expect(const struct csi_method *m, const ProtobufCMessage *req, int r, const char *why,
		   grpc_status_code want)
{
	struct csi_reply reply;
	grpc_status_code got;

	fake.r = r;
	fake.why = why;
	got = call(m, req, &reply);
	print_message("%s, callee %d (%s): %s, \"%s\"\n", m->path, r, why ? why : "",
		      csi_status_to_string(got), reply.message ? reply.message : "");
	assert_string_equal(csi_status_to_string(got), csi_status_to_string(want));
	if (why)
		assert_non_null(strstr(reply.message, why));
	csi_reply_done(&reply);
}

static void stage_request(Csi__V1__NodeStageVolumeRequest *req, const char *id)
{
	csi__v1__node_stage_volume_request__init(req);
	req->volume_id = (char *)id;
	req->staging_target_path = (char *)STAGING;
	req->volume_capability = &cap;
}

static void test_node_stage(void **state)
{
	Csi__V1__NodeStageVolumeRequest req;

	fake.calls = 0;
	stage_request(&req, VOL);
	fake.known = true;
	/* run.c says ENOENT when the tool is missing: the volume is there all the same. */
	expect(&csi_node_stage_volume, &req.base, -ENOENT,
	       "cannot run /sbin/mdadm: No such file or directory", GRPC_STATUS_UNAVAILABLE);
	/* mount(2)'s ENOENT for a staging directory kubelet has not made. */
	expect(&csi_node_stage_volume, &req.base, -ENOENT,
	       "cannot mount /dev/md127 at " STAGING ": No such file or directory",
	       GRPC_STATUS_UNAVAILABLE);
	/* The volume really is gone: the agent's API read and its cache agree. */
	fake.known = false;
	expect(&csi_node_stage_volume, &req.base, -ENOENT, "volume " VOL " does not exist",
	       GRPC_STATUS_NOT_FOUND);
	fake.known = true;
	expect(&csi_node_stage_volume, &req.base, -EPERM,
	       "volume " VOL " is claimed by node-2, not by this node (node-1)",
	       GRPC_STATUS_FAILED_PRECONDITION);
	expect(&csi_node_stage_volume, &req.base, -EAGAIN, "no current copy is reachable",
	       GRPC_STATUS_UNAVAILABLE);
	/* The API server's 422 on the agent's own status write is the agent's bug. */
	expect(&csi_node_stage_volume, &req.base, -EINVAL,
	       "PUT /apis/meshstor.io/v1/meshstorvolumes/" VOL "/status: HTTP 422",
	       GRPC_STATUS_INTERNAL);
	/* Neither a missing device nor a timed-out tool tells the CO anything about the volume. */
	expect(&csi_node_stage_volume, &req.base, -ENODEV, "no such device",
	       GRPC_STATUS_UNAVAILABLE);
	expect(&csi_node_stage_volume, &req.base, -ETIMEDOUT, "mdadm timed out",
	       GRPC_STATUS_UNAVAILABLE);
	expect(&csi_node_stage_volume, &req.base, -EOPNOTSUPP, "nvme-tcp is not loaded",
	       GRPC_STATUS_UNAVAILABLE);
	expect(&csi_node_stage_volume, &req.base, 0, NULL, GRPC_STATUS_OK);
	assert_int_equal(fake.calls, 10);
}

/* A genuinely bad request is still INVALID_ARGUMENT, and never reaches the agent. */
static void test_node_bad_requests(void **state)
{
	Csi__V1__NodeStageVolumeRequest req;
	Csi__V1__VolumeCapability block = cap;

	fake.calls = 0;
	stage_request(&req, "");
	expect(&csi_node_stage_volume, &req.base, 0, NULL, GRPC_STATUS_INVALID_ARGUMENT);
	stage_request(&req, VOL);
	req.staging_target_path = (char *)"relative/path";
	expect(&csi_node_stage_volume, &req.base, 0, NULL, GRPC_STATUS_INVALID_ARGUMENT);
	stage_request(&req, VOL);
	block.access_type_case = CSI__V1__VOLUME_CAPABILITY__ACCESS_TYPE_BLOCK;
	req.volume_capability = &block;
	expect(&csi_node_stage_volume, &req.base, 0, NULL, GRPC_STATUS_INVALID_ARGUMENT);
	/* Not an id MeshStor could have made: no such volume (csi-sanity asks NOT_FOUND). */
	stage_request(&req, "Not_A_Volume");
	expect(&csi_node_stage_volume, &req.base, 0, NULL, GRPC_STATUS_NOT_FOUND);
	assert_int_equal(fake.calls, 0);
}

static void test_node_publish_unpublish(void **state)
{
	Csi__V1__NodePublishVolumeRequest pub = CSI__V1__NODE_PUBLISH_VOLUME_REQUEST__INIT;
	Csi__V1__NodeUnpublishVolumeRequest unpub = CSI__V1__NODE_UNPUBLISH_VOLUME_REQUEST__INIT;
	Csi__V1__NodeUnstageVolumeRequest unstage = CSI__V1__NODE_UNSTAGE_VOLUME_REQUEST__INIT;

	pub.volume_id = unpub.volume_id = unstage.volume_id = (char *)VOL;
	pub.staging_target_path = unstage.staging_target_path = (char *)STAGING;
	pub.target_path = unpub.target_path = (char *)TARGET;
	pub.volume_capability = &cap;
	fake.known = true;
	expect(&csi_node_publish_volume, &pub.base, -EPERM,
	       "volume " VOL " is not staged at " STAGING ": NodeStageVolume first",
	       GRPC_STATUS_FAILED_PRECONDITION);
	/* mkdir(2) of the target: ENOENT when its parent is missing. */
	expect(&csi_node_publish_volume, &pub.base, -ENOENT,
	       "cannot bind-mount " STAGING " at " TARGET ": No such file or directory",
	       GRPC_STATUS_UNAVAILABLE);
	expect(&csi_node_unpublish_volume, &unpub.base, -ENOENT,
	       "cannot remove " TARGET ": No such file or directory", GRPC_STATUS_UNAVAILABLE);
	expect(&csi_node_unpublish_volume, &unpub.base, -EPERM,
	       TARGET " is mounted from /dev/sda1, which is not volume " VOL "; leaving it",
	       GRPC_STATUS_FAILED_PRECONDITION);
	expect(&csi_node_unstage_volume, &unstage.base, -ENOENT,
	       "mdadm --stop: No such file or directory", GRPC_STATUS_UNAVAILABLE);
	expect(&csi_node_unstage_volume, &unstage.base, -EBUSY, "cannot unmount: busy",
	       GRPC_STATUS_UNAVAILABLE);
}

/* tree_setup() plus a mount table with the volume mounted at TARGET. */
static int mounted_setup(void **state)
{
	static const char mountinfo[] =
		"22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
		"40 22 9:127 / " TARGET " rw,relatime - xfs /dev/md127 rw\n";
	struct tree *t;

	if (tree_setup(state, "csi-errors", NULL) < 0)
		return -1;
	t = *state;
	tree_mkdirs(t, "proc/self");
	tree_write(t, "proc/self/mountinfo", mountinfo, strlen(mountinfo), 0644);
	node.sysroot = t->root;
	return 0;
}

static int mounted_teardown(void **state)
{
	node.sysroot = NULL;
	return tree_teardown(state);
}

/*
 * Stats and expansion: NOT_FOUND is the spec's answer for "no such volume" and
 * "volume not at volume_path", nothing else.
 */
static void test_node_stats_expand(void **state)
{
	Csi__V1__NodeGetVolumeStatsRequest st = CSI__V1__NODE_GET_VOLUME_STATS_REQUEST__INIT;
	Csi__V1__NodeExpandVolumeRequest ex = CSI__V1__NODE_EXPAND_VOLUME_REQUEST__INIT;

	st.volume_id = ex.volume_id = (char *)VOL;
	st.volume_path = ex.volume_path = (char *)TARGET;
	fake.known = true;
	/* Mounted at the path, yet the agent says ENOENT: a tool or file, not the volume. */
	expect(&csi_node_expand_volume, &ex.base, -ENOENT,
	       "cannot run /usr/sbin/xfs_growfs: No such file or directory",
	       GRPC_STATUS_UNAVAILABLE);
	expect(&csi_node_get_volume_stats, &st.base, -ENOENT, "statvfs: No such file or directory",
	       GRPC_STATUS_UNAVAILABLE);
	/* Something else is mounted there: the volume is not at that path. */
	expect(&csi_node_get_volume_stats, &st.base, -EPERM,
	       TARGET " is mounted from /dev/sdb, which is not volume " VOL "; leaving it",
	       GRPC_STATUS_NOT_FOUND);
	expect(&csi_node_expand_volume, &ex.base, -EAGAIN, "member nvme1n1 not yet grown",
	       GRPC_STATUS_UNAVAILABLE);
	expect(&csi_node_expand_volume, &ex.base, -EINVAL, "mdadm --grow: invalid argument",
	       GRPC_STATUS_INTERNAL);
	/* Nothing mounted at the path: the spec's NOT_FOUND. */
	st.volume_path = ex.volume_path = (char *)"/var/lib/kubelet/pods/q/volumes/elsewhere";
	expect(&csi_node_get_volume_stats, &st.base, -ENOENT,
	       "volume " VOL " is not mounted at /var/lib/kubelet/pods/q/volumes/elsewhere",
	       GRPC_STATUS_NOT_FOUND);
	expect(&csi_node_expand_volume, &ex.base, -ENOENT, "volume " VOL " is not mounted",
	       GRPC_STATUS_NOT_FOUND);
	/* Unknown to the agent: NOT_FOUND before the agent is asked. */
	fake.known = false;
	fake.calls = 0;
	expect(&csi_node_get_volume_stats, &st.base, 0, NULL, GRPC_STATUS_NOT_FOUND);
	expect(&csi_node_expand_volume, &ex.base, 0, NULL, GRPC_STATUS_NOT_FOUND);
	assert_int_equal(fake.calls, 0);
}

static void create_request(Csi__V1__CreateVolumeRequest *req, const char *name)
{
	csi__v1__create_volume_request__init(req);
	req->name = (char *)name;
	req->volume_capabilities = caps;
	req->n_volume_capabilities = 1;
}

static void test_create_volume(void **state)
{
	Csi__V1__CreateVolumeRequest req;
	char long_name[VOLUME_REQUEST_NAME_MAX + 2];

	create_request(&req, "pvc-1");
	/* Our own write refused (a 422): our bug, not the caller's argument. */
	expect(&csi_controller_create_volume, &req.base, -EINVAL,
	       "POST /apis/meshstor.io/v1/meshstorvolumes: HTTP 422: spec.members: Invalid value",
	       GRPC_STATUS_INTERNAL);
	/* The API server went away mid-call: retry. */
	expect(&csi_controller_create_volume, &req.base, -EAGAIN, "connection refused",
	       GRPC_STATUS_UNAVAILABLE);
	/* A 404 on the read after a conflict: not "the volume does not exist". */
	expect(&csi_controller_create_volume, &req.base, -ENOENT, "GET ...: HTTP 404",
	       GRPC_STATUS_UNAVAILABLE);
	expect(&csi_controller_create_volume, &req.base, -ENOSPC,
	       "need 2 nodes with a free extent of 1 GiB", GRPC_STATUS_RESOURCE_EXHAUSTED);
	expect(&csi_controller_create_volume, &req.base, -EEXIST,
	       "volume " VOL " (name \"pvc-1\") already exists with other parameters",
	       GRPC_STATUS_ALREADY_EXISTS);
	expect(&csi_controller_create_volume, &req.base, 0, NULL, GRPC_STATUS_OK);

	/* Bad requests are INVALID_ARGUMENT, decided before the controller is asked. */
	fake.calls = 0;
	create_request(&req, "");
	expect(&csi_controller_create_volume, &req.base, 0, NULL, GRPC_STATUS_INVALID_ARGUMENT);
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	create_request(&req, long_name);
	expect(&csi_controller_create_volume, &req.base, 0, NULL, GRPC_STATUS_INVALID_ARGUMENT);
	create_request(&req, "pvc-1");
	req.n_volume_capabilities = 0;
	expect(&csi_controller_create_volume, &req.base, 0, NULL, GRPC_STATUS_INVALID_ARGUMENT);
	assert_int_equal(fake.calls, 0);
}

static void test_delete_and_unpublish(void **state)
{
	Csi__V1__DeleteVolumeRequest del = CSI__V1__DELETE_VOLUME_REQUEST__INIT;
	Csi__V1__ControllerUnpublishVolumeRequest unpub =
		CSI__V1__CONTROLLER_UNPUBLISH_VOLUME_REQUEST__INIT;

	del.volume_id = unpub.volume_id = (char *)VOL;
	unpub.node_id = (char *)"node-1";
	/*
	 * The sidecars read NOT_FOUND here as done (deleted, detached): a deep
	 * ENOENT must not say so while the volume and its claim are still there.
	 */
	expect(&csi_controller_delete_volume, &del.base, -ENOENT, "a deep ENOENT",
	       GRPC_STATUS_UNAVAILABLE);
	expect(&csi_controller_unpublish_volume, &unpub.base, -ENOENT, "a deep ENOENT",
	       GRPC_STATUS_UNAVAILABLE);
	expect(&csi_controller_delete_volume, &del.base, -EPERM,
	       "volume " VOL " is still published to node node-1; unpublish it first",
	       GRPC_STATUS_FAILED_PRECONDITION);
	expect(&csi_controller_delete_volume, &del.base, -EINVAL, "PUT ...: HTTP 422",
	       GRPC_STATUS_INTERNAL);
	expect(&csi_controller_unpublish_volume, &unpub.base, -ETIMEDOUT,
	       "volume " VOL ": member 1 on node-3 is still exported to node-1",
	       GRPC_STATUS_DEADLINE_EXCEEDED);
	expect(&csi_controller_unpublish_volume, &unpub.base, -EACCES,
	       "PUT ...: HTTP 403 (this role lacks the permission named above)",
	       GRPC_STATUS_INTERNAL);
}

static void test_controller_publish(void **state)
{
	Csi__V1__ControllerPublishVolumeRequest req =
		CSI__V1__CONTROLLER_PUBLISH_VOLUME_REQUEST__INIT;

	req.volume_id = (char *)VOL;
	req.node_id = (char *)"node-1";
	req.volume_capability = &cap;
	/* The controller documents these three; csi-sanity checks the NOT_FOUNDs. */
	expect(&csi_controller_publish_volume, &req.base, -ENOENT,
	       "node node-1 has no MeshStorNode: is the MeshStor agent running there?",
	       GRPC_STATUS_NOT_FOUND);
	expect(&csi_controller_publish_volume, &req.base, -EPERM,
	       "volume " VOL " is published to node node-2; unpublish it there first",
	       GRPC_STATUS_FAILED_PRECONDITION);
	expect(&csi_controller_publish_volume, &req.base, -ETIMEDOUT,
	       "volume " VOL ": member 0 on node-3 not yet exported",
	       GRPC_STATUS_DEADLINE_EXCEEDED);
	expect(&csi_controller_publish_volume, &req.base, -EINVAL, "PUT ...: HTTP 422",
	       GRPC_STATUS_INTERNAL);
	expect(&csi_controller_publish_volume, &req.base, -ESTALE,
	       "PUT ...: HTTP 409: kept losing races", GRPC_STATUS_UNAVAILABLE);
}

static void test_get_and_expand(void **state)
{
	Csi__V1__ControllerGetVolumeRequest get = CSI__V1__CONTROLLER_GET_VOLUME_REQUEST__INIT;
	Csi__V1__ControllerExpandVolumeRequest ex = CSI__V1__CONTROLLER_EXPAND_VOLUME_REQUEST__INIT;
	Csi__V1__CapacityRange range = CSI__V1__CAPACITY_RANGE__INIT;

	get.volume_id = ex.volume_id = (char *)VOL;
	expect(&csi_controller_get_volume, &get.base, -ENOENT, NULL, GRPC_STATUS_NOT_FOUND);
	/* A cached object that does not decode is our problem, not a missing volume. */
	expect(&csi_controller_get_volume, &get.base, -EINVAL, NULL, GRPC_STATUS_INTERNAL);
	expect(&csi_controller_get_volume, &get.base, 0, NULL, GRPC_STATUS_OK);

	range.required_bytes = 2LL << 30;
	ex.capacity_range = &range;
	expect(&csi_controller_expand_volume, &ex.base, -ENOENT, "volume " VOL " does not exist",
	       GRPC_STATUS_NOT_FOUND);
	expect(&csi_controller_expand_volume, &ex.base, -EINVAL, "PUT ...: HTTP 422",
	       GRPC_STATUS_INTERNAL);
	/* A striped volume cannot grow yet: the request asks what cannot be done. */
	fake.stripes = 2;
	expect(&csi_controller_expand_volume, &ex.base, 0, "drivesPerCopy=2",
	       GRPC_STATUS_INVALID_ARGUMENT);
	fake.stripes = 0;
	range.required_bytes = 100;
	expect(&csi_controller_expand_volume, &ex.base, 0, NULL, GRPC_STATUS_OUT_OF_RANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_node_stage),
		cmocka_unit_test(test_node_bad_requests),
		cmocka_unit_test(test_node_publish_unpublish),
		cmocka_unit_test_setup_teardown(test_node_stats_expand, mounted_setup,
						mounted_teardown),
		cmocka_unit_test(test_create_volume),
		cmocka_unit_test(test_delete_and_unpublish),
		cmocka_unit_test(test_controller_publish),
		cmocka_unit_test(test_get_and_expand),
	};

	csi_inflight_init(&node_svc.inflight);
	csi_inflight_init(&controller_svc.inflight);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
