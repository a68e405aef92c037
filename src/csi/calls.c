// SPDX-License-Identifier: GPL-2.0-only
#include <assert.h>
#include <string.h>

#include "csi/calls.h"
#include "csi/dispatch.h"
#include "csi/status.h"
#include "util/cleanup.h"
#include "util/banned.h"

/* The last part of the method's path: "NodeStageVolume" of "/csi.v1.Node/NodeStageVolume". */
static const char *method_name(const struct csi_method *m)
{
	const char *slash;

	if (!m)
		return "unknown";
	slash = strrchr(m->path, '/');
	return slash ? slash + 1 : m->path;
}

static size_t slot_of(const struct csi_method *const *methods, size_t n_methods,
		      const struct csi_method *m)
{
	for (size_t i = 0; i < n_methods && i < CSI_CALLS_METHODS_MAX; i++)
		if (methods[i] == m)
			return i;
	return CSI_CALLS_METHODS_MAX;
}

void csi_calls_record(struct csi_calls *c, const struct csi_method *const *methods,
		      size_t n_methods, const struct csi_method *m, int error, uint64_t usec)
{
	struct csi_method_calls *mc = &c->method[slot_of(methods, n_methods, m)];
	grpc_status_code code = error ? csi_status_from_errno(error) : GRPC_STATUS_OK;

	assert(n_methods <= CSI_CALLS_METHODS_MAX);
	if ((unsigned)code >= CSI_CALLS_CODES)
		code = GRPC_STATUS_UNKNOWN;
	atomic_fetch_add(&mc->by_code[code], 1);
	metrics_seconds_observe(&mc->seconds, usec);
}

static void write_counts(struct strbuf *out, const char *method, struct csi_method_calls *mc)
{
	for (int code = 0; code < CSI_CALLS_CODES; code++) {
		_cleanup_strbuf_ struct strbuf labels = STRBUF_INIT;
		uint64_t n = atomic_load(&mc->by_code[code]);

		if (!n)
			continue;
		metrics_label(&labels, "method", method);
		metrics_label(&labels, "code", csi_status_to_string((grpc_status_code)code));
		metrics_sample(out, "meshstor_csi_calls_total", labels.buf, (double)n);
	}
}

void csi_calls_write(struct csi_calls *c, const struct csi_method *const *methods, size_t n_methods,
		     struct strbuf *out)
{
	metrics_family(out, "meshstor_csi_calls_total", "counter",
		       "CSI calls served, by method and the gRPC code they ended with.");
	if (n_methods > CSI_CALLS_METHODS_MAX)
		n_methods = CSI_CALLS_METHODS_MAX; /* what record() asserts */
	for (size_t i = 0; i < n_methods; i++)
		write_counts(out, method_name(methods[i]), &c->method[i]);
	write_counts(out, method_name(NULL), &c->method[CSI_CALLS_METHODS_MAX]);
	metrics_family(out, "meshstor_csi_call_duration_seconds", "histogram",
		       "How long CSI calls took, from decoding the request to its answer.");
	for (size_t i = 0; i < n_methods; i++) {
		_cleanup_strbuf_ struct strbuf labels = STRBUF_INIT;

		metrics_label(&labels, "method", method_name(methods[i]));
		metrics_seconds_write(out, "meshstor_csi_call_duration_seconds", labels.buf,
				      &c->method[i].seconds);
	}
}
