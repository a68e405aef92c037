// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "csi/controller.h"
#include "csi/gen/csi.pb-c.h"
#include "csi/node.h"
#include "csi/topology.h"
#include "model/names.h"
#include "node/agent.h"
#include "node/fs.h"
#include "util/strbuf.h"
#include "util/banned.h"

/*
 * The Node service: thin translations onto the node agent (node/agent.h),
 * which does the work under its kernel lock. Requests are checked here:
 * every id and path before anything is touched.
 */

static struct agent *agent_of(struct csi_call *c, int *ret)
{
	const struct csi_node *node = c->service->userdata;

	*ret = 0;
	if (!node->agent || !agent_ready(node->agent))
		*ret = csi_call_fail(c, -EAGAIN,
				     "the node agent has no view of the Kubernetes API yet, or has "
				     "not published this node; see its log");
	return node->agent;
}

static int check_volume_id(struct csi_call *c, const char *id)
{
	if (!id[0])
		return csi_call_fail(c, -EINVAL, "volume_id is required");
	if (!volume_id_is_valid(id))
		return csi_call_fail(c, -ENOENT, "volume %s does not exist (not a MeshStor id)",
				     id);
	return 0;
}

/*
 * For calls about a volume that must be at a path here: the id and path are
 * required; an unknown volume, and a path that cannot be ours, are NOT_FOUND
 * (the CSI spec's code for "volume not found at volume_path").
 */
static struct agent *known_volume(struct csi_call *c, const char *id, const char *what,
				  const char *path, int *ret)
{
	struct agent *a;

	*ret = 0;
	if (!id[0])
		*ret = csi_call_fail(c, -EINVAL, "volume_id is required");
	else if (!path[0])
		*ret = csi_call_fail(c, -EINVAL, "%s is required", what);
	if (*ret < 0)
		return NULL;
	a = agent_of(c, ret);
	if (*ret < 0)
		return NULL;
	if (!volume_id_is_valid(id) || !agent_volume_known(a, id))
		*ret = csi_call_fail(c, -ENOENT, "volume %s does not exist", id);
	else if (fs_check_target_path(path) < 0)
		/* Nothing of ours can be there: the volume is not found at that path. */
		*ret = csi_call_fail(c, -ENOENT,
				     "volume %s is not at %s \"%s\" (not an absolute "
				     "path without . or ..)",
				     id, what, path);
	return a;
}

static int check_path(struct csi_call *c, const char *what, const char *path)
{
	if (!path[0])
		return csi_call_fail(c, -EINVAL, "%s is required", what);
	if (fs_check_target_path(path) < 0)
		return csi_call_fail(c, -EINVAL,
				     "%s \"%s\" must be an absolute path without . or ..", what,
				     path);
	return 0;
}

/*
 * The agent's outcome: forwarded with its message (the method's passes decide
 * what the CO hears), or OK with an empty response of type T.
 */
#define FINISH(c, r, err, T, init, ret)                       \
	({                                                    \
		int _r = (r);                                 \
		if (_r < 0) {                                 \
			_r = csi_call_forward(c, _r, err);    \
		} else {                                      \
			T *_resp = arena_new(&(c)->arena, T); \
			init(_resp);                          \
			*(ret) = &_resp->base;                \
		}                                             \
		strbuf_done(err);                             \
		_r;                                           \
	})

/*
 * Whether the agent's -ENOENT means what NOT_FOUND tells the CO: the volume
 * does not exist (the agent's cache agrees), or nothing is mounted at path
 * (when given). The agent also hands on -ENOENT from a missing tool, device
 * or file, which says nothing about the volume.
 */
static bool confirmed_not_found(const struct csi_node *node, struct agent *a, const char *id,
				const char *path)
{
	bool mounted;

	if (!agent_volume_known(a, id))
		return true;
	return path && fs_is_mountpoint(node->sysroot, path, &mounted) == 0 && !mounted;
}

/* NOT_FOUND with the agent's reason. */
static int not_found(struct csi_call *c, const char *id, struct strbuf *err)
{
	int r = err->len ? csi_call_fail(c, -ENOENT, "%s", err->buf)
			 : csi_call_fail(c, -ENOENT, "volume %s does not exist", id);

	strbuf_done(err);
	return r;
}

