// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kube/codec.h"
#include "model/names.h"
#include "node/agent-internal.h"
#include "node/import.h"
#include "node/legs.h"
#include "node/legwatch.h"
#include "node/md.h"
#include "node/nvmf.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/path.h"
#include "util/xalloc.h"
#include "util/banned.h"

/*
 * The consumer's watch over the legs of its arrays (legs.h), on a thread of
 * its own so that a long pass never delays it. Every LEGWATCH_PERIOD_MS it
 * reads the imports and arrays from sysfs, and:
 *
 *   - asks for a pass when an array changes shape (degraded, broken, a member
 *     faulty) or a leg is lost past the grace or returns, so the status
 *     follows within a tick, not a period;
 *   - drops a leg whose controller has not been live for LEG_GRACE_MS while
 *     another in-sync leg answers: under the record lock (never held across
 *     I/O to an array, unlike the kernel lock) it decides again
 *     on what sysfs says then, records the member Faulty at the current
 *     epoch, and only then deletes the leg's controller, which fails the
 *     I/O waiting on it and lets MD go on without it. Until the record has
 *     landed, writes wait: none is acknowledged without that leg unless the
 *     API knows the leg is behind.
 */

#define LEGWATCH_PERIOD_MS 250
#define LEG_GRACE_MS 1000

struct lost_leg {
	char *nqn;
	uint64_t since_usec;
};

struct array_id {
	char *uuid, *id;
};

struct leg_name {
	char *nqn, *kname;
};

struct legwatch {
	struct agent *a;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	struct lost_leg *lost; /* imports not live, since when */
	size_t n_lost;
	char *shape;	      /* the arrays' shapes at the last tick */
	struct array_id *ids; /* arrays' volumes seen so far, by MD UUID */
	size_t n_ids;
	char *waiting;		/* the arrays whose every in-sync leg is lost, logged once */
	char *released;		/* holds released beyond return at the last tick, logged once */
	struct leg_name *names; /* each import's block device, as last seen */
	size_t n_names;
};

/* Keeps w->lost to the imports not live now; down[i]: imports[i] is lost past the grace. */
static void track(struct legwatch *w, const struct nvmf_subsystem *imp, size_t n, bool *down)
{
	struct lost_leg *next = xcalloc(n + 1, sizeof(*next));
	uint64_t now = now_usec();
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t since = now;

		down[i] = false;
		if (import_answers(&imp[i]))
			continue;
		for (size_t j = 0; j < w->n_lost; j++)
			if (strcmp(w->lost[j].nqn, imp[i].nqn) == 0)
				since = w->lost[j].since_usec;
		next[k++] = (struct lost_leg){ .nqn = xstrdup(imp[i].nqn), .since_usec = since };
		down[i] = now - since >= LEG_GRACE_MS * 1000ULL;
	}
	for (size_t j = 0; j < w->n_lost; j++)
		free(w->lost[j].nqn);
	free(w->lost);
	w->lost = next;
	w->n_lost = k;
}

/* The id of the volume whose array has uuid (the id derives it), from the cache; malloc'd. */
static char *volume_of_uuid(struct agent *a, const char *uuid)
{
	size_t n;
	struct kube_typed **all = kube_informer_list_typed(a->volumes, &n);
	char *id = NULL;

	for (size_t i = 0; i < n && !id; i++) {
		const struct volume *v = kube_typed_get(all[i]);
		char u[UUID_STRING_LEN + 1];

		volume_md_uuid(v->meta.name, u);
		if (strcmp(u, uuid) == 0)
			id = xstrdup(v->meta.name);
	}
	kube_typed_unref_all(all, n);
	return id;
}

/* The id of the volume whose array has uuid, as noted in w->ids; NULL when not noted. */
static char *noted_id(const struct legwatch *w, const char *uuid)
{
	for (size_t i = 0; uuid && i < w->n_ids; i++)
		if (strcmp(w->ids[i].uuid, uuid) == 0)
			return w->ids[i].id;
	return NULL;
}

