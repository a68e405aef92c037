// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kube/codec.h"
#include "kube/events.h"
#include "kube/update.h"
#include "model/names.h"
#include "node/copies.h"
#include "node/agent-internal.h"
#include "node/import.h"
#include "node/md.h"
#include "node/nvmet.h"
#include "node/nvmf.h"
#include "node/report.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/path.h"
#include "util/xalloc.h"
#include "util/banned.h"

/*
 * NodeStageVolume and NodeUnstageVolume: staging assembles (or, on first
 * use, creates) the volume's array on the consumer and mounts it (mount.c
 * bind-mounts it into the pod). They hold the kernel lock, so no reconcile
 * pass runs meanwhile; what a crash leaves half done, the next call or pass
 * finishes.
 */

/* How long a freshly connected namespace may take to show up as a block device. */
#define NAMESPACE_WAIT_MS 15000
/* XFS retries failed metadata writes this often, for at most this long, then errors out. */
#define XFS_EIO_RETRIES 3
#define XFS_EIO_RETRY_SECONDS 10

int agent_fetch_volume(struct agent *a, const char *id, struct volume **ret, struct strbuf *err)
{
	_cleanup_(json_decrefp) json_t *obj = NULL;
	int r;

	r = kube_get(a->client, &kube_meshstorvolumes, NULL, id, &obj, err);
	if (r == -ENOENT) {
		strbuf_addf(err, "volume %s does not exist", id);
		return -ENOENT;
	}
	if (r < 0)
		return r;
	return volume_from_json(obj, ret, err);
}

struct stage_ctx {
	struct agent *a;
	struct volume *v;
	struct agent_view view;
	struct observation obs;
	struct plan_input in;
	const char **devs;	     /* per member, in spec order; NULL when unreachable */
	struct copies_choice choice; /* which members the array starts from */
};

static void stage_ctx_done(struct stage_ctx *s)
{
	for (size_t i = 0; s->devs && i < s->v->spec.n_members; i++)
		free((char *)s->devs[i]);
	free(s->devs);
	copies_choice_done(&s->choice);
	observation_done(&s->obs);
	agent_view_done(&s->view);
	volume_free(s->v);
}

static int observe_again(struct stage_ctx *s)
{
	int r;

	observation_done(&s->obs);
	r = observe_take(&s->a->paths, &s->obs);
	if (r == 0)
		agent_note_parts(s->a, &s->obs);
	return r;
}

/*
 * observe_again() for a report: the record lock taken after the drives'
 * tables are read (that read may wait on a drive's lock, and the leg watch
 * must not wait with it), the legs read again under it. Returns with the
 * record lock held, whatever it returns.
 */
static int observe_for_report(struct stage_ctx *s)
{
	int r = observe_again(s);

	pthread_mutex_lock(&s->a->record);
	return r < 0 ? r : observe_legs(&s->a->paths, &s->obs);
}

/* Connects member m and waits for its namespace; the device path, or NULL. */
static char *connect_member(struct stage_ctx *s, const struct volume_member *m, struct strbuf *err)
{
	const struct mesh_node *host = plan_find_node(&s->in, m->node_name);
	struct action act = { .type = ACT_CONNECT, .member = m->index };
	struct strbuf nqn = STRBUF_INIT;
	char *dev = NULL;
	int r, held = 0;

	if (!host || !host->status.tcp_address) {
		strbuf_addf(err, "member %d: node %s has published no NVMe-oF address; ", m->index,
			    m->node_name);
		return NULL;
	}
	member_nqn(s->v->meta.name, (unsigned)m->index, &nqn);
	act.nqn = nqn.buf;
	act.address = host->status.tcp_address;
	connect_backoff_forget(s->a, nqn.buf);
	r = apply_action(s->a, &act, err);
	for (int waited = 0; r >= 0 && waited < NAMESPACE_WAIT_MS; waited += 250) {
		const struct nvmf_subsystem *imp;

		if (observe_again(s) < 0)
			break;
		dev = plan_member_device(&s->in, s->v, m);
		if (dev)
			break;
		/* Its namespace is there: the hold MD will use goes over it now (import.h). */
		imp = observation_find_import(&s->obs, nqn.buf);
		if (imp && imp->block) {
			held = import_keep_hold(imp, md_arrays_have(s->obs.arrays, s->obs.n_arrays,
								    imp->hold.device));
			if (held > 0)
				continue;
		}
		usleep(250 * 1000);
	}
	if (r >= 0 && !dev && held < 0)
		strbuf_addf(err,
			    "member %d: connected to %s, but the device-mapper table that "
			    "holds its I/O cannot be made over its namespace (%s; is the "
			    "dm-multipath module available?); ",
			    m->index, m->node_name, strerror(-held));
	else if (r >= 0 && !dev)
		strbuf_addf(err, "member %d: connected to %s but no namespace appeared; ", m->index,
			    m->node_name);
	else if (r < 0)
		strbuf_adds(err, "; ");
	strbuf_done(&nqn);
	return dev;
}

