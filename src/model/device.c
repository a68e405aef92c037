// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "model/check.h"
#include "model/device.h"
#include "util/xalloc.h"
#include "util/banned.h"

struct node_device *node_device_new(void)
{
	return xzalloc(sizeof(struct node_device));
}

void node_device_free(struct node_device *d)
{
	if (!d)
		return;
	meta_done(&d->meta);
	free(d->spec.node_name);
	free(d->spec.path);
	free(d->spec.model);
	free(d->spec.serial);
	conditions_free(d->status.conditions, d->status.n_conditions);
	free(d);
}

/*
 * The node agent opens this path, so it must stay inside /dev: no "." or ".."
 * component, no empty one, nothing but printable ASCII.
 */
static bool dev_path_ok(const char *p)
{
	if (strncmp(p, "/dev/", 5) != 0)
		return false;
	for (const char *c = p; *c; c++)
		if ((unsigned char)*c <= ' ' || (unsigned char)*c > '~')
			return false;
	for (const char *c = p + 5;;) {
		size_t n = strcspn(c, "/");

		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (c[n] == '\0')
			return true;
		c += n + 1;
	}
}

static int spec_validate(const struct node_device_spec *s, struct strbuf *err)
{
	if (model_check_name(err, s->node_name, "spec.nodeName") < 0 ||
	    model_check_string(err, s->path, 1, DEVICE_PATH_MAX, "spec.path") < 0 ||
	    model_check_optional(err, s->model, DEVICE_MODEL_MAX, "spec.model") < 0 ||
	    model_check_optional(err, s->serial, DEVICE_SERIAL_MAX, "spec.serial") < 0 ||
	    model_check_int(err, s->size_bytes, 0, INT64_MAX, "spec.sizeBytes") < 0)
		return -EINVAL;
	if (!dev_path_ok(s->path))
		return model_error(err, "not a path under /dev/", "spec.path");
	if (s->logical_sector_size != 512 && s->logical_sector_size != 4096)
		return model_error(err, "must be 512 or 4096", "spec.logicalSectorSize");
	return 0;
}

static int status_validate(const struct node_device_status *s, struct strbuf *err)
{
	if (model_check_int(err, s->largest_free_extent_bytes, 0, INT64_MAX,
			    "status.largestFreeExtentBytes") < 0 ||
	    model_check_int(err, s->free_bytes, 0, INT64_MAX, "status.freeBytes") < 0 ||
	    model_check_int(err, s->local_partitions, 0, INT32_MAX, "status.localPartitions") < 0 ||
	    model_check_int(err, s->remote_partitions, 0, INT32_MAX, "status.remotePartitions") <
		    0 ||
	    model_check_int(err, s->foreign_partitions, 0, INT32_MAX, "status.foreignPartitions") <
		    0)
		return -EINVAL;
	return conditions_validate(s->conditions, s->n_conditions, err);
}

int node_device_validate(const struct node_device *d, struct strbuf *err)
{
	if (meta_validate(&d->meta, err) < 0 || spec_validate(&d->spec, err) < 0)
		return -EINVAL;
	return status_validate(&d->status, err);
}
