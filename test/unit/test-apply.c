// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "model/names.h"
#include "node/agent-internal.h"
#include "node/gpt.h"
#include "node/import.h"
#include "tree.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "util/banned.h"

/*
 * apply_action() for ACT_MD_RETURN against a prepared root (tree.h): sysfs,
 * /dev and /proc of one node, and an mdadm first on PATH that only logs its
 * arguments. Device names are the kernel's and are reused between planning
 * and apply (issue 10, item 2): mdadm must never be handed a name that now
 * belongs to another volume's member.
 */

#define VOLUME "pvc-a"
#define NQN_M1 MEMBER_NQN_PREFIX VOLUME ":m1"
#define NQN_OTHER MEMBER_NQN_PREFIX "pvc-b:m0"
#define UUID_M1 "0b7e2a57-4f6c-4d3b-9a4e-1c2d3e4f5a01"
#define UUID_OTHER "0b7e2a57-4f6c-4d3b-9a4e-1c2d3e4f5a02"
#define MiB (1024ULL * 1024)
/* What the record says of member 1 before it returns by its bitmap. */
#define RECORDED "record " VOLUME " member 1: " MEMBER_RETURNING_MESSAGE "\n"
/* ... and before it is wiped for a full resync. */
#define RECORDED_WIPED "record " VOLUME " member 1: " MEMBER_RETURNING_MESSAGE " (wiped)\n"

/*
 * One mdadm for the whole program: md.c looks it up on PATH once. Every call
 * appends its arguments to mdadm.log; a --re-add runs re-add.sh, when there
 * is one, and fails, as the kernel refuses a re-add its bitmap cannot serve.
 */
static struct tree *bin;

static char *bin_path(const char *name)
{
	return tree_path(bin, name);
}

static int setup_mdadm(void **state)
{
	struct strbuf script = STRBUF_INIT;
	char *log, *hook;

	tree_setup((void **)&bin, "test-apply-bin", NULL);
	log = bin_path("mdadm.log");
	hook = bin_path("re-add.sh");
	strbuf_addf(&script,
		    "#!/bin/sh\n"
		    "echo \"$*\" >>%s\n"
		    "PATH=/usr/bin:/bin\n"
		    "case \" $* \" in\n"
		    "*\" --re-add \"*) if [ -f %s ]; then sh %s; exit 1; fi ;;\n"
		    "esac\n"
		    "exit 0\n",
		    log, hook, hook);
	tree_write(bin, "mdadm", script.buf, script.len, 0755);
	/* Only this mdadm: never the real one. */
	assert_int_equal(setenv("PATH", bin->base, 1), 0);
	strbuf_done(&script);
	free(log);
	free(hook);
	return 0;
}

static int teardown_mdadm(void **state)
{
	return tree_teardown((void **)&bin);
}

/* What mdadm was asked, one call a line; "" when it never ran. */
static char *mdadm_calls(void)
{
	struct strbuf sb = STRBUF_INIT;
	char *path = bin_path("mdadm.log"), line[4096];
	FILE *f = fopen(path, "re");

	while (f && fgets(line, sizeof(line), f))
		strbuf_adds(&sb, line);
	if (f)
		fclose(f);
	free(path);
	return strbuf_detach(&sb);
}

static void unlink_bin(const char *name)
{
	char *path = bin_path(name);

	assert_true(unlink(path) == 0 || errno == ENOENT);
	free(path);
}

/*
 * The record's stand-in (agent.c writes it to the API server): each call is a
 * line in mdadm.log, so the order against mdadm's calls shows; record_error
 * makes it fail.
 */
static int record_error;
static bool record_needs_full; /* the record marks the member for a full resync */

int agent_record_faulty(struct agent *a, const char *id, struct faulty_record *rec,
			struct strbuf *err)
{
	char *path = bin_path("mdadm.log");
	FILE *f = fopen(path, "ae");

	assert_non_null(f);
	fprintf(f, "record %s member %d: %s%s\n", id, rec->index, rec->message,
		rec->full ? " (wiped)" : "");
	rec->needs_full = record_needs_full || rec->full;
	fclose(f);
	free(path);
	if (record_error)
		strbuf_adds(err, "the API server is away");
	return record_error;
}

/* The node's root, and the agent's paths into it (as agent.c's set_paths()). */
struct fixture {
	struct tree *t;
	struct agent a;
	char *md; /* <root>/dev/md127 as mdadm sees it */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct agent *a = &f->a;

