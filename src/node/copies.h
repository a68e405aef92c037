/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "model/volume.h"
#include "util/strbuf.h"

/*
 * Which copies of a volume hold every acknowledged write, decided from what
 * the consumers recorded in status (docs/ARCHITECTURE.md, "Safety"). Pure.
 */

/*
 * Whether member index is a current copy by the record: not marked for a
 * full resync, and not last seen by a consumer out of sync (Faulty, Missing,
 * Syncing, Spare, Replacing) at any epoch. A host's word (Requested, Created,
 * Exported) without a mark keeps what the consumer last knew: in sync.
 */
bool copies_member_current(const struct volume *v, int32_t index);

/* What staging on node do with each member of v (copies_choose()). */
struct copies_choice {
	bool *use;		 /* per spec member: assemble the array from it */
	bool *diverged;		 /* per spec member: mark it diverged (full resync later) */
	bool data_loss_accepted; /* a stripe starts from a copy that is not current */
};

/*
 * Chooses the members a new array on node starts from, given which of v's
 * members (in spec order) are reachable now. Only current members are used;
 * one local to the node that last had the array (status.nodeName, another
 * node) may hold writes nobody else saw, so it is left out and marked
 * diverged when another current member is reachable, and used when it is the
 * only current copy within reach. Returns 0, or -EAGAIN when no current member
 * is reachable, naming in why the nodes that hold current copies: staging
 * then waits instead of serving older data. Only when the operator accepted
 * data loss for this epoch (VOLUME_ACCEPT_DATA_LOSS_ANNOTATION) does such a
 * stripe start from the reachable member with the most MD events (events,
 * per member; reachable members are whole copies). ret's arrays are malloc'd.
 */
int copies_choose(const struct volume *v, const char *node, const bool *reachable,
		  const uint64_t *events, struct copies_choice *ret, struct strbuf *why);
void copies_choice_done(struct copies_choice *c);
