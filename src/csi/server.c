// SPDX-License-Identifier: GPL-2.0-only
/*
 * The gRPC transport, on gRPC's C core. One thread waits on the completion
 * queue and moves each call through three stages (requested, message received,
 * reply sent); Identity calls are answered right there, everything else is
 * handed to a worker pool so slow node operations never hold up a Probe.
 */
#include <errno.h>
#include <fcntl.h>
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/log.h>
#include <grpc/support/time.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "csi/endpoint.h"
#include "csi/server.h"
#include "csi/status.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "util/clock.h"
#include "util/workqueue.h"
#include "util/xalloc.h"
#include "util/banned.h"

enum rpc_stage {
	RPC_REQUESTED,
	RPC_RECEIVED,
	RPC_SENT,
};

struct rpc {
	enum rpc_stage stage;
	struct csi_server *srv;
	grpc_call *call;
	grpc_call_details details;
	grpc_metadata_array metadata;
	grpc_byte_buffer *request;
	grpc_byte_buffer *response;
	grpc_status_code status;
	grpc_slice status_details;
	int cancelled;
	const struct csi_method *method;
	uint64_t start_usec;
	struct workqueue_item work;
};

struct csi_server {
	struct csi_service *service;
	char *socket_path;
	struct csi_socket_lock *socket_lock; /* held: the caller's, or own_lock */
	struct csi_socket_lock *own_lock;    /* taken here when the caller gave none */
	unsigned shutdown_timeout_s;
	bool grpc_initialised;
	grpc_completion_queue *cq;
	grpc_server *server;
	pthread_t cq_thread;
	bool cq_thread_started;
	struct workqueue workers;
	bool workers_started;
	sigset_t signals;

	pthread_mutex_t lock;
	pthread_cond_t changed;
	size_t live; /* struct rpc alive, including the pending request */
	bool shutting_down;
	bool shutdown_done; /* the server's shutdown tag has completed */
	char shutdown_tag;  /* its address is the tag */
};

static void server_update(struct csi_server *srv, ssize_t live_delta, bool shutdown_done)
{
	pthread_mutex_lock(&srv->lock);
	srv->live += live_delta;
	srv->shutdown_done |= shutdown_done;
	pthread_cond_broadcast(&srv->changed);
	pthread_mutex_unlock(&srv->lock);
}

static void rpc_free(struct rpc *rpc)
{
	struct csi_server *srv = rpc->srv;

	if (rpc->call)
		grpc_call_unref(rpc->call);
	grpc_call_details_destroy(&rpc->details);
	grpc_metadata_array_destroy(&rpc->metadata);
	if (rpc->request)
		grpc_byte_buffer_destroy(rpc->request);
	if (rpc->response)
		grpc_byte_buffer_destroy(rpc->response);
	grpc_slice_unref(rpc->status_details);
	free(rpc);
	server_update(srv, -1, false);
}

static void rpc_request(struct csi_server *srv)
{
	struct rpc *rpc = xzalloc(sizeof(*rpc));
	grpc_call_error err;

	rpc->srv = srv;
	rpc->stage = RPC_REQUESTED;
	rpc->status_details = grpc_empty_slice();
	grpc_call_details_init(&rpc->details);
	grpc_metadata_array_init(&rpc->metadata);
	server_update(srv, +1, false);

	err = grpc_server_request_call(srv->server, &rpc->call, &rpc->details, &rpc->metadata,
				       srv->cq, srv->cq, rpc);
	if (err != GRPC_CALL_OK) {
		log_error("Failed to accept further CSI calls: grpc_server_request_call() = %d",
			  err);
		rpc_free(rpc);
	}
}

static void rpc_send(struct rpc *rpc)
{
	grpc_op ops[4] = { 0 };
	size_t n = 0;
	grpc_call_error err;

	ops[n++].op = GRPC_OP_SEND_INITIAL_METADATA;
	if (rpc->response) {
		ops[n].op = GRPC_OP_SEND_MESSAGE;
		ops[n++].data.send_message.send_message = rpc->response;
	}
	ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
	ops[n].data.send_status_from_server.status = rpc->status;
	ops[n++].data.send_status_from_server.status_details = &rpc->status_details;
	ops[n].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
	ops[n++].data.recv_close_on_server.cancelled = &rpc->cancelled;

	rpc->stage = RPC_SENT;
	err = grpc_call_start_batch(rpc->call, ops, n, rpc, NULL);
	if (err != GRPC_CALL_OK) {
		log_error("Failed to send CSI reply: grpc_call_start_batch() = %d", err);
		rpc_free(rpc);
	}
}

