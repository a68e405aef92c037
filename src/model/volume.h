/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/condition.h"
#include "model/meta.h"
#include "util/strbuf.h"

/* The rules of docs/crds.md, MeshStorVolume. */
#define VOLUME_MIB (1024 * 1024)
#define VOLUME_CAPACITY_MIN (512LL * VOLUME_MIB)
#define VOLUME_COPIES_MAX 8
#define VOLUME_DRIVES_PER_COPY_MAX 16
#define VOLUME_MEMBERS_MAX 128
#define VOLUME_MISSING_TIMEOUT_MIN 60
#define VOLUME_FS_TYPE "xfs"
/* Ours, for strings crds.md leaves open; generous next to what the node agent writes. */
#define VOLUME_MD_STATE_MAX 32
#define VOLUME_READY_MAX 32
#define VOLUME_MESSAGE_MAX 4096

enum volume_phase {
	VOLUME_PHASE_REQUESTED,
	VOLUME_PHASE_CREATING,
	VOLUME_PHASE_READY,
	VOLUME_PHASE_DEGRADED,
	VOLUME_PHASE_SYNCING,
	VOLUME_PHASE_EXPANDING,
	VOLUME_PHASE_REPLACING,
	VOLUME_PHASE_DELETING,
	VOLUME_PHASE_BROKEN, /* the array takes no writes (MD_BROKEN): stop and assemble again */
	/* XFS on the array shut down after an I/O error: unmount and mount again */
	VOLUME_PHASE_FILESYSTEM_SHUT_DOWN,
	/* no array: staging waits for a node holding the only current copy */
	VOLUME_PHASE_UNAVAILABLE,
	_VOLUME_PHASE_MAX,
};

enum member_state {
	MEMBER_STATE_REQUESTED,
	MEMBER_STATE_CREATED,
	MEMBER_STATE_EXPORTED,
	MEMBER_STATE_SYNCING,
	MEMBER_STATE_SYNCED,
	MEMBER_STATE_SPARE,
	MEMBER_STATE_FAULTY,
	MEMBER_STATE_MISSING,
	MEMBER_STATE_REPLACING,
	MEMBER_STATE_DELETING,
	_MEMBER_STATE_MAX,
};

/*
 * Room each member partition keeps beyond its share of the data: MD's v1.2
 * superblock and internal write-intent bitmap before the data offset. The node
 * agent creates arrays with a data offset that fits in it.
 */
#define VOLUME_MEMBER_OVERHEAD (16LL * VOLUME_MIB)

/* A member's partition size for a volume of capacity bytes striped over drives_per_copy. */
int64_t volume_member_bytes(int64_t capacity, int32_t drives_per_copy);
/* The largest volume capacity members of member_bytes can hold (whole MiB), or 0. */
int64_t volume_capacity_of_members(int64_t member_bytes, int32_t drives_per_copy);

/* NULL for a value out of range; the value, or -EINVAL for an unknown string. */
const char *volume_phase_to_string(enum volume_phase p);
int volume_phase_from_string(const char *s);
const char *member_state_to_string(enum member_state s);
int member_state_from_string(const char *s);

/*
 * Who writes a member's state (docs/ARCHITECTURE.md, "Member states"): the
 * agent hosting the member reports Requested, Created, Exported or Deleting
 * together with lastEpoch, the epoch it acted on; the consumer's agent then
 * refines a member reported at the current epoch into what the array sees of
 * it (Syncing, Synced, Spare, Faulty, Missing, Replacing), keeping lastEpoch.
 * So a consumer-side state at the current epoch also means "the host has
 * exported it for this epoch's claim".
 */
bool member_state_is_consumer_view(enum member_state s);

/* spec.members[]: one partition of one drive, placed by the controller. */
struct volume_member {
	int32_t index;
	int32_t copy;
	int32_t stripe;
	char *node_name;
	char *drive; /* the MeshStorNodeDevice name */
	char *partition_uuid;
	int64_t size_bytes;
};

