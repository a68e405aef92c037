// SPDX-License-Identifier: GPL-2.0-only
/*
 * Golden tests of plan_make(): a cluster view and a kernel observation in,
 * the printed plan out, compared line for line with what each case expects.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include <cmocka.h>

#include "model/names.h"
#include "node/copies.h"
#include "node/plan.h"
#include "node/report.h"
#include "util/xalloc.h"

#define VOL "pvc-0123456789abcdef01234567"
#define FIN "node.csi.meshstor.io/b"
#define HOST_A "nqn.2014-08.org.nvmexpress:uuid:aaaaaaaa-0000-4000-8000-000000000001"
#define HOST_C "nqn.2014-08.org.nvmexpress:uuid:cccccccc-0000-4000-8000-000000000003"

/* A two-copy volume: member 0 on a (drive a-s0), member 1 on b (drive b-s1). */
static struct volume *volume_two(const char *consumer, bool finalizer)
{
	struct volume *v = volume_new();
	const char *nodes[] = { "a", "b" }, *drives[] = { "a-s0", "b-s1" };

	v->meta.name = xstrdup(VOL);
	if (finalizer) {
		v->meta.finalizers = xcalloc(2, sizeof(char *));
		v->meta.finalizers[0] = xstrdup(FIN);
	}
	v->spec.node_name = consumer ? xstrdup(consumer) : NULL;
	v->spec.capacity_bytes = 1LL << 30;
	v->spec.number_of_copies = 2;
	v->spec.drives_per_copy = 1;
	v->spec.epoch = 7;
	v->spec.n_members = 2;
	v->spec.members = xcalloc(2, sizeof(*v->spec.members));
	for (int i = 0; i < 2; i++) {
		char uuid[UUID_STRING_LEN + 1];

		partition_uuid_for_member(VOL, (unsigned)i, uuid);
		v->spec.members[i] = (struct volume_member){
			.index = i,
			.copy = i,
			.node_name = xstrdup(nodes[i]),
			.drive = xstrdup(drives[i]),
			.partition_uuid = xstrdup(uuid),
			.size_bytes = (1LL << 30) + (16LL << 20),
		};
	}
	return v;
}

static struct mesh_node *node_of(const char *name, const char *nqn, const char *addr)
{
	struct mesh_node *n = mesh_node_new();

	n->meta.name = xstrdup(name);
	n->status.host_nqn = xstrdup(nqn);
	n->status.tcp_address = xstrdup(addr);
	return n;
}

/* This node (b) with one drive, serial s1, holding member partitions as asked. */
struct world {
	struct volume *vols[2];
	size_t n_vols;
	struct mesh_node *nodes[3];
	struct observation obs;
	const char *mounted[1];
	size_t n_mounted;
};

static void world_init(struct world *w, struct volume *v)
{
	memset(w, 0, sizeof(*w));
	w->vols[w->n_vols++] = v;
	w->nodes[0] = node_of("a", HOST_A, "10.0.0.1");
	w->nodes[1] = node_of("b", "nqn.2014-08.org.nvmexpress:uuid:b", "10.0.0.2");
	w->nodes[2] = node_of("c", HOST_C, "10.0.0.3");
	w->obs.n_drives = 1;
	w->obs.drives = xcalloc(1, sizeof(struct drive));
	w->obs.drives[0].kname = xstrdup("nvme0n1");
	w->obs.drives[0].path = xstrdup("/dev/nvme0n1");
	w->obs.drives[0].serial = xstrdup("S1");
	w->obs.drives[0].gpt.has_gpt = true;
}

static void add_partition(struct world *w, const char *uuid, const char *name, bool ours)
{
	struct gpt_disk *g = &w->obs.drives[0].gpt;
	struct gpt_partition *p;

	g->parts = xreallocarray(g->parts, g->n_parts + 1, sizeof(*g->parts));
	p = &g->parts[g->n_parts++];
	memset(p, 0, sizeof(*p));
	p->partno = (unsigned)g->n_parts;
	p->size = (1ULL << 30) + (16ULL << 20); /* what volume_two() places */
	memcpy(p->uuid, uuid, UUID_STRING_LEN);
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->ours = ours;
}

static void add_member_partition(struct world *w, unsigned index)
{
	char uuid[UUID_STRING_LEN + 1], name[64];

	partition_uuid_for_member(VOL, index, uuid);
	snprintf(name, sizeof(name), "ms:%s:m%u", VOL, index);
	add_partition(w, uuid, name, true);
}

static void add_export(struct world *w, const char *nqn, const char *host, const char *dev)
{
	w->obs.exports =
		xreallocarray(w->obs.exports, w->obs.n_exports + 1, sizeof(*w->obs.exports));
	w->obs.exports[w->obs.n_exports++] = (struct nvmet_subsystem){
		.nqn = xstrdup(nqn),
		.host_nqn = host ? xstrdup(host) : NULL,
		.device_path = dev ? xstrdup(dev) : NULL,
		.enabled = true,
		.linked = true,
	};
}

static void add_import(struct world *w, const char *nqn, const char *block)
{
	w->obs.imports =
		xreallocarray(w->obs.imports, w->obs.n_imports + 1, sizeof(*w->obs.imports));
	/* With its hold (import.h), over the namespace when there is one. */
	w->obs.imports[w->obs.n_imports++] = (struct nvmf_subsystem){
		.nqn = xstrdup(nqn),
		.ctrl_state = xstrdup("live"),
		.block = block ? xstrdup(block) : NULL,
		.block_dev = block ? makedev(259, 1) : 0,
		.block_sectors = block ? 2048 : 0,
		.hold = {
			.name = xstrdup(nqn),
			.device = xstrdup("/dev/dm-1"),
			.path = makedev(259, 1),
			.sectors = 2048,
		},
	};
}

/* An array of this volume with the given member devices, assembled here by staging. */
static void add_array(struct world *w, const char *const *members, size_t n)
{
	struct md_array *a;

	if (!w->vols[0]->status.node_name)
		w->vols[0]->status.node_name = xstrdup("b");

	w->obs.arrays = xcalloc(1, sizeof(*a));
	w->obs.n_arrays = 1;
	a = &w->obs.arrays[0];
	a->kname = xstrdup("md127");
	a->name = xstrdup(VOL);
	a->uuid = xcalloc(UUID_STRING_LEN + 1, 1);
	volume_md_uuid(VOL, a->uuid);
	a->array_state = xstrdup("clean");
	a->raid_disks = 2;
	a->degraded = 2 - (int)n;
	a->sync_percent = -1;
	a->members = xcalloc(n + 1, sizeof(*a->members));
	a->n_members = n;
	for (size_t i = 0; i < n; i++)
		a->members[i] = (struct md_member){ .kname = xstrdup(members[i]),
						    .slot = (int)i,
						    .in_sync = true };
}

