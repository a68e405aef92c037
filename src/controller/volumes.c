// SPDX-License-Identifier: GPL-2.0-only
/* Volume lifecycle: create (place and record), delete, read. */
#include <errno.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "controller/controller.h"
#include "controller/expand.h"
#include "controller/cache-copy.h"
#include "controller/topology.h"
#include "kube/codec.h"
#include "kube/events.h"
#include "kube/update.h"
#include "model/names.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define COMPONENT "meshstor-controller"

int controller_get_volume(struct controller *c, const char *id, struct volume **ret)
{
	json_t *obj = kube_informer_get(c->volumes, id);
	int r;

	if (!obj)
		return -ENOENT;
	r = volume_from_json(obj, ret, NULL);
	json_decref(obj);
	return r;
}

void volumes_free(struct volume **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		volume_free(v[i]);
	free(v);
}

int controller_list_volumes(struct controller *c, struct volume ***ret, size_t *ret_n)
{
	*ret_n = cache_copy_live_volumes(c, ret);
	return 0;
}

/* Same name, same parameters: the same volume (CreateVolume is idempotent). */
static int compare_existing(const struct volume *v, const struct create_volume_req *req,
			    struct strbuf *err)
{
	const struct volume_spec *s = &v->spec;

	if (strcmp(s->request_name, req->name) == 0 && s->capacity_bytes == req->capacity_bytes &&
	    s->number_of_copies == req->params.number_of_copies &&
	    s->drives_per_copy == req->params.drives_per_copy &&
	    s->member_missing_timeout_sec == req->params.member_missing_timeout_sec &&
	    (req->params.sector_size == 0 || s->sector_size == req->params.sector_size))
		return 0;
	strbuf_addf(err,
		    "volume %s (name \"%s\") already exists with other parameters: %lld bytes, "
		    "numberOfCopies %d, drivesPerCopy %d, memberMissingTimeout %d, sectorSize %d",
		    v->meta.name, s->request_name, (long long)s->capacity_bytes,
		    s->number_of_copies, s->drives_per_copy, s->member_missing_timeout_sec,
		    s->sector_size);
	return -EEXIST;
}

static struct placement_request shape_of(const struct volume_params *p, int64_t member_bytes,
					 const char *consumer)
{
	return (struct placement_request){
		.member_bytes = (uint64_t)member_bytes,
		.copies = (unsigned)p->number_of_copies,
		.drives_per_copy = (unsigned)p->drives_per_copy,
		.sector_size = (uint32_t)p->sector_size,
		.consumer = consumer,
	};
}

/* The claim's names, where they fit a label (a PVC name may not: then only the PV's says). */
static void set_pvc(struct volume_pvc *pvc, const struct volume_params *p)
{
	if (name_is_label_value(p->pvc_name))
		pvc->name = xstrdup(p->pvc_name);
	if (name_is_label_value(p->pvc_namespace))
		pvc->ns = xstrdup(p->pvc_namespace);
	if (name_is_label_value(p->pv_name))
		pvc->pv_name = xstrdup(p->pv_name);
}

/* A volume object for the placement chosen. */
static struct volume *volume_for(const char *id, const struct create_volume_req *req,
				 const struct placement_member *plan, size_t n,
				 int64_t member_bytes)
{
	struct volume *v = volume_new();

	v->meta.name = xstrdup(id);
	set_pvc(&v->pvc, &req->params);
	v->spec.request_name = xstrdup(req->name);
	v->spec.capacity_bytes = req->capacity_bytes;
	v->spec.number_of_copies = req->params.number_of_copies;
	v->spec.drives_per_copy = req->params.drives_per_copy;
	v->spec.member_missing_timeout_sec = req->params.member_missing_timeout_sec;
	/* Without sectorSize, the drives' (one size for all members: placement.h, rule 1). */
	v->spec.sector_size = (int32_t)plan[0].sector_size;
	v->spec.fs_type = xstrdup(VOLUME_FS_TYPE);
	v->spec.members = xcalloc(n, sizeof(*v->spec.members));
	v->spec.n_members = n;
	for (size_t i = 0; i < n; i++) {
		struct volume_member *m = &v->spec.members[i];

		m->copy = (int32_t)plan[i].copy;
		m->stripe = (int32_t)plan[i].stripe;
		m->index = m->copy * req->params.drives_per_copy + m->stripe;
		m->node_name = xstrdup(plan[i].node);
		m->drive = xstrdup(plan[i].drive);
		m->partition_uuid = xmalloc(UUID_STRING_LEN + 1);
		partition_uuid_for_member(id, (unsigned)m->index, m->partition_uuid);
		m->size_bytes = member_bytes;
	}
	return v;
}

