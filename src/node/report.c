// SPDX-License-Identifier: GPL-2.0-only
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/import.h"
#include "node/report.h"
#include "util/path.h"
#include "util/strbuf.h"
#include "util/cleanup.h"
#include "util/xalloc.h"
#include "util/banned.h"

static bool set_state(struct member_status *ms, enum member_state state, int64_t epoch,
		      int64_t missing_since)
{
	bool changed =
		ms->state != state || ms->last_epoch != epoch || ms->missing_since != missing_since;

	ms->state = state;
	ms->last_epoch = epoch;
	ms->missing_since = missing_since;
	return changed;
}

static bool set_int(int32_t *field, int32_t value)
{
	bool changed = *field != value;

	*field = value;
	return changed;
}

static bool set_str(char **field, const char *value)
{
	if ((!*field && !value) || (*field && value && strcmp(*field, value) == 0))
		return false;
	free(*field);
	*field = value ? xstrdup(value) : NULL;
	return true;
}

/*
 * The identity refusal said on a member (or no longer, when ok), never in place
 * of a resync mark: the mark is what keeps a copy from passing for current,
 * so a refusal that comes and goes must not take it along.
 */
static bool note_identity(struct member_status *ms, bool ok)
{
	static const char suffix[] = "; " MEMBER_IDENTITY_MESSAGE;
	size_t len = ms->message ? strlen(ms->message) : 0;
	bool marked = ms->message &&
		      strncmp(ms->message, MEMBER_RESYNC_PREFIX, strlen(MEMBER_RESYNC_PREFIX)) == 0;
	bool noted = marked ? len >= strlen(suffix) &&
				      strcmp(ms->message + len - strlen(suffix), suffix) == 0
			    : ms->message && strcmp(ms->message, MEMBER_IDENTITY_MESSAGE) == 0;

	if (ok == !noted)
		return false;
	if (!marked)
		return set_str(&ms->message, ok ? NULL : MEMBER_IDENTITY_MESSAGE);
	if (ok) {
		ms->message[len - strlen(suffix)] = '\0';
	} else {
		ms->message = xrealloc(ms->message, len + sizeof(suffix));
		memcpy(ms->message + len, suffix, sizeof(suffix));
	}
	return true;
}

static bool is_mine(const struct plan_input *in, const struct volume_member *m)
{
	return strcmp(m->node_name, in->node_name) == 0;
}

/* Exported means: linked, and to the host of the claim this report is about. */
static bool exported_to_consumer(const struct plan_input *in, const struct volume *v,
				 const struct nvmet_subsystem *exp)
{
	const struct mesh_node *consumer = plan_find_node(in, v->spec.node_name);

	return exp && exp->linked && exp->host_nqn && consumer && consumer->status.host_nqn &&
	       strcmp(exp->host_nqn, consumer->status.host_nqn) == 0;
}

/* The host's word on one member: Requested until the partition exists, then Created or Exported. */
static bool report_host(const struct plan_input *in, struct volume *v,
			const struct volume_member *m)
{
	struct member_status *ms = volume_member_status(v, m->index);
	const struct drive *d;
	const struct gpt_partition *p;
	enum member_state state = MEMBER_STATE_REQUESTED;
	struct strbuf nqn = STRBUF_INIT;
	const struct nvmet_subsystem *exp;

	bool changed = false;

	if (ms->last_epoch == v->spec.epoch && member_state_is_consumer_view(ms->state))
		return false; /* the consumer's refinement of this epoch stands */
	/*
	 * A new claim: what the last consumer knew of this member goes with the
	 * state we overwrite, except that a member out of its array then is not
	 * a current copy now. Say so, so it is never assembled as one.
	 */
	if (member_state_is_consumer_view(ms->state) && ms->state != MEMBER_STATE_SYNCED &&
	    !member_needs_full_resync(v, m->index)) {
		free(ms->message);
		ms->message = xstrdup(MEMBER_BEHIND_MESSAGE);
		changed = true;
	}
	member_nqn(v->meta.name, (unsigned)m->index, &nqn);
	exp = observation_find_export(in->obs, nqn.buf);
	strbuf_done(&nqn);
	if (!member_partition_ok(v, m, NULL) ||
	    (observation_find_partition(in->obs, m->partition_uuid, &d, &p) &&
	     !member_partition_ok(v, m, p))) {
		changed |= note_identity(ms, false);
		/*
		 * Withdrawn from the claim (what the fence counts) only once no
		 * export is left under its name: plan_member() takes it down.
		 */
		if (exp)
			return changed;
		return set_state(ms, MEMBER_STATE_REQUESTED, v->spec.epoch, 0) || changed;
	}
	changed |= note_identity(ms, true);
	if (observation_find_partition(in->obs, m->partition_uuid, &d, &p)) {
		if (exported_to_consumer(in, v, exp))
			state = MEMBER_STATE_EXPORTED;
		else if (exp && exp->linked)
			/*
			 * Still exported to an earlier claim (plan.c takes it
			 * down): Created would tell the fence it was withdrawn.
			 */
			return changed;
		else
			state = MEMBER_STATE_CREATED;
	}
	/* Still exported to the claim of a volume in use (plan.c keeps it): that first. */
	if (v->meta.deleting && state != MEMBER_STATE_EXPORTED)
		state = MEMBER_STATE_DELETING;
	return set_state(ms, state, v->spec.epoch, 0) || changed;
}

