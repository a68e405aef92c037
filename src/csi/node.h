/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include "csi/dispatch.h"

/*
 * The Node service; it grows with the node agent. Handlers find the node
 * role's state (struct csi_node) in the service's userdata.
 */
struct agent;

struct csi_node {
	const char *node_id; /* this node's Kubernetes name */
	const char *sysroot; /* prefix for /proc, for tests */
	struct agent *agent; /* NULL without a Kubernetes API: volume calls are UNAVAILABLE */
};

extern const struct csi_method csi_node_get_capabilities;
extern const struct csi_method csi_node_get_info;
extern const struct csi_method csi_node_stage_volume;
extern const struct csi_method csi_node_unstage_volume;
extern const struct csi_method csi_node_publish_volume;
extern const struct csi_method csi_node_unpublish_volume;
extern const struct csi_method csi_node_get_volume_stats;
extern const struct csi_method csi_node_expand_volume;
