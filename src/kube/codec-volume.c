// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdint.h>

#include "kube/codec.h"
#include "kube/codec-common.h"
#include "model/check.h"
#include "model/names.h"
#include "util/cleanup.h"
#include "util/parse.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define KIND "MeshStorVolume"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct volume *, volume_free)

static int get_member(const json_t *o, const char *path, struct volume_member *m,
		      struct strbuf *err)
{
	if (!json_is_object(o))
		return model_error(err, "expected an object", "%s", path);
	if (codec_get_int32(o, path, "index", true, &m->index, err) < 0 ||
	    codec_get_int32(o, path, "copy", true, &m->copy, err) < 0 ||
	    codec_get_int32(o, path, "stripe", true, &m->stripe, err) < 0 ||
	    codec_get_string(o, path, "nodeName", true, &m->node_name, err) < 0 ||
	    codec_get_string(o, path, "drive", true, &m->drive, err) < 0 ||
	    codec_get_string(o, path, "partitionUUID", true, &m->partition_uuid, err) < 0 ||
	    codec_get_int64(o, path, "sizeBytes", true, &m->size_bytes, err) < 0)
		return -EINVAL;
	return 0;
}

static int get_status_member(const json_t *o, const char *path, struct member_status *m,
			     struct strbuf *err)
{
	int state = 0;

	if (!json_is_object(o))
		return model_error(err, "expected an object", "%s", path);
	if (codec_get_int32(o, path, "index", true, &m->index, err) < 0 ||
	    codec_get_enum(o, path, "state", true, member_state_from_string, &state, err) < 0 ||
	    codec_get_int64(o, path, "lastEpoch", false, &m->last_epoch, err) < 0 ||
	    codec_get_time(o, path, "missingSince", false, &m->missing_since, err) < 0 ||
	    codec_get_string(o, path, "message", false, &m->message, err) < 0)
		return -EINVAL;
	m->state = state;
	return 0;
}

static int get_spec_members(const json_t *spec, struct volume_spec *s, struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf path = STRBUF_INIT;
	const json_t *a = NULL;

	int r = codec_get_array(spec, "spec", "members", VOLUME_MEMBERS_MAX, &a, err);

	if (r <= 0)
		return r;
	s->n_members = json_array_size(a);
	s->members = xcalloc(s->n_members, sizeof(*s->members));
	for (size_t i = 0; i < s->n_members; i++) {
		codec_element_path(&path, "spec", "members", i);
		if (get_member(json_array_get(a, i), path.buf, &s->members[i], err) < 0)
			return -EINVAL;
	}
	return 0;
}

static int get_spec(const json_t *obj, struct volume_spec *s, struct strbuf *err)
{
	const json_t *spec = NULL;

	if (codec_get_object(obj, "", "spec", true, &spec, err) < 0 ||
	    codec_get_string(spec, "spec", "requestName", true, &s->request_name, err) < 0 ||
	    codec_get_string(spec, "spec", "nodeName", false, &s->node_name, err) < 0 ||
	    codec_get_int64(spec, "spec", "capacityBytes", true, &s->capacity_bytes, err) < 0 ||
	    codec_get_int32(spec, "spec", "numberOfCopies", true, &s->number_of_copies, err) < 0 ||
	    codec_get_int32(spec, "spec", "drivesPerCopy", true, &s->drives_per_copy, err) < 0 ||
	    codec_get_int32(spec, "spec", "memberMissingTimeoutSeconds", true,
			    &s->member_missing_timeout_sec, err) < 0 ||
	    codec_get_int32(spec, "spec", "sectorSize", true, &s->sector_size, err) < 0 ||
	    codec_get_string(spec, "spec", "fsType", true, &s->fs_type, err) < 0 ||
	    codec_get_int64(spec, "spec", "epoch", false, &s->epoch, err) < 0 ||
	    codec_get_time(spec, "spec", "formattedAt", false, &s->formatted_at, err) < 0)
		return -EINVAL;
	return get_spec_members(spec, s, err);
}

