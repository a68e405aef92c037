// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/check.h"
#include "model/names.h"
#include "model/volume.h"
#include "util/macro.h"
#include "util/xalloc.h"
#include "util/banned.h"

static const char *const phase_names[] = {
	[VOLUME_PHASE_REQUESTED] = "Requested",
	[VOLUME_PHASE_CREATING] = "Creating",
	[VOLUME_PHASE_READY] = "Ready",
	[VOLUME_PHASE_DEGRADED] = "Degraded",
	[VOLUME_PHASE_SYNCING] = "Syncing",
	[VOLUME_PHASE_EXPANDING] = "Expanding",
	[VOLUME_PHASE_REPLACING] = "Replacing",
	[VOLUME_PHASE_DELETING] = "Deleting",
	[VOLUME_PHASE_BROKEN] = "Broken",
	[VOLUME_PHASE_FILESYSTEM_SHUT_DOWN] = "FilesystemShutDown",
	[VOLUME_PHASE_UNAVAILABLE] = "Unavailable",
};

static const char *const state_names[] = {
	[MEMBER_STATE_REQUESTED] = "Requested", [MEMBER_STATE_CREATED] = "Created",
	[MEMBER_STATE_EXPORTED] = "Exported",	[MEMBER_STATE_SYNCING] = "Syncing",
	[MEMBER_STATE_SYNCED] = "Synced",	[MEMBER_STATE_SPARE] = "Spare",
	[MEMBER_STATE_FAULTY] = "Faulty",	[MEMBER_STATE_MISSING] = "Missing",
	[MEMBER_STATE_REPLACING] = "Replacing", [MEMBER_STATE_DELETING] = "Deleting",
};

static int lookup(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -EINVAL;
}

bool member_state_is_consumer_view(enum member_state s)
{
	switch (s) {
	case MEMBER_STATE_SYNCING:
	case MEMBER_STATE_SYNCED:
	case MEMBER_STATE_SPARE:
	case MEMBER_STATE_FAULTY:
	case MEMBER_STATE_MISSING:
	case MEMBER_STATE_REPLACING:
		return true;
	default:
		return false;
	}
}

const char *volume_phase_to_string(enum volume_phase p)
{
	return (unsigned)p < ARRAY_SIZE(phase_names) ? phase_names[p] : NULL;
}

int volume_phase_from_string(const char *s)
{
	return lookup(phase_names, ARRAY_SIZE(phase_names), s);
}

const char *member_state_to_string(enum member_state s)
{
	return (unsigned)s < ARRAY_SIZE(state_names) ? state_names[s] : NULL;
}

int member_state_from_string(const char *s)
{
	return lookup(state_names, ARRAY_SIZE(state_names), s);
}

struct volume *volume_new(void)
{
	return xzalloc(sizeof(struct volume));
}

const struct member_status *volume_find_member_status(const struct volume *v, int32_t index)
{
	for (size_t i = 0; i < v->status.n_members; i++)
		if (v->status.members[i].index == index)
			return &v->status.members[i];
	return NULL;
}

struct member_status *volume_member_status(struct volume *v, int32_t index)
{
	struct volume_status *st = &v->status;
	struct member_status *ms;

	for (size_t i = 0; i < st->n_members; i++)
		if (st->members[i].index == index)
			return &st->members[i];
	st->members = xreallocarray(st->members, st->n_members + 1, sizeof(*st->members));
	ms = &st->members[st->n_members++];
	memset(ms, 0, sizeof(*ms));
	ms->index = index;
	ms->state = MEMBER_STATE_REQUESTED;
	ms->last_epoch = -1;
	return ms;
}

void volume_free(struct volume *v)
{
	if (!v)
		return;
	meta_done(&v->meta);
	free(v->pvc.name);
	free(v->pvc.ns);
	free(v->pvc.pv_name);
	free(v->spec.request_name);
	free(v->spec.node_name);
	free(v->spec.fs_type);
	for (size_t i = 0; v->spec.members && i < v->spec.n_members; i++) {
		free(v->spec.members[i].node_name);
		free(v->spec.members[i].drive);
		free(v->spec.members[i].partition_uuid);
	}
	free(v->spec.members);
	free(v->status.node_name);
	free(v->status.md_state);
	free(v->status.ready);
	for (size_t i = 0; v->status.members && i < v->status.n_members; i++)
		free(v->status.members[i].message);
	free(v->status.members);
	conditions_free(v->status.conditions, v->status.n_conditions);
	free(v);
}

