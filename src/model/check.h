/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/macro.h"
#include "util/strbuf.h"

/*
 * Validation helpers shared by the model types. Each check appends
 * "<path>: <reason>" to err (when err is not NULL) and returns -EINVAL, or
 * returns 0. The path is a printf format, so callers name array elements
 * ("spec.members[%zu].nodeName", i) without building strings first; paths use
 * the JSON field names of docs/crds.md because they end up in front of users.
 */

/*
 * Timestamps are int64 Unix seconds. The range is what RFC 3339 can write:
 * 0000-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
 */
#define MODEL_TIME_MIN (-62167219200LL)
#define MODEL_TIME_MAX 253402300799LL

int model_error(struct strbuf *err, const char *reason, const char *path_fmt, ...) _printf_(3, 4);

/* s must be non-NULL (when min > 0) and its length within [min, max] bytes. */
int model_check_string(struct strbuf *err, const char *s, size_t min, size_t max,
		       const char *path_fmt, ...) _printf_(5, 6);
/* NULL is accepted (an optional field); a set string must be 1..max bytes. */
int model_check_optional(struct strbuf *err, const char *s, size_t max, const char *path_fmt, ...)
	_printf_(4, 5);
/* A required DNS-1123 subdomain: a Kubernetes object or node name. */
int model_check_name(struct strbuf *err, const char *s, const char *path_fmt, ...) _printf_(3, 4);
int model_check_int(struct strbuf *err, int64_t v, int64_t min, int64_t max, const char *path_fmt,
		    ...) _printf_(5, 6);
/* A timestamp in [MODEL_TIME_MIN, MODEL_TIME_MAX]. */
int model_check_time(struct strbuf *err, int64_t t, const char *path_fmt, ...) _printf_(3, 4);
