// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>

#include "util/workqueue.h"
#include "util/xalloc.h"
#include "util/banned.h"

static void *worker(void *arg)
{
	struct workqueue *q = arg;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		struct workqueue_item *item;

		while (!q->head && !q->stopping)
			pthread_cond_wait(&q->wake, &q->lock);
		item = q->head;
		if (!item)
			break;
		q->head = item->next;
		if (!q->head)
			q->tail = NULL;
		pthread_mutex_unlock(&q->lock);
		item->fn(item);
		pthread_mutex_lock(&q->lock);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

int workqueue_start(struct workqueue *q, size_t n_threads)
{
	*q = (struct workqueue){
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.wake = PTHREAD_COND_INITIALIZER,
		.threads = xcalloc(n_threads, sizeof(pthread_t)),
	};
	for (; q->n_threads < n_threads; q->n_threads++) {
		int r = pthread_create(&q->threads[q->n_threads], NULL, worker, q);

		if (r) {
			workqueue_stop(q);
			return -r;
		}
	}
	return 0;
}

void workqueue_push(struct workqueue *q, struct workqueue_item *item)
{
	item->next = NULL;
	pthread_mutex_lock(&q->lock);
	if (q->tail)
		q->tail->next = item;
	else
		q->head = item;
	q->tail = item;
	pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->lock);
}

void workqueue_stop(struct workqueue *q)
{
	pthread_mutex_lock(&q->lock);
	q->stopping = true;
	pthread_cond_broadcast(&q->wake);
	pthread_mutex_unlock(&q->lock);
	for (size_t i = 0; i < q->n_threads; i++)
		pthread_join(q->threads[i], NULL);
	free(q->threads);
	q->threads = NULL;
	q->n_threads = 0;
}
