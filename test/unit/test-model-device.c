// SPDX-License-Identifier: GPL-2.0-only
/* MeshStorNodeDevice and MeshStorNode: the rules of docs/crds.md. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "model/device.h"
#include "model/node.h"
#include "util/macro.h"
#include "util/strbuf.h"
#include "test-model-fixtures.h"
#include "util/banned.h"

#define D(name, body)                           \
	static void name(struct node_device *d) \
	{                                       \
		body;                           \
	}

D(dev_bad_name, fixture_set(&d->meta.name, "Node-A-S1234"))
D(dev_no_node, fixture_set(&d->spec.node_name, NULL))
D(dev_not_dev, fixture_set(&d->spec.path, "/tmp/x"))
D(dev_dotdot, fixture_set(&d->spec.path, "/dev/../etc/passwd"))
D(dev_dot, fixture_set(&d->spec.path, "/dev/./nvme0n1"))
D(dev_trailing, fixture_set(&d->spec.path, "/dev/nvme0n1/"))
D(dev_bare, fixture_set(&d->spec.path, "/dev/"))
D(dev_space, fixture_set(&d->spec.path, "/dev/nvme 0"))
D(dev_neg_size, d->spec.size_bytes = -1)
D(dev_sector, d->spec.logical_sector_size = 520)
D(dev_neg_free, d->status.free_bytes = -1)
D(dev_neg_parts, d->status.foreign_partitions = -1)
D(dev_cond, fixture_set(&d->status.conditions[0].reason, ""))

static const struct {
	void (*mutate)(struct node_device *d);
	const char *error;
} device_invalid[] = {
	{ dev_bad_name, "metadata.name: not a DNS-1123 subdomain" },
	{ dev_no_node, "spec.nodeName: missing" },
	{ dev_not_dev, "spec.path: not a path under /dev/" },
	{ dev_dotdot, "spec.path: not a path under /dev/" },
	{ dev_dot, "spec.path: not a path under /dev/" },
	{ dev_trailing, "spec.path: not a path under /dev/" },
	{ dev_bare, "spec.path: not a path under /dev/" },
	{ dev_space, "spec.path: not a path under /dev/" },
	{ dev_neg_size, "spec.sizeBytes: must be at least 0" },
	{ dev_sector, "spec.logicalSectorSize: must be 512 or 4096" },
	{ dev_neg_free, "status.freeBytes: must be at least 0" },
	{ dev_neg_parts, "status.foreignPartitions: must be at least 0" },
	{ dev_cond, "status.conditions[0].reason: must be 1-1024 characters long" },
};

static void test_device_valid(void **state)
{
	struct node_device *d = fixture_device();
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;

	assert_int_equal(node_device_validate(d, &err), 0);
	fixture_set(&d->spec.model, NULL);
	fixture_set(&d->spec.serial, NULL);
	fixture_set(&d->spec.path, "/dev/nvme0n1");
	assert_int_equal(node_device_validate(d, &err), 0);
	assert_int_equal(err.len, 0);
	node_device_free(d);
	node_device_free(NULL);
}

static void test_device_rejects(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(device_invalid); i++) {
		_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
		struct node_device *d = fixture_device();

		device_invalid[i].mutate(d);
		assert_int_equal(node_device_validate(d, &err), -EINVAL);
		print_message("want \"%s\", got \"%s\"\n", device_invalid[i].error, err.buf);
		assert_non_null(strstr(err.buf, device_invalid[i].error));
		node_device_free(d);
	}
}

#define N(name, body)                         \
	static void name(struct mesh_node *n) \
	{                                     \
		body;                         \
	}

N(node_no_name, fixture_set(&n->meta.name, NULL))
N(node_nqn, fixture_set(&n->status.host_nqn, "iqn.2014-08.org.nvmexpress:uuid:x"))
N(node_nqn_space, fixture_set(&n->status.host_nqn, "nqn.2014-08 x"))
N(node_host_id, fixture_set(&n->status.host_id, "not-a-uuid"))
N(node_tcp, fixture_set(&n->status.tcp_address, "10.0.0.256"))
N(node_tcp_port, fixture_set(&n->status.tcp_address, "10.0.0.1:4420"))
N(node_rdma, fixture_set(&n->status.rdma_address, "node-b"))
N(node_peer_name, fixture_set(&n->status.peers[1].node_name, "Node_C"))
N(node_peer_dup, fixture_set(&n->status.peers[1].node_name, "node-b"))
N(node_peer_rtt, n->status.peers[0].rtt_usec = -1)
N(node_heartbeat, n->status.heartbeat_time = -62167219201LL)
N(node_version, fixture_set(&n->status.agent_version, ""))

static const struct {
	void (*mutate)(struct mesh_node *n);
	const char *error;
} node_invalid[] = {
	{ node_no_name, "metadata.name: missing" },
	{ node_nqn, "status.hostNQN: not an NQN" },
	{ node_nqn_space, "status.hostNQN: not an NQN" },
	{ node_host_id, "status.hostID: not a UUID" },
	{ node_tcp, "status.tcpAddress: not an IP address" },
	{ node_tcp_port, "status.tcpAddress: not an IP address" },
	{ node_rdma, "status.rdmaAddress: not an IP address" },
	{ node_peer_name, "status.peers[1].nodeName: not a DNS-1123 subdomain" },
	{ node_peer_dup, "status.peers[1].nodeName: duplicate node" },
	{ node_peer_rtt, "status.peers[0].rttMicroseconds: must be at least 0" },
	{ node_heartbeat, "status.heartbeatTime: time outside the years 0000-9999" },
	{ node_version, "status.agentVersion: must be 1-256 characters long" },
};

static void test_node_valid(void **state)
{
	struct mesh_node *n = fixture_node();
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	char nqn[NQN_MAX + 2];

	assert_int_equal(mesh_node_validate(n, &err), 0);
	/* A node that has not reported yet has an empty status. */
	mesh_node_free(n);
	n = mesh_node_new();
	n->meta.name = xstrdup("node-a");
	assert_int_equal(mesh_node_validate(n, &err), 0);
	/* The NQN limit is exact. */
	memset(nqn, 'x', sizeof(nqn) - 1);
	memcpy(nqn, "nqn.", 4);
	nqn[NQN_MAX] = '\0';
	fixture_set(&n->status.host_nqn, nqn);
	assert_int_equal(mesh_node_validate(n, &err), 0);
	nqn[NQN_MAX] = 'x';
	nqn[NQN_MAX + 1] = '\0';
	fixture_set(&n->status.host_nqn, nqn);
	assert_int_equal(mesh_node_validate(n, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "status.hostNQN: must be 1-223 characters long"));
	mesh_node_free(n);
	mesh_node_free(NULL);
}

static void test_node_rejects(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(node_invalid); i++) {
		_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
		struct mesh_node *n = fixture_node();

		node_invalid[i].mutate(n);
		assert_int_equal(mesh_node_validate(n, &err), -EINVAL);
		print_message("want \"%s\", got \"%s\"\n", node_invalid[i].error, err.buf);
		assert_non_null(strstr(err.buf, node_invalid[i].error));
		mesh_node_free(n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_valid),
		cmocka_unit_test(test_device_rejects),
		cmocka_unit_test(test_node_valid),
		cmocka_unit_test(test_node_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
