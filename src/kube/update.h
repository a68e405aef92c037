/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include "kube/client.h"
#include "kube/codec.h"

/*
 * kube_update_retry() on MeshStorVolume name, typed: each try decodes the
 * volume as the server has it, lets change edit it and writes back the part
 * named (volume_change_json()): the status to the status subresource, the
 * spec and the finalizers to the object. A volume that does not decode is
 * -EINVAL with the reason in err. Returns as kube_update_retry(): 0 also when
 * change found nothing to do, with the object written (or read, then) in *ret
 * when ret is not NULL.
 */
int kube_update_volume(struct kube_client *c, const char *name, enum volume_part part,
		       volume_change_fn change, void *userdata, json_t **ret, struct strbuf *err);
