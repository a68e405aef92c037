// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"
#include "util/banned.h"

enum log_level log_max_level = LOG_LEVEL_INFO;
enum log_format log_format = LOG_FORMAT_TEXT;

static const char *const level_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARNING] = "warning",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

static const char *const format_names[] = {
	[LOG_FORMAT_TEXT] = "text",
	[LOG_FORMAT_JSON] = "json",
};

const char *log_level_to_string(enum log_level l)
{
	if ((unsigned)l >= ARRAY_SIZE(level_names))
		return NULL;
	return level_names[l];
}

int log_level_from_string(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(level_names); i++)
		if (strcmp(level_names[i], s) == 0)
			return (int)i;
	return -EINVAL;
}

int log_format_from_string(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(format_names); i++)
		if (strcmp(format_names[i], s) == 0)
			return (int)i;
	return -EINVAL;
}

void log_add_time(struct strbuf *out, const struct timespec *ts)
{
	struct tm tm;
	char buf[32];

	/* Milliseconds truncated, as the clock read them: a line never claims a later time. */
	if (!gmtime_r(&ts->tv_sec, &tm) ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		buf[0] = '\0';
	strbuf_addf(out, "%s.%03ldZ", buf, ts->tv_nsec / 1000000);
}

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates), or 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * A JSON string (RFC 8259, 7): quotes, backslashes and control characters
 * escaped; a byte that is not valid UTF-8 (a tool's output may hold any)
 * becomes U+FFFD, so every line stays valid JSON.
 */
void log_add_json_string(struct strbuf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	strbuf_addch(out, '"');
	while (*p) {
		size_t n = utf8_len(p);

		if (n == 0) {
			strbuf_adds(out, "\\ufffd");
			p++;
			continue;
		}
		if (*p == '"' || *p == '\\')
			strbuf_addf(out, "\\%c", *p);
		else if (*p == '\n')
			strbuf_adds(out, "\\n");
		else if (*p == '\t')
			strbuf_adds(out, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			strbuf_addf(out, "\\u%04x", *p);
		else
			strbuf_add(out, p, n);
		p += n;
	}
	strbuf_addch(out, '"');
}

void log_format_line(struct strbuf *out, enum log_format format, const struct timespec *ts,
		     enum log_level level, const char *vol, const char *msg)
{
	if (format == LOG_FORMAT_JSON) {
		strbuf_adds(out, "{\"time\":\"");
		log_add_time(out, ts);
		strbuf_addf(out, "\",\"level\":\"%s\",", level_names[level]);
		if (vol) {
			strbuf_adds(out, "\"vol\":");
			log_add_json_string(out, vol);
			strbuf_addch(out, ',');
		}
		strbuf_adds(out, "\"msg\":");
		log_add_json_string(out, msg);
		strbuf_adds(out, "}\n");
		return;
	}
	log_add_time(out, ts);
	strbuf_addf(out, " %s ", level_names[level]);
	if (vol)
		strbuf_addf(out, "vol=%s ", vol);
	strbuf_adds(out, msg);
	strbuf_addch(out, '\n');
}

int log_internal(enum log_level level, int error, const char *vol, const char *fmt, ...)
{
	int saved = errno, n;
	struct strbuf line = STRBUF_INIT;
	char small[512], *msg = small;
	struct timespec ts;
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	/* errno is -error for "%m", set again before each pass: malloc may change it. */
	errno = error < 0 ? -error : error;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(small)) {
		msg = malloc((size_t)n + 1);
		if (msg) {
			errno = error < 0 ? -error : error;
			va_start(ap, fmt);
			vsnprintf(msg, (size_t)n + 1, fmt, ap);
			va_end(ap);
		} else {
			msg = small; /* truncated rather than lost */
		}
	} else if (n < 0) {
		small[0] = '\0';
	}
	log_format_line(&line, log_format, &ts, level, vol, msg);
	/* One write per line, so lines of several threads never interleave. */
	flockfile(stderr);
	fwrite(line.buf, 1, line.len, stderr);
	funlockfile(stderr);
	if (msg != small)
		free(msg);
	strbuf_done(&line);

	errno = saved;
	return error;
}
