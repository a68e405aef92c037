/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdint.h>

#include "model/volume.h"
#include "util/strbuf.h"

/*
 * Expansion (pure). Grows v's spec to capacity bytes (MiB-aligned): every
 * member's sizeBytes follows. Members grow in place on their drives (the node
 * agents do that); striped copies cannot yet. Returns 1 when v changed, 0
 * when it is that large already (volumes never shrink: a smaller request is
 * met), -EINVAL when drivesPerCopy > 1; reasons go to err.
 */
int expand_volume(struct volume *v, int64_t capacity, struct strbuf *err);
