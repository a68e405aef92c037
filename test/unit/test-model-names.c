// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "model/names.h"
#include "util/sha256.h"
#include "util/cleanup.h"
#include "util/macro.h"
#include "util/strbuf.h"
#include "util/banned.h"

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static const struct {
	const char *s;
	bool label, subdomain;
} dns_cases[] = {
	{ "a", true, true },
	{ "node-1", true, true },
	{ "0abc9", true, true },
	{ "pvc-bd43ab973a4615925f25fd4b", true, true },
	{ "worker-1.example.com", false, true },
	{ "a.b", false, true },
	{ "", false, false },
	{ "-a", false, false },
	{ "a-", false, false },
	{ "A", false, false },
	{ "node_1", false, false },
	{ "a..b", false, false },
	{ ".a", false, false },
	{ "a.", false, false },
	{ "a.-b", false, false },
	{ "a b", false, false },
	{ "é", false, false },
	{ "a/b", false, false },
};

static void test_dns_names(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(dns_cases); i++) {
		print_message("\"%s\"\n", dns_cases[i].s);
		assert_int_equal(name_is_dns1123_label(dns_cases[i].s), dns_cases[i].label);
		assert_int_equal(name_is_dns1123_subdomain(dns_cases[i].s), dns_cases[i].subdomain);
	}
	assert_false(name_is_dns1123_label(NULL));
	assert_false(name_is_dns1123_subdomain(NULL));
}

static void test_dns_lengths(void **state)
{
	_cleanup_free_ char *l63 = repeat('a', 63), *l64 = repeat('a', 64);
	_cleanup_free_ char *s253 = repeat('a', 253), *s254 = repeat('a', 254);

	assert_true(name_is_dns1123_label(l63));
	assert_false(name_is_dns1123_label(l64));
	/* Kubernetes bounds the whole subdomain, not each label. */
	assert_true(name_is_dns1123_subdomain(l64));
	assert_true(name_is_dns1123_subdomain(s253));
	assert_false(name_is_dns1123_subdomain(s254));
	s253[100] = '.';
	assert_true(name_is_dns1123_subdomain(s253));
}

/* Kubernetes' IsValidLabelValue (k8s.io/apimachinery/pkg/util/validation), less "". */
static void test_label_values(void **state)
{
	static const struct {
		const char *s;
		bool ok;
	} cases[] = {
		{ "data-db-0", true }, { "Data_DB.0", true }, { "a", true },	{ "0", true },
		{ "", false },	       { "-a", false },	      { "a-", false },	{ "_a", false },
		{ "a.", false },       { "a/b", false },      { "a b", false }, { "a:b", false },
		{ "\xc3\xa9", false },
	};
	_cleanup_free_ char *l63 = repeat('a', 63), *l64 = repeat('a', 64);

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		print_message("\"%s\"\n", cases[i].s);
		assert_int_equal(name_is_label_value(cases[i].s), cases[i].ok);
	}
	assert_false(name_is_label_value(NULL));
	assert_true(name_is_label_value(l63));
	assert_false(name_is_label_value(l64));
}

static void test_uuid_shape(void **state)
{
	assert_true(name_is_uuid("c6fcaa4a-e471-8197-a4ee-05a909b9060b"));
	assert_true(name_is_lowercase_uuid("c6fcaa4a-e471-8197-a4ee-05a909b9060b"));
	assert_true(name_is_uuid("C6FCAA4A-E471-8197-A4EE-05A909B9060B"));
	assert_false(name_is_lowercase_uuid("C6FCAA4A-E471-8197-A4EE-05A909B9060B"));
	assert_false(name_is_uuid("c6fcaa4a-e471-8197-a4ee-05a909b9060"));
	assert_false(name_is_uuid("c6fcaa4a-e471-8197-a4ee-05a909b9060b0"));
	assert_false(name_is_uuid("c6fcaa4ae-471-8197-a4ee-05a909b9060b"));
	assert_false(name_is_uuid("g6fcaa4a-e471-8197-a4ee-05a909b9060b"));
	assert_false(name_is_uuid("{6fcaa4a-e471-8197-a4ee-05a909b9060b"));
	assert_false(name_is_uuid(""));
	assert_false(name_is_uuid(NULL));
}

