/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "model/condition.h"
#include "model/meta.h"
#include "util/strbuf.h"

/*
 * Helpers shared by codec-*.c. Readers take the object, its path ("" at the top,
 * "spec", "spec.members[2]") and a key. They return 1 and write *ret when the
 * field is there, 0 and leave *ret alone when it is absent or null and was not
 * required, and -EINVAL with "<path>.<key>: <reason>" appended to err otherwise.
 * Strings come back newly allocated; an empty optional one reads as absent.
 */
int codec_get_object(const json_t *obj, const char *path, const char *key, bool required,
		     const json_t **ret, struct strbuf *err);
int codec_get_array(const json_t *obj, const char *path, const char *key, size_t max,
		    const json_t **ret, struct strbuf *err);
int codec_get_string(const json_t *obj, const char *path, const char *key, bool required,
		     char **ret, struct strbuf *err);
int codec_get_int64(const json_t *obj, const char *path, const char *key, bool required,
		    int64_t *ret, struct strbuf *err);
int codec_get_int32(const json_t *obj, const char *path, const char *key, bool required,
		    int32_t *ret, struct strbuf *err);
int codec_get_bool(const json_t *obj, const char *path, const char *key, bool *ret,
		   struct strbuf *err);
int codec_get_time(const json_t *obj, const char *path, const char *key, bool required,
		   int64_t *ret, struct strbuf *err);
/* An enum field: the value of from_string(), which returns -EINVAL for unknown strings. */
int codec_get_enum(const json_t *obj, const char *path, const char *key, bool required,
		   int (*from_string)(const char *), int *ret, struct strbuf *err);

/* Sets sb to "<path>.<key>[<i>]", the path of an array element. */
void codec_element_path(struct strbuf *sb, const char *path, const char *key, size_t i);

/*
 * Checks that obj is an object of this kind and apiVersion, and reads its
 * metadata into m. On failure m may be partly filled; the caller frees it.
 */
int codec_get_meta(const json_t *obj, const char *kind, struct object_meta *m, struct strbuf *err);
/* Reads status.conditions; status may be NULL. */
int codec_get_conditions(const json_t *status, struct condition **ret, size_t *ret_n,
			 struct strbuf *err);

/*
 * Writers return 0, or -ENOMEM when jansson cannot allocate (-EINVAL for a time
 * out of range). A NULL string, or a time of 0 (unset), is left out.
 */
json_t *codec_new_object(const char *kind, const struct object_meta *meta);
/* obj's metadata.finalizers replaced by m's (an empty list when none). 0, -EINVAL, -ENOMEM. */
int codec_finalizers_into(json_t *obj, const struct object_meta *m);
int codec_set(json_t *obj, const char *key, json_t *value); /* takes value, even on failure */
int codec_set_string(json_t *obj, const char *key, const char *s);
int codec_set_int(json_t *obj, const char *key, int64_t v);
int codec_set_bool(json_t *obj, const char *key, bool b);
int codec_set_time(json_t *obj, const char *key, int64_t t);
int codec_set_conditions(json_t *status, const struct condition *c, size_t n);

/* Frees obj and returns NULL when r says a writer failed; returns obj otherwise. */
json_t *codec_finish(json_t *obj, int r);
