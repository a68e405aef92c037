/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdint.h>

#include "util/strbuf.h"

/*
 * Whether the agent's reconcile loop is alive, for /healthz: it comes round at
 * least once a period (a pass, or a look at caches still listing), so one not
 * seen for much longer is stuck, and only a restart helps. Pure: now_usec and
 * last_usec are CLOCK_MONOTONIC (agent_loop_usec()), period_s the reconcile
 * interval. Returns 0, or -ETIMEDOUT with why.
 */
int node_loop_alive(uint64_t now_usec, uint64_t last_usec, unsigned period_s, struct strbuf *why);

/* How long the loop may stay away before it counts as stuck, in seconds. */
unsigned node_loop_stuck_after_s(unsigned period_s);
