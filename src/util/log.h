/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>
#include <time.h>

#include "util/macro.h"
#include "util/strbuf.h"

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

/* How a line looks: see log_format_line(). */
enum log_format {
	LOG_FORMAT_TEXT,
	LOG_FORMAT_JSON,
};

extern enum log_level log_max_level;
extern enum log_format log_format;

const char *log_level_to_string(enum log_level l);
int log_level_from_string(const char *s);
/* "text" or "json"; -EINVAL for anything else. */
int log_format_from_string(const char *s);

/*
 * One log line, newline included, appended to out. Every line starts with
 * its time, RFC 3339 in UTC with milliseconds ("2026-01-02T03:04:05.678Z"):
 *   text: "<time> <level> [vol=<id> ]<msg>"
 *   json: {"time":"<time>","level":"<level>"[,"vol":"<id>"],"msg":"<msg>"},
 *         one object per line (escaped, any invalid UTF-8 as U+FFFD), for
 *         log collectors that parse JSON.
 */
void log_format_line(struct strbuf *out, enum log_format format, const struct timespec *ts,
		     enum log_level level, const char *vol, const char *msg);
/* The parts of a line: the time as above; s as a quoted JSON string. */
void log_add_time(struct strbuf *out, const struct timespec *ts);
void log_add_json_string(struct strbuf *out, const char *s);

/*
 * Writes one line to stderr in log_format (the time is now, from
 * CLOCK_REALTIME): the level, "vol=<id>" when vol is not NULL, then the
 * message. errno is set to -error while formatting, so "%m" names the error.
 * Returns error, so callers can write "return log_error_errno(r, ...)".
 */
int log_internal(enum log_level level, int error, const char *vol, const char *fmt, ...)
	_printf_(4, 5);

static inline bool log_enabled(enum log_level level)
{
	return level <= log_max_level;
}

/* The level is checked before any argument is evaluated or formatted. */
#define log_full_errno(level, error, vol, ...)                                         \
	({                                                                             \
		int _e_ = (error);                                                     \
		log_enabled(level) ? log_internal(level, _e_, vol, __VA_ARGS__) : _e_; \
	})

#define log_debug(...) log_full_errno(LOG_LEVEL_DEBUG, 0, NULL, __VA_ARGS__)
#define log_info(...) log_full_errno(LOG_LEVEL_INFO, 0, NULL, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_LEVEL_WARNING, 0, NULL, __VA_ARGS__)
#define log_error(...) log_full_errno(LOG_LEVEL_ERROR, 0, NULL, __VA_ARGS__)

#define log_debug_errno(e, ...) log_full_errno(LOG_LEVEL_DEBUG, e, NULL, __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_LEVEL_WARNING, e, NULL, __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_LEVEL_ERROR, e, NULL, __VA_ARGS__)

/* Per-volume variants put "vol=<id>" first so that `kubectl logs | grep vol=` works. */
#define log_vol_debug(vol, ...) log_full_errno(LOG_LEVEL_DEBUG, 0, vol, __VA_ARGS__)
#define log_vol_info(vol, ...) log_full_errno(LOG_LEVEL_INFO, 0, vol, __VA_ARGS__)
#define log_vol_warning(vol, ...) log_full_errno(LOG_LEVEL_WARNING, 0, vol, __VA_ARGS__)
#define log_vol_warning_errno(vol, e, ...) log_full_errno(LOG_LEVEL_WARNING, e, vol, __VA_ARGS__)
#define log_vol_error_errno(vol, e, ...) log_full_errno(LOG_LEVEL_ERROR, e, vol, __VA_ARGS__)