/* NODE's plan for the world, one line per action; the world is freed. */
static void plan_text(struct world *w, const char *node, struct strbuf *out)
{
	struct plan_input in = {
		.node_name = node,
		.finalizer = FIN,
		.volumes = (const struct volume *const *)w->vols,
		.n_volumes = w->n_vols,
		.nodes = (const struct mesh_node *const *)w->nodes,
		.n_nodes = 3,
		.obs = &w->obs,
		.dev = "/dev",
		.mounted = w->mounted,
		.n_mounted = w->n_mounted,
	};
	struct plan p;

	plan_make(&in, &p);
	for (size_t i = 0; i < p.n; i++) {
		action_format(&p.actions[i], out);
		strbuf_addch(out, '\n');
	}
	plan_done(&p);
	for (size_t i = 0; i < w->n_vols; i++)
		volume_free(w->vols[i]);
	for (size_t i = 0; i < 3; i++)
		mesh_node_free(w->nodes[i]);
	observation_done(&w->obs);
}

static void expect_plan_as(struct world *w, const char *node, const char *expected)
{
	struct strbuf out = STRBUF_INIT;

	plan_text(w, node, &out);
	if (strcmp(out.buf, expected) != 0)
		fail_msg("plan differs.\n--- expected\n%s--- got\n%s", expected, out.buf);
	strbuf_done(&out);
}

static void expect_plan(struct world *w, const char *expected)
{
	expect_plan_as(w, "b", expected);
}

/* b's plan has no line with the text. */
static void expect_plan_lacks(struct world *w, const char *text)
{
	struct strbuf out = STRBUF_INIT;

	plan_text(w, "b", &out);
	if (strstr(out.buf, text))
		fail_msg("plan has %s\n--- got\n%s", text, out.buf);
	strbuf_done(&out);
}

static char *nqn_of(unsigned index)
{
	struct strbuf sb = STRBUF_INIT;

	member_nqn(VOL, index, &sb);
	return strbuf_detach(&sb);
}

static void test_finalizer_first(void **state)
{
	struct world w;

	world_init(&w, volume_two(NULL, false));
	expect_plan(&w, "finalizer-add vol=" VOL "\n");
}

static void test_create_partition(void **state)
{
	struct world w;
	char uuid[UUID_STRING_LEN + 1], expected[512];

	world_init(&w, volume_two(NULL, true));
	partition_uuid_for_member(VOL, 1, uuid);
	snprintf(expected, sizeof(expected),
		 "partition-create vol=%s m1 drive=/dev/nvme0n1 uuid=%s name=ms:%s:m1 size=%lld\n",
		 VOL, uuid, VOL, (1LL << 30) + (16LL << 20));
	expect_plan(&w, expected);
}

static void test_unusable_drive(void **state)
{
	struct world w;

	world_init(&w, volume_two(NULL, true));
	w.obs.drives[0].unusable = xstrdup("mounted");
	expect_plan(&w, "");
}

static void test_export_to_consumer(void **state)
{
	struct world w;
	char expected[512];
	char *nqn = nqn_of(1);

	world_init(&w, volume_two("a", true));
	add_member_partition(&w, 1);
	snprintf(expected, sizeof(expected),
		 "export vol=%s m1 nqn=%s device=/dev/nvme0n1p1 host=%s\n", VOL, nqn, HOST_A);
	expect_plan(&w, expected);
	free(nqn);
}

static void test_export_moves_to_new_consumer(void **state)
{
	struct world w;
	char expected[512];
	char *nqn = nqn_of(1);

	world_init(&w, volume_two("c", true));
	w.vols[0]->spec.members[0].node_name[0] = 'c';
	add_member_partition(&w, 1);
	add_export(&w, nqn, HOST_A, "/dev/nvme0n1p1");
	snprintf(expected, sizeof(expected),
		 "export vol=%s m1 nqn=%s device=/dev/nvme0n1p1 host=%s\n", VOL, nqn, HOST_C);
	expect_plan(&w, expected);
	free(nqn);
}

static void test_exported_already(void **state)
{
	struct world w;
	char *nqn = nqn_of(1);

	world_init(&w, volume_two("a", true));
	add_member_partition(&w, 1);
	add_export(&w, nqn, HOST_A, "/dev/nvme0n1p1");
	expect_plan(&w, "");
	free(nqn);
}

static void test_grow_in_place(void **state)
{
	struct world w;
	char expected[768], uuid[UUID_STRING_LEN + 1];
	char *nqn = nqn_of(1);

	/* Expanded to 2 GiB in spec: the exported partition grows, its export is told. */
	world_init(&w, volume_two("a", true));
	w.vols[0]->spec.capacity_bytes = 2LL << 30;
	for (int i = 0; i < 2; i++)
		w.vols[0]->spec.members[i].size_bytes = (2LL << 30) + (16LL << 20);
	add_member_partition(&w, 1);
	add_export(&w, nqn, HOST_A, "/dev/nvme0n1p1");
	partition_uuid_for_member(VOL, 1, uuid);
	snprintf(expected, sizeof(expected),
		 "partition-grow vol=%s m1 drive=/dev/nvme0n1 uuid=%s nqn=%s size=%lld\n", VOL,
		 uuid, nqn, (2LL << 30) + (16LL << 20));
	expect_plan(&w, expected);
	free(nqn);
}

static void test_unexport_when_released(void **state)
{
	struct world w;
	char expected[512];
	char *nqn = nqn_of(1);

	world_init(&w, volume_two(NULL, true));
	add_member_partition(&w, 1);
	add_export(&w, nqn, HOST_A, "/dev/nvme0n1p1");
	snprintf(expected, sizeof(expected), "unexport vol=%s m1 nqn=%s\n", VOL, nqn);
	expect_plan(&w, expected);
	free(nqn);
}

static void test_delete_in_order(void **state)
{
	struct world w;
	char expected[512], uuid[UUID_STRING_LEN + 1];
	char *nqn = nqn_of(1);

	/* Exported: unexport first. */
	world_init(&w, volume_two(NULL, true));
	w.vols[0]->meta.deleting = true;
	add_member_partition(&w, 1);
	add_export(&w, nqn, HOST_A, "/dev/nvme0n1p1");
	snprintf(expected, sizeof(expected), "unexport vol=%s m1 nqn=%s\n", VOL, nqn);
	expect_plan(&w, expected);
	/* Then the partition. */
	world_init(&w, volume_two(NULL, true));
	w.vols[0]->meta.deleting = true;
	add_member_partition(&w, 1);
	partition_uuid_for_member(VOL, 1, uuid);
	snprintf(expected, sizeof(expected),
		 "partition-delete vol=%s m1 drive=/dev/nvme0n1 uuid=%s\n", VOL, uuid);
	expect_plan(&w, expected);
	/* Then the finalizer; never one for a volume we do not hold. */
	world_init(&w, volume_two(NULL, true));
	w.vols[0]->meta.deleting = true;
	expect_plan(&w, "finalizer-remove vol=" VOL "\n");
	/* status.phase Deleting without a deletionTimestamp (any agent can write
	 * status): not a deletion; the member is made as usual. */
	world_init(&w, volume_two(NULL, true));
	w.vols[0]->status.phase = VOLUME_PHASE_DELETING;
	add_member_partition(&w, 1);
	expect_plan(&w, "");
	world_init(&w, volume_two(NULL, false));
	w.vols[0]->meta.deleting = true;
	expect_plan(&w, "");
	free(nqn);
}

/*
 * A deletionTimestamp alone is not enough to delete a member: the CRDs
 * deleted under a running pod (`kubectl delete -k` of an install) mark every
 * volume deleting while its consumer still has the array mounted. While the
 * volume is claimed (spec.nodeName) or assembled somewhere (status.nodeName),
 * the host keeps its partition and exports it to the claim alone, and makes
 * nothing new.
 */
