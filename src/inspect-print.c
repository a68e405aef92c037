// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>

#include "inspect-print.h"
#include "util/cleanup.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define EVENTS_SHOWN 10

void inspect_format_bytes(int64_t bytes, struct strbuf *out)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	if (u == 0 || v >= 10 || v == (double)(int64_t)v)
		strbuf_addf(out, "%.0f %s", v, units[u]);
	else
		strbuf_addf(out, "%.1f %s", v, units[u]);
}

void inspect_format_age(int64_t t, int64_t now, struct strbuf *out)
{
	int64_t s = now > t ? now - t : 0;

	if (!t)
		strbuf_adds(out, "never");
	else if (s < 120)
		strbuf_addf(out, "%llds", (long long)s);
	else if (s < 2 * 3600)
		strbuf_addf(out, "%lldm", (long long)(s / 60));
	else if (s < 2 * 86400)
		strbuf_addf(out, "%lldh", (long long)(s / 3600));
	else
		strbuf_addf(out, "%lldd", (long long)(s / 86400));
}

/*
 * A table: rows of cells, printed left-aligned with two spaces between
 * columns. An empty cell reads "<none>", as in kubectl's tables, so that the
 * columns stay apart for a reader and for awk; but the last, a message.
 */
struct table {
	size_t n_cols;
	char **cells; /* row-major */
	size_t n_rows;
};

static void table_row(struct table *t, const char *const *cells)
{
	t->cells = xreallocarray(t->cells, (t->n_rows + 1) * t->n_cols, sizeof(*t->cells));
	for (size_t c = 0; c < t->n_cols; c++)
		t->cells[t->n_rows * t->n_cols + c] = xstrdup(cells[c] && cells[c][0] ? cells[c]
							      : c + 1 < t->n_cols     ? "<none>"
										      : "");
	t->n_rows++;
}

/* Cells are one line each: a newline or tab in a message (a hand-edited status) is a space. */
static void table_print(struct table *t, struct strbuf *out)
{
	_cleanup_free_ size_t *width = xcalloc(t->n_cols, sizeof(*width));

	for (size_t i = 0; i < t->n_rows * t->n_cols; i++) {
		for (char *p = t->cells[i]; *p; p++)
			if (*p == '\n' || *p == '\t' || *p == '\r')
				*p = ' ';
		if (strlen(t->cells[i]) > width[i % t->n_cols])
			width[i % t->n_cols] = strlen(t->cells[i]);
	}
	for (size_t r = 0; r < t->n_rows; r++) {
		size_t start = out->len;

		for (size_t c = 0; c < t->n_cols; c++)
			strbuf_addf(out, "%-*s  ", (int)width[c], t->cells[r * t->n_cols + c]);
		while (out->len > start && out->buf[out->len - 1] == ' ')
			out->buf[--out->len] = '\0';
		strbuf_addch(out, '\n');
	}
	for (size_t i = 0; i < t->n_rows * t->n_cols; i++)
		free(t->cells[i]);
	free(t->cells);
	*t = (struct table){ 0 };
}

static void print_unreadable(const struct inspect_view *v, struct strbuf *out)
{
	if (v->n_unreadable)
		strbuf_addf(
			out,
			"\n%zu object(s) did not decode and are not shown: the controller's and "
			"the agents' logs name them and say why.\n",
			v->n_unreadable);
}

