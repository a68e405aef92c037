// SPDX-License-Identifier: GPL-2.0-only
/*
 * `meshstor status` and `meshstor volume`: the API's objects read once and
 * decoded; an object that does not decode is counted and left out, never
 * shown half-read. And the view written back as JSON for `-o json`.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kube/codec-common.h"
#include "kube/codec.h"
#include "kube/events.h"
#include "kube/inspect.h"
#include "kube/lease.h"
#include "util/cleanup.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Decodes each item of res with from_json into *ret (NULL-terminated), counting failures. */
#define READ_ALL(c, res, ns, type, from_json, ret, ret_n, unreadable, err)             \
	({                                                                             \
		json_t *_items = NULL, *_obj;                                          \
		size_t _i;                                                             \
		int _r = kube_list_all(c, res, ns, NULL, &_items, NULL, err);          \
		if (_r >= 0) {                                                         \
			*(ret) = xcalloc(json_array_size(_items) + 1, sizeof(type *)); \
			json_array_foreach (_items, _i, _obj)                          \
				if (from_json(_obj, &(*(ret))[*(ret_n)], NULL) == 0)   \
					(*(ret_n))++;                                  \
				else                                                   \
					(*(unreadable))++;                             \
			json_decref(_items);                                           \
		}                                                                      \
		_r;                                                                    \
	})

static int by_volume(const void *a, const void *b)
{
	return strcmp((*(struct volume *const *)a)->meta.name,
		      (*(struct volume *const *)b)->meta.name);
}

static int by_device(const void *a, const void *b)
{
	return strcmp((*(struct node_device *const *)a)->meta.name,
		      (*(struct node_device *const *)b)->meta.name);
}

static int by_node(const void *a, const void *b)
{
	return strcmp(((const struct inspect_node *)a)->node->meta.name,
		      ((const struct inspect_node *)b)->node->meta.name);
}

/* Each node's Lease's renewTime; a Lease that is not an agent's, or unreadable, is skipped. */
static int read_leases(struct kube_client *c, struct inspect_view *v, struct strbuf *err)
{
	json_t *items = NULL, *obj;
	size_t i;
	_cleanup_strbuf_ struct strbuf why = STRBUF_INIT;
	int r = kube_list_all(c, &kube_leases, KUBE_LEASE_NAMESPACE, NULL, &items, NULL, &why);

	/* The rest is worth showing without them (a role that may not list Leases). */
	if (r < 0) {
		strbuf_addf(&v->missing, "%sthe Leases (%s)", v->missing.len ? "; " : "", why.buf);
		return 0;
	}
	json_array_foreach (items, i, obj) {
		struct kube_node_lease l;
		const char *renewed = json_string_value(
			json_object_get(json_object_get(obj, "spec"), "renewTime"));
		int64_t t;

		if (kube_node_lease_read(obj, &l) < 0 || codec_time_parse(renewed, &t) < 0)
			continue;
		for (size_t n = 0; n < v->n_nodes; n++)
			if (strcmp(v->nodes[n].node->meta.name, l.node) == 0)
				v->nodes[n].lease_renewed = t;
	}
	json_decref(items);
	return 0;
}

static int read_nodes(struct kube_client *c, struct inspect_view *v, struct strbuf *err)
{
	_cleanup_free_ struct mesh_node **nodes = NULL;
	size_t n = 0;
	int r = READ_ALL(c, &kube_meshstornodes, NULL, struct mesh_node, mesh_node_from_json,
			 &nodes, &n, &v->n_unreadable, err);

	if (r < 0)
		return r;
	v->nodes = xcalloc(n + 1, sizeof(*v->nodes));
	for (size_t i = 0; i < n; i++)
		v->nodes[i].node = nodes[i];
	v->n_nodes = n;
	qsort(v->nodes, n, sizeof(*v->nodes), by_node);
	r = READ_ALL(c, &kube_meshstornodedevices, NULL, struct node_device, node_device_from_json,
		     &v->devices, &v->n_devices, &v->n_unreadable, err);
	if (r < 0)
		return r;
	qsort(v->devices, v->n_devices, sizeof(*v->devices), by_device);
	return read_leases(c, v, err);
}

