// SPDX-License-Identifier: GPL-2.0-only
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kube/informer.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 30000
/* Watches end after 5-10 minutes, spread so that agents do not reconnect in step. */
#define WATCH_MIN_S 300

/* A cached object's typed form, by name (ops->decode). */
struct typed_slot {
	char *name;
	struct kube_typed *t;
};

struct kube_informer {
	struct kube_client *client;
	const struct kube_resource *res;
	char *ns;
	const struct kube_informer_ops *ops;
	void *userdata;
	pthread_t thread;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	json_t *cache;		  /* name -> object */
	struct typed_slot *typed; /* sorted by name; with ops->decode, one per cached object */
	size_t n_typed, cap_typed;
	json_t *rejected; /* name -> resourceVersion last refused, to log it once */
	char *rv;	  /* where the next watch starts */
	bool synced;
	atomic_bool stop;
	struct kube_informer_stats stats;
	unsigned backoff_ms;
	unsigned seed; /* rand_r() state for jitter */
};

static void count(struct kube_informer *inf, uint64_t *counter)
{
	pthread_mutex_lock(&inf->lock);
	(*counter)++;
	pthread_mutex_unlock(&inf->lock);
}

static const char *key_of(const json_t *obj)
{
	return kube_obj_name(obj);
}

/* Where name's slot is, or would go: *found says which. Under inf->lock. */
static size_t typed_find(const struct kube_informer *inf, const char *name, bool *found)
{
	size_t lo = 0, hi = inf->n_typed;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(inf->typed[mid].name, name);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

/* name's typed form becomes t (taking its reference); NULL removes it. Under inf->lock. */
static void typed_set(struct kube_informer *inf, const char *name, struct kube_typed *t)
{
	bool found;
	size_t i = typed_find(inf, name, &found);

	if (found) {
		kube_typed_unref(inf->typed[i].t);
		if (t) {
			inf->typed[i].t = t;
			return;
		}
		free(inf->typed[i].name);
		memmove(&inf->typed[i], &inf->typed[i + 1],
			(inf->n_typed - i - 1) * sizeof(*inf->typed));
		inf->n_typed--;
		return;
	}
	if (!t)
		return;
	if (inf->n_typed == inf->cap_typed) {
		inf->cap_typed = inf->cap_typed ? inf->cap_typed * 2 : 64;
		inf->typed = xreallocarray(inf->typed, inf->cap_typed, sizeof(*inf->typed));
	}
	memmove(&inf->typed[i + 1], &inf->typed[i], (inf->n_typed - i) * sizeof(*inf->typed));
	inf->typed[i] = (struct typed_slot){ .name = xstrdup(name), .t = t };
	inf->n_typed++;
}

/* Runs the gate: ops->decode (its typed form in *ret) or ops->accept, if any. */
static int gate(struct kube_informer *inf, const json_t *obj, struct kube_typed **ret,
		struct strbuf *why)
{
	void *typed = NULL;
	int r;

	*ret = NULL;
	if (inf->ops->decode) {
		r = inf->ops->decode(obj, &typed, why);
		if (r >= 0 && !typed) {
			strbuf_adds(why, "it decodes to nothing");
			r = -EINVAL;
		}
		if (r >= 0)
			*ret = kube_typed_new(typed, inf->ops->free_typed);
		return r;
	}
	return inf->ops->accept ? inf->ops->accept(obj, why, inf->userdata) : 0;
}

/*
 * False if the object was refused; logs a refusal once per resourceVersion.
 * *ret: the object's typed form, with ops->decode.
 */
static bool accept(struct kube_informer *inf, const json_t *obj, struct kube_typed **ret)
{
	_cleanup_strbuf_ struct strbuf why = STRBUF_INIT;
	const char *name = key_of(obj), *rv = kube_obj_resource_version(obj);
	const char *last;

	*ret = NULL;
	if (!name)
		return false;
	if (gate(inf, obj, ret, &why) >= 0) {
		json_object_del(inf->rejected, name);
		return true;
	}
	count(inf, &inf->stats.rejected);
	last = json_string_value(json_object_get(inf->rejected, name));
	if (!last || !rv || strcmp(last, rv) != 0) {
		log_error("Ignoring %s %s (resourceVersion %s): %s; fix or delete the object",
			  inf->res->kind, name, rv ? rv : "?", why.buf);
		json_object_set_new(inf->rejected, name, json_string(rv ? rv : ""));
	}
	return false;
}

/* Puts obj in the cache and tells the callbacks. */
static void put(struct kube_informer *inf, json_t *obj)
{
	const char *name = key_of(obj);
	struct kube_typed *typed;
	json_t *old;

	/*
	 * The API server's record of which client set which field: about half of
	 * a volume's JSON, and nothing we read (writes are built from typed
	 * objects or from a fresh GET, and a PUT without it keeps the server's).
	 */
	json_object_del(json_object_get(obj, "metadata"), "managedFields");
	if (!accept(inf, obj, &typed))
		return;
	pthread_mutex_lock(&inf->lock);
	old = json_incref(json_object_get(inf->cache, name));
	json_object_set(inf->cache, name, obj);
	if (inf->ops->decode)
		typed_set(inf, name, typed);
	pthread_mutex_unlock(&inf->lock);
	if (!old && inf->ops->added)
		inf->ops->added(obj, inf->userdata);
	else if (old && inf->ops->updated)
		inf->ops->updated(old, obj, inf->userdata);
	json_decref(old);
}

static void drop(struct kube_informer *inf, const char *name)
{
	json_t *old;

	pthread_mutex_lock(&inf->lock);
	old = json_incref(json_object_get(inf->cache, name));
	json_object_del(inf->cache, name);
	typed_set(inf, name, NULL);
	pthread_mutex_unlock(&inf->lock);
	json_object_del(inf->rejected, name);
	if (old && inf->ops->deleted)
		inf->ops->deleted(old, inf->userdata);
	json_decref(old);
}

static void set_rv(struct kube_informer *inf, const char *rv)
{
	if (!rv)
		return;
	pthread_mutex_lock(&inf->lock);
	free(inf->rv);
	inf->rv = xstrdup(rv);
	pthread_mutex_unlock(&inf->lock);
}

static int on_event(const char *type, json_t *obj, void *userdata)
{
	struct kube_informer *inf = userdata;

	if (strcmp(type, "ADDED") == 0 || strcmp(type, "MODIFIED") == 0)
		put(inf, obj);
	else if (strcmp(type, "DELETED") == 0 && key_of(obj))
		drop(inf, key_of(obj));
	else if (strcmp(type, "BOOKMARK") != 0)
		return 0;
	count(inf, &inf->stats.events);
	inf->backoff_ms = 0;
	set_rv(inf, kube_obj_resource_version(obj));
	return 0;
}

/* Replaces the cache with a fresh list: adds and updates, then deletes what is gone. */
struct relist {
	struct kube_informer *inf;
	json_t *seen; /* name -> true, for every listed object */
};

/* One page of a relist: caches what changed, remembers every name listed. */
static int relist_page(json_t *items, void *userdata)
{
	struct relist *rl = userdata;
	struct kube_informer *inf = rl->inf;
	json_t *obj, *snapshot;
	size_t i;
	bool same;

	json_array_foreach (items, i, obj) {
		if (!key_of(obj))
			continue;
		json_object_set_new(rl->seen, key_of(obj), json_true());
		/* Unchanged objects (same resourceVersion) raise no callback. */
		pthread_mutex_lock(&inf->lock);
		snapshot = json_object_get(inf->cache, key_of(obj));
		same = snapshot && kube_obj_resource_version(snapshot) &&
		       kube_obj_resource_version(obj) &&
		       strcmp(kube_obj_resource_version(snapshot),
			      kube_obj_resource_version(obj)) == 0;
		pthread_mutex_unlock(&inf->lock);
		if (!same)
			put(inf, obj);
	}
	return 0;
}

/*
 * Lists every object, a page at a time (the pages of one snapshot), into the
 * cache, then drops what the list no longer has. A list that fails half-way
 * leaves the objects already cached from it (each as recent as the cache's
 * own) and drops nothing.
 */
static int relist(struct kube_informer *inf)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	struct relist rl = { .inf = inf, .seen = json_object() };
	json_t *snapshot, *obj;
	const char *name;
	char *rv;
	size_t i;
	int r;

	r = kube_list_each(inf->client, inf->res, inf->ns, NULL, relist_page, &rl, &rv, &err);
	if (r < 0) {
		json_decref(rl.seen);
		return log_warning_errno(r, "Listing %s failed: %s", inf->res->plural, err.buf);
	}
	count(inf, &inf->stats.lists);
	snapshot = kube_informer_list(inf);
	json_array_foreach (snapshot, i, obj) {
		name = key_of(obj);
		if (!json_object_get(rl.seen, name))
			drop(inf, name);
	}
	json_decref(snapshot);
	json_decref(rl.seen);
	set_rv(inf, rv);
	free(rv);

	pthread_mutex_lock(&inf->lock);
	inf->synced = true;
	pthread_cond_broadcast(&inf->cond);
	pthread_mutex_unlock(&inf->lock);
	if (inf->ops->synced)
		inf->ops->synced(inf->userdata);
	return 0;
}

