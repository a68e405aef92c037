// SPDX-License-Identifier: GPL-2.0-only
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csi/dispatch.h"
#include "csi/message.h"
#include "csi/status.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "util/banned.h"

int csi_call_fail(struct csi_call *c, int r, const char *fmt, ...)
{
	va_list ap;

	c->error = r;
	if (c->error_message)
		return r;
	va_start(ap, fmt);
	c->error_message = arena_vprintf(&c->arena, fmt, ap);
	va_end(ap);
	return r;
}

int csi_call_forward(struct csi_call *c, int r, const struct strbuf *err)
{
	if (err->len)
		csi_call_fail(c, r, "%s", err->buf);
	c->error = 0;
	return r;
}

void csi_reply_done(struct csi_reply *r)
{
	free(r->message);
	free(r->body);
	*r = (struct csi_reply){ 0 };
}

const struct csi_method *csi_service_find(const struct csi_service *s, const char *path,
					  size_t path_len)
{
	for (size_t i = 0; i < s->n_methods; i++) {
		const struct csi_method *m = s->methods[i];

		if (strlen(m->path) == path_len && memcmp(m->path, path, path_len) == 0)
			return m;
	}
	return NULL;
}

static void reply_error(struct csi_reply *reply, int r, const char *message)
{
	reply->error = r < 0 ? r : -EIO;
	reply->message = xstrdup(message ? message : strerror(-reply->error));
}

/*
 * The boundary: an errno the handler did not state is its callee's, and the
 * CO hears only what the method passes (csi/status.h). A translated one keeps
 * its own name in the message, for the operator.
 */
static void reply_callee_error(struct csi_reply *reply, const struct csi_method *m, int r,
			       const char *message)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	int code = csi_errno_from_callee(r, m->passes);

	if (code == r) {
		reply_error(reply, r, message);
		return;
	}
	if (!message)
		strbuf_adds(&sb, strerror(-r));
	else if (!strstr(message, strerror(-r)))
		strbuf_addf(&sb, "%s (%s)", message, strerror(-r));
	else
		strbuf_adds(&sb, message);
	reply_error(reply, code, sb.buf);
}

static void pack(const ProtobufCMessage *resp, struct csi_reply *reply)
{
	reply->body_len = protobuf_c_message_get_packed_size(resp);
	reply->body = xmalloc(reply->body_len);
	protobuf_c_message_pack(resp, reply->body);
}

static void run_handler(struct csi_service *s, const struct csi_method *m,
			const ProtobufCMessage *req, uint64_t deadline_usec,
			struct csi_reply *reply)
{
	struct csi_call c = {
		.service = s,
		.method = m,
		.arena = ARENA_INIT,
		.deadline_usec = deadline_usec,
	};
	ProtobufCMessage *resp = NULL;
	int r;

	r = m->handler(&c, req, &resp);
	if (r >= 0 && !resp)
		r = csi_call_fail(&c, -EIO, "%s produced no response", m->path);
	if (r < 0 && r == c.error)
		reply_error(reply, r, c.error_message);
	else if (r < 0)
		reply_callee_error(reply, m, r, c.error_message);
	else
		pack(resp, reply);
	arena_done(&c.arena);
}

/* The value of m's key field in req, found through the message's descriptor. */
static const char *request_key(const struct csi_method *m, const ProtobufCMessage *req)
{
	const ProtobufCFieldDescriptor *f;

	if (!m->key)
		return NULL;
	f = protobuf_c_message_descriptor_get_field_by_name(m->request, m->key);
	/* A method table naming a field its request lacks is a programming error. */
	assert(f && f->type == PROTOBUF_C_TYPE_STRING && f->label == PROTOBUF_C_LABEL_NONE);
	return *(const char *const *)((const char *)req + f->offset);
}

static void dispatch(struct csi_service *s, const struct csi_method *m, const uint8_t *body,
		     size_t len, uint64_t deadline_usec, struct csi_reply *reply)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	ProtobufCMessage *req = NULL;
	const char *vol;
	int r;

	*reply = (struct csi_reply){ 0 };
	if (!m) {
		reply_error(reply, -EOPNOTSUPP, "method not implemented by this MeshStor role");
		return;
	}
	r = csi_message_decode(m->request, body, len, &err, &req);
	if (r < 0) {
		reply_error(reply, r, err.buf);
		return;
	}
	/* An empty key holds nothing: the handler rejects the request itself. */
	vol = request_key(m, req);
	if (vol && !vol[0])
		vol = NULL;
	if (vol) {
		r = csi_inflight_acquire(&s->inflight, vol);
		if (r < 0) {
			strbuf_addf(&err, "an operation on volume '%s' is already in progress",
				    vol);
			reply_error(reply, r, err.buf);
			goto out;
		}
	}
	run_handler(s, m, req, deadline_usec, reply);
	if (vol)
		csi_inflight_release(&s->inflight, vol);
out:
	if (reply->error)
		log_vol_debug(vol, "%s failed: %s", m->path, reply->message);
	protobuf_c_message_free_unpacked(req, NULL);
}

void csi_dispatch(struct csi_service *s, const struct csi_method *m, const uint8_t *body,
		  size_t len, uint64_t deadline_usec, struct csi_reply *reply)
{
	uint64_t start = now_usec();

	dispatch(s, m, body, len, deadline_usec, reply);
	csi_calls_record(&s->calls, s->methods, s->n_methods, m, reply->error, now_usec() - start);
}
