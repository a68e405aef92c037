// SPDX-License-Identifier: GPL-2.0-only
/*
 * controller/topology: the placement input built from decoded MeshStorNodes,
 * MeshStorNodeDevices, MeshStorVolumes and Node labels. One table case per
 * promise of topology_build(), each printed and compared whole; then the
 * reservation sum alone, what the topology borrows, and the model fixtures.
 *
 * Inputs are written one object a line:
 *   node:   "NAME [hb=UNIX] [rdma] [nqn=Q] [id=I] [rtt=PEER:USEC]..."
 *           (heartbeat NOW unless hb= says otherwise)
 *   device: "NAME NODE SECTOR LARGEST_FREE"
 *   volume: "NODE:DRIVE:BYTES[:STATE] ...", one member each, indexed from 0;
 *           STATE is the member's status.members[] entry, none when absent
 *   label:  "NODE ZONE RACK", "-" for an absent label
 * A topology prints as "; "-separated nodes in order, each
 * "NAME [stale] [rdma] [twin=N] [zone=Z] [rack=R] [rtt=P:U]... [d=NAME:SECTOR:FREE]...".
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "controller/topology.h"
#include "model/device.h"
#include "model/node.h"
#include "model/volume.h"
#include "test-model-fixtures.h"
#include "util/cleanup.h"
#include "util/macro.h"
#include "util/parse.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "test-tokens.h"
#include "util/banned.h"

#define NOW 1000
#define TIMEOUT 180

#define LINES(...)                \
	(const char *const[])     \
	{                         \
		__VA_ARGS__, NULL \
	}

/* Cuts s at its next sep and returns what follows, or NULL when there is none. */
static char *cut_at(char *s, char sep)
{
	char *at = strchr(s, sep);

	if (!at)
		return NULL;
	*at = '\0';
	return at + 1;
}

static char *cut(char *s)
{
	return cut_at(s, ':');
}

static size_t count(const char *const *lines)
{
	size_t n = 0;

	while (lines && lines[n])
		n++;
	return n;
}

/* The objects of one case, and the input that borrows them. */
struct objects {
	struct topology_input in;
	struct mesh_node **nodes;
	struct node_device **devices;
	struct volume **volumes;
	struct node_labels *labels;
};

static struct mesh_node *node_of(const char *line)
{
	_cleanup_free_ char *copy = xstrdup(line);
	struct mesh_node *n = mesh_node_new();
	char *s = copy, *tok;

	n->meta.name = xstrdup(next_token(&s));
	n->status.heartbeat_time = NOW;
	n->status.peers = xcalloc(strlen(line) + 1, sizeof(*n->status.peers));
	while ((tok = next_token(&s))) {
		char *value = cut_at(tok, '=');

		if (strcmp(tok, "rdma") == 0)
			n->status.rdma_capable = true;
		else if (!value)
			fail_msg("fixture: node word '%s' needs a value", tok);
		else if (strcmp(tok, "hb") == 0)
			n->status.heartbeat_time = (int64_t)number(value);
		else if (strcmp(tok, "nqn") == 0)
			n->status.host_nqn = xstrdup(value);
		else if (strcmp(tok, "id") == 0)
			n->status.host_id = xstrdup(value);
		else if (strcmp(tok, "rtt") == 0) {
			char *usec = cut(value);

			if (!usec)
				fail_msg("fixture: '%s' is not rtt=PEER:USEC", line);
			n->status.peers[n->status.n_peers++] =
				(struct node_peer){ xstrdup(value), (int64_t)number(usec) };
		} else
			fail_msg("fixture: unknown node word '%s'", tok);
	}
	return n;
}

static struct node_device *device_of(const char *line)
{
	_cleanup_free_ char *copy = xstrdup(line);
	struct node_device *d = node_device_new();
	char *s = copy, *name = next_token(&s), *node = next_token(&s);
	char *sector = next_token(&s), *free_bytes = next_token(&s);