static void hexdigest(const void *data, size_t len, char out[65])
{
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256(data, len, d);
	for (size_t i = 0; i < sizeof(d); i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* FIPS 180-4 examples, and lengths either side of the padding boundary (from sha256sum). */
static void test_sha256(void **state)
{
	static const struct {
		char c;
		size_t n;
		const char *want;
	} runs[] = {
		{ 'x', 55, "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072" },
		{ 'x', 56, "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e" },
		{ 'x', 64, "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c" },
		{ 'a', 1000000,
		  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
	};
	const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char out[65];
	struct sha256 s;
	uint8_t d1[SHA256_DIGEST_SIZE], d2[SHA256_DIGEST_SIZE];

	hexdigest("", 0, out);
	assert_string_equal(out,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hexdigest("abc", 3, out);
	assert_string_equal(out,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hexdigest(two_blocks, strlen(two_blocks), out);
	assert_string_equal(out,
			    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	for (size_t i = 0; i < ARRAY_SIZE(runs); i++) {
		_cleanup_free_ char *m = repeat(runs[i].c, runs[i].n);

		hexdigest(m, runs[i].n, out);
		assert_string_equal(out, runs[i].want);
	}
	/* Fed in pieces, the same digest. */
	sha256_init(&s);
	for (const char *p = two_blocks; *p; p++)
		sha256_update(&s, p, 1);
	sha256_final(&s, d1);
	sha256(two_blocks, strlen(two_blocks), d2);
	assert_memory_equal(d1, d2, sizeof(d1));
}

static void test_volume_id_known(void **state)
{
	/* `printf %s NAME | sha256sum | cut -c1-24`, as names.c documents. */
	static const struct {
		const char *name, *id;
	} cases[] = {
		{ "pvc-0b7e4c9e-1111-2222-3333-444455556666", "pvc-bd43ab973a4615925f25fd4b" },
		{ "a", "pvc-ca978112ca1bbdcafac231b3" },
		{ "\xc3\xa9", "pvc-4a99557e4033c3539de2eb65" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *id = NULL;

		assert_int_equal(volume_id_from_request_name(cases[i].name, &id), 0);
		assert_string_equal(id, cases[i].id);
	}
}

static void test_volume_id_properties(void **state)
{
	_cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *longest = repeat('n', 253);
	_cleanup_free_ char *too_long = repeat('n', 254), *id = NULL;
	char *untouched = (char *)"untouched";

	assert_int_equal(volume_id_from_request_name("pvc-1", &a), 0);
	assert_int_equal(volume_id_from_request_name("pvc-1", &b), 0);
	assert_int_equal(volume_id_from_request_name("pvc-2", &c), 0);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_int_equal(strlen(a), VOLUME_ID_LEN);
	assert_true(VOLUME_ID_LEN <= VOLUME_ID_MAX);
	assert_true(volume_id_is_valid(a));
	assert_true(name_is_dns1123_label(a));
	assert_int_equal(strspn(a + 4, "0123456789abcdef"), VOLUME_ID_LEN - 4);

	assert_int_equal(volume_id_from_request_name(longest, &id), 0);
	assert_true(volume_id_is_valid(id));
	assert_int_equal(volume_id_from_request_name(too_long, &untouched), -EINVAL);
	assert_int_equal(volume_id_from_request_name("", &untouched), -EINVAL);
	assert_int_equal(volume_id_from_request_name(NULL, &untouched), -EINVAL);
	assert_string_equal(untouched, "untouched");
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_volume_id_distinct(void **state)
{
	/* 2000 similar names: no two ids alike, so no truncation or hashing slip. */
	enum {
		N = 2000
	};
	char **ids = calloc(N, sizeof(char *));

	assert_non_null(ids);
	for (size_t i = 0; i < N; i++) {
		char name[32];

		snprintf(name, sizeof(name), "pvc-%zu", i);
		assert_int_equal(volume_id_from_request_name(name, &ids[i]), 0);
	}
	qsort(ids, N, sizeof(char *), compare_strings);
	for (size_t i = 1; i < N; i++)
		assert_string_not_equal(ids[i - 1], ids[i]);
	for (size_t i = 0; i < N; i++)
		free(ids[i]);
	free(ids);
}

static void test_volume_id_is_valid(void **state)
{
	assert_true(volume_id_is_valid("pvc-bd43ab973a4615925f25fd4b"));
	assert_true(volume_id_is_valid("v"));
	assert_true(volume_id_is_valid("abcdefghijabcdefghijabcdefghija"));   /* 31 */
	assert_false(volume_id_is_valid("abcdefghijabcdefghijabcdefghijab")); /* 32 */
	assert_false(volume_id_is_valid("a.b"));
	assert_false(volume_id_is_valid("Pvc-1"));
	assert_false(volume_id_is_valid(""));
	assert_false(volume_id_is_valid(NULL));
}

/* The example of RFC 9562 appendix B.2: DNS namespace, "www.example.com". */
static void test_uuid_v8_rfc9562(void **state)
{
	static const uint8_t ns_dns[16] = { 0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
					    0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8 };
	char u[UUID_STRING_LEN + 1];

	uuid_v8_sha256(ns_dns, "www.example.com", 15, u);
	assert_string_equal(u, "5c146b14-3c52-8afd-938a-375d0df1fbf6");
	/* MeshStor's namespace is derived the same way, as names.c says. */
	uuid_v8_sha256(ns_dns, "meshstor.io", 11, u);
	assert_string_equal(u, "8366db61-be91-8183-bac2-66b35ccfa451");
}

static void test_partition_uuid(void **state)
{
	static const struct {
		const char *id;
		unsigned index;
		const char *want;
	} cases[] = {
		{ "pvc-bd43ab973a4615925f25fd4b", 0, "c6fcaa4a-e471-8197-a4ee-05a909b9060b" },
		{ "pvc-bd43ab973a4615925f25fd4b", 7, "431ff1a7-44f7-8698-b687-8d1df4caf786" },
		{ "pvc-ca978112ca1bbdcafac231b3", 0, "4026e410-45e6-81b0-a146-b0fc10b5e260" },
	};
	char u[UUID_STRING_LEN + 1], v[UUID_STRING_LEN + 1];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(partition_uuid_for_member(cases[i].id, cases[i].index, u), 0);
		assert_string_equal(u, cases[i].want);
		assert_true(name_is_lowercase_uuid(u));
		assert_int_equal(u[14], '8');		    /* version 8 */
		assert_true(strchr("89ab", u[19]) != NULL); /* variant 10 */
	}
	assert_int_equal(partition_uuid_for_member("pvc-bd43ab973a4615925f25fd4b", 4294967295u, u),
			 0);
	assert_int_equal(partition_uuid_for_member("pvc-bd43ab973a4615925f25fd4b", 1, v), 0);
	assert_string_not_equal(u, v);

	memcpy(u, "untouched", 10);
	assert_int_equal(partition_uuid_for_member("Bad", 0, u), -EINVAL);
	assert_int_equal(partition_uuid_for_member(NULL, 0, u), -EINVAL);
	assert_string_equal(u, "untouched");
}

static void test_member_nqn(void **state)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	_cleanup_free_ char *longest = repeat('a', VOLUME_ID_MAX);

	assert_int_equal(member_nqn("pvc-bd43ab973a4615925f25fd4b", 3, &sb), 0);
	assert_string_equal(sb.buf, "nqn.2024-01.io.meshstor:vol:pvc-bd43ab973a4615925f25fd4b:m3");
	strbuf_reset(&sb);
	assert_int_equal(member_nqn(longest, 4294967295u, &sb), 0);
	assert_true(sb.len <= NQN_MAX);
	strbuf_reset(&sb);
	assert_int_equal(member_nqn("a:b", 0, &sb), -EINVAL);
	assert_int_equal(member_nqn(NULL, 0, &sb), -EINVAL);
	assert_int_equal(sb.len, 0);
}

static void test_volume_id_is_ours(void **state)
{
	static const char *const not_ours[] = {
		"invalid-token",
		"pvc-",
		"pvc-0123456789abcdef0123456",
		"pvc-0123456789abcdef012345678",
		"pvc-0123456789ABCDEF01234567",
		"pvx-0123456789abcdef01234567",
		"pvc-0123456789abcdef0123456g",
		"",
	};
	char *id;

	assert_int_equal(volume_id_from_request_name("pvc-1234", &id), 0);
	assert_true(volume_id_is_ours(id));
	free(id);
	assert_true(volume_id_is_ours("pvc-0123456789abcdef01234567"));
	for (size_t i = 0; i < sizeof(not_ours) / sizeof(not_ours[0]); i++)
		if (volume_id_is_ours(not_ours[i]))
			fail_msg("\"%s\" taken as ours", not_ours[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns_names),
		cmocka_unit_test(test_dns_lengths),
		cmocka_unit_test(test_label_values),
		cmocka_unit_test(test_uuid_shape),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_volume_id_known),
		cmocka_unit_test(test_volume_id_properties),
		cmocka_unit_test(test_volume_id_distinct),
		cmocka_unit_test(test_volume_id_is_valid),
		cmocka_unit_test(test_uuid_v8_rfc9562),
		cmocka_unit_test(test_partition_uuid),
		cmocka_unit_test(test_member_nqn),
		cmocka_unit_test(test_volume_id_is_ours),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
