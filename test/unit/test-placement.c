// SPDX-License-Identifier: GPL-2.0-only
/*
 * controller/placement: one table case per rule, each run on the nodes as
 * written, reversed and rotated (the answer must not depend on input order),
 * then properties over generated topologies; and the placement input's
 * shared NVMe host identities (controller/topology).
 *
 * A topology is one line per node: its name, then "stale", "rdma", "zone=Z",
 * "rack=R", "twin=NODE" (NODE publishes the same NVMe host identity),
 * "d=DRIVE:SECTOR:FREE_MIB" per drive and "rtt=PEER:USEC" per measured peer. A plan prints as
 * "node[drive,drive] node[drive]", one node per copy, in copy order.
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

#include "controller/placement.h"
#include "controller/topology.h"
#include "model/node.h"
#include "util/cleanup.h"
#include "model/volume.h"
#include "util/arena.h"
#include "util/macro.h"
#include "util/parse.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "test-tokens.h"
#include "util/banned.h"

#define MIB (1024ULL * 1024)

struct topo {
	struct arena arena;
	struct placement_node *nodes;
	size_t n;
};

/* Cuts s at its next ':' and returns what follows. */
static char *cut(char *s)
{
	char *colon = strchr(s, ':');

	if (!colon)
		fail_msg("fixture: '%s' lacks a ':'", s);
	*colon = '\0';
	return colon + 1;
}

static void parse_drive(char *s, struct placement_drive *d)
{
	char *sector = cut(s), *mib = cut(sector);

	*d = (struct placement_drive){ s, (uint32_t)number(sector), number(mib) * MIB };
}

static void parse_peer(char *s, struct placement_peer *p)
{
	char *usec = cut(s);

	*p = (struct placement_peer){ s, number(usec) };
}

static void parse_node(struct arena *a, const char *line, struct placement_node *n)
{
	char *s = arena_strdup(a, line), *tok;
	size_t max = strlen(line) / 2 + 1; /* more than there can be tokens */
	struct placement_drive *d = arena_new_array(a, struct placement_drive, max);
	struct placement_peer *p = arena_new_array(a, struct placement_peer, max);

	*n = (struct placement_node){ .name = next_token(&s), .fresh = true };
	n->drives = d;
	n->peers = p;
	while ((tok = next_token(&s))) {
		if (strcmp(tok, "stale") == 0)
			n->fresh = false;
		else if (strcmp(tok, "rdma") == 0)
			n->rdma = true;
		else if (strncmp(tok, "zone=", 5) == 0)
			n->zone = tok + 5;
		else if (strncmp(tok, "rack=", 5) == 0)
			n->rack = tok + 5;
		else if (strncmp(tok, "twin=", 5) == 0)
			n->same_identity = tok + 5;
		else if (strncmp(tok, "d=", 2) == 0)
			parse_drive(tok + 2, &d[n->n_drives++]);
		else if (strncmp(tok, "rtt=", 4) == 0)
			parse_peer(tok + 4, &p[n->n_peers++]);
		else
			fail_msg("fixture: bad token '%s'", tok);
	}
}

static void topo_parse(const char *const *lines, struct topo *t)
{
	*t = (struct topo){ ARENA_INIT, NULL, 0 };
	while (lines && lines[t->n])
		t->n++;
	t->nodes = arena_new_array(&t->arena, struct placement_node, t->n);
	for (size_t i = 0; i < t->n; i++)
		parse_node(&t->arena, lines[i], &t->nodes[i]);
}

/* The nodes as given (0), reversed (1), or rotated by one (2). */
static struct placement_node *reorder(const struct topo *t, int order)
{
	struct placement_node *v = xcalloc(t->n + 1, sizeof(*v));

	for (size_t i = 0; i < t->n; i++) {
		size_t from = order == 0 ? i : order == 1 ? t->n - 1 - i : (i + 1) % t->n;

		v[i] = t->nodes[from];
	}
	return v;
}

static const struct placement_node *node_named(const struct placement_node *nodes, size_t n,
					       const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(nodes[i].name, name) == 0)
			return &nodes[i];
	fail_msg("plan names node '%s', which is not in the input", name);
	return NULL;
}

static bool in_avoid(const struct placement_request *r, const char *name)
{
	for (const char *const *a = r->avoid_nodes; a && *a; a++)
		if (strcmp(*a, name) == 0)
			return true;
	return false;
}

static unsigned fitting_drives(const struct placement_request *r, const struct placement_node *n)
{
	unsigned k = 0;

	for (size_t i = 0; i < n->n_drives; i++)
		k += n->drives[i].sector_size == r->sector_size &&
		     n->drives[i].largest_free >= r->member_bytes;
	return k;
}

static bool eligible(const struct placement_request *r, const struct placement_node *n)
{
	return n->fresh && !n->same_identity && !in_avoid(r, n->name) &&
	       fitting_drives(r, n) >= r->drives_per_copy;
}

/* The request at the size the plan took: its own, or the members' when it matches the drives. */
static struct placement_request sized(const struct placement_request *r,
				      const struct placement_member *m)
{
	struct placement_request s = *r;

	if (!s.sector_size)
		s.sector_size = m[0].sector_size;
	return s;
}

