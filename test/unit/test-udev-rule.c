// SPDX-License-Identifier: GPL-2.0-only
/*
 * node/udev: the rule that keeps the host's udev and mdadm off MeshStor's
 * members must match those members and nothing else. A small evaluator for
 * the part of udev's rule language the rule uses (match keys SUBSYSTEM,
 * KERNEL, ACTION, ENV{}, ATTRS{} with == and != and '|' alternatives of
 * fnmatch() patterns, as udev matches them; assignments to ENV{}; GOTO and
 * LABEL) runs the rule over a table of devices, ours and the host's, then the
 * keys by which 64-md-raid-assembly.rules (mdadm 4.1 and later) decides to
 * run mdadm, written in the same language. A key the evaluator does not know
 * fails the test, so the rule cannot grow past what is checked here.
 */
#include <errno.h>
#include <fnmatch.h>
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
#include "node/gpt.h"
#include "node/plan.h"
#include "node/udev.h"
#include "util/macro.h"
#include "util/strbuf.h"
#include "util/banned.h"

#define MAX_PROPS 16

/* A device as udev sees it during one event. */
struct dev {
	const char *action, *subsystem, *kernel;
	/* ENV: the event's properties (on remove, those the database kept). */
	const char *env[MAX_PROPS][2];
	/* ATTRS: sysfs attributes of the device and its parents; none on remove. */
	const char *attrs[MAX_PROPS][2];
};

static const char *prop(const char *const (*p)[2], const char *key)
{
	for (size_t i = 0; i < MAX_PROPS && p[i][0]; i++)
		if (strcmp(p[i][0], key) == 0)
			return p[i][1];
	return NULL;
}

/* Strings the rules set, freed after each test (teardown). */
static char *held[64];
static size_t n_held;

static const char *hold(char *s)
{
	assert_true(n_held < ARRAY_SIZE(held));
	held[n_held++] = s;
	return s;
}

static int release_held(void **state)
{
	while (n_held)
		free(held[--n_held]);
	return 0;
}

static void env_set(struct dev *d, const char *key, const char *value)
{
	size_t i = 0;

	while (i < MAX_PROPS && d->env[i][0] && strcmp(d->env[i][0], key) != 0)
		i++;
	assert_true(i < MAX_PROPS);
	d->env[i][0] = key;
	d->env[i][1] = value;
}

/* udev's matching: any '|'-separated alternative, each an fnmatch() pattern. */
static bool glob_match(const char *pattern, const char *value)
{
	char alt[256];

	for (const char *p = pattern;;) {
		size_t n = strcspn(p, "|");

		assert_true(n < sizeof(alt));
		memcpy(alt, p, n);
		alt[n] = '\0';
		if (fnmatch(alt, value, 0) == 0)
			return true;
		if (!p[n])
			return false;
		p += n + 1;
	}
}

/* One key of a line: KEY or KEY{ARG}, an operator, a quoted value. */
struct key {
	char name[32], arg[64], op[3], value[128];
};

/* Parses the key at *s and moves past it and the ", " that follows. */
static void parse_key(const char **s, struct key *k)
{
	const char *p = *s, *q;
	size_t n = strcspn(p, "{=!+");

	assert_true(n > 0 && n < sizeof(k->name));
	memset(k, 0, sizeof(*k));
	memcpy(k->name, p, n);
	p += n;
	if (*p == '{') {
		q = strchr(p, '}');
		assert_non_null(q);
		memcpy(k->arg, p + 1, (size_t)(q - p - 1));
		p = q + 1;
	}
	n = strspn(p, "=!+");
	assert_true(n >= 1 && n <= 2);
	memcpy(k->op, p, n);
	p += n;
	assert_int_equal(*p, '"');
	q = strchr(p + 1, '"');
	assert_non_null(q);
	memcpy(k->value, p + 1, (size_t)(q - p - 1));
	p = q + 1;
	if (*p == ',')
		p++;
	*s = p + strspn(p, " ");
}

static bool is_match(const struct key *k)
{
	return strcmp(k->op, "==") == 0 || strcmp(k->op, "!=") == 0;
}

static bool key_matches(const struct key *k, const struct dev *d)
{
	bool want = strcmp(k->op, "==") == 0, found = false;
	const char *v = NULL;

	if (strcmp(k->name, "ATTRS") == 0) {
		/* Any of the device and its parents; nothing to read once it is gone. */
		for (size_t i = 0; i < MAX_PROPS && d->attrs[i][0]; i++)
			if (strcmp(d->attrs[i][0], k->arg) == 0 &&
			    glob_match(k->value, d->attrs[i][1]))
				found = true;
		return found == want;
	}
	if (strcmp(k->name, "ENV") == 0)
		v = prop(d->env, k->arg);
	else if (strcmp(k->name, "SUBSYSTEM") == 0)
		v = d->subsystem;
	else if (strcmp(k->name, "KERNEL") == 0)
		v = d->kernel;
	else if (strcmp(k->name, "ACTION") == 0)
		v = d->action;
	else
		fail_msg("the evaluator does not know match key %s", k->name);
	return glob_match(k->value, v ? v : "") == want;
}

