/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

struct agent;
struct legwatch;

/*
 * The consumer's watch over the legs of its arrays (legwatch.c): a thread
 * that drops a lost leg once the drop is recorded, and asks for a pass when
 * an array changes shape. Stopped (joined) by legwatch_stop(); NULL is a no-op.
 */
int legwatch_start(struct agent *a, struct legwatch **ret);
void legwatch_stop(struct legwatch *w);