int kube_inspect_cluster(struct kube_client *c, struct inspect_view *ret, struct strbuf *err)
{
	int r;

	*ret = (struct inspect_view){ .missing = STRBUF_INIT };
	r = READ_ALL(c, &kube_meshstorvolumes, NULL, struct volume, volume_from_json, &ret->volumes,
		     &ret->n_volumes, &ret->n_unreadable, err);
	if (r >= 0) {
		qsort(ret->volumes, ret->n_volumes, sizeof(*ret->volumes), by_volume);
		r = read_nodes(c, ret, err);
	}
	if (r < 0)
		inspect_view_done(ret);
	return r;
}

static const char *field(const json_t *obj, const char *object, const char *key)
{
	return json_string_value(json_object_get(object ? json_object_get(obj, object) : obj, key));
}

struct events_of {
	const char *name;
	const char *uid; /* the volume's: an Event of an earlier one of that name is not its */
	struct inspect_view *v;
};

/* When an Event was last seen: the core/v1 field, else the events.k8s.io ones. */
static int64_t last_seen(const json_t *obj)
{
	static const char *const fields[] = { "lastTimestamp", "eventTime", "firstTimestamp" };
	int64_t t = 0;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (codec_time_parse(field(obj, NULL, fields[i]), &t) == 0)
			return t;
	codec_time_parse(field(obj, "metadata", "creationTimestamp"), &t);
	return t;
}

/* One page of Events: those about the volume, kept. */
static int keep_events(json_t *items, void *userdata)
{
	struct events_of *of = userdata;
	struct inspect_view *v = of->v;
	json_t *obj;
	size_t i;

	json_array_foreach (items, i, obj) {
		const char *kind = field(obj, "involvedObject", "kind");
		const char *name = field(obj, "involvedObject", "name");
		const char *uid = field(obj, "involvedObject", "uid");
		struct inspect_event *e;

		if (!kind || strcmp(kind, "MeshStorVolume") != 0 || !name ||
		    strcmp(name, of->name) != 0 || (uid && of->uid && strcmp(uid, of->uid) != 0))
			continue;
		v->events = xreallocarray(v->events, v->n_events + 1, sizeof(*v->events));
		e = &v->events[v->n_events++];
		*e = (struct inspect_event){
			.type = xstrdup(field(obj, NULL, "type") ?: ""),
			.reason = xstrdup(field(obj, NULL, "reason") ?: ""),
			.message = xstrdup(field(obj, NULL, "message") ?: ""),
			.component = xstrdup(field(obj, "source", "component") ?: ""),
			.last = last_seen(obj),
			.count = (int32_t)json_integer_value(json_object_get(obj, "count")),
		};
	}
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const struct inspect_event *x = a, *y = b;

	return (x->last > y->last) - (x->last < y->last);
}

int kube_inspect_volume(struct kube_client *c, const char *name, struct inspect_view *ret,
			struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf why = STRBUF_INIT;
	json_t *obj = NULL;
	struct events_of of = { .name = name, .v = ret };
	int listed;
	int r;

	*ret = (struct inspect_view){ .missing = STRBUF_INIT };
	r = kube_get(c, &kube_meshstorvolumes, NULL, name, &obj, err);
	if (r < 0)
		return r;
	ret->volumes = xcalloc(2, sizeof(*ret->volumes));
	r = volume_from_json(obj, &ret->volumes[0], &why);
	json_decref(obj);
	if (r < 0) {
		strbuf_addf(err, "MeshStorVolume %s does not read: %s", name, why.buf);
		goto fail;
	}
	ret->n_volumes = 1;
	of.uid = ret->volumes[0]->meta.uid;
	r = read_nodes(c, ret, err);
	if (r < 0)
		goto fail;
	/*
	 * Every Event of the namespace, filtered here: no field selector in
	 * kube_list_each(). Events expire after an hour, so there are few.
	 */
	strbuf_reset(&why);
	listed = kube_list_each(c, &kube_events, KUBE_EVENTS_NAMESPACE, NULL, keep_events, &of,
				NULL, &why);
	if (listed < 0)
		strbuf_addf(&ret->missing, "%sthe Events (%s)", ret->missing.len ? "; " : "",
			    why.buf);
	qsort(ret->events, ret->n_events, sizeof(*ret->events), by_time);
	return 0;
fail:
	inspect_view_done(ret);
	return r;
}

