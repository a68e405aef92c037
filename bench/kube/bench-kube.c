// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench/kube: creates N MeshStorVolumes, then starts an informer and reports
 * the time to a synced cache, this process's RSS, and how many API requests
 * the informer makes during an idle period (it must not grow with N).
 * Usage: bench-kube [N [IDLE_SECONDS]]   (KUBECONFIG names the cluster)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kube/client.h"
#include "kube/informer.h"
#include "util/clock.h"
#include "util/parse.h"
#include "util/strbuf.h"
#include "util/banned.h"

static long rss_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "re");

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			kib = strtol(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return kib;
}

static int create_volumes(struct kube_client *c, unsigned n)
{
	uint64_t t0 = now_usec();

	for (unsigned i = 0; i < n; i++) {
		struct strbuf err = STRBUF_INIT;
		char name[64];
		json_t *obj;
		int r;

		snprintf(name, sizeof(name), "bench-%05u", i);
		obj = json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:I, s:i, s:i, s:i, s:i, s:s, s:i}}",
				"apiVersion", "csi.meshstor.io/v1alpha1", "kind", "MeshStorVolume",
				"metadata", "name", name, "spec", "requestName", name,
				"capacityBytes", (json_int_t)1 << 30, "numberOfCopies", 2,
				"drivesPerCopy", 1, "memberMissingTimeoutSeconds", 900,
				"sectorSize", 4096, "fsType", "xfs", "epoch", 0);
		r = kube_create(c, &kube_meshstorvolumes, NULL, obj, NULL, &err);
		json_decref(obj);
		if (r < 0 && r != -EEXIST) {
			fprintf(stderr, "create %s: %s\n", name, err.buf);
			strbuf_done(&err);
			return r;
		}
		strbuf_done(&err);
	}
	printf("created %u MeshStorVolumes in %.2f s (%.1f ms each, sequential)\n", n,
	       (double)(now_usec() - t0) / 1e6, (double)(now_usec() - t0) / 1e3 / n);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct kube_informer_ops ops = { 0 };
	struct strbuf err = STRBUF_INIT;
	struct kube_informer_stats stats;
	struct kube_informer *inf;
	struct kube_config *cfg;
	struct kube_client *c;
	uint64_t n = 1000, idle = 60, t0, before;
	long rss_before;

	if ((argc > 1 && parse_u64_range(argv[1], 1, 100000, &n) < 0) ||
	    (argc > 2 && parse_u64_range(argv[2], 1, 3600, &idle) < 0)) {
		fprintf(stderr, "usage: bench-kube [N [IDLE_SECONDS]]\n");
		return 2;
	}
	if (kube_config_load(NULL, NULL, &cfg, &err) < 0 || kube_client_new(cfg, 30000, &c) < 0) {
		fprintf(stderr, "%s\n", err.buf);
		return 1;
	}
	if (create_volumes(c, (unsigned)n) < 0)
		return 1;

	rss_before = rss_kib();
	before = kube_client_requests(c);
	t0 = now_usec();
	if (kube_informer_start(c, &kube_meshstorvolumes, NULL, &ops, NULL, &inf) < 0 ||
	    !kube_informer_wait_synced(inf, 120000)) {
		fprintf(stderr, "informer did not sync\n");
		return 1;
	}
	printf("informer synced %zu objects in %.1f ms using %llu requests\n",
	       kube_informer_count(inf), (double)(now_usec() - t0) / 1e3,
	       (unsigned long long)(kube_client_requests(c) - before));
	printf("RSS: %.1f MiB before the informer, %.1f MiB with %zu objects cached\n",
	       rss_before / 1024.0, rss_kib() / 1024.0, kube_informer_count(inf));

	before = kube_client_requests(c);
	sleep((unsigned)idle);
	kube_informer_get_stats(inf, &stats);
	printf("idle %llu s: %llu API requests (watches started in all: %llu, lists: %llu)\n",
	       (unsigned long long)idle, (unsigned long long)(kube_client_requests(c) - before),
	       (unsigned long long)stats.watches, (unsigned long long)stats.lists);
	kube_informer_free(inf);
	kube_client_free(c);
	strbuf_done(&err);
	return 0;
}