/*
 * Which reached members are whole copies of the array: they carry its
 * superblock, in a slot, not being rebuilt. A new volume (never formatted,
 * and no member carries the superblock yet) is created from every member
 * reached. Returns whether the volume is new.
 */
static bool whole_copies(struct stage_ctx *s, bool *ret, uint64_t *ret_events)
{
	const struct volume *v = s->v;
	char uuid[UUID_STRING_LEN + 1];
	bool any = false;

	volume_md_uuid(v->meta.name, uuid);
	for (size_t i = 0; i < v->spec.n_members; i++) {
		struct md_superblock sb;
		bool ours = s->devs[i] && md_read_superblock(s->devs[i], &sb) == 0 &&
			    strcmp(sb.uuid, uuid) == 0;

		any |= ours;
		ret[i] = ours && sb.role >= 0 && !sb.recovering;
		ret_events[i] = ours ? sb.events : 0;
	}
	if (any || v->spec.formatted_at != 0)
		return false;
	for (size_t i = 0; i < v->spec.n_members; i++)
		ret[i] = s->devs[i] != NULL;
	return true;
}

/*
 * Every member's device: local partitions as they are, remote ones
 * connected; then which of them the array starts from (copies_choose()):
 * current copies only, and never the old consumer's own copy while another
 * current one is in reach. No current copy in reach: wait (-EAGAIN), saying
 * why each member missing is out of reach.
 */
static int gather_members(struct stage_ctx *s, struct strbuf *err)
{
	const struct volume *v = s->v;
	size_t n = v->spec.n_members;
	_cleanup_free_ bool *reachable = xcalloc(n + 1, sizeof(bool));
	_cleanup_free_ uint64_t *events = xcalloc(n + 1, sizeof(uint64_t));
	_cleanup_strbuf_ struct strbuf away = STRBUF_INIT;
	size_t reached = 0;
	int r;

	s->devs = xcalloc(n, sizeof(*s->devs));
	for (size_t i = 0; i < n; i++) {
		const struct volume_member *m = &v->spec.members[i];
		char *dev = plan_member_device(&s->in, v, m);

		if (dev && strcmp(m->node_name, s->a->o.node_name) == 0) {
			/* Ours to use directly now: exported to nobody (a stale export
			 * could still reach the previous consumer). */
			struct strbuf nqn = STRBUF_INIT;

			member_nqn(v->meta.name, (unsigned)m->index, &nqn);
			r = nvmet_remove(s->a->nvmet, nqn.buf);
			strbuf_done(&nqn);
			if (r < 0) {
				free(dev);
				strbuf_addf(err,
					    "cannot withdraw the export of local member %d: %s",
					    m->index, strerror(-r));
				return r;
			}
		}
		if (!dev && strcmp(m->node_name, s->a->o.node_name) != 0)
			dev = connect_member(s, m, &away);
		else if (!dev)
			strbuf_addf(&away,
				    "member %d: its partition is not on this node (a new "
				    "volume's is made by this node's agent within a pass; "
				    "else see the node's drives); ",
				    m->index);
		s->devs[i] = dev;
		reached += dev != NULL;
	}
	strbuf_rtrim(&away, "; ");
	if (whole_copies(s, reachable, events) && reached == 0) {
		strbuf_addf(err, "volume %s is new and none of its members is ready yet: %s",
			    v->meta.name, away.buf);
		return -EAGAIN;
	}
	r = copies_choose(v, s->a->o.node_name, reachable, events, &s->choice, err);
	if (r < 0 && away.len)
		strbuf_addf(err, ". Out of reach now: %s", away.buf);
	return r;
}

