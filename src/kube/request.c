// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kube/request.h"
#include "util/cleanup.h"
#include "util/xalloc.h"
#include "util/banned.h"

static void add_escaped(struct strbuf *sb, const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);

	if (!e)
		abort();
	strbuf_adds(sb, e);
	curl_free(e);
}

void kube_path(struct strbuf *sb, const struct kube_resource *res, const char *ns, const char *name,
	       const char *sub)
{
	if (res->group[0])
		strbuf_addf(sb, "/apis/%s/%s", res->group, res->version);
	else
		strbuf_addf(sb, "/api/%s", res->version);
	if (res->namespaced && ns) {
		strbuf_adds(sb, "/namespaces/");
		add_escaped(sb, ns);
	}
	strbuf_addf(sb, "/%s", res->plural);
	if (name) {
		/* Escaped, so a hostile name ("../nodes") stays one path segment. */
		strbuf_addch(sb, '/');
		add_escaped(sb, name);
		if (sub)
			strbuf_addf(sb, "/%s", sub);
	}
}

void kube_query(struct strbuf *sb, char sep, const char *key, const char *value)
{
	strbuf_addf(sb, "%c%s=", sep, key);
	add_escaped(sb, value);
}

/* curl copies the blob (CURL_BLOB_COPY), so a stack struct is fine. */
static void set_blob(CURL *h, CURLoption opt, uint8_t *data, size_t len)
{
	struct curl_blob blob = { .data = data, .len = len, .flags = CURL_BLOB_COPY };

	curl_easy_setopt(h, opt, &blob);
}

int kube_easy_new(struct kube_client *c, const char *method, const char *path,
		  struct curl_slist **headers, CURL **ret)
{
	const struct kube_config *cfg = c->cfg;
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	_cleanup_free_ char *token = NULL;
	CURL *h;
	int r;

	r = kube_current_token(c, &token);
	if (r < 0)
		return r;
	h = curl_easy_init();
	if (!h)
		return -ENOMEM;
	strbuf_addf(&sb, "%s%s", cfg->server, path);
	curl_easy_setopt(h, CURLOPT_URL, sb.buf);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_SHARE, c->share);
	/* Threads: no SIGALRM-based DNS timeouts. */
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	if (cfg->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, cfg->ca_file);
	if (cfg->ca_data)
		set_blob(h, CURLOPT_CAINFO_BLOB, cfg->ca_data, cfg->ca_len);
	if (cfg->cert_file)
		curl_easy_setopt(h, CURLOPT_SSLCERT, cfg->cert_file);
	if (cfg->cert_data)
		set_blob(h, CURLOPT_SSLCERT_BLOB, cfg->cert_data, cfg->cert_len);
	if (cfg->key_file)
		curl_easy_setopt(h, CURLOPT_SSLKEY, cfg->key_file);
	if (cfg->key_data)
		set_blob(h, CURLOPT_SSLKEY_BLOB, cfg->key_data, cfg->key_len);
	if (cfg->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	*headers = curl_slist_append(NULL, "Accept: application/json");
	if (token) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "Authorization: Bearer %s", token);
		*headers = curl_slist_append(*headers, sb.buf);
	}
	atomic_fetch_add(&c->requests, 1);
	*ret = h;
	return 0;
}

int kube_errno_from_curl(CURLcode code, const char *method, const char *path, struct strbuf *err)
{
	int r;

	switch (code) {
	case CURLE_OPERATION_TIMEDOUT:
		r = -ETIMEDOUT;
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		r = -EAGAIN;
		break;
	case CURLE_WRITE_ERROR:
		r = -E2BIG;
		break;
	case CURLE_ABORTED_BY_CALLBACK:
		r = -ECANCELED;
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
		r = -EPROTO;
		break;
	default:
		r = -EIO;
	}
	if (err)
		strbuf_addf(err, "%s %s: %s%s", method, path, curl_easy_strerror(code),
			    r == -EPROTO ? " (check the cluster CA and client certificate)" : "");
	return r;
}