static void test_delete_waits_for_claim(void **state)
{
	struct world w;
	char expected[512];
	char *nqn = nqn_of(1);

	/* Claimed and exported: nothing to do; the consumer keeps its leg. */
	world_init(&w, volume_two("a", true));
	w.vols[0]->meta.deleting = true;
	add_member_partition(&w, 1);
	add_export(&w, nqn, HOST_A, "/dev/nvme0n1p1");
	expect_plan(&w, "");
	/* Claimed, not exported (yet): exported to the claim, as without deletion. */
	world_init(&w, volume_two("a", true));
	w.vols[0]->meta.deleting = true;
	add_member_partition(&w, 1);
	snprintf(expected, sizeof(expected),
		 "export vol=%s m1 nqn=%s device=/dev/nvme0n1p1 host=%s\n", VOL, nqn, HOST_A);
	expect_plan(&w, expected);
	/* Released (force-detached) but still assembled on a: fenced, never deleted. */
	world_init(&w, volume_two(NULL, true));
	w.vols[0]->meta.deleting = true;
	w.vols[0]->status.node_name = xstrdup("a");
	add_member_partition(&w, 1);
	add_export(&w, nqn, HOST_A, "/dev/nvme0n1p1");
	snprintf(expected, sizeof(expected), "unexport vol=%s m1 nqn=%s\n", VOL, nqn);
	expect_plan(&w, expected);
	world_init(&w, volume_two(NULL, true));
	w.vols[0]->meta.deleting = true;
	w.vols[0]->status.node_name = xstrdup("a");
	add_member_partition(&w, 1);
	expect_plan(&w, "");
	/* Claimed: no partition or finalizer is made for a volume that goes. */
	world_init(&w, volume_two("a", true));
	w.vols[0]->meta.deleting = true;
	expect_plan(&w, "");
	world_init(&w, volume_two("a", false));
	w.vols[0]->meta.deleting = true;
	expect_plan(&w, "");
	/* Claimed, the partition short of a grown spec: not grown either. */
	world_init(&w, volume_two("a", true));
	w.vols[0]->meta.deleting = true;
	for (int i = 0; i < 2; i++)
		w.vols[0]->spec.members[i].size_bytes = (2LL << 30) + (16LL << 20);
	add_member_partition(&w, 1);
	add_export(&w, nqn, HOST_A, "/dev/nvme0n1p1");
	expect_plan(&w, "");
	free(nqn);
}

static void test_consumer_connects_and_returns(void **state)
{
	struct world w;
	const char *members[] = { "nvme0n1p1" };
	char expected[1024];
	char *nqn0 = nqn_of(0);

	/* The remote member is not connected: connect it. */
	world_init(&w, volume_two("b", true));
	add_member_partition(&w, 1);
	add_array(&w, members, 1);
	snprintf(expected, sizeof(expected), "connect vol=%s m0 nqn=%s address=10.0.0.1\n", VOL,
		 nqn0);
	expect_plan(&w, expected);
	/* Connected but out of the array, with no word of it at this epoch: in full. */
	world_init(&w, volume_two("b", true));
	add_member_partition(&w, 1);
	add_array(&w, members, 1);
	add_import(&w, nqn0, "/dev/nvme1n1");
	snprintf(expected, sizeof(expected),
		 "md-return vol=%s m0 nqn=%s device=/dev/dm-1 md=md127 full\n", VOL, nqn0);
	expect_plan(&w, expected);
	/* Marked diverged at staging: never re-added. */
	world_init(&w, volume_two("b", true));
	w.vols[0]->status.n_members = 1;
	w.vols[0]->status.members = xcalloc(1, sizeof(struct member_status));
	w.vols[0]->status.members[0].index = 0;
	w.vols[0]->status.members[0].message = xstrdup(MEMBER_DIVERGED_MESSAGE);
	add_member_partition(&w, 1);
	add_array(&w, members, 1);
	add_import(&w, nqn0, "/dev/nvme1n1");
	snprintf(expected, sizeof(expected),
		 "md-return vol=%s m0 nqn=%s device=/dev/dm-1 md=md127 full\n", VOL, nqn0);
	expect_plan(&w, expected);
	free(nqn0);
}

static void test_array_of_moved_claim(void **state)
{
	struct world w;
	const char *members[] = { "nvme0n1p1", "dm-1" };
	char expected[1024];
	char *nqn0 = nqn_of(0), *nqn1 = nqn_of(1);

	/* Claimed by a now; the array here is unmounted: stop it; the local
	 * member is exported only once no array here holds it. */
	world_init(&w, volume_two("a", true));
	add_member_partition(&w, 1);
	add_array(&w, members, 2);
	add_import(&w, nqn0, "/dev/nvme1n1");
	snprintf(expected, sizeof(expected),
		 "md-stop vol=%s md=md127\ndisconnect vol=%s m0 nqn=%s md=md127 fence\n", VOL, VOL,
		 nqn0);
	expect_plan(&w, expected);
	/*
	 * Mounted (force-detached): never stopped under a filesystem, nothing
	 * exported, and its legs disconnected at once, so a fenced writer's
	 * writes fail instead of waiting; its filesystem is shut down first
	 * (md=), or MD would complete them on the copy here and acknowledge.
	 */
	world_init(&w, volume_two("a", true));
	add_member_partition(&w, 1);
	add_array(&w, members, 2);
	add_import(&w, nqn0, "/dev/nvme1n1");
	w.mounted[0] = "/dev/md127";
	w.n_mounted = 1;
	snprintf(expected, sizeof(expected), "disconnect vol=%s m0 nqn=%s md=md127 fence\n", VOL,
		 nqn0);
	expect_plan(&w, expected);
	/* Stopped: the import goes. */
	world_init(&w, volume_two("a", true));
	add_member_partition(&w, 1);
	add_import(&w, nqn0, "/dev/nvme1n1");
	add_export(&w, nqn1, HOST_A, "/dev/nvme0n1p1");
	snprintf(expected, sizeof(expected), "disconnect vol=%s m0 nqn=%s\n", VOL, nqn0);
	expect_plan(&w, expected);
	free(nqn0);
	free(nqn1);
}

static void test_leftovers(void **state)
{
	struct world w;
	char expected[1024], uuid9[UUID_STRING_LEN + 1];
	const char *gone = "nqn.2024-01.io.meshstor:vol:pvc-ffffffffffffffffffffffff:m0";
	char *nqn0 = nqn_of(0);

	/* An export of a volume we cannot see (kept: its consumer may use it), an
	 * export of a member placed elsewhere now (dropped), a replaced member's
	 * partition (deleted once every member is in sync), a partition of an
	 * unknown volume (kept) and a foreign one (kept). */
	world_init(&w, volume_two(NULL, true));
	w.vols[0]->status.n_members = 2;
	w.vols[0]->status.members = xcalloc(2, sizeof(struct member_status));
	for (int i = 0; i < 2; i++)
		w.vols[0]->status.members[i] = (struct member_status){ .index = i,
								       .state = MEMBER_STATE_SYNCED,
								       .last_epoch = 7 };
	add_member_partition(&w, 1);
	add_export(&w, gone, HOST_A, "/dev/nvme0n1p9");
	add_export(&w, nqn0, HOST_A, "/dev/nvme0n1p8");
	partition_uuid_for_member(VOL, 9, uuid9);
	add_partition(&w, uuid9, "ms:" VOL ":m9", true);
	add_partition(&w, "11111111-2222-4333-8444-555555555555",
		      "ms:pvc-ffffffffffffffffffffffff:m0", true);
	add_partition(&w, "66666666-2222-4333-8444-555555555555", "data", false);
	snprintf(expected, sizeof(expected),
		 "unexport vol=%s m0 nqn=%s\npartition-delete vol=%s drive=/dev/nvme0n1 uuid=%s\n",
		 VOL, nqn0, VOL, uuid9);
	expect_plan(&w, expected);
	/* Not all in sync yet: the old copy stays. */
	world_init(&w, volume_two(NULL, true));
	partition_uuid_for_member(VOL, 9, uuid9);
	add_member_partition(&w, 1);
	add_partition(&w, uuid9, "ms:" VOL ":m9", true);
	expect_plan(&w, "");
	free(nqn0);
}

