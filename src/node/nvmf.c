// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libnvme.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "node/nvmf.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/path.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "util/banned.h"

/*
 * libnvme 1.3 reads sysfs only at the fixed path /sys (its LIBNVME_SYSFS_PATH
 * came later), so everything that only reads or deletes goes through sysfs
 * directly under the given root, and libnvme does the one thing sysfs cannot:
 * the connect (the option string written to /dev/nvme-fabrics).
 */

/* "nvme" followed by digits, then (for a namespace) 'n' and digits: nothing else. */
static const char *skip_digits(const char *s)
{
	if (*s < '0' || *s > '9')
		return NULL;
	while (*s >= '0' && *s <= '9')
		s++;
	return s;
}

/* A controller: "nvme3". */
static bool is_ctrl_name(const char *s)
{
	s = strncmp(s, "nvme", 4) == 0 ? skip_digits(s + 4) : NULL;
	return s && !*s;
}

/*
 * A namespace block device with a /dev node: "nvme3n1" (the multipath head,
 * or the namespace itself without native multipath). The per-path devices
 * "nvme3c3n1" are hidden and never match.
 */
static bool is_ns_name(const char *s)
{
	s = strncmp(s, "nvme", 4) == 0 ? skip_digits(s + 4) : NULL;
	if (!s || *s != 'n')
		return false;
	s = skip_digits(s + 1);
	return s && !*s;
}

/* Natural order, so instances sort by number: nvme2 before nvme10, nvme1n2 before nvme1n10. */
static int name_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	static const char digits[] = "0123456789";

	while (*x && *y) {
		size_t lx = strspn(x, digits), ly = strspn(y, digits);

		if (lx && ly) {
			/* Kernel instance numbers have no leading zeros: longer is larger. */
			int c = lx != ly ? (lx < ly ? -1 : 1) : strncmp(x, y, lx);

			if (c)
				return c;
			x += lx;
			y += ly;
		} else if (*x != *y) {
			break;
		} else {
			x++;
			y++;
		}
	}
	return (unsigned char)*x - (unsigned char)*y;
}

/* The names in dir that match, sorted in instance order. */
static bool is_entry(const char *s)
{
	return s[0] != '.';
}

static int list_names(const char *dir, bool (*match)(const char *), char ***ret, size_t *ret_n)
{
	char **names = NULL;
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (match(de->d_name)) {
			names = xrealloc(names, (n + 1) * sizeof(*names));
			names[n++] = xstrdup(de->d_name);
		}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), name_cmp);
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

/* The value of key in a controller's "address": "traddr=10.0.0.2,trsvcid=4420,src_addr=...". */
static bool address_has(const char *address, const char *key, const char *value)
{
	size_t klen = strlen(key), vlen = strlen(value);

	for (const char *p = address; *p;) {
		size_t len = strcspn(p, ",");

		if (len == klen + 1 + vlen && memcmp(p, key, klen) == 0 && p[klen] == '=' &&
		    memcmp(p + klen + 1, value, vlen) == 0)
			return true;
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}

/* A controller on its way out: the kernel will not count it as a connection either. */
static bool state_is_gone(const char *state)
{
	return strncmp(state, "deleting", 8) == 0 || strcmp(state, "dead") == 0;
}

/* <sysfs>/class/nvme/<ctrl>/ of every controller of subsystem nqn; ENOENT: none at all. */
static int ctrls_of(const char *sysfs, const char *nqn, struct strbuf *class_dir, char ***ret,
		    size_t *ret_n)
{
	char **names = NULL;
	size_t n = 0, kept = 0;
	int r;

	_cleanup_free_ char *class = path_join_root(sysfs, "/class/nvme");

	strbuf_reset(class_dir);
	strbuf_adds(class_dir, class);
	r = list_names(class_dir->buf, is_ctrl_name, &names, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		_cleanup_strbuf_ struct strbuf dir = STRBUF_INIT;
		_cleanup_free_ char *subsysnqn = NULL;

		strbuf_addf(&dir, "%s/%s", class_dir->buf, names[i]);
		if (read_attr(dir.buf, "subsysnqn", &subsysnqn) == 0 && strcmp(subsysnqn, nqn) == 0)
			names[kept++] = names[i];
		else
			free(names[i]);
	}
	*ret = names;
	*ret_n = kept;
	return 0;
}

/* Whether a controller of t's subsystem to t's address exists and is not going away. */
static int connected(const char *sysfs, const struct nvmf_target *t)
{
	_cleanup_strbuf_ struct strbuf class_dir = STRBUF_INIT;
	char **names;
	size_t n;
	bool found = false;
	int r;

	r = ctrls_of(sysfs, t->nqn, &class_dir, &names, &n);
	if (r == -ENOENT)
		return 0; /* nvme-core not loaded: nothing connected */
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && !found; i++) {
		_cleanup_strbuf_ struct strbuf dir = STRBUF_INIT;
		_cleanup_free_ char *transport = NULL, *address = NULL, *state = NULL;

		strbuf_addf(&dir, "%s/%s", class_dir.buf, names[i]);
		if (read_attr(dir.buf, "transport", &transport) < 0 ||
		    read_attr(dir.buf, "address", &address) < 0 ||
		    read_attr(dir.buf, "state", &state) < 0)
			continue; /* deleted while we looked */
		found = strcmp(transport, t->transport) == 0 &&
			address_has(address, "traddr", t->traddr) &&
			address_has(address, "trsvcid", t->trsvcid) && !state_is_gone(state);
	}
	names_free(names, n);
	return found;
}

