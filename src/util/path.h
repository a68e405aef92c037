/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

/*
 * Finds name in the colon-separated search list (PATH when search is NULL) and
 * returns its absolute path, malloc'd. -ENOENT when no executable is found.
 */
int path_find_executable(const char *name, const char *search, char **ret);

/* The last component of a path ("/dev/nvme2n1" -> "nvme2n1"); path itself when it has no '/'. */
const char *path_basename(const char *path);

/* Joins root and an absolute path ("/sys" + "/module/x"); root may be NULL or "". */
char *path_join_root(const char *root, const char *path);
