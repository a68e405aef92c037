/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * Decodes standard base64 (RFC 4648 §4, padding optional, whitespace
 * skipped, as kubeconfig's *-data fields carry it). Returns 0 and a malloc'd
 * buffer (NUL-terminated for convenience, not counted in *ret_len), or -EINVAL.
 */
int base64_decode(const char *in, uint8_t **ret, size_t *ret_len);
