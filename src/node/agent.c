// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kube/codec.h"
#include "kube/update.h"
#include "kube/config.h"
#include "kube/events.h"
#include "node/agent-internal.h"
#include "node/legwatch.h"
#include "node/nvmet.h"
#include "node/report.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/path.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* A volume changed: a pass now rather than at the next tick. */
static void volume_added(const json_t *obj, void *userdata)
{
	agent_kick(userdata);
}

static void volume_updated(const json_t *old, const json_t *obj, void *userdata)
{
	agent_kick(userdata);
}

/* Volumes are decoded once per version: every pass reads them all. */
static const struct kube_informer_ops volume_ops = {
	.decode = codec_decode_volume,
	.free_typed = codec_free_volume,
	.added = volume_added,
	.updated = volume_updated,
	.deleted = volume_added,
};
static const struct kube_informer_ops node_ops = {
	.decode = codec_decode_mesh_node,
	.free_typed = codec_free_mesh_node,
};
static const struct kube_informer_ops device_ops = { .accept = codec_accept_node_device };

void agent_kick(struct agent *a)
{
	pthread_mutex_lock(&a->lock);
	a->wake = true;
	pthread_cond_signal(&a->wake_cond);
	pthread_mutex_unlock(&a->lock);
}

void agent_view_take(struct agent *a, struct agent_view *ret)
{
	struct agent_view v = { 0 };

	v.lent = kube_informer_list_typed(a->volumes, &v.n_volumes);
	v.volumes = xcalloc(v.n_volumes + 1, sizeof(*v.volumes));
	for (size_t i = 0; i < v.n_volumes; i++)
		v.volumes[i] = kube_typed_get(v.lent[i]);
	v.lent_nodes = kube_informer_list_typed(a->nodes, &v.n_nodes);
	v.nodes = xcalloc(v.n_nodes + 1, sizeof(*v.nodes));
	for (size_t i = 0; i < v.n_nodes; i++)
		v.nodes[i] = kube_typed_get(v.lent_nodes[i]);
	*ret = v;
}

void agent_view_done(struct agent_view *v)
{
	kube_typed_unref_all(v->lent, v->n_volumes);
	kube_typed_unref_all(v->lent_nodes, v->n_nodes);
	free(v->volumes);
	free(v->nodes);
	memset(v, 0, sizeof(*v));
}

static void parts_free(struct local_part *parts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(parts[i].kname);
		free(parts[i].uuid);
		free(parts[i].name);
	}
	free(parts);
}

/* Whether kname is a partition of a drive whose table obs could not read. */
static bool on_unreadable_drive(const struct observation *obs, const char *kname)
{
	for (size_t i = 0; i < obs->n_drives; i++)
		if (obs->drives[i].unreadable && gpt_partition_of(kname, obs->drives[i].kname))
			return true;
	return false;
}

void agent_note_parts(struct agent *a, const struct observation *obs)
{
	struct local_part *parts = NULL;
	size_t n = 0;

	for (size_t i = 0; i < obs->n_drives; i++) {
		const struct drive *d = &obs->drives[i];

		for (size_t k = 0; k < d->gpt.n_parts; k++) {
			const struct gpt_partition *p = &d->gpt.parts[k];
			_cleanup_free_ char *path = NULL;

			if (!p->ours)
				continue;
			path = gpt_partition_path(d->path, p->partno);
			parts = xreallocarray(parts, n + 1, sizeof(*parts));
			parts[n++] = (struct local_part){ .kname = xstrdup(path_basename(path)),
							  .uuid = xstrdup(p->uuid),
							  .name = xstrdup(p->name) };
		}
	}
	pthread_mutex_lock(&a->parts_lock);
	/* A failing drive's table may not read: what was known of it stays known. */
	for (size_t i = 0; i < a->n_parts; i++) {
		if (!on_unreadable_drive(obs, a->parts[i].kname))
			continue;
		parts = xreallocarray(parts, n + 1, sizeof(*parts));
		parts[n++] = a->parts[i];
		a->parts[i] = (struct local_part){ 0 };
	}
	parts_free(a->parts, a->n_parts);
	a->parts = parts;
	a->n_parts = n;
	pthread_mutex_unlock(&a->parts_lock);
}

