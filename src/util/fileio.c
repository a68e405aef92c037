// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "util/banned.h"

int read_attr(const char *dir, const char *name, char **ret)
{
	_cleanup_strbuf_ struct strbuf path = STRBUF_INIT;
	_cleanup_close_ int fd = -1;
	char buf[4096];
	ssize_t n;
	size_t len;

	strbuf_adds(&path, dir);
	if (name)
		strbuf_addf(&path, "/%s", name);
	fd = open(path.buf, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	len = strcspn(buf, "\n");
	while (len > 0 && buf[len - 1] == ' ')
		len--;
	buf[len] = '\0';
	*ret = xstrdup(buf);
	return 0;
}

char *read_attr_or_null(const char *dir, const char *name)
{
	char *v;

	if (read_attr(dir, name, &v) < 0)
		return NULL;
	if (!v[0]) {
		free(v);
		return NULL;
	}
	return v;
}
