/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include "util/strbuf.h"

/*
 * The kubelet's plugin registration (pluginwatcher, proto/pluginregistration.proto),
 * served by the node role itself instead of node-driver-registrar: a unix
 * socket in the kubelet's registration directory answers GetInfo with the
 * driver's name and where its CSI socket is, and hears the kubelet's verdict.
 */
struct csi_registration;

/*
 * Serves the Registration service on socket_path (an absolute path; a stale
 * socket is replaced, anything else there is refused, as for the CSI
 * endpoint). kubelet_endpoint is the CSI socket as a path in the kubelet's
 * mount namespace, which GetInfo reports. Call after the CSI endpoint serves:
 * the kubelet calls NodeGetInfo there as soon as it registers the plugin.
 * Returns 0, or -errno after logging why.
 */
int csi_registration_new(const char *socket_path, const char *kubelet_endpoint,
			 struct csi_registration **ret);

/*
 * 0 unless registration is lost: the kubelet refused the plugin (it does not
 * ask again while the socket stays: only a new socket, after a restart, gets
 * another try), or the socket was removed or replaced under us. Then
 * -ENOTCONN, with the reason in why. Thread-safe.
 */
int csi_registration_check(struct csi_registration *reg, struct strbuf *why);

/* Stops serving and removes the socket (the kubelet then deregisters the plugin). */
void csi_registration_free(struct csi_registration *reg);