bool agent_local_member(struct agent *a, const char *kname, const struct volume *v,
			int32_t *ret_index)
{
	bool found;

	pthread_mutex_lock(&a->parts_lock);
	found = legs_local_member(kname, a->parts, a->n_parts, v, a->o.node_name, ret_index);
	pthread_mutex_unlock(&a->parts_lock);
	return found;
}

int agent_observe_locked(struct agent *a, struct observation *ret)
{
	int r;

	pthread_mutex_lock(&a->kernel);
	r = observe_take(&a->paths, ret);
	if (r < 0) {
		pthread_mutex_unlock(&a->kernel);
		memset(ret, 0, sizeof(*ret));
		return r;
	}
	agent_note_parts(a, ret);
	return r;
}

void agent_observed_unlock(struct agent *a, struct observation *obs)
{
	pthread_mutex_unlock(&a->kernel);
	observation_done(obs);
}

void agent_plan_input(struct agent *a, const struct agent_view *view, const struct observation *obs,
		      const char *const *mounted, size_t n_mounted, struct plan_input *ret)
{
	*ret = (struct plan_input){
		.node_name = a->o.node_name,
		.finalizer = a->finalizer,
		.volumes = view->volumes,
		.n_volumes = view->n_volumes,
		.nodes = view->nodes,
		.n_nodes = view->n_nodes,
		.obs = obs,
		.dev = a->dev,
		.mounted = mounted,
		.n_mounted = n_mounted,
	};
}

/*
 * A pure change of the volume's status (report.c), made on the object as the
 * server has it now and written when it changed, under its resourceVersion.
 */
struct report_ctx {
	bool (*change)(struct volume *v, void *userdata);
	void *userdata;
	enum volume_phase new_phase;
	bool phase_changed;
	char *available; /* the Available condition's message after the change */
};

static int report_change(struct volume *v, void *userdata)
{
	struct report_ctx *ctx = userdata;
	enum volume_phase old = v->status.phase;

	if (!ctx->change(v, ctx->userdata))
		return 1;
	ctx->new_phase = v->status.phase;
	ctx->phase_changed = old != v->status.phase;
	free(ctx->available);
	ctx->available = NULL;
	for (size_t i = 0; i < v->status.n_conditions; i++)
		if (strcmp(v->status.conditions[i].type, VOLUME_CONDITION_AVAILABLE) == 0 &&
		    v->status.conditions[i].status != CONDITION_TRUE)
			ctx->available = xstrdup(v->status.conditions[i].message);
	return 0;
}

/* Every phase change is an Event; a phase that serves nothing says why and what to do. */
static void record_phase(struct agent *a, const char *id, const json_t *obj,
			 enum volume_phase phase, const char *why)
{
	struct strbuf msg = STRBUF_INIT;
	bool normal = phase == VOLUME_PHASE_READY || phase == VOLUME_PHASE_SYNCING ||
		      phase == VOLUME_PHASE_REQUESTED;

	strbuf_addf(&msg, "Volume is %s on %s", volume_phase_to_string(phase), a->o.node_name);
	if (!normal && why)
		strbuf_addf(&msg, ": %s", why);
	kube_event_record_volume(a->client, a->claim_events, obj,
				 normal ? KUBE_EVENT_NORMAL : KUBE_EVENT_WARNING,
				 volume_phase_to_string(phase), msg.buf, "meshstor-node", NULL);
	log_vol_info(id, "%s", msg.buf);
	strbuf_done(&msg);
}

