/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stddef.h>

#include "controller/controller.h"
#include "controller/topology.h"
#include "model/device.h"
#include "model/node.h"

/*
 * The three caches in typed form, taken at one moment: what placement works
 * from. Objects that fail to decode are left out (the informers logged them
 * already). The volumes are the informer's own, decoded once per version and
 * lent read-only until cache_copy_done(); devices and nodes are copies.
 */
struct cache_copy {
	const struct volume **volumes; /* sorted by name, as the informer lends them */
	size_t n_volumes;
	struct kube_typed **lent; /* what keeps volumes alive */
	struct node_device **devices;
	size_t n_devices;
	struct mesh_node **nodes;
	size_t n_nodes;
	struct node_labels *labels; /* of the Kubernetes Nodes; strings owned here */
	size_t n_labels;
};

void cache_copy_take(struct controller *c, struct cache_copy *s);
/* cache_copy_take(), then the placement input as of now; t borrows from s. */
void cache_copy_topology(struct controller *c, struct cache_copy *s, struct topology *t);
void cache_copy_done(struct cache_copy *s);
/* Every cached volume not being deleted, decoded for the caller, sorted by name. */
size_t cache_copy_live_volumes(struct controller *c, struct volume ***ret);
