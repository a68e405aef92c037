// SPDX-License-Identifier: GPL-2.0-only
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kube/client.h"
#include "kube/request.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/version.h"
#include "util/xalloc.h"
#include "util/banned.h"

const struct kube_resource kube_meshstorvolumes = { "csi.meshstor.io", "v1alpha1",
						    "meshstorvolumes", "MeshStorVolume", false };
const struct kube_resource kube_meshstornodedevices = { "csi.meshstor.io", "v1alpha1",
							"meshstornodedevices", "MeshStorNodeDevice",
							false };
const struct kube_resource kube_meshstornodes = { "csi.meshstor.io", "v1alpha1", "meshstornodes",
						  "MeshStorNode", false };
const struct kube_resource kube_events = { "", "v1", "events", "Event", true };
const struct kube_resource kube_nodes = { "", "v1", "nodes", "Node", false };
const struct kube_resource kube_leases = { "coordination.k8s.io", "v1", "leases", "Lease", true };
const struct kube_resource kube_persistentvolumes = { "", "v1", "persistentvolumes",
						      "PersistentVolume", false };
const struct kube_resource kube_persistentvolumeclaims = { "", "v1", "persistentvolumeclaims",
							   "PersistentVolumeClaim", true };

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *userdata)
{
	struct kube_client *c = userdata;

	pthread_mutex_lock(&c->share_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *userdata)
{
	struct kube_client *c = userdata;

	pthread_mutex_unlock(&c->share_locks[data]);
}

int kube_client_new(struct kube_config *cfg, unsigned timeout_ms, struct kube_client **ret)
{
	struct kube_client *c = xzalloc(sizeof(*c));
	struct strbuf ua = STRBUF_INIT;

	pthread_once(&curl_once, curl_init_once);
	c->cfg = cfg;
	c->timeout_ms = timeout_ms;
	pthread_mutex_init(&c->token_lock, NULL);
	for (size_t i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&c->share_locks[i], NULL);
	c->share = curl_share_init();
	if (!c->share) {
		kube_client_free(c);
		return -ENOMEM;
	}
	curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(c->share, CURLSHOPT_USERDATA, c);
	/*
	 * TLS sessions and DNS answers only, never the connection cache
	 * (CURL_LOCK_DATA_CONNECT): libcurl does not support a shared connection
	 * cache between concurrent threads (its documented known bug), and the
	 * agent's informers, heartbeat, leg watch, reconcile loop and CSI workers
	 * are all concurrent. A connection handed from one thread to another can
	 * be freed under the first: a segfault, which leaves nothing in the log.
	 * A new connection resumes the shared TLS session, so it stays cheap.
	 */
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	strbuf_addf(&ua, "meshstor/%s", MESHSTOR_VERSION);
	c->user_agent = strbuf_detach(&ua);
	*ret = c;
	return 0;
}

void kube_client_free(struct kube_client *c)
{
	if (!c)
		return;
	if (c->share)
		curl_share_cleanup(c->share);
	for (size_t i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&c->share_locks[i]);
	pthread_mutex_destroy(&c->token_lock);
	kube_config_free(c->cfg);
	free(c->token);
	free(c->user_agent);
	free(c);
}

uint64_t kube_client_requests(struct kube_client *c)
{
	return atomic_load(&c->requests);
}

static int read_token(const char *path, char **ret)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	struct strbuf sb = STRBUF_INIT;
	char buf[1024];
	size_t n;

	if (!f)
		return -errno;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0 && sb.len < 64 * 1024)
		strbuf_add(&sb, buf, n);
	while (sb.len && (sb.buf[sb.len - 1] == '\n' || sb.buf[sb.len - 1] == ' ' ||
			  sb.buf[sb.len - 1] == '\r'))
		sb.buf[--sb.len] = '\0';
	*ret = strbuf_detach(&sb);
	return 0;
}

/*
 * Service-account tokens rotate: the kubelet swaps the file (a symlink) for a
 * new one. Re-read it whenever what stat() sees changes.
 */
int kube_current_token(struct kube_client *c, char **ret)
{
	const char *file = c->cfg->token_file;
	struct stat st;
	int r = 0;

	*ret = NULL;
	if (c->cfg->token) {
		*ret = xstrdup(c->cfg->token);
		return 0;
	}
	if (!file)
		return 0;
	pthread_mutex_lock(&c->token_lock);
	if (stat(file, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!c->token || st.st_ino != c->token_st.st_ino || st.st_size != c->token_st.st_size ||
	    st.st_mtim.tv_sec != c->token_st.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != c->token_st.st_mtim.tv_nsec) {
		char *token = NULL;

		r = read_token(file, &token);
		if (r < 0)
			goto out;
		free(c->token);
		c->token = token;
		c->token_st = st;
		log_debug("Read API token from %s", file);
	}
	*ret = xstrdup(c->token);
out:
	pthread_mutex_unlock(&c->token_lock);
	return r;
}

void kube_client_write_metrics(struct kube_client *c, struct strbuf *out)
{
	metrics_family(out, "meshstor_kube_requests_total", "counter",
		       "Requests to the Kubernetes API server (watches aside), by verb and HTTP "
		       "status; code \"none\": no answer.");
	for (size_t verb = 0; verb < KUBE_VERBS; verb++)
		for (size_t i = 0; i < KUBE_STATUSES; i++) {
			_cleanup_strbuf_ struct strbuf labels = STRBUF_INIT, code = STRBUF_INIT;
			uint64_t n = atomic_load(&c->answers[verb][i]);

			if (!n)
				continue;
			if (i == KUBE_STATUSES - 1)
				strbuf_adds(&code, "none");
			else
				strbuf_addf(&code, "%zu", 100 + i);
			metrics_label(&labels, "verb", kube_verbs[verb]);
			metrics_label(&labels, "code", code.buf);
			metrics_sample(out, "meshstor_kube_requests_total", labels.buf, (double)n);
		}
}

int kube_client_connect(const char *kubeconfig, struct kube_client **ret)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	struct kube_config *cfg = NULL;
	int r = kube_config_load(kubeconfig, NULL, &cfg, &err);

	if (r < 0)
		return log_error_errno(r, "Cannot reach the Kubernetes API: %s", err.buf);
	r = kube_client_new(cfg, 10000, ret);
	if (r < 0)
		return log_error_errno(r, "Cannot make a Kubernetes client: %m");
	return 0;
}
