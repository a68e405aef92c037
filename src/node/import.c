// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/names.h"
#include "node/import.h"
#include "util/path.h"
#include "util/xalloc.h"
#include "util/banned.h"

static int import_cmp(const void *a, const void *b)
{
	return strcmp(((const struct nvmf_subsystem *)a)->nqn,
		      ((const struct nvmf_subsystem *)b)->nqn);
}

int imports_list(const char *sysfs, struct nvmf_subsystem **ret, size_t *ret_n)
{
	struct nvmf_subsystem *imps = NULL;
	struct dm_hold *holds = NULL;
	size_t n = 0, n_holds = 0;
	int r;

	/*
	 * Holds first: a hold is made only over a namespace already there, so
	 * none is seen without the namespace it was made over, unless the
	 * kernel deleted that namespace (import_keep_hold() removes a hold then).
	 */
	r = dm_holds_list(sysfs, MEMBER_NQN_PREFIX, &holds, &n_holds);
	if (r < 0)
		return r;
	r = nvmf_list(sysfs, MEMBER_NQN_PREFIX, &imps, &n);
	if (r < 0) {
		dm_holds_free(holds, n_holds);
		return r;
	}
	for (size_t h = 0; h < n_holds; h++) {
		struct nvmf_subsystem *s = NULL;

		for (size_t i = 0; i < n && !s; i++)
			if (strcmp(imps[i].nqn, holds[h].name) == 0)
				s = &imps[i];
		if (!s) {
			imps = xreallocarray(imps, n + 1, sizeof(*imps));
			s = &imps[n++];
			*s = (struct nvmf_subsystem){ .nqn = xstrdup(holds[h].name) };
		}
		s->hold = holds[h];
		memset(&holds[h], 0, sizeof(holds[h]));
	}
	dm_holds_free(holds, n_holds);
	if (n > 1)
		qsort(imps, n, sizeof(*imps), import_cmp);
	*ret = imps;
	*ret_n = n;
	return 0;
}

const char *import_leg(const struct nvmf_subsystem *s)
{
	return s->hold.device ?: s->block;
}

bool import_is(const struct nvmf_subsystem *s, const char *kname)
{
	const char *hold = path_basename(s->hold.device);
	const char *ns = path_basename(s->block);

	return kname && ((hold && strcmp(hold, kname) == 0) || (ns && strcmp(ns, kname) == 0));
}

/* Whether the hold stands over the namespace the import has now. */
static bool hold_on_namespace(const struct nvmf_subsystem *s)
{
	return s->hold.device && s->block && s->block_dev && s->hold.path == s->block_dev;
}

bool import_dead(const struct nvmf_subsystem *s)
{
	return s->hold.device && !hold_on_namespace(s);
}

const char *import_usable(const struct nvmf_subsystem *s)
{
	return hold_on_namespace(s) ? s->hold.device : NULL;
}

bool import_answers(const struct nvmf_subsystem *s)
{
	if (!nvmf_live(s))
		return false;
	return !s->hold.device || (hold_on_namespace(s) && !s->hold.path_failed);
}

enum hold_step import_hold_step(const struct nvmf_subsystem *s, bool in_array)
{
	if (!s->hold.device)
		return s->block && s->block_dev && s->block_sectors && !s->block_held
			       ? HOLD_CREATE
			       : HOLD_NOTHING;
	if (!hold_on_namespace(s)) {
		if (s->hold.open_count == 0)
			return HOLD_REMOVE;
		return in_array ? HOLD_NOTHING : HOLD_RELEASE;
	}
	return s->hold.path_failed ? HOLD_REINSTATE : HOLD_NOTHING;
}

int import_keep_hold(const struct nvmf_subsystem *s, bool in_array)
{
	int r = 0;

	switch (import_hold_step(s, in_array)) {
	case HOLD_NOTHING:
		return 0;
	case HOLD_CREATE:
		r = dm_hold_create(s->nqn, s->block_dev, s->block_sectors);
		if (r == -EEXIST || r == -EBUSY)
			return 0; /* made meanwhile; or the namespace was taken meanwhile */
		break;
	case HOLD_REINSTATE:
		r = dm_hold_reinstate(s->nqn, s->block_dev);
		break;
	case HOLD_RELEASE:
		r = dm_hold_release(s->nqn);
		break;
	case HOLD_REMOVE:
		r = dm_hold_remove(s->nqn);
		if (r == -EBUSY)
			return 0; /* opened meanwhile */
		break;
	}
	return r < 0 ? r : 1;
}

int import_grow_hold(const struct nvmf_subsystem *s)
{
	int r;

	if (!import_answers(s) || !s->hold.device || s->block_sectors <= s->hold.sectors)
		return 0;
	r = dm_hold_resize(s->nqn, s->block_dev, s->block_sectors);
	return r < 0 ? r : 1;
}

int import_disconnect(const char *sysfs, const char *nqn)
{
	int r = dm_hold_release(nqn);

	/* ENXIO: no hold. ENOENT: no device-mapper at all, so no hold either. */
	if (r < 0 && r != -ENXIO && r != -ENOENT)
		return r;
	r = nvmf_disconnect(sysfs, nqn);
	if (r < 0)
		return r;
	r = dm_hold_remove(nqn);
	return r == -EBUSY || r == -ENOENT ? 0 : r;
}
