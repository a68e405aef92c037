// SPDX-License-Identifier: GPL-2.0-only
#include "util/run.h"
#include "util/banned.h"

/* Placeholder until the implementation lands; keeps the build whole. */
int run_placeholder_;
