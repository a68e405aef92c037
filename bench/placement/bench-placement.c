// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench/placement: placement_plan() and placement_capacity() on 1,000 nodes
 * with 4 drives each, every node carrying an RTT to every other (a full mesh,
 * as the agents measure it), 3 zones, a quarter RDMA-capable, 1 in 50 stale,
 * all sizes and RTTs from a fixed pseudo-random sequence. Prints p50/p99/max
 * per call; exits non-zero only if a plan fails or breaks a rule.
 * Usage: bench-placement [RUNS]   (default 10000 per shape)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "controller/placement.h"
#include "model/volume.h"
#include "util/arena.h"
#include "util/macro.h"
#include "util/parse.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define N_NODES 1000
#define N_DRIVES 4
#define GIB ((uint64_t)1 << 30)

static uint32_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 33);
}

static uint64_t now_nsec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static void build_node(struct arena *a, uint64_t *s, struct placement_node *nodes, size_t i)
{
	static const char *const zones[] = { "zone-a", "zone-b", "zone-c" };
	struct placement_node *n = &nodes[i];
	struct placement_drive *d = arena_new_array(a, struct placement_drive, N_DRIVES);
	struct placement_peer *p = arena_new_array(a, struct placement_peer, N_NODES - 1);

	n->fresh = rnd(s) % 50 != 0;
	n->rdma = rnd(s) % 4 == 0;
	n->zone = zones[i % 3];
	n->rack = arena_printf(a, "rack-%02zu", i / 3 % 40);
	for (size_t j = 0; j < N_DRIVES; j++)
		d[j] = (struct placement_drive){ arena_printf(a, "%s-nvme%zu", n->name, j),
						 rnd(s) % 10 ? 4096 : 512,
						 (uint64_t)(rnd(s) % 3800) * GIB };
	for (size_t j = 0; j < N_NODES; j++)
		if (j != i)
			p[n->n_peers++] =
				(struct placement_peer){ nodes[j].name, 40 + rnd(s) % 460 };
	n->drives = d;
	n->n_drives = N_DRIVES;
	n->peers = p;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, uint64_t *ns, size_t n)
{
	qsort(ns, n, sizeof(*ns), cmp_u64);
	printf("%-30s %6zu calls  p50 %7.1f us  p99 %7.1f us  max %7.1f us\n", what, n,
	       ns[n / 2] / 1e3, ns[n * 99 / 100] / 1e3, ns[n - 1] / 1e3);
}

/* Distinct nodes across copies; anything else is checked by the unit tests. */
static int check(const struct placement_request *r, const struct placement_member *m)
{
	for (unsigned i = 0; i < r->copies; i++)
		for (unsigned j = 0; j < i; j++)
			if (strcmp(m[i].node, m[j].node) == 0)
				return -EEXIST;
	return 0;
}

static int bench_plan(const struct placement_node *nodes, unsigned copies, size_t runs)
{
	uint64_t *ns = xcalloc(runs, sizeof(*ns)), s = copies;
	struct placement_member ret[VOLUME_MEMBERS_MAX];
	char what[64];

	for (size_t i = 0; i < runs; i++) {
		struct strbuf why = STRBUF_INIT;
		struct placement_request r = { .member_bytes = (1 + rnd(&s) % 256) * GIB,
					       .copies = copies,
					       .drives_per_copy = 1,
					       .sector_size = 4096,
					       .consumer = nodes[rnd(&s) % N_NODES].name };
		uint64_t t0 = now_nsec();
		int e = placement_plan(&r, nodes, N_NODES, ret, &why);

		ns[i] = now_nsec() - t0;
		if (e == 0)
			e = check(&r, ret);
		if (e < 0) {
			fprintf(stderr, "plan %zu failed: %s %s\n", i, strerror(-e), why.buf);
			strbuf_done(&why);
			free(ns);
			return 1;
		}
		strbuf_done(&why);
	}
	snprintf(what, sizeof(what), "placement_plan, %u copies", copies);
	report(what, ns, runs);
	free(ns);
	return 0;
}

static void bench_capacity(const struct placement_node *nodes, unsigned copies, size_t runs)
{
	uint64_t *ns = xcalloc(runs, sizeof(*ns)), cap = 0;
	struct placement_request r = { .copies = copies,
				       .drives_per_copy = 1,
				       .sector_size = 4096 };
	char what[64];

	for (size_t i = 0; i < runs; i++) {
		uint64_t t0 = now_nsec();

		cap = placement_capacity(&r, nodes, N_NODES);
		ns[i] = now_nsec() - t0;
	}
	snprintf(what, sizeof(what), "placement_capacity, %u copies", copies);
	report(what, ns, runs);
	printf("%-30s %" PRIu64 " GiB per member\n", "", cap / GIB);
	free(ns);
}

int main(int argc, char **argv)
{
	struct arena a = ARENA_INIT;
	struct placement_node *nodes = arena_new_array(&a, struct placement_node, N_NODES);
	uint64_t runs = 10000, s = 42;
	int r;

	if (argc > 1 && parse_u64_range(argv[1], 1, 10000000, &runs) < 0) {
		fprintf(stderr, "usage: %s [RUNS]\n", argv[0]);
		return 2;
	}
	for (size_t i = 0; i < N_NODES; i++)
		nodes[i].name = arena_printf(&a, "node-%04zu", i);
	for (size_t i = 0; i < N_NODES; i++)
		build_node(&a, &s, nodes, i);
	printf("%d nodes x %d drives, %d peers each, 3 zones\n", N_NODES, N_DRIVES, N_NODES - 1);
	r = bench_plan(nodes, 2, runs) || bench_plan(nodes, 3, runs);
	if (!r) {
		bench_capacity(nodes, 2, runs);
		bench_capacity(nodes, 3, runs);
	}
	arena_done(&a);
	return r;
}
