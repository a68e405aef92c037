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
	char *key;		/* component, uid, reason, message */
	char *name;		/* the Event written for it */
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
	recent[slot] = (struct recent_event){ .key = xstrdup(key), .name = xstrdup(name),
					      .count = count, .last = now };
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
	const char *obj_ns = res->namespaced ? json_string_value(json_object_get(meta, "namespace"))
					     : NULL;
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

int kube_event_record_volume(struct kube_client *c, const json_t *obj, enum kube_event_type type,
			     const char *reason, const char *message, const char *component,
			     struct strbuf *err)
{
	const json_t *labels = json_object_get(json_object_get(obj, "metadata"), "labels");
	const char *pv = json_string_value(json_object_get(labels, VOLUME_LABEL_PV_NAME));
	const char *pvc = json_string_value(json_object_get(labels, VOLUME_LABEL_PVC_NAME));
	const char *ns = json_string_value(json_object_get(labels, VOLUME_LABEL_PVC_NAMESPACE));
	int r;

	r = kube_event_record(c, &kube_meshstorvolumes, obj, type, reason, message, component,
			      err);
	record_on(c, &kube_persistentvolumes, NULL, pv, type, reason, message, component, err);
	record_on(c, &kube_persistentvolumeclaims, ns, pvc, type, reason, message, component, err);
	return r;
}