static int place(struct controller *c, const char *id, const struct create_volume_req *req,
		 struct volume **ret, struct strbuf *err)
{
	int64_t member_bytes =
		volume_member_bytes(req->capacity_bytes, req->params.drives_per_copy);
	size_t n = (size_t)req->params.number_of_copies * (size_t)req->params.drives_per_copy;
	struct placement_request shape = shape_of(&req->params, member_bytes, req->consumer);
	struct placement_member *plan = xcalloc(n, sizeof(*plan));
	struct topology t;
	struct cache_copy s;
	int r;

	cache_copy_topology(c, &s, &t);
	r = placement_plan(&shape, t.nodes, t.n_nodes, plan, err);
	if (r == 0)
		*ret = volume_for(id, req, plan, n, member_bytes);
	topology_done(&t);
	cache_copy_done(&s);
	free(plan);
	return r;
}

/* Cached and not being deleted: what a reader of the cache should see as a volume. */
static bool cached_live(struct controller *c, const char *id)
{
	json_t *obj = kube_informer_get(c->volumes, id);
	bool live = obj && !kube_obj_deleting(obj);

	json_decref(obj);
	return live;
}

/*
 * Our writes reach our cache through the watch, a moment later. Callers that
 * read the cache next (placement counting reservations, ListVolumes) must see
 * them, so wait for it, up to 5 s.
 */
static void await_cache(struct controller *c, const char *id, bool live)
{
	for (int i = 0; i < 200; i++) {
		if (cached_live(c, id) == live)
			return;
		usleep(25 * 1000);
	}
	log_vol_warning(id, "The volume cache has not caught up after 5 s");
}

static void describe_placement(const struct volume *v, struct strbuf *sb)
{
	for (size_t i = 0; i < v->spec.n_members; i++)
		strbuf_addf(sb, "%scopy %d on %s (%s)", i ? ", " : "", v->spec.members[i].copy,
			    v->spec.members[i].node_name, v->spec.members[i].drive);
}

/* Status is dropped on create (subresource): write what a reader should see first. */
static int set_requested(struct volume *v, void *userdata)
{
	if (v->status.ready || v->status.n_members > 0 || v->status.phase != VOLUME_PHASE_REQUESTED)
		return 1; /* an agent got there first */
	v->status.total_members = (int32_t)v->spec.n_members;
	v->status.active_members = 0;
	xasprintf(&v->status.ready, "0/%zu", v->spec.n_members);
	return 0;
}

static int record(struct controller *c, struct volume *v, struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf msg = STRBUF_INIT;
	json_t *obj = volume_to_json(v), *created = NULL;
	int r;

	if (!obj)
		return -EINVAL;
	r = kube_create(c->client, &kube_meshstorvolumes, NULL, obj, &created, err);
	json_decref(obj);
	if (r < 0)
		return r;
	/* Best effort: the volume exists either way; its agents write status from here on. */
	kube_update_volume(c->client, v->meta.name, VOLUME_PART_STATUS, set_requested, NULL, NULL,
			   NULL);
	describe_placement(v, &msg);
	log_vol_info(v->meta.name, "Placed %d GiB volume, %d-byte sectors: %s",
		     (int)(v->spec.capacity_bytes >> 30), v->spec.sector_size, msg.buf);
	kube_event_record_volume(c->client, c->claim_events, created, KUBE_EVENT_NORMAL, "Placed",
				 msg.buf, COMPONENT, NULL);
	json_decref(created);
	await_cache(c, v->meta.name, true);
	return 0;
}

int controller_create_volume(struct controller *c, const struct create_volume_req *req,
			     struct volume **ret, struct strbuf *err)
{
	_cleanup_free_ char *id = NULL;
	struct volume *v = NULL;
	int r;

