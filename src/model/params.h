/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

/* The StorageClass parameters of DESIGN.md §2, as CreateVolume receives them. */
struct volume_params {
	int32_t number_of_copies;	    /* "numberOfCopies", default 2 */
	int32_t drives_per_copy;	    /* "drivesPerCopy", default 1 */
	int32_t member_missing_timeout_sec; /* "memberMissingTimeout", default 900 */
	int32_t sector_size;		    /* "sectorSize": 512, 4096, default 0: the drives' */
	/*
	 * What the external-provisioner adds with --extra-create-metadata:
	 * PARAM_PVC_NAME, PARAM_PVC_NAMESPACE, PARAM_PV_NAME; NULL when absent.
	 * They point into the values parsed.
	 */
	const char *pvc_name;
	const char *pvc_namespace;
	const char *pv_name;
};

#define PARAM_PREFIX_CSI "csi.storage.k8s.io/"
#define PARAM_PVC_NAME PARAM_PREFIX_CSI "pvc/name"
#define PARAM_PVC_NAMESPACE PARAM_PREFIX_CSI "pvc/namespace"
#define PARAM_PV_NAME PARAM_PREFIX_CSI "pv/name"

/*
 * Parses n key/value pairs. Unknown keys are errors (a typo must not silently
 * give a different volume), except those under PARAM_PREFIX_CSI, which the
 * external-provisioner adds: the claim's names are kept, any other is
 * ignored. Returns 0, or -EINVAL with a message naming the parameter and what
 * it accepts appended to err.
 */
int volume_params_parse(const char *const *keys, const char *const *values, size_t n,
			struct volume_params *ret, struct strbuf *err);

/*
 * The capacity to provision for a CSI capacity_range (0 = unset): required
 * rounded up to MiB, 1 GiB when unset. -ERANGE below the 512 MiB minimum or
 * when rounding passes limit, -EINVAL when required > limit or a size is
 * negative; the reason goes to err.
 */
int volume_capacity_from_range(int64_t required, int64_t limit, int64_t *ret, struct strbuf *err);