static void check_member(const struct placement_request *r, const struct placement_node *n,
			 const struct placement_member *m)
{
	const struct placement_drive *d = NULL;

	for (size_t i = 0; i < n->n_drives; i++)
		if (strcmp(n->drives[i].name, m->drive) == 0)
			d = &n->drives[i];
	if (!d)
		fail_msg("drive %s is not on node %s", m->drive, n->name);
	assert_true(eligible(r, n));
	assert_int_equal(d->sector_size, r->sector_size);
	assert_int_equal(m->sector_size, d->sector_size);
	assert_true(d->largest_free >= r->member_bytes);
}

/* Every rule a successful plan must keep, checked from the input alone. */
static void check_plan(const struct placement_request *req, const struct placement_node *nodes,
		       size_t n, const struct placement_member *m)
{
	unsigned dpc = req->drives_per_copy, total = req->copies * dpc;
	const struct placement_node *consumer = NULL;
	/* Every member of one sector size, the request's when it names one. */
	const struct placement_request sr = sized(req, m), *r = &sr;

	assert_true(r->sector_size == 512 || r->sector_size == 4096);

	for (unsigned i = 0; i < total; i++) {
		assert_int_equal(m[i].copy, i / dpc);
		assert_int_equal(m[i].stripe, i % dpc);
		check_member(r, node_named(nodes, n, m[i].node), &m[i]);
		for (unsigned j = 0; j < i; j++) {
			bool same_copy = m[i].copy == m[j].copy;

			assert_true(strcmp(m[i].drive, m[j].drive) != 0);
			assert_int_equal(strcmp(m[i].node, m[j].node) == 0, same_copy);
		}
	}
	for (size_t i = 0; r->consumer && i < n; i++)
		if (strcmp(nodes[i].name, r->consumer) == 0)
			consumer = &nodes[i];
	if (consumer && eligible(r, consumer))
		assert_string_equal(m[0].node, r->consumer);
}

static void format_plan(const struct placement_request *r, const struct placement_member *m,
			struct strbuf *sb)
{
	for (unsigned i = 0; i < r->copies * r->drives_per_copy; i++) {
		if (m[i].stripe == 0)
			strbuf_addf(sb, "%s%s[", i ? "] " : "", m[i].node);
		else
			strbuf_addch(sb, ',');
		strbuf_adds(sb, m[i].drive);
	}
	strbuf_addch(sb, ']');
	/* The size taken, where the request left it to the drives. */
	if (!r->sector_size)
		strbuf_addf(sb, " @%" PRIu32, m[0].sector_size);
}

struct plan_case {
	const char *title;
	const char *const *topo; /* NULL-terminated node lines */
	struct placement_request req;
	int ret;
	const char *want; /* the plan on success, else the whole of why */
};

#define TOPO(...)                 \
	(const char *const[])     \
	{                         \
		__VA_ARGS__, NULL \
	}
#define AVOID(...) TOPO(__VA_ARGS__)
/* member_bytes in MiB, copies, drives per copy, sector size, then optional fields. */
#define REQ(mib, c, dpc, sector, ...)                                           \
	{                                                                       \
		.member_bytes = (mib)*MIB, .copies = c, .drives_per_copy = dpc, \
		.sector_size = sector, __VA_ARGS__                              \
	}

