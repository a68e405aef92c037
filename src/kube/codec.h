/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <jansson.h>

#include "model/device.h"
#include "model/node.h"
#include "model/volume.h"
#include "util/strbuf.h"

/*
 * JSON <-> model for MeshStor's custom resources, field for field as
 * docs/crds.md lists them.
 *
 * x_from_json() takes any json_t (NULL included), checks apiVersion and kind,
 * the type of every field it knows, and then the model's x_validate(). It
 * returns 0 and a new object, or -EINVAL with "<field path>: <reason>" appended
 * to err (which may be NULL). Unknown fields are ignored, as Kubernetes clients
 * must; JSON null reads as an absent field, and an empty optional string as
 * unset (NULL).
 *
 * x_to_json() writes the whole object: apiVersion, kind, metadata (name, and
 * resourceVersion and finalizers when set), spec, status. Unset optional fields
 * are left out, so a PUT clears them; uid, generation and deletionTimestamp are
 * the API server's and never written. x_status_to_json() is the same less the
 * spec: the body of a PUT to the status subresource. Both return NULL only when
 * jansson cannot allocate, or for an object that would not pass x_validate().
 */
#define CODEC_API_VERSION "csi.meshstor.io/v1alpha1"

int volume_from_json(const json_t *obj, struct volume **ret, struct strbuf *err);
json_t *volume_to_json(const struct volume *v);
json_t *volume_status_to_json(const struct volume *v);
/* obj's "status" replaced by v's: for kube_update_retry() mutators. 0 or -EINVAL. */
int volume_status_into(json_t *obj, const struct volume *v);

/*
 * A typed change to a volume read from the API server (kube_update_volume()):
 * change edits the decoded volume and returns 0 to write it, 1 when there is
 * nothing to change, or -errno to give up. Only the part named is written back
 * into the JSON read; everything else there stays as it was. The status is
 * written whole (a status field this codec does not know is dropped: agents
 * own it). In the spec only the top-level fields this codec knows change, so
 * a top-level field a newer version added survives a write by an older one;
 * the members are written whole. For the finalizers only the metadata is
 * decoded (spec and status are left empty): a volume whose spec or status no
 * longer reads still lets go.
 */
enum volume_part {
	VOLUME_PART_FINALIZERS, /* metadata.finalizers */
	VOLUME_PART_SPEC,
	VOLUME_PART_STATUS,
};
typedef int (*volume_change_fn)(struct volume *v, void *userdata);
/*
 * Decodes obj, lets change edit the volume, and writes part back into obj:
 * change's result, or -EINVAL when obj does not decode or the changed volume
 * would not (the reason appended to err, which may be NULL).
 */
int volume_change_json(json_t *obj, enum volume_part part, volume_change_fn change, void *userdata,
		       struct strbuf *err);

int node_device_from_json(const json_t *obj, struct node_device **ret, struct strbuf *err);
json_t *node_device_to_json(const struct node_device *d);
json_t *node_device_status_to_json(const struct node_device *d);

int mesh_node_from_json(const json_t *obj, struct mesh_node **ret, struct strbuf *err);
json_t *mesh_node_to_json(const struct mesh_node *n);
json_t *mesh_node_status_to_json(const struct mesh_node *n);

/*
 * Informer gates (kube_informer_ops.accept): 0 when the codec can read obj,
 * else -EINVAL with the reason in err. What a codec cannot read never enters
 * a cache, so it is never acted on.
 */
int codec_accept_node_device(const json_t *obj, struct strbuf *err, void *userdata);
int codec_accept_mesh_node(const json_t *obj, struct strbuf *err, void *userdata);
/*
 * The gate for volumes, keeping what it read (kube_informer_ops.decode):
 * *ret is a struct volume, freed with codec_free_volume().
 */
int codec_decode_volume(const json_t *obj, void **ret, struct strbuf *err);
void codec_free_volume(void *v);
/* The same for a MeshStorNode: a struct mesh_node, freed with codec_free_mesh_node(). */
int codec_decode_mesh_node(const json_t *obj, void **ret, struct strbuf *err);
void codec_free_mesh_node(void *n);

/*
 * RFC 3339 timestamps as Kubernetes writes them: "2026-11-23T16:42:29Z". Parsing
 * also takes a fraction of a second (dropped), lowercase 't'/'z' and a numeric
 * offset ("+02:00"), as RFC 3339 section 5.6 allows; formatting always writes
 * UTC to the second. -EINVAL for anything else, or a time outside years
 * 0000-9999.
 */
#define CODEC_TIME_LEN 20
int codec_time_parse(const char *s, int64_t *ret);
int codec_time_format(int64_t t, char ret[static CODEC_TIME_LEN + 1]);
