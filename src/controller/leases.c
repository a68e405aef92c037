// SPDX-License-Identifier: GPL-2.0-only
/*
 * The node agents' Leases, watched: each change the informer delivers is a
 * renewal seen now, on this controller's monotonic clock (liveness.h). The
 * namespace holds other Leases too (the sidecars' leader election); those
 * are not node agents' and are passed over without a word.
 */
#include "controller/controller.h"
#include "kube/lease.h"
#include "util/clock.h"
#include "util/banned.h"

static void lease_seen(const json_t *obj, void *userdata)
{
	struct controller *c = userdata;
	struct kube_node_lease l;

	if (kube_node_lease_read(obj, &l) < 0)
		return;
	pthread_mutex_lock(&c->liveness_lock);
	liveness_observe(&c->liveness, l.node, l.version, l.duration_s, now_usec());
	pthread_mutex_unlock(&c->liveness_lock);
}

static void lease_updated(const json_t *old, const json_t *obj, void *userdata)
{
	lease_seen(obj, userdata);
}

static void lease_deleted(const json_t *obj, void *userdata)
{
	struct controller *c = userdata;
	struct kube_node_lease l;

	if (kube_node_lease_read(obj, &l) < 0)
		return;
	pthread_mutex_lock(&c->liveness_lock);
	liveness_forget(&c->liveness, l.node);
	pthread_mutex_unlock(&c->liveness_lock);
}

static const struct kube_informer_ops lease_ops = {
	.added = lease_seen,
	.updated = lease_updated,
	.deleted = lease_deleted,
};

int controller_leases_start(struct controller *c)
{
	return kube_informer_start(c->client, &kube_leases, KUBE_LEASE_NAMESPACE, &lease_ops, c,
				   &c->leases);
}

bool controller_node_live(struct controller *c, const char *node, int64_t *ret_silent_s)
{
	bool live;

	pthread_mutex_lock(&c->liveness_lock);
	live = liveness_is_live(&c->liveness, node, now_usec(), ret_silent_s);
	pthread_mutex_unlock(&c->liveness_lock);
	return live;
}

void controller_fence_host(const char *node, void *userdata, struct fence_host *ret)
{
	struct controller *c = userdata;
	json_t *obj = kube_informer_get(c->k8s_nodes, node);

	ret->out_of_service = obj && kube_node_out_of_service(obj);
	json_decref(obj);
	ret->live = controller_node_live(c, node, &ret->silent_s);
}
