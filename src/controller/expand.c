// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>

#include "controller/expand.h"
#include "util/banned.h"

int expand_volume(struct volume *v, int64_t capacity, struct strbuf *err)
{
	/* Never shrinks: a smaller request is met by what the volume already has. */
	if (capacity <= v->spec.capacity_bytes)
		return 0;
	if (v->spec.drives_per_copy != 1) {
		strbuf_addf(err,
			    "volume %s has drivesPerCopy=%d; only volumes with drivesPerCopy=1 "
			    "can be expanded so far",
			    v->meta.name, v->spec.drives_per_copy);
		return -EINVAL;
	}
	v->spec.capacity_bytes = capacity;
	for (size_t i = 0; i < v->spec.n_members; i++)
		v->spec.members[i].size_bytes = volume_member_bytes(capacity, 1);
	return 1;
}
