/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stdint.h>

#include "csi/calls.h"
#include "csi/inflight.h"
#include "util/arena.h"
#include "util/macro.h"
#include "util/strbuf.h"

struct csi_call;
struct csi_identity;

/* Where a call runs: cheap calls on the completion-queue thread, the rest on a worker. */
enum csi_lane {
	CSI_LANE_WORKER,
	CSI_LANE_INLINE,
};

struct csi_method {
	const char *path; /* "/csi.v1.Identity/Probe" */
	const ProtobufCMessageDescriptor *request;
	enum csi_lane lane;
	/*
	 * For calls on one volume: the request's string field naming it
	 * ("volume_id", or "name" for CreateVolume), so a second call on the same
	 * volume answers ABORTED. NULL for calls on no single volume.
	 */
	const char *key;
	/*
	 * Builds the response in c->arena; returns 0 or -errno. An errno it
	 * states with csi_call_fail() is its verdict (see csi/status.h); any
	 * other, its callee's, goes through passes (csi_errno_from_callee()).
	 */
	int (*handler)(struct csi_call *c, const ProtobufCMessage *req,
		       ProtobufCMessage **ret_resp);
	/*
	 * The errnos of the node agent's or the controller's call that mean, for
	 * this method, what their CSI code says (CSI_PASSES(-EPERM, ...)); NULL
	 * for none. docs/ARCHITECTURE.md, "Error codes", lists them per method.
	 */
	const int *passes;
};

#define CSI_PASSES(...) ((const int[]){ __VA_ARGS__, 0 })

/* What a role serves. Methods not in the table answer UNIMPLEMENTED. */
struct csi_service {
	const struct csi_method *const *methods;
	size_t n_methods;
	const struct csi_identity *identity;
	void *userdata; /* the role's state, for its handlers */
	struct csi_inflight inflight;
	struct csi_calls calls; /* for /metrics */
};

struct csi_call {
	const struct csi_service *service;
	const struct csi_method *method;
	struct arena arena;
	char *error_message;	/* in the arena; first csi_call_fail() wins */
	int error;		/* the errno last stated by csi_call_fail(), or 0 */
	uint64_t deadline_usec; /* CLOCK_MONOTONIC; UINT64_MAX when the caller set none */
};

/*
 * The handler's verdict: records why the call failed (shown to the caller as
 * the status message) and returns r, which the caller sees as it is.
 */
int csi_call_fail(struct csi_call *c, int r, const char *fmt, ...) _printf_(3, 4);
/*
 * A callee's failure r with its reason err (may be empty): records the reason
 * and returns r, which the dispatcher translates through the method's passes.
 */
int csi_call_forward(struct csi_call *c, int r, const struct strbuf *err);

/* The outcome of one call, independent of the transport. */
struct csi_reply {
	int error;     /* 0 or -errno */
	char *message; /* malloc'd status message; NULL on success */
	uint8_t *body; /* malloc'd packed response; NULL on error */
	size_t body_len;
};

void csi_reply_done(struct csi_reply *r);

const struct csi_method *csi_service_find(const struct csi_service *s, const char *path,
					  size_t path_len);

/*
 * Runs one call: decode and validate the request, hold its volume, run the
 * handler, pack the response. Never fails itself; every outcome is in *reply.
 * m may be NULL (unknown method).
 */
void csi_dispatch(struct csi_service *s, const struct csi_method *m, const uint8_t *body,
		  size_t len, uint64_t deadline_usec, struct csi_reply *reply);
