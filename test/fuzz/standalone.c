// SPDX-License-Identifier: GPL-2.0-only
/*
 * Runs a libFuzzer target over files, without libFuzzer: how the corpus runs
 * as an ordinary test in builds made with gcc. Arguments are files or
 * directories of files.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/cleanup.h"
#include "util/strbuf.h"
#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;

	if (!f) {
		fprintf(stderr, "cannot open %s: %s\n", path, strerror(errno));
		return -errno;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	LLVMFuzzerTestOneInput((const uint8_t *)sb.buf, sb.len);
	strbuf_done(&sb);
	return 1;
}

static int run_path(const char *path)
{
	struct dirent **entries;
	struct stat st;
	int n, count = 0;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "cannot stat %s: %s\n", path, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	n = scandir(path, &entries, NULL, alphasort);
	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		if (entries[i]->d_name[0] != '.' && count >= 0) {
			struct strbuf child = STRBUF_INIT;
			int r;

			strbuf_addf(&child, "%s/%s", path, entries[i]->d_name);
			r = run_path(child.buf);
			count = r < 0 ? r : count + r;
			strbuf_done(&child);
		}
		free(entries[i]);
	}
	free(entries);
	return count;
}

int main(int argc, char **argv)
{
	int total = 0;

	for (int i = 1; i < argc; i++) {
		int r = run_path(argv[i]);

		if (r < 0)
			return EXIT_FAILURE;
		total += r;
	}
	if (total == 0) {
		fprintf(stderr, "no inputs found\n");
		return EXIT_FAILURE;
	}
	printf("%d inputs ran without a crash\n", total);
	return EXIT_SUCCESS;
}
