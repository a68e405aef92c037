/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include "csi/dispatch.h"
#include "csi/gen/csi.pb-c.h"

/*
 * The Controller service. Handlers find the controller (struct controller) in
 * the service's userdata, which may be NULL while the Kubernetes API is not
 * configured: they then answer UNAVAILABLE.
 */
extern const struct csi_method csi_controller_create_volume;
extern const struct csi_method csi_controller_delete_volume;
extern const struct csi_method csi_controller_publish_volume;
extern const struct csi_method csi_controller_unpublish_volume;
extern const struct csi_method csi_controller_validate_volume_capabilities;
extern const struct csi_method csi_controller_list_volumes;
extern const struct csi_method csi_controller_get_capacity;
extern const struct csi_method csi_controller_get_capabilities;
extern const struct csi_method csi_controller_get_volume;
extern const struct csi_method csi_controller_expand_volume;

/*
 * What MeshStor serves: a mounted XFS filesystem, one node writing. 0, or
 * INVALID_ARGUMENT saying what is not supported. Shared with the Node service.
 */
int csi_check_volume_capability(struct csi_call *c, const Csi__V1__VolumeCapability *cap);
