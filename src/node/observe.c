// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>

#include "model/names.h"
#include "node/fs.h"
#include "node/import.h"
#include "node/observe.h"
#include "util/cleanup.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Sets fs_shut_down on each array whose mounted filesystem has shut down. */
static int mark_shut_down(const struct node_paths *p, struct md_array *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *dev = NULL;
		int r;

		xasprintf(&dev, "%s/%s", p->dev, a[i].kname);
		r = fs_device_shut_down(p->proc, dev, &a[i].fs_shut_down);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The imports and arrays into o; the first error, after reading the rest. */
static int take_legs(const struct node_paths *p, struct observation *o)
{
	int r, first = 0;

	r = imports_list(p->sysfs, &o->imports, &o->n_imports);
	if (r < 0 && r != -ENOENT)
		first = first ?: r;
	r = md_list(p->sysfs, p->dev, &o->arrays, &o->n_arrays);
	if (r < 0 && r != -ENOENT)
		first = first ?: r;
	/* Bounded: while a leg's I/O holds a bitmap, every array's state is unknown (md.h). */
	r = md_mark_broken(p->proc, o->arrays, o->n_arrays);
	for (size_t i = 0; r < 0 && i < o->n_arrays; i++)
		o->arrays[i].broken_unknown = true;
	if (r < 0 && r != -ETIMEDOUT && r != -EAGAIN)
		first = first ?: r;
	r = mark_shut_down(p, o->arrays, o->n_arrays);
	if (r < 0)
		first = first ?: r;
	return first;
}

int observe_take(const struct node_paths *p, struct observation *ret)
{
	struct observation o = { 0 };
	int r, first = 0;

	r = inventory_drives(p, &o.drives, &o.n_drives);
	if (r < 0)
		first = first ?: r;
	r = nvmet_list(p->nvmet, MEMBER_NQN_PREFIX, &o.exports, &o.n_exports);
	/* No nvmet directory: nothing is exported (the module check reports why). */
	if (r < 0 && r != -ENOENT)
		first = first ?: r;
	r = take_legs(p, &o);
	if (r < 0)
		first = first ?: r;
	if (first < 0) {
		observation_done(&o);
		return first;
	}
	*ret = o;
	return 0;
}

int observe_legs(const struct node_paths *p, struct observation *o)
{
	nvmf_subsystems_free(o->imports, o->n_imports);
	md_arrays_free(o->arrays, o->n_arrays);
	o->imports = NULL, o->n_imports = 0;
	o->arrays = NULL, o->n_arrays = 0;
	return take_legs(p, o);
}

void observation_done(struct observation *o)
{
	drives_free(o->drives, o->n_drives);
	nvmet_subsystems_free(o->exports, o->n_exports);
	nvmf_subsystems_free(o->imports, o->n_imports);
	md_arrays_free(o->arrays, o->n_arrays);
	memset(o, 0, sizeof(*o));
}

bool observation_find_partition(const struct observation *o, const char *uuid,
				const struct drive **ret_drive,
				const struct gpt_partition **ret_part)
{
	for (size_t d = 0; uuid && d < o->n_drives; d++) {
		const struct gpt_disk *g = &o->drives[d].gpt;

		for (size_t i = 0; i < g->n_parts; i++)
			if (g->parts[i].ours && strcmp(g->parts[i].uuid, uuid) == 0) {
				*ret_drive = &o->drives[d];
				*ret_part = &g->parts[i];
				return true;
			}
	}
	return false;
}

const struct nvmet_subsystem *observation_find_export(const struct observation *o, const char *nqn)
{
	for (size_t i = 0; i < o->n_exports; i++)
		if (strcmp(o->exports[i].nqn, nqn) == 0)
			return &o->exports[i];
	return NULL;
}

const struct nvmf_subsystem *observation_find_import(const struct observation *o, const char *nqn)
{
	for (size_t i = 0; i < o->n_imports; i++)
		if (strcmp(o->imports[i].nqn, nqn) == 0)
			return &o->imports[i];
	return NULL;
}

const struct md_array *observation_find_array(const struct observation *o, const char *name)
{
	char uuid[UUID_STRING_LEN + 1];

	volume_md_uuid(name, uuid);
	for (size_t i = 0; i < o->n_arrays; i++)
		if (o->arrays[i].uuid && strcmp(o->arrays[i].uuid, uuid) == 0)
			return &o->arrays[i];
	return NULL;
}
