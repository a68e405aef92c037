// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kube/events.h"
#include "model/volume.h"
#include "util/cleanup.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define MAX_MESSAGE 1024

/*
 * A repeat (the same object, reason, message and component within
 * REPEAT_WINDOW_SEC of the last) bumps count and lastTimestamp of the Event
 * already written, as client-go's correlator does, instead of writing a new
 * one: a ControllerUnpublish that the CO retries every few seconds would
 * otherwise bury `kubectl describe` under copies of one Warning.
 */
#define REPEAT_WINDOW_SEC 600
#define RECENT_MAX 64

struct recent_event {
	char *key;  /* component, uid, reason, message */
	char *name; /* the Event written for it */
	int count;
	time_t last;
};

static struct recent_event recent[RECENT_MAX];
static pthread_mutex_t recent_lock = PTHREAD_MUTEX_INITIALIZER;

/* The Event to bump for key, and its next count; false when there is none. */
static bool recent_find(const char *key, time_t now, char **ret_name, int *ret_count)
{
	bool found = false;

	pthread_mutex_lock(&recent_lock);
	for (size_t i = 0; i < RECENT_MAX && !found; i++) {
		if (!recent[i].key || strcmp(recent[i].key, key) != 0 ||
		    now - recent[i].last >= REPEAT_WINDOW_SEC)
			continue;
		*ret_name = xstrdup(recent[i].name);
		*ret_count = recent[i].count + 1;
		found = true;
	}
	pthread_mutex_unlock(&recent_lock);
	return found;
}

/* Remembers the Event name written for key (count times), in place of the oldest. */
static void recent_note(const char *key, const char *name, int count, time_t now)
{
	size_t slot = 0;

	pthread_mutex_lock(&recent_lock);
	for (size_t i = 0; i < RECENT_MAX; i++) {
		if (recent[i].key && strcmp(recent[i].key, key) == 0) {
			slot = i;
			break;
		}
		if (recent[i].last < recent[slot].last)
			slot = i;
	}
	free(recent[slot].key);
	free(recent[slot].name);
	recent[slot] = (struct recent_event){
		.key = xstrdup(key), .name = xstrdup(name), .count = count, .last = now
	};
	pthread_mutex_unlock(&recent_lock);
}

/* Length of s cut to at most max bytes, never inside a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

static void rfc3339_now(char buf[static 32], struct timespec *ret_now)
{
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, ret_now);
	gmtime_r(&ret_now->tv_sec, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int kube_event_record(struct kube_client *c, const struct kube_resource *res, const json_t *obj,
		      enum kube_event_type type, const char *reason, const char *message,
		      const char *component, struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf name = STRBUF_INIT, api = STRBUF_INIT, key = STRBUF_INIT;
	const json_t *meta = json_object_get(obj, "metadata");
	const char *obj_name = kube_obj_name(obj);
	const char *uid = json_string_value(json_object_get(meta, "uid"));
	const char *obj_ns =
		res->namespaced ? json_string_value(json_object_get(meta, "namespace")) : NULL;
	const char *ev_ns = obj_ns ? obj_ns : KUBE_EVENTS_NAMESPACE;
	char now[32], host[256] = "";
	_cleanup_free_ char *seen = NULL;
	struct timespec ts;
	int count;
	json_t *ev;
	int r;

	if (!obj_name || (res->namespaced && !obj_ns))
		return -EINVAL;
	rfc3339_now(now, &ts);
	strbuf_addf(&key, "%s\x1f%s\x1f%s\x1f%s\x1f%.*s", component, uid ? uid : obj_name, reason,
		    res->kind, (int)utf8_cut(message, MAX_MESSAGE), message);
	if (recent_find(key.buf, ts.tv_sec, &seen, &count)) {
		ev = json_pack("{s:i, s:s}", "count", count, "lastTimestamp", now);
		r = ev ? kube_patch(c, &kube_events, ev_ns, seen, KUBE_PATCH_MERGE, ev, NULL, NULL,
				    NULL)
		       : -ENOMEM;
		json_decref(ev);
		if (r == 0) {
			recent_note(key.buf, seen, count, ts.tv_sec);
			return 0;
		}
		/* Gone (Events expire) or refused: a new one. */
	}
	gethostname(host, sizeof(host) - 1);
	/* Unique per object and instant, as client-go names them. */
	strbuf_addf(&name, "%s.%llx", obj_name,
		    (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec);
	if (res->group[0])
		strbuf_addf(&api, "%s/%s", res->group, res->version);
	else
		strbuf_adds(&api, res->version);

	ev = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s, s:s*, s:s*, s:s*}, s:s, s:s%, "
		       "s:s, s:{s:s, s:s}, s:s, s:s, s:i, s:s, s:s}",
		       "apiVersion", "v1", "kind", "Event", "metadata", "name", name.buf,
		       "namespace", ev_ns, "involvedObject", "apiVersion", api.buf, "kind",
		       res->kind, "name", obj_name, "namespace", obj_ns, "uid",
		       json_string_value(json_object_get(meta, "uid")), "resourceVersion",
		       json_string_value(json_object_get(meta, "resourceVersion")), "reason",
		       reason, "message", message, utf8_cut(message, MAX_MESSAGE), "type",
		       type == KUBE_EVENT_WARNING ? "Warning" : "Normal", "source", "component",
		       component, "host", host, "firstTimestamp", now, "lastTimestamp", now,
		       "count", 1, "reportingComponent", component, "reportingInstance", host);
	if (!ev)
		return -EINVAL;
	r = kube_create(c, &kube_events, ev_ns, ev, NULL, err);
	json_decref(ev);
	if (r == 0)
		recent_note(key.buf, name.buf, 1, ts.tv_sec);
	return r;
}