static const struct plan_case plan_cases[] = {
	/* Copies go to distinct nodes; a node with room for both still holds one. */
	{ "copies on distinct nodes", TOPO("a d=a0:4096:10240 d=a1:4096:10240", "b d=b0:4096:2048"),
	  REQ(1024, 2, 1, 4096), 0, "a[a0] b[b0]" },
	{ "one node cannot hold two copies", TOPO("a d=a0:4096:10240 d=a1:4096:10240"),
	  REQ(1024, 2, 1, 4096), -ENOSPC,
	  "need 2 nodes with a free 4096-byte-sector drive of at least 1024 MiB; found 1 (a)" },
	/* The consumer takes copy 0, although it ranks last. */
	{ "consumer gets copy 0", TOPO("a d=a0:4096:10240", "b d=b0:4096:4096", "c d=c0:4096:2048"),
	  REQ(1024, 2, 1, 4096, .consumer = "c"), 0, "c[c0] a[a0]" },
	{ "copies=1 goes to the consumer", TOPO("a rdma d=a0:4096:10240", "b d=b0:4096:2048"),
	  REQ(1024, 1, 1, 4096, .consumer = "b"), 0, "b[b0]" },
	/* An ineligible consumer: normal ranking, still by RTT to the consumer. */
	{ "stale consumer: ranked by RTT to it",
	  TOPO("a d=a0:4096:10240", "b d=b0:4096:4096",
	       "c stale d=c0:4096:10240 rtt=a:900 rtt=b:100"),
	  REQ(1024, 2, 1, 4096, .consumer = "c"), 0, "b[b0] a[a0]" },
	{ "consumer without a fitting drive",
	  TOPO("a d=a0:4096:10240", "b d=b0:4096:4096", "c d=c0:4096:512 rtt=b:60 rtt=a:700"),
	  REQ(1024, 2, 1, 4096, .consumer = "c"), 0, "b[b0] a[a0]" },
	/* Eligibility; each excluded node would otherwise rank first. */
	{ "stale heartbeat excluded",
	  TOPO("a stale rdma d=a0:4096:99999", "b d=b0:4096:2048", "c d=c0:4096:2048"),
	  REQ(1024, 2, 1, 4096), 0, "b[b0] c[c0]" },
	{ "wrong sector size excluded",
	  TOPO("a rdma d=a0:512:99999", "b d=b0:4096:2048", "c d=c0:4096:2048"),
	  REQ(1024, 2, 1, 4096), 0, "b[b0] c[c0]" },
	{ "512-byte sectors", TOPO("a rdma d=a0:512:99999", "b d=b0:4096:2048"),
	  REQ(1024, 1, 1, 512), 0, "a[a0]" },
	{ "too small excluded, exact fit taken",
	  TOPO("a rdma d=a0:4096:1023", "b d=b0:4096:1024", "c d=c0:4096:5000"),
	  REQ(1024, 2, 1, 4096), 0, "c[c0] b[b0]" },
	{ "avoid_nodes honoured",
	  TOPO("a rdma d=a0:4096:9000", "b d=b0:4096:5000", "c d=c0:4096:2048"),
	  REQ(1024, 2, 1, 4096, .avoid_nodes = AVOID("a")), 0, "b[b0] c[c0]" },
	{ "avoided consumer does not get copy 0",
	  TOPO("a d=a0:4096:9000", "b d=b0:4096:5000", "c d=c0:4096:2048"),
	  REQ(1024, 2, 1, 4096, .consumer = "a", .avoid_nodes = AVOID("a")), 0, "b[b0] c[c0]" },
	/*
	 * A shared NVMe host identity: its agent exports nothing, so nothing is
	 * placed there, however well it ranks, stale or fresh twin alike.
	 */
	{ "shared host identity excluded",
	  TOPO("a rdma twin=b d=a0:4096:99999", "b rdma twin=a d=b0:4096:99999", "c d=c0:4096:2048",
	       "d d=d0:4096:2048"),
	  REQ(1024, 2, 1, 4096), 0, "c[c0] d[d0]" },
	{ "consumer sharing its identity does not get copy 0",
	  TOPO("a twin=s d=a0:4096:9000 rtt=b:900 rtt=c:100", "s stale twin=a", "b d=b0:4096:9000",
	       "c d=c0:4096:2048"),
	  REQ(1024, 2, 1, 4096, .consumer = "a"), 0, "c[c0] b[b0]" },
	{ "ENOSPC names the node a shared identity keeps out",
	  TOPO("a twin=b d=a0:4096:2048", "b twin=a d=b0:4096:2048", "c d=c0:4096:2048"),
	  REQ(1024, 2, 1, 4096), -ENOSPC,
	  "need 2 nodes with a free 4096-byte-sector drive of at least 1024 MiB; found 1 (c). "
	  "a: publishes the same NVMe host NQN or host ID as b (give one of them a new "
	  "/etc/nvme/hostnqn and hostid pair); b: publishes the same NVMe host NQN or host ID "
	  "as a (give one of them a new /etc/nvme/hostnqn and hostid pair)" },
	/* Ranking. */
	{ "RDMA preferred over free space", TOPO("a d=a0:4096:90000", "b rdma d=b0:4096:2048"),
	  REQ(1024, 1, 1, 4096), 0, "b[b0]" },
	{ "lower RTT to the consumer first, unmeasured last",
	  TOPO("x d=x0:4096:2048 rtt=a:400 rtt=b:100", "a d=a0:4096:4000", "b d=b0:4096:3000",
	       "c d=c0:4096:9000"),
	  REQ(1024, 4, 1, 4096, .consumer = "x"), 0, "x[x0] b[b0] a[a0] c[c0]" },
	{ "RTT as measured by the candidate",
	  TOPO("x d=x0:4096:2048", "a d=a0:4096:2048 rtt=x:100", "b d=b0:4096:9000 rtt=x:300",
	       "c d=c0:4096:9999"),
	  REQ(1024, 3, 1, 4096, .consumer = "x"), 0, "x[x0] a[a0] b[b0]" },
	{ "no consumer: RTT to copy 0's node",
	  TOPO("p rdma d=p0:4096:2048 rtt=a:500 rtt=b:100", "a d=a0:4096:9000", "b d=b0:4096:3000"),
	  REQ(1024, 2, 1, 4096), 0, "p[p0] b[b0]" },
	{ "RTT within one step: more free space wins",
	  TOPO("x d=x0:4096:2048 rtt=a:110 rtt=b:120", "a d=a0:4096:2048", "b d=b0:4096:3000"),
	  REQ(1024, 2, 1, 4096, .consumer = "x"), 0, "x[x0] b[b0]" },
	{ "RTT a step apart: lower RTT wins",
	  TOPO("x d=x0:4096:2048 rtt=a:90 rtt=b:120", "a d=a0:4096:2048", "b d=b0:4096:3000"),
	  REQ(1024, 2, 1, 4096, .consumer = "x"), 0, "x[x0] a[a0]" },
	{ "equal nodes: by name", TOPO("c d=c0:4096:2048", "b d=b0:4096:2048", "a d=a0:4096:2048"),
	  REQ(1024, 2, 1, 4096), 0, "a[a0] b[b0]" },
	/* Failure domains before RDMA and RTT. */
	{ "zone spread beats RDMA and RTT",
	  TOPO("a zone=z1 d=a0:4096:2048 rtt=b:50 rtt=c:900", "b zone=z1 rdma d=b0:4096:9000",
	       "c zone=z2 d=c0:4096:2048"),
	  REQ(1024, 2, 1, 4096, .consumer = "a"), 0, "a[a0] c[c0]" },
	{ "rack spread once zones run out",
	  TOPO("a zone=z1 rack=r1 d=a0:4096:2048", "b zone=z1 rack=r1 rdma d=b0:4096:9000",
	       "c zone=z2 rack=r1 d=c0:4096:2048", "d zone=z1 rack=r2 d=d0:4096:2048"),
	  REQ(1024, 3, 1, 4096, .consumer = "a"), 0, "a[a0] c[c0] d[d0]" },
	{ "zone before rack",
	  TOPO("a zone=z1 rack=r1 d=a0:4096:2048", "x zone=z2 d=x0:4096:2048",
	       "y zone=z1 rack=r2 rdma d=y0:4096:9000"),
	  REQ(1024, 2, 1, 4096, .consumer = "a"), 0, "a[a0] x[x0]" },
	{ "unlabelled node beats a used zone",
	  TOPO("a zone=z1 d=a0:4096:2048", "b zone=z1 rdma d=b0:4096:9000", "u d=u0:4096:2048"),
	  REQ(1024, 2, 1, 4096, .consumer = "a"), 0, "a[a0] u[u0]" },
	/* drivesPerCopy. */
	{ "drivesPerCopy=2: two distinct drives, largest first",
	  TOPO("a d=a0:4096:3000 d=a1:4096:5000 d=a2:4096:4000 d=a3:512:9999",
	       "b d=b0:4096:2048 d=b1:4096:2048", "c rdma d=c0:4096:99999"),
	  REQ(2048, 2, 2, 4096), 0, "a[a1,a2] b[b0,b1]" },
	{ "drivesPerCopy=3, one copy", TOPO("a d=a0:4096:3000 d=a1:4096:3000 d=a2:4096:3000"),
	  REQ(3000, 1, 3, 4096), 0, "a[a0,a1,a2]" },
	/* What is missing, said so an operator can act on it. */
	{ "ENOSPC names each node's problem",
	  TOPO("node-a d=a0:4096:2048", "node-b stale d=b0:4096:2048", "node-c d=c0:4096:512"),
	  REQ(1024, 2, 1, 4096), -ENOSPC,
	  "need 2 nodes with a free 4096-byte-sector drive of at least 1024 MiB; found 1 (node-a). "
	  "node-b: heartbeat stale; node-c: largest free extent 512 MiB" },
	{ "ENOSPC with drivesPerCopy=2",
	  TOPO("a d=a0:4096:2048 d=a1:4096:100", "b d=b0:4096:2048",
	       "c d=c0:512:9999 d=c1:512:9999", "d", "e d=e0:4096:2048 d=e1:4096:2048"),
	  REQ(1024, 2, 2, 4096, .avoid_nodes = AVOID("e")), -ENOSPC,
	  "need 2 nodes with 2 free 4096-byte-sector drives of at least 1024 MiB each; found 0. "
	  "a: only 1 drive with 1024 MiB free, needs 2; b: only 1 4096-byte-sector drive, needs 2; "
	  "c: no 4096-byte-sector drive; d: no drives; e: excluded for this volume" },
	{ "ENOSPC lists the nodes found by name", TOPO("b d=b0:4096:2048", "a d=a0:4096:2048"),
	  REQ(1024, 3, 1, 4096), -ENOSPC,
	  "need 3 nodes with a free 4096-byte-sector drive of at least 1024 MiB; found 2 (a, b)" },
	{ "ENOSPC without nodes", NULL, REQ(1, 1, 1, 512), -ENOSPC,
	  "need 1 node with a free 512-byte-sector drive of at least 1 MiB; found 0: "
	  "no MeshStorNode is known" },
	{ "ENOSPC counts what it does not name",
	  TOPO("n00 stale", "n01 stale", "n02 stale", "n03 stale", "n04 stale", "n05 stale",
	       "n06 stale", "n07 stale", "n08 stale", "n09 stale", "n10 stale", "n11 stale",
	       "n12 d=x:4096:1", "n13 d=y:4096:1", "n14 d=z:512:9999", "ok d=ok0:4096:9999"),
	  REQ(1024, 3, 1, 4096), -ENOSPC,
	  "need 3 nodes with a free 4096-byte-sector drive of at least 1024 MiB; found 1 (ok). "
	  "n00: heartbeat stale; n01: heartbeat stale; n02: heartbeat stale; "
	  "n03: heartbeat stale; n04: heartbeat stale; n05: heartbeat stale; "
	  "n06: heartbeat stale; n07: heartbeat stale; n08: heartbeat stale; "
	  "n09: heartbeat stale; and 5 more: 2 heartbeat stale, "
	  "1 too few drives of the sector size, 2 too little free space" },
	{ "ENOSPC counts shared identities",
	  TOPO("n00 stale", "n01 stale", "n02 stale", "n03 stale", "n04 stale", "n05 stale",
	       "n06 stale", "n07 stale", "n08 stale", "n09 stale", "n10 twin=n11 d=x:4096:9999",
	       "n11 twin=n10 d=y:4096:9999", "ok d=ok0:4096:9999"),
	  REQ(1024, 2, 1, 4096), -ENOSPC,
	  "need 2 nodes with a free 4096-byte-sector drive of at least 1024 MiB; found 1 (ok). "
	  "n00: heartbeat stale; n01: heartbeat stale; n02: heartbeat stale; "
	  "n03: heartbeat stale; n04: heartbeat stale; n05: heartbeat stale; "
	  "n06: heartbeat stale; n07: heartbeat stale; n08: heartbeat stale; "
	  "n09: heartbeat stale; and 2 more: 2 NVMe host identity shared with another node" },
	/* Malformed requests. */
	{ "EINVAL sector size", TOPO("a d=a0:4096:2048"), REQ(1, 1, 1, 520), -EINVAL,
	  "sectorSize must be 512 or 4096, got 520" },
	{ "EINVAL no copies", TOPO("a d=a0:4096:2048"), REQ(1, 0, 1, 4096), -EINVAL,
	  "numberOfCopies must be between 1 and 8, got 0" },
	{ "EINVAL too many copies", TOPO("a d=a0:4096:2048"), REQ(1, 9, 1, 4096), -EINVAL,
	  "numberOfCopies must be between 1 and 8, got 9" },
	{ "EINVAL no drives per copy", TOPO("a d=a0:4096:2048"), REQ(1, 1, 0, 4096), -EINVAL,
	  "drivesPerCopy must be between 1 and 16, got 0" },
	{ "EINVAL too many drives per copy", TOPO("a d=a0:4096:2048"), REQ(1, 1, 17, 4096), -EINVAL,
	  "drivesPerCopy must be between 1 and 16, got 17" },
	{ "EINVAL empty member", TOPO("a d=a0:4096:2048"), REQ(0, 1, 1, 4096), -EINVAL,
	  "member size must be a positive multiple of the 4096-byte sector size, got 0 bytes" },
	{ "EINVAL member not whole sectors",
	  TOPO("a d=a0:4096:2048"),
	  { .member_bytes = 3 * 4096 + 512,
	    .copies = 1,
	    .drives_per_copy = 1,
	    .sector_size = 4096 },
	  -EINVAL,
	  "member size must be a positive multiple of the 4096-byte sector size, got 12800 bytes" },
	{ "EINVAL node listed twice", TOPO("a d=a0:4096:2048", "a d=a1:4096:2048"),
	  REQ(1, 1, 1, 4096), -EINVAL, "node a is listed twice" },
	/*
	 * sectorSize unset: match the drives. 512-byte drives alone are placed
	 * (a default of 4096 refused them all), all members alike.
	 */
	{ "match: 512-byte drives", TOPO("a d=a0:512:2048", "b d=b0:512:2048"), REQ(1024, 2, 1, 0),
	  0, "a[a0] b[b0] @512" },
	{ "match: 4096 first when both fit",
	  TOPO("a d=a0:512:9999 d=a1:4096:2048", "b d=b0:512:9999 d=b1:4096:2048"),
	  REQ(1024, 2, 1, 0), 0, "a[a1] b[b1] @4096" },
	/* The consumer's size first, so copy 0 lands on it, though 4096 has more room. */
	{ "match: the consumer's size",
	  TOPO("a d=a0:4096:9999", "b d=b0:4096:9999", "c d=c0:512:2048", "d d=d0:512:2048"),
	  REQ(1024, 2, 1, 0, .consumer = "c"), 0, "c[c0] d[d0] @512" },
	{ "match: the consumer with both sizes takes 4096",
	  TOPO("a d=a0:4096:9999", "b d=b0:512:9999", "c d=c0:512:2048 d=c1:4096:2048"),
	  REQ(1024, 2, 1, 0, .consumer = "c"), 0, "c[c1] a[a0] @4096" },
	/* Its size cannot place the volume: the other can, away from the consumer. */
	{ "match: the consumer's size is too few",
	  TOPO("a d=a0:4096:9999", "b d=b0:4096:9999", "c d=c0:512:2048"),
	  REQ(1024, 2, 1, 0, .consumer = "c"), 0, "a[a0] b[b0] @4096" },
	/* Never one member of each size. */
	{ "match: never mixed", TOPO("a d=a0:4096:2048", "b d=b0:512:2048"), REQ(1024, 2, 1, 0),
	  -ENOSPC,
	  "a volume's members all have one sector size, and none has room: "
	  "need 2 nodes with a free 4096-byte-sector drive of at least 1024 MiB; found 1 (a). "
	  "b: no 4096-byte-sector drive; or "
	  "need 2 nodes with a free 512-byte-sector drive of at least 1024 MiB; found 1 (b). "
	  "a: no 512-byte-sector drive" },
	/* Not within a copy either: the stripes of a copy have one size. */
	{ "match: a copy's stripes alike",
	  TOPO("a d=a0:4096:2048 d=a1:512:2048", "b d=b0:4096:2048 d=b1:4096:2048"),
	  REQ(1024, 1, 2, 0, .consumer = "a"), 0, "b[b0,b1] @4096" },
};