static int write_status(struct agent *a, const char *id, struct report_ctx *ctx)
{
	struct strbuf err = STRBUF_INIT;
	_cleanup_(json_decrefp) json_t *obj = NULL;
	int r;

	r = kube_update_volume(a->client, id, VOLUME_PART_STATUS, report_change, ctx, &obj, &err);
	if (r < 0 && r != -ENOENT)
		log_vol_warning_errno(id, r, "Cannot report the volume's state: %s", err.buf);
	else if (r >= 0 && obj && ctx->phase_changed)
		record_phase(a, id, obj, ctx->new_phase, ctx->available);
	free(ctx->available);
	strbuf_done(&err);
	return r == -ENOENT ? 0 : r;
}

static bool change_report(struct volume *v, void *userdata)
{
	return report_volume(userdata, v, time(NULL));
}

int agent_report_volume(struct agent *a, const struct plan_input *in, const char *id)
{
	struct report_ctx ctx = { .change = change_report, .userdata = (void *)in };

	return write_status(a, id, &ctx);
}

struct waiting {
	const char *node_name, *why;
	int64_t epoch;
};

static bool change_waiting(struct volume *v, void *userdata)
{
	const struct waiting *w = userdata;

	return report_waiting(v, w->node_name, w->epoch, w->why, time(NULL));
}

int agent_report_waiting(struct agent *a, const char *id, int64_t epoch, const char *why)
{
	struct waiting w = { .node_name = a->o.node_name, .why = why, .epoch = epoch };
	struct report_ctx ctx = { .change = change_waiting, .userdata = &w };

	return write_status(a, id, &ctx);
}

struct faulty {
	const char *node_name;
	struct faulty_record *rec;
	bool changed;
};

static int faulty_change(struct volume *v, void *userdata)
{
	struct faulty *f = userdata;
	struct faulty_record *rec = f->rec;
	int r;

	r = report_member_faulty(v, f->node_name, rec->epoch, rec->index, rec->message, rec->full);
	f->changed = r > 0;
	rec->needs_full = member_needs_full_resync(v, rec->index);
	return r > 0 ? 0 : r == 0 ? 1 : r;
}

int agent_record_faulty(struct agent *a, const char *id, struct faulty_record *rec,
			struct strbuf *err)
{
	struct faulty f = { .node_name = a->o.node_name, .rec = rec };
	int r;

	r = kube_update_volume(a->client, id, VOLUME_PART_STATUS, faulty_change, &f, NULL, err);
	if (r == -ESTALE && err && !err->len)
		strbuf_addf(err, "the claim's epoch is no longer %lld", (long long)rec->epoch);
	return r < 0 ? r : f.changed;
}

/* Mount sources of our arrays ("/dev/md127"), so plan() never stops a mounted one. */
static void mounted_arrays(struct agent *a, const struct observation *obs, char ***ret,
			   size_t *ret_n)
{
	char **out = xcalloc(obs->n_arrays + 1, sizeof(char *));
	size_t n = 0;

	for (size_t i = 0; i < obs->n_arrays; i++) {
		_cleanup_free_ char *dev = NULL;
		bool busy = false;

		xasprintf(&dev, "%s/%s", a->dev, obs->arrays[i].kname);
		if (fs_device_is_mounted(a->proc, dev, &busy) < 0 || busy)
			out[n++] = TAKE_PTR(dev); /* when unsure, take it as mounted */
	}
	*ret = out;
	*ret_n = n;
}

