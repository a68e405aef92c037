// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "controller/cleanup.h"
#include "model/names.h"
#include "util/log.h"
#include "util/banned.h"

enum {
	OPT_KUBECONFIG = 0x100,
	OPT_GIVE_UP_DATA,
	OPT_DRY_RUN,
	OPT_LOG_LEVEL,
	OPT_LOG_FORMAT,
	OPT_NODE,
};

static void usage(void)
{
	printf("Usage: meshstor cleanup [OPTIONS]\n\n"
	       "After uninstalling MeshStor (its controller and node workloads gone), delete\n"
	       "what it left in the Kubernetes API: the MeshStorNode and MeshStorNodeDevice\n"
	       "objects and the node agents' Leases (namespace meshstor). The CRDs stay.\n"
	       "Refuses while a node agent still renews its Lease (it watches the Leases for\n"
	       "one lease duration, 40 s, to tell), and while any MeshStorVolume exists:\n"
	       "delete the PersistentVolumeClaims first, while MeshStor runs, so that its\n"
	       "agents remove the partitions. Never touches a drive.\n\n"
	       "  --kubeconfig=FILE             the cluster to use (default: $KUBECONFIG, the\n"
	       "                                pod's service account, or ~/.kube/config)\n"
	       "  --i-understand-data-is-lost   also delete every MeshStorVolume, removing the\n"
	       "                                node agents' finalizers: their data is given up\n"
	       "                                (the partitions stay on the drives, unused, until\n"
	       "                                wiped by hand)\n"
	       "  --node=NODE                   instead, release one node gone for good: remove\n"
	       "                                its agent's finalizer from every MeshStorVolume,\n"
	       "                                and on volumes being deleted forget an array\n"
	       "                                recorded there (status.nodeName), so the other\n"
	       "                                nodes delete their members; refuses while NODE's\n"
	       "                                agent renews its Lease; deletes nothing\n"
	       "  --dry-run                     say what would be deleted, delete nothing\n"
	       "  --log-level=LEVEL             error, warning, info (default) or debug\n"
	       "  --log-format=FORMAT           text (default) or json\n"
	       "  -h, --help                    show this help\n\n"
	       "Prints each object deleted on stdout; exits 0 when done, 1 when it refused\n"
	       "(nothing changed) or a request failed (run it again to carry on).\n");
}

static int parse(int argc, char **argv, struct cleanup_options *o)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "kubeconfig", required_argument, NULL, OPT_KUBECONFIG },
		{ "i-understand-data-is-lost", no_argument, NULL, OPT_GIVE_UP_DATA },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "node", required_argument, NULL, OPT_NODE },
		{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
		{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
		{ 0 },
	};
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage();
			return 1;
		case OPT_KUBECONFIG:
			o->kubeconfig = optarg;
			break;
		case OPT_GIVE_UP_DATA:
			o->give_up_data = true;
			break;
		case OPT_DRY_RUN:
			o->dry_run = true;
			break;
		case OPT_NODE:
			if (!name_is_dns1123_subdomain(optarg))
				return log_error_errno(
					-EINVAL, "Invalid --node '%s': not a node name", optarg);
			o->node = optarg;
			break;
		case OPT_LOG_LEVEL:
			r = log_level_from_string(optarg);
			if (r < 0)
				return log_error_errno(r, "Invalid --log-level '%s'", optarg);
			log_max_level = r;
			break;
		case OPT_LOG_FORMAT:
			r = log_format_from_string(optarg);
			if (r < 0)
				return log_error_errno(r,
						       "Invalid --log-format '%s': expected text "
						       "or json",
						       optarg);
			log_format = r;
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind < argc)
		return log_error_errno(-EINVAL, "Unexpected argument '%s'; see --help",
				       argv[optind]);
	/* --node deletes nothing; giving data up is the whole cleanup's business. */
	if (o->node && o->give_up_data)
		return log_error_errno(-EINVAL, "--node and --i-understand-data-is-lost do not go "
						"together");
	return 0;
}

int cleanup_main(int argc, char **argv)
{
	struct cleanup_options o = { 0 };
	int r = parse(argc, argv, &o);

	if (r != 0)
		return r > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	return cleanup_run(&o, stdout) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