static void test_plan_case(void **state)
{
	const struct plan_case *tc = *state;
	struct topo t;

	topo_parse(tc->topo, &t);
	for (int order = 0; order < 3; order++) {
		_cleanup_strbuf_ struct strbuf why = STRBUF_INIT, got = STRBUF_INIT;
		struct placement_member ret[VOLUME_MEMBERS_MAX], untouched[VOLUME_MEMBERS_MAX];
		struct placement_node *nodes = reorder(&t, order);
		int r;

		memset(ret, 0xa5, sizeof(ret));
		memcpy(untouched, ret, sizeof(ret));
		r = placement_plan(&tc->req, nodes, t.n, ret, &why);
		if (r != tc->ret)
			fail_msg("order %d: returned %d, want %d (%s)", order, r, tc->ret, why.buf);
		if (r == 0) {
			check_plan(&tc->req, nodes, t.n, ret);
			format_plan(&tc->req, ret, &got);
		} else {
			assert_memory_equal(ret, untouched, sizeof(ret));
			strbuf_adds(&got, why.buf);
		}
		if (strcmp(got.buf, tc->want) != 0)
			fail_msg("order %d:\n got: %s\nwant: %s", order, got.buf, tc->want);
		free(nodes);
	}
	arena_done(&t.arena);
}

