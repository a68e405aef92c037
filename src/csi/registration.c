// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kubelet's plugin registration, on the same gRPC transport and dispatcher
 * as the CSI endpoint: a second server on its own socket with a service of two
 * methods. The kubelet finds the socket in its registration directory, calls
 * GetInfo, validates the versions, calls NodeGetInfo on the CSI endpoint we
 * named, records the node's topology in its CSINode and tells us the outcome.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csi/dispatch.h"
#include "csi/gen/pluginregistration.pb-c.h"
#include "csi/identity.h"
#include "csi/registration.h"
#include "csi/server.h"
#include "util/log.h"
#include "util/macro.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* The kubelet's handler for CSI plugins, and the one CSI version it takes. */
#define PLUGIN_TYPE "CSIPlugin"
#define CSI_VERSION "1.0.0"

struct csi_registration {
	struct csi_service service;
	struct csi_server *server;
	char *socket_path;
	char *endpoint; /* the CSI socket in the kubelet's mount namespace */
	dev_t dev;	/* the socket we bound, to tell it from a replacement */
	ino_t ino;

	pthread_mutex_t lock;
	char *refused; /* the kubelet's last refusal; NULL once registered */
};

static int get_info(struct csi_call *c, const ProtobufCMessage *req, ProtobufCMessage **ret_resp)
{
	const struct csi_registration *reg = c->service->userdata;
	Pluginregistration__PluginInfo *info = arena_new(&c->arena, Pluginregistration__PluginInfo);

	pluginregistration__plugin_info__init(info);
	info->type = PLUGIN_TYPE;
	info->name = CSI_DRIVER_NAME;
	info->endpoint = reg->endpoint;
	info->n_supported_versions = 1;
	info->supported_versions = arena_new(&c->arena, char *);
	info->supported_versions[0] = CSI_VERSION;
	*ret_resp = &info->base;
	return 0;
}

static int notify_status(struct csi_call *c, const ProtobufCMessage *req,
			 ProtobufCMessage **ret_resp)
{
	struct csi_registration *reg = c->service->userdata;
	const Pluginregistration__RegistrationStatus *st =
		(const Pluginregistration__RegistrationStatus *)req;
	Pluginregistration__RegistrationStatusResponse *resp =
		arena_new(&c->arena, Pluginregistration__RegistrationStatusResponse);

	pthread_mutex_lock(&reg->lock);
	if (st->plugin_registered) {
		if (reg->refused)
			log_info("The kubelet registered %s after all", CSI_DRIVER_NAME);
		else
			log_info("The kubelet registered %s; it reaches the CSI endpoint at %s",
				 CSI_DRIVER_NAME, reg->endpoint);
		free(reg->refused);
		reg->refused = NULL;
	} else {
		log_error(
			"The kubelet refused to register %s: %s. Check that --kubelet-endpoint "
			"(%s) is the host's path of --csi-endpoint, that the kubelet can reach it, "
			"and the kubelet's log; /healthz fails until a registration succeeds, "
			"so the restart that follows offers the plugin again",
			CSI_DRIVER_NAME, st->error[0] ? st->error : "(no reason given)",
			reg->endpoint);
		free(reg->refused);
		reg->refused = xstrdup(st->error[0] ? st->error : "no reason given");
	}
	pthread_mutex_unlock(&reg->lock);

	pluginregistration__registration_status_response__init(resp);
	*ret_resp = &resp->base;
	return 0;
}

static const struct csi_method get_info_method = {
	.path = "/pluginregistration.Registration/GetInfo",
	.request = &pluginregistration__info_request__descriptor,
	.lane = CSI_LANE_INLINE,
	.handler = get_info,
};

static const struct csi_method notify_status_method = {
	.path = "/pluginregistration.Registration/NotifyRegistrationStatus",
	.request = &pluginregistration__registration_status__descriptor,
	.lane = CSI_LANE_INLINE,
	.handler = notify_status,
};

static const struct csi_method *const registration_methods[] = {
	&get_info_method,
	&notify_status_method,
};

int csi_registration_new(const char *socket_path, const char *kubelet_endpoint,
			 struct csi_registration **ret)
{
	_cleanup_strbuf_ struct strbuf endpoint = STRBUF_INIT;
	struct csi_registration *reg = xzalloc(sizeof(*reg));
	struct csi_server_config cfg = {
		.workers = 1, /* both methods answer inline; the pool stays idle */
		.what = "kubelet plugin registration",
	};
	struct stat st;
	int r;

	reg->socket_path = xstrdup(socket_path);
	reg->endpoint = xstrdup(kubelet_endpoint);
	pthread_mutex_init(&reg->lock, NULL);
	reg->service = (struct csi_service){
		.methods = registration_methods,
		.n_methods = ARRAY_SIZE(registration_methods),
		.userdata = reg,
	};
	csi_inflight_init(&reg->service.inflight);

	strbuf_addf(&endpoint, "unix://%s", socket_path);
	cfg.endpoint = endpoint.buf;
	r = csi_server_new(&cfg, &reg->service, &reg->server);
	if (r >= 0 && lstat(socket_path, &st) < 0)
		r = log_error_errno(-errno, "Failed to inspect %s: %m", socket_path);
	if (r < 0) {
		csi_registration_free(reg);
		return r;
	}
	reg->dev = st.st_dev;
	reg->ino = st.st_ino;
	*ret = reg;
	return 0;
}

int csi_registration_check(struct csi_registration *reg, struct strbuf *why)
{
	struct stat st;
	int r = 0;

	pthread_mutex_lock(&reg->lock);
	if (reg->refused) {
		strbuf_addf(why, "the kubelet refused to register the plugin: %s", reg->refused);
		r = -ENOTCONN;
	}
	pthread_mutex_unlock(&reg->lock);
	if (r < 0)
		return r;
	/* The kubelet deregisters a plugin whose socket goes; a restart binds a new one. */
	if (lstat(reg->socket_path, &st) < 0 || st.st_dev != reg->dev || st.st_ino != reg->ino) {
		strbuf_addf(why, "the registration socket %s was removed or replaced",
			    reg->socket_path);
		return -ENOTCONN;
	}
	return 0;
}

void csi_registration_free(struct csi_registration *reg)
{
	if (!reg)
		return;
	csi_server_free(reg->server);
	csi_inflight_done(&reg->service.inflight);
	pthread_mutex_destroy(&reg->lock);
	free(reg->refused);
	free(reg->endpoint);
	free(reg->socket_path);
	free(reg);
}