	r = volume_id_from_request_name(req->name, &id);
	if (r < 0)
		return r;
	pthread_mutex_lock(&c->placing);
	r = controller_get_volume(c, id, &v);
	if (r == 0) {
		r = compare_existing(v, req, err);
		goto out;
	}
	r = place(c, id, req, &v, err);
	if (r == 0)
		r = record(c, v, err);
	if (r == -EEXIST) {
		/* Written meanwhile, but not yet in our cache: the same rules decide. */
		json_t *obj;

		volume_free(v);
		v = NULL;
		strbuf_reset(err);
		r = kube_get(c->client, &kube_meshstorvolumes, NULL, id, &obj, err);
		if (r == 0) {
			r = volume_from_json(obj, &v, err);
			json_decref(obj);
		}
		if (r == 0)
			r = compare_existing(v, req, err);
	}
out:
	pthread_mutex_unlock(&c->placing);
	if (r == 0)
		*ret = v;
	else
		volume_free(v);
	return r;
}

static int mark_deleting(struct volume *v, void *userdata)
{
	if (v->status.phase == VOLUME_PHASE_DELETING)
		return 1;
	v->status.phase = VOLUME_PHASE_DELETING;
	return 0;
}

int controller_delete_volume(struct controller *c, const char *id, struct strbuf *err)
{
	struct volume *v = NULL;
	json_t *obj;
	int r;

	/* An id we could not have made names nothing of ours: never act on it. */
	if (!volume_id_is_ours(id))
		return 0;
	r = kube_get(c->client, &kube_meshstorvolumes, NULL, id, &obj, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = volume_from_json(obj, &v, err);
	json_decref(obj);
	if (r < 0)
		return r;
	if (v->spec.node_name) {
		strbuf_addf(err, "volume %s is still published to node %s; unpublish it first", id,
			    v->spec.node_name);
		volume_free(v);
		return -EPERM;
	}
	volume_free(v);
	/* The phase tells `kubectl get msvol` readers; node finalizers hold the object. */
	r = kube_update_volume(c->client, id, VOLUME_PART_STATUS, mark_deleting, NULL, NULL, err);
	if (r < 0 && r != -ENOENT)
		return r;
	strbuf_reset(err);
	r = kube_delete(c->client, &kube_meshstorvolumes, NULL, id, err);
	if (r == -ENOENT)
		return 0;
	if (r == 0) {
		log_vol_info(id,
			     "Deleting: node agents remove their members, then the object goes");
		await_cache(c, id, false);
	}
	return r;
}

int64_t controller_capacity(struct controller *c, const struct volume_params *params,
			    const char *consumer)
{
	struct placement_request shape = shape_of(params, 0, consumer);
	struct topology t;
	struct cache_copy s;
	int64_t capacity;

	cache_copy_topology(c, &s, &t);
	capacity = volume_capacity_of_members(
		(int64_t)placement_capacity(&shape, t.nodes, t.n_nodes), params->drives_per_copy);
	topology_done(&t);
	cache_copy_done(&s);
	return capacity >= VOLUME_CAPACITY_MIN ? capacity : 0;
}

struct expand_ctx {
	int64_t capacity;
	int64_t result;
	struct strbuf *err;
};

static int expand_change(struct volume *v, void *userdata)
{
	struct expand_ctx *ctx = userdata;
	int r;

	if (v->meta.deleting || v->status.phase == VOLUME_PHASE_DELETING) {
		strbuf_addf(ctx->err, "volume %s is being deleted", v->meta.name);
		return -ENOENT;
	}
	r = expand_volume(v, ctx->capacity, ctx->err);
	ctx->result = v->spec.capacity_bytes;
	if (r < 0)
		return r;
	return r == 1 ? 0 : 1; /* 1 from expand_volume(): changed, to be written */
}

int controller_expand_volume(struct controller *c, const char *id, int64_t capacity,
			     int64_t *ret_capacity, struct strbuf *err)
{
	struct expand_ctx ctx = { .capacity = capacity, .err = err };
	int r;

	if (!volume_id_is_ours(id)) {
		strbuf_addf(err, "volume %s does not exist", id);
		return -ENOENT;
	}
	r = kube_update_volume(c->client, id, VOLUME_PART_SPEC, expand_change, &ctx, NULL, err);
	if (r == -ENOENT && !err->len)
		strbuf_addf(err, "volume %s does not exist", id);
	if (r < 0)
		return r;
	log_vol_info(id, "Expanded to %lld bytes in spec; the agents grow the partitions",
		     (long long)ctx.result);
	*ret_capacity = ctx.result;
	return 0;
}
