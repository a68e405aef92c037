/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * The kernel NVMe target, through configfs (the only code that touches it).
 * root is the configfs nvmet directory, normally /sys/kernel/config/nvmet.
 * Each exported member is one subsystem with one namespace (nsid 1) whose
 * allowed_hosts hold exactly one host NQN; attr_allow_any_host is always 0.
 */

/* The nvmet directory of configfs under sysroot (NULL or "" for /), malloc'd. */
char *nvmet_root(const char *sysroot);

/*
 * Mounts configfs at sysroot's /sys/kernel/config unless it is mounted there
 * already: 1 when mounted now, 0 when it was, -ENOENT when the directory does
 * not exist (the kernel has no configfs loaded), or mount(2)'s -errno.
 */
int nvmet_configfs_mount(const char *sysroot);

struct nvmet_port {
	unsigned id;
	const char *trtype;  /* "tcp" or "rdma" */
	const char *traddr;  /* IPv4 or IPv6 address */
	const char *trsvcid; /* "4420" */
};

/*
 * Creates the port when missing. A port with that id but another transport
 * or address is -EEXIST (ports cannot change while subsystems are linked).
 */
int nvmet_port_ensure(const char *root, const struct nvmet_port *port);

/*
 * Exports device_path as subsystem nqn, to host_nqn alone, on port_id.
 * Idempotent. Order as the kernel needs it: device_path before enable;
 * allowed host before the port link. When the subsystem is exported to
 * another host, it is first unlinked from every port (which drops that
 * host's connections: the fence), then the allowed host is swapped, then it
 * is linked again. A namespace whose device_path differs is -EEXIST; a port
 * that does not exist is -ENOENT (nothing changed). root must be absolute
 * (configfs resolves link targets from the caller's directory).
 */
int nvmet_export(const char *root, unsigned port_id, const char *nqn, const char *device_path,
		 const char *host_nqn);

/*
 * Tells the target that the device of subsystem nqn's namespace changed size,
 * so connected hosts learn it (namespace attribute change notice). 0 when the
 * subsystem does not exist.
 */
int nvmet_revalidate(const char *root, const char *nqn);

/*
 * Tears subsystem nqn down: unlink from every port first (the fence), then
 * its allowed hosts, disable and remove the namespace, remove the
 * subsystem. 0 also when it does not exist. A hosts/<nqn> entry that no
 * subsystem allows any more is removed too (here and in nvmet_export()).
 */
int nvmet_remove(const char *root, const char *nqn);

struct nvmet_subsystem {
	char *nqn;
	char *device_path; /* of namespace 1; NULL when none */
	char *host_nqn;	   /* the (first) allowed host; NULL when none */
	bool enabled;	   /* namespace 1 enabled */
	bool linked;	   /* linked to at least one port */
};

/* The subsystems whose NQN starts with prefix, sorted by NQN; none without root/subsystems. */
int nvmet_list(const char *root, const char *prefix, struct nvmet_subsystem **ret, size_t *ret_n);
void nvmet_subsystems_free(struct nvmet_subsystem *s, size_t n);
