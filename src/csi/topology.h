/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include "csi/gen/csi.pb-c.h"
#include "util/arena.h"

/*
 * Topology, as CSI and Kubernetes see it (docs/ARCHITECTURE.md, "Topology").
 * Every node reports two segments in NodeGetInfo, which the kubelet turns
 * into labels of its Node: its name, so that the external-provisioner can
 * pass the node the scheduler chose (WaitForFirstConsumer) for copy 0, and
 * CSI_TOPOLOGY_AGENT_KEY, which every node running the agent shares. A volume
 * is accessible from every such node (NVMe-oF reaches every member from any
 * of them), so its accessible_topology is that one shared segment, which
 * becomes the PV's node affinity: any node with the agent, none without.
 */
#define CSI_TOPOLOGY_NODE_KEY "topology.meshstor.io/node"
#define CSI_TOPOLOGY_AGENT_KEY "topology.meshstor.io/agent"
#define CSI_TOPOLOGY_AGENT_VALUE "true"

/* The node a topology names (its CSI_TOPOLOGY_NODE_KEY segment), or NULL. */
const char *csi_topology_node(const Csi__V1__Topology *t);

/*
 * The node that should hold copy 0: the node of the first preferred
 * topology (the external-provisioner puts the scheduler's choice first), or
 * of the only requisite one when none is preferred; NULL when neither names
 * a node.
 */
const char *csi_topology_consumer(const Csi__V1__TopologyRequirement *req);

/* A node's topology (NodeGetInfo), allocated in a. */
Csi__V1__Topology *csi_topology_of_node(struct arena *a, const char *node);

/* Where a volume is accessible from (CreateVolume and friends), allocated in a. */
Csi__V1__Topology *csi_topology_of_volume(struct arena *a);
