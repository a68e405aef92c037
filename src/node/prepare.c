// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/meta.h"
#include "node/host.h"
#include "node/nvmet.h"
#include "node/prepare.h"
#include "node/udev.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/path.h"
#include "util/run.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* modprobe resolves dependencies and runs no script of ours; it never needs long. */
#define MODPROBE_TIMEOUT_MS (60 * 1000)

char **prepare_modules_to_load(const char *sysroot, const char *release)
{
	size_t n = 0, k = 0;
	char **list;

	while (host_required_modules[n])
		n++;
	list = xcalloc(n + 1, sizeof(*list));
	for (size_t i = 0; i < n; i++)
		if (!host_module_loaded(sysroot, release, host_required_modules[i]))
			list[k++] = xstrdup(host_required_modules[i]);
	return list;
}

int prepare_load_modules(char *const *modules, const char *sysroot, const char *search,
			 struct strbuf *err)
{
	_cleanup_free_ char *modprobe = NULL;
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	size_t n = strv_length(modules);
	_cleanup_free_ const char **argv = xcalloc(n + 5, sizeof(*argv));
	size_t k = 0;
	int r;

	r = path_find_executable("modprobe", search, &modprobe);
	if (r < 0)
		return r;
	argv[k++] = modprobe;
	argv[k++] = "-a";
	if (sysroot && sysroot[0] && strcmp(sysroot, "/") != 0) {
		argv[k++] = "-d";
		argv[k++] = sysroot;
	}
	for (size_t i = 0; i < n; i++)
		argv[k++] = modules[i];
	r = run_command(argv, MODPROBE_TIMEOUT_MS, NULL, &out);
	if (r > 0) {
		while (out.len > 0 && out.buf[out.len - 1] == '\n')
			out.buf[--out.len] = '\0';
		strbuf_addf(err, "modprobe exited with %d%s%s", r, out.len ? ": " : "", out.buf);
		return -EIO;
	}
	return r;
}

/* Whether path holds exactly text. */
static bool holds(const char *path, const char *text)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	size_t len = strlen(text);
	_cleanup_free_ char *buf = xmalloc(len + 1);

	return f && fread(buf, 1, len + 1, f) == len && memcmp(buf, text, len) == 0;
}

static int write_all(int fd, const char *text)
{
	size_t len = strlen(text);

	while (len > 0) {
		ssize_t w = write(fd, text, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		text += w;
		len -= (size_t)w;
	}
	return 0;
}

int prepare_udev_rule_install(const char *dir)
{
	_cleanup_free_ char *path = NULL, *tmp = NULL;
	_cleanup_close_ int fd = -EBADF;
	struct stat st;
	int r;

	if (stat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	xasprintf(&path, "%s/%s", dir, UDEV_NO_ASSEMBLE_FILE);
	if (holds(path, udev_no_assemble_rule))
		return 0;
	xasprintf(&tmp, "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	r = write_all(fd, udev_no_assemble_rule);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r < 0 ? r : 1;
}

static void prepare_modules(const struct prepare_options *o)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT, names = STRBUF_INIT;
	char **todo = prepare_modules_to_load(o->sysroot, o->release);
	int r;

	for (size_t i = 0; todo[i]; i++)
		strbuf_addf(&names, "%s%s", i ? ", " : "", todo[i]);
	if (!todo[0]) {
		strv_free(todo);
		return;
	}
	r = prepare_load_modules(todo, o->sysroot, o->search, &err);
	if (r == 0)
		log_info("Loaded kernel modules %s", names.buf);
	else if (r == -ENOENT)
		log_warning("Cannot load kernel modules %s: no modprobe in this image; load them "
			    "on the host (modprobe, or /etc/modules-load.d)",
			    names.buf);
	else
		log_warning_errno(r,
				  "Cannot load kernel modules %s: %s; is the host's /lib/modules "
				  "mounted into this container, and the container privileged?",
				  names.buf, err.len ? err.buf : strerror(-r));
	strv_free(todo);
}

static void prepare_configfs(const struct prepare_options *o)
{
	int r = nvmet_configfs_mount(o->sysroot);

	if (r > 0)
		log_info("Mounted configfs, which the NVMe target is configured through");
	else if (r < 0)
		log_warning_errno(r,
				  "Cannot mount configfs (for the NVMe target): %m; mount it on "
				  "the host (mount -t configfs none /sys/kernel/config) and mount "
				  "that into this container");
}

static void prepare_udev(const struct prepare_options *o)
{
	int r;

	if (!o->udev_rules_dir || !o->udev_rules_dir[0])
		return;
	r = prepare_udev_rule_install(o->udev_rules_dir);
	if (r > 0)
		log_info(
			"Installed %s/%s: the host's udev and mdadm leave MeshStor's members alone",
			o->udev_rules_dir, UDEV_NO_ASSEMBLE_FILE);
	else if (r == -ENOENT)
		log_warning("%s does not exist: if this host runs udev, mount its udev rules "
			    "directory there, or the host may assemble MeshStor's arrays by itself "
			    "(see --udev-rules-dir)",
			    o->udev_rules_dir);
	else if (r < 0)
		log_warning_errno(r,
				  "Cannot install %s/%s: %m; the host may assemble MeshStor's "
				  "arrays by itself",
				  o->udev_rules_dir, UDEV_NO_ASSEMBLE_FILE);
}

void prepare_host(const struct prepare_options *o)
{
	/* Modules first: nvmet brings configfs with it when the kernel has it as a module. */
	prepare_modules(o);
	prepare_configfs(o);
	prepare_udev(o);
}
