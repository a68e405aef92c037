/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <jansson.h>

#include "util/strbuf.h"

/*
 * Loads a YAML file (a kubeconfig) as JSON: mappings become objects, sequences
 * arrays, and every scalar a string (kubeconfig has no field where the type
 * matters to us). Documents that expand past a fixed size (alias bombs) are
 * rejected. Returns 0 or -errno with
 * the reason appended to err.
 */
int yaml_load_file(const char *path, json_t **ret, struct strbuf *err);