/* Deterministic pseudo-random numbers (PCG's LCG step, high bits). */
static uint32_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 33);
}

static void gen_node(struct arena *a, uint64_t *s, struct placement_node *nodes, size_t n, size_t i)
{
	static const char *const zones[] = { "z1", "z2", "z3" }, *const racks[] = { "r1", "r2" };
	struct placement_node *nd = &nodes[i];
	struct placement_drive *d = arena_new_array(a, struct placement_drive, 4);
	struct placement_peer *p = arena_new_array(a, struct placement_peer, n);

	nd->fresh = rnd(s) % 8 != 0;
	nd->rdma = rnd(s) % 3 == 0;
	nd->zone = rnd(s) % 4 ? zones[rnd(s) % 3] : NULL;
	nd->rack = rnd(s) % 2 ? racks[rnd(s) % 2] : NULL;
	nd->n_drives = rnd(s) % 5;
	for (size_t j = 0; j < nd->n_drives; j++)
		d[j] = (struct placement_drive){ arena_printf(a, "%s-d%zu", nd->name, j),
						 rnd(s) % 5 ? 4096 : 512,
						 (uint64_t)(rnd(s) % 400000) * MIB / 7 +
							 rnd(s) % 4096 };
	for (size_t j = 0; j < n; j++)
		if (j != i && rnd(s) % 4)
			p[nd->n_peers++] =
				(struct placement_peer){ nodes[j].name, 20 + rnd(s) % 900 };
	nd->drives = d;
	nd->peers = p;
}