	assert_non_null(f);
	tree_setup((void **)&f->t, "test-apply", NULL);
	tree_mkdirs(f->t, "sys/block");
	tree_mkdirs(f->t, "sys/class/nvme-subsystem");
	tree_mkdirs(f->t, "dev");
	tree_mkdirs(f->t, "proc");
	a->sysfs = tree_path(f->t, "sys");
	a->dev = tree_path(f->t, "dev");
	a->nvmet = tree_path(f->t, "nvmet"); /* absent: nothing exported */
	a->proc = tree_path(f->t, "proc");
	a->paths = (struct node_paths){
		.sysfs = a->sysfs,
		.dev = a->dev,
		.nvmet = a->nvmet,
		.proc = a->proc,
	};
	f->md = tree_path(f->t, "dev/md127");
	unlink_bin("mdadm.log");
	unlink_bin("re-add.sh");
	record_error = 0;
	record_needs_full = false;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->a.sysfs);
	free(f->a.dev);
	free(f->a.nvmet);
	free(f->a.proc);
	free(f->md);
	tree_teardown((void **)&f->t);
	free(f);
	return 0;
}

/* An import with native multipath: subsystem dir (its instance), NQN, namespace head. */
static void import(const struct tree *t, const char *subsys, const char *nqn, const char *head)
{
	struct strbuf dir = STRBUF_INIT, ns = STRBUF_INIT;

	strbuf_addf(&dir, "sys/class/nvme-subsystem/%s", subsys);
	tree_attr(t, dir.buf, "subsysnqn", nqn);
	strbuf_addf(&ns, "%s/%s", dir.buf, head);
	tree_mkdirs(t, ns.buf);
	strbuf_done(&dir);
	strbuf_done(&ns);
}

/*
 * A local PCIe drive kname: a sparse image at dev/<kname> whose GPT holds our
 * partition uuid as its first, and a blank dev/<kname>p1 (no MD superblock).
 */
static void drive(const struct tree *t, const char *kname, const char *uuid, const char *name)
{
	struct strbuf block = STRBUF_INIT, rel = STRBUF_INIT;
	static const char blank[8192];
	unsigned partno;
	char *path;
	int fd;

	strbuf_addf(&block, "sys/block/%s", kname);
	tree_attr(t, block.buf, "size", "32768");
	strbuf_addf(&rel, "%s/device", block.buf);
	tree_attr(t, rel.buf, "transport", "pcie");
	strbuf_reset(&rel);
	strbuf_addf(&rel, "%s/queue", block.buf);
	tree_attr(t, rel.buf, "logical_block_size", "512");

	strbuf_reset(&rel);
	strbuf_addf(&rel, "dev/%s", kname);
	path = tree_path(t, rel.buf);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)(16 * MiB)), 0);
	close(fd);
	assert_int_equal(gpt_create(path, uuid, name, MiB, &partno), 0);
	assert_int_equal(partno, 1);
	free(path);
	strbuf_adds(&rel, "p1");
	tree_write(t, rel.buf, blank, sizeof(blank), 0600);
	strbuf_done(&block);
	strbuf_done(&rel);
}

/* Renames dev/<from> to dev/<to>, the GPT with it: the kernel numbered the drives anew. */
static void rename_dev(const struct tree *t, const char *from, const char *to)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	char *pa, *pb;

	strbuf_addf(&a, "dev/%s", from);
	strbuf_addf(&b, "dev/%s", to);
	pa = tree_path(t, a.buf);
	pb = tree_path(t, b.buf);
	assert_int_equal(rename(pa, pb), 0);
	free(pa);
	free(pb);
	strbuf_done(&a);
	strbuf_done(&b);
}

/* The action plan.c makes for member 1 of VOLUME in md127, back at device. */
static struct action md_return(const char *device, const char *uuid, const char *nqn, bool full)
{
	return (struct action){
		.type = ACT_MD_RETURN,
		.volume = (char *)VOLUME,
		.member = 1,
		.md = (char *)"md127",
		.device = (char *)device,
		.uuid = (char *)uuid,
		.nqn = (char *)nqn,
		.full = full,
	};
}

