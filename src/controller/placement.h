/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

/*
 * Volume placement: which nodes and drives hold the members of a volume.
 * Pure functions over the input the caller builds from its MeshStorNode and
 * MeshStorNodeDevice caches: no I/O, no Kubernetes, no logging.
 *
 * The rules, in the order they apply:
 *
 * 1. Eligibility. A drive is eligible when its logical sector size equals the
 *    request's and its largest free extent holds member_bytes. A request of
 *    sector size 0 means "match the drives": every member still gets one
 *    sector size (MD takes an array's logical block size from its members, and
 *    XFS sizes its sectors from it; a volume's members must all be alike, and
 *    a replacement is placed at the volume's recorded size). The sizes are
 *    tried in turn, and the first that places the whole volume is taken: the
 *    one the consumer's fitting drives have (4096 when it has both), then
 *    4096, then 512. A node is
 *    eligible when it is not in avoid_nodes, shares its NVMe host identity
 *    with no other node (same_identity), its heartbeat is fresh, and it has at
 *    least drives_per_copy eligible drives. A node whose identity another node
 *    also publishes gets nothing: its agent refuses to export (the other
 *    node would pass every fence put up for it), so a member placed there
 *    would never be served.
 *
 * 2. Shape. A copy lives on exactly one node, and a node holds at most one
 *    copy, so a volume needs `copies` eligible nodes. A copy never spans nodes,
 *    even when no node has drives_per_copy fitting drives: a copy spread over
 *    two nodes is lost when either goes down, and it uses up nodes the other
 *    copies need to stay apart. Within a node each member takes its own drive.
 *
 * 3. Copy 0 goes to the consumer (WaitForFirstConsumer) when the consumer is
 *    eligible; it is then the local member the consumer reads from. When the
 *    consumer is not eligible (no fitting drive, stale, avoided), copy 0 is
 *    ranked like every other copy, still by latency to the consumer.
 *
 * 4. Ranking, for each further copy, best first:
 *    a. a zone no chosen copy uses, then a node without a zone label, then a
 *       zone already used; the same for racks (a rack is its zone plus its
 *       rack label). Failure domains come first because losing a zone with
 *       every copy in it loses the volume, while a slower replica only costs
 *       write latency.
 *    b. RDMA-capable nodes.
 *    c. lower RTT to the anchor: the consumer, or when there is none, copy 0's
 *       node. The anchor's own measurement of the candidate is used, else the
 *       candidate's measurement of the anchor; with neither, the RTT is worst.
 *       RTTs are compared in steps of PLACEMENT_RTT_STEP_USEC, so measurement
 *       jitter between equally near nodes does not decide, and (d) spreads load.
 *    d. more free space: the sum of the largest free extents of its eligible
 *       drives.
 *    e. node name, so the answer never depends on the order of the input.
 *    A node's drives are taken largest free extent first, then by name.
 *
 * Node names are unique (a repeated eligible one is -EINVAL), and so are drive
 * names. Cost: linear in nodes, drives and the anchor's peers (eligible nodes
 * are indexed by name in a hash table), plus copies^2 x nodes label
 * comparisons for the failure domains. No allocation survives the call.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

#define PLACEMENT_RTT_STEP_USEC 50

struct placement_drive {
	const char *name;      /* MeshStorNodeDevice name */
	uint32_t sector_size;  /* logical sector size, bytes */
	uint64_t largest_free; /* largest contiguous free extent, bytes, after reservations */
};

struct placement_peer {
	const char *node;
	uint64_t rtt_usec;
};

struct placement_node {
	const char *name;
	bool fresh; /* agent heartbeat recent enough */
	bool rdma;
	/* Another node publishing this one's NVMe host NQN or host ID, or NULL. */
	const char *same_identity;
	const char *zone; /* topology labels, NULL when absent */
	const char *rack;
	const struct placement_peer *peers; /* RTT measured by this node */
	size_t n_peers;
	const struct placement_drive *drives;
	size_t n_drives;
};

struct placement_request {
	uint64_t member_bytes;	  /* size of each member partition; a multiple of sector_size */
	unsigned copies;	  /* 1..VOLUME_COPIES_MAX */
	unsigned drives_per_copy; /* 1..VOLUME_DRIVES_PER_COPY_MAX */
	uint32_t sector_size;	  /* 512 or 4096; 0: match the drives (rule 1) */
	const char *consumer;	  /* node that should hold copy 0, or NULL */
	/* NULL-terminated nodes that must not be used (when replacing a member: the
	 * nodes of the other copies), or NULL */
	const char *const *avoid_nodes;
};

/* One member; node and drive point into the input. */
struct placement_member {
	unsigned copy;
	unsigned stripe;
	const char *node;
	const char *drive;
	uint32_t sector_size; /* the drive's: the same for every member of a plan */
};

/*
 * Places copies x drives_per_copy members. On success writes ret[copy *
 * drives_per_copy + stripe] and returns 0. Returns -EINVAL for a malformed
 * request and -ENOSPC when too few nodes are eligible, with the reason
 * appended to why (the ENOSPC one names the need, the eligible nodes, and why
 * each other node was passed over). ret is written only on success.
 */
int placement_plan(const struct placement_request *req, const struct placement_node *nodes,
		   size_t n_nodes, struct placement_member *ret, struct strbuf *why);

/*
 * The largest member_bytes placement_plan() would place now for this shape
 * (copies, drives_per_copy, sector_size, avoid_nodes), rounded down to MiB, so
 * a plan of that size succeeds and one MiB more fails; for sector size 0, the
 * larger of the two sizes'. member_bytes is ignored,
 * and so is the consumer: it changes where members go, never whether they fit.
 * 0 when nothing fits or the shape is malformed.
 */
uint64_t placement_capacity(const struct placement_request *shape,
			    const struct placement_node *nodes, size_t n_nodes);
