// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "kube/codec.h"
#include "kube/update.h"
#include "model/names.h"
#include "node/agent-internal.h"
#include "node/fs.h"
#include "node/gpt.h"
#include "node/import.h"
#include "node/md.h"
#include "node/nvmet.h"
#include "node/nvmf.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/macro.h"
#include "util/log.h"
#include "util/path.h"
#include "util/xalloc.h"
#include "util/banned.h"

/*
 * Each action of plan.h, carried out by exactly one function. Every one is
 * idempotent: the back-ends treat "already so" as success.
 */

#define NVMET_TCP_PORT_ID 1

/* metadata.finalizers of the volume, with ours added or removed. */
struct finalizer_ctx {
	const char *finalizer;
	bool add;
};

static int finalizer_change(struct volume *v, void *userdata)
{
	const struct finalizer_ctx *ctx = userdata;

	if (!ctx->add)
		return meta_remove_finalizer(&v->meta, ctx->finalizer) ? 0 : 1;
	if (meta_has_finalizer(&v->meta, ctx->finalizer))
		return 1;
	/* A volume on its way out gets no new finalizer (the server would refuse anyway). */
	if (v->meta.deleting)
		return -ENOENT;
	meta_add_finalizer(&v->meta, ctx->finalizer);
	return 0;
}

static int apply_finalizer(struct agent *a, const struct action *act, bool add, struct strbuf *err)
{
	struct finalizer_ctx ctx = { .finalizer = a->finalizer, .add = add };
	int r;

	r = kube_update_volume(a->client, act->volume, VOLUME_PART_FINALIZERS, finalizer_change,
			       &ctx, NULL, err);
	return r == -ENOENT && !add ? 0 : r;
}

static int apply_export(struct agent *a, const struct action *act, struct strbuf *err)
{
	struct nvmet_port port = {
		.id = NVMET_TCP_PORT_ID,
		.trtype = "tcp",
		.traddr = a->tcp_address,
		.trsvcid = NVME_TCP_SERVICE,
	};
	int r;

	if (!a->tcp_address) {
		strbuf_adds(err,
			    "this node has no NVMe-oF address yet (see the Node's annotations)");
		return -EADDRNOTAVAIL;
	}
	if (a->identity_conflict) {
		strbuf_adds(err, "another node uses this node's NVMe host identity (see above)");
		return -EPERM;
	}
	r = nvmet_port_ensure(a->nvmet, &port);
	if (r < 0) {
		strbuf_addf(err, "cannot set up the NVMe/TCP port on %s:%s: %s", a->tcp_address,
			    NVME_TCP_SERVICE, strerror(-r));
		return r;
	}
	r = nvmet_export(a->nvmet, NVMET_TCP_PORT_ID, act->nqn, act->device, act->host);
	if (r < 0)
		strbuf_addf(err, "cannot export %s to %s: %s", act->device, act->host,
			    strerror(-r));
	return r;
}

/* First retry after 2 s, doubling up to 30 s: a returning node is found soon enough. */
#define BACKOFF_FIRST_MS 2000
#define BACKOFF_MAX_MS 30000

static struct connect_backoff *backoff_of(struct agent *a, const char *nqn)
{
	for (size_t i = 0; i < a->n_backoff; i++)
		if (strcmp(a->backoff[i].nqn, nqn) == 0)
			return &a->backoff[i];
	return NULL;
}

static void backoff_failed(struct agent *a, const char *nqn)
{
	struct connect_backoff *b = backoff_of(a, nqn);

	if (!b) {
		a->backoff = xreallocarray(a->backoff, a->n_backoff + 1, sizeof(*a->backoff));
		b = &a->backoff[a->n_backoff++];
		*b = (struct connect_backoff){ .nqn = xstrdup(nqn) };
	}
	b->delay_ms = b->delay_ms ? MIN(b->delay_ms * 2, BACKOFF_MAX_MS) : BACKOFF_FIRST_MS;
	b->next_usec = now_usec() + b->delay_ms * 1000ULL;
}

void connect_backoff_forget(struct agent *a, const char *nqn)
{
	struct connect_backoff *b = backoff_of(a, nqn);

	if (!b)
		return;
	free(b->nqn);
	*b = a->backoff[--a->n_backoff];
}

