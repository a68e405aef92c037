// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/names.h"
#include "node/import.h"
#include "node/plan.h"
#include "util/cleanup.h"
#include "util/macro.h"
#include "util/xalloc.h"
#include "util/banned.h"

/*
 * plan_make() is pure: the volumes and nodes from the API, and one observation
 * of the kernel, in; actions out. Two roles meet here:
 *
 *   host      for each member placed on this node: hold the volume with our
 *             finalizer, create the partition, export it to the consumer
 *             alone (or to nobody), and on deletion unexport, delete the
 *             partition and let go of the volume;
 *   consumer  for each array assembled here: connect remote members that
 *             are missing, return members that came back; stop an array
 *             whose claim moved away (never while mounted), disconnect what
 *             no array here needs.
 *
 * Consumer actions come first: an array that must stop frees a local
 * partition that the host role then exports to the new consumer.
 */

static const char *const action_names[] = {
	[ACT_FINALIZER_ADD] = "finalizer-add",
	[ACT_PART_CREATE] = "partition-create",
	[ACT_PART_GROW] = "partition-grow",
	[ACT_EXPORT] = "export",
	[ACT_UNEXPORT] = "unexport",
	[ACT_PART_DELETE] = "partition-delete",
	[ACT_FINALIZER_REMOVE] = "finalizer-remove",
	[ACT_CONNECT] = "connect",
	[ACT_DISCONNECT] = "disconnect",
	[ACT_MD_RETURN] = "md-return",
	[ACT_MD_STOP] = "md-stop",
	[ACT_MD_READS] = "md-reads",
};

const char *action_type_to_string(enum action_type t)
{
	return (unsigned)t < ARRAY_SIZE(action_names) ? action_names[t] : NULL;
}

static struct action *add(struct plan *p, enum action_type type, const struct volume *v,
			  int32_t member)
{
	struct action *a;

	p->actions = xreallocarray(p->actions, p->n + 1, sizeof(*p->actions));
	a = &p->actions[p->n++];
	memset(a, 0, sizeof(*a));
	a->type = type;
	a->volume = v ? xstrdup(v->meta.name) : NULL;
	a->member = member;
	a->epoch = v ? v->spec.epoch : 0;
	return a;
}

void plan_done(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct action *a = &p->actions[i];

		free(a->volume);
		free(a->drive);
		free(a->uuid);
		free(a->name);
		free(a->nqn);
		free(a->device);
		free(a->host);
		free(a->address);
		free(a->md);
	}
	free(p->actions);
	p->actions = NULL;
	p->n = 0;
}

