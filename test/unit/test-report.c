// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a node agent says of a volume (node/report.c, pure): tables of what it
 * observed, as consumer (the array) and as host (its member's partition and
 * export), and the status each writes; then report_waiting() and
 * report_member_faulty(), which speak for staging and the leg watch.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/names.h"
#include "node/plan.h"
#include "node/report.h"
#include "util/macro.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define VOL "pvc-0123456789abcdef01234567"
#define OTHER_VOL "pvc-ffffffffffffffffffffffff"
#define EPOCH 7
#define NOW 1000
#define HOST_NQN_A "nqn.2014-08.org.nvmexpress:uuid:aaaaaaaa-0000-4000-8000-000000000001"
#define HOST_NQN_B "nqn.2014-08.org.nvmexpress:uuid:bbbbbbbb-0000-4000-8000-000000000002"
#define HOST_NQN_C "nqn.2014-08.org.nvmexpress:uuid:cccccccc-0000-4000-8000-000000000003"

#define EXPECT_INT(row, what, got, want)                                                   \
	do {                                                                               \
		long long got_ = (got), want_ = (want);                                    \
		if (got_ != want_)                                                         \
			fail_msg("%s: %s is %lld, want %lld", (row), (what), got_, want_); \
	} while (0)

static void expect_str(const char *row, const char *what, const char *got, const char *want)
{
	if ((!got != !want) || (got && strcmp(got, want) != 0))
		fail_msg("%s: %s is '%s', want '%s'", row, what, got ? got : "(null)",
			 want ? want : "(null)");
}

static const struct condition *find_condition(const struct volume *v, const char *type)
{
	for (size_t i = 0; i < v->status.n_conditions; i++)
		if (strcmp(v->status.conditions[i].type, type) == 0)
			return &v->status.conditions[i];
	return NULL;
}

/* Condition type of v is status with reason, and its message holds says (when given). */
static void expect_condition(const char *row, const struct volume *v, const char *type,
			     enum condition_status status, const char *reason, const char *says)
{
	const struct condition *c = find_condition(v, type);

	if (!c)
		fail_msg("%s: no condition %s", row, type);
	if (c->status != status || strcmp(c->reason, reason) != 0)
		fail_msg("%s: %s is %s/%s, want %s/%s", row, type,
			 condition_status_to_string(c->status), c->reason,
			 condition_status_to_string(status), reason);
	if (says && (!c->message || !strstr(c->message, says)))
		fail_msg("%s: %s says '%s', lacks '%s'", row, type, c->message, says);
	EXPECT_INT(row, "observedGeneration", c->observed_generation, v->meta.generation);
}

/*
 * A two-copy volume claimed by consumer at EPOCH: member 0 on host0, member 1
 * on host1, each at the partition UUID its identity derives.
 */
static struct volume *volume_two(const char *host0, const char *host1, const char *consumer)
{
	struct volume *v = volume_new();
	const char *hosts[] = { host0, host1 };

	v->meta.name = xstrdup(VOL);
	v->meta.generation = 3;
	v->spec.node_name = consumer ? xstrdup(consumer) : NULL;
	v->spec.capacity_bytes = 1LL << 30;
	v->spec.number_of_copies = 2;
	v->spec.drives_per_copy = 1;
	v->spec.epoch = EPOCH;
	v->spec.n_members = 2;
	v->spec.members = xcalloc(2, sizeof(*v->spec.members));
	for (int i = 0; i < 2; i++) {
		struct volume_member *m = &v->spec.members[i];

		m->index = i;
		m->copy = i;
		m->node_name = xstrdup(hosts[i]);
		m->drive = xstrdup(i ? "b-s1" : "a-s0");
		m->partition_uuid = xmalloc(UUID_STRING_LEN + 1);
		partition_uuid_for_member(VOL, (unsigned)i, m->partition_uuid);
		m->size_bytes = (1LL << 30) + (16LL << 20);
	}
	return v;
}

static void set_member(struct volume *v, int32_t index, enum member_state state, int64_t epoch,
		       int64_t missing_since, const char *message)
{
	struct member_status *ms = volume_member_status(v, index);

	ms->state = state;
	ms->last_epoch = epoch;
	ms->missing_since = missing_since;
	free(ms->message);
	ms->message = message ? xstrdup(message) : NULL;
}

/* The cluster (nodes a, b, c) and what this node, b, observed. */
struct world {
	struct volume *v;
	struct mesh_node *nodes[3];
	struct volume *vols[1];
	struct observation obs;
	struct plan_input in;
};

static struct mesh_node *node_of(const char *name, const char *nqn, const char *addr)
{
	struct mesh_node *n = mesh_node_new();

	n->meta.name = xstrdup(name);
	n->status.host_nqn = xstrdup(nqn);
	n->status.tcp_address = xstrdup(addr);
	return n;
}

static void world_init(struct world *w, struct volume *v)
{
	memset(w, 0, sizeof(*w));
	w->v = w->vols[0] = v;
	w->nodes[0] = node_of("a", HOST_NQN_A, "10.0.0.1");
	w->nodes[1] = node_of("b", HOST_NQN_B, "10.0.0.2");
	w->nodes[2] = node_of("c", HOST_NQN_C, "10.0.0.3");
	w->obs.n_drives = 1;
	w->obs.drives = xcalloc(1, sizeof(struct drive));
	w->obs.drives[0].kname = xstrdup("nvme0n1");
	w->obs.drives[0].path = xstrdup("/dev/nvme0n1");
	w->obs.drives[0].serial = xstrdup("S1");
	w->obs.drives[0].gpt.has_gpt = true;
	w->in = (struct plan_input){ .node_name = "b",
				     .finalizer = "node.csi.meshstor.io/b",
				     .volumes = (const struct volume *const *)w->vols,
				     .n_volumes = 1,
				     .nodes = (const struct mesh_node *const *)w->nodes,
				     .n_nodes = ARRAY_SIZE(w->nodes),
				     .obs = &w->obs,
				     .dev = "/dev" };
}

static void world_done(struct world *w)
{
	volume_free(w->v);
	for (size_t i = 0; i < ARRAY_SIZE(w->nodes); i++)
		mesh_node_free(w->nodes[i]);
	observation_done(&w->obs);
}

static char *nqn_of(unsigned index)
{
	struct strbuf sb = STRBUF_INIT;

	member_nqn(VOL, index, &sb);
	return strbuf_detach(&sb);
}

