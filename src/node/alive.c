// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>

#include "node/alive.h"
#include "util/macro.h"
#include "util/banned.h"

/*
 * A pass waits for the kernel lock, which NodeStageVolume holds through
 * mkfs.xfs and NodeExpandVolume through xfs_growfs (300 s each at most,
 * node/fs.c), and --workers of those may queue ahead of it. Half an hour
 * clears four of them with room to spare: a restart in the middle of a long
 * mkfs would only start it over, so the limit errs long.
 */
#define STUCK_MIN_S 1800
#define STUCK_PERIODS 30

unsigned node_loop_stuck_after_s(unsigned period_s)
{
	unsigned long long s = (unsigned long long)period_s * STUCK_PERIODS;

	return s > STUCK_MIN_S ? (unsigned)s : STUCK_MIN_S;
}

int node_loop_alive(uint64_t now_usec, uint64_t last_usec, unsigned period_s, struct strbuf *why)
{
	uint64_t limit_usec = (uint64_t)node_loop_stuck_after_s(period_s) * USEC_PER_SEC;
	uint64_t away_usec = now_usec > last_usec ? now_usec - last_usec : 0;

	if (away_usec <= limit_usec)
		return 0;
	strbuf_addf(why,
		    "the reconcile loop has not come round for %llu s (stuck after %u s; "
		    "period %u s)",
		    (unsigned long long)(away_usec / USEC_PER_SEC),
		    node_loop_stuck_after_s(period_s), period_s);
	return -ETIMEDOUT;
}