static void gen_topo(uint64_t seed, size_t n, struct topo *t)
{
	*t = (struct topo){ ARENA_INIT, NULL, n };
	t->nodes = arena_new_array(&t->arena, struct placement_node, n);
	for (size_t i = 0; i < n; i++)
		t->nodes[i].name = arena_printf(&t->arena, "n%03zu", i);
	for (size_t i = 0; i < n; i++)
		gen_node(&t->arena, &seed, t->nodes, n, i);
	/* Every tenth node shares its identity with the one before: both are out. */
	for (size_t i = 9; i < n; i += 10) {
		t->nodes[i].same_identity = t->nodes[i - 1].name;
		t->nodes[i - 1].same_identity = t->nodes[i].name;
	}
}

static struct placement_request gen_shape(uint64_t *s, const struct topo *t, const char **avoid)
{
	static const uint32_t sizes[] = { 4096, 4096, 512, 0 }; /* 0: match the drives */
	struct placement_request r = { .copies = 1 + rnd(s) % 4,
				       .drives_per_copy = 1 + rnd(s) % 3,
				       .sector_size = sizes[rnd(s) % 4] };

	if (rnd(s) % 2)
		r.consumer = t->nodes[rnd(s) % t->n].name;
	if (rnd(s) % 3 == 0) {
		avoid[0] = t->nodes[rnd(s) % t->n].name;
		r.avoid_nodes = avoid;
	}
	return r;
}