/* Where this node's observation finds member 1 now, as plan.c would name it (malloc'd). */
static char *observed(struct fixture *f, const char *uuid, const char *nqn)
{
	struct observation obs;
	const struct drive *d;
	const struct gpt_partition *p;
	const struct nvmf_subsystem *imp;
	char *found = NULL;

	assert_int_equal(observe_take(&f->a.paths, &obs), 0);
	if (uuid && observation_find_partition(&obs, uuid, &d, &p))
		found = gpt_partition_path(d->path, p->partno);
	else if (nqn && (imp = observation_find_import(&obs, nqn)) && import_usable(imp))
		found = xstrdup(import_usable(imp));
	observation_done(&obs);
	return found;
}

static void assert_calls(const char *want)
{
	char *calls = mdadm_calls();

	assert_string_equal(calls, want);
	free(calls);
}

/*
 * An import is handed to mdadm only through its hold (import.h), which a
 * fake sysfs cannot show (the kernel's ioctls say which tables exist): a
 * member planned at its namespace, or whose hold is gone, is not re-added.
 */
static void test_import_without_hold(void **state)
{
	struct fixture *f = *state;
	struct action act = md_return("/dev/nvme3n1", NULL, NQN_M1, false);
	struct strbuf err = STRBUF_INIT;

	import(f->t, "nvme-subsys3", NQN_M1, "nvme3n1");
	import(f->t, "nvme-subsys5", NQN_OTHER, "nvme5n1");
	assert_null(observed(f, NULL, NQN_M1));
	assert_int_equal(apply_action(&f->a, &act, &err), -ESTALE);
	assert_string_equal(err.buf, "member 1 is no longer /dev/nvme3n1 (now gone); planned "
				     "again at the next pass");
	assert_calls("");
	strbuf_done(&err);
}

/* The local member is still the partition it was planned as: re-added. */
static void test_partition_unchanged(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;
	char *dev = tree_path(f->t, "dev/nvme0n1p1");
	struct action act = md_return(dev, UUID_M1, NULL, false);
	char *now;

	drive(f->t, "nvme0n1", UUID_M1, "ms:" VOLUME ":m1");
	drive(f->t, "nvme1n1", UUID_OTHER, "ms:pvc-b:m0");
	now = observed(f, UUID_M1, NULL);
	assert_string_equal(now, dev);
	assert_int_equal(apply_action(&f->a, &act, &err), 0);
	strbuf_addf(&want, RECORDED "--manage %s --remove failed --remove detached\n", f->md);
	strbuf_addf(&want, "--manage %s --re-add %s\n", f->md, dev);
	assert_calls(want.buf);
	free(now);
	free(dev);
	strbuf_done(&err);
	strbuf_done(&want);
}

/*
 * Planned at nvme0n1p1; before apply the drives were numbered anew, and
 * nvme0n1p1 is another volume's partition. Then the member's drive is gone.
 */
static void test_partition_name_reused(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT, msg = STRBUF_INIT;
	char *dev = tree_path(f->t, "dev/nvme0n1p1"), *moved = tree_path(f->t, "dev/nvme1n1p1");
	struct action act = md_return(dev, UUID_M1, NULL, false);
	char *now;

	drive(f->t, "nvme0n1", UUID_M1, "ms:" VOLUME ":m1");
	drive(f->t, "nvme1n1", UUID_OTHER, "ms:pvc-b:m0");
	now = observed(f, UUID_M1, NULL);
	assert_string_equal(now, dev);
	free(now);

	rename_dev(f->t, "nvme0n1", "nvme2n1");
	rename_dev(f->t, "nvme1n1", "nvme0n1");
	rename_dev(f->t, "nvme2n1", "nvme1n1");
	assert_int_equal(apply_action(&f->a, &act, &err), -ESTALE);
	strbuf_addf(&msg, "member 1 is no longer %s (now %s); planned again at the next pass", dev,
		    moved);
	assert_string_equal(err.buf, msg.buf);
	assert_calls("");

	rename_dev(f->t, "nvme1n1", "gone");
	strbuf_reset(&err);
	strbuf_reset(&msg);
	assert_int_equal(apply_action(&f->a, &act, &err), -ESTALE);
	strbuf_addf(&msg, "member 1 is no longer %s (now gone); planned again at the next pass",
		    dev);
	assert_string_equal(err.buf, msg.buf);
	assert_calls("");
	free(dev);
	free(moved);
	strbuf_done(&err);
	strbuf_done(&msg);
}

