/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "controller/fence.h"
#include "controller/liveness.h"
#include "kube/client.h"
#include "kube/informer.h"
#include "model/params.h"
#include "model/volume.h"
#include "util/strbuf.h"

/*
 * The controller's view of the cluster: caches of the three MeshStor resources
 * kept by informers, and the client to write through. It places volumes and
 * claims them for consumers; it never touches data.
 */
struct controller {
	struct kube_client *client;
	struct kube_claim_events *claim_events; /* Events on volumes' PVs and PVCs */
	struct kube_informer *volumes;
	struct kube_informer *devices;
	struct kube_informer *nodes;
	struct kube_informer *k8s_nodes; /* Kubernetes Nodes: zone and rack labels, taints */
	struct kube_informer *leases;	 /* the node agents' Leases (leases.c) */
	pthread_mutex_t liveness_lock;
	struct liveness liveness; /* under liveness_lock: kept by the Lease informer's thread */
	/*
	 * One placement at a time: a volume placed is written, then awaited in the
	 * volume cache before the next placement counts free space, so two
	 * CreateVolume calls never book the same extent.
	 */
	pthread_mutex_t placing;
	/* An agent whose MeshStorNode heartbeat is this old gets no new members (placement). */
	unsigned heartbeat_timeout_s;

	/* The periodic pass (maintain.c). */
	pthread_t maintainer;
	bool maintaining;
	bool stopping;
	pthread_mutex_t maintain_lock;
	pthread_cond_t maintain_wake;
};

int controller_maintain_start(struct controller *c);
void controller_maintain_stop(struct controller *c);

/* leases.c: watches the agents' Leases into c->liveness. */
int controller_leases_start(struct controller *c);
/* Whether node's agent is live (controller/liveness.h); ret_silent_s may be NULL. */
bool controller_node_live(struct controller *c, const char *node, int64_t *ret_silent_s);
/* fence_host_fn over c (userdata): liveness, and the Node's out-of-service taint. */
void controller_fence_host(const char *node, void *userdata, struct fence_host *ret);

/*
 * heartbeat_timeout_s: an agent whose reconcile loop has not written its
 * MeshStorNode heartbeat for this long gets no new members. Liveness for the
 * fence is the agents' Leases (leases.c), never this.
 */
/* The controller's metrics in the text format (docs/operations.md, "Metrics"); any thread. */
void controller_write_metrics(struct controller *c, struct strbuf *out);

int controller_new(const char *kubeconfig, unsigned heartbeat_timeout_s, struct controller **ret);
void controller_free(struct controller *c);
/* True once every cache has completed its first list. */
bool controller_ready(struct controller *c);

struct create_volume_req {
	const char *name; /* the CreateVolume name */
	int64_t capacity_bytes;
	struct volume_params params;
	const char *consumer; /* node for copy 0 (WaitForFirstConsumer), or NULL */
};

/*
 * Idempotent by name: the same name and parameters give the same volume,
 * different ones -EEXIST. -ENOSPC when it cannot be placed, with what is
 * missing in err.
 */
int controller_create_volume(struct controller *c, const struct create_volume_req *req,
			     struct volume **ret, struct strbuf *err);
/* Deletes the MeshStorVolume (node finalizers hold it until partitions are gone). */
int controller_delete_volume(struct controller *c, const char *id, struct strbuf *err);
/*
 * Grows volume id to capacity bytes in spec (controller/expand.c decides);
 * the agents grow the partitions, NodeExpandVolume the array and filesystem.
 * ret_capacity gets the volume's capacity after the call.
 */
int controller_expand_volume(struct controller *c, const char *id, int64_t capacity,
			     int64_t *ret_capacity, struct strbuf *err);
/* From the cache: 0 and a decoded volume, or -ENOENT. */
int controller_get_volume(struct controller *c, const char *id, struct volume **ret);
/* Every cached volume not being deleted, sorted by id; free with volumes_free(). */
int controller_list_volumes(struct controller *c, struct volume ***ret, size_t *ret_n);
void volumes_free(struct volume **v, size_t n);
/*
 * Claims volume id for node and waits (until deadline_usec, CLOCK_MONOTONIC,
 * at most a minute) for the fence: every member hosted elsewhere exported to
 * node alone at the new epoch. -EPERM when another node holds the volume,
 * or at once, before any claim, when node or a live node hosting a member
 * shares its NVMe host identity with another node (both named in err, and
 * the fix); -ENOENT for an unknown volume or node, -ETIMEDOUT naming what is
 * pending.
 */
int controller_publish(struct controller *c, const char *id, const char *node,
		       uint64_t deadline_usec, int64_t *ret_epoch, struct strbuf *err);
/*
 * Releases node's claim (node NULL: whoever holds it) and returns only once
 * no member hosted elsewhere is exported to it any more, or its host is
 * tainted out-of-service by an operator (fence_withdrawn()); a host that is
 * only silent is waited for. -ETIMEDOUT names what it waits for and how to
 * override, and a Warning Event on the volume says the same. Unknown volumes
 * and claims held by others succeed at once.
 */
int controller_unpublish(struct controller *c, const char *id, const char *node,
			 uint64_t deadline_usec, struct strbuf *err);

/* The largest volume that could be placed now with params (and consumer), in bytes. */
int64_t controller_capacity(struct controller *c, const struct volume_params *params,
			    const char *consumer);