/* Member index's partition on this node's drive, named gpt_name ("ms:<vol>:m<i>"). */
static void add_partition(struct world *w, unsigned index, const char *gpt_name)
{
	struct gpt_disk *g = &w->obs.drives[0].gpt;
	struct gpt_partition *p;

	g->parts = xreallocarray(g->parts, g->n_parts + 1, sizeof(*g->parts));
	p = &g->parts[g->n_parts++];
	memset(p, 0, sizeof(*p));
	p->partno = (unsigned)g->n_parts;
	p->size = (1ULL << 30) + (16ULL << 20);
	partition_uuid_for_member(VOL, index, p->uuid);
	snprintf(p->name, sizeof(p->name), "%s", gpt_name);
	p->ours = true;
}

static void add_export(struct world *w, unsigned index, const char *host_nqn, bool linked)
{
	w->obs.exports =
		xreallocarray(w->obs.exports, w->obs.n_exports + 1, sizeof(*w->obs.exports));
	w->obs.exports[w->obs.n_exports++] = (struct nvmet_subsystem){
		.nqn = nqn_of(index),
		.host_nqn = xstrdup(host_nqn),
		.device_path = xstrdup("/dev/nvme0n1p1"),
		.enabled = true,
		.linked = linked,
	};
}

static void add_import(struct world *w, unsigned index, const char *block, bool live)
{
	w->obs.imports =
		xreallocarray(w->obs.imports, w->obs.n_imports + 1, sizeof(*w->obs.imports));
	w->obs.imports[w->obs.n_imports++] = (struct nvmf_subsystem){
		.nqn = nqn_of(index),
		.ctrl_state = xstrdup(live ? "live" : "connecting"),
		.block = xstrdup(block),
	};
}

/* This volume's array here, md127, "clean", with no member yet. */
static struct md_array *add_array(struct world *w)
{
	struct md_array *a;

	w->obs.arrays = xcalloc(1, sizeof(*a));
	w->obs.n_arrays = 1;
	a = &w->obs.arrays[0];
	a->kname = xstrdup("md127");
	a->name = xstrdup(VOL);
	a->uuid = xcalloc(UUID_STRING_LEN + 1, 1);
	volume_md_uuid(VOL, a->uuid);
	a->level = xstrdup("raid1");
	a->array_state = xstrdup("clean");
	a->sync_action = xstrdup("idle");
	a->raid_disks = 2;
	a->sync_percent = -1;
	a->members = xcalloc(2, sizeof(*a->members));
	return a;
}

static void array_add_member(struct md_array *a, const char *kname, int slot, bool in_sync,
			     bool faulty)
{
	a->members[a->n_members++] = (struct md_member){ .kname = xstrdup(kname),
							 .slot = slot,
							 .in_sync = in_sync,
							 .faulty = faulty,
							 .spare = !faulty && slot < 0 };
}

/*
 * The consumer: this node (b) has the array of a volume whose members live on
 * a and c, imported as nvme1n1 and nvme2n1. Each row is one observation of
 * the array and its legs, and the status the report writes of it, starting
 * from both members Synced at this epoch (the array was whole last pass).
 */
enum leg_kind {
	LEG_IN_SYNC,	/* in its slot, in sync */
	LEG_RECOVERING, /* in its slot, not in sync yet */
	LEG_SPARE,	/* in the array without a slot */
	LEG_FAULTY,	/* failed by MD, still listed */
	LEG_ABSENT,	/* imported, but not in the array */
	LEG_GONE,	/* neither imported nor in the array */
	LEG_WAITING,	/* in its slot, in sync, its controller reconnecting */
};

struct consumer_row {
	const char *name;
	enum leg_kind leg[2];
	bool broken, fs_shut_down;
	int sync_percent;
	const char *sync_action;
	/* what the status says */
	enum member_state state[2];
	int32_t active, failed, missing;
	const char *ready;
	int32_t sync_percentage;
	enum volume_phase phase;
	const char *available; /* reason of condition Available */
	const char *in_sync;   /* reason of condition InSync */
	const char *in_sync_says;
};

#define SYNCED MEMBER_STATE_SYNCED

