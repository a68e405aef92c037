// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>

#include "controller/liveness.h"
#include "util/macro.h"
#include "util/xalloc.h"
#include "util/banned.h"

static struct liveness_entry *find(const struct liveness *l, const char *node)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->entries[i].node, node) == 0)
			return &l->entries[i];
	return NULL;
}

void liveness_observe(struct liveness *l, const char *node, const char *version, int64_t duration_s,
		      uint64_t now_usec)
{
	struct liveness_entry *e = find(l, node);

	if (!e) {
		l->entries = xreallocarray(l->entries, l->n + 1, sizeof(*l->entries));
		e = &l->entries[l->n++];
		*e = (struct liveness_entry){ .node = xstrdup(node) };
	}
	e->duration_s = duration_s;
	/* The same version again (a relist, a resent event) is no renewal. */
	if (e->version && strcmp(e->version, version) == 0)
		return;
	free(e->version);
	e->version = xstrdup(version);
	e->renewed_usec = now_usec;
}

void liveness_forget(struct liveness *l, const char *node)
{
	struct liveness_entry *e = find(l, node);

	if (!e)
		return;
	free(e->node);
	free(e->version);
	*e = l->entries[--l->n];
}

bool liveness_is_live(const struct liveness *l, const char *node, uint64_t now_usec,
		      int64_t *ret_silent_s)
{
	const struct liveness_entry *e = find(l, node);
	uint64_t silent;

	if (!e) {
		if (ret_silent_s)
			*ret_silent_s = -1;
		return false;
	}
	silent = now_usec > e->renewed_usec ? now_usec - e->renewed_usec : 0;
	if (ret_silent_s)
		*ret_silent_s = (int64_t)(silent / USEC_PER_SEC);
	return silent <= (uint64_t)e->duration_s * USEC_PER_SEC;
}

void liveness_done(struct liveness *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->entries[i].node);
		free(l->entries[i].version);
	}
	free(l->entries);
	*l = (struct liveness){ 0 };
}
