// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "csi/gen/csi.pb-c.h"
#include "csi/message.h"
#include "util/macro.h"
#include "util/strbuf.h"
#include "util/banned.h"

#define STAGE_REQ "csi.v1.NodeStageVolumeRequest"
#define MALFORMED "malformed protobuf encoding of "

#define U(s) (const uint8_t *)(s), sizeof(s) - 1

struct bytes {
	const uint8_t *s;
	size_t len;
};

static const struct bytes utf8_valid[] = {
	{ U("") },
	{ U("pvc-0123/abc ~") },
	{ U("\xc2\x80") },	    /* U+0080, the first 2-byte code point */
	{ U("\xdf\xbf") },	    /* U+07FF, the last */
	{ U("\xc3\xa9t\xc3\xa9") }, /* "été" */
	{ U("\xe0\xa0\x80") },	    /* U+0800, the first 3-byte code point */
	{ U("\xe2\x82\xac") },	    /* € */
	{ U("\xed\x9f\xbf") },	    /* U+D7FF, below the surrogates */
	{ U("\xee\x80\x80") },	    /* U+E000, above them */
	{ U("\xef\xbf\xbf") },	    /* U+FFFF */
	{ U("\xf0\x90\x80\x80") },  /* U+10000, the first 4-byte code point */
	{ U("\xf0\x9f\x98\x80") },  /* an emoji */
	{ U("\xf4\x8f\xbf\xbf") },  /* U+10FFFF, the last code point */
};

static const struct bytes utf8_invalid[] = {
	{ U("\xc0\x80") },	       /* overlong NUL */
	{ U("\xc1\xbf") },	       /* overlong U+007F */
	{ U("\xe0\x80\x80") },	       /* overlong NUL in 3 bytes */
	{ U("\xe0\x9f\xbf") },	       /* overlong U+07FF */
	{ U("\xf0\x80\x80\x80") },     /* overlong NUL in 4 bytes */
	{ U("\xf0\x8f\xbf\xbf") },     /* overlong U+FFFF */
	{ U("\xed\xa0\x80") },	       /* U+D800, a surrogate */
	{ U("\xed\xbf\xbf") },	       /* U+DFFF, a surrogate */
	{ U("\xf4\x90\x80\x80") },     /* U+110000, past the last code point */
	{ U("\xf5\x80\x80\x80") },     /* a lead byte that never occurs */
	{ U("\xf8\x88\x80\x80\x80") }, /* the old 5-byte form */
	{ U("\xff") },
	{ U("\x80") }, /* a lone continuation byte */
	{ U("a\xbf") },
	{ U("\xc3") },	       /* truncated 2-byte sequence */
	{ U("\xe2\x82") },     /* truncated 3-byte sequence */
	{ U("\xf0\x9f\x98") }, /* truncated 4-byte sequence */
	{ U("ok\xe2") },
	{ U("\xc3\x41") }, /* continuation byte missing */
	{ U("\xf0\x9f\x98\x41") },
	{ U("\0") }, /* NUL, alone or embedded */
	{ U("vol\0../x") },
	{ U("\xc3\xa9\0") },
};

static void test_utf8_check(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(utf8_valid); i++) {
		print_message("valid case %zu\n", i);
		assert_int_equal(csi_utf8_check(utf8_valid[i].s, utf8_valid[i].len), 0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(utf8_invalid); i++) {
		print_message("invalid case %zu\n", i);
		assert_int_equal(csi_utf8_check(utf8_invalid[i].s, utf8_invalid[i].len), -EINVAL);
	}
	/* Only len bytes are looked at. */
	assert_int_equal(csi_utf8_check((const uint8_t *)"abc\xff", 3), 0);
	assert_int_equal(csi_utf8_check((const uint8_t *)"\xe2\x82\xac", 2), -EINVAL);
}

/* A complete, valid NodeStageVolumeRequest built from parts a test can spoil. */
struct stage {
	Csi__V1__NodeStageVolumeRequest req;
	Csi__V1__NodeStageVolumeRequest__PublishContextEntry pc, *pcv[1];
	Csi__V1__NodeStageVolumeRequest__SecretsEntry sec, *secv[1];
	Csi__V1__VolumeCapability cap;
	Csi__V1__VolumeCapability__MountVolume mount;
	Csi__V1__VolumeCapability__AccessMode mode;
	char *flags[2];
};