static int errno_from_status(long status, const char *reason)
{
	switch (status) {
	case 404:
		return -ENOENT;
	case 409:
		return reason && strcmp(reason, "AlreadyExists") == 0 ? -EEXIST : -ESTALE;
	case 410:
		return -ESTALE;
	case 401:
	case 403:
		return -EACCES;
	case 400:
	case 422:
		return -EINVAL;
	case 413:
		return -E2BIG;
	case 429:
		return -EAGAIN;
	}
	return status >= 500 ? -EAGAIN : -EPROTO;
}

int kube_errno_from_http(long status, const char *body, size_t len, const char *method,
			 const char *path, struct strbuf *err)
{
	json_t *st = len ? json_loadb(body, len, 0, NULL) : NULL;
	const char *message = json_string_value(json_object_get(st, "message"));
	int r = errno_from_status(status, json_string_value(json_object_get(st, "reason")));

	if (err) {
		strbuf_addf(err, "%s %s: HTTP %ld", method, path, status);
		if (message)
			strbuf_addf(err, ": %s", message);
		if (status == 401)
			strbuf_adds(err, " (credentials not accepted: check the kubeconfig or the "
					 "service-account token)");
		else if (status == 403)
			strbuf_adds(err, " (this role lacks the permission named above: see "
					 "deploy/rbac-*.yaml)");
	}
	json_decref(st);
	return r;
}

static size_t collect(char *ptr, size_t size, size_t n, void *userdata)
{
	struct strbuf *sb = userdata;
	size_t len = size * n;

	if (sb->len + len > KUBE_MAX_BODY)
		return 0; /* CURLE_WRITE_ERROR, reported as -E2BIG */
	strbuf_add(sb, ptr, len);
	return len;
}

const char *const kube_verbs[KUBE_VERBS] = { "GET", "POST", "PUT", "PATCH", "DELETE", "other" };

static void count_answer(struct kube_client *c, const char *method, CURLcode code, long status)
{
	size_t verb = 0;

	while (verb < KUBE_VERBS - 1 && strcmp(kube_verbs[verb], method) != 0)
		verb++;
	if (code != CURLE_OK || status < 100 || status > 599)
		status = 100 + KUBE_STATUSES - 1;
	atomic_fetch_add(&c->answers[verb][status - 100], 1);
}

int kube_request(struct kube_client *c, const char *method, const char *path,
		 const char *content_type, const json_t *body, json_t **ret, struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf resp = STRBUF_INIT;
	_cleanup_strbuf_ struct strbuf ct = STRBUF_INIT;
	_cleanup_free_ char *text = NULL;
	struct curl_slist *headers = NULL;
	json_t *parsed;
	CURLcode code;
	long status = 0;
	CURL *h;
	int r;

	r = kube_easy_new(c, method, path, &headers, &h);
	if (r < 0) {
		if (err)
			strbuf_addf(err, "%s %s: cannot read the API token: %s", method, path,
				    strerror(-r));
		return r;
	}
	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		if (!text)
			abort();
		strbuf_addf(&ct, "Content-Type: %s", content_type);
		headers = curl_slist_append(headers, ct.buf);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, text);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(text));
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
	code = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	count_answer(c, method, code, status);
	curl_easy_cleanup(h);
	curl_slist_free_all(headers);

	if (code != CURLE_OK)
		return kube_errno_from_curl(code, method, path, err);
	if (status < 200 || status > 299)
		return kube_errno_from_http(status, resp.buf, resp.len, method, path, err);
	parsed = resp.len ? json_loadb(resp.buf, resp.len, 0, NULL) : json_object();
	if (!parsed) {
		if (err)
			strbuf_addf(err, "%s %s: the API server's answer is not JSON", method,
				    path);
		return -EPROTO;
	}
	if (ret)
		*ret = parsed;
	else
		json_decref(parsed);
	return 0;
}
