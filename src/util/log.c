// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/log.h"
#include "util/banned.h"

enum log_level log_max_level = LOG_LEVEL_INFO;

static const char *const level_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARNING] = "warning",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
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

int log_internal(enum log_level level, int error, const char *vol, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	/*
	 * One fprintf per part would interleave with other threads' lines; build the
	 * line under the stdio lock instead (POSIX flockfile).
	 */
	flockfile(stderr);
	fprintf(stderr, "%s ", level_names[level]);
	if (vol)
		fprintf(stderr, "vol=%s ", vol);
	errno = error < 0 ? -error : error;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	funlockfile(stderr);

	errno = saved;
	return error;
}