static int apply_connect(struct agent *a, const struct action *act, struct strbuf *err)
{
	const struct connect_backoff *b = backoff_of(a, act->nqn);

	struct nvmf_target t = {
		.nqn = act->nqn,
		.transport = "tcp",
		.traddr = act->address,
		.trsvcid = NVME_TCP_SERVICE,
		.host_nqn = a->host_nqn,
		.host_id = a->host_id,
		.fast_io_fail_tmo = a->o.fast_io_fail_tmo,
		.ctrl_loss_tmo = a->o.ctrl_loss_tmo,
		.keep_alive_tmo = a->o.keep_alive_tmo,
		.reconnect_delay = 1,
		.nr_io_queues = a->o.nr_io_queues,
	};
	int r;

	if (b && now_usec() < b->next_usec)
		return -EALREADY; /* failed lately: not yet again */
	r = nvmf_connect(a->sysfs, &t);
	if (r < 0) {
		backoff_failed(a, act->nqn);
		strbuf_addf(err, "cannot connect to %s at %s:%s: %s (next try in %u s)", act->nqn,
			    act->address, NVME_TCP_SERVICE, strerror(-r),
			    backoff_of(a, act->nqn)->delay_ms / 1000);
	} else {
		connect_backoff_forget(a, act->nqn);
	}
	return r;
}

/*
 * Device names are the kernel's and are reused (a controller deleted after
 * ctrl_loss_tmo comes back under another name, and its old name may go to
 * another volume's import): the member is found again, by partition UUID or
 * subsystem NQN, right before mdadm touches it. -ESTALE when it moved.
 */
static int resolve_again(struct agent *a, const struct action *act, struct observation *obs,
			 struct strbuf *err)
{
	_cleanup_free_ char *now = NULL;
	const struct drive *d;
	const struct gpt_partition *p;
	const struct nvmf_subsystem *imp;
	int r;

	r = observe_take(&a->paths, obs);
	if (r < 0) {
		strbuf_addf(err, "cannot read the kernel's state again: %s", strerror(-r));
		return r;
	}
	if (act->uuid && observation_find_partition(obs, act->uuid, &d, &p))
		now = gpt_partition_path(d->path, p->partno);
	else if (act->nqn && (imp = observation_find_import(obs, act->nqn)) && import_usable(imp))
		now = xstrdup(import_usable(imp));
	if (!now || strcmp(now, act->device) != 0) {
		strbuf_addf(err,
			    "member %d is no longer %s (now %s); planned again at the next pass",
			    act->member, act->device, now ?: "gone");
		return -ESTALE;
	}
	return 0;
}

/*
 * Zeroing a superblock throws a copy away: md_may_wipe() decides, against the
 * live members of the running array (none when it is broken, or that is
 * unknown).
 */
static int may_wipe(struct agent *a, const struct action *act, const struct md_array *arr,
		    struct strbuf *err)
{
	const char *kname = path_basename(act->device);
	char uuid[UUID_STRING_LEN + 1];
	char **live = xcalloc(arr ? arr->n_members + 1 : 1, sizeof(char *));
	size_t n = 0;
	int r;

	if (arr && (arr->broken || arr->broken_unknown))
		arr = NULL; /* its last member may be the newest copy, or gone */
	for (size_t i = 0; arr && i < arr->n_members; i++) {
		const struct md_member *m = &arr->members[i];

		if (m->in_sync && !m->faulty && strcmp(m->kname, kname) != 0)
			xasprintf(&live[n++], "%s/%s", a->dev, m->kname);
	}
	volume_md_uuid(act->volume, uuid);
	r = md_may_wipe(act->device, uuid, act->full, (const char *const *)live, n, err);
	if (r == -EBUSY)
		strbuf_addf(err, "; member %d returns when the array is assembled again",
			    act->member);
	strv_free(live);
	return r;
}

/*
 * Before a member returns, the API server says it is behind: until its resync
 * ends it is not a current copy, and a consumer that dies meanwhile must not
 * leave it looking like one. The leg watch writes this when MD fails a leg,
 * but cannot always (the agent restarted since, the write failed); so here,
 * first. full: it is about to be wiped (may_wipe() agreed), and says so until
 * the full resync ends, so that it never takes the bitmap's way back
 * meanwhile.
 */
