/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdint.h>

#include "kube/client.h"

/*
 * The agent's liveness: its Lease (kube/lease.h) renewed every
 * HEARTBEAT_RENEW_S on a thread of its own, which takes neither the kernel
 * lock nor waits for a reconcile pass, so an agent busy with mkfs, a slow
 * connect or mdadm is still seen alive. The controller judges the Lease by
 * when it saw it change, on its own clock (docs/ARCHITECTURE.md, "Liveness").
 */
#define HEARTBEAT_LEASE_DURATION_S 40 /* as the kubelet's node Lease */
#define HEARTBEAT_RENEW_S 10	      /* a quarter of it: three renewals may fail in a row */

struct heartbeat;

/* Starts renewing node's Lease through c (which must outlive it). */
int heartbeat_start(struct kube_client *c, const char *node, struct heartbeat **ret);
/* Stops the thread (at once) and frees. The Lease is left to expire. NULL is a no-op. */
void heartbeat_stop(struct heartbeat *h);
/* When the Lease was last renewed (Unix seconds), 0 before the first; h may be NULL. */
int64_t heartbeat_renewed_s(struct heartbeat *h);
