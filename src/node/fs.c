// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <libmount/libmount.h>
#include <string.h>

#include "node/fs.h"
#include "util/cleanup.h"
#include "util/path.h"
#include "util/banned.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct libmnt_table *, mnt_unref_table);

int fs_is_mountpoint(const char *root, const char *path, bool *ret)
{
	_cleanup_(mnt_unref_tablep) struct libmnt_table *tb = NULL;
	_cleanup_free_ char *mountinfo = path_join_root(root, "/proc/self/mountinfo");
	int r;

	tb = mnt_new_table();
	if (!tb)
		return -ENOMEM;
	r = mnt_table_parse_file(tb, mountinfo);
	if (r < 0)
		return r;
	/* Backwards: the last mount on a path is the one that is visible. */
	*ret = mnt_table_find_target(tb, path, MNT_ITER_BACKWARD) != NULL;
	return 0;
}

int fs_check_target_path(const char *path)
{
	const char *p = path;

	if (path[0] != '/' || strlen(path) > 4096)
		return -EINVAL;
	while (*p) {
		size_t len;

		p++;
		len = strcspn(p, "/");
		if (len == 0 && p[0] == '/')
			return -EINVAL;
		if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return -EINVAL;
		p += len;
	}
	return 0;
}
