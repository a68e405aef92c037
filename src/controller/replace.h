/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "controller/topology.h"
#include "model/volume.h"
#include "util/strbuf.h"

/*
 * The member of v that has been Missing longer than the volume's
 * memberMissingTimeout at time now (index into v->spec.members), or -1.
 */
int replace_due(const struct volume *v, int64_t now);

/*
 * Pure: moves spec member i of v to a new home chosen among t's nodes, away
 * from every node holding the volume's other members (a copy survives the
 * loss of a node only if no other copy shares it) and from the node it is
 * leaving. The member gets a new index, hence a new partition UUID, so the
 * old partition, when its node returns, is no longer in spec and is removed,
 * never merged; the epoch is bumped. Only drivesPerCopy = 1 volumes (a copy
 * is one member). Returns 0, -ENOSPC (why in err) or -EOPNOTSUPP.
 */
int replace_member(struct volume *v, size_t i, const struct topology *t, struct strbuf *err);
