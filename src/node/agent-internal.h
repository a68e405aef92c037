/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "kube/client.h"
#include "kube/informer.h"
#include "node/agent.h"
#include "node/heartbeat.h"
#include "node/legs.h"
#include "node/plan.h"
#include "util/metrics.h"

/* The NVMe/TCP port every node exports on and connects to (IANA's for NVMe/TCP). */
#define NVME_TCP_SERVICE "4420"

/* A connect that failed: not tried again before next_usec (CLOCK_MONOTONIC). */
struct connect_backoff {
	char *nqn;
	uint64_t next_usec;
	unsigned delay_ms;
};

/* Shared by agent.c (the loop), announce.c (node and drives), apply.c, stage.c, mount.c, grow.c. */
/* What the loop did, for /metrics; zeroed, it is ready; no lock. */
enum {
	PASS_OK,
	PASS_FAILED,
	_PASS_RESULTS
};
enum {
	ACTION_DONE,
	ACTION_FAILED,
	ACTION_BACKING_OFF,
	_ACTION_RESULTS
};

struct agent_counts {
	atomic_uint_fast64_t passes[_PASS_RESULTS];
	struct metrics_seconds pass_seconds;
	atomic_uint_fast64_t actions[_ACT_MAX][_ACTION_RESULTS];
	atomic_uint_fast64_t last_ok_s; /* Unix seconds: the last pass that read the kernel */
	atomic_uint_fast64_t exports, imports; /* ours, as that pass read them */
};

struct agent {
	struct agent_options o;
	struct node_paths paths;
	char *sysfs, *dev, *nvmet, *proc, *etc_nvme; /* what paths point to */
	char *finalizer;
	char *host_nqn, *host_id;
	char *tcp_address; /* NULL until the Node object tells */

	struct kube_client *client;
	struct kube_claim_events *claim_events; /* Events on volumes' PVs and PVCs */
	struct kube_informer *volumes, *nodes, *devices;

	pthread_mutex_t kernel; /* every change to the kernel holds it */
	/*
	 * An observation and the status report made of it, and the leg watch's
	 * decide-record-drop: never across I/O to an array (a lost leg's I/O
	 * waits). Taken after kernel, never before it.
	 */
	pthread_mutex_t record;
	pthread_mutex_t lock; /* wake, stop */
	pthread_cond_t wake_cond;
	bool wake, stop, published;
	pthread_t thread;
	bool thread_started;
	atomic_uint_fast64_t loop_usec; /* CLOCK_MONOTONIC: the loop last came round */
	struct agent_counts counts;	/* for /metrics (agent-metrics.c) */
	struct heartbeat *heartbeat;	/* the Lease, renewed on a thread of its own */
	struct legwatch *legwatch;	/* drops lost legs of our arrays, once recorded */
	/* Our partitions as the latest observation read the tables, for the leg watch. */
	pthread_mutex_t parts_lock;
	struct local_part *parts;
	size_t n_parts;

	/* Another node publishes our host NQN or ID: its connects would pass our fence. */
	bool identity_conflict;
	int64_t last_heartbeat; /* Unix seconds of the last MeshStorNode write */
	/* Connects that failed, so a dead target is not hammered every pass. */
	struct connect_backoff *backoff;
	size_t n_backoff;
	struct node_peer *peers; /* smoothed RTTs */
	size_t n_peers;
};

/*
 * The caches as one pass sees them: every volume in its typed form, decoded
 * once per version by the informer and lent read-only, and every node.
 */
struct agent_view {
	const struct volume **volumes;
	struct kube_typed **lent; /* the volumes' holders */
	size_t n_volumes;
	const struct mesh_node **nodes;
	struct kube_typed **lent_nodes; /* the nodes' holders */
	size_t n_nodes;
};

void agent_view_take(struct agent *a, struct agent_view *ret);
void agent_view_done(struct agent_view *v);
/*
 * Takes the kernel lock and an observation under it. On error neither is
 * held (and ret is empty); else agent_observed_unlock() drops both.
 */
