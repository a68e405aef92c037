// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "node/dm.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/path.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define DM_CONTROL "/dev/mapper/control"
#define DM_BUFFER_SIZE 16384
#define DM_HOLD_TARGET "multipath"

/* A request for table name, with room for DM_BUFFER_SIZE bytes in all. */
static struct dm_ioctl *request(const char *name)
{
	struct dm_ioctl *io = xzalloc(DM_BUFFER_SIZE);

	io->version[0] = DM_VERSION_MAJOR;
	io->data_size = DM_BUFFER_SIZE;
	io->data_start = sizeof(*io);
	snprintf(io->name, sizeof(io->name), "%s", name);
	return io;
}

static int control(unsigned long cmd, struct dm_ioctl *io)
{
	_cleanup_close_ int fd = open(DM_CONTROL, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, cmd, io) < 0)
		return -errno;
	return 0;
}

/* A request without data: only the name (and flags) matter. */
static int simple(unsigned long cmd, const char *name, uint32_t flags)
{
	_cleanup_free_ struct dm_ioctl *io = request(name);

	io->flags = flags;
	return control(cmd, io);
}

void dm_hold_table(dev_t path, char *buf, size_t len)
{
	/*
	 * Three features; no hardware handler; one priority group, the first,
	 * whose selector takes no arguments; one path with one argument.
	 */
	snprintf(buf, len, "3 queue_if_no_path queue_mode bio 0 1 1 service-time 0 1 1 %u:%u 1",
		 major(path), minor(path));
}

static int load(const char *name, dev_t path, uint64_t sectors)
{
	_cleanup_free_ struct dm_ioctl *io = request(name);
	struct dm_target_spec *spec = (struct dm_target_spec *)((char *)io + io->data_start);
	char *params = (char *)(spec + 1);
	size_t room = DM_BUFFER_SIZE - io->data_start - sizeof(*spec);

	io->target_count = 1;
	spec->sector_start = 0;
	spec->length = sectors;
	snprintf(spec->target_type, sizeof(spec->target_type), "%s", DM_HOLD_TARGET);
	dm_hold_table(path, params, room);
	spec->next = 0;
	return control(DM_TABLE_LOAD, io);
}

int dm_hold_create(const char *name, dev_t path, uint64_t sectors)
{
	int r;

	if (strlen(name) >= DM_NAME_LEN || strchr(name, '/'))
		return -EINVAL;
	r = simple(DM_DEV_CREATE, name, 0);
	if (r == -EBUSY)
		return -EEXIST; /* dm answers EBUSY for a name in use */
	if (r < 0)
		return r;
	r = load(name, path, sectors);
	if (r >= 0)
		r = simple(DM_DEV_SUSPEND, name, 0); /* resume: makes the loaded table live */
	if (r < 0) {
		/* EINVAL from the load: no multipath target (module missing). */
		simple(DM_DEV_REMOVE, name, 0);
		return r == -EINVAL ? -ENXIO : r;
	}
	return 0;
}

int dm_hold_resize(const char *name, dev_t path, uint64_t sectors)
{
	int r = load(name, path, sectors);

	if (r < 0)
		return r;
	/* Without flushing: a flushing suspend would fail what is held. */
	r = simple(DM_DEV_SUSPEND, name, DM_SUSPEND_FLAG | DM_NOFLUSH_FLAG);
	if (r < 0) {
		simple(DM_TABLE_CLEAR, name, 0);
		return r;
	}
	return simple(DM_DEV_SUSPEND, name, 0);
}

static int message(const char *name, const char *text)
{
	_cleanup_free_ struct dm_ioctl *io = request(name);
	struct dm_target_msg *msg = (struct dm_target_msg *)((char *)io + io->data_start);

	msg->sector = 0;
	snprintf(msg->message, DM_BUFFER_SIZE - io->data_start - sizeof(*msg), "%s", text);
	return control(DM_TARGET_MSG, io);
}

int dm_hold_reinstate(const char *name, dev_t path)
{
	char text[64];

	snprintf(text, sizeof(text), "reinstate_path %u:%u", major(path), minor(path));
	return message(name, text);
}