static void stage_init(struct stage *s)
{
	*s = (struct stage){
		.req = CSI__V1__NODE_STAGE_VOLUME_REQUEST__INIT,
		.pc = CSI__V1__NODE_STAGE_VOLUME_REQUEST__PUBLISH_CONTEXT_ENTRY__INIT,
		.sec = CSI__V1__NODE_STAGE_VOLUME_REQUEST__SECRETS_ENTRY__INIT,
		.cap = CSI__V1__VOLUME_CAPABILITY__INIT,
		.mount = CSI__V1__VOLUME_CAPABILITY__MOUNT_VOLUME__INIT,
		.mode = CSI__V1__VOLUME_CAPABILITY__ACCESS_MODE__INIT,
		.flags = { (char *)"noatime", (char *)"discard" },
	};
	s->req.volume_id = (char *)"pvc-6f1c";
	s->req.staging_target_path = (char *)"/var/lib/kubelet/plugins/staging/pvc-6f1c";
	s->pc.key = (char *)"nqn";
	s->pc.value = (char *)"nqn.2024-01.io.meshstor:pvc-6f1c";
	s->pcv[0] = &s->pc;
	s->req.n_publish_context = 1;
	s->req.publish_context = s->pcv;
	s->sec.key = (char *)"password";
	s->sec.value = (char *)"s3cr\xc3\xa9t";
	s->secv[0] = &s->sec;
	s->req.n_secrets = 1;
	s->req.secrets = s->secv;
	s->mount.fs_type = (char *)"xfs";
	s->mount.n_mount_flags = 2;
	s->mount.mount_flags = s->flags;
	s->mode.mode = CSI__V1__VOLUME_CAPABILITY__ACCESS_MODE__MODE__SINGLE_NODE_WRITER;
	s->cap.access_type_case = CSI__V1__VOLUME_CAPABILITY__ACCESS_TYPE_MOUNT;
	s->cap.mount = &s->mount;
	s->cap.access_mode = &s->mode;
	s->req.volume_capability = &s->cap;
}

static uint8_t *stage_pack(const struct stage *s, size_t *ret_len)
{
	size_t len = protobuf_c_message_get_packed_size(&s->req.base);
	uint8_t *buf = malloc(len + 64); /* room for tests that append fields */

	assert_non_null(buf);
	assert_int_equal(protobuf_c_message_pack(&s->req.base, buf), len);
	*ret_len = len;
	return buf;
}

/* Decodes as the server does; err receives the reason on failure. */
static int decode(const uint8_t *buf, size_t len, struct strbuf *err,
		  Csi__V1__NodeStageVolumeRequest **ret)
{
	ProtobufCMessage *m = (ProtobufCMessage *)(uintptr_t)0x1;
	int r;

	r = csi_message_decode(&csi__v1__node_stage_volume_request__descriptor, buf, len, err, &m);
	if (r < 0) {
		assert_ptr_equal(m, (ProtobufCMessage *)(uintptr_t)0x1);
		assert_true(err->len > 0);
		return r;
	}
	assert_int_equal(err->len, 0);
	*ret = (Csi__V1__NodeStageVolumeRequest *)m;
	return r;
}

/* m is buf decoded: spot-check what a handler reads, then compare everything by repacking. */
static void assert_stage_fields(const Csi__V1__NodeStageVolumeRequest *m, const uint8_t *buf,
				size_t len)
{
	uint8_t *again = malloc(len + 1);

	assert_string_equal(m->volume_id, "pvc-6f1c");
	assert_string_equal(m->publish_context[0]->value, "nqn.2024-01.io.meshstor:pvc-6f1c");
	assert_string_equal(m->volume_capability->mount->fs_type, "xfs");
	assert_string_equal(m->volume_capability->mount->mount_flags[1], "discard");
	assert_int_equal(protobuf_c_message_pack(&m->base, again), len);
	assert_memory_equal(again, buf, len);
	free(again);
}

