// SPDX-License-Identifier: GPL-2.0-only
/*
 * `meshstor status` and `meshstor volume NAME`, which kubectl runs as
 * `kubectl meshstor ...` when this binary is on PATH as kubectl-meshstor:
 * what an operator asks first, read from the API server, changing nothing.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "inspect-print.h"
#include "kube/inspect.h"
#include "model/names.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/banned.h"

enum {
	OPT_KUBECONFIG = 0x100,
};

struct inspect_options {
	const char *kubeconfig;
	bool json;
	const char *volume; /* meshstor volume NAME */
};

static void usage(bool volume)
{
	if (volume)
		printf("Usage: meshstor volume NAME [OPTIONS]   (kubectl meshstor volume NAME)\n\n"
		       "One MeshStorVolume: its claim, phase and consumer; each member, where it\n"
		       "is and what its state is, with the reason when it waits; the volume's\n"
		       "conditions; its latest Events.\n\n");
	else
		printf("Usage: meshstor status [OPTIONS]   (kubectl meshstor status)\n\n"
		       "The cluster at a glance: each node (when its agent last renewed its Lease,\n"
		       "its drives, their size and free bytes, the members it holds) and each\n"
		       "volume (its claim, phase, active members, consumer and where its members\n"
		       "are).\n\n");
	printf("  --kubeconfig=FILE   the cluster to use (default: $KUBECONFIG, the pod's\n"
	       "                      service account, or ~/.kube/config)\n"
	       "  -o, --output=FORMAT table (default) or json\n"
	       "  -h, --help          show this help\n\n"
	       "Reads only. Exits 0, or 1 when the API could not be read (or, for volume,\n"
	       "there is no such MeshStorVolume).\n");
}

static int parse(int argc, char **argv, bool volume, struct inspect_options *o)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "kubeconfig", required_argument, NULL, OPT_KUBECONFIG },
		{ "output", required_argument, NULL, 'o' },
		{ 0 },
	};
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "ho:", options, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(volume);
			return 1;
		case OPT_KUBECONFIG:
			o->kubeconfig = optarg;
			break;
		case 'o':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "table") != 0)
				return log_error_errno(
					-EINVAL, "Invalid --output '%s': expected table or json",
					optarg);
			o->json = strcmp(optarg, "json") == 0;
			break;
		default:
			return -EINVAL;
		}
	}
	if (volume && optind < argc)
		o->volume = argv[optind++];
	if (volume && !o->volume)
		return log_error_errno(-EINVAL, "Which volume? Usage: meshstor volume NAME");
	if (o->volume && !name_is_dns1123_subdomain(o->volume))
		return log_error_errno(-EINVAL, "Invalid volume name '%s'", o->volume);
	if (optind < argc)
		return log_error_errno(-EINVAL, "Unexpected argument '%s'; see --help",
				       argv[optind]);
	return 0;
}

static int run(int argc, char **argv, bool volume)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct inspect_options o = { 0 };
	struct kube_client *client = NULL;
	struct inspect_view view;
	int r = parse(argc, argv, volume, &o);

	if (r != 0)
		return r > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	if (kube_client_connect(o.kubeconfig, &client) < 0)
		return EXIT_FAILURE;
	r = volume ? kube_inspect_volume(client, o.volume, &view, &err)
		   : kube_inspect_cluster(client, &view, &err);
	kube_client_free(client);
	if (r == -ENOENT && volume) {
		log_error("No MeshStorVolume %s (`kubectl get msvol` lists them)", o.volume);
		return EXIT_FAILURE;
	}
	if (r < 0) {
		log_error_errno(r, "Cannot read the cluster's state: %s",
				err.len ? err.buf : strerror(-r));
		return EXIT_FAILURE;
	}
	if (o.json) {
		_cleanup_free_ char *text = kube_inspect_json(&view);

		fputs(text, stdout);
	} else {
		if (volume)
			inspect_print_volume(&view, time(NULL), &out);
		else
			inspect_print_status(&view, time(NULL), &out);
		fputs(out.buf, stdout);
	}
	inspect_view_done(&view);
	return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

int status_main(int argc, char **argv)
{
	return run(argc, argv, false);
}

int volume_main(int argc, char **argv)
{
	return run(argc, argv, true);
}
