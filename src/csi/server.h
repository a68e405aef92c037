/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <signal.h>
#include <stddef.h>

#include "csi/dispatch.h"

struct csi_server;
/* The lock beside a socket (its path + ".lock") that says which process serves it. */
struct csi_socket_lock;

struct csi_server_config {
	const char *endpoint;	     /* "unix:///run/meshstor/csi.sock" */
	size_t workers;		     /* threads for CSI_LANE_WORKER calls */
	unsigned shutdown_timeout_s; /* grace for in-flight calls on SIGTERM */
	const char *what;	     /* what is served, for the log; NULL: "CSI" */
	/*
	 * The endpoint's lock, taken by the caller with csi_socket_lock_take() and
	 * released by it after csi_server_free() and after whatever else acts has
	 * stopped. NULL: csi_server_new() takes it and csi_server_free() releases it.
	 */
	struct csi_socket_lock *lock;
};

/*
 * Takes the lock beside endpoint's socket without waiting. Returns 0, -EBUSY
 * (logged, with what to do) while another process holds it, -EINVAL for an
 * endpoint that is not unix:///absolute/path, or another negative errno. A
 * role takes it before anything that acts on the host or the cluster and
 * releases it after everything that acts has stopped, so that a second
 * instance never acts beside it; csi_server_new() borrows it.
 */
int csi_socket_lock_take(const char *endpoint, struct csi_socket_lock **ret);
/* Releases the lock. NULL is a no-op. */
void csi_socket_lock_free(struct csi_socket_lock *l);

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
 * beside the socket unless cfg hands it over, removes a stale socket left by a crashed run,
 * and starts serving s.
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
