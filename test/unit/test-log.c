// SPDX-License-Identifier: GPL-2.0-only
/*
 * util/log: what an operator's tools read. Every line starts with an RFC 3339
 * UTC time with milliseconds; --log-format=json gives one valid JSON object
 * per line whatever the message holds (compared byte for byte: util/ has no
 * JSON library, and must not).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/log.h"
#include "util/strbuf.h"
#include "util/banned.h"

/* 2026-01-02T03:04:05.678Z */
static const struct timespec T = { 1767323045, 678999999 };

static void test_time(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct timespec epoch = { 0, 999999 };

	log_add_time(&sb, &T);
	assert_string_equal(sb.buf, "2026-01-02T03:04:05.678Z");
	strbuf_reset(&sb);
	log_add_time(&sb, &epoch);
	assert_string_equal(sb.buf, "1970-01-01T00:00:00.000Z");
	strbuf_done(&sb);
}

static void test_text(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	log_format_line(&sb, LOG_FORMAT_TEXT, &T, LOG_LEVEL_WARNING, NULL, "drive gone");
	assert_string_equal(sb.buf, "2026-01-02T03:04:05.678Z warning drive gone\n");
	strbuf_reset(&sb);
	log_format_line(&sb, LOG_FORMAT_TEXT, &T, LOG_LEVEL_INFO, "pvc-1", "Placed");
	assert_string_equal(sb.buf, "2026-01-02T03:04:05.678Z info vol=pvc-1 Placed\n");
	strbuf_done(&sb);
}

static void test_json(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	log_format_line(&sb, LOG_FORMAT_JSON, &T, LOG_LEVEL_ERROR, NULL, "no mdadm");
	assert_string_equal(sb.buf, "{\"time\":\"2026-01-02T03:04:05.678Z\",\"level\":\"error\","
				    "\"msg\":\"no mdadm\"}\n");
	strbuf_reset(&sb);
	log_format_line(&sb, LOG_FORMAT_JSON, &T, LOG_LEVEL_DEBUG, "pvc-1", "x");
	assert_string_equal(sb.buf, "{\"time\":\"2026-01-02T03:04:05.678Z\",\"level\":\"debug\","
				    "\"vol\":\"pvc-1\",\"msg\":\"x\"}\n");
	strbuf_done(&sb);
}

static void test_json_escapes(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "say \"hi\"", "\"say \\\"hi\\\"\"" },
		{ "a\\b", "\"a\\\\b\"" },
		/* mdadm's stderr comes with newlines; one event stays one line. */
		{ "line1\nline2\ttab", "\"line1\\nline2\\ttab\"" },
		{ "\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xbe",
		  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xbe\"" },
		/* Not UTF-8: a stray continuation, a cut sequence, an overlong, a surrogate. */
		{ "a\x80z", "\"a\\ufffdz\"" },
		{ "\xc3", "\"\\ufffd\"" },
		{ "\xc0\xaf", "\"\\ufffd\\ufffd\"" },
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },
		{ "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
	};
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		strbuf_reset(&sb);
		log_add_json_string(&sb, cases[i].in);
		assert_string_equal(sb.buf, cases[i].out);
	}
	strbuf_done(&sb);
}

static void test_format_names(void **state)
{
	assert_int_equal(log_format_from_string("text"), LOG_FORMAT_TEXT);
	assert_int_equal(log_format_from_string("json"), LOG_FORMAT_JSON);
	assert_int_equal(log_format_from_string("JSON"), -EINVAL);
	assert_int_equal(log_format_from_string(""), -EINVAL);
}

/* What log_*() write to stderr, captured through a temporary file. */
static char *capture(void (*fn)(void))
{
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	char *buf = calloc(1, 4096);

	assert_non_null(tmp);
	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	fn();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	assert_true(fread(buf, 1, 4095, tmp) > 0);
	fclose(tmp);
	return buf;
}

static void log_some(void)
{
	log_info("plain %d", 42);
	log_vol_warning_errno("pvc-2", -ENOENT, "Failed: %m");
}

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" at s, by shape. */
static void assert_time_at(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";

	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
			fail_msg("not an RFC 3339 time at '%s'", s);
}

static void test_lines_written(void **state)
{
	char *out, *second;

	log_format = LOG_FORMAT_TEXT;
	errno = EBUSY;
	out = capture(log_some);
	assert_int_equal(errno, EBUSY); /* logging leaves errno alone */
	second = strchr(out, '\n') + 1;
	assert_time_at(out);
	assert_memory_equal(out + 24, " info plain 42\n", 15);
	assert_time_at(second);
	assert_string_equal(second + 24, " warning vol=pvc-2 Failed: No such file or directory\n");
	free(out);

	log_format = LOG_FORMAT_JSON;
	out = capture(log_some);
	second = strchr(out, '\n') + 1;
	assert_memory_equal(out, "{\"time\":\"", 9);
	assert_time_at(out + 9);
	assert_memory_equal(out + 33, "\",\"level\":\"info\",\"msg\":\"plain 42\"}\n", 35);
	assert_time_at(second + 9);
	assert_string_equal(second + 33, "\",\"level\":\"warning\",\"vol\":\"pvc-2\","
					 "\"msg\":\"Failed: No such file or directory\"}\n");
	free(out);
	log_format = LOG_FORMAT_TEXT;
}

static void log_long(void)
{
	char big[2000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_error_errno(-EIO, "%s %m", big);
}

/* Past the stack buffer: whole, with %m still the caller's error. */
static void test_long_message(void **state)
{
	char *out;
	size_t len;

	log_format = LOG_FORMAT_TEXT;
	out = capture(log_long);
	len = strlen(out);
	assert_int_equal(len, 24 + strlen(" error ") + 1999 + strlen(" Input/output error\n"));
	assert_string_equal(out + len - strlen(" Input/output error\n"), " Input/output error\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time),	     cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),	     cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_format_names), cmocka_unit_test(test_lines_written),
		cmocka_unit_test(test_long_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
