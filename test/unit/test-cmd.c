// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd.c: the options of the long-running roles, as a user types them: the
 * NVMe-oF timeouts of the node agent, their ranges, and the one rule no
 * single option can check (fast_io_fail_tmo below ctrl_loss_tmo).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cmd.h"
#include "util/macro.h"
#include "util/banned.h"

/* Parses "meshstor ROLE --node-id=n ARGS..." (NULL-terminated ARGS). */
static int parse(enum cmd_role role, struct cmd_options *o, ...)
{
	char *argv[16] = { "node", "--node-id=n" };
	int argc = 2;
	va_list ap;

	va_start(ap, o);
	for (char *a; (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	/* The controller has no --node-id. */
	if (role == CMD_CONTROLLER) {
		argv[1] = argv[0];
		return cmd_parse(role, argc - 1, argv + 1, o);
	}
	return cmd_parse(role, argc, argv, o);
}

static void test_timeout_defaults(void **state)
{
	struct cmd_options o;

	assert_int_equal(parse(CMD_NODE, &o, NULL), 0);
	assert_int_equal(o.ctrl_loss_tmo, -1);
	assert_int_equal(o.keep_alive_tmo, 2);
	assert_int_equal(o.fast_io_fail_tmo, 0);
	assert_int_equal(o.nr_io_queues, 4);
	assert_int_equal(o.resync_speed_min, 50);
}

static void test_queues_and_resync_floor(void **state)
{
	static const char *const bad[] = {
		"--nr-io-queues=-1",	 "--nr-io-queues=129",	      "--nr-io-queues=four",
		"--resync-speed-min=-1", "--resync-speed-min=100001", "--resync-speed-min=50M",
	};
	struct cmd_options o;

	assert_int_equal(parse(CMD_NODE, &o, "--nr-io-queues=0", "--resync-speed-min=0", NULL), 0);
	assert_int_equal(o.nr_io_queues, 0);
	assert_int_equal(o.resync_speed_min, 0);
	assert_int_equal(
		parse(CMD_NODE, &o, "--nr-io-queues=128", "--resync-speed-min=100000", NULL), 0);
	assert_int_equal(o.nr_io_queues, 128);
	assert_int_equal(o.resync_speed_min, 100000);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (parse(CMD_NODE, &o, bad[i], NULL) != -EINVAL)
			fail_msg("%s was taken", bad[i]);
	assert_int_equal(parse(CMD_CONTROLLER, &o, "--nr-io-queues=4", NULL), -EINVAL);
	assert_int_equal(parse(CMD_CONTROLLER, &o, "--resync-speed-min=50", NULL), -EINVAL);
}

static void test_timeouts_set(void **state)
{
	struct cmd_options o;

	assert_int_equal(parse(CMD_NODE, &o, "--ctrl-loss-tmo=120", "--keep-alive-tmo", "5",
			       "--fast-io-fail-tmo=30", NULL),
			 0);
	assert_int_equal(o.ctrl_loss_tmo, 120);
	assert_int_equal(o.keep_alive_tmo, 5);
	assert_int_equal(o.fast_io_fail_tmo, 30);
	assert_int_equal(parse(CMD_NODE, &o, "--ctrl-loss-tmo=10", "--keep-alive-tmo=60",
			       "--fast-io-fail-tmo=0", NULL),
			 0);
	assert_int_equal(o.ctrl_loss_tmo, 10);
	assert_int_equal(o.keep_alive_tmo, 60);
	assert_int_equal(o.fast_io_fail_tmo, 0);
	assert_int_equal(parse(CMD_NODE, &o, "--ctrl-loss-tmo=60", "--ctrl-loss-tmo=off", NULL), 0);
	assert_int_equal(o.ctrl_loss_tmo, -1);
}

static void test_timeouts_refused(void **state)
{
	static const char *const bad[] = {
		"--ctrl-loss-tmo=9",	 "--ctrl-loss-tmo=3601",    "--ctrl-loss-tmo=-1",
		"--ctrl-loss-tmo=Off",	 "--keep-alive-tmo=0",	    "--keep-alive-tmo=61",
		"--fast-io-fail-tmo=-1", "--fast-io-fail-tmo=3600", "--fast-io-fail-tmo=1s",
	};
	struct cmd_options o;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (parse(CMD_NODE, &o, bad[i], NULL) != -EINVAL)
			fail_msg("%s was taken", bad[i]);
}

/* A fast_io_fail_tmo the kernel would never reach, or reach after giving up, means nothing. */
static void test_fast_below_ctrl_loss(void **state)
{
	struct cmd_options o;

	assert_int_equal(parse(CMD_NODE, &o, "--ctrl-loss-tmo=60", "--fast-io-fail-tmo=60", NULL),
			 -EINVAL);
	assert_int_equal(parse(CMD_NODE, &o, "--ctrl-loss-tmo=60", "--fast-io-fail-tmo=59", NULL),
			 0);
	/* Reconnecting without end: any fast_io_fail_tmo comes first. */
	assert_int_equal(parse(CMD_NODE, &o, "--fast-io-fail-tmo=3599", NULL), 0);
	assert_int_equal(parse(CMD_NODE, &o, "--ctrl-loss-tmo=20", "--fast-io-fail-tmo=20", NULL),
			 -EINVAL);
}

static void test_node_only(void **state)
{
	struct cmd_options o;

	assert_int_equal(parse(CMD_CONTROLLER, &o, "--ctrl-loss-tmo=60", NULL), -EINVAL);
	assert_int_equal(parse(CMD_CONTROLLER, &o, "--keep-alive-tmo=2", NULL), -EINVAL);
	assert_int_equal(parse(CMD_CONTROLLER, &o, "--fast-io-fail-tmo=0", NULL), -EINVAL);
	assert_int_equal(parse(CMD_CONTROLLER, &o, NULL), 0);
}

static void test_udev_rules_dir(void **state)
{
	struct cmd_options o;

	assert_int_equal(parse(CMD_NODE, &o, NULL), 0);
	assert_null(o.udev_rules_dir); /* the default: /etc/udev/rules.d under --sysroot */
	assert_int_equal(parse(CMD_NODE, &o, "--udev-rules-dir=/run/udev/rules.d", NULL), 0);
	assert_string_equal(o.udev_rules_dir, "/run/udev/rules.d");
	assert_int_equal(parse(CMD_NODE, &o, "--udev-rules-dir=", NULL), 0);
	assert_string_equal(o.udev_rules_dir, ""); /* none */
	assert_int_equal(parse(CMD_NODE, &o, "--udev-rules-dir=etc/udev", NULL), -EINVAL);
	assert_int_equal(parse(CMD_CONTROLLER, &o, "--udev-rules-dir=/x", NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queues_and_resync_floor),
		cmocka_unit_test(test_timeout_defaults),
		cmocka_unit_test(test_timeouts_set),
		cmocka_unit_test(test_timeouts_refused),
		cmocka_unit_test(test_fast_below_ctrl_loss),
		cmocka_unit_test(test_node_only),
		cmocka_unit_test(test_udev_rules_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
