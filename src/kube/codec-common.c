// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kube/codec.h"
#include "kube/codec-common.h"
#include "model/check.h"
#include "util/cleanup.h"
#include "util/xalloc.h"
#include "util/banned.h"

static int field_error(struct strbuf *err, const char *path, const char *key, const char *reason)
{
	return model_error(err, reason, "%s%s%s", path, *path ? "." : "", key);
}

/* The field, or NULL when absent or null; -EINVAL when required and so missing. */
static int lookup(const json_t *obj, const char *path, const char *key, bool required,
		  const json_t **ret, struct strbuf *err)
{
	const json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v)) {
		if (required)
			return field_error(err, path, key, "missing");
		return 0;
	}
	*ret = v;
	return 1;
}

int codec_get_object(const json_t *obj, const char *path, const char *key, bool required,
		     const json_t **ret, struct strbuf *err)
{
	const json_t *v = NULL;
	int r = lookup(obj, path, key, required, &v, err);

	if (r <= 0)
		return r;
	if (!json_is_object(v))
		return field_error(err, path, key, "expected an object");
	*ret = v;
	return 1;
}

int codec_get_array(const json_t *obj, const char *path, const char *key, size_t max,
		    const json_t **ret, struct strbuf *err)
{
	const json_t *v = NULL;
	int r = lookup(obj, path, key, false, &v, err);

	if (r <= 0)
		return r;
	if (!json_is_array(v))
		return field_error(err, path, key, "expected an array");
	if (json_array_size(v) > max)
		return field_error(err, path, key, "too many entries");
	*ret = v;
	return 1;
}

int codec_get_string(const json_t *obj, const char *path, const char *key, bool required,
		     char **ret, struct strbuf *err)
{
	const json_t *v = NULL;
	const char *s;
	int r = lookup(obj, path, key, required, &v, err);

	if (r <= 0)
		return r;
	if (!json_is_string(v))
		return field_error(err, path, key, "expected a string");
	s = json_string_value(v);
	/* JSON allows "\u0000"; C would silently cut the string there. */
	if (strlen(s) != json_string_length(v))
		return field_error(err, path, key, "contains a NUL character");
	if (!required && !*s)
		return 0;
	*ret = xstrdup(s);
	return 1;
}

int codec_get_int64(const json_t *obj, const char *path, const char *key, bool required,
		    int64_t *ret, struct strbuf *err)
{
	const json_t *v = NULL;
	int r = lookup(obj, path, key, required, &v, err);

	if (r <= 0)
		return r;
	/* jansson keeps 1.0 a real and true a boolean: neither is an integer here. */
	if (!json_is_integer(v))
		return field_error(err, path, key, "expected an integer");
	*ret = json_integer_value(v);
	return 1;
}

int codec_get_int32(const json_t *obj, const char *path, const char *key, bool required,
		    int32_t *ret, struct strbuf *err)
{
	int64_t v;
	int r = codec_get_int64(obj, path, key, required, &v, err);

	if (r <= 0)
		return r;
	if (v < INT32_MIN || v > INT32_MAX)
		return field_error(err, path, key, "out of range for int32");
	*ret = (int32_t)v;
	return 1;
}

int codec_get_bool(const json_t *obj, const char *path, const char *key, bool *ret,
		   struct strbuf *err)
{
	const json_t *v = NULL;
	int r = lookup(obj, path, key, false, &v, err);

	if (r <= 0)
		return r;
	if (!json_is_boolean(v))
		return field_error(err, path, key, "expected a boolean");
	*ret = json_is_true(v);
	return 1;
}

int codec_get_time(const json_t *obj, const char *path, const char *key, bool required,
		   int64_t *ret, struct strbuf *err)
{
	const json_t *v = NULL;
	int r = lookup(obj, path, key, required, &v, err);

	if (r <= 0)
		return r;
	if (!json_is_string(v))
		return field_error(err, path, key, "expected a string");
	if (strlen(json_string_value(v)) != json_string_length(v) ||
	    codec_time_parse(json_string_value(v), ret) < 0)
		return field_error(err, path, key, "not an RFC 3339 date-time");
	return 1;
}

