// SPDX-License-Identifier: GPL-2.0-only
/*
 * The node agent's part of /metrics: what its loop did, its Lease, its calls
 * to the API server. What the volumes are is the controller's part, from the
 * status the agents write (docs/operations.md, "Metrics").
 */
#include <stdatomic.h>

#include "node/agent-internal.h"
#include "util/cleanup.h"
#include "util/metrics.h"
#include "util/banned.h"

static const char *const pass_results[_PASS_RESULTS] = {
	[PASS_OK] = "ok",
	[PASS_FAILED] = "failed",
};

static const char *const action_results[_ACTION_RESULTS] = {
	[ACTION_DONE] = "done",
	[ACTION_FAILED] = "failed",
	[ACTION_BACKING_OFF] = "backing_off",
};

static void write_passes(struct agent *a, struct strbuf *out)
{
	metrics_family(out, "meshstor_agent_reconcile_passes_total", "counter",
		       "Reconcile passes, by result: failed when the kernel's state could not "
		       "be read.");
	for (size_t i = 0; i < _PASS_RESULTS; i++) {
		_cleanup_strbuf_ struct strbuf labels = STRBUF_INIT;

		metrics_label(&labels, "result", pass_results[i]);
		metrics_sample(out, "meshstor_agent_reconcile_passes_total", labels.buf,
			       (double)atomic_load(&a->counts.passes[i]));
	}
	metrics_family(out, "meshstor_agent_reconcile_duration_seconds", "histogram",
		       "How long a reconcile pass took.");
	metrics_seconds_write(out, "meshstor_agent_reconcile_duration_seconds", NULL,
			      &a->counts.pass_seconds);
	metrics_family(out, "meshstor_agent_reconcile_last_success_timestamp_seconds", "gauge",
		       "When a reconcile pass last read the kernel's state; 0: never.");
	metrics_sample(out, "meshstor_agent_reconcile_last_success_timestamp_seconds", NULL,
		       (double)atomic_load(&a->counts.last_ok_s));
}

static void write_actions(struct agent *a, struct strbuf *out)
{
	metrics_family(out, "meshstor_agent_actions_total", "counter",
		       "Actions the reconcile passes took, by kind and result (backing_off: a "
		       "connect not retried yet).");
	for (int t = 0; t < _ACT_MAX; t++)
		for (size_t i = 0; i < _ACTION_RESULTS; i++) {
			_cleanup_strbuf_ struct strbuf labels = STRBUF_INIT;
			uint64_t n = atomic_load(&a->counts.actions[t][i]);

			if (!n)
				continue;
			metrics_label(&labels, "action",
				      action_type_to_string((enum action_type)t));
			metrics_label(&labels, "result", action_results[i]);
			metrics_sample(out, "meshstor_agent_actions_total", labels.buf, (double)n);
		}
}

/* The NVMe-oF timeouts the imports are made with: what bounds a stall. */
static void write_timeouts(struct agent *a, struct strbuf *out)
{
	const struct {
		const char *name;
		int value;
	} t[] = {
		{ "keep_alive", a->o.keep_alive_tmo },
		{ "ctrl_loss", a->o.ctrl_loss_tmo },
		{ "fast_io_fail", a->o.fast_io_fail_tmo },
	};

	metrics_family(out, "meshstor_agent_nvme_timeout_seconds", "gauge",
		       "The NVMe-oF timeouts of the agent's imports (--keep-alive-tmo, "
		       "--ctrl-loss-tmo, --fast-io-fail-tmo); -1: off (ctrl_loss: reconnect until "
		       "dropped), 0: off (fast_io_fail).");
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		_cleanup_strbuf_ struct strbuf labels = STRBUF_INIT;

		metrics_label(&labels, "timeout", t[i].name);
		metrics_sample(out, "meshstor_agent_nvme_timeout_seconds", labels.buf, t[i].value);
	}
}

void agent_write_metrics(struct agent *a, struct strbuf *out)
{
	write_passes(a, out);
	write_actions(a, out);
	write_timeouts(a, out);
	metrics_family(out, "meshstor_agent_exports", "gauge",
		       "Members this node exports over NVMe-oF, as the last pass read them.");
	metrics_sample(out, "meshstor_agent_exports", NULL,
		       (double)atomic_load(&a->counts.exports));
	metrics_family(out, "meshstor_agent_imports", "gauge",
		       "Members of other nodes this node imports, as the last pass read them.");
	metrics_sample(out, "meshstor_agent_imports", NULL,
		       (double)atomic_load(&a->counts.imports));
	metrics_family(out, "meshstor_agent_volumes", "gauge",
		       "MeshStorVolumes in the agent's cache.");
	metrics_sample(out, "meshstor_agent_volumes", NULL,
		       (double)kube_informer_count(a->volumes));
	metrics_family(out, "meshstor_agent_heartbeat_timestamp_seconds", "gauge",
		       "When the agent last renewed its Lease; 0: not yet.");
	metrics_sample(out, "meshstor_agent_heartbeat_timestamp_seconds", NULL,
		       (double)heartbeat_renewed_s(a->heartbeat));
	kube_client_write_metrics(a->client, out);
}
