/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/* A fixed pool of threads running queued items in FIFO order. */
struct workqueue_item {
	struct workqueue_item *next;
	void (*fn)(struct workqueue_item *item);
};

struct workqueue {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct workqueue_item *head, *tail;
	bool stopping;
	pthread_t *threads;
	size_t n_threads;
};

int workqueue_start(struct workqueue *q, size_t n_threads);
void workqueue_push(struct workqueue *q, struct workqueue_item *item);
/* Runs what is still queued, then joins the threads. */
void workqueue_stop(struct workqueue *q);
