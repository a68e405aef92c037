/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/strbuf.h"

/*
 * `meshstor cleanup`: what uninstalling MeshStor leaves in the API once its
 * workloads are gone. Per-node objects (MeshStorNode, MeshStorNodeDevice, the
 * agents' Leases) would stay forever, and a MeshStorVolume keeps each node
 * agent's finalizer until that agent has removed its partitions: with the
 * agents gone, nothing ever would. Cleanup deletes the per-node objects, and
 * refuses while any MeshStorVolume exists unless the operator gives the data
 * up; then it removes our finalizers and deletes the volumes. It never touches
 * a drive: the partitions stay where they are.
 *
 * The decisions below are pure; cleanup_run() talks to the API server.
 */

/* Whether finalizer is one a node agent puts on MeshStorVolumes. */
bool cleanup_finalizer_is_ours(const char *finalizer);

struct cleanup_volume {
	const char *name;
	const char *pvc_namespace; /* NULL when unknown */
	const char *pvc_name;
};

/*
 * 0 when no volume exists or the operator gives their data up; else -EBUSY
 * with the volumes (the first few, with their claims) and what to do in why.
 */
int cleanup_check_volumes(const struct cleanup_volume *v, size_t n, bool give_up_data,
			  struct strbuf *why);

/* -EBUSY naming the nodes whose agents still run, and what to do, in why; 0 when none. */
int cleanup_check_agents(const char *const *live_nodes, size_t n, struct strbuf *why);

/*
 * `cleanup --node NODE`, for a node gone for good: what it changes on one
 * MeshStorVolume. CLEANUP_NODE_FINALIZER: the volume carries node's
 * finalizer, which only node's agent would remove. CLEANUP_NODE_ASSEMBLED:
 * the volume is being deleted and its status records its array on node
 * (status.nodeName); the other hosts keep their members while it does
 * (node/plan.c), and node's agent, which would clear it, is gone. On a volume
 * not being deleted status.nodeName stays: it also tells which copy was local
 * to the last consumer (node/copies.c).
 */
#define CLEANUP_NODE_FINALIZER (1U << 0)
#define CLEANUP_NODE_ASSEMBLED (1U << 1)
unsigned cleanup_node_changes(const char *node, const char *const *finalizers, size_t n,
			      bool deleting, const char *assembled_on);

struct cleanup_options {
	const char *kubeconfig; /* NULL: $KUBECONFIG, in-cluster, ~/.kube/config */
	bool give_up_data;	/* --i-understand-data-is-lost */
	bool dry_run;		/* say what would be done, do nothing */
	const char *node;	/* --node: only release this node, gone for good; NULL: all */
};

/*
 * Cleans up, printing each object it deletes (or would) to out, as kubectl
 * does; with o->node, only releases that node from the volumes
 * (cleanup_node_changes()), printing each change, and refuses while its
 * agent renews its Lease. 0 when done; -EBUSY when it refused (the reason
 * logged), having changed nothing; another -errno when a request failed
 * (logged; running it again carries on).
 */
int cleanup_run(const struct cleanup_options *o, FILE *out);