/* The consumer's word on one member: what the array makes of it. */
static enum member_state array_view(const struct md_array *a, const struct md_member *mm)
{
	if (!mm)
		return MEMBER_STATE_MISSING;
	if (mm->faulty)
		return MEMBER_STATE_FAULTY;
	if (mm->in_sync)
		return MEMBER_STATE_SYNCED;
	if (mm->slot >= 0)
		return MEMBER_STATE_SYNCING;
	return a->sync_percent >= 0 ? MEMBER_STATE_SYNCING : MEMBER_STATE_SPARE;
}

/*
 * Whether the leg on device takes writes now: a local partition, or an import
 * that answers (import_answers()). A leg reconnecting, or held, keeps its
 * record (it holds every write: they wait for it) but is not counted active
 * while it waits.
 */
static bool leg_live(const struct plan_input *in, const char *device)
{
	for (size_t i = 0; device && i < in->obs->n_imports; i++) {
		const struct nvmf_subsystem *imp = &in->obs->imports[i];

		if (import_is(imp, path_basename(device)))
			return import_answers(imp);
	}
	return true;
}

static enum volume_phase array_phase(const struct md_array *a, int32_t active, int32_t total)
{
	if (a->broken)
		return VOLUME_PHASE_BROKEN;
	if (a->fs_shut_down)
		return VOLUME_PHASE_FILESYSTEM_SHUT_DOWN;
	if (a->sync_percent >= 0 && a->sync_action && strcmp(a->sync_action, "idle") != 0 &&
	    strcmp(a->sync_action, "check") != 0)
		return VOLUME_PHASE_SYNCING;
	/* Against the spec's members: a one-copy volume's empty second slot is by design. */
	if (active < total)
		return VOLUME_PHASE_DEGRADED;
	return VOLUME_PHASE_READY;
}

static bool set_condition(struct volume *v, const char *type, enum condition_status status,
			  const char *reason, const char *message, int64_t now)
{
	return conditions_set(&v->status.conditions, &v->status.n_conditions, type, status, reason,
			      message, now, v->meta.generation);
}

/* Available and InSync, from the array as the consumer sees it (phase decided already). */
static bool array_conditions(const struct plan_input *in, struct volume *v,
			     const struct md_array *a, int32_t active, int64_t now)
{
	_cleanup_strbuf_ struct strbuf avail = STRBUF_INIT, sync = STRBUF_INIT;
	int32_t total = (int32_t)v->spec.n_members;
	bool changed;

	if (a->broken) {
		strbuf_addf(&avail,
			    "array %s on %s lost every member at once and takes no "
			    "writes; nothing acknowledged is lost: restart the pod (the "
			    "volume is assembled again from its current copy)",
			    a->kname, in->node_name);
		changed = set_condition(v, VOLUME_CONDITION_AVAILABLE, CONDITION_FALSE,
					"ArrayBroken", avail.buf, now);
	} else if (a->fs_shut_down) {
		strbuf_addf(&avail,
			    "the XFS filesystem on array %s on %s shut down after an I/O "
			    "error and fails every call; restart the pod (the volume is "
			    "unmounted and mounted again; the log replays what was "
			    "acknowledged)",
			    a->kname, in->node_name);
		changed = set_condition(v, VOLUME_CONDITION_AVAILABLE, CONDITION_FALSE,
					"FilesystemShutDown", avail.buf, now);
	} else if (active == 0) {
		strbuf_addf(&avail,
			    "every leg of array %s on %s is reconnecting to its node: "
			    "writes wait (nothing is acknowledged meanwhile) until one "
			    "returns",
			    a->kname, in->node_name);
		changed = set_condition(v, VOLUME_CONDITION_AVAILABLE, CONDITION_FALSE,
					"WritesWaiting", avail.buf, now);
	} else {
		strbuf_addf(&avail, "array %s on %s takes writes", a->kname, in->node_name);
		changed = set_condition(v, VOLUME_CONDITION_AVAILABLE, CONDITION_TRUE, "Assembled",
					avail.buf, now);
	}
	strbuf_addf(&sync, "%d of %d members active and in sync", active, total);
	if (active == total)
		return set_condition(v, VOLUME_CONDITION_IN_SYNC, CONDITION_TRUE,
				     "AllMembersInSync", sync.buf, now) ||
		       changed;
	if (v->status.phase == VOLUME_PHASE_SYNCING) {
		strbuf_addf(&sync, "; resync at %d%%", a->sync_percent);
		return set_condition(v, VOLUME_CONDITION_IN_SYNC, CONDITION_FALSE, "Syncing",
				     sync.buf, now) ||
		       changed;
	}
	for (size_t i = 0; i < v->spec.n_members; i++) {
		const struct volume_member *m = &v->spec.members[i];
		const struct member_status *ms = volume_find_member_status(v, m->index);
		_cleanup_free_ char *device = NULL;

		if (!ms)
			continue;
		if (ms->state != MEMBER_STATE_SYNCED) {
			strbuf_addf(&sync, "; member %d on %s: %s", m->index, m->node_name,
				    member_state_to_string(ms->state));
			continue;
		}
		/* In sync, yet not active (report_consumer() counts so): say why. */
		device = plan_member_leg(in, v, m);
		if (a->broken)
			strbuf_addf(&sync, "; member %d on %s: in sync, in a broken array",
				    m->index, m->node_name);
		else if (!leg_live(in, device))
			strbuf_addf(&sync, "; member %d on %s: in sync, its leg reconnecting",
				    m->index, m->node_name);
	}
	return set_condition(v, VOLUME_CONDITION_IN_SYNC, CONDITION_FALSE, "Degraded", sync.buf,
			     now) ||
	       changed;
}