static void test_unreadable_drive(void **state)
{
	struct world w;
	char *nqn = nqn_of(1);

	/* Our partition may be on a drive we cannot read: neither create nor unexport. */
	world_init(&w, volume_two("a", true));
	w.obs.drives[0].unreadable = true;
	w.obs.drives[0].unusable = xstrdup("its partition table cannot be read");
	add_export(&w, nqn, HOST_A, "/dev/nvme0n1p1");
	expect_plan(&w, "");
	free(nqn);
}

static void test_returning_member(void **state)
{
	struct world w;
	const char *members[] = { "nvme0n1p1" };
	char expected[512];
	char *nqn0 = nqn_of(0);

	/* Synced in this array at this epoch, then lost: re-added (bitmap). */
	world_init(&w, volume_two("b", true));
	w.vols[0]->status.n_members = 1;
	w.vols[0]->status.members = xcalloc(1, sizeof(struct member_status));
	w.vols[0]->status.members[0] =
		(struct member_status){ .index = 0, .state = MEMBER_STATE_FAULTY, .last_epoch = 7 };
	add_member_partition(&w, 1);
	add_array(&w, members, 1);
	add_import(&w, nqn0, "/dev/nvme1n1");
	snprintf(expected, sizeof(expected),
		 "md-return vol=%s m0 nqn=%s device=/dev/dm-1 md=md127\n", VOL, nqn0);
	expect_plan(&w, expected);
	/* Its host's word only (never in this array at this epoch): full resync. */
	world_init(&w, volume_two("b", true));
	w.vols[0]->status.n_members = 1;
	w.vols[0]->status.members = xcalloc(1, sizeof(struct member_status));
	w.vols[0]->status.members[0] = (struct member_status){ .index = 0,
							       .state = MEMBER_STATE_EXPORTED,
							       .last_epoch = 7 };
	add_member_partition(&w, 1);
	add_array(&w, members, 1);
	add_import(&w, nqn0, "/dev/nvme1n1");
	snprintf(expected, sizeof(expected),
		 "md-return vol=%s m0 nqn=%s device=/dev/dm-1 md=md127 full\n", VOL, nqn0);
	expect_plan(&w, expected);
	/* A broken array (nothing in sync): the returning member may be the last
	 * current copy; nothing is done to it. */
	world_init(&w, volume_two("b", true));
	add_member_partition(&w, 1);
	add_array(&w, members, 1);
	w.obs.arrays[0].members[0].in_sync = false;
	w.obs.arrays[0].members[0].faulty = true;
	add_import(&w, nqn0, "/dev/nvme1n1");
	expect_plan(&w, "");
	free(nqn0);
}

/*
 * Item 3 of the compound-fault issue: the claim came back to this node (b ->
 * c -> b) while b's array of the first claim was still assembled. c wrote
 * since; b's array is older than the volume: nothing returns into it (a full
 * resync from it would overwrite c's writes), and it is stopped when unused.
 */
static void test_array_from_earlier_claim(void **state)
{
	struct world w;
	const char *members[] = { "nvme0n1p1" };
	char expected[512];
	char *nqn0 = nqn_of(0);

	world_init(&w, volume_two("b", true));
	w.vols[0]->status.node_name = xstrdup("c");
	add_member_partition(&w, 1);
	add_array(&w, members, 1);
	add_import(&w, nqn0, "/dev/nvme1n1");
	snprintf(expected, sizeof(expected), "md-stop vol=%s md=md127\n", VOL);
	expect_plan(&w, expected);
	/* Still mounted (the old pod's mount): left alone, nothing returned. */
	world_init(&w, volume_two("b", true));
	add_member_partition(&w, 1);
	add_array(&w, members, 1);
	free(w.vols[0]->status.node_name);
	w.vols[0]->status.node_name = NULL; /* the last consumer unstaged and cleared it */
	add_import(&w, nqn0, "/dev/nvme1n1");
	w.mounted[0] = "/dev/md127";
	w.n_mounted = 1;
	expect_plan(&w, "");
	free(nqn0);
}

/*
 * Item 2: every leg was lost at once. RAID1 keeps its last member In_sync on a
 * device that is gone (MD_BROKEN); the member returning under a new name may
 * be the newest copy. Nothing is returned (a failed re-add used to fall back
 * to zeroing it).
 */
/* Member 0 Synced at the epoch, back as nvme3n1; member 1 (local) failed in the array. */
static void world_last_member(struct world *w, const char *nqn0)
{
	const char *members[] = { "nvme2n1", "nvme0n1p1" };

	world_init(w, volume_two("b", true));
	w->vols[0]->status.n_members = 1;
	w->vols[0]->status.members = xcalloc(1, sizeof(struct member_status));
	w->vols[0]->status.members[0] =
		(struct member_status){ .index = 0, .state = MEMBER_STATE_SYNCED, .last_epoch = 7 };
	add_member_partition(w, 1);
	add_array(w, members, 2);
	w->obs.arrays[0].members[1].in_sync = false;
	w->obs.arrays[0].members[1].faulty = true;
	add_import(w, nqn0, "/dev/nvme3n1"); /* reconnected under a new name */
}

static void test_broken_array(void **state)
{
	struct world w;
	char *nqn0 = nqn_of(0);

	world_last_member(&w, nqn0);
	w.obs.arrays[0].broken = true;
	expect_plan(&w, "");
	/* Not known to be broken (/proc/mdstat did not answer within its second): the same. */
	world_last_member(&w, nqn0);
	w.obs.arrays[0].broken_unknown = true;
	expect_plan(&w, "");
	free(nqn0);
}

/*
 * Reads from the local copy: b consumes and holds member 1 (its partition);
 * member 0 comes from a over NVMe/TCP (its hold, dm-1). Each marked
 * write-mostly or not as given.
 */
static void world_reads(struct world *w, const char *nqn0, bool remote_wm, bool local_wm)
{
	const char *members[] = { "dm-1", "nvme0n1p1" };

	world_init(w, volume_two("b", true));
	add_member_partition(w, 1);
	add_array(w, members, 2);
	w->obs.arrays[0].level = xstrdup("raid1");
	w->obs.arrays[0].members[0].write_mostly = remote_wm;
	w->obs.arrays[0].members[1].partition = true;
	w->obs.arrays[0].members[1].write_mostly = local_wm;
	add_import(w, nqn0, "/dev/nvme1n1");
}

