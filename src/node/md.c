// SPDX-License-Identifier: GPL-2.0-only
#include "node/md.h"
#include "util/banned.h"

/* Placeholder until the implementation lands; keeps the build whole. */
int md_placeholder_;
