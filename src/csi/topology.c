// SPDX-License-Identifier: GPL-2.0-only
#include <stddef.h>
#include <string.h>

#include "csi/topology.h"
#include "util/banned.h"

const char *csi_topology_node(const Csi__V1__Topology *t)
{
	for (size_t i = 0; t && i < t->n_segments; i++)
		if (strcmp(t->segments[i]->key, CSI_TOPOLOGY_NODE_KEY) == 0)
			return t->segments[i]->value;
	return NULL;
}

const char *csi_topology_consumer(const Csi__V1__TopologyRequirement *req)
{
	if (!req)
		return NULL;
	if (req->n_preferred > 0)
		return csi_topology_node(req->preferred[0]);
	/* --strict-topology without a preference: the one node allowed is the one chosen. */
	if (req->n_requisite == 1)
		return csi_topology_node(req->requisite[0]);
	return NULL;
}

/* A topology of n segments, keys and values given in pairs. */
static Csi__V1__Topology *topology_new(struct arena *a, size_t n, const char *const *kv)
{
	Csi__V1__Topology *t = arena_new(a, Csi__V1__Topology);

	csi__v1__topology__init(t);
	t->n_segments = n;
	t->segments = arena_new_array(a, Csi__V1__Topology__SegmentsEntry *, n);
	for (size_t i = 0; i < n; i++) {
		Csi__V1__Topology__SegmentsEntry *seg =
			arena_new(a, Csi__V1__Topology__SegmentsEntry);

		csi__v1__topology__segments_entry__init(seg);
		seg->key = arena_strdup(a, kv[2 * i]);
		seg->value = arena_strdup(a, kv[2 * i + 1]);
		t->segments[i] = seg;
	}
	return t;
}

Csi__V1__Topology *csi_topology_of_node(struct arena *a, const char *node)
{
	const char *kv[] = { CSI_TOPOLOGY_NODE_KEY, node, CSI_TOPOLOGY_AGENT_KEY,
			     CSI_TOPOLOGY_AGENT_VALUE };

	return topology_new(a, 2, kv);
}

Csi__V1__Topology *csi_topology_of_volume(struct arena *a)
{
	const char *kv[] = { CSI_TOPOLOGY_AGENT_KEY, CSI_TOPOLOGY_AGENT_VALUE };

	return topology_new(a, 1, kv);
}