/*
 * The volume whose array this is, when this node assembled it for its claim:
 * its cached typed form, held (kube_typed_unref()).
 */
static struct kube_typed *consumed_volume(struct legwatch *w, const struct md_array *arr)
{
	struct agent *a = w->a;
	const char *me = a->o.node_name;
	struct kube_typed *t;
	const struct volume *v;
	char *id;

	if (!arr->uuid)
		return NULL;
	id = noted_id(w, arr->uuid);
	if (!id && (id = volume_of_uuid(a, arr->uuid))) {
		w->ids = xreallocarray(w->ids, w->n_ids + 1, sizeof(*w->ids));
		w->ids[w->n_ids++] = (struct array_id){ .uuid = xstrdup(arr->uuid), .id = id };
	}
	t = id ? kube_informer_get_typed(a->volumes, id) : NULL;
	if (!t)
		return NULL;
	v = kube_typed_get(t);
	if (!v->spec.node_name || strcmp(v->spec.node_name, me) != 0 || !v->status.node_name ||
	    strcmp(v->status.node_name, me) != 0) {
		kube_typed_unref(t);
		return NULL;
	}
	return t;
}

/*
 * The id of the volume whose array this is when the cache says its claim is
 * no longer this node's (force-detached while this node had it assembled).
 */
static const char *fenced_volume(struct legwatch *w, const struct md_array *arr)
{
	struct kube_typed *t;
	const struct volume *v;
	const char *id = noted_id(w, arr->uuid);
	bool fenced;

	t = id ? kube_informer_get_typed(w->a->volumes, id) : NULL;
	if (!t)
		return NULL;
	v = kube_typed_get(t);
	fenced = !v->spec.node_name || strcmp(v->spec.node_name, w->a->o.node_name) != 0;
	kube_typed_unref(t);
	return fenced ? id : NULL;
}

/*
 * A fenced writer's array whose leg is lost: what waits for the leg would
 * complete on a copy of this node's alone once the leg goes (as it must, for
 * the array to be stopped). The filesystem is shut down first (no log flush:
 * what fsync acknowledged is in the log), so nothing is acknowledged; then
 * the leg's controller goes. Done here, not by the pass: the pass may be
 * waiting in the kernel behind the very writes that wait for the leg. The
 * caller holds the record lock and has heard from the API server that the
 * claim moved.
 */
static void fence_lost_leg(struct agent *a, const char *id, const char *kname, const char *nqn)
{
	int r = agent_shut_down_fenced(a, id, kname, "its legs are disconnected");

	if (r < 0) {
		log_vol_warning_errno(id, r,
				      "The claim moved while %s was assembled here, but its "
				      "filesystem cannot be shut down (%m): its lost leg is "
				      "kept, so what waits for it is not acknowledged here",
				      kname);
		return;
	}
	r = import_disconnect(a->sysfs, nqn);
	if (r < 0)
		log_vol_warning_errno(id, r, "Cannot disconnect the lost leg %s of %s: %m", nqn,
				      kname);
	else
		log_vol_info(id, "Lost leg %s of %s disconnected: the claim is another node's", nqn,
			     kname);
}

/* fence_lost_leg() for an array whose claim the cache says moved, once the API server agrees. */
static void fence_leg(struct legwatch *w, const char *id, const struct md_array *arr,
		      const char *nqn)
{
	struct agent *a = w->a;

	pthread_mutex_lock(&a->record);
	if (!agent_claim_is_ours(a, id))
		fence_lost_leg(a, id, arr->kname, nqn);
	pthread_mutex_unlock(&a->record);
}

struct sysfs_view {
	struct nvmf_subsystem *imports;
	size_t n_imports;
	struct md_array *arrays;
	size_t n_arrays;
	bool *down;
};

static void view_done(struct sysfs_view *s)
{
	nvmf_subsystems_free(s->imports, s->n_imports);
	md_arrays_free(s->arrays, s->n_arrays);
	free(s->down);
	memset(s, 0, sizeof(*s));
}