static int member_validate(const struct volume_spec *s, size_t i, struct strbuf *err)
{
	const struct volume_member *m = &s->members[i];

	if (model_check_int(err, m->index, 0, INT32_MAX, "spec.members[%zu].index", i) < 0 ||
	    model_check_int(err, m->copy, 0, s->number_of_copies - 1, "spec.members[%zu].copy", i) <
		    0 ||
	    model_check_int(err, m->stripe, 0, s->drives_per_copy - 1, "spec.members[%zu].stripe",
			    i) < 0 ||
	    model_check_name(err, m->node_name, "spec.members[%zu].nodeName", i) < 0 ||
	    model_check_name(err, m->drive, "spec.members[%zu].drive", i) < 0 ||
	    model_check_int(err, m->size_bytes, 0, INT64_MAX, "spec.members[%zu].sizeBytes", i) < 0)
		return -EINVAL;
	if (!name_is_lowercase_uuid(m->partition_uuid))
		return model_error(err, "not a lowercase UUID", "spec.members[%zu].partitionUUID",
				   i);
	return 0;
}

/* Checks member i against the ones before it: O(n^2), n <= 128. */
static int member_validate_against(const struct volume_spec *s, size_t i, struct strbuf *err)
{
	const struct volume_member *m = &s->members[i];

	for (size_t j = 0; j < i; j++) {
		const struct volume_member *o = &s->members[j];

		if (o->index == m->index)
			return model_error(err, "duplicate index", "spec.members[%zu].index", i);
		if (o->copy == m->copy && o->stripe == m->stripe)
			return model_error(err, "duplicate (copy, stripe)", "spec.members[%zu]", i);
		if (strcmp(o->partition_uuid, m->partition_uuid) == 0)
			return model_error(err, "duplicate partition UUID",
					   "spec.members[%zu].partitionUUID", i);
		/* A node holding two copies would take both down with it. */
		if (o->copy != m->copy && strcmp(o->node_name, m->node_name) == 0)
			return model_error(err, "node already holds another copy",
					   "spec.members[%zu].nodeName", i);
	}
	return 0;
}

static int members_validate(const struct volume_spec *s, struct strbuf *err)
{
	if (s->n_members > VOLUME_MEMBERS_MAX)
		return model_error(err, "too many entries", "spec.members");
	if (s->n_members > 0 &&
	    s->n_members != (size_t)s->number_of_copies * (size_t)s->drives_per_copy)
		return model_error(err, "must have numberOfCopies x drivesPerCopy entries",
				   "spec.members");
	for (size_t i = 0; i < s->n_members; i++)
		if (member_validate(s, i, err) < 0 || member_validate_against(s, i, err) < 0)
			return -EINVAL;
	return 0;
}

static int spec_validate(const struct volume_spec *s, struct strbuf *err)
{
	if (model_check_string(err, s->request_name, 1, VOLUME_REQUEST_NAME_MAX,
			       "spec.requestName") < 0 ||
	    model_check_int(err, s->capacity_bytes, VOLUME_CAPACITY_MIN, INT64_MAX,
			    "spec.capacityBytes") < 0 ||
	    model_check_int(err, s->number_of_copies, 1, VOLUME_COPIES_MAX, "spec.numberOfCopies") <
		    0 ||
	    model_check_int(err, s->drives_per_copy, 1, VOLUME_DRIVES_PER_COPY_MAX,
			    "spec.drivesPerCopy") < 0 ||
	    model_check_int(err, s->member_missing_timeout_sec, VOLUME_MISSING_TIMEOUT_MIN,
			    INT32_MAX, "spec.memberMissingTimeoutSeconds") < 0 ||
	    model_check_int(err, s->epoch, 0, INT64_MAX, "spec.epoch") < 0 ||
	    model_check_time(err, s->formatted_at, "spec.formattedAt") < 0)
		return -EINVAL;
	if (s->node_name && model_check_name(err, s->node_name, "spec.nodeName") < 0)
		return -EINVAL;
	if (s->capacity_bytes % VOLUME_MIB != 0)
		return model_error(err, "not a multiple of 1 MiB", "spec.capacityBytes");
	if (s->sector_size != 512 && s->sector_size != 4096)
		return model_error(err, "must be 512 or 4096", "spec.sectorSize");
	if (!s->fs_type || strcmp(s->fs_type, VOLUME_FS_TYPE) != 0)
		return model_error(err, "must be \"" VOLUME_FS_TYPE "\"", "spec.fsType");
	return members_validate(s, err);
}

