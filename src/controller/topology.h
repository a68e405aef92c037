/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "controller/placement.h"
#include "model/device.h"
#include "model/node.h"
#include "model/volume.h"

/*
 * The placement engine's input, built from decoded MeshStorNodes,
 * MeshStorNodeDevices and MeshStorVolumes. A member that its node has not yet
 * reported created is not in the drive's free extent yet: it is reserved, and
 * subtracted from that drive's largest free extent.
 */
struct topology {
	struct placement_node *nodes;
	size_t n_nodes;
	struct placement_drive *drives; /* nodes[i].drives point in here */
	struct placement_peer *peers;	/* nodes[i].peers point in here */
};

/* The failure-domain labels of Kubernetes Nodes that placement spreads copies over. */
#define TOPOLOGY_ZONE_LABEL "topology.kubernetes.io/zone"
#define TOPOLOGY_RACK_LABEL "topology.meshstor.io/rack"

/* One Node's labels, by node name; zone and rack NULL when absent. */
struct node_labels {
	const char *node;
	const char *zone;
	const char *rack;
};

/*
 * Pure: builds t from the objects given, borrowing their strings (they must
 * outlive t). now and heartbeat_timeout_s decide which nodes are fresh;
 * labels (may be empty) give each node's zone and rack.
 */
void topology_build(struct mesh_node *const *nodes, size_t n_nodes,
		    struct node_device *const *devices, size_t n_devices,
		    struct volume *const *volumes, size_t n_volumes,
		    const struct node_labels *labels, size_t n_labels, int64_t now,
		    unsigned heartbeat_timeout_s, struct topology *t);
void topology_done(struct topology *t);

/* Bytes of member still to be created on drive (reserved), from volumes. */
int64_t topology_reserved(struct volume *const *volumes, size_t n_volumes, const char *drive);
