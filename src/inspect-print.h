/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <stdint.h>

#include "kube/inspect.h"
#include "util/strbuf.h"

/*
 * The tables of `meshstor status` and `meshstor volume` (kubectl meshstor),
 * from a view read already; now (Unix seconds) dates the ages. Pure.
 */
void inspect_print_status(const struct inspect_view *v, int64_t now, struct strbuf *out);
void inspect_print_volume(const struct inspect_view *v, int64_t now, struct strbuf *out);

/* s with line breaks and tabs as spaces and every other control character as '?'. */
void inspect_printable(const char *s, struct strbuf *out);
/* "1.5 GiB", "512 MiB", "0 B": binary units, one decimal below ten. */
void inspect_format_bytes(int64_t bytes, struct strbuf *out);
/* "45s", "12m", "3h", "2d" since t; "never" when t is 0; "0s" for a time ahead of now. */
void inspect_format_age(int64_t t, int64_t now, struct strbuf *out);
