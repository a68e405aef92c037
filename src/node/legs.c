// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "node/legs.h"
#include "util/banned.h"

/* The import whose namespace is member kname of an array, or -1 (a local partition). */
static long import_of(const char *kname, const struct nvmf_subsystem *imports, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *b = imports[i].block ? strrchr(imports[i].block, '/') : NULL;

		if (b && strcmp(b + 1, kname) == 0)
			return (long)i;
	}
	return -1;
}

enum leg_verdict legs_decide(const struct md_array *arr, const struct nvmf_subsystem *imports,
			     const bool *down, size_t n_imports, size_t *ret_import)
{
	size_t answering = 0, lost = 0;
	long drop = -1;

	if (arr->broken)
		return LEG_ALL_WELL;
	for (size_t i = 0; i < arr->n_members; i++) {
		const struct md_member *m = &arr->members[i];
		long imp = import_of(m->kname, imports, n_imports);

		if (m->faulty)
			continue;
		if (imp >= 0 && down[imp]) {
			/* A recovering or spare leg that is lost holds up writes too. */
			lost++;
			if (drop < 0 || !m->in_sync)
				drop = imp;
		} else if (m->in_sync) {
			answering++;
		}
	}
	if (lost == 0)
		return LEG_ALL_WELL;
	if (answering == 0)
		return LEG_WAIT; /* dropping the last current leg would break the array */
	*ret_import = (size_t)drop;
	return LEG_DROP;
}