/* Time left until the caller's deadline, as a CLOCK_MONOTONIC instant in µs. */
static uint64_t rpc_deadline_usec(const struct rpc *rpc)
{
	gpr_timespec now = gpr_now(GPR_CLOCK_MONOTONIC);
	gpr_timespec deadline = gpr_convert_clock_type(rpc->details.deadline, GPR_CLOCK_MONOTONIC);
	gpr_timespec left;

	if (gpr_time_cmp(deadline, gpr_inf_future(GPR_CLOCK_MONOTONIC)) == 0)
		return UINT64_MAX;
	if (gpr_time_cmp(deadline, now) <= 0)
		return now_usec();
	left = gpr_time_sub(deadline, now);
	return now_usec() + (uint64_t)left.tv_sec * USEC_PER_SEC + (uint64_t)left.tv_nsec / 1000;
}

static void rpc_set_reply(struct rpc *rpc, const struct csi_reply *reply)
{
	if (reply->body) {
		grpc_slice slice =
			grpc_slice_from_copied_buffer((const char *)reply->body, reply->body_len);

		/* The byte buffer takes its own reference to the slice. */
		rpc->response = grpc_raw_byte_buffer_create(&slice, 1);
		grpc_slice_unref(slice);
	}
	rpc->status = csi_status_from_errno(reply->error);
	if (reply->message)
		rpc->status_details = grpc_slice_from_copied_string(reply->message);
}

static void rpc_run(struct rpc *rpc)
{
	struct csi_reply reply;
	grpc_byte_buffer_reader reader;
	grpc_slice body;

	if (!grpc_byte_buffer_reader_init(&reader, rpc->request)) {
		reply = (struct csi_reply){ .error = -EINVAL,
					    .message = xstrdup("cannot read request body") };
	} else {
		body = grpc_byte_buffer_reader_readall(&reader);
		grpc_byte_buffer_reader_destroy(&reader);
		csi_dispatch(rpc->srv->service, rpc->method, GRPC_SLICE_START_PTR(body),
			     GRPC_SLICE_LENGTH(body), rpc_deadline_usec(rpc), &reply);
		grpc_slice_unref(body);
	}
	rpc_set_reply(rpc, &reply);
	csi_reply_done(&reply);
	rpc_send(rpc);
}

static void rpc_work(struct workqueue_item *item)
{
	rpc_run((struct rpc *)((char *)item - offsetof(struct rpc, work)));
}

static void rpc_received(struct rpc *rpc, bool ok)
{
	if (!ok || !rpc->request) {
		/* The client went away or half-closed without a message. */
		struct csi_reply reply = { .error = -EINVAL,
					   .message = xstrdup("request carried no message") };

		rpc_set_reply(rpc, &reply);
		csi_reply_done(&reply);
		rpc_send(rpc);
		return;
	}
	if (rpc->method && rpc->method->lane == CSI_LANE_INLINE) {
		rpc_run(rpc);
		return;
	}
	rpc->work.fn = rpc_work;
	workqueue_push(&rpc->srv->workers, &rpc->work);
}

static void rpc_accepted(struct rpc *rpc, bool ok)
{
	struct csi_server *srv = rpc->srv;
	grpc_op op = { .op = GRPC_OP_RECV_MESSAGE };
	grpc_call_error err;

	if (!ok) {
		/* The server is shutting down; this was the pending request. */
		rpc_free(rpc);
		return;
	}
	rpc_request(srv);

	rpc->start_usec = now_usec();
	rpc->method = csi_service_find(srv->service,
				       (const char *)GRPC_SLICE_START_PTR(rpc->details.method),
				       GRPC_SLICE_LENGTH(rpc->details.method));
	rpc->stage = RPC_RECEIVED;
	op.data.recv_message.recv_message = &rpc->request;
	err = grpc_call_start_batch(rpc->call, &op, 1, rpc, NULL);
	if (err != GRPC_CALL_OK) {
		log_error("Failed to receive CSI request: grpc_call_start_batch() = %d", err);
		rpc_free(rpc);
	}
}

static void rpc_done(struct rpc *rpc, bool ok)
{
	if (log_enabled(LOG_LEVEL_DEBUG)) {
		const grpc_slice *m = &rpc->details.method;

		log_debug("CSI %.*s: %s%s, %.3f ms", (int)GRPC_SLICE_LENGTH(*m),
			  (const char *)GRPC_SLICE_START_PTR(*m), csi_status_to_string(rpc->status),
			  ok && !rpc->cancelled ? "" : " (not delivered)",
			  (double)(now_usec() - rpc->start_usec) / 1000.0);
	}
	rpc_free(rpc);
}