/* clang-format off */
static const struct consumer_row consumer_rows[] = {
	{ "whole", { LEG_IN_SYNC, LEG_IN_SYNC }, false, false, -1, "idle",
	  { SYNCED, SYNCED }, 2, 0, 0, "2/2", 100, VOLUME_PHASE_READY, "Assembled",
	  "AllMembersInSync", "2 of 2 members active and in sync" },
	{ "member 1 out of the array", { LEG_IN_SYNC, LEG_ABSENT }, false, false, -1,
	  "idle", { SYNCED, MEMBER_STATE_MISSING }, 1, 0, 1, "1/2", 0, VOLUME_PHASE_DEGRADED,
	  "Assembled", "Degraded", "1 of 2 members active and in sync; member 1 on c: Missing" },
	{ "member 1's import gone", { LEG_IN_SYNC, LEG_GONE }, false, false, -1, "idle",
	  { SYNCED, MEMBER_STATE_MISSING }, 1, 0, 1, "1/2", 0, VOLUME_PHASE_DEGRADED,
	  "Assembled", "Degraded", "member 1 on c: Missing" },
	{ "member 0 failed by MD", { LEG_FAULTY, LEG_IN_SYNC }, false, false, -1, "idle",
	  { MEMBER_STATE_FAULTY, SYNCED }, 1, 1, 0, "1/2", 0, VOLUME_PHASE_DEGRADED, "Assembled",
	  "Degraded", "member 0 on a: Faulty" },
	{ "member 1 recovering", { LEG_IN_SYNC, LEG_RECOVERING }, false, false, 42,
	  "recover", { SYNCED, MEMBER_STATE_SYNCING }, 1, 0, 0, "1/2", 42, VOLUME_PHASE_SYNCING,
	  "Assembled", "Syncing", "1 of 2 members active and in sync; resync at 42%" },
	/* In its slot, the recovery not started (or frozen): Syncing, yet the volume is Degraded. */
	{ "member 1 in its slot, no resync running", { LEG_IN_SYNC, LEG_RECOVERING },
	  false, false, -1, "idle", { SYNCED, MEMBER_STATE_SYNCING }, 1, 0, 0, "1/2", 0,
	  VOLUME_PHASE_DEGRADED, "Assembled", "Degraded", "member 1 on c: Syncing" },
	{ "member 1 a spare", { LEG_IN_SYNC, LEG_SPARE }, false, false, -1, "idle",
	  { SYNCED, MEMBER_STATE_SPARE }, 1, 0, 0, "1/2", 0, VOLUME_PHASE_DEGRADED, "Assembled",
	  "Degraded", "member 1 on c: Spare" },
	{ "member 1 a spare being rebuilt", { LEG_IN_SYNC, LEG_SPARE }, false, false, 10,
	  "recover", { SYNCED, MEMBER_STATE_SYNCING }, 1, 0, 0, "1/2", 10, VOLUME_PHASE_SYNCING,
	  "Assembled", "Syncing", "resync at 10%" },
	/* A fresh array's resync: both members in their slots and in sync. */
	{ "resync of a whole array", { LEG_IN_SYNC, LEG_IN_SYNC }, false, false, 5,
	  "resync", { SYNCED, SYNCED }, 2, 0, 0, "2/2", 5, VOLUME_PHASE_SYNCING, "Assembled",
	  "AllMembersInSync", NULL },
	/* A scrub is no resync; its progress is what syncPercentage shows meanwhile. */
	{ "check of a whole array", { LEG_IN_SYNC, LEG_IN_SYNC }, false, false, 30,
	  "check", { SYNCED, SYNCED }, 2, 0, 0, "2/2", 30, VOLUME_PHASE_READY, "Assembled",
	  "AllMembersInSync", NULL },
	/* MD_BROKEN: RAID1 leaves its last member In_sync; the array takes no writes. */
	{ "broken, last member in sync", { LEG_IN_SYNC, LEG_FAULTY }, true, false, -1,
	  "idle", { SYNCED, MEMBER_STATE_FAULTY }, 0, 1, 0, "0/2", 0, VOLUME_PHASE_BROKEN,
	  "ArrayBroken", "Degraded",
	  "0 of 2 members active and in sync; member 0 on a: in sync, in a broken array; "
	  "member 1 on c: Faulty" },
	{ "broken, both in sync", { LEG_IN_SYNC, LEG_IN_SYNC }, true, false, -1, "idle",
	  { SYNCED, SYNCED }, 0, 0, 0, "0/2", 0, VOLUME_PHASE_BROKEN, "ArrayBroken", "Degraded",
	  "0 of 2" },
	{ "broken while recovering", { LEG_IN_SYNC, LEG_RECOVERING }, true, false, 50,
	  "recover", { SYNCED, MEMBER_STATE_SYNCING }, 0, 0, 0, "0/2", 50, VOLUME_PHASE_BROKEN,
	  "ArrayBroken", "Degraded", "member 1 on c: Syncing" },
	{ "broken and shut down", { LEG_IN_SYNC, LEG_FAULTY }, true, true, -1, "idle",
	  { SYNCED, MEMBER_STATE_FAULTY }, 0, 1, 0, "0/2", 0, VOLUME_PHASE_BROKEN, "ArrayBroken",
	  "Degraded", NULL },
	{ "filesystem shut down", { LEG_IN_SYNC, LEG_IN_SYNC }, false, true, -1, "idle",
	  { SYNCED, SYNCED }, 2, 0, 0, "2/2", 100, VOLUME_PHASE_FILESYSTEM_SHUT_DOWN,
	  "FilesystemShutDown", "AllMembersInSync", NULL },
	/* A reconnecting leg holds every write (they wait for it) but is not active. */
	{ "member 0's leg reconnecting", { LEG_WAITING, LEG_IN_SYNC }, false, false,
	  -1, "idle", { SYNCED, SYNCED }, 1, 0, 0, "1/2", 0, VOLUME_PHASE_DEGRADED, "Assembled",
	  "Degraded", "1 of 2 members active and in sync; member 0 on a: in sync, its leg reconnecting" },
	{ "every leg reconnecting", { LEG_WAITING, LEG_WAITING }, false, false,
	  -1, "idle", { SYNCED, SYNCED }, 0, 0, 0, "0/2", 0, VOLUME_PHASE_DEGRADED,
	  "WritesWaiting", "Degraded",
	  "0 of 2 members active and in sync; member 0 on a: in sync, its leg reconnecting; "
	  "member 1 on c: in sync, its leg reconnecting" },
};
/* clang-format on */

static void consumer_world(struct world *w, const struct consumer_row *row)
{
	static const char *const blocks[] = { "/dev/nvme1n1", "/dev/nvme2n1" };
	struct md_array *a;

	world_init(w, volume_two("a", "c", "b"));
	w->v->status.node_name = xstrdup("b");
	for (int i = 0; i < 2; i++)
		set_member(w->v, i, SYNCED, EPOCH, 0, NULL);
	a = add_array(w);
	a->broken = row->broken;
	a->fs_shut_down = row->fs_shut_down;
	a->sync_percent = row->sync_percent;
	free(a->sync_action);
	a->sync_action = xstrdup(row->sync_action);
	for (unsigned i = 0; i < 2; i++) {
		enum leg_kind l = row->leg[i];
		const char *kname = blocks[i] + strlen("/dev/");

		if (l != LEG_GONE)
			add_import(w, i, blocks[i], l != LEG_WAITING);
		if (l == LEG_IN_SYNC || l == LEG_WAITING || l == LEG_RECOVERING)
			array_add_member(a, kname, (int)i, l != LEG_RECOVERING, false);
		else if (l == LEG_SPARE || l == LEG_FAULTY)
			array_add_member(a, kname, -1, false, l == LEG_FAULTY);
	}
}

