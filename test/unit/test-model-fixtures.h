/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Valid, fully populated model objects for the model and codec tests: every
 * field set to something other than its zero value, so that a round trip that
 * drops a field shows.
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>

#include "model/device.h"
#include "model/names.h"
#include "model/node.h"
#include "model/volume.h"
#include "util/xalloc.h"

#define FIXTURE_VOLUME_ID "pvc-bd43ab973a4615925f25fd4b"
#define FIXTURE_TIME 1795452149 /* 2026-11-23T16:42:29Z */

static inline void fixture_set(char **field, const char *s)
{
	free(*field);
	*field = s ? xstrdup(s) : NULL;
}

static inline char **fixture_strv(const char *a, const char *b)
{
	char **v = xcalloc(3, sizeof(char *));

	v[0] = xstrdup(a);
	v[1] = b ? xstrdup(b) : NULL;
	return v;
}

static inline void fixture_meta(struct object_meta *m, const char *name)
{
	m->name = xstrdup(name);
	m->uid = xstrdup("0b7e4c9e-1111-2222-3333-444455556666");
	m->resource_version = xstrdup("12345");
	m->generation = 3;
	m->finalizers = fixture_strv("csi.meshstor.io/protect", "example.com/other");
}

static inline struct condition *fixture_conditions(size_t *ret_n)
{
	struct condition *c = xcalloc(2, sizeof(*c));

	c[0] = (struct condition){ xstrdup("Ready"),	  CONDITION_TRUE,
				   xstrdup("ArrayClean"), xstrdup("all members in sync"),
				   FIXTURE_TIME,	  3 };
	c[1] = (struct condition){
		xstrdup("example.com/Probed"), CONDITION_UNKNOWN, xstrdup("NotYet"), NULL, -1, 0
	};
	*ret_n = 2;
	return c;
}

/* Two copies of two stripes: node-a holds copy 0, node-b copy 1. */
static inline void fixture_members(struct volume_spec *s)
{
	s->n_members = 4;
	s->members = xcalloc(4, sizeof(*s->members));
	for (int i = 0; i < 4; i++) {
		struct volume_member *m = &s->members[i];
		char buf[64];

		m->index = i + 10;
		m->copy = i / 2;
		m->stripe = i % 2;
		m->node_name = xstrdup(m->copy ? "node-b" : "node-a");
		snprintf(buf, sizeof(buf), "%s-serial%d", m->node_name, i);
		m->drive = xstrdup(buf);
		m->partition_uuid = xmalloc(UUID_STRING_LEN + 1);
		if (partition_uuid_for_member(FIXTURE_VOLUME_ID, (unsigned)m->index,
					      m->partition_uuid) < 0)
			abort();
		m->size_bytes = 513LL * 1024 * 1024;
	}
}

static inline void fixture_volume_status(struct volume_status *s)
{
	s->phase = VOLUME_PHASE_DEGRADED;
	s->node_name = xstrdup("node-a");
	s->md_state = xstrdup("active");
	s->ready = xstrdup("3/4");
	s->degraded = true;
	s->total_members = 4;
	s->active_members = 3;
	s->failed_members = 1;
	s->missing_members = 1;
	s->sync_percentage = 42;
	s->n_members = 2;
	s->members = xcalloc(2, sizeof(*s->members));
	s->members[0] = (struct member_status){ 10, MEMBER_STATE_SYNCED, 5, 0, NULL };
	s->members[1] = (struct member_status){ 13, MEMBER_STATE_MISSING, 4, FIXTURE_TIME,
						xstrdup("node-b unreachable") };
	s->conditions = fixture_conditions(&s->n_conditions);
	s->observed_generation = 3;
}

static inline struct volume *fixture_volume(void)
{
	struct volume *v = volume_new();

	fixture_meta(&v->meta, FIXTURE_VOLUME_ID);
	v->spec.request_name = xstrdup("pvc-0b7e4c9e-1111-2222-3333-444455556666");
	v->spec.node_name = xstrdup("node-a");
	v->spec.capacity_bytes = 1024LL * 1024 * 1024;
	v->spec.number_of_copies = 2;
	v->spec.drives_per_copy = 2;
	v->spec.member_missing_timeout_sec = 300;
	v->spec.sector_size = 4096;
	v->spec.fs_type = xstrdup("xfs");
	v->spec.epoch = 5;
	v->spec.formatted_at = FIXTURE_TIME;
	fixture_members(&v->spec);
	fixture_volume_status(&v->status);
	return v;
}

static inline struct node_device *fixture_device(void)
{
	struct node_device *d = node_device_new();

	fixture_meta(&d->meta, "node-a-s1234");
	d->spec.node_name = xstrdup("node-a");
	d->spec.path = xstrdup("/dev/disk/by-id/nvme-Example_SSD_S1234");
	d->spec.model = xstrdup("Example SSD 1TB");
	d->spec.serial = xstrdup("S1234");
	d->spec.size_bytes = 1000204886016LL;
	d->spec.logical_sector_size = 4096;
	d->status.largest_free_extent_bytes = 400LL << 30;
	d->status.free_bytes = 500LL << 30;
	d->status.local_partitions = 1;
	d->status.remote_partitions = 2;
	d->status.foreign_partitions = 3;
	d->status.conditions = fixture_conditions(&d->status.n_conditions);
	return d;
}

static inline struct mesh_node *fixture_node(void)
{
	struct mesh_node *n = mesh_node_new();

	fixture_meta(&n->meta, "node-a");
	n->status.host_nqn =
		xstrdup("nqn.2014-08.org.nvmexpress:uuid:0b7e4c9e-1111-2222-3333-444455556666");
	n->status.host_id = xstrdup("0b7e4c9e-1111-2222-3333-444455556666");
	n->status.tcp_address = xstrdup("10.0.0.1");
	n->status.rdma_address = xstrdup("fd00::1");
	n->status.rdma_capable = true;
	n->status.n_peers = 2;
	n->status.peers = xcalloc(2, sizeof(*n->status.peers));
	n->status.peers[0] = (struct node_peer){ xstrdup("node-b"), 120 };
	n->status.peers[1] = (struct node_peer){ xstrdup("node-c.example.com"), 0 };
	n->status.agent_version = xstrdup("0.1.0-12-gabcdef");
	n->status.heartbeat_time = FIXTURE_TIME;
	n->status.conditions = fixture_conditions(&n->status.n_conditions);
	return n;
}
