// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "cmd.h"
#include "controller/controller.h"
#include "csi/controller.h"
#include "csi/identity.h"
#include "csi/server.h"
#include "util/log.h"
#include "util/macro.h"
#include "util/version.h"
#include "util/banned.h"

/*
 * Ready once the caches of all three resources have been listed from the
 * Kubernetes API. Without a usable configuration the controller still serves
 * Identity, reports not ready, and its Controller calls answer UNAVAILABLE.
 */
static int controller_probe(void *userdata)
{
	static bool said;
	struct controller *c = userdata;
	bool ready = c && controller_ready(c);

	/* Probe runs only on the completion-queue thread: said needs no lock. */
	if (ready && !said)
		log_info("Controller is ready: volumes, drives and nodes are cached");
	said |= ready;
	return ready;
}

static void controller_metrics(void *userdata, struct strbuf *out)
{
	controller_write_metrics(userdata, out);
}

static const struct csi_method *const controller_methods[] = {
	&csi_identity_get_plugin_info,
	&csi_identity_get_plugin_capabilities,
	&csi_identity_probe,
	&csi_controller_create_volume,
	&csi_controller_delete_volume,
	&csi_controller_publish_volume,
	&csi_controller_unpublish_volume,
	&csi_controller_validate_volume_capabilities,
	&csi_controller_list_volumes,
	&csi_controller_get_capacity,
	&csi_controller_get_capabilities,
	&csi_controller_get_volume,
	&csi_controller_expand_volume,
};

static const struct csi_identity controller_identity = {
	.role = "controller",
	.probe = controller_probe,
};

int controller_main(int argc, char **argv)
{
	struct csi_service service = {
		.methods = controller_methods,
		.n_methods = ARRAY_SIZE(controller_methods),
		.identity = &controller_identity,
	};
	struct cmd_role_hooks hooks = { .metrics = controller_metrics };
	struct csi_socket_lock *lock;
	struct controller *c = NULL;
	struct cmd_options o;
	int r;

	r = cmd_parse(CMD_CONTROLLER, argc, argv, &o);
	if (r != 0)
		return r > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	/* A second controller on this endpoint stops here, before its loops start. */
	if (csi_socket_lock_take(o.endpoint, &lock) < 0)
		return EXIT_FAILURE;

	log_info("meshstor %s starting as controller", MESHSTOR_VERSION);
	if (controller_new(o.kubeconfig, o.heartbeat_timeout_s, &c) < 0)
		log_warning("Serving without the Kubernetes API: not ready; Controller calls will "
			    "answer UNAVAILABLE until restarted with a working configuration");
	service.userdata = c;
	hooks.userdata = c;
	r = cmd_serve(&o, &service, lock, c ? &hooks : NULL);
	controller_free(c);
	csi_socket_lock_free(lock);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