static void check_consumer_row(const struct consumer_row *row)
{
	struct world w;
	const struct volume_status *st;

	consumer_world(&w, row);
	st = &w.v->status;
	if (!report_volume(&w.in, w.v, NOW))
		fail_msg("%s: the first report changed nothing", row->name);
	for (int i = 0; i < 2; i++) {
		const struct member_status *ms = volume_find_member_status(w.v, i);
		bool missing = row->state[i] == MEMBER_STATE_MISSING;

		EXPECT_INT(row->name, "member state", ms->state, row->state[i]);
		EXPECT_INT(row->name, "member lastEpoch", ms->last_epoch, EPOCH);
		EXPECT_INT(row->name, "member missingSince", ms->missing_since, missing ? NOW : 0);
	}
	expect_str(row->name, "nodeName", st->node_name, "b");
	expect_str(row->name, "mdState", st->md_state, "clean");
	expect_str(row->name, "ready", st->ready, row->ready);
	EXPECT_INT(row->name, "totalMembers", st->total_members, 2);
	EXPECT_INT(row->name, "activeMembers", st->active_members, row->active);
	EXPECT_INT(row->name, "failedMembers", st->failed_members, row->failed);
	EXPECT_INT(row->name, "missingMembers", st->missing_members, row->missing);
	EXPECT_INT(row->name, "degraded", st->degraded, row->active < 2);
	EXPECT_INT(row->name, "syncPercentage", st->sync_percentage, row->sync_percentage);
	EXPECT_INT(row->name, "phase", st->phase, row->phase);
	if (row->broken && st->phase == VOLUME_PHASE_READY)
		fail_msg("%s: a broken array reads Ready", row->name);
	expect_condition(row->name, w.v, VOLUME_CONDITION_AVAILABLE,
			 strcmp(row->available, "Assembled") == 0 ? CONDITION_TRUE
								  : CONDITION_FALSE,
			 row->available, "md127 on b");
	expect_condition(row->name, w.v, VOLUME_CONDITION_IN_SYNC,
			 strcmp(row->in_sync, "AllMembersInSync") == 0 ? CONDITION_TRUE
								       : CONDITION_FALSE,
			 row->in_sync, row->in_sync_says);
	/* The same observation later: nothing to write, and a Missing member keeps its clock. */
	if (report_volume(&w.in, w.v, NOW + 60))
		fail_msg("%s: the same observation again changed the status", row->name);
	for (int i = 0; i < 2; i++)
		if (row->state[i] == MEMBER_STATE_MISSING)
			EXPECT_INT(row->name, "missingSince later",
				   volume_find_member_status(w.v, i)->missing_since, NOW);
	world_done(&w);
}

static void test_consumer_table(void **state)
{
	for (size_t r = 0; r < ARRAY_SIZE(consumer_rows); r++)
		check_consumer_row(&consumer_rows[r]);
}

/* The whole array of consumer_rows[0], for the tests that change one thing of it. */
static void consumer_whole(struct world *w)
{
	consumer_world(w, &consumer_rows[0]);
}

/*
 * A member the leg watch recorded Faulty before it returned stays behind
 * (Missing, then Syncing) until MD has it in sync again; only then is the
 * record's message gone. Missing keeps the clock it started with.
 */
static void test_consumer_returning_member(void **state)
{
	struct world w;
	struct md_array *a;
	struct member_status *ms;

	consumer_whole(&w);
	a = &w.obs.arrays[0];
	assert_int_equal(report_member_faulty(w.v, "b", EPOCH, 1, MEMBER_RETURNING_MESSAGE, false),
			 1);
	/* Out of the array: Missing from now, the message kept. */
	free(a->members[1].kname);
	a->n_members = 1;
	assert_true(report_volume(&w.in, w.v, NOW));
	ms = volume_member_status(w.v, 1);
	assert_int_equal(ms->state, MEMBER_STATE_MISSING);
	assert_int_equal(ms->missing_since, NOW);
	assert_string_equal(ms->message, MEMBER_RETURNING_MESSAGE);
	assert_false(report_volume(&w.in, w.v, NOW + 30));
	assert_int_equal(volume_member_status(w.v, 1)->missing_since, NOW);
	/* Back, recovering: Syncing, not current yet, the clock stopped. */
	array_add_member(a, "nvme2n1", 1, false, false);
	a->sync_percent = 60;
	free(a->sync_action);
	a->sync_action = xstrdup("recover");
	assert_true(report_volume(&w.in, w.v, NOW + 60));
	ms = volume_member_status(w.v, 1);
	assert_int_equal(ms->state, MEMBER_STATE_SYNCING);
	assert_int_equal(ms->missing_since, 0);
	assert_string_equal(ms->message, MEMBER_RETURNING_MESSAGE);
	assert_int_equal(w.v->status.phase, VOLUME_PHASE_SYNCING);
	assert_int_equal(w.v->status.sync_percentage, 60);
	/* In sync: current again, and whole. */
	a->members[1].in_sync = true;
	a->sync_percent = -1;
	free(a->sync_action);
	a->sync_action = xstrdup("idle");
	assert_true(report_volume(&w.in, w.v, NOW + 90));
	ms = volume_member_status(w.v, 1);
	assert_int_equal(ms->state, SYNCED);
	assert_null(ms->message);
	assert_int_equal(w.v->status.phase, VOLUME_PHASE_READY);
	world_done(&w);
}

/* Missing at this epoch already: the clock that started then goes on (replacement counts it). */
static void test_consumer_missing_clock(void **state)
{
	struct world w;

	consumer_whole(&w);
	set_member(w.v, 1, MEMBER_STATE_MISSING, EPOCH, 400, NULL);
	w.obs.arrays[0].n_members = 1;
	free(w.obs.arrays[0].members[1].kname);
	report_volume(&w.in, w.v, NOW);
	assert_int_equal(volume_member_status(w.v, 1)->state, MEMBER_STATE_MISSING);
	assert_int_equal(volume_member_status(w.v, 1)->missing_since, 400);
	/* Missing under an earlier epoch: not this array's word; marked behind instead. */
	set_member(w.v, 1, MEMBER_STATE_MISSING, EPOCH - 1, 400, NULL);
	assert_true(report_volume(&w.in, w.v, NOW));
	assert_int_equal(volume_member_status(w.v, 1)->last_epoch, EPOCH - 1);
	assert_int_equal(volume_member_status(w.v, 1)->missing_since, 400);
	assert_string_equal(volume_member_status(w.v, 1)->message, MEMBER_BEHIND_MESSAGE);
	world_done(&w);
}

/*
 * A member out of a working array and never recorded in it at this epoch
 * keeps its host's word, and is marked behind: every write goes on without it.
 * A mark there already stays; a broken array takes no writes and marks nothing.
 */
