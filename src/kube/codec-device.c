// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>

#include "kube/codec.h"
#include "kube/codec-common.h"
#include "util/cleanup.h"
#include "util/banned.h"

#define KIND "MeshStorNodeDevice"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct node_device *, node_device_free)

static int get_spec(const json_t *obj, struct node_device_spec *s, struct strbuf *err)
{
	const json_t *spec = NULL;

	if (codec_get_object(obj, "", "spec", true, &spec, err) < 0 ||
	    codec_get_string(spec, "spec", "nodeName", true, &s->node_name, err) < 0 ||
	    codec_get_string(spec, "spec", "path", true, &s->path, err) < 0 ||
	    codec_get_string(spec, "spec", "model", false, &s->model, err) < 0 ||
	    codec_get_string(spec, "spec", "serial", false, &s->serial, err) < 0 ||
	    codec_get_int64(spec, "spec", "sizeBytes", true, &s->size_bytes, err) < 0 ||
	    codec_get_int32(spec, "spec", "logicalSectorSize", true, &s->logical_sector_size, err) <
		    0)
		return -EINVAL;
	return 0;
}

static int get_status(const json_t *obj, struct node_device_status *s, struct strbuf *err)
{
	const json_t *st = NULL;

	if (codec_get_object(obj, "", "status", false, &st, err) < 0)
		return -EINVAL;
	if (!st)
		return 0;
	if (codec_get_int64(st, "status", "largestFreeExtentBytes", false,
			    &s->largest_free_extent_bytes, err) < 0 ||
	    codec_get_int64(st, "status", "freeBytes", false, &s->free_bytes, err) < 0 ||
	    codec_get_int32(st, "status", "localPartitions", false, &s->local_partitions, err) <
		    0 ||
	    codec_get_int32(st, "status", "remotePartitions", false, &s->remote_partitions, err) <
		    0 ||
	    codec_get_int32(st, "status", "foreignPartitions", false, &s->foreign_partitions, err) <
		    0 ||
	    codec_get_conditions(st, &s->conditions, &s->n_conditions, err) < 0)
		return -EINVAL;
	return 0;
}

int node_device_from_json(const json_t *obj, struct node_device **ret, struct strbuf *err)
{
	_cleanup_(node_device_freep) struct node_device *d = node_device_new();

	if (codec_get_meta(obj, KIND, &d->meta, err) < 0 || get_spec(obj, &d->spec, err) < 0 ||
	    get_status(obj, &d->status, err) < 0 || node_device_validate(d, err) < 0)
		return -EINVAL;
	*ret = TAKE_PTR(d);
	return 0;
}

static json_t *spec_to_json(const struct node_device_spec *s)
{
	json_t *o = json_object();
	int r = 0;

	if (!o)
		return NULL;
	r |= codec_set_string(o, "nodeName", s->node_name);
	r |= codec_set_string(o, "path", s->path);
	r |= codec_set_string(o, "model", s->model);
	r |= codec_set_string(o, "serial", s->serial);
	r |= codec_set_int(o, "sizeBytes", s->size_bytes);
	r |= codec_set_int(o, "logicalSectorSize", s->logical_sector_size);
	return codec_finish(o, r);
}

static json_t *status_to_json(const struct node_device_status *s)
{
	json_t *o = json_object();
	int r = 0;

	if (!o)
		return NULL;
	r |= codec_set_int(o, "largestFreeExtentBytes", s->largest_free_extent_bytes);
	r |= codec_set_int(o, "freeBytes", s->free_bytes);
	r |= codec_set_int(o, "localPartitions", s->local_partitions);
	r |= codec_set_int(o, "remotePartitions", s->remote_partitions);
	r |= codec_set_int(o, "foreignPartitions", s->foreign_partitions);
	r |= codec_set_conditions(o, s->conditions, s->n_conditions);
	return codec_finish(o, r);
}

static json_t *to_json(const struct node_device *d, bool with_spec)
{
	json_t *o;
	int r = 0;

	if (node_device_validate(d, NULL) < 0)
		return NULL;
	o = codec_new_object(KIND, &d->meta);
	if (!o)
		return NULL;
	if (with_spec)
		r |= codec_set(o, "spec", spec_to_json(&d->spec));
	r |= codec_set(o, "status", status_to_json(&d->status));
	return codec_finish(o, r);
}

json_t *node_device_to_json(const struct node_device *d)
{
	return to_json(d, true);
}

json_t *node_device_status_to_json(const struct node_device *d)
{
	return to_json(d, false);
}