int codec_get_enum(const json_t *obj, const char *path, const char *key, bool required,
		   int (*from_string)(const char *), int *ret, struct strbuf *err)
{
	_cleanup_free_ char *s = NULL;
	int r = codec_get_string(obj, path, key, required, &s, err);

	if (r <= 0)
		return r;
	r = from_string(s);
	if (r < 0)
		return field_error(err, path, key, "unknown value");
	*ret = r;
	return 1;
}

void codec_element_path(struct strbuf *sb, const char *path, const char *key, size_t i)
{
	strbuf_reset(sb);
	strbuf_addf(sb, "%s%s%s[%zu]", path, *path ? "." : "", key, i);
}

static int expect_string(const json_t *obj, const char *key, const char *want, struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf reason = STRBUF_INIT;
	_cleanup_free_ char *s = NULL;

	if (codec_get_string(obj, "", key, true, &s, err) < 0)
		return -EINVAL;
	if (strcmp(s, want) == 0)
		return 0;
	strbuf_addf(&reason, "must be \"%s\"", want);
	return model_error(err, reason.buf, "%s", key);
}

static int get_finalizers(const json_t *meta, struct object_meta *m, struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf path = STRBUF_INIT;
	const json_t *a = NULL;
	size_t n;

	if (codec_get_array(meta, "metadata", "finalizers", META_FINALIZERS_MAX, &a, err) < 0)
		return -EINVAL;
	n = a ? json_array_size(a) : 0;
	if (n == 0)
		return 0;
	m->finalizers = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		const json_t *f = json_array_get(a, i);

		codec_element_path(&path, "metadata", "finalizers", i);
		if (!json_is_string(f))
			return model_error(err, "expected a string", "%s", path.buf);
		if (strlen(json_string_value(f)) != json_string_length(f))
			return model_error(err, "contains a NUL character", "%s", path.buf);
		m->finalizers[i] = xstrdup(json_string_value(f));
	}
	return 0;
}

int codec_get_meta(const json_t *obj, const char *kind, struct object_meta *m, struct strbuf *err)
{
	const json_t *meta = NULL;
	int64_t deletion;

	if (!json_is_object(obj))
		return model_error(err, "expected a JSON object", "(top level)");
	if (expect_string(obj, "apiVersion", CODEC_API_VERSION, err) < 0 ||
	    expect_string(obj, "kind", kind, err) < 0 ||
	    codec_get_object(obj, "", "metadata", true, &meta, err) < 0 ||
	    codec_get_string(meta, "metadata", "name", true, &m->name, err) < 0 ||
	    codec_get_string(meta, "metadata", "uid", false, &m->uid, err) < 0 ||
	    codec_get_string(meta, "metadata", "resourceVersion", false, &m->resource_version,
			     err) < 0 ||
	    codec_get_int64(meta, "metadata", "generation", false, &m->generation, err) < 0 ||
	    get_finalizers(meta, m, err) < 0)
		return -EINVAL;
	switch (codec_get_time(meta, "metadata", "deletionTimestamp", false, &deletion, err)) {
	case 1:
		m->deleting = true;
		return 0;
	case 0:
		return 0;
	default:
		return -EINVAL;
	}
}

static int get_condition(const json_t *o, const char *path, struct condition *c, struct strbuf *err)
{
	int status = CONDITION_UNKNOWN;

	if (!json_is_object(o))
		return model_error(err, "expected an object", "%s", path);
	if (codec_get_string(o, path, "type", true, &c->type, err) < 0 ||
	    codec_get_enum(o, path, "status", true, condition_status_from_string, &status, err) <
		    0 ||
	    codec_get_string(o, path, "reason", true, &c->reason, err) < 0 ||
	    codec_get_string(o, path, "message", false, &c->message, err) < 0 ||
	    codec_get_time(o, path, "lastTransitionTime", true, &c->last_transition_time, err) <
		    0 ||
	    codec_get_int64(o, path, "observedGeneration", false, &c->observed_generation, err) < 0)
		return -EINVAL;
	c->status = status;
	return 0;
}

int codec_get_conditions(const json_t *status, struct condition **ret, size_t *ret_n,
			 struct strbuf *err)
{
	_cleanup_strbuf_ struct strbuf path = STRBUF_INIT;
	const json_t *a = NULL;
	struct condition *c;
	size_t n;

