// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "csi/controller.h"
#include "csi/gen/csi.pb-c.h"
#include "csi/node.h"
#include "node/fs.h"
#include "util/banned.h"

/*
 * No node RPC capability is implemented yet (staging, stats, expansion come
 * with the node agent), so none is advertised.
 */
static int get_capabilities(struct csi_call *c, const ProtobufCMessage *msg, ProtobufCMessage **ret)
{
	Csi__V1__NodeGetCapabilitiesResponse *resp;

	resp = arena_new(&c->arena, Csi__V1__NodeGetCapabilitiesResponse);
	csi__v1__node_get_capabilities_response__init(resp);
	*ret = &resp->base;
	return 0;
}

const struct csi_method csi_node_get_capabilities = {
	.path = "/csi.v1.Node/NodeGetCapabilities",
	.request = &csi__v1__node_get_capabilities_request__descriptor,
	.lane = CSI_LANE_INLINE,
	.handler = get_capabilities,
};

/*
 * Undoes NodePublishVolume. This agent publishes nothing yet, so a mount found
 * at the target is someone else's and is never touched, and with no mount
 * there is nothing of ours to undo: the target path itself, which we did not
 * create, stays as it is. Idempotent.
 */
static int unpublish_volume(struct csi_call *c, const ProtobufCMessage *msg, ProtobufCMessage **ret)
{
	const Csi__V1__NodeUnpublishVolumeRequest *req = (const void *)msg;
	const struct csi_node *node = c->service->userdata;
	Csi__V1__NodeUnpublishVolumeResponse *resp;
	bool mounted;
	int r;

	if (!req->volume_id[0])
		return csi_call_fail(c, -EINVAL, "volume_id is required");
	if (!req->target_path[0] || fs_check_target_path(req->target_path) < 0)
		return csi_call_fail(c, -EINVAL,
				     "target_path \"%s\" must be an absolute path without . or ..",
				     req->target_path);
	r = fs_is_mountpoint(node->sysroot, req->target_path, &mounted);
	if (r < 0)
		return csi_call_fail(c, r, "cannot read the mount table: %s", strerror(-r));
	if (mounted)
		return csi_call_fail(c, -EPERM,
				     "%s is mounted, but not by MeshStor for volume %s; leaving it",
				     req->target_path, req->volume_id);
	resp = arena_new(&c->arena, Csi__V1__NodeUnpublishVolumeResponse);
	csi__v1__node_unpublish_volume_response__init(resp);
	*ret = &resp->base;
	return 0;
}

const struct csi_method csi_node_unpublish_volume = {
	.path = "/csi.v1.Node/NodeUnpublishVolume",
	.request = &csi__v1__node_unpublish_volume_request__descriptor,
	.key = "volume_id",
	.handler = unpublish_volume,
};

/* The node's name, as ControllerPublishVolume will see it, and its topology segment. */
static int get_info(struct csi_call *c, const ProtobufCMessage *msg, ProtobufCMessage **ret)
{
	const struct csi_node *node = c->service->userdata;
	Csi__V1__NodeGetInfoResponse *resp = arena_new(&c->arena, Csi__V1__NodeGetInfoResponse);
	Csi__V1__Topology *topo = arena_new(&c->arena, Csi__V1__Topology);
	Csi__V1__Topology__SegmentsEntry *seg =
		arena_new(&c->arena, Csi__V1__Topology__SegmentsEntry);

	csi__v1__topology__segments_entry__init(seg);
	seg->key = CSI_TOPOLOGY_NODE_KEY;
	seg->value = (char *)node->node_id;
	csi__v1__topology__init(topo);
	topo->n_segments = 1;
	topo->segments = arena_new_array(&c->arena, Csi__V1__Topology__SegmentsEntry *, 1);
	topo->segments[0] = seg;
	csi__v1__node_get_info_response__init(resp);
	resp->node_id = (char *)node->node_id;
	resp->accessible_topology = topo;
	*ret = &resp->base;
	return 0;
}

const struct csi_method csi_node_get_info = {
	.path = "/csi.v1.Node/NodeGetInfo",
	.request = &csi__v1__node_get_info_request__descriptor,
	.lane = CSI_LANE_INLINE,
	.handler = get_info,
};
