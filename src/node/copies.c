// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node/copies.h"
#include "node/plan.h"
#include "util/xalloc.h"
#include "util/banned.h"

bool copies_member_current(const struct volume *v, int32_t index)
{
	const struct member_status *ms = volume_find_member_status(v, index);

	if (member_needs_full_resync(v, index))
		return false;
	return !ms || !member_state_is_consumer_view(ms->state) || ms->state == MEMBER_STATE_SYNCED;
}

/* Local to the node that had the array last, when that is not node. */
static bool local_to_previous(const struct volume *v, const struct volume_member *m,
			      const char *node)
{
	const char *prev = v->status.node_name;

	return prev && strcmp(prev, node) != 0 && strcmp(m->node_name, prev) == 0;
}

/* The members of stripe s that hold current copies, for an operator: "member 1 on node c". */
static void name_current(const struct volume *v, int32_t stripe, struct strbuf *why)
{
	size_t k = 0;

	for (size_t i = 0; i < v->spec.n_members; i++) {
		const struct volume_member *m = &v->spec.members[i];

		if (m->stripe == stripe && copies_member_current(v, m->index))
			strbuf_addf(why, "%smember %d on node %s", k++ ? ", " : "", m->index,
				    m->node_name);
	}
	if (k == 0)
		strbuf_adds(why, "a copy the record holds current, and none does");
}

/* copies_choose() for the members of one stripe (RAID1: the only one); whether any is used. */
static bool choose_stripe(const struct volume *v, const char *node, int32_t stripe,
			  const bool *reachable, struct copies_choice *c)
{
	bool other = false, any = false;

	for (size_t i = 0; i < v->spec.n_members; i++) {
		const struct volume_member *m = &v->spec.members[i];

		other |= m->stripe == stripe && reachable[i] &&
			 copies_member_current(v, m->index) && !local_to_previous(v, m, node);
	}
	for (size_t i = 0; i < v->spec.n_members; i++) {
		const struct volume_member *m = &v->spec.members[i];

		if (m->stripe != stripe || !copies_member_current(v, m->index))
			continue;
		if (local_to_previous(v, m, node) && other) {
			c->diverged[i] = true;
			continue;
		}
		c->use[i] = reachable[i];
		any |= c->use[i];
	}
	return any;
}

/* The operator's choice for a stripe with no current copy in reach: the freshest one that is. */
static bool accept_loss(const struct volume *v, int32_t stripe, const bool *reachable,
			const uint64_t *events, struct copies_choice *c)
{
	long best = -1;

	if (v->accept_data_loss_epoch == 0 || v->accept_data_loss_epoch != v->spec.epoch ||
	    v->spec.drives_per_copy > 1)
		return false; /* RAID10: stripes from copies of different events never assemble */
	/* Spent: a consumer has had an array at this epoch (the accepted copy is Synced). */
	for (size_t i = 0; i < v->status.n_members; i++)
		if (v->status.members[i].state == MEMBER_STATE_SYNCED &&
		    v->status.members[i].last_epoch == v->spec.epoch)
			return false;
	for (size_t i = 0; i < v->spec.n_members; i++)
		if (v->spec.members[i].stripe == stripe && reachable[i] &&
		    (best < 0 || events[i] > events[best]))
			best = (long)i;
	if (best < 0)
		return false;
	for (size_t i = 0; i < v->spec.n_members; i++)
		if (v->spec.members[i].stripe == stripe)
			c->diverged[i] = false;
	c->use[best] = true;
	c->data_loss_accepted = true;
	return true;
}

int copies_choose(const struct volume *v, const char *node, const bool *reachable,
		  const uint64_t *events, struct copies_choice *ret, struct strbuf *why)
{
	size_t n = v->spec.n_members;
	struct copies_choice c = {
		.use = xcalloc(n + 1, sizeof(bool)),
		.diverged = xcalloc(n + 1, sizeof(bool)),
	};
	bool waits = false;

	/* Each stripe on its own: a RAID10 array needs a current copy of every one. */
	for (int32_t s = 0; s < v->spec.drives_per_copy; s++) {
		if (choose_stripe(v, node, s, reachable, &c) ||
		    accept_loss(v, s, reachable, events, &c))
			continue;
		strbuf_adds(why, waits ? "; "
				       : "no current copy of the volume is reachable; "
					 "staging waits for ");
		if (v->spec.drives_per_copy > 1)
			strbuf_addf(why, "stripe %d: ", s);
		name_current(v, s, why);
		waits = true;
	}
	if (waits) {
		strbuf_addf(why,
			    " (a copy that fell behind or may have diverged is never "
			    "assembled on its own: it would serve older data). If those "
			    "nodes are gone for good, start from the freshest copy within "
			    "reach and lose what only theirs hold: kubectl annotate msvol "
			    "%s %s=%lld",
			    v->meta.name, VOLUME_ACCEPT_DATA_LOSS_ANNOTATION,
			    (long long)v->spec.epoch);
		copies_choice_done(&c);
		return -EAGAIN;
	}
	*ret = c;
	return 0;
}

void copies_choice_done(struct copies_choice *c)
{
	free(c->use);
	free(c->diverged);
	c->use = c->diverged = NULL;
}
