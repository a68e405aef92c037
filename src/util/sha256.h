/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32

/*
 * SHA-256 (FIPS 180-4), for deriving names and UUIDs, never for secrets. Small
 * enough to carry rather than link a crypto library into model/.
 */
struct sha256 {
	uint32_t h[8];
	uint64_t len;
	uint8_t buf[64];
	size_t fill;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t ret[SHA256_DIGEST_SIZE]);
void sha256(const void *data, size_t len, uint8_t ret[SHA256_DIGEST_SIZE]);
