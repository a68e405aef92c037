/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "node/nvmf.h"

/*
 * A remote leg: an import (nvmf.h) and its hold (dm.h), which MD uses in
 * place of the namespace. The hold keeps the leg's I/O from failing up to MD
 * when the kernel gives the controller up (a refused reconnect: DNR deletes
 * the controller whatever ctrl_loss_tmo says), so MD never goes on without a
 * leg unless the agent releases it, after recording the drop
 * (docs/ARCHITECTURE.md, "A leg's hold").
 */

/*
 * The imports of MeshStor's members (nvmf_list()) with their holds; a hold
 * whose controller is gone is an import of its own (no ctrl_state, no
 * block), until it is removed. Sorted by NQN.
 */
int imports_list(const char *sysfs, struct nvmf_subsystem **ret, size_t *ret_n);

/*
 * The name MD knows the leg by: its hold's device, or for an array assembled
 * before holds, its namespace. NULL when neither exists.
 */
const char *import_leg(const struct nvmf_subsystem *s);
/* Whether kernel name kname ("dm-3", "nvme2n1") is the import's hold or namespace. */
bool import_is(const struct nvmf_subsystem *s, const char *kname);
/*
 * The device to hand to mdadm: the hold, when it stands over the namespace
 * the import has now. NULL otherwise (no hold yet, or one left over a
 * namespace the kernel deleted: nothing must read through that).
 */
const char *import_usable(const struct nvmf_subsystem *s);
/*
 * Whether the leg's hold stands over a namespace the kernel deleted (or
 * over nothing): it can never answer again through that hold.
 */
bool import_dead(const struct nvmf_subsystem *s);
/* Whether the leg takes writes now: its controller live and its hold's path on it and active. */
bool import_answers(const struct nvmf_subsystem *s);

enum hold_step {
	HOLD_NOTHING,
	HOLD_CREATE,	/* over a namespace nothing holds yet */
	HOLD_REINSTATE, /* its failed path: the namespace is still the one it holds */
	HOLD_RELEASE,	/* dead, and open by something that is not an array (mdadm) */
	HOLD_REMOVE,	/* dead, and open by nothing */
};

/*
 * What keeps the import's hold in step (pure). A hold is made over a
 * namespace nothing holds (not one MD uses directly: an array assembled
 * before holds); its path is reinstated once dm failed it while the
 * namespace is still the one it was made over (the head disk queues while
 * the controller reconnects). A dead hold (its namespace deleted) is never
 * pointed at another: removed once nothing has it open; released when open
 * by something other than an array (in_array: MD has it as a member), which
 * would otherwise wait on it for ever; left to the leg watch's drop while an
 * array has it.
 */
enum hold_step import_hold_step(const struct nvmf_subsystem *s, bool in_array);
/* Takes import_hold_step(). 1 when something changed, 0 when nothing needed to, -errno. */
int import_keep_hold(const struct nvmf_subsystem *s, bool in_array);
/*
 * Grows the hold to its namespace's length when the namespace grew (an
 * expansion), only while the leg answers: the swap suspends the table,
 * which waits for what is in flight. 1 when grown, 0, -errno.
 */
int import_grow_hold(const struct nvmf_subsystem *s);

/*
 * Lets the leg go: its hold released (what it holds fails up to MD), its
 * controller deleted, its hold removed unless MD still has it open (removed
 * later by import_keep_hold()). 0 or -errno.
 */
int import_disconnect(const char *sysfs, const char *nqn);
