// SPDX-License-Identifier: GPL-2.0-only
#include "node/nvmf.h"
#include "util/banned.h"

/* Placeholder until the implementation lands; keeps the build whole. */
int nvmf_placeholder_;