void inspect_view_done(struct inspect_view *v)
{
	for (size_t i = 0; i < v->n_volumes; i++)
		volume_free(v->volumes[i]);
	for (size_t i = 0; i < v->n_nodes; i++)
		mesh_node_free(v->nodes[i].node);
	for (size_t i = 0; i < v->n_devices; i++)
		node_device_free(v->devices[i]);
	for (size_t i = 0; i < v->n_events; i++) {
		free(v->events[i].type);
		free(v->events[i].reason);
		free(v->events[i].message);
		free(v->events[i].component);
	}
	free(v->volumes);
	free(v->nodes);
	free(v->devices);
	free(v->events);
	strbuf_done(&v->missing);
	*v = (struct inspect_view){ .missing = STRBUF_INIT };
}

void inspect_node_totals(const struct inspect_view *v, const char *node, struct inspect_totals *ret)
{
	*ret = (struct inspect_totals){ 0 };
	for (size_t i = 0; i < v->n_devices; i++)
		if (strcmp(v->devices[i]->spec.node_name, node) == 0) {
			ret->drives++;
			ret->size_bytes += v->devices[i]->spec.size_bytes;
			ret->free_bytes += v->devices[i]->status.free_bytes;
		}
	for (size_t i = 0; i < v->n_volumes; i++)
		for (size_t m = 0; m < v->volumes[i]->spec.n_members; m++)
			ret->members += strcmp(v->volumes[i]->spec.members[m].node_name, node) == 0;
}

const struct member_status *inspect_member_status(const struct volume *v, int32_t index)
{
	for (size_t i = 0; i < v->status.n_members; i++)
		if (v->status.members[i].index == index)
			return &v->status.members[i];
	return NULL;
}

/* --- -o json: jansson's allocation failures end the program, as xmalloc's do. */

static json_t *checked(json_t *j)
{
	if (!j)
		abort();
	return j;
}

static void set(json_t *o, const char *key, json_t *value)
{
	if (json_object_set_new(o, key, checked(value)) < 0)
		abort();
}

