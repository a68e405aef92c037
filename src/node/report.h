/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "node/plan.h"

/*
 * What this node reports of a volume, purely from the plan input (API view
 * and a fresh observation). report_volume() rewrites the parts of v->status
 * this node owns (docs/ARCHITECTURE.md, "Member states"):
 *   - as host, each of its members' state and lastEpoch, unless the consumer
 *     has refined it at the current epoch;
 *   - as consumer with the array assembled here, every member's array view,
 *     the array state, counts, sync progress, phase, conditions and nodeName;
 *   - as the node that last had the array (status.nodeName) and has it no
 *     longer, nodeName, the array state and active count cleared and
 *     condition Available False, NotAssembled.
 * Returns true when v->status changed. now is Unix seconds (missingSince).
 */
bool report_volume(const struct plan_input *in, struct volume *v, int64_t now);
/*
 * Whether report_volume() has anything of v to say on this node: v has a
 * member here, or status.nodeName names this node. For no other volume does
 * it change anything.
 */
bool report_concerns(const struct plan_input *in, const struct volume *v);

/*
 * The consumer's word when staging waits for a current copy (why: for whom):
 * phase Unavailable and condition Available False, NoCurrentCopy. Nothing on
 * a volume being deleted, nor once the claim (node_name at epoch) moved or
 * another node recorded the array. Returns true when v->status changed.
 */
bool report_waiting(struct volume *v, const char *node_name, int64_t epoch, const char *why,
		    int64_t now);

/*
 * The consumer's word that member index is out of its array (message: why),
 * so that it never counts as a current copy: Faulty at the current epoch,
 * unless the record says it is behind already (a consumer-side state other
 * than Synced at this epoch, which stays, a Missing member's clock with it).
 * full: it is about to be wiped, and carries MEMBER_WIPED_MESSAGE until a
 * full resync ends (never the bitmap's way back meanwhile). Written before a
 * lost leg is dropped and before a member returns, so a consumer that dies at
 * any point never leaves it looking current. A full-resync mark stays.
 * Returns 1 when v->status changed, 0 when it said so already, -EPERM when
 * the claim or the array (status.nodeName) is not node_name's, -ESTALE when
 * the claim's epoch is not epoch, the one the caller decided on (0: any).
 */
int report_member_faulty(struct volume *v, const char *node_name, int64_t epoch, int32_t index,
			 const char *message, bool full);