static void test_reads_from_local_copy(void **state)
{
	struct world w;
	char expected[512];
	char *nqn0 = nqn_of(0);

	/* Just assembled: the remote leg is marked, so MD reads the local one. */
	world_reads(&w, nqn0, false, false);
	snprintf(expected, sizeof(expected), "md-reads vol=%s device=dm-1 md=md127 write-mostly\n",
		 VOL);
	expect_plan(&w, expected);
	/* So already: nothing. */
	world_reads(&w, nqn0, true, false);
	expect_plan(&w, "");
	/* The consumer moved here from a: the superblocks kept a's marks, the other way round. */
	world_reads(&w, nqn0, false, true);
	snprintf(expected, sizeof(expected),
		 "md-reads vol=%s device=dm-1 md=md127 write-mostly\n"
		 "md-reads vol=%s device=nvme0n1p1 md=md127 balanced\n",
		 VOL, VOL);
	expect_plan(&w, expected);
	/*
	 * The local leg failed: nothing while it is in the array (MD reads the
	 * remote leg, marked or not), nor once it left with one remote leg.
	 */
	world_reads(&w, nqn0, false, false);
	w.obs.arrays[0].members[1].in_sync = false;
	w.obs.arrays[0].members[1].faulty = true;
	w.obs.arrays[0].members[1].slot = -1;
	expect_plan_lacks(&w, "md-reads");
	world_reads(&w, nqn0, true, false);
	free(w.obs.arrays[0].members[1].kname);
	w.obs.arrays[0].n_members = 1;
	expect_plan_lacks(&w, "md-reads");
	/* The remote leg does not answer (its I/O may wait): the mark waits a pass. */
	world_reads(&w, nqn0, false, false);
	free(w.obs.imports[0].ctrl_state);
	w.obs.imports[0].ctrl_state = xstrdup("connecting");
	expect_plan_lacks(&w, "md-reads");
	/* The claim moved to c: the array is stopped, nothing marked. */
	world_reads(&w, nqn0, false, false);
	free(w.vols[0]->status.node_name);
	w.vols[0]->status.node_name = xstrdup("c");
	snprintf(expected, sizeof(expected), "md-stop vol=%s md=md127\n", VOL);
	expect_plan(&w, expected);
	/* Being rebuilt (a spare, not in sync yet): marked, MD reads the rest from the remote. */
	world_reads(&w, nqn0, false, false);
	w.obs.arrays[0].members[1].in_sync = false;
	w.obs.arrays[0].members[1].spare = true;
	snprintf(expected, sizeof(expected), "md-reads vol=%s device=dm-1 md=md127 write-mostly\n",
		 VOL);
	expect_plan(&w, expected);
	/* RAID10 reads as its layout says; a broken array is left as it is. */
	world_reads(&w, nqn0, false, false);
	free(w.obs.arrays[0].level);
	w.obs.arrays[0].level = xstrdup("raid10");
	expect_plan(&w, "");
	world_reads(&w, nqn0, false, false);
	w.obs.arrays[0].broken = true;
	expect_plan(&w, "");
	free(nqn0);
}

/* No copy here: every leg remote, none marked (one left from an earlier consumer is cleared). */
static void test_reads_balanced_without_local_copy(void **state)
{
	struct world w;
	const char *members[] = { "dm-1", "dm-2" };
	char expected[512];
	char *nqn0 = nqn_of(0), *nqn1 = nqn_of(1);

	world_init(&w, volume_two("c", true));
	w.vols[0]->status.node_name = xstrdup("c");
	add_array(&w, members, 2);
	w.obs.arrays[0].level = xstrdup("raid1");
	w.obs.arrays[0].members[1].write_mostly = true;
	add_import(&w, nqn0, "/dev/nvme1n1");
	add_import(&w, nqn1, "/dev/nvme2n1");
	free(w.obs.imports[1].hold.device);
	w.obs.imports[1].hold.device = xstrdup("/dev/dm-2");
	snprintf(expected, sizeof(expected), "md-reads vol=%s device=dm-2 md=md127 balanced\n",
		 VOL);
	expect_plan_as(&w, "c", expected);
	free(nqn0);
	free(nqn1);
}

/*
 * Item 6: a hand-edited spec points member 1 at another volume's partition on
 * this node. It is neither exported nor deleted; the partition is not ours to
 * give.
 */
static void test_member_identity(void **state)
{
	struct world w;
	char uuid[UUID_STRING_LEN + 1], expected[512];
	char *nqn;
	const char *other = "pvc-ffffffffffffffffffffffff";

	world_init(&w, volume_two("a", true));
	partition_uuid_for_member(other, 0, uuid);
	free(w.vols[0]->spec.members[1].partition_uuid);
	w.vols[0]->spec.members[1].partition_uuid = xstrdup(uuid);
	add_partition(&w, uuid, "ms:pvc-ffffffffffffffffffffffff:m0", true);
	expect_plan(&w, "");
	/* The derived UUID, but the partition carrying it is named for another member. */
	world_init(&w, volume_two("a", true));
	partition_uuid_for_member(VOL, 1, uuid);
	add_partition(&w, uuid, "ms:" VOL ":m0", true);
	expect_plan(&w, "");
	/*
	 * Exported under member 1's name before the edit: the export goes (the
	 * fence must not count on a member that still serves), the partition stays.
	 */
	world_init(&w, volume_two("a", true));
	partition_uuid_for_member(other, 0, uuid);
	free(w.vols[0]->spec.members[1].partition_uuid);
	w.vols[0]->spec.members[1].partition_uuid = xstrdup(uuid);
	add_partition(&w, uuid, "ms:pvc-ffffffffffffffffffffffff:m0", true);
	nqn = nqn_of(1);
	add_export(&w, nqn, HOST_A, "/dev/nvme0n1p1");
	snprintf(expected, sizeof(expected), "unexport vol=%s m1 nqn=%s\n", VOL, nqn);
	expect_plan(&w, expected);
	free(nqn);
	/* On deletion neither. */
	world_init(&w, volume_two(NULL, true));
	w.vols[0]->meta.deleting = true;
	partition_uuid_for_member(other, 0, uuid);
	free(w.vols[0]->spec.members[1].partition_uuid);
	w.vols[0]->spec.members[1].partition_uuid = xstrdup(uuid);
	add_partition(&w, uuid, "ms:pvc-ffffffffffffffffffffffff:m0", true);
	expect_plan(&w, "finalizer-remove vol=" VOL "\n");
}

/*
 * report_volume() (report.c, pure), over the same worlds: a phase written by
 * hand (Deleting, with no deletionTimestamp) does not stick; the array says.
 */
