// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "model/check.h"
#include "model/condition.h"
#include "util/macro.h"
#include "util/xalloc.h"
#include "util/banned.h"

static const char *const status_names[] = {
	[CONDITION_TRUE] = "True",
	[CONDITION_FALSE] = "False",
	[CONDITION_UNKNOWN] = "Unknown",
};

const char *condition_status_to_string(enum condition_status s)
{
	if ((unsigned)s >= ARRAY_SIZE(status_names))
		return NULL;
	return status_names[s];
}

int condition_status_from_string(const char *s)
{
	for (size_t i = 0; s && i < ARRAY_SIZE(status_names); i++)
		if (strcmp(status_names[i], s) == 0)
			return (int)i;
	return -EINVAL;
}

void condition_done(struct condition *c)
{
	free(c->type);
	free(c->reason);
	free(c->message);
	*c = (struct condition){ 0 };
}

static bool set_string(char **field, const char *value)
{
	if (*field && value && strcmp(*field, value) == 0)
		return false;
	if (!*field && !value)
		return false;
	free(*field);
	*field = value ? xstrdup(value) : NULL;
	return true;
}

bool conditions_set(struct condition **c, size_t *n, const char *type, enum condition_status status,
		    const char *reason, const char *message, int64_t now, int64_t generation)
{
	struct condition *k = NULL;
	bool changed = false;

	for (size_t i = 0; i < *n && !k; i++)
		if (strcmp((*c)[i].type, type) == 0)
			k = &(*c)[i];
	if (!k) {
		*c = xreallocarray(*c, *n + 1, sizeof(**c));
		k = &(*c)[(*n)++];
		*k = (struct condition){ .type = xstrdup(type),
					 .status = status,
					 .last_transition_time = now };
		changed = true;
	}
	if (k->status != status) {
		k->status = status;
		k->last_transition_time = now;
		changed = true;
	}
	changed |= set_string(&k->reason, reason);
	changed |= set_string(&k->message, message);
	if (k->observed_generation != generation) {
		k->observed_generation = generation;
		changed = true;
	}
	return changed;
}

void conditions_free(struct condition *c, size_t n)
{
	for (size_t i = 0; c && i < n; i++)
		condition_done(&c[i]);
	free(c);
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

/*
 * A qualified name as metav1.Condition.Type wants it: an optional DNS prefix and
 * "/", then a name of [A-Za-z0-9_.-] that starts and ends alphanumeric. The
 * prefix is checked loosely (the same characters, lowercase); nothing we write
 * has one.
 */
static bool type_ok(const char *s)
{
	const char *name = strrchr(s, '/');
	size_t len;

	if (name) {
		for (const char *p = s; p < name; p++)
			if (!(*p >= 'a' && *p <= 'z') && !(*p >= '0' && *p <= '9') && *p != '-' &&
			    *p != '.')
				return false;
		if (name == s)
			return false;
		name++;
	} else {
		name = s;
	}
	len = strlen(name);
	if (len == 0 || len > 63 || !is_alnum(name[0]) || !is_alnum(name[len - 1]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_alnum(name[i]) && !strchr("-_.", name[i]))
			return false;
	return true;
}

/* ^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$ */
static bool reason_ok(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || !is_alpha(s[0]) || s[len - 1] == ',' || s[len - 1] == ':')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_alnum(s[i]) && !strchr("_,:", s[i]))
			return false;
	return true;
}

static int condition_validate(const struct condition *c, size_t i, struct strbuf *err)
{
	if (model_check_string(err, c->type, 1, CONDITION_TYPE_MAX, "status.conditions[%zu].type",
			       i) < 0 ||
	    model_check_string(err, c->reason, 1, CONDITION_REASON_MAX,
			       "status.conditions[%zu].reason", i) < 0 ||
	    model_check_string(err, c->message, 0, CONDITION_MESSAGE_MAX,
			       "status.conditions[%zu].message", i) < 0 ||
	    model_check_time(err, c->last_transition_time,
			     "status.conditions[%zu].lastTransitionTime", i) < 0 ||
	    model_check_int(err, c->observed_generation, 0, INT64_MAX,
			    "status.conditions[%zu].observedGeneration", i) < 0)
		return -EINVAL;
	if (!type_ok(c->type))
		return model_error(err, "not a qualified name", "status.conditions[%zu].type", i);
	if (!condition_status_to_string(c->status))
		return model_error(err, "not True, False or Unknown",
				   "status.conditions[%zu].status", i);
	if (!reason_ok(c->reason))
		return model_error(err, "must match [A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?",
				   "status.conditions[%zu].reason", i);
	return 0;
}

int conditions_validate(const struct condition *c, size_t n, struct strbuf *err)
{
	if (n > CONDITIONS_MAX)
		return model_error(err, "too many entries", "status.conditions");
	for (size_t i = 0; i < n; i++) {
		if (condition_validate(&c[i], i, err) < 0)
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (strcmp(c[i].type, c[j].type) == 0)
				return model_error(err, "duplicate type",
						   "status.conditions[%zu].type", i);
	}
	return 0;
}
