// SPDX-License-Identifier: GPL-2.0-only
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "csi/server.h"
#include "util/log.h"
#include "util/version.h"
#include "util/banned.h"

static void usage(void)
{
	printf("Usage: meshstor COMMAND [OPTIONS]\n\n"
	       "MeshStor: replicated NVMe volumes for bare-metal Kubernetes, with the data\n"
	       "path in the kernel (GPT, nvmet, NVMe-oF, MD RAID, XFS).\n\n"
	       "Commands:\n"
	       "  controller   run the CSI controller (one per cluster)\n"
	       "  node         run the node agent (one per node)\n"
	       "  cleanup      after uninstalling, delete what MeshStor left in the API\n"
	       "  status       the nodes, drives and volumes at a glance\n"
	       "  volume NAME  one volume: members, states, conditions, Events\n"
	       "  version      print the version\n\n"
	       "Run 'meshstor COMMAND --help' for a command's options. On PATH as\n"
	       "kubectl-meshstor, it is also 'kubectl meshstor status|volume NAME'.\n");
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	/* A peer closing a socket mid-write must be an error return, not a death. */
	signal(SIGPIPE, SIG_IGN);
	/*
	 * glibc gives each thread that allocates an arena of its own (64 MiB
	 * reserved, pages kept); gRPC, the informers and the worker pool are a dozen
	 * threads doing little. Two arenas keep resident memory small at no
	 * measurable cost to a process this quiet.
	 */
	mallopt(M_ARENA_MAX, 2);

	if (!cmd || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
	    strcmp(cmd, "help") == 0) {
		usage();
		return cmd ? EXIT_SUCCESS : EXIT_FAILURE;
	}
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("meshstor %s\n", MESHSTOR_VERSION);
		return EXIT_SUCCESS;
	}
	/* Before any thread starts: only csi_server_run()'s sigwait() may take them. */
	if (strcmp(cmd, "controller") == 0 || strcmp(cmd, "node") == 0) {
		int r = csi_server_block_signals(NULL);

		if (r < 0) {
			log_error_errno(r, "Cannot block SIGTERM and SIGINT: %m");
			return EXIT_FAILURE;
		}
	}
	if (strcmp(cmd, "controller") == 0)
		return controller_main(argc - 1, argv + 1);
	if (strcmp(cmd, "node") == 0)
		return node_main(argc - 1, argv + 1);
	if (strcmp(cmd, "cleanup") == 0)
		return cleanup_main(argc - 1, argv + 1);
	if (strcmp(cmd, "status") == 0)
		return status_main(argc - 1, argv + 1);
	if (strcmp(cmd, "volume") == 0)
		return volume_main(argc - 1, argv + 1);
	log_error("Unknown command '%s'; run 'meshstor --help'", cmd);
	return EXIT_FAILURE;
}
