// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tree.h"
#include "util/strbuf.h"

int tree_setup(void **state, const char *prefix, const char *sub)
{
	struct tree *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	snprintf(t->root, sizeof(t->root), "/tmp/%s.XXXXXX", prefix);
	assert_non_null(mkdtemp(t->root));
	if (sub && sub[0])
		snprintf(t->base, sizeof(t->base), "%s/%s", t->root, sub);
	else
		snprintf(t->base, sizeof(t->base), "%s", t->root);
	*state = t;
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

int tree_teardown(void **state)
{
	struct tree *t = *state;

	assert_int_equal(nftw(t->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
	free(t);
	return 0;
}

char *tree_path(const struct tree *t, const char *rel)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s/%s", t->base, rel);
	return strbuf_detach(&sb);
}

void tree_mkdirs(const struct tree *t, const char *rel)
{
	char *p = tree_path(t, rel);

	for (char *s = p + strlen(t->root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		assert_true(mkdir(p, 0755) == 0 || errno == EEXIST);
		*s = '/';
	}
	assert_true(mkdir(p, 0755) == 0 || errno == EEXIST);
	free(p);
}

void tree_write(const struct tree *t, const char *rel, const void *data, size_t len, mode_t mode)
{
	char *p = tree_path(t, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	free(p);
}

void tree_attr(const struct tree *t, const char *dir, const char *name, const char *value)
{
	struct strbuf rel = STRBUF_INIT, text = STRBUF_INIT;

	tree_mkdirs(t, dir);
	strbuf_addf(&rel, "%s/%s", dir, name);
	if (value)
		strbuf_addf(&text, "%s\n", value);
	tree_write(t, rel.buf, text.buf, text.len, 0644);
	strbuf_done(&rel);
	strbuf_done(&text);
}

char *tree_read(const struct tree *t, const char *rel)
{
	char buf[256], *p = tree_path(t, rel);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
	free(p);
	return strdup(buf);
}