static void test_consumer_marks_absent(void **state)
{
	/* clang-format off */
	static const struct {
		const char *name;
		enum member_state state;
		int64_t epoch;
		const char *message;
		bool broken;
		const char *want_message;
	} rows[] = {
		{ "exported at this epoch", MEMBER_STATE_EXPORTED, EPOCH, NULL, false,
		  MEMBER_BEHIND_MESSAGE },
		{ "synced under the last epoch", SYNCED, EPOCH - 1, NULL, false,
		  MEMBER_BEHIND_MESSAGE },
		{ "diverged already", SYNCED, EPOCH - 1, MEMBER_DIVERGED_MESSAGE, false,
		  MEMBER_DIVERGED_MESSAGE },
		{ "being wiped already", MEMBER_STATE_EXPORTED, EPOCH, MEMBER_WIPED_MESSAGE, false,
		  MEMBER_WIPED_MESSAGE },
		{ "broken array", SYNCED, EPOCH - 1, NULL, true, NULL },
	};
	/* clang-format on */

	for (size_t r = 0; r < ARRAY_SIZE(rows); r++) {
		struct world w;
		const struct member_status *ms;

		consumer_whole(&w);
		w.obs.arrays[0].broken = rows[r].broken;
		w.obs.arrays[0].n_members = 1;
		free(w.obs.arrays[0].members[1].kname);
		set_member(w.v, 1, rows[r].state, rows[r].epoch, 0, rows[r].message);
		report_volume(&w.in, w.v, NOW);
		ms = volume_find_member_status(w.v, 1);
		EXPECT_INT(rows[r].name, "state", ms->state, rows[r].state);
		EXPECT_INT(rows[r].name, "lastEpoch", ms->last_epoch, rows[r].epoch);
		EXPECT_INT(rows[r].name, "missingSince", ms->missing_since, 0);
		expect_str(rows[r].name, "message", ms->message, rows[r].want_message);
		EXPECT_INT(rows[r].name, "missingMembers", w.v->status.missing_members, 1);
		EXPECT_INT(rows[r].name, "needs a full resync", member_needs_full_resync(w.v, 1),
			   rows[r].want_message != NULL);
		world_done(&w);
	}
}

/* A behind member syncing is still behind: the mark goes only once it is in sync. */
static void test_consumer_mark_until_synced(void **state)
{
	struct world w;
	struct md_array *a;

	consumer_whole(&w);
	a = &w.obs.arrays[0];
	a->members[1].in_sync = false;
	a->sync_percent = 3;
	free(a->sync_action);
	a->sync_action = xstrdup("recover");
	set_member(w.v, 1, MEMBER_STATE_SYNCING, EPOCH, 0, MEMBER_BEHIND_MESSAGE);
	assert_true(report_volume(&w.in, w.v, NOW));
	assert_int_equal(volume_member_status(w.v, 1)->state, MEMBER_STATE_SYNCING);
	assert_true(member_needs_full_resync(w.v, 1));
	a->members[1].in_sync = true;
	a->sync_percent = -1;
	assert_true(report_volume(&w.in, w.v, NOW));
	assert_int_equal(volume_member_status(w.v, 1)->state, SYNCED);
	assert_false(member_needs_full_resync(w.v, 1));
	world_done(&w);
}

/* A volume being deleted keeps its Deleting phase; the rest of the report goes on. */
static void test_consumer_deleting(void **state)
{
	struct world w;

	consumer_whole(&w);
	w.v->meta.deleting = true;
	w.v->status.phase = VOLUME_PHASE_DELETING;
	w.obs.arrays[0].members[1].faulty = true;
	w.obs.arrays[0].members[1].in_sync = false;
	assert_true(report_volume(&w.in, w.v, NOW));
	assert_int_equal(w.v->status.phase, VOLUME_PHASE_DELETING);
	assert_int_equal(w.v->status.active_members, 1);
	assert_int_equal(w.v->status.failed_members, 1);
	assert_int_equal(volume_member_status(w.v, 1)->state, MEMBER_STATE_FAULTY);
	expect_condition("deleting", w.v, VOLUME_CONDITION_IN_SYNC, CONDITION_FALSE, "Degraded",
			 "member 1 on c: Faulty");
	world_done(&w);
}

/*
 * Which array speaks: only the one staging recorded here (status.nodeName),
 * for this node's claim, and started. Once it is gone, what the status said
 * of it goes, while the members' word and the phase stay.
 */
static void test_consumer_which_array(void **state)
{
	/* clang-format off */
	static const struct {
		const char *name;
		const char *claim, *recorded; /* spec.nodeName, status.nodeName */
		bool array, inactive;
		bool changed, stopped;
	} rows[] = {
		{ "not recorded by staging", "b", NULL, true, false, false, false },
		{ "recorded by another node", "b", "c", true, false, false, false },
		{ "claim moved away", "c", "b", true, false, false, false },
		{ "never started", "b", "b", true, true, false, false },
		{ "another node's, gone", "b", "c", false, false, false, false },
		{ "this node's, gone", "b", "b", false, false, true, true },
		{ "this node's, gone, claim moved", "c", "b", false, false, true, true },
	};
	/* clang-format on */

	for (size_t r = 0; r < ARRAY_SIZE(rows); r++) {
		struct world w;
		struct volume_status *st;

		consumer_whole(&w);
		st = &w.v->status;
		free(w.v->spec.node_name);
		w.v->spec.node_name = xstrdup(rows[r].claim);
		free(st->node_name);
		st->node_name = rows[r].recorded ? xstrdup(rows[r].recorded) : NULL;
		st->md_state = xstrdup("clean");
		st->ready = xstrdup("2/2");
		st->phase = VOLUME_PHASE_READY;
		st->total_members = st->active_members = 2;
		if (rows[r].inactive) {
			free(w.obs.arrays[0].array_state);
			w.obs.arrays[0].array_state = xstrdup("inactive");
			w.obs.arrays[0].members[0].in_sync = false;
			w.obs.arrays[0].members[0].slot = -1;
		}
		if (!rows[r].array)
			w.obs.n_arrays = 0;
		EXPECT_INT(rows[r].name, "changed", report_volume(&w.in, w.v, NOW),
			   rows[r].changed);
		EXPECT_INT(rows[r].name, "member 0", volume_member_status(w.v, 0)->state, SYNCED);
		EXPECT_INT(rows[r].name, "phase", st->phase, VOLUME_PHASE_READY);
		EXPECT_INT(rows[r].name, "totalMembers", st->total_members, 2);
		EXPECT_INT(rows[r].name, "activeMembers", st->active_members,
			   rows[r].stopped ? 0 : 2);
		expect_str(rows[r].name, "nodeName", st->node_name,
			   rows[r].stopped ? NULL : rows[r].recorded);
		expect_str(rows[r].name, "mdState", st->md_state, rows[r].stopped ? NULL : "clean");
		expect_str(rows[r].name, "ready", st->ready, rows[r].stopped ? NULL : "2/2");
		if (rows[r].stopped) {
			expect_condition(rows[r].name, w.v, VOLUME_CONDITION_AVAILABLE,
					 CONDITION_FALSE, "NotAssembled", "not assembled");
			EXPECT_INT(rows[r].name, "again", report_volume(&w.in, w.v, NOW), false);
		} else if (find_condition(w.v, VOLUME_CONDITION_AVAILABLE)) {
			fail_msg("%s: a condition from an array that does not speak", rows[r].name);
		}
		/* Hidden above, still owned by w.obs. */
		if (!rows[r].array)
			w.obs.n_arrays = 1;
		world_done(&w);
	}
}