static int status_member_validate(const struct volume_status *s, size_t i, struct strbuf *err)
{
	const struct member_status *m = &s->members[i];

	if (model_check_int(err, m->index, 0, INT32_MAX, "status.members[%zu].index", i) < 0 ||
	    model_check_int(err, m->last_epoch, 0, INT64_MAX, "status.members[%zu].lastEpoch", i) <
		    0 ||
	    model_check_time(err, m->missing_since, "status.members[%zu].missingSince", i) < 0 ||
	    model_check_optional(err, m->message, VOLUME_MESSAGE_MAX, "status.members[%zu].message",
				 i) < 0)
		return -EINVAL;
	if (!member_state_to_string(m->state))
		return model_error(err, "unknown state", "status.members[%zu].state", i);
	for (size_t j = 0; j < i; j++)
		if (s->members[j].index == m->index)
			return model_error(err, "duplicate index", "status.members[%zu].index", i);
	return 0;
}

static int status_validate(const struct volume_status *s, struct strbuf *err)
{
	if (!volume_phase_to_string(s->phase))
		return model_error(err, "unknown phase", "status.phase");
	if ((s->node_name && model_check_name(err, s->node_name, "status.nodeName") < 0) ||
	    model_check_optional(err, s->md_state, VOLUME_MD_STATE_MAX, "status.mdState") < 0 ||
	    model_check_optional(err, s->ready, VOLUME_READY_MAX, "status.ready") < 0 ||
	    model_check_int(err, s->total_members, 0, INT32_MAX, "status.totalMembers") < 0 ||
	    model_check_int(err, s->active_members, 0, INT32_MAX, "status.activeMembers") < 0 ||
	    model_check_int(err, s->failed_members, 0, INT32_MAX, "status.failedMembers") < 0 ||
	    model_check_int(err, s->missing_members, 0, INT32_MAX, "status.missingMembers") < 0 ||
	    model_check_int(err, s->sync_percentage, 0, 100, "status.syncPercentage") < 0 ||
	    model_check_int(err, s->observed_generation, 0, INT64_MAX,
			    "status.observedGeneration") < 0)
		return -EINVAL;
	if (s->n_members > VOLUME_MEMBERS_MAX)
		return model_error(err, "too many entries", "status.members");
	for (size_t i = 0; i < s->n_members; i++)
		if (status_member_validate(s, i, err) < 0)
			return -EINVAL;
	return conditions_validate(s->conditions, s->n_conditions, err);
}

static int pvc_validate(const struct volume_pvc *p, struct strbuf *err)
{
	const struct {
		const char *key, *value;
	} labels[] = {
		{ VOLUME_LABEL_PVC_NAME, p->name },
		{ VOLUME_LABEL_PVC_NAMESPACE, p->ns },
		{ VOLUME_LABEL_PV_NAME, p->pv_name },
	};

	for (size_t i = 0; i < ARRAY_SIZE(labels); i++)
		if (labels[i].value && !name_is_label_value(labels[i].value))
			return model_error(err, "not a label value", "metadata.labels[%s]",
					   labels[i].key);
	return 0;
}

int volume_validate(const struct volume *v, struct strbuf *err)
{
	if (meta_validate(&v->meta, err) < 0)
		return -EINVAL;
	if (!volume_id_is_valid(v->meta.name))
		return model_error(err,
				   "not a volume id (a DNS-1123 label of at most 31 characters)",
				   "metadata.name");
	if (pvc_validate(&v->pvc, err) < 0 || spec_validate(&v->spec, err) < 0)
		return -EINVAL;
	return status_validate(&v->status, err);
}

int64_t volume_member_bytes(int64_t capacity, int32_t drives_per_copy)
{
	int64_t share = (capacity + drives_per_copy - 1) / drives_per_copy;

	return (share + VOLUME_MIB - 1) / VOLUME_MIB * VOLUME_MIB + VOLUME_MEMBER_OVERHEAD;
}

int64_t volume_capacity_of_members(int64_t member_bytes, int32_t drives_per_copy)
{
	int64_t share = member_bytes - VOLUME_MEMBER_OVERHEAD;

	if (share <= 0)
		return 0;
	return share / VOLUME_MIB * VOLUME_MIB * drives_per_copy;
}
