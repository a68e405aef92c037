// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/check.h"
#include "model/names.h"
#include "model/node.h"
#include "util/xalloc.h"
#include "util/banned.h"

struct mesh_node *mesh_node_new(void)
{
	return xzalloc(sizeof(struct mesh_node));
}

void mesh_node_free(struct mesh_node *n)
{
	if (!n)
		return;
	meta_done(&n->meta);
	free(n->status.host_nqn);
	free(n->status.host_id);
	free(n->status.tcp_address);
	free(n->status.rdma_address);
	for (size_t i = 0; n->status.peers && i < n->status.n_peers; i++)
		free(n->status.peers[i].node_name);
	free(n->status.peers);
	free(n->status.agent_version);
	conditions_free(n->status.conditions, n->status.n_conditions);
	free(n);
}

/* An IPv4 or IPv6 address in the forms inet_pton(3) takes: no port, no zone, no prefix. */
static bool ip_ok(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/*
 * The host NQN as nvme-cli writes /etc/nvme/hostnqn: NVMe Base Specification
 * 4.5 allows any "nqn." name of at most 223 bytes, printable ASCII in practice.
 */
static bool nqn_ok(const char *s)
{
	if (strncmp(s, "nqn.", 4) != 0)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s > '~')
			return false;
	return true;
}

static int peers_validate(const struct mesh_node_status *s, struct strbuf *err)
{
	if (s->n_peers > MESH_NODE_PEERS_MAX)
		return model_error(err, "too many entries", "status.peers");
	for (size_t i = 0; i < s->n_peers; i++) {
		const struct node_peer *p = &s->peers[i];

		if (model_check_name(err, p->node_name, "status.peers[%zu].nodeName", i) < 0 ||
		    model_check_int(err, p->rtt_usec, 0, INT64_MAX,
				    "status.peers[%zu].rttMicroseconds", i) < 0)
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (strcmp(s->peers[j].node_name, p->node_name) == 0)
				return model_error(err, "duplicate node",
						   "status.peers[%zu].nodeName", i);
	}
	return 0;
}

static int status_validate(const struct mesh_node_status *s, struct strbuf *err)
{
	if (model_check_optional(err, s->host_nqn, NQN_MAX, "status.hostNQN") < 0 ||
	    model_check_optional(err, s->agent_version, MESH_NODE_VERSION_MAX,
				 "status.agentVersion") < 0 ||
	    model_check_time(err, s->heartbeat_time, "status.heartbeatTime") < 0)
		return -EINVAL;
	if (s->host_nqn && !nqn_ok(s->host_nqn))
		return model_error(err, "not an NQN", "status.hostNQN");
	if (s->host_id && !name_is_uuid(s->host_id))
		return model_error(err, "not a UUID", "status.hostID");
	if (s->tcp_address && !ip_ok(s->tcp_address))
		return model_error(err, "not an IP address", "status.tcpAddress");
	if (s->rdma_address && !ip_ok(s->rdma_address))
		return model_error(err, "not an IP address", "status.rdmaAddress");
	if (peers_validate(s, err) < 0)
		return -EINVAL;
	return conditions_validate(s->conditions, s->n_conditions, err);
}

int mesh_node_validate(const struct mesh_node *n, struct strbuf *err)
{
	if (meta_validate(&n->meta, err) < 0)
		return -EINVAL;
	return status_validate(&n->status, err);
}

bool mesh_node_is_fresh(const struct mesh_node_status *st, int64_t now, unsigned timeout_s)
{
	return st->heartbeat_time > 0 && now - st->heartbeat_time <= (int64_t)timeout_s;
}