/* member_bytes = capacity is placed, capacity + 1 MiB is not. */
static bool check_capacity(struct placement_request *r, const struct topo *t)
{
	struct placement_member ret[VOLUME_MEMBERS_MAX];
	_cleanup_strbuf_ struct strbuf why = STRBUF_INIT;
	uint64_t cap = placement_capacity(r, t->nodes, t->n);

	assert_int_equal(cap % MIB, 0);
	if (cap > 0) {
		r->member_bytes = cap;
		if (placement_plan(r, t->nodes, t->n, ret, &why) != 0)
			fail_msg("capacity %" PRIu64 " does not place: %s", cap, why.buf);
		check_plan(r, t->nodes, t->n, ret);
	}
	r->member_bytes = cap + MIB;
	assert_int_equal(placement_plan(r, t->nodes, t->n, ret, &why), -ENOSPC);
	return cap > 0;
}

static void test_capacity_consistent(void **state)
{
	unsigned placed = 0, full = 0;

	for (uint64_t seed = 1; seed <= 300; seed++) {
		const char *avoid[2] = { NULL, NULL };
		uint64_t s = seed * 7919;
		struct topo t;
		struct placement_request r;

		gen_topo(seed, 1 + seed % 12, &t);
		r = gen_shape(&s, &t, avoid);
		if (check_capacity(&r, &t))
			placed++;
		else
			full++;
		arena_done(&t.arena);
	}
	/* Both outcomes occur, or the property was not exercised. */
	assert_true(placed > 50);
	assert_true(full > 20);
}

static void test_capacity_shape(void **state)
{
	const char *const avoid[] = { "b", NULL };
	struct topo t;
	struct placement_request r = REQ(0, 2, 1, 4096);

	topo_parse(TOPO("a d=a0:4096:5000 d=a1:4096:8000", "b d=b0:4096:3000",
			"c d=c0:4096:1000 d=c1:512:9000", "s stale d=s0:4096:9999",
			"t twin=u d=t0:4096:9999 d=t1:4096:9999 d=t2:512:9999", "u stale twin=t"),
		   &t);
	assert_int_equal(placement_capacity(&r, t.nodes, t.n), 3000 * MIB);
	r.copies = 3;
	assert_int_equal(placement_capacity(&r, t.nodes, t.n), 1000 * MIB);
	r.copies = 4; /* only three fresh nodes that share no identity */
	assert_int_equal(placement_capacity(&r, t.nodes, t.n), 0);
	r.copies = 2;
	r.avoid_nodes = avoid;
	assert_int_equal(placement_capacity(&r, t.nodes, t.n), 1000 * MIB);
	r.avoid_nodes = NULL;
	r.drives_per_copy = 2; /* only a has two 4096-byte drives */
	r.copies = 1;
	assert_int_equal(placement_capacity(&r, t.nodes, t.n), 5000 * MIB);
	r.sector_size = 512;
	r.drives_per_copy = 1;
	assert_int_equal(placement_capacity(&r, t.nodes, t.n), 9000 * MIB);
	r.sector_size = 520;
	assert_int_equal(placement_capacity(&r, t.nodes, t.n), 0);
	/* Matching the drives: the better of the two sizes. */
	r.sector_size = 0;
	assert_int_equal(placement_capacity(&r, t.nodes, t.n), 9000 * MIB);
	r.copies = 2; /* 512 has one node only */
	assert_int_equal(placement_capacity(&r, t.nodes, t.n), 3000 * MIB);
	arena_done(&t.arena);
}

/* The plan, or why there is none. */
static int plan_text(const struct placement_request *r, const struct topo *t, struct strbuf *out)
{
	struct placement_member ret[VOLUME_MEMBERS_MAX];
	int e = placement_plan(r, t->nodes, t->n, ret, out);

	if (e == 0) {
		check_plan(r, t->nodes, t->n, ret);
		format_plan(r, ret, out);
	}
	return e;
}

/* The same nodes in any order give the same answer, for many topologies and shapes. */
static void test_shuffled_input(void **state)
{
	unsigned placed = 0;

	for (uint64_t seed = 1; seed <= 40; seed++) {
		_cleanup_strbuf_ struct strbuf want = STRBUF_INIT, got = STRBUF_INIT;
		const char *avoid[2] = { NULL, NULL };
		uint64_t s = seed;
		struct topo t;
		struct placement_request r;
		int e;

		gen_topo(seed, 150, &t);
		r = gen_shape(&s, &t, avoid);
		r.member_bytes = 64 * MIB;
		e = plan_text(&r, &t, &want);
		placed += e == 0;
		for (size_t i = t.n - 1; i > 0; i--) {
			size_t j = rnd(&s) % (i + 1);
			struct placement_node tmp = t.nodes[i];

			t.nodes[i] = t.nodes[j];
			t.nodes[j] = tmp;
		}
		assert_int_equal(plan_text(&r, &t, &got), e);
		assert_string_equal(got.buf, want.buf);
		arena_done(&t.arena);
	}
	assert_true(placed >= 30);
}

