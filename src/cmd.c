// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "util/log.h"
#include "util/macro.h"
#include "util/healthz.h"
#include "util/parse.h"
#include "util/banned.h"

#define DEFAULT_CONTROLLER_ENDPOINT "unix:///var/lib/csi/sockets/pluginproxy/csi.sock"
#define DEFAULT_NODE_ENDPOINT "unix:///var/lib/kubelet/plugins/io.meshstor.csi.mesh/csi.sock"
/* The kubelet's registration directory, and where it finds the node's CSI socket. */
#define DEFAULT_REGISTRATION_SOCKET \
	"/var/lib/kubelet/plugins_registry/io.meshstor.csi.mesh-reg.sock"
#define DEFAULT_KUBELET_ENDPOINT "/var/lib/kubelet/plugins/io.meshstor.csi.mesh/csi.sock"

enum {
	OPT_LOG_LEVEL = 0x100,
	OPT_LOG_FORMAT,
	OPT_ENDPOINT,
	OPT_WORKERS,
	OPT_SHUTDOWN_TIMEOUT,
	OPT_NODE_ID,
	OPT_SYSROOT,
	OPT_KUBECONFIG,
	OPT_RECONCILE_INTERVAL,
	OPT_HEARTBEAT_INTERVAL,
	OPT_HEARTBEAT_TIMEOUT,
	OPT_CTRL_LOSS_TMO,
	OPT_KEEP_ALIVE_TMO,
	OPT_FAST_IO_FAIL_TMO,
	OPT_NR_IO_QUEUES,
	OPT_RESYNC_SPEED_MIN,
	OPT_UDEV_RULES_DIR,
	OPT_HEALTH_ADDRESS,
	OPT_METRICS_ADDRESS,
	OPT_REGISTRATION_SOCKET,
	OPT_KUBELET_ENDPOINT,
};

/* Options that only the node agent takes, by the name --help shows. */
static const struct {
	int opt;
	const char *name;
} node_only[] = {
	{ OPT_NODE_ID, "node-id" },
	{ OPT_SYSROOT, "sysroot" },
	{ OPT_RECONCILE_INTERVAL, "reconcile-interval" },
	{ OPT_HEARTBEAT_INTERVAL, "heartbeat-interval" },
	{ OPT_CTRL_LOSS_TMO, "ctrl-loss-tmo" },
	{ OPT_KEEP_ALIVE_TMO, "keep-alive-tmo" },
	{ OPT_FAST_IO_FAIL_TMO, "fast-io-fail-tmo" },
	{ OPT_NR_IO_QUEUES, "nr-io-queues" },
	{ OPT_RESYNC_SPEED_MIN, "resync-speed-min" },
	{ OPT_UDEV_RULES_DIR, "udev-rules-dir" },
	{ OPT_REGISTRATION_SOCKET, "registration-socket" },
	{ OPT_KUBELET_ENDPOINT, "kubelet-endpoint" },
};

