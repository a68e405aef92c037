/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "node/dm.h"
#include "util/strbuf.h"

/*
 * NVMe over Fabrics host side, through libnvme (the only user of it).
 * sysfs is the sysfs root, normally "/sys".
 */

struct nvmf_target {
	const char *nqn;
	const char *transport; /* "tcp" or "rdma" */
	const char *traddr;
	const char *trsvcid;
	const char *host_nqn;
	const char *host_id;
	/*
	 * Seconds. 0 leaves the kernel's default, except for ctrl_loss_tmo,
	 * which is always passed: 0 gives up at the first loss, -1 never.
	 */
	int fast_io_fail_tmo;
	int ctrl_loss_tmo;
	int keep_alive_tmo;
	int reconnect_delay;
	int nr_io_queues; /* 0: the kernel's default, one per CPU */
};

/*
 * Connects to t unless a controller of subsystem t->nqn over t->transport to
 * t->traddr:t->trsvcid exists already and is not being deleted (then 0). With
 * fast_io_fail_tmo 0 (the kernel's default, off) I/O to a lost target waits
 * while the controller reconnects, up to ctrl_loss_tmo; the agent drops the
 * leg itself (legwatch.c). -EINVAL for an incomplete t or another transport;
 * -ENOENT without nvme-fabrics; -ECONNREFUSED, -EIO (any other failure of
 * the connect itself) or another -errno.
 */
int nvmf_connect(const char *sysfs, const struct nvmf_target *t);
/* nvmf_connect(), and on failure libnvme's messages (the reason) appended to err. */
int nvmf_connect_err(const char *sysfs, const struct nvmf_target *t, struct strbuf *err);

/*
 * Disconnects every controller of subsystem nqn (writes its
 * delete_controller, as libnvme would); 0 when there is none. -EBUSY for a
 * controller that never went live (the kernel will not delete it yet).
 */
int nvmf_disconnect(const char *sysfs, const char *nqn);

/*
 * Sets fast_io_fail_tmo and ctrl_loss_tmo (seconds; negative: off) on every
 * live controller of subsystem nqn where they differ: controllers made with
 * other values (an earlier agent's) get ours. 1 when something was written,
 * 0 when all were so already (or there is no controller), -errno.
 */
int nvmf_set_timeouts(const char *sysfs, const char *nqn, int fast_io_fail_tmo, int ctrl_loss_tmo);

struct nvmf_subsystem {
	char *nqn;
	char *ctrl_state; /* of its first controller: "live", "connecting", ...; NULL if none */
	char *block;	  /* "/dev/nvmeXnY" of its namespace; NULL when none is visible */
	dev_t block_dev;  /* its device number, and its size in sectors */
	uint64_t block_sectors;
	bool block_held; /* something holds the namespace (holders/): MD, or a hold */
	/*
	 * Its hold (dm.h), which MD uses: hold.device NULL when none. Filled by
	 * imports_list() (import.h), not by nvmf_list(). An import whose
	 * controller is gone (nqn, no ctrl_state) is listed while its hold is.
	 */
	struct dm_hold hold;
};

/*
 * Connected subsystems whose NQN starts with prefix, sorted by NQN, read from
 * <sysfs>/class/nvme-subsystem. "First" controller and namespace: the lowest
 * instance. With native multipath the namespace is the subsystem's head disk
 * (never a hidden per-path nvmeXcYnZ); without it, a controller's namespace.
 */
int nvmf_list(const char *sysfs, const char *prefix, struct nvmf_subsystem **ret, size_t *ret_n);
void nvmf_subsystems_free(struct nvmf_subsystem *s, size_t n);
/* Whether the import's (first) controller is live. */
bool nvmf_live(const struct nvmf_subsystem *s);