/* status.members[]: what the consumer's node agent sees of one member. */
struct member_status {
	int32_t index;
	enum member_state state;
	int64_t last_epoch;
	int64_t missing_since; /* Unix seconds; 0 when not missing */
	char *message;	       /* NULL when none */
};

struct volume_spec {
	char *request_name;
	char *node_name; /* the consumer it is claimed for; NULL when none */
	int64_t capacity_bytes;
	int32_t number_of_copies;
	int32_t drives_per_copy;
	int32_t member_missing_timeout_sec;
	int32_t sector_size;
	char *fs_type;
	int64_t epoch;
	int64_t formatted_at; /* Unix seconds; 0 until mkfs has run */
	struct volume_member *members;
	size_t n_members;
};

/* Optional strings are NULL when unset; the phase of a volume without status is Requested. */
struct volume_status {
	enum volume_phase phase;
	char *node_name; /* where the array is assembled, as its agent reports */
	char *md_state;
	char *ready;
	bool degraded;
	int32_t total_members;
	int32_t active_members;
	int32_t failed_members;
	int32_t missing_members;
	int32_t sync_percentage;
	struct member_status *members;
	size_t n_members;
	struct condition *conditions;
	size_t n_conditions;
	int64_t observed_generation;
};

/*
 * The consumer's conditions (docs/operations.md, "Conditions"): Available,
 * whether the volume takes writes (its array assembled, its filesystem
 * answering); InSync, whether every member is in the array and in sync.
 */
#define VOLUME_CONDITION_AVAILABLE "Available"
#define VOLUME_CONDITION_IN_SYNC "InSync"

/* A MeshStorVolume. metadata.name is the volume id. */
/*
 * The operator's explicit acceptance of data loss, for one epoch: the
 * annotation's value must be the volume's spec.epoch when staging reads it,
 * so it never outlives the claim it was given for (docs/ARCHITECTURE.md,
 * "Safety").
 */
#define VOLUME_ACCEPT_DATA_LOSS_ANNOTATION "csi.meshstor.io/accept-data-loss"

/*
 * Each node agent holds a volume with a finalizer of its own, this prefix and
 * its node's name, until its partitions of the volume are gone.
 */
#define VOLUME_NODE_FINALIZER_PREFIX "node.csi.meshstor.io/"

/*
 * The claim a volume was made for, as the external-provisioner passes it with
 * --extra-create-metadata; kept as labels of the MeshStorVolume (`kubectl get
 * msvol` shows them, `-l` selects by them). Each NULL when not given or too
 * long for a label value (a PVC's name may have 253 characters).
 */
#define VOLUME_LABEL_PVC_NAME "csi.meshstor.io/pvc-name"
#define VOLUME_LABEL_PVC_NAMESPACE "csi.meshstor.io/pvc-namespace"
#define VOLUME_LABEL_PV_NAME "csi.meshstor.io/pv-name"

struct volume_pvc {
	char *name;
	char *ns;
	char *pv_name;
};

struct volume {
	struct object_meta meta;
	struct volume_pvc pvc; /* metadata.labels */
	struct volume_spec spec;
	struct volume_status status;
	/* VOLUME_ACCEPT_DATA_LOSS_ANNOTATION as an epoch; 0 when absent or not a number. */
	int64_t accept_data_loss_epoch;
};

struct volume *volume_new(void);
void volume_free(struct volume *v);

/*
 * status.members[] for a member index: volume_find_member_status() returns
 * NULL when there is none; volume_member_status() appends one in state
 * Requested with lastEpoch -1 (never reported) and returns it.
 */
const struct member_status *volume_find_member_status(const struct volume *v, int32_t index);
struct member_status *volume_member_status(struct volume *v, int32_t index);

/*
 * Checks every rule of docs/crds.md, and that the members form the layout the
 * spec describes: when there are members, one per (copy, stripe) slot of
 * numberOfCopies x drivesPerCopy, and no node holding members of two copies.
 * Returns 0, or -EINVAL with "<field path>: <reason>" appended to err.
 */
int volume_validate(const struct volume *v, struct strbuf *err);
