// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>

#include "kube/update.h"
#include "util/banned.h"

struct change {
	unsigned parts;
	volume_change_fn fn;
	void *userdata;
};

static int mutate(json_t *obj, void *userdata)
{
	const struct change *c = userdata;

	return volume_change_json(obj, c->parts, c->fn, c->userdata);
}

int kube_update_volume(struct kube_client *c, const char *name, unsigned parts,
		       volume_change_fn change, void *userdata, json_t **ret, struct strbuf *err)
{
	struct change ch = { .parts = parts, .fn = change, .userdata = userdata };

	if (parts != VOLUME_PART_STATUS && parts != VOLUME_PART_FINALIZERS)
		return -EINVAL;
	return kube_update_retry(c, &kube_meshstorvolumes, NULL, name,
				 parts == VOLUME_PART_STATUS ? "status" : NULL, mutate, &ch, ret,
				 err);
}
