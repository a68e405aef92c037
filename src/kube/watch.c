// SPDX-License-Identifier: GPL-2.0-only
/*
 * A watch is a long GET whose body is a stream of JSON events, one per line
 * ({"type": ..., "object": ...}). Lines are cut out of curl's chunks as they
 * arrive and handed on one by one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kube/request.h"
#include "util/cleanup.h"
#include "util/banned.h"

/* No single object we watch comes near this; a line that does is an error. */
#define MAX_EVENT (16u << 20)

struct watch {
	CURL *h;
	kube_watch_fn on_event;
	void *userdata;
	atomic_bool *stop;
	struct strbuf line;
	struct strbuf error_body;
	int result; /* first failure seen inside a callback */
};

static int handle_line(struct watch *w, const char *line, size_t len)
{
	json_t *ev = json_loadb(line, len, 0, NULL);
	const char *type = json_string_value(json_object_get(ev, "type"));
	json_t *obj = json_object_get(ev, "object");
	int r;

	if (!type || !json_is_object(obj)) {
		r = -EPROTO;
	} else if (strcmp(type, "ERROR") == 0) {
		/* A Status object; 410 means our resourceVersion has been compacted away. */
		r = json_integer_value(json_object_get(obj, "code")) == 410 ? -ESTALE : -EPROTO;
	} else {
		r = w->on_event(type, obj, w->userdata);
	}
	json_decref(ev);
	return r;
}

static size_t on_data(char *ptr, size_t size, size_t n, void *userdata)
{
	struct watch *w = userdata;
	size_t len = size * n, start = 0;
	long status = 0;

	curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		if (w->error_body.len < 64 * 1024)
			strbuf_add(&w->error_body, ptr, len);
		return len;
	}
	for (size_t i = 0; i < len; i++) {
		if (ptr[i] != '\n')
			continue;
		strbuf_add(&w->line, ptr + start, i - start);
		start = i + 1;
		if (w->line.len) {
			int r = handle_line(w, w->line.buf, w->line.len);

			strbuf_reset(&w->line);
			if (r < 0) {
				w->result = r;
				return 0;
			}
		}
	}
	strbuf_add(&w->line, ptr + start, len - start);
	if (w->line.len > MAX_EVENT) {
		w->result = -E2BIG;
		return 0;
	}
	return len;
}

/* curl calls this about once a second even on an idle stream: the stop check. */
static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct watch *w = userdata;

	return w->stop && atomic_load(w->stop) ? 1 : 0;
}

int kube_watch(struct kube_client *c, const struct kube_resource *res, const char *ns,
	       const char *resource_version, unsigned timeout_s, kube_watch_fn on_event,
	       void *userdata, atomic_bool *stop, struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf path = STRBUF_INIT;
	struct watch w = {
		.on_event = on_event,
		.userdata = userdata,
		.stop = stop,
		.line = STRBUF_INIT,
		.error_body = STRBUF_INIT,
	};
	struct curl_slist *headers = NULL;
	CURLcode code;
	long status = 0;
	int r;

	kube_path(&path, res, ns, NULL, NULL);
	strbuf_addf(&path, "?watch=1&allowWatchBookmarks=true&timeoutSeconds=%u", timeout_s);
	if (resource_version && resource_version[0])
		kube_query(&path, '&', "resourceVersion", resource_version);
	r = kube_easy_new(c, "GET", path.buf, &headers, &w.h);
	if (r < 0)
		return r;
	curl_easy_setopt(w.h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(w.h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(w.h, CURLOPT_WRITEDATA, &w);
	curl_easy_setopt(w.h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(w.h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(w.h, CURLOPT_XFERINFODATA, &w);
	/* The server ends the stream after timeout_s; a dead peer must not hold us longer. */
	curl_easy_setopt(w.h, CURLOPT_TIMEOUT_MS, (long)(timeout_s + 30) * 1000);
	code = curl_easy_perform(w.h);
	curl_easy_getinfo(w.h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(w.h);
	curl_slist_free_all(headers);

	if (w.result < 0)
		r = w.result;
	else if (code != CURLE_OK)
		r = kube_errno_from_curl(code, "WATCH", path.buf, err);
	else if (status != 200)
		r = kube_errno_from_http(status, w.error_body.buf, w.error_body.len, "WATCH",
					 path.buf, err);
	else
		r = 0;
	if (r == -ESTALE && err && w.result == -ESTALE)
		strbuf_addf(err, "WATCH %s: resourceVersion %s is too old", res->plural,
			    resource_version ? resource_version : "");
	strbuf_done(&w.line);
	strbuf_done(&w.error_body);
	return r;
}
