// SPDX-License-Identifier: GPL-2.0-only
/* Volume placement; the rules and their order are documented in placement.h. */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "controller/placement.h"
#include "model/volume.h"
#include "util/cleanup.h"
#include "util/macro.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define MIB ((uint64_t)VOLUME_MIB)
#define RTT_NONE UINT64_MAX
/* Passed-over nodes an ENOSPC message names one by one; the rest are counted by reason. */
#define WHY_NODES_MAX 10

_Static_assert(VOLUME_MEMBERS_MAX >= VOLUME_COPIES_MAX * VOLUME_DRIVES_PER_COPY_MAX,
	       "a plan of the largest shape must fit the on-stack member array");

/* An eligible node. */
struct cand {
	const struct placement_node *node;
	uint64_t free; /* sum of the largest free extents of its fitting drives */
	uint64_t rtt;  /* to the anchor; RTT_NONE when neither side measured it */
	bool taken;
};

/* How a node's drives measure up to a request. */
struct fit {
	unsigned same_sector; /* drives of the requested sector size */
	unsigned fitting;     /* ... whose largest free extent holds a member */
	uint64_t largest;     /* largest free extent among the same_sector drives */
	uint64_t free;	      /* sum of the fitting drives' largest free extents */
};

/* Why a node cannot take a copy, in the order they are checked. */
enum reject {
	REJECT_NONE,
	REJECT_AVOIDED,
	REJECT_IDENTITY, /* another node publishes its NVMe host NQN or host ID */
	REJECT_STALE,
	REJECT_NO_DRIVES,
	REJECT_SECTOR, /* fewer than drives_per_copy drives of the sector size */
	REJECT_SPACE,  /* fewer than drives_per_copy of them with room for a member */
	_REJECT_MAX,
};

static const char *const reject_summary[_REJECT_MAX] = {
	[REJECT_AVOIDED] = "excluded for this volume",
	[REJECT_IDENTITY] = "NVMe host identity shared with another node",
	[REJECT_STALE] = "heartbeat stale",
	[REJECT_NO_DRIVES] = "no drives",
	[REJECT_SECTOR] = "too few drives of the sector size",
	[REJECT_SPACE] = "too little free space",
};

static bool streq_null(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static int check_request(const struct placement_request *r, bool need_size, struct strbuf *why)
{
	if (r->sector_size != 512 && r->sector_size != 4096) {
		strbuf_addf(why, "sectorSize must be 512 or 4096, got %" PRIu32, r->sector_size);
		return -EINVAL;
	}
	if (r->copies < 1 || r->copies > VOLUME_COPIES_MAX) {
		strbuf_addf(why, "numberOfCopies must be between 1 and %d, got %u",
			    VOLUME_COPIES_MAX, r->copies);
		return -EINVAL;
	}
	if (r->drives_per_copy < 1 || r->drives_per_copy > VOLUME_DRIVES_PER_COPY_MAX) {
		strbuf_addf(why, "drivesPerCopy must be between 1 and %d, got %u",
			    VOLUME_DRIVES_PER_COPY_MAX, r->drives_per_copy);
		return -EINVAL;
	}
	if (need_size && (r->member_bytes == 0 || r->member_bytes % r->sector_size != 0)) {
		strbuf_addf(why,
			    "member size must be a positive multiple of the %" PRIu32
			    "-byte sector size, got %" PRIu64 " bytes",
			    r->sector_size, r->member_bytes);
		return -EINVAL;
	}
	return 0;
}

static bool avoided(const struct placement_request *r, const char *name)
{
	for (const char *const *a = r->avoid_nodes; a && *a; a++)
		if (strcmp(*a, name) == 0)
			return true;
	return false;
}

static bool drive_fits(const struct placement_request *r, const struct placement_drive *d)
{
	return d->sector_size == r->sector_size && d->largest_free >= r->member_bytes;
}

static enum reject classify(const struct placement_request *r, const struct placement_node *n,
			    struct fit *f)
{
	*f = (struct fit){ 0 };
	if (avoided(r, n->name))
		return REJECT_AVOIDED;
	if (n->same_identity)
		return REJECT_IDENTITY;
	if (!n->fresh)
		return REJECT_STALE;
	if (n->n_drives == 0)
		return REJECT_NO_DRIVES;
	for (size_t i = 0; i < n->n_drives; i++) {
		const struct placement_drive *d = &n->drives[i];

		if (d->sector_size != r->sector_size)
			continue;
		f->same_sector++;
		f->largest = MAX(f->largest, d->largest_free);
		if (drive_fits(r, d)) {
			f->fitting++;
			f->free += d->largest_free;
		}
	}
	if (f->same_sector < r->drives_per_copy)
		return REJECT_SECTOR;
	return f->fitting < r->drives_per_copy ? REJECT_SPACE : REJECT_NONE;
}

/*
 * The eligible nodes, in input order, with an index by name: open addressing
 * with linear probing, at most half full. Sorting by name instead cost most of
 * a plan's time in strcmp() at 1,000 nodes.
 */
struct pool {
	struct cand *c;
	size_t n;
	uint32_t *slot; /* index into c[] plus one; 0 is empty */
	size_t mask;
};

static void pool_done(struct pool *p)
{
	free(p->c);
	free(p->slot);
}

static uint64_t name_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The slot that holds name, or the empty one where it belongs. */
static uint32_t *pool_slot(const struct pool *p, const char *name)
{
	for (size_t i = name_hash(name) & p->mask;; i = (i + 1) & p->mask)
		if (!p->slot[i] || strcmp(p->c[p->slot[i] - 1].node->name, name) == 0)
			return &p->slot[i];
}

static struct cand *find_cand(const struct pool *p, const char *name)
{
	uint32_t i = *pool_slot(p, name);

	return i ? &p->c[i - 1] : NULL;
}

static const struct placement_node *find_node(const struct placement_node *nodes, size_t n,
					      const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(nodes[i].name, name) == 0)
			return &nodes[i];
	return NULL;
}