static int get_status_members(const json_t *status, struct volume_status *s, struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf path = STRBUF_INIT;
	const json_t *a = NULL;

	int r = codec_get_array(status, "status", "members", VOLUME_MEMBERS_MAX, &a, err);

	if (r <= 0)
		return r;
	s->n_members = json_array_size(a);
	s->members = xcalloc(s->n_members, sizeof(*s->members));
	for (size_t i = 0; i < s->n_members; i++) {
		codec_element_path(&path, "status", "members", i);
		if (get_status_member(json_array_get(a, i), path.buf, &s->members[i], err) < 0)
			return -EINVAL;
	}
	return 0;
}

static int get_status(const json_t *obj, struct volume_status *s, struct strbuf *err)
{
	const json_t *st = NULL;
	int phase = VOLUME_PHASE_REQUESTED;

	if (codec_get_object(obj, "", "status", false, &st, err) < 0)
		return -EINVAL;
	if (!st)
		return 0;
	if (codec_get_enum(st, "status", "phase", false, volume_phase_from_string, &phase, err) <
		    0 ||
	    codec_get_string(st, "status", "nodeName", false, &s->node_name, err) < 0 ||
	    codec_get_string(st, "status", "mdState", false, &s->md_state, err) < 0 ||
	    codec_get_string(st, "status", "ready", false, &s->ready, err) < 0 ||
	    codec_get_bool(st, "status", "degraded", &s->degraded, err) < 0 ||
	    codec_get_int32(st, "status", "totalMembers", false, &s->total_members, err) < 0 ||
	    codec_get_int32(st, "status", "activeMembers", false, &s->active_members, err) < 0 ||
	    codec_get_int32(st, "status", "failedMembers", false, &s->failed_members, err) < 0 ||
	    codec_get_int32(st, "status", "missingMembers", false, &s->missing_members, err) < 0 ||
	    codec_get_int32(st, "status", "syncPercentage", false, &s->sync_percentage, err) < 0 ||
	    codec_get_int64(st, "status", "observedGeneration", false, &s->observed_generation,
			    err) < 0 ||
	    get_status_members(st, s, err) < 0 ||
	    codec_get_conditions(st, &s->conditions, &s->n_conditions, err) < 0)
		return -EINVAL;
	s->phase = phase;
	return 0;
}

/*
 * A hand-written annotation: anything but a positive epoch is no acceptance
 * (and no reason to refuse the whole object).
 */
static int64_t accept_data_loss(const json_t *obj)
{
	const json_t *ann = json_object_get(json_object_get(obj, "metadata"), "annotations");
	const char *s = json_string_value(json_object_get(ann, VOLUME_ACCEPT_DATA_LOSS_ANNOTATION));
	uint64_t epoch;

	if (!s || parse_u64_range(s, 1, INT64_MAX, &epoch) < 0)
		return 0;
	return (int64_t)epoch;
}

/* Labels are anyone's to edit: one we cannot use is no label of ours, not a broken object. */
static void get_pvc(const json_t *obj, struct volume_pvc *p)
{
	const json_t *labels = json_object_get(json_object_get(obj, "metadata"), "labels");
	const char *keys[] = { VOLUME_LABEL_PVC_NAME, VOLUME_LABEL_PVC_NAMESPACE,
			       VOLUME_LABEL_PV_NAME };
	char **fields[] = { &p->name, &p->ns, &p->pv_name };

	for (size_t i = 0; i < 3; i++) {
		const char *s = json_string_value(json_object_get(labels, keys[i]));

		if (name_is_label_value(s))
			*fields[i] = xstrdup(s);
	}
}

int volume_from_json(const json_t *obj, struct volume **ret, struct strbuf *err)
{
	_cleanup_(volume_freep) struct volume *v = volume_new();

	get_pvc(obj, &v->pvc);
	if (codec_get_meta(obj, KIND, &v->meta, err) < 0 || get_spec(obj, &v->spec, err) < 0 ||
	    get_status(obj, &v->status, err) < 0 || volume_validate(v, err) < 0)
		return -EINVAL;
	v->accept_data_loss_epoch = accept_data_loss(obj);
	*ret = TAKE_PTR(v);
	return 0;
}