static void *cq_loop(void *arg)
{
	struct csi_server *srv = arg;

	for (;;) {
		grpc_event ev = grpc_completion_queue_next(
			srv->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
		struct rpc *rpc = ev.tag;

		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			break;
		if (ev.type != GRPC_OP_COMPLETE)
			continue;
		if (ev.tag == &srv->shutdown_tag) {
			server_update(srv, 0, true);
			continue;
		}
		switch (rpc->stage) {
		case RPC_REQUESTED:
			rpc_accepted(rpc, ev.success);
			break;
		case RPC_RECEIVED:
			rpc_received(rpc, ev.success);
			break;
		case RPC_SENT:
			rpc_done(rpc, ev.success);
			break;
		}
	}
	return NULL;
}

struct csi_socket_lock {
	int fd;
};

int csi_socket_lock_take(const char *endpoint, struct csi_socket_lock **ret)
{
	_cleanup_strbuf_ struct strbuf lock_path = STRBUF_INIT;
	_cleanup_free_ char *socket_path = NULL;
	_cleanup_close_ int fd = -1;
	struct csi_socket_lock *l;

	if (csi_endpoint_parse(endpoint, &socket_path) < 0)
		return log_error_errno(-EINVAL,
				       "Invalid CSI endpoint '%s': expected unix:///absolute/path",
				       endpoint);
	strbuf_addf(&lock_path, "%s.lock", socket_path);
	fd = open(lock_path.buf, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return log_error_errno(-errno, "Failed to open lock file %s: %m", lock_path.buf);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			return log_error_errno(
				-EBUSY,
				"Another meshstor process is serving %s (it holds %s); "
				"stop it first",
				socket_path, lock_path.buf);
		return log_error_errno(-errno, "Failed to lock %s: %m", lock_path.buf);
	}
	l = xzalloc(sizeof(*l));
	l->fd = TAKE_FD(fd);
	*ret = l;
	return 0;
}

void csi_socket_lock_free(struct csi_socket_lock *l)
{
	if (!l)
		return;
	close(l->fd);
	free(l);
}

/*
 * gRPC unlinks whatever sits at the socket path before it binds, so without a
 * lock a second instance would silently steal the socket from a live one.
 */
static int take_socket(struct csi_server *srv, const char *endpoint)
{
	struct stat st;
	int r;

	if (!srv->socket_lock) {
		r = csi_socket_lock_take(endpoint, &srv->own_lock);
		if (r < 0)
			return r;
		srv->socket_lock = srv->own_lock;
	}
	if (lstat(srv->socket_path, &st) < 0)
		return errno == ENOENT ? 0
				       : log_error_errno(-errno, "Failed to inspect %s: %m",
							 srv->socket_path);
	/* Whatever is there is not ours unless it is a socket. */
	if (!S_ISSOCK(st.st_mode))
		return log_error_errno(-EEXIST,
				       "%s exists and is not a socket; refusing to replace it",
				       srv->socket_path);
	log_info("Removing stale socket %s left by an earlier run", srv->socket_path);
	if (unlink(srv->socket_path) < 0)
		return log_error_errno(-errno, "Failed to remove stale socket %s: %m",
				       srv->socket_path);
	return 0;
}

/* gRPC's own lines in our format, so a JSON log stays JSON line by line. */
static void grpc_log(gpr_log_func_args *args)
{
	enum log_level level = args->severity == GPR_LOG_SEVERITY_ERROR	 ? LOG_LEVEL_ERROR
			       : args->severity == GPR_LOG_SEVERITY_INFO ? LOG_LEVEL_INFO
									 : LOG_LEVEL_DEBUG;

	log_full_errno(level, 0, NULL, "gRPC: %s (%s:%d)", args->message, args->file, args->line);
}

static int start_grpc(struct csi_server *srv, size_t workers)
{
	_cleanup_strbuf_ struct strbuf addr = STRBUF_INIT;
	grpc_server_credentials *creds;
	int port, r;

	gpr_set_log_function(grpc_log);
	grpc_init();
	srv->grpc_initialised = true;
	srv->cq = grpc_completion_queue_create_for_next(NULL);
	srv->server = grpc_server_create(NULL, NULL);
	grpc_server_register_completion_queue(srv->server, srv->cq, NULL);

	strbuf_addf(&addr, "unix:%s", srv->socket_path);
	creds = grpc_insecure_server_credentials_create();
	port = grpc_server_add_http2_port(srv->server, addr.buf, creds);
	grpc_server_credentials_release(creds);
	if (port == 0)
		return log_error_errno(-EADDRNOTAVAIL,
				       "Failed to listen on %s (does its directory exist?)",
				       srv->socket_path);
	grpc_server_start(srv->server);

	r = workqueue_start(&srv->workers, workers);
	if (r < 0)
		return log_error_errno(r, "Failed to start CSI worker threads: %m");
	srv->workers_started = true;
	r = -pthread_create(&srv->cq_thread, NULL, cq_loop, srv);
	if (r < 0)
		return log_error_errno(r, "Failed to start the CSI completion thread: %m");
	srv->cq_thread_started = true;
	rpc_request(srv);
	return 0;
}

int csi_server_block_signals(sigset_t *ret)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (ret)
		*ret = set;
	return -pthread_sigmask(SIG_BLOCK, &set, NULL);
}