/* The Event on object name (in ns) of res, read first for its uid; NULL name: none. */
static void record_on(struct kube_client *c, const struct kube_resource *res, const char *ns,
		      const char *name, enum kube_event_type type, const char *reason,
		      const char *message, const char *component, struct strbuf *err)
{
	_cleanup_(json_decrefp) json_t *obj = NULL;

	if (!name || (res->namespaced && !ns))
		return;
	if (kube_get(c, res, ns, name, &obj, err) == 0)
		kube_event_record(c, res, obj, type, reason, message, component, err);
}

#define CLAIM_EVENTS_MAX 64

/* One Event for a volume's PV and PVC, as kube_event_record_volume() was given it. */
struct claim_event {
	char *pv, *pvc, *ns, *reason, *message, *component;
	enum kube_event_type type;
};

struct kube_claim_events {
	struct kube_client *client;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct claim_event ring[CLAIM_EVENTS_MAX];
	size_t head, n;
	bool stop;
};

static void claim_event_done(struct claim_event *e)
{
	free(e->pv);
	free(e->pvc);
	free(e->ns);
	free(e->reason);
	free(e->message);
	free(e->component);
	*e = (struct claim_event){ 0 };
}

static void record_claim(struct kube_client *c, const struct claim_event *e, struct strbuf *err)
{
	record_on(c, &kube_persistentvolumes, NULL, e->pv, e->type, e->reason, e->message,
		  e->component, err);
	record_on(c, &kube_persistentvolumeclaims, e->ns, e->pvc, e->type, e->reason, e->message,
		  e->component, err);
}

static void *claim_events_loop(void *userdata)
{
	struct kube_claim_events *q = userdata;
	struct claim_event e;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (!q->stop && q->n == 0)
			pthread_cond_wait(&q->wake, &q->lock);
		if (q->stop)
			break;
		e = q->ring[q->head];
		q->ring[q->head] = (struct claim_event){ 0 };
		q->head = (q->head + 1) % CLAIM_EVENTS_MAX;
		q->n--;
		pthread_mutex_unlock(&q->lock);
		record_claim(q->client, &e, NULL);
		claim_event_done(&e);
		pthread_mutex_lock(&q->lock);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

int kube_claim_events_start(struct kube_client *c, struct kube_claim_events **ret)
{
	struct kube_claim_events *q = xzalloc(sizeof(*q));
	int r;

	q->client = c;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->wake, NULL);
	r = -pthread_create(&q->thread, NULL, claim_events_loop, q);
	if (r < 0) {
		pthread_mutex_destroy(&q->lock);
		pthread_cond_destroy(&q->wake);
		free(q);
		return r;
	}
	*ret = q;
	return 0;
}

void kube_claim_events_stop(struct kube_claim_events *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	q->stop = true;
	pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	for (size_t i = 0; i < CLAIM_EVENTS_MAX; i++)
		claim_event_done(&q->ring[i]);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->wake);
	free(q);
}

/* e queued for q's thread (taken over), or dropped when CLAIM_EVENTS_MAX wait already. */
static void claim_events_push(struct kube_claim_events *q, struct claim_event *e)
{
	pthread_mutex_lock(&q->lock);
	if (q->n < CLAIM_EVENTS_MAX) {
		q->ring[(q->head + q->n) % CLAIM_EVENTS_MAX] = *e;
		*e = (struct claim_event){ 0 };
		q->n++;
		pthread_cond_signal(&q->wake);
	}
	pthread_mutex_unlock(&q->lock);
	claim_event_done(e);
}

static char *xstrdup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

int kube_event_record_volume(struct kube_client *c, struct kube_claim_events *q, const json_t *obj,
			     enum kube_event_type type, const char *reason, const char *message,
			     const char *component, struct strbuf *err)
{
	const json_t *labels = json_object_get(json_object_get(obj, "metadata"), "labels");
	const char *pv = json_string_value(json_object_get(labels, VOLUME_LABEL_PV_NAME));
	const char *pvc = json_string_value(json_object_get(labels, VOLUME_LABEL_PVC_NAME));
	const char *ns = json_string_value(json_object_get(labels, VOLUME_LABEL_PVC_NAMESPACE));
	struct claim_event e = {
		.pv = xstrdup_or_null(pv),
		.pvc = xstrdup_or_null(pvc),
		.ns = xstrdup_or_null(ns),
		.reason = xstrdup(reason),
		.message = xstrdup(message),
		.component = xstrdup(component),
		.type = type,
	};
	int r;

	r = kube_event_record(c, &kube_meshstorvolumes, obj, type, reason, message, component, err);
	if (!pv && !(pvc && ns)) {
		claim_event_done(&e);
	} else if (q) {
		claim_events_push(q, &e);
	} else {
		record_claim(c, &e, err);
		claim_event_done(&e);
	}
	return r;
}
