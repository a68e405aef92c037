// SPDX-License-Identifier: GPL-2.0-only
/*
 * A gRPC client of one unary call, on gRPC's C core: enough for the node to
 * ask its own CSI endpoint whether it answers (the /healthz check).
 */
#include <errno.h>
#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/time.h>
#include <stdbool.h>
#include <string.h>

#include "csi/client.h"
#include "csi/status.h"
#include "util/strbuf.h"
#include "util/banned.h"

#define PROBE_METHOD "/csi.v1.Identity/Probe"

struct unary {
	grpc_metadata_array initial, trailing;
	grpc_byte_buffer *request, *response;
	grpc_status_code status;
	grpc_slice details;
};

/* Runs the whole call as one batch and waits for it on cq; false if it never ran. */
static bool unary_run(grpc_call *call, grpc_completion_queue *cq, struct unary *u)
{
	grpc_op ops[6] = { 0 };
	grpc_event ev;

	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = u->request;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &u->initial;
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &u->response;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.trailing_metadata = &u->trailing;
	ops[5].data.recv_status_on_client.status = &u->status;
	ops[5].data.recv_status_on_client.status_details = &u->details;
	if (grpc_call_start_batch(call, ops, 6, u, NULL) != GRPC_CALL_OK)
		return false;
	/* The call's deadline bounds the batch: no deadline needed here. */
	do
		ev = grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
	while (ev.type != GRPC_OP_COMPLETE || ev.tag != u);
	return true;
}

static int unary_verdict(const struct unary *u, const char *endpoint, struct strbuf *why)
{
	if (u->status == GRPC_STATUS_OK)
		return 0;
	strbuf_addf(why, "the CSI endpoint %s did not answer Probe: %s", endpoint,
		    csi_status_to_string(u->status));
	if (GRPC_SLICE_LENGTH(u->details))
		strbuf_addf(why, " (%.*s)", (int)GRPC_SLICE_LENGTH(u->details),
			    (const char *)GRPC_SLICE_START_PTR(u->details));
	return u->status == GRPC_STATUS_DEADLINE_EXCEEDED ? -ETIMEDOUT : -EIO;
}

int csi_client_probe(const char *endpoint, unsigned timeout_ms, struct strbuf *why)
{
	struct unary u = { .details = grpc_empty_slice() };
	grpc_channel_credentials *creds;
	grpc_channel *channel;
	grpc_completion_queue *cq;
	grpc_call *call;
	gpr_timespec deadline;
	int r = -EIO;

	grpc_init();
	creds = grpc_insecure_credentials_create();
	channel = grpc_channel_create(endpoint, creds, NULL);
	grpc_channel_credentials_release(creds);
	cq = grpc_completion_queue_create_for_next(NULL);
	deadline = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
				gpr_time_from_millis(timeout_ms, GPR_TIMESPAN));
	call = grpc_channel_create_call(channel, NULL, GRPC_PROPAGATE_DEFAULTS, cq,
					grpc_slice_from_static_string(PROBE_METHOD), NULL, deadline,
					NULL);
	grpc_metadata_array_init(&u.initial);
	grpc_metadata_array_init(&u.trailing);
	/* An empty ProbeRequest is zero bytes on the wire. */
	u.request = grpc_raw_byte_buffer_create(NULL, 0);

	if (unary_run(call, cq, &u))
		r = unary_verdict(&u, endpoint, why);
	else
		strbuf_addf(why, "could not start a Probe call to %s", endpoint);

	grpc_call_unref(call);
	grpc_byte_buffer_destroy(u.request);
	if (u.response)
		grpc_byte_buffer_destroy(u.response);
	grpc_metadata_array_destroy(&u.initial);
	grpc_metadata_array_destroy(&u.trailing);
	grpc_slice_unref(u.details);
	grpc_channel_destroy(channel);
	grpc_completion_queue_shutdown(cq);
	while (grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
	       GRPC_QUEUE_SHUTDOWN)
		;
	grpc_completion_queue_destroy(cq);
	grpc_shutdown();
	return r;
}
