// SPDX-License-Identifier: GPL-2.0-only
/*
 * ControllerPublish/Unpublish: the claim of a volume for a consumer, and the
 * fence. A claim is spec.nodeName with spec.epoch bumped, written under the
 * resourceVersion, so two consumers can never both hold a volume; the call
 * then waits until the hosting agents confirm, at the new epoch, that they
 * export to that consumer alone (publish) or no longer to the old one
 * (unpublish). Kubernetes relies on unpublish for force-detach after a node
 * dies, so it returns only once the fence holds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "controller/controller.h"
#include "controller/fence.h"
#include "controller/topology.h"
#include "kube/codec.h"
#include "kube/events.h"
#include "kube/update.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Leave the caller this much of its deadline to hear our answer. */
#define DEADLINE_MARGIN_USEC (500 * 1000)
#define WAIT_MAX_USEC (60 * USEC_PER_SEC)
#define POLL_USEC (100 * 1000)

struct claim {
	const char *node; /* NULL when releasing from whoever holds it */
	bool release;
	char *holder;  /* set when another node holds the volume */
	int64_t epoch; /* the epoch after the write */
};

static int claim_change(struct volume *v, void *userdata)
{
	struct claim *cl = userdata;
	const char *cur = v->spec.node_name;
	int64_t epoch = v->spec.epoch;
	bool ours = cur && cl->node && strcmp(cur, cl->node) == 0;

	cl->epoch = epoch;
	if (!cl->release && ours)
		return 1;
	if (!cl->release && cur && cur[0]) {
		free(cl->holder);
		cl->holder = xstrdup(cur);
		return -EPERM;
	}
	if (cl->release && (!cur || (cl->node && !ours)))
		return 1;
	free(v->spec.node_name);
	v->spec.node_name = cl->release ? NULL : xstrdup(cl->node);
	v->spec.epoch = epoch + 1;
	cl->epoch = epoch + 1;
	return 0;
}

/*
 * Publish does not wait for a host whose agent is not live (its Lease, on
 * this controller's clock): it exports nothing, and the array starts without
 * its member. That risks availability only; unpublish never skips a host so.
 */
static bool node_live(const char *node, void *userdata)
{
	return controller_node_live(userdata, node, NULL);
}

/* The cached MeshStorNodes, decoded, and whose NVMe host identity each shares. */
struct identities {
	struct mesh_node **nodes;
	const char **twins;
	size_t n;
	struct controller *c; /* liveness, as fence_exported() sees it */
};

static void identities_take(struct controller *c, struct identities *ids)
{
	json_t *list = kube_informer_list(c->nodes), *obj;
	size_t i;

	*ids = (struct identities){ .c = c };
	ids->nodes = xcalloc(json_array_size(list) + 1, sizeof(*ids->nodes));
	json_array_foreach (list, i, obj)
		if (mesh_node_from_json(obj, &ids->nodes[ids->n], NULL) == 0)
			ids->n++;
	json_decref(list);
	ids->twins = xcalloc(ids->n + 1, sizeof(*ids->twins));
	topology_identity_twins(ids->nodes, ids->n, ids->twins);
}

static void identities_done(struct identities *ids)
{
	for (size_t i = 0; i < ids->n; i++)
		mesh_node_free(ids->nodes[i]);
	free(ids->nodes);
	free(ids->twins);
}

static ssize_t identities_find(const struct identities *ids, const char *node)
{
	for (size_t i = 0; i < ids->n; i++)
		if (strcmp(ids->nodes[i]->meta.name, node) == 0)
			return (ssize_t)i;
	return -1;
}

static const char *identities_twin(const char *node, void *userdata)
{
	const struct identities *ids = userdata;
	ssize_t i = identities_find(ids, node);

	return i < 0 ? NULL : ids->twins[i];
}

static bool identities_fresh(const char *node, void *userdata)
{
	const struct identities *ids = userdata;

	return controller_node_live(ids->c, node, NULL);
}

/*
 * Before claiming: -EPERM when the fence cannot be put up for node because of
 * a shared NVMe host identity (fence_identity_ok()); an unknown volume is left
 * to the claim to report.
 */
static int check_identities(struct controller *c, const char *id, const char *node,
			    struct strbuf *err)
{
	struct identities ids;
	struct volume *v = NULL;
	int r = 0;