static int view_take(struct legwatch *w, struct sysfs_view *ret)
{
	struct agent *a = w->a;
	struct sysfs_view s = { 0 };
	int r;

	r = imports_list(a->sysfs, &s.imports, &s.n_imports);
	if (r == -ENOENT)
		r = 0;
	if (r >= 0)
		r = md_list(a->sysfs, a->dev, &s.arrays, &s.n_arrays);
	if (r == -ENOENT)
		r = 0;
	if (r >= 0) {
		r = md_mark_broken(a->proc, s.arrays, s.n_arrays);
		if (r == -ETIMEDOUT || r == -EAGAIN) /* a leg's I/O waits: broken unknown (md.h) */
			r = 0;
	}
	if (r < 0) {
		view_done(&s);
		return r;
	}
	s.down = xcalloc(s.n_imports + 1, sizeof(bool));
	track(w, s.imports, s.n_imports, s.down);
	*ret = s;
	return 0;
}

/* A lost import leg of arr (down past the grace), or -1. */
static long lost_leg_of(const struct sysfs_view *s, const struct md_array *arr)
{
	for (size_t k = 0; k < s->n_imports; k++) {
		if (!s->down[k])
			continue;
		for (size_t i = 0; i < arr->n_members; i++)
			if (!arr->members[i].faulty &&
			    import_is(&s->imports[k], arr->members[i].kname))
				return (long)k;
	}
	return -1;
}

static const struct md_array *find_array(const struct sysfs_view *s, const char *volume)
{
	char uuid[UUID_STRING_LEN + 1];

	volume_md_uuid(volume, uuid);
	for (size_t i = 0; i < s->n_arrays; i++)
		if (s->arrays[i].uuid && strcmp(s->arrays[i].uuid, uuid) == 0)
			return &s->arrays[i];
	return NULL;
}

/* Decides again under the kernel lock, records, then deletes the controller. */
static void drop_leg(struct legwatch *w, const struct volume *v, const char *nqn)
{
	struct agent *a = w->a;
	const char *volume = v->meta.name;
	struct sysfs_view s;
	struct strbuf err = STRBUF_INIT;
	struct faulty_record rec;
	char id[VOLUME_ID_MAX + 1];
	unsigned index;
	const struct md_array *arr;
	const char *kname;
	size_t k;
	int r;

	if (member_nqn_parse(nqn, id, &index) < 0 || strcmp(id, volume) != 0)
		return;
	/* At the server's epoch: the drop is decided on the kernel's state, the claim checked. */
	rec = (struct faulty_record){ .index = (int32_t)index, .message = MEMBER_DROPPED_MESSAGE };
	pthread_mutex_lock(&a->record);
	r = view_take(w, &s);
	if (r < 0)
		goto out;
	arr = find_array(&s, volume);
	if (!arr ||
	    legs_decide(arr, v->spec.number_of_copies, s.imports, s.down, s.n_imports, &k) !=
		    LEG_DROP ||
	    strcmp(s.imports[k].nqn, nqn) != 0)
		goto done; /* it came back, or something else changed: the next tick sees */
	r = agent_record_faulty(a, volume, &rec, &err);
	if (r == -EPERM) {
		/*
		 * The claim moved (the API server says so; the cache may lag):
		 * this node is fenced, and its exporters refuse it (nvmet answers
		 * its reconnects with DNR, and the kernel then deletes the
		 * controller itself, completing what waits on a local copy).
		 * Its filesystem goes first, then the leg, now.
		 */
		log_vol_debug(volume, "Member %u stopped answering; the claim is no longer ours",
			      index);
		fence_lost_leg(a, volume, arr->kname, nqn);
		goto done;
	}
	if (r < 0) {
		log_vol_warning_errno(volume, r,
				      "Member %u stopped answering, but dropping it cannot "
				      "be recorded (%s): writes wait for it or for the "
				      "record, retried every %d ms",
				      index, err.len ? err.buf : "no reason given",
				      LEGWATCH_PERIOD_MS);
		goto done;
	}
	/*
	 * The hold released and the controller deleted first: that fails the
	 * I/O waiting on the leg, in dm or in the NVMe head (MD may hold its
	 * lock across a superblock write to it, so a state write before this
	 * would wait as long). Then MD's entry: on an idle array no failed I/O
	 * marks it, and MD would keep it In_sync under a name the next
	 * connection may reuse. The entry is the old device's whatever its name
	 * means by then. Then the hold, once MD has let it go.
	 */
	kname = NULL;
	for (size_t i = 0; i < arr->n_members && !kname; i++)
		if (import_is(&s.imports[k], arr->members[i].kname))
			kname = arr->members[i].kname;
	r = import_disconnect(a->sysfs, nqn);
	if (r < 0) {
		log_vol_warning_errno(volume, r,
				      "Member %u is recorded as dropped, but its "
				      "controller cannot be deleted: %m",
				      index);
		goto done;
	}
	r = md_member_set_state(a->sysfs, arr->kname, kname, "faulty");
	if (r < 0 && r != -ENOENT)
		log_vol_warning_errno(volume, r,
				      "Member %u is recorded as dropped, but %s cannot "
				      "be marked faulty in %s: %m",
				      index, kname, arr->kname);
	/* EBUSY while its I/O is still failing: the next pass removes it. */
	md_member_set_state(a->sysfs, arr->kname, kname, "remove");
	/* EBUSY while MD still has it: import_keep_hold() removes it later. */
	dm_hold_remove(nqn);
	log_vol_info(volume,
		     "Member %u stopped answering for %d ms: recorded as dropped, its "
		     "controller deleted; writes go on without it",
		     index, LEG_GRACE_MS);
done:
	view_done(&s);
out:
	pthread_mutex_unlock(&a->record);
	strbuf_done(&err);
}

