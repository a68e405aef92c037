// SPDX-License-Identifier: GPL-2.0-only
#include "kube/update.h"
#include "util/banned.h"

struct change {
	enum volume_part part;
	volume_change_fn fn;
	void *userdata;
	struct strbuf *err;
};

static int mutate(json_t *obj, void *userdata)
{
	const struct change *c = userdata;

	return volume_change_json(obj, c->part, c->fn, c->userdata, c->err);
}

int kube_update_volume(struct kube_client *c, const char *name, enum volume_part part,
		       volume_change_fn change, void *userdata, json_t **ret, struct strbuf *err)
{
	struct change ch = { .part = part, .fn = change, .userdata = userdata, .err = err };

	return kube_update_retry(c, &kube_meshstorvolumes, NULL, name,
				 part == VOLUME_PART_STATUS ? "status" : NULL, mutate, &ch, ret,
				 err);
}
