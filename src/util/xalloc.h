/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stddef.h>

#include "util/macro.h"

/*
 * Allocators that abort on exhaustion (git's xmalloc). Used for small
 * bookkeeping where no caller could do anything useful with ENOMEM.
 */
void *xmalloc(size_t size);
void *xzalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
void *xreallocarray(void *p, size_t n, size_t size);
/* A new string formatted as printf would; *ret is set (aborts on exhaustion). */
void xasprintf(char **ret, const char *fmt, ...) _printf_(2, 3);
