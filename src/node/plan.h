/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "model/node.h"
#include "model/volume.h"
#include "node/observe.h"
#include "util/strbuf.h"

/*
 * One reconcile pass decides, purely, from what the API wants and what the
 * kernel has, a short list of small actions. Each action is idempotent and is
 * checked again on the next pass, so a failed or interrupted one is simply
 * planned again.
 */
enum action_type {
	ACT_FINALIZER_ADD,    /* volume: hold it until our members are gone */
	ACT_PART_CREATE,      /* volume, member: drive, uuid, name, size */
	ACT_PART_GROW,	      /* volume, member: drive, uuid, size, nqn (when exported) */
	ACT_EXPORT,	      /* volume, member: nqn, device, host */
	ACT_UNEXPORT,	      /* nqn (volume when known) */
	ACT_PART_DELETE,      /* drive, uuid (volume when known) */
	ACT_FINALIZER_REMOVE, /* volume */
	ACT_CONNECT,	      /* volume, member: nqn, address */
	ACT_DISCONNECT,	      /* nqn */
	ACT_MD_RETURN,	      /* volume, member: md, device, uuid (local) or nqn (remote);
				 re-add, else add with full resync */
	ACT_MD_STOP,	      /* volume: md (an array whose claim moved elsewhere, unmounted) */
	ACT_MD_READS,	      /* volume: md, device (a member's kernel name), write_mostly */
	_ACT_MAX,
};

struct action {
	enum action_type type;
	char *volume;	/* NULL when the object is unknown (orphans) */
	int32_t member; /* the member's index, -1 when none */
	int64_t epoch;	/* the volume's claim epoch as planned, 0 when none */
	char *drive, *uuid, *name, *nqn, *device, *host, *address, *md;
	uint64_t size;
	bool full;	   /* ACT_MD_RETURN: never re-add; the member may have diverged */
	bool fence;	   /* ACT_DISCONNECT: a leg of an array here whose claim left */
	bool write_mostly; /* ACT_MD_READS: MD reads from the member only when no other can */
};

struct plan {
	struct action *actions;
	size_t n;
};

struct plan_input {
	const char *node_name;
	const char *finalizer; /* ours on MeshStorVolumes */
	const struct volume *const *volumes;
	size_t n_volumes;
	const struct mesh_node *const *nodes; /* every MeshStorNode, for host NQNs and addresses */
	size_t n_nodes;
	const struct observation *obs;
	const char *dev; /* "/dev": where partitions and arrays appear */
	/* "/dev/md127" sources that are mounted; an array mounted here is never stopped. */
	const char *const *mounted;
	size_t n_mounted;
};

void plan_make(const struct plan_input *in, struct plan *ret);
void plan_done(struct plan *p);

const char *action_type_to_string(enum action_type t);
/* One line per action, as the golden tests and the debug log show them. */
void action_format(const struct action *a, struct strbuf *out);

/*
 * Messages on a member that is not a current copy of the data: it may hold
 * writes the array never saw (local to an earlier consumer), it fell behind
 * the array under an earlier epoch, or it is being wiped for a full resync.
 * Such a member is never assembled as a current copy and never re-added: when
 * it returns it is wiped and fully resynced. All start with
 * MEMBER_RESYNC_PREFIX; a full resync clears them.
 */
#define MEMBER_RESYNC_PREFIX "full resync required: "
#define MEMBER_DIVERGED_MESSAGE MEMBER_RESYNC_PREFIX "diverged, local to an earlier consumer"
#define MEMBER_BEHIND_MESSAGE MEMBER_RESYNC_PREFIX "behind the array under an earlier claim"
#define MEMBER_WIPED_MESSAGE MEMBER_RESYNC_PREFIX "being wiped and added anew"

/* On a member whose partition UUID or GPT name is not what its identity derives. */
#define MEMBER_IDENTITY_MESSAGE                                                                 \
	"refused: spec.members[].partitionUUID is not the UUID this member's volume and index " \
	"derive, or names a partition that is another member's; nothing is done to it"

/*
 * On a member the consumer has out of its array, Faulty at the epoch: dropped
 * when its node stopped answering (legwatch.c, written before the drop),
 * failed by MD (written right after), or returning (written before it
 * returns, apply.c). It is behind the array, but may return with a bitmap
 * resync.
 */
#define MEMBER_DROPPED_MESSAGE "dropped from the array: its node stopped answering"
#define MEMBER_FAILED_MESSAGE "failed by MD: its leg returned I/O errors"
#define MEMBER_RETURNING_MESSAGE "out of the array, returning: what changed meanwhile resyncs"

/* Whether member index of v carries a MEMBER_RESYNC_PREFIX message. */
bool member_needs_full_resync(const struct volume *v, int32_t index);
/*
 * Whether member index was part of the array at v's current epoch, as the
 * consumer reported it (a consumer-side state at this epoch): only such a
 * member may be re-added (bitmap resync) when it returns.
 */
bool member_joined_this_epoch(const struct volume *v, int32_t index);

/* GPT partition name of a member: "ms:<volume id>:m<index>" (at most 36 characters). */
void member_partition_name(const char *volume_id, int32_t index, struct strbuf *out);
/*
 * The MeshStorNodeDevice name of a drive: "<node>-<serial>" (the kernel name
 * when there is no serial), lowercased, anything but [a-z0-9.-] as '-'.
 */
void drive_object_name(const char *node, const struct drive *d, struct strbuf *out);
/*
 * Whether member m's partition UUID is the one its volume and index derive
 * (partition_uuid_for_member()) and, when p is given, p's GPT name is
 * member_partition_name(): a hand-edited or buggy spec that points a member
 * at another partition is never acted on.
 */
bool member_partition_ok(const struct volume *v, const struct volume_member *m,
			 const struct gpt_partition *p);
/* The MeshStorNode called name, or NULL. */
const struct mesh_node *plan_find_node(const struct plan_input *in, const char *name);
/*
 * The device to hand to mdadm for member m on this node: its partition, or
 * its import's hold over the namespace it has now (import_usable());
 * malloc'd, or NULL.
 */
char *plan_member_device(const struct plan_input *in, const struct volume *v,
			 const struct volume_member *m);
/*
 * The device MD knows member m by: its partition, or its import's hold (or
 * namespace, in an array made before holds; import_leg()), whether or not
 * the leg answers now; malloc'd, or NULL.
 */
char *plan_member_leg(const struct plan_input *in, const struct volume *v,
		      const struct volume_member *m);