/*
 * The record cannot say the member is behind (the API server is away): it
 * does not return, and mdadm is not run; nor is a member wiped for a full
 * resync before the record says so.
 */
static void test_return_waits_for_record(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;
	char *dev = tree_path(f->t, "dev/nvme0n1p1");
	struct action act = md_return(dev, UUID_M1, NULL, false);

	drive(f->t, "nvme0n1", UUID_M1, "ms:" VOLUME ":m1");
	record_error = -EIO;
	assert_int_equal(apply_action(&f->a, &act, &err), -EIO);
	assert_string_equal(err.buf, "the API server is away; member 1 returns once the record "
				     "says it is behind");
	assert_calls(RECORDED);

	/* A full resync: the record says so right before the wipe, or nothing is wiped. */
	unlink_bin("mdadm.log");
	act.full = true;
	strbuf_reset(&err);
	assert_int_equal(apply_action(&f->a, &act, &err), -EIO);
	strbuf_addf(&want, "--manage %s --remove failed --remove detached\n" RECORDED_WIPED, f->md);
	assert_calls(want.buf);
	unlink_bin("mdadm.log");
	record_error = 0;
	strbuf_reset(&err);
	strbuf_reset(&want);
	assert_int_equal(apply_action(&f->a, &act, &err), 0);
	strbuf_addf(&want, "--manage %s --remove failed --remove detached\n" RECORDED_WIPED, f->md);
	strbuf_addf(&want, "--manage %s --add %s\n", f->md, dev);
	assert_calls(want.buf);
	free(dev);
	strbuf_done(&err);
	strbuf_done(&want);
}

/*
 * mdadm reads /proc/mdstat, which waits as long as a write to a leg that
 * stopped answering holds an array's bitmap (here: a FIFO nobody writes). The
 * stop is refused, mdadm never runs; once the read answers, it runs.
 */
