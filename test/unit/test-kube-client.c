// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Kubernetes client's connections, against a loopback HTTP server that
 * counts them: a connection opened by one thread is never handed to another.
 * libcurl does not support a connection cache shared between concurrent
 * threads; the agent's threads did share one, and a transfer could then free
 * a connection another thread was still using (a silent segfault).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "kube/client.h"
#include "kube/config.h"
#include "util/cleanup.h"
#include "util/strbuf.h"
#include "util/banned.h"

#define MAX_CONNS 16

static const char answer[] = "HTTP/1.1 200 OK\r\n"
			     "Content-Type: application/json\r\n"
			     "Content-Length: 2\r\n"
			     "\r\n"
			     "{}";

/* Answers every request with 200 and "{}", keeping each connection open (keep-alive). */
struct server {
	int listen_fd;
	int stop[2];
	uint16_t port;
	atomic_int accepted;
	pthread_t thread;
};

/* Answers each complete request in buf (a GET has no body); keeps what is left. */
static int answer_requests(int fd, struct strbuf *buf)
{
	char *end;

	while ((end = strstr(buf->buf, "\r\n\r\n"))) {
		size_t used = (size_t)(end - buf->buf) + 4;

		if (write(fd, answer, sizeof(answer) - 1) != (ssize_t)(sizeof(answer) - 1))
			return -EIO;
		memmove(buf->buf, buf->buf + used, buf->len - used + 1);
		buf->len -= used;
	}
	return 0;
}

static void *serve(void *userdata)
{
	struct server *s = userdata;
	int fds[MAX_CONNS];
	struct strbuf bufs[MAX_CONNS];
	size_t n = 0;

	for (;;) {
		struct pollfd p[2 + MAX_CONNS] = { { .fd = s->stop[0], .events = POLLIN },
						   { .fd = s->listen_fd, .events = POLLIN } };

		for (size_t i = 0; i < n; i++)
			p[2 + i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		if (poll(p, 2 + n, -1) < 0)
			continue;
		if (p[0].revents)
			break;
		if ((p[1].revents & POLLIN) && n < MAX_CONNS) {
			int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0) {
				atomic_fetch_add(&s->accepted, 1);
				fds[n] = fd;
				strbuf_init(&bufs[n++]);
			}
		}
		for (size_t i = 0; i < n; i++) {
			char chunk[4096];
			ssize_t got;

			if (!p[2 + i].revents)
				continue;
			got = read(fds[i], chunk, sizeof(chunk));
			if (got > 0) {
				strbuf_add(&bufs[i], chunk, (size_t)got);
				if (answer_requests(fds[i], &bufs[i]) == 0)
					continue;
			}
			/* Closed by the client (or broken): forget it. */
			close(fds[i]);
			strbuf_done(&bufs[i]);
			fds[i] = fds[--n];
			bufs[i] = bufs[n];
			p[2 + i] = p[2 + n];
			i--;
		}
	}
	for (size_t i = 0; i < n; i++) {
		close(fds[i]);
		strbuf_done(&bufs[i]);
	}
	return NULL;
}

static void server_start(struct server *s)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);

	memset(s, 0, sizeof(*s));
	s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s->listen_fd >= 0);
	assert_int_equal(bind(s->listen_fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->listen_fd, 16), 0);
	assert_int_equal(getsockname(s->listen_fd, (struct sockaddr *)&a, &len), 0);
	s->port = ntohs(a.sin_port);
	assert_int_equal(pipe2(s->stop, O_CLOEXEC), 0);
	assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void server_stop(struct server *s)
{
	assert_int_equal(write(s->stop[1], "x", 1), 1);
	pthread_join(s->thread, NULL);
	close(s->stop[0]);
	close(s->stop[1]);
	close(s->listen_fd);
}

/* A client of the server at port, with a token (no TLS: connections are what is counted). */
static struct kube_client *client_new(uint16_t port)
{
	char path[] = "/tmp/test-kube-client-XXXXXX";
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	struct kube_config *cfg;
	struct kube_client *c;
	FILE *f;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f,
		"apiVersion: v1\nkind: Config\n"
		"clusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:%u\n"
		"users:\n- name: u\n  user:\n    token: t\n"
		"contexts:\n- name: x\n  context: {cluster: c, user: u}\n"
		"current-context: x\n",
		port);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(kube_config_load(path, NULL, &cfg, &err), 0);
	unlink(path);
	assert_int_equal(kube_client_new(cfg, 5000, &c), 0);
	return c;
}