static void pass_apply(struct agent *a, const struct plan_input *in)
{
	struct plan p;

	plan_make(in, &p);
	for (size_t i = 0; i < p.n; i++) {
		struct strbuf line = STRBUF_INIT, err = STRBUF_INIT;
		int r;

		action_format(&p.actions[i], &line);
		r = apply_action(a, &p.actions[i], &err);
		atomic_fetch_add(
			&a->counts.actions[p.actions[i].type][r == -EALREADY ? ACTION_BACKING_OFF
							      : r < 0	     ? ACTION_FAILED
									     : ACTION_DONE],
			1);
		if (r == -EALREADY)
			log_vol_debug(p.actions[i].volume, "%s: backing off", line.buf);
		else if (r < 0)
			log_vol_warning_errno(p.actions[i].volume, r, "%s failed: %s%s", line.buf,
					      err.len ? err.buf : strerror(-r),
					      " (retried at the next pass)");
		else
			log_vol_info(p.actions[i].volume, "%s", line.buf);
		strbuf_done(&line);
		strbuf_done(&err);
	}
	plan_done(&p);
}

/*
 * allowed_hosts names a host NQN; a second node using ours (a cloned image's
 * /etc/nvme) would be let through every fence we put up. Then we export
 * nothing, and say why.
 */
static void check_identity(struct agent *a, const struct agent_view *view)
{
	const char *other = NULL;

	for (size_t i = 0; i < view->n_nodes && !other; i++) {
		const struct mesh_node_status *st = &view->nodes[i]->status;

		if (strcmp(view->nodes[i]->meta.name, a->o.node_name) == 0)
			continue;
		if ((st->host_nqn && strcmp(st->host_nqn, a->host_nqn) == 0) ||
		    (st->host_id && strcmp(st->host_id, a->host_id) == 0))
			other = view->nodes[i]->meta.name;
	}
	if (other && !a->identity_conflict)
		log_error(
			"Node %s publishes this node's NVMe host NQN or host ID (%s): nothing is "
			"exported from here until each node has its own. Give one of them a new "
			"/etc/nvme/hostnqn and hostid pair (remove both; the agent makes new ones)",
			other, a->host_nqn);
	else if (!other && a->identity_conflict)
		log_info("This node's NVMe host identity is its own again; exporting");
	a->identity_conflict = other != NULL;
}

/*
 * Whether this pass's report would change v's status. The view's volumes are
 * lent read-only, so the report is tried on a copy decoded from the cache, and
 * only for a volume it concerns: a pass decodes this node's volumes, not the
 * cluster's. The write itself reads the object again and decides anew.
 */
static bool report_would_change(struct agent *a, const struct plan_input *in,
				const struct volume *v)
{
	_cleanup_(json_decrefp) json_t *obj = NULL;
	struct volume *copy;
	bool changed;

	if (!report_concerns(in, v))
		return false;
	obj = kube_informer_get(a->volumes, v->meta.name);
	if (!obj || volume_from_json(obj, &copy, NULL) < 0)
		return false; /* deleted meanwhile; or undecodable, which the informer refuses */
	changed = report_volume(in, copy, time(NULL));
	volume_free(copy);
	return changed;
}

/*
 * One pass: observe, plan, apply; observe again and report. Holds the kernel
 * lock. Returns 0, or the -errno of an observation that failed.
 */