/* Fills the pool with the eligible nodes; -EINVAL when a name repeats. */
static int collect(const struct placement_request *r, const struct placement_node *nodes,
		   size_t n_nodes, struct pool *p, struct strbuf *why)
{
	size_t size = 2;
	struct fit f;

	assert(n_nodes < UINT32_MAX / 2);
	while (size < 2 * n_nodes)
		size *= 2;
	*p = (struct pool){ xcalloc(MAX(n_nodes, 1), sizeof(*p->c)), 0,
			    xcalloc(size, sizeof(*p->slot)), size - 1 };
	for (size_t i = 0; i < n_nodes; i++) {
		uint32_t *slot;

		if (classify(r, &nodes[i], &f) != REJECT_NONE)
			continue;
		slot = pool_slot(p, nodes[i].name);
		if (*slot) {
			strbuf_addf(why, "node %s is listed twice", nodes[i].name);
			return -EINVAL;
		}
		p->c[p->n++] = (struct cand){ &nodes[i], f.free, RTT_NONE, false };
		*slot = (uint32_t)p->n;
	}
	return 0;
}

static uint64_t peer_rtt(const struct placement_node *n, const char *peer)
{
	uint64_t rtt = RTT_NONE;

	for (size_t i = 0; i < n->n_peers; i++)
		if (strcmp(n->peers[i].node, peer) == 0)
			rtt = MIN(rtt, n->peers[i].rtt_usec);
	return rtt;
}

/*
 * RTT from the anchor to every candidate: the anchor's own list first (one
 * pass, a lookup per peer), then the candidate's list for what the anchor has
 * not measured, so the cost stays linear in the peers given.
 */
static void fill_rtt(struct pool *p, const char *anchor, const struct placement_node *nodes,
		     size_t n_nodes)
{
	struct cand *x = find_cand(p, anchor);
	const struct placement_node *a = x ? x->node : find_node(nodes, n_nodes, anchor);

	if (x)
		x->rtt = 0;
	for (size_t i = 0; a && i < a->n_peers; i++) {
		x = find_cand(p, a->peers[i].node);
		if (x)
			x->rtt = MIN(x->rtt, a->peers[i].rtt_usec);
	}
	for (size_t i = 0; i < p->n; i++)
		if (p->c[i].rtt == RTT_NONE)
			p->c[i].rtt = peer_rtt(p->c[i].node, anchor);
}

/* Below 0 when a ranks before b: RDMA, RTT step, free space, name. */
static int cmp_rank(const struct cand *a, const struct cand *b)
{
	uint64_t ra = a->rtt / PLACEMENT_RTT_STEP_USEC, rb = b->rtt / PLACEMENT_RTT_STEP_USEC;

	if (a->node->rdma != b->node->rdma)
		return a->node->rdma ? -1 : 1;
	if (ra != rb)
		return ra < rb ? -1 : 1;
	if (a->free != b->free)
		return a->free > b->free ? -1 : 1;
	return strcmp(a->node->name, b->node->name);
}

