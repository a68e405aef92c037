// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/base64.h"
#include "util/xalloc.h"
#include "util/banned.h"

static int value_of(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int base64_decode(const char *in, uint8_t **ret, size_t *ret_len)
{
	uint8_t *out = xmalloc(strlen(in) / 4 * 3 + 4);
	size_t n = 0, pad = 0;
	unsigned bits = 0, acc = 0;

	for (const char *p = in; *p; p++) {
		int v;

		if (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
			continue;
		if (*p == '=') {
			pad++;
			continue;
		}
		v = value_of(*p);
		/* Data after padding, or a character outside the alphabet. */
		if (v < 0 || pad)
			goto invalid;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	/* Leftover bits must be zero padding of a 2- or 3-character final group. */
	if (bits >= 6 || (acc & ((1u << bits) - 1)) || pad > 2)
		goto invalid;
	out[n] = 0;
	*ret = out;
	*ret_len = n;
	return 0;

invalid:
	free(out);
	return -EINVAL;
}
