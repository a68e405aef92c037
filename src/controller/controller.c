// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "controller/controller.h"
#include "kube/events.h"
#include "controller/cache-copy.h"
#include "kube/codec.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Volumes are decoded once per version: placement reads them all on every CreateVolume. */
static const struct kube_informer_ops volume_ops = {
	.decode = codec_decode_volume,
	.free_typed = codec_free_volume,
};
static const struct kube_informer_ops device_ops = { .accept = codec_accept_node_device };
static const struct kube_informer_ops node_ops = { .accept = codec_accept_mesh_node };
/* Kubernetes Nodes: only their labels and taints are read, so any Node will do. */
static const struct kube_informer_ops k8s_node_ops = { 0 };

int controller_new(const char *kubeconfig, unsigned heartbeat_timeout_s, struct controller **ret)
{
	struct strbuf err = STRBUF_INIT;
	struct kube_config *cfg;
	struct controller *c;
	int r;

	r = kube_config_load(kubeconfig, NULL, &cfg, &err);
	if (r < 0) {
		log_error("Cannot reach the Kubernetes API: %s", err.buf);
		strbuf_done(&err);
		return r;
	}
	strbuf_done(&err);
	c = xzalloc(sizeof(*c));
	pthread_mutex_init(&c->placing, NULL);
	pthread_mutex_init(&c->maintain_lock, NULL);
	pthread_mutex_init(&c->liveness_lock, NULL);
	pthread_cond_init(&c->maintain_wake, NULL);
	c->heartbeat_timeout_s = heartbeat_timeout_s;
	r = kube_client_new(cfg, 10000, &c->client);
	if (r >= 0)
		r = kube_claim_events_start(c->client, &c->claim_events);
	if (r >= 0)
		r = kube_informer_start(c->client, &kube_meshstorvolumes, NULL, &volume_ops, c,
					&c->volumes);
	if (r >= 0)
		r = kube_informer_start(c->client, &kube_meshstornodedevices, NULL, &device_ops, c,
					&c->devices);
	if (r >= 0)
		r = kube_informer_start(c->client, &kube_meshstornodes, NULL, &node_ops, c,
					&c->nodes);
	if (r >= 0)
		r = kube_informer_start(c->client, &kube_nodes, NULL, &k8s_node_ops, c,
					&c->k8s_nodes);
	if (r >= 0)
		r = controller_leases_start(c);
	if (r >= 0)
		r = controller_maintain_start(c);
	if (r < 0) {
		controller_free(c);
		return log_error_errno(r, "Failed to start the controller's caches: %m");
	}
	*ret = c;
	return 0;
}

void controller_free(struct controller *c)
{
	if (!c)
		return;
	controller_maintain_stop(c);
	kube_informer_free(c->volumes);
	kube_informer_free(c->devices);
	kube_informer_free(c->nodes);
	kube_informer_free(c->k8s_nodes);
	kube_informer_free(c->leases);
	liveness_done(&c->liveness);
	kube_claim_events_stop(c->claim_events);
	kube_client_free(c->client);
	pthread_mutex_destroy(&c->placing);
	pthread_mutex_destroy(&c->maintain_lock);
	pthread_mutex_destroy(&c->liveness_lock);
	pthread_cond_destroy(&c->maintain_wake);
	free(c);
}

bool controller_ready(struct controller *c)
{
	return kube_informer_wait_synced(c->volumes, 0) &&
	       kube_informer_wait_synced(c->devices, 0) && kube_informer_wait_synced(c->nodes, 0) &&
	       kube_informer_wait_synced(c->k8s_nodes, 0) &&
	       kube_informer_wait_synced(c->leases, 0);
}
