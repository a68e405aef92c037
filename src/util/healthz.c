// SPDX-License-Identifier: GPL-2.0-only
/*
 * /healthz and /metrics over plain sockets: a liveness probe and a scrape need
 * two paths, a few status codes and one body each, which is less code than an
 * HTTP library's setup.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/healthz.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/parse.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define REQUEST_MAX 4096   /* a probe's request is a few lines */
#define CLIENT_TIMEOUT_S 2 /* for each read and write */

struct healthz {
	int listen_fd;
	int stop_fd; /* an eventfd: written once to stop the thread */
	int port;
	struct healthz_paths paths;
	void *userdata;
	pthread_t thread;
};

/* host is an IPv4 address, or empty for all of them; in brackets, an IPv6 address. */
static int parse_host(const char *host, bool bracketed, uint16_t port, struct sockaddr_storage *ret,
		      socklen_t *ret_len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ret;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ret;

	memset(ret, 0, sizeof(*ret));
	if (!bracketed && (!host[0] || inet_pton(AF_INET, host, &in->sin_addr) == 1)) {
		if (!host[0])
			in->sin_addr.s_addr = htonl(INADDR_ANY);
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		*ret_len = sizeof(*in);
		return 0;
	}
	if (bracketed && inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*ret_len = sizeof(*in6);
		return 0;
	}
	return -EINVAL;
}

int healthz_parse_address(const char *address, struct sockaddr_storage *ret, socklen_t *ret_len)
{
	_cleanup_free_ char *host = NULL;
	const char *colon = strrchr(address, ':');
	const char *port_s = colon ? colon + 1 : address;
	size_t host_len = colon ? (size_t)(colon - address) : 0;
	bool bracketed = host_len >= 2 && address[0] == '[' && address[host_len - 1] == ']';
	uint64_t port;

	if (parse_u64_range(port_s, 0, 65535, &port) < 0)
		return -EINVAL;
	/* An IPv6 address has colons of its own, hence the brackets. */
	if (bracketed)
		xasprintf(&host, "%.*s", (int)host_len - 2, address + 1);
	else if (memchr(address, '[', host_len) || memchr(address, ':', host_len))
		return -EINVAL;
	else
		xasprintf(&host, "%.*s", (int)host_len, address);
	return parse_host(host, bracketed, (uint16_t)port, ret, ret_len);
}

