/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

/*
 * The udev rule that keeps the host's udev and mdadm from assembling
 * MeshStor's arrays (docs/ARCHITECTURE.md, "Host preparation"). mdadm's
 * 64-md-raid-assembly.rules runs `mdadm --incremental` for every block
 * device that blkid calls a linux_raid_member, on add and change, and
 * `mdadm -If` on remove, unless the device carries SYSTEMD_READY=0 (a check
 * mdadm has had since 4.1, commit 3a77acd7). So the rule sets SYSTEMD_READY=0
 * on MeshStor's members, and only on them:
 *
 * - a GPT partition of GPT_MESHSTOR_TYPE whose name starts with "ms:"
 *   (ID_PART_ENTRY_TYPE and ID_PART_ENTRY_NAME, which udev's blkid builtin
 *   sets in 60-persistent-storage.rules, before this rule runs);
 * - an NVMe namespace, or a partition of one, of a subsystem whose NQN starts
 *   with MEMBER_NQN_PREFIX (the subsystem's or controller's subsysnqn).
 *
 * On remove the device's properties come from the udev database, where the
 * add or change event left SYSTEMD_READY=0, so `mdadm -If` is skipped too.
 */

/* Sorts after 60-persistent-storage.rules and before 64-md-raid-assembly.rules. */
#define UDEV_NO_ASSEMBLE_FILE "63-meshstor-no-auto-assemble.rules"

/* The rule file's text, ending in a newline. */
extern const char udev_no_assemble_rule[];
