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

/*
 * s as a terminal may show it: what the API holds may be anyone's text (an
 * Event's message, a hand-edited status), so a line break or tab is a space
 * and any other control character, C1's included, is '?': an escape sequence
 * never reaches the operator's terminal.
 */
void inspect_printable(const char *s, struct strbuf *out)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\n' || *p == '\t' || *p == '\r') {
			strbuf_addch(out, ' ');
		} else if (*p < 0x20 || *p == 0x7f) {
			strbuf_addch(out, '?');
		} else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			strbuf_addch(out, '?');
			p++;
		} else {
			strbuf_addch(out, (char)*p);
		}
	}
}

/* Columns as a terminal counts them: UTF-8's continuation bytes take none. */
static size_t columns(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void table_row(struct table *t, const char *const *cells)
{
	t->cells = xreallocarray(t->cells, (t->n_rows + 1) * t->n_cols, sizeof(*t->cells));
	for (size_t c = 0; c < t->n_cols; c++) {
		struct strbuf cell = STRBUF_INIT;
		const char *text = cells[c] && cells[c][0] ? cells[c] : "";

		inspect_printable(text[0] || c + 1 == t->n_cols ? text : "<none>", &cell);
		t->cells[t->n_rows * t->n_cols + c] = strbuf_detach(&cell);
	}
	t->n_rows++;
}

static void table_print(struct table *t, struct strbuf *out)
{
	_cleanup_free_ size_t *width = xcalloc(t->n_cols, sizeof(*width));

	for (size_t i = 0; i < t->n_rows * t->n_cols; i++)
		if (columns(t->cells[i]) > width[i % t->n_cols])
			width[i % t->n_cols] = columns(t->cells[i]);
	for (size_t r = 0; r < t->n_rows; r++) {
		size_t start = out->len;

		for (size_t c = 0; c < t->n_cols; c++) {
			const char *cell = t->cells[r * t->n_cols + c];

			strbuf_addf(out, "%s%*s  ", cell, (int)(width[c] - columns(cell)), "");
		}
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
	if (v->missing.len) {
		strbuf_adds(out, "\nNot shown, as it could not be read: ");
		inspect_printable(v->missing.buf, out);
		strbuf_addch(out, '\n');
	}
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

/* "active/members" as the agent reports it; "0/members" before it does or once unassembled. */
static void ready_of(const struct volume *v, struct strbuf *out)
{
	if (v->status.ready)
		strbuf_adds(out, v->status.ready);
	else
		strbuf_addf(out, "0/%zu", v->spec.n_members);
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
					       size = STRBUF_INIT, nodes = STRBUF_INIT,
					       ready = STRBUF_INIT;

		claim_of(vol, &claim);
		ready_of(vol, &ready);
		strbuf_addf(&copies, "%d", vol->spec.number_of_copies);
		inspect_format_bytes(vol->spec.capacity_bytes, &size);
		member_nodes(vol, &nodes);
		table_row(&t, (const char *const[]){ vol->meta.name, claim.buf,
						     volume_phase_to_string(vol->status.phase),
						     ready.buf, copies.buf, vol->spec.node_name,
						     size.buf, nodes.buf });
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

/* "Label:     value\n", the value as a terminal may show it. */
static void header(struct strbuf *out, const char *label, const char *value)
{
	strbuf_addf(out, "%-11s", label);
	inspect_printable(value, out);
	strbuf_addch(out, '\n');
}

void inspect_print_volume(const struct inspect_view *v, int64_t now, struct strbuf *out)
{
	const struct volume *vol = v->volumes[0];
	_cleanup_strbuf_ struct strbuf claim = STRBUF_INIT, line = STRBUF_INIT, ready = STRBUF_INIT;

	claim_of(vol, &claim);
	ready_of(vol, &ready);
	header(out, "Volume:", vol->meta.name);
	header(out, "Claim:", claim.len ? claim.buf : "(none)");
	strbuf_addf(&line, "%s, %s members active%s", volume_phase_to_string(vol->status.phase),
		    ready.buf, vol->status.degraded ? " (degraded)" : "");
	header(out, "Phase:", line.buf);
	strbuf_reset(&line);
	inspect_format_bytes(vol->spec.capacity_bytes, &line);
	strbuf_addf(&line, ", %d copies", vol->spec.number_of_copies);
	if (vol->spec.drives_per_copy > 1)
		strbuf_addf(&line, " of %d drives each", vol->spec.drives_per_copy);
	header(out, "Size:", line.buf);
	strbuf_reset(&line);
	strbuf_addf(&line, "%s (epoch %lld)", vol->spec.node_name ? vol->spec.node_name : "(none)",
		    (long long)vol->spec.epoch);
	if (vol->status.node_name)
		strbuf_addf(&line, "; its array is on %s", vol->status.node_name);
	header(out, "Consumer:", line.buf);
	strbuf_addch(out, '\n');
	print_members(vol, out);
	print_conditions(vol, out);
	print_events(v, now, out);
	print_unreadable(v, out);
}