/*
 * Zone, then rack (a rack within its zone), each 2 when no chosen copy shares
 * it, 1 when the node has no label (it may or may not share), 0 when shared.
 */
static unsigned domain_score(const struct placement_node *n,
			     const struct placement_node *const *chosen, size_t k)
{
	unsigned zone = n->zone ? 2 : 1, rack = n->rack ? 2 : 1;

	for (size_t i = 0; i < k; i++) {
		bool same_zone = streq_null(n->zone, chosen[i]->zone);

		if (n->zone && same_zone)
			zone = 0;
		if (n->rack && same_zone && streq_null(n->rack, chosen[i]->rack))
			rack = 0;
	}
	return zone * 3 + rack;
}

static struct cand *pick(struct pool *p, const struct placement_node *const *chosen, size_t k)
{
	struct cand *best = NULL;
	unsigned best_score = 0;

	for (size_t i = 0; i < p->n; i++) {
		struct cand *x = &p->c[i];
		unsigned s;

		if (x->taken)
			continue;
		s = domain_score(x->node, chosen, k);
		if (!best || s > best_score || (s == best_score && cmp_rank(x, best) < 0)) {
			best = x;
			best_score = s;
		}
	}
	assert(best);
	best->taken = true;
	return best;
}

/* One node per copy into chosen[]; the pool holds at least req->copies candidates. */
static void choose_nodes(const struct placement_request *req, const struct placement_node *nodes,
			 size_t n_nodes, struct pool *p, const struct placement_node **chosen)
{
	struct cand *first = NULL;

	if (req->consumer) {
		fill_rtt(p, req->consumer, nodes, n_nodes);
		first = find_cand(p, req->consumer);
		if (first)
			first->taken = true;
	}
	if (!first)
		first = pick(p, chosen, 0);
	chosen[0] = first->node;
	if (!req->consumer)
		fill_rtt(p, first->node->name, nodes, n_nodes);
	for (unsigned k = 1; k < req->copies; k++)
		chosen[k] = pick(p, chosen, k)->node;
}