static void test_report_phase(void **state)
{
	struct world w;
	const char *members[] = { "dm-1", "nvme0n1p1" };
	char *nqn0 = nqn_of(0);
	struct plan_input in = { .node_name = "b", .finalizer = FIN, .dev = "/dev" };
	struct volume *v;

	world_init(&w, volume_two("b", true));
	v = w.vols[0];
	v->status.phase = VOLUME_PHASE_DELETING;
	add_member_partition(&w, 1);
	add_array(&w, members, 2);
	add_import(&w, nqn0, "/dev/nvme1n1");
	in.volumes = (const struct volume *const *)w.vols;
	in.n_volumes = w.n_vols;
	in.nodes = (const struct mesh_node *const *)w.nodes;
	in.n_nodes = 3;
	in.obs = &w.obs;
	assert_true(report_volume(&in, v, 1000));
	assert_int_equal(v->status.phase, VOLUME_PHASE_READY);
	/*
	 * Member 0's node stopped answering: writes wait for its leg (nothing is
	 * dropped yet). Not Ready: it is not active, and the status says so,
	 * but its record stays Synced (it holds every write).
	 */
	free(w.obs.imports[0].ctrl_state);
	w.obs.imports[0].ctrl_state = xstrdup("connecting");
	assert_true(report_volume(&in, v, 1000));
	assert_int_equal(v->status.phase, VOLUME_PHASE_DEGRADED);
	assert_true(v->status.degraded);
	assert_int_equal(v->status.active_members, 1);
	assert_int_equal(volume_member_status(v, 0)->state, MEMBER_STATE_SYNCED);
	free(w.obs.imports[0].ctrl_state);
	w.obs.imports[0].ctrl_state = xstrdup("live");
	assert_true(report_volume(&in, v, 1000));
	assert_int_equal(v->status.phase, VOLUME_PHASE_READY);
	/* A broken array: Broken, nothing active, degraded. */
	w.obs.arrays[0].broken = true;
	assert_true(report_volume(&in, v, 1000));
	assert_int_equal(v->status.phase, VOLUME_PHASE_BROKEN);
	assert_true(v->status.degraded);
	assert_int_equal(v->status.active_members, 0);
	/* The API server's deletion: the phase stays Deleting. */
	v->meta.deleting = true;
	v->status.phase = VOLUME_PHASE_DELETING;
	report_volume(&in, v, 1000);
	assert_int_equal(v->status.phase, VOLUME_PHASE_DELETING);
	volume_free(v);
	for (size_t i = 0; i < 3; i++)
		mesh_node_free(w.nodes[i]);
	observation_done(&w.obs);
	free(nqn0);
}

static void report_in(struct world *w, struct plan_input *in)
{
	*in = (struct plan_input){ .node_name = "b",
				   .finalizer = FIN,
				   .dev = "/dev",
				   .volumes = (const struct volume *const *)w->vols,
				   .n_volumes = w->n_vols,
				   .nodes = (const struct mesh_node *const *)w->nodes,
				   .n_nodes = 3,
				   .obs = &w->obs };
}

static void world_done(struct world *w)
{
	for (size_t i = 0; i < w->n_vols; i++)
		volume_free(w->vols[i]);
	for (size_t i = 0; i < 3; i++)
		mesh_node_free(w->nodes[i]);
	observation_done(&w->obs);
}

/*
 * report_member_faulty(): out of the array means Faulty at the epoch, so that
 * copies_member_current() no longer counts it; only on the claim's own node,
 * and a full-resync mark stays.
 */
static void test_report_member_faulty(void **state)
{
	struct volume *v = volume_two("b", true);
	struct member_status *ms;

	/* The array is not recorded here yet: not this node's word. */
	assert_int_equal(report_member_faulty(v, "b", 7, 0, MEMBER_RETURNING_MESSAGE, false),
			 -EPERM);
	v->status.node_name = xstrdup("b");
	assert_int_equal(report_member_faulty(v, "a", 7, 0, MEMBER_RETURNING_MESSAGE, false),
			 -EPERM);
	ms = volume_member_status(v, 0);
	ms->state = MEMBER_STATE_SYNCED;
	ms->last_epoch = 7;
	assert_true(copies_member_current(v, 0));
	assert_int_equal(report_member_faulty(v, "b", 7, 0, MEMBER_RETURNING_MESSAGE, false), 1);
	ms = volume_member_status(v, 0);
	assert_int_equal(ms->state, MEMBER_STATE_FAULTY);
	assert_int_equal(ms->last_epoch, 7);
	assert_string_equal(ms->message, MEMBER_RETURNING_MESSAGE);
	assert_false(copies_member_current(v, 0));
	assert_true(member_joined_this_epoch(v, 0)); /* it may still return by its bitmap */
	/* Decided on another epoch's view: nothing written; 0 takes the record's epoch. */
	assert_int_equal(report_member_faulty(v, "b", 6, 0, MEMBER_FAILED_MESSAGE, false), -ESTALE);
	assert_int_equal(report_member_faulty(v, "b", 0, 0, MEMBER_FAILED_MESSAGE, false), 0);
	/* Said already: nothing to write. */
	assert_int_equal(report_member_faulty(v, "b", 7, 0, MEMBER_FAILED_MESSAGE, false), 0);
	/* About to be wiped: marked for a full resync, never the bitmap's way meanwhile. */
	assert_int_equal(report_member_faulty(v, "b", 7, 0, MEMBER_RETURNING_MESSAGE, true), 1);
	assert_string_equal(volume_member_status(v, 0)->message, MEMBER_WIPED_MESSAGE);
	assert_true(member_needs_full_resync(v, 0));
	assert_int_equal(report_member_faulty(v, "b", 7, 0, MEMBER_RETURNING_MESSAGE, true), 0);

	/* Missing at this epoch is behind already: its clock (the replacement's) stays. */
	ms = volume_member_status(v, 1);
	ms->state = MEMBER_STATE_MISSING;
	ms->last_epoch = 7;
	ms->missing_since = 1000;
	assert_int_equal(report_member_faulty(v, "b", 7, 1, MEMBER_RETURNING_MESSAGE, false), 0);
	assert_int_equal(volume_member_status(v, 1)->state, MEMBER_STATE_MISSING);
	assert_int_equal(volume_member_status(v, 1)->missing_since, 1000);
	/* Synced at an earlier epoch is not behind yet; a full-resync mark stays. */
	ms = volume_member_status(v, 1);
	ms->state = MEMBER_STATE_SYNCED;
	ms->last_epoch = 6;
	ms->message = xstrdup(MEMBER_BEHIND_MESSAGE);
	assert_int_equal(report_member_faulty(v, "b", 7, 1, MEMBER_FAILED_MESSAGE, true), 1);
	assert_int_equal(volume_member_status(v, 1)->state, MEMBER_STATE_FAULTY);
	assert_int_equal(volume_member_status(v, 1)->last_epoch, 7);
	assert_int_equal(volume_member_status(v, 1)->missing_since, 0);
	assert_string_equal(volume_member_status(v, 1)->message, MEMBER_BEHIND_MESSAGE);
	volume_free(v);
}

/* The host's report of such a member: Exported while it serves the claim, then Deleting. */
static void test_report_deleting_in_use(void **state)
{
	struct world w;
	char *nqn = nqn_of(1);
	struct plan_input in;
	struct volume *v;

	world_init(&w, volume_two("a", true));
	v = w.vols[0];
	v->meta.deleting = true;
	add_member_partition(&w, 1);
	add_export(&w, nqn, HOST_A, "/dev/nvme0n1p1");
	report_in(&w, &in);
	assert_true(report_volume(&in, v, 5000));
	assert_int_equal(volume_find_member_status(v, 1)->state, MEMBER_STATE_EXPORTED);
	free(v->spec.node_name);
	v->spec.node_name = NULL;
	v->spec.epoch++;
	/*
	 * Released, but still exported to a: nothing at the new epoch (the fence would believe it).
	 */
	assert_false(report_volume(&in, v, 5000));
	assert_int_equal(volume_find_member_status(v, 1)->state, MEMBER_STATE_EXPORTED);
	assert_int_equal(volume_find_member_status(v, 1)->last_epoch, 7);
	w.obs.exports[0].linked = false; /* plan.c took it down */
	assert_true(report_volume(&in, v, 5000));
	assert_int_equal(volume_find_member_status(v, 1)->state, MEMBER_STATE_DELETING);
	assert_int_equal(volume_find_member_status(v, 1)->last_epoch, 8);
	world_done(&w);
	free(nqn);
}