static int stage_volume(struct csi_call *c, const ProtobufCMessage *msg, ProtobufCMessage **ret)
{
	const Csi__V1__NodeStageVolumeRequest *req = (const void *)msg;
	const struct csi_node *node = c->service->userdata;
	struct strbuf err = STRBUF_INIT;
	struct agent *a;
	int r;

	if ((r = check_volume_id(c, req->volume_id)) < 0 ||
	    (r = check_path(c, "staging_target_path", req->staging_target_path)) < 0)
		return r;
	if (!req->volume_capability)
		return csi_call_fail(c, -EINVAL, "volume_capability is required");
	if ((r = csi_check_volume_capability(c, req->volume_capability)) < 0)
		return r;
	a = agent_of(c, &r);
	if (r < 0)
		return r;
	r = agent_stage(a, req->volume_id, req->staging_target_path, &err);
	/* No path to confirm by: the staging path is not mounted until staging is done. */
	if (r == -ENOENT && confirmed_not_found(node, a, req->volume_id, NULL))
		return not_found(c, req->volume_id, &err);
	return FINISH(c, r, &err, Csi__V1__NodeStageVolumeResponse,
		      csi__v1__node_stage_volume_response__init, ret);
}

/*
 * A mount at path is ours only through the agent; without one, no mount is
 * success (nothing of ours to undo) and a mount found there is refused.
 */
static int no_agent_undo(const struct csi_node *node, const char *id, const char *path,
			 struct strbuf *err)
{
	bool mounted;
	int r = fs_is_mountpoint(node->sysroot, path, &mounted);

	if (r < 0) {
		strbuf_addf(err, "cannot read the mount table: %s", strerror(-r));
		return r;
	}
	if (mounted) {
		strbuf_addf(err, "%s is mounted, but not by MeshStor for volume %s; leaving it",
			    path, id);
		return -EPERM;
	}
	return 0;
}

/* Undoes NodeStageVolume; idempotent, and works whenever the agent runs (ready or not). */
static int unstage_volume(struct csi_call *c, const ProtobufCMessage *msg, ProtobufCMessage **ret)
{
	const Csi__V1__NodeUnstageVolumeRequest *req = (const void *)msg;
	const struct csi_node *node = c->service->userdata;
	struct strbuf err = STRBUF_INIT;
	int r;

	if (!req->volume_id[0])
		return csi_call_fail(c, -EINVAL, "volume_id is required");
	if ((r = check_path(c, "staging_target_path", req->staging_target_path)) < 0)
		return r;
	if (node->agent)
		r = agent_unstage(node->agent, req->volume_id, req->staging_target_path, &err);
	else
		r = no_agent_undo(node, req->volume_id, req->staging_target_path, &err);
	return FINISH(c, r, &err, Csi__V1__NodeUnstageVolumeResponse,
		      csi__v1__node_unstage_volume_response__init, ret);
}

static int publish_volume(struct csi_call *c, const ProtobufCMessage *msg, ProtobufCMessage **ret)
{
	const Csi__V1__NodePublishVolumeRequest *req = (const void *)msg;
	struct strbuf err = STRBUF_INIT;
	struct agent *a;
	int r;

	if ((r = check_volume_id(c, req->volume_id)) < 0 ||
	    (r = check_path(c, "staging_target_path", req->staging_target_path)) < 0 ||
	    (r = check_path(c, "target_path", req->target_path)) < 0)
		return r;
	if (!req->volume_capability)
		return csi_call_fail(c, -EINVAL, "volume_capability is required");
	if ((r = csi_check_volume_capability(c, req->volume_capability)) < 0)
		return r;
	a = agent_of(c, &r);
	if (r < 0)
		return r;
	r = agent_publish(a, req->volume_id, req->staging_target_path, req->target_path,
			  req->readonly, &err);
	return FINISH(c, r, &err, Csi__V1__NodePublishVolumeResponse,
		      csi__v1__node_publish_volume_response__init, ret);
}

/*
 * Undoes NodePublishVolume: a mount of this volume at the target is removed,
 * and the target directory with it; a mount of anything else is never
 * touched. Without the agent, nothing can be ours: a mount found at the
 * target is refused, no mount is success. Idempotent.
 */
static int unpublish_volume(struct csi_call *c, const ProtobufCMessage *msg, ProtobufCMessage **ret)
{
	const Csi__V1__NodeUnpublishVolumeRequest *req = (const void *)msg;
	const struct csi_node *node = c->service->userdata;
	struct strbuf err = STRBUF_INIT;
	int r;

	if (!req->volume_id[0])
		return csi_call_fail(c, -EINVAL, "volume_id is required");
	if ((r = check_path(c, "target_path", req->target_path)) < 0)
		return r;
	if (node->agent)
		r = agent_unpublish(node->agent, req->volume_id, req->target_path, &err);
	else
		r = no_agent_undo(node, req->volume_id, req->target_path, &err);
	return FINISH(c, r, &err, Csi__V1__NodeUnpublishVolumeResponse,
		      csi__v1__node_unpublish_volume_response__init, ret);
}

