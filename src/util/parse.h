/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/*
 * Strict number parsers: the whole string must be a decimal number in range,
 * no sign for unsigned, no surrounding space. Return 0 or -EINVAL / -ERANGE and
 * write *ret only on success.
 */
int parse_u64(const char *s, uint64_t *ret);
int parse_u64_range(const char *s, uint64_t min, uint64_t max, uint64_t *ret);
int parse_int_range(const char *s, int min, int max, int *ret);
int parse_bool(const char *s, bool *ret);
