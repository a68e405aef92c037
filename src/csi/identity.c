// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>

#include "csi/identity.h"
#include "util/version.h"
#include "util/banned.h"

static int get_plugin_info(struct csi_call *c, const ProtobufCMessage *req,
			   ProtobufCMessage **ret_resp)
{
	Csi__V1__GetPluginInfoResponse *resp = arena_new(&c->arena, Csi__V1__GetPluginInfoResponse);
	Csi__V1__GetPluginInfoResponse__ManifestEntry *role;

	csi__v1__get_plugin_info_response__init(resp);
	resp->name = CSI_DRIVER_NAME;
	resp->vendor_version = MESHSTOR_VERSION;

	role = arena_new(&c->arena, Csi__V1__GetPluginInfoResponse__ManifestEntry);
	csi__v1__get_plugin_info_response__manifest_entry__init(role);
	role->key = "role";
	role->value = (char *)c->service->identity->role;
	resp->n_manifest = 1;
	resp->manifest = arena_new(&c->arena, Csi__V1__GetPluginInfoResponse__ManifestEntry *);
	resp->manifest[0] = role;

	*ret_resp = &resp->base;
	return 0;
}

static Csi__V1__PluginCapability *service_capability(struct csi_call *c,
						     Csi__V1__PluginCapability__Service__Type type)
{
	Csi__V1__PluginCapability *cap = arena_new(&c->arena, Csi__V1__PluginCapability);
	Csi__V1__PluginCapability__Service *svc =
		arena_new(&c->arena, Csi__V1__PluginCapability__Service);

	csi__v1__plugin_capability__service__init(svc);
	svc->type = type;
	csi__v1__plugin_capability__init(cap);
	cap->type_case = CSI__V1__PLUGIN_CAPABILITY__TYPE_SERVICE;
	cap->service = svc;
	return cap;
}

/*
 * The plugin's capabilities, the same from both roles: they describe the
 * plugin (the CSI spec), and tools that ask the node's endpoint (csi-sanity)
 * must learn that a controller attaches volumes. Volumes have a topology
 * (csi/topology.h): without it the external-provisioner never passes the
 * scheduler's node, and copy 0 would not land on the consumer. Volumes grow
 * online.
 */
static int get_plugin_capabilities(struct csi_call *c, const ProtobufCMessage *req,
				   ProtobufCMessage **ret_resp)
{
	Csi__V1__GetPluginCapabilitiesResponse *resp;
	Csi__V1__PluginCapability *exp_cap = arena_new(&c->arena, Csi__V1__PluginCapability);
	Csi__V1__PluginCapability__VolumeExpansion *exp =
		arena_new(&c->arena, Csi__V1__PluginCapability__VolumeExpansion);

	csi__v1__plugin_capability__volume_expansion__init(exp);
	exp->type = CSI__V1__PLUGIN_CAPABILITY__VOLUME_EXPANSION__TYPE__ONLINE;
	csi__v1__plugin_capability__init(exp_cap);
	exp_cap->type_case = CSI__V1__PLUGIN_CAPABILITY__TYPE_VOLUME_EXPANSION;
	exp_cap->volume_expansion = exp;
	resp = arena_new(&c->arena, Csi__V1__GetPluginCapabilitiesResponse);
	csi__v1__get_plugin_capabilities_response__init(resp);
	resp->n_capabilities = 3;
	resp->capabilities = arena_new_array(&c->arena, Csi__V1__PluginCapability *, 3);
	resp->capabilities[0] = service_capability(
		c, CSI__V1__PLUGIN_CAPABILITY__SERVICE__TYPE__CONTROLLER_SERVICE);
	resp->capabilities[1] = service_capability(
		c, CSI__V1__PLUGIN_CAPABILITY__SERVICE__TYPE__VOLUME_ACCESSIBILITY_CONSTRAINTS);
	resp->capabilities[2] = exp_cap;
	*ret_resp = &resp->base;
	return 0;
}

static int probe(struct csi_call *c, const ProtobufCMessage *req, ProtobufCMessage **ret_resp)
{
	const struct csi_identity *id = c->service->identity;
	Csi__V1__ProbeResponse *resp = arena_new(&c->arena, Csi__V1__ProbeResponse);
	Google__Protobuf__BoolValue *ready = arena_new(&c->arena, Google__Protobuf__BoolValue);
	int r;

	r = id->probe(c->service->userdata);
	if (r < 0)
		return csi_call_fail(c, r, "readiness check failed: %s", strerror(-r));

	google__protobuf__bool_value__init(ready);
	ready->value = r > 0;
	csi__v1__probe_response__init(resp);
	resp->ready = ready;
	*ret_resp = &resp->base;
	return 0;
}

const struct csi_method csi_identity_get_plugin_info = {
	.path = "/csi.v1.Identity/GetPluginInfo",
	.request = &csi__v1__get_plugin_info_request__descriptor,
	.lane = CSI_LANE_INLINE,
	.handler = get_plugin_info,
};

const struct csi_method csi_identity_get_plugin_capabilities = {
	.path = "/csi.v1.Identity/GetPluginCapabilities",
	.request = &csi__v1__get_plugin_capabilities_request__descriptor,
	.lane = CSI_LANE_INLINE,
	.handler = get_plugin_capabilities,
};

const struct csi_method csi_identity_probe = {
	.path = "/csi.v1.Identity/Probe",
	.request = &csi__v1__probe_request__descriptor,
	.lane = CSI_LANE_INLINE,
	.handler = probe,
};
