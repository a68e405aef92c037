/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "model/node.h"
#include "util/strbuf.h"

/*
 * What Kubernetes objects say about a node that hosts members: its agent's
 * Lease (coordination.k8s.io/v1), which the agent renews on a thread of its
 * own, and the Node's out-of-service taint, which an operator sets once the
 * node is known to be off (docs/ARCHITECTURE.md, "Liveness").
 */

/* MeshStor's own namespace (deploy/namespace.yaml), where RBAC grants the agents Leases. */
#define KUBE_LEASE_NAMESPACE "meshstor"
#define KUBE_LEASE_PREFIX "meshstor-node-"
/* The longest leaseDurationSeconds believed: a holder cannot claim to live for a day. */
#define KUBE_LEASE_DURATION_MAX 3600

/*
 * The name of node's Lease: KUBE_LEASE_PREFIX + node, or + 32 hex digits of
 * SHA-256(node) when that would pass the 253 characters of a Kubernetes name.
 */
void kube_lease_name(const char *node, struct strbuf *ret);

/* A node agent's Lease as the controller reads it; strings borrowed from the object. */
struct kube_node_lease {
	const char *node;    /* spec.holderIdentity */
	const char *version; /* metadata.resourceVersion: a new one with every renewal */
	int64_t duration_s;  /* spec.leaseDurationSeconds, 1 to KUBE_LEASE_DURATION_MAX */
};

/*
 * 0, or -EINVAL when obj is not a node agent's Lease: no holder, a name that
 * is not kube_lease_name() of its holder (another Lease in the namespace,
 * such as a sidecar's leader election), no resourceVersion, or a duration
 * out of range.
 */
int kube_node_lease_read(const json_t *obj, struct kube_node_lease *ret);

/*
 * node's Lease renewed at now_usec (Unix microseconds: renewTime is for
 * people, MeshStor never compares it): obj changed in place (holder,
 * duration, renewTime; acquireTime when absent) and returned, or a new
 * object when obj is NULL. NULL only when jansson cannot allocate.
 */
json_t *kube_node_lease_renew(json_t *obj, const char *node, unsigned duration_s, int64_t now_usec);

/* Whether a Kubernetes Node carries NODE_TAINT_OUT_OF_SERVICE (any value, any effect). */
bool kube_node_out_of_service(const json_t *node);
