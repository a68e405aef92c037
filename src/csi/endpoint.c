// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>
#include <sys/un.h>

#include "csi/endpoint.h"
#include "util/xalloc.h"
#include "util/banned.h"

int csi_endpoint_parse(const char *endpoint, char **ret_path)
{
	const struct sockaddr_un sun = { 0 };
	const char *path;
	size_t len;

	if (strncmp(endpoint, "unix://", 7) == 0)
		path = endpoint + 7;
	else if (strncmp(endpoint, "unix:", 5) == 0)
		path = endpoint + 5;
	else
		return -EINVAL;
	len = strlen(path);
	if (path[0] != '/' || len >= sizeof(sun.sun_path))
		return -EINVAL;
	/* "unix:///a//b" is legal; "..", though, would make the lock file's place unclear. */
	if (strstr(path, "/../") || (len >= 3 && strcmp(path + len - 3, "/..") == 0))
		return -EINVAL;
	*ret_path = xstrdup(path);
	return 0;
}
