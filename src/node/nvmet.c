// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "node/nvmet.h"
#include "util/path.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "util/banned.h"

/*
 * configfs (drivers/nvme/target/configfs.c) behaves unlike a plain tree:
 * mkdir of a subsystem creates its namespaces/ and allowed_hosts/, mkdir of a
 * port its subsystems/; every attribute exists from the start and is written
 * with one write() (value and newline), and reads end in a newline; links
 * must name their target by absolute path (configfs resolves it from the
 * caller, not from the link's directory).
 */

/* root + "/" + the parts, joined by '/'. */
static char *cfs_path(const char *root, const char *a, const char *b, const char *c, const char *d)
{
	struct strbuf sb = STRBUF_INIT;
	const char *parts[] = { a, b, c, d };

	strbuf_adds(&sb, root);
	for (size_t i = 0; i < 4 && parts[i]; i++)
		strbuf_addf(&sb, "/%s", parts[i]);
	return strbuf_detach(&sb);
}

/* An attribute as configfs shows it; an unset device_path reads "(null)", which is "". */
static int read_cfs_attr(const char *path, char **ret)
{
	int r = read_attr(path, NULL, ret);

	/* nvmet_ns_device_path_show() prints a NULL %s. */
	if (r == 0 && strcmp(*ret, "(null)") == 0)
		(*ret)[0] = '\0';
	return r;
}

/* An attribute's value, "" when it cannot be read. */
static char *read_attr_or_empty(const char *path)
{
	char *v;

	return read_cfs_attr(path, &v) < 0 ? xstrdup("") : v;
}

static int write_attr(const char *path, const char *value)
{
	_cleanup_strbuf_ struct strbuf text = STRBUF_INIT;
	_cleanup_close_ int fd = -1;
	ssize_t n;

	strbuf_addf(&text, "%s\n", value);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text.buf, text.len);
	if (n < 0)
		return -errno;
	return (size_t)n == text.len ? 0 : -EIO;
}

