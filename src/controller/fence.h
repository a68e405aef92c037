/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "model/volume.h"
#include "util/strbuf.h"

/*
 * The agreement between the controller and the node agents that host a
 * volume's members (docs/ARCHITECTURE.md, "The fence"). Claiming a volume for
 * a consumer bumps spec.epoch; each hosting agent then exports its member to
 * that consumer only, or withdraws it when there is none, and reports the
 * member's state with lastEpoch = the epoch it acted on.
 */

/* Is a node's agent alive? (Pure callers pass what they know.) */
typedef bool (*fence_node_fresh_fn)(const char *node, void *userdata);

/* Another node that publishes node's NVMe host NQN or host ID, or NULL. */
typedef const char *(*fence_node_twin_fn)(const char *node, void *userdata);

/*
 * Can the fence be put up for a claim of v by consumer? An export is allowed
 * to a host NQN, so not when consumer shares its NVMe host identity with
 * another node: that node would be admitted to every member exported to the
 * consumer. Nor when a member is hosted, away from the consumer, on a live node
 * sharing its identity: that node's agent exports nothing until each node has
 * its own, and waiting for it would only end at the caller's deadline. (A dead
 * host is not waited for, by fence_exported(), so its identity does not
 * matter here.) Returns true, or false with both nodes and the fix in why.
 */
bool fence_identity_ok(const struct volume *v, const char *consumer, fence_node_fresh_fn fresh,
		       fence_node_twin_fn twin, void *userdata, struct strbuf *why);

/*
 * Publish is complete when every member hosted away from the consumer reports
 * Exported at the volume's current epoch, except members whose node is no
 * longer alive: a dead host cannot export, and waiting for it would keep the
 * volume from moving after its consumer died; the array starts degraded and
 * the member returns (fully resynced if it missed an epoch) with its node.
 * Returns true, or false with the first member still pending described in why.
 */
bool fence_exported(const struct volume *v, fence_node_fresh_fn fresh, void *userdata,
		    struct strbuf *why);

/* What the controller knows of a node that hosts a member, for unpublish. */
struct fence_host {
	bool live;	     /* its agent's Lease was seen renewed lately (controller/liveness.h) */
	int64_t silent_s;    /* since the controller last saw that; -1: never */
	bool out_of_service; /* its Kubernetes Node has the out-of-service taint */
};
typedef void (*fence_host_fn)(const char *node, void *userdata, struct fence_host *ret);

/*
 * Unpublish from node is complete when no member hosted elsewhere can still
 * be reached by it: the claim is no longer node's, and each such member has
 * reported at the current epoch (so it has applied that claim: withdrawn, or
 * exported to another consumer only), or an operator has declared its host
 * powered off: the out-of-service taint on a node whose agent is not live (a
 * node that renews its Lease is not off, whatever the taint says). A host
 * that is merely silent is not fenced: its agent may be stuck or cut off from
 * the API while its kernel still exports the member to node. Members on node
 * itself are its local partitions: the epoch rule, not the fence, keeps them
 * from being merged. node NULL means every node: then every member must have
 * withdrawn. Returns true, or false with the first member still pending, what
 * is known of its host and how to override in why.
 */
bool fence_withdrawn(const struct volume *v, const char *node, fence_host_fn host, void *userdata,
		     struct strbuf *why);
