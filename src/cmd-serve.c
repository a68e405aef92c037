// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a role serves: the CSI endpoint, and beside it what the kubernetes-csi
 * sidecars would otherwise add: the kubelet's plugin registration (node role)
 * and /healthz for the liveness probe; and /metrics for Prometheus. One
 * binary, nothing extra to operate.
 */
#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "csi/client.h"
#include "csi/registration.h"
#include "csi/server.h"
#include "util/cleanup.h"
#include "util/healthz.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Below the chart's probe timeout (5 s), so the kubelet hears our reason. */
#define PROBE_TIMEOUT_MS 3000

struct serving {
	const struct cmd_options *o;
	struct csi_server *csi;
	struct csi_registration *registration;
	struct healthz *healthz;
	struct healthz *metrics; /* --metrics-address, when not the health address */
	struct csi_service *service;
	struct cmd_role_hooks hooks;
};

/* /healthz: the CSI endpoint answers, registration stands, and the role is not stuck. */
static int check(void *userdata, struct strbuf *why)
{
	struct serving *s = userdata;
	int r;

	r = csi_client_probe(s->o->endpoint, PROBE_TIMEOUT_MS, why);
	if (r >= 0 && s->registration)
		r = csi_registration_check(s->registration, why);
	if (r >= 0 && s->hooks.alive)
		r = s->hooks.alive(s->hooks.userdata, why);
	return r;
}

/* /metrics: the CSI calls, then the role's own. */
static void metrics(void *userdata, struct strbuf *out)
{
	struct serving *s = userdata;

	csi_calls_write(&s->service->calls, s->service->methods, s->service->n_methods, out);
	if (s->hooks.metrics)
		s->hooks.metrics(s->hooks.userdata, out);
}

/*
 * The default socket is in the kubelet's default directory; where there is no
 * such directory there is no kubelet to register with (tests, a bare host), and
 * that is not an error. A socket the operator named must be served.
 */
static int start_registration(struct serving *s)
{
	const struct cmd_options *o = s->o;
	_cleanup_free_ char *copy = NULL;
	const char *dir;

	if (!o->registration_socket || !o->registration_socket[0])
		return 0;
	copy = xstrdup(o->registration_socket);
	dir = dirname(copy);
	if (!o->registration_socket_set && access(dir, F_OK) < 0 && errno == ENOENT) {
		log_info("No kubelet registration directory %s: not registering with a kubelet "
			 "(--registration-socket= turns registration off)",
			 dir);
		return 0;
	}
	return csi_registration_new(o->registration_socket, o->kubelet_endpoint, &s->registration);
}

static int start_healthz(struct serving *s)
{
	static const struct healthz_paths both = { .check = check, .metrics = metrics };
	const char *address = s->o->health_address;
	int r;

	if (!address || !address[0])
		return 0;
	r = healthz_start(address, &both, s, &s->healthz);
	if (r < 0)
		return log_error_errno(r, "Failed to serve /healthz on %s: %m", address);
	log_info("Serving /healthz and /metrics on %s (port %d)", address,
		 healthz_port(s->healthz));
	return 0;
}

/* Whether a and b name the same socket address (":9818" and "9818" do). */
static bool same_address(const char *a, const char *b)
{
	struct sockaddr_storage sa, sb;
	socklen_t la, lb;

	return a && b && healthz_parse_address(a, &sa, &la) == 0 &&
	       healthz_parse_address(b, &sb, &lb) == 0 && la == lb && memcmp(&sa, &sb, la) == 0;
}

/*
 * A port someone else holds costs the metrics only: the role serves on, its
 * storage untouched, and says so.
 */
static void start_metrics(struct serving *s)
{
	static const struct healthz_paths metrics_only = { .metrics = metrics };
	const char *address = s->o->metrics_address;
	int r;

	if (!address || !address[0] || same_address(address, s->o->health_address))
		return;
	r = healthz_start(address, &metrics_only, s, &s->metrics);
	if (r < 0) {
		log_warning_errno(
			r,
			"Cannot serve /metrics on %s: %m; serving on without it (free the "
			"port, or choose another with --metrics-address, and restart)",
			address);
		return;
	}
	log_info("Serving /metrics on %s (port %d)", address, healthz_port(s->metrics));
}

int cmd_serve(const struct cmd_options *o, struct csi_service *service,
	      struct csi_socket_lock *lock, const struct cmd_role_hooks *hooks)
{
	const struct csi_server_config cfg = {
		.endpoint = o->endpoint,
		.workers = o->workers,
		.shutdown_timeout_s = o->shutdown_timeout_s,
		.lock = lock,
	};
	struct serving s = { .o = o, .service = service };
	int r;

	if (hooks)
		s.hooks = *hooks;
	csi_inflight_init(&service->inflight);
	/* The kubelet calls NodeGetInfo as it registers us: the CSI endpoint comes first. */
	r = csi_server_new(&cfg, service, &s.csi);
	if (r >= 0)
		r = start_registration(&s);
	if (r >= 0)
		r = start_healthz(&s);
	if (r >= 0)
		start_metrics(&s);
	if (r >= 0)
		r = csi_server_run(s.csi);
	healthz_stop(s.metrics);
	healthz_stop(s.healthz);
	csi_registration_free(s.registration);
	csi_server_free(s.csi);
	csi_inflight_done(&service->inflight);
	return r;
}