/*
 * Review finding: a claim moved from a to c, and this host's export still
 * names a (its pass took its view before the move): it reported the member
 * Created at the new epoch, which the fence takes for withdrawn from a.
 */
static void test_report_export_of_old_claim(void **state)
{
	struct world w;
	char *nqn = nqn_of(1);
	struct plan_input in;
	struct volume *v;

	world_init(&w, volume_two("c", true));
	v = w.vols[0];
	add_member_partition(&w, 1);
	add_export(&w, nqn, HOST_A, "/dev/nvme0n1p1");
	report_in(&w, &in);
	assert_false(report_volume(&in, v, 5000));
	assert_true(volume_find_member_status(v, 1) == NULL ||
		    volume_find_member_status(v, 1)->last_epoch != v->spec.epoch);
	/* Exported to c: said so at the epoch. */
	free(w.obs.exports[0].host_nqn);
	w.obs.exports[0].host_nqn = xstrdup(HOST_C);
	assert_true(report_volume(&in, v, 5000));
	assert_int_equal(volume_find_member_status(v, 1)->state, MEMBER_STATE_EXPORTED);
	assert_int_equal(volume_find_member_status(v, 1)->last_epoch, v->spec.epoch);
	world_done(&w);
	free(nqn);
}

/*
 * Review finding: a refusal for identity (a hand-edited partitionUUID, then
 * put back) used to overwrite the member's "full resync required" mark, so the
 * stale copy it marked passed for current afterwards. And while its export
 * stood, the refusal reported it withdrawn at the epoch, which the fence
 * believes.
 */
static void test_report_identity_keeps_mark(void **state)
{
	struct world w;
	struct plan_input in;
	struct volume *v;
	char uuid[UUID_STRING_LEN + 1], *right, *nqn = nqn_of(1);
	struct member_status *ms;

	world_init(&w, volume_two("a", true));
	v = w.vols[0];
	add_member_partition(&w, 1);
	add_export(&w, nqn, HOST_A, "/dev/nvme0n1p1");
	ms = volume_member_status(v, 1);
	ms->state = MEMBER_STATE_EXPORTED;
	ms->last_epoch = 6;
	ms->message = xstrdup(MEMBER_BEHIND_MESSAGE);
	report_in(&w, &in);
	right = v->spec.members[1].partition_uuid;
	partition_uuid_for_member("pvc-ffffffffffffffffffffffff", 0, uuid);
	v->spec.members[1].partition_uuid = xstrdup(uuid);
	report_volume(&in, v, 1000);
	ms = volume_member_status(v, 1);
	assert_non_null(strstr(ms->message, MEMBER_IDENTITY_MESSAGE));
	assert_false(copies_member_current(v, 1));
	assert_int_equal(ms->last_epoch, 6); /* still exported: not withdrawn */
	/* Put back: the identity note goes, the mark stays. */
	free(v->spec.members[1].partition_uuid);
	v->spec.members[1].partition_uuid = right;
	report_volume(&in, v, 1000);
	ms = volume_member_status(v, 1);
	assert_string_equal(ms->message, MEMBER_BEHIND_MESSAGE);
	assert_false(copies_member_current(v, 1));
	/* Without a mark, the note comes and goes alone. */
	free(ms->message);
	ms->message = NULL;
	free(v->spec.members[1].partition_uuid);
	v->spec.members[1].partition_uuid = xstrdup(uuid);
	report_volume(&in, v, 1000);
	ms = volume_member_status(v, 1);
	assert_string_equal(ms->message, MEMBER_IDENTITY_MESSAGE);
	free(v->spec.members[1].partition_uuid);
	partition_uuid_for_member(VOL, 1, uuid);
	v->spec.members[1].partition_uuid = xstrdup(uuid);
	report_volume(&in, v, 1000);
	assert_null(volume_member_status(v, 1)->message);
	world_done(&w);
	free(nqn);
}

/*
 * Review finding: an array this node kept across a claim that moved and came
 * back (epoch 6 -> 7) lost member 0's leg unrecorded; member 0 still reads
 * Synced at 6, so a later failover would take it for current while every
 * write of epoch 7 goes to member 1 alone. The consumer's report marks it
 * behind.
 */
static void test_report_marks_absent_member(void **state)
{
	struct world w;
	struct plan_input in;
	struct volume *v;
	const char *members[] = { "nvme0n1p1" };
	struct member_status *ms;

	world_init(&w, volume_two("b", true));
	v = w.vols[0];
	add_member_partition(&w, 1);
	add_array(&w, members, 1);
	w.obs.arrays[0].members[0].slot = 1;
	ms = volume_member_status(v, 0);
	ms->state = MEMBER_STATE_SYNCED;
	ms->last_epoch = 6;
	assert_true(copies_member_current(v, 0));
	report_in(&w, &in);
	assert_true(report_volume(&in, v, 1000));
	assert_false(copies_member_current(v, 0));
	assert_true(member_needs_full_resync(v, 0));
	/* Its host's word later does not take the mark away. */
	ms = volume_member_status(v, 0);
	assert_int_equal(ms->last_epoch, 6);
	/* An inactive array (never started) reports nothing: its members read as spares. */
	free(ms->message);
	ms->message = NULL;
	ms->state = MEMBER_STATE_SYNCED;
	free(w.obs.arrays[0].array_state);
	w.obs.arrays[0].array_state = xstrdup("inactive");
	w.obs.arrays[0].members[0].in_sync = false;
	w.obs.arrays[0].members[0].slot = -1;
	assert_false(report_volume(&in, v, 1000));
	assert_true(copies_member_current(v, 0));
	assert_true(copies_member_current(v, 1));
	free(w.obs.arrays[0].array_state);
	w.obs.arrays[0].array_state = xstrdup("clean");
	w.obs.arrays[0].members[0].in_sync = true;
	w.obs.arrays[0].members[0].slot = 1;
	/* A broken array takes no writes: nothing is marked. */
	free(ms->message);
	ms->message = NULL;
	w.obs.arrays[0].broken = true;
	report_volume(&in, v, 1000);
	assert_false(member_needs_full_resync(v, 0));
	world_done(&w);
}

static const struct condition *find_condition(const struct volume *v, const char *type)
{
	for (size_t i = 0; i < v->status.n_conditions; i++)
		if (strcmp(v->status.conditions[i].type, type) == 0)
			return &v->status.conditions[i];
	return NULL;
}

static void assert_condition(const struct volume *v, const char *type, enum condition_status status,
			     const char *reason)
{
	const struct condition *c = find_condition(v, type);

	assert_non_null(c);
	assert_int_equal(c->status, status);
	assert_string_equal(c->reason, reason);
	assert_non_null(c->message);
}

