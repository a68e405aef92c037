// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/check.h"
#include "model/meta.h"
#include "util/xalloc.h"
#include "util/banned.h"

size_t strv_length(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void meta_done(struct object_meta *m)
{
	free(m->name);
	free(m->uid);
	free(m->resource_version);
	strv_free(m->finalizers);
	*m = (struct object_meta){ 0 };
}

int meta_validate(const struct object_meta *m, struct strbuf *err)
{
	size_t n = strv_length(m->finalizers);

	if (model_check_name(err, m->name, "metadata.name") < 0 ||
	    model_check_optional(err, m->uid, META_UID_MAX, "metadata.uid") < 0 ||
	    model_check_optional(err, m->resource_version, META_RESOURCE_VERSION_MAX,
				 "metadata.resourceVersion") < 0 ||
	    model_check_int(err, m->generation, 0, INT64_MAX, "metadata.generation") < 0)
		return -EINVAL;
	if (n > META_FINALIZERS_MAX)
		return model_error(err, "too many entries", "metadata.finalizers");
	for (size_t i = 0; i < n; i++) {
		if (model_check_string(err, m->finalizers[i], 1, META_FINALIZER_MAX,
				       "metadata.finalizers[%zu]", i) < 0)
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (strcmp(m->finalizers[i], m->finalizers[j]) == 0)
				return model_error(err, "duplicate entry",
						   "metadata.finalizers[%zu]", i);
	}
	return 0;
}

bool meta_has_finalizer(const struct object_meta *m, const char *finalizer)
{
	for (size_t i = 0; m->finalizers && m->finalizers[i]; i++)
		if (strcmp(m->finalizers[i], finalizer) == 0)
			return true;
	return false;
}

bool meta_add_finalizer(struct object_meta *m, const char *finalizer)
{
	size_t n = strv_length(m->finalizers);

	if (meta_has_finalizer(m, finalizer))
		return false;
	m->finalizers = xrealloc(m->finalizers, (n + 2) * sizeof(char *));
	m->finalizers[n] = xstrdup(finalizer);
	m->finalizers[n + 1] = NULL;
	return true;
}

bool meta_remove_finalizer(struct object_meta *m, const char *finalizer)
{
	size_t n = strv_length(m->finalizers), j = 0;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(m->finalizers[i], finalizer) == 0)
			free(m->finalizers[i]);
		else
			m->finalizers[j++] = m->finalizers[i];
	}
	if (j == n)
		return false;
	m->finalizers[j] = NULL;
	if (j == 0) {
		free(m->finalizers);
		m->finalizers = NULL;
	}
	return true;
}
