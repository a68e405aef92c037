// SPDX-License-Identifier: GPL-2.0-only
/* `meshstor cleanup` against the API server; the decisions are in cleanup.c. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "controller/cleanup.h"
#include "kube/client.h"
#include "kube/lease.h"
#include "model/meta.h"
#include "model/volume.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/macro.h"
#include "util/xalloc.h"
#include "util/banned.h"

struct run {
	const struct cleanup_options *o;
	FILE *out;
	struct kube_client *client;
	size_t deleted[4]; /* by kind, in the order of kinds[] */
};

static const struct kube_resource *const kinds[] = {
	&kube_meshstorvolumes,
	&kube_meshstornodedevices,
	&kube_meshstornodes,
	&kube_leases,
};

/* As kubectl says it: meshstornode.csi.meshstor.io "node-a" deleted. */
static void say(struct run *run, const struct kube_resource *res, const char *name,
		const char *what)
{
	for (const char *k = res->kind; *k; k++)
		fputc(tolower((unsigned char)*k), run->out);
	fprintf(run->out, ".%s \"%s\" %s%s\n", res->group, name, what,
		run->o->dry_run ? " (dry run)" : "");
	fflush(run->out);
}

static int delete_one(struct run *run, const struct kube_resource *res, const char *ns,
		      const char *name)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	int r = 0;

	if (!run->o->dry_run)
		r = kube_delete(run->client, res, ns, name, &err);
	if (r < 0 && r != -ENOENT)
		return log_error_errno(r, "Cannot delete %s %s: %s", res->kind, name, err.buf);
	say(run, res, name, "deleted");
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (kinds[i] == res)
			run->deleted[i]++;
	return 0;
}

static int list(struct run *run, const struct kube_resource *res, const char *ns, json_t **ret)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	_cleanup_free_ char *rv = NULL;
	int r = kube_list_all(run->client, res, ns, NULL, ret, &rv, &err);

	if (r < 0)
		return log_error_errno(r, "Cannot list %ss: %s", res->kind, err.buf);
	return 0;
}

/* An agent's Lease, watched for a renewal. */
struct watched {
	const char *name, *node;
	char *version;
	bool live;
};

static bool lease_to_watch(const json_t *obj, struct watched *ret, int64_t *duration)
{
	struct kube_node_lease l;

	if (kube_node_lease_read(obj, &l) < 0)
		return false;
	*ret = (struct watched){ kube_obj_name(obj), l.node, xstrdup(l.version), false };
	*duration = MAX(*duration, l.duration_s);
	return true;
}

/* Whether the Lease changed since w->version; 0, or -errno. */
static int renewed(struct run *run, struct watched *w)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	json_t *obj = NULL;
	int r = kube_get(run->client, &kube_leases, KUBE_LEASE_NAMESPACE, w->name, &obj, &err);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return log_error_errno(r, "Cannot read Lease %s: %s", w->name, err.buf);
	w->live = strcmp(kube_obj_resource_version(obj), w->version) != 0;
	json_decref(obj);
	return 0;
}

/*
 * Which agents still renew their Leases (only only_node's, unless NULL): their
 * nodes in live (room for every Lease), and their count, or -errno. Every
 * agent's Lease is watched for its leaseDurationSeconds (40 s; the agent
 * renews it every 10 s), and a new resourceVersion meanwhile means the agent
 * runs. renewTime is not looked at: it is the agent's clock, not ours
 * (ARCHITECTURE.md, "Liveness"), and a node whose clock is behind ours writes
 * renewTimes that look long expired while it renews them every 10 s; calling
 * that node dead would delete objects a running agent uses. The price is one
 * wait of a lease duration while Leases are left; cleanup deletes them, so a
 * rerun does not wait.
 */
