// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "node/import.h"
#include "node/legs.h"
#include "node/plan.h"
#include "util/strbuf.h"
#include "util/banned.h"

/* The import whose hold (or namespace) is member kname of an array, or -1. */
static long import_of(const char *kname, const struct nvmf_subsystem *imports, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (import_is(&imports[i], kname))
			return (long)i;
	return -1;
}

/*
 * The mirror a slot belongs to: RAID1 is one; RAID10's near layout keeps the
 * copies of a stripe in adjacent slots (stripe * copies + copy). The kernel's
 * md/layout says how many near copies (its low byte); the spec's count only
 * where it does not.
 */
static int mirror_of(const struct md_array *arr, int copies, int slot)
{
	if (!arr->level || strcmp(arr->level, "raid10") != 0)
		return 0;
	if ((arr->layout & 0xff) > 0)
		copies = arr->layout & 0xff;
	if (copies < 1)
		return 0;
	return slot / copies;
}

/*
 * Whether a leg answers now: a local partition, or an import whose controller
 * is live. One lost for less than the grace does not, nor a namespace whose
 * controller is gone (being deleted, before MD fails it).
 */
static bool answers(const struct md_member *m, const struct nvmf_subsystem *import)
{
	if (!import)
		return m->partition;
	return import_answers(import);
}

/* Whether m takes writes in mirror mirror: in a slot of it, not faulty (spares take none). */
static bool in_mirror(const struct md_array *arr, int copies, const struct md_member *m, int mirror)
{
	return !m->faulty && m->slot >= 0 && mirror_of(arr, copies, m->slot) == mirror;
}

/* legs_decide() for the members of one mirror. */
static enum leg_verdict decide_mirror(const struct md_array *arr, int copies, int mirror,
				      const struct nvmf_subsystem *imports, const bool *down,
				      size_t n_imports, size_t *ret_import)
{
	size_t answering = 0, lost = 0;
	long drop = -1;

	for (size_t i = 0; i < arr->n_members; i++) {
		const struct md_member *m = &arr->members[i];
		long imp;

		if (!in_mirror(arr, copies, m, mirror))
			continue;
		imp = import_of(m->kname, imports, n_imports);
		if (imp >= 0 && down[imp]) {
			/* A recovering leg that is lost holds up writes too. */
			lost++;
			if (drop < 0 || !m->in_sync)
				drop = imp;
		} else if (m->in_sync && answers(m, imp < 0 ? NULL : &imports[imp])) {
			answering++;
		}
	}
	if (lost == 0)
		return LEG_ALL_WELL;
	if (answering == 0)
		return LEG_WAIT; /* dropping its last current leg would break the array */
	*ret_import = (size_t)drop;
	return LEG_DROP;
}

bool legs_beyond_return(const struct md_array *arr, int copies,
			const struct nvmf_subsystem *imports, size_t n_imports, size_t imp)
{
	int mirror = -1;

	for (size_t i = 0; i < arr->n_members && mirror < 0; i++)
		if (!arr->members[i].faulty && arr->members[i].slot >= 0 &&
		    import_is(&imports[imp], arr->members[i].kname))
			mirror = mirror_of(arr, copies, arr->members[i].slot);
	if (mirror < 0)
		return false;
	for (size_t i = 0; i < arr->n_members; i++) {
		const struct md_member *m = &arr->members[i];
		long k;

		if (!in_mirror(arr, copies, m, mirror))
			continue;
		k = import_of(m->kname, imports, n_imports);
		if (k < 0 || !import_dead(&imports[k]))
			return false;
	}
	return true;
}

enum leg_verdict legs_decide(const struct md_array *arr, int copies,
			     const struct nvmf_subsystem *imports, const bool *down,
			     size_t n_imports, size_t *ret_import)
{
	enum leg_verdict verdict = LEG_ALL_WELL;
	int mirrors = 1;

	if (arr->broken)
		return LEG_ALL_WELL;
	for (size_t i = 0; i < arr->n_members; i++)
		if (arr->members[i].slot >= 0 &&
		    mirror_of(arr, copies, arr->members[i].slot) + 1 > mirrors)
			mirrors = mirror_of(arr, copies, arr->members[i].slot) + 1;
	for (int g = 0; g < mirrors; g++) {
		enum leg_verdict v =
			decide_mirror(arr, copies, g, imports, down, n_imports, ret_import);

		if (v == LEG_DROP)
			return LEG_DROP;
		if (v == LEG_WAIT)
			verdict = LEG_WAIT;
	}
	return verdict;
}

bool legs_local_member(const char *kname, const struct local_part *parts, size_t n_parts,
		       const struct volume *v, const char *node, int32_t *ret_index)
{
	const struct local_part *part = NULL;

	for (size_t k = 0; k < n_parts && !part; k++)
		if (strcmp(parts[k].kname, kname) == 0)
			part = &parts[k];
	if (!part)
		return false;
	for (size_t i = 0; i < v->spec.n_members; i++) {
		const struct volume_member *vm = &v->spec.members[i];
		_cleanup_strbuf_ struct strbuf name = STRBUF_INIT;

		if (!vm->node_name || strcmp(vm->node_name, node) != 0 || !vm->partition_uuid ||
		    strcmp(vm->partition_uuid, part->uuid) != 0)
			continue;
		member_partition_name(v->meta.name, vm->index, &name);
		if (strcmp(name.buf, part->name) == 0) {
			*ret_index = vm->index;
			return true;
		}
	}
	return false;
}
