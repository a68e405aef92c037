// SPDX-License-Identifier: GPL-2.0-only
#include <stdatomic.h>
#include <stdlib.h>

#include "kube/typed.h"
#include "util/xalloc.h"
#include "util/banned.h"

struct kube_typed {
	atomic_uint refs;
	void *obj;
	void (*free_obj)(void *obj);
};

struct kube_typed *kube_typed_new(void *obj, void (*free_obj)(void *obj))
{
	struct kube_typed *t = xzalloc(sizeof(*t));

	atomic_init(&t->refs, 1);
	t->obj = obj;
	t->free_obj = free_obj;
	return t;
}

const void *kube_typed_get(const struct kube_typed *t)
{
	return t->obj;
}

struct kube_typed *kube_typed_ref(struct kube_typed *t)
{
	atomic_fetch_add(&t->refs, 1);
	return t;
}

void kube_typed_unref(struct kube_typed *t)
{
	if (!t || atomic_fetch_sub(&t->refs, 1) != 1)
		return;
	t->free_obj(t->obj);
	free(t);
}

void kube_typed_unref_all(struct kube_typed **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kube_typed_unref(v[i]);
	free(v);
}