/*
 * The host: this node (b) holds member 1 of a volume claimed by a. Each row is
 * what its record said, what the node has of the member, and the record after.
 */
enum part_kind {
	PART_NONE,
	PART_OURS,	 /* the UUID and GPT name its identity derives */
	PART_WRONG_NAME, /* the right UUID under another member's GPT name */
	PART_WRONG_UUID, /* spec names another volume's UUID (a hand edit) */
};

enum export_kind {
	EXP_NONE,
	EXP_CONSUMER,  /* linked, to a */
	EXP_UNLINKED,  /* to a, but on no port */
	EXP_OLD_CLAIM, /* linked, to c: plan.c takes it down */
};

struct host_row {
	const char *name;
	enum member_state state;
	int64_t epoch;
	const char *message;
	enum part_kind part;
	enum export_kind exp;
	bool deleting;
	/* after */
	bool changed;
	enum member_state want_state;
	int64_t want_epoch;
	const char *want_message;
};

#define REQUESTED MEMBER_STATE_REQUESTED
#define EXPORTED MEMBER_STATE_EXPORTED

/* clang-format off */
static const struct host_row host_rows[] = {
	{ "never reported, no partition", REQUESTED, -1, NULL, PART_NONE, EXP_NONE, false, true,
	  REQUESTED, EPOCH, NULL },
	{ "partition made", REQUESTED, EPOCH, NULL, PART_OURS, EXP_NONE, false, true,
	  MEMBER_STATE_CREATED, EPOCH, NULL },
	{ "exported to the consumer", MEMBER_STATE_CREATED, EPOCH, NULL, PART_OURS, EXP_CONSUMER,
	  false, true, EXPORTED, EPOCH, NULL },
	{ "said so already", EXPORTED, EPOCH, NULL, PART_OURS, EXP_CONSUMER, false, false,
	  EXPORTED, EPOCH, NULL },
	{ "export on no port", EXPORTED, EPOCH, NULL, PART_OURS, EXP_UNLINKED, false, true,
	  MEMBER_STATE_CREATED, EPOCH, NULL },
	/* Created at the new epoch would tell the fence it was withdrawn from c. */
	{ "still exported to the last claim", EXPORTED, EPOCH - 1, NULL, PART_OURS,
	  EXP_OLD_CLAIM, false, false, EXPORTED, EPOCH - 1, NULL },
	{ "the consumer's word at this epoch stands", SYNCED, EPOCH, NULL, PART_OURS,
	  EXP_CONSUMER, false, false, SYNCED, EPOCH, NULL },
	{ "Faulty at this epoch stands", MEMBER_STATE_FAULTY, EPOCH, NULL, PART_NONE, EXP_NONE,
	  false, false, MEMBER_STATE_FAULTY, EPOCH, NULL },
	/* A new claim: a member out of its array then is behind now. */
	{ "new claim, was in sync", SYNCED, EPOCH - 1, NULL, PART_OURS, EXP_CONSUMER, false,
	  true, EXPORTED, EPOCH, NULL },
	{ "new claim, was faulty", MEMBER_STATE_FAULTY, EPOCH - 1, NULL, PART_OURS, EXP_CONSUMER,
	  false, true, EXPORTED, EPOCH, MEMBER_BEHIND_MESSAGE },
	{ "new claim, was missing", MEMBER_STATE_MISSING, EPOCH - 1, NULL, PART_OURS,
	  EXP_CONSUMER, false, true, EXPORTED, EPOCH, MEMBER_BEHIND_MESSAGE },
	{ "new claim, was syncing", MEMBER_STATE_SYNCING, EPOCH - 1, NULL, PART_OURS,
	  EXP_CONSUMER, false, true, EXPORTED, EPOCH, MEMBER_BEHIND_MESSAGE },
	{ "new claim, diverged mark kept", MEMBER_STATE_FAULTY, EPOCH - 1,
	  MEMBER_DIVERGED_MESSAGE, PART_OURS, EXP_CONSUMER, false, true, EXPORTED, EPOCH,
	  MEMBER_DIVERGED_MESSAGE },
	{ "deleting, partition left", MEMBER_STATE_CREATED, EPOCH, NULL, PART_OURS, EXP_NONE,
	  true, true, MEMBER_STATE_DELETING, EPOCH, NULL },
	{ "deleting, no partition", MEMBER_STATE_CREATED, EPOCH, NULL, PART_NONE, EXP_NONE, true,
	  true, MEMBER_STATE_DELETING, EPOCH, NULL },
	{ "deleting, still in use", MEMBER_STATE_CREATED, EPOCH, NULL, PART_OURS, EXP_CONSUMER,
	  true, true, EXPORTED, EPOCH, NULL },
	/* Identity refused: nothing done to it, and withdrawn only once its export is gone. */
	{ "wrong UUID in spec", MEMBER_STATE_CREATED, EPOCH, NULL, PART_WRONG_UUID, EXP_NONE,
	  false, true, REQUESTED, EPOCH, MEMBER_IDENTITY_MESSAGE },
	{ "wrong GPT name", MEMBER_STATE_CREATED, EPOCH, NULL, PART_WRONG_NAME, EXP_NONE, false,
	  true, REQUESTED, EPOCH, MEMBER_IDENTITY_MESSAGE },
	{ "wrong UUID, still exported", EXPORTED, EPOCH, NULL, PART_WRONG_UUID, EXP_CONSUMER,
	  false, true, EXPORTED, EPOCH, MEMBER_IDENTITY_MESSAGE },
	{ "wrong UUID, behind mark kept", EXPORTED, EPOCH, MEMBER_BEHIND_MESSAGE,
	  PART_WRONG_UUID, EXP_NONE, false, true, REQUESTED, EPOCH,
	  MEMBER_BEHIND_MESSAGE "; " MEMBER_IDENTITY_MESSAGE },
	{ "identity right again", MEMBER_STATE_CREATED, EPOCH, MEMBER_IDENTITY_MESSAGE, PART_OURS,
	  EXP_NONE, false, true, MEMBER_STATE_CREATED, EPOCH, NULL },
	{ "identity right again, mark kept", MEMBER_STATE_CREATED, EPOCH,
	  MEMBER_BEHIND_MESSAGE "; " MEMBER_IDENTITY_MESSAGE, PART_OURS, EXP_NONE, false, true,
	  MEMBER_STATE_CREATED, EPOCH, MEMBER_BEHIND_MESSAGE },
};
/* clang-format on */

