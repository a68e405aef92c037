/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include "util/strbuf.h"

/*
 * Calls Identity.Probe on endpoint ("unix:///path"), as the kubelet's
 * livenessprobe sidecar did: 0 when the call returns OK within timeout_ms,
 * whatever it says about readiness (a missing module or an unreachable API
 * is not cured by a restart). Otherwise -ETIMEDOUT (no answer in time) or
 * -EIO (any other failure), with what happened in why.
 */
int csi_client_probe(const char *endpoint, unsigned timeout_ms, struct strbuf *why);