static int pass(struct agent *a)
{
	struct agent_view view;
	struct observation obs;
	struct plan_input in;
	char **mounted;
	size_t n_mounted;
	int r, taken;

	if (!a->tcp_address)
		announce_address(a); /* before exporting anything */
	agent_view_take(a, &view);
	check_identity(a, &view);
	r = agent_observe_locked(a, &obs);
	if (r < 0) {
		agent_view_done(&view);
		log_warning_errno(r, "Cannot read the kernel's state: %m; skipping this pass");
		return r;
	}
	mounted_arrays(a, &obs, &mounted, &n_mounted);
	agent_plan_input(a, &view, &obs, (const char *const *)mounted, n_mounted, &in);
	pass_apply(a, &in);
	observation_done(&obs);
	strv_free(mounted);
	/*
	 * The legs observed and reported under the record lock: a report from
	 * this observation must not land after a leg the watcher dropped
	 * meanwhile (legwatch.c), saying it is still in sync. The drives'
	 * tables before it: their read may wait on a drive's lock.
	 */
	taken = observe_take(&a->paths, &obs);
	if (taken == 0)
		agent_note_parts(a, &obs);
	pthread_mutex_lock(&a->record);
	r = taken == 0 ? observe_legs(&a->paths, &obs) : taken;
	pthread_mutex_unlock(&a->kernel);
	if (r < 0)
		log_warning_errno(r,
				  "Cannot read the kernel's state after this pass: %m; its report "
				  "waits for the next");
	if (r == 0) {
		agent_plan_input(a, &view, &obs, NULL, 0, &in);
		/*
		 * Against the cached copy first: only a volume whose status would
		 * change costs a request (read, then write under its resourceVersion).
		 */
		for (size_t i = 0; i < view.n_volumes; i++)
			if (report_would_change(a, &in, view.volumes[i]))
				agent_report_volume(a, &in, view.volumes[i]->meta.name);
	}
	pthread_mutex_unlock(&a->record);
	if (r == 0) {
		atomic_store(&a->counts.exports, obs.n_exports);
		atomic_store(&a->counts.imports, obs.n_imports);
		announce_drives(a, &obs);
	}
	if (taken == 0)
		observation_done(&obs);
	announce_node(a, &view, false);
	agent_view_done(&view);
	return r;
}

static void pass_counted(struct agent *a)
{
	uint64_t start = now_usec();
	int r = pass(a);

	metrics_seconds_observe(&a->counts.pass_seconds, now_usec() - start);
	atomic_fetch_add(&a->counts.passes[r < 0 ? PASS_FAILED : PASS_OK], 1);
	if (r >= 0)
		atomic_store(&a->counts.last_ok_s, (uint64_t)time(NULL));
}

static void *loop(void *userdata)
{
	struct agent *a = userdata;

	kube_informer_wait_synced(a->volumes, 0);
	for (;;) {
		struct timespec until = realtime_after_ms(a->o.period_s * 1000ULL);

		if (kube_informer_wait_synced(a->volumes, 0) &&
		    kube_informer_wait_synced(a->nodes, 0) &&
		    kube_informer_wait_synced(a->devices, 0))
			pass_counted(a);
		atomic_store(&a->loop_usec, now_usec()); /* agent_loop_usec() */
		pthread_mutex_lock(&a->lock);
		while (!a->wake && !a->stop)
			if (pthread_cond_timedwait(&a->wake_cond, &a->lock, &until) == ETIMEDOUT)
				break;
		a->wake = false;
		if (a->stop) {
			pthread_mutex_unlock(&a->lock);
			return NULL;
		}
		pthread_mutex_unlock(&a->lock);
	}
}

static void set_paths(struct agent *a)
{
	const char *root = a->o.sysroot;

	a->sysfs = path_join_root(root, "/sys");
	a->dev = path_join_root(root, "/dev");
	a->nvmet = nvmet_root(root);
	a->proc = path_join_root(root, "/proc");
	a->etc_nvme = path_join_root(root, "/etc/nvme");
	a->paths = (struct node_paths){
		.sysfs = a->sysfs,
		.dev = a->dev,
		.nvmet = a->nvmet,
		.proc = a->proc,
	};
}

/*
 * Our finalizer on MeshStorVolumes: one per node, so the object outlives the
 * last partition on any node. The name part of a qualified name is at most 63
 * characters; longer node names are cut and given a hash-free suffix of
 * their length, which keeps them distinct enough within one cluster.
 */
static char *finalizer_for(const char *node)
{
	char *f;

	if (strlen(node) <= 63)
		xasprintf(&f, VOLUME_NODE_FINALIZER_PREFIX "%s", node);
	else
		xasprintf(&f, VOLUME_NODE_FINALIZER_PREFIX "%.55s-%zu", node, strlen(node));
	return f;
}