/* Slot order: stripe-major, copies adjacent (MD RAID10's near layout pairs neighbours). */
static int slot_of(const struct volume *v, const struct volume_member *m)
{
	return m->stripe * v->spec.number_of_copies + m->copy;
}

static int create_array(struct stage_ctx *s, const char *uuid, struct strbuf *err)
{
	const struct volume *v = s->v;
	int slots = v->spec.number_of_copies * v->spec.drives_per_copy;
	_cleanup_free_ const char **devs = NULL;
	int level = v->spec.drives_per_copy > 1 ? 10 : 1;
	uint64_t size_kib;
	int r;

	/* One copy is a two-slot RAID1 with the second slot empty: it can move later. */
	if (v->spec.number_of_copies == 1 && level == 1)
		slots = 2;
	devs = xcalloc((size_t)slots, sizeof(*devs));
	for (int i = 0; i < slots; i++)
		devs[i] = "missing";
	for (size_t i = 0; i < v->spec.n_members; i++) {
		int slot = slot_of(v, &v->spec.members[i]);

		if (s->choice.use[i] && slot < slots)
			devs[slot] = s->devs[i];
	}
	size_kib = (uint64_t)(v->spec.capacity_bytes / v->spec.drives_per_copy) / 1024;
	r = md_create(s->a->proc, v->meta.name, uuid, level, v->spec.number_of_copies, size_kib,
		      devs, (size_t)slots, err);
	if (r < 0)
		return r;
	log_vol_info(v->meta.name, "Created RAID%d of %d slots, %llu KiB per member", level, slots,
		     (unsigned long long)size_kib);
	return 1;
}

/*
 * Assembles from the members that carry the array's superblock, or creates
 * the array when none does and the volume has never been formatted. Anything
 * else is refused: a formatted volume without its superblocks is not
 * recreated over its data.
 */
static int assemble_or_create(struct stage_ctx *s, struct strbuf *err)
{
	const struct volume *v = s->v;
	_cleanup_free_ const char **devs = xcalloc(v->spec.n_members, sizeof(char *));
	char uuid[UUID_STRING_LEN + 1];
	size_t n = 0, foreign = 0;

	volume_md_uuid(v->meta.name, uuid);
	for (size_t i = 0; i < v->spec.n_members; i++) {
		struct md_superblock sb;
		int r;

		if (!s->choice.use[i])
			continue;
		r = md_read_superblock(s->devs[i], &sb);
		if (r == 0 && strcmp(sb.uuid, uuid) == 0)
			devs[n++] = s->devs[i];
		else if (r == 0)
			foreign++;
	}
	if (n > 0)
		return md_assemble(s->a->proc, v->meta.name, uuid, devs, n, err);
	if (foreign > 0 || v->spec.formatted_at != 0) {
		strbuf_addf(err,
			    "no reachable member carries this volume's array (UUID %s)%s; "
			    "refusing to create a new one over data. Bring the members' nodes "
			    "back, then stage again",
			    uuid, foreign ? ", and some carry another array's superblock" : "");
		/* Another array's superblock is a refusal; absent members, a wait. */
		return foreign ? -EPERM : -EAGAIN;
	}
	return create_array(s, uuid, err);
}

static int record_formatted(struct volume *v, void *userdata)
{
	if (v->spec.formatted_at != 0)
		return 1;
	v->spec.formatted_at = time(NULL);
	return 0;
}

