/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

/*
 * Parses a CSI endpoint. Only unix sockets are served ("unix:///abs/path" or
 * "unix:/abs/path", as Kubernetes' sidecars write them); the path must be
 * absolute and fit in sockaddr_un. Returns 0 and a malloc'd path, or -EINVAL.
 */
int csi_endpoint_parse(const char *endpoint, char **ret_path);