static int record_behind(struct agent *a, const struct action *act, bool full, bool *ret_needs_full,
			 struct strbuf *err)
{
	struct faulty_record rec = { .epoch = act->epoch,
				     .index = act->member,
				     .message = MEMBER_RETURNING_MESSAGE,
				     .full = full };
	int r;

	pthread_mutex_lock(&a->record);
	r = agent_record_faulty(a, act->volume, &rec, err);
	pthread_mutex_unlock(&a->record);
	if (ret_needs_full)
		*ret_needs_full = rec.needs_full;
	if (r < 0)
		strbuf_addf(err, "%smember %d returns once the record says it is behind",
			    err->len ? "; " : "", act->member);
	else if (r > 0)
		log_vol_info(act->volume, "member %d recorded as behind%s before it returns",
			     act->member, full ? " (a full resync)" : "");
	return r;
}

/*
 * A member back in reach: re-added when it may be (only the bitmap's dirty
 * regions resync; the kernel refuses when its bitmap cannot tell), else wiped
 * and added as new, which resyncs it in full, when may_wipe() allows. A member
 * marked diverged is never re-added.
 */
static int apply_md_return(struct agent *a, const struct action *act, struct strbuf *err)
{
	_cleanup_(observation_done) struct observation obs = { 0 };
	_cleanup_free_ char *md = NULL;
	bool full = act->full;
	int r;

	r = resolve_again(a, act, &obs, err);
	/* The record, fresher than the plan's view, may mark it for a full resync. */
	if (r >= 0 && !act->full)
		r = record_behind(a, act, false, &full, err);
	if (r < 0)
		return r;
	xasprintf(&md, "%s/%s", a->dev, act->md);
	agent_set_resync_floor(a, act->volume, act->md);
	/* Its old, failed entry must leave first (a no-op when there is none). */
	md_remove_gone(md, NULL);
	if (!full) {
		struct strbuf why = STRBUF_INIT;

		r = md_re_add(md, act->device, &why);
		if (r >= 0) {
			log_vol_info(act->volume,
				     "member %d re-added to %s: only what changed "
				     "meanwhile resyncs (write-intent bitmap)",
				     act->member, act->md);
			strbuf_done(&why);
			return 0;
		}
		log_vol_info(act->volume,
			     "member %d cannot be re-added (%s); adding it with a "
			     "full resync",
			     act->member, why.len ? why.buf : strerror(-r));
		strbuf_done(&why);
	} else {
		log_vol_info(act->volume, "member %d %s: wiping it for a full resync", act->member,
			     act->full ? "may have diverged"
				       : "is marked for one on the API server");
	}
	observation_done(&obs);
	r = resolve_again(a, act, &obs, err);
	if (r >= 0)
		r = may_wipe(a, act, observation_find_array(&obs, act->volume), err);
	if (r >= 0)
		r = record_behind(a, act, true, NULL, err);
	if (r >= 0)
		r = md_zero_superblock(act->device, err);
	if (r >= 0)
		r = md_add(md, act->device, err);
	return r;
}

void agent_set_resync_floor(struct agent *a, const char *volume, const char *kname)
{
	int r = md_set_sync_speed_min(a->sysfs, kname, a->o.resync_speed_min * 1024);

	if (r < 0)
		log_vol_warning(volume, "cannot set %s's resync speed floor to %u MiB/s: %s", kname,
				a->o.resync_speed_min, strerror(-r));
}

static int apply_md_stop(struct agent *a, const struct action *act, struct strbuf *err)
{
	_cleanup_free_ char *md = NULL;

	xasprintf(&md, "%s/%s", a->dev, act->md);
	return md_stop(a->proc, md, err);
}

static int apply_md_reads(struct agent *a, const struct action *act, struct strbuf *err)
{
	int r = md_member_set_state(a->sysfs, act->md, act->device,
				    act->write_mostly ? "writemostly" : "-writemostly");

	/* Gone since the plan looked: the next pass sees the array as it is. */
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		strbuf_addf(err, "cannot %s %s's member %s write-mostly: %s",
			    act->write_mostly ? "mark" : "unmark", act->md, act->device,
			    strerror(-r));
	return r;
}

/*
 * Whether the API server (not the cache, which may lag) says volume id is
 * claimed by this node; when unsure, yes: a fence is never put up on doubt.
 */