/* Sleeps the current backoff (doubling it, with jitter), waking early on stop. */
static void back_off(struct kube_informer *inf)
{
	struct timespec until;
	unsigned ms;

	inf->backoff_ms =
		inf->backoff_ms ? MIN(inf->backoff_ms * 2, BACKOFF_MAX_MS) : BACKOFF_MIN_MS;
	ms = inf->backoff_ms - inf->backoff_ms / 5 +
	     (unsigned)rand_r(&inf->seed) % (inf->backoff_ms / 5 * 2 + 1);
	until = realtime_after_ms(ms);
	pthread_mutex_lock(&inf->lock);
	while (!atomic_load(&inf->stop) &&
	       pthread_cond_timedwait(&inf->cond, &inf->lock, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&inf->lock);
}

static void *run(void *arg)
{
	struct kube_informer *inf = arg;
	bool need_list = true;

	while (!atomic_load(&inf->stop)) {
		_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
		_cleanup_free_ char *rv = NULL;
		int r;

		if (need_list) {
			if (relist(inf) < 0) {
				back_off(inf);
				continue;
			}
			need_list = false;
		}
		pthread_mutex_lock(&inf->lock);
		rv = xstrdup(inf->rv);
		pthread_mutex_unlock(&inf->lock);
		count(inf, &inf->stats.watches);
		r = kube_watch(inf->client, inf->res, inf->ns, rv,
			       WATCH_MIN_S + (unsigned)rand_r(&inf->seed) % WATCH_MIN_S, on_event,
			       inf, &inf->stop, &err);
		if (r == 0 || r == -ECANCELED)
			continue;
		if (r == -ESTALE) {
			log_info("Watch of %s must start over: %s; listing again", inf->res->plural,
				 err.buf);
			need_list = true;
			continue;
		}
		log_warning_errno(r, "Watch of %s failed: %s; retrying", inf->res->plural,
				  err.len ? err.buf : strerror(-r));
		back_off(inf);
	}
	return NULL;
}

int kube_informer_start(struct kube_client *c, const struct kube_resource *res, const char *ns,
			const struct kube_informer_ops *ops, void *userdata,
			struct kube_informer **ret)
{
	struct kube_informer *inf;
	int r;

	/* decode replaces accept, and what it makes needs a way to be freed. */
	assert(!ops->decode || (ops->free_typed && !ops->accept));
	inf = xzalloc(sizeof(*inf));

	inf->client = c;
	inf->res = res;
	inf->ns = ns ? xstrdup(ns) : NULL;
	inf->ops = ops;
	inf->userdata = userdata;
	inf->cache = json_object();
	inf->rejected = json_object();
	inf->rv = xstrdup("");
	inf->seed = (unsigned)now_usec();
	pthread_mutex_init(&inf->lock, NULL);
	pthread_cond_init(&inf->cond, NULL);
	r = -pthread_create(&inf->thread, NULL, run, inf);
	if (r < 0) {
		inf->thread = 0;
		kube_informer_free(inf);
		return r;
	}
	*ret = inf;
	return 0;
}

void kube_informer_free(struct kube_informer *inf)
{
	if (!inf)
		return;
	if (inf->thread) {
		pthread_mutex_lock(&inf->lock);
		atomic_store(&inf->stop, true);
		pthread_cond_broadcast(&inf->cond);
		pthread_mutex_unlock(&inf->lock);
		pthread_join(inf->thread, NULL);
	}
	json_decref(inf->cache);
	for (size_t i = 0; i < inf->n_typed; i++) {
		free(inf->typed[i].name);
		kube_typed_unref(inf->typed[i].t);
	}
	free(inf->typed);
	json_decref(inf->rejected);
	pthread_mutex_destroy(&inf->lock);
	pthread_cond_destroy(&inf->cond);
	free(inf->rv);
	free(inf->ns);
	free(inf);
}

bool kube_informer_wait_synced(struct kube_informer *inf, unsigned timeout_ms)
{
	struct timespec until;
	bool synced;

	until = realtime_after_ms(timeout_ms);
	pthread_mutex_lock(&inf->lock);
	while (!inf->synced && pthread_cond_timedwait(&inf->cond, &inf->lock, &until) != ETIMEDOUT)
		;
	synced = inf->synced;
	pthread_mutex_unlock(&inf->lock);
	return synced;
}

json_t *kube_informer_get(struct kube_informer *inf, const char *name)
{
	json_t *obj;

	pthread_mutex_lock(&inf->lock);
	obj = json_incref(json_object_get(inf->cache, name));
	pthread_mutex_unlock(&inf->lock);
	return obj;
}

json_t *kube_informer_list(struct kube_informer *inf)
{
	json_t *list = json_array(), *obj;
	const char *name;

	pthread_mutex_lock(&inf->lock);
	json_object_foreach (inf->cache, name, obj)
		json_array_append(list, obj);
	pthread_mutex_unlock(&inf->lock);
	return list;
}

struct kube_typed *kube_informer_get_typed(struct kube_informer *inf, const char *name)
{
	struct kube_typed *t = NULL;
	bool found;
	size_t i;

	assert(inf->ops->decode);
	pthread_mutex_lock(&inf->lock);
	i = typed_find(inf, name, &found);
	if (found)
		t = kube_typed_ref(inf->typed[i].t);
	pthread_mutex_unlock(&inf->lock);
	return t;
}

struct kube_typed **kube_informer_list_typed(struct kube_informer *inf, size_t *ret_n)
{
	struct kube_typed **v;

	assert(inf->ops->decode);
	pthread_mutex_lock(&inf->lock);
	v = xcalloc(inf->n_typed + 1, sizeof(*v));
	for (size_t i = 0; i < inf->n_typed; i++)
		v[i] = kube_typed_ref(inf->typed[i].t);
	*ret_n = inf->n_typed;
	pthread_mutex_unlock(&inf->lock);
	return v;
}

size_t kube_informer_count(struct kube_informer *inf)
{
	size_t n;

	pthread_mutex_lock(&inf->lock);
	n = json_object_size(inf->cache);
	pthread_mutex_unlock(&inf->lock);
	return n;
}

void kube_informer_get_stats(struct kube_informer *inf, struct kube_informer_stats *ret)
{
	pthread_mutex_lock(&inf->lock);
	*ret = inf->stats;
	pthread_mutex_unlock(&inf->lock);
}
