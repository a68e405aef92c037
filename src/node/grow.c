// SPDX-License-Identifier: GPL-2.0-only
/*
 * NodeExpandVolume: the array grown once every member's node has grown its
 * partition, then XFS.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "model/names.h"
#include "node/agent-internal.h"
#include "node/import.h"
#include "node/md.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* MD's data offset in every member (md_create()): what a member holds beyond its data. */
#define MD_DATA_OFFSET_BYTES (8LL * 1024 * 1024)

static int64_t block_size_of(struct agent *a, const char *kname)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	long long sectors = -1;

	xasprintf(&path, "%s/class/block/%s/size", a->sysfs, kname);
	f = fopen(path, "re");
	if (!f || fscanf(f, "%lld", &sectors) != 1)
		return -1;
	return sectors * 512;
}

/* Whether every member in the array is large enough for size_kib; else who is not. */
static bool members_grown(struct agent *a, const struct md_array *arr, uint64_t size_kib,
			  struct strbuf *why)
{
	for (size_t i = 0; i < arr->n_members; i++) {
		int64_t have = block_size_of(a, arr->members[i].kname);

		if (have < (int64_t)size_kib * 1024 + MD_DATA_OFFSET_BYTES) {
			strbuf_addf(why,
				    "member %s is %lld bytes, not yet grown by its node; retry "
				    "shortly",
				    arr->members[i].kname, (long long)have);
			return false;
		}
	}
	return true;
}

/*
 * The volume's holds grown to their namespaces: a member's node grows its
 * partition, the target tells this host, and the namespace grows; its hold
 * (import.h) follows only here, while the leg answers.
 */
static void grow_holds(struct agent *a, const char *volume_id)
{
	struct nvmf_subsystem *imps = NULL;
	size_t n = 0;

	if (imports_list(a->sysfs, &imps, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		char id[VOLUME_ID_MAX + 1];
		unsigned index;
		int r;

		if (member_nqn_parse(imps[i].nqn, id, &index) < 0 || strcmp(id, volume_id) != 0)
			continue;
		r = import_grow_hold(&imps[i]);
		if (r < 0)
			log_vol_warning_errno(volume_id, r,
					      "Member %u's hold cannot follow its grown "
					      "namespace: %m",
					      index);
	}
	nvmf_subsystems_free(imps, n);
}

int agent_expand(struct agent *a, const char *volume_id, const char *path, int64_t *ret_capacity,
		 struct strbuf *err)
{
	struct observation obs = { 0 };
	const struct md_array *arr;
	struct volume *v = NULL;
	uint64_t want_kib;
	int r;

	r = agent_fetch_volume(a, volume_id, &v, err);
	if (r < 0)
		return r;
	want_kib = (uint64_t)(v->spec.capacity_bytes / v->spec.drives_per_copy) / 1024;
	r = agent_observe_locked(a, &obs);
	if (r < 0) {
		volume_free(v);
		return r;
	}
	r = agent_mounted_array(a, &obs, volume_id, path, err);
	if (r == -ENOENT)
		strbuf_addf(err, "volume %s is not mounted at %s", volume_id, path);
	arr = r >= 0 ? observation_find_array(&obs, volume_id) : NULL;
	if (arr && arr->size_kib < want_kib) {
		/* Wait a little for the hosts; the CO retries an UNAVAILABLE answer. */
		for (int i = 0; i < 40; i++) {
			grow_holds(a, volume_id);
			if (members_grown(a, arr, want_kib, NULL))
				break;
			usleep(250 * 1000);
		}
		if (!members_grown(a, arr, want_kib, err)) {
			r = -EAGAIN;
		} else {
			_cleanup_free_ char *md = NULL;

			xasprintf(&md, "%s/%s", a->dev, arr->kname);
			r = md_grow(md, want_kib, err);
			if (r >= 0)
				log_vol_info(volume_id, "Array %s grown to %llu KiB per member", md,
					     (unsigned long long)want_kib);
		}
	}
	if (arr && r >= 0) {
		r = fs_grow_xfs(path, err);
		if (r >= 0)
			*ret_capacity = v->spec.capacity_bytes;
	}
	agent_observed_unlock(a, &obs);
	volume_free(v);
	return r;
}