/*
 * libnvme's connect errors (enum nvme_connect_err, in errno) as -errno. The
 * kernel's own errno survives only for the cases libnvme maps; any other
 * write failure (a timeout, an unreachable host) arrives as
 * ENVME_CONNECT_WRITE and becomes -EIO.
 */
static int connect_errno(int e)
{
	switch (e) {
	case ENVME_CONNECT_ALREADY:
		return -EALREADY;
	case ENVME_CONNECT_ADDRINUSE:
		return -EADDRINUSE;
	case ENVME_CONNECT_NODEV:
		return -ENODEV;
	case ENVME_CONNECT_OPNOTSUPP:
		return -EOPNOTSUPP;
	case ENVME_CONNECT_CONNREFUSED:
		return -ECONNREFUSED;
	case ENVME_CONNECT_OPEN: /* no /dev/nvme-fabrics: nvme-fabrics is not loaded */
		return -ENOENT;
	case ENVME_CONNECT_RESOLVE:
	case ENVME_CONNECT_ADDRFAM:
	case ENVME_CONNECT_TRADDR:
	case ENVME_CONNECT_TARG:
	case ENVME_CONNECT_AARG:
	case ENVME_CONNECT_INVAL_TR:
	case ENVME_CONNECT_INVAL:
		return -EINVAL;
	default:
		return e > 0 && e < ENVME_CONNECT_RESOLVE ? -e : -EIO;
	}
}

/* libnvme logs through a global root pointer; one connect at a time. */
static pthread_mutex_t libnvme_lock = PTHREAD_MUTEX_INITIALIZER;

/* The connect itself, through libnvme; its messages (the reason) go to log. */
static int add_ctrl(const struct nvmf_target *t, FILE *log)
{
	struct nvme_fabrics_config cfg;
	nvme_root_t root;
	nvme_host_t host;
	nvme_ctrl_t c;
	int r = 0;

	root = nvme_create_root(log, LOG_NOTICE);
	if (!root)
		return -ENOMEM;
	/* Both explicitly: a custom host NQN with the kernel's default host ID is EINVAL. */
	host = nvme_lookup_host(root, t->host_nqn, t->host_id);
	c = host ? nvme_create_ctrl(root, t->nqn, t->transport, t->traddr, NULL, NULL, t->trsvcid)
		 : NULL;
	if (!c) {
		r = errno > 0 ? -errno : -ENOMEM;
		nvme_free_tree(root);
		return r;
	}
	nvmf_default_config(&cfg);
	cfg.fast_io_fail_tmo = t->fast_io_fail_tmo;
	cfg.ctrl_loss_tmo = t->ctrl_loss_tmo;
	cfg.keep_alive_tmo = t->keep_alive_tmo;
	cfg.reconnect_delay = t->reconnect_delay;
	if (t->nr_io_queues > 0)
		cfg.nr_io_queues = t->nr_io_queues;
	if (nvmf_add_ctrl(host, c, &cfg) < 0)
		r = connect_errno(errno);
	/* Linked into the tree on success, alone on failure: nvme_free_ctrl() handles both. */
	nvme_free_ctrl(c);
	nvme_free_tree(root);
	return r;
}

