// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "controller/cache-copy.h"
#include "kube/codec.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Decodes every cached object with from_json; returns how many decoded. */
#define DECODE_ALL(inf, type, from_json, out)                            \
	({                                                               \
		json_t *_list = kube_informer_list(inf), *_obj;          \
		size_t _i, _n = 0;                                       \
		(out) = xcalloc(json_array_size(_list), sizeof(type *)); \
		json_array_foreach (_list, _i, _obj)                     \
			if (from_json(_obj, &(out)[_n], NULL) == 0)      \
				_n++;                                    \
		json_decref(_list);                                      \
		_n;                                                      \
	})

static int by_volume_name(const void *a, const void *b)
{
	return strcmp((*(const struct volume *const *)a)->meta.name,
		      (*(const struct volume *const *)b)->meta.name);
}

static char *label_of(const json_t *node, const char *key)
{
	const char *v = kube_obj_label(node, key);

	return v ? xstrdup(v) : NULL;
}

/* Zone and rack of every Kubernetes Node that has either. */
static void take_labels(struct controller *c, struct cache_copy *s)
{
	json_t *list = kube_informer_list(c->k8s_nodes), *obj;
	size_t i;

	s->labels = xcalloc(json_array_size(list) + 1, sizeof(*s->labels));
	s->n_labels = 0;
	json_array_foreach (list, i, obj) {
		const char *name = kube_obj_name(obj);
		char *zone = label_of(obj, TOPOLOGY_ZONE_LABEL),
		     *rack = label_of(obj, TOPOLOGY_RACK_LABEL);

		if (!name || (!zone && !rack)) {
			free(zone);
			free(rack);
			continue;
		}
		s->labels[s->n_labels++] = (struct node_labels){ xstrdup(name), zone, rack };
	}
	json_decref(list);
}

void cache_copy_take(struct controller *c, struct cache_copy *s)
{
	s->lent = kube_informer_list_typed(c->volumes, &s->n_volumes);
	s->volumes = xcalloc(s->n_volumes + 1, sizeof(*s->volumes));
	for (size_t i = 0; i < s->n_volumes; i++)
		s->volumes[i] = kube_typed_get(s->lent[i]);
	s->n_devices =
		DECODE_ALL(c->devices, struct node_device, node_device_from_json, s->devices);
	s->n_nodes = DECODE_ALL(c->nodes, struct mesh_node, mesh_node_from_json, s->nodes);
	take_labels(c, s);
}

void cache_copy_topology(struct controller *c, struct cache_copy *s, struct topology *t)
{
	struct topology_input in;

	cache_copy_take(c, s);
	in = (struct topology_input){
		.nodes = s->nodes,
		.n_nodes = s->n_nodes,
		.devices = s->devices,
		.n_devices = s->n_devices,
		.volumes = s->volumes,
		.n_volumes = s->n_volumes,
		.labels = s->labels,
		.n_labels = s->n_labels,
		.now = time(NULL),
		.heartbeat_timeout_s = c->heartbeat_timeout_s,
	};
	topology_build(&in, t);
}

void cache_copy_done(struct cache_copy *s)
{
	for (size_t i = 0; i < s->n_labels; i++) {
		free((char *)s->labels[i].node);
		free((char *)s->labels[i].zone);
		free((char *)s->labels[i].rack);
	}
	free(s->labels);
	kube_typed_unref_all(s->lent, s->n_volumes);
	for (size_t i = 0; i < s->n_devices; i++)
		node_device_free(s->devices[i]);
	for (size_t i = 0; i < s->n_nodes; i++)
		mesh_node_free(s->nodes[i]);
	free(s->volumes);
	free(s->devices);
	free(s->nodes);
	*s = (struct cache_copy){ 0 };
}

size_t cache_copy_live_volumes(struct controller *c, struct volume ***ret)
{
	struct volume **v;
	size_t n, live = 0;

	n = DECODE_ALL(c->volumes, struct volume, volume_from_json, v);
	/* A volume being deleted is gone as far as CSI is concerned. */
	for (size_t i = 0; i < n; i++) {
		if (v[i]->meta.deleting)
			volume_free(v[i]);
		else
			v[live++] = v[i];
	}
	qsort(v, live, sizeof(*v), by_volume_name);
	*ret = v;
	return live;
}
