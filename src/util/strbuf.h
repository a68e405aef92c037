/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdarg.h>
#include <stddef.h>

#include "util/macro.h"

/*
 * A growable NUL-terminated string, after git's strbuf. buf is never NULL once
 * initialised; on allocation failure the process aborts, as git's xmalloc does,
 * because a half-built string is worse than a clear crash.
 */
struct strbuf {
	size_t len;
	size_t alloc;
	char *buf;
};

#define STRBUF_INIT                        \
	{                                  \
		0, 0, (char *)strbuf_empty \
	}

extern const char strbuf_empty[];

void strbuf_init(struct strbuf *sb);
void strbuf_done(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
/* Drops trailing characters that are in chars. */
void strbuf_rtrim(struct strbuf *sb, const char *chars);
char *strbuf_detach(struct strbuf *sb);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_adds(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) _printf_(2, 3);
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap) _printf_(2, 0);

static inline void strbuf_donep(struct strbuf *sb)
{
	strbuf_done(sb);
}

#define _cleanup_strbuf_ __attribute__((cleanup(strbuf_donep)))
