/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util/healthz.h"

/* Options shared by the roles that serve CSI. */
struct cmd_options {
	const char *endpoint;
	size_t workers;
	unsigned shutdown_timeout_s;
	const char *kubeconfig; /* NULL: $KUBECONFIG, in-cluster, ~/.kube/config */
	const char *node_id;	/* node role only */
	const char *
		sysroot; /* node role only: prefix for /sys, /dev, /proc, /lib/modules, /etc/nvme */
	unsigned reconcile_interval_s; /* node role only */
	unsigned heartbeat_interval_s; /* node role only */
	unsigned heartbeat_timeout_s;  /* controller role only */
	/* NVMe-oF imports, node role only (seconds; fast_io_fail_tmo 0: off) */
	int ctrl_loss_tmo;
	int keep_alive_tmo;
	int fast_io_fail_tmo;
	int nr_io_queues;	     /* node role only: per import; 0: one per CPU */
	unsigned resync_speed_min;   /* node role only: MiB/s; 0: the system's */
	const char *udev_rules_dir;  /* node role only; NULL: /etc/udev/rules.d under sysroot */
	const char *health_address;  /* NULL or "": no /healthz */
	const char *metrics_address; /* NULL or "": no /metrics of its own (the health address has
					it) */
	/* The kubelet's plugin registration, node role only ("" or NULL: none). */
	const char *registration_socket;
	bool registration_socket_set; /* named by the operator, not the default */
	const char *kubelet_endpoint; /* the CSI socket's path as the kubelet sees it */
};

enum cmd_role {
	CMD_CONTROLLER,
	CMD_NODE,
};

/*
 * Parses argv for role. Returns 0 to go on, 1 when --help was printed (exit 0),
 * or -EINVAL after printing what was wrong.
 */
int cmd_parse(enum cmd_role role, int argc, char **argv, struct cmd_options *o);

struct csi_service;
struct csi_socket_lock;

/* What a role adds to /healthz and /metrics; each may be NULL. */
struct cmd_role_hooks {
	/*
	 * The role's own condition beyond "the CSI endpoint answers" (the
	 * node: its loop is not stuck).
	 */
	healthz_check_fn *alive;
	/* The role's metrics, after the CSI calls' (docs/operations.md, "Metrics"). */
	healthz_metrics_fn *metrics;
	void *userdata;
};

/*
 * Serves service on o's endpoint until SIGTERM/SIGINT, with the kubelet's
 * plugin registration, /healthz and /metrics when o asks for them
 * (src/cmd-serve.c); returns 0 or -errno. lock is the endpoint's, taken by the
 * role before it started anything (csi_socket_lock_take()); the role releases
 * it after it has stopped everything that acts. hooks may be NULL.
 */
int cmd_serve(const struct cmd_options *o, struct csi_service *service,
	      struct csi_socket_lock *lock, const struct cmd_role_hooks *hooks);

int controller_main(int argc, char **argv);
int node_main(int argc, char **argv);
int cleanup_main(int argc, char **argv);
/* kubectl meshstor: src/cmd-inspect.c. */
int status_main(int argc, char **argv);
int volume_main(int argc, char **argv);