static json_t *member_to_json(const struct volume_member *m)
{
	json_t *o = json_object();
	int r = 0;

	if (!o)
		return NULL;
	r |= codec_set_int(o, "index", m->index);
	r |= codec_set_int(o, "copy", m->copy);
	r |= codec_set_int(o, "stripe", m->stripe);
	r |= codec_set_string(o, "nodeName", m->node_name);
	r |= codec_set_string(o, "drive", m->drive);
	r |= codec_set_string(o, "partitionUUID", m->partition_uuid);
	r |= codec_set_int(o, "sizeBytes", m->size_bytes);
	return codec_finish(o, r);
}

static json_t *status_member_to_json(const struct member_status *m)
{
	json_t *o = json_object();
	int r = 0;

	if (!o)
		return NULL;
	r |= codec_set_int(o, "index", m->index);
	r |= codec_set_string(o, "state", member_state_to_string(m->state));
	r |= codec_set_int(o, "lastEpoch", m->last_epoch);
	r |= codec_set_time(o, "missingSince", m->missing_since);
	r |= codec_set_string(o, "message", m->message);
	return codec_finish(o, r);
}

static int set_members(json_t *spec, const struct volume_spec *s)
{
	json_t *a;

	if (s->n_members == 0)
		return 0;
	a = json_array();
	for (size_t i = 0; a && i < s->n_members; i++)
		if (json_array_append_new(a, member_to_json(&s->members[i])) < 0) {
			json_decref(a);
			return -ENOMEM;
		}
	return codec_set(spec, "members", a);
}

static int set_status_members(json_t *status, const struct volume_status *s)
{
	json_t *a;

	if (s->n_members == 0)
		return 0;
	a = json_array();
	for (size_t i = 0; a && i < s->n_members; i++)
		if (json_array_append_new(a, status_member_to_json(&s->members[i])) < 0) {
			json_decref(a);
			return -ENOMEM;
		}
	return codec_set(status, "members", a);
}

static json_t *spec_to_json(const struct volume_spec *s)
{
	json_t *o = json_object();
	int r = 0;

	if (!o)
		return NULL;
	r |= codec_set_string(o, "requestName", s->request_name);
	r |= codec_set_string(o, "nodeName", s->node_name);
	r |= codec_set_int(o, "capacityBytes", s->capacity_bytes);
	r |= codec_set_int(o, "numberOfCopies", s->number_of_copies);
	r |= codec_set_int(o, "drivesPerCopy", s->drives_per_copy);
	r |= codec_set_int(o, "memberMissingTimeoutSeconds", s->member_missing_timeout_sec);
	r |= codec_set_int(o, "sectorSize", s->sector_size);
	r |= codec_set_string(o, "fsType", s->fs_type);
	r |= codec_set_int(o, "epoch", s->epoch);
	r |= codec_set_time(o, "formattedAt", s->formatted_at);
	r |= set_members(o, s);
	return codec_finish(o, r);
}

static json_t *status_to_json(const struct volume_status *s)
{
	json_t *o = json_object();
	int r = 0;

	if (!o)
		return NULL;
	r |= codec_set_string(o, "phase", volume_phase_to_string(s->phase));
	r |= codec_set_string(o, "nodeName", s->node_name);
	r |= codec_set_string(o, "mdState", s->md_state);
	r |= codec_set_string(o, "ready", s->ready);
	r |= codec_set_bool(o, "degraded", s->degraded);
	r |= codec_set_int(o, "totalMembers", s->total_members);
	r |= codec_set_int(o, "activeMembers", s->active_members);
	r |= codec_set_int(o, "failedMembers", s->failed_members);
	r |= codec_set_int(o, "missingMembers", s->missing_members);
	r |= codec_set_int(o, "syncPercentage", s->sync_percentage);
	r |= set_status_members(o, s);
	r |= codec_set_conditions(o, s->conditions, s->n_conditions);
	r |= codec_set_int(o, "observedGeneration", s->observed_generation);
	return codec_finish(o, r);
}

