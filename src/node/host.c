// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node/host.h"
#include "util/cleanup.h"
#include "util/path.h"
#include "util/banned.h"

const char *const host_required_modules[] = {
	"nvmet",  "nvmet_tcp", "nvme_tcp",     "nvme_fabrics",	  "md_mod", "raid1",
	"raid10", "dm_mod",    "dm_multipath", "dm_service_time", "xfs",    NULL,
};

const char *const host_required_tools[] = {
	"mdadm",
	"mkfs.xfs",
	"xfs_growfs",
	NULL,
};

bool host_modules_line_has(const char *line, const char *module)
{
	const char *end = line + strcspn(line, ":\n");
	const char *base = line;
	size_t n = strlen(module);

	for (const char *p = line; p < end; p++)
		if (*p == '/')
			base = p + 1;
	/* "kernel/drivers/nvme/target/nvmet-tcp.ko.xz": compare up to ".ko". */
	if ((size_t)(end - base) < n + 3 || memcmp(base + n, ".ko", 3) != 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = base[i] == '-' ? '_' : base[i];

		if (c != module[i])
			return false;
	}
	return true;
}

static bool listed_in(const char *file, const char *module)
{
	_cleanup_fclose_ FILE *f = fopen(file, "re");
	_cleanup_free_ char *line = NULL;
	size_t alloc = 0;

	if (!f)
		return false;
	while (getline(&line, &alloc, f) > 0)
		if (host_modules_line_has(line, module))
			return true;
	return false;
}

/* Whether root/lib/modules/release/file lists module. */
static bool module_listed(const char *root, const char *release, const char *file,
			  const char *module)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	_cleanup_free_ char *list = NULL;

	strbuf_addf(&sb, "/lib/modules/%s/%s", release, file);
	list = path_join_root(root, sb.buf);
	return listed_in(list, module);
}

bool host_module_loaded(const char *root, const char *release, const char *module)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	_cleanup_free_ char *path = NULL;

	strbuf_addf(&sb, "/sys/module/%s", module);
	path = path_join_root(root, sb.buf);
	/* A built-in module has /sys/module/NAME only when it has parameters. */
	return access(path, F_OK) == 0 || module_listed(root, release, "modules.builtin", module);
}

static bool module_available(const char *root, const char *release, const char *module)
{
	return host_module_loaded(root, release, module) ||
	       module_listed(root, release, "modules.dep", module);
}

int host_check(const char *root, const char *release, const char *search, struct strbuf *missing)
{
	size_t before = missing->len;

	for (size_t i = 0; host_required_modules[i]; i++)
		if (!module_available(root, release, host_required_modules[i]))
			strbuf_addf(missing, "%skernel module %s",
				    missing->len > before ? ", " : "", host_required_modules[i]);
	for (size_t i = 0; host_required_tools[i]; i++) {
		_cleanup_free_ char *path = NULL;

		if (path_find_executable(host_required_tools[i], search, &path) < 0)
			strbuf_addf(missing, "%stool %s", missing->len > before ? ", " : "",
				    host_required_tools[i]);
	}
	return missing->len > before ? -ENOENT : 0;
}
