// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <cmocka.h>

#include "csi/endpoint.h"
#include "util/macro.h"
#include "util/banned.h"

static const struct {
	const char *endpoint;
	const char *path; /* NULL: rejected with -EINVAL */
} cases[] = {
	{ "unix:///tmp/x.sock", "/tmp/x.sock" },
	{ "unix:/tmp/x.sock", "/tmp/x.sock" },
	{ "unix:///csi/csi.sock", "/csi/csi.sock" },
	{ "unix:///a//b", "/a//b" },
	{ "unix:///a/..b", "/a/..b" },
	{ "unix:///a/b..", "/a/b.." },
	{ "unix:///", "/" },
	{ "tcp://1.2.3.4:5", NULL },
	{ "unix://relative", NULL },
	{ "unix:relative", NULL },
	{ "unix://", NULL },
	{ "unix:", NULL },
	{ "unix", NULL },
	{ "", NULL },
	{ "/tmp/x", NULL },
	{ "UNIX:///tmp/x", NULL },
	{ "unix:///a/../b", NULL },
	{ "unix:///a/..", NULL },
	{ "unix:/..", NULL },
	{ "unix:///../x", NULL },
};

static void test_table(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *path = (char *)"untouched";
		int r = csi_endpoint_parse(cases[i].endpoint, &path);

		print_message("endpoint \"%s\"\n", cases[i].endpoint);
		if (cases[i].path) {
			assert_int_equal(r, 0);
			assert_string_equal(path, cases[i].path);
			free(path);
		} else {
			assert_int_equal(r, -EINVAL);
			assert_string_equal(path, "untouched");
		}
	}
}

/* Writes scheme followed by an absolute path of path_len bytes into buf. */
static const char *make_endpoint(char *buf, size_t size, const char *scheme, size_t path_len)
{
	size_t n = strlen(scheme);

	assert_true(n + path_len < size);
	memcpy(buf, scheme, n);
	buf[n] = '/';
	memset(buf + n + 1, 'p', path_len - 1);
	buf[n + path_len] = '\0';
	return buf;
}

/* sun_path holds 108 bytes on Linux, NUL included: 107 path bytes fit, 108 do not. */
static void test_path_length(void **state)
{
	static const char *const schemes[] = { "unix://", "unix:" };
	const size_t max = sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1;
	char buf[256];

	assert_int_equal(max, 107);
	for (size_t i = 0; i < ARRAY_SIZE(schemes); i++) {
		char *path = NULL;

		make_endpoint(buf, sizeof(buf), schemes[i], max);
		assert_int_equal(csi_endpoint_parse(buf, &path), 0);
		assert_int_equal(strlen(path), max);
		assert_string_equal(path, buf + strlen(schemes[i]));
		free(path);

		path = NULL;
		make_endpoint(buf, sizeof(buf), schemes[i], max + 1);
		assert_int_equal(csi_endpoint_parse(buf, &path), -EINVAL);
		assert_null(path);
		make_endpoint(buf, sizeof(buf), schemes[i], 200);
		assert_int_equal(csi_endpoint_parse(buf, &path), -EINVAL);
		assert_null(path);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_path_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
