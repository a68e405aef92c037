// SPDX-License-Identifier: GPL-2.0-only
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "controller/fence.h"
#include "util/macro.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Three members, one per node a, b, c; consumer and statuses per case. */
static struct volume *volume_of(const char *consumer, int64_t epoch, const struct member_status *st,
				size_t n)
{
	static const char *const nodes[] = { "a", "b", "c" };
	struct volume *v = volume_new();

	v->spec.node_name = consumer ? xstrdup(consumer) : NULL;
	v->spec.epoch = epoch;
	v->spec.n_members = 3;
	v->spec.members = xcalloc(3, sizeof(*v->spec.members));
	for (int i = 0; i < 3; i++) {
		v->spec.members[i].index = i;
		v->spec.members[i].copy = i;
		v->spec.members[i].node_name = xstrdup(nodes[i]);
		v->spec.members[i].drive = xstrdup(nodes[i]);
		v->spec.members[i].partition_uuid = xstrdup("");
	}
	v->status.n_members = n;
	v->status.members = xcalloc(n ? n : 1, sizeof(*v->status.members));
	if (n)
		memcpy(v->status.members, st, n * sizeof(*st));
	return v;
}

/* clang-format off */
#define ST(i, s, e) { .index = (i), .state = MEMBER_STATE_##s, .last_epoch = (e) }
/* clang-format on */

static bool fresh_except_c(const char *node, void *userdata)
{
	return strcmp(node, "c") != 0;
}

static bool all_fresh(const char *node, void *userdata)
{
	return true;
}

static void test_exported(void **state)
{
	/* clang-format off */
	static const struct {
		const char *consumer;
		struct member_status st[3];
		size_t n;
		bool c_dead, want;
		const char *why;
	} cases[] = {
		/* b and c export to a at epoch 5: a's own member needs nothing. */
		{ "a", { ST(1, EXPORTED, 5), ST(2, EXPORTED, 5) }, 2, false, true, "" },
		{ "a", { ST(1, EXPORTED, 5), ST(2, EXPORTED, 4) }, 2, false, false, "member 2 on c is Exported at epoch 4" },
		{ "a", { ST(1, EXPORTED, 5), ST(2, CREATED, 5) }, 2, false, false, "member 2 on c is Created" },
		{ "a", { ST(1, EXPORTED, 5) }, 1, false, false, "member 2 on c has not reported" },
		/* The consumer refined what its hosts exported at this epoch. */
		{ "a", { ST(1, SYNCED, 5), ST(2, MISSING, 5) }, 2, false, true, "" },
		{ "a", { ST(1, SYNCED, 5), ST(2, SYNCED, 4) }, 2, false, false, "member 2 on c is Synced at epoch 4" },
		/* c's agent is dead: it cannot export; the array starts without it. */
		{ "a", { ST(1, EXPORTED, 5), ST(2, CREATED, 4) }, 2, true, true, "" },
		/* The consumer holds no member: all three must export. */
		{ "d", { ST(0, EXPORTED, 5), ST(1, EXPORTED, 5), ST(2, EXPORTED, 5) }, 3, false, true, "" },
		{ "d", { ST(1, EXPORTED, 5), ST(2, EXPORTED, 5) }, 2, false, false, "member 0 on a" },
	};
	/* clang-format on */

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct volume *v = volume_of(cases[i].consumer, 5, cases[i].st, cases[i].n);
		struct strbuf why = STRBUF_INIT;

		if (fence_exported(v, cases[i].c_dead ? fresh_except_c : all_fresh, NULL, &why) !=
			    cases[i].want ||
		    !strstr(why.buf, cases[i].why))
			fail_msg("case %zu: '%s'", i, why.buf);
		strbuf_done(&why);
		volume_free(v);
	}
}

/* What the controller knows of host c, for unpublish; a and b are live, untainted. */
enum c_host {
	C_LIVE,
	C_SILENT,
	C_NEVER_SEEN,
	C_OFF,
	C_TAINTED_LIVE
};

static void host_of(const char *node, void *userdata, struct fence_host *ret)
{
	enum c_host c = strcmp(node, "c") == 0 ? *(const enum c_host *)userdata : C_LIVE;

	*ret = (struct fence_host){
		.live = c == C_LIVE || c == C_TAINTED_LIVE,
		.silent_s = c == C_NEVER_SEEN		  ? -1
			    : c == C_SILENT || c == C_OFF ? 75
							  : 3,
		.out_of_service = c == C_OFF || c == C_TAINTED_LIVE,
	};
}