static int watch_leases(struct run *run, const json_t *leases, const char *only_node,
			const char **live)
{
	_cleanup_strbuf_ struct strbuf names = STRBUF_INIT;
	size_t n = json_array_size(leases), k = 0, n_live = 0;
	_cleanup_free_ struct watched *w = xcalloc(MAX(n, 1), sizeof(*w));
	int64_t duration = 0;
	uint64_t deadline;
	int r = 0;

	for (size_t i = 0; i < n; i++)
		if (lease_to_watch(json_array_get(leases, i), &w[k], &duration)) {
			if (!only_node || strcmp(w[k].node, only_node) == 0)
				k++;
			else
				free(w[k].version);
		}
	if (k == 0)
		return 0;
	for (size_t i = 0; i < k; i++)
		strbuf_addf(&names, "%s%s", i ? ", " : "", w[i].node);
	log_info("Waiting up to %lld s to see whether the agents on %s still renew their Leases",
		 (long long)duration, names.buf);
	deadline = now_usec() + (uint64_t)duration * USEC_PER_SEC + USEC_PER_SEC;
	while (r == 0 && n_live < k && now_usec() < deadline) {
		sleep(1);
		for (size_t i = 0; r == 0 && i < k; i++)
			if (!w[i].live && (r = renewed(run, &w[i])) == 0 && w[i].live)
				live[n_live++] = w[i].node;
	}
	for (size_t i = 0; i < k; i++)
		free(w[i].version);
	return r < 0 ? r : (int)n_live;
}

/* -EBUSY when an agent still renews its Lease (watch_leases()); 0 when none does. */
static int check_agents(struct run *run, const json_t *leases)
{
	_cleanup_strbuf_ struct strbuf why = STRBUF_INIT;
	_cleanup_free_ const char **live = xcalloc(MAX(json_array_size(leases), 1), sizeof(*live));
	int r = watch_leases(run, leases, NULL, live);

	if (r < 0)
		return r;
	r = cleanup_check_agents(live, (size_t)r, &why);
	if (r < 0)
		log_error("Refusing to clean up: %s", why.buf);
	return r;
}

/*
 * cleanup is the last resort, so its edits of a MeshStorVolume are made on the
 * JSON (kube_update_retry mutators), never through the codec: they must work
 * on a volume the codec refuses (edited by hand, more finalizers than it
 * reads, a newer version's fields), and each touches one field only.
 */

/* Drops the node agents' finalizers from a MeshStorVolume. */
static int drop_finalizers(json_t *obj, void *userdata)
{
	json_t *list = json_object_get(json_object_get(obj, "metadata"), "finalizers");
	size_t before = json_array_size(list);

	for (size_t i = json_array_size(list); i-- > 0;) {
		const char *f = json_string_value(json_array_get(list, i));

		if (f && cleanup_finalizer_is_ours(f))
			json_array_remove(list, i);
	}
	return json_array_size(list) == before ? 1 : 0;
}

/* Gives one volume up: deleted, and released from our finalizers. */
static int give_up(struct run *run, const json_t *obj)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	const json_t *list = json_object_get(json_object_get(obj, "metadata"), "finalizers");
	const char *name = kube_obj_name(obj);
	int r = delete_one(run, &kube_meshstorvolumes, NULL, name);

	for (size_t i = 0; r == 0 && i < json_array_size(list); i++) {
		const char *f = json_string_value(json_array_get(list, i));

		if (!f)
			continue;
		if (cleanup_finalizer_is_ours(f))
			fprintf(run->out, "  finalizer %s removed%s\n", f,
				run->o->dry_run ? " (dry run)" : "");
		else
			log_warning(
				"MeshStorVolume %s keeps finalizer %s, which is not MeshStor's: "
				"it goes when that finalizer's owner lets it",
				name, f);
	}
	if (r < 0 || run->o->dry_run)
		return r;
	r = kube_update_retry(run->client, &kube_meshstorvolumes, NULL, name, NULL, drop_finalizers,
			      NULL, NULL, &err);
	if (r < 0 && r != -ENOENT)
		return log_error_errno(r, "Cannot remove the node finalizers of %s: %s", name,
				       err.buf);
	return 0;
}

