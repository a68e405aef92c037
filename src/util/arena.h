/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdarg.h>
#include <stddef.h>

#include "util/macro.h"

/*
 * A bump allocator whose allocations all die together in arena_done(). A CSI
 * response is a tree of small protobuf-c structs and strings; building it in the
 * call's arena means one free at the end of the call instead of a destructor per
 * message type.
 */
struct arena_block;

struct arena {
	struct arena_block *head;
};

#define ARENA_INIT   \
	{            \
		NULL \
	}

void arena_done(struct arena *a);
void *arena_alloc(struct arena *a, size_t size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...) _printf_(2, 3);
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap) _printf_(2, 0);

#define arena_new(a, type) ((type *)arena_alloc(a, sizeof(type)))
#define arena_new_array(a, type, n) ((type *)arena_alloc_array(a, sizeof(type), n))

void *arena_alloc_array(struct arena *a, size_t size, size_t n);
