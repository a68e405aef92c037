// SPDX-License-Identifier: GPL-2.0-only
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "csi/inflight.h"
#include "util/xalloc.h"
#include "util/banned.h"

void csi_inflight_init(struct csi_inflight *f)
{
	*f = (struct csi_inflight){ .lock = PTHREAD_MUTEX_INITIALIZER };
}

void csi_inflight_done(struct csi_inflight *f)
{
	for (size_t i = 0; i < f->n_ids; i++)
		free(f->ids[i]);
	free(f->ids);
	pthread_mutex_destroy(&f->lock);
}

/* Linear search: the set holds at most one entry per running call (a handful). */
static size_t find(const struct csi_inflight *f, const char *id)
{
	size_t i;

	for (i = 0; i < f->n_ids; i++)
		if (strcmp(f->ids[i], id) == 0)
			break;
	return i;
}

int csi_inflight_acquire(struct csi_inflight *f, const char *id)
{
	int r = 0;

	pthread_mutex_lock(&f->lock);
	if (find(f, id) < f->n_ids) {
		r = -EBUSY;
	} else {
		if (f->n_ids == f->alloc) {
			f->alloc = f->alloc ? f->alloc * 2 : 8;
			f->ids = xrealloc(f->ids, f->alloc * sizeof(*f->ids));
		}
		f->ids[f->n_ids++] = xstrdup(id);
	}
	pthread_mutex_unlock(&f->lock);
	return r;
}

void csi_inflight_release(struct csi_inflight *f, const char *id)
{
	size_t i;

	pthread_mutex_lock(&f->lock);
	i = find(f, id);
	assert(i < f->n_ids);
	free(f->ids[i]);
	f->ids[i] = f->ids[--f->n_ids];
	pthread_mutex_unlock(&f->lock);
}

size_t csi_inflight_count(struct csi_inflight *f)
{
	size_t n;

	pthread_mutex_lock(&f->lock);
	n = f->n_ids;
	pthread_mutex_unlock(&f->lock);
	return n;
}