bool agent_claim_is_ours(struct agent *a, const char *id)
{
	_cleanup_(json_decrefp) json_t *obj = NULL;
	struct volume *v = NULL;
	bool ours;

	if (kube_get(a->client, &kube_meshstorvolumes, NULL, id, &obj, NULL) < 0 ||
	    volume_from_json(obj, &v, NULL) < 0)
		return true;
	ours = v->spec.node_name && strcmp(v->spec.node_name, a->o.node_name) == 0;
	volume_free(v);
	return ours;
}

/*
 * A fenced writer (the claim left while the array is mounted here): its
 * filesystem shut down before a leg goes (or the unmount), so nothing still
 * in flight is acknowledged on a copy of this node's alone. The application
 * gets EIO; a restart of the pod follows the claim.
 */
int agent_shut_down_fenced(struct agent *a, const char *id, const char *kname, const char *before)
{
	_cleanup_strbuf_ struct strbuf dev = STRBUF_INIT;
	int r;

	strbuf_addf(&dev, "%s/%s", a->dev, kname);
	r = fs_device_shut_down_now(a->proc, dev.buf);
	if (r > 0)
		log_vol_warning(id,
				"The claim moved to another node while %s was mounted here: its "
				"XFS is shut down (the application gets EIO) before %s",
				kname, before);
	return r == -EOPNOTSUPP || r > 0 ? 0 : r;
}

static int apply_fence_fs(struct agent *a, const struct action *act, struct strbuf *err)
{
	int r = agent_shut_down_fenced(a, act->volume, act->md, "its legs are disconnected");

	if (r < 0)
		strbuf_addf(err, "cannot shut down the filesystem on %s before fencing it: %s",
			    act->md, strerror(-r));
	return r;
}

int apply_action(struct agent *a, const struct action *act, struct strbuf *err)
{
	int r;

	switch (act->type) {
	case ACT_FINALIZER_ADD:
		return apply_finalizer(a, act, true, err);
	case ACT_FINALIZER_REMOVE:
		return apply_finalizer(a, act, false, err);
	case ACT_PART_CREATE:
		r = gpt_create(act->drive, act->uuid, act->name, act->size, NULL);
		if (r < 0)
			strbuf_addf(err, "cannot create partition %s on %s: %s", act->uuid,
				    act->drive, strerror(-r));
		return r;
	case ACT_PART_GROW:
		r = gpt_grow(act->drive, act->uuid, act->size);
		if (r < 0) {
			strbuf_addf(err, "cannot grow partition %s on %s in place: %s%s", act->uuid,
				    act->drive, strerror(-r),
				    r == -ENOSPC ? " (the space after it is taken)" : "");
			return r;
		}
		r = act->nqn ? nvmet_revalidate(a->nvmet, act->nqn) : 0;
		if (r < 0)
			strbuf_addf(err, "grew partition %s, but cannot tell its export: %s",
				    act->uuid, strerror(-r));
		return r;
	case ACT_PART_DELETE:
		r = gpt_delete(act->drive, act->uuid);
		if (r < 0)
			strbuf_addf(err, "cannot delete partition %s on %s: %s", act->uuid,
				    act->drive, strerror(-r));
		return r;
	case ACT_EXPORT:
		return apply_export(a, act, err);
	case ACT_UNEXPORT:
		r = nvmet_remove(a->nvmet, act->nqn);
		if (r < 0)
			strbuf_addf(err, "cannot remove export %s: %s", act->nqn, strerror(-r));
		return r;
	case ACT_CONNECT:
		return apply_connect(a, act, err);
	case ACT_DISCONNECT:
		if (act->fence && agent_claim_is_ours(a, act->volume))
			return 0;
		if (act->fence) {
			r = apply_fence_fs(a, act, err);
			if (r < 0)
				return r;
		}
		r = import_disconnect(a->sysfs, act->nqn);
		if (r < 0)
			strbuf_addf(err, "cannot disconnect %s: %s", act->nqn, strerror(-r));
		return r;
	case ACT_MD_RETURN:
		return apply_md_return(a, act, err);
	case ACT_MD_STOP:
		return apply_md_stop(a, act, err);
	case ACT_MD_READS:
		return apply_md_reads(a, act, err);
	case _ACT_MAX:
		break;
	}
	return -EINVAL;
}