/* mkfs.xfs on first use only: never over a signature, recorded in spec.formattedAt. */
static int format_once(struct stage_ctx *s, const char *md, struct strbuf *err)
{
	bool found = false;
	_cleanup_free_ char *type = NULL;
	int r;

	if (s->v->spec.formatted_at != 0)
		return 0;
	r = fs_probe_signature(md, &found, &type);
	if (r < 0) {
		strbuf_addf(err, "cannot probe %s: %s", md, strerror(-r));
		return r;
	}
	if (found && strcmp(type, "xfs") != 0) {
		strbuf_addf(err, "%s carries a %s signature; refusing to format it", md, type);
		return -EPERM;
	}
	if (!found) {
		log_vol_info(s->v->meta.name, "Making an XFS filesystem on %s (first use)", md);
		r = fs_mkfs_xfs(md, (unsigned)s->v->spec.sector_size, err);
		if (r < 0)
			return r;
	}
	return kube_update_volume(s->a->client, s->v->meta.name, VOLUME_PART_SPEC, record_formatted,
				  NULL, NULL, err);
}

/* Whether v, as the API server has it now, still carries our claim at the epoch we staged for. */
static bool claim_unmoved(const struct stage_ctx *s, const struct volume *v)
{
	return v->spec.node_name && strcmp(v->spec.node_name, s->a->o.node_name) == 0 &&
	       v->spec.epoch == s->v->spec.epoch;
}

/*
 * Before the array is assembled, the record says so: status.nodeName is this
 * node (so no other node, and no later claim of this node, takes an array
 * assembled here for its own), the diverged members are marked (the loop
 * resyncs them in full when they return), and a copy the operator accepted
 * data loss for is the current one (Synced at this epoch, which also spends
 * the acceptance). Written under the resourceVersion
 * of an object that still carries our claim at the epoch we staged for.
 */
static int record_assembly(struct volume *v, void *userdata)
{
	struct stage_ctx *s = userdata;
	const char *me = s->a->o.node_name;
	bool changed = false;

	if (!claim_unmoved(s, v))
		return -EPERM; /* the claim moved meanwhile (-ESTALE is a race) */
	if (!v->status.node_name || strcmp(v->status.node_name, me) != 0) {
		free(v->status.node_name);
		v->status.node_name = xstrdup(me);
		changed = true;
	}
	for (size_t i = 0; i < s->v->spec.n_members; i++) {
		struct member_status *ms;

		if (s->choice.use[i] && !s->choice.data_loss_accepted)
			continue;
		if (!s->choice.use[i] && !s->choice.diverged[i])
			continue; /* marked behind once the array exists (mark_left_out()) */
		ms = volume_member_status(v, s->v->spec.members[i].index);
		if (s->choice.diverged[i]) {
			free(ms->message);
			ms->message = xstrdup(MEMBER_DIVERGED_MESSAGE);
			ms->state = MEMBER_STATE_FAULTY;
		} else {
			/*
			 * The operator's choice is the current copy now: accepted once per epoch.
			 */
			free(ms->message);
			ms->message = NULL;
			ms->state = MEMBER_STATE_SYNCED;
		}
		ms->last_epoch = v->spec.epoch;
		changed = true;
	}
	return changed ? 0 : 1;
}

/*
 * Every member that is not in the array (or is faulty there) when it is about
 * to be mounted is behind from the first write on: marked so before the mount,
 * so a later failover never takes it for current. Until the mount nothing is
 * written, so a crash before this mark loses nothing.
 */
struct left_out_ctx {
	struct stage_ctx *s;
	const struct md_array *arr;
};

static bool in_array(const struct md_array *arr, const char *device)
{
	const struct md_member *m = md_array_member(arr, device);

	return m && !m->faulty;
}