static void host_world(struct world *w, const struct host_row *row)
{
	world_init(w, volume_two("a", "b", "a"));
	w->v->meta.deleting = row->deleting;
	set_member(w->v, 1, row->state, row->epoch, 0, row->message);
	if (row->part == PART_OURS || row->part == PART_WRONG_UUID)
		add_partition(w, 1, "ms:" VOL ":m1");
	else if (row->part == PART_WRONG_NAME)
		add_partition(w, 1, "ms:" VOL ":m0");
	if (row->part == PART_WRONG_UUID) {
		struct volume_member *m = &w->v->spec.members[1];

		partition_uuid_for_member(OTHER_VOL, 1, m->partition_uuid);
	}
	if (row->exp != EXP_NONE)
		add_export(w, 1, row->exp == EXP_OLD_CLAIM ? HOST_NQN_C : HOST_NQN_A,
			   row->exp != EXP_UNLINKED);
}

static void test_host_table(void **state)
{
	for (size_t r = 0; r < ARRAY_SIZE(host_rows); r++) {
		const struct host_row *row = &host_rows[r];
		const struct member_status *ms;
		struct world w;

		host_world(&w, row);
		EXPECT_INT(row->name, "changed", report_volume(&w.in, w.v, NOW), row->changed);
		ms = volume_find_member_status(w.v, 1);
		EXPECT_INT(row->name, "state", ms->state, row->want_state);
		EXPECT_INT(row->name, "lastEpoch", ms->last_epoch, row->want_epoch);
		expect_str(row->name, "message", ms->message, row->want_message);
		/* Only its own member, and nothing of the array (a's to say). */
		if (volume_find_member_status(w.v, 0))
			fail_msg("%s: wrote member 0, hosted by a", row->name);
		if (w.v->status.node_name || w.v->status.n_conditions)
			fail_msg("%s: a host spoke for the array", row->name);
		EXPECT_INT(row->name, "changed again", report_volume(&w.in, w.v, NOW), false);
		world_done(&w);
	}
}

/*
 * Staging waits for a current copy: the consumer says so, only for the claim
 * that waited (a late word must not cover a newer consumer's) and never on a
 * volume being deleted.
 */
static void test_waiting_table(void **state)
{
	/* clang-format off */
	static const struct {
		const char *name;
		const char *claim, *recorded;
		bool deleting;
		const char *node;
		int64_t epoch;
		bool want;
	} rows[] = {
		{ "this claim", "b", NULL, false, "b", EPOCH, true },
		{ "this claim, array recorded here", "b", "b", false, "b", EPOCH, true },
		{ "array recorded elsewhere", "b", "c", false, "b", EPOCH, false },
		{ "an older epoch", "b", NULL, false, "b", EPOCH - 1, false },
		{ "another node's claim", "c", NULL, false, "b", EPOCH, false },
		{ "no claim", NULL, NULL, false, "b", EPOCH, false },
		{ "being deleted", "b", NULL, true, "b", EPOCH, false },
	};
	/* clang-format on */

	for (size_t r = 0; r < ARRAY_SIZE(rows); r++) {
		struct volume *v = volume_two("a", "c", rows[r].claim);

		v->meta.deleting = rows[r].deleting;
		v->status.node_name = rows[r].recorded ? xstrdup(rows[r].recorded) : NULL;
		v->status.phase = VOLUME_PHASE_READY;
		EXPECT_INT(rows[r].name, "changed",
			   report_waiting(v, rows[r].node, rows[r].epoch, "waits for a", NOW),
			   rows[r].want);
		if (rows[r].want) {
			EXPECT_INT(rows[r].name, "phase", v->status.phase,
				   VOLUME_PHASE_UNAVAILABLE);
			expect_condition(rows[r].name, v, VOLUME_CONDITION_AVAILABLE,
					 CONDITION_FALSE, "NoCurrentCopy", "waits for a");
			EXPECT_INT(rows[r].name, "said again",
				   report_waiting(v, rows[r].node, rows[r].epoch, "waits for a",
						  NOW + 1),
				   false);
			EXPECT_INT(rows[r].name, "another reason",
				   report_waiting(v, rows[r].node, rows[r].epoch, "waits for c",
						  NOW + 2),
				   true);
			EXPECT_INT(
				rows[r].name, "lastTransitionTime",
				find_condition(v, VOLUME_CONDITION_AVAILABLE)->last_transition_time,
				NOW);
		} else {
			EXPECT_INT(rows[r].name, "phase", v->status.phase, VOLUME_PHASE_READY);
			EXPECT_INT(rows[r].name, "conditions", v->status.n_conditions, 0);
		}
		volume_free(v);
	}
}

/*
 * The consumer's word that a member is out of its array: Faulty at this
 * epoch, unless its record says it is behind already; a full-resync mark
 * stays; only from the node that has the claim and the array.
 */
