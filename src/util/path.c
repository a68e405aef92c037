// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/path.h"
#include "util/strbuf.h"
#include "util/banned.h"

int path_find_executable(const char *name, const char *search, char **ret)
{
	struct strbuf candidate = STRBUF_INIT;
	const char *p;

	if (strchr(name, '/'))
		return -EINVAL;
	if (!search)
		search = getenv("PATH");
	if (!search)
		search = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (p = search; *p;) {
		size_t len = strcspn(p, ":");

		/* Relative entries would make the result depend on the working directory. */
		if (len > 0 && p[0] == '/') {
			strbuf_reset(&candidate);
			strbuf_add(&candidate, p, len);
			strbuf_addf(&candidate, "/%s", name);
			struct stat st;

			if (stat(candidate.buf, &st) == 0 && S_ISREG(st.st_mode) &&
			    access(candidate.buf, X_OK) == 0) {
				*ret = strbuf_detach(&candidate);
				return 0;
			}
		}
		p += len;
		if (*p == ':')
			p++;
	}
	strbuf_done(&candidate);
	return -ENOENT;
}

const char *path_basename(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path;
}

char *path_join_root(const char *root, const char *path)
{
	struct strbuf sb = STRBUF_INIT;

	if (root && root[0] && strcmp(root, "/") != 0)
		strbuf_adds(&sb, root);
	strbuf_adds(&sb, path);
	return strbuf_detach(&sb);
}