/*
 * The status tells the truth (issue: a shut-down filesystem read Ready): each
 * state of the array is its own phase and sets Available and InSync; a
 * condition's lastTransitionTime moves only with its status.
 */
static void test_report_conditions(void **state)
{
	struct world w;
	struct plan_input in;
	struct volume *v;
	const char *members[] = { "dm-1", "nvme0n1p1" };
	char *nqn0 = nqn_of(0);

	world_init(&w, volume_two("b", true));
	v = w.vols[0];
	add_member_partition(&w, 1);
	add_array(&w, members, 2);
	add_import(&w, nqn0, "/dev/nvme1n1");
	report_in(&w, &in);
	assert_true(report_volume(&in, v, 1000));
	assert_int_equal(v->status.phase, VOLUME_PHASE_READY);
	assert_condition(v, VOLUME_CONDITION_AVAILABLE, CONDITION_TRUE, "Assembled");
	assert_condition(v, VOLUME_CONDITION_IN_SYNC, CONDITION_TRUE, "AllMembersInSync");
	assert_false(report_volume(&in, v, 2000));
	/* XFS shut down on the array: its own phase, Available False. */
	w.obs.arrays[0].fs_shut_down = true;
	assert_true(report_volume(&in, v, 3000));
	assert_int_equal(v->status.phase, VOLUME_PHASE_FILESYSTEM_SHUT_DOWN);
	assert_condition(v, VOLUME_CONDITION_AVAILABLE, CONDITION_FALSE, "FilesystemShutDown");
	assert_int_equal(find_condition(v, VOLUME_CONDITION_AVAILABLE)->last_transition_time, 3000);
	assert_condition(v, VOLUME_CONDITION_IN_SYNC, CONDITION_TRUE, "AllMembersInSync");
	assert_int_equal(find_condition(v, VOLUME_CONDITION_IN_SYNC)->last_transition_time, 1000);
	/* A broken array says so first. */
	w.obs.arrays[0].broken = true;
	assert_true(report_volume(&in, v, 4000));
	assert_int_equal(v->status.phase, VOLUME_PHASE_BROKEN);
	assert_condition(v, VOLUME_CONDITION_AVAILABLE, CONDITION_FALSE, "ArrayBroken");
	assert_int_equal(find_condition(v, VOLUME_CONDITION_AVAILABLE)->last_transition_time, 3000);
	assert_condition(v, VOLUME_CONDITION_IN_SYNC, CONDITION_FALSE, "Degraded");
	w.obs.arrays[0].broken = false;
	w.obs.arrays[0].fs_shut_down = false;
	/* A leg waiting for its node: Degraded, naming the member. */
	free(w.obs.imports[0].ctrl_state);
	w.obs.imports[0].ctrl_state = xstrdup("connecting");
	assert_true(report_volume(&in, v, 5000));
	assert_int_equal(v->status.phase, VOLUME_PHASE_DEGRADED);
	assert_condition(v, VOLUME_CONDITION_AVAILABLE, CONDITION_TRUE, "Assembled");
	assert_condition(v, VOLUME_CONDITION_IN_SYNC, CONDITION_FALSE, "Degraded");
	assert_non_null(strstr(find_condition(v, VOLUME_CONDITION_IN_SYNC)->message, "1 of 2"));
	/* Every leg waiting: writes wait, and Available says so. */
	free(w.obs.arrays[0].members[1].kname);
	w.obs.arrays[0].members[1].kname = xstrdup("gone");
	assert_true(report_volume(&in, v, 5500));
	assert_condition(v, VOLUME_CONDITION_AVAILABLE, CONDITION_FALSE, "WritesWaiting");
	/* Staging waits for the current copy: Unavailable, NoCurrentCopy with the reason. */
	assert_true(report_waiting(v, "b", v->spec.epoch, "staging waits for a", 6000));
	assert_int_equal(v->status.phase, VOLUME_PHASE_UNAVAILABLE);
	assert_condition(v, VOLUME_CONDITION_AVAILABLE, CONDITION_FALSE, "NoCurrentCopy");
	assert_string_equal(find_condition(v, VOLUME_CONDITION_AVAILABLE)->message,
			    "staging waits for a");
	assert_false(report_waiting(v, "b", v->spec.epoch, "staging waits for a", 7000));
	/* A late word of a claim that moved covers nothing of the new consumer's. */
	v->status.phase = VOLUME_PHASE_READY;
	assert_false(report_waiting(v, "b", v->spec.epoch - 1, "staging waits for b", 7500));
	assert_false(report_waiting(v, "c", v->spec.epoch, "staging waits for b", 7500));
	free(v->status.node_name);
	v->status.node_name = xstrdup("c");
	assert_false(report_waiting(v, "b", v->spec.epoch, "staging waits for b", 7500));
	assert_int_equal(v->status.phase, VOLUME_PHASE_READY);
	free(v->status.node_name);
	v->status.node_name = xstrdup("b");
	/* Unstaged: no array here; what the status said of it goes, the copies' word stays. */
	w.obs.n_arrays = 0;
	assert_true(report_volume(&in, v, 7700));
	assert_null(v->status.node_name);
	assert_null(v->status.md_state);
	assert_null(v->status.ready);
	assert_int_equal(v->status.phase, VOLUME_PHASE_READY);
	assert_condition(v, VOLUME_CONDITION_AVAILABLE, CONDITION_FALSE, "NotAssembled");
	assert_false(report_volume(&in, v, 7800));
	w.obs.n_arrays = 1;
	/* Never over the controller's Deleting. */
	v->meta.deleting = true;
	v->status.phase = VOLUME_PHASE_DELETING;
	assert_false(report_waiting(v, "b", v->spec.epoch, "staging waits for b", 8000));
	assert_int_equal(v->status.phase, VOLUME_PHASE_DELETING);
	world_done(&w);
	free(nqn0);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finalizer_first),
		cmocka_unit_test(test_create_partition),
		cmocka_unit_test(test_unusable_drive),
		cmocka_unit_test(test_export_to_consumer),
		cmocka_unit_test(test_export_moves_to_new_consumer),
		cmocka_unit_test(test_exported_already),
		cmocka_unit_test(test_grow_in_place),
		cmocka_unit_test(test_unexport_when_released),
		cmocka_unit_test(test_delete_in_order),
		cmocka_unit_test(test_delete_waits_for_claim),
		cmocka_unit_test(test_report_deleting_in_use),
		cmocka_unit_test(test_consumer_connects_and_returns),
		cmocka_unit_test(test_array_of_moved_claim),
		cmocka_unit_test(test_leftovers),
		cmocka_unit_test(test_unreadable_drive),
		cmocka_unit_test(test_returning_member),
		cmocka_unit_test(test_array_from_earlier_claim),
		cmocka_unit_test(test_broken_array),
		cmocka_unit_test(test_reads_from_local_copy),
		cmocka_unit_test(test_reads_balanced_without_local_copy),
		cmocka_unit_test(test_member_identity),
		cmocka_unit_test(test_report_phase),
		cmocka_unit_test(test_report_member_faulty),
		cmocka_unit_test(test_report_identity_keeps_mark),
		cmocka_unit_test(test_report_marks_absent_member),
		cmocka_unit_test(test_report_conditions),
		cmocka_unit_test(test_report_export_of_old_claim),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