static bool report_consumer(const struct plan_input *in, struct volume *v, const struct md_array *a,
			    int64_t now)
{
	struct volume_status *st = &v->status;
	int32_t active = 0, failed = 0, missing = 0;
	bool changed = false;
	char ready[32];

	for (size_t i = 0; i < v->spec.n_members; i++) {
		const struct volume_member *m = &v->spec.members[i];
		_cleanup_free_ char *device = plan_member_leg(in, v, m);
		const struct md_member *mm = md_array_member(a, device);
		enum member_state s = array_view(a, mm);
		struct member_status *ms = volume_member_status(v, m->index);
		int64_t since = 0;

		/* A broken array serves nothing, though its last member still reads in sync. */
		active += s == MEMBER_STATE_SYNCED && !a->broken && leg_live(in, device);
		failed += s == MEMBER_STATE_FAULTY;
		missing += s == MEMBER_STATE_MISSING;
		if (s == MEMBER_STATE_MISSING)
			since = ms->state == MEMBER_STATE_MISSING && ms->missing_since
					? ms->missing_since
					: now;
		/*
		 * Only a member that is in this array, or was at this epoch: a
		 * consumer-side state at the current epoch is what lets a
		 * returning member be re-added, so a member that never joined
		 * keeps its host's word (and is fully resynced when it joins).
		 */
		if (mm ||
		    (ms->last_epoch == v->spec.epoch && member_state_is_consumer_view(ms->state))) {
			changed |= set_state(ms, s, v->spec.epoch, since);
		} else if (!a->broken && !member_needs_full_resync(v, m->index)) {
			/*
			 * Out of a working array, and never recorded in it at
			 * this epoch (an array kept across a claim that moved
			 * and came back, whose leg went unrecorded): every write
			 * goes on without it, so it is behind.
			 */
			changed |= set_str(&ms->message, MEMBER_BEHIND_MESSAGE);
		}
		if (s == MEMBER_STATE_SYNCED && ms->message) {
			/* Resynced in full: whatever it was, it is current now. */
			free(ms->message);
			ms->message = NULL;
			changed = true;
		}
	}
	snprintf(ready, sizeof(ready), "%d/%zu", active, v->spec.n_members);
	changed |= set_str(&st->node_name, in->node_name);
	changed |= set_str(&st->md_state, a->array_state);
	changed |= set_str(&st->ready, ready);
	changed |= st->degraded != (active < (int32_t)v->spec.n_members);
	st->degraded = active < (int32_t)v->spec.n_members;
	changed |= set_int(&st->total_members, (int32_t)v->spec.n_members);
	changed |= set_int(&st->active_members, active);
	changed |= set_int(&st->failed_members, failed);
	changed |= set_int(&st->missing_members, missing);
	changed |= set_int(&st->sync_percentage,
			   a->sync_percent >= 0 ? a->sync_percent
						: (active == (int32_t)v->spec.n_members ? 100 : 0));
	/* Only the API server's deletionTimestamp makes a volume Deleting, never a phase alone. */
	if (!v->meta.deleting) {
		enum volume_phase ph = array_phase(a, active, (int32_t)v->spec.n_members);

		changed |= st->phase != ph;
		st->phase = ph;
	}
	return array_conditions(in, v, a, active, now) || changed;
}

