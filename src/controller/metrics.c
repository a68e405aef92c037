// SPDX-License-Identifier: GPL-2.0-only
/*
 * The controller's part of /metrics: every volume as its MeshStorVolume says,
 * from the informer's cache (no request per scrape), and the controller's
 * calls to the API server (docs/operations.md, "Metrics"). One series per
 * volume and metric: as many as there are volumes, and no other label
 * without a fixed set of values.
 */
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

static double members_synced(const struct volume *v)
{
	return (double)members_in(v, MEMBER_STATE_SYNCED);
}

static double degraded(const struct volume *v)
{
	return v->status.degraded;
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

void controller_write_metrics(struct controller *c, struct strbuf *out)
{
	size_t n;
	struct kube_typed **lent = kube_informer_list_typed(c->volumes, &n);
	_cleanup_free_ const struct volume **v = xcalloc(n + 1, sizeof(*v));

	for (size_t i = 0; i < n; i++)
		v[i] = kube_typed_get(lent[i]);
	write_phases(v, n, out);
	write_per_volume(v, n, "meshstor_volume_capacity_bytes", "The size a volume was given.",
			 capacity, out);
	write_per_volume(v, n, "meshstor_volume_copies", "The copies a volume keeps.", copies, out);
	write_per_volume(v, n, "meshstor_volume_copies_in_sync",
			 "Members of a volume in its array and in sync (state Synced).",
			 members_synced, out);
	write_per_volume(v, n, "meshstor_volume_degraded",
			 "1 while a volume's array runs with fewer in-sync members than copies.",
			 degraded, out);
	write_members(v, n, out);
	kube_typed_unref_all(lent, n);
	kube_client_write_metrics(c->client, out);
}
