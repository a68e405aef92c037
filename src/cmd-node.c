// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "cmd.h"
#include "csi/identity.h"
#include "csi/node.h"
#include "csi/server.h"
#include "node/agent.h"
#include "node/alive.h"
#include "node/host.h"
#include "node/prepare.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/macro.h"
#include "util/path.h"
#include "util/strbuf.h"
#include "util/version.h"
#include "util/xalloc.h"
#include "util/banned.h"

struct node_state {
	struct csi_node csi; /* the service's userdata */
	struct utsname uts;
	bool ready;
	char *missing;	   /* what the last check found missing, to log only changes */
	unsigned period_s; /* the agent's reconcile interval */
};

/*
 * Ready once every kernel module and tool of the data path is present. Called
 * only from the completion-queue thread (and once before serving), so the
 * state needs no lock. Once ready it stays ready: modules are not unloaded
 * under a running agent.
 */
static int node_probe(void *userdata)
{
	struct node_state *st = container_of(userdata, struct node_state, csi);
	struct strbuf missing = STRBUF_INIT;

	if (st->ready)
		return st->csi.agent && agent_ready(st->csi.agent);
	if (host_check(st->csi.sysroot, st->uts.release, NULL, &missing) == 0) {
		log_info("Node is ready: the data path's kernel modules and tools are present");
		st->ready = true;
		strbuf_done(&missing);
		return st->csi.agent && agent_ready(st->csi.agent);
	}
	if (!st->missing || strcmp(st->missing, missing.buf) != 0)
		log_warning("Node is not ready; missing on this host (kernel %s): %s. Install them "
			    "(or load the modules) and the node becomes ready by itself.",
			    st->uts.release, missing.buf);
	free(st->missing);
	st->missing = strbuf_detach(&missing);
	return 0;
}

/*
 * The node's own part of /healthz (on its thread): the agent's loop comes
 * round. Without an agent there is no loop to be stuck; a restart would not
 * bring the API or a missing module either (Probe says not ready).
 */
static int node_alive(void *userdata, struct strbuf *why)
{
	struct node_state *st = userdata;

	if (!st->csi.agent)
		return 0;
	return node_loop_alive(now_usec(), agent_loop_usec(st->csi.agent), st->period_s, why);
}

/* The agent's metrics; without an agent, the CSI calls' alone. */
static void node_metrics(void *userdata, struct strbuf *out)
{
	struct node_state *st = userdata;

	if (st->csi.agent)
		agent_write_metrics(st->csi.agent, out);
}

static const struct csi_method *const node_methods[] = {
	&csi_identity_get_plugin_info,
	&csi_identity_get_plugin_capabilities,
	&csi_identity_probe,
	&csi_node_get_capabilities,
	&csi_node_get_info,
	&csi_node_stage_volume,
	&csi_node_unstage_volume,
	&csi_node_publish_volume,
	&csi_node_unpublish_volume,
	&csi_node_get_volume_stats,
	&csi_node_expand_volume,
};

static const struct csi_identity node_identity = {
	.role = "node",
	.probe = node_probe,
};

/*
 * The host preparation a node needs (node/prepare.h), here at every start
 * rather than in an init container: the agent already runs with everything
 * it needs mounted and privileged, a restart redoes it (after a host's
 * modules were unloaded or the rule removed), and the readiness check that
 * follows reports in the same log what could not be done.
 */
static void prepare(const struct cmd_options *o, const char *release)
{
	_cleanup_free_ char *rules =
		o->udev_rules_dir ? NULL : path_join_root(o->sysroot, "/etc/udev/rules.d");
	const struct prepare_options po = {
		.sysroot = o->sysroot,
		.release = release,
		.udev_rules_dir = o->udev_rules_dir ? o->udev_rules_dir : rules,
	};

	prepare_host(&po);
}

int node_main(int argc, char **argv)
{
	struct node_state st = { 0 };
	const struct cmd_role_hooks hooks = { .alive = node_alive,
					      .metrics = node_metrics,
					      .userdata = &st };
	struct csi_service service = {
		.methods = node_methods,
		.n_methods = ARRAY_SIZE(node_methods),
		.identity = &node_identity,
		.userdata = &st.csi,
	};
	struct csi_socket_lock *lock;
	struct cmd_options o;
	int r;

	r = cmd_parse(CMD_NODE, argc, argv, &o);
	if (r != 0)
		return r > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	/* One agent per node: a second one stops here, before it touches the host. */
	if (csi_socket_lock_take(o.endpoint, &lock) < 0)
		return EXIT_FAILURE;

	st.csi.sysroot = o.sysroot;
	st.csi.node_id = o.node_id;
	st.period_s = o.reconcile_interval_s;
	if (uname(&st.uts) < 0) {
		log_error_errno(-errno, "uname() failed: %m");
		csi_socket_lock_free(lock);
		return EXIT_FAILURE;
	}
	log_info("meshstor %s starting as node agent on %s", MESHSTOR_VERSION, o.node_id);
	if (o.fast_io_fail_tmo > 0)
		log_warning(
			"--fast-io-fail-tmo=%d: MD may fail a lost leg before this agent records "
			"it, so a later failover may start from a copy that is behind "
			"(docs/ARCHITECTURE.md, \"Safety\", invariant 7)",
			o.fast_io_fail_tmo);
	if (o.ctrl_loss_tmo >= 0)
		log_info("--ctrl-loss-tmo=%d: the kernel ends a leg lost that long; its hold keeps "
			 "what waits for it until this agent records the drop, and a mirror whose "
			 "every leg was ended breaks instead of waiting (docs/ARCHITECTURE.md, \"A "
			 "leg's hold\")",
			 o.ctrl_loss_tmo);
	prepare(&o, st.uts.release);
	node_probe(&st.csi);
	if (st.ready) {
		const struct agent_options ao = {
			.node_name = o.node_id,
			.kubeconfig = o.kubeconfig,
			.sysroot = strcmp(o.sysroot, "/") == 0 ? NULL : o.sysroot,
			.period_s = o.reconcile_interval_s,
			.heartbeat_s = o.heartbeat_interval_s,
			/* 0, off: I/O to a lost leg waits until the agent drops it (legwatch.c). */
			.fast_io_fail_tmo = o.fast_io_fail_tmo,
			.ctrl_loss_tmo = o.ctrl_loss_tmo,
			.keep_alive_tmo = o.keep_alive_tmo,
			.nr_io_queues = o.nr_io_queues,
			.resync_speed_min = o.resync_speed_min,
		};

		/* Without the API the node serves Identity and stays not ready (Probe says why). */
		if (agent_new(&ao, &st.csi.agent) < 0)
			log_warning(
				"Serving without the Kubernetes API: volume calls answer "
				"UNAVAILABLE until the agent can start (restart it once the API "
				"is configured)");
	}

	r = cmd_serve(&o, &service, lock, &hooks);
	agent_free(st.csi.agent);
	/* Only now: a next agent may start once this one's loop and leg watch have stopped. */
	csi_socket_lock_free(lock);
	free(st.missing);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