void action_format(const struct action *a, struct strbuf *out)
{
	strbuf_adds(out, action_type_to_string(a->type));
	if (a->volume)
		strbuf_addf(out, " vol=%s", a->volume);
	if (a->member >= 0)
		strbuf_addf(out, " m%d", a->member);
#define FIELD(f)                                              \
	do {                                                  \
		if (a->f)                                     \
			strbuf_addf(out, " " #f "=%s", a->f); \
	} while (0)
	FIELD(drive);
	FIELD(uuid);
	FIELD(name);
	FIELD(nqn);
	FIELD(device);
	FIELD(host);
	FIELD(address);
	FIELD(md);
#undef FIELD
	if (a->size)
		strbuf_addf(out, " size=%llu", (unsigned long long)a->size);
	if (a->full)
		strbuf_adds(out, " full");
	if (a->fence)
		strbuf_adds(out, " fence");
	if (a->type == ACT_MD_READS)
		strbuf_adds(out, a->write_mostly ? " write-mostly" : " balanced");
}

void member_partition_name(const char *volume_id, int32_t index, struct strbuf *out)
{
	strbuf_addf(out, "ms:%s:m%d", volume_id, index);
}

void drive_object_name(const char *node, const struct drive *d, struct strbuf *out)
{
	size_t start = out->len;

	strbuf_addf(out, "%s-%s", node, d->serial && d->serial[0] ? d->serial : d->kname);
	for (size_t i = start; i < out->len; i++) {
		char c = (char)tolower((unsigned char)out->buf[i]);

		out->buf[i] = (isalnum((unsigned char)c) || c == '.' || c == '-') ? c : '-';
	}
}

const struct mesh_node *plan_find_node(const struct plan_input *in, const char *name)
{
	for (size_t i = 0; name && i < in->n_nodes; i++)
		if (strcmp(in->nodes[i]->meta.name, name) == 0)
			return in->nodes[i];
	return NULL;
}

static const struct drive *find_drive(const struct plan_input *in, const char *object_name)
{
	const struct drive *found = NULL;

	for (size_t i = 0; !found && i < in->obs->n_drives; i++) {
		struct strbuf name = STRBUF_INIT;

		drive_object_name(in->node_name, &in->obs->drives[i], &name);
		if (strcmp(name.buf, object_name) == 0)
			found = &in->obs->drives[i];
		strbuf_done(&name);
	}
	return found;
}

static bool is_mine(const struct plan_input *in, const struct volume_member *m)
{
	return strcmp(m->node_name, in->node_name) == 0;
}

static bool is_consumer(const struct plan_input *in, const struct volume *v)
{
	return v->spec.node_name && strcmp(v->spec.node_name, in->node_name) == 0;
}

/*
 * Only the API server's deletionTimestamp: status.phase is written by every
 * agent, and a phase alone must never delete a partition.
 */
static bool is_deleting(const struct volume *v)
{
	return v->meta.deleting;
}

/*
 * Whether a consumer may be using the volume: claimed (spec.nodeName), or an
 * array recorded as assembled somewhere (status.nodeName, which the consumer's
 * agent clears once its array is stopped). DeleteVolume comes only after
 * ControllerUnpublishVolume, whose NodeUnstageVolume stopped the array; a
 * deletionTimestamp on a volume still in use comes from elsewhere (its CRD
 * deleted, `kubectl delete msvol`), and must not take the data from under a
 * mounted filesystem.
 */
static bool is_in_use(const struct volume *v)
{
	return v->spec.node_name || v->status.node_name;
}

/* Whether the array here is the one this node assembled for the claim (stage.c's record). */
static bool assembled_here(const struct plan_input *in, const struct volume *v)
{
	return is_consumer(in, v) && v->status.node_name &&
	       strcmp(v->status.node_name, in->node_name) == 0;
}

bool member_partition_ok(const struct volume *v, const struct volume_member *m,
			 const struct gpt_partition *p)
{
	char uuid[UUID_STRING_LEN + 1];
	struct strbuf name = STRBUF_INIT;
	bool ok;

	if (m->index < 0 || partition_uuid_for_member(v->meta.name, (unsigned)m->index, uuid) < 0 ||
	    strcmp(uuid, m->partition_uuid) != 0)
		return false;
	if (!p)
		return true;
	member_partition_name(v->meta.name, m->index, &name);
	ok = strcmp(p->name, name.buf) == 0;
	strbuf_done(&name);
	return ok;
}

/* Our partition of member m, when its UUID and GPT name are what m's identity derives. */
static bool find_member_partition(const struct plan_input *in, const struct volume *v,
				  const struct volume_member *m, const struct drive **ret_drive,
				  const struct gpt_partition **ret_part)
{
	const struct drive *d;
	const struct gpt_partition *p;

	if (!observation_find_partition(in->obs, m->partition_uuid, &d, &p) ||
	    !member_partition_ok(v, m, p))
		return false;
	*ret_drive = d;
	*ret_part = p;
	return true;
}

static void member_nqn_of(const struct volume *v, const struct volume_member *m, struct strbuf *out)
{
	member_nqn(v->meta.name, (unsigned)m->index, out);
}

static char *member_device(const struct plan_input *in, const struct volume *v,
			   const struct volume_member *m, bool usable)
{
	const struct drive *d;
	const struct gpt_partition *p;

	if (is_mine(in, m)) {
		char *path;

		if (!find_member_partition(in, v, m, &d, &p))
			return NULL;
		path = gpt_partition_path(d->path, p->partno);
		return path;
	} else {
		struct strbuf nqn = STRBUF_INIT;
		const struct nvmf_subsystem *s;
		const char *dev;

		member_nqn_of(v, m, &nqn);
		s = observation_find_import(in->obs, nqn.buf);
		strbuf_done(&nqn);
		dev = !s ? NULL : usable ? import_usable(s) : import_leg(s);
		return dev ? xstrdup(dev) : NULL;
	}
}

char *plan_member_device(const struct plan_input *in, const struct volume *v,
			 const struct volume_member *m)
{
	return member_device(in, v, m, true);
}

char *plan_member_leg(const struct plan_input *in, const struct volume *v,
		      const struct volume_member *m)
{
	return member_device(in, v, m, false);
}

static bool is_mounted(const struct plan_input *in, const struct md_array *a)
{
	size_t klen = strlen(a->kname);

	for (size_t i = 0; i < in->n_mounted; i++) {
		const char *m = in->mounted[i];
		size_t len = strlen(m);

		if (len >= klen + 1 && m[len - klen - 1] == '/' &&
		    strcmp(m + len - klen, a->kname) == 0)
			return true;
	}
	return false;
}

/* Whether device is in the array; with live_only, a faulty entry counts as absent. */
static bool array_has_device(const struct md_array *a, const char *device, bool live_only)
{
	const struct md_member *m = md_array_member(a, device);

	return m && (!live_only || !m->faulty);
}

bool member_needs_full_resync(const struct volume *v, int32_t index)
{
	const struct member_status *ms = volume_find_member_status(v, index);

	return ms && ms->message &&
	       strncmp(ms->message, MEMBER_RESYNC_PREFIX, strlen(MEMBER_RESYNC_PREFIX)) == 0;
}

bool member_joined_this_epoch(const struct volume *v, int32_t index)
{
	const struct member_status *ms = volume_find_member_status(v, index);

	return ms && ms->last_epoch == v->spec.epoch && member_state_is_consumer_view(ms->state);
}

static bool array_has_in_sync(const struct md_array *a)
{
	if (a->broken || a->broken_unknown)
		return false;
	for (size_t i = 0; i < a->n_members; i++)
		if (a->members[i].in_sync && !a->members[i].faulty)
			return true;
	return false;
}

static bool is_exported(const struct plan_input *in, const struct volume *v,
			const struct volume_member *m)
{
	struct strbuf nqn = STRBUF_INIT;
	bool found;

	member_nqn_of(v, m, &nqn);
	found = observation_find_export(in->obs, nqn.buf) != NULL;
	strbuf_done(&nqn);
	return found;
}

/*
 * Whether kernel name kname is an import that takes I/O now. A mark makes MD
 * suspend the array until every I/O in flight on it has ended, then write the
 * superblocks, all under the array's lock: behind a leg whose I/O waits the
 * pass, and the array's I/O, would wait with it.
 */
static bool leg_answers(const struct plan_input *in, const char *kname)
{
	for (size_t i = 0; i < in->obs->n_imports; i++)
		if (import_is(&in->obs->imports[i], kname))
			return import_answers(&in->obs->imports[i]);
	return false;
}

/*
 * Reads from the local copy. Where this node holds a member of a RAID1 here
 * (a partition), every leg over the network is marked write-mostly: MD then
 * reads from the local leg, and from the others only for what it cannot serve
 * (while it is being rebuilt, or after it failed). With no local leg and two
 * remote ones or more, none is marked, and MD balances reads across them; with
 * one, MD reads it marked or not, and it is left as it is. Each member is
 * checked, the local one too: the superblock keeps the mark, so the leg that
 * was remote to an earlier consumer carries it here. Only while every member
 * is whole and every remote leg answers (leg_answers()): a failing leg is for
 * the leg watch, and the mark can wait a pass. The mark is RAID1's only
 * (mdadm(8)): RAID10 reads as its layout says. A broken array is left as it is.
 */
static void plan_reads(const struct plan_input *in, const struct volume *v,
		       const struct md_array *a, struct plan *p)
{
	size_t remote = 0;
	bool local = false;

	if (!a->level || strcmp(a->level, "raid1") != 0 || a->broken || a->broken_unknown)
		return;
	for (size_t i = 0; i < a->n_members; i++) {
		const struct md_member *m = &a->members[i];

		if (m->faulty || (!m->partition && !leg_answers(in, m->kname)))
			return;
		if (m->partition)
			local = true;
		else
			remote++;
	}
	if (!local && remote < 2)
		return;
	for (size_t i = 0; i < a->n_members; i++) {
		const struct md_member *m = &a->members[i];
		bool want = local && !m->partition;
		struct action *act;

		if (m->write_mostly == want)
			continue;
		act = add(p, ACT_MD_READS, v, -1);
		act->md = xstrdup(a->kname);
		act->device = xstrdup(m->kname);
		act->write_mostly = want;
	}
}

/* The consumer role for one volume whose array is assembled here. */
static void plan_array(const struct plan_input *in, const struct volume *v,
		       const struct md_array *a, struct plan *p)
{
	if (!assembled_here(in, v) || is_deleting(v)) {
		/*
		 * The claim moved, the volume goes, or the array is left from an
		 * earlier claim of this node (another node has had the volume
		 * since: its data is older, nothing returns into it): stopped,
		 * never under a mounted filesystem.
		 */
		if (!is_mounted(in, a)) {
			struct action *act = add(p, ACT_MD_STOP, v, -1);

			act->md = xstrdup(a->kname);
		}
		return;
	}
	for (size_t i = 0; i < v->spec.n_members; i++) {
		const struct volume_member *m = &v->spec.members[i];
		_cleanup_free_ char *device = plan_member_device(in, v, m);

		if (!device && !is_mine(in, m)) {
			const struct mesh_node *host = plan_find_node(in, m->node_name);
			struct strbuf nqn = STRBUF_INIT;
			struct action *act;

			if (!host || !host->status.tcp_address)
				continue; /* nothing to connect to; the report says Missing */
			member_nqn_of(v, m, &nqn);
			act = add(p, ACT_CONNECT, v, m->index);
			act->nqn = strbuf_detach(&nqn);
			act->address = xstrdup(host->status.tcp_address);
		} else if (device && !array_has_device(a, device, true) && array_has_in_sync(a) &&
			   !(is_mine(in, m) && is_exported(in, v, m))) {
			/*
			 * Back in reach. Never into a broken array (no member in sync:
			 * the returning one may be the last current copy), and a local
			 * member only once its export is gone (the host role removes it).
			 */
			struct action *act = add(p, ACT_MD_RETURN, v, m->index);
			struct strbuf nqn = STRBUF_INIT;

			act->md = xstrdup(a->kname);
			act->device = TAKE_PTR(device);
			/* How apply finds it again right before mdadm acts (names are reused). */
			if (is_mine(in, m)) {
				act->uuid = xstrdup(m->partition_uuid);
			} else {
				member_nqn_of(v, m, &nqn);
				act->nqn = strbuf_detach(&nqn);
			}
			strbuf_done(&nqn);
			act->full = member_needs_full_resync(v, m->index) ||
				    !member_joined_this_epoch(v, m->index);
		}
	}
	plan_reads(in, v, a, p);
}

static bool in_local_array(const struct plan_input *in, const struct drive *d,
			   const struct gpt_partition *part)
{
	_cleanup_free_ char *path = gpt_partition_path(d->path, part->partno);

	for (size_t i = 0; i < in->obs->n_arrays; i++)
		if (array_has_device(&in->obs->arrays[i], path, false))
			return true;
	return false;
}

static uint64_t mib_round_up(uint64_t bytes)
{
	return (bytes + VOLUME_MIB - 1) / VOLUME_MIB * VOLUME_MIB;
}

static bool any_unreadable(const struct observation *o)
{
	for (size_t i = 0; i < o->n_drives; i++)
		if (o->drives[i].unreadable)
			return true;
	return false;
}

/* The host role for member m of v, placed on this node. */
static void plan_member(const struct plan_input *in, const struct volume *v,
			const struct volume_member *m, struct plan *p)
{
	struct strbuf nqn = STRBUF_INIT;
	const struct nvmet_subsystem *exp;
	const struct drive *drive;
	const struct gpt_partition *part;
	bool have = observation_find_partition(in->obs, m->partition_uuid, &drive, &part);
	const struct mesh_node *consumer = NULL;
	struct action *act;

	member_nqn_of(v, m, &nqn);
	exp = observation_find_export(in->obs, nqn.buf);
	if (!member_partition_ok(v, m, NULL) || (have && !member_partition_ok(v, m, part))) {
		/*
		 * Not the identity its index derives, or another member's or
		 * volume's partition: never touched, and no longer exported
		 * under this member's name (configfs only), so that the fence
		 * does not count on a member that still serves. The report
		 * says why.
		 */
		if (exp) {
			act = add(p, ACT_UNEXPORT, v, m->index);
			act->nqn = xstrdup(nqn.buf);
		}
		strbuf_done(&nqn);
		return;
	}
	if (v->spec.node_name && !is_consumer(in, v))
		consumer = plan_find_node(in, v->spec.node_name);
	if (!have && any_unreadable(in->obs)) {
		/* The partition may be on the drive we cannot read: touch nothing. */
		strbuf_done(&nqn);
		return;
	}
	if (!have) {
		const struct drive *d = find_drive(in, m->drive);
		struct strbuf name = STRBUF_INIT;

		if (exp) {
			act = add(p, ACT_UNEXPORT, v, m->index);
			act->nqn = xstrdup(nqn.buf);
		}
		strbuf_done(&nqn);
		if (!d || d->unusable || is_deleting(v))
			return; /* the report tells why the member cannot be made */
		member_partition_name(v->meta.name, m->index, &name);
		act = add(p, ACT_PART_CREATE, v, m->index);
		act->drive = xstrdup(d->path);
		act->uuid = xstrdup(m->partition_uuid);
		act->name = strbuf_detach(&name);
		act->size = (uint64_t)m->size_bytes;
		return;
	}
	if (part->size < mib_round_up((uint64_t)m->size_bytes) && !is_deleting(v)) {
		/* Expansion: in place; an export learns the new size (apply). */
		act = add(p, ACT_PART_GROW, v, m->index);
		act->drive = xstrdup(drive->path);
		act->uuid = xstrdup(m->partition_uuid);
		act->size = (uint64_t)m->size_bytes;
		act->nqn = exp ? xstrdup(nqn.buf) : NULL;
	}
	/*
	 * A partition still in an array here (this node was the consumer and the
	 * array is not stopped yet) is not exported: two arrays would write it.
	 * The export follows once the array is gone.
	 */
	if (consumer && consumer->status.host_nqn && !in_local_array(in, drive, part)) {
		_cleanup_free_ char *device = gpt_partition_path(drive->path, part->partno);

		if (!exp || !exp->linked || !exp->enabled || !exp->host_nqn ||
		    strcmp(exp->host_nqn, consumer->status.host_nqn) != 0 || !exp->device_path ||
		    strcmp(exp->device_path, device) != 0) {
			act = add(p, ACT_EXPORT, v, m->index);
			act->nqn = strbuf_detach(&nqn);
			act->device = TAKE_PTR(device);
			act->host = xstrdup(consumer->status.host_nqn);
		}
	} else if (exp) {
		/* Not claimed, claimed by us, or by a node we cannot name: nobody gets it. */
		act = add(p, ACT_UNEXPORT, v, m->index);
		act->nqn = strbuf_detach(&nqn);
	}
	strbuf_done(&nqn);
}

/* Deletion: unexport, delete the partitions, then let the volume go. */
static void plan_delete(const struct plan_input *in, const struct volume *v, struct plan *p)
{
	bool left = false;

	for (size_t i = 0; i < v->spec.n_members; i++) {
		const struct volume_member *m = &v->spec.members[i];
		struct strbuf nqn = STRBUF_INIT;
		const struct drive *d;
		const struct gpt_partition *part;
		struct action *act;

		if (!is_mine(in, m) || !member_partition_ok(v, m, NULL))
			continue;
		member_nqn_of(v, m, &nqn);
		if (observation_find_export(in->obs, nqn.buf)) {
			act = add(p, ACT_UNEXPORT, v, m->index);
			act->nqn = strbuf_detach(&nqn);
			left = true;
		} else if (find_member_partition(in, v, m, &d, &part)) {
			act = add(p, ACT_PART_DELETE, v, m->index);
			act->drive = xstrdup(d->path);
			act->uuid = xstrdup(m->partition_uuid);
			left = true;
		}
		strbuf_done(&nqn);
	}
	if (!left && !observation_find_array(in->obs, v->meta.name) &&
	    meta_has_finalizer(&v->meta, in->finalizer))
		add(p, ACT_FINALIZER_REMOVE, v, -1);
}

static bool volume_has_mine(const struct plan_input *in, const struct volume *v)
{
	for (size_t i = 0; i < v->spec.n_members; i++)
		if (is_mine(in, &v->spec.members[i]))
			return true;
	return false;
}

static void plan_volume(const struct plan_input *in, const struct volume *v, struct plan *p)
{
	const struct md_array *a = observation_find_array(in->obs, v->meta.name);

	if (a)
		plan_array(in, v, a, p);
	if (is_deleting(v) && !is_in_use(v)) {
		if (!a)
			plan_delete(in, v, p);
		return;
	}
	/* From here on a deleting volume is still in use: its members stay, exported as before. */
	if (!volume_has_mine(in, v))
		return;
	if (!meta_has_finalizer(&v->meta, in->finalizer)) {
		/*
		 * Before any partition exists, so the object outlives all of them.
		 * None for a volume being deleted: it gets no partition either (and
		 * the API server refuses a new finalizer on it).
		 */
		if (!is_deleting(v))
			add(p, ACT_FINALIZER_ADD, v, -1);
		return;
	}
	for (size_t i = 0; i < v->spec.n_members; i++)
		if (is_mine(in, &v->spec.members[i]))
			plan_member(in, v, &v->spec.members[i], p);
}

static const struct volume *find_volume(const struct plan_input *in, const char *id)
{
	for (size_t i = 0; i < in->n_volumes; i++)
		if (strcmp(in->volumes[i]->meta.name, id) == 0)
			return in->volumes[i];
	return NULL;
}

static const struct volume_member *find_member(const struct volume *v, unsigned index)
{
	for (size_t i = 0; v && i < v->spec.n_members; i++)
		if (v->spec.members[i].index == (int32_t)index)
			return &v->spec.members[i];
	return NULL;
}

static bool all_synced(const struct volume *v)
{
	for (size_t i = 0; i < v->spec.n_members; i++) {
		const struct member_status *ms =
			volume_find_member_status(v, v->spec.members[i].index);

		if (!ms || ms->state != MEMBER_STATE_SYNCED)
			return false;
	}
	return true;
}

/*
 * Exports and imports of ours that no volume explains: a member moved away
 * (replacement), or a volume gone. Dropping an export or an import loses no
 * data; partitions of unknown volumes are left alone (reported, never deleted).
 */
static void plan_leftovers(const struct plan_input *in, struct plan *p)
{
	const struct observation *o = in->obs;

	for (size_t i = 0; i < o->n_exports; i++) {
		char id[VOLUME_ID_MAX + 1];
		unsigned index;
		const struct volume *v;
		const struct volume_member *m;

		if (member_nqn_parse(o->exports[i].nqn, id, &index) < 0)
			continue;
		v = find_volume(in, id);
		m = find_member(v, index);
		/*
		 * Only for a volume we can read that no longer places the member
		 * here: a volume missing from the view may be one our codec refuses,
		 * and its consumer may be using the export right now.
		 */
		if (v && (!m || !is_mine(in, m))) {
			struct action *act = add(p, ACT_UNEXPORT, v, (int32_t)index);

			act->nqn = xstrdup(o->exports[i].nqn);
		}
	}
	for (size_t i = 0; i < o->n_imports; i++) {
		char id[VOLUME_ID_MAX + 1];
		unsigned index;
		const struct volume *v;

		if (member_nqn_parse(o->imports[i].nqn, id, &index) < 0)
			continue;
		v = find_volume(in, id);
		if (v && is_consumer(in, v) && !is_deleting(v) && find_member(v, index))
			continue;
		/*
		 * The array stops first (plan_array), then this goes; but an array
		 * still mounted here after the claim left (force-detached) is a
		 * fenced writer's: its legs go now, so its writes fail rather than
		 * wait for ctrl_loss_tmo on exports that refuse it.
		 */
		if (observation_find_array(o, id) && !(v && !is_consumer(in, v) && !is_deleting(v)))
			continue;
		struct action *act = add(p, ACT_DISCONNECT, v, (int32_t)index);

		act->nqn = xstrdup(o->imports[i].nqn);
		/*
		 * The cache may lag a claim that just came here: apply asks the API
		 * first. The array's filesystem is shut down before its leg goes:
		 * with a copy of its own here, MD would otherwise complete what
		 * waits for the leg on that copy alone and acknowledge it.
		 */
		if (observation_find_array(o, id)) {
			act->fence = true;
			act->md = xstrdup(observation_find_array(o, id)->kname);
		}
	}
	/* Our partitions of a volume that still exists but no longer places them here. */
	for (size_t d = 0; d < o->n_drives; d++) {
		const struct gpt_disk *g = &o->drives[d].gpt;

		for (size_t i = 0; i < g->n_parts; i++) {
			const struct gpt_partition *part = &g->parts[i];
			char id[VOLUME_ID_MAX + 1] = "";
			const struct volume *v;
			bool placed = false;
			int index = -1;

			if (!part->ours || sscanf(part->name, "ms:%31[^:]:m%d", id, &index) != 2)
				continue;
			v = find_volume(in, id);
			/* By index too: a member whose UUID was edited still owns its partition. */
			for (size_t k = 0; v && k < v->spec.n_members; k++)
				placed |= strcmp(v->spec.members[k].partition_uuid, part->uuid) ==
						  0 ||
					  v->spec.members[k].index == index;
			/* A moved member's old copy stays until its replacement is in sync. */
			if (!v || placed || observation_find_array(o, id) || !all_synced(v))
				continue;
			struct action *act = add(p, ACT_PART_DELETE, v, -1);

			act->drive = xstrdup(o->drives[d].path);
			act->uuid = xstrdup(part->uuid);
		}
	}
}

void plan_make(const struct plan_input *in, struct plan *ret)
{
	struct plan p = { 0 };

	for (size_t i = 0; i < in->n_volumes; i++)
		plan_volume(in, in->volumes[i], &p);
	plan_leftovers(in, &p);
	*ret = p;
}