/*
 * Keeps w->names to the imports' block devices now, and to those seen before
 * that no import has now but an array still has as a member: the kernel
 * deletes a namespace when its target withdraws it (a reconnect may bring it
 * back under a new name), and MD fails the member only then, under the name
 * it had, which nothing reuses while MD holds it.
 */
static void remember_names(struct legwatch *w, const struct sysfs_view *s)
{
	struct leg_name *next = xcalloc(s->n_imports + w->n_names + 1, sizeof(*next));
	size_t n = 0;

	for (size_t k = 0; k < s->n_imports; k++)
		if (import_leg(&s->imports[k]))
			next[n++] = (struct leg_name){
				.nqn = xstrdup(s->imports[k].nqn),
				.kname = xstrdup(path_basename(import_leg(&s->imports[k]))),
			};
	for (size_t j = 0; j < w->n_names; j++) {
		bool now = false, member = false;

		for (size_t k = 0; k < n && !now; k++)
			now = strcmp(next[k].kname, w->names[j].kname) == 0;
		for (size_t i = 0; i < s->n_arrays && !now && !member; i++)
			for (size_t m = 0; m < s->arrays[i].n_members && !member; m++)
				member = strcmp(s->arrays[i].members[m].kname, w->names[j].kname) ==
					 0;
		if (!now && member)
			next[n++] = (struct leg_name){ .nqn = TAKE_PTR(w->names[j].nqn),
						       .kname = TAKE_PTR(w->names[j].kname) };
		free(w->names[j].nqn);
		free(w->names[j].kname);
	}
	free(w->names);
	w->names = next;
	w->n_names = n;
}

/* Whether the import leg now or last named kname is member *index of volume. */
static bool member_of_leg(const struct legwatch *w, const struct sysfs_view *s, const char *kname,
			  const char *volume, unsigned *index)
{
	const char *nqn = NULL;
	char id[VOLUME_ID_MAX + 1];

	for (size_t k = 0; k < s->n_imports && !nqn; k++)
		if (import_is(&s->imports[k], kname))
			nqn = s->imports[k].nqn;
	for (size_t j = 0; j < w->n_names && !nqn; j++)
		if (strcmp(w->names[j].kname, kname) == 0)
			nqn = w->names[j].nqn;
	return nqn && member_nqn_parse(nqn, id, index) == 0 && strcmp(id, volume) == 0;
}