static void print_nodes(const struct inspect_view *v, int64_t now, struct strbuf *out)
{
	static const char *const head[] = { "NODE",   "LEASE RENEWED", "AGENT", "ADDRESS",
					    "DRIVES", "SIZE",	       "FREE",	"MEMBERS" };
	struct table t = { .n_cols = 8 };

	table_row(&t, head);
	for (size_t i = 0; i < v->n_nodes; i++) {
		const struct mesh_node *n = v->nodes[i].node;
		_cleanup_strbuf_ struct strbuf age = STRBUF_INIT, drives = STRBUF_INIT,
					       size = STRBUF_INIT, free_b = STRBUF_INIT,
					       members = STRBUF_INIT;
		struct inspect_totals tot;

		inspect_node_totals(v, n->meta.name, &tot);
		inspect_format_age(v->nodes[i].lease_renewed, now, &age);
		if (v->nodes[i].lease_renewed)
			strbuf_adds(&age, " ago");
		strbuf_addf(&drives, "%zu", tot.drives);
		inspect_format_bytes(tot.size_bytes, &size);
		inspect_format_bytes(tot.free_bytes, &free_b);
		strbuf_addf(&members, "%zu", tot.members);
		table_row(&t, (const char *const[]){ n->meta.name, age.buf, n->status.agent_version,
						     n->status.tcp_address, drives.buf, size.buf,
						     free_b.buf, members.buf });
	}
	table_print(&t, out);
}

static void claim_of(const struct volume *v, struct strbuf *out)
{
	if (v->pvc.name)
		strbuf_addf(out, "%s/%s", v->pvc.ns ? v->pvc.ns : "", v->pvc.name);
}

/* The distinct nodes of v's members, in member order. */
static void member_nodes(const struct volume *v, struct strbuf *out)
{
	for (size_t i = 0; i < v->spec.n_members; i++) {
		const char *node = v->spec.members[i].node_name;
		bool seen = false;

		for (size_t j = 0; j < i; j++)
			seen |= strcmp(v->spec.members[j].node_name, node) == 0;
		if (!seen)
			strbuf_addf(out, "%s%s", out->len ? "," : "", node);
	}
}

static void print_volumes(const struct inspect_view *v, struct strbuf *out)
{
	static const char *const head[] = { "VOLUME", "CLAIM",	  "PHASE", "READY",
					    "COPIES", "CONSUMER", "SIZE",  "MEMBERS ON" };
	struct table t = { .n_cols = 8 };

	table_row(&t, head);
	for (size_t i = 0; i < v->n_volumes; i++) {
		const struct volume *vol = v->volumes[i];
		_cleanup_strbuf_ struct strbuf claim = STRBUF_INIT, copies = STRBUF_INIT,
					       size = STRBUF_INIT, nodes = STRBUF_INIT;

		claim_of(vol, &claim);
		strbuf_addf(&copies, "%d", vol->spec.number_of_copies);
		inspect_format_bytes(vol->spec.capacity_bytes, &size);
		member_nodes(vol, &nodes);
		table_row(&t, (const char *const[]){ vol->meta.name, claim.buf,
						     volume_phase_to_string(vol->status.phase),
						     vol->status.ready ? vol->status.ready : "0/0",
						     copies.buf, vol->spec.node_name, size.buf,
						     nodes.buf });
	}
	table_print(&t, out);
}

void inspect_print_status(const struct inspect_view *v, int64_t now, struct strbuf *out)
{
	print_nodes(v, now, out);
	strbuf_addch(out, '\n');
	if (v->n_volumes)
		print_volumes(v, out);
	else
		strbuf_adds(out, "No MeshStorVolumes.\n");
	print_unreadable(v, out);
}

static void print_members(const struct volume *vol, struct strbuf *out)
{
	static const char *const head[] = { "MEMBER", "COPY",  "NODE",	     "DRIVE",
					    "SIZE",   "STATE", "LAST EPOCH", "MESSAGE" };
	struct table t = { .n_cols = 8 };

	table_row(&t, head);
	for (size_t i = 0; i < vol->spec.n_members; i++) {
		const struct volume_member *m = &vol->spec.members[i];
		const struct member_status *st = inspect_member_status(vol, m->index);
		_cleanup_strbuf_ struct strbuf index = STRBUF_INIT, copy = STRBUF_INIT,
					       size = STRBUF_INIT, epoch = STRBUF_INIT;

		strbuf_addf(&index, "%d", m->index);
		if (vol->spec.drives_per_copy > 1)
			strbuf_addf(&copy, "%d.%d", m->copy, m->stripe);
		else
			strbuf_addf(&copy, "%d", m->copy);
		inspect_format_bytes(m->size_bytes, &size);
		if (st)
			strbuf_addf(&epoch, "%lld", (long long)st->last_epoch);
		table_row(&t, (const char *const[]){
				      index.buf, copy.buf, m->node_name, m->drive, size.buf,
				      st ? member_state_to_string(st->state) : "(not reported)",
				      epoch.buf, st ? st->message : NULL });
	}
	table_print(&t, out);
}

