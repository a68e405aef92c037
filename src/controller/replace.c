// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "controller/replace.h"
#include "model/names.h"
#include "util/xalloc.h"
#include "util/banned.h"

int replace_due(const struct volume *v, int64_t now)
{
	for (size_t s = 0; s < v->status.n_members; s++) {
		const struct member_status *st = &v->status.members[s];

		if (st->state != MEMBER_STATE_MISSING || st->missing_since == 0 ||
		    now - st->missing_since < v->spec.member_missing_timeout_sec)
			continue;
		for (size_t i = 0; i < v->spec.n_members; i++)
			if (v->spec.members[i].index == st->index)
				return (int)i;
	}
	return -1;
}

static int32_t next_index(const struct volume *v)
{
	int32_t max = -1;

	for (size_t i = 0; i < v->spec.n_members; i++)
		if (v->spec.members[i].index > max)
			max = v->spec.members[i].index;
	return max + 1;
}

int replace_member(struct volume *v, size_t i, const struct topology *t, struct strbuf *err)
{
	struct volume_member *m = &v->spec.members[i];
	const char **avoid = xcalloc(v->spec.n_members + 1, sizeof(*avoid));
	struct placement_request req = {
		.member_bytes = (uint64_t)m->size_bytes,
		.copies = 1,
		.drives_per_copy = 1,
		.sector_size = (uint32_t)v->spec.sector_size,
		.avoid_nodes = avoid,
	};
	struct placement_member plan;
	int r;

	/* The volume's recorded size, never "match the drives": members stay alike. */
	if (req.sector_size != 512 && req.sector_size != 4096) {
		free(avoid);
		strbuf_addf(err, "volume %s records sectorSize %d", v->meta.name,
			    v->spec.sector_size);
		return -EINVAL;
	}

	/*
	 * Away from every node holding a member of this volume, the leaving one
	 * included: the new home then holds no other copy's member, which is all
	 * redundancy needs. A stripe of a striped copy may so land on another
	 * node than its copy's other stripes; MD RAID10 does not mind.
	 */
	for (size_t k = 0; k < v->spec.n_members; k++)
		avoid[k] = v->spec.members[k].node_name;
	r = placement_plan(&req, t->nodes, t->n_nodes, &plan, err);
	free(avoid);
	if (r < 0)
		return r;
	m->index = next_index(v);
	free(m->node_name);
	m->node_name = xstrdup(plan.node);
	free(m->drive);
	m->drive = xstrdup(plan.drive);
	partition_uuid_for_member(v->meta.name, (unsigned)m->index, m->partition_uuid);
	v->spec.epoch++;
	return 0;
}
