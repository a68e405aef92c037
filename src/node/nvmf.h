/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stddef.h>

/*
 * NVMe over Fabrics host side, through libnvme (the only user of it).
 * sysfs is the sysfs root, normally "/sys".
 */

struct nvmf_target {
	const char *nqn;
	const char *transport;	/* "tcp" or "rdma" */
	const char *traddr;
	const char *trsvcid;
	const char *host_nqn;
	const char *host_id;
	int fast_io_fail_tmo;	/* seconds */
	int ctrl_loss_tmo;	/* seconds */
	int keep_alive_tmo;	/* seconds */
	int reconnect_delay;	/* seconds */
};

/*
 * Connects to t unless a controller of subsystem t->nqn to that address
 * exists already (then 0). The kernel gives I/O errors after
 * fast_io_fail_tmo, so MD drops a lost member instead of hanging.
 */
int nvmf_connect(const char *sysfs, const struct nvmf_target *t);

/* Disconnects every controller of subsystem nqn; 0 when there is none. */
int nvmf_disconnect(const char *sysfs, const char *nqn);

struct nvmf_subsystem {
	char *nqn;
	char *ctrl_state;	/* of its first controller: "live", "connecting", ...; NULL if none */
	char *block;		/* "/dev/nvmeXnY" of its namespace; NULL when none is visible */
};

/* Connected fabrics subsystems whose NQN starts with prefix. */
int nvmf_list(const char *sysfs, const char *prefix, struct nvmf_subsystem **ret,
	      size_t *ret_n);
void nvmf_subsystems_free(struct nvmf_subsystem *s, size_t n);
