// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "model/check.h"
#include "model/names.h"
#include "util/banned.h"

static int fail(struct strbuf *err, const char *path_fmt, va_list ap, const char *reason_fmt, ...)
	_printf_(2, 0) _printf_(4, 5);

static int fail(struct strbuf *err, const char *path_fmt, va_list ap, const char *reason_fmt, ...)
{
	va_list rap;

	if (!err)
		return -EINVAL;
	strbuf_vaddf(err, path_fmt, ap);
	strbuf_adds(err, ": ");
	va_start(rap, reason_fmt);
	strbuf_vaddf(err, reason_fmt, rap);
	va_end(rap);
	return -EINVAL;
}

int model_error(struct strbuf *err, const char *reason, const char *path_fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, path_fmt);
	r = fail(err, path_fmt, ap, "%s", reason);
	va_end(ap);
	return r;
}

static int check_length(struct strbuf *err, const char *s, size_t min, size_t max,
			const char *path_fmt, va_list ap) _printf_(5, 0);

static int check_length(struct strbuf *err, const char *s, size_t min, size_t max,
			const char *path_fmt, va_list ap)
{
	size_t len;

	if (!s)
		return min > 0 ? fail(err, path_fmt, ap, "missing") : 0;
	/* strnlen: a hostile string is never walked further than the bound. */
	len = strnlen(s, max + 1);
	if (len < min || len > max)
		return fail(err, path_fmt, ap, "must be %zu-%zu characters long", min, max);
	return 0;
}

int model_check_string(struct strbuf *err, const char *s, size_t min, size_t max,
		       const char *path_fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, path_fmt);
	r = check_length(err, s, min, max, path_fmt, ap);
	va_end(ap);
	return r;
}

int model_check_optional(struct strbuf *err, const char *s, size_t max, const char *path_fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, path_fmt);
	r = s ? check_length(err, s, 1, max, path_fmt, ap) : 0;
	va_end(ap);
	return r;
}

int model_check_name(struct strbuf *err, const char *s, const char *path_fmt, ...)
{
	va_list ap;
	int r = 0;

	va_start(ap, path_fmt);
	if (!s)
		r = fail(err, path_fmt, ap, "missing");
	else if (!name_is_dns1123_subdomain(s))
		r = fail(err, path_fmt, ap,
			 "not a DNS-1123 subdomain (lowercase, at most %d characters)",
			 NAME_SUBDOMAIN_MAX);
	va_end(ap);
	return r;
}

int model_check_int(struct strbuf *err, int64_t v, int64_t min, int64_t max, const char *path_fmt,
		    ...)
{
	va_list ap;
	int r = 0;

	va_start(ap, path_fmt);
	if (v < min || v > max) {
		if (max == INT32_MAX || max == INT64_MAX)
			r = fail(err, path_fmt, ap, "must be at least %lld, got %lld",
				 (long long)min, (long long)v);
		else
			r = fail(err, path_fmt, ap, "must be between %lld and %lld, got %lld",
				 (long long)min, (long long)max, (long long)v);
	}
	va_end(ap);
	return r;
}

int model_check_time(struct strbuf *err, int64_t t, const char *path_fmt, ...)
{
	va_list ap;
	int r = 0;

	va_start(ap, path_fmt);
	if (t < MODEL_TIME_MIN || t > MODEL_TIME_MAX)
		r = fail(err, path_fmt, ap, "time outside the years 0000-9999");
	va_end(ap);
	return r;
}