int nvmf_connect_err(const char *sysfs, const struct nvmf_target *t, struct strbuf *err)
{
	char *log_text = NULL;
	size_t log_len = 0;
	FILE *log;
	int r;

	if (!t->nqn || !t->transport || !t->traddr || !t->trsvcid || !t->host_nqn || !t->host_id ||
	    (strcmp(t->transport, "tcp") != 0 && strcmp(t->transport, "rdma") != 0))
		return -EINVAL;
	r = connected(sysfs, t);
	if (r != 0)
		return r < 0 ? r : 0;

	log = open_memstream(&log_text, &log_len);
	if (!log)
		return -ENOMEM;
	pthread_mutex_lock(&libnvme_lock);
	r = add_ctrl(t, log);
	pthread_mutex_unlock(&libnvme_lock);
	fclose(log);
	/*
	 * EALREADY: the kernel found a live controller we did not see. Any other
	 * failure may still have left one (libnvme fails after the connect when
	 * its own sysfs scan misses the new controller): look again.
	 */
	if (r == -EALREADY || (r < 0 && connected(sysfs, t) > 0))
		r = 0;
	if (r < 0 && err && log_text) {
		while (log_len > 0 && log_text[log_len - 1] == '\n')
			log_len--;
		strbuf_add(err, log_text, log_len);
	}
	free(log_text);
	return r;
}

int nvmf_connect(const char *sysfs, const struct nvmf_target *t)
{
	return nvmf_connect_err(sysfs, t, NULL);
}

int nvmf_disconnect(const char *sysfs, const char *nqn)
{
	_cleanup_strbuf_ struct strbuf class_dir = STRBUF_INIT;
	char **names;
	size_t n;
	int r;

	r = ctrls_of(sysfs, nqn, &class_dir, &names, &n);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	/*
	 * What libnvme's nvme_disconnect_ctrl() does: any write to
	 * delete_controller deletes it (nvme_sysfs_delete()). The file is gone
	 * once deletion started: nothing left to do then. EBUSY: the controller
	 * never went live yet; the next pass retries.
	 */
	for (size_t i = 0; i < n; i++) {
		_cleanup_strbuf_ struct strbuf path = STRBUF_INIT;
		_cleanup_close_ int fd = -1;

		strbuf_addf(&path, "%s/%s/delete_controller", class_dir.buf, names[i]);
		fd = open(path.buf, O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			if (errno != ENOENT && r == 0)
				r = -errno;
			continue;
		}
		if (write(fd, "1", 1) != 1 && errno != ENODEV && r == 0)
			r = -errno;
	}
	names_free(names, n);
	return r;
}

