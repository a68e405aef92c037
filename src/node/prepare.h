/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include "util/strbuf.h"

/*
 * Host preparation (docs/ARCHITECTURE.md, "Host preparation"): what a real
 * node needs before the agent can serve, done by `meshstor node` each time it
 * starts, idempotently. It adds and never removes: modules are loaded, not
 * unloaded; configfs is mounted where nothing is; one udev rule file of our
 * own is written, and no file of the host's is touched.
 */

struct prepare_options {
	const char *sysroot;	    /* prefixes /sys and /lib/modules; NULL or "/" for the host */
	const char *release;	    /* the running kernel's release (uname -r) */
	const char *udev_rules_dir; /* where to install the rule; NULL or "": nowhere */
	const char *search;	    /* where to find modprobe: a PATH list, NULL for $PATH */
};

/*
 * Loads the data path's kernel modules that are missing, mounts configfs and
 * installs the udev rule (udev.h), logging what it did and, as a warning,
 * what it could not do: the node then stays not ready, or the host may
 * assemble our arrays, and the line says what to fix. Never fails.
 */
void prepare_host(const struct prepare_options *o);

/*
 * The required modules (host_required_modules) neither loaded nor built in,
 * NULL-terminated (strv_free()); an empty list when the kernel has them all.
 */
char **prepare_modules_to_load(const char *sysroot, const char *release);

/*
 * Runs `modprobe -a [-d SYSROOT] MODULE...` (modprobe found on search). 0, or
 * -ENOENT without modprobe, -EIO when it failed (its words appended to err),
 * or another -errno.
 */
int prepare_load_modules(char *const *modules, const char *sysroot, const char *search,
			 struct strbuf *err);

/*
 * Installs udev_no_assemble_rule as dir/UDEV_NO_ASSEMBLE_FILE: 1 when
 * written, 0 when the file holds exactly that already, -ENOENT when dir does
 * not exist, or another -errno. The text goes to a temporary file (which
 * udev ignores: it reads *.rules only) renamed over the rule, so udev never
 * reads half of it. systemd-udevd notices new rules by itself: it checks the
 * rules directories' times before it handles an event.
 */
int prepare_udev_rule_install(const char *dir);