struct request {
	struct kube_client *c;
	int result;
};

static void *get_once(void *userdata)
{
	struct request *rq = userdata;
	json_t *obj = NULL;

	rq->result = kube_get(rq->c, &kube_nodes, NULL, "node1", &obj, NULL);
	json_decref(obj);
	return NULL;
}

/* One request on a thread of its own, which has ended when this returns. */
static int get_on_new_thread(struct kube_client *c)
{
	struct request rq = { .c = c, .result = -EINTR };
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, get_once, &rq), 0);
	pthread_join(t, NULL);
	return rq.result;
}

/* What is read off any object's metadata and a core Node's status. */
static void test_object_fields(void **state)
{
	json_t *node = json_loads(
		"{\"metadata\": {\"name\": \"n1\", \"labels\": {\"zone\": \"z1\", \"empty\": \"\"},"
		" \"annotations\": {\"addr\": \"10.0.0.9\", \"num\": 5}},"
		" \"status\": {\"addresses\": [{\"type\": \"Hostname\", \"address\": \"n1\"},"
		" {\"type\": \"InternalIP\", \"address\": \"\"},"
		" {\"type\": \"InternalIP\", \"address\": \"10.0.0.1\"},"
		" {\"type\": \"InternalIP\", \"address\": \"10.0.0.2\"}]}}",
		0, NULL);

	assert_non_null(node);
	assert_string_equal(kube_obj_label(node, "zone"), "z1");
	assert_null(kube_obj_label(node, "empty"));
	assert_null(kube_obj_label(node, "rack"));
	assert_string_equal(kube_obj_annotation(node, "addr"), "10.0.0.9");
	assert_null(kube_obj_annotation(node, "num"));
	assert_null(kube_obj_annotation(node, "zone"));
	assert_false(kube_obj_deleting(node));
	/* The first InternalIP that names an address. */
	assert_string_equal(kube_node_internal_ip(node), "10.0.0.1");
	json_object_set_new(json_object_get(node, "metadata"), "deletionTimestamp",
			    json_string("2026-12-07T00:00:00Z"));
	assert_true(kube_obj_deleting(node));
	json_object_del(node, "status");
	assert_null(kube_node_internal_ip(node));
	json_decref(node);
	/* Nothing there at all. */
	assert_null(kube_obj_label(NULL, "zone"));
	assert_null(kube_node_internal_ip(NULL));
	assert_false(kube_obj_deleting(NULL));
}

static void test_no_connection_crosses_threads(void **state)
{
	struct server s;
	struct kube_client *c;

	server_start(&s);
	c = client_new(s.port);

	/* The first thread's connection stays open at the server (keep-alive)... */
	assert_int_equal(get_on_new_thread(c), 0);
	assert_int_equal(atomic_load(&s.accepted), 1);
	/* ...and the second thread does not pick it up: a connection of its own. */
	assert_int_equal(get_on_new_thread(c), 0);
	assert_int_equal(atomic_load(&s.accepted), 2);

	kube_client_free(c);
	server_stop(&s);
}

/* Many threads at once, as the agent's (under ASan, where a use-after-free would show). */
#define N_THREADS 8
#define N_REQUESTS 20

static void *get_many(void *userdata)
{
	struct request *rq = userdata;

	for (int i = 0; i < N_REQUESTS && rq->result == 0; i++)
		get_once(rq);
	return NULL;
}

static void test_concurrent_requests(void **state)
{
	struct request rq[N_THREADS];
	pthread_t t[N_THREADS];
	struct server s;
	struct kube_client *c;

	server_start(&s);
	c = client_new(s.port);
	for (int i = 0; i < N_THREADS; i++) {
		rq[i] = (struct request){ .c = c, .result = 0 };
		assert_int_equal(pthread_create(&t[i], NULL, get_many, &rq[i]), 0);
	}
	for (int i = 0; i < N_THREADS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(rq[i].result, 0);
	}
	kube_client_free(c);
	server_stop(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_object_fields),
		cmocka_unit_test(test_no_connection_crosses_threads),
		cmocka_unit_test(test_concurrent_requests),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
