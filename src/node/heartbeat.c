// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kube/lease.h"
#include "node/heartbeat.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "util/banned.h"

struct heartbeat {
	struct kube_client *client;
	char *node;
	json_t *lease;		       /* as the API server last returned it; NULL: read it first */
	bool failing;		       /* the last renewal failed (said once) */
	atomic_int_fast64_t renewed_s; /* Unix seconds of the last renewal; 0: none yet */

	pthread_t thread;
	pthread_mutex_t lock; /* stop */
	pthread_cond_t cond;
	bool stop;
};

static int64_t wall_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * (int64_t)USEC_PER_SEC + ts.tv_nsec / 1000;
}

/*
 * One renewal: a PUT under the resourceVersion last written, as the kubelet
 * renews its own. After a conflict or an error the Lease is read again first.
 */
static int renew(struct heartbeat *h, struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf name = STRBUF_INIT;
	json_t *written = NULL, *lease;
	bool create;
	int r;

	if (!h->lease) {
		kube_lease_name(h->node, &name);
		r = kube_get(h->client, &kube_leases, KUBE_LEASE_NAMESPACE, name.buf, &h->lease,
			     err);
		if (r < 0 && r != -ENOENT)
			return r;
		strbuf_reset(err);
	}
	create = !h->lease;
	lease = kube_node_lease_renew(h->lease, h->node, HEARTBEAT_LEASE_DURATION_S, wall_usec());
	if (!lease)
		return -ENOMEM;
	if (create)
		r = kube_create(h->client, &kube_leases, KUBE_LEASE_NAMESPACE, lease, &written,
				err);
	else
		r = kube_update(h->client, &kube_leases, KUBE_LEASE_NAMESPACE, lease, NULL,
				&written, err);
	if (r == -ENOENT && !create)
		r = -ESTALE; /* deleted meanwhile: read (and create) it again */
	json_decref(lease);
	h->lease = r < 0 ? NULL : written;
	return r;
}

/* Waits s seconds, or until stopped; false once stopped. */
static bool sleep_s(struct heartbeat *h, unsigned s)
{
	struct timespec until = realtime_after_ms(s * MSEC_PER_SEC);
	bool stop;

	pthread_mutex_lock(&h->lock);
	while (!h->stop && pthread_cond_timedwait(&h->cond, &h->lock, &until) != ETIMEDOUT)
		;
	stop = h->stop;
	pthread_mutex_unlock(&h->lock);
	return !stop;
}

static void *run(void *arg)
{
	struct heartbeat *h = arg;
	unsigned retry_s = 1, wait_s;

	do {
		_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
		int r = renew(h, &err);

		if (r >= 0) {
			atomic_store(&h->renewed_s, (int64_t)time(NULL));
			if (h->failing)
				log_info("Lease renewed again: the controller sees it alive");
			h->failing = false;
			retry_s = 1;
			wait_s = HEARTBEAT_RENEW_S;
			continue;
		}
		/* Another writer came between (or deleted it): read it again, a second later. */
		if (r == -ESTALE && !h->failing) {
			log_debug("Lease changed by another writer: %s; reading it again", err.buf);
			wait_s = 1;
			continue;
		}
		/* Said once: it would repeat every few seconds until the API answers. */
		if (!h->failing)
			log_warning_errno(r,
					  "Cannot renew this node's Lease in namespace %s: %s; "
					  "once it expires the controller counts the agent dead",
					  KUBE_LEASE_NAMESPACE, err.len ? err.buf : strerror(-r));
		h->failing = true;
		/* Soon, but backing off up to a period (a conflict costs a second). */
		wait_s = retry_s;
		retry_s = MIN(retry_s * 2, HEARTBEAT_RENEW_S);
	} while (sleep_s(h, wait_s));
	return NULL;
}

int heartbeat_start(struct kube_client *c, const char *node, struct heartbeat **ret)
{
	struct heartbeat *h = xzalloc(sizeof(*h));
	int r;

	h->client = c;
	h->node = xstrdup(node);
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	r = -pthread_create(&h->thread, NULL, run, h);
	if (r < 0) {
		pthread_mutex_destroy(&h->lock);
		pthread_cond_destroy(&h->cond);
		free(h->node);
		free(h);
		return r;
	}
	*ret = h;
	return 0;
}

void heartbeat_stop(struct heartbeat *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	h->stop = true;
	pthread_cond_signal(&h->cond);
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->thread, NULL);
	json_decref(h->lease);
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->cond);
	free(h->node);
	free(h);
}

int64_t heartbeat_renewed_s(struct heartbeat *h)
{
	return h ? atomic_load(&h->renewed_s) : 0;
}
