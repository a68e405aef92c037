/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stddef.h>

#include "controller/controller.h"
#include "controller/topology.h"
#include "model/device.h"
#include "model/node.h"

/*
 * A decoded copy of the three caches, taken at one moment: what placement and
 * listing work from. Objects that fail to decode are left out (the informers
 * logged them already).
 */
struct cache_copy {
	struct volume **volumes;
	size_t n_volumes;
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