/* MeshStorNodes from "NAME NQN ID" lines ("-": unset), in the order given or reversed. */
static struct mesh_node **mesh_nodes(const char *const *lines, size_t n, bool reversed)
{
	struct mesh_node **nodes = xcalloc(n + 1, sizeof(*nodes));

	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *line = xstrdup(lines[reversed ? n - 1 - i : i]);
		char *s = line, *name = next_token(&s), *nqn = next_token(&s), *id = next_token(&s);

		nodes[i] = mesh_node_new();
		nodes[i]->meta.name = xstrdup(name);
		nodes[i]->status.host_nqn = strcmp(nqn, "-") ? xstrdup(nqn) : NULL;
		nodes[i]->status.host_id = strcmp(id, "-") ? xstrdup(id) : NULL;
	}
	return nodes;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "NAME:TWIN" for each node that has one, by name, as topology_identity_twins() says. */
static void format_twins(struct mesh_node *const *nodes, size_t n, struct strbuf *out)
{
	const char **twins = xcalloc(n + 1, sizeof(*twins));
	char **pairs = xcalloc(n + 1, sizeof(*pairs));
	size_t k = 0;

	topology_identity_twins(nodes, n, twins);
	for (size_t i = 0; i < n; i++)
		if (twins[i])
			xasprintf(&pairs[k++], "%s:%s", nodes[i]->meta.name, twins[i]);
	qsort(pairs, k, sizeof(*pairs), cmp_str);
	for (size_t i = 0; i < k; i++) {
		strbuf_addf(out, "%s%s", i ? " " : "", pairs[i]);
		free(pairs[i]);
	}
	free(pairs);
	free(twins);
}

/* controller/topology: which nodes share an NVMe host identity, whatever the input order. */
static const struct {
	const char *const *nodes; /* "NAME NQN ID" */
	const char *want;
} twin_cases[] = {
	{ TOPO("a q1 i1", "b q2 i2", "c - -"), "" },
	{ TOPO("a q1 i1", "b q2 i2", "c q1 i3"), "a:c c:a" },
	{ TOPO("a q1 i1", "b q2 i1"), "a:b b:a" },
	/* Unset is no identity, so nothing to share. */
	{ TOPO("a - -", "b - -", "c q1 -", "d - i1"), "" },
	/* Three alike: each names the first other one by name. */
	{ TOPO("c q1 i3", "b q1 i2", "a q1 i1"), "a:b b:a c:a" },
	/* The host NQN is what exports are allowed to: it is named first. */
	{ TOPO("a q1 i1", "b q2 i1", "z q1 i3"), "a:z b:a z:a" },
	{ TOPO("a q1 i1"), "" },
	{ NULL, "" },
};

static void test_identity_twins(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(twin_cases); i++) {
		size_t n = 0;

		while (twin_cases[i].nodes && twin_cases[i].nodes[n])
			n++;
		for (int reversed = 0; reversed < 2; reversed++) {
			_cleanup_strbuf_ struct strbuf got = STRBUF_INIT;
			struct mesh_node **nodes = mesh_nodes(twin_cases[i].nodes, n, reversed);

			format_twins(nodes, n, &got);
			if (strcmp(got.buf, twin_cases[i].want) != 0)
				fail_msg("case %zu%s:\n got: %s\nwant: %s", i,
					 reversed ? " reversed" : "", got.buf, twin_cases[i].want);
			for (size_t k = 0; k < n; k++)
				mesh_node_free(nodes[k]);
			free(nodes);
		}
	}
}

/* The placement input carries it: a node sharing its identity is not placed on. */
static void test_topology_marks_twins(void **state)
{
	struct mesh_node **nodes = mesh_nodes(TOPO("a q1 i1", "b q2 i2", "c q3 i2"), 3, false);
	const struct topology_input in = {
		.nodes = nodes, .n_nodes = 3, .now = 1000, .heartbeat_timeout_s = 180
	};
	struct topology t;

	for (size_t i = 0; i < 3; i++)
		nodes[i]->status.heartbeat_time = 1000;
	topology_build(&in, &t);
	assert_int_equal(t.n_nodes, 3);
	assert_null(t.nodes[0].same_identity);
	assert_string_equal(t.nodes[1].same_identity, "c");
	assert_string_equal(t.nodes[2].same_identity, "b");
	assert_true(t.nodes[1].fresh && t.nodes[2].fresh);
	topology_done(&t);
	for (size_t i = 0; i < 3; i++)
		mesh_node_free(nodes[i]);
	free(nodes);
}

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(plan_cases) + 5] = {
		cmocka_unit_test(test_capacity_consistent),  cmocka_unit_test(test_capacity_shape),
		cmocka_unit_test(test_shuffled_input),	     cmocka_unit_test(test_identity_twins),
		cmocka_unit_test(test_topology_marks_twins),
	};

	for (size_t i = 0; i < ARRAY_SIZE(plan_cases); i++)
		tests[5 + i] = (struct CMUnitTest){ .name = plan_cases[i].title,
						    .test_func = test_plan_case,
						    .initial_state = (void *)&plan_cases[i] };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
