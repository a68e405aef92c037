// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kube/events.h"
#include "util/cleanup.h"
#include "util/banned.h"

#define MAX_MESSAGE 1024

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
	_cleanup_strbuf_ struct strbuf name = STRBUF_INIT, api = STRBUF_INIT;
	const json_t *meta = json_object_get(obj, "metadata");
	const char *obj_name = kube_obj_name(obj);
	char now[32], host[256] = "";
	struct timespec ts;
	json_t *ev;
	int r;

	if (!obj_name)
		return -EINVAL;
	rfc3339_now(now, &ts);
	gethostname(host, sizeof(host) - 1);
	/* Unique per object and instant, as client-go names them. */
	strbuf_addf(&name, "%s.%llx", obj_name,
		    (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec);
	if (res->group[0])
		strbuf_addf(&api, "%s/%s", res->group, res->version);
	else
		strbuf_adds(&api, res->version);

	ev = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s, s:s*, s:s*}, s:s, s:s%, s:s, "
		       "s:{s:s, s:s}, s:s, s:s, s:i, s:s, s:s}",
		       "apiVersion", "v1", "kind", "Event", "metadata", "name", name.buf,
		       "namespace", KUBE_EVENTS_NAMESPACE, "involvedObject", "apiVersion", api.buf,
		       "kind", res->kind, "name", obj_name, "uid",
		       json_string_value(json_object_get(meta, "uid")), "resourceVersion",
		       json_string_value(json_object_get(meta, "resourceVersion")), "reason",
		       reason, "message", message, utf8_cut(message, MAX_MESSAGE), "type",
		       type == KUBE_EVENT_WARNING ? "Warning" : "Normal", "source", "component",
		       component, "host", host, "firstTimestamp", now, "lastTimestamp", now,
		       "count", 1, "reportingComponent", component, "reportingInstance", host);
	if (!ev)
		return -EINVAL;
	r = kube_create(c, &kube_events, KUBE_EVENTS_NAMESPACE, ev, NULL, err);
	json_decref(ev);
	return r;
}
