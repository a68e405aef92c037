// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kube/codec.h"
#include "model/names.h"
#include "node/agent-internal.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/version.h"
#include "util/xalloc.h"
#include "util/banned.h"

/*
 * This node as the cluster sees it: its MeshStorNode (host NQN and ID,
 * address, RTT to its peers, heartbeat) and one MeshStorNodeDevice per
 * drive. Every write is made only when something changed, except the
 * heartbeat, once per heartbeat period.
 */

#define ANNOTATION_TCP "meshstor.io/nvme-over-tcp-address"

static int write_new_file(const char *dir, const char *name, const char *value)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	size_t len = strlen(value);

	xasprintf(&path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, value, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd) < 0)
		return -EIO;
	return 0;
}

static void random_uuid(char ret[static UUID_STRING_LEN + 1])
{
	uint8_t b[16];

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		abort();
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(ret, UUID_STRING_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
}

/*
 * The host NQN and host ID in /etc/nvme, as nvme-cli keeps them; generated
 * once when absent (a pair: the kernel refuses a custom host NQN with the
 * default host ID).
 */
int announce_identity(struct agent *a)
{
	char uuid[UUID_STRING_LEN + 1];
	_cleanup_free_ char *nqn = NULL;
	int r;

	a->host_nqn = read_attr_or_null(a->etc_nvme, "hostnqn");
	a->host_id = read_attr_or_null(a->etc_nvme, "hostid");
	if (a->host_nqn && a->host_id)
		return 0;
	if (a->host_nqn || a->host_id)
		return log_error_errno(-EINVAL,
				       "%s has only one of hostnqn and hostid; the kernel "
				       "needs both as a pair. Add the missing one.",
				       a->etc_nvme);
	random_uuid(uuid);
	xasprintf(&nqn, "nqn.2014-08.org.nvmexpress:uuid:%s", uuid);
	mkdir(a->etc_nvme, 0755);
	r = write_new_file(a->etc_nvme, "hostid", uuid);
	if (r >= 0)
		r = write_new_file(a->etc_nvme, "hostnqn", nqn);
	if (r < 0)
		return log_error_errno(r, "Cannot persist this node's NVMe host identity in %s: %m",
				       a->etc_nvme);
	log_info("Generated this node's NVMe host identity %s", nqn);
	a->host_nqn = TAKE_PTR(nqn);
	a->host_id = xstrdup(uuid);
	return 0;
}

/* The address other nodes connect to: the Node's annotation, else its InternalIP. */
int announce_address(struct agent *a)
{
	_cleanup_(json_decrefp) json_t *node = NULL;
	struct strbuf err = STRBUF_INIT;
	const char *addr;
	int r;

	r = kube_get(a->client, &kube_nodes, NULL, a->o.node_name, &node, &err);
	if (r < 0) {
		log_warning_errno(r, "Cannot read Node %s for its NVMe-oF address: %s",
				  a->o.node_name, err.buf);
		strbuf_done(&err);
		return r;
	}
	strbuf_done(&err);
	addr = kube_obj_annotation(node, ANNOTATION_TCP);
	if (!addr)
		addr = kube_node_internal_ip(node);
	if (!addr)
		return log_warning_errno(-ENOENT,
					 "Node %s has neither the %s annotation nor an "
					 "InternalIP; this node cannot export members",
					 a->o.node_name, ANNOTATION_TCP);
	if (!a->tcp_address || strcmp(a->tcp_address, addr) != 0) {
		log_info("NVMe-oF TCP address: %s:%s", addr, NVME_TCP_SERVICE);
		free(a->tcp_address);
		a->tcp_address = xstrdup(addr);
	}
	return 0;
}

static uint16_t icmp_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/*
 * Microseconds for an ICMP echo to addr, or -errno. Not a TCP handshake with
 * the peer's NVMe-oF port, as first planned: the kernel target starts setting
 * up a queue for every such connection and fails when it is closed at once
 * ("nvmet_tcp: failed to allocate queue, error -107" every few seconds), an
 * error path that has no business being exercised in a loop.
 */
static int64_t measure_rtt(const char *addr)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	_cleanup_close_ int fd = -1;
	static uint16_t seq;
	uint8_t pkt[16] = { 8, 0 }, buf[256]; /* type 8: echo request */
	uint16_t id = (uint16_t)getpid(), sum;
	int64_t start, deadline;

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		return -EINVAL;
	/* Raw, so no sysctl (ping_group_range) is needed; the agent has CAP_NET_RAW. */
	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (fd < 0)
		return -errno;
	seq++;
	pkt[4] = (uint8_t)(id >> 8);
	pkt[5] = (uint8_t)id;
	pkt[6] = (uint8_t)(seq >> 8);
	pkt[7] = (uint8_t)seq;
	sum = icmp_checksum(pkt, sizeof(pkt));
	memcpy(pkt + 2, &sum, 2);
	start = (int64_t)now_usec();
	deadline = start + 1000 * 1000;
	if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return -errno;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - (int64_t)now_usec();
		ssize_t n;
		size_t ihl;

		if (left <= 0 || poll(&pfd, 1, (int)(left / 1000) + 1) != 1)
			return -ETIMEDOUT;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 20)
			continue;
		ihl = (size_t)(buf[0] & 0x0f) * 4; /* a raw socket hands us the IP header */
		if ((size_t)n < ihl + 8 || buf[ihl] != 0 /* echo reply */ ||
		    buf[ihl + 4] != pkt[4] || buf[ihl + 5] != pkt[5] || buf[ihl + 6] != pkt[6] ||
		    buf[ihl + 7] != pkt[7])
			continue; /* someone else's reply, or an older one */
		return (int64_t)now_usec() - start;
	}
}