int agent_observe_locked(struct agent *a, struct observation *ret);
void agent_observed_unlock(struct agent *a, struct observation *obs);
/* Keeps a->parts to our partitions in obs; those of drives obs could not read stay. */
void agent_note_parts(struct agent *a, const struct observation *obs);
/*
 * Whether array member kname is a local partition of one of v's members on
 * this node (legs_local_member() over the latest observation's tables).
 */
bool agent_local_member(struct agent *a, const char *kname, const struct volume *v,
			int32_t *ret_index);
/* The plan input of one pass over view and obs (borrows both). */
void agent_plan_input(struct agent *a, const struct agent_view *view, const struct observation *obs,
		      const char *const *mounted, size_t n_mounted, struct plan_input *ret);

/*
 * apply.c: one action; 0 or -errno with what went wrong in err. A connect
 * that failed lately is not tried again before its backoff ends (-EALREADY).
 */
int apply_action(struct agent *a, const struct action *act, struct strbuf *err);
/*
 * Sets array kname's resync floor to --resync-speed-min before anything
 * resyncs into it; a failure is only logged (the system's floor stays).
 */
void agent_set_resync_floor(struct agent *a, const char *volume, const char *kname);
/* A caller that must try now (NodeStageVolume) clears the backoff first. */
void connect_backoff_forget(struct agent *a, const char *nqn);
/*
 * Whether the API server (not the cache, which may lag) says volume id is
 * claimed by this node; true when it cannot tell (apply.c).
 */
bool agent_claim_is_ours(struct agent *a, const char *id);
/*
 * A fenced writer's filesystem on array kname shut down (no log flush), said
 * in the log as done before what follows ("its unmount"): 0 when it is down,
 * not mounted or not XFS, else -errno (apply.c).
 */
int agent_shut_down_fenced(struct agent *a, const char *id, const char *kname, const char *before);
/* Writes the status this node owns of volume id, when it changed (report.c decides). */
int agent_report_volume(struct agent *a, const struct plan_input *in, const char *id);
/* Writes that staging for the claim at epoch waits for a current copy (why: for whom). */
int agent_report_waiting(struct agent *a, const char *id, int64_t epoch, const char *why);
/* What agent_record_faulty() writes of one member (report_member_faulty()). */
struct faulty_record {
	int64_t epoch; /* the claim's, as the caller decided on it; 0: any */
	int32_t index;
	const char *message; /* why it is out of the array */
	bool full;	     /* it is about to be wiped for a full resync */
	bool needs_full;     /* out: the record marks it for a full resync */
};
/*
 * Writes, against the API server, that member rec->index is out of this
 * node's array: 1 when written, 0 when it said so already, -EPERM when the
 * claim moved, -ESTALE when its epoch is not rec->epoch. Under the record lock.
 */
int agent_record_faulty(struct agent *a, const char *id, struct faulty_record *rec,
			struct strbuf *err);

/* stage.c: volume id from the API server itself (the claim may be newer than the cache). */
int agent_fetch_volume(struct agent *a, const char *id, struct volume **ret, struct strbuf *err);
/*
 * mount.c: 0 when path is mounted from volume id's array in obs, -ENOENT when
 * nothing is mounted there, -EPERM (with why in err) when something else is.
 */
int agent_mounted_array(struct agent *a, const struct observation *obs, const char *id,
			const char *path, struct strbuf *err);
/* mount.c: unmounts path when it is volume id's array; 0 too when nothing is mounted there. */
int agent_umount_array(struct agent *a, const struct observation *obs, const char *id,
		       const char *path, struct strbuf *err);

/* announce.c: this node's MeshStorNode and MeshStorNodeDevices; writes only on change. */
int announce_identity(struct agent *a); /* host NQN/ID: read, or generated once and persisted */
int announce_address(struct agent *a);	/* from the Node object */
int announce_node(struct agent *a, const struct agent_view *view, bool heartbeat);
int announce_drives(struct agent *a, const struct observation *obs);