static int get_volume_stats(struct csi_call *c, const ProtobufCMessage *msg, ProtobufCMessage **ret)
{
	const Csi__V1__NodeGetVolumeStatsRequest *req = (const void *)msg;
	const struct csi_node *node = c->service->userdata;
	Csi__V1__NodeGetVolumeStatsResponse *resp;
	Csi__V1__VolumeUsage *bytes, *inodes;
	Csi__V1__VolumeCondition *cond;
	struct strbuf why = STRBUF_INIT;
	struct fs_usage u;
	bool abnormal = false;
	struct agent *a;
	int r;

	a = known_volume(c, req->volume_id, "volume_path", req->volume_path, &r);
	if (r < 0)
		return r;
	r = agent_stats(a, req->volume_id, req->volume_path, &u, &abnormal, &why);
	/* -EPERM: something else is mounted there; the volume is not at that path. */
	if (r == -EPERM ||
	    (r == -ENOENT && confirmed_not_found(node, a, req->volume_id, req->volume_path)))
		return not_found(c, req->volume_id, &why);
	if (r < 0) {
		r = csi_call_forward(c, r, &why);
		strbuf_done(&why);
		return r;
	}
	bytes = arena_new(&c->arena, Csi__V1__VolumeUsage);
	csi__v1__volume_usage__init(bytes);
	bytes->unit = CSI__V1__VOLUME_USAGE__UNIT__BYTES;
	bytes->total = (int64_t)u.bytes_total;
	bytes->available = (int64_t)u.bytes_available;
	bytes->used = (int64_t)u.bytes_used;
	inodes = arena_new(&c->arena, Csi__V1__VolumeUsage);
	csi__v1__volume_usage__init(inodes);
	inodes->unit = CSI__V1__VOLUME_USAGE__UNIT__INODES;
	inodes->total = (int64_t)u.inodes_total;
	inodes->available = (int64_t)u.inodes_free;
	inodes->used = (int64_t)u.inodes_used;
	cond = arena_new(&c->arena, Csi__V1__VolumeCondition);
	csi__v1__volume_condition__init(cond);
	cond->abnormal = abnormal;
	cond->message = arena_strdup(&c->arena, why.buf);
	strbuf_done(&why);
	resp = arena_new(&c->arena, Csi__V1__NodeGetVolumeStatsResponse);
	csi__v1__node_get_volume_stats_response__init(resp);
	resp->n_usage = 2;
	resp->usage = arena_new_array(&c->arena, Csi__V1__VolumeUsage *, 2);
	resp->usage[0] = bytes;
	resp->usage[1] = inodes;
	resp->volume_condition = cond;
	*ret = &resp->base;
	return 0;
}

static int expand_volume(struct csi_call *c, const ProtobufCMessage *msg, ProtobufCMessage **ret)
{
	const Csi__V1__NodeExpandVolumeRequest *req = (const void *)msg;
	const struct csi_node *node = c->service->userdata;
	Csi__V1__NodeExpandVolumeResponse *resp;
	struct strbuf err = STRBUF_INIT;
	int64_t capacity = 0;
	struct agent *a;
	int r;

	a = known_volume(c, req->volume_id, "volume_path", req->volume_path, &r);
	if (r < 0)
		return r;
	if (req->volume_capability &&
	    (r = csi_check_volume_capability(c, req->volume_capability)) < 0)
		return r;
	r = agent_expand(a, req->volume_id, req->volume_path, &capacity, &err);
	if (r == -EPERM ||
	    (r == -ENOENT && confirmed_not_found(node, a, req->volume_id, req->volume_path)))
		return not_found(c, req->volume_id, &err);
	if (r < 0) {
		r = csi_call_forward(c, r, &err);
		strbuf_done(&err);
		return r;
	}
	strbuf_done(&err);
	resp = arena_new(&c->arena, Csi__V1__NodeExpandVolumeResponse);
	csi__v1__node_expand_volume_response__init(resp);
	resp->capacity_bytes = capacity;
	*ret = &resp->base;
	return 0;
}

static const Csi__V1__NodeServiceCapability__RPC__Type node_rpcs[] = {
	CSI__V1__NODE_SERVICE_CAPABILITY__RPC__TYPE__STAGE_UNSTAGE_VOLUME,
	CSI__V1__NODE_SERVICE_CAPABILITY__RPC__TYPE__GET_VOLUME_STATS,
	CSI__V1__NODE_SERVICE_CAPABILITY__RPC__TYPE__VOLUME_CONDITION,
	CSI__V1__NODE_SERVICE_CAPABILITY__RPC__TYPE__EXPAND_VOLUME,
};