	if (status && codec_get_array(status, "status", "conditions", CONDITIONS_MAX, &a, err) < 0)
		return -EINVAL;
	n = a ? json_array_size(a) : 0;
	if (n == 0)
		return 0;
	c = xcalloc(n, sizeof(*c));
	for (size_t i = 0; i < n; i++) {
		codec_element_path(&path, "status", "conditions", i);
		if (get_condition(json_array_get(a, i), path.buf, &c[i], err) < 0) {
			conditions_free(c, n);
			return -EINVAL;
		}
	}
	*ret = c;
	*ret_n = n;
	return 0;
}

int codec_set(json_t *obj, const char *key, json_t *value)
{
	/*
	 * json_object_set_new() takes value and drops it on failure; NULL is an allocation failure.
	 */
	return json_object_set_new(obj, key, value) < 0 ? -ENOMEM : 0;
}

int codec_set_string(json_t *obj, const char *key, const char *s)
{
	return s ? codec_set(obj, key, json_string(s)) : 0;
}

int codec_set_int(json_t *obj, const char *key, int64_t v)
{
	return codec_set(obj, key, json_integer(v));
}

int codec_set_bool(json_t *obj, const char *key, bool b)
{
	return codec_set(obj, key, json_boolean(b));
}

static int set_time_always(json_t *obj, const char *key, int64_t t)
{
	char buf[CODEC_TIME_LEN + 1];

	if (codec_time_format(t, buf) < 0)
		return -EINVAL;
	return codec_set(obj, key, json_string(buf));
}

int codec_set_time(json_t *obj, const char *key, int64_t t)
{
	return t ? set_time_always(obj, key, t) : 0;
}

static json_t *condition_to_json(const struct condition *c)
{
	json_t *o = json_object();
	int r = 0;

	if (!o)
		return NULL;
	/* metav1.Condition requires all but observedGeneration; message may be "". */
	r |= codec_set_string(o, "type", c->type);
	r |= codec_set_string(o, "status", condition_status_to_string(c->status));
	r |= codec_set_string(o, "reason", c->reason);
	r |= codec_set_string(o, "message", c->message ?: "");
	r |= set_time_always(o, "lastTransitionTime", c->last_transition_time);
	r |= codec_set_int(o, "observedGeneration", c->observed_generation);
	return codec_finish(o, r);
}

int codec_set_conditions(json_t *status, const struct condition *c, size_t n)
{
	json_t *a;

	if (n == 0)
		return 0;
	a = json_array();
	if (!a)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(a, condition_to_json(&c[i])) < 0) {
			json_decref(a);
			return -ENOMEM;
		}
	return codec_set(status, "conditions", a);
}

json_t *codec_finish(json_t *obj, int r)
{
	if (r == 0)
		return obj;
	json_decref(obj);
	return NULL;
}

/* m's finalizers as a JSON array (empty when none); NULL when jansson cannot allocate. */
static json_t *finalizers_to_json(const struct object_meta *m)
{
	json_t *f = json_array();

	for (size_t i = 0; f && m->finalizers && m->finalizers[i]; i++)
		if (json_array_append_new(f, json_string(m->finalizers[i])) < 0) {
			json_decref(f);
			return NULL;
		}
	return f;
}

static json_t *meta_to_json(const struct object_meta *m)
{
	json_t *o = json_object();
	int r = 0;

	if (!o)
		return NULL;
	r |= codec_set_string(o, "name", m->name);
	r |= codec_set_string(o, "resourceVersion", m->resource_version);
	if (m->finalizers && m->finalizers[0])
		r |= codec_set(o, "finalizers", finalizers_to_json(m));
	return codec_finish(o, r);
}

int codec_finalizers_into(json_t *obj, const struct object_meta *m)
{
	json_t *meta = json_object_get(obj, "metadata");

	if (!json_is_object(meta))
		return -EINVAL;
	return codec_set(meta, "finalizers", finalizers_to_json(m));
}

json_t *codec_new_object(const char *kind, const struct object_meta *meta)
{
	json_t *o = json_object();
	int r = 0;

	if (!o)
		return NULL;
	r |= codec_set_string(o, "apiVersion", CODEC_API_VERSION);
	r |= codec_set_string(o, "kind", kind);
	r |= codec_set(o, "metadata", meta_to_json(meta));
	return codec_finish(o, r);
}