static void usage(enum cmd_role role)
{
	const char *name = role == CMD_CONTROLLER ? "controller" : "node";

	printf("Usage: meshstor %s [OPTIONS]\n\n", name);
	if (role == CMD_CONTROLLER)
		printf("Serve the CSI Identity and Controller services: place volumes, never touch data.\n\n");
	else
		printf("Serve the CSI Identity and Node services: own this node's partitions,\n"
		       "exports, imports, arrays and mounts.\n\n");
	printf("  --csi-endpoint=unix:///PATH   socket to serve (env CSI_ENDPOINT; default\n"
	       "                                %s)\n",
	       role == CMD_CONTROLLER ? DEFAULT_CONTROLLER_ENDPOINT : DEFAULT_NODE_ENDPOINT);
	printf("  --workers=N                   threads for slow CSI calls (1-64, default 4)\n"
	       "  --shutdown-timeout=SECONDS    grace for in-flight calls on SIGTERM (default 30)\n"
	       "  --log-level=LEVEL             error, warning, info (default) or debug\n"
	       "  --log-format=FORMAT           text (default) or json: one object per line with\n"
	       "                                time, level, msg and, when a volume is named, vol\n");
	printf("  --kubeconfig=FILE             the cluster to use (default: $KUBECONFIG, the\n"
	       "                                pod's service account, or ~/.kube/config)\n");
	printf("  --health-address=[IP:]PORT    serve HTTP /healthz for a liveness probe: 200 \"ok\"\n"
	       "                                while the CSI endpoint answers Probe%s,\n"
	       "                                else 503 and why (IPv6 as [IP]:PORT; a bare PORT:\n"
	       "                                every IPv4 and IPv6 address; default empty: off)\n",
	       role == CMD_NODE
		       ? ", the kubelet\n"
			 "                                registration stands and the reconcile loop\n"
			 "                                is not stuck"
		       : "");
	printf("  --metrics-address=[IP:]PORT   serve HTTP /metrics for Prometheus (the same\n"
	       "                                forms; the health address itself serves both;\n"
	       "                                default empty: off)\n");
	if (role == CMD_CONTROLLER)
		printf("  --heartbeat-timeout=SECONDS   an agent whose MeshStorNode heartbeat is this\n"
		       "                                old gets no new members (10-3600, default 180);\n"
		       "                                liveness for the fence is the agent's Lease\n");
	if (role == CMD_NODE)
		printf("  --node-id=NAME                this node's Kubernetes name (env NODE_NAME)\n"
		       "  --sysroot=DIR                 where /sys, /dev, /proc, /lib/modules and\n"
		       "                                /etc/nvme are (default /)\n"
		       "  --reconcile-interval=SECONDS  time between reconcile passes (1-3600, default 10)\n"
		       "  --heartbeat-interval=SECONDS  time between heartbeats (1-3600, default 60)\n");
	if (role == CMD_NODE)
		printf("  --ctrl-loss-tmo=off|SECONDS   how long an NVMe-oF import reconnects to a lost\n"
		       "                                node before the kernel gives it up (off or\n"
		       "                                10-3600, default off: until the agent records\n"
		       "                                and drops the leg, or the node returns). A\n"
		       "                                number lets the kernel end a lost leg after that\n"
		       "                                long: its hold keeps its writes until the agent\n"
		       "                                records the drop; a mirror whose every leg was\n"
		       "                                ended breaks instead of waiting\n"
		       "  --keep-alive-tmo=SECONDS      NVMe-oF keep-alive timeout: how soon a silent\n"
		       "                                node is noticed (1-60, default 2)\n"
		       "  --fast-io-fail-tmo=SECONDS    fail I/O to a lost leg after this long (1-3599,\n"
		       "                                below --ctrl-loss-tmo); default 0: off, I/O\n"
		       "                                waits for the agent to record and drop the leg.\n"
		       "                                Any other value lets MD fail a lost leg\n"
		       "                                unrecorded, which weakens invariant 7 of\n"
		       "                                docs/ARCHITECTURE.md (\"Safety\"): a later\n"
		       "                                failover may take that leg for current\n"
		       "  --nr-io-queues=N              NVMe/TCP I/O queues of each imported member\n"
		       "                                (0-128, default 4; 0: the kernel's, one per CPU:\n"
		       "                                a TCP connection each, on both nodes)\n"
		       "  --resync-speed-min=MIB_PER_S  each array's resync floor: MD slows a resync\n"
		       "                                down to it while the volume is in use (0-100000,\n"
		       "                                default 50; 0: the system's, 1 MB/s by default)\n"
		       "  --udev-rules-dir=DIR          where to install the udev rule that keeps the\n"
		       "                                host from assembling MeshStor's arrays (default\n"
		       "                                /etc/udev/rules.d under --sysroot; empty: none)\n");
	if (role == CMD_NODE)
		printf("  --registration-socket=PATH    register with the kubelet: serve its plugin\n"
		       "                                registration API on this socket in its\n"
		       "                                plugins_registry directory (default\n"
		       "                                %s;\n"
		       "                                skipped if that directory is missing; empty: off)\n"
		       "  --kubelet-endpoint=PATH       the CSI socket's path as the kubelet sees it,\n"
		       "                                told to the kubelet at registration (default\n"
		       "                                %s)\n",
		       DEFAULT_REGISTRATION_SOCKET, DEFAULT_KUBELET_ENDPOINT);
	printf("  -h, --help                    show this help\n");
}

