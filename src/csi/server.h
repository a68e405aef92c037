/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <signal.h>
#include <stddef.h>

#include "csi/dispatch.h"

struct csi_server;

struct csi_server_config {
	const char *endpoint;	     /* "unix:///run/meshstor/csi.sock" */
	size_t workers;		     /* threads for CSI_LANE_WORKER calls */
	unsigned shutdown_timeout_s; /* grace for in-flight calls on SIGTERM */
	const char *what;	     /* what is served, for the log; NULL: "CSI" */
};

/*
 * Blocks SIGTERM and SIGINT, the signals csi_server_run() waits for, in the
 * calling thread; every thread it starts later inherits the mask. A serving
 * role calls it before it starts any thread: a thread that had them unblocked
 * could take one, and the default action ends the process without its
 * shutdown (or, for a container's PID 1, the kernel drops the signal). ret,
 * when given, gets the set. Returns 0 or a negative errno.
 */
int csi_server_block_signals(sigset_t *ret);

/*
 * Blocks SIGTERM and SIGINT in the calling thread (csi_server_block_signals()), takes the lock
 * beside the socket, removes a stale socket left by a crashed run, and starts serving s.
 */
int csi_server_new(const struct csi_server_config *cfg, struct csi_service *s,
		   struct csi_server **ret);

/*
 * Serves until SIGTERM or SIGINT, then stops accepting, lets in-flight calls
 * finish within the grace period, cancels what is left and returns 0.
 */
int csi_server_run(struct csi_server *srv);

/*
 * Tears down gRPC, removes the socket and releases the lock. A server never
 * run (a second endpoint beside the one csi_server_run() waits on) has its
 * calls cancelled. NULL is a no-op.
 */
void csi_server_free(struct csi_server *srv);
