/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <sys/socket.h>

#include "util/strbuf.h"

/*
 * A liveness endpoint for the kubelet's httpGet probe, and a metrics endpoint
 * for a Prometheus scrape: plain HTTP/1.1 on one TCP socket, on a thread of
 * its own, one request at a time. GET or HEAD /healthz runs the check: 200
 * "ok", or 503 and the reason; /metrics writes the metrics, 200. A path
 * without its function, or any other, is 404; any other method 405, anything
 * unreadable 400. Every connection is closed after its answer; a client
 * silent for 2 s is dropped.
 */
struct healthz;

/* 0 when healthy, or -errno with the reason in why. Runs on the server's thread. */
typedef int healthz_check_fn(void *userdata, struct strbuf *why);

/* Appends the body of /metrics to out. Runs on the server's thread. */
typedef void healthz_metrics_fn(void *userdata, struct strbuf *out);

struct healthz_paths {
	healthz_check_fn *check;     /* /healthz; NULL: not served */
	healthz_metrics_fn *metrics; /* /metrics (util/metrics.h); NULL: not served */
};

/*
 * Parses "IP:PORT", "[IPv6]:PORT", ":PORT" or "PORT" (the last two: every IPv4
 * address); PORT is 0-65535, 0 picking a free one. Returns 0 or -EINVAL.
 */
int healthz_parse_address(const char *address, struct sockaddr_storage *ret, socklen_t *ret_len);

/*
 * Listens on address and serves until healthz_stop(). The thread starts with
 * every signal blocked, so SIGTERM still reaches the thread that waits for it.
 * Returns 0, -EINVAL for an address healthz_parse_address() refuses, or the
 * -errno of socket(), bind() (-EADDRINUSE) or listen().
 */
int healthz_start(const char *address, const struct healthz_paths *paths, void *userdata,
		  struct healthz **ret);

/* The port bound (the one chosen, when the address asked for 0). */
int healthz_port(const struct healthz *h);

/* Stops the thread and closes the socket. NULL is a no-op. */
void healthz_stop(struct healthz *h);
