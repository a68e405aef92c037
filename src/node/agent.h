/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "node/fs.h"
#include "node/observe.h"
#include "util/strbuf.h"

/*
 * The node agent: publishes this node and its drives, reconciles every
 * member and array of this node every period and at once on watch events,
 * and carries out the CSI Node calls. One lock serializes every change to
 * the kernel, so a pass and a NodeStageVolume never interleave.
 */
struct agent_options {
	const char *node_name;
	const char *kubeconfig;	   /* NULL: $KUBECONFIG, in-cluster, ~/.kube/config */
	const char *sysroot;	   /* prefixes /sys, /dev, /proc, /etc/nvme; NULL or "" */
	unsigned period_s;	   /* reconcile period (10) */
	unsigned heartbeat_s;	   /* heartbeat period (60) */
	int fast_io_fail_tmo;	   /* seconds; 0: off, I/O waits for the agent's drop */
	int ctrl_loss_tmo;	   /* seconds; -1 (default): reconnect until dropped */
	int keep_alive_tmo;	   /* seconds (2) */
	int nr_io_queues;	   /* NVMe/TCP I/O queues per import; 0: one per CPU */
	unsigned resync_speed_min; /* MiB/s, each array's resync floor; 0: the system's */
};

struct agent;

int agent_new(const struct agent_options *o, struct agent **ret);
void agent_free(struct agent *a);
/* Whether the agent's caches have listed and it has published its node. */
bool agent_ready(struct agent *a);
/* Whether volume id exists, as the agent's cache has it. */
bool agent_volume_known(struct agent *a, const char *id);
/*
 * When the reconcile loop last came round (CLOCK_MONOTONIC µs): after a pass,
 * or after finding its caches not yet listed. For /healthz (node/alive.h).
 */
uint64_t agent_loop_usec(struct agent *a);
/* The agent's metrics in the text format (docs/operations.md, "Metrics"); any thread. */
void agent_write_metrics(struct agent *a, struct strbuf *out);
/* Asks for a pass now (watch events, tests). */
void agent_kick(struct agent *a);

/*
 * The CSI Node calls; each returns 0 or -errno with a message for the
 * operator in err. All idempotent.
 */
int agent_stage(struct agent *a, const char *volume_id, const char *staging_path,
		struct strbuf *err);
int agent_unstage(struct agent *a, const char *volume_id, const char *staging_path,
		  struct strbuf *err);
int agent_publish(struct agent *a, const char *volume_id, const char *staging_path,
		  const char *target_path, bool read_only, struct strbuf *err);
int agent_unpublish(struct agent *a, const char *volume_id, const char *target_path,
		    struct strbuf *err);
/*
 * Grows the array and the filesystem of the volume mounted at path to what
 * spec.capacityBytes says, online, once every member has grown (the hosts grow
 * them: -EAGAIN until then, naming the member). ret_capacity gets the size.
 */
int agent_expand(struct agent *a, const char *volume_id, const char *path, int64_t *ret_capacity,
		 struct strbuf *err);
/* Usage of the volume mounted at path; abnormal with a message when its array is degraded. */
int agent_stats(struct agent *a, const char *volume_id, const char *path, struct fs_usage *ret,
		bool *ret_abnormal, struct strbuf *msg);