/* Exactly what works: staging, stats with the volume condition, online expansion. */
static int get_capabilities(struct csi_call *c, const ProtobufCMessage *msg, ProtobufCMessage **ret)
{
	Csi__V1__NodeGetCapabilitiesResponse *resp;
	size_t n = sizeof(node_rpcs) / sizeof(node_rpcs[0]);

	resp = arena_new(&c->arena, Csi__V1__NodeGetCapabilitiesResponse);
	csi__v1__node_get_capabilities_response__init(resp);
	resp->n_capabilities = n;
	resp->capabilities = arena_new_array(&c->arena, Csi__V1__NodeServiceCapability *, n);
	for (size_t i = 0; i < n; i++) {
		Csi__V1__NodeServiceCapability *cap =
			arena_new(&c->arena, Csi__V1__NodeServiceCapability);
		Csi__V1__NodeServiceCapability__RPC *rpc =
			arena_new(&c->arena, Csi__V1__NodeServiceCapability__RPC);

		csi__v1__node_service_capability__rpc__init(rpc);
		rpc->type = node_rpcs[i];
		csi__v1__node_service_capability__init(cap);
		cap->type_case = CSI__V1__NODE_SERVICE_CAPABILITY__TYPE_RPC;
		cap->rpc = rpc;
		resp->capabilities[i] = cap;
	}
	*ret = &resp->base;
	return 0;
}

/* The node's name, as ControllerPublishVolume will see it, and its topology (csi/topology.h). */
static int get_info(struct csi_call *c, const ProtobufCMessage *msg, ProtobufCMessage **ret)
{
	const struct csi_node *node = c->service->userdata;
	Csi__V1__NodeGetInfoResponse *resp = arena_new(&c->arena, Csi__V1__NodeGetInfoResponse);

	csi__v1__node_get_info_response__init(resp);
	resp->node_id = (char *)node->node_id;
	resp->accessible_topology = csi_topology_of_node(&c->arena, node->node_id);
	*ret = &resp->base;
	return 0;
}

const struct csi_method csi_node_get_capabilities = {
	.path = "/csi.v1.Node/NodeGetCapabilities",
	.request = &csi__v1__node_get_capabilities_request__descriptor,
	.lane = CSI_LANE_INLINE,
	.handler = get_capabilities,
};

const struct csi_method csi_node_get_info = {
	.path = "/csi.v1.Node/NodeGetInfo",
	.request = &csi__v1__node_get_info_request__descriptor,
	.lane = CSI_LANE_INLINE,
	.handler = get_info,
};

const struct csi_method csi_node_stage_volume = {
	.path = "/csi.v1.Node/NodeStageVolume",
	.request = &csi__v1__node_stage_volume_request__descriptor,
	.key = "volume_id",
	.handler = stage_volume,
	/* Not claimed by this node, or refusing to create or format over data; the
	 * staging path holds another mount. -ENOENT: confirmed in the handler. */
	.passes = CSI_PASSES(-EPERM, -EEXIST),
};

const struct csi_method csi_node_unstage_volume = {
	.path = "/csi.v1.Node/NodeUnstageVolume",
	.request = &csi__v1__node_unstage_volume_request__descriptor,
	.key = "volume_id",
	.handler = unstage_volume,
	.passes = CSI_PASSES(-EPERM), /* a mount there that is not this volume's */
};

const struct csi_method csi_node_publish_volume = {
	.path = "/csi.v1.Node/NodePublishVolume",
	.request = &csi__v1__node_publish_volume_request__descriptor,
	.key = "volume_id",
	.handler = publish_volume,
	.passes = CSI_PASSES(-EPERM), /* not staged; another mount at the target */
};

const struct csi_method csi_node_unpublish_volume = {
	.path = "/csi.v1.Node/NodeUnpublishVolume",
	.request = &csi__v1__node_unpublish_volume_request__descriptor,
	.key = "volume_id",
	.handler = unpublish_volume,
	.passes = CSI_PASSES(-EPERM), /* a mount there that is not this volume's */
};

const struct csi_method csi_node_get_volume_stats = {
	.path = "/csi.v1.Node/NodeGetVolumeStats",
	.request = &csi__v1__node_get_volume_stats_request__descriptor,
	.key = "volume_id",
	.handler = get_volume_stats,
};

const struct csi_method csi_node_expand_volume = {
	.path = "/csi.v1.Node/NodeExpandVolume",
	.request = &csi__v1__node_expand_volume_request__descriptor,
	.key = "volume_id",
	.handler = expand_volume,
};