static struct node_peer *peer_of(struct agent *a, const char *name)
{
	for (size_t i = 0; i < a->n_peers; i++)
		if (strcmp(a->peers[i].node_name, name) == 0)
			return &a->peers[i];
	a->peers = xreallocarray(a->peers, a->n_peers + 1, sizeof(*a->peers));
	a->peers[a->n_peers] = (struct node_peer){ .node_name = xstrdup(name), .rtt_usec = -1 };
	return &a->peers[a->n_peers++];
}

/* Each peer's RTT, smoothed as TCP does (7/8 old + 1/8 new). */
static void measure_peers(struct agent *a, const struct agent_view *view)
{
	for (size_t i = 0; i < view->n_nodes; i++) {
		const struct mesh_node *n = view->nodes[i];
		struct node_peer *p;
		int64_t rtt;

		if (strcmp(n->meta.name, a->o.node_name) == 0 || !n->status.tcp_address)
			continue;
		rtt = measure_rtt(n->status.tcp_address);
		if (rtt < 0)
			continue;
		p = peer_of(a, n->meta.name);
		p->rtt_usec = p->rtt_usec < 0 ? rtt : (7 * p->rtt_usec + rtt) / 8;
	}
}

static void fill_status(struct agent *a, struct mesh_node *n, int64_t now)
{
	struct mesh_node_status *st = &n->status;
	size_t k = 0;

	free(st->host_nqn);
	st->host_nqn = xstrdup(a->host_nqn);
	free(st->host_id);
	st->host_id = xstrdup(a->host_id);
	free(st->tcp_address);
	st->tcp_address = a->tcp_address ? xstrdup(a->tcp_address) : NULL;
	/* The agent sets up TCP ports only so far: claiming RDMA would mislead placement. */
	st->rdma_capable = false;
	free(st->agent_version);
	st->agent_version = xstrdup(MESHSTOR_VERSION);
	for (size_t i = 0; i < st->n_peers; i++)
		free(st->peers[i].node_name);
	st->peers = xreallocarray(st->peers, a->n_peers + 1, sizeof(*st->peers));
	for (size_t i = 0; i < a->n_peers; i++)
		if (a->peers[i].rtt_usec >= 0)
			st->peers[k++] = (struct node_peer){ xstrdup(a->peers[i].node_name),
							     a->peers[i].rtt_usec };
	st->n_peers = k;
	st->heartbeat_time = now;
}

/* Whether what we would write differs from what is there, heartbeat aside. */
static bool node_changed(const struct mesh_node *old, const struct mesh_node *new)
{
	_cleanup_(json_decrefp) json_t *a = NULL, *b = NULL;
	struct mesh_node x = *old, y = *new;

	x.status.heartbeat_time = y.status.heartbeat_time = 0;
	x.status.peers = y.status.peers = NULL; /* RTTs drift; they ride on heartbeats */
	x.status.n_peers = y.status.n_peers = 0;
	x.meta.resource_version = y.meta.resource_version = NULL;
	a = mesh_node_status_to_json(&x);
	b = mesh_node_status_to_json(&y);
	return !a || !b || !json_equal(json_object_get(a, "status"), json_object_get(b, "status"));
}

static int create_node_object(struct agent *a, struct strbuf *err)
{
	_cleanup_(json_decrefp) json_t *obj =
		json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", CODEC_API_VERSION, "kind",
			  "MeshStorNode", "metadata", "name", a->o.node_name);
	int r = kube_create(a->client, &kube_meshstornodes, NULL, obj, NULL, err);

	return r == -EEXIST ? 0 : r;
}