static int mark_left_out(struct volume *v, void *userdata)
{
	const struct left_out_ctx *ctx = userdata;
	struct stage_ctx *s = ctx->s;
	bool changed = false;

	if (!claim_unmoved(s, v))
		return -EPERM; /* the claim moved meanwhile: its new holder's record counts */
	for (size_t i = 0; i < v->spec.n_members; i++) {
		const struct volume_member *m = &v->spec.members[i];
		_cleanup_free_ char *dev = plan_member_device(&s->in, v, m);
		struct member_status *ms;

		if (in_array(ctx->arr, dev) || member_needs_full_resync(v, m->index))
			continue;
		ms = volume_member_status(v, m->index);
		if (ms->last_epoch < 0)
			ms->last_epoch = v->spec.epoch;
		free(ms->message);
		ms->message = xstrdup(MEMBER_BEHIND_MESSAGE);
		changed = true;
	}
	return changed ? 0 : 1;
}

/*
 * mark_left_out() under the resourceVersion. An array this node kept across a
 * claim that moved and came back may have lost a leg meanwhile, unrecorded
 * (the self-fence disconnects legs of an array whose claim is gone).
 */
static int mark_left_out_of(struct stage_ctx *s, const struct md_array *arr, struct strbuf *err)
{
	int r = kube_update_volume(s->a->client, s->v->meta.name, VOLUME_PART_STATUS, mark_left_out,
				   &(struct left_out_ctx){ .s = s, .arr = arr }, NULL, err);

	if (r == -EPERM)
		strbuf_adds(err, "the claim moved while staging: this node no longer holds it");
	return r < 0 ? r : 0;
}

/*
 * An array of this volume already assembled here is ours to go on with only
 * when the record says this node assembled it (status.nodeName; another node
 * that had the volume since has overwritten it) and it still takes writes.
 * One left from an earlier claim holds older data than the volume: it is
 * stopped when nothing has it mounted, and refused otherwise. A broken array,
 * or one whose filesystem has shut down, is refused: only an unstage mends it. 0: go on with
 * it; 1: stopped, assemble anew; -errno: refused, with why in err.
 */
static int check_existing(struct stage_ctx *s, const struct md_array *arr, struct strbuf *err)
{
	const char *me = s->a->o.node_name;
	_cleanup_free_ char *md = NULL;
	bool mounted = true;
	int r;

	xasprintf(&md, "%s/%s", s->a->dev, arr->kname);
	if (arr->array_state && strcmp(arr->array_state, "inactive") == 0) {
		/*
		 * Gathered but never started (mdadm -I, or an assembly that
		 * failed halfway): it serves nothing and holds its members.
		 * Stopped, and assembled again from the current copies.
		 */
		r = md_stop(s->a->proc, md, err);
		if (r < 0)
			return r;
		log_vol_info(s->v->meta.name, "Stopped %s: inactive (never started)", md);
		return 1;
	}
	if (s->v->status.node_name && strcmp(s->v->status.node_name, me) == 0) {
		if (arr->broken) {
			strbuf_addf(err,
				    "array %s lost every member at once and takes no writes "
				    "(MD broken); unstage the volume (restart the pod) so it is "
				    "assembled again from its current copy",
				    md);
			return -EIO;
		}
		if (arr->fs_shut_down) {
			/* A repeated call (a kubelet's, after its restart) must not hand it out
			 * again. */
			strbuf_addf(err,
				    "the filesystem on %s has shut down after an I/O error and "
				    "fails every read and write; delete the pods that use it on "
				    "this node (a container restart keeps it staged), so it is "
				    "unstaged and mounted again, which replays its log",
				    md);
			return -EIO;
		}
		r = mark_left_out_of(s, arr, err);
		if (r < 0)
			return r;
		/*
		 * An unstage of it while the claim was away that did not finish
		 * (agent_unstage()) leaves it read-only: a read-write mount of it
		 * would fail with EACCES until it stops. Made writable only now
		 * that the record, written under the resourceVersion, says the
		 * claim is ours again.
		 */
		r = md_set_bdev_readonly(s->a->dev, arr->kname, false);
		if (r < 0) {
			strbuf_addf(err, "cannot make %s writable again: %s", md, strerror(-r));
			return r;
		}
		if (r > 0)
			log_vol_info(s->v->meta.name,
				     "%s was read-only (left so by an unstage while "
				     "the claim was away): writable again",
				     md);
		return 0;
	}
	r = fs_device_is_mounted(s->a->proc, md, &mounted);
	if (r < 0 || mounted) {
		strbuf_addf(err,
			    "array %s here is left from an earlier claim of this volume "
			    "(%s%s has had it since) and is still mounted; it holds older "
			    "data and is never adopted: unstage it (NodeUnstageVolume) first",
			    md, s->v->status.node_name ? "node " : "another node",
			    s->v->status.node_name ?: "");
		return -EBUSY;
	}
	r = md_stop(s->a->proc, md, err);
	if (r < 0)
		return r;
	log_vol_info(s->v->meta.name,
		     "Stopped %s, left from an earlier claim (%s%s has had "
		     "the volume since): it is never adopted",
		     md, s->v->status.node_name ? "node " : "another node",
		     s->v->status.node_name ?: "");
	return 1;
}

