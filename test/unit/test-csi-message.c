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

#define U(s) (const uint8_t *)(s), sizeof(s) - 1

static const struct {
	const uint8_t *s;
	size_t len;
	int r;
} utf8_cases[] = {
	{ U(""), 0 },
	{ U("pvc-0123/abc ~"), 0 },
	{ U("\xc2\x80"), 0 },			/* U+0080, smallest 2-byte */
	{ U("\xc3\xa9t\xc3\xa9"), 0 },		/* "été" */
	{ U("\xdf\xbf"), 0 },			/* U+07FF */
	{ U("\xe0\xa0\x80"), 0 },		/* U+0800, smallest 3-byte */
	{ U("\xe2\x82\xac"), 0 },		/* € */
	{ U("\xed\x9f\xbf"), 0 },		/* U+D7FF, just below the surrogates */
	{ U("\xee\x80\x80"), 0 },		/* U+E000, just above them */
	{ U("\xef\xbf\xbf"), 0 },		/* U+FFFF */
	{ U("\xf0\x90\x80\x80"), 0 },		/* U+10000, smallest 4-byte */
	{ U("\xf0\x9f\x98\x80"), 0 },		/* 😀 */
	{ U("\xf4\x8f\xbf\xbf"), 0 },		/* U+10FFFF, the last code point */
	{ U("\xc0\x80"), -EINVAL },		/* overlong NUL */
	{ U("\xc1\xbf"), -EINVAL },		/* overlong U+007F */
	{ U("\xe0\x80\x80"), -EINVAL },		/* overlong NUL, 3 bytes */
	{ U("\xe0\x9f\xbf"), -EINVAL },		/* overlong U+07FF */
	{ U("\xf0\x80\x80\x80"), -EINVAL },	/* overlong NUL, 4 bytes */
	{ U("\xf0\x8f\xbf\xbf"), -EINVAL },	/* overlong U+FFFF */
	{ U("\xed\xa0\x80"), -EINVAL },		/* U+D800, a surrogate */
	{ U("\xed\xbf\xbf"), -EINVAL },		/* U+DFFF */
	{ U("\xf4\x90\x80\x80"), -EINVAL },	/* U+110000 */
	{ U("\xf5\x80\x80\x80"), -EINVAL },
	{ U("\xf8\x88\x80\x80\x80"), -EINVAL }, /* old 5-byte form */
	{ U("\xfe"), -EINVAL },
	{ U("\xff"), -EINVAL },
	{ U("\x80"), -EINVAL },			/* lone continuation byte */
	{ U("a\xbf"), -EINVAL },
	{ U("\xc3"), -EINVAL },			/* truncated 2-byte */
	{ U("\xe2\x82"), -EINVAL },		/* truncated 3-byte */
	{ U("\xf0\x9f\x98"), -EINVAL },		/* truncated 4-byte */
	{ U("ok\xe2"), -EINVAL },
	{ U("\xc3\x41"), -EINVAL },		/* continuation missing */
	{ U("\xe2\x28\xa1"), -EINVAL },
	{ U("\xf0\x9f\x98\x41"), -EINVAL },
	{ U("\0"), -EINVAL },
	{ U("vol\0../x"), -EINVAL },		/* embedded NUL */
	{ U("\xc3\xa9\0"), -EINVAL },
};

