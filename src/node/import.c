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

int import_keep_hold(const struct nvmf_subsystem *s)
{
	int r;

	if (!s->hold.device) {
		if (!s->block || !s->block_dev || !s->block_sectors)
			return 0;
		r = dm_hold_create(s->nqn, s->block_dev, s->block_sectors);
		/* EEXIST: made meanwhile. EBUSY: MD uses the namespace itself (an older array). */
		return r == -EEXIST || r == -EBUSY ? 0 : r < 0 ? r : 1;
	}
	if (!hold_on_namespace(s)) {
		/*
		 * Over a namespace the kernel deleted: never reused, even if the
		 * import comes back. MD may still have it (the leg watch drops
		 * the leg then); else it goes, and the next call makes a new one.
		 */
		if (s->hold.open_count > 0)
			return 0;
		r = dm_hold_remove(s->nqn);
		return r == -EBUSY ? 0 : r < 0 ? r : 1;
	}
	if (s->hold.path_failed) {
		/* Held: the namespace is still there, so its head disk queues what comes. */
		r = dm_hold_reinstate(s->nqn, s->block_dev);
		return r < 0 ? r : 1;
	}
	if (s->block_sectors > s->hold.sectors) {
		r = dm_hold_resize(s->nqn, s->block_dev, s->block_sectors);
		return r < 0 ? r : 1;
	}
	return 0;
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
