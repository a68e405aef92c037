/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>

#include <stddef.h>

#include "csi/dispatch.h"
#include "csi/gen/csi.pb-c.h"

#define CSI_DRIVER_NAME "io.meshstor.csi.mesh"

/* What a role tells the Identity service about itself. */
struct csi_identity {
	const char *role; /* "controller" or "node", reported in the plugin manifest */
	/*
	 * Returns 1 when the role's dependencies are ready, 0 when not (it logs why
	 * when that changes), or -errno. Runs on the completion-queue thread: cheap.
	 */
	int (*probe)(void *userdata);
};

extern const struct csi_method csi_identity_get_plugin_info;
extern const struct csi_method csi_identity_get_plugin_capabilities;
extern const struct csi_method csi_identity_probe;