/* What the operator's acceptance of data loss did, in the log and an Event. */
static void record_data_loss(struct stage_ctx *s, const json_t *obj)
{
	struct strbuf msg = STRBUF_INIT;

	strbuf_addf(&msg, "Data loss accepted for epoch %lld (annotation %s): starting from ",
		    (long long)s->v->spec.epoch, VOLUME_ACCEPT_DATA_LOSS_ANNOTATION);
	for (size_t i = 0, k = 0; i < s->v->spec.n_members; i++)
		if (s->choice.use[i])
			strbuf_addf(&msg, "%smember %d on %s", k++ ? ", " : "",
				    s->v->spec.members[i].index, s->v->spec.members[i].node_name);
	strbuf_adds(&msg, ", though no current copy of some stripe is within reach; writes only "
			  "the absent copies hold are lost");
	log_vol_warning(s->v->meta.name, "%s", msg.buf);
	if (obj)
		kube_event_record_volume(s->a->client, s->a->claim_events, obj, KUBE_EVENT_WARNING,
					 "DataLossAccepted", msg.buf, "meshstor-node", NULL);
	strbuf_done(&msg);
}

static int stage_array(struct stage_ctx *s, char **ret_md, struct strbuf *err)
{
	const struct md_array *arr = observation_find_array(&s->obs, s->v->meta.name);
	_cleanup_(json_decrefp) json_t *obj = NULL;
	bool created = false;
	int r;

	if (arr) {
		r = check_existing(s, arr, err);
		if (r < 0)
			return r;
		if (r > 0) {
			r = observe_again(s);
			if (r < 0)
				return r;
			arr = observation_find_array(&s->obs, s->v->meta.name);
		}
	}
	if (!arr) {
		/* mdadm would wait unkillably: refused before anything is recorded (md.h). */
		r = md_mdstat_answers(s->a->proc, err);
		if (r < 0)
			return r;
		r = gather_members(s, err);
		if (r < 0)
			return r;
		r = kube_update_volume(s->a->client, s->v->meta.name, VOLUME_PART_STATUS,
				       record_assembly, s, &obj, err);
		if (r == -EPERM)
			strbuf_adds(err,
				    "the claim moved while staging: this node no longer holds it");
		if (r < 0)
			return r;
		/* Diverged members are wiped only later, by a full resync into a running array. */
		r = assemble_or_create(s, err);
		if (r < 0)
			return r;
		created = r > 0;
		r = observe_again(s);
		if (r < 0)
			return r;
		arr = observation_find_array(&s->obs, s->v->meta.name);
		if (!arr) {
			strbuf_adds(err, "mdadm succeeded but the array does not appear in sysfs");
			return -EIO;
		}
		if (s->choice.data_loss_accepted)
			record_data_loss(s, obj);
	}
	r = mark_left_out_of(s, arr, err);
	if (r < 0)
		return r;
	agent_set_resync_floor(s->a, s->v->meta.name, arr->kname);
	if (created) {
		_cleanup_free_ char *dev = NULL;

		/*
		 * A new array over new partitions can still show an earlier
		 * tenant's filesystem (partitions are placed first-fit, the data
		 * offset is fixed): wipe it before anyone takes it for ours.
		 */
		xasprintf(&dev, "%s/%s", s->a->dev, arr->kname);
		r = fs_wipe_signatures(dev);
		if (r < 0) {
			strbuf_addf(err, "cannot wipe old signatures on the new array %s: %s", dev,
				    strerror(-r));
			return r;
		}
	}
	xasprintf(ret_md, "%s/%s", s->a->dev, arr->kname);
	return 0;
}

