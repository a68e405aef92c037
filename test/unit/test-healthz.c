// SPDX-License-Identifier: GPL-2.0-only
/* util/healthz.c: the address forms, and the answers a prober gets over real TCP. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/healthz.h"
#include "util/strbuf.h"
#include "util/banned.h"

static void test_parse_address(void **state)
{
	static const struct {
		const char *in;
		int family; /* 0: refused */
		const char *ip;
		int port;
	} cases[] = {
		{ "127.0.0.1:9808", AF_INET, "127.0.0.1", 9808 },
		{ "9808", AF_INET, "0.0.0.0", 9808 },
		{ ":9808", AF_INET, "0.0.0.0", 9808 },
		{ "0", AF_INET, "0.0.0.0", 0 },
		{ "[::1]:9808", AF_INET6, "::1", 9808 },
		{ "[::]:65535", AF_INET6, "::", 65535 },
		{ "", 0, NULL, 0 },
		{ "65536", 0, NULL, 0 },
		{ "127.0.0.1", 0, NULL, 0 },
		{ "127.0.0.1:", 0, NULL, 0 },
		{ "localhost:9808", 0, NULL, 0 },
		{ "::1:9808", 0, NULL, 0 },
		{ "[::1]", 0, NULL, 0 },
		{ "[127.0.0.1]:80", 0, NULL, 0 },
		{ "1.2.3.4:-1", 0, NULL, 0 },
		{ " 80", 0, NULL, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sockaddr_storage ss;
		socklen_t len;
		char ip[INET6_ADDRSTRLEN];
		int r = healthz_parse_address(cases[i].in, &ss, &len);

		if (!cases[i].family) {
			if (r != -EINVAL)
				fail_msg("'%s' accepted", cases[i].in);
			continue;
		}
		if (r < 0)
			fail_msg("'%s' refused", cases[i].in);
		assert_int_equal(ss.ss_family, cases[i].family);
		if (ss.ss_family == AF_INET) {
			const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
			assert_int_equal(ntohs(in->sin_port), cases[i].port);
			assert_int_equal(len, sizeof(*in));
		} else {
			const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
			assert_int_equal(ntohs(in6->sin6_port), cases[i].port);
			assert_int_equal(len, sizeof(*in6));
		}
		assert_string_equal(ip, cases[i].ip);
	}
}

struct fake {
	int verdict; /* what the check returns */
	const char *why;
	int calls;
};

static int fake_check(void *userdata, struct strbuf *why)
{
	struct fake *f = userdata;

	f->calls++;
	if (f->why)
		strbuf_adds(why, f->why);
	return f->verdict;
}

static void fake_metrics(void *userdata, struct strbuf *out)
{
	struct fake *f = userdata;

	f->calls++;
	strbuf_adds(out, "# TYPE meshstor_x_total counter\nmeshstor_x_total 1\n");
}

static const struct healthz_paths check_only = { .check = fake_check };
static const struct healthz_paths metrics_only = { .metrics = fake_metrics };
static const struct healthz_paths both = { .check = fake_check, .metrics = fake_metrics };

/* Sends request raw and returns the whole answer (the server closes after it). */
static void exchange(int port, const char *request, struct strbuf *answer)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	char buf[512];
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&in, sizeof(in)), 0);
	if (request[0])
		assert_int_equal(write(fd, request, strlen(request)), strlen(request));
	shutdown(fd, SHUT_WR);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		strbuf_add(answer, buf, (size_t)n);
	close(fd);
}

static void expect(int port, const char *request, const char *status, const char *body)
{
	struct strbuf answer = STRBUF_INIT;
	const char *got_body;

	exchange(port, request, &answer);
	if (strncmp(answer.buf, status, strlen(status)) != 0)
		fail_msg("%s: expected '%s', got '%s'", request, status, answer.buf);
	got_body = strstr(answer.buf, "\r\n\r\n");
	assert_non_null(got_body);
	assert_string_equal(got_body + 4, body);
	strbuf_done(&answer);
}