	if (!free_bytes)
		fail_msg("fixture: device '%s' needs four words", line);
	d->meta.name = xstrdup(name);
	d->spec.node_name = xstrdup(node);
	d->spec.logical_sector_size = (int32_t)number(sector);
	d->status.largest_free_extent_bytes = (int64_t)number(free_bytes);
	return d;
}

static struct volume *volume_of(const char *line)
{
	_cleanup_free_ char *copy = xstrdup(line);
	struct volume *v = volume_new();
	size_t cap = strlen(line) + 1;
	char *s = copy, *tok;

	v->spec.members = xcalloc(cap, sizeof(*v->spec.members));
	v->status.members = xcalloc(cap, sizeof(*v->status.members));
	while ((tok = next_token(&s))) {
		char *drive = cut(tok), *bytes = drive ? cut(drive) : NULL;
		char *state = bytes ? cut(bytes) : NULL;
		int32_t index = (int32_t)v->spec.n_members;

		if (!bytes)
			fail_msg("fixture: member '%s' is not NODE:DRIVE:BYTES", tok);
		v->spec.members[v->spec.n_members++] = (struct volume_member){
			.index = index,
			.node_name = xstrdup(tok),
			.drive = xstrdup(drive),
			.size_bytes = (int64_t)number(bytes),
		};
		if (state) {
			int st = member_state_from_string(state);

			if (st < 0)
				fail_msg("fixture: '%s' is not a member state", state);
			v->status.members[v->status.n_members++] =
				(struct member_status){ .index = index, .state = st };
		}
	}
	return v;
}

static const char *absent_or_dup(const char *s)
{
	return strcmp(s, "-") ? xstrdup(s) : NULL;
}

static void objects_init(struct objects *o, const char *const *nodes, const char *const *devices,
			 const char *const *volumes, const char *const *labels)
{
	*o = (struct objects){ 0 };
	o->nodes = xcalloc(count(nodes), sizeof(*o->nodes));
	for (size_t i = 0; i < count(nodes); i++)
		o->nodes[i] = node_of(nodes[i]);
	o->devices = xcalloc(count(devices), sizeof(*o->devices));
	for (size_t i = 0; i < count(devices); i++)
		o->devices[i] = device_of(devices[i]);
	o->volumes = xcalloc(count(volumes), sizeof(*o->volumes));
	for (size_t i = 0; i < count(volumes); i++)
		o->volumes[i] = volume_of(volumes[i]);
	o->labels = xcalloc(count(labels), sizeof(*o->labels));
	for (size_t i = 0; i < count(labels); i++) {
		_cleanup_free_ char *copy = xstrdup(labels[i]);
		char *s = copy, *node = next_token(&s), *zone = next_token(&s);
		char *rack = next_token(&s);

		if (!rack)
			fail_msg("fixture: label '%s' needs three words", labels[i]);
		o->labels[i] = (struct node_labels){ xstrdup(node), absent_or_dup(zone),
						     absent_or_dup(rack) };
	}
	o->in = (struct topology_input){
		.nodes = o->nodes,
		.n_nodes = count(nodes),
		.devices = o->devices,
		.n_devices = count(devices),
		.volumes = (const struct volume *const *)o->volumes,
		.n_volumes = count(volumes),
		.labels = o->labels,
		.n_labels = count(labels),
		.now = NOW,
		.heartbeat_timeout_s = TIMEOUT,
	};
}

static void objects_done(struct objects *o)
{
	for (size_t i = 0; i < o->in.n_nodes; i++)
		mesh_node_free(o->nodes[i]);
	for (size_t i = 0; i < o->in.n_devices; i++)
		node_device_free(o->devices[i]);
	for (size_t i = 0; i < o->in.n_volumes; i++)
		volume_free(o->volumes[i]);
	for (size_t i = 0; i < o->in.n_labels; i++) {
		free((char *)o->labels[i].node);
		free((char *)o->labels[i].zone);
		free((char *)o->labels[i].rack);
	}
	free(o->nodes);
	free(o->devices);
	free(o->volumes);
	free(o->labels);
}