/*
 * A leg MD failed by itself (a remote target answered I/O errors, a local
 * drive failed): MD has written the other members' superblocks and goes on
 * without it, so the record says so at once, within a tick, not at the next
 * pass (which may wait behind the kernel lock). A consumer that dies after
 * this never leaves the failed leg looking current. The window left is MD's
 * failure to this write.
 */
static void record_failed(struct legwatch *w, const struct sysfs_view *s,
			  const struct md_array *arr, const struct volume *v)
{
	struct agent *a = w->a;

	for (size_t i = 0; i < arr->n_members; i++) {
		const struct md_member *m = &arr->members[i];
		const struct member_status *ms;
		struct strbuf err = STRBUF_INIT;
		struct faulty_record rec;
		unsigned index = 0;
		int32_t local = 0;
		bool found;
		int r;

		if (!m->faulty)
			continue;
		found = member_of_leg(w, s, m->kname, v->meta.name, &index);
		if (!found && m->partition && agent_local_member(a, m->kname, v, &local)) {
			found = true;
			index = (unsigned)local;
		}
		ms = found ? volume_find_member_status(v, (int32_t)index) : NULL;
		if (!found ||
		    (ms && ms->last_epoch == v->spec.epoch &&
		     (ms->state == MEMBER_STATE_FAULTY || ms->state == MEMBER_STATE_MISSING)))
			continue;
		rec = (struct faulty_record){ .index = (int32_t)index,
					      .message = MEMBER_FAILED_MESSAGE };
		pthread_mutex_lock(&a->record);
		r = agent_record_faulty(a, v->meta.name, &rec, &err);
		pthread_mutex_unlock(&a->record);
		if (r > 0)
			log_vol_info(v->meta.name,
				     "Member %u failed in %s (I/O errors on %s): "
				     "recorded as faulty",
				     index, arr->kname, m->kname);
		else if (r < 0 && r != -EPERM)
			log_vol_warning_errno(v->meta.name, r,
					      "Member %u failed in %s, but that cannot "
					      "be recorded yet (%s)",
					      index, arr->kname,
					      err.len ? err.buf : "no reason given");
		strbuf_done(&err);
	}
}

/* Whether text (NULL, or lines each ending in '\n') has the line line. */
static bool line_in(const char *text, const char *line)
{
	size_t len = strlen(line);
	const char *end;

	for (const char *p = text; p && (end = strchr(p, '\n')); p = end + 1)
		if ((size_t)(end - p) == len && strncmp(p, line, len) == 0)
			return true;
	return false;
}

/*
 * legs_beyond_return(): a mirror that can never answer again fails its writes
 * instead. Released again each tick (cheap, and a hold made meanwhile under
 * the name would be caught too), logged once: on an idle array nothing fails
 * the leg in MD, so the mirror stays beyond return until a restage. Adds
 * each released NQN to released, one per line.
 */
static void release_beyond_return(struct legwatch *w, const struct sysfs_view *s,
				  const struct md_array *arr, const struct volume *v,
				  struct strbuf *released)
{
	for (size_t k = 0; k < s->n_imports; k++) {
		const char *nqn = s->imports[k].nqn;
		int r;

		if (!legs_beyond_return(arr, v->spec.number_of_copies, s->imports, s->n_imports, k))
			continue;
		r = dm_hold_release(nqn);
		if (r < 0) {
			log_vol_warning_errno(v->meta.name, r, "Cannot release the hold of %s: %m",
					      nqn);
			continue;
		}
		strbuf_addf(released, "%s\n", nqn);
		if (!line_in(w->released, nqn))
			log_vol_warning(v->meta.name,
					"Every leg of a mirror of %s is gone for good "
					"(refused, or ended by ctrl_loss_tmo): %s "
					"released, its writes fail",
					arr->kname, nqn);
	}
}