static int volumes(struct run *run)
{
	_cleanup_strbuf_ struct strbuf why = STRBUF_INIT;
	_cleanup_free_ struct cleanup_volume *v = NULL;
	json_t *items = NULL;
	size_t n;
	int r;

	r = list(run, &kube_meshstorvolumes, NULL, &items);
	if (r < 0)
		return r;
	n = json_array_size(items);
	v = xcalloc(MAX(n, 1), sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		const json_t *obj = json_array_get(items, i);

		v[i] = (struct cleanup_volume){ kube_obj_name(obj),
						kube_obj_label(obj, VOLUME_LABEL_PVC_NAMESPACE),
						kube_obj_label(obj, VOLUME_LABEL_PVC_NAME) };
	}
	r = cleanup_check_volumes(v, n, run->o->give_up_data, &why);
	if (r < 0)
		log_error("Refusing to clean up: %s", why.buf);
	else if (n > 0)
		log_warning("Giving up the data of %zu MeshStorVolume%s, as told "
			    "(--i-understand-data-is-lost); their partitions stay on the drives",
			    n, n == 1 ? "" : "s");
	for (size_t i = 0; r == 0 && i < n; i++)
		r = give_up(run, json_array_get(items, i));
	json_decref(items);
	return r;
}

/* Every object of res (in ns), or of it only the node agents' Leases. */
static int delete_all(struct run *run, const struct kube_resource *res, const char *ns)
{
	json_t *items = NULL;
	int r = list(run, res, ns, &items);

	for (size_t i = 0; r == 0 && i < json_array_size(items); i++) {
		const json_t *obj = json_array_get(items, i);
		struct kube_node_lease l;

		/* The namespace may hold other Leases (the sidecars' leader election). */
		if (res == &kube_leases && kube_node_lease_read(obj, &l) < 0)
			continue;
		r = delete_one(run, res, ns, kube_obj_name(obj));
	}
	json_decref(items);
	return r;
}

/* Drops the finalizer userdata names from a MeshStorVolume. */
static int drop_finalizer(json_t *obj, void *userdata)
{
	json_t *list = json_object_get(json_object_get(obj, "metadata"), "finalizers");

	for (size_t i = json_array_size(list); i-- > 0;) {
		const char *f = json_string_value(json_array_get(list, i));

		if (f && strcmp(f, userdata) == 0)
			return json_array_remove(list, i) < 0 ? -ENOMEM : 0;
	}
	return 1;
}

/* Volumes as cleanup_node_changes() sees them: the fields it decides on. */
static unsigned node_changes(const json_t *obj, const char *node)
{
	const json_t *meta = json_object_get(obj, "metadata");
	const json_t *list = json_object_get(meta, "finalizers");
	size_t n = json_array_size(list);
	_cleanup_free_ const char **f = xcalloc(MAX(n, 1), sizeof(*f));

	for (size_t i = 0; i < n; i++)
		f[i] = json_string_value(json_array_get(list, i));
	return cleanup_node_changes(
		node, f, n, json_object_get(meta, "deletionTimestamp") != NULL,
		json_string_value(json_object_get(json_object_get(obj, "status"), "nodeName")));
}

/* Clears status.nodeName of a volume being deleted, if it is still userdata's node. */
static int forget_array(json_t *obj, void *userdata)
{
	if (!(node_changes(obj, userdata) & CLEANUP_NODE_ASSEMBLED))
		return 1;
	return json_object_del(json_object_get(obj, "status"), "nodeName") < 0 ? -EINVAL : 0;
}

