/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "util/strbuf.h"

/* Bounds on what the API server hands us; real values are far shorter. */
#define META_UID_MAX 128
#define META_RESOURCE_VERSION_MAX 128
#define META_FINALIZER_MAX 316 /* a qualified name, as Kubernetes checks finalizers */
#define META_FINALIZERS_MAX 32

/*
 * The part of metav1.ObjectMeta that MeshStor uses. name, resource_version and
 * finalizers are written back; uid, generation and deleting are read-only,
 * filled in by the API server.
 */
struct object_meta {
	char *name;
	char *uid;
	char *resource_version;
	int64_t generation;
	bool deleting;	   /* metadata.deletionTimestamp is set */
	char **finalizers; /* NULL-terminated; NULL when there are none */
};

void meta_done(struct object_meta *m);

/* name must be a DNS-1123 subdomain; the rest within the bounds above. */
int meta_validate(const struct object_meta *m, struct strbuf *err);

bool meta_has_finalizer(const struct object_meta *m, const char *finalizer);
/* Each returns true when it changed the list. */
bool meta_add_finalizer(struct object_meta *m, const char *finalizer);
bool meta_remove_finalizer(struct object_meta *m, const char *finalizer);

size_t strv_length(char *const *v);
void strv_free(char **v);
