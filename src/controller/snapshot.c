// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "controller/snapshot.h"
#include "kube/codec.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Decodes every cached object with from_json; returns how many decoded. */
#define DECODE_ALL(inf, type, from_json, out)                                                   \
	({                                                                                      \
		json_t *_list = kube_informer_list(inf), *_obj;                                 \
		size_t _i, _n = 0;                                                              \
		(out) = xcalloc(json_array_size(_list), sizeof(type *));                        \
		json_array_foreach(_list, _i, _obj) if (from_json(_obj, &(out)[_n], NULL) == 0) \
			_n++;                                                                   \
		json_decref(_list);                                                             \
		_n;                                                                             \
	})

static int by_volume_name(const void *a, const void *b)
{
	return strcmp((*(struct volume *const *)a)->meta.name,
		      (*(struct volume *const *)b)->meta.name);
}

void snapshot_take(struct controller *c, struct snapshot *s)
{
	s->n_volumes = DECODE_ALL(c->volumes, struct volume, volume_from_json, s->volumes);
	s->n_devices =
		DECODE_ALL(c->devices, struct node_device, node_device_from_json, s->devices);
	s->n_nodes = DECODE_ALL(c->nodes, struct mesh_node, mesh_node_from_json, s->nodes);
	qsort(s->volumes, s->n_volumes, sizeof(*s->volumes), by_volume_name);
}

void snapshot_topology(struct controller *c, struct snapshot *s, struct topology *t)
{
	snapshot_take(c, s);
	topology_build(s->nodes, s->n_nodes, s->devices, s->n_devices, s->volumes, s->n_volumes,
		       time(NULL), c->heartbeat_timeout_s, t);
}

void snapshot_done(struct snapshot *s)
{
	for (size_t i = 0; i < s->n_volumes; i++)
		volume_free(s->volumes[i]);
	for (size_t i = 0; i < s->n_devices; i++)
		node_device_free(s->devices[i]);
	for (size_t i = 0; i < s->n_nodes; i++)
		mesh_node_free(s->nodes[i]);
	free(s->volumes);
	free(s->devices);
	free(s->nodes);
	*s = (struct snapshot){ 0 };
}
