/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/condition.h"
#include "model/meta.h"
#include "util/strbuf.h"

/* Ours: a peer list longer than this is not a cluster MeshStor is built for. */
#define MESH_NODE_PEERS_MAX 5000 /* as the CRD: the codec must take all it takes */
#define MESH_NODE_VERSION_MAX 256

struct node_peer {
	char *node_name;
	int64_t rtt_usec; /* rttMicroseconds */
};

/* Optional strings are NULL when unset; heartbeat_time is 0 when unset. */
struct mesh_node_status {
	char *host_nqn;
	char *host_id;
	char *tcp_address;
	char *rdma_address;
	bool rdma_capable;
	struct node_peer *peers;
	size_t n_peers;
	char *agent_version;
	int64_t heartbeat_time; /* Unix seconds */
	struct condition *conditions;
	size_t n_conditions;
};

/* A MeshStorNode, named after its node; it has only a status. */
struct mesh_node {
	struct object_meta meta;
	struct mesh_node_status status;
};

/*
 * Kubernetes' taint for a node an operator knows is powered off (non-graceful
 * node shutdown); the fence believes it for nodes whose agent is not live.
 */
#define NODE_TAINT_OUT_OF_SERVICE "node.kubernetes.io/out-of-service"

/* Whether the node's agent has reported within timeout_s of now (Unix seconds). */
bool mesh_node_is_fresh(const struct mesh_node_status *st, int64_t now, unsigned timeout_s);

struct mesh_node *mesh_node_new(void);
void mesh_node_free(struct mesh_node *n);
/* The rules of docs/crds.md; 0, or -EINVAL with "<field path>: <reason>" in err. */
int mesh_node_validate(const struct mesh_node *n, struct strbuf *err);
