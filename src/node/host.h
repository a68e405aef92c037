/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>

#include "util/strbuf.h"

/* Kernel modules and tools the data path needs on every node (DESIGN §3). */
extern const char *const host_required_modules[];
extern const char *const host_required_tools[];

/*
 * Checks that every required kernel module is loaded, built in, or installed
 * for the running kernel (release), and that every tool is on search (a PATH
 * list). root prefixes /sys and /lib/modules, for tests. Returns 0 when all are
 * there, else -ENOENT with the missing pieces appended to missing.
 */
int host_check(const char *root, const char *release, const char *search, struct strbuf *missing);

/*
 * Whether module is loaded (root/sys/module/NAME) or built into the kernel
 * release (its modules.builtin): whether the kernel has it now.
 */
bool host_module_loaded(const char *root, const char *release, const char *module);

/* True if the modules.dep or modules.builtin line names module (dashes = underscores). */
bool host_modules_line_has(const char *line, const char *module);
