// SPDX-License-Identifier: GPL-2.0-only
/* The REST verbs on a resource, over kube_request(). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kube/request.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define CT_JSON "application/json"

const char *kube_obj_name(const json_t *obj)
{
	return json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
}

const char *kube_obj_resource_version(const json_t *obj)
{
	return json_string_value(
		json_object_get(json_object_get(obj, "metadata"), "resourceVersion"));
}

static const char *meta_map_value(const json_t *obj, const char *map, const char *key)
{
	const char *v = json_string_value(
		json_object_get(json_object_get(json_object_get(obj, "metadata"), map), key));

	return v && v[0] ? v : NULL;
}

const char *kube_obj_label(const json_t *obj, const char *key)
{
	return meta_map_value(obj, "labels", key);
}

const char *kube_obj_annotation(const json_t *obj, const char *key)
{
	return meta_map_value(obj, "annotations", key);
}

bool kube_obj_deleting(const json_t *obj)
{
	return json_object_get(json_object_get(obj, "metadata"), "deletionTimestamp") != NULL;
}

const char *kube_node_internal_ip(const json_t *node)
{
	json_t *e;
	size_t i;

	json_array_foreach (json_object_get(json_object_get(node, "status"), "addresses"), i, e) {
		const char *type = json_string_value(json_object_get(e, "type"));
		const char *addr = json_string_value(json_object_get(e, "address"));

		if (type && strcmp(type, "InternalIP") == 0 && addr && addr[0])
			return addr;
	}
	return NULL;
}

int kube_get(struct kube_client *c, const struct kube_resource *res, const char *ns,
	     const char *name, json_t **ret, struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf path = STRBUF_INIT;

	kube_path(&path, res, ns, name, NULL);
	return kube_request(c, "GET", path.buf, NULL, NULL, ret, err);
}

int kube_create(struct kube_client *c, const struct kube_resource *res, const char *ns,
		const json_t *obj, json_t **ret, struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf path = STRBUF_INIT;

	kube_path(&path, res, ns, NULL, NULL);
	return kube_request(c, "POST", path.buf, CT_JSON, obj, ret, err);
}

int kube_update(struct kube_client *c, const struct kube_resource *res, const char *ns,
		const json_t *obj, const char *sub, json_t **ret, struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf path = STRBUF_INIT;
	const char *name = kube_obj_name(obj);

	if (!name) {
		if (err)
			strbuf_adds(err, "update of an object without metadata.name");
		return -EINVAL;
	}
	kube_path(&path, res, ns, name, sub);
	return kube_request(c, "PUT", path.buf, CT_JSON, obj, ret, err);
}

int kube_patch(struct kube_client *c, const struct kube_resource *res, const char *ns,
	       const char *name, enum kube_patch_type type, const json_t *patch, const char *sub,
	       json_t **ret, struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf path = STRBUF_INIT;

	kube_path(&path, res, ns, name, sub);
	return kube_request(c, "PATCH", path.buf,
			    type == KUBE_PATCH_MERGE ? "application/merge-patch+json"
						     : "application/json-patch+json",
			    patch, ret, err);
}

int kube_delete(struct kube_client *c, const struct kube_resource *res, const char *ns,
		const char *name, struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf path = STRBUF_INIT;

	kube_path(&path, res, ns, name, NULL);
	return kube_request(c, "DELETE", path.buf, NULL, NULL, NULL, err);
}

int kube_list_page(struct kube_client *c, const struct kube_resource *res, const char *ns,
		   const char *label_selector, unsigned limit, char **cont, json_t **ret,
		   struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf path = STRBUF_INIT;
	char sep = '?';
	json_t *list;
	const char *next;
	int r;

	kube_path(&path, res, ns, NULL, NULL);
	if (limit) {
		strbuf_addf(&path, "%climit=%u", sep, limit);
		sep = '&';
	}
	if (*cont) {
		kube_query(&path, sep, "continue", *cont);
		sep = '&';
	}
	if (label_selector)
		kube_query(&path, sep, "labelSelector", label_selector);
	r = kube_request(c, "GET", path.buf, NULL, NULL, &list, err);
	if (r < 0)
		return r;
	free(*cont);
	next = json_string_value(json_object_get(json_object_get(list, "metadata"), "continue"));
	*cont = next && next[0] ? xstrdup(next) : NULL;
	*ret = list;
	return 0;
}

/* Pages of 500, as client-go's pager uses by default. */
#define LIST_PAGE 500

