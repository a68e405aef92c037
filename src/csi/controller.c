// SPDX-License-Identifier: GPL-2.0-only
/* CSI Controller service <-> controller/: translation and request validation only. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "controller/controller.h"
#include "csi/controller.h"
#include "csi/gen/csi.pb-c.h"
#include "csi/topology.h"
#include "model/names.h"
#include "util/cleanup.h"
#include "util/macro.h"
#include "util/banned.h"

/* Every generated map entry has this layout: base, key, value. */
struct map_entry {
	ProtobufCMessage base;
	char *key;
	char *value;
};

static struct controller *controller_of(struct csi_call *c, int *ret)
{
	struct controller *ctl = c->service->userdata;

	*ret = 0;
	if (!ctl || !controller_ready(ctl))
		*ret = csi_call_fail(
			c, -EAGAIN,
			"the controller has no view of the Kubernetes API yet; see its log");
	return ctl;
}

/* Only what works today: mounted XFS, one node writing. */
int csi_check_volume_capability(struct csi_call *c, const Csi__V1__VolumeCapability *cap)
{
	const Csi__V1__VolumeCapability__MountVolume *mount = cap->mount;

	if (cap->access_type_case == CSI__V1__VOLUME_CAPABILITY__ACCESS_TYPE_BLOCK)
		return csi_call_fail(c, -EINVAL, "raw block volumes are not supported yet");
	if (cap->access_type_case != CSI__V1__VOLUME_CAPABILITY__ACCESS_TYPE_MOUNT)
		return csi_call_fail(c, -EINVAL, "volume capability has no access type");
	if (!cap->access_mode ||
	    cap->access_mode->mode !=
		    CSI__V1__VOLUME_CAPABILITY__ACCESS_MODE__MODE__SINGLE_NODE_WRITER)
		return csi_call_fail(c, -EINVAL,
				     "only the SINGLE_NODE_WRITER access mode (ReadWriteOnce) is "
				     "supported");
	if (mount->fs_type[0] && strcmp(mount->fs_type, "xfs") != 0)
		return csi_call_fail(c, -EINVAL,
				     "filesystem \"%s\" is not supported; MeshStor formats xfs",
				     mount->fs_type);
	return 0;
}