static void format_node(const struct placement_node *n, struct strbuf *sb)
{
	strbuf_adds(sb, n->name);
	if (!n->fresh)
		strbuf_adds(sb, " stale");
	if (n->rdma)
		strbuf_adds(sb, " rdma");
	if (n->same_identity)
		strbuf_addf(sb, " twin=%s", n->same_identity);
	if (n->zone)
		strbuf_addf(sb, " zone=%s", n->zone);
	if (n->rack)
		strbuf_addf(sb, " rack=%s", n->rack);
	for (size_t p = 0; p < n->n_peers; p++)
		strbuf_addf(sb, " rtt=%s:%" PRIu64, n->peers[p].node, n->peers[p].rtt_usec);
	for (size_t d = 0; d < n->n_drives; d++)
		strbuf_addf(sb, " d=%s:%" PRIu32 ":%" PRIu64, n->drives[d].name,
			    n->drives[d].sector_size, n->drives[d].largest_free);
}

static void format_topology(const struct topology *t, struct strbuf *sb)
{
	for (size_t i = 0; i < t->n_nodes; i++) {
		if (i)
			strbuf_adds(sb, "; ");
		format_node(&t->nodes[i], sb);
	}
}

struct build_case {
	const char *title;
	const char *const *nodes, *const *devices, *const *volumes, *const *labels;
	const char *want;
};

static const struct build_case build_cases[] = {
	{ "nothing in, nothing out", NULL, NULL, NULL, NULL, "" },
	/* Drives and reservations hang off nodes: without nodes there is nothing to place on. */
	{ "devices and volumes without nodes", NULL, LINES("a0 a 4096 1000"), LINES("a:a0:100"),
	  LINES("a z1 r1"), "" },
	{ "a node with no drives", LINES("a"), NULL, NULL, NULL, "a" },
	{ "nodes keep their input order", LINES("c", "a", "b"), NULL, NULL, NULL, "c; a; b" },
	{ "each drive joins its node, in device order", LINES("a", "b"),
	  LINES("a1 a 4096 100", "b1 b 512 300", "a0 a 512 200"), NULL, NULL,
	  "a d=a1:4096:100 d=a0:512:200; b d=b1:512:300" },
	{ "a device on an unknown node is left out", LINES("a"),
	  LINES("z0 z 4096 999", "a0 a 4096 100"), NULL, NULL, "a d=a0:4096:100" },
	/* mesh_node_is_fresh(): reported, and no more than the timeout ago. */
	{ "freshness at the heartbeat timeout",
	  LINES("never hb=0", "edge hb=820", "late hb=819", "now hb=1000"), NULL, NULL, NULL,
	  "never stale; edge; late stale; now" },
	{ "rdma and each node's own peers", LINES("a rdma rtt=b:120 rtt=c:0", "b", "c rtt=a:90"),
	  NULL, NULL, NULL, "a rdma rtt=b:120 rtt=c:0; b; c rtt=a:90" },
	{ "zone and rack from the node's labels", LINES("a", "b", "c", "d"), NULL, NULL,
	  LINES("a z1 r1", "b z2 -", "c - r3", "x z9 r9"),
	  "a zone=z1 rack=r1; b zone=z2; c rack=r3; d" },
	{ "a shared host NQN or host ID names the twin",
	  LINES("a nqn=q1 id=i1", "b nqn=q1 id=i2", "c nqn=q3 id=i3", "d nqn=q4 id=i3", "e"), NULL,
	  NULL, NULL, "a twin=b; b twin=a; c twin=d; d twin=c; e" },
	/* A member its node has not reported created is taken from its drive's free extent. */
	{ "a member without status is reserved", LINES("a"), LINES("a0 a 4096 1000"),
	  LINES("a:a0:300"), NULL, "a d=a0:4096:700" },
	{ "a Requested member is reserved", LINES("a"), LINES("a0 a 4096 1000"),
	  LINES("a:a0:300:Requested"), NULL, "a d=a0:4096:700" },
	{ "created members are in the free extent already", LINES("a"), LINES("a0 a 4096 1000"),
	  LINES("a:a0:100:Created a:a0:200:Synced a:a0:300:Missing a:a0:400:Deleting"), NULL,
	  "a d=a0:4096:1000" },
	{ "reservations add up over members and volumes", LINES("a", "b"),
	  LINES("a0 a 4096 1000", "a1 a 4096 1000", "b0 b 4096 1000"),
	  LINES("a:a0:100 a:a1:10 b:b0:1:Synced", "a:a0:200:Requested a:a1:20:Created"), NULL,
	  "a d=a0:4096:700 d=a1:4096:990; b d=b0:4096:1000" },
	{ "a reservation past the free extent leaves none", LINES("a"),
	  LINES("a0 a 4096 1000", "a1 a 4096 1000"), LINES("a:a0:600 a:a0:600 a:a1:1000"), NULL,
	  "a d=a0:4096:0 d=a1:4096:0" },
	{ "a member on an unknown drive reserves nothing", LINES("a"), LINES("a0 a 4096 1000"),
	  LINES("a:gone:500 z:z0:500"), NULL, "a d=a0:4096:1000" },
	/* The drive's name is what is reserved, whatever node the member names. */
	{ "a member naming an unknown node still reserves its drive", LINES("a"),
	  LINES("a0 a 4096 1000"), LINES("z:a0:250"), NULL, "a d=a0:4096:750" },
};