static void respond_as(int fd, int code, const char *reason, bool head, const char *type,
		       const char *body)
{
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	size_t done = 0;

	strbuf_addf(&out,
		    "HTTP/1.1 %d %s\r\n"
		    "Content-Type: %s\r\n"
		    "Content-Length: %zu\r\n"
		    "%s"
		    "Connection: close\r\n\r\n",
		    code, reason, type, strlen(body), code == 405 ? "Allow: GET, HEAD\r\n" : "");
	if (!head)
		strbuf_adds(&out, body);
	while (done < out.len) {
		ssize_t n = send(fd, out.buf + done, out.len - done, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		done += (size_t)n;
	}
}

static void respond(int fd, int code, const char *reason, bool head, const char *body)
{
	respond_as(fd, code, reason, head, "text/plain; charset=utf-8", body);
}

/* Reads the request head into buf (NUL-terminated); false if none arrived whole. */
static bool read_head(int fd, char *buf, size_t size)
{
	size_t len = 0;

	while (len < size - 1) {
		ssize_t n = recv(fd, buf + len, size - 1 - len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
			return true;
	}
	return false;
}

static void serve_check(struct healthz *h, int fd, bool head)
{
	_cleanup_strbuf_ struct strbuf why = STRBUF_INIT;
	int r = h->paths.check(h->userdata, &why);

	if (r >= 0) {
		respond(fd, 200, "OK", head, "ok\n");
		return;
	}
	if (!why.len)
		strbuf_adds(&why, strerror(-r));
	strbuf_addch(&why, '\n');
	log_debug("/healthz: unhealthy: %s", why.buf);
	respond(fd, 503, "Service Unavailable", head, why.buf);
}

static void serve_metrics(struct healthz *h, int fd, bool head)
{
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;

	h->paths.metrics(h->userdata, &out);
	respond_as(fd, 200, "OK", head, METRICS_CONTENT_TYPE, out.buf);
}

static bool path_is(const char *target, size_t len, const char *path)
{
	return len == strlen(path) && strncmp(target, path, len) == 0;
}

/* One connection: "METHOD TARGET HTTP/1.x", then headers we do not need. */
static void serve_client(struct healthz *h, int fd)
{
	const struct timeval tv = { .tv_sec = CLIENT_TIMEOUT_S };
	char buf[REQUEST_MAX], *method, *target, *version, *save = NULL;
	void (*answer)(struct healthz * h, int fd, bool head) = NULL;
	size_t path_len;
	bool head;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (!read_head(fd, buf, sizeof(buf))) {
		respond(fd, 400, "Bad Request", false, "request not understood\n");
		return;
	}
	method = strtok_r(buf, " \r\n", &save);
	target = method ? strtok_r(NULL, " \r\n", &save) : NULL;
	version = target ? strtok_r(NULL, " \r\n", &save) : NULL;
	if (!version || strncmp(version, "HTTP/1.", 7) != 0) {
		respond(fd, 400, "Bad Request", false, "request not understood\n");
		return;
	}
	path_len = strcspn(target, "?");
	head = strcmp(method, "HEAD") == 0;
	if (h->paths.check && path_is(target, path_len, "/healthz"))
		answer = serve_check;
	else if (h->paths.metrics && path_is(target, path_len, "/metrics"))
		answer = serve_metrics;
	if (!answer)
		respond(fd, 404, "Not Found", head, "not found\n");
	else if (strcmp(method, "GET") == 0 || head)
		answer(h, fd, head);
	else
		respond(fd, 405, "Method Not Allowed", false, "GET or HEAD only\n");
}

static void *serve(void *userdata)
{
	struct healthz *h = userdata;
	struct pollfd fds[2] = {
		{ .fd = h->listen_fd, .events = POLLIN },
		{ .fd = h->stop_fd, .events = POLLIN },
	};

	for (;;) {
		int fd;

		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_debug("/healthz: poll() failed: %m");
			return NULL;
		}
		if (fds[1].revents)
			return NULL;
		fd = accept4(h->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue; /* the client went away, or out of fds: try again */
		serve_client(h, fd);
		close(fd);
	}
}

static int listen_on(const struct sockaddr_storage *addr, socklen_t len, int *ret_port)
{
	_cleanup_close_ int fd = -1;
	struct sockaddr_storage bound;
	socklen_t bound_len = sizeof(bound);
	const int one = 1;

	const int zero = 0;

	fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* IPv6's any address takes IPv4 too, whatever net.ipv6.bindv6only says. */
	if (addr->ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0)
		return -errno;
	/* A restarted agent must get its port back while old connections linger. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (const struct sockaddr *)addr, len) < 0 || listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&bound, &bound_len) < 0)
		return -errno;
	*ret_port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
						      : ((struct sockaddr_in *)&bound)->sin_port);
	return TAKE_FD(fd);
}

/*
 * An empty host means every address: IPv6's any address, which takes IPv4
 * too (an IPv6-only cluster probes the pod's IPv6 address), where the kernel
 * has IPv6; else IPv4's.
 */
static int listen_any_first(const struct sockaddr_storage *addr, socklen_t len, int *ret_port)
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
	struct sockaddr_storage any6 = { 0 };
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&any6;
	int fd;

	if (addr->ss_family != AF_INET || in->sin_addr.s_addr != htonl(INADDR_ANY))
		return listen_on(addr, len, ret_port);
	in6->sin6_family = AF_INET6;
	in6->sin6_port = in->sin_port;
	in6->sin6_addr = in6addr_any;
	fd = listen_on(&any6, sizeof(*in6), ret_port);
	if (fd == -EAFNOSUPPORT)
		fd = listen_on(addr, len, ret_port);
	return fd;
}

int healthz_start(const char *address, const struct healthz_paths *paths, void *userdata,
		  struct healthz **ret)
{
	struct sockaddr_storage addr;
	socklen_t len;
	sigset_t all, old;
	struct healthz *h;
	int r;

	r = healthz_parse_address(address, &addr, &len);
	if (r < 0)
		return r;
	h = xzalloc(sizeof(*h));
	h->paths = *paths;
	h->userdata = userdata;
	h->stop_fd = -1;
	h->listen_fd = listen_any_first(&addr, len, &h->port);
	if (h->listen_fd < 0) {
		r = h->listen_fd;
		free(h);
		return r;
	}
	h->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (h->stop_fd < 0) {
		r = -errno;
		goto fail;
	}
	/* The new thread inherits the mask: signals stay with the thread that waits. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = -pthread_create(&h->thread, NULL, serve, h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		goto fail;
	*ret = h;
	return 0;
fail:
	if (h->stop_fd >= 0)
		close(h->stop_fd);
	close(h->listen_fd);
	free(h);
	return r;
}

int healthz_port(const struct healthz *h)
{
	return h->port;
}

void healthz_stop(struct healthz *h)
{
	const uint64_t one = 1;

	if (!h)
		return;
	if (write(h->stop_fd, &one, sizeof(one)) == sizeof(one))
		pthread_join(h->thread, NULL);
	close(h->stop_fd);
	close(h->listen_fd);
	free(h);
}
