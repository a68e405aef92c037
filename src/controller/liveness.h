/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Which node agents are alive, judged on the controller's own clock: a node
 * is live while the controller saw its Lease change (a new resourceVersion,
 * which every renewal makes) within the Lease's leaseDurationSeconds. Node
 * clocks are never compared: renewTime is the node's wall clock, which may be
 * minutes off. A Lease first seen counts as just renewed (the controller
 * cannot tell how old it is), so a controller that starts waits one duration
 * before it counts a silent node dead. docs/ARCHITECTURE.md, "Liveness".
 *
 * Pure: times are CLOCK_MONOTONIC microseconds passed in. Not thread-safe.
 */
struct liveness_entry {
	char *node;
	char *version;	       /* the Lease's resourceVersion last seen */
	int64_t duration_s;    /* its leaseDurationSeconds */
	uint64_t renewed_usec; /* when the controller saw version change */
};

struct liveness {
	struct liveness_entry *entries;
	size_t n;
};

/* node's Lease seen at now with version and duration_s: a renewal when version is new. */
void liveness_observe(struct liveness *l, const char *node, const char *version, int64_t duration_s,
		      uint64_t now_usec);
/* node's Lease is gone: the node is no longer live. */
void liveness_forget(struct liveness *l, const char *node);

/*
 * Whether node is live at now. ret_silent_s (may be NULL) gets the seconds
 * since the controller saw its Lease renewed, or -1 when it never saw one.
 */
bool liveness_is_live(const struct liveness *l, const char *node, uint64_t now_usec,
		      int64_t *ret_silent_s);
void liveness_done(struct liveness *l);
