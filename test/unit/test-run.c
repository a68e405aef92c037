// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/clock.h"
#include "util/run.h"
#include "util/strbuf.h"
#include "util/banned.h"

#define SH "/bin/sh"
/* Past any pipe buffer (64 KiB by default, 1 MiB at most unprivileged). */
#define BIG 2097275u

static int sh(const char *script, unsigned timeout_ms, struct strbuf *out, struct strbuf *err)
{
	const char *argv[] = { SH, "-c", script, NULL };

	return run_command(argv, timeout_ms, out, err);
}

static void test_exit_status(void **state)
{
	const char *t[] = { "/bin/true", NULL };
	const char *f[] = { "/bin/false", NULL };

	assert_int_equal(run_command(t, 5000, NULL, NULL), 0);
	assert_int_equal(run_command(f, 5000, NULL, NULL), 1);
	assert_int_equal(sh("exit 3", 5000, NULL, NULL), 3);
	assert_int_equal(sh("exit 255", 5000, NULL, NULL), 255);
}

static void test_capture(void **state)
{
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;

	assert_int_equal(sh("echo hello; echo oops >&2; exit 7", 5000, &out, &err), 7);
	assert_string_equal(out.buf, "hello\n");
	assert_string_equal(err.buf, "oops\n");

	/* Appends to what the caller has already. */
	assert_int_equal(sh("printf more", 5000, &out, NULL), 0);
	assert_string_equal(out.buf, "hello\nmore");
}

/* Whether sb holds exactly n copies of c. */
static void assert_all(const struct strbuf *sb, char c, size_t n)
{
	assert_int_equal(sb->len, n);
	for (size_t i = 0; i < n; i++)
		if (sb->buf[i] != c)
			fail_msg("byte %zu is 0x%02x, not '%c'", i, (unsigned char)sb->buf[i], c);
	assert_int_equal(sb->buf[n], '\0');
}

/*
 * Megabytes on one stream and then on the other, in both orders: a runner that
 * reads stdout to EOF before stderr (or the other way round) deadlocks on one
 * of the two, which the timeout then reports as -ETIMEDOUT.
 */
static void test_large_output_both_orders(void **state)
{
	for (int err_first = 0; err_first < 2; err_first++) {
		_cleanup_strbuf_ struct strbuf script = STRBUF_INIT, out = STRBUF_INIT,
					       err = STRBUF_INIT;

		strbuf_addf(
			&script,
			"head -c %u /dev/zero | tr '\\0' %c%s; head -c %u /dev/zero | tr '\\0' %c%s",
			BIG, err_first ? 'e' : 'o', err_first ? " >&2" : "", BIG,
			err_first ? 'o' : 'e', err_first ? "" : " >&2");
		assert_int_equal(sh(script.buf, 20000, &out, &err), 0);
		assert_all(&out, 'o', BIG);
		assert_all(&err, 'e', BIG);
	}
}

/* Discarded output must be drained too (or go nowhere): no deadlock either. */
static void test_large_output_discarded(void **state)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;

	assert_int_equal(sh("head -c 3000000 /dev/zero; echo done >&2", 20000, NULL, &err), 0);
	assert_string_equal(err.buf, "done\n");
}

static void test_stdin_is_dev_null(void **state)
{
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	const char *argv[] = { "/bin/readlink", "/proc/self/fd/0", NULL };
	const char *cat[] = { "/bin/cat", NULL };

	assert_int_equal(run_command(argv, 5000, &out, NULL), 0);
	assert_string_equal(out.buf, "/dev/null\n");
	strbuf_reset(&out);
	/* cat reads to EOF at once instead of waiting on our stdin. */
	assert_int_equal(run_command(cat, 5000, &out, NULL), 0);
	assert_int_equal(out.len, 0);
}

static void test_timeout_kills(void **state)
{
	const char *argv[] = { "/bin/sleep", "10", NULL };
	uint64_t start = now_usec(), took;

	assert_int_equal(run_command(argv, 200, NULL, NULL), -ETIMEDOUT);
	took = now_usec() - start;
	assert_true(took >= 200 * 1000);
	assert_true(took < 2 * USEC_PER_SEC);
}

/* Whether pid is gone or a zombie, waiting up to a second for SIGKILL to land. */
static bool process_is_dead(long pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	for (int i = 0; i < 100; i++) {
		FILE *f = fopen(path, "re");
		char buf[512];
		size_t n;
		const char *p;

		if (!f)
			return true;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		/* "pid (comm) S ...": the state follows the last ')'. */
		p = strrchr(buf, ')');
		if (!p || (p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X')))
			return true;
		usleep(10000);
	}
	return false;
}

/*
 * A grandchild that keeps the pipe open is killed with its parent at the
 * timeout: the call returns, the output written before is kept, and nothing
 * is left running.
 */
static void test_timeout_kills_group(void **state)
{
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	uint64_t start = now_usec(), took;
	long grandchild;
	char *end;

	assert_int_equal(sh("/bin/sleep 10 & echo $!; /bin/sleep 10", 300, &out, NULL), -ETIMEDOUT);
	took = now_usec() - start;
	assert_true(took < 2 * USEC_PER_SEC);
	grandchild = strtol(out.buf, &end, 10);
	assert_true(grandchild > 1);
	assert_string_equal(end, "\n");
	assert_true(process_is_dead(grandchild));
}

static void test_cannot_exec(void **state)
{
	const char *missing[] = { "/nonexistent/meshstor-no-such-tool", NULL };
	const char *not_exec[] = { "/etc/passwd", NULL };
	const char *dir[] = { "/", NULL };

	assert_int_equal(run_command(missing, 5000, NULL, NULL), -ENOENT);
	assert_int_equal(run_command(not_exec, 5000, NULL, NULL), -ENOENT);
	assert_int_equal(run_command(dir, 5000, NULL, NULL), -ENOENT);
}

static void test_relative_path_refused(void **state)
{
	const char *argv[] = { "true", NULL };

	assert_int_equal(run_command(argv, 5000, NULL, NULL), -EINVAL);
}

static void test_signal_death(void **state)
{
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;

	assert_int_equal(sh("echo before; kill -TERM $$; echo after", 5000, &out, NULL), -EINTR);
	assert_string_equal(out.buf, "before\n");
	assert_int_equal(sh("kill -KILL $$", 5000, NULL, NULL), -EINTR);
}

/* The child starts with default dispositions even where we ignore a signal. */
static void test_signals_reset(void **state)
{
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;

	assert_int_equal(sigaction(SIGTERM, &ign, &old), 0);
	assert_int_equal(sh("kill -TERM $$; echo survived", 5000, &out, NULL), -EINTR);
	assert_int_equal(sigaction(SIGTERM, &old, NULL), 0);
	assert_string_equal(out.buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_capture),
		cmocka_unit_test(test_large_output_both_orders),
		cmocka_unit_test(test_large_output_discarded),
		cmocka_unit_test(test_stdin_is_dev_null),
		cmocka_unit_test(test_timeout_kills),
		cmocka_unit_test(test_timeout_kills_group),
		cmocka_unit_test(test_cannot_exec),
		cmocka_unit_test(test_relative_path_refused),
		cmocka_unit_test(test_signal_death),
		cmocka_unit_test(test_signals_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