/* Runs rule text over d, as udev runs one rules file. */
static void run_rules(const char *text, struct dev *d)
{
	char *copy = strdup(text), *save = NULL;
	const char *goto_label = NULL;
	static char label_buf[64];

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct key keys[8];
		size_t n = 0;
		bool ok = true;

		if (line[0] == '#' || !line[0])
			continue;
		for (const char *p = line; *p; n++) {
			assert_true(n < ARRAY_SIZE(keys));
			parse_key(&p, &keys[n]);
		}
		if (goto_label) {
			if (strcmp(keys[0].name, "LABEL") == 0 &&
			    strcmp(keys[0].value, goto_label) == 0)
				goto_label = NULL;
			continue;
		}
		for (size_t i = 0; i < n && ok; i++)
			if (is_match(&keys[i]))
				ok = key_matches(&keys[i], d);
		for (size_t i = 0; i < n && ok; i++) {
			if (is_match(&keys[i]) || strcmp(keys[i].name, "LABEL") == 0)
				continue;
			if (strcmp(keys[i].name, "GOTO") == 0) {
				snprintf(label_buf, sizeof(label_buf), "%s", keys[i].value);
				goto_label = label_buf;
			} else if (strcmp(keys[i].name, "ENV") == 0 &&
				   strcmp(keys[i].op, "=") == 0) {
				env_set(d, hold(strdup(keys[i].arg)), hold(strdup(keys[i].value)));
			} else {
				fail_msg("the evaluator does not know %s%s", keys[i].name,
					 keys[i].op);
			}
		}
	}
	assert_null(goto_label); /* every GOTO has its LABEL */
	free(copy);
}

/*
 * How 64-md-raid-assembly.rules decides, in mdadm 4.1 and later: a block
 * device without SYSTEMD_READY=0 that blkid calls a linux_raid_member gets
 * `mdadm --incremental` (add, change) or `mdadm -If` (remove). Written here
 * as the keys that decide, with MDADM standing for the programs it runs.
 */
static const char mdadm_decision[] = "SUBSYSTEM!=\"block\", GOTO=\"md_inc_end\"\n"
				     "ENV{SYSTEMD_READY}==\"0\", GOTO=\"md_inc_end\"\n"
				     "ENV{ID_FS_TYPE}==\"linux_raid_member\", ENV{MDADM}=\"runs\"\n"
				     "LABEL=\"md_inc_end\"\n";

/* Whether the host's mdadm would take d, after our rule ran or not. */
static bool mdadm_runs(struct dev d, bool with_rule)
{
	if (with_rule)
		run_rules(udev_no_assemble_rule, &d);
	run_rules(mdadm_decision, &d);
	return prop(d.env, "MDADM") != NULL;
}

static char member_name[64];
#define OURS_TYPE GPT_MESHSTOR_TYPE
#define RAID_TYPE "a19d880f-05fc-4d3b-a006-743f0f84911e" /* Linux RAID */
#define OUR_NQN MEMBER_NQN_PREFIX "pvc-0123456789abcdef01234567:m1"