static int parse_one(enum cmd_role role, int opt, const char *arg, struct cmd_options *o)
{
	uint64_t v;
	int r;

	switch (opt) {
	case OPT_LOG_LEVEL:
		r = log_level_from_string(arg);
		if (r < 0)
			return log_error_errno(
				r,
				"Invalid --log-level '%s': expected error, warning, info or debug",
				arg);
		log_max_level = r;
		return 0;
	case OPT_LOG_FORMAT:
		r = log_format_from_string(arg);
		if (r < 0)
			return log_error_errno(
				r, "Invalid --log-format '%s': expected text or json", arg);
		log_format = r;
		return 0;
	case OPT_ENDPOINT:
		o->endpoint = arg;
		return 0;
	case OPT_WORKERS:
		if (parse_u64_range(arg, 1, 64, &v) < 0)
			return log_error_errno(-EINVAL, "Invalid --workers '%s': expected 1-64",
					       arg);
		o->workers = v;
		return 0;
	case OPT_SHUTDOWN_TIMEOUT:
		if (parse_u64_range(arg, 0, 3600, &v) < 0)
			return log_error_errno(
				-EINVAL, "Invalid --shutdown-timeout '%s': expected 0-3600 seconds",
				arg);
		o->shutdown_timeout_s = v;
		return 0;
	case OPT_NODE_ID:
		o->node_id = arg;
		return 0;
	case OPT_SYSROOT:
		o->sysroot = arg;
		return 0;
	case OPT_KUBECONFIG:
		o->kubeconfig = arg;
		return 0;
	case OPT_UDEV_RULES_DIR:
		if (arg[0] && arg[0] != '/')
			return log_error_errno(-EINVAL,
					       "Invalid --udev-rules-dir '%s': expected an "
					       "absolute path, or nothing",
					       arg);
		o->udev_rules_dir = arg;
		return 0;
	case OPT_HEALTH_ADDRESS:
	case OPT_METRICS_ADDRESS: {
		struct sockaddr_storage ss;
		socklen_t len;

		if (arg[0] && healthz_parse_address(arg, &ss, &len) < 0)
			return log_error_errno(-EINVAL,
					       "Invalid --%s-address '%s': expected "
					       "IP:PORT, [IPv6]:PORT, :PORT or PORT, or "
					       "nothing (off)",
					       opt == OPT_HEALTH_ADDRESS ? "health" : "metrics",
					       arg);
		if (opt == OPT_HEALTH_ADDRESS)
			o->health_address = arg;
		else
			o->metrics_address = arg;
		return 0;
	}
	case OPT_REGISTRATION_SOCKET:
		if (arg[0] && arg[0] != '/')
			return log_error_errno(-EINVAL,
					       "Invalid --registration-socket '%s': "
					       "expected an absolute path, or nothing (off)",
					       arg);
		o->registration_socket = arg;
		o->registration_socket_set = true;
		return 0;
	case OPT_KUBELET_ENDPOINT:
		/* The kubelet takes a path; the form of --csi-endpoint is accepted too. */
		if (strncmp(arg, "unix://", 7) == 0)
			arg += 7;
		if (arg[0] != '/')
			return log_error_errno(-EINVAL,
					       "Invalid --kubelet-endpoint '%s': expected "
					       "the absolute path of the CSI socket on the host",
					       arg);
		o->kubelet_endpoint = arg;
		return 0;
	case OPT_HEARTBEAT_TIMEOUT:
		if (parse_u64_range(arg, 10, 3600, &v) < 0)
			return log_error_errno(-EINVAL,
					       "Invalid --heartbeat-timeout '%s': expected "
					       "10-3600 seconds",
					       arg);
		o->heartbeat_timeout_s = (unsigned)v;
		return 0;
	case OPT_RECONCILE_INTERVAL:
	case OPT_HEARTBEAT_INTERVAL:
		if (parse_u64_range(arg, 1, 3600, &v) < 0)
			return log_error_errno(
				-EINVAL,
				"Invalid --%s-interval '%s': expected 1-3600 "
				"seconds",
				opt == OPT_RECONCILE_INTERVAL ? "reconcile" : "heartbeat", arg);
		if (opt == OPT_RECONCILE_INTERVAL)
			o->reconcile_interval_s = (unsigned)v;
		else
			o->heartbeat_interval_s = (unsigned)v;
		return 0;
	case OPT_CTRL_LOSS_TMO:
		/*
		 * "off" (the default): reconnect for as long as it takes, so only
		 * the leg watch ends a leg, after recording it. A number lets the
		 * kernel end every lost leg after that long, recorded or not.
		 */
		if (strcmp(arg, "off") == 0) {
			o->ctrl_loss_tmo = -1;
			return 0;
		}
		if (parse_u64_range(arg, 10, 3600, &v) < 0)
			return log_error_errno(-EINVAL,
					       "Invalid --ctrl-loss-tmo '%s': expected off or "
					       "10-3600 seconds",
					       arg);
		o->ctrl_loss_tmo = (int)v;
		return 0;
	case OPT_KEEP_ALIVE_TMO:
		/* 0 would turn keep-alive off: a silent node would go unnoticed until I/O. */
		if (parse_u64_range(arg, 1, 60, &v) < 0)
			return log_error_errno(-EINVAL,
					       "Invalid --keep-alive-tmo '%s': expected 1-60 "
					       "seconds",
					       arg);
		o->keep_alive_tmo = (int)v;
		return 0;
	case OPT_FAST_IO_FAIL_TMO:
		if (parse_u64_range(arg, 0, 3599, &v) < 0)
			return log_error_errno(-EINVAL,
					       "Invalid --fast-io-fail-tmo '%s': expected 0 "
					       "(off) or 1-3599 seconds",
					       arg);
		o->fast_io_fail_tmo = (int)v;
		return 0;
	case OPT_NR_IO_QUEUES:
		if (parse_u64_range(arg, 0, 128, &v) < 0)
			return log_error_errno(-EINVAL,
					       "Invalid --nr-io-queues '%s': expected 0 (one "
					       "per CPU) or 1-128",
					       arg);
		o->nr_io_queues = (int)v;
		return 0;
	case OPT_RESYNC_SPEED_MIN:
		if (parse_u64_range(arg, 0, 100000, &v) < 0)
			return log_error_errno(-EINVAL,
					       "Invalid --resync-speed-min '%s': expected 0 "
					       "(the system's) or 1-100000 MiB/s",
					       arg);
		o->resync_speed_min = (unsigned)v;
		return 0;
	}
	return -EINVAL;
}