static void test_decode_valid(void **state)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	Csi__V1__NodeStageVolumeRequest *m = NULL;
	struct stage s;
	size_t len;
	uint8_t *buf;

	stage_init(&s);
	buf = stage_pack(&s, &len);
	assert_int_equal(decode(buf, len, &err, &m), 0);
	assert_stage_fields(m, buf, len);
	protobuf_c_message_free_unpacked(&m->base, NULL);

	/* The empty message is a valid request too (every field at its default). */
	assert_int_equal(decode(buf, 0, &err, &m), 0);
	assert_string_equal(m->volume_id, "");
	assert_null(m->volume_capability);
	protobuf_c_message_free_unpacked(&m->base, NULL);
	free(buf);
}

/*
 * One string of an otherwise valid request, spoiled, and the field the error must
 * name. A '#' becomes NUL once packed: protobuf-c alone would take "vol\0../x" and
 * hand the handler "vol".
 */
static const struct {
	size_t offset; /* of the char * in struct stage */
	const char *bad;
	const char *field, *message;
} spoiled[] = {
	{ offsetof(struct stage, req.volume_id), "pvc-\xff", "volume_id", STAGE_REQ },
	{ offsetof(struct stage, req.volume_id), "vol#../x", "volume_id", STAGE_REQ },
	{ offsetof(struct stage, req.staging_target_path), "/a/\xc0\x80", "staging_target_path",
	  STAGE_REQ },
	{ offsetof(struct stage, mount.fs_type), "xfs\xed\xa0\x80", "fs_type",
	  "csi.v1.VolumeCapability.MountVolume" },
	{ offsetof(struct stage, flags[1]), "disc\xe2\x82", "mount_flags",
	  "csi.v1.VolumeCapability.MountVolume" },
	{ offsetof(struct stage, pc.value), "nqn\xf4\x90\x80\x80", "value",
	  STAGE_REQ ".PublishContextEntry" },
	{ offsetof(struct stage, sec.key), "\xe0\x80\x80", "key", STAGE_REQ ".SecretsEntry" },
	{ offsetof(struct stage, sec.value), "pass#word", "value", STAGE_REQ ".SecretsEntry" },
};

static void test_decode_bad_utf8(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(spoiled); i++) {
		_cleanup_strbuf_ struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;
		Csi__V1__NodeStageVolumeRequest *m = NULL;
		struct stage s;
		size_t len;
		uint8_t *buf, *hash;

		stage_init(&s);
		*(const char **)((char *)&s + spoiled[i].offset) = spoiled[i].bad;
		buf = stage_pack(&s, &len);
		hash = memchr(buf, '#', len);
		if (hash)
			*hash = '\0';
		assert_int_equal(decode(buf, len, &err, &m), -EINVAL);
		strbuf_addf(&want, "field '%s' of %s is not valid UTF-8 text", spoiled[i].field,
			    spoiled[i].message);
		assert_string_equal(err.buf, want.buf);
		free(buf);
	}
}

static void test_decode_truncated(void **state)
{
	struct stage s;
	size_t len;
	uint8_t *buf;

	stage_init(&s);
	buf = stage_pack(&s, &len);
	/*
	 * Every prefix either decodes or is refused, without reading past its end (each
	 * is a copy of exactly n bytes, for ASan). Cutting into the last field,
	 * secrets, always breaks its length prefix.
	 */
	for (size_t n = 0; n < len; n++) {
		_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
		Csi__V1__NodeStageVolumeRequest *m = NULL;
		uint8_t *prefix = malloc(n ? n : 1);
		int r;

		memcpy(prefix, buf, n);
		r = decode(prefix, n, &err, &m);
		free(prefix);
		if (len - n <= 4) {
			assert_int_equal(r, -EINVAL);
			assert_string_equal(err.buf, MALFORMED STAGE_REQ);
		} else if (r == 0) {
			protobuf_c_message_free_unpacked(&m->base, NULL);
		} else {
			assert_int_equal(r, -EINVAL);
		}
	}
	free(buf);
}