static void test_member_faulty_table(void **state)
{
	/* clang-format off */
	static const struct {
		const char *name;
		const char *claim, *recorded;
		enum member_state state;
		int64_t epoch, since;
		const char *message;
		const char *node;
		int64_t at;
		bool full;
		int want;
		enum member_state want_state;
		int64_t want_epoch, want_since;
		const char *want_message;
	} rows[] = {
		{ "array not recorded", "b", NULL, SYNCED, EPOCH, 0, NULL, "b", EPOCH, false, -EPERM,
		  SYNCED, EPOCH, 0, NULL },
		{ "asked by another node", "b", "b", SYNCED, EPOCH, 0, NULL, "c", EPOCH, false,
		  -EPERM, SYNCED, EPOCH, 0, NULL },
		{ "claim moved", "c", "b", SYNCED, EPOCH, 0, NULL, "b", EPOCH, false, -EPERM,
		  SYNCED, EPOCH, 0, NULL },
		{ "decided on an older claim", "b", "b", SYNCED, EPOCH, 0, NULL, "b", EPOCH - 1,
		  false, -ESTALE, SYNCED, EPOCH, 0, NULL },
		{ "in sync", "b", "b", SYNCED, EPOCH, 0, NULL, "b", EPOCH, false, 1,
		  MEMBER_STATE_FAULTY, EPOCH, 0, MEMBER_DROPPED_MESSAGE },
		{ "in sync, any epoch", "b", "b", SYNCED, EPOCH, 0, NULL, "b", 0, false, 1,
		  MEMBER_STATE_FAULTY, EPOCH, 0, MEMBER_DROPPED_MESSAGE },
		{ "in sync under the last epoch", "b", "b", SYNCED, EPOCH - 1, 0, NULL, "b", EPOCH,
		  false, 1, MEMBER_STATE_FAULTY, EPOCH, 0, MEMBER_DROPPED_MESSAGE },
		{ "the host's word", "b", "b", EXPORTED, EPOCH, 0, NULL, "b", EPOCH, false, 1,
		  MEMBER_STATE_FAULTY, EPOCH, 0, MEMBER_DROPPED_MESSAGE },
		{ "faulty already", "b", "b", MEMBER_STATE_FAULTY, EPOCH, 0, MEMBER_FAILED_MESSAGE,
		  "b", EPOCH, false, 0, MEMBER_STATE_FAULTY, EPOCH, 0, MEMBER_FAILED_MESSAGE },
		{ "missing, its clock kept", "b", "b", MEMBER_STATE_MISSING, EPOCH, 400, NULL, "b",
		  EPOCH, false, 0, MEMBER_STATE_MISSING, EPOCH, 400, NULL },
		{ "syncing", "b", "b", MEMBER_STATE_SYNCING, EPOCH, 0, NULL, "b", EPOCH, false, 0,
		  MEMBER_STATE_SYNCING, EPOCH, 0, NULL },
		{ "spare", "b", "b", MEMBER_STATE_SPARE, EPOCH, 0, NULL, "b", EPOCH, false, 0,
		  MEMBER_STATE_SPARE, EPOCH, 0, NULL },
		{ "behind mark kept", "b", "b", SYNCED, EPOCH, 0, MEMBER_BEHIND_MESSAGE, "b", EPOCH,
		  false, 1, MEMBER_STATE_FAULTY, EPOCH, 0, MEMBER_BEHIND_MESSAGE },
		{ "to be wiped", "b", "b", SYNCED, EPOCH, 0, NULL, "b", EPOCH, true, 1,
		  MEMBER_STATE_FAULTY, EPOCH, 0, MEMBER_WIPED_MESSAGE },
		{ "missing, to be wiped", "b", "b", MEMBER_STATE_MISSING, EPOCH, 400, NULL, "b",
		  EPOCH, true, 1, MEMBER_STATE_MISSING, EPOCH, 400, MEMBER_WIPED_MESSAGE },
		{ "wiped already", "b", "b", MEMBER_STATE_FAULTY, EPOCH, 0, MEMBER_WIPED_MESSAGE, "b",
		  EPOCH, true, 0, MEMBER_STATE_FAULTY, EPOCH, 0, MEMBER_WIPED_MESSAGE },
		{ "diverged mark kept", "b", "b", MEMBER_STATE_FAULTY, EPOCH, 0,
		  MEMBER_DIVERGED_MESSAGE, "b", EPOCH, true, 0, MEMBER_STATE_FAULTY, EPOCH, 0,
		  MEMBER_DIVERGED_MESSAGE },
	};
	/* clang-format on */

	for (size_t r = 0; r < ARRAY_SIZE(rows); r++) {
		struct volume *v = volume_two("a", "c", rows[r].claim);
		const struct member_status *ms;

		v->status.node_name = rows[r].recorded ? xstrdup(rows[r].recorded) : NULL;
		set_member(v, 1, rows[r].state, rows[r].epoch, rows[r].since, rows[r].message);
		EXPECT_INT(rows[r].name, "result",
			   report_member_faulty(v, rows[r].node, rows[r].at, 1,
						MEMBER_DROPPED_MESSAGE, rows[r].full),
			   rows[r].want);
		ms = volume_find_member_status(v, 1);
		EXPECT_INT(rows[r].name, "state", ms->state, rows[r].want_state);
		EXPECT_INT(rows[r].name, "lastEpoch", ms->last_epoch, rows[r].want_epoch);
		EXPECT_INT(rows[r].name, "missingSince", ms->missing_since, rows[r].want_since);
		expect_str(rows[r].name, "message", ms->message, rows[r].want_message);
		if (rows[r].want >= 0)
			EXPECT_INT(rows[r].name, "said again",
				   report_member_faulty(v, rows[r].node, rows[r].at, 1,
							MEMBER_DROPPED_MESSAGE, rows[r].full),
				   0);
		if (volume_find_member_status(v, 0))
			fail_msg("%s: wrote another member", rows[r].name);
		volume_free(v);
	}
}

/*
 * Which volumes a report on node b concerns. For every other one it changes
 * nothing, even with an array of that volume assembled here and every member
 * reported by somebody else: the pass decodes only the concerned ones.
 */
static void test_concerns_table(void **state)
{
	/* clang-format off */
	static const struct {
		const char *name, *host0, *host1, *claim, *recorded;
		bool concerns;
	} rows[] = {
		{ "a member here",			"a", "b", "a", "a",  true },
		{ "both members here",			"b", "b", "a", NULL, true },
		{ "staged here (status.nodeName)",	"a", "c", "b", "b",  true },
		{ "staged here, claim moved",		"a", "c", "a", "b",  true },
		{ "claimed here, not yet staged",	"a", "c", "b", NULL, false },
		{ "staged elsewhere",			"a", "c", "a", "a",  false },
		{ "claimed by nobody",			"a", "c", NULL, NULL, false },
	};
	/* clang-format on */

	for (size_t r = 0; r < ARRAY_SIZE(rows); r++) {
		struct world w;

		world_init(&w, volume_two(rows[r].host0, rows[r].host1, rows[r].claim));
		if (rows[r].recorded)
			w.v->status.node_name = xstrdup(rows[r].recorded);
		for (int i = 0; i < 2; i++)
			set_member(w.v, i, SYNCED, EPOCH, 0, NULL);
		add_array(&w);
		if (report_concerns(&w.in, w.v) != rows[r].concerns)
			fail_msg("%s: concerns is %d", rows[r].name, !rows[r].concerns);
		if (!rows[r].concerns && report_volume(&w.in, w.v, NOW))
			fail_msg("%s: not concerned, yet the report changed the status",
				 rows[r].name);
		world_done(&w);
	}
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_consumer_table),
		cmocka_unit_test(test_consumer_returning_member),
		cmocka_unit_test(test_consumer_missing_clock),
		cmocka_unit_test(test_consumer_marks_absent),
		cmocka_unit_test(test_consumer_mark_until_synced),
		cmocka_unit_test(test_consumer_deleting),
		cmocka_unit_test(test_consumer_which_array),
		cmocka_unit_test(test_host_table),
		cmocka_unit_test(test_waiting_table),
		cmocka_unit_test(test_member_faulty_table),
		cmocka_unit_test(test_concerns_table),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