static const char *node_only_name(int opt)
{
	for (size_t i = 0; i < ARRAY_SIZE(node_only); i++)
		if (node_only[i].opt == opt)
			return node_only[i].name;
	return NULL;
}

/* What no single option can check. */
static int check_node(const struct cmd_options *o)
{
	if (!o->node_id || !o->node_id[0])
		return log_error_errno(-EINVAL, "The node role needs --node-id or NODE_NAME");
	/* The kernel would fail I/O before it ever gives up; the option would mean nothing. */
	if (o->ctrl_loss_tmo >= 0 && o->fast_io_fail_tmo >= o->ctrl_loss_tmo)
		return log_error_errno(-EINVAL,
				       "--fast-io-fail-tmo (%d s) must be below --ctrl-loss-tmo "
				       "(%d s), or 0 (off)",
				       o->fast_io_fail_tmo, o->ctrl_loss_tmo);
	return 0;
}

int cmd_parse(enum cmd_role role, int argc, char **argv, struct cmd_options *o)
{
	static const struct option common[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
		{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
		{ "csi-endpoint", required_argument, NULL, OPT_ENDPOINT },
		{ "workers", required_argument, NULL, OPT_WORKERS },
		{ "shutdown-timeout", required_argument, NULL, OPT_SHUTDOWN_TIMEOUT },
		{ "node-id", required_argument, NULL, OPT_NODE_ID },
		{ "sysroot", required_argument, NULL, OPT_SYSROOT },
		{ "kubeconfig", required_argument, NULL, OPT_KUBECONFIG },
		{ "reconcile-interval", required_argument, NULL, OPT_RECONCILE_INTERVAL },
		{ "heartbeat-interval", required_argument, NULL, OPT_HEARTBEAT_INTERVAL },
		{ "heartbeat-timeout", required_argument, NULL, OPT_HEARTBEAT_TIMEOUT },
		{ "ctrl-loss-tmo", required_argument, NULL, OPT_CTRL_LOSS_TMO },
		{ "keep-alive-tmo", required_argument, NULL, OPT_KEEP_ALIVE_TMO },
		{ "fast-io-fail-tmo", required_argument, NULL, OPT_FAST_IO_FAIL_TMO },
		{ "nr-io-queues", required_argument, NULL, OPT_NR_IO_QUEUES },
		{ "resync-speed-min", required_argument, NULL, OPT_RESYNC_SPEED_MIN },
		{ "udev-rules-dir", required_argument, NULL, OPT_UDEV_RULES_DIR },
		{ "health-address", required_argument, NULL, OPT_HEALTH_ADDRESS },
		{ "metrics-address", required_argument, NULL, OPT_METRICS_ADDRESS },
		{ "registration-socket", required_argument, NULL, OPT_REGISTRATION_SOCKET },
		{ "kubelet-endpoint", required_argument, NULL, OPT_KUBELET_ENDPOINT },
		{ 0 },
	};
	int opt;

	*o = (struct cmd_options){
		.endpoint = getenv("CSI_ENDPOINT"),
		.workers = 4,
		.shutdown_timeout_s = 30,
		.node_id = getenv("NODE_NAME"),
		.sysroot = "/",
		.reconcile_interval_s = 10,
		.heartbeat_interval_s = 60,
		.heartbeat_timeout_s = 180,
		.ctrl_loss_tmo = -1,
		.keep_alive_tmo = 2,
		.fast_io_fail_tmo = 0,
		.nr_io_queues = 4,
		.resync_speed_min = 50,
		.registration_socket = role == CMD_NODE ? DEFAULT_REGISTRATION_SOCKET : NULL,
		.kubelet_endpoint = DEFAULT_KUBELET_ENDPOINT,
	};
	if (!o->endpoint || !o->endpoint[0])
		o->endpoint = role == CMD_CONTROLLER ? DEFAULT_CONTROLLER_ENDPOINT
						     : DEFAULT_NODE_ENDPOINT;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", common, NULL)) != -1) {
		if (opt == 'h') {
			usage(role);
			return 1;
		}
		if (opt == '?')
			return -EINVAL;
		if (role == CMD_CONTROLLER && node_only_name(opt))
			return log_error_errno(-EINVAL, "--%s is an option of 'meshstor node' only",
					       node_only_name(opt));
		if (role == CMD_NODE && opt == OPT_HEARTBEAT_TIMEOUT)
			return log_error_errno(
				-EINVAL,
				"--heartbeat-timeout is an option of 'meshstor controller' only");
		if (parse_one(role, opt, optarg, o) < 0)
			return -EINVAL;
	}
	if (optind < argc)
		return log_error_errno(-EINVAL, "Unexpected argument '%s'; see --help",
				       argv[optind]);
	return role == CMD_NODE ? check_node(o) : 0;
}