/* dir/attr as want ("off" or seconds), written as value when it is not. */
static int ensure_attr(const char *dir, const char *attr, const char *want, int value)
{
	_cleanup_free_ char *have = NULL;
	_cleanup_strbuf_ struct strbuf path = STRBUF_INIT;
	_cleanup_close_ int fd = -1;
	char buf[16];
	int r, len;

	r = read_attr(dir, attr, &have);
	if (r < 0)
		return r;
	if (strcmp(have, want) == 0)
		return 0;
	strbuf_addf(&path, "%s/%s", dir, attr);
	fd = open(path.buf, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%d", value);
	if (write(fd, buf, (size_t)len) != len)
		return -errno;
	return 1;
}

int nvmf_set_timeouts(const char *sysfs, const char *nqn, int fast_io_fail_tmo, int ctrl_loss_tmo)
{
	_cleanup_strbuf_ struct strbuf class_dir = STRBUF_INIT;
	char fast[16], loss[16];
	char **names;
	size_t n;
	int r, changed = 0;

	r = ctrls_of(sysfs, nqn, &class_dir, &names, &n);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	/* nvme_ctrl_*_tmo_show(): "off" for a negative value, else the seconds. */
	snprintf(fast, sizeof(fast), "%d", fast_io_fail_tmo);
	snprintf(loss, sizeof(loss), "%d", ctrl_loss_tmo);
	for (size_t i = 0; i < n && r >= 0; i++) {
		_cleanup_strbuf_ struct strbuf dir = STRBUF_INIT;

		strbuf_addf(&dir, "%s/%s", class_dir.buf, names[i]);
		r = ensure_attr(dir.buf, "fast_io_fail_tmo", fast_io_fail_tmo < 0 ? "off" : fast,
				fast_io_fail_tmo);
		changed |= r > 0;
		if (r >= 0)
			r = ensure_attr(dir.buf, "ctrl_loss_tmo", ctrl_loss_tmo < 0 ? "off" : loss,
					ctrl_loss_tmo);
		changed |= r > 0;
	}
	names_free(names, n);
	return r < 0 ? r : changed;
}

/* The device number and size of block device kname, from <sysfs>/class/block. */
static void read_block(const char *sysfs, const char *kname, struct nvmf_subsystem *s)
{
	_cleanup_free_ char *class_dir = path_join_root(sysfs, "/class/block");
	_cleanup_strbuf_ struct strbuf dir = STRBUF_INIT;
	_cleanup_free_ char *dev = NULL, *size = NULL;
	unsigned maj, min;
	unsigned long long sectors;
	char **holders = NULL;
	size_t n_holders = 0;

	strbuf_addf(&dir, "%s/%s", class_dir, kname);
	dev = read_attr_or_null(dir.buf, "dev");
	size = read_attr_or_null(dir.buf, "size");
	if (dev && sscanf(dev, "%u:%u", &maj, &min) == 2)
		s->block_dev = makedev(maj, min);
	if (size && sscanf(size, "%llu", &sectors) == 1)
		s->block_sectors = sectors;
	strbuf_adds(&dir, "/holders");
	s->block_held = list_names(dir.buf, is_entry, &holders, &n_holders) == 0 && n_holders > 0;
	names_free(holders, n_holders);
}

/* One subsystem directory under <sysfs>/class/nvme-subsystem. */
static void read_subsystem(const char *sysfs, const char *dir, struct nvmf_subsystem *s)
{
	char **ctrls = NULL, **nss = NULL;
	size_t n_ctrls = 0, n_nss = 0;

	/* Controllers appear in the subsystem as links named after them. */
	if (list_names(dir, is_ctrl_name, &ctrls, &n_ctrls) < 0)
		n_ctrls = 0;
	for (size_t i = 0; i < n_ctrls && !s->ctrl_state; i++) {
		_cleanup_strbuf_ struct strbuf cdir = STRBUF_INIT;

		strbuf_addf(&cdir, "%s/%s", dir, ctrls[i]);
		if (read_attr(cdir.buf, "state", &s->ctrl_state) < 0)
			s->ctrl_state = NULL;
	}
	/*
	 * Native multipath: the namespace's head disk is a child of the
	 * subsystem. Without it, each namespace is a child of its controller.
	 */
	if (list_names(dir, is_ns_name, &nss, &n_nss) < 0)
		n_nss = 0;
	for (size_t i = 0; i < n_ctrls && n_nss == 0; i++) {
		_cleanup_strbuf_ struct strbuf cdir = STRBUF_INIT;

		strbuf_addf(&cdir, "%s/%s", dir, ctrls[i]);
		if (list_names(cdir.buf, is_ns_name, &nss, &n_nss) < 0)
			n_nss = 0;
	}
	if (n_nss > 0) {
		struct strbuf block = STRBUF_INIT;

		strbuf_addf(&block, "/dev/%s", nss[0]);
		s->block = strbuf_detach(&block);
		read_block(sysfs, nss[0], s);
	}
	names_free(ctrls, n_ctrls);
	names_free(nss, n_nss);
}

static int subsystem_cmp(const void *a, const void *b)
{
	return strcmp(((const struct nvmf_subsystem *)a)->nqn,
		      ((const struct nvmf_subsystem *)b)->nqn);
}

void nvmf_subsystems_free(struct nvmf_subsystem *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(s[i].nqn);
		free(s[i].ctrl_state);
		free(s[i].block);
		dm_hold_done(&s[i].hold);
	}
	free(s);
}

bool nvmf_live(const struct nvmf_subsystem *s)
{
	return s->ctrl_state && strcmp(s->ctrl_state, "live") == 0;
}

int nvmf_list(const char *sysfs, const char *prefix, struct nvmf_subsystem **ret, size_t *ret_n)
{
	_cleanup_free_ char *class_dir = path_join_root(sysfs, "/class/nvme-subsystem");
	struct nvmf_subsystem *subs = NULL;
	size_t n = 0, plen = strlen(prefix);
	struct dirent *de;
	DIR *d;

	d = opendir(class_dir);
	if (!d) {
		if (errno != ENOENT)
			return -errno;
		/* nvme-core is not loaded: no subsystems. */
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	while ((de = readdir(d))) {
		_cleanup_strbuf_ struct strbuf dir = STRBUF_INIT;
		struct nvmf_subsystem s = {};

		if (de->d_name[0] == '.')
			continue;
		strbuf_addf(&dir, "%s/%s", class_dir, de->d_name);
		if (read_attr(dir.buf, "subsysnqn", &s.nqn) < 0)
			continue; /* gone meanwhile */
		if (strncmp(s.nqn, prefix, plen) != 0) {
			free(s.nqn);
			continue;
		}
		read_subsystem(sysfs, dir.buf, &s);
		subs = xrealloc(subs, (n + 1) * sizeof(*subs));
		subs[n++] = s;
	}
	closedir(d);
	if (n > 1)
		qsort(subs, n, sizeof(*subs), subsystem_cmp);
	*ret = subs;
	*ret_n = n;
	return 0;
}
