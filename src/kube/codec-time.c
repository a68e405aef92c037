// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "kube/codec.h"
#include "model/check.h"
#include "util/banned.h"

/*
 * Days since 1970-01-01 of a proleptic Gregorian date and back: Howard Hinnant's
 * days_from_civil() and civil_from_days() ("chrono-Compatible Low-Level Date
 * Algorithms"), exact for every year we allow, negative ones included.
 */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *ret_y, unsigned *ret_m, unsigned *ret_d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*ret_d = doy - (153 * mp + 2) / 5 + 1;
	*ret_m = mp < 10 ? mp + 3 : mp - 9;
	*ret_y = (int64_t)yoe + era * 400 + (*ret_m <= 2);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Exactly n digits at s; stops at the first non-digit, so never reads past a NUL. */
static int digits(const char *s, unsigned n, int *ret)
{
	int v = 0;

	for (unsigned i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return 0;
}

static unsigned days_in_month(int y, int m)
{
	static const unsigned days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* "Z", or "+HH:MM"/"-HH:MM": the offset in seconds east of UTC. */
static int parse_offset(const char *p, int64_t *ret)
{
	int h, m;

	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		*ret = 0;
		return 0;
	}
	if ((*p != '+' && *p != '-') || digits(p + 1, 2, &h) < 0 || p[3] != ':' ||
	    digits(p + 4, 2, &m) < 0 || p[6] != '\0' || h > 23 || m > 59)
		return -EINVAL;
	*ret = (*p == '-' ? -1 : 1) * (int64_t)(h * 3600 + m * 60);
	return 0;
}

int codec_time_parse(const char *s, int64_t *ret)
{
	int y, mo, d, h, mi, sec;
	int64_t off, t;
	const char *p;

	if (!s || digits(s, 4, &y) < 0 || s[4] != '-' || digits(s + 5, 2, &mo) < 0 || s[7] != '-' ||
	    digits(s + 8, 2, &d) < 0 || (s[10] != 'T' && s[10] != 't') ||
	    digits(s + 11, 2, &h) < 0 || s[13] != ':' || digits(s + 14, 2, &mi) < 0 ||
	    s[16] != ':' || digits(s + 17, 2, &sec) < 0)
		return -EINVAL;
	p = s + 19;
	if (*p == '.') {
		if (!is_digit(*++p))
			return -EINVAL;
		while (is_digit(*p))
			p++;
	}
	/* Go's time.Parse, which the API server uses, refuses a leap second (:60); so do we. */
	if (parse_offset(p, &off) < 0 || mo < 1 || mo > 12 || d < 1 ||
	    (unsigned)d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59)
		return -EINVAL;
	t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec - off;
	if (t < MODEL_TIME_MIN || t > MODEL_TIME_MAX)
		return -EINVAL;
	*ret = t;
	return 0;
}

int codec_time_format(int64_t t, char ret[static CODEC_TIME_LEN + 1])
{
	int64_t days, secs, y;
	unsigned m, d;
	char buf[64]; /* room for any values, as far as the compiler can tell */
	int n;

	if (t < MODEL_TIME_MIN || t > MODEL_TIME_MAX)
		return -EINVAL;
	days = t / 86400;
	secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	n = snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, m, d,
		     (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
	if (n != CODEC_TIME_LEN)
		return -EINVAL;
	memcpy(ret, buf, CODEC_TIME_LEN + 1);
	return 0;
}
