/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "util/metrics.h"
#include "util/strbuf.h"

struct csi_method;

/*
 * What the CSI calls a role served came to: per method, how many ended with
 * each gRPC code and how long they took (docs/operations.md, "Metrics").
 * Zeroed, it is ready; recorded and written from any thread without a lock.
 */
#define CSI_CALLS_METHODS_MAX 24
#define CSI_CALLS_CODES 17 /* gRPC's codes, OK (0) to UNAUTHENTICATED (16) */

struct csi_method_calls {
	atomic_uint_fast64_t by_code[CSI_CALLS_CODES];
	struct metrics_seconds seconds;
};

struct csi_calls {
	/* one per method of the service, in its table's order; the last: unknown methods */
	struct csi_method_calls method[CSI_CALLS_METHODS_MAX + 1];
};

/* One call of m (NULL: a method the service does not have) ended with error after usec. */
void csi_calls_record(struct csi_calls *c, const struct csi_method *const *methods,
		      size_t n_methods, const struct csi_method *m, int error, uint64_t usec);

/*
 * meshstor_csi_calls_total{method,code} (codes that occurred) and
 * meshstor_csi_call_duration_seconds{method}, for each method of the table.
 */
void csi_calls_write(struct csi_calls *c, const struct csi_method *const *methods, size_t n_methods,
		     struct strbuf *out);