#define TAINT_HINT                                                 \
	"If node c is powered off, say so: kubectl taint nodes c " \
	"node.kubernetes.io/out-of-service=nodeshutdown:NoExecute"

static void test_withdrawn(void **state)
{
	/* clang-format off */
	static const struct {
		const char *consumer; /* the claim after unpublishing a */
		struct member_status st[3];
		size_t n;
		enum c_host c;
		bool want;
		const char *why;
	} cases[] = {
		/* Released: b and c withdrew at epoch 6; a's own member is the epoch rule's. */
		{ NULL, { ST(1, CREATED, 6), ST(2, CREATED, 6) }, 2, C_LIVE, true, "" },
		{ NULL, { ST(1, CREATED, 6), ST(2, EXPORTED, 6) }, 2, C_LIVE, false, "member 2 on c is Exported at epoch 6" },
		{ NULL, { ST(1, CREATED, 6), ST(2, CREATED, 5) }, 2, C_LIVE, false,
		  "member 2 on c is Created at epoch 5 (waiting for withdrawn at the current epoch); "
		  "node c's agent is alive and has not acted on this epoch yet" },
		/*
		 * c's agent is silent, but silence is not fencing: a stuck agent, or
		 * one cut off from the API server, leaves its kernel exporting to a.
		 */
		{ NULL, { ST(1, CREATED, 6), ST(2, EXPORTED, 5) }, 2, C_SILENT, false,
		  "member 2 on c is Exported at epoch 5 (waiting for withdrawn at the current "
		  "epoch); node c's agent has not renewed its Lease for 75s, but its kernel may "
		  "still export the member, so it is not counted as fenced. " TAINT_HINT },
		{ NULL, { ST(1, CREATED, 6) }, 1, C_NEVER_SEEN, false,
		  "member 2 on c has not reported yet (waiting for it to be withdrawn); node c's "
		  "agent has no Lease this controller has seen renewed, but its kernel may still "
		  "export the member, so it is not counted as fenced. " TAINT_HINT },
		/* The operator's override: tainted out-of-service, and its agent silent. */
		{ NULL, { ST(1, CREATED, 6), ST(2, EXPORTED, 5) }, 2, C_OFF, true, "" },
		{ NULL, { ST(1, CREATED, 6) }, 1, C_OFF, true, "" },
		/* A node that renews its Lease is not off, whatever the taint says. */
		{ NULL, { ST(1, CREATED, 6), ST(2, EXPORTED, 5) }, 2, C_TAINTED_LIVE, false,
		  "node c has the node.kubernetes.io/out-of-service taint, but its agent renewed "
		  "its Lease 3s ago: a node that answers is not powered off" },
		/* The override is for c alone: b must still withdraw. */
		{ NULL, { ST(1, EXPORTED, 5), ST(2, EXPORTED, 5) }, 2, C_OFF, false, "member 1 on b" },
		/* A silent host that did withdraw at this epoch needs nothing more. */
		{ NULL, { ST(1, CREATED, 6), ST(2, CREATED, 6) }, 2, C_SILENT, true, "" },
		/* Claimed by b now: c exporting at epoch 6 exports to b alone; b's own
		 * member stopped being exported to a. */
		{ "b", { ST(1, CREATED, 6), ST(2, EXPORTED, 6) }, 2, C_LIVE, true, "" },
		{ "b", { ST(1, CREATED, 6), ST(2, EXPORTED, 5) }, 2, C_LIVE, false, "member 2 on c" },
		{ "b", { ST(1, CREATED, 6), ST(2, EXPORTED, 5) }, 2, C_SILENT, false, TAINT_HINT },
		{ "b", { ST(2, EXPORTED, 6) }, 1, C_LIVE, false, "member 1 on b has not reported" },
		/* The old consumer's view of an earlier epoch does not count. */
		{ NULL, { ST(1, CREATED, 6), ST(2, SYNCED, 5) }, 2, C_LIVE, false, "member 2 on c is Synced at epoch 5" },
		/* Still claimed by a (a caller racing a new publish): not fenced. */
		{ "a", { ST(1, EXPORTED, 6), ST(2, EXPORTED, 6) }, 2, C_LIVE, false, "member 1 on b" },
	};
	/* clang-format on */

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct volume *v = volume_of(cases[i].consumer, 6, cases[i].st, cases[i].n);
		struct strbuf why = STRBUF_INIT;
		enum c_host c = cases[i].c;
		bool got = fence_withdrawn(v, "a", host_of, &c, &why);

		if (got != cases[i].want || !strstr(why.buf, cases[i].why))
			fail_msg("case %zu: got %d, '%s'", i, got, why.buf);
		strbuf_done(&why);
		volume_free(v);
	}
}

