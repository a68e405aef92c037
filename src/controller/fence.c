// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "controller/fence.h"
#include "model/node.h"
#include "util/banned.h"

static const struct member_status *status_of(const struct volume *v, int32_t index)
{
	for (size_t i = 0; i < v->status.n_members; i++)
		if (v->status.members[i].index == index)
			return &v->status.members[i];
	return NULL;
}

static void describe(const struct volume_member *m, const struct member_status *st,
		     const char *wanted, struct strbuf *why)
{
	if (!st)
		strbuf_addf(why, "member %d on %s has not reported yet (waiting for it to be %s)",
			    m->index, m->node_name, wanted);
	else
		strbuf_addf(why,
			    "member %d on %s is %s at epoch %lld (waiting for %s at the "
			    "current epoch)",
			    m->index, m->node_name, member_state_to_string(st->state),
			    (long long)st->last_epoch, wanted);
}

/* Exported by its host at lastEpoch: said so by the host, or refined by the consumer. */
static bool is_exported(const struct member_status *st)
{
	return st->state == MEMBER_STATE_EXPORTED || member_state_is_consumer_view(st->state);
}

bool fence_exported(const struct volume *v, fence_node_fresh_fn fresh, void *userdata,
		    struct strbuf *why)
{
	const char *consumer = v->spec.node_name;

	for (size_t i = 0; consumer && i < v->spec.n_members; i++) {
		const struct volume_member *m = &v->spec.members[i];
		const struct member_status *st;

		if (strcmp(m->node_name, consumer) == 0)
			continue; /* the consumer's own member is used directly */
		if (!fresh(m->node_name, userdata))
			continue; /* a dead host exports nothing; the array starts without it */
		st = status_of(v, m->index);
		if (!st || st->last_epoch != v->spec.epoch || !is_exported(st)) {
			describe(m, st, "Exported", why);
			return false;
		}
	}
	return true;
}

/* What an operator does about two nodes with one NVMe host identity (the agent says the same). */
#define IDENTITY_FIX                                                                       \
	"Give one of them a new /etc/nvme/hostnqn and hostid pair (remove both files and " \
	"restart its MeshStor agent, which makes a new pair)"

bool fence_identity_ok(const struct volume *v, const char *consumer, fence_node_fresh_fn fresh,
		       fence_node_twin_fn twin, void *userdata, struct strbuf *why)
{
	const char *other = twin(consumer, userdata);

	if (other) {
		strbuf_addf(why,
			    "node %s publishes the same NVMe host NQN or host ID as node %s: an "
			    "export to %s would admit %s too, so the volume cannot be fenced for "
			    "it. " IDENTITY_FIX,
			    consumer, other, consumer, other);
		return false;
	}
	for (size_t i = 0; i < v->spec.n_members; i++) {
		const struct volume_member *m = &v->spec.members[i];

		if (strcmp(m->node_name, consumer) == 0 || !fresh(m->node_name, userdata))
			continue;
		other = twin(m->node_name, userdata);
		if (other) {
			strbuf_addf(why,
				    "member %d is on node %s, which publishes the same NVMe host "
				    "NQN or host ID as node %s, so its agent exports nothing. %s",
				    m->index, m->node_name, other, IDENTITY_FIX);
			return false;
		}
	}
	return true;
}

static bool claimed_by_other(const struct volume *v, const char *node)
{
	return v->spec.node_name && strcmp(v->spec.node_name, node) != 0;
}

/* Why a host has not withdrawn yet, and what an operator can do about it. */
static void describe_host(const char *host, const struct fence_host *h, struct strbuf *why)
{
	if (h->live && h->out_of_service)
		strbuf_addf(why,
			    "; node %s has the " NODE_TAINT_OUT_OF_SERVICE " taint, but its "
			    "agent renewed its Lease %llds ago: a node that answers is not "
			    "powered off, so the taint is not believed while it does",
			    host, (long long)h->silent_s);
	else if (h->live)
		strbuf_addf(why, "; node %s's agent is alive and has not acted on this epoch yet",
			    host);
	else {
		if (h->silent_s < 0)
			strbuf_addf(why,
				    "; node %s's agent has no Lease this controller has seen "
				    "renewed",
				    host);
		else
			strbuf_addf(why, "; node %s's agent has not renewed its Lease for %llds",
				    host, (long long)h->silent_s);
		strbuf_addf(why,
			    ", but its kernel may still export the member, so it is not counted "
			    "as fenced. If node %s is powered off, say so: kubectl taint nodes "
			    "%s " NODE_TAINT_OUT_OF_SERVICE "=nodeshutdown:NoExecute",
			    host, host);
	}
}

bool fence_withdrawn(const struct volume *v, const char *node, fence_host_fn host, void *userdata,
		     struct strbuf *why)
{
	/* No node named (unpublish from every node): no member is anyone's own. */
	if (!node)
		node = "";
	for (size_t i = 0; i < v->spec.n_members; i++) {
		const struct volume_member *m = &v->spec.members[i];
		const struct member_status *st;
		struct fence_host h = { .silent_s = -1 };

		if (strcmp(m->node_name, node) == 0)
			continue;
		st = status_of(v, m->index);
		/*
		 * At the current epoch the claim is no longer node's: Exported then
		 * means exported to the new consumer alone (allowed_hosts), which
		 * fences node as well as withdrawal does.
		 */
		if (st && st->last_epoch == v->spec.epoch &&
		    !(is_exported(st) && !claimed_by_other(v, node)))
			continue;
		/* The operator's word that the host is off, unless its agent says otherwise. */
		host(m->node_name, userdata, &h);
		if (h.out_of_service && !h.live)
			continue;
		describe(m, st, "withdrawn", why);
		describe_host(m->node_name, &h, why);
		return false;
	}
	return true;
}