static void test_build_case(void **state)
{
	const struct build_case *c = *state;
	_cleanup_strbuf_ struct strbuf got = STRBUF_INIT;
	struct objects o;
	struct topology t;

	objects_init(&o, c->nodes, c->devices, c->volumes, c->labels);
	topology_build(&o.in, &t);
	assert_int_equal(t.n_nodes, o.in.n_nodes);
	format_topology(&t, &got);
	if (strcmp(got.buf, c->want) != 0)
		fail_msg("%s:\n got: %s\nwant: %s", c->title, got.buf, c->want);
	topology_done(&t);
	objects_done(&o);
}

/* topology_reserved() alone: the bytes of uncreated members on one drive. */
static void test_reserved(void **state)
{
	/* Not static: the compound literals inside a function are automatic. */
	const struct {
		const char *const *volumes;
		const char *drive;
		int64_t want;
	} cases[] = {
		{ NULL, "a0", 0 },
		{ LINES("a:a0:100"), "a0", 100 },
		{ LINES("a:a0:100"), "a1", 0 },
		{ LINES("a:a0:100:Requested a:a0:7:Created"), "a0", 100 },
		{ LINES("a:a0:100:Syncing", "b:a0:5 b:a0:6:Requested"), "a0", 11 },
		/* Names match whole: a0 is not a prefix match for a00. */
		{ LINES("a:a00:100 a:a:100"), "a0", 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct objects o;
		int64_t got;

		objects_init(&o, NULL, NULL, cases[i].volumes, NULL);
		got = topology_reserved((const struct volume *const *)o.volumes, o.in.n_volumes,
					cases[i].drive);
		if (got != cases[i].want)
			fail_msg("case %zu: reserved %" PRId64 ", want %" PRId64, i, got,
				 cases[i].want);
		objects_done(&o);
	}
}

/* Everything is borrowed from the input; each node's drives and peers lie in the topology's. */
static void test_borrows(void **state)
{
	struct objects o;
	struct topology t;

	objects_init(&o, LINES("a rtt=b:5", "b rtt=a:6 rtt=c:7", "c"),
		     LINES("b0 b 4096 10", "a0 a 4096 10", "b1 b 4096 10"), NULL, LINES("b z1 r1"));
	topology_build(&o.in, &t);
	assert_int_equal(t.n_nodes, 3);
	for (size_t i = 0; i < 3; i++) {
		const struct placement_node *pn = &t.nodes[i];

		assert_ptr_equal(pn->name, o.nodes[i]->meta.name);
		for (size_t p = 0; p < pn->n_peers; p++) {
			assert_true(pn->peers + p >= t.peers && pn->peers + p < t.peers + 3);
			assert_ptr_equal(pn->peers[p].node, o.nodes[i]->status.peers[p].node_name);
		}
		for (size_t d = 0; d < pn->n_drives; d++)
			assert_true(pn->drives + d >= t.drives && pn->drives + d < t.drives + 3);
	}
	assert_ptr_equal(t.nodes[0].drives[0].name, o.devices[1]->meta.name);
	assert_ptr_equal(t.nodes[1].drives[0].name, o.devices[0]->meta.name);
	assert_ptr_equal(t.nodes[1].drives[1].name, o.devices[2]->meta.name);
	assert_ptr_equal(t.nodes[1].zone, o.labels[0].zone);
	assert_ptr_equal(t.nodes[1].rack, o.labels[0].rack);
	assert_int_equal(t.nodes[2].n_drives, 0);
	assert_int_equal(t.nodes[2].n_peers, 0);
	topology_done(&t);
	assert_null(t.nodes);
	assert_null(t.drives);
	assert_null(t.peers);
	assert_int_equal(t.n_nodes, 0);
	objects_done(&o);
}

/* Fully populated model objects: member 11 on node-a-serial1 has no status, so it is reserved. */
static void test_fixtures(void **state)
{
	static const struct {
		const char *drive;
		uint64_t want;
	} cases[] = {
		{ "node-a-serial0", 400ULL << 30 }, /* member 10: Synced */
		{ "node-a-serial1", (400ULL << 30) - 513ULL * 1024 * 1024 },
		{ "node-a-s1234", 400ULL << 30 }, /* no member */
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct mesh_node *node = fixture_node();
		struct node_device *dev = fixture_device();
		struct volume *vol = fixture_volume();
		const struct topology_input in = {
			.nodes = &node,
			.n_nodes = 1,
			.devices = &dev,
			.n_devices = 1,
			.volumes = (const struct volume *const *)&vol,
			.n_volumes = 1,
			.now = FIXTURE_TIME + 10,
			.heartbeat_timeout_s = 30,
		};
		struct topology t;

		fixture_set(&dev->meta.name, cases[i].drive);
		topology_build(&in, &t);
		assert_int_equal(t.n_nodes, 1);
		assert_string_equal(t.nodes[0].name, "node-a");
		assert_true(t.nodes[0].fresh);
		assert_true(t.nodes[0].rdma);
		assert_null(t.nodes[0].same_identity);
		assert_null(t.nodes[0].zone);
		assert_int_equal(t.nodes[0].n_peers, 2);
		assert_string_equal(t.nodes[0].peers[0].node, "node-b");
		assert_int_equal(t.nodes[0].peers[0].rtt_usec, 120);
		assert_int_equal(t.nodes[0].n_drives, 1);
		assert_int_equal(t.nodes[0].drives[0].sector_size, 4096);
		assert_int_equal(t.nodes[0].drives[0].largest_free, cases[i].want);
		topology_done(&t);
		volume_free(vol);
		node_device_free(dev);
		mesh_node_free(node);
	}
}

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(build_cases) + 3] = {
		cmocka_unit_test(test_reserved),
		cmocka_unit_test(test_borrows),
		cmocka_unit_test(test_fixtures),
	};

	for (size_t i = 0; i < ARRAY_SIZE(build_cases); i++)
		tests[3 + i] = (struct CMUnitTest){ .name = build_cases[i].title,
						    .test_func = test_build_case,
						    .initial_state = (void *)&build_cases[i] };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
