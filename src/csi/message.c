// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>

#include "csi/message.h"
#include "util/banned.h"

/* No CSI message nests deeper than a handful of levels; hostile input might. */
#define MAX_DEPTH 32
#define MAX_FIELD ((1u << 29) - 1)

int csi_utf8_check(const uint8_t *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t c = s[i];
		uint32_t cp;
		size_t n;

		if (c == 0)
			return -EINVAL;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return -EINVAL;
		}
		if (len - i - 1 < n)
			return -EINVAL;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return -EINVAL;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		/* Overlong forms, UTF-16 surrogates and values past U+10FFFF are invalid. */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return -EINVAL;
		i += n + 1;
	}
	return 0;
}

static int read_varint(const uint8_t **p, const uint8_t *end, uint64_t *ret)
{
	uint64_t v = 0;

	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (*p == end)
			return -EINVAL;
		v |= (uint64_t)(**p & 0x7f) << shift;
		if (!(*(*p)++ & 0x80)) {
			*ret = v;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * Walks the wire encoding (protobuf encoding guide: tag = field << 3 | wire
 * type) and checks the length-delimited fields that the descriptor says are
 * strings or messages. Everything else is left to protobuf_c_message_unpack().
 */
static int check_wire(const ProtobufCMessageDescriptor *d, const uint8_t *p, const uint8_t *end,
		      unsigned depth, struct strbuf *err)
{
	if (depth > MAX_DEPTH) {
		strbuf_addf(err, "message nested deeper than %d levels", MAX_DEPTH);
		return -EINVAL;
	}
	while (p < end) {
		const ProtobufCFieldDescriptor *f;
		uint64_t key, len;
		int r;

		/* Field numbers run from 1 to 2^29 - 1; protobuf-c lets an overlong 0 through. */
		if (read_varint(&p, end, &key) < 0 || key >> 3 == 0 || key >> 3 > MAX_FIELD)
			goto malformed;
		switch (key & 7) {
		case 0:
			if (read_varint(&p, end, &len) < 0)
				goto malformed;
			continue;
		case 1:
		case 5:
			len = (key & 7) == 1 ? 8 : 4;
			if ((uint64_t)(end - p) < len)
				goto malformed;
			p += len;
			continue;
		case 2:
			break;
		default:
			goto malformed;
		}
		if (read_varint(&p, end, &len) < 0 || (uint64_t)(end - p) < len)
			goto malformed;
		f = protobuf_c_message_descriptor_get_field(d, (unsigned)(key >> 3));
		if (f && f->type == PROTOBUF_C_TYPE_STRING && csi_utf8_check(p, len) < 0) {
			strbuf_addf(err, "field '%s' of %s is not valid UTF-8 text", f->name,
				    d->name);
			return -EINVAL;
		}
		if (f && f->type == PROTOBUF_C_TYPE_MESSAGE) {
			r = check_wire(f->descriptor, p, p + len, depth + 1, err);
			if (r < 0)
				return r;
		}
		p += len;
	}
	return 0;

malformed:
	strbuf_addf(err, "malformed protobuf encoding of %s", d->name);
	return -EINVAL;
}

int csi_message_decode(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
		       struct strbuf *err, ProtobufCMessage **ret)
{
	ProtobufCMessage *m;
	int r;

	r = check_wire(d, buf, buf + len, 0, err);
	if (r < 0)
		return r;
	m = protobuf_c_message_unpack(d, NULL, len, buf);
	if (!m) {
		strbuf_addf(err, "request is not a valid %s", d->name);
		return -EINVAL;
	}
	*ret = m;
	return 0;
}
