// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>

#include "controller/topology.h"
#include "util/cleanup.h"
#include "util/macro.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* A member is on its drive once its node has said so; before that it is a reservation. */
static bool member_created(const struct volume *v, int32_t index)
{
	for (size_t i = 0; i < v->status.n_members; i++)
		if (v->status.members[i].index == index)
			return v->status.members[i].state != MEMBER_STATE_REQUESTED;
	return false;
}

int64_t topology_reserved(const struct volume *const *volumes, size_t n_volumes, const char *drive)
{
	int64_t sum = 0;

	for (size_t i = 0; i < n_volumes; i++) {
		const struct volume *v = volumes[i];

		for (size_t m = 0; m < v->spec.n_members; m++)
			if (strcmp(v->spec.members[m].drive, drive) == 0 &&
			    !member_created(v, v->spec.members[m].index))
				sum += v->spec.members[m].size_bytes;
	}
	return sum;
}

/* One node's host NQN or host ID, for finding the nodes that share it. */
struct identity {
	const char *value;
	const char *node;
	size_t i; /* index into the input */
};

static int cmp_identity(const void *a, const void *b)
{
	const struct identity *x = a, *y = b;
	int c = strcmp(x->value, y->value);

	return c ? c : strcmp(x->node, y->node);
}

/* Sorted by value, then name: each run of one value is the nodes that share it. */
static void mark_twins(struct mesh_node *const *nodes, size_t n_nodes, bool by_id,
		       const char **twins)
{
	_cleanup_free_ struct identity *v = xcalloc(MAX(n_nodes, 1), sizeof(*v));
	size_t n = 0, end;

	for (size_t i = 0; i < n_nodes; i++) {
		const struct mesh_node_status *st = &nodes[i]->status;
		const char *value = by_id ? st->host_id : st->host_nqn;

		if (value)
			v[n++] = (struct identity){ value, nodes[i]->meta.name, i };
	}
	qsort(v, n, sizeof(*v), cmp_identity);
	for (size_t run = 0; run < n; run = end) {
		for (end = run + 1; end < n && strcmp(v[end].value, v[run].value) == 0; end++)
			;
		if (end - run < 2)
			continue; /* this value is one node's own */
		for (size_t k = run; k < end; k++)
			if (!twins[v[k].i])
				twins[v[k].i] = v[k == run ? run + 1 : run].node;
	}
}

void topology_identity_twins(struct mesh_node *const *nodes, size_t n_nodes, const char **ret_twins)
{
	for (size_t i = 0; i < n_nodes; i++)
		ret_twins[i] = NULL;
	mark_twins(nodes, n_nodes, false, ret_twins);
	mark_twins(nodes, n_nodes, true, ret_twins);
}

static void add_drives(struct placement_node *pn, const struct topology_input *in,
		       struct placement_drive *out)
{
	pn->drives = out;
	for (size_t i = 0; i < in->n_devices; i++) {
		const struct node_device *d = in->devices[i];
		int64_t free_bytes;

		if (strcmp(d->spec.node_name, pn->name) != 0)
			continue;
		free_bytes = d->status.largest_free_extent_bytes -
			     topology_reserved(in->volumes, in->n_volumes, d->meta.name);
		out[pn->n_drives++] = (struct placement_drive){
			.name = d->meta.name,
			.sector_size = (uint32_t)d->spec.logical_sector_size,
			.largest_free = free_bytes > 0 ? (uint64_t)free_bytes : 0,
		};
	}
}

void topology_build(const struct topology_input *in, struct topology *t)
{
	_cleanup_free_ const char **twins = xcalloc(MAX(in->n_nodes, 1), sizeof(*twins));
	size_t n_peers = 0, used_drives = 0, used_peers = 0;

	for (size_t i = 0; i < in->n_nodes; i++)
		n_peers += in->nodes[i]->status.n_peers;
	*t = (struct topology){
		.nodes = xcalloc(in->n_nodes, sizeof(*t->nodes)),
		.n_nodes = in->n_nodes,
		.drives = xcalloc(in->n_devices, sizeof(*t->drives)),
		.peers = xcalloc(n_peers, sizeof(*t->peers)),
	};
	topology_identity_twins(in->nodes, in->n_nodes, twins);
	for (size_t i = 0; i < in->n_nodes; i++) {
		const struct mesh_node_status *st = &in->nodes[i]->status;
		struct placement_node *pn = &t->nodes[i];

		pn->name = in->nodes[i]->meta.name;
		pn->fresh = mesh_node_is_fresh(st, in->now, in->heartbeat_timeout_s);
		pn->rdma = st->rdma_capable;
		pn->same_identity = twins[i];
		for (size_t l = 0; l < in->n_labels; l++)
			if (strcmp(in->labels[l].node, pn->name) == 0) {
				pn->zone = in->labels[l].zone;
				pn->rack = in->labels[l].rack;
			}
		pn->peers = t->peers + used_peers;
		for (size_t p = 0; p < st->n_peers; p++)
			t->peers[used_peers++] = (struct placement_peer){
				.node = st->peers[p].node_name,
				.rtt_usec = (uint64_t)st->peers[p].rtt_usec,
			};
		pn->n_peers = st->n_peers;
		add_drives(pn, in, t->drives + used_drives);
		used_drives += pn->n_drives;
	}
}

void topology_done(struct topology *t)
{
	free(t->nodes);
	free(t->drives);
	free(t->peers);
	*t = (struct topology){ 0 };
}
