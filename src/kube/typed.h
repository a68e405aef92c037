/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stddef.h>

/*
 * The typed form of a cached object (a struct volume, say), decoded once per
 * version by an informer (kube_informer_ops.decode) and shared read-only:
 * whoever holds a reference may read it from any thread, and the last
 * reference frees it.
 */
struct kube_typed;

struct kube_typed *kube_typed_new(void *obj, void (*free_obj)(void *obj));
/* The object; read-only for everyone. */
const void *kube_typed_get(const struct kube_typed *t);
struct kube_typed *kube_typed_ref(struct kube_typed *t);
/* NULL is a no-op. */
void kube_typed_unref(struct kube_typed *t);
/* Unrefs each of v's n holders, then frees v. */
void kube_typed_unref_all(struct kube_typed **v, size_t n);
