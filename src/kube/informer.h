/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "kube/client.h"
#include "kube/typed.h"

/*
 * List + watch of one resource into an in-memory cache, on a thread of its own.
 * The callbacks run on that thread, after the cache has changed and without
 * its lock held, so they may read the cache. Objects are shared, immutable
 * jansson values: take a reference to keep one. They are cached without
 * metadata.managedFields.
 */
struct kube_informer_ops {
	/*
	 * Optional gate: an object it refuses (returns <0, reason in err) is not
	 * cached, and is logged once per resourceVersion; a previously cached good
	 * version stays, since acting on a broken object could lose data.
	 */
	int (*accept)(const json_t *obj, struct strbuf *err, void *userdata);
	/*
	 * Optional, in place of accept: decodes obj into its typed form (<0
	 * refuses it, as accept does). Made once per version as it is cached, kept
	 * beside it, and freed with free_typed once replaced or dropped and no
	 * longer lent (kube_informer_list_typed()).
	 */
	int (*decode)(const json_t *obj, void **ret, struct strbuf *err);
	void (*free_typed)(void *typed);
	void (*added)(const json_t *obj, void *userdata);
	void (*updated)(const json_t *old, const json_t *obj, void *userdata);
	void (*deleted)(const json_t *obj, void *userdata);
	void (*synced)(void *userdata); /* after every completed (re)list */
};

struct kube_informer_stats {
	uint64_t lists;	  /* full lists, the first included */
	uint64_t watches; /* watch requests started */
	uint64_t events;  /* events applied */
	uint64_t rejected;
};

struct kube_informer;

int kube_informer_start(struct kube_client *c, const struct kube_resource *res, const char *ns,
			const struct kube_informer_ops *ops, void *userdata,
			struct kube_informer **ret);
/* Stops the thread (at most about a second) and frees everything. NULL is a no-op. */
void kube_informer_free(struct kube_informer *inf);

/* Waits until the first list has completed; false on timeout. */
bool kube_informer_wait_synced(struct kube_informer *inf, unsigned timeout_ms);
/* A new reference to the cached object, or NULL. */
json_t *kube_informer_get(struct kube_informer *inf, const char *name);
/* A new array holding every cached object. */
json_t *kube_informer_list(struct kube_informer *inf);
/* A new reference to name's typed form (ops.decode), or NULL. */
struct kube_typed *kube_informer_get_typed(struct kube_informer *inf, const char *name);
/*
 * Every cached object's typed form (ops.decode), in name order, each held
 * for the caller (kube_typed.h) until kube_typed_unref_all(); *ret_n of them.
 */
struct kube_typed **kube_informer_list_typed(struct kube_informer *inf, size_t *ret_n);
size_t kube_informer_count(struct kube_informer *inf);
void kube_informer_get_stats(struct kube_informer *inf, struct kube_informer_stats *ret);
