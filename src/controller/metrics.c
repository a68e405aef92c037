// SPDX-License-Identifier: GPL-2.0-only
/*
 * The controller's part of /metrics: every volume as its MeshStorVolume says,
 * every node's agent as its Lease says and every drive as its
 * MeshStorNodeDevice says, from the informers' caches (no request per scrape),
 * and the controller's calls to the API server (docs/operations.md,
 * "Metrics"). Labels name a volume, a node or a drive, or take a value from a
 * fixed set.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "controller/cache-copy.h"
#include "controller/controller.h"
#include "kube/typed.h"
#include "model/volume.h"
#include "util/cleanup.h"
#include "util/metrics.h"
#include "util/xalloc.h"
#include "util/banned.h"

static void write_phases(const struct volume *const *v, size_t n, struct strbuf *out)
{
	size_t count[_VOLUME_PHASE_MAX] = { 0 };

	for (size_t i = 0; i < n; i++)
		if ((unsigned)v[i]->status.phase < _VOLUME_PHASE_MAX)
			count[v[i]->status.phase]++;
	metrics_family(out, "meshstor_volumes", "gauge", "MeshStorVolumes, by phase.");
	for (int p = 0; p < _VOLUME_PHASE_MAX; p++) {
		_cleanup_strbuf_ struct strbuf labels = STRBUF_INIT;

		metrics_label(&labels, "phase", volume_phase_to_string((enum volume_phase)p));
		metrics_sample(out, "meshstor_volumes", labels.buf, (double)count[p]);
	}
}

static size_t members_in(const struct volume *v, enum member_state state)
{
	size_t n = 0;

	for (size_t i = 0; i < v->status.n_members; i++)
		n += v->status.members[i].state == state;
	return n;
}

/* One gauge per volume, valued by fn. */
static void write_per_volume(const struct volume *const *v, size_t n, const char *name,
			     const char *help, double (*fn)(const struct volume *v),
			     struct strbuf *out)
{
	metrics_family(out, name, "gauge", help);
	for (size_t i = 0; i < n; i++) {
		_cleanup_strbuf_ struct strbuf labels = STRBUF_INIT;

		metrics_label(&labels, "volume", v[i]->meta.name);
		metrics_sample(out, name, labels.buf, fn(v[i]));
	}
}

static double copies(const struct volume *v)
{
	return v->spec.number_of_copies;
}

static double members_active(const struct volume *v)
{
	return v->status.active_members;
}

static double members_planned(const struct volume *v)
{
	return (double)v->spec.n_members;
}

static double degraded(const struct volume *v)
{
	return v->status.degraded;
}

/* How long the volume has had a copy fewer: since its InSync condition turned False. */
static double degraded_seconds(const struct volume *v, int64_t now)
{
	for (size_t i = 0; v->status.degraded && i < v->status.n_conditions; i++) {
		const struct condition *c = &v->status.conditions[i];

		if (strcmp(c->type, VOLUME_CONDITION_IN_SYNC) == 0 &&
		    c->status == CONDITION_FALSE && c->last_transition_time > 0 &&
		    now > c->last_transition_time)
			return (double)(now - c->last_transition_time);
	}
	return 0;
}

static void write_degraded_seconds(const struct volume *const *v, size_t n, struct strbuf *out)
{
	int64_t now = time(NULL);

	metrics_family(out, "meshstor_volume_degraded_seconds", "gauge",
		       "How long a degraded volume has been so (since its InSync condition "
		       "turned False); 0 when it is not.");
	for (size_t i = 0; i < n; i++) {
		_cleanup_strbuf_ struct strbuf labels = STRBUF_INIT;

		metrics_label(&labels, "volume", v[i]->meta.name);
		metrics_sample(out, "meshstor_volume_degraded_seconds", labels.buf,
			       degraded_seconds(v[i], now));
	}
}

static double sync_ratio(const struct volume *v)
{
	return v->status.sync_percentage / 100.0;
}

static double capacity(const struct volume *v)
{
	return (double)v->spec.capacity_bytes;
}

static void write_members(const struct volume *const *v, size_t n, struct strbuf *out)
{
	metrics_family(out, "meshstor_volume_members", "gauge",
		       "Members of each volume, by the state its status gives (states "
		       "without a member are left out).");
	for (size_t i = 0; i < n; i++)
		for (int s = 0; s < _MEMBER_STATE_MAX; s++) {
			_cleanup_strbuf_ struct strbuf labels = STRBUF_INIT;
			size_t count = members_in(v[i], (enum member_state)s);

			if (!count)
				continue;
			metrics_label(&labels, "volume", v[i]->meta.name);
			metrics_label(&labels, "state",
				      member_state_to_string((enum member_state)s));
			metrics_sample(out, "meshstor_volume_members", labels.buf, (double)count);
		}
}