static int check_capabilities(struct csi_call *c, Csi__V1__VolumeCapability *const *caps, size_t n)
{
	if (n == 0)
		return csi_call_fail(c, -EINVAL, "volume_capabilities is required");
	for (size_t i = 0; i < n; i++) {
		int r = csi_check_volume_capability(c, caps[i]);

		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_params(struct csi_call *c, void *const *entries, size_t n,
			struct volume_params *ret)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	const char **keys = arena_new_array(&c->arena, const char *, n);
	const char **values = arena_new_array(&c->arena, const char *, n);
	int r;

	for (size_t i = 0; i < n; i++) {
		keys[i] = ((const struct map_entry *)entries[i])->key;
		values[i] = ((const struct map_entry *)entries[i])->value;
	}
	r = volume_params_parse(keys, values, n, ret, &err);
	if (r < 0)
		csi_call_fail(c, r, "%s", err.buf);
	return r;
}

static Csi__V1__Volume *volume_message(struct csi_call *c, const struct volume *v)
{
	Csi__V1__Volume *m = arena_new(&c->arena, Csi__V1__Volume);

	csi__v1__volume__init(m);
	m->volume_id = arena_strdup(&c->arena, v->meta.name);
	m->capacity_bytes = v->spec.capacity_bytes;
	m->n_accessible_topology = 1;
	m->accessible_topology = arena_new_array(&c->arena, Csi__V1__Topology *, 1);
	m->accessible_topology[0] = csi_topology_of_volume(&c->arena);
	return m;
}

static int create_volume(struct csi_call *c, const ProtobufCMessage *msg, ProtobufCMessage **ret)
{
	const Csi__V1__CreateVolumeRequest *req = (const void *)msg;
	struct create_volume_req cr = { .name = req->name };
	struct controller *ctl;
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	Csi__V1__CreateVolumeResponse *resp;
	struct volume *v;
	int r;

	if (!req->name[0])
		return csi_call_fail(c, -EINVAL, "name is required");
	/* Said here: the controller's -EINVAL could as well be the API refusing our write. */
	if (strlen(req->name) > VOLUME_REQUEST_NAME_MAX)
		return csi_call_fail(c, -EINVAL, "name is longer than %d bytes",
				     VOLUME_REQUEST_NAME_MAX);
	r = check_capabilities(c, req->volume_capabilities, req->n_volume_capabilities);
	if (r < 0)
		return r;
	if (req->volume_content_source)
		return csi_call_fail(c, -EINVAL,
				     "volumes from snapshots or clones are not supported");
	r = volume_capacity_from_range(req->capacity_range ? req->capacity_range->required_bytes
							   : 0,
				       req->capacity_range ? req->capacity_range->limit_bytes : 0,
				       &cr.capacity_bytes, &err);
	if (r < 0)
		return csi_call_fail(c, r, "%s", err.buf);
	r = parse_params(c, (void *const *)req->parameters, req->n_parameters, &cr.params);
	if (r < 0)
		return r;
	ctl = controller_of(c, &r);
	if (r < 0)
		return r;
	cr.consumer = csi_topology_consumer(req->accessibility_requirements);
	r = controller_create_volume(ctl, &cr, &v, &err);
	if (r < 0)
		return csi_call_forward(c, r, &err);
	resp = arena_new(&c->arena, Csi__V1__CreateVolumeResponse);
	csi__v1__create_volume_response__init(resp);
	resp->volume = volume_message(c, v);
	volume_free(v);
	*ret = &resp->base;
	return 0;
}

static int delete_volume(struct csi_call *c, const ProtobufCMessage *msg, ProtobufCMessage **ret)
{
	const Csi__V1__DeleteVolumeRequest *req = (const void *)msg;
	Csi__V1__DeleteVolumeResponse *resp;
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	struct controller *ctl;
	int r;

	if (!req->volume_id[0])
		return csi_call_fail(c, -EINVAL, "volume_id is required");
	ctl = controller_of(c, &r);
	if (r < 0)
		return r;
	r = controller_delete_volume(ctl, req->volume_id, &err);
	if (r < 0)
		return csi_call_forward(c, r, &err);
	resp = arena_new(&c->arena, Csi__V1__DeleteVolumeResponse);
	csi__v1__delete_volume_response__init(resp);
	*ret = &resp->base;
	return 0;
}

/* 0 and the volume, or NOT_FOUND (or UNAVAILABLE, or a cache entry we cannot read). */
static int find_volume(struct csi_call *c, const char *id, struct volume **ret)
{
	struct controller *ctl;
	int r;

	if (!id[0])
		return csi_call_fail(c, -EINVAL, "volume_id is required");
	ctl = controller_of(c, &r);
	if (r < 0)
		return r;
	r = controller_get_volume(ctl, id, ret);
	if (r == -ENOENT)
		return csi_call_fail(c, -ENOENT, "volume %s does not exist", id);
	if (r < 0)
		return csi_call_fail(c, -EIO, "volume %s is in the cache but cannot be read: %s",
				     id, strerror(-r));
	return 0;
}

static int validate_volume_capabilities(struct csi_call *c, const ProtobufCMessage *msg,
					ProtobufCMessage **ret)
{
	const Csi__V1__ValidateVolumeCapabilitiesRequest *req = (const void *)msg;
	Csi__V1__ValidateVolumeCapabilitiesResponse *resp;
	struct volume *v;
	int r;

	if (!req->volume_id[0])
		return csi_call_fail(c, -EINVAL, "volume_id is required");
	if (req->n_volume_capabilities == 0)
		return csi_call_fail(c, -EINVAL, "volume_capabilities is required");
	r = find_volume(c, req->volume_id, &v);
	if (r < 0)
		return r;
	volume_free(v);
	resp = arena_new(&c->arena, Csi__V1__ValidateVolumeCapabilitiesResponse);
	csi__v1__validate_volume_capabilities_response__init(resp);
	if (check_capabilities(c, req->volume_capabilities, req->n_volume_capabilities) < 0) {
		/* Unsupported is an answer here, not an error: leave confirmed unset. */
		resp->message = c->error_message;
		c->error_message = NULL;
	} else {
		resp->confirmed = arena_new(&c->arena,
					    Csi__V1__ValidateVolumeCapabilitiesResponse__Confirmed);
		csi__v1__validate_volume_capabilities_response__confirmed__init(resp->confirmed);
		resp->confirmed->n_volume_capabilities = req->n_volume_capabilities;
		resp->confirmed->volume_capabilities = req->volume_capabilities;
	}
	*ret = &resp->base;
	return 0;
}

/* Whether the consumer's last word is that the volume takes no writes, and why. */
static const char *unavailable_because(const struct volume *v)
{
	const struct volume_status *st = &v->status;

	if (st->phase != VOLUME_PHASE_BROKEN && st->phase != VOLUME_PHASE_FILESYSTEM_SHUT_DOWN &&
	    st->phase != VOLUME_PHASE_UNAVAILABLE)
		return NULL;
	for (size_t i = 0; i < st->n_conditions; i++)
		if (strcmp(st->conditions[i].type, VOLUME_CONDITION_AVAILABLE) == 0 &&
		    st->conditions[i].status == CONDITION_FALSE && st->conditions[i].message)
			return st->conditions[i].message;
	return "";
}

/*
 * Abnormal when the volume takes no writes (Broken, FilesystemShutDown,
 * Unavailable), a member is missing or failed, or the array runs degraded.
 */
static Csi__V1__VolumeCondition *condition_of(struct csi_call *c, const struct volume *v)
{
	Csi__V1__VolumeCondition *cond = arena_new(&c->arena, Csi__V1__VolumeCondition);
	const struct volume_status *st = &v->status;
	const char *down = unavailable_because(v);

	csi__v1__volume_condition__init(cond);
	cond->abnormal = down || st->degraded || st->missing_members > 0 || st->failed_members > 0;
	if (down)
		cond->message = arena_printf(&c->arena, "%s%s%s", volume_phase_to_string(st->phase),
					     *down ? ": " : "", down);
	else if (cond->abnormal)
		cond->message = arena_printf(
			&c->arena, "%s: %d of %d members active, %d failed, %d missing",
			volume_phase_to_string(st->phase), st->active_members, st->total_members,
			st->failed_members, st->missing_members);
	else
		cond->message = arena_printf(&c->arena, "%s", volume_phase_to_string(st->phase));
	return cond;
}

static char **published_nodes(struct csi_call *c, const struct volume *v, size_t *ret_n)
{
	char **ids;

	*ret_n = v->spec.node_name ? 1 : 0;
	if (!v->spec.node_name)
		return NULL;
	ids = arena_new_array(&c->arena, char *, 1);
	ids[0] = arena_strdup(&c->arena, v->spec.node_name);
	return ids;
}

static int get_volume(struct csi_call *c, const ProtobufCMessage *msg, ProtobufCMessage **ret)
{
	const Csi__V1__ControllerGetVolumeRequest *req = (const void *)msg;
	Csi__V1__ControllerGetVolumeResponse *resp;
	Csi__V1__ControllerGetVolumeResponse__VolumeStatus *st;
	struct volume *v;
	int r;

	r = find_volume(c, req->volume_id, &v);
	if (r < 0)
		return r;
	resp = arena_new(&c->arena, Csi__V1__ControllerGetVolumeResponse);
	csi__v1__controller_get_volume_response__init(resp);
	st = arena_new(&c->arena, Csi__V1__ControllerGetVolumeResponse__VolumeStatus);
	csi__v1__controller_get_volume_response__volume_status__init(st);
	st->published_node_ids = published_nodes(c, v, &st->n_published_node_ids);
	st->volume_condition = condition_of(c, v);
	resp->volume = volume_message(c, v);
	resp->status = st;
	volume_free(v);
	*ret = &resp->base;
	return 0;
}

static Csi__V1__ListVolumesResponse__Entry *list_entry(struct csi_call *c, const struct volume *v)
{
	Csi__V1__ListVolumesResponse__Entry *e =
		arena_new(&c->arena, Csi__V1__ListVolumesResponse__Entry);
	Csi__V1__ListVolumesResponse__VolumeStatus *st;

	st = arena_new(&c->arena, Csi__V1__ListVolumesResponse__VolumeStatus);
	csi__v1__list_volumes_response__volume_status__init(st);
	st->published_node_ids = published_nodes(c, v, &st->n_published_node_ids);
	st->volume_condition = condition_of(c, v);
	csi__v1__list_volumes_response__entry__init(e);
	e->volume = volume_message(c, v);
	e->status = st;
	return e;
}

/*
 * The token is the id of the first volume of the next page; ids sort, so a
 * page starts at the first id not below it, even if that very volume is gone.
 */
static int list_volumes(struct csi_call *c, const ProtobufCMessage *msg, ProtobufCMessage **ret)
{
	const Csi__V1__ListVolumesRequest *req = (const void *)msg;
	Csi__V1__ListVolumesResponse *resp;
	struct controller *ctl;
	struct volume **all;
	size_t n, first = 0, count;
	int r;

	if (req->max_entries < 0)
		return csi_call_fail(c, -EINVAL, "max_entries must not be negative");
	if (req->starting_token[0] && !volume_id_is_ours(req->starting_token))
		return csi_call_fail(c, -EBUSY, "starting_token \"%s\" is not one this plugin gave",
				     req->starting_token);
	ctl = controller_of(c, &r);
	if (r < 0)
		return r;
	controller_list_volumes(ctl, &all, &n);
	while (req->starting_token[0] && first < n &&
	       strcmp(all[first]->meta.name, req->starting_token) < 0)
		first++;
	count = n - first;
	if (req->max_entries > 0 && count > (size_t)req->max_entries)
		count = (size_t)req->max_entries;

	resp = arena_new(&c->arena, Csi__V1__ListVolumesResponse);
	csi__v1__list_volumes_response__init(resp);
	resp->entries = arena_new_array(&c->arena, Csi__V1__ListVolumesResponse__Entry *, count);
	resp->n_entries = count;
	for (size_t i = 0; i < count; i++)
		resp->entries[i] = list_entry(c, all[first + i]);
	if (first + count < n)
		resp->next_token = arena_strdup(&c->arena, all[first + count]->meta.name);
	volumes_free(all, n);
	*ret = &resp->base;
	return 0;
}

static int get_capacity(struct csi_call *c, const ProtobufCMessage *msg, ProtobufCMessage **ret)
{
	const Csi__V1__GetCapacityRequest *req = (const void *)msg;
	Csi__V1__GetCapacityResponse *resp;
	Google__Protobuf__Int64Value *max, *min;
	struct volume_params params;
	struct controller *ctl;
	int r;

	if (req->n_volume_capabilities > 0) {
		r = check_capabilities(c, req->volume_capabilities, req->n_volume_capabilities);
		if (r < 0)
			return r;
	}
	r = parse_params(c, (void *const *)req->parameters, req->n_parameters, &params);
	if (r < 0)
		return r;
	ctl = controller_of(c, &r);
	if (r < 0)
		return r;
	resp = arena_new(&c->arena, Csi__V1__GetCapacityResponse);
	csi__v1__get_capacity_response__init(resp);
	resp->available_capacity =
		controller_capacity(ctl, &params, csi_topology_node(req->accessible_topology));
	max = arena_new(&c->arena, Google__Protobuf__Int64Value);
	google__protobuf__int64_value__init(max);
	max->value = resp->available_capacity;
	min = arena_new(&c->arena, Google__Protobuf__Int64Value);
	google__protobuf__int64_value__init(min);
	min->value = VOLUME_CAPACITY_MIN;
	resp->maximum_volume_size = max;
	resp->minimum_volume_size = min;
	*ret = &resp->base;
	return 0;
}

static int publish_volume(struct csi_call *c, const ProtobufCMessage *msg, ProtobufCMessage **ret)
{
	const Csi__V1__ControllerPublishVolumeRequest *req = (const void *)msg;
	Csi__V1__ControllerPublishVolumeResponse *resp;
	Csi__V1__ControllerPublishVolumeResponse__PublishContextEntry *epoch;
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	struct controller *ctl;
	int64_t e;
	int r;

	if (!req->volume_id[0])
		return csi_call_fail(c, -EINVAL, "volume_id is required");
	if (!req->node_id[0])
		return csi_call_fail(c, -EINVAL, "node_id is required");
	if (!req->volume_capability)
		return csi_call_fail(c, -EINVAL, "volume_capability is required");
	r = csi_check_volume_capability(c, req->volume_capability);
	if (r < 0)
		return r;
	ctl = controller_of(c, &r);
	if (r < 0)
		return r;
	r = controller_publish(ctl, req->volume_id, req->node_id, c->deadline_usec, &e, &err);
	if (r < 0)
		return csi_call_forward(c, r, &err);
	resp = arena_new(&c->arena, Csi__V1__ControllerPublishVolumeResponse);
	csi__v1__controller_publish_volume_response__init(resp);
	/* The stage call checks it against the claim it finds in the API. */
	epoch = arena_new(&c->arena, Csi__V1__ControllerPublishVolumeResponse__PublishContextEntry);
	csi__v1__controller_publish_volume_response__publish_context_entry__init(epoch);
	epoch->key = "epoch";
	epoch->value = arena_printf(&c->arena, "%lld", (long long)e);
	resp->n_publish_context = 1;
	resp->publish_context = arena_new_array(
		&c->arena, Csi__V1__ControllerPublishVolumeResponse__PublishContextEntry *, 1);
	resp->publish_context[0] = epoch;
	*ret = &resp->base;
	return 0;
}

static int unpublish_volume(struct csi_call *c, const ProtobufCMessage *msg, ProtobufCMessage **ret)
{
	const Csi__V1__ControllerUnpublishVolumeRequest *req = (const void *)msg;
	Csi__V1__ControllerUnpublishVolumeResponse *resp;
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	struct controller *ctl;
	int r;

	if (!req->volume_id[0])
		return csi_call_fail(c, -EINVAL, "volume_id is required");
	ctl = controller_of(c, &r);
	if (r < 0)
		return r;
	/* An empty node_id means every node (CSI spec). */
	r = controller_unpublish(ctl, req->volume_id, req->node_id[0] ? req->node_id : NULL,
				 c->deadline_usec, &err);
	if (r < 0)
		return csi_call_forward(c, r, &err);
	resp = arena_new(&c->arena, Csi__V1__ControllerUnpublishVolumeResponse);
	csi__v1__controller_unpublish_volume_response__init(resp);
	*ret = &resp->base;
	return 0;
}

/*
 * Whether volume id has striped copies, which controller/expand.c cannot grow
 * yet: what makes its -EINVAL the request's fault, not a write of ours refused.
 */
static bool striped(struct controller *ctl, const char *id)
{
	struct volume *v;
	bool striped;

	if (controller_get_volume(ctl, id, &v) < 0)
		return false;
	striped = v->spec.drives_per_copy > 1;
	volume_free(v);
	return striped;
}

/* Grows the volume in spec; the node grows array and filesystem (online). */
static int expand_volume(struct csi_call *c, const ProtobufCMessage *msg, ProtobufCMessage **ret)
{
	const Csi__V1__ControllerExpandVolumeRequest *req = (const void *)msg;
	Csi__V1__ControllerExpandVolumeResponse *resp;
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	struct controller *ctl;
	int64_t capacity, now;
	int r;

	if (!req->volume_id[0])
		return csi_call_fail(c, -EINVAL, "volume_id is required");
	if (!req->capacity_range)
		return csi_call_fail(c, -EINVAL, "capacity_range is required");
	if (req->volume_capability &&
	    (r = csi_check_volume_capability(c, req->volume_capability)) < 0)
		return r;
	r = volume_capacity_from_range(req->capacity_range->required_bytes,
				       req->capacity_range->limit_bytes, &capacity, &err);
	if (r < 0)
		return csi_call_fail(c, -ERANGE, "%s", err.buf);
	ctl = controller_of(c, &r);
	if (r < 0)
		return r;
	r = controller_expand_volume(ctl, req->volume_id, capacity, &now, &err);
	if (r == -EINVAL && striped(ctl, req->volume_id))
		return csi_call_fail(c, -EINVAL, "%s", err.buf);
	if (r < 0)
		return csi_call_forward(c, r, &err);
	resp = arena_new(&c->arena, Csi__V1__ControllerExpandVolumeResponse);
	csi__v1__controller_expand_volume_response__init(resp);
	resp->capacity_bytes = now;
	resp->node_expansion_required = true;
	*ret = &resp->base;
	return 0;
}

/* Exactly what works: each RPC advertised here is implemented above. */
static const Csi__V1__ControllerServiceCapability__RPC__Type rpcs[] = {
	CSI__V1__CONTROLLER_SERVICE_CAPABILITY__RPC__TYPE__CREATE_DELETE_VOLUME,
	CSI__V1__CONTROLLER_SERVICE_CAPABILITY__RPC__TYPE__PUBLISH_UNPUBLISH_VOLUME,
	CSI__V1__CONTROLLER_SERVICE_CAPABILITY__RPC__TYPE__LIST_VOLUMES,
	CSI__V1__CONTROLLER_SERVICE_CAPABILITY__RPC__TYPE__LIST_VOLUMES_PUBLISHED_NODES,
	CSI__V1__CONTROLLER_SERVICE_CAPABILITY__RPC__TYPE__GET_CAPACITY,
	CSI__V1__CONTROLLER_SERVICE_CAPABILITY__RPC__TYPE__GET_VOLUME,
	CSI__V1__CONTROLLER_SERVICE_CAPABILITY__RPC__TYPE__VOLUME_CONDITION,
	CSI__V1__CONTROLLER_SERVICE_CAPABILITY__RPC__TYPE__EXPAND_VOLUME,
};

static int get_capabilities(struct csi_call *c, const ProtobufCMessage *msg, ProtobufCMessage **ret)
{
	Csi__V1__ControllerGetCapabilitiesResponse *resp;

	resp = arena_new(&c->arena, Csi__V1__ControllerGetCapabilitiesResponse);
	csi__v1__controller_get_capabilities_response__init(resp);
	resp->n_capabilities = ARRAY_SIZE(rpcs);
	resp->capabilities = arena_new_array(&c->arena, Csi__V1__ControllerServiceCapability *,
					     ARRAY_SIZE(rpcs));
	for (size_t i = 0; i < ARRAY_SIZE(rpcs); i++) {
		Csi__V1__ControllerServiceCapability *cap =
			arena_new(&c->arena, Csi__V1__ControllerServiceCapability);
		Csi__V1__ControllerServiceCapability__RPC *rpc =
			arena_new(&c->arena, Csi__V1__ControllerServiceCapability__RPC);

		csi__v1__controller_service_capability__rpc__init(rpc);
		rpc->type = rpcs[i];
		csi__v1__controller_service_capability__init(cap);
		cap->type_case = CSI__V1__CONTROLLER_SERVICE_CAPABILITY__TYPE_RPC;
		cap->rpc = rpc;
		resp->capabilities[i] = cap;
	}
	*ret = &resp->base;
	return 0;
}

const struct csi_method csi_controller_create_volume = {
	.path = "/csi.v1.Controller/CreateVolume",
	.request = &csi__v1__create_volume_request__descriptor,
	.key = "name",
	.handler = create_volume,
	/* Same name, other parameters; no room for it. */
	.passes = CSI_PASSES(-EEXIST, -ENOSPC),
};

const struct csi_method csi_controller_delete_volume = {
	.path = "/csi.v1.Controller/DeleteVolume",
	.request = &csi__v1__delete_volume_request__descriptor,
	.key = "volume_id",
	.handler = delete_volume,
	.passes = CSI_PASSES(-EPERM), /* still published */
};

const struct csi_method csi_controller_publish_volume = {
	.path = "/csi.v1.Controller/ControllerPublishVolume",
	.request = &csi__v1__controller_publish_volume_request__descriptor,
	.key = "volume_id",
	.handler = publish_volume,
	/* No such volume or node; held by another node; the fence did not hold in time. */
	.passes = CSI_PASSES(-ENOENT, -EPERM, -ETIMEDOUT),
};

const struct csi_method csi_controller_unpublish_volume = {
	.path = "/csi.v1.Controller/ControllerUnpublishVolume",
	.request = &csi__v1__controller_unpublish_volume_request__descriptor,
	.key = "volume_id",
	.handler = unpublish_volume,
	/* The fence did not hold in time. Unknown volumes succeed: never NOT_FOUND. */
	.passes = CSI_PASSES(-ETIMEDOUT),
};

const struct csi_method csi_controller_validate_volume_capabilities = {
	.path = "/csi.v1.Controller/ValidateVolumeCapabilities",
	.request = &csi__v1__validate_volume_capabilities_request__descriptor,
	.handler = validate_volume_capabilities,
};

const struct csi_method csi_controller_list_volumes = {
	.path = "/csi.v1.Controller/ListVolumes",
	.request = &csi__v1__list_volumes_request__descriptor,
	.handler = list_volumes,
};

const struct csi_method csi_controller_get_capacity = {
	.path = "/csi.v1.Controller/GetCapacity",
	.request = &csi__v1__get_capacity_request__descriptor,
	.handler = get_capacity,
};

const struct csi_method csi_controller_get_capabilities = {
	.path = "/csi.v1.Controller/ControllerGetCapabilities",
	.request = &csi__v1__controller_get_capabilities_request__descriptor,
	.lane = CSI_LANE_INLINE,
	.handler = get_capabilities,
};

const struct csi_method csi_controller_get_volume = {
	.path = "/csi.v1.Controller/ControllerGetVolume",
	.request = &csi__v1__controller_get_volume_request__descriptor,
	.handler = get_volume,
};

const struct csi_method csi_controller_expand_volume = {
	.path = "/csi.v1.Controller/ControllerExpandVolume",
	.request = &csi__v1__controller_expand_volume_request__descriptor,
	.key = "volume_id",
	.handler = expand_volume,
	.passes = CSI_PASSES(-ENOENT), /* no such volume, or being deleted */
};