int agent_new(const struct agent_options *o, struct agent **ret)
{
	struct strbuf err = STRBUF_INIT;
	struct kube_config *cfg;
	struct agent *a;
	int r;

	r = kube_config_load(o->kubeconfig, NULL, &cfg, &err);
	if (r < 0) {
		log_error("Cannot reach the Kubernetes API: %s", err.buf);
		strbuf_done(&err);
		return r;
	}
	strbuf_done(&err);
	a = xzalloc(sizeof(*a));
	a->o = *o;
	set_paths(a);
	a->finalizer = finalizer_for(o->node_name);
	pthread_mutex_init(&a->kernel, NULL);
	pthread_mutex_init(&a->record, NULL);
	pthread_mutex_init(&a->lock, NULL);
	pthread_mutex_init(&a->parts_lock, NULL);
	pthread_cond_init(&a->wake_cond, NULL);
	r = kube_client_new(cfg, 10000, &a->client);
	if (r >= 0)
		r = kube_claim_events_start(a->client, &a->claim_events);
	if (r >= 0)
		r = announce_identity(a);
	if (r >= 0)
		r = kube_informer_start(a->client, &kube_meshstorvolumes, NULL, &volume_ops, a,
					&a->volumes);
	if (r >= 0)
		r = kube_informer_start(a->client, &kube_meshstornodes, NULL, &node_ops, a,
					&a->nodes);
	if (r >= 0)
		r = kube_informer_start(a->client, &kube_meshstornodedevices, NULL, &device_ops, a,
					&a->devices);
	if (r >= 0)
		r = heartbeat_start(a->client, o->node_name, &a->heartbeat);
	if (r >= 0)
		r = legwatch_start(a, &a->legwatch);
	if (r >= 0) {
		atomic_store(&a->loop_usec, now_usec());
		r = -pthread_create(&a->thread, NULL, loop, a);
		a->thread_started = r == 0;
	}
	if (r < 0) {
		agent_free(a);
		return log_error_errno(r, "Failed to start the node agent: %m");
	}
	*ret = a;
	return 0;
}

void agent_free(struct agent *a)
{
	if (!a)
		return;
	if (a->thread_started) {
		pthread_mutex_lock(&a->lock);
		a->stop = true;
		pthread_cond_signal(&a->wake_cond);
		pthread_mutex_unlock(&a->lock);
		pthread_join(a->thread, NULL);
	}
	legwatch_stop(a->legwatch);
	heartbeat_stop(a->heartbeat);
	kube_informer_free(a->volumes);
	kube_informer_free(a->nodes);
	kube_informer_free(a->devices);
	kube_claim_events_stop(a->claim_events);
	kube_client_free(a->client);
	pthread_mutex_destroy(&a->kernel);
	pthread_mutex_destroy(&a->record);
	pthread_mutex_destroy(&a->lock);
	pthread_mutex_destroy(&a->parts_lock);
	parts_free(a->parts, a->n_parts);
	pthread_cond_destroy(&a->wake_cond);
	for (size_t i = 0; i < a->n_peers; i++)
		free(a->peers[i].node_name);
	for (size_t i = 0; i < a->n_backoff; i++)
		free(a->backoff[i].nqn);
	free(a->backoff);
	free(a->peers);
	free(a->sysfs);
	free(a->dev);
	free(a->nvmet);
	free(a->proc);
	free(a->etc_nvme);
	free(a->finalizer);
	free(a->host_nqn);
	free(a->host_id);
	free(a->tcp_address);
	free(a);
}

bool agent_volume_known(struct agent *a, const char *id)
{
	json_t *obj = kube_informer_get(a->volumes, id);

	json_decref(obj);
	return obj != NULL;
}

bool agent_ready(struct agent *a)
{
	return kube_informer_wait_synced(a->volumes, 0) && kube_informer_wait_synced(a->nodes, 0) &&
	       kube_informer_wait_synced(a->devices, 0) && a->published;
}

uint64_t agent_loop_usec(struct agent *a)
{
	return atomic_load(&a->loop_usec);
}
