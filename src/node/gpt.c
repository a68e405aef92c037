// SPDX-License-Identifier: GPL-2.0-only
#include "node/gpt.h"
#include "util/banned.h"

/* Placeholder until the implementation lands; keeps the build whole. */
int gpt_placeholder_;