/* Below 0 when a is taken before b: larger free extent, then name. */
static int cmp_drive(const struct placement_drive *a, const struct placement_drive *b)
{
	if (a->largest_free != b->largest_free)
		return a->largest_free > b->largest_free ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* The node's drives_per_copy best fitting drives; each pick is the best after the last. */
static void pick_drives(const struct placement_request *r, const struct placement_node *n,
			unsigned copy, struct placement_member *out)
{
	const struct placement_drive *prev = NULL;

	for (unsigned s = 0; s < r->drives_per_copy; s++) {
		const struct placement_drive *best = NULL;

		for (size_t i = 0; i < n->n_drives; i++) {
			const struct placement_drive *d = &n->drives[i];

			if (!drive_fits(r, d) || (prev && cmp_drive(d, prev) <= 0))
				continue;
			if (!best || cmp_drive(d, best) < 0)
				best = d;
		}
		assert(best);
		out[s] = (struct placement_member){ copy, s, n->name, best->name,
						    best->sector_size };
		prev = best;
	}
}

/* Exact sizes: MiB when whole, else bytes. */
static void add_size(struct strbuf *sb, uint64_t bytes)
{
	if (bytes % MIB == 0)
		strbuf_addf(sb, "%" PRIu64 " MiB", bytes / MIB);
	else
		strbuf_addf(sb, "%" PRIu64 " bytes", bytes);
}

static void add_need(const struct placement_request *r, struct strbuf *why)
{
	strbuf_addf(why, "need %u node%s with ", r->copies, r->copies == 1 ? "" : "s");
	if (r->drives_per_copy == 1)
		strbuf_addf(why, "a free %" PRIu32 "-byte-sector drive of at least ",
			    r->sector_size);
	else
		strbuf_addf(why, "%u free %" PRIu32 "-byte-sector drives of at least ",
			    r->drives_per_copy, r->sector_size);
	add_size(why, r->member_bytes);
	if (r->drives_per_copy > 1)
		strbuf_adds(why, " each");
}

static void add_reject(const struct placement_request *r, const struct placement_node *n,
		       enum reject why_not, const struct fit *f, struct strbuf *sb)
{
	unsigned need = r->drives_per_copy;

	if (why_not == REJECT_IDENTITY)
		strbuf_addf(sb,
			    "publishes the same NVMe host NQN or host ID as %s (give one of them "
			    "a new /etc/nvme/hostnqn and hostid pair)",
			    n->same_identity);
	else if (why_not == REJECT_SECTOR && f->same_sector == 0)
		strbuf_addf(sb, "no %" PRIu32 "-byte-sector drive", r->sector_size);
	else if (why_not == REJECT_SECTOR)
		strbuf_addf(sb, "only %u %" PRIu32 "-byte-sector drive%s, needs %u", f->same_sector,
			    r->sector_size, f->same_sector == 1 ? "" : "s", need);
	else if (why_not == REJECT_SPACE && f->fitting > 0) {
		strbuf_addf(sb, "only %u drive%s with ", f->fitting, f->fitting == 1 ? "" : "s");
		add_size(sb, r->member_bytes);
		strbuf_addf(sb, " free, needs %u", need);
	} else if (why_not == REJECT_SPACE) {
		strbuf_adds(sb, "largest free extent ");
		add_size(sb, f->largest);
	} else
		strbuf_adds(sb, reject_summary[why_not]);
}

static int cmp_node_name(const void *a, const void *b)
{
	const struct placement_node *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* Each node passed over, by name: the first WHY_NODES_MAX with their reason, the rest counted. */
static void add_rejects(const struct placement_request *r, const struct placement_node *nodes,
			size_t n_nodes, struct strbuf *why)
{
	_cleanup_free_ const struct placement_node **out = xcalloc(MAX(n_nodes, 1), sizeof(*out));
	size_t n_out = 0, count[_REJECT_MAX] = { 0 };
	struct fit f;

	for (size_t i = 0; i < n_nodes; i++)
		if (classify(r, &nodes[i], &f) != REJECT_NONE)
			out[n_out++] = &nodes[i];
	qsort(out, n_out, sizeof(*out), cmp_node_name);
	for (size_t i = 0; i < n_out; i++) {
		enum reject why_not = classify(r, out[i], &f);

		if (i >= WHY_NODES_MAX) {
			count[why_not]++;
			continue;
		}
		strbuf_addf(why, "%s%s: ", i ? "; " : ". ", out[i]->name);
		add_reject(r, out[i], why_not, &f, why);
	}
	if (n_out > WHY_NODES_MAX)
		strbuf_addf(why, "; and %zu more:", n_out - WHY_NODES_MAX);
	for (int k = 0, first = 1; k < _REJECT_MAX; k++)
		if (count[k]) {
			strbuf_addf(why, "%s %zu %s", first ? "" : ",", count[k],
				    reject_summary[k]);
			first = 0;
		}
}

static int cmp_cand_name(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	return strcmp(x->node->name, y->node->name);
}

static int explain_enospc(const struct placement_request *r, const struct placement_node *nodes,
			  size_t n_nodes, struct pool *p, struct strbuf *why)
{
	qsort(p->c, p->n, sizeof(*p->c), cmp_cand_name);
	add_need(r, why);
	strbuf_addf(why, "; found %zu", p->n);
	for (size_t i = 0; i < p->n; i++)
		strbuf_addf(why, "%s%s", i ? ", " : " (", p->c[i].node->name);
	if (p->n > 0)
		strbuf_addch(why, ')');
	if (n_nodes == 0)
		strbuf_adds(why, ": no MeshStorNode is known");
	add_rejects(r, nodes, n_nodes, why);
	return -ENOSPC;
}

/* A plan at the request's one sector size. */
static int plan_sized(const struct placement_request *req, const struct placement_node *nodes,
		      size_t n_nodes, struct placement_member *ret, struct strbuf *why)
{
	struct placement_member plan[VOLUME_MEMBERS_MAX];
	const struct placement_node *chosen[VOLUME_COPIES_MAX] = { NULL };
	_cleanup_(pool_done) struct pool p = { NULL, 0, NULL, 0 };
	int r;

	assert(req && ret && why && (nodes || n_nodes == 0));
	r = check_request(req, true, why);
	if (r < 0)
		return r;
	r = collect(req, nodes, n_nodes, &p, why);
	if (r < 0)
		return r;
	if (p.n < req->copies)
		return explain_enospc(req, nodes, n_nodes, &p, why);
	choose_nodes(req, nodes, n_nodes, &p, chosen);
	for (unsigned k = 0; k < req->copies; k++)
		pick_drives(req, chosen[k], k, &plan[k * req->drives_per_copy]);
	memcpy(ret, plan, sizeof(*plan) * req->copies * req->drives_per_copy);
	return 0;
}

/*
 * The sector sizes to try for a request that matches the drives: the one the
 * consumer could take copy 0 on first (4096 when both), then 4096, then 512.
 */
static void sizes_to_try(const struct placement_request *req, const struct placement_node *nodes,
			 size_t n_nodes, uint32_t ret[static 2])
{
	const struct placement_node *consumer =
		req->consumer ? find_node(nodes, n_nodes, req->consumer) : NULL;
	struct placement_request r = *req;
	struct fit f;

	ret[0] = 4096;
	ret[1] = 512;
	r.sector_size = 4096;
	if (!consumer || classify(&r, consumer, &f) == REJECT_NONE)
		return;
	r.sector_size = 512;
	if (classify(&r, consumer, &f) == REJECT_NONE) {
		ret[0] = 512;
		ret[1] = 4096;
	}
}

static int plan_matching(const struct placement_request *req, const struct placement_node *nodes,
			 size_t n_nodes, struct placement_member *ret, struct strbuf *why)
{
	_cleanup_strbuf_ struct strbuf each = STRBUF_INIT;
	struct placement_request r = *req;
	uint32_t sizes[2];

	sizes_to_try(req, nodes, n_nodes, sizes);
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		_cleanup_strbuf_ struct strbuf one = STRBUF_INIT;
		int e;

		r.sector_size = sizes[i];
		e = plan_sized(&r, nodes, n_nodes, ret, &one);
		if (e == 0)
			return 0;
		if (e != -ENOSPC) {
			strbuf_adds(why, one.buf);
			return e;
		}
		strbuf_addf(&each, "%s%s", i ? "; or " : "", one.buf);
	}
	strbuf_addf(why, "a volume's members all have one sector size, and none has room: %s",
		    each.buf);
	return -ENOSPC;
}

int placement_plan(const struct placement_request *req, const struct placement_node *nodes,
		   size_t n_nodes, struct placement_member *ret, struct strbuf *why)
{
	assert(req && ret && why && (nodes || n_nodes == 0));
	if (req->sector_size == 0)
		return plan_matching(req, nodes, n_nodes, ret, why);
	return plan_sized(req, nodes, n_nodes, ret, why);
}

/* Keeps top[0..k) the k largest values seen, largest first. */
static void keep_top(uint64_t *top, size_t k, uint64_t v)
{
	size_t i = k;

	while (i > 0 && top[i - 1] < v) {
		if (i < k)
			top[i] = top[i - 1];
		i--;
	}
	if (i < k)
		top[i] = v;
}

/* The largest member a node takes: its drives_per_copy-th largest extent of the sector size. */
static uint64_t node_capacity(const struct placement_request *s, const struct placement_node *n)
{
	uint64_t top[VOLUME_DRIVES_PER_COPY_MAX] = { 0 };

	for (size_t i = 0; i < n->n_drives; i++)
		if (n->drives[i].sector_size == s->sector_size)
			keep_top(top, s->drives_per_copy, n->drives[i].largest_free);
	return top[s->drives_per_copy - 1];
}

uint64_t placement_capacity(const struct placement_request *shape,
			    const struct placement_node *nodes, size_t n_nodes)
{
	_cleanup_strbuf_ struct strbuf why = STRBUF_INIT;
	uint64_t top[VOLUME_COPIES_MAX] = { 0 };

	assert(shape && (nodes || n_nodes == 0));
	if (shape->sector_size == 0) {
		struct placement_request r = *shape;
		uint64_t large, small;

		r.sector_size = 4096;
		large = placement_capacity(&r, nodes, n_nodes);
		r.sector_size = 512;
		small = placement_capacity(&r, nodes, n_nodes);
		return MAX(large, small);
	}
	if (check_request(shape, false, &why) < 0)
		return 0;
	for (size_t i = 0; i < n_nodes; i++)
		if (nodes[i].fresh && !nodes[i].same_identity && !avoided(shape, nodes[i].name))
			keep_top(top, shape->copies, node_capacity(shape, &nodes[i]));
	/* MiB-aligned is a multiple of every sector size, as placement_plan() requires. */
	return top[shape->copies - 1] / MIB * MIB;
}
