/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "model/condition.h"
#include "model/meta.h"
#include "util/strbuf.h"

/* Ours: NVMe's model is 40 bytes and its serial 20; a /dev path is short. */
#define DEVICE_PATH_MAX 1024
#define DEVICE_MODEL_MAX 256
#define DEVICE_SERIAL_MAX 256

struct node_device_spec {
	char *node_name;
	char *path;   /* "/dev/..." */
	char *model;  /* NULL when unknown */
	char *serial; /* NULL when unknown */
	int64_t size_bytes;
	int32_t logical_sector_size;
};

struct node_device_status {
	int64_t largest_free_extent_bytes;
	int64_t free_bytes;
	int32_t local_partitions;
	int32_t remote_partitions;
	int32_t foreign_partitions;
	struct condition *conditions;
	size_t n_conditions;
};

/* A MeshStorNodeDevice: one NVMe drive, named "<node>-<serial>". */
struct node_device {
	struct object_meta meta;
	struct node_device_spec spec;
	struct node_device_status status;
};

struct node_device *node_device_new(void);
void node_device_free(struct node_device *d);
/* The rules of docs/crds.md; 0, or -EINVAL with "<field path>: <reason>" in err. */
int node_device_validate(const struct node_device *d, struct strbuf *err);