static void print_conditions(const struct volume *vol, struct strbuf *out)
{
	static const char *const head[] = { "CONDITION", "STATUS", "REASON", "MESSAGE" };
	struct table t = { .n_cols = 4 };

	if (!vol->status.n_conditions)
		return;
	strbuf_addch(out, '\n');
	table_row(&t, head);
	for (size_t i = 0; i < vol->status.n_conditions; i++) {
		const struct condition *c = &vol->status.conditions[i];

		table_row(&t, (const char *const[]){ c->type, condition_status_to_string(c->status),
						     c->reason, c->message });
	}
	table_print(&t, out);
}

static void print_events(const struct inspect_view *v, int64_t now, struct strbuf *out)
{
	static const char *const head[] = { "LAST SEEN", "TYPE", "REASON", "FROM", "MESSAGE" };
	size_t first = v->n_events > EVENTS_SHOWN ? v->n_events - EVENTS_SHOWN : 0;
	struct table t = { .n_cols = 5 };

	strbuf_addch(out, '\n');
	if (!v->n_events) {
		strbuf_adds(out, "No Events (they expire after an hour).\n");
		return;
	}
	table_row(&t, head);
	for (size_t i = first; i < v->n_events; i++) {
		const struct inspect_event *e = &v->events[i];
		_cleanup_strbuf_ struct strbuf age = STRBUF_INIT, msg = STRBUF_INIT;

		inspect_format_age(e->last, now, &age);
		strbuf_adds(&msg, e->message);
		if (e->count > 1)
			strbuf_addf(&msg, " (x%d)", e->count);
		table_row(&t, (const char *const[]){ age.buf, e->type, e->reason, e->component,
						     msg.buf });
	}
	table_print(&t, out);
}

void inspect_print_volume(const struct inspect_view *v, int64_t now, struct strbuf *out)
{
	const struct volume *vol = v->volumes[0];
	_cleanup_strbuf_ struct strbuf claim = STRBUF_INIT, size = STRBUF_INIT;

	claim_of(vol, &claim);
	inspect_format_bytes(vol->spec.capacity_bytes, &size);
	strbuf_addf(out, "Volume:    %s\n", vol->meta.name);
	strbuf_addf(out, "Claim:     %s\n", claim.len ? claim.buf : "(none)");
	strbuf_addf(out, "Phase:     %s, %s members active%s\n",
		    volume_phase_to_string(vol->status.phase),
		    vol->status.ready ? vol->status.ready : "0/0",
		    vol->status.degraded ? " (degraded)" : "");
	strbuf_addf(out, "Size:      %s, %d copies", size.buf, vol->spec.number_of_copies);
	if (vol->spec.drives_per_copy > 1)
		strbuf_addf(out, " of %d drives each", vol->spec.drives_per_copy);
	strbuf_addf(out, "\nConsumer:  %s (epoch %lld)",
		    vol->spec.node_name ? vol->spec.node_name : "(none)",
		    (long long)vol->spec.epoch);
	if (vol->status.node_name)
		strbuf_addf(out, "; its array is on %s", vol->status.node_name);
	strbuf_adds(out, "\n\n");
	print_members(vol, out);
	print_conditions(vol, out);
	print_events(v, now, out);
	print_unreadable(v, out);
}
