/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include "util/strbuf.h"

/*
 * External commands, in the shape of git's run-command: argv only, never a
 * shell; stdin is /dev/null; stdout and stderr are captured (each into its
 * strbuf when given, else discarded); every call has a timeout after which the
 * child is killed with SIGKILL. Between fork and execve the child does only
 * async-signal-safe work (threads may exist).
 *
 * argv[0] must be an absolute path: the caller looks the tool up in PATH (md.c
 * and fs.c do it once per process).
 * Returns the exit status (0-255) when the command ran to completion,
 * -ETIMEDOUT when it was killed for taking longer than timeout_ms, -ENOENT
 * when argv[0] cannot be executed, or another -errno when it could not run or
 * died of a signal (-EINTR).
 */
int run_command(const char *const *argv, unsigned timeout_ms, struct strbuf *out,
		struct strbuf *err);
