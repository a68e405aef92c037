/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Table fixtures written as text, one object a line, for the controller's
 * tests (test-placement.c, test-topology.c): words split in place, numbers
 * parsed or the test failed. Include after <cmocka.h>.
 */
#pragma once

#include <stdint.h>
#include <string.h>

#include "util/parse.h"

/* The next space-separated word of *s, cut in place (NULL at the end). */
static inline char *next_token(char **s)
{
	char *t = *s + strspn(*s, " "), *end;

	if (!*t)
		return NULL;
	end = t + strcspn(t, " ");
	*s = *end ? end + 1 : end;
	*end = '\0';
	return t;
}

static inline uint64_t number(const char *s)
{
	uint64_t v = 0;

	if (parse_u64(s, &v) < 0)
		fail_msg("fixture: '%s' is not a number", s);
	return v;
}