static void test_serves_the_check(void **state)
{
	struct fake f = { 0 };
	struct healthz *h;
	int port;

	assert_int_equal(healthz_start("127.0.0.1:0", &check_only, &f, &h), 0);
	port = healthz_port(h);
	assert_true(port > 0);

	expect(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 200 OK\r\n", "ok\n");
	expect(port, "GET /healthz?verbose HTTP/1.0\n\n", "HTTP/1.1 200 OK\r\n", "ok\n");
	expect(port, "HEAD /healthz HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK\r\n", "");
	assert_int_equal(f.calls, 3);

	/* The check's reason reaches the prober. */
	f.verdict = -ETIMEDOUT;
	f.why = "the reconcile loop has not come round for 2000 s";
	expect(port, "GET /healthz HTTP/1.1\r\n\r\n", "HTTP/1.1 503 Service Unavailable\r\n",
	       "the reconcile loop has not come round for 2000 s\n");
	f.why = NULL;
	expect(port, "GET /healthz HTTP/1.1\r\n\r\n", "HTTP/1.1 503 Service Unavailable\r\n",
	       "Connection timed out\n");
	f.verdict = 0;
	expect(port, "GET /healthz HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK\r\n", "ok\n");

	/* Anything else does not run the check. */
	f.calls = 0;
	expect(port, "GET /healthzx HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found\r\n", "not found\n");
	expect(port, "GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found\r\n", "not found\n");
	expect(port, "POST /healthz HTTP/1.1\r\n\r\n", "HTTP/1.1 405 Method Not Allowed\r\n",
	       "GET or HEAD only\n");
	expect(port, "GET /healthz\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n",
	       "request not understood\n");
	expect(port, "GET /healthz HTTP/1.1\r\n", "HTTP/1.1 400 Bad Request\r\n",
	       "request not understood\n");
	expect(port, "", "HTTP/1.1 400 Bad Request\r\n", "request not understood\n");
	/* A path without its function is not served. */
	expect(port, "GET /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found\r\n", "not found\n");
	assert_int_equal(f.calls, 0);

	healthz_stop(h);
}

/* /metrics in the text format's content type; each listener serves what it was given. */
static void test_serves_metrics(void **state)
{
	const char *body = "# TYPE meshstor_x_total counter\nmeshstor_x_total 1\n";
	struct fake f = { 0 };
	struct strbuf answer = STRBUF_INIT;
	struct healthz *h;

	assert_int_equal(healthz_start("127.0.0.1:0", &both, &f, &h), 0);
	expect(healthz_port(h), "GET /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK\r\n", body);
	expect(healthz_port(h), "GET /healthz HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK\r\n", "ok\n");
	exchange(healthz_port(h), "GET /metrics HTTP/1.1\r\n\r\n", &answer);
	assert_non_null(strstr(answer.buf, "\r\nContent-Type: text/plain; version=0.0.4; "
					   "charset=utf-8\r\n"));
	strbuf_done(&answer);
	expect(healthz_port(h), "HEAD /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK\r\n", "");
	expect(healthz_port(h), "PUT /metrics HTTP/1.1\r\n\r\n",
	       "HTTP/1.1 405 Method Not Allowed\r\n", "GET or HEAD only\n");
	assert_int_equal(f.calls, 4); /* the PUT ran neither */
	healthz_stop(h);

	assert_int_equal(healthz_start("127.0.0.1:0", &metrics_only, &f, &h), 0);
	expect(healthz_port(h), "GET /healthz HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found\r\n",
	       "not found\n");
	expect(healthz_port(h), "GET /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK\r\n", body);
	healthz_stop(h);
}

/* A bare port: every address, IPv4's loopback and IPv6's answer the same listener. */
static void test_every_address(void **state)
{
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct fake f = { 0 };
	struct healthz *h;
	int fd;

	assert_int_equal(healthz_start("0", &check_only, &f, &h), 0);
	expect(healthz_port(h), "GET /healthz HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK\r\n", "ok\n");
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		in6.sin6_port = htons((uint16_t)healthz_port(h));
		/* Refused would mean IPv4 alone; a host without ::1 cannot tell. */
		if (connect(fd, (struct sockaddr *)&in6, sizeof(in6)) < 0)
			assert_true(errno == ENETUNREACH || errno == EADDRNOTAVAIL);
		close(fd);
	}
	healthz_stop(h);
}

static void test_port_in_use(void **state)
{
	struct fake f = { 0 };
	struct healthz *a, *b;
	char address[32];

	assert_int_equal(healthz_start("127.0.0.1:0", &check_only, &f, &a), 0);
	snprintf(address, sizeof(address), "127.0.0.1:%d", healthz_port(a));
	assert_int_equal(healthz_start(address, &check_only, &f, &b), -EADDRINUSE);
	assert_int_equal(healthz_start("nowhere:80", &check_only, &f, &b), -EINVAL);
	healthz_stop(a);
	healthz_stop(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_address),  cmocka_unit_test(test_serves_the_check),
		cmocka_unit_test(test_serves_metrics), cmocka_unit_test(test_every_address),
		cmocka_unit_test(test_port_in_use),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
