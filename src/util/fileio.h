/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

/*
 * The first line of a small file such as a sysfs or configfs attribute
 * (dir/name, or dir alone when name is NULL), without trailing newlines and
 * spaces (NVMe pads model and serial with spaces). Reads at most 4 KiB, an
 * attribute's page. Returns 0 and a malloc'd string, or -errno.
 */
int read_attr(const char *dir, const char *name, char **ret);
/* read_attr(), or NULL when the file cannot be read or its first line is empty. */
char *read_attr_or_null(const char *dir, const char *name);