static int set_pvc(json_t *obj, const struct volume_pvc *p)
{
	json_t *labels;
	int r = 0;

	if (!p->name && !p->ns && !p->pv_name)
		return 0;
	labels = json_object();
	if (!labels)
		return -ENOMEM;
	r |= codec_set_string(labels, VOLUME_LABEL_PVC_NAME, p->name);
	r |= codec_set_string(labels, VOLUME_LABEL_PVC_NAMESPACE, p->ns);
	r |= codec_set_string(labels, VOLUME_LABEL_PV_NAME, p->pv_name);
	r |= codec_set(json_object_get(obj, "metadata"), "labels", codec_finish(labels, r));
	return r;
}

static json_t *to_json(const struct volume *v, bool with_spec)
{
	json_t *o;
	int r = 0;

	/* Never hand the API server what we could not read back. */
	if (volume_validate(v, NULL) < 0)
		return NULL;
	o = codec_new_object(KIND, &v->meta);
	if (!o)
		return NULL;
	if (with_spec)
		r |= set_pvc(o, &v->pvc);
	if (with_spec)
		r |= codec_set(o, "spec", spec_to_json(&v->spec));
	r |= codec_set(o, "status", status_to_json(&v->status));
	return codec_finish(o, r);
}

json_t *volume_to_json(const struct volume *v)
{
	return to_json(v, true);
}

json_t *volume_status_to_json(const struct volume *v)
{
	return to_json(v, false);
}

int volume_status_into(json_t *obj, const struct volume *v)
{
	json_t *status = volume_status_to_json(v);

	if (!status)
		return -EINVAL;
	json_object_set(obj, "status", json_object_get(status, "status"));
	json_decref(status);
	return 0;
}

/*
 * The spec's fields this codec knows, from their encoding before and after the
 * change: those it wrote before and not now are cleared, the rest set; any
 * other field of obj's spec stays. v has passed volume_validate().
 */
static int spec_into(json_t *obj, const json_t *before, const struct volume *v)
{
	json_t *spec = json_object_get(obj, "spec"), *after, *value;
	const char *key;

	if (!json_is_object(spec) || !before)
		return -EINVAL;
	after = spec_to_json(&v->spec);
	if (!after)
		return -EINVAL;
	json_object_foreach ((json_t *)before, key, value)
		if (!json_object_get(after, key))
			json_object_del(spec, key);
	json_object_update(spec, after);
	json_decref(after);
	return 0;
}

static int write_part(json_t *obj, enum volume_part part, const json_t *spec_before,
		      const struct volume *v)
{
	switch (part) {
	case VOLUME_PART_FINALIZERS:
		return codec_finalizers_into(obj, &v->meta);
	case VOLUME_PART_SPEC:
		return spec_into(obj, spec_before, v);
	case VOLUME_PART_STATUS:
		return volume_status_into(obj, v); /* never what we could not read back */
	}
	return -EINVAL;
}

int volume_change_json(json_t *obj, enum volume_part part, volume_change_fn change, void *userdata,
		       struct strbuf *err)
{
	_cleanup_(json_decrefp) json_t *spec_before = NULL;
	struct volume *v;
	int r;

	if (part == VOLUME_PART_FINALIZERS) {
		/*
		 * The metadata alone: our finalizer must come off a volume whose
		 * spec or status no longer reads (edited by hand while it was
		 * deleted: its partitions are gone by then).
		 */
		v = volume_new();
		r = codec_get_meta(obj, KIND, &v->meta, err);
		if (r < 0) {
			volume_free(v);
			return r;
		}
	} else {
		r = volume_from_json(obj, &v, err);
		if (r < 0)
			return r;
	}
	if (part == VOLUME_PART_SPEC)
		spec_before = spec_to_json(&v->spec);
	r = change(v, userdata);
	/* A change that would not read back is refused here, saying why. */
	if (r == 0 && part != VOLUME_PART_FINALIZERS && volume_validate(v, err) < 0)
		r = -EINVAL;
	if (r == 0)
		r = write_part(obj, part, spec_before, v);
	volume_free(v);
	return r;
}
