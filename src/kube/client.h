/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "kube/config.h"
#include "util/strbuf.h"

/*
 * A Kubernetes REST client over libcurl. Safe to use from several threads:
 * each request runs on its own easy handle and connection; TLS sessions and
 * DNS answers are shared (connections never are: see kube_client_new()).
 *
 * Results are 0 or -errno, converted once here from HTTP:
 *   404 -ENOENT   409 AlreadyExists -EEXIST   409 Conflict -ESTALE
 *   410 -ESTALE (resourceVersion too old)     401/403 -EACCES
 *   400/422 -EINVAL (the server's validation said no)   413 -E2BIG
 *   429/5xx, connection failures -EAGAIN      timeouts -ETIMEDOUT
 * and the server's own message goes to err, with what to do for -EACCES.
 */
struct kube_client;

struct kube_resource {
	const char *group; /* "" for the core group */
	const char *version;
	const char *plural;
	const char *kind;
	bool namespaced;
};

extern const struct kube_resource kube_meshstorvolumes;
extern const struct kube_resource kube_meshstornodedevices;
extern const struct kube_resource kube_meshstornodes;
extern const struct kube_resource kube_events;
extern const struct kube_resource kube_nodes;
extern const struct kube_resource kube_leases;
extern const struct kube_resource kube_persistentvolumes;
extern const struct kube_resource kube_persistentvolumeclaims;

enum kube_patch_type {
	KUBE_PATCH_MERGE, /* application/merge-patch+json */
	KUBE_PATCH_JSON,  /* application/json-patch+json */
};

/* Takes ownership of cfg. */
int kube_client_new(struct kube_config *cfg, unsigned timeout_ms, struct kube_client **ret);
void kube_client_free(struct kube_client *c);
/*
 * For a command that runs once (meshstor cleanup, status, volume): the
 * configuration kube_config_load() finds from kubeconfig (NULL: the usual
 * places) and a client over it. 0, or -errno after logging why.
 */
int kube_client_connect(const char *kubeconfig, struct kube_client **ret);
/* How many requests this client has sent (for the benchmarks and tests). */
uint64_t kube_client_requests(struct kube_client *c);
/* meshstor_kube_requests_total{verb,code} (docs/operations.md, "Metrics"). */
void kube_client_write_metrics(struct kube_client *c, struct strbuf *out);

int kube_get(struct kube_client *c, const struct kube_resource *res, const char *ns,
	     const char *name, json_t **ret, struct strbuf *err);
int kube_create(struct kube_client *c, const struct kube_resource *res, const char *ns,
		const json_t *obj, json_t **ret, struct strbuf *err);
/* PUT, with obj's metadata.resourceVersion as the precondition. sub: NULL or "status". */
int kube_update(struct kube_client *c, const struct kube_resource *res, const char *ns,
		const json_t *obj, const char *sub, json_t **ret, struct strbuf *err);
int kube_patch(struct kube_client *c, const struct kube_resource *res, const char *ns,
	       const char *name, enum kube_patch_type type, const json_t *patch, const char *sub,
	       json_t **ret, struct strbuf *err);
int kube_delete(struct kube_client *c, const struct kube_resource *res, const char *ns,
		const char *name, struct strbuf *err);

/*
 * One page of a list. limit 0 means no limit; *cont carries the continue token
 * in and out (NULL when done). ret is the List object (items, metadata).
 */
int kube_list_page(struct kube_client *c, const struct kube_resource *res, const char *ns,
		   const char *label_selector, unsigned limit, char **cont, json_t **ret,
		   struct strbuf *err);
/*
 * Every page, one at a time: fn gets each page's items array (borrowed; a
 * reference keeps one), and returning <0 stops the list with that result; a
 * page without an items array is -EBADMSG. ret_rv: the list's resourceVersion
 * (malloc'd), or NULL. Memory holds one page, not the list.
 */
typedef int (*kube_list_fn)(json_t *items, void *userdata);
int kube_list_each(struct kube_client *c, const struct kube_resource *res, const char *ns,
		   const char *label_selector, kube_list_fn fn, void *userdata, char **ret_rv,
		   struct strbuf *err);
/* Every page: ret_items is an array, ret_rv the list's resourceVersion (malloc'd) or NULL. */
int kube_list_all(struct kube_client *c, const struct kube_resource *res, const char *ns,
		  const char *label_selector, json_t **ret_items, char **ret_rv,
		  struct strbuf *err);

/*
 * Optimistic concurrency: reads the object, lets mutate change it (return 0 to
 * write, 1 for "nothing to change", or -errno to give up), writes it with the
 * resourceVersion read, and on a conflict reads again and retries, up to
 * KUBE_CONFLICT_RETRIES times. sub: NULL or "status".
 */
#define KUBE_CONFLICT_RETRIES 8
typedef int (*kube_mutate_fn)(json_t *obj, void *userdata);
int kube_update_retry(struct kube_client *c, const struct kube_resource *res, const char *ns,
		      const char *name, const char *sub, kube_mutate_fn mutate, void *userdata,
		      json_t **ret, struct strbuf *err);

/*
 * Streams a watch from resource_version (bookmarks on). on_event gets each
 * event's type ("ADDED", "MODIFIED", "DELETED", "BOOKMARK") and object;
 * returning <0 ends the watch with that result. Returns 0 when the server ends
 * the stream (after timeout_s), -ESTALE when resource_version is too old
 * (relist), -ECANCELED once *stop is set, or another -errno.
 */
typedef int (*kube_watch_fn)(const char *type, json_t *object, void *userdata);
int kube_watch(struct kube_client *c, const struct kube_resource *res, const char *ns,
	       const char *resource_version, unsigned timeout_s, kube_watch_fn on_event,
	       void *userdata, atomic_bool *stop, struct strbuf *err);

/* "metadata.name" and friends, or NULL. */
const char *kube_obj_name(const json_t *obj);
const char *kube_obj_resource_version(const json_t *obj);
/* metadata.labels[key] and metadata.annotations[key]; NULL when absent or empty. */
const char *kube_obj_label(const json_t *obj, const char *key);
const char *kube_obj_annotation(const json_t *obj, const char *key);
/* Whether metadata.deletionTimestamp is set. */
bool kube_obj_deleting(const json_t *obj);
/* A core Node's first status.addresses entry of type InternalIP, or NULL. */
const char *kube_node_internal_ip(const json_t *node);
