/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <pthread.h>
#include <stddef.h>

/*
 * The set of volumes that have a CSI call in progress. The spec asks a plugin to
 * answer ABORTED when a second call arrives for a volume that is still busy,
 * rather than run both; a call acquires its volume id for its whole duration.
 */
struct csi_inflight {
	pthread_mutex_t lock;
	char **ids;
	size_t n_ids;
	size_t alloc;
};

void csi_inflight_init(struct csi_inflight *f);
void csi_inflight_done(struct csi_inflight *f);
/* 0 on success, -EBUSY if id already has a call in progress. */
int csi_inflight_acquire(struct csi_inflight *f, const char *id);
void csi_inflight_release(struct csi_inflight *f, const char *id);
size_t csi_inflight_count(struct csi_inflight *f);
