/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kube/client.h"
#include "model/device.h"
#include "model/node.h"
#include "model/volume.h"
#include "util/strbuf.h"

/*
 * What `meshstor status` and `meshstor volume` show (kubectl meshstor:
 * docs/operations.md), read from the API server once, in typed form.
 */
struct inspect_node {
	struct mesh_node *node;
	int64_t lease_renewed; /* Unix seconds of its Lease's renewTime; 0: no Lease */
};

struct inspect_event {
	char *type; /* Normal or Warning */
	char *reason;
	char *message;
	char *component;
	int64_t last; /* Unix seconds */
	int32_t count;
};

struct inspect_view {
	struct volume **volumes; /* by name */
	size_t n_volumes;
	struct inspect_node *nodes; /* by name */
	size_t n_nodes;
	struct node_device **devices; /* by name */
	size_t n_devices;
	struct inspect_event *events; /* one volume's (kube_inspect_volume()), oldest first */
	size_t n_events;
	size_t n_unreadable;   /* objects that did not decode: left out, and said */
	struct strbuf missing; /* what could not be read, and why; shown without it */
};

/* Every MeshStorVolume, MeshStorNode (with its Lease) and MeshStorNodeDevice. */
int kube_inspect_cluster(struct kube_client *c, struct inspect_view *ret, struct strbuf *err);
/*
 * name's MeshStorVolume alone (-ENOENT when there is none), its Events, and
 * every node and drive (where its members are).
 */
int kube_inspect_volume(struct kube_client *c, const char *name, struct inspect_view *ret,
			struct strbuf *err);
void inspect_view_done(struct inspect_view *v);

/* What a node holds, summed over the view's drives and volumes. */
struct inspect_totals {
	size_t drives;
	int64_t size_bytes, free_bytes;
	size_t members; /* volume members placed on it */
};

void inspect_node_totals(const struct inspect_view *v, const char *node,
			 struct inspect_totals *ret);
/* The status of v's member index; NULL when its status does not list it. */
const struct member_status *inspect_member_status(const struct volume *v, int32_t index);

/*
 * The view as one JSON document (`-o json`): the same facts as the tables,
 * with the fields' names of the API. malloc'd; ends in a newline.
 */
char *kube_inspect_json(const struct inspect_view *v);