static int stage_locked(struct stage_ctx *s, const char *staging_path, struct strbuf *err)
{
	_cleanup_free_ char *md = NULL;
	int r;

	r = agent_mounted_array(s->a, &s->obs, s->v->meta.name, staging_path, err);
	if (r == 0) /* staged already, if ours */
		return check_existing(s, observation_find_array(&s->obs, s->v->meta.name), err);
	if (r == -EPERM)
		return -EEXIST; /* something else is mounted there: err says what */
	if (r != -ENOENT) {
		strbuf_addf(err, "cannot tell what is mounted at %s: %s", staging_path,
			    strerror(-r));
		return r;
	}
	r = stage_array(s, &md, err);
	if (r < 0)
		return r;
	r = format_once(s, md, err);
	if (r < 0)
		return r;
	r = fs_mount_xfs(md, staging_path, NULL);
	if (r < 0) {
		strbuf_addf(err, "cannot mount %s at %s: %s", md, staging_path, strerror(-r));
		return r;
	}
	/* Once mounted (the knobs exist only then): a dead array errors out, not hangs. */
	r = fs_xfs_limit_retries(s->a->sysfs, path_basename(md), XFS_EIO_RETRIES,
				 XFS_EIO_RETRY_SECONDS);
	if (r < 0)
		log_vol_warning(s->v->meta.name, "Cannot bound XFS's retries on %s: %s", md,
				strerror(-r));
	return 0;
}

static int claim_check(struct agent *a, const struct volume *v, struct strbuf *err)
{
	if (v->meta.deleting || v->status.phase == VOLUME_PHASE_DELETING) {
		strbuf_addf(err, "volume %s is being deleted", v->meta.name);
		return -ENOENT;
	}
	if (!v->spec.node_name || strcmp(v->spec.node_name, a->o.node_name) != 0) {
		strbuf_addf(err,
			    "volume %s is %s%s, not by this node (%s): ControllerPublishVolume "
			    "must claim it for this node first",
			    v->meta.name, v->spec.node_name ? "claimed by " : "not claimed",
			    v->spec.node_name ?: "", a->o.node_name);
		return -EPERM;
	}
	return 0;
}

/*
 * Staging waits (no current copy in reach, or a member still coming): a
 * Warning Event on the volume says for what, as the CO's retries only show in
 * the pod's events. Repeats count on the one Event (kube_event_record()).
 */
static void record_waiting(struct stage_ctx *s, const struct strbuf *why)
{
	_cleanup_strbuf_ struct strbuf msg = STRBUF_INIT;
	_cleanup_(json_decrefp) json_t *obj = kube_informer_get(s->a->volumes, s->v->meta.name);

	if (!obj)
		return;
	strbuf_addf(&msg, "Staging on %s waits: %s", s->a->o.node_name,
		    why->len ? why->buf : "a member is not in reach yet");
	kube_event_record_volume(s->a->client, s->a->claim_events, obj, KUBE_EVENT_WARNING,
				 "StageWaiting", msg.buf, "meshstor-node", NULL);
}

int agent_stage(struct agent *a, const char *volume_id, const char *staging_path,
		struct strbuf *err)
{
	struct stage_ctx s = { .a = a };
	int r;