/*
 * A failed leg whose hold stands over a namespace the kernel deleted leaves
 * MD's faulty entry holding the hold open, so the hold cannot go, and no
 * new one can be made for the member's return; so does a failed leg of an
 * array assembled before holds, whose entry is the namespace itself (no
 * hold can be made over it while MD has it, and the pass returns a member
 * only through a hold). The entry is removed once the record says the
 * member is behind (never before: record_failed() finds the entry to
 * record). EBUSY while its I/O still fails: next tick.
 */
static void remove_dead_holds(struct legwatch *w, const struct sysfs_view *s,
			      const struct md_array *arr, const struct volume *v)
{
	for (size_t i = 0; i < arr->n_members; i++) {
		const struct md_member *m = &arr->members[i];
		const struct member_status *ms;
		const struct nvmf_subsystem *imp = NULL;
		const char *hold;
		unsigned index = 0;

		if (!m->faulty)
			continue;
		for (size_t k = 0; k < s->n_imports && !imp; k++)
			if (import_is(&s->imports[k], m->kname))
				imp = &s->imports[k];
		if (!imp)
			continue;
		/* MD's entry is a hold the pass can hand back (md_remove_gone() then): its own. */
		hold = path_basename(imp->hold.device);
		if (hold && strcmp(hold, m->kname) == 0 && import_usable(imp))
			continue;
		if (!member_of_leg(w, s, m->kname, v->meta.name, &index))
			continue;
		ms = volume_find_member_status(v, (int32_t)index);
		if (ms && ms->last_epoch == v->spec.epoch &&
		    (ms->state == MEMBER_STATE_FAULTY || ms->state == MEMBER_STATE_MISSING))
			md_member_set_state(w->a->sysfs, arr->kname, m->kname, "remove");
	}
}

/*
 * "md127:1:0:2;" per array: degraded, broken, faulty members; then how many
 * imports are lost past the grace, so that the status follows a leg that
 * stops answering (or answers again) within a tick too.
 */
static char *shape_of(const struct sysfs_view *s)
{
	struct strbuf sb = STRBUF_INIT;
	size_t down = 0;

	for (size_t i = 0; i < s->n_imports; i++)
		down += s->down[i];
	strbuf_addf(&sb, "down:%zu;", down);

	for (size_t i = 0; i < s->n_arrays; i++) {
		const struct md_array *arr = &s->arrays[i];
		size_t faulty = 0;

		for (size_t m = 0; m < arr->n_members; m++)
			faulty += arr->members[m].faulty;
		strbuf_addf(&sb, "%s:%d:%d:%zu:%zu;", arr->kname, arr->degraded, arr->broken,
			    faulty, arr->n_members);
	}
	return strbuf_detach(&sb);
}

static void note_waiting(struct legwatch *w, const struct sysfs_view *s, const bool *waits)
{
	struct strbuf names = STRBUF_INIT;

	for (size_t i = 0; i < s->n_arrays; i++)
		if (waits[i])
			strbuf_addf(&names, "%s;", s->arrays[i].kname);
	if (names.len && (!w->waiting || strcmp(w->waiting, names.buf) != 0))
		log_warning("Every in-sync member of %s stopped answering: writes wait for one to "
			    "return (the array would break if one were dropped)",
			    names.buf);
	free(w->waiting);
	w->waiting = strbuf_detach(&names);
}

/*
 * Controllers made with other timeouts (by an earlier agent, before an
 * upgrade) would let MD fail a lost leg on its own, unrecorded: ours, now.
 */
static void set_timeouts(struct legwatch *w, const struct sysfs_view *s)
{
	struct agent *a = w->a;
	int fast = a->o.fast_io_fail_tmo > 0 ? a->o.fast_io_fail_tmo : -1;

	for (size_t i = 0; i < s->n_imports; i++) {
		int r = nvmf_set_timeouts(a->sysfs, s->imports[i].nqn, fast, a->o.ctrl_loss_tmo);

		if (r > 0)
			log_info(
				"Import %s: fast_io_fail_tmo and ctrl_loss_tmo set to this agent's "
				"(%d, %d s)",
				s->imports[i].nqn, fast, a->o.ctrl_loss_tmo);
	}
}