static void test_utf8_check(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(utf8_cases); i++) {
		print_message("utf8 case %zu\n", i);
		assert_int_equal(csi_utf8_check(utf8_cases[i].s, utf8_cases[i].len),
				 utf8_cases[i].r);
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
	Csi__V1__NodeStageVolumeRequest__VolumeContextEntry vc, *vcv[1];
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
		.vc = CSI__V1__NODE_STAGE_VOLUME_REQUEST__VOLUME_CONTEXT_ENTRY__INIT,
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
	s->vc.key = (char *)"replicas";
	s->vc.value = (char *)"2";
	s->vcv[0] = &s->vc;
	s->req.n_volume_context = 1;
	s->req.volume_context = s->vcv;
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

static void assert_stage_fields(const Csi__V1__NodeStageVolumeRequest *m)
{
	assert_string_equal(m->volume_id, "pvc-6f1c");
	assert_string_equal(m->staging_target_path, "/var/lib/kubelet/plugins/staging/pvc-6f1c");
	assert_int_equal(m->n_publish_context, 1);
	assert_string_equal(m->publish_context[0]->key, "nqn");
	assert_string_equal(m->publish_context[0]->value, "nqn.2024-01.io.meshstor:pvc-6f1c");
	assert_int_equal(m->n_secrets, 1);
	assert_string_equal(m->secrets[0]->key, "password");
	assert_string_equal(m->secrets[0]->value, "s3cr\xc3\xa9t");
	assert_int_equal(m->n_volume_context, 1);
	assert_string_equal(m->volume_context[0]->value, "2");
	assert_non_null(m->volume_capability);
	assert_int_equal(m->volume_capability->access_type_case,
			 CSI__V1__VOLUME_CAPABILITY__ACCESS_TYPE_MOUNT);
	assert_string_equal(m->volume_capability->mount->fs_type, "xfs");
	assert_int_equal(m->volume_capability->mount->n_mount_flags, 2);
	assert_string_equal(m->volume_capability->mount->mount_flags[0], "noatime");
	assert_string_equal(m->volume_capability->mount->mount_flags[1], "discard");
	assert_int_equal(m->volume_capability->access_mode->mode,
			 CSI__V1__VOLUME_CAPABILITY__ACCESS_MODE__MODE__SINGLE_NODE_WRITER);
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
	assert_stage_fields(m);
	protobuf_c_message_free_unpacked(&m->base, NULL);

	/* The empty message is a valid request too (every field at its default). */
	assert_int_equal(decode(buf, 0, &err, &m), 0);
	assert_string_equal(m->volume_id, "");
	assert_null(m->volume_capability);
	protobuf_c_message_free_unpacked(&m->base, NULL);
	free(buf);
}

/* Spoils one string of an otherwise valid request. */
static void bad_volume_id(struct stage *s)
{
	s->req.volume_id = (char *)"pvc-\xff";
}

static void bad_staging(struct stage *s)
{
	s->req.staging_target_path = (char *)"/a/\xc0\x80";
}

static void bad_fs_type(struct stage *s)
{
	s->mount.fs_type = (char *)"x\xed\xa0\x80" "fs";
}

static void bad_flag(struct stage *s)
{
	s->flags[1] = (char *)"disc\xe2\x82";
}

static void bad_pc_value(struct stage *s)
{
	s->pc.value = (char *)"nqn\xf4\x90\x80\x80";
}

static void bad_secret_key(struct stage *s)
{
	s->sec.key = (char *)"\xe0\x80\x80";
}

static void bad_vc_value(struct stage *s)
{
	s->vc.value = (char *)"\x80";
}


static const struct {
	void (*spoil)(struct stage *s);
	const char *err;
} spoiled[] = {
	{ bad_volume_id, "field 'volume_id' of " STAGE_REQ " is not valid UTF-8 text" },
	{ bad_staging, "field 'staging_target_path' of " STAGE_REQ " is not valid UTF-8 text" },
	{ bad_fs_type, "field 'fs_type' of csi.v1.VolumeCapability.MountVolume is not valid "
		       "UTF-8 text" },
	{ bad_flag, "field 'mount_flags' of csi.v1.VolumeCapability.MountVolume is not valid "
		    "UTF-8 text" },
	{ bad_pc_value, "field 'value' of " STAGE_REQ ".PublishContextEntry is not valid UTF-8 "
			"text" },
	{ bad_secret_key, "field 'key' of " STAGE_REQ ".SecretsEntry is not valid UTF-8 text" },
	{ bad_vc_value, "field 'value' of " STAGE_REQ ".VolumeContextEntry is not valid UTF-8 "
			"text" },
};

static void test_decode_bad_utf8(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(spoiled); i++) {
		_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
		Csi__V1__NodeStageVolumeRequest *m = NULL;
		struct stage s;
		size_t len;
		uint8_t *buf;

		stage_init(&s);
		spoiled[i].spoil(&s);
		buf = stage_pack(&s, &len);
		assert_int_equal(decode(buf, len, &err, &m), -EINVAL);
		assert_string_equal(err.buf, spoiled[i].err);
		free(buf);
	}
}

static void test_decode_nul(void **state)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	Csi__V1__NodeStageVolumeRequest *m = NULL;
	ProtobufCMessage *plain;
	struct stage s;
	uint8_t *buf, *hash;
	size_t len;

	stage_init(&s);
	s.req.volume_id = (char *)"vol#../x";
	buf = stage_pack(&s, &len);
	hash = memchr(buf, '#', len);
	assert_non_null(hash);
	*hash = '\0';
	/* protobuf-c alone takes it, and would hand the handler "vol". */
	plain = protobuf_c_message_unpack(&csi__v1__node_stage_volume_request__descriptor, NULL,
					  len, buf);
	assert_non_null(plain);
	assert_string_equal(((Csi__V1__NodeStageVolumeRequest *)plain)->volume_id, "vol");
	protobuf_c_message_free_unpacked(plain, NULL);

	assert_int_equal(decode(buf, len, &err, &m), -EINVAL);
	assert_string_equal(err.buf, "field 'volume_id' of " STAGE_REQ " is not valid UTF-8 text");
	free(buf);
}

static void test_decode_truncated(void **state)
{
	struct stage s;
	size_t len;
	uint8_t *buf;

	stage_init(&s);
	buf = stage_pack(&s, &len);
	/* Cutting into the last field (volume_context) always breaks its length prefix. */
	for (size_t cut = 1; cut <= 4; cut++) {
		_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
		Csi__V1__NodeStageVolumeRequest *m = NULL;
		/* A copy of exactly the prefix, so ASan sees any read past it. */
		uint8_t *prefix = malloc(len - cut);

		memcpy(prefix, buf, len - cut);
		assert_int_equal(decode(prefix, len - cut, &err, &m), -EINVAL);
		assert_string_equal(err.buf, "malformed protobuf encoding of " STAGE_REQ);
		free(prefix);
	}
	/* Every prefix either decodes or is refused; none crashes or over-reads. */
	for (size_t n = 0; n < len; n++) {
		_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
		Csi__V1__NodeStageVolumeRequest *m = NULL;
		uint8_t *prefix = malloc(n ? n : 1);
		int r;

		memcpy(prefix, buf, n);
		r = decode(prefix, n, &err, &m);
		assert_true(r == 0 || r == -EINVAL);
		if (r == 0)
			protobuf_c_message_free_unpacked(&m->base, NULL);
		free(prefix);
	}
	free(buf);
}