int csi_server_new(const struct csi_server_config *cfg, struct csi_service *s,
		   struct csi_server **ret)
{
	struct csi_server *srv;
	int r;

	srv = xzalloc(sizeof(*srv));
	srv->service = s;
	srv->socket_lock = cfg->lock;
	srv->shutdown_timeout_s = cfg->shutdown_timeout_s;
	pthread_mutex_init(&srv->lock, NULL);
	pthread_cond_init(&srv->changed, NULL);

	r = csi_endpoint_parse(cfg->endpoint, &srv->socket_path);
	if (r < 0) {
		log_error("Invalid CSI endpoint '%s': expected unix:///absolute/path",
			  cfg->endpoint);
		goto fail;
	}

	/* Before grpc_init(): every thread gRPC starts inherits this mask. */
	r = csi_server_block_signals(&srv->signals);
	if (r < 0)
		goto fail;

	r = take_socket(srv, cfg->endpoint);
	if (r < 0)
		goto fail;
	r = start_grpc(srv, cfg->workers);
	if (r < 0)
		goto fail;
	log_info("Serving %s on unix://%s", cfg->what ? cfg->what : "CSI", srv->socket_path);
	*ret = srv;
	return 0;

fail:
	csi_server_free(srv);
	return r;
}

/* Waits until every call is gone and gRPC has confirmed the shutdown, or until deadline. */
static bool wait_drained(struct csi_server *srv, const struct timespec *deadline)
{
	bool drained;

	pthread_mutex_lock(&srv->lock);
	while (!(srv->shutdown_done && srv->live == 0)) {
		if (!deadline)
			pthread_cond_wait(&srv->changed, &srv->lock);
		else if (pthread_cond_timedwait(&srv->changed, &srv->lock, deadline) == ETIMEDOUT)
			break;
	}
	drained = srv->shutdown_done && srv->live == 0;
	pthread_mutex_unlock(&srv->lock);
	return drained;
}

int csi_server_run(struct csi_server *srv)
{
	struct timespec deadline;
	int sig, r;

	r = -sigwait(&srv->signals, &sig);
	if (r < 0)
		return log_error_errno(r, "Failed to wait for signals: %m");
	log_info("Received %s; no longer accepting CSI calls", strsignal(sig));

	srv->shutting_down = true;
	grpc_server_shutdown_and_notify(srv->server, srv->cq, &srv->shutdown_tag);

	deadline = realtime_after_ms((uint64_t)srv->shutdown_timeout_s * MSEC_PER_SEC);
	if (!wait_drained(srv, &deadline)) {
		log_warning("CSI calls still running after %us; cancelling them",
			    srv->shutdown_timeout_s);
		grpc_server_cancel_all_calls(srv->server);
		/*
		 * Handlers must still return before the queue may be shut down: a
		 * batch started on a shut-down queue aborts the process.
		 */
		wait_drained(srv, NULL);
	}
	log_info("All CSI calls finished");
	return 0;
}

void csi_server_free(struct csi_server *srv)
{
	if (!srv)
		return;
	if (srv->server && !srv->shutting_down) {
		/* Start-up failed half way, or a server never run: cancel and drain. */
		grpc_server_shutdown_and_notify(srv->server, srv->cq, &srv->shutdown_tag);
		grpc_server_cancel_all_calls(srv->server);
		if (srv->cq_thread_started)
			wait_drained(srv, NULL);
	}
	if (srv->workers_started)
		workqueue_stop(&srv->workers);
	if (srv->server)
		grpc_server_destroy(srv->server);
	if (srv->cq) {
		grpc_completion_queue_shutdown(srv->cq);
		if (srv->cq_thread_started)
			pthread_join(srv->cq_thread, NULL);
		else
			while (grpc_completion_queue_next(srv->cq, gpr_inf_past(GPR_CLOCK_REALTIME),
							  NULL)
				       .type != GRPC_QUEUE_SHUTDOWN)
				;
		grpc_completion_queue_destroy(srv->cq);
	}
	if (srv->grpc_initialised)
		grpc_shutdown();
	/* The socket is ours only while we hold the lock. */
	if (srv->socket_path && srv->socket_lock && srv->server)
		unlink(srv->socket_path);
	csi_socket_lock_free(srv->own_lock);
	pthread_mutex_destroy(&srv->lock);
	pthread_cond_destroy(&srv->changed);
	free(srv->socket_path);
	free(srv);
}
