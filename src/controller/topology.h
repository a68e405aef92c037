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
 * What topology_build() works from. Every pointer is borrowed, and so are the
 * strings the objects hold: they must outlive the topology built from them.
 */
struct topology_input {
	struct mesh_node *const *nodes; /* one placement node each, in this order */
	size_t n_nodes;
	struct node_device *const *devices; /* each joins the node named by spec.nodeName */
	size_t n_devices;
	const struct volume *const *volumes; /* their uncreated members are reservations */
	size_t n_volumes;
	const struct node_labels *labels; /* may be NULL when n_labels is 0 */
	size_t n_labels;
	int64_t now; /* Unix seconds; with heartbeat_timeout_s, decides which nodes are fresh */
	unsigned heartbeat_timeout_s;
};

/*
 * Pure: builds t from in, borrowing from it. labels give each node's zone and
 * rack; a node sharing its NVMe host identity gets same_identity
 * (topology_identity_twins()).
 */
void topology_build(const struct topology_input *in, struct topology *t);
void topology_done(struct topology *t);

/*
 * Pure: for each nodes[i], ret_twins[i] is the name of another node that
 * publishes the same status.hostNQN or status.hostID (the first such name in
 * name order, host NQN first), or NULL when none does; names are borrowed
 * from nodes. Such a pair cannot be told apart by an NVMe-oF target: an export
 * allowed to one admits the other, so their agents refuse to export, and
 * neither is fit to host a member or consume a volume. Freshness does not
 * matter: a node whose agent is silent may still be running its kernel.
 * Cost: n log n.
 */
void topology_identity_twins(struct mesh_node *const *nodes, size_t n_nodes,
			     const char **ret_twins);

/* Bytes of member still to be created on drive (reserved), from volumes. */
int64_t topology_reserved(const struct volume *const *volumes, size_t n_volumes, const char *drive);