int kube_list_each(struct kube_client *c, const struct kube_resource *res, const char *ns,
		   const char *label_selector, kube_list_fn fn, void *userdata, char **ret_rv,
		   struct strbuf *err)
{
	char *cont = NULL, *rv = NULL;
	int r;

	do {
		json_t *page, *items;
		const char *page_rv;

		r = kube_list_page(c, res, ns, label_selector, LIST_PAGE, &cont, &page, err);
		if (r < 0)
			break;
		/* Every page carries the snapshot's resourceVersion; the first one is it. */
		page_rv = kube_obj_resource_version(page);
		if (!rv && page_rv)
			rv = xstrdup(page_rv);
		items = json_object_get(page, "items");
		/* Not an empty page: read as one, it would make a relist drop everything. */
		if (!json_is_array(items)) {
			if (err)
				strbuf_addf(err, "a page of %s without an items array",
					    res->plural);
			json_decref(page);
			r = -EBADMSG;
			break;
		}
		r = fn(items, userdata);
		json_decref(page);
	} while (r >= 0 && cont);
	free(cont);
	if (r < 0 || !ret_rv) {
		free(rv);
		return r < 0 ? r : 0;
	}
	*ret_rv = rv ? rv : xstrdup("");
	return 0;
}

static int extend(json_t *items, void *userdata)
{
	json_array_extend(userdata, items);
	return 0;
}

int kube_list_all(struct kube_client *c, const struct kube_resource *res, const char *ns,
		  const char *label_selector, json_t **ret_items, char **ret_rv, struct strbuf *err)
{
	json_t *items = json_array();
	int r;

	r = kube_list_each(c, res, ns, label_selector, extend, items, ret_rv, err);
	if (r < 0) {
		json_decref(items);
		return r;
	}
	*ret_items = items;
	return 0;
}

/*
 * Writers that lose a conflict and retry at once collide again in lockstep; a
 * random pause that grows with each attempt spreads them out (5-25 ms, then
 * doubling), as client-go's retry-on-conflict backoff does.
 */
static void conflict_pause(unsigned attempt)
{
	static _Thread_local unsigned seed;
	unsigned ms;

	if (!seed)
		seed = (unsigned)now_usec() ^ (unsigned)(uintptr_t)&seed;
	ms = (5 + (unsigned)rand_r(&seed) % 21) << MIN(attempt, 4u);
	usleep(ms * 1000);
}

int kube_update_retry(struct kube_client *c, const struct kube_resource *res, const char *ns,
		      const char *name, const char *sub, kube_mutate_fn mutate, void *userdata,
		      json_t **ret, struct strbuf *err)
{
	for (unsigned attempt = 0; attempt <= KUBE_CONFLICT_RETRIES; attempt++) {
		_cleanup_strbuf_ struct strbuf why = STRBUF_INIT;
		json_t *obj, *updated;
		int r;

		r = kube_get(c, res, ns, name, &obj, err);
		if (r < 0)
			return r;
		r = mutate(obj, userdata);
		if (r != 0) {
			if (r > 0 && ret)
				*ret = obj;
			else
				json_decref(obj);
			return r < 0 ? r : 0;
		}
		r = kube_update(c, res, ns, obj, sub, &updated, &why);
		json_decref(obj);
		if (r == 0) {
			if (ret)
				*ret = updated;
			else
				json_decref(updated);
			return 0;
		}
		if (r != -ESTALE) {
			if (err)
				strbuf_add(err, why.buf, why.len);
			return r;
		}
		conflict_pause(attempt);
	}
	if (err)
		strbuf_addf(err, "%s/%s: still conflicting after %d attempts", res->plural, name,
			    KUBE_CONFLICT_RETRIES + 1);
	return -ESTALE;
}
