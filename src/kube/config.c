// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kube/config.h"
#include "kube/yaml.h"
#include "util/base64.h"
#include "util/cleanup.h"
#include "util/xalloc.h"
#include "util/banned.h"

void kube_config_free(struct kube_config *c)
{
	if (!c)
		return;
	free(c->server);
	free(c->ca_file);
	free(c->ca_data);
	free(c->cert_file);
	free(c->cert_data);
	free(c->key_file);
	free(c->key_data);
	free(c->token);
	free(c->token_file);
	free(c);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct kube_config *, kube_config_free);

/* The entry of a kubeconfig list ("clusters", "users", ...) called name, or NULL. */
static json_t *named(json_t *doc, const char *list, const char *field, const char *name)
{
	json_t *entry;
	size_t i;

	json_array_foreach (json_object_get(doc, list), i, entry)
		if (json_is_string(json_object_get(entry, "name")) &&
		    strcmp(json_string_value(json_object_get(entry, "name")), name) == 0)
			return json_object_get(entry, field);
	return NULL;
}

static const char *str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* Relative paths in a kubeconfig are relative to the kubeconfig's directory. */
static char *resolve(const char *dir, const char *file)
{
	struct strbuf sb = STRBUF_INIT;

	if (file[0] != '/')
		strbuf_addf(&sb, "%s/", dir);
	strbuf_adds(&sb, file);
	return strbuf_detach(&sb);
}

/* Takes "<key>" (a file) or "<key>-data" (base64 PEM) from obj. */
static int credential(json_t *obj, const char *key, const char *dir, char **ret_file,
		      uint8_t **ret_data, size_t *ret_len, struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf data_key = STRBUF_INIT;
	const char *file = str(obj, key), *data;

	strbuf_addf(&data_key, "%s-data", key);
	data = str(obj, data_key.buf);
	if (data) {
		if (base64_decode(data, ret_data, ret_len) < 0) {
			strbuf_addf(err, "%s is not valid base64", data_key.buf);
			return -EINVAL;
		}
	} else if (file) {
		*ret_file = resolve(dir, file);
	}
	return 0;
}

static int from_doc(json_t *doc, const char *dir, struct kube_config *c, struct strbuf *err)
{
	const char *current = str(doc, "current-context");
	json_t *ctx, *cluster, *user;
	int r;

	ctx = current ? named(doc, "contexts", "context", current) : NULL;
	if (!ctx) {
		strbuf_addf(err, "current-context '%s' not found", current ? current : "(unset)");
		return -EINVAL;
	}
	cluster =
		str(ctx, "cluster") ? named(doc, "clusters", "cluster", str(ctx, "cluster")) : NULL;
	user = str(ctx, "user") ? named(doc, "users", "user", str(ctx, "user")) : NULL;
	if (!cluster || !str(cluster, "server")) {
		strbuf_addf(err, "context '%s' names no cluster with a server", current);
		return -EINVAL;
	}
	c->server = xstrdup(str(cluster, "server"));
	c->insecure = str(cluster, "insecure-skip-tls-verify") &&
		      strcmp(str(cluster, "insecure-skip-tls-verify"), "true") == 0;
	r = credential(cluster, "certificate-authority", dir, &c->ca_file, &c->ca_data, &c->ca_len,
		       err);
	if (r < 0 || !user)
		return r;
	r = credential(user, "client-certificate", dir, &c->cert_file, &c->cert_data, &c->cert_len,
		       err);
	if (r < 0)
		return r;
	r = credential(user, "client-key", dir, &c->key_file, &c->key_data, &c->key_len, err);
	if (r < 0)
		return r;
	if (str(user, "token"))
		c->token = xstrdup(str(user, "token"));
	else if (str(user, "tokenFile"))
		c->token_file = resolve(dir, str(user, "tokenFile"));
	return 0;
}

int kube_config_from_kubeconfig(const char *path, struct kube_config **ret, struct strbuf *err)
{
	_cleanup_(kube_config_freep) struct kube_config *c = xzalloc(sizeof(*c));
	_cleanup_(json_decrefp) json_t *doc = NULL;
	_cleanup_free_ char *copy = xstrdup(path);
	int r;

	r = yaml_load_file(path, &doc, err);
	if (r < 0)
		return r;
	r = from_doc(doc, dirname(copy), c, err);
	if (r < 0) {
		strbuf_addf(err, " (in %s)", path);
		return r;
	}
	*ret = TAKE_PTR(c);
	return 0;
}

int kube_config_in_cluster(const char *sa_dir, struct kube_config **ret, struct strbuf *err)
{
	_cleanup_(kube_config_freep) struct kube_config *c = xzalloc(sizeof(*c));
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	struct strbuf sb = STRBUF_INIT;

	if (!host || !host[0] || !port || !port[0]) {
		strbuf_adds(err, "not running in a cluster: KUBERNETES_SERVICE_HOST/PORT unset");
		return -ENOENT;
	}
	/* An IPv6 service address needs brackets in a URL. */
	strbuf_addf(&sb, strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s", host, port);
	c->server = strbuf_detach(&sb);
	strbuf_addf(&sb, "%s/ca.crt", sa_dir);
	c->ca_file = strbuf_detach(&sb);
	strbuf_addf(&sb, "%s/token", sa_dir);
	c->token_file = strbuf_detach(&sb);
	if (access(c->token_file, R_OK) < 0) {
		int r = -errno;

		strbuf_addf(err, "in-cluster service-account token %s: %s", c->token_file,
			    strerror(-r));
		return r;
	}
	*ret = TAKE_PTR(c);
	return 0;
}

int kube_config_load(const char *path, const char *sa_dir, struct kube_config **ret,
		     struct strbuf *err)
{
	_cleanup_free_ char *home_config = NULL, *first = NULL;
	const char *home = getenv("HOME"), *env = getenv("KUBECONFIG");

	/* kubectl merges the files of a list; we read the first. */
	if ((!path || !path[0]) && env) {
		xasprintf(&first, "%.*s", (int)strcspn(env, ":"), env);
		path = first;
	}
	if (path && path[0])
		return kube_config_from_kubeconfig(path, ret, err);
	if (getenv("KUBERNETES_SERVICE_HOST"))
		return kube_config_in_cluster(sa_dir ? sa_dir : KUBE_SA_DIR, ret, err);
	if (home) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "%s/.kube/config", home);
		home_config = strbuf_detach(&sb);
		if (access(home_config, R_OK) == 0)
			return kube_config_from_kubeconfig(home_config, ret, err);
	}
	strbuf_adds(err, "no Kubernetes configuration: pass --kubeconfig, set KUBECONFIG, "
			 "or run in a pod with a service account");
	return -ENOENT;
}