static const struct {
	struct bytes in;
	const char *err;
} garbage[] = {
	{ { U("\xff\xff\xff") }, MALFORMED STAGE_REQ },
	{ { U("\x0a") }, MALFORMED STAGE_REQ },	       /* tag, no length */
	{ { U("\x0a\x05pvc") }, MALFORMED STAGE_REQ }, /* length past the end */
	{ { U("\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01") }, MALFORMED STAGE_REQ },
	{ { U("\x08\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01") }, MALFORMED STAGE_REQ },
	{ { U("\x0b") }, MALFORMED STAGE_REQ },		/* wire type 3 (group start) */
	{ { U("\x0e\x00") }, MALFORMED STAGE_REQ },	/* wire type 6 does not exist */
	{ { U("\x0d\x01\x02") }, MALFORMED STAGE_REQ }, /* fixed32 cut short */
	/* volume_capability { mount of 5 bytes } in 3 bytes */
	{ { U("\x22\x03\x12\x05xfs") }, MALFORMED "csi.v1.VolumeCapability" },
	/* well-formed, but volume_id as a varint: protobuf-c refuses the type */
	{ { U("\x08\x01") }, "request is not a valid " STAGE_REQ },
};

static void test_decode_garbage(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(garbage); i++) {
		_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
		Csi__V1__NodeStageVolumeRequest *m = NULL;

		assert_int_equal(decode(garbage[i].in.s, garbage[i].in.len, &err, &m), -EINVAL);
		assert_string_equal(err.buf, garbage[i].err);
	}
}

static void test_decode_unknown_fields(void **state)
{
	static const char extra[] = "\x98\x06\x96\x01" /* field 99, varint 150 */
				    "\xa1\x06\x01\x02\x03\x04\x05\x06\x07\x08" /* 100, fixed64 */
				    "\xad\x06\x01\x02\x03\x04" /* field 101, fixed32 */
				    "\xb2\x06\x01\xff";	       /* field 102, bytes "\xff" */
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	Csi__V1__NodeStageVolumeRequest *m = NULL;
	struct stage s;
	size_t len;
	uint8_t *buf;

	stage_init(&s);
	buf = stage_pack(&s, &len);
	memcpy(buf + len, extra, sizeof(extra) - 1);
	assert_int_equal(decode(buf, len + sizeof(extra) - 1, &err, &m), 0);
	/* protobuf-c keeps unknown fields and packs them again, after the known ones. */
	assert_stage_fields(m, buf, len + sizeof(extra) - 1);
	protobuf_c_message_free_unpacked(&m->base, NULL);
	free(buf);
}

/* Makes buf[start..end) the body of field (< 16, so a 1-byte tag); returns the new start. */
static size_t wrap(uint8_t *buf, size_t start, size_t end, unsigned field)
{
	uint8_t len[10];
	size_t n = 0;

	for (uint64_t x = end - start; n == 0 || x; x >>= 7)
		len[n++] = (uint8_t)((x & 0x7f) | (x >= 0x80 ? 0x80 : 0));
	assert_true(field < 16 && start > n);
	memcpy(buf + start - n, len, n);
	buf[start - n - 1] = (uint8_t)(field << 3 | 2);
	return start - n - 1;
}

static void test_decode_deep(void **state)
{
	const size_t levels = 5000, size = levels * 8 + 64;
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	Csi__V1__NodeStageVolumeRequest *m = NULL;
	uint8_t *buf = malloc(size);
	size_t start = size - 1;

	/*
	 * volume_capability { block { 15 { 15 { ... "\xff" } } } }: below block every
	 * level is an unknown field, kept as opaque bytes, so it is accepted.
	 */
	assert_non_null(buf);
	buf[size - 1] = 0xff;
	for (size_t i = 0; i < levels; i++)
		start = wrap(buf, start, size, 15);
	start = wrap(buf, start, size, 1);
	start = wrap(buf, start, size, 4);
	assert_int_equal(decode(buf + start, size - start, &err, &m), 0);
	assert_int_equal(m->volume_capability->access_type_case,
			 CSI__V1__VOLUME_CAPABILITY__ACCESS_TYPE_BLOCK);
	protobuf_c_message_free_unpacked(&m->base, NULL);

	/* One byte short: the outermost length no longer fits. */
	assert_int_equal(decode(buf + start, size - start - 1, &err, &m), -EINVAL);
	assert_string_equal(err.buf, MALFORMED STAGE_REQ);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_check),
		cmocka_unit_test(test_decode_valid),
		cmocka_unit_test(test_decode_bad_utf8),
		cmocka_unit_test(test_decode_truncated),
		cmocka_unit_test(test_decode_garbage),
		cmocka_unit_test(test_decode_unknown_fields),
		cmocka_unit_test(test_decode_deep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