static void write_phase_of(const struct volume *const *v, size_t n, struct strbuf *out)
{
	metrics_family(out, "meshstor_volume_phase", "gauge",
		       "1 for each volume, labelled with its phase.");
	for (size_t i = 0; i < n; i++) {
		_cleanup_strbuf_ struct strbuf labels = STRBUF_INIT;

		metrics_label(&labels, "volume", v[i]->meta.name);
		metrics_label(&labels, "phase", volume_phase_to_string(v[i]->status.phase));
		metrics_sample(out, "meshstor_volume_phase", labels.buf, 1);
	}
}

/* Each MeshStorNode's agent as the fence judges it: its Lease, on our clock. */
static void write_nodes(struct controller *c, const struct cache_copy *s, struct strbuf *out)
{
	int64_t *silent = xcalloc(s->n_nodes + 1, sizeof(*silent));
	bool *live = xcalloc(s->n_nodes + 1, sizeof(*live));

	for (size_t i = 0; i < s->n_nodes; i++)
		live[i] = controller_node_live(c, s->nodes[i]->meta.name, &silent[i]);
	metrics_family(out, "meshstor_node_live", "gauge",
		       "1 while the node's agent renews its Lease, as the controller sees it.");
	for (size_t i = 0; i < s->n_nodes; i++) {
		_cleanup_strbuf_ struct strbuf labels = STRBUF_INIT;

		metrics_label(&labels, "node", s->nodes[i]->meta.name);
		metrics_sample(out, "meshstor_node_live", labels.buf, live[i]);
	}
	metrics_family(out, "meshstor_node_lease_silence_seconds", "gauge",
		       "Seconds since the controller saw the node's Lease renewed; -1: never.");
	for (size_t i = 0; i < s->n_nodes; i++) {
		_cleanup_strbuf_ struct strbuf labels = STRBUF_INIT;

		metrics_label(&labels, "node", s->nodes[i]->meta.name);
		metrics_sample(out, "meshstor_node_lease_silence_seconds", labels.buf,
			       (double)silent[i]);
	}
	free(silent);
	free(live);
}

static void write_drive_bytes(const struct cache_copy *s, const char *name, const char *help,
			      bool free_bytes, struct strbuf *out)
{
	metrics_family(out, name, "gauge", help);
	for (size_t i = 0; i < s->n_devices; i++) {
		const struct node_device *d = s->devices[i];
		_cleanup_strbuf_ struct strbuf labels = STRBUF_INIT;

		metrics_label(&labels, "node", d->spec.node_name);
		metrics_label(&labels, "drive", d->meta.name);
		metrics_sample(out, name, labels.buf,
			       (double)(free_bytes ? d->status.free_bytes : d->spec.size_bytes));
	}
}

void controller_write_metrics(struct controller *c, struct strbuf *out)
{
	struct cache_copy s;
	const struct volume *const *v;
	size_t n;

	cache_copy_take(c, &s);
	v = s.volumes;
	n = s.n_volumes;
	write_phases(v, n, out);
	write_phase_of(v, n, out);
	write_per_volume(v, n, "meshstor_volume_capacity_bytes", "The size a volume was given.",
			 capacity, out);
	write_per_volume(v, n, "meshstor_volume_copies", "The copies a volume keeps.", copies, out);
	write_per_volume(v, n, "meshstor_volume_members_planned",
			 "Members a volume's array has: copies times drives per copy.",
			 members_planned, out);
	write_per_volume(v, n, "meshstor_volume_members_active",
			 "Members of a volume in its assembled array, in sync and reachable, as "
			 "its consumer's agent reports; 0 when not assembled.",
			 members_active, out);
	write_per_volume(v, n, "meshstor_volume_degraded",
			 "1 while a volume's array runs with fewer active members than it has.",
			 degraded, out);
	write_degraded_seconds(v, n, out);
	write_per_volume(v, n, "meshstor_volume_sync_ratio",
			 "How far the array's resync has come, 0 to 1; 1 when in sync.", sync_ratio,
			 out);
	write_members(v, n, out);
	write_nodes(c, &s, out);
	write_drive_bytes(&s, "meshstor_drive_size_bytes", "The size of each MeshStor drive.",
			  false, out);
	write_drive_bytes(&s, "meshstor_drive_free_bytes",
			  "Bytes of each drive not in any partition.", true, out);
	cache_copy_done(&s);
	kube_client_write_metrics(c->client, out);
}
