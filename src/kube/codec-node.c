// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>

#include "kube/codec.h"
#include "kube/codec-common.h"
#include "model/check.h"
#include "util/cleanup.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define KIND "MeshStorNode"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct mesh_node *, mesh_node_free)

static int get_peer(const json_t *o, const char *path, struct node_peer *p, struct strbuf *err)
{
	if (!json_is_object(o))
		return model_error(err, "expected an object", "%s", path);
	if (codec_get_string(o, path, "nodeName", true, &p->node_name, err) < 0 ||
	    codec_get_int64(o, path, "rttMicroseconds", true, &p->rtt_usec, err) < 0)
		return -EINVAL;
	return 0;
}

static int get_peers(const json_t *status, struct mesh_node_status *s, struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf path = STRBUF_INIT;
	const json_t *a = NULL;
	int r = codec_get_array(status, "status", "peers", MESH_NODE_PEERS_MAX, &a, err);

	if (r <= 0)
		return r;
	s->n_peers = json_array_size(a);
	s->peers = xcalloc(s->n_peers, sizeof(*s->peers));
	for (size_t i = 0; i < s->n_peers; i++) {
		codec_element_path(&path, "status", "peers", i);
		if (get_peer(json_array_get(a, i), path.buf, &s->peers[i], err) < 0)
			return -EINVAL;
	}
	return 0;
}

static int get_status(const json_t *obj, struct mesh_node_status *s, struct strbuf *err)
{
	const json_t *st = NULL;

	if (codec_get_object(obj, "", "status", false, &st, err) < 0)
		return -EINVAL;
	if (!st)
		return 0;
	if (codec_get_string(st, "status", "hostNQN", false, &s->host_nqn, err) < 0 ||
	    codec_get_string(st, "status", "hostID", false, &s->host_id, err) < 0 ||
	    codec_get_string(st, "status", "tcpAddress", false, &s->tcp_address, err) < 0 ||
	    codec_get_string(st, "status", "rdmaAddress", false, &s->rdma_address, err) < 0 ||
	    codec_get_bool(st, "status", "rdmaCapable", &s->rdma_capable, err) < 0 ||
	    get_peers(st, s, err) < 0 ||
	    codec_get_string(st, "status", "agentVersion", false, &s->agent_version, err) < 0 ||
	    codec_get_time(st, "status", "heartbeatTime", false, &s->heartbeat_time, err) < 0 ||
	    codec_get_conditions(st, &s->conditions, &s->n_conditions, err) < 0)
		return -EINVAL;
	return 0;
}

int mesh_node_from_json(const json_t *obj, struct mesh_node **ret, struct strbuf *err)
{
	_cleanup_(mesh_node_freep) struct mesh_node *n = mesh_node_new();

	if (codec_get_meta(obj, KIND, &n->meta, err) < 0 || get_status(obj, &n->status, err) < 0 ||
	    mesh_node_validate(n, err) < 0)
		return -EINVAL;
	*ret = TAKE_PTR(n);
	return 0;
}

static json_t *peer_to_json(const struct node_peer *p)
{
	json_t *o = json_object();
	int r = 0;

	if (!o)
		return NULL;
	r |= codec_set_string(o, "nodeName", p->node_name);
	r |= codec_set_int(o, "rttMicroseconds", p->rtt_usec);
	return codec_finish(o, r);
}

static int set_peers(json_t *status, const struct mesh_node_status *s)
{
	json_t *a;

	if (s->n_peers == 0)
		return 0;
	a = json_array();
	for (size_t i = 0; a && i < s->n_peers; i++)
		if (json_array_append_new(a, peer_to_json(&s->peers[i])) < 0) {
			json_decref(a);
			return -ENOMEM;
		}
	return codec_set(status, "peers", a);
}

static json_t *status_to_json(const struct mesh_node_status *s)
{
	json_t *o = json_object();
	int r = 0;

	if (!o)
		return NULL;
	r |= codec_set_string(o, "hostNQN", s->host_nqn);
	r |= codec_set_string(o, "hostID", s->host_id);
	r |= codec_set_string(o, "tcpAddress", s->tcp_address);
	r |= codec_set_string(o, "rdmaAddress", s->rdma_address);
	r |= codec_set_bool(o, "rdmaCapable", s->rdma_capable);
	r |= set_peers(o, s);
	r |= codec_set_string(o, "agentVersion", s->agent_version);
	r |= codec_set_time(o, "heartbeatTime", s->heartbeat_time);
	r |= codec_set_conditions(o, s->conditions, s->n_conditions);
	return codec_finish(o, r);
}

/* A MeshStorNode has no spec: the whole object and its status write the same fields. */
json_t *mesh_node_to_json(const struct mesh_node *n)
{
	json_t *o;
	int r;

	if (mesh_node_validate(n, NULL) < 0)
		return NULL;
	o = codec_new_object(KIND, &n->meta);
	if (!o)
		return NULL;
	r = codec_set(o, "status", status_to_json(&n->status));
	return codec_finish(o, r);
}

json_t *mesh_node_status_to_json(const struct mesh_node *n)
{
	return mesh_node_to_json(n);
}