static int make_dir(const char *path)
{
	return mkdir(path, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

static int make_link(const char *target, const char *link)
{
	return symlink(target, link) < 0 && errno != EEXIST ? -errno : 0;
}

static int remove_link(const char *link)
{
	return unlink(link) < 0 && errno != ENOENT ? -errno : 0;
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* The entries of dir, sorted; an absent dir has none. */
static int list_dir(const char *dir, char ***ret, size_t *ret_n)
{
	char **names = NULL;
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	d = opendir(dir);
	if (!d && errno != ENOENT)
		return -errno;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	if (d)
		closedir(d);
	for (size_t i = 1; i < n; i++) /* insertion sort: a handful of names */
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char *t = names[j];

			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	*ret = names;
	*ret_n = n;
	return 0;
}

static void names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* A name used as one path component. */
static bool name_ok(const char *s)
{
	return s && s[0] && s[0] != '.' && !strchr(s, '/') && !strchr(s, '\n');
}

int nvmet_port_ensure(const char *root, const struct nvmet_port *port)
{
	static const char *const attrs[] = { "addr_trtype", "addr_adrfam", "addr_traddr",
					     "addr_trsvcid" };
	_cleanup_free_ char *dir = NULL;
	const char *want[4];
	char *have[4] = {};
	unsigned char addr[sizeof(struct in6_addr)];
	char id[16];
	int r = 0;

	if (!port->trtype ||
	    (strcmp(port->trtype, "tcp") != 0 && strcmp(port->trtype, "rdma") != 0) ||
	    !port->traddr || !port->trsvcid || !name_ok(port->trsvcid))
		return -EINVAL;
	want[0] = port->trtype;
	if (inet_pton(AF_INET, port->traddr, addr) == 1)
		want[1] = "ipv4";
	else if (inet_pton(AF_INET6, port->traddr, addr) == 1)
		want[1] = "ipv6";
	else
		return -EINVAL;
	want[2] = port->traddr;
	want[3] = port->trsvcid;

	snprintf(id, sizeof(id), "%u", port->id);
	dir = cfs_path(root, "ports", id, NULL, NULL);
	r = make_dir(dir);
	if (r < 0)
		return r;
	/*
	 * Compare first, write after: a port in use by another address is never
	 * half rewritten (the kernel refuses writes to an enabled port anyway).
	 * An empty value is one never written (a fresh port).
	 */
	for (size_t i = 0; i < 4; i++) {
		_cleanup_free_ char *path = cfs_path(dir, attrs[i], NULL, NULL, NULL);

		r = read_cfs_attr(path, &have[i]);
		if (r < 0)
			break;
		if (have[i][0] && strcmp(have[i], want[i]) != 0)
			r = -EEXIST;
		if (r < 0)
			break;
	}
	for (size_t i = 0; i < 4 && r == 0; i++)
		if (!have[i][0]) {
			_cleanup_free_ char *path = cfs_path(dir, attrs[i], NULL, NULL, NULL);

			r = write_attr(path, want[i]);
		}
	for (size_t i = 0; i < 4; i++)
		free(have[i]);
	return r;
}

/* Unlinks subsystem nqn from every port: the kernel drops those connections (the fence). */
static int unlink_from_ports(const char *root, const char *nqn)
{
	_cleanup_free_ char *ports = cfs_path(root, "ports", NULL, NULL, NULL);
	char **ids;
	size_t n;
	int r;

	r = list_dir(ports, &ids, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r == 0; i++) {
		_cleanup_free_ char *link = cfs_path(ports, ids[i], "subsystems", nqn, NULL);

		r = remove_link(link);
	}
	names_free(ids, n);
	return r;
}

/* Whether any subsystem still allows host (so hosts/<host> must stay). */
static bool host_in_use(const char *root, const char *host)
{
	_cleanup_free_ char *subs = cfs_path(root, "subsystems", NULL, NULL, NULL);
	bool used = false;
	char **nqns;
	size_t n;

	if (list_dir(subs, &nqns, &n) < 0)
		return true;
	for (size_t i = 0; i < n && !used; i++) {
		_cleanup_free_ char *link = cfs_path(subs, nqns[i], "allowed_hosts", host, NULL);

		used = exists(link);
	}
	names_free(nqns, n);
	return used;
}

/*
 * Removes hosts/<host> when no subsystem allows it any more. configfs may
 * let an item go while a link points at it, so we look first; a failed
 * rmdir (a racing export) only leaves the directory for the next time.
 */
static void host_collect(const char *root, const char *host)
{
	_cleanup_free_ char *dir = cfs_path(root, "hosts", host, NULL, NULL);

	if (!host_in_use(root, host))
		(void)rmdir(dir);
}

/* Makes host_nqn the only allowed host of subsystem nqn, fencing any other first. */
static int set_allowed_host(const char *root, const char *nqn, const char *host_nqn)
{
	_cleanup_free_ char *allowed = cfs_path(root, "subsystems", nqn, "allowed_hosts", NULL);
	_cleanup_free_ char *host_dir = cfs_path(root, "hosts", host_nqn, NULL, NULL);
	_cleanup_free_ char *link = cfs_path(allowed, host_nqn, NULL, NULL, NULL);
	bool others = false, ours = false;
	char **hosts;
	size_t n;
	int r;

	r = list_dir(allowed, &hosts, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (strcmp(hosts[i], host_nqn) == 0)
			ours = true;
		else
			others = true;
	/* Another host's connections end before ours can begin: unlink from the ports first. */
	if (others)
		r = unlink_from_ports(root, nqn);
	for (size_t i = 0; i < n && r == 0; i++)
		if (strcmp(hosts[i], host_nqn) != 0) {
			_cleanup_free_ char *old = cfs_path(allowed, hosts[i], NULL, NULL, NULL);

			r = remove_link(old);
			if (r == 0)
				host_collect(root, hosts[i]);
		}
	if (r == 0 && !ours) {
		r = make_dir(host_dir);
		if (r == 0)
			r = make_link(host_dir, link);
	}
	names_free(hosts, n);
	return r;
}

/* Namespace 1 of subsystem dir sub backed by device_path and enabled. */
static int ensure_namespace(const char *sub, const char *device_path)
{
	_cleanup_free_ char *ns = cfs_path(sub, "namespaces", "1", NULL, NULL);
	_cleanup_free_ char *path_attr = cfs_path(ns, "device_path", NULL, NULL, NULL);
	_cleanup_free_ char *enable_attr = cfs_path(ns, "enable", NULL, NULL, NULL);
	_cleanup_free_ char *have = NULL, *enabled = NULL;
	int r;

	r = make_dir(ns);
	if (r < 0)
		return r;
	r = read_cfs_attr(path_attr, &have);
	if (r < 0)
		return r;
	if (have[0] && strcmp(have, device_path) != 0)
		return -EEXIST;
	/* device_path before enable: enabling opens the device (nvmet_ns_enable()). */
	if (!have[0]) {
		r = write_attr(path_attr, device_path);
		if (r < 0)
			return r;
	}
	r = read_cfs_attr(enable_attr, &enabled);
	if (r < 0)
		return r;
	return strcmp(enabled, "1") == 0 ? 0 : write_attr(enable_attr, "1");
}

int nvmet_export(const char *root, unsigned port_id, const char *nqn, const char *device_path,
		 const char *host_nqn)
{
	_cleanup_free_ char *sub = NULL, *port = NULL, *port_link = NULL, *any_attr = NULL;
	_cleanup_free_ char *any = NULL;
	char id[16];
	int r;

	/* configfs resolves a link's target from the caller: the root must be absolute. */
	if (!root || root[0] != '/' || !name_ok(nqn) || !name_ok(host_nqn) || !device_path ||
	    device_path[0] != '/')
		return -EINVAL;
	snprintf(id, sizeof(id), "%u", port_id);
	port = cfs_path(root, "ports", id, NULL, NULL);
	if (!exists(port))
		return -ENOENT; /* nvmet_port_ensure() first */
	sub = cfs_path(root, "subsystems", nqn, NULL, NULL);
	r = make_dir(sub);
	if (r < 0)
		return r;
	/* Never 1: then anyone who can reach the port could connect. */
	any_attr = cfs_path(sub, "attr_allow_any_host", NULL, NULL, NULL);
	r = read_cfs_attr(any_attr, &any);
	if (r == 0 && strcmp(any, "0") != 0)
		r = write_attr(any_attr, "0");
	if (r < 0)
		return r;
	r = ensure_namespace(sub, device_path);
	if (r < 0)
		return r;
	/* The allowed host before the port link: never reachable by anyone else. */
	r = set_allowed_host(root, nqn, host_nqn);
	if (r < 0)
		return r;
	port_link = cfs_path(port, "subsystems", nqn, NULL, NULL);
	return make_link(sub, port_link);
}

/* Disables and removes every namespace of subsystem dir sub. */
static int remove_namespaces(const char *sub)
{
	_cleanup_free_ char *nss = cfs_path(sub, "namespaces", NULL, NULL, NULL);
	char **ids;
	size_t n;
	int r;

	r = list_dir(nss, &ids, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r == 0; i++) {
		_cleanup_free_ char *ns = cfs_path(nss, ids[i], NULL, NULL, NULL);
		_cleanup_free_ char *enable = cfs_path(ns, "enable", NULL, NULL, NULL);

		r = write_attr(enable, "0");
		if (r == -ENOENT)
			r = 0;
		if (r == 0 && rmdir(ns) < 0 && errno != ENOENT)
			r = -errno;
	}
	names_free(ids, n);
	return r;
}

int nvmet_remove(const char *root, const char *nqn)
{
	_cleanup_free_ char *sub = NULL, *allowed = NULL;
	char **hosts = NULL;
	size_t n = 0;
	int r;

	if (!name_ok(nqn))
		return -EINVAL;
	sub = cfs_path(root, "subsystems", nqn, NULL, NULL);
	if (!exists(sub))
		return 0;
	/* The fence first: no host keeps a connection while the rest goes. */
	r = unlink_from_ports(root, nqn);
	if (r < 0)
		return r;
	allowed = cfs_path(sub, "allowed_hosts", NULL, NULL, NULL);
	r = list_dir(allowed, &hosts, &n);
	for (size_t i = 0; i < n && r == 0; i++) {
		_cleanup_free_ char *link = cfs_path(allowed, hosts[i], NULL, NULL, NULL);

		r = remove_link(link);
	}
	if (r == 0)
		r = remove_namespaces(sub);
	if (r == 0 && rmdir(sub) < 0 && errno != ENOENT)
		r = -errno;
	for (size_t i = 0; i < n && r == 0; i++)
		host_collect(root, hosts[i]);
	names_free(hosts, n);
	return r;
}

/* Whether any port links subsystem nqn. */
static bool is_linked(const char *root, const char *nqn)
{
	_cleanup_free_ char *ports = cfs_path(root, "ports", NULL, NULL, NULL);
	bool linked = false;
	char **ids;
	size_t n;

	if (list_dir(ports, &ids, &n) < 0)
		return false;
	for (size_t i = 0; i < n && !linked; i++) {
		_cleanup_free_ char *link = cfs_path(ports, ids[i], "subsystems", nqn, NULL);

		linked = exists(link);
	}
	names_free(ids, n);
	return linked;
}

static void read_subsystem(const char *root, const char *nqn, struct nvmet_subsystem *s)
{
	_cleanup_free_ char *sub = cfs_path(root, "subsystems", nqn, NULL, NULL);
	_cleanup_free_ char *path_attr = cfs_path(sub, "namespaces", "1", "device_path", NULL);
	_cleanup_free_ char *enable_attr = cfs_path(sub, "namespaces", "1", "enable", NULL);
	_cleanup_free_ char *allowed = cfs_path(sub, "allowed_hosts", NULL, NULL, NULL);
	_cleanup_free_ char *enabled = read_attr_or_empty(enable_attr);
	char **hosts;
	size_t n;

	s->nqn = xstrdup(nqn);
	s->device_path = read_attr_or_empty(path_attr);
	if (!s->device_path[0]) {
		free(s->device_path);
		s->device_path = NULL;
	}
	s->enabled = strcmp(enabled, "1") == 0;
	if (list_dir(allowed, &hosts, &n) == 0) {
		if (n > 0)
			s->host_nqn = xstrdup(hosts[0]);
		names_free(hosts, n);
	}
	s->linked = is_linked(root, nqn);
}

void nvmet_subsystems_free(struct nvmet_subsystem *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(s[i].nqn);
		free(s[i].device_path);
		free(s[i].host_nqn);
	}
	free(s);
}

int nvmet_list(const char *root, const char *prefix, struct nvmet_subsystem **ret, size_t *ret_n)
{
	_cleanup_free_ char *subs_dir = cfs_path(root, "subsystems", NULL, NULL, NULL);
	struct nvmet_subsystem *subs = NULL;
	size_t n = 0, n_nqns, plen = strlen(prefix);
	char **nqns;
	int r;

	/* No nvmet directory (module not loaded): no exports. */
	r = list_dir(subs_dir, &nqns, &n_nqns);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n_nqns; i++) {
		if (strncmp(nqns[i], prefix, plen) != 0)
			continue;
		subs = xrealloc(subs, (n + 1) * sizeof(*subs));
		memset(&subs[n], 0, sizeof(*subs));
		read_subsystem(root, nqns[i], &subs[n++]);
	}
	names_free(nqns, n_nqns);
	*ret = subs;
	*ret_n = n;
	return 0;
}

char *nvmet_root(const char *sysroot)
{
	return path_join_root(sysroot, "/sys/kernel/config/nvmet");
}

/* include/uapi/linux/magic.h */
#define CONFIGFS_MAGIC 0x62656570

int nvmet_configfs_mount(const char *sysroot)
{
	_cleanup_free_ char *dir = path_join_root(sysroot, "/sys/kernel/config");
	struct statfs sf;

	if (statfs(dir, &sf) < 0)
		return -errno;
	if (sf.f_type == CONFIGFS_MAGIC)
		return 0;
	/* The flags systemd's sys-kernel-config.mount uses. */
	if (mount("configfs", dir, "configfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return -errno;
	return 1;
}

int nvmet_revalidate(const char *root, const char *nqn)
{
	_cleanup_free_ char *attr = NULL;
	int r;

	xasprintf(&attr, "%s/subsystems/%s/namespaces/1/revalidate_size", root, nqn);
	r = write_attr(attr, "1");
	return r == -ENOENT ? 0 : r;
}
