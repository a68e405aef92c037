// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>

#include "cmd.h"
#include "csi/identity.h"
#include "util/log.h"
#include "util/macro.h"
#include "util/version.h"
#include "util/banned.h"

/*
 * The controller's only dependency will be the Kubernetes API; until the API
 * client exists there is nothing to wait for, so it is ready once it serves.
 */
static int controller_probe(void *userdata)
{
	return 1;
}

static const struct csi_method *const controller_methods[] = {
	&csi_identity_get_plugin_info,
	&csi_identity_get_plugin_capabilities,
	&csi_identity_probe,
};

/* No Controller service RPC is implemented yet, so none is advertised. */
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
	struct cmd_options o;
	int r;

	r = cmd_parse(CMD_CONTROLLER, argc, argv, &o);
	if (r != 0)
		return r > 0 ? EXIT_SUCCESS : EXIT_FAILURE;

	log_info("meshstor %s starting as controller", MESHSTOR_VERSION);
	r = cmd_serve(&o, &service);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
