// SPDX-License-Identifier: GPL-2.0-only
#include "model/names.h"
#include "node/gpt.h"
#include "node/udev.h"
#include "util/banned.h"

const char udev_no_assemble_rule[] =
	"# Written by the MeshStor node agent (meshstor node). The host's udev and mdadm\n"
	"# must not assemble MeshStor's arrays: the agent assembles each one itself,\n"
	"# only where and when its record says. This sets SYSTEMD_READY=0 on\n"
	"# MeshStor's members alone, which makes 64-md-raid-assembly.rules (mdadm 4.1\n"
	"# and later) leave them to the agent; nothing else on this host is changed.\n"
	"# Members are GPT partitions of MeshStor's type named \"ms:...\", NVMe-oF\n"
	"# namespaces of subsystems named " MEMBER_NQN_PREFIX "... and the\n"
	"# device-mapper tables over them, named after those subsystems.\n"
	"# Removing this file undoes it (for devices that appear after).\n"
	"SUBSYSTEM!=\"block\", GOTO=\"meshstor_end\"\n"
	"ENV{ID_PART_ENTRY_TYPE}==\"" GPT_MESHSTOR_TYPE "\", ENV{ID_PART_ENTRY_NAME}==\"ms:*\", "
	"GOTO=\"meshstor_member\"\n"
	"KERNEL==\"nvme*\", ATTRS{subsysnqn}==\"" MEMBER_NQN_PREFIX
	"*\", GOTO=\"meshstor_member\"\n"
	"KERNEL==\"dm-*\", ATTR{dm/name}==\"" MEMBER_NQN_PREFIX "*\", GOTO=\"meshstor_member\"\n"
	"GOTO=\"meshstor_end\"\n"
	"LABEL=\"meshstor_member\"\n"
	"ENV{SYSTEMD_READY}=\"0\"\n"
	"LABEL=\"meshstor_end\"\n";