	if (controller_get_volume(c, id, &v) < 0)
		return 0;
	identities_take(c, &ids);
	if (!fence_identity_ok(v, node, identities_fresh, identities_twin, &ids, err)) {
		log_vol_warning(id, "Not published to %s: %s", node, err->buf);
		r = -EPERM;
	}
	identities_done(&ids);
	volume_free(v);
	return r;
}

/* Polls the volume cache until the fence holds at epoch or later, or the time is up. */
static int await_fence(struct controller *c, const char *id, struct claim *cl,
		       uint64_t deadline_usec, struct strbuf *err)
{
	uint64_t limit = MIN(deadline_usec - MIN(deadline_usec, DEADLINE_MARGIN_USEC),
			     now_usec() + WAIT_MAX_USEC);
	_cleanup_strbuf_ struct strbuf why = STRBUF_INIT;

	for (;;) {
		struct volume *v = NULL;
		bool done = false;

		strbuf_reset(&why);
		if (controller_get_volume(c, id, &v) < 0)
			return cl->release ? 0 : -ENOENT;
		/* Our own write may not have reached the cache yet. */
		if (v->spec.epoch >= cl->epoch)
			done = cl->release ? fence_withdrawn(v, cl->node, controller_fence_host, c,
							     &why)
					   : fence_exported(v, node_live, c, &why);
		else
			strbuf_addf(&why, "the cache has not seen epoch %lld yet",
				    (long long)cl->epoch);
		volume_free(v);
		if (done)
			return 0;
		if (now_usec() >= limit) {
			strbuf_addf(err, "volume %s: %s", id, why.buf);
			return -ETIMEDOUT;
		}
		usleep(POLL_USEC);
	}
}

int controller_publish(struct controller *c, const char *id, const char *node,
		       uint64_t deadline_usec, int64_t *ret_epoch, struct strbuf *err)
{
	struct claim cl = { .node = node };
	json_t *obj;
	int r;

	obj = kube_informer_get(c->nodes, node);
	json_decref(obj);
	if (!obj) {
		strbuf_addf(err,
			    "node %s has no MeshStorNode: is the MeshStor agent running there?",
			    node);
		return -ENOENT;
	}
	r = check_identities(c, id, node, err);
	if (r < 0)
		return r;
	r = kube_update_volume(c->client, id, VOLUME_PART_SPEC, claim_change, &cl, NULL, err);
	if (r == -EPERM)
		strbuf_addf(err, "volume %s is published to node %s; unpublish it there first", id,
			    cl.holder);
	free(cl.holder);
	if (r < 0)
		return r;
	log_vol_info(id, "Claimed for %s at epoch %lld; waiting for its members' exports", node,
		     (long long)cl.epoch);
	r = await_fence(c, id, &cl, deadline_usec, err);
	if (r == 0)
		*ret_epoch = cl.epoch;
	return r;
}

/*
 * Unpublish still waits: a Warning Event on the volume says for what, and how
 * an operator ends the wait for a node that is really off (kubectl describe).
 */
static void record_waiting(struct controller *c, const char *id, const char *node, const char *why)
{
	_cleanup_strbuf_ struct strbuf msg = STRBUF_INIT;
	json_t *obj = kube_informer_get(c->volumes, id);

	strbuf_addf(&msg, "Unpublish from %s is waiting: %s", node ? node : "every node", why);
	log_vol_warning(id, "%s", msg.buf);
	if (obj)
		kube_event_record_volume(c->client, c->claim_events, obj, KUBE_EVENT_WARNING,
					 "UnpublishWaiting", msg.buf, "meshstor-controller", NULL);
	json_decref(obj);
}

int controller_unpublish(struct controller *c, const char *id, const char *node,
			 uint64_t deadline_usec, struct strbuf *err)
{
	struct claim cl = { .node = node, .release = true };
	int r;

	r = kube_update_volume(c->client, id, VOLUME_PART_SPEC, claim_change, &cl, NULL, err);
	free(cl.holder);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = await_fence(c, id, &cl, deadline_usec, err);
	if (r == 0)
		log_vol_info(id, "Fenced from %s at epoch %lld", node ? node : "every node",
			     (long long)cl.epoch);
	else if (r == -ETIMEDOUT)
		record_waiting(c, id, node, err->buf);
	return r;
}