/*
 * Each import's hold kept in step (import_keep_hold()): made once its
 * namespace appears, its path reinstated within a tick of a transient loss
 * (the namespace's head disk queues while the controller reconnects), so dm
 * holds the leg's I/O only once the kernel deleted the controller.
 */
static void keep_holds(const struct sysfs_view *s)
{
	for (size_t i = 0; i < s->n_imports; i++) {
		const struct nvmf_subsystem *imp = &s->imports[i];
		int r = import_keep_hold(imp,
					 md_arrays_have(s->arrays, s->n_arrays, imp->hold.device));

		if (r < 0)
			log_debug_errno(r, "Import %s: its hold cannot be kept in step: %m",
					imp->nqn);
	}
}

static void tick(struct legwatch *w)
{
	struct sysfs_view s;
	_cleanup_free_ char *shape = NULL;
	_cleanup_free_ bool *waits = NULL;
	struct strbuf released = STRBUF_INIT;

	if (view_take(w, &s) < 0)
		return;
	set_timeouts(w, &s);
	keep_holds(&s);
	shape = shape_of(&s);
	if (!w->shape || strcmp(shape, w->shape) != 0) {
		if (w->shape)
			agent_kick(w->a);
		free(w->shape);
		w->shape = TAKE_PTR(shape);
	}
	waits = xcalloc(s.n_arrays + 1, sizeof(bool));
	for (size_t i = 0; i < s.n_arrays; i++) {
		struct kube_typed *t = consumed_volume(w, &s.arrays[i]);
		const struct volume *v = t ? kube_typed_get(t) : NULL;
		enum leg_verdict verdict;
		const char *fenced;
		size_t k;
		long lost;

		if (!v) {
			fenced = fenced_volume(w, &s.arrays[i]);
			lost = fenced ? lost_leg_of(&s, &s.arrays[i]) : -1;
			if (lost >= 0)
				fence_leg(w, fenced, &s.arrays[i], s.imports[lost].nqn);
			continue;
		}
		record_failed(w, &s, &s.arrays[i], v);
		remove_dead_holds(w, &s, &s.arrays[i], v);
		verdict = legs_decide(&s.arrays[i], v->spec.number_of_copies, s.imports, s.down,
				      s.n_imports, &k);
		if (verdict == LEG_DROP)
			drop_leg(w, v, s.imports[k].nqn);
		if (verdict == LEG_WAIT)
			release_beyond_return(w, &s, &s.arrays[i], v, &released);
		waits[i] = verdict == LEG_WAIT;
		kube_typed_unref(t);
	}
	note_waiting(w, &s, waits);
	free(w->released);
	w->released = strbuf_detach(&released);
	remember_names(w, &s);
	view_done(&s);
}

static void *legwatch_loop(void *userdata)
{
	struct legwatch *w = userdata;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		struct timespec until = realtime_after_ms(LEGWATCH_PERIOD_MS);

		pthread_mutex_unlock(&w->lock);
		tick(w);
		pthread_mutex_lock(&w->lock);
		while (!w->stop && pthread_cond_timedwait(&w->cond, &w->lock, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int legwatch_start(struct agent *a, struct legwatch **ret)
{
	struct legwatch *w = xzalloc(sizeof(*w));
	int r;

	w->a = a;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	r = -pthread_create(&w->thread, NULL, legwatch_loop, w);
	if (r < 0) {
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->cond);
		free(w);
		return r;
	}
	*ret = w;
	return 0;
}

void legwatch_stop(struct legwatch *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	for (size_t i = 0; i < w->n_lost; i++)
		free(w->lost[i].nqn);
	free(w->lost);
	for (size_t i = 0; i < w->n_ids; i++) {
		free(w->ids[i].uuid);
		free(w->ids[i].id);
	}
	free(w->ids);
	for (size_t i = 0; i < w->n_names; i++) {
		free(w->names[i].nqn);
		free(w->names[i].kname);
	}
	free(w->names);
	free(w->shape);
	free(w->waiting);
	free(w->released);
	free(w);
}