/* One volume released from node, each change said as it is made. */
static int release_volume(struct run *run, const json_t *obj, const char *node,
			  const char *finalizer)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	const char *name = kube_obj_name(obj);
	const char *dry = run->o->dry_run ? " (dry run)" : "";
	unsigned changes = node_changes(obj, node);
	int r = 0;

	/* The array first: once the finalizer goes the object may be gone with it. */
	if (changes & CLEANUP_NODE_ASSEMBLED) {
		if (!run->o->dry_run)
			r = kube_update_retry(run->client, &kube_meshstorvolumes, NULL, name,
					      "status", forget_array, (void *)node, NULL, &err);
		if (r < 0 && r != -ENOENT)
			return log_error_errno(r, "Cannot clear status.nodeName of %s: %s", name,
					       err.buf);
		fprintf(run->out, "meshstorvolume.%s \"%s\" status.nodeName %s cleared%s\n",
			kube_meshstorvolumes.group, name, node, dry);
	}
	if (changes & CLEANUP_NODE_FINALIZER) {
		strbuf_reset(&err);
		if (!run->o->dry_run)
			r = kube_update_retry(run->client, &kube_meshstorvolumes, NULL, name, NULL,
					      drop_finalizer, (void *)finalizer, NULL, &err);
		if (r < 0 && r != -ENOENT)
			return log_error_errno(r, "Cannot remove finalizer %s of %s: %s", finalizer,
					       name, err.buf);
		fprintf(run->out, "meshstorvolume.%s \"%s\" finalizer %s removed%s\n",
			kube_meshstorvolumes.group, name, finalizer, dry);
		run->deleted[0]++;
	}
	fflush(run->out);
	return 0;
}

/*
 * --node: releases one node, gone for good, from every volume; refuses while
 * its agent renews its Lease (a node that renews is not gone).
 */
static int release_node(struct run *run, const char *node)
{
	_cleanup_strbuf_ struct strbuf finalizer = STRBUF_INIT;
	_cleanup_free_ const char **live = NULL;
	json_t *leases = NULL, *items = NULL;
	int r = list(run, &kube_leases, KUBE_LEASE_NAMESPACE, &leases);

	if (r == 0) {
		live = xcalloc(MAX(json_array_size(leases), 1), sizeof(*live));
		r = watch_leases(run, leases, node, live);
	}
	json_decref(leases);
	if (r > 0) {
		log_error("Refusing to release node %s: its MeshStor agent still renews its Lease. "
			  "--node is for a node that is gone for good; to uninstall, remove the "
			  "node DaemonSet first",
			  node);
		return -EBUSY;
	}
	if (r == 0)
		r = list(run, &kube_meshstorvolumes, NULL, &items);
	strbuf_addf(&finalizer, "%s%s", VOLUME_NODE_FINALIZER_PREFIX, node);
	for (size_t i = 0; r == 0 && i < json_array_size(items); i++)
		r = release_volume(run, json_array_get(items, i), node, finalizer.buf);
	json_decref(items);
	if (r == 0)
		log_info(
			"Node %s %s from %zu MeshStorVolume%s; its MeshStorNode, "
			"MeshStorNodeDevices and Lease stay (docs/operations.md, \"A node is lost\")",
			node, run->o->dry_run ? "would be released" : "released", run->deleted[0],
			run->deleted[0] == 1 ? "" : "s");
	return r;
}

int cleanup_run(const struct cleanup_options *o, FILE *out)
{
	struct run run = { .o = o, .out = out };
	json_t *leases = NULL;
	int r;

	r = kube_client_connect(o->kubeconfig, &run.client);
	if (r < 0)
		return r;
	if (o->node) {
		r = release_node(&run, o->node);
		kube_client_free(run.client);
		return r;
	}
	/* Both checks before any change: a refusal leaves everything as it was. */
	r = list(&run, &kube_leases, KUBE_LEASE_NAMESPACE, &leases);
	if (r == 0)
		r = check_agents(&run, leases);
	json_decref(leases);
	if (r == 0)
		r = volumes(&run);
	if (r == 0)
		r = delete_all(&run, &kube_meshstornodedevices, NULL);
	if (r == 0)
		r = delete_all(&run, &kube_meshstornodes, NULL);
	if (r == 0)
		r = delete_all(&run, &kube_leases, KUBE_LEASE_NAMESPACE);
	if (r == 0)
		log_info(
			"Cleanup %s: %zu MeshStorVolumes, %zu MeshStorNodeDevices, %zu "
			"MeshStorNodes, %zu Leases; the CRDs, the nodes' drives and udev rule stay",
			o->dry_run ? "would delete" : "deleted", run.deleted[0], run.deleted[1],
			run.deleted[2], run.deleted[3]);
	kube_client_free(run.client);
	return r;
}
