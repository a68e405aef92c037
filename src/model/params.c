// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>

#include "model/params.h"
#include "model/volume.h"
#include "util/macro.h"
#include "util/parse.h"
#include "util/banned.h"

/* Size of a fresh volume when the request does not say: the CSI spec leaves it to us. */
#define DEFAULT_CAPACITY (1024LL * VOLUME_MIB)

/* Any combination of the two ranges fits in the CRD's member list. */
_Static_assert(VOLUME_COPIES_MAX *VOLUME_DRIVES_PER_COPY_MAX <= VOLUME_MEMBERS_MAX,
	       "numberOfCopies x drivesPerCopy can exceed the member list");

static const struct param {
	const char *key;
	size_t offset;
	int min, max;
	const char *allowed;
} params[] = {
	{ "numberOfCopies", offsetof(struct volume_params, number_of_copies), 1, VOLUME_COPIES_MAX,
	  "an integer from 1 to 8" },
	{ "drivesPerCopy", offsetof(struct volume_params, drives_per_copy), 1,
	  VOLUME_DRIVES_PER_COPY_MAX, "an integer from 1 to 16" },
	{ "memberMissingTimeout", offsetof(struct volume_params, member_missing_timeout_sec),
	  VOLUME_MISSING_TIMEOUT_MIN, 7 * 24 * 3600, "seconds, from 60 to 604800" },
	{ "sectorSize", offsetof(struct volume_params, sector_size), 512, 4096,
	  "\"512\" or \"4096\"" },
};

static int parse_one(const char *key, const char *value, struct volume_params *p,
		     struct strbuf *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(params); i++) {
		int v;

		if (strcmp(params[i].key, key) != 0)
			continue;
		if (parse_int_range(value, params[i].min, params[i].max, &v) < 0 ||
		    (strcmp(key, "sectorSize") == 0 && v != 512 && v != 4096)) {
			strbuf_addf(err, "invalid StorageClass parameter %s=\"%s\": expected %s",
				    key, value, params[i].allowed);
			return -EINVAL;
		}
		*(int32_t *)((char *)p + params[i].offset) = v;
		return 0;
	}
	if (strcmp(key, PARAM_PVC_NAME) == 0)
		p->pvc_name = value;
	else if (strcmp(key, PARAM_PVC_NAMESPACE) == 0)
		p->pvc_namespace = value;
	else if (strcmp(key, PARAM_PV_NAME) == 0)
		p->pv_name = value;
	if (strncmp(key, PARAM_PREFIX_CSI, strlen(PARAM_PREFIX_CSI)) == 0)
		return 0;
	strbuf_addf(err,
		    "unknown StorageClass parameter \"%s\"; MeshStor takes numberOfCopies, "
		    "drivesPerCopy, memberMissingTimeout and sectorSize",
		    key);
	return -EINVAL;
}

int volume_params_parse(const char *const *keys, const char *const *values, size_t n,
			struct volume_params *ret, struct strbuf *err)
{
	struct volume_params p = {
		.number_of_copies = 2,
		.drives_per_copy = 1,
		.member_missing_timeout_sec = 900,
		/*
		 * Match the drives (placement.h, rule 1): 4096 alone refused every 512-byte drive.
		 */
		.sector_size = 0,
	};

	for (size_t i = 0; i < n; i++) {
		int r = parse_one(keys[i], values[i], &p, err);

		if (r < 0)
			return r;
	}
	*ret = p;
	return 0;
}

int volume_capacity_from_range(int64_t required, int64_t limit, int64_t *ret, struct strbuf *err)
{
	int64_t size;

	if (required < 0 || limit < 0) {
		strbuf_adds(err, "capacity_range: negative sizes are invalid");
		return -EINVAL;
	}
	if (limit && required > limit) {
		strbuf_addf(err, "capacity_range: required_bytes %lld exceeds limit_bytes %lld",
			    (long long)required, (long long)limit);
		return -EINVAL;
	}
	size = required ? required : DEFAULT_CAPACITY;
	if (size > INT64_MAX - VOLUME_MIB) {
		strbuf_adds(err, "capacity_range: required_bytes is too large");
		return -ERANGE;
	}
	/* A limit is a promise too: a volume rounded up past it would break it. */
	size = (size + VOLUME_MIB - 1) / VOLUME_MIB * VOLUME_MIB;
	if (size < VOLUME_CAPACITY_MIN) {
		strbuf_addf(err,
			    "capacity_range: %lld bytes requested; MeshStor volumes are at "
			    "least 512 MiB (536870912 bytes)",
			    (long long)required);
		return -ERANGE;
	}
	if (limit && size > limit) {
		strbuf_addf(err,
			    "capacity_range: limit_bytes %lld is below the smallest volume that "
			    "satisfies the request (%lld bytes, whole MiB)",
			    (long long)limit, (long long)size);
		return -ERANGE;
	}
	*ret = size;
	return 0;
}