static void test_stop_refused_while_mdstat_waits(void **state)
{
	struct fixture *f = *state;
	struct action act = {
		.type = ACT_MD_STOP, .volume = (char *)VOLUME, .member = -1, .md = (char *)"md126"
	};
	struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;
	char *fifo = tree_path(f->t, "proc/mdstat"), *md = tree_path(f->t, "dev/md126");
	int fd, r;

	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(apply_action(&f->a, &act, &err), -EBUSY);
	assert_string_equal(err.buf, "mdadm cannot run now: /proc/mdstat, which it reads, does "
				     "not answer (a write to a leg that stopped answering holds an "
				     "array's bitmap), and mdadm would wait as long, unkillable, "
				     "holding this node's lock; retry once the leg answers or is "
				     "dropped");
	assert_calls("");

	/* The write ends: the reader left behind reads to the end, and mdadm runs. */
	fd = open(fifo, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(unlink(fifo), 0);
	assert_int_equal(close(fd), 0);
	do {
		strbuf_reset(&err);
		r = apply_action(&f->a, &act, &err);
	} while (r == -EBUSY);
	assert_int_equal(r, 0);
	strbuf_addf(&want, "--stop %s\n", md);
	assert_calls(want.buf);
	free(fifo);
	free(md);
	strbuf_done(&err);
	strbuf_done(&want);
}

/*
 * Planned for a bitmap return on a cached view, but the record on the API
 * server marks the member for a full resync: it is wiped and added, never
 * re-added.
 */
static void test_return_follows_fresh_record(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;
	char *dev = tree_path(f->t, "dev/nvme0n1p1");
	struct action act = md_return(dev, UUID_M1, NULL, false);

	drive(f->t, "nvme0n1", UUID_M1, "ms:" VOLUME ":m1");
	record_needs_full = true;
	assert_int_equal(apply_action(&f->a, &act, &err), 0);
	strbuf_addf(&want, RECORDED "--manage %s --remove failed --remove detached\n", f->md);
	strbuf_addf(&want, RECORDED_WIPED "--manage %s --add %s\n", f->md, dev);
	assert_calls(want.buf);
	free(dev);
	strbuf_done(&err);
	strbuf_done(&want);
}

/* The re-add is refused: the member is wiped (it carries no superblock) and added anew. */
static void test_partition_fallback(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;
	char *dev = tree_path(f->t, "dev/nvme0n1p1");
	struct action act = md_return(dev, UUID_M1, NULL, false);
	static const char refuse[] = "true\n";

	drive(f->t, "nvme0n1", UUID_M1, "ms:" VOLUME ":m1");
	drive(f->t, "nvme1n1", UUID_OTHER, "ms:pvc-b:m0");
	tree_write(bin, "re-add.sh", refuse, strlen(refuse), 0644);
	assert_int_equal(apply_action(&f->a, &act, &err), 0);
	strbuf_addf(&want, RECORDED "--manage %s --remove failed --remove detached\n", f->md);
	strbuf_addf(&want, "--manage %s --re-add %s\n", f->md, dev);
	strbuf_addf(&want, RECORDED_WIPED "--manage %s --add %s\n", f->md, dev);
	assert_calls(want.buf);
	free(dev);
	strbuf_done(&err);
	strbuf_done(&want);
}

/*
 * The same, but while mdadm refused the re-add the drives were numbered anew:
 * the fallback would add another volume's partition. Nothing after the re-add.
 */
static void test_partition_reused_during_fallback(void **state)
{
	struct fixture *f = *state;
	struct strbuf err = STRBUF_INIT, want = STRBUF_INIT, swap = STRBUF_INIT;
	char *dev = tree_path(f->t, "dev/nvme0n1p1"), *dir = tree_path(f->t, "dev");
	char *moved = tree_path(f->t, "dev/nvme1n1p1");
	struct action act = md_return(dev, UUID_M1, NULL, false);

	drive(f->t, "nvme0n1", UUID_M1, "ms:" VOLUME ":m1");
	drive(f->t, "nvme1n1", UUID_OTHER, "ms:pvc-b:m0");
	strbuf_addf(&swap, "cd %s && mv nvme0n1 x && mv nvme1n1 nvme0n1 && mv x nvme1n1\n", dir);
	tree_write(bin, "re-add.sh", swap.buf, swap.len, 0644);
	assert_int_equal(apply_action(&f->a, &act, &err), -ESTALE);
	strbuf_addf(&want, "member 1 is no longer %s (now %s); planned again at the next pass", dev,
		    moved);
	assert_string_equal(err.buf, want.buf);
	strbuf_reset(&want);
	strbuf_addf(&want, RECORDED "--manage %s --remove failed --remove detached\n", f->md);
	strbuf_addf(&want, "--manage %s --re-add %s\n", f->md, dev);
	assert_calls(want.buf);
	free(dev);
	free(dir);
	free(moved);
	strbuf_done(&err);
	strbuf_done(&want);
	strbuf_done(&swap);
}

/*
 * observe_legs() reads the imports and arrays again and nothing else: it
 * never reads a drive's table, so it answers while another process holds
 * the drive's lock (the report's legs are read under the record lock, which
 * the leg watch waits for). A read of the table here would wait for ever.
 */
static void test_observe_legs_skips_tables(void **state)
{
	struct fixture *f = *state;
	struct observation obs;
	char *path;
	int fd;

	drive(f->t, "nvme0n1", UUID_M1, "ms:" VOLUME ":m1");
	import(f->t, "nvme-subsys3", NQN_M1, "nvme3n1");
	assert_int_equal(observe_take(&f->a.paths, &obs), 0);
	assert_int_equal(obs.n_drives, 1);
	assert_int_equal(obs.drives[0].gpt.n_parts, 1);
	assert_int_equal(obs.n_imports, 1);
	/* A partition editor's lock on the drive, and an import connected since. */
	path = tree_path(f->t, "dev/nvme0n1");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	import(f->t, "nvme-subsys4", NQN_OTHER, "nvme4n1");
	alarm(20); /* a read of the table would wait for ever */
	assert_int_equal(observe_legs(&f->a.paths, &obs), 0);
	alarm(0);
	assert_int_equal(obs.n_imports, 2);
	assert_int_equal(obs.n_drives, 1);
	assert_int_equal(obs.drives[0].gpt.n_parts, 1);
	assert_string_equal(obs.drives[0].gpt.parts[0].uuid, UUID_M1);
	close(fd);
	free(path);
	observation_done(&obs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_import_without_hold, setup, teardown),
		cmocka_unit_test_setup_teardown(test_observe_legs_skips_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partition_unchanged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partition_name_reused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partition_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_return_waits_for_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_return_follows_fresh_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_refused_while_mdstat_waits, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_partition_reused_during_fallback, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, setup_mdadm, teardown_mdadm);
}