	agent_view_take(a, &s.view);
	pthread_mutex_lock(&a->kernel);
	/* Read under the lock: a claim that moved while we waited is seen. */
	r = agent_fetch_volume(a, volume_id, &s.v, err);
	if (r >= 0)
		r = claim_check(a, s.v, err);
	if (r >= 0)
		r = observe_take(&a->paths, &s.obs);
	if (r >= 0) {
		agent_plan_input(a, &s.view, &s.obs, NULL, 0, &s.in);
		r = stage_locked(&s, staging_path, err);
	}
	if (r >= 0) {
		if (observe_for_report(&s) >= 0)
			agent_report_volume(a, &s.in, volume_id);
		pthread_mutex_unlock(&a->record);
	}
	pthread_mutex_unlock(&a->kernel);
	if (r == -EAGAIN && s.v) {
		agent_report_waiting(a, volume_id, s.v->spec.epoch,
				     err->len ? err->buf : "a member is not in reach yet");
		record_waiting(&s, err);
	}
	stage_ctx_done(&s);
	return r;
}

/*
 * A fenced writer's array (the claim is another node's) may run on this
 * node's copy alone once its held legs are released: it must not be writable
 * beside the claim's array, neither once unmounted nor while mdadm comes to
 * stop it. Its filesystem is shut down (the pass may not have fenced it yet;
 * no log flush) and its block device marked read-only before the unmount, and
 * the array itself read-only after (agent_unstage()). Best effort: a failure
 * is logged, and mdadm stops the array. Whether arr is fenced.
 */
static bool fence_before_unmount(struct agent *a, const char *id, const struct md_array *arr)
{
	int r;

	if (!arr || agent_claim_is_ours(a, id))
		return false;
	r = agent_shut_down_fenced(a, id, arr->kname, "its unmount");
	if (r < 0)
		log_vol_warning_errno(id, r,
				      "Cannot shut down the filesystem on %s before its "
				      "unmount: %m",
				      arr->kname);
	r = md_set_bdev_readonly(a->dev, arr->kname, true);
	if (r < 0)
		log_vol_warning_errno(id, r, "Cannot mark %s read-only before its unmount: %m",
				      arr->kname);
	return true;
}

int agent_unstage(struct agent *a, const char *volume_id, const char *staging_path,
		  struct strbuf *err)
{
	struct stage_ctx s = { .a = a };
	const struct md_array *arr;
	bool fenced;
	int r;

	agent_view_take(a, &s.view);
	pthread_mutex_lock(&a->kernel);
	r = observe_take(&a->paths, &s.obs);
	if (r < 0)
		goto out;
	fenced = fence_before_unmount(a, volume_id, observation_find_array(&s.obs, volume_id));
	r = agent_umount_array(a, &s.obs, volume_id, staging_path, err);
	arr = r >= 0 ? observation_find_array(&s.obs, volume_id) : NULL;
	if (arr && fenced)
		md_set_readonly(a->sysfs, arr->kname);
	if (arr) {
		_cleanup_free_ char *md = NULL;

		xasprintf(&md, "%s/%s", a->dev, arr->kname);
		r = md_stop(a->proc, md, err);
	}
	for (size_t i = 0; r >= 0 && i < s.obs.n_imports; i++) {
		char id[VOLUME_ID_MAX + 1];
		unsigned index;

		if (member_nqn_parse(s.obs.imports[i].nqn, id, &index) == 0 &&
		    strcmp(id, volume_id) == 0)
			r = import_disconnect(a->sysfs, s.obs.imports[i].nqn);
	}
	if (r >= 0) {
		if (observe_for_report(&s) >= 0) {
			agent_plan_input(a, &s.view, &s.obs, NULL, 0, &s.in);
			agent_report_volume(a, &s.in, volume_id);
		}
		pthread_mutex_unlock(&a->record);
	}
out:
	pthread_mutex_unlock(&a->kernel);
	observation_done(&s.obs);
	agent_view_done(&s.view);
	return r;
}
