/* SPDX-License-Identifier: GPL-2.0-only */
#pragma once

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

/*
 * Decodes a request body into a message of type d. Beyond what protobuf-c
 * checks (wire syntax), every string field at any depth must be valid UTF-8, as
 * proto3 requires, and free of NUL bytes: protobuf-c hands strings to C
 * NUL-terminated, so "vol\0../x" would otherwise reach a handler as "vol".
 * On failure returns -EINVAL and appends the reason to err.
 */
int csi_message_decode(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
		       struct strbuf *err, ProtobufCMessage **ret);

/* Exposed for tests: 0 if s[0..len) is well-formed UTF-8 without NUL, else -EINVAL. */
int csi_utf8_check(const uint8_t *s, size_t len);
