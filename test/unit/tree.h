/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/*
 * A directory tree under /tmp standing in for sysfs or configfs in unit
 * tests: made by hand, read by the code under test. Relative paths are
 * relative to base: the root itself, or a directory under it.
 */
struct tree {
	char root[64];
	char base[128];
};

/*
 * cmocka setup and teardown: a fresh tree in *state named after prefix, with
 * base at root/sub (sub NULL or "": the root), and its removal.
 */
int tree_setup(void **state, const char *prefix, const char *sub);
int tree_teardown(void **state);

/* base/rel, malloc'd. */
char *tree_path(const struct tree *t, const char *rel);
/* mkdir -p of base/rel. */
void tree_mkdirs(const struct tree *t, const char *rel);
/* base/rel holding exactly len bytes of data, with the given mode. */
void tree_write(const struct tree *t, const char *rel, const void *data, size_t len, mode_t mode);
/*
 * dir/name (made with its directories) as the kernel shows an attribute: the
 * value and a newline; an empty file when value is NULL.
 */
void tree_attr(const struct tree *t, const char *dir, const char *name, const char *value);
/* The contents of base/rel (at most 255 bytes), malloc'd. */
char *tree_read(const struct tree *t, const char *rel);