static json_t *str(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* A time as the API writes it ("2026-12-07T20:00:00Z"), or null for none. */
static json_t *maybe_time(int64_t t)
{
	json_t *o, *out;

	if (!t)
		return json_null();
	o = checked(json_object());
	if (codec_set_time(o, "t", t) < 0)
		abort();
	out = json_incref(json_object_get(o, "t"));
	json_decref(o);
	return out;
}

static void append(json_t *array, json_t *value)
{
	if (json_array_append_new(array, checked(value)) < 0)
		abort();
}

static json_t *member_json(const struct volume *v, const struct volume_member *m)
{
	const struct member_status *st = inspect_member_status(v, m->index);
	json_t *o = checked(json_object());

	set(o, "index", json_integer(m->index));
	set(o, "copy", json_integer(m->copy));
	set(o, "stripe", json_integer(m->stripe));
	set(o, "nodeName", str(m->node_name));
	set(o, "drive", str(m->drive));
	set(o, "sizeBytes", json_integer(m->size_bytes));
	set(o, "state", str(st ? member_state_to_string(st->state) : NULL));
	set(o, "lastEpoch", st ? json_integer(st->last_epoch) : json_null());
	set(o, "message", str(st ? st->message : NULL));
	return o;
}

static json_t *volume_json(const struct volume *v)
{
	json_t *o = checked(json_object()), *members = checked(json_array());
	json_t *conditions = checked(json_array()), *claim = json_null();

	if (v->pvc.name) {
		claim = checked(json_object());
		set(claim, "namespace", str(v->pvc.ns));
		set(claim, "name", str(v->pvc.name));
	}
	for (size_t i = 0; i < v->spec.n_members; i++)
		append(members, member_json(v, &v->spec.members[i]));
	for (size_t i = 0; i < v->status.n_conditions; i++) {
		const struct condition *c = &v->status.conditions[i];
		json_t *j = checked(json_object());

		set(j, "type", str(c->type));
		set(j, "status", str(condition_status_to_string(c->status)));
		set(j, "reason", str(c->reason));
		set(j, "message", str(c->message));
		append(conditions, j);
	}
	set(o, "name", str(v->meta.name));
	set(o, "claim", claim);
	set(o, "phase", str(volume_phase_to_string(v->status.phase)));
	set(o, "ready", str(v->status.ready));
	set(o, "degraded", json_boolean(v->status.degraded));
	set(o, "syncPercentage", json_integer(v->status.sync_percentage));
	set(o, "capacityBytes", json_integer(v->spec.capacity_bytes));
	set(o, "numberOfCopies", json_integer(v->spec.number_of_copies));
	set(o, "drivesPerCopy", json_integer(v->spec.drives_per_copy));
	set(o, "consumer", str(v->spec.node_name));
	set(o, "arrayNode", str(v->status.node_name));
	set(o, "epoch", json_integer(v->spec.epoch));
	set(o, "members", members);
	set(o, "conditions", conditions);
	return o;
}

static json_t *node_json(const struct inspect_view *v, const struct inspect_node *n)
{
	json_t *o = checked(json_object());
	struct inspect_totals t;

	inspect_node_totals(v, n->node->meta.name, &t);
	set(o, "name", str(n->node->meta.name));
	set(o, "agentVersion", str(n->node->status.agent_version));
	set(o, "tcpAddress", str(n->node->status.tcp_address));
	set(o, "leaseRenewTime", maybe_time(n->lease_renewed));
	set(o, "drives", json_integer((json_int_t)t.drives));
	set(o, "sizeBytes", json_integer(t.size_bytes));
	set(o, "freeBytes", json_integer(t.free_bytes));
	set(o, "members", json_integer((json_int_t)t.members));
	return o;
}

static json_t *drive_json(const struct node_device *d)
{
	json_t *o = checked(json_object());

	set(o, "name", str(d->meta.name));
	set(o, "nodeName", str(d->spec.node_name));
	set(o, "path", str(d->spec.path));
	set(o, "sizeBytes", json_integer(d->spec.size_bytes));
	set(o, "freeBytes", json_integer(d->status.free_bytes));
	return o;
}

static json_t *event_json(const struct inspect_event *e)
{
	json_t *o = checked(json_object());

	set(o, "type", str(e->type));
	set(o, "reason", str(e->reason));
	set(o, "message", str(e->message));
	set(o, "component", str(e->component));
	set(o, "lastTimestamp", maybe_time(e->last));
	set(o, "count", json_integer(e->count));
	return o;
}

char *kube_inspect_json(const struct inspect_view *v)
{
	json_t *o = checked(json_object());
	json_t *volumes = checked(json_array()), *nodes = checked(json_array());
	json_t *drives = checked(json_array()), *events = checked(json_array());
	char *dumped, *text;

	for (size_t i = 0; i < v->n_volumes; i++)
		append(volumes, volume_json(v->volumes[i]));
	for (size_t i = 0; i < v->n_nodes; i++)
		append(nodes, node_json(v, &v->nodes[i]));
	for (size_t i = 0; i < v->n_devices; i++)
		append(drives, drive_json(v->devices[i]));
	for (size_t i = 0; i < v->n_events; i++)
		append(events, event_json(&v->events[i]));
	set(o, "volumes", volumes);
	set(o, "nodes", nodes);
	set(o, "drives", drives);
	set(o, "events", events);
	set(o, "unreadable", json_integer((json_int_t)v->n_unreadable));
	set(o, "notRead", str(v->missing.len ? v->missing.buf : NULL));
	dumped = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!dumped)
		abort();
	xasprintf(&text, "%s\n", dumped);
	free(dumped);
	return text;
}
