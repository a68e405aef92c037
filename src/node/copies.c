// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "node/copies.h"
#include "node/plan.h"
#include "util/xalloc.h"
#include "util/banned.h"

static const struct member_status *status_of(const struct volume *v, int32_t index)
{
	for (size_t i = 0; i < v->status.n_members; i++)
		if (v->status.members[i].index == index)
			return &v->status.members[i];
	return NULL;
}

bool copies_member_current(const struct volume *v, int32_t index)
{
	const struct member_status *ms = status_of(v, index);

	if (member_needs_full_resync(v, index))
		return false;
	return !ms || !member_state_is_consumer_view(ms->state) ||
	       ms->state == MEMBER_STATE_SYNCED;
}

/* Local to the node that had the array last, when that is not node. */
static bool local_to_previous(const struct volume *v, const struct volume_member *m,
			      const char *node)
{
	const char *prev = v->status.node_name;

	return prev && strcmp(prev, node) != 0 && strcmp(m->node_name, prev) == 0;
}

int copies_choose(const struct volume *v, const char *node, const bool *reachable,
		  struct copies_choice *ret, struct strbuf *why)
{
	size_t n = v->spec.n_members;
	struct copies_choice c = {
		.use = xcalloc(n + 1, sizeof(bool)),
		.diverged = xcalloc(n + 1, sizeof(bool)),
	};
	bool other = false, any = false;

	for (size_t i = 0; i < n; i++) {
		const struct volume_member *m = &v->spec.members[i];

		other |= reachable[i] && copies_member_current(v, m->index) &&
			 !local_to_previous(v, m, node);
	}
	for (size_t i = 0; i < n; i++) {
		const struct volume_member *m = &v->spec.members[i];

		if (!copies_member_current(v, m->index))
			continue;
		if (local_to_previous(v, m, node) && other) {
			c.diverged[i] = true;
			continue;
		}
		c.use[i] = reachable[i];
		any |= c.use[i];
	}
	if (!any) {
		size_t k = 0;

		strbuf_adds(why, "no current copy of the volume is reachable; staging waits for ");
		for (size_t i = 0; i < n; i++) {
			const struct volume_member *m = &v->spec.members[i];

			if (copies_member_current(v, m->index))
				strbuf_addf(why, "%smember %d on node %s", k++ ? ", " : "", m->index,
					    m->node_name);
		}
		if (k == 0)
			strbuf_adds(why, "a copy the record holds current, and none does");
		strbuf_adds(why, " (a copy that fell behind or may have diverged is never "
				 "assembled on its own: it would serve older data)");
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
