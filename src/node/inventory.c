// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/observe.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/parse.h"
#include "util/path.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "util/banned.h"

/*
 * Local NVMe drives from sysfs: every namespace block device whose controller
 * is PCIe (fabrics namespaces are other nodes' members), with what makes it
 * unusable for MeshStor: a holder of the whole drive (an MD array, device
 * mapper), a mount or swap on it, or a partition that is not ours in use.
 */

DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir);

/*
 * An attribute of the drive's controller: <block>/device/<name> when device
 * is the controller, else the first controller under the subsystem that
 * native multipath puts there.
 */
static char *controller_attr(const char *block, const char *name)
{
	_cleanup_free_ char *dev = NULL;
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *de;
	char *v;

	xasprintf(&dev, "%s/device", block);
	v = read_attr_or_null(dev, name);
	if (v)
		return v;
	d = opendir(dev);
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *sub = NULL;

		if (strncmp(de->d_name, "nvme", 4) != 0)
			continue;
		xasprintf(&sub, "%s/%s", dev, de->d_name);
		v = read_attr_or_null(sub, name);
		if (v)
			return v;
	}
	return NULL;
}

static bool dir_is_empty(const char *path)
{
	_cleanup_(closedirp) DIR *d = opendir(path);
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			return false;
	return true;
}

/* The "major:minor" of every mounted filesystem and active swap device. */
static void busy_devices(const char *proc, struct strbuf *out)
{
	_cleanup_free_ char *mountinfo = path_join_root(proc, "/self/mountinfo");
	_cleanup_fclose_ FILE *f = fopen(mountinfo, "re");
	char line[4096];

	strbuf_addch(out, ' ');
	while (f && fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ' ');

		p = p ? strchr(p + 1, ' ') : NULL; /* mount ID, parent ID, then major:minor */
		if (p) {
			strbuf_add(out, p + 1, strcspn(p + 1, " "));
			strbuf_addch(out, ' ');
		}
	}
}

static bool is_busy(const char *busy, const char *majmin)
{
	char key[64];

	snprintf(key, sizeof(key), " %s ", majmin ? majmin : "?");
	return majmin && strstr(busy, key);
}

static bool partition_is_ours(const struct gpt_disk *g, unsigned partno)
{
	for (size_t i = 0; i < g->n_parts; i++)
		if (g->parts[i].partno == partno)
			return g->parts[i].ours;
	return false;
}

/* Why the drive at block (its sysfs dir) cannot hold MeshStor partitions; NULL if it can. */
static char *why_unusable(const char *block, const char *kname, const struct drive *d,
			  const char *busy)
{
	_cleanup_(closedirp) DIR *dir = NULL;
	_cleanup_free_ char *holders = NULL, *majmin = read_attr_or_null(block, "dev");
	struct dirent *de;
	char *why = NULL;

	xasprintf(&holders, "%s/holders", block);
	if (!dir_is_empty(holders))
		return xstrdup("the whole drive is in use by another device (holders)");
	if (is_busy(busy, majmin))
		return xstrdup("the whole drive is mounted or used as swap");
	dir = opendir(block);
	while (!why && dir && (de = readdir(dir))) {
		_cleanup_free_ char *part = NULL, *pmajmin = NULL, *pholders = NULL, *num = NULL;
		unsigned partno;

		if (strncmp(de->d_name, kname, strlen(kname)) != 0)
			continue;
		xasprintf(&part, "%s/%s", block, de->d_name);
		num = read_attr_or_null(part, "partition");
		if (!num || parse_int_range(num, 1, 1 << 20, (int *)&partno) < 0 ||
		    partition_is_ours(&d->gpt, partno))
			continue;
		pmajmin = read_attr_or_null(part, "dev");
		xasprintf(&pholders, "%s/holders", part);
		if (is_busy(busy, pmajmin) || !dir_is_empty(pholders))
			xasprintf(&why, "partition %s (not MeshStor's) is mounted or in use",
				  de->d_name);
	}
	if (!why && !d->gpt.has_gpt && !d->gpt.blank)
		why = xstrdup(
			"it holds a partition table that is not GPT, or a filesystem or other "
			"signature on the whole drive");
	return why;
}

static int read_drive(const struct node_paths *p, const char *kname, const char *busy,
		      struct drive *ret)
{
	_cleanup_free_ char *block = NULL, *transport = NULL, *size = NULL, *lbs = NULL;
	_cleanup_free_ char *hidden = NULL;
	struct drive d = { 0 };
	uint64_t sectors, sector_size;

	xasprintf(&block, "%s/block/%s", p->sysfs ? p->sysfs : "", kname);
	transport = controller_attr(block, "transport");
	if (!transport || strcmp(transport, "pcie") != 0)
		return 0; /* a fabrics namespace, or no NVMe controller at all */
	hidden = read_attr_or_null(block, "hidden");
	if (hidden && strcmp(hidden, "1") == 0)
		return 0; /* a multipath path device; its head is listed instead */
	size = read_attr_or_null(block, "size");
	lbs = read_attr_or_null(block, "queue/logical_block_size");
	if (!size || !lbs || parse_u64(size, &sectors) < 0 ||
	    parse_u64_range(lbs, 512, 65536, &sector_size) < 0)
		return -EIO;
	d.kname = xstrdup(kname);
	xasprintf(&d.path, "%s/%s", p->dev, kname);
	d.model = controller_attr(block, "model");
	d.serial = controller_attr(block, "serial");
	d.size = sectors * 512; /* sysfs counts 512-byte sectors whatever the drive's */
	d.logical_sector_size = (unsigned)sector_size;
	if (gpt_read(d.path, &d.gpt) < 0) {
		d.unusable = xstrdup("its partition table cannot be read");
		d.unreadable = true;
	}
	if (!d.unusable)
		d.unusable = why_unusable(block, kname, &d, busy);
	*ret = d;
	return 1;
}

static int compare_drives(const void *a, const void *b)
{
	return strcmp(((const struct drive *)a)->kname, ((const struct drive *)b)->kname);
}

int inventory_drives(const struct node_paths *p, struct drive **ret, size_t *ret_n)
{
	_cleanup_free_ char *dir = path_join_root(p->sysfs, "/block");
	_cleanup_(closedirp) DIR *d = opendir(dir);
	struct strbuf busy = STRBUF_INIT;
	struct drive *drives = NULL;
	size_t n = 0;
	struct dirent *de;
	int r = 0;

	if (!d)
		return -errno;
	busy_devices(p->proc, &busy);
	while ((de = readdir(d))) {
		struct drive one;

		if (strncmp(de->d_name, "nvme", 4) != 0)
			continue;
		r = read_drive(p, de->d_name, busy.buf, &one);
		if (r < 0)
			break;
		if (r == 0)
			continue;
		drives = xreallocarray(drives, n + 1, sizeof(*drives));
		drives[n++] = one;
		r = 0;
	}
	strbuf_done(&busy);
	if (r < 0) {
		drives_free(drives, n);
		return r;
	}
	if (n > 1)
		qsort(drives, n, sizeof(*drives), compare_drives);
	*ret = drives;
	*ret_n = n;
	return 0;
}

void drives_free(struct drive *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(d[i].kname);
		free(d[i].path);
		free(d[i].model);
		free(d[i].serial);
		free(d[i].unusable);
		gpt_disk_done(&d[i].gpt);
	}
	free(d);
}