/* Unpublish from every node (empty node_id): nobody's member is exempt. */
static void test_withdrawn_everywhere(void **state)
{
	struct member_status st[3] = { ST(0, CREATED, 6), ST(1, CREATED, 6), ST(2, EXPORTED, 6) };
	struct volume *v = volume_of(NULL, 6, st, 3);
	struct strbuf why = STRBUF_INIT;
	enum c_host c = C_LIVE;

	assert_false(fence_withdrawn(v, NULL, host_of, &c, &why));
	assert_non_null(strstr(why.buf, "member 2 on c"));
	/* Silent, c is still waited for; tainted and silent, it is not. */
	c = C_SILENT;
	assert_false(fence_withdrawn(v, NULL, host_of, &c, &why));
	c = C_OFF;
	assert_true(fence_withdrawn(v, NULL, host_of, &c, &why));
	c = C_LIVE;
	v->status.members[2].state = MEMBER_STATE_CREATED;
	strbuf_reset(&why);
	assert_true(fence_withdrawn(v, NULL, host_of, &c, &why));
	strbuf_done(&why);
	volume_free(v);
}

/* userdata: "NODE=TWIN" strings, NULL-terminated. */
static const char *twin_of(const char *node, void *userdata)
{
	size_t len = strlen(node);

	for (const char *const *p = userdata; *p; p++)
		if (strncmp(*p, node, len) == 0 && (*p)[len] == '=')
			return *p + len + 1;
	return NULL;
}

/* Members on a, b and c: may the fence be put up for the consumer? */
static void test_identity(void **state)
{
	static const char *const fix = "Give one of them a new /etc/nvme/hostnqn and hostid pair";
	/* clang-format off */
	static const struct {
		const char *consumer;
		const char *twins[3];
		bool c_dead, want;
		const char *why;
	} cases[] = {
		{ "a", { NULL }, false, true, "" },
		/* Identities shared away from the volume do not matter. */
		{ "a", { "x=y", "y=x" }, false, true, "" },
		/* A consumer sharing its identity: the other node would pass the fence. */
		{ "a", { "a=x", "x=a" }, false, false,
		  "node a publishes the same NVMe host NQN or host ID as node x: an export to a "
		  "would admit x too" },
		{ "d", { "d=a", "a=d" }, false, false,
		  "node d publishes the same NVMe host NQN or host ID as node a" },
		/* Even when the twin is dead: its kernel may still be up. */
		{ "a", { "a=c", "c=a" }, true, false, "as node c: an export to a would admit c too" },
		/* A live host sharing its identity exports nothing: say so now. */
		{ "a", { "b=x", "x=b" }, false, false,
		  "member 1 is on node b, which publishes the same NVMe host NQN or host ID as "
		  "node x, so its agent exports nothing" },
		{ "d", { "c=b", "b=c" }, false, false, "member 1 is on node b" },
		/* A dead one is not waited for (fence_exported()), so not in the way. */
		{ "a", { "c=x", "x=c" }, true, true, "" },
	};
	/* clang-format on */

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct volume *v = volume_of(cases[i].consumer, 5, NULL, 0);
		struct strbuf why = STRBUF_INIT;
		bool got = fence_identity_ok(v, cases[i].consumer,
					     cases[i].c_dead ? fresh_except_c : all_fresh, twin_of,
					     (void *)cases[i].twins, &why);

		if (got != cases[i].want || !strstr(why.buf, cases[i].why) ||
		    (!got && !strstr(why.buf, fix)))
			fail_msg("case %zu: got %d, '%s'", i, got, why.buf);
		strbuf_done(&why);
		volume_free(v);
	}
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_exported),
		cmocka_unit_test(test_withdrawn),
		cmocka_unit_test(test_withdrawn_everywhere),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