static void test_ours_and_only_ours(void **state)
{
	struct strbuf name = STRBUF_INIT;
	/* clang-format off */
	const struct {
		const char *what;
		bool ours;
		struct dev d;
	} cases[] = {
		{ "our member partition",
		  true,
		  { "add", "block", "nvme0n1p3",
		    { { "ID_FS_TYPE", "linux_raid_member" },
		      { "ID_PART_ENTRY_TYPE", OURS_TYPE },
		      { "ID_PART_ENTRY_NAME", member_name } },
		    { { NULL } } } },
		{ "our member partition, change",
		  true,
		  { "change", "block", "nvme0n1p3",
		    { { "ID_FS_TYPE", "linux_raid_member" },
		      { "ID_PART_ENTRY_TYPE", OURS_TYPE },
		      { "ID_PART_ENTRY_NAME", member_name } },
		    { { NULL } } } },
		{ "our member partition, remove (properties from the database)",
		  true,
		  { "remove", "block", "nvme0n1p3",
		    { { "ID_FS_TYPE", "linux_raid_member" },
		      { "ID_PART_ENTRY_TYPE", OURS_TYPE },
		      { "ID_PART_ENTRY_NAME", member_name } },
		    { { NULL } } } },
		{ "our imported namespace (native multipath: the subsystem has the NQN)",
		  true,
		  { "add", "block", "nvme3n1",
		    { { "ID_FS_TYPE", "linux_raid_member" } },
		    { { "subsysnqn", OUR_NQN } } } },
		{ "a partition someone made on our imported namespace",
		  true,
		  { "add", "block", "nvme3n1p1",
		    { { "ID_FS_TYPE", "linux_raid_member" } },
		    { { "partition", "1" }, { "subsysnqn", OUR_NQN } } } },
		{ "the host's own RAID member",
		  false,
		  { "add", "block", "sda2",
		    { { "ID_FS_TYPE", "linux_raid_member" },
		      { "ID_PART_ENTRY_TYPE", RAID_TYPE },
		      { "ID_PART_ENTRY_NAME", "root" } },
		    { { NULL } } } },
		{ "a Linux RAID partition that happens to be named ms:",
		  false,
		  { "add", "block", "sdb1",
		    { { "ID_FS_TYPE", "linux_raid_member" },
		      { "ID_PART_ENTRY_TYPE", RAID_TYPE },
		      { "ID_PART_ENTRY_NAME", "ms:backup" } },
		    { { NULL } } } },
		{ "a partition of our type with another name",
		  false,
		  { "add", "block", "nvme0n1p4",
		    { { "ID_FS_TYPE", "linux_raid_member" },
		      { "ID_PART_ENTRY_TYPE", OURS_TYPE },
		      { "ID_PART_ENTRY_NAME", "data" } },
		    { { NULL } } } },
		{ "a namespace of a local PCIe drive",
		  false,
		  { "add", "block", "nvme0n1",
		    { { "ID_FS_TYPE", "linux_raid_member" } },
		    { { "subsysnqn", "nqn.2019-08.org.qemu:serial-1" } } } },
		{ "another NVMe-oF target's namespace",
		  false,
		  { "add", "block", "nvme5n1",
		    { { "ID_FS_TYPE", "linux_raid_member" } },
		    { { "subsysnqn", "nqn.2014-08.org.example:vol:x" } } } },
		{ "an NQN that only contains our prefix",
		  false,
		  { "add", "block", "nvme6n1",
		    { { "ID_FS_TYPE", "linux_raid_member" } },
		    { { "subsysnqn", "nqn.2014-08.org.example." MEMBER_NQN_PREFIX } } } },
	};
	/* clang-format on */

	member_partition_name("pvc-0123456789abcdef01234567", 0, &name);
	snprintf(member_name, sizeof(member_name), "%s", name.buf);
	strbuf_done(&name);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		/* Without the rule the host's mdadm takes every one of them. */
		if (!mdadm_runs(cases[i].d, false))
			fail_msg("%s: mdadm would not run even without the rule", cases[i].what);
		if (mdadm_runs(cases[i].d, true) == cases[i].ours)
			fail_msg("%s: with the rule, mdadm %s", cases[i].what,
				 cases[i].ours ? "still runs" : "no longer runs");
	}
}

/*
 * On remove, sysfs is gone (ATTRS cannot match) and the properties are those
 * the database kept from the last event: SYSTEMD_READY=0 when the rule was
 * there at the add, so mdadm -If leaves the array to the agent.
 */
static void test_remove_after_add(void **state)
{
	for (int with_rule = 0; with_rule < 2; with_rule++) {
		struct dev d = { "add",
				 "block",
				 "nvme3n1",
				 { { "ID_FS_TYPE", "linux_raid_member" } },
				 { { "subsysnqn", OUR_NQN } } };

		if (with_rule)
			run_rules(udev_no_assemble_rule, &d);
		d.action = "remove";
		memset(d.attrs, 0, sizeof(d.attrs));
		assert_int_equal(mdadm_runs(d, with_rule), !with_rule);
	}
}

/* Only block devices, and only SYSTEMD_READY: nothing else about a device changes. */
static void test_changes_nothing_else(void **state)
{
	struct dev ours = { "add",
			    "block",
			    "nvme3n1",
			    { { "ID_FS_TYPE", "linux_raid_member" } },
			    { { "subsysnqn", OUR_NQN } } };
	struct dev ctrl = {
		"add", "nvme", "nvme3", { { "X", "y" } }, { { "subsysnqn", OUR_NQN } }
	};

	run_rules(udev_no_assemble_rule, &ours);
	assert_string_equal(prop(ours.env, "SYSTEMD_READY"), "0");
	assert_string_equal(prop(ours.env, "ID_FS_TYPE"), "linux_raid_member");
	assert_null(ours.env[2][0]);
	run_rules(udev_no_assemble_rule, &ctrl);
	assert_null(prop(ctrl.env, "SYSTEMD_READY"));
	assert_null(ctrl.env[1][0]);
}

/* After the blkid import (60-persistent-storage.rules), before mdadm's (64-...). */
static void test_file_order(void **state)
{
	assert_true(strcmp("60-persistent-storage.rules", UDEV_NO_ASSEMBLE_FILE) < 0);
	assert_true(strcmp(UDEV_NO_ASSEMBLE_FILE, "64-md-raid-assembly.rules") < 0);
	assert_non_null(strstr(UDEV_NO_ASSEMBLE_FILE, ".rules"));
	assert_int_equal(udev_no_assemble_rule[strlen(udev_no_assemble_rule) - 1], '\n');
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_ours_and_only_ours, release_held),
		cmocka_unit_test_teardown(test_remove_after_add, release_held),
		cmocka_unit_test_teardown(test_changes_nothing_else, release_held),
		cmocka_unit_test_teardown(test_file_order, release_held),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