static const struct {
	const uint8_t *s;
	size_t len;
} garbage[] = {
	{ U("\xff\xff\xff") },
	{ U("\x0a") },				/* tag, no length */
	{ U("\x0a\x05pvc") },			/* length past the end */
	{ U("\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01") }, /* absurd length */
	{ U("\x08\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01") }, /* 11-byte varint */
	{ U("\x0b") },				/* wire type 3 (group start) */
	{ U("\x0e\x00") },			/* wire type 6 does not exist */
	{ U("\x0d\x01\x02") },			/* fixed32 cut short */
	{ U("\x22\x03\x12\x05xfs") },		/* nested length past its parent */
};

static void test_decode_garbage(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(garbage); i++) {
		_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
		Csi__V1__NodeStageVolumeRequest *m = NULL;

		print_message("garbage case %zu\n", i);
		assert_int_equal(decode(garbage[i].s, garbage[i].len, &err, &m), -EINVAL);
		assert_non_null(strstr(err.buf, "malformed protobuf encoding of "));
	}
}

/* Wire-valid but of the wrong wire type for a known field: protobuf-c refuses it. */
static void test_decode_wrong_type(void **state)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	Csi__V1__NodeStageVolumeRequest *m = NULL;
	static const uint8_t varint_volume_id[] = { 0x08, 0x01 };

	assert_int_equal(decode(varint_volume_id, sizeof(varint_volume_id), &err, &m), -EINVAL);
	assert_string_equal(err.buf, "request is not a valid " STAGE_REQ);
}

static void test_decode_unknown_fields(void **state)
{
	/* Field 99 varint 150, field 100 fixed64, field 101 fixed32, field 102 bytes "\xff". */
	static const uint8_t extra[] = {
		0x98, 0x06, 0x96, 0x01,
		0xa1, 0x06, 1, 2, 3, 4, 5, 6, 7, 8,
		0xad, 0x06, 1, 2, 3, 4,
		0xb2, 0x06, 0x01, 0xff,
	};
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	Csi__V1__NodeStageVolumeRequest *m = NULL;
	struct stage s;
	size_t len;
	uint8_t *buf;

	stage_init(&s);
	buf = stage_pack(&s, &len);
	memcpy(buf + len, extra, sizeof(extra));
	assert_int_equal(decode(buf, len + sizeof(extra), &err, &m), 0);
	assert_stage_fields(m);
	protobuf_c_message_free_unpacked(&m->base, NULL);
	free(buf);
}

static size_t put_varint(uint8_t *v, uint64_t x)
{
	size_t n = 0;

	while (x >= 0x80) {
		v[n++] = (uint8_t)(x | 0x80);
		x >>= 7;
	}
	v[n++] = (uint8_t)x;
	return n;
}

/* Makes buf[start..end) the body of a length-delimited field; returns the new start. */
static size_t wrap(uint8_t *buf, size_t start, size_t end, unsigned field)
{
	uint8_t tag[10], len[10];
	size_t tag_n = put_varint(tag, (uint64_t)field << 3 | 2);
	size_t len_n = put_varint(len, end - start);

	assert_true(start >= tag_n + len_n);
	memcpy(buf + start - len_n, len, len_n);
	memcpy(buf + start - len_n - tag_n, tag, tag_n);
	return start - len_n - tag_n;
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
	assert_string_equal(err.buf, "malformed protobuf encoding of " STAGE_REQ);
	free(buf);
}

static void test_error_appends(void **state)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	Csi__V1__NodeStageVolumeRequest *m = NULL;

	strbuf_adds(&err, "NodeStageVolume: ");
	assert_int_equal(csi_message_decode(&csi__v1__node_stage_volume_request__descriptor,
					    (const uint8_t *)"\xff\xff\xff", 3, &err,
					    (ProtobufCMessage **)&m),
			 -EINVAL);
	assert_string_equal(err.buf, "NodeStageVolume: malformed protobuf encoding of " STAGE_REQ);
	assert_null(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_check),
		cmocka_unit_test(test_decode_valid),
		cmocka_unit_test(test_decode_bad_utf8),
		cmocka_unit_test(test_decode_nul),
		cmocka_unit_test(test_decode_truncated),
		cmocka_unit_test(test_decode_garbage),
		cmocka_unit_test(test_decode_wrong_type),
		cmocka_unit_test(test_decode_unknown_fields),
		cmocka_unit_test(test_decode_deep),
		cmocka_unit_test(test_error_appends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