/*
 * The array this node had is gone (unstaged): no node serves the volume, and
 * what the status said of that array is no longer so. The members' entries
 * and the phase stay: they say which copies are current.
 */
static bool report_stopped(struct volume *v, int64_t now)
{
	bool changed = set_str(&v->status.node_name, NULL);

	changed |= set_str(&v->status.md_state, NULL);
	changed |= set_str(&v->status.ready, NULL);
	changed |= set_int(&v->status.active_members, 0);
	return set_condition(v, VOLUME_CONDITION_AVAILABLE, CONDITION_FALSE, "NotAssembled",
			     "not assembled on any node: no pod uses it (a pod that starts "
			     "assembles it)",
			     now) ||
	       changed;
}

bool report_waiting(struct volume *v, const char *node_name, int64_t epoch, const char *why,
		    int64_t now)
{
	bool changed;

	/* Only for the claim that waited: a late word must not cover a newer consumer's. */
	if (v->meta.deleting || !v->spec.node_name || strcmp(v->spec.node_name, node_name) != 0 ||
	    v->spec.epoch != epoch ||
	    (v->status.node_name && strcmp(v->status.node_name, node_name) != 0))
		return false;
	changed = v->status.phase != VOLUME_PHASE_UNAVAILABLE;
	v->status.phase = VOLUME_PHASE_UNAVAILABLE;
	return set_condition(v, VOLUME_CONDITION_AVAILABLE, CONDITION_FALSE, "NoCurrentCopy", why,
			     now) ||
	       changed;
}

int report_member_faulty(struct volume *v, const char *node_name, int64_t epoch, int32_t index,
			 const char *message, bool full)
{
	struct member_status *ms;
	bool changed = false;

	if (!v->spec.node_name || strcmp(v->spec.node_name, node_name) != 0 ||
	    !v->status.node_name || strcmp(v->status.node_name, node_name) != 0)
		return -EPERM; /* the claim, or the array, is another node's */
	if (epoch && v->spec.epoch != epoch)
		return -ESTALE; /* decided on an older view of the claim */
	ms = volume_member_status(v, index);
	/* Behind already (Faulty, Missing with its clock, Syncing...): left as it says. */
	if (ms->last_epoch != v->spec.epoch || !member_state_is_consumer_view(ms->state) ||
	    ms->state == MEMBER_STATE_SYNCED) {
		set_state(ms, MEMBER_STATE_FAULTY, v->spec.epoch, 0);
		if (!member_needs_full_resync(v, index))
			set_str(&ms->message, message);
		changed = true;
	}
	if (full && !member_needs_full_resync(v, index)) {
		set_str(&ms->message, MEMBER_WIPED_MESSAGE);
		changed = true;
	}
	return changed;
}

bool report_concerns(const struct plan_input *in, const struct volume *v)
{
	if (v->status.node_name && strcmp(v->status.node_name, in->node_name) == 0)
		return true;
	for (size_t i = 0; i < v->spec.n_members; i++)
		if (is_mine(in, &v->spec.members[i]))
			return true;
	return false;
}

bool report_volume(const struct plan_input *in, struct volume *v, int64_t now)
{
	const struct md_array *a = observation_find_array(in->obs, v->meta.name);
	/*
	 * The array here speaks for the volume only when staging recorded it
	 * (status.nodeName): one left from an earlier claim of this node is older
	 * than the volume and reports nothing.
	 */
	bool consumer = v->spec.node_name && strcmp(v->spec.node_name, in->node_name) == 0 &&
			v->status.node_name && strcmp(v->status.node_name, in->node_name) == 0;
	/* An inactive array (never started) says nothing of its members: staging stops it. */
	bool inactive = a && a->array_state && strcmp(a->array_state, "inactive") == 0;
	/* The pass skips the others (agent.c): nothing below may touch them. */
	bool concerns = report_concerns(in, v);
	bool changed = false;

	for (size_t i = 0; i < v->spec.n_members; i++)
		if (is_mine(in, &v->spec.members[i]))
			changed |= report_host(in, v, &v->spec.members[i]);
	if (a && consumer && !inactive)
		changed |= report_consumer(in, v, a, now);
	else if (!a && v->status.node_name && strcmp(v->status.node_name, in->node_name) == 0)
		changed |= report_stopped(v, now);
	assert(!changed || concerns);
	return changed;
}