int dm_hold_release(const char *name)
{
	return message(name, "fail_if_no_path");
}

int dm_hold_remove(const char *name)
{
	int r = simple(DM_DEV_REMOVE, name, 0);

	return r == -ENXIO ? 0 : r;
}

int dm_hold_parse_status(const char *status, dev_t *ret_path, bool *ret_failed)
{
	_cleanup_free_ char *copy = xstrdup(status);
	char *save = NULL;
	bool found = false;

	/* "... 1 A 0 1 2 259:3 A 0 0 1": the path, its state, its fail count, ... */
	for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		unsigned maj, min;
		char end;

		if (found) {
			if (strcmp(t, "A") != 0 && strcmp(t, "F") != 0)
				return -EINVAL;
			*ret_failed = t[0] == 'F';
			return 0;
		}
		if (sscanf(t, "%u:%u%c", &maj, &min, &end) == 2) {
			*ret_path = makedev(maj, min);
			found = true;
		}
	}
	return -EINVAL;
}

/* The table's length, its path and the path's state, and who holds it open. */
static int read_status(struct dm_hold *h)
{
	_cleanup_free_ struct dm_ioctl *io = request(h->name);
	const struct dm_target_spec *spec;
	int r;

	r = control(DM_TABLE_STATUS, io);
	if (r < 0)
		return r;
	h->open_count = io->open_count;
	spec = (const struct dm_target_spec *)((const char *)io + io->data_start);
	/*
	 * No live table (an agent stopped between create and resume), or not
	 * one of ours: a hold over nothing (path 0), which goes once nothing
	 * has it open. Never an error that would blind every observation.
	 */
	if ((io->flags & DM_BUFFER_FULL_FLAG) || io->target_count != 1 ||
	    io->data_size <= io->data_start + sizeof(*spec) ||
	    strcmp(spec->target_type, DM_HOLD_TARGET) != 0)
		return 0;
	((char *)io)[DM_BUFFER_SIZE - 1] = '\0';
	h->sectors = spec->length;
	if (dm_hold_parse_status((const char *)(spec + 1), &h->path, &h->path_failed) < 0)
		h->path = 0;
	return 0;
}

static int hold_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dm_hold *)a)->name, ((const struct dm_hold *)b)->name);
}

int dm_holds_list(const char *sysfs, const char *prefix, struct dm_hold **ret, size_t *ret_n)
{
	_cleanup_free_ char *class_dir = path_join_root(sysfs, "/class/block");
	struct dm_hold *holds = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *d;
	int r = 0;

	d = opendir(class_dir);
	if (!d && errno == ENOENT) {
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		_cleanup_strbuf_ struct strbuf dir = STRBUF_INIT;
		struct dm_hold h = { 0 };

		if (strncmp(de->d_name, "dm-", 3) != 0)
			continue;
		strbuf_addf(&dir, "%s/%s/dm", class_dir, de->d_name);
		if (read_attr(dir.buf, "name", &h.name) < 0)
			continue; /* gone meanwhile */
		if (strncmp(h.name, prefix, strlen(prefix)) != 0) {
			free(h.name);
			continue;
		}
		xasprintf(&h.device, "/dev/%s", de->d_name);
		r = read_status(&h);
		if (r == -ENXIO) {
			dm_hold_done(&h); /* removed meanwhile */
			r = 0;
			continue;
		}
		if (r < 0) {
			dm_hold_done(&h);
			break;
		}
		holds = xreallocarray(holds, n + 1, sizeof(*holds));
		holds[n++] = h;
	}
	closedir(d);
	if (r < 0) {
		dm_holds_free(holds, n);
		return r;
	}
	if (n > 1)
		qsort(holds, n, sizeof(*holds), hold_cmp);
	*ret = holds;
	*ret_n = n;
	return 0;
}

void dm_hold_done(struct dm_hold *h)
{
	free(h->name);
	free(h->device);
	memset(h, 0, sizeof(*h));
}

void dm_holds_free(struct dm_hold *h, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dm_hold_done(&h[i]);
	free(h);
}
