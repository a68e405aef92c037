/* SPDX-License-Identifier: GPL-2.0-only */
/* Private to src/kube/: the client's state and the HTTP exchange under every call. */
#pragma once

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>

#include "kube/client.h"
#include "util/strbuf.h"

/* The verbs kube_request() counts (kube_verbs[]); any other is counted as the last. */
#define KUBE_VERBS 6
extern const char *const kube_verbs[KUBE_VERBS];
/* HTTP statuses 100-599, and the last slot: no answer (a transport error). */
#define KUBE_STATUSES 501

struct kube_client {
	struct kube_config *cfg;
	unsigned timeout_ms;
	char *user_agent;
	CURLSH *share;
	pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
	pthread_mutex_t token_lock;
	char *token;	      /* token_file's content when last read */
	struct stat token_st; /* token_file as it was then */
	atomic_uint_fast64_t requests;
	/* kube_request()'s answers, per verb and HTTP status (kube_client_write_metrics()) */
	atomic_uint_fast64_t answers[KUBE_VERBS][KUBE_STATUSES];
};

/* A response larger than this is refused (-E2BIG) rather than buffered. */
#define KUBE_MAX_BODY (256u << 20)

int kube_current_token(struct kube_client *c, char **ret);

/* "/apis/<group>/<version>[/namespaces/<ns>]/<plural>[/<name>[/<sub>]]", escaped. */
void kube_path(struct strbuf *sb, const struct kube_resource *res, const char *ns, const char *name,
	       const char *sub);
/* Appends "<sep><key>=<escaped value>". */
void kube_query(struct strbuf *sb, char sep, const char *key, const char *value);

/*
 * A new easy handle for method on path (below the server URL), with TLS,
 * credentials and the shared caches set; headers are returned for the caller
 * to add to and free.
 */
int kube_easy_new(struct kube_client *c, const char *method, const char *path,
		  struct curl_slist **headers, CURL **ret);
int kube_errno_from_curl(CURLcode code, const char *method, const char *path, struct strbuf *err);
int kube_errno_from_http(long status, const char *body, size_t len, const char *method,
			 const char *path, struct strbuf *err);

/* One request; on success *ret is the parsed body (an empty body gives {}). */
int kube_request(struct kube_client *c, const char *method, const char *path,
		 const char *content_type, const json_t *body, json_t **ret, struct strbuf *err);
