// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>

#include "controller/cleanup.h"
#include "model/volume.h"
#include "util/banned.h"

/* Volumes a refusal names one by one; the rest are counted. */
#define NAMED_MAX 5

bool cleanup_finalizer_is_ours(const char *finalizer)
{
	size_t n = strlen(VOLUME_NODE_FINALIZER_PREFIX);

	return strncmp(finalizer, VOLUME_NODE_FINALIZER_PREFIX, n) == 0 && finalizer[n];
}

unsigned cleanup_node_changes(const char *node, const char *const *finalizers, size_t n,
			      bool deleting, const char *assembled_on)
{
	size_t prefix = strlen(VOLUME_NODE_FINALIZER_PREFIX);
	unsigned changes = 0;

	for (size_t i = 0; i < n; i++)
		if (finalizers[i] && cleanup_finalizer_is_ours(finalizers[i]) &&
		    strcmp(finalizers[i] + prefix, node) == 0)
			changes |= CLEANUP_NODE_FINALIZER;
	if (deleting && assembled_on && strcmp(assembled_on, node) == 0)
		changes |= CLEANUP_NODE_ASSEMBLED;
	return changes;
}

int cleanup_check_volumes(const struct cleanup_volume *v, size_t n, bool give_up_data,
			  struct strbuf *why)
{
	if (n == 0 || give_up_data)
		return 0;
	strbuf_addf(why, "%zu MeshStorVolume%s still exist%s (", n, n == 1 ? "" : "s",
		    n == 1 ? "s" : "");
	for (size_t i = 0; i < n && i < NAMED_MAX; i++) {
		strbuf_addf(why, "%s%s", i ? ", " : "", v[i].name);
		if (v[i].pvc_name)
			strbuf_addf(why, " of claim %s/%s",
				    v[i].pvc_namespace ? v[i].pvc_namespace : "?", v[i].pvc_name);
	}
	if (n > NAMED_MAX)
		strbuf_addf(why, " and %zu more", n - NAMED_MAX);
	strbuf_adds(why, "). Delete their PersistentVolumeClaims while MeshStor still runs, so "
			 "its agents remove the partitions and the volumes go; or, to give their "
			 "data up, run again with --i-understand-data-is-lost (the volumes' "
			 "partitions then stay on the drives, unused, until wiped by hand)");
	return -EBUSY;
}

int cleanup_check_agents(const char *const *live_nodes, size_t n, struct strbuf *why)
{
	if (n == 0)
		return 0;
	strbuf_adds(why, "the MeshStor agent still runs on ");
	for (size_t i = 0; i < n; i++)
		strbuf_addf(why, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ", live_nodes[i]);
	strbuf_adds(why, " (renewing its Lease): uninstall MeshStor (its node DaemonSet) "
			 "first, then run cleanup again");
	return -EBUSY;
}
