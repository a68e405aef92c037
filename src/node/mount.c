// SPDX-License-Identifier: GPL-2.0-only
/*
 * NodePublishVolume, NodeUnpublishVolume and NodeGetVolumeStats: the staged
 * array's filesystem bind-mounted into the pod, and what it says of itself.
 * Only a mount of this volume's array is ever touched.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kube/codec.h"
#include "node/agent-internal.h"
#include "node/md.h"
#include "util/cleanup.h"
#include "util/path.h"
#include "util/xalloc.h"
#include "util/banned.h"

int agent_mounted_array(struct agent *a, const struct observation *obs, const char *id,
			const char *path, struct strbuf *err)
{
	_cleanup_free_ char *source = NULL;
	const struct md_array *arr = observation_find_array(obs, id);
	int r;

	r = fs_mount_source(a->o.sysroot, path, &source);
	if (r < 0)
		return r;
	if (arr && strcmp(path_basename(source), arr->kname) == 0)
		return 0;
	strbuf_addf(err, "%s is mounted from %s, which is not volume %s; leaving it", path, source,
		    id);
	return -EPERM;
}

int agent_umount_array(struct agent *a, const struct observation *obs, const char *id,
		       const char *path, struct strbuf *err)
{
	int r = agent_mounted_array(a, obs, id, path, err);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = fs_umount(path);
	if (r < 0)
		strbuf_addf(err, "cannot unmount %s: %s", path, strerror(-r));
	return r;
}

int agent_publish(struct agent *a, const char *volume_id, const char *staging_path,
		  const char *target_path, bool read_only, struct strbuf *err)
{
	struct observation obs;
	int r;

	r = agent_observe_locked(a, &obs);
	if (r < 0)
		return r;
	r = agent_mounted_array(a, &obs, volume_id, staging_path, err);
	if (r == -ENOENT) {
		strbuf_addf(err, "volume %s is not staged at %s: NodeStageVolume first", volume_id,
			    staging_path);
		r = -EPERM;
	}
	if (r == 0) {
		r = agent_mounted_array(a, &obs, volume_id, target_path, err);
		if (r == -ENOENT) {
			if (mkdir(target_path, 0750) < 0 && errno != EEXIST)
				r = -errno;
			else
				r = fs_bind_mount(staging_path, target_path, read_only);
			if (r < 0)
				strbuf_addf(err, "cannot bind-mount %s at %s: %s", staging_path,
					    target_path, strerror(-r));
		}
	}
	agent_observed_unlock(a, &obs);
	return r;
}

int agent_unpublish(struct agent *a, const char *volume_id, const char *target_path,
		    struct strbuf *err)
{
	struct observation obs;
	int r;

	r = agent_observe_locked(a, &obs);
	if (r < 0)
		return r;
	r = agent_umount_array(a, &obs, volume_id, target_path, err);
	/* The target directory is ours to remove (CSI); anything in it is not. */
	if (r == 0 && rmdir(target_path) < 0 && errno != ENOENT) {
		r = -errno;
		strbuf_addf(err, "cannot remove %s: %s", target_path, strerror(errno));
	}
	agent_observed_unlock(a, &obs);
	return r;
}

/* How many members volume id has in spec (the cache's view), or fallback. */
static int volume_member_count(struct agent *a, const char *id, int fallback)
{
	_cleanup_(json_decrefp) json_t *obj = kube_informer_get(a->volumes, id);
	struct volume *v = NULL;
	int n = fallback;

	if (obj && volume_from_json(obj, &v, NULL) == 0)
		n = (int)v->spec.n_members;
	volume_free(v);
	return n;
}

int agent_stats(struct agent *a, const char *volume_id, const char *path, struct fs_usage *ret,
		bool *ret_abnormal, struct strbuf *msg)
{
	struct observation obs;
	const struct md_array *arr;
	int r;

	r = observe_take(&a->paths, &obs);
	if (r < 0)
		return r;
	r = agent_mounted_array(a, &obs, volume_id, path, msg);
	if (r == -ENOENT)
		strbuf_addf(msg, "volume %s is not mounted at %s", volume_id, path);
	if (r == 0)
		r = fs_usage(path, ret);
	arr = observation_find_array(&obs, volume_id);
	/*
	 * From stat(2) of the mount (observe.c): no I/O, so a stalled array cannot hold the call.
	 */
	if (r == 0 && arr->fs_shut_down) {
		*ret_abnormal = true;
		strbuf_addf(msg,
			    "the filesystem on %s has shut down after an I/O error and reads "
			    "fail; restart the pod (the volume is unstaged and assembled again)",
			    arr->kname);
	} else if (r == 0) {
		int want = volume_member_count(a, volume_id, arr->raid_disks), have = 0;

		for (size_t i = 0; i < arr->n_members && !arr->broken; i++)
			have += arr->members[i].in_sync;
		*ret_abnormal = have < want;
		if (arr->broken)
			strbuf_addf(msg,
				    "array %s is broken: it lost every member at once and takes "
				    "no writes; restart the pod so the volume is assembled again",
				    arr->kname);
		else if (have < want)
			strbuf_addf(msg, "array %s is degraded: %d of its %d members in sync",
				    arr->kname, have, want);
		else if (arr->sync_percent >= 0)
			strbuf_addf(msg, "array %s is resyncing (%d%%)", arr->kname,
				    arr->sync_percent);
		else
			strbuf_addf(msg, "array %s is in sync", arr->kname);
	}
	observation_done(&obs);
	return r;
}