int announce_node(struct agent *a, const struct agent_view *view, bool heartbeat)
{
	_cleanup_(json_decrefp) json_t *obj = NULL, *body = NULL;
	struct strbuf err = STRBUF_INIT;
	struct mesh_node *old = NULL, *new = NULL;
	int64_t now = time(NULL);
	int r;

	if (!a->tcp_address)
		announce_address(a);
	heartbeat |= now - a->last_heartbeat >= (int64_t)a->o.heartbeat_s;
	obj = kube_informer_get(a->nodes, a->o.node_name);
	if (!obj) {
		r = create_node_object(a, &err);
		if (r < 0)
			goto out;
		obj = NULL;
		r = kube_get(a->client, &kube_meshstornodes, NULL, a->o.node_name, &obj, &err);
		if (r < 0)
			goto out;
		heartbeat = true;
	}
	r = mesh_node_from_json(obj, &old, &err);
	if (r < 0)
		goto out;
	r = mesh_node_from_json(obj, &new, &err);
	if (r < 0)
		goto out;
	if (heartbeat)
		measure_peers(a, view);
	fill_status(a, new, now);
	if (!heartbeat && !node_changed(old, new)) {
		r = 0;
		goto out;
	}
	body = mesh_node_status_to_json(new);
	r = body ? kube_update(a->client, &kube_meshstornodes, NULL, body, "status", NULL, &err)
		 : -EINVAL;
	if (r >= 0) {
		a->last_heartbeat = now;
		a->published = true;
	}
out:
	if (r < 0 && r != -ESTALE)
		log_warning_errno(r, "Cannot publish MeshStorNode %s: %s", a->o.node_name,
				  err.len ? err.buf : strerror(-r));
	mesh_node_free(old);
	mesh_node_free(new);
	strbuf_done(&err);
	return r;
}

static void drive_status(const struct drive *d, struct node_device *nd)
{
	struct node_device_status *st = &nd->status;

	st->largest_free_extent_bytes = d->unusable ? 0 : (int64_t)d->gpt.largest_free;
	st->free_bytes = d->unusable ? 0 : (int64_t)d->gpt.free_total;
	st->local_partitions = 0;
	st->foreign_partitions = 0;
	for (size_t i = 0; i < d->gpt.n_parts; i++) {
		if (d->gpt.parts[i].ours)
			st->local_partitions++;
		else
			st->foreign_partitions++;
	}
}

static int announce_drive(struct agent *a, const struct drive *d)
{
	struct strbuf name = STRBUF_INIT, err = STRBUF_INIT;
	_cleanup_(json_decrefp) json_t *obj = NULL, *body = NULL, *created = NULL;
	struct node_device *nd = NULL;
	int r;

	drive_object_name(a->o.node_name, d, &name);
	obj = kube_informer_get(a->devices, name.buf);
	if (obj) {
		r = node_device_from_json(obj, &nd, &err);
	} else {
		nd = node_device_new();
		nd->meta.name = xstrdup(name.buf);
		nd->spec.node_name = xstrdup(a->o.node_name);
		nd->spec.path = xstrdup(d->path);
		nd->spec.model = d->model ? xstrdup(d->model) : NULL;
		nd->spec.serial = d->serial ? xstrdup(d->serial) : NULL;
		nd->spec.size_bytes = (int64_t)d->size;
		nd->spec.logical_sector_size = (int32_t)d->logical_sector_size;
		body = node_device_to_json(nd);
		r = body ? kube_create(a->client, &kube_meshstornodedevices, NULL, body, &created,
				       &err)
			 : -EINVAL;
		if (r >= 0) {
			free(nd->meta.resource_version);
			nd->meta.resource_version = xstrdup(kube_obj_resource_version(created));
		}
		json_decref(TAKE_PTR(body));
	}
	if (r >= 0) {
		_cleanup_(json_decrefp) json_t *before = node_device_status_to_json(nd);

		drive_status(d, nd);
		body = node_device_status_to_json(nd);
		if (!before || !body ||
		    !json_equal(json_object_get(before, "status"),
				json_object_get(body, "status")) ||
		    !obj)
			r = kube_update(a->client, &kube_meshstornodedevices, NULL, body, "status",
					NULL, &err);
	}
	if (r < 0 && r != -ESTALE)
		log_warning_errno(r, "Cannot publish MeshStorNodeDevice %s: %s", name.buf, err.buf);
	node_device_free(nd);
	strbuf_done(&name);
	strbuf_done(&err);
	return r;
}

/* One MeshStorNodeDevice per usable drive; an unusable one is logged once per change. */
int announce_drives(struct agent *a, const struct observation *obs)
{
	int r = 0;

	for (size_t i = 0; i < obs->n_drives; i++) {
		const struct drive *d = &obs->drives[i];

		if (d->unusable) {
			log_debug("Drive %s is not used: %s", d->path, d->unusable);
			continue;
		}
		if (d->logical_sector_size != 512 && d->logical_sector_size != 4096)
			continue;
		r = announce_drive(a, d) ?: r;
	}
	return r;
}
